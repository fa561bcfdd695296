//! # 장애 조치가 되는 지리 라우팅 / Geo-routing with failover
//!
//! **한국어** — GeoDNS가 하는 일을 구현하세요. 어느 지역 사용자의 데이터 센터별 왕복
//! 시간(RTT, 밀리초)과 각 데이터 센터가 정상인지가 주어지면, 그 사용자를 보낼 데이터
//! 센터의 번호를 돌려줍니다.
//!
//! - 정상인 데이터 센터 가운데 RTT가 가장 작은 곳을 고릅니다.
//! - RTT가 같으면 번호가 작은 쪽을 고릅니다(같은 입력에는 언제나 같은 답).
//! - 두 목록의 길이가 다르면 `RouteError::Mismatch`, RTT가 음수이거나 NaN이면(정상이
//!   아닌 곳이라도) `RouteError::BadRtt { dc }`(가장 앞의 잘못된 번호), 정상인 곳이
//!   하나도 없으면(목록이 비어 있어도) `RouteError::AllDown`입니다. 검사는 이 순서로 합니다.
//!
//! **English** — Implement what GeoDNS does. Given the round trip (RTT, milliseconds) from
//! one region's users to each data center and whether each data center is healthy, return
//! the index of the data center to send those users to.
//!
//! - Pick the healthy data center with the smallest RTT.
//! - On a tie, the lower index wins (the same input always gets the same answer).
//! - Lists of different lengths are `RouteError::Mismatch`; a negative or NaN RTT (even
//!   of an unhealthy data center) is `RouteError::BadRtt { dc }` (the first bad index);
//!   no healthy data center (or none at all) is `RouteError::AllDown`. Check in this
//!   order.

/// Why no data center could be chosen.
#[derive(Debug, Clone, PartialEq)]
pub enum RouteError {
    /// `rtt_ms` and `healthy` have different lengths.
    Mismatch {
        /// Length of `rtt_ms`.
        rtts: usize,
        /// Length of `healthy`.
        health: usize,
    },
    /// The RTT of data center `dc` is negative or NaN.
    BadRtt {
        /// The first data center with a bad RTT.
        dc: usize,
    },
    /// No data center is healthy: the users get an error page.
    AllDown,
}

/// The healthy data center with the least RTT (lowest index on a tie).
pub fn nearest_healthy(rtt_ms: &[f64], healthy: &[bool]) -> Result<usize, RouteError> {
    if rtt_ms.len() != healthy.len() {
        return Err(RouteError::Mismatch {
            rtts: rtt_ms.len(),
            health: healthy.len(),
        });
    }
    // `!(x >= 0.0)` is true for negatives and for NaN.
    if let Some(dc) = rtt_ms.iter().position(|&x| !(x >= 0.0)) {
        return Err(RouteError::BadRtt { dc });
    }
    let mut best: Option<usize> = None;
    for (dc, (&rtt, &up)) in rtt_ms.iter().zip(healthy).enumerate() {
        // Strictly smaller: on a tie the earlier (lower) index stays.
        if up && best.is_none_or(|b| rtt < rtt_ms[b]) {
            best = Some(dc);
        }
    }
    best.ok_or(RouteError::AllDown)
}

#[cfg(test)]
#[path = "../checks/geo_route.rs"]
mod checks;
