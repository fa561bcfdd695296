//! Lesson 13 (`lessons/13-millions`) — Millions of users: the whole architecture, stage
//! by stage.
//!
//! [`Stage`] is one step of the chapter (one server, a separate database, ..., a
//! sharded database); [`stage_topology`] builds it with [`Topology::builder`] on one
//! fixed workload; [`capacity`] finds the most users it serves under a p99 target and
//! which component breaks first. The tests at the end keep the lesson's numbers true.

use crate::error::{Error, Result, positive};
use crate::lang::t;
use crate::model::balancer::Policy;
use crate::model::cache::{Cache, Eviction};
use crate::model::load::{RequestKind, RequestMix};
use crate::model::queue::QueueSystem;
use crate::model::region::Regions;
use crate::model::sessions::SessionStore;
use crate::model::topology::{CacheTier, CdnSpec, ComponentKind, Db, Topology, TopologyReport};
use crate::model::web::ServerSpec;
use crate::report::Table;
use crate::sim::{Arrivals, Dist, Zipf};

/// An online user sends one request every this many seconds on average: users =
/// requests per second × 20.
pub const SECONDS_PER_REQUEST: f64 = 20.0;

/// One step of the chapter's architecture; each keeps everything before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// Web server and database on one machine.
    OneServer,
    /// The database on its own server.
    SeparateDb,
    /// A load balancer and 10 web servers.
    LoadBalancer,
    /// Two read replicas.
    Replicas,
    /// A cache in front of the reads.
    Cache,
    /// A CDN for the static files.
    Cdn,
    /// Sessions in a shared store, so any server serves anyone: 20 web servers.
    Stateless,
    /// Two data centers (the 20 web servers split 10 + 10, replicas in each).
    DataCenters,
    /// A message queue and workers take the slow part of the writes.
    Queue,
    /// The database split over 4 shards.
    Sharding,
}

impl Stage {
    /// All stages, in the chapter's order.
    pub const ALL: [Stage; 10] = [
        Stage::OneServer,
        Stage::SeparateDb,
        Stage::LoadBalancer,
        Stage::Replicas,
        Stage::Cache,
        Stage::Cdn,
        Stage::Stateless,
        Stage::DataCenters,
        Stage::Queue,
        Stage::Sharding,
    ];

    /// Its number, 1 to 10.
    pub fn number(self) -> usize {
        self as usize + 1
    }

    /// A short name, in the language of labels.
    pub fn label(self) -> &'static str {
        match self {
            Stage::OneServer => t("서버 1대", "one server"),
            Stage::SeparateDb => t("DB 분리", "separate DB"),
            Stage::LoadBalancer => t("LB + 웹 서버 10대", "LB + 10 web servers"),
            Stage::Replicas => t("읽기 복제본 2대", "2 read replicas"),
            Stage::Cache => t("캐시", "cache"),
            Stage::Cdn => t("CDN", "CDN"),
            Stage::Stateless => t("무상태 웹 20대", "stateless, 20 web"),
            Stage::DataCenters => t("데이터 센터 2곳", "2 data centers"),
            Stage::Queue => t("메시지 큐", "message queue"),
            Stage::Sharding => t("샤드 4개", "4 shards"),
        }
    }
}

/// The workload every stage serves: 40 % static files (5 ms of a web server), 50 %
/// reads (4 ms), 10 % writes (50 ms: 6 ms of their own and 44 ms of slow follow-up work
/// — e-mails, thumbnails — done inline until the queue stage takes it); all
/// exponential.
pub fn request_mix(stage: Stage) -> Result<RequestMix> {
    let db_inline = if stage == Stage::OneServer {
        // The database runs on the same machine: its queries cost the same server.
        (DB_READ, DB_WRITE)
    } else {
        (0.0, 0.0)
    };
    let write = if stage >= Stage::Queue {
        WRITE_OWN
    } else {
        WRITE_OWN + WRITE_SLOW
    };
    RequestMix::new(&[
        (RequestKind::Static, 0.4, Dist::exponential(0.005)?),
        (
            RequestKind::Read,
            0.5,
            Dist::exponential(0.004 + db_inline.0)?,
        ),
        (
            RequestKind::Write,
            0.1,
            Dist::exponential(write + db_inline.1)?,
        ),
    ])
}

