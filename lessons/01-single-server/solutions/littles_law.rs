//! # 실행 기록에서 리틀의 법칙 확인하기 / Little's law from a run
//!
//! **한국어.** 서버 앞에 평균 L 개의 요청이 있고 (대기 중 + 처리 중), 요청이 초당 λ 개
//! 들어오고, 요청 하나가 평균 W 초 머문다면 L = λW 입니다 (리틀의 법칙, Little's law).
//! 요청마다 도착 시각과 떠난 시각이 기록된 실행 결과에서 관측 구간 `[from, to)` 의
//! 세 값을 각각 따로 구하세요.
//!
//! - L: 구간 동안 서버에 있던 요청 수 N(t) 의 시간 평균. 각 요청이 구간 안에 머문 시간을
//!   더한 뒤 구간 길이로 나누면 됩니다 (구간 경계에 걸친 요청은 안쪽 부분만 셉니다).
//! - λ: 구간 안에 (`from <= 도착 < to`) 도착한 요청 수 ÷ 구간 길이.
//! - W: 구간 안에 도착한 요청들의 평균 체류 시간 (떠난 시각 − 도착 시각, 구간 밖까지 포함).
//!
//! 구간 경계에 걸친 요청 때문에 L 과 λW 는 정확히 같지 않을 수 있지만, 긴 실행에서는 거의
//! 같아집니다. 오류 (`Err`): 두 슬라이스의 길이가 다름, 떠난 시각이 도착 시각보다 이름,
//! NaN·무한대·음수 시각, `to <= from`, 구간 안에 도착한 요청이 없음.
//!
//! **English.** If L requests are at a server on average (waiting + in service),
//! λ requests arrive per second and each stays W seconds on average, then L = λW
//! (Little's law). From a run's record — each request's arrival and departure time —
//! compute the three separately over the observation window `[from, to)`:
//!
//! - L: the time-average of N(t), the number of requests at the server, over the window:
//!   add up the time each request spent inside the window and divide by its length (a
//!   request that straddles an edge counts only its part inside).
//! - λ: requests that arrived in the window (`from <= arrival < to`) ÷ its length.
//! - W: the mean time in the system (departure − arrival, even past the window's end) of
//!   the requests that arrived in the window.
//!
//! Requests that straddle the window's edges make L and λW differ a little; over a long
//! run they agree. Errors (`Err`): slices of different lengths, a departure before its
//! arrival, a NaN, infinite or negative time, `to <= from`, no arrival in the window.

use scale_lab::{Error, Result};

/// L, λ and W measured over one window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Little {
    /// The time-average number of requests at the server.
    pub l: f64,
    /// Arrivals per second.
    pub lambda: f64,
    /// The mean time a request spends at the server, in seconds.
    pub w: f64,
}

impl Little {
    /// L / (λ·W): 1 when Little's law holds exactly.
    pub fn ratio(&self) -> f64 {
        self.l / (self.lambda * self.w)
    }
}

/// L, λ and W over the window `[from, to)` from each request's arrival and departure
/// time (same index, same request).
pub fn measure(arrivals: &[f64], departures: &[f64], from: f64, to: f64) -> Result<Little> {
    if arrivals.len() != departures.len() {
        return Err(Error::InvalidConfig(format!(
            "{} arrivals but {} departures: give both times of every request",
            arrivals.len(),
            departures.len()
        )));
    }
    let time = |name, x: f64| {
        if x.is_finite() && x >= 0.0 {
            Ok(x)
        } else {
            Err(Error::param(name, x, "a finite time >= 0"))
        }
    };
    time("from", from)?;
    if !(to.is_finite() && to > from) {
        return Err(Error::param("to", to, format!("a finite time > from ({from})")));
    }
    let span = to - from;
    let mut area = 0.0; // ∫ N(t) dt over the window
    let mut arrived = 0usize;
    let mut time_in_system = 0.0;
    for (&a, &d) in arrivals.iter().zip(departures) {
        time("arrival", a)?;
        time("departure", d)?;
        if d < a {
            return Err(Error::param(
                "departure",
                d,
                format!("at or after its arrival ({a})"),
            ));
        }
        // N(t) counts this request on [a, d): its share of the area is the overlap of
        // that interval with the window.
        area += (d.min(to) - a.max(from)).max(0.0);
        if (from..to).contains(&a) {
            arrived += 1;
            time_in_system += d - a;
        }
    }
    if arrived == 0 {
        return Err(Error::InvalidConfig(format!(
            "no request arrived in the window [{from}, {to}): λ and W are undefined"
        )));
    }
    Ok(Little {
        l: area / span,
        lambda: arrived as f64 / span,
        w: time_in_system / arrived as f64,
    })
}

#[cfg(test)]
#[path = "../checks/littles_law.rs"]
mod checks;
