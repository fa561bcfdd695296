//! # CDN 히트 집계 / CDN hit accounting
//!
//! **한국어** — 엣지(edge)별 요청 로그와 TTL이 주어졌을 때, 각 엣지의 히트와 미스,
//! 원본(origin) 요청 수, 오프로드 비율을 계산하세요.
//!
//! - 로그는 시각 순서입니다(같은 시각은 여러 번 나올 수 있음). 시각이 줄어들면
//!   `Err`(매개변수 이름 `log`), 시각이 NaN·무한대여도 `Err`(`log`)입니다.
//! - 엣지는 서로 사본을 나누지 않습니다. 어떤 엣지가 경로 `path`를 시각 `f`에 원본에서
//!   가져왔다면, 그 사본은 `f + ttl` **직전까지** 유효합니다(TTL 연습 문제와 같은 경계).
//! - 유효한 사본이 있으면 히트, 없으면 미스이고, 미스는 그 시각에 원본에서 즉시
//!   가져옵니다(원본 요청 1회, 사본의 시계가 새로 시작).
//! - `ttl`은 0 이상이어야 하며(`f64::INFINITY`는 "영원히 보관": 버전 URL), 음수나
//!   NaN이면 `Err`(`ttl`)입니다. `ttl = 0`이면 모든 요청이 미스입니다.
//! - `offload()`는 원본까지 가지 않은 요청의 비율(히트 / 요청)이고, 요청이 없으면 0입니다.
//!
//! **English** — Given a request log per edge and a TTL, compute each edge's hits and
//! misses, the requests that reached the origin, and the offload ratio.
//!
//! - The log is in time order (equal times may repeat). A time that goes backwards is an
//!   `Err` naming `log`; so is a NaN or infinite time.
//! - Edges do not share copies. If an edge fetched `path` from the origin at time `f`,
//!   its copy is fresh **until just before** `f + ttl` (the boundary of the TTL exercise).
//! - A fresh copy makes a hit; otherwise it is a miss, and the edge fetches the path from
//!   the origin at once (one origin request; the copy's clock restarts).
//! - `ttl` is ≥ 0 (`f64::INFINITY` means "keep forever": versioned URLs); a negative or
//!   NaN `ttl` is an `Err` naming `ttl`. With `ttl = 0` every request misses.
//! - `offload()` is the share of requests that did not reach the origin (hits /
//!   requests), 0 when there were none.

use std::collections::BTreeMap;

use scale_lab::Result;

/// One line of the log: at `time`, the edge called `edge` got a request for `path`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Request<'a> {
    /// Seconds.
    pub time: f64,
    /// The edge's name (`"seoul"`).
    pub edge: &'a str,
    /// The object asked for (`"/codes.json"`).
    pub path: &'a str,
}

/// One edge's counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EdgeCounts {
    /// Requests it got.
    pub requests: u64,
    /// Answered from a fresh copy.
    pub hits: u64,
    /// Fetched from the origin.
    pub misses: u64,
}

/// The counts of every edge in the log, and the origin's.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Accounting {
    /// Per edge, by name.
    pub edges: BTreeMap<String, EdgeCounts>,
    /// Requests that reached the origin (the misses of all edges).
    pub origin_fetches: u64,
}

impl Accounting {
    /// All requests.
    pub fn requests(&self) -> u64 {
        todo!()
    }

    /// All hits.
    pub fn hits(&self) -> u64 {
        todo!()
    }

    /// hits / requests (0 without requests).
    pub fn offload(&self) -> f64 {
        todo!()
    }
}

/// Replays `log` through edges that keep copies `ttl` seconds.
pub fn account(log: &[Request<'_>], ttl: f64) -> Result<Accounting> {
    todo!()
}

#[cfg(test)]
#[path = "../checks/hit_accounting.rs"]
mod checks;