const DB_READ: f64 = 0.004;
const DB_WRITE: f64 = 0.003;
const WRITE_OWN: f64 = 0.006;
const WRITE_SLOW: f64 = 0.044;

/// Stage `stage` under Poisson traffic of `rate` requests per second, measured over
/// `requests` requests (after a fifth as many of warm-up). The parts:
///
/// - web servers of 8 workers; 1 (stages 1–2), 10 behind a load balancer (3–6), 20
///   (7: sessions in a shared store, 1 ms a read; before that, sticky sessions in
///   memory), 10 in each of two data centers (8–10);
/// - a database node runs 8 queries at once: reads 4 ms, writes 3 ms; 2 read replicas
///   (per data center) from stage 4; 4 shards in stage 10;
/// - a cache of 2 000 entries (LRU) per data center from stage 5 over Zipf(1) keys of
///   100 000; a CDN with a 5-minute TTL for 500 static files from stage 6;
/// - from stage 8 the users live half in `east`, half in `west` (5 ms from their own
///   data center, 30 ms between the two);
/// - from stage 9 the writes' 44 ms of slow work go to a queue with 200 workers per
///   data center.
pub fn stage_topology(stage: Stage, rate: f64, requests: u64) -> Result<Topology> {
    positive("rate", rate)?;
    if requests < 1_000 {
        return Err(Error::param("requests", requests, "at least 1 000"));
    }
    let duration = requests as f64 / rate;
    let mut b = Topology::builder()
        .users(Arrivals::poisson(rate)?)
        .mix(request_mix(stage)?)
        .keys(Zipf::new(100_000, 1.0)?)
        .duration(duration)
        .warmup(duration / 5.0)
        .max_backlog(5_000);
    let web = match stage {
        Stage::OneServer | Stage::SeparateDb => 1,
        Stage::Stateless => 20,
        _ => 10,
    };
    b = b.web_servers(web, ServerSpec::new(8, 1.0)?);
    if stage >= Stage::LoadBalancer {
        b = if stage >= Stage::Stateless {
            b.load_balancer(Policy::LeastConnections)
                .sessions(SessionStore::Shared {
                    latency: Dist::constant(0.001)?,
                })
        } else {
            b.load_balancer(Policy::Sticky)
                .sessions(SessionStore::InMemory)
        };
    }
    if stage >= Stage::SeparateDb {
        let mut db = Db::primary(Dist::exponential(DB_READ)?)
            .writes(Dist::exponential(DB_WRITE)?)
            .connections(8);
        if stage >= Stage::Replicas {
            db = db.replicas(2);
        }
        if stage >= Stage::Sharding {
            db = db.shards(4);
        }
        b = b.database(db);
    }
    if stage >= Stage::Cache {
        b = b.cache(CacheTier::new(Cache::new(2_000, Eviction::Lru)?.ttl(60.0)?));
    }
    if stage >= Stage::Cdn {
        b = b.cdn(CdnSpec::new(300.0)?.objects(Zipf::new(500, 1.0)?));
    }
    if stage >= Stage::DataCenters {
        let regions = Regions::new(
            &["east", "west"],
            &[0.005, 0.005],
            &[[0.0, 0.030], [0.030, 0.0]],
        )?;
        b = b
            .regions(regions, &[("east", 0.5), ("west", 0.5)])
            .data_centers(&["east", "west"]);
    }
    if stage >= Stage::Queue {
        b = b.queue(QueueSystem::new(200, Dist::exponential(WRITE_SLOW)?)?);
    }
    b.build()
}

/// The component kinds whose servers can fill up, in the order of the lesson's figure.
pub const LIMITED: [ComponentKind; 4] = [
    ComponentKind::WebServer,
    ComponentKind::DbPrimary,
    ComponentKind::DbReplica,
    ComponentKind::Workers,
];

/// The busiest component of each kind of [`LIMITED`] in a run (`None` if the stage has
/// none of that kind).
pub fn busiest_by_kind(report: &TopologyReport) -> [Option<f64>; 4] {
    LIMITED.map(|kind| {
        report
            .components_of(kind)
            .filter_map(|c| c.station.map(|s| s.utilisation()))
            .fold(None, |m: Option<f64>, u| Some(m.map_or(u, |m| m.max(u))))
    })
}

