//! # p99 목표 아래에서 서버 한 대가 받을 수 있는 최대 사용자 수 / The most users one server takes under a p99 target
//!
//! **한국어.** 서버 한 대가 요청을 하나씩 처리하고 (처리 시간은 평균 `service_ms` 밀리초인
//! 지수 분포), 활성 사용자 한 명이 초당 평균 `requests_per_user` 개의 요청을 보냅니다
//! (사용자 전체로는 포아송 도착). 이것은 M/M/1 대기열이고, 응답 시간은 비율 μ − λ 인 지수
//! 분포를 따르므로 p99 는 ln(100) / (μ − λ) 초입니다 (μ = 1000 / `service_ms`,
//! λ = 사용자 수 × `requests_per_user`). p99 가 `p99_target_ms` 이하로 유지되는 가장 많은
//! 사용자 수를 돌려주는 `max_users` 를 구현하세요.
//!
//! - 사용률 ρ = λ / μ 는 1 보다 작아야 합니다. ρ ≥ 1 이면 대기열이 끝없이 자라므로
//!   목표가 아무리 느슨해도 답은 용량 (μ / `requests_per_user`) 보다 작습니다.
//! - 사용자 한 명으로도 목표를 지킬 수 없으면 0 을 돌려줍니다.
//! - 모든 인자는 유한한 양수여야 합니다 (아니면 `Err`).
//!
//! **English.** One server handles one request at a time (exponential service times of
//! mean `service_ms` milliseconds); each active user sends `requests_per_user` requests
//! per second on average (Poisson arrivals, all users together). That is an M/M/1 queue,
//! whose response time is exponential with rate μ − λ, so its p99 is ln(100) / (μ − λ)
//! seconds (μ = 1000 / `service_ms`, λ = users × `requests_per_user`). Implement
//! `max_users`: the most users for which the p99 stays at or under `p99_target_ms`.
//!
//! - The utilisation ρ = λ / μ must stay below 1: at ρ ≥ 1 the queue grows forever, so
//!   however loose the target, the answer is below the capacity μ / `requests_per_user`.
//! - If not even one user can be served within the target, return 0.
//! - Every argument must be a finite number > 0 (otherwise `Err`).

use scale_lab::{Error, Result};

/// The most users one M/M/1 server keeps at a p99 of at most `p99_target_ms`.
pub fn max_users(service_ms: f64, requests_per_user: f64, p99_target_ms: f64) -> Result<u64> {
    let positive = |name, x: f64| {
        if x.is_finite() && x > 0.0 {
            Ok(x)
        } else {
            Err(Error::param(name, x, "a finite number > 0"))
        }
    };
    let mu = 1e3 / positive("service_ms", service_ms)?;
    let r = positive("requests_per_user", requests_per_user)?;
    let target = positive("p99_target_ms", p99_target_ms)? / 1e3;
    // p99(n) = ln(100) / (μ − n·r) for n·r < μ; it grows with n, so the answer is the
    // largest n that is both stable and within the target.
    let meets = |n: u64| {
        let lambda = n as f64 * r;
        lambda < mu && 100f64.ln() / (mu - lambda) <= target
    };
    // ln(100) / (μ − λ) ≤ T  ⇔  λ ≤ μ − ln(100) / T.
    let lambda_max = mu - 100f64.ln() / target;
    if lambda_max < r {
        return Ok(0);
    }
    let mut n = (lambda_max / r).floor() as u64;
    // Rounding can put the estimate one off either way: settle it on the exact test.
    while n > 0 && !meets(n) {
        n -= 1;
    }
    while meets(n + 1) {
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
#[path = "../checks/max_users.rs"]
mod checks;
