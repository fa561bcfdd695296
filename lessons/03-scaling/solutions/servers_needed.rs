//! # 목표 지연을 맞추는 서버 수 / Servers for a target latency (Erlang C)
//!
//! **한국어.** 요청이 초당 `rate`개 (포아송) 도착하고, 처리 시간은 평균 `service_time`초인
//! 지수 분포이며, 서버 `servers`개가 대기열 하나를 함께 씁니다 (M/M/c). 이 큐에서 요청이
//! 기다릴 확률은 얼랑 C (Erlang C) 공식 `C`이고, 대기 시간 W는
//! `P(W > t) = C × exp(−(cμ − λ) t)`를 따릅니다 (μ = 1 / service_time, λ = rate, c = servers).
//!
//! - [`wait_percentile`]: 대기 시간의 분위수 (`q`는 0과 1 사이, 0.99면 p99). `C ≤ 1 − q`이면
//!   그 분위의 요청은 기다리지 않으므로 0, 아니면 `ln(C / (1 − q)) / (cμ − λ)`입니다.
//!   `servers`가 0이면 [`SizingError::ZeroServers`], `cμ ≤ λ`이면 대기열이 끝없이 자라므로
//!   [`SizingError::Unstable`]입니다.
//! - [`servers_needed`]: 대기 시간의 `q` 분위수가 `target_wait`초 이하가 되는 가장 작은 서버
//!   수. 안정적인 (cμ > λ) 가장 작은 c부터 늘려 가며 찾으세요.
//! - 잘못된 입력: `rate`나 `service_time`이 양의 유한한 수가 아니면 [`SizingError::BadRate`] /
//!   [`SizingError::BadServiceTime`], `target_wait`가 음수이거나 유한하지 않으면
//!   [`SizingError::BadTarget`], `q`가 0 초과 1 미만이 아니면 [`SizingError::BadQuantile`].
//! - 얼랑 C는 `scale_lab::sim::theory::erlang_c(lambda, mu, c)`를 써도 되고 직접 구현해도
//!   됩니다.
//!
//! **English.** Requests arrive at `rate` per second (Poisson), service times are
//! exponential with mean `service_time` seconds, and `servers` servers share one queue
//! (M/M/c). The probability that a request waits is Erlang C, `C`, and the wait W follows
//! `P(W > t) = C × exp(−(cμ − λ) t)` (μ = 1 / service_time, λ = rate, c = servers).
//!
//! - [`wait_percentile`]: the `q` quantile of the wait (`q` between 0 and 1; 0.99 is p99).
//!   If `C ≤ 1 − q`, requests at that quantile do not wait: 0; otherwise
//!   `ln(C / (1 − q)) / (cμ − λ)`. Zero `servers` is [`SizingError::ZeroServers`];
//!   `cμ ≤ λ` is [`SizingError::Unstable`] (the queue grows without end).
//! - [`servers_needed`]: the fewest servers whose `q` quantile of the wait is at most
//!   `target_wait` seconds. Start from the smallest stable c (cμ > λ) and go up.
//! - Bad input: a `rate` or `service_time` that is not a positive finite number is
//!   [`SizingError::BadRate`] / [`SizingError::BadServiceTime`]; a negative or non-finite
//!   `target_wait` is [`SizingError::BadTarget`]; a `q` not strictly between 0 and 1 is
//!   [`SizingError::BadQuantile`].
//! - For Erlang C you may call `scale_lab::sim::theory::erlang_c(lambda, mu, c)` or write
//!   your own.

/// What can be wrong with a sizing question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizingError {
    /// `rate` is not a positive finite number.
    BadRate,
    /// `service_time` is not a positive finite number.
    BadServiceTime,
    /// `target_wait` is negative or not finite.
    BadTarget,
    /// `q` is not strictly between 0 and 1.
    BadQuantile,
    /// Zero servers.
    ZeroServers,
    /// The servers cannot keep up: servers / service_time ≤ rate.
    Unstable,
}

use scale_lab::sim::theory::erlang_c;

/// Checks rate, service time and quantile; returns (λ, μ).
fn check(rate: f64, service_time: f64, q: f64) -> Result<(f64, f64), SizingError> {
    if !(rate.is_finite() && rate > 0.0) {
        return Err(SizingError::BadRate);
    }
    if !(service_time.is_finite() && service_time > 0.0) {
        return Err(SizingError::BadServiceTime);
    }
    if !(q > 0.0 && q < 1.0) {
        return Err(SizingError::BadQuantile);
    }
    Ok((rate, 1.0 / service_time))
}

/// The quantile for checked inputs and a stable queue (c·μ > λ).
fn quantile(lambda: f64, mu: f64, c: usize, q: f64) -> f64 {
    // Stable by the caller's check, so erlang_c cannot fail.
    let wait_probability = erlang_c(lambda, mu, c).expect("a stable M/M/c queue");
    if wait_probability <= 1.0 - q {
        0.0
    } else {
        (wait_probability / (1.0 - q)).ln() / (c as f64 * mu - lambda)
    }
}

/// The `q` quantile of the queueing wait in an M/M/c queue, in seconds.
pub fn wait_percentile(
    rate: f64,
    service_time: f64,
    servers: usize,
    q: f64,
) -> Result<f64, SizingError> {
    let (lambda, mu) = check(rate, service_time, q)?;
    if servers == 0 {
        return Err(SizingError::ZeroServers);
    }
    if servers as f64 * mu <= lambda {
        return Err(SizingError::Unstable);
    }
    Ok(quantile(lambda, mu, servers, q))
}

/// The fewest servers whose `q` quantile of the wait is at most `target_wait` seconds.
pub fn servers_needed(
    rate: f64,
    service_time: f64,
    target_wait: f64,
    q: f64,
) -> Result<usize, SizingError> {
    let (lambda, mu) = check(rate, service_time, q)?;
    if !(target_wait.is_finite() && target_wait >= 0.0) {
        return Err(SizingError::BadTarget);
    }
    // The smallest c with c·μ > λ: the offered load λ/μ, rounded down, plus one.
    let mut c = (lambda / mu).floor() as usize + 1;
    // Terminates: as c grows the wait probability falls to 0, and with it the quantile.
    while quantile(lambda, mu, c, q) > target_wait {
        c += 1;
    }
    Ok(c)
}

#[cfg(test)]
#[path = "../checks/servers_needed.rs"]
mod checks;
