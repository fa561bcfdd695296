//! What a topology run measured: end to end, per request kind, and per component.

use std::fmt;

use crate::error::{Error, Result};
use crate::lang::t;
use crate::model::dns::DnsStats;
use crate::model::load::RequestKind;
use crate::model::sessions::SessionStats;
use crate::report::{Table, ToTable};
use crate::sim::{LatencyHistogram, StationStats};

/// What a component is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ComponentKind {
    /// The DNS resolvers.
    Dns,
    /// A CDN edge cache.
    CdnEdge,
    /// The origin of the static assets.
    Origin,
    /// A data center's load balancer.
    LoadBalancer,
    /// A web server.
    WebServer,
    /// A cache server (or a cluster of them) of a data center.
    Cache,
    /// A database primary (of a shard).
    DbPrimary,
    /// A database read replica.
    DbReplica,
    /// A message queue (its latency: from publishing a job to the end of its processing).
    Queue,
    /// The queue's workers (their latency: processing a job).
    Workers,
}

impl ComponentKind {
    /// The kind's label, in the language of labels ([`crate::lang()`]).
    pub fn label(self) -> &'static str {
        match self {
            ComponentKind::Dns => "DNS",
            ComponentKind::CdnEdge => t("CDN 에지", "CDN edge"),
            ComponentKind::Origin => t("원본 서버", "origin"),
            ComponentKind::LoadBalancer => t("로드 밸런서", "load balancer"),
            ComponentKind::WebServer => t("웹 서버", "web server"),
            ComponentKind::Cache => t("캐시", "cache"),
            ComponentKind::DbPrimary => t("DB 주 서버", "database primary"),
            ComponentKind::DbReplica => t("DB 복제본", "database replica"),
            ComponentKind::Queue => t("메시지 큐", "message queue"),
            ComponentKind::Workers => t("작업 서버", "workers"),
        }
    }
}

impl fmt::Display for ComponentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One component's measurements over the measured requests.
#[derive(Debug, Clone)]
pub struct ComponentReport {
    /// Its name, unique in the topology (`web-1`, `seoul/db/replica-1`, ...).
    pub name: String,
    /// What it is.
    pub kind: ComponentKind,
    /// Requests it finished (answered, or passed on).
    pub completed: u64,
    /// The time requests spent in it (queueing included; for a CDN edge, the wait for
    /// the origin on a miss), percentiles within 1 %. Empty for a load balancer, which
    /// adds no time.
    pub latency: LatencyHistogram,
    /// Requests it turned away or lost.
    pub errors: u64,
    /// Lookups answered from its own copy (a CDN edge, a cache, the DNS).
    pub hits: Option<u64>,
    /// Its servers' statistics over the measured window (a station-based component).
    pub station: Option<StationStats>,
}

/// One line of the per-component summary: the numbers the chapter asks about.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentRow {
    /// The component's name.
    pub name: String,
    /// What it is.
    pub kind: ComponentKind,
    /// Requests finished per second.
    pub throughput: f64,
    /// Median time in the component, seconds (NaN if it adds none).
    pub p50: f64,
    /// 99th percentile, seconds (NaN if it adds none).
    pub p99: f64,
    /// Busy fraction of its servers, for components with servers.
    pub utilisation: Option<f64>,
    /// Hit ratio, for caches.
    pub hit_ratio: Option<f64>,
    /// Requests turned away or lost.
    pub errors: u64,
}

/// The requests of one kind, or of one region's users.
#[derive(Debug, Clone, Default)]
pub struct Traffic {
    /// Requests sent.
    pub requests: u64,
    /// End-to-end latency of those answered (network round trips included).
    pub latency: LatencyHistogram,
    /// Requests that failed.
    pub errors: u64,
}

impl Traffic {
    /// Adds `other`'s counts and latencies to these.
    pub fn add(&mut self, other: &Traffic) {
        self.requests += other.requests;
        self.latency.merge(&other.latency);
        self.errors += other.errors;
    }
}