/// What one stage can take.
#[derive(Debug, Clone, PartialEq)]
pub struct StageCapacity {
    /// The stage.
    pub stage: Stage,
    /// The most requests per second with p99 ≤ the target.
    pub rate: f64,
    /// The same in online users ([`SECONDS_PER_REQUEST`]).
    pub users: f64,
    /// p99 at that rate, seconds.
    pub p99: f64,
    /// The utilisation of the busiest component of each kind of [`LIMITED`] there.
    pub utilisation: [Option<f64>; 4],
    /// The kind of the busiest component: what breaks first.
    pub bottleneck: ComponentKind,
}

/// Runs `stage` at `rate` and returns its p99 (infinite if a component overflowed) and
/// the report.
fn probe(stage: Stage, rate: f64, requests: u64, seed: u64) -> Result<(f64, TopologyReport)> {
    let r = stage_topology(stage, rate, requests)?.run(seed)?;
    let p99 = if r.stopped_early.is_some() || r.errors > 0 {
        f64::INFINITY
    } else {
        r.latency.p99()
    };
    Ok((p99, r))
}

/// The most users `stage` serves with an end-to-end p99 of at most `target` seconds:
/// a run at a light load measures how busy each component gets per request, which
/// bounds the rate (no component past 100 %); then bisection (8 steps, `requests`
/// requests a run) finds the highest rate whose p99 meets the target.
pub fn capacity(stage: Stage, target: f64, requests: u64, seed: u64) -> Result<StageCapacity> {
    positive("target", target)?;
    let light = 100.0;
    let (_, r) = probe(stage, light, requests, seed)?;
    let busiest = busiest_by_kind(&r)
        .into_iter()
        .flatten()
        .fold(0.0, f64::max);
    if busiest <= 0.0 {
        return Err(Error::InvalidConfig("no component did any work".into()));
    }
    let bound = light / busiest;
    let (mut lo, mut hi) = (0.2 * bound, bound);
    let (p_lo, mut best) = probe(stage, lo, requests, seed)?;
    if p_lo > target {
        return Err(Error::param(
            "target",
            target,
            format!("above the p99 at light load ({:.1} ms)", p_lo * 1e3),
        ));
    }
    let mut best_p99 = p_lo;
    for _ in 0..8 {
        let mid = 0.5 * (lo + hi);
        let (p, r) = probe(stage, mid, requests, seed)?;
        if p <= target {
            (lo, best, best_p99) = (mid, r, p);
        } else {
            hi = mid;
        }
    }
    let utilisation = busiest_by_kind(&best);
    let (at, _) = utilisation
        .iter()
        .enumerate()
        .filter_map(|(i, u)| u.map(|u| (i, u)))
        .fold((0, f64::MIN), |a, b| if b.1 > a.1 { b } else { a });
    Ok(StageCapacity {
        stage,
        rate: lo,
        users: lo * SECONDS_PER_REQUEST,
        p99: best_p99,
        utilisation,
        bottleneck: LIMITED[at],
    })
}

/// [`capacity`] for every stage of `stages`.
pub fn capacities(
    stages: &[Stage],
    target: f64,
    requests: u64,
    seed: u64,
) -> Result<Vec<StageCapacity>> {
    stages
        .iter()
        .map(|&s| capacity(s, target, requests, seed))
        .collect()
}

