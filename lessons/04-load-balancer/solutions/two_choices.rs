//! # 두 개 중 선택 / The power of two choices
//!
//! **한국어.** 모든 서버를 보는 대신, 건강한 서버 중 **서로 다른** 두 대를 무작위로 뽑아
//! 처리 중 요청이 적은 쪽에 보냅니다. 서버가 수천 대이거나 로드 밸런서가 여러 대일 때도
//! 쓸 수 있으면서 최소 연결에 가까운 성능을 냅니다. `pick(in_flight, healthy, rng)` 를
//! 구현하세요.
//!
//! - 건강하지 않은 서버(`healthy[i] == false`)는 뽑지 않습니다.
//! - 건강한 서버가 없으면 `Ok(None)`, 한 대면 그 서버입니다 (난수를 쓰지 않아도 됩니다).
//! - 두 대 이상이면 건강한 서버 중 서로 다른 두 대를 균등하게 뽑습니다 (`rng.index(n)` 은
//!   `0..n` 의 균등 난수입니다). 처리 중 요청이 더 적은 쪽을, 같으면 먼저 뽑은 쪽을 고릅니다.
//! - 두 슬라이스의 길이가 다르면 `Err` 입니다.
//!
//! **English.** Instead of looking at every server, draw two **different** healthy servers
//! at random and send the request to the one with fewer requests in flight. It works for
//! fleets of thousands and for many balancers, and comes close to least connections.
//! Implement `pick(in_flight, healthy, rng)`.
//!
//! - Never draw an unhealthy server (`healthy[i] == false`).
//! - No healthy server: `Ok(None)`; exactly one: that one (no randomness needed).
//! - Two or more: draw two different healthy servers uniformly (`rng.index(n)` is uniform
//!   in `0..n`); pick the one with fewer in flight, the first drawn on a tie.
//! - Slices of different lengths are an `Err`.

use scale_lab::sim::SimRng;
use scale_lab::{Error, Result};

/// The less busy of two different healthy servers drawn at random, or `None` if no
/// server is healthy.
pub fn pick(in_flight: &[u32], healthy: &[bool], rng: &mut SimRng) -> Result<Option<usize>> {
    if in_flight.len() != healthy.len() {
        return Err(Error::InvalidConfig(format!(
            "{} in-flight counts for {} health flags: give one of each per server",
            in_flight.len(),
            healthy.len()
        )));
    }
    let up: Vec<usize> = (0..healthy.len()).filter(|&i| healthy[i]).collect();
    match up.len() {
        0 => Ok(None),
        1 => Ok(Some(up[0])),
        m => {
            // Two different positions, uniformly: draw the second from the m − 1 others
            // and step over the first.
            let a = rng.index(m);
            let mut b = rng.index(m - 1);
            if b >= a {
                b += 1;
            }
            let (a, b) = (up[a], up[b]);
            Ok(Some(if in_flight[b] < in_flight[a] { b } else { a }))
        }
    }
}

#[cfg(test)]
#[path = "../checks/two_choices.rs"]
mod checks;
