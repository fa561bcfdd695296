//! # 버킷에서 백분위 구하기 / A percentile from histogram buckets
//!
//! **한국어.** Prometheus 식 히스토그램이 버킷 상한 `bounds`와 버킷별 관측 수 `counts`(누적이 아닌
//! 버킷마다의 수)로 주어집니다. 마지막 상한은 `f64::INFINITY`(`+Inf`)일 수 있습니다. `p`번째 백분위를
//! *최근접 순위*(nearest rank) 방식으로 구하세요.
//!
//! - 관측 수가 `N`일 때 순위는 `⌈p·N/100⌉`이고 최소 1입니다. `p·N/100`으로 계산해서 `p = 99`,
//!   `N = 100`이면 정확히 99가 나오게 하세요.
//! - 답은 그 순위의 관측값이 들어 있는 버킷의 상한입니다(버킷 안의 정확한 값은 알 수 없으니, 넘지 않는
//!   값을 보고합니다). `+Inf` 버킷이면 `f64::INFINITY`를 돌려줍니다.
//! - `p = 0`은 가장 작은 관측값의 버킷, `p = 100`은 가장 큰 관측값의 버킷입니다.
//! - 관측이 없으면 `Ok(None)`입니다.
//! - 잘못된 입력은 `Err`입니다. `p`가 0..=100 밖이거나 NaN일 때, `bounds`가 비었거나 `counts`와 길이가
//!   다를 때, 상한이 NaN이거나 순증가하지 않을 때. `p`는 관측이 없어도 검사합니다.
//!
//! **English.** A Prometheus-style histogram is given as its bucket upper bounds `bounds`
//! and the number of observations in each bucket `counts` (per bucket, not cumulative). The
//! last bound may be `f64::INFINITY` (`+Inf`). Compute the `p`-th percentile by the
//! *nearest-rank* method.
//!
//! - With `N` observations the rank is `⌈p·N/100⌉`, at least 1. Compute it as `p·N/100` so
//!   that `p = 99` with `N = 100` gives exactly rank 99.
//! - The answer is the upper bound of the bucket that holds the observation of that rank
//!   (its exact value is unknown, so report a value it does not exceed); for the `+Inf`
//!   bucket, `f64::INFINITY`.
//! - `p = 0` gives the bucket of the smallest observation, `p = 100` that of the largest.
//! - No observations: `Ok(None)`.
//! - Bad input is an `Err`: `p` outside 0..=100 or NaN, `bounds` empty or of a different
//!   length than `counts`, a bound that is NaN or not strictly above the previous one.
//!   Check `p` even when there are no observations.

use scale_lab::Error;

/// The nearest-rank `p`-th percentile of a histogram with upper bounds `bounds` and
/// per-bucket counts `counts`: the upper bound of the bucket holding that rank.
pub fn percentile_from_buckets(
    bounds: &[f64],
    counts: &[u64],
    p: f64,
) -> Result<Option<f64>, Error> {
    let _ = (bounds, counts, p);
    todo!("the nearest-rank percentile from the buckets")
}

#[cfg(test)]
#[path = "../checks/bucket_percentile.rs"]
mod checks;