/// What relieves the bottleneck `kind` reached at `stage`.
pub fn fix_for(stage: Stage, kind: ComponentKind) -> &'static str {
    match (stage, kind) {
        (Stage::OneServer, _) => t("DB를 다른 서버로 분리", "move the DB to its own server"),
        (Stage::SeparateDb, ComponentKind::WebServer) => t(
            "로드 밸런서 + 웹 서버 추가",
            "a load balancer + more web servers",
        ),
        (_, ComponentKind::DbPrimary) if stage < Stage::Replicas => {
            t("읽기를 복제본으로", "send reads to replicas")
        }
        (_, ComponentKind::DbPrimary) => t("샤딩: 쓰기를 나눔", "sharding: split the writes"),
        (_, ComponentKind::DbReplica) if stage < Stage::Cache => {
            t("캐시로 읽기를 흡수", "a cache absorbs the reads")
        }
        (_, ComponentKind::DbReplica) => t(
            "복제본 추가 (두 번째 데이터 센터)",
            "more replicas (a second data center)",
        ),
        (_, ComponentKind::WebServer) if stage < Stage::Cdn => {
            t("정적 파일은 CDN으로", "static files to a CDN")
        }
        (_, ComponentKind::WebServer) if stage < Stage::Stateless => t(
            "무상태로 만들고 웹 서버 추가",
            "go stateless, then add web servers",
        ),
        (_, ComponentKind::WebServer) if stage < Stage::Queue => {
            t("느린 일은 메시지 큐로", "slow work to a message queue")
        }
        (_, ComponentKind::WebServer) => {
            t("웹 서버 자동 확장", "autoscale the (stateless) web tier")
        }
        _ => t("작업 서버 추가", "more workers"),
    }
}

/// The chapter as a table: per stage, what it adds, the users it serves, its p99 there,
/// what breaks first and what fixes it.
pub fn stages_table(rows: &[StageCapacity]) -> Result<Table> {
    Table::builder()
        .column(
            t("단계", "stage"),
            rows.iter()
                .map(|r| format!("{}. {}", r.stage.number(), r.stage.label()))
                .collect::<Vec<_>>(),
        )
        .column(
            t("최대 사용자 (천 명)", "max users (thousands)"),
            rows.iter().map(|r| r.users / 1e3).collect::<Vec<_>>(),
        )
        .column(
            t("요청/초", "requests/s"),
            rows.iter().map(|r| r.rate).collect::<Vec<_>>(),
        )
        .column(
            "p99 (ms)",
            rows.iter().map(|r| r.p99 * 1e3).collect::<Vec<_>>(),
        )
        .column(
            t("먼저 한계에 닿는 곳", "breaks first"),
            rows.iter()
                .map(|r| r.bottleneck.label())
                .collect::<Vec<_>>(),
        )
        .column(
            t("해결책", "what fixes it"),
            rows.iter()
                .map(|r| fix_for(r.stage, r.bottleneck))
                .collect::<Vec<_>>(),
        )
        .build()
}

/// The p99 of `stage` at each number of online `users` (`None` where a component
/// overflowed), `requests` requests a run.
pub fn p99_curve(
    stage: Stage,
    users: &[f64],
    requests: u64,
    seed: u64,
) -> Result<Vec<(f64, Option<f64>)>> {
    users
        .iter()
        .map(|&u| {
            let (p99, _) = probe(stage, u / SECONDS_PER_REQUEST, requests, seed)?;
            Ok((u, p99.is_finite().then_some(p99)))
        })
        .collect()
}

/// A run summed up by kind of component: how many, the requests per second they
/// finished together, and the busiest one's utilisation.
pub fn by_kind_table(report: &TopologyReport) -> Result<Table> {
    let mut kinds: Vec<ComponentKind> = report.components.iter().map(|c| c.kind).collect();
    kinds.sort();
    kinds.dedup();
    let rows = report.rows();
    let of = |k: ComponentKind| rows.iter().filter(move |r| r.kind == k);
    Table::builder()
        .column(
            t("구성 요소", "component"),
            kinds.iter().map(|k| k.label()).collect::<Vec<_>>(),
        )
        .column(
            t("개수", "count"),
            kinds
                .iter()
                .map(|&k| of(k).count() as u64)
                .collect::<Vec<_>>(),
        )
        .column(
            t("처리량 합 (요청/초)", "total throughput (requests/s)"),
            kinds
                .iter()
                .map(|&k| of(k).map(|r| r.throughput).sum::<f64>())
                .collect::<Vec<_>>(),
        )
        .column(
            t("가장 바쁜 것의 이용률", "busiest utilisation"),
            kinds
                .iter()
                .map(|&k| {
                    of(k)
                        .filter_map(|r| r.utilisation)
                        .fold(None, |m: Option<f64>, u| Some(m.map_or(u, |m| m.max(u))))
                })
                .collect::<Vec<_>>(),
        )
        .column(
            t("히트 비율", "hit ratio"),
            kinds
                .iter()
                .map(|&k| {
                    let hits: Vec<f64> = of(k).filter_map(|r| r.hit_ratio).collect();
                    (!hits.is_empty()).then(|| hits.iter().sum::<f64>() / hits.len() as f64)
                })
                .collect::<Vec<_>>(),
        )
        .build()
}

