//! # 마지막 아키텍처의 용량 계획 / A capacity plan for the final architecture
//!
//! **한국어.** 피크 사용자 수, 요청 구성, 구성 요소 하나의 처리 용량이 주어지면 마지막
//! 아키텍처(CDN, 캐시, 무상태 웹 계층, 복제본, 샤드)에 필요한 웹 서버, 복제본, 샤드 수를
//! 계산하세요. `plan(demand, caps)` 를 구현합니다.
//!
//! - 초당 요청 = `peak_users / seconds_per_request`.
//! - 정적 요청은 CDN 이 받으므로 웹 서버에는 읽기와 쓰기만 갑니다. 웹 서버 수 =
//!   ⌈웹 요청/초 ÷ (`web_server` × `target_utilisation`)⌉, 단 **최소 2대** (단일 장애점 없음).
//! - 캐시를 지나 DB 에 닿는 읽기 = 읽기/초 × (1 − `cache_hit_ratio`). 복제본 수 =
//!   ⌈그 값 ÷ (`replica_reads` × `target_utilisation`)⌉, 단 **샤드마다 최소 1대**
//!   (복제본 수 ≥ 샤드 수).
//! - 쓰기는 샤드의 주 서버로 갑니다. 샤드 수 = ⌈쓰기/초 ÷ (`primary_writes` ×
//!   `target_utilisation`)⌉, 단 최소 1개.
//! - 검증(어기면 `Err`): `peak_users` 와 `seconds_per_request` 와 세 처리 용량은 0 보다 큰
//!   유한한 수, 세 비율은 0 이상 1 이하이고 합이 1 (오차 1e-9), `cache_hit_ratio` 는 0 이상
//!   1 이하, `target_utilisation` 은 0 초과 1 이하.
//!
//! **English.** Given the peak users, the request mix and what one component can take,
//! compute the web servers, replicas and shards the final architecture (CDN, cache,
//! stateless web tier, replicas, shards) needs. Implement `plan(demand, caps)`.
//!
//! - Requests per second = `peak_users / seconds_per_request`.
//! - The CDN serves the static requests: only reads and writes reach the web tier. Web
//!   servers = ⌈web requests/s ÷ (`web_server` × `target_utilisation`)⌉, and **at least
//!   2** (no single point of failure).
//! - Reads that get past the cache = reads/s × (1 − `cache_hit_ratio`). Replicas =
//!   ⌈that ÷ (`replica_reads` × `target_utilisation`)⌉, and **at least one per shard**
//!   (replicas ≥ shards).
//! - Writes go to their shard's primary. Shards = ⌈writes/s ÷ (`primary_writes` ×
//!   `target_utilisation`)⌉, and at least 1.
//! - Validation (`Err` otherwise): `peak_users`, `seconds_per_request` and the three
//!   capacities are finite and > 0; the three shares are in [0, 1] and sum to 1 (within
//!   1e-9); `cache_hit_ratio` is in [0, 1]; `target_utilisation` is in (0, 1].

use scale_lab::{Error, Result};

/// The users and what they ask for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Demand {
    /// Users online at the peak.
    pub peak_users: f64,
    /// Seconds between two requests of one user, on average.
    pub seconds_per_request: f64,
    /// Share of static requests (served by the CDN).
    pub static_share: f64,
    /// Share of reads.
    pub read_share: f64,
    /// Share of writes.
    pub write_share: f64,
}

/// What one component takes, and how full we let it get.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Capacities {
    /// Requests per second one web server serves at 100 %.
    pub web_server: f64,
    /// Reads per second one replica serves at 100 %.
    pub replica_reads: f64,
    /// Writes per second one primary (one shard) serves at 100 %.
    pub primary_writes: f64,
    /// The share of reads the cache answers.
    pub cache_hit_ratio: f64,
    /// The utilisation to plan for (headroom: 0.7 means 30 % spare).
    pub target_utilisation: f64,
}

/// How much of everything to run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    /// Requests per second at the peak.
    pub requests_per_second: f64,
    /// Web servers.
    pub web_servers: usize,
    /// Read replicas (in total).
    pub replicas: usize,
    /// Shards (one primary each).
    pub shards: usize,
}

/// `value` if it is finite and > 0.
fn positive(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(Error::param(name, value, "a finite number > 0"))
    }
}

/// `value` if it is in [0, 1].
fn share(name: &'static str, value: f64) -> Result<f64> {
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(Error::param(name, value, "between 0 and 1"))
    }
}

/// How many servers of `each` per second it takes to serve `load` per second.
fn servers_for(load: f64, each: f64) -> usize {
    (load / each).ceil() as usize
}

/// The plan for `demand` with components like `caps`.
pub fn plan(demand: &Demand, caps: &Capacities) -> Result<Plan> {
    let users = positive("peak_users", demand.peak_users)?;
    let interval = positive("seconds_per_request", demand.seconds_per_request)?;
    let shares = [
        share("static_share", demand.static_share)?,
        share("read_share", demand.read_share)?,
        share("write_share", demand.write_share)?,
    ];
    let total: f64 = shares.iter().sum();
    if (total - 1.0).abs() > 1e-9 {
        return Err(Error::param("shares", total, "static + read + write = 1"));
    }
    let web = positive("web_server", caps.web_server)?;
    let replica = positive("replica_reads", caps.replica_reads)?;
    let primary = positive("primary_writes", caps.primary_writes)?;
    let hit = share("cache_hit_ratio", caps.cache_hit_ratio)?;
    let target = caps.target_utilisation;
    if !(target > 0.0 && target <= 1.0) {
        return Err(Error::param("target_utilisation", target, "in (0, 1]"));
    }

    let rate = users / interval;
    let (reads, writes) = (rate * demand.read_share, rate * demand.write_share);
    // Each tier is sized for its own load at the planned utilisation, then raised to
    // its minimum.
    let web_servers = servers_for(reads + writes, web * target).max(2);
    let shards = servers_for(writes, primary * target).max(1);
    let replicas = servers_for(reads * (1.0 - hit), replica * target).max(shards);
    Ok(Plan {
        requests_per_second: rate,
        web_servers,
        replicas,
        shards,
    })
}

#[cfg(test)]
#[path = "../checks/capacity_plan.rs"]
mod checks;
