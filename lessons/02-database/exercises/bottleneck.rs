//! # 병목 계층 찾기 / Finding the bottleneck tier
//!
//! **한국어.** 요청 하나가 여러 계층 (웹 서버, DB, ...)을 거칩니다. 계층마다 서버 수
//! (`servers`), 한 번 방문할 때의 처리 시간 (`service_time`, 초), 요청 하나가 그 계층을
//! 방문하는 횟수 (`visits`, 예: 요청 하나가 쿼리를 3번 하면 DB의 `visits`는 3)가 있습니다.
//! 계층의 서비스 요구량은 `visits × service_time`이고, 그 계층이 감당하는 최대 처리량은
//! `servers / 요구량` (초당 요청)입니다. 시스템 전체의 최대 처리량은 그중 가장 작은 값이고,
//! 그 계층이 병목입니다.
//!
//! - [`bottleneck`]: 병목 계층의 인덱스와 시스템의 최대 처리량을 돌려줍니다. 동률이면 앞의
//!   계층을 고릅니다. 요구량이 0인 계층 (방문하지 않는 계층)은 병목이 될 수 없습니다.
//! - [`utilisations`]: 초당 `rate`개 요청일 때 계층별 사용률 `rate × 요구량 / servers`를
//!   계층 순서대로 돌려줍니다 (1 이상이면 그 계층은 감당하지 못합니다).
//! - 잘못된 입력은 오류입니다: 계층이 없음 ([`TierError::NoTiers`]), 서버 0대
//!   ([`TierError::ZeroServers`]), 음수이거나 유한하지 않은 `service_time`/`visits`
//!   ([`TierError::BadNumber`]), 모든 계층의 요구량이 0 ([`TierError::NoDemand`], `bottleneck`만),
//!   음수이거나 유한하지 않은 `rate` ([`TierError::BadRate`]).
//!
//! **English.** A request passes through several tiers (web servers, database, ...). Each
//! tier has `servers`, a `service_time` per visit (seconds), and `visits` per request (a
//! request that makes 3 queries visits the database 3 times). A tier's service demand is
//! `visits × service_time`; the most it can carry is `servers / demand` requests per
//! second. The system's maximum throughput is the smallest of those, and that tier is the
//! bottleneck.
//!
//! - [`bottleneck`]: the bottleneck tier's index and the system's maximum throughput. On a
//!   tie, the earlier tier. A tier with zero demand (never visited) is never the
//!   bottleneck.
//! - [`utilisations`]: each tier's utilisation `rate × demand / servers` at `rate`
//!   requests per second, in the tiers' order (1 or more: the tier cannot keep up).
//! - Bad input is an error: no tiers ([`TierError::NoTiers`]), a tier with zero servers
//!   ([`TierError::ZeroServers`]), a negative or non-finite `service_time` or `visits`
//!   ([`TierError::BadNumber`]), every tier with zero demand ([`TierError::NoDemand`],
//!   `bottleneck` only), a negative or non-finite `rate` ([`TierError::BadRate`]).
//!   Check the tiers in order and report the first problem.

/// One tier of the request path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tier {
    /// Its name, for messages.
    pub name: &'static str,
    /// Servers (or connections) that work in parallel.
    pub servers: u32,
    /// Seconds of one server per visit.
    pub service_time: f64,
    /// Visits per request.
    pub visits: f64,
}

/// The answer of [`bottleneck`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bottleneck {
    /// The index of the bottleneck tier in the slice.
    pub tier: usize,
    /// The most requests per second the system can serve.
    pub max_throughput: f64,
}

/// What can be wrong with the input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TierError {
    /// The slice of tiers is empty.
    NoTiers,
    /// Tier `tier` has zero servers.
    ZeroServers {
        /// Its index.
        tier: usize,
    },
    /// Tier `tier` has a negative or non-finite `service_time` or `visits`.
    BadNumber {
        /// Its index.
        tier: usize,
    },
    /// No tier has any demand: nothing limits the throughput.
    NoDemand,
    /// The request rate is negative or not finite.
    BadRate,
}

/// The bottleneck tier and the system's maximum throughput.
pub fn bottleneck(tiers: &[Tier]) -> Result<Bottleneck, TierError> {
    todo!("find the tier with the smallest servers / (visits × service_time)")
}

/// Each tier's utilisation at `rate` requests per second.
pub fn utilisations(tiers: &[Tier], rate: f64) -> Result<Vec<f64>, TierError> {
    todo!("rate × visits × service_time / servers, for each tier")
}

#[cfg(test)]
#[path = "../checks/bottleneck.rs"]
mod checks;
