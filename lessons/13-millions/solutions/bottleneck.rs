//! # 이용률로 병목 찾기 / Finding the bottleneck from utilisations
//!
//! **한국어.** 11강과 13강에서 한 일을 함수로 만듭니다. 초당 `rate` 건의 요청에서 계층마다
//! 가장 바쁜 구성 요소의 이용률(0 이상, 1 = 100 %)을 쟀습니다. 이용률은 요청 수에 비례한다고
//! 보고, `headroom(rate, tiers, target)` 을 구현하세요.
//!
//! - 병목은 이용률이 가장 높은 계층입니다. 동점이면 목록에서 **먼저** 나온 계층입니다.
//! - `max_rate` 는 병목이 이용률 `target` 에 닿는 요청률입니다:
//!   `rate × target / 병목의 이용률`.
//! - `next` 는 두 번째로 바쁜 계층(병목을 고친 뒤 다음에 닿을 곳)과 그 계층이 `target` 에
//!   닿는 요청률입니다. 계층이 하나뿐이면 `None` 입니다.
//! - 검증(어기면 `Err`): `rate` 는 0 보다 큰 유한한 수, `target` 은 0 초과 1 이하, 목록이
//!   비어 있지 않고, 이용률은 모두 0 이상 유한한 수이며, 적어도 하나는 0 보다 커야 합니다
//!   (아무도 일하지 않으면 병목을 알 수 없습니다). 이용률이 0 인 계층은 `next` 가 될 수
//!   없습니다.
//!
//! **English.** Turn what lessons 11 and 13 did into a function. At `rate` requests per
//! second you measured the utilisation (≥ 0, 1 = 100 %) of the busiest component of each
//! tier. Taking utilisation as proportional to the request rate, implement
//! `headroom(rate, tiers, target)`.
//!
//! - The bottleneck is the tier with the highest utilisation; on a tie, the one listed
//!   **first**.
//! - `max_rate` is the rate at which the bottleneck reaches utilisation `target`:
//!   `rate × target / the bottleneck's utilisation`.
//! - `next` is the second-busiest tier (where you hit the wall after fixing the
//!   bottleneck) and the rate at which it reaches `target`; `None` with a single tier.
//! - Validation (`Err` otherwise): `rate` is finite and > 0, `target` is in (0, 1], the list
//!   is not empty, every utilisation is finite and ≥ 0, and at least one is > 0 (if
//!   nothing works, there is no bottleneck). A tier at 0 cannot be `next`.

use scale_lab::{Error, Result};

/// Where the wall is.
#[derive(Debug, Clone, PartialEq)]
pub struct Headroom {
    /// The bottleneck tier's name.
    pub bottleneck: String,
    /// The request rate at which it reaches the target utilisation.
    pub max_rate: f64,
    /// The second-busiest tier and its own maximum rate, if there is one.
    pub next: Option<(String, f64)>,
}

/// The bottleneck among `tiers` (name, utilisation measured at `rate`) and how far the
/// rate can grow before it reaches `target`.
pub fn headroom(rate: f64, tiers: &[(&str, f64)], target: f64) -> Result<Headroom> {
    if !(rate.is_finite() && rate > 0.0) {
        return Err(Error::param("rate", rate, "a finite number > 0"));
    }
    if !(target > 0.0 && target <= 1.0) {
        return Err(Error::param("target", target, "in (0, 1]"));
    }
    if tiers.is_empty() {
        return Err(Error::InvalidConfig("no tiers to compare".into()));
    }
    if let Some((name, u)) = tiers.iter().find(|(_, u)| !(u.is_finite() && *u >= 0.0)) {
        return Err(Error::InvalidConfig(format!(
            "tier `{name}` has utilisation {u}: it must be finite and ≥ 0"
        )));
    }
    // A stable sort by decreasing utilisation keeps the listed order among ties.
    let mut ranked: Vec<&(&str, f64)> = tiers.iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let (name, busiest) = *ranked[0];
    if busiest == 0.0 {
        return Err(Error::InvalidConfig(
            "every tier is idle: no bottleneck to find".into(),
        ));
    }
    // Utilisation grows in proportion to the rate: u(r') = u · r'/rate.
    let reach = |u: f64| rate * target / u;
    let next = ranked
        .get(1)
        .filter(|(_, u)| *u > 0.0)
        .map(|&&(n, u)| (n.to_string(), reach(u)));
    Ok(Headroom {
        bottleneck: name.to_string(),
        max_rate: reach(busiest),
        next,
    })
}

#[cfg(test)]
#[path = "../checks/bottleneck.rs"]
mod checks;
