//! # 린들리 점화식으로 대기 시간 구하기 / Waiting times with Lindley's recursion
//!
//! **한국어.** 서버 하나가 요청을 도착 순서대로 (FIFO) 처리합니다. 요청 n 이 대기열에서
//! 기다린 시간을 W(n), 처리 시간을 S(n), 요청 n 과 n+1 의 도착 간격을 A(n+1) 이라고 하면
//! 다음 요청의 대기 시간은 린들리 점화식 (Lindley's recursion)
//! W(n+1) = max(0, W(n) + S(n) − A(n+1)) 로 정해집니다. 첫 요청은 빈 서버에 도착하므로
//! W(0) = 0 입니다. 이벤트 큐 없이도 단일 서버를 정확히 시뮬레이션하는 방법이에요.
//! `waiting_times(interarrivals, services)` 를 구현하세요.
//!
//! - `interarrivals[i]` 는 요청 i−1 과 요청 i 의 도착 간격입니다 (`interarrivals[0]` 은
//!   시작부터 첫 요청까지의 시간이라 대기 시간에 영향을 주지 않습니다).
//!   `services[i]` 는 요청 i 의 처리 시간입니다. 결과의 i 번째 값은 요청 i 의 대기 시간입니다.
//! - 두 슬라이스의 길이가 다르면 `Err` 입니다.
//! - 빈 입력이면 빈 `Vec` 을 돌려줍니다 (요청이 없으면 대기도 없습니다).
//! - 음수나 NaN, 무한대인 시간이 있으면 `Err` 입니다.
//!
//! **English.** One server handles requests in arrival order (FIFO). If request n waited
//! W(n) in the queue, needed S(n) of service, and request n+1 arrived A(n+1) after it,
//! then request n+1 waits W(n+1) = max(0, W(n) + S(n) − A(n+1)) — Lindley's recursion.
//! The first request finds the server empty: W(0) = 0. It simulates one server exactly,
//! without an event queue. Implement `waiting_times(interarrivals, services)`.
//!
//! - `interarrivals[i]` is the time between the arrivals of requests i−1 and i
//!   (`interarrivals[0]`, from the start to the first arrival, does not change any wait);
//!   `services[i]` is request i's service time. Element i of the result is request i's
//!   wait.
//! - Slices of different lengths are an `Err`.
//! - Empty input gives an empty `Vec` (no requests, no waits).
//! - A negative, NaN or infinite time is an `Err`.

use scale_lab::{Error, Result};

/// The queue wait of every request at one FIFO server, from the times between arrivals
/// and the service times.
pub fn waiting_times(interarrivals: &[f64], services: &[f64]) -> Result<Vec<f64>> {
    todo!("W(0) = 0, then W(n+1) = max(0, W(n) + S(n) − A(n+1))")
}

#[cfg(test)]
#[path = "../checks/lindley.rs"]
mod checks;
