//! # 카운터 샘플에서 rate() 구하기 / rate() from counter samples
//!
//! **한국어.** Prometheus가 카운터(예: `requests_total`)를 스크레이프한 샘플 `(시각 초, 값)`이 시각 순으로
//! 주어집니다. 구간 전체의 초당 증가율을 구하세요. Prometheus의 `rate()`와 같은 일을 하되, 구간 끝으로
//! 외삽(extrapolation)은 하지 않습니다.
//!
//! - 증가량은 이웃한 샘플 사이 증가분의 합입니다. 값이 줄었다면 프로세스가 재시작해서 카운터가 0부터 다시
//!   센 것(리셋)이므로, 그 구간의 증가분은 줄어든 뒤의 값 그대로입니다.
//! - 증가율 = 증가량 / (마지막 시각 − 첫 시각).
//! - 샘플이 2개 미만이면 `Ok(None)`입니다.
//! - 잘못된 입력은 `Err`입니다. 시각이 유한하지 않거나 순증가하지 않을 때, 값이 음수이거나 유한하지 않을 때.
//!
//! **English.** Samples `(time in seconds, value)` of a counter (say `requests_total`) as
//! Prometheus scraped them are given in time order. Compute the per-second increase over
//! the whole range: what Prometheus' `rate()` does, without extrapolating to the range's
//! edges.
//!
//! - The increase is the sum of the increases between neighbouring samples. A value that
//!   went down means the process restarted and the counter began again from 0 (a reset),
//!   so that step's increase is the new value itself.
//! - rate = increase / (last time − first time).
//! - Fewer than 2 samples: `Ok(None)`.
//! - Bad input is an `Err`: a time that is not finite or not strictly after the previous
//!   one, a value that is negative or not finite.

use scale_lab::Error;

/// The counter's per-second increase over `samples` (time, value), resets included.
pub fn counter_rate(samples: &[(f64, f64)]) -> Result<Option<f64>, Error> {
    for (i, &(time, value)) in samples.iter().enumerate() {
        if !time.is_finite() {
            return Err(Error::param("time", time, "a finite number of seconds"));
        }
        if i > 0 && time <= samples[i - 1].0 {
            return Err(Error::param(
                "time",
                time,
                "strictly after the previous sample",
            ));
        }
        if !(value.is_finite() && value >= 0.0) {
            return Err(Error::param("value", value, "a finite counter value ≥ 0"));
        }
    }
    let (Some(first), Some(last)) = (samples.first(), samples.last()) else {
        return Ok(None);
    };
    if samples.len() < 2 {
        return Ok(None);
    }
    let increase: f64 = samples
        .windows(2)
        .map(|w| {
            let (before, after) = (w[0].1, w[1].1);
            // A drop is a restart: the counter counted `after` since it began again at 0.
            if after >= before {
                after - before
            } else {
                after
            }
        })
        .sum();
    Ok(Some(increase / (last.0 - first.0)))
}

#[cfg(test)]
#[path = "../checks/counter_rate.rs"]
mod checks;
