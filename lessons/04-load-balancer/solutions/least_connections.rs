//! # 최소 연결 로드 밸런서 / A least-connections balancer
//!
//! **한국어.** 로드 밸런서는 서버마다 처리 중인 요청 수(in flight)를 셉니다. 최소 연결
//! (least connections) 정책은 다음 요청을 처리 중 요청이 가장 적은 서버에 보냅니다.
//! `LeastConnections::pick(in_flight, healthy)` 를 구현하세요.
//!
//! - `in_flight[i]` 는 서버 i 의 처리 중 요청 수, `healthy[i]` 는 서버 i 가 로테이션에
//!   있는지(헬스 체크 통과)입니다. 건강하지 않은 서버는 절대 고르지 않습니다.
//! - 서버가 없거나 건강한 서버가 하나도 없으면 `Ok(None)` 입니다.
//! - 두 슬라이스의 길이가 다르면 `Err` 입니다.
//! - 동점이면 돌아가며 고릅니다: 지난번에 고른 서버 **다음** 인덱스부터 (처음에는 0 부터)
//!   순환하며 찾아서 최솟값을 가진 첫 서버를 고릅니다. 그래야 한가한 서버들이 차례로 일을
//!   받고, 늘 0 번 서버만 받는 일이 없습니다.
//!
//! **English.** A load balancer counts the requests in flight at each server. The least
//! connections policy sends the next request to the server with the fewest. Implement
//! `LeastConnections::pick(in_flight, healthy)`.
//!
//! - `in_flight[i]` is server i's requests in flight; `healthy[i]` says whether server i
//!   is in rotation (passes its health checks). Never pick an unhealthy server.
//! - No servers, or no healthy server: `Ok(None)`.
//! - Slices of different lengths are an `Err`.
//! - Ties take turns: search circularly starting from the index **after** the last
//!   server picked (from 0 the first time) and pick the first server with the minimum.
//!   Idle servers then share the work instead of server 0 getting all of it.

use scale_lab::{Error, Result};

/// A least-connections picker that remembers where the last search ended.
#[derive(Debug, Clone, Default)]
pub struct LeastConnections {
    /// Where the next search starts (one past the last server picked).
    start: usize,
}

impl LeastConnections {
    /// A new picker (the first search starts at server 0).
    pub fn new() -> Self {
        LeastConnections { start: 0 }
    }

    /// The healthy server with the fewest requests in flight (ties take turns), or
    /// `None` if no server is healthy.
    pub fn pick(&mut self, in_flight: &[u32], healthy: &[bool]) -> Result<Option<usize>> {
        if in_flight.len() != healthy.len() {
            return Err(Error::InvalidConfig(format!(
                "{} in-flight counts for {} health flags: give one of each per server",
                in_flight.len(),
                healthy.len()
            )));
        }
        let n = in_flight.len();
        let mut best: Option<usize> = None;
        // Visit start, start + 1, ..., wrapping around: the first minimum found wins,
        // so among equals the one right after the last pick goes next.
        for k in 0..n {
            let i = (self.start + k) % n;
            if !healthy[i] {
                continue;
            }
            if best.is_none_or(|b| in_flight[i] < in_flight[b]) {
                best = Some(i);
            }
        }
        if let Some(i) = best {
            self.start = i + 1;
        }
        Ok(best)
    }
}

#[cfg(test)]
#[path = "../checks/least_connections.rs"]
mod checks;
