//! # 지수 분포 표본 만들기 (역변환 샘플링) / An exponential sample from a uniform one (inverse transform)
//!
//! **한국어.** 시뮬레이터는 균등 난수 `u` (0 이상 1 미만) 하나로 "다음 요청까지 걸리는 시간"
//! 같은 지수 분포 (exponential distribution) 표본을 만듭니다. 평균이 `1 / rate` 초인 지수
//! 분포의 누적 분포 함수는 F(x) = 1 − e^(−rate·x) 이고, 이것을 x 에 대해 풀면
//! 표본 하나를 얻습니다. `exponential(u, rate)` 를 구현하세요.
//!
//! - `rate` 는 유한한 양수여야 합니다 (0, 음수, NaN, 무한대는 `Err`).
//! - `u` 는 `[0, 1)` 안에 있어야 합니다 (1.0, 음수, NaN 은 `Err`).
//! - `u = 0` 이면 0 을 돌려줍니다. `u` 가 커질수록 결과도 커져야 합니다.
//!
//! **English.** The simulator turns one uniform random number `u` in [0, 1) into an
//! exponential sample — the time until the next request, say. The exponential
//! distribution with mean `1 / rate` seconds has the cumulative distribution function
//! F(x) = 1 − e^(−rate·x); solve it for x and you have a sample. Implement
//! `exponential(u, rate)`.
//!
//! - `rate` must be a finite number > 0 (0, negative, NaN or infinite: `Err`).
//! - `u` must be in [0, 1) (1.0, negative or NaN: `Err`).
//! - `u = 0` gives 0, and a larger `u` gives a larger sample.

use scale_lab::{Error, Result};

/// An exponential sample of rate `rate` (mean `1 / rate`) from a uniform `u` in [0, 1).
pub fn exponential(u: f64, rate: f64) -> Result<f64> {
    todo!("solve u = 1 − e^(−rate·x) for x, after checking u and rate")
}

#[cfg(test)]
#[path = "../checks/exponential.rs"]
mod checks;