#[cfg(test)]
mod tests {
    //! Every number the lesson quotes, checked. The runs are seeded, so today the
    //! numbers are exact; the tolerances say how far a change in the model may move them
    //! before the prose must be rewritten. A stage's capacity comes from a bisection on a
    //! p99 measured over 20 000 requests (a few percent of noise near the knee): ±8 %.
    use super::*;
    use std::sync::OnceLock;

    /// The lesson's table, computed once for all the tests (about 4 s).
    fn stages() -> &'static [StageCapacity] {
        static ROWS: OnceLock<Vec<StageCapacity>> = OnceLock::new();
        ROWS.get_or_init(|| capacities(&Stage::ALL, 0.2, 20_000, 1).unwrap())
    }

    fn row(stage: Stage) -> &'static StageCapacity {
        &stages()[stage as usize]
    }

    fn near(value: f64, quoted: f64, rel: f64) -> bool {
        (value - quoted).abs() <= rel * quoted
    }

    #[test]
    fn one_server_serves_about_13000_users() {
        // "One machine serves about 13,000 users online. Beyond that its 8 workers are
        // busy about 94 % of the time".
        let one = capacity(Stage::OneServer, 0.2, 20_000, 1).unwrap();
        assert!(near(one.users, 13_000.0, 0.08), "{}", one.users);
        assert_eq!(one.bottleneck, ComponentKind::WebServer);
        assert!((one.utilisation[0].unwrap() - 0.94).abs() < 0.04);
        assert_eq!(
            one,
            *row(Stage::OneServer),
            "the table repeats the first cell"
        );
    }

    #[test]
    fn each_stage_serves_the_quoted_users() {
        // "about 17,000 ... about 70,000 ... about 158,000 ... about 166,000 ... about
        // 205,000 ... about 281,000 ... about 362,000 ... About 522,000 ... about 960,000"
        let quoted = [
            13_000.0, 17_000.0, 70_000.0, 158_000.0, 166_000.0, 205_000.0, 281_000.0, 362_000.0,
            522_000.0, 960_000.0,
        ];
        for (r, q) in stages().iter().zip(quoted) {
            assert!(near(r.users, q, 0.08), "{:?}: {} vs {q}", r.stage, r.users);
        }
        // "the same workload grows about 72 times"
        let growth = row(Stage::Sharding).users / row(Stage::OneServer).users;
        assert!((growth - 72.0).abs() < 8.0, "{growth}");
        // Every stage serves more than the one before.
        assert!(stages().windows(2).all(|w| w[1].users > w[0].users));
    }

    #[test]
    fn each_stage_breaks_where_the_lesson_says() {
        // The heat map's story: web, web, primary, replicas, web, web, replicas, web,
        // primary, web.
        use ComponentKind::*;
        let expected = [
            WebServer, WebServer, DbPrimary, DbReplica, WebServer, WebServer, DbReplica, WebServer,
            DbPrimary, WebServer,
        ];
        let got: Vec<ComponentKind> = stages().iter().map(|r| r.bottleneck).collect();
        assert_eq!(got, expected);
        // "at no stage did the same fix work twice in a row"
        let fixes: Vec<&str> = stages()
            .iter()
            .map(|r| fix_for(r.stage, r.bottleneck))
            .collect();
        assert!(fixes.windows(2).all(|w| w[0] != w[1]), "{fixes:?}");
    }

    #[test]
    fn the_busy_tiers_are_as_quoted() {
        // "Now the web tier is only about 40 % busy and the database primary is at 100 %"
        let lb = row(Stage::LoadBalancer);
        assert!((lb.utilisation[0].unwrap() - 0.40).abs() < 0.05);
        assert!(lb.utilisation[1].unwrap() > 0.97);
        // "the replicas fall to about 54 % ... the web servers ... (about 94 % busy)"
        let cache = row(Stage::Cache);
        assert!((cache.utilisation[2].unwrap() - 0.54).abs() < 0.05);
        assert!((cache.utilisation[0].unwrap() - 0.94).abs() < 0.04);
        // "Now the primary is at about 99 %"
        assert!(row(Stage::Queue).utilisation[1].unwrap() > 0.95);
    }

    #[test]
    fn the_queue_halves_the_p99_at_the_limit() {
        // "the p99 at the limit falls from about 137 ms to about 61 ms"
        assert!(near(row(Stage::DataCenters).p99, 0.137, 0.15));
        assert!(near(row(Stage::Queue).p99, 0.061, 0.15));
    }

    #[test]
    fn the_queue_cuts_the_web_work_per_request_from_7_to_2_6_ms() {
        // "the web tier's work per user request drops from 7 ms to 2.6 ms" (static files
        // are on the CDN by then).
        let web_work = |stage: Stage| {
            let mix = request_mix(stage).unwrap();
            [RequestKind::Read, RequestKind::Write]
                .iter()
                .map(|&k| mix.share(k) * mix.cost(k).mean())
                .sum::<f64>()
        };
        assert!((web_work(Stage::DataCenters) - 0.007).abs() < 1e-12);
        assert!((web_work(Stage::Queue) - 0.0026).abs() < 1e-12);
    }

    #[test]
    fn latency_is_flat_then_a_wall() {
        // "Each curve is nearly flat, then turns up sharply ... The cache barely moves
        // the wall ...; the CDN moves it right." "Add Stage::Queue ...: its curve starts
        // much lower".
        let users = [50e3, 200e3, 300e3];
        let curve = |s: Stage| p99_curve(s, &users, 20_000, 1).unwrap();
        let (rep, cache, cdn, queue) = (
            curve(Stage::Replicas),
            curve(Stage::Cache),
            curve(Stage::Cdn),
            curve(Stage::Queue),
        );
        let p = |c: &[(f64, Option<f64>)], i: usize| c[i].1.unwrap_or(f64::INFINITY);
        for c in [&rep, &cache, &cdn] {
            assert!(p(c, 0) < 0.15 && p(c, 2) > 3.0 * p(c, 0), "{c:?}");
        }
        assert!(
            p(&cache, 1) > 2.0 * p(&cdn, 1),
            "the CDN's wall is further right"
        );
        assert!(p(&queue, 0) < 0.6 * p(&cdn, 0), "{queue:?}");
        assert!(p(&queue, 2) < 0.2, "{queue:?}");
    }

    #[test]
    fn the_final_architecture_at_900000_users() {
        // "At 900,000 users online the p99 is about 53 ms. ... the cache about half of
        // the reads ... the busiest web server is at about 91 %".
        let r = stage_topology(Stage::Sharding, 45_000.0, 40_000)
            .unwrap()
            .run(1)
            .unwrap();
        assert!(r.stopped_early.is_none() && r.errors == 0);
        assert!(near(r.latency.p99(), 0.053, 0.15), "{}", r.latency.p99());
        let rows = r.rows();
        let hits: Vec<f64> = rows
            .iter()
            .filter(|c| c.kind == ComponentKind::Cache)
            .filter_map(|c| c.hit_ratio)
            .collect();
        assert!(hits.iter().all(|h| (h - 0.5).abs() < 0.07), "{hits:?}");
        let web = busiest_by_kind(&r)[0].unwrap();
        assert!((web - 0.91).abs() < 0.04, "{web}");
        assert_eq!(by_kind_table(&r).unwrap().frame().height(), 9);
    }

    #[test]
    fn bad_parameters_are_errors() {
        assert!(stage_topology(Stage::Cache, 0.0, 20_000).is_err());
        assert!(stage_topology(Stage::Cache, 100.0, 10).is_err());
        assert!(capacity(Stage::OneServer, 0.0, 20_000, 1).is_err());
        // A target below the p99 at light load cannot be met: an error that says so.
        let e = capacity(Stage::OneServer, 0.05, 20_000, 1)
            .unwrap_err()
            .to_string();
        assert!(e.contains("light load"), "{e}");
    }
}