/// What a [`Topology`](super::Topology) run measured: requests sent in the measured
/// window, followed to their end.
#[derive(Debug, Clone)]
pub struct TopologyReport {
    /// The measured window, in seconds.
    pub duration: f64,
    /// Requests sent in it.
    pub requests: u64,
    /// End-to-end latency of the answered ones.
    pub latency: LatencyHistogram,
    /// Requests that failed.
    pub errors: u64,
    /// Per request kind, indexed by [`RequestKind::index`].
    pub by_kind: [Traffic; 3],
    /// Per users' region (name, traffic), in the order the regions were given.
    pub by_region: Vec<(String, Traffic)>,
    /// Per component, in the order a request meets them.
    pub components: Vec<ComponentReport>,
    /// Session counts, if sessions are kept.
    pub sessions: Option<SessionStats>,
    /// DNS counts, if users look the site up.
    pub dns: Option<DnsStats>,
    /// Measured reads that missed their user's own last write on a replica (replication
    /// lag; the read policy decides how many).
    pub stale_replica_reads: u64,
    /// Measured reads answered by a cache with an older version than the database's.
    pub stale_cache_reads: u64,
    /// Why the run stopped early, if it did.
    pub stopped_early: Option<String>,
}

impl TopologyReport {
    /// The requests of `kind`.
    pub fn kind(&self, kind: RequestKind) -> &Traffic {
        &self.by_kind[kind.index()]
    }

    /// The requests of the users in the region called `name`.
    pub fn region(&self, name: &str) -> Result<&Traffic> {
        self.by_region
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t)
            .ok_or_else(|| {
                let names: Vec<&str> = self.by_region.iter().map(|(n, _)| n.as_str()).collect();
                Error::param(
                    "region",
                    format!("`{name}`"),
                    format!("a region with users: {}", names.join(", ")),
                )
            })
    }

    /// Answered requests per second.
    pub fn throughput(&self) -> f64 {
        self.latency.count() as f64 / self.duration
    }

    /// The component called `name`.
    pub fn component(&self, name: &str) -> Result<&ComponentReport> {
        self.components
            .iter()
            .find(|c| c.name == name)
            .ok_or_else(|| {
                let names: Vec<&str> = self.components.iter().map(|c| c.name.as_str()).collect();
                Error::param(
                    "component",
                    format!("`{name}`"),
                    format!("one of {}", names.join(", ")),
                )
            })
    }

    /// The components of `kind`, in order.
    pub fn components_of(&self, kind: ComponentKind) -> impl Iterator<Item = &ComponentReport> {
        self.components.iter().filter(move |c| c.kind == kind)
    }

    /// One row per component: throughput, latency percentiles, utilisation, errors.
    pub fn rows(&self) -> Vec<ComponentRow> {
        self.components
            .iter()
            .map(|c| ComponentRow {
                name: c.name.clone(),
                kind: c.kind,
                throughput: c.completed as f64 / self.duration,
                p50: c.latency.p50(),
                p99: c.latency.p99(),
                utilisation: c.station.map(|s| s.utilisation()),
                hit_ratio: c.hits.map(|h| {
                    if c.completed > 0 {
                        h as f64 / c.completed as f64
                    } else {
                        0.0
                    }
                }),
                errors: c.errors,
            })
            .collect()
    }
}

impl ToTable for TopologyReport {
    /// The users' end-to-end row, then one row per component.
    fn to_table(&self) -> Table {
        let rows = self.rows();
        let ms = |v: f64| if v.is_nan() { None } else { Some(v * 1e3) };
        let mut name = vec![t("사용자 (종단 간)", "users (end to end)").to_string()];
        let mut kind = vec![String::new()];
        let mut throughput = vec![self.throughput()];
        let mut p50 = vec![ms(self.latency.p50())];
        let mut p99 = vec![ms(self.latency.p99())];
        let mut utilisation = vec![None];
        let mut hit_ratio = vec![None];
        let mut errors = vec![self.errors];
        for r in rows {
            name.push(r.name);
            kind.push(r.kind.label().to_string());
            throughput.push(r.throughput);
            p50.push(ms(r.p50));
            p99.push(ms(r.p99));
            utilisation.push(r.utilisation);
            hit_ratio.push(r.hit_ratio);
            errors.push(r.errors);
        }
        Table::builder()
            .column(t("구성 요소", "component"), name)
            .column(t("종류", "kind"), kind)
            .column(t("처리량 (요청/초)", "throughput (requests/s)"), throughput)
            .column("p50 (ms)", p50)
            .column("p99 (ms)", p99)
            .column(t("이용률", "utilisation"), utilisation)
            .column(t("히트 비율", "hit ratio"), hit_ratio)
            .column(t("오류", "errors"), errors)
            .build()
            .expect("columns of one length with distinct names")
    }
}
