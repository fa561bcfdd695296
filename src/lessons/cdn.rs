//! Lesson 07 (`lessons/07-cdn`) — CDN: origin offload, edge latency, TTL and versioned
//! URLs.
//!
//! The experiments the lesson's cells call, and the tests that keep the numbers quoted in
//! the prose true.

use crate::error::{Error, Result};
use crate::lang::t;
use crate::model::cdn::{CdnExperiment, CdnReport};
use crate::model::region::Regions;
use crate::report::{Table, ToTable};
use crate::sim::{Zipf, sweep};

/// Requests per second from each region in the lesson's scenario (1 000 in all).
pub const USERS: [(&str, f64); 4] = [
    ("seoul", 500.0),
    ("tokyo", 250.0),
    ("virginia", 150.0),
    ("frankfurt", 100.0),
];

/// The lesson's scenario: users in four regions ([`USERS`]) fetching 1 000 static files
/// of Zipf(1) popularity from an origin in Seoul (S3 next to the service), through an
/// edge in every region that keeps a copy `ttl` seconds; 120 s measured after 30 s.
pub fn world(ttl: f64) -> Result<CdnExperiment> {
    let mut x = CdnExperiment::new(Regions::world(), "seoul")?
        .ttl(ttl)?
        .duration(120.0)?
        .warmup(30.0)?;
    for (region, rate) in USERS {
        x = x.users(region, rate)?;
    }
    Ok(x)
}

/// What one TTL gave the whole CDN.
#[derive(Debug, Clone, PartialEq)]
pub struct TtlRow {
    /// The TTL, in seconds.
    pub ttl: f64,
    /// The fraction of requests answered from an edge's copy.
    pub hit_ratio: f64,
    /// The fraction of requests that did not reach the origin.
    pub offload: f64,
    /// Requests per second that reached the origin.
    pub origin_rate: f64,
    /// The hit ratio of each edge, in the order of [`USERS`].
    pub edge_hit_ratios: Vec<f64>,
}

impl ToTable for TtlRow {
    fn to_table(&self) -> Table {
        let mut b = Table::builder()
            .column("TTL (s)", [self.ttl])
            .column(t("원본 요청/초", "origin requests/s"), [self.origin_rate])
            .column(t("오프로드", "offload"), [self.offload]);
        for ((region, _), h) in USERS.iter().zip(&self.edge_hit_ratios) {
            b = b.column(&format!("{} {region}", t("히트", "hits")), [*h]);
        }
        b.build().expect("columns of one length")
    }
}

/// Runs `experiment` once per TTL in `ttls` (point `i` with stream `i` of `seed`).
pub fn by_ttl(experiment: &CdnExperiment, ttls: &[f64], seed: u64) -> Result<Vec<TtlRow>> {
    if ttls.is_empty() {
        return Err(Error::param("ttls", "[]", "at least one TTL"));
    }
    sweep(seed, ttls, |&ttl, s| {
        let r = experiment.clone().ttl(ttl)?.run(s)?;
        Ok(TtlRow {
            ttl,
            hit_ratio: r.hit_ratio(),
            offload: r.offload(),
            origin_rate: r.origin_rate(),
            edge_hit_ratios: r.edges.iter().map(|e| e.stats.hit_ratio()).collect(),
        })
    })
    .into_iter()
    .collect()
}

/// The author's case: 20 "code JSON" files of Zipf(0.8) popularity, each changed about
/// every `change_every` seconds, fetched 100 times a second from the four regions (a
/// tenth of [`USERS`]) through the edges; plain or versioned URLs, the edges keeping
/// copies `ttl` seconds; 2 h measured after 30 min.
pub fn code_json(ttl: f64, versioned: bool, change_every: f64) -> Result<CdnExperiment> {
    let change = crate::error::positive("change_every", change_every)?;
    let mut x = CdnExperiment::new(Regions::world(), "seoul")?
        .ttl(ttl)?
        .objects(Zipf::new(20, 0.8)?)
        .versioned_urls(versioned)
        .updates(1.0 / change)?
        .duration(2.0 * 3600.0)?
        .warmup(1800.0)?;
    for (region, rate) in USERS {
        x = x.users(region, rate / 10.0)?;
    }
    Ok(x)
}

/// One way of publishing changed files.
#[derive(Debug, Clone, PartialEq)]
pub struct FreshnessRow {
    /// Plain or versioned URLs.
    pub versioned: bool,
    /// The TTL, in seconds.
    pub ttl: f64,
    /// The fraction of answers with an old version.
    pub stale_ratio: f64,
    /// The longest a stale answer lagged behind the origin, in seconds.
    pub max_staleness: f64,
    /// Requests per second that reached the origin.
    pub origin_rate: f64,
}

impl ToTable for FreshnessRow {
    fn to_table(&self) -> Table {
        let urls = if self.versioned {
            t("버전 URL", "versioned URLs")
        } else {
            t("고정 URL", "plain URLs")
        };
        Table::builder()
            .column("URL", [urls])
            .column("TTL (s)", [self.ttl])
            .column(t("오래된 응답 비율", "stale answers"), [self.stale_ratio])
            .column(
                t("최대 지연 (s)", "worst staleness (s)"),
                [self.max_staleness],
            )
            .column(t("원본 요청/초", "origin requests/s"), [self.origin_rate])
            .build()
            .expect("columns of one length")
    }
}

/// Runs [`code_json`] for each (`ttl`, `versioned`) in `setups`.
pub fn freshness(
    setups: &[(f64, bool)],
    change_every: f64,
    seed: u64,
) -> Result<Vec<FreshnessRow>> {
    if setups.is_empty() {
        return Err(Error::param(
            "setups",
            "[]",
            "at least one (ttl, versioned)",
        ));
    }
    sweep(seed, setups, |&(ttl, versioned), s| {
        let r: CdnReport = code_json(ttl, versioned, change_every)?.run(s)?;
        Ok(FreshnessRow {
            versioned,
            ttl,
            stale_ratio: r.stale_ratio(),
            max_staleness: if r.staleness.is_empty() {
                0.0
            } else {
                r.staleness.max()
            },
            origin_rate: r.origin_rate(),
        })
    })
    .into_iter()
    .collect()
}

#[cfg(test)]
mod tests {
    //! Each test runs the cell's experiment with the cell's parameters and seed, so it
    //! sees the numbers the page prints; tolerances cover the rounding of the prose and
    //! the spread the sample sizes allow (given per test).

    use super::*;

    #[test]
    fn edges_bring_latency_down_where_users_are_far_from_the_origin() {
        // "a user in Frankfurt waits about 260 ms for every file [...] Users in Virginia
        // wait about 210 ms." / "The median request now takes about 11 ms everywhere [...]
        // p99 hardly moves" / "Frankfurt's mean drops from about 260 ms to about 37 ms,
        // Seoul's from 31 ms to about 12 ms."
        // Network times are constants, so latencies without a CDN are exact; with one the
        // mean depends on ~12,000 Frankfurt requests' hit ratio: ±3 ms.
        let without = world(60.0).unwrap().no_cdn().run(1).unwrap();
        let with = world(60.0).unwrap().run(1).unwrap();
        let mean = |r: &CdnReport, name: &str| r.region(name).unwrap().latency.mean();
        assert!((mean(&without, "frankfurt") - 0.260).abs() < 0.002);
        assert!((mean(&without, "virginia") - 0.210).abs() < 0.002);
        assert!((mean(&without, "seoul") - 0.031).abs() < 0.001);
        assert!((mean(&with, "frankfurt") - 0.037).abs() < 0.003);
        assert!((mean(&with, "seoul") - 0.012).abs() < 0.001);
        for r in &with.regions {
            assert!((r.latency.p50() - 0.011).abs() < 0.001, "{}", r.name);
            let before = without.region(&r.name).unwrap().latency.p99();
            assert!((r.latency.p99() - before).abs() < 0.003, "{}", r.name);
        }
    }

    #[test]
    fn the_edges_offload_about_95_percent_of_the_origin() {
        // "About 95 % of the requests never reach the origin: it serves about 50 requests
        // a second instead of about 1,000." (150,000 requests: offload known to ±0.005.)
        let without = world(60.0).unwrap().no_cdn().run(1).unwrap();
        let with = world(60.0).unwrap().run(1).unwrap();
        assert!((with.offload() - 0.95).abs() < 0.01, "{}", with.offload());
        assert!((with.origin_rate() - 50.0).abs() < 5.0);
        assert!((without.origin_rate() - 1000.0).abs() < 10.0);
        assert_eq!(without.offload(), 0.0);
    }

    #[test]
    fn quiet_edges_hit_less_and_long_ttls_hit_almost_always() {
        // "At a 1 s TTL Seoul's edge (500 requests a second) hits about 62 % and
        // Frankfurt's (100 a second) about 36 %. At 5 minutes every edge is above 97 % and
        // the origin sees about 12 requests a second." (60,000+ requests per edge: ±0.01.)
        let x = world(60.0)
            .unwrap()
            .duration(600.0)
            .unwrap()
            .warmup(60.0)
            .unwrap();
        let rows = by_ttl(&x, &[1.0, 5.0, 30.0, 60.0, 300.0], 2).unwrap();
        let (first, last) = (&rows[0], &rows[4]);
        assert!((first.edge_hit_ratios[0] - 0.62).abs() < 0.01, "{first:?}");
        assert!((first.edge_hit_ratios[3] - 0.36).abs() < 0.01, "{first:?}");
        assert!(last.edge_hit_ratios.iter().all(|&h| h > 0.97), "{last:?}");
        assert!((last.origin_rate - 12.0).abs() < 1.0, "{last:?}");
        // Busier edges hit more at every TTL, and every edge hits more with a longer TTL.
        for r in &rows {
            assert!(r.edge_hit_ratios.windows(2).all(|w| w[0] > w[1]), "{r:?}");
        }
        for w in rows.windows(2) {
            assert!(w[0].offload < w[1].offload);
        }
    }

    #[test]
    fn versioned_urls_are_never_stale_and_barely_fetched() {
        // "At 10 s about 0.1 % of the answers are stale and the origin gets about 7
        // requests a second; at 30 minutes the origin is nearly idle but about 18 % of the
        // answers are old, some of them by almost half an hour. Versioned URLs get both:
        // nothing stale and the least origin traffic." 720,000 answers per run; the
        // stale share moves with the ~40 changes per file, hence ±0.02 at 30 min.
        let setups = [
            (10.0, false),
            (60.0, false),
            (300.0, false),
            (1800.0, false),
            (31_536_000.0, true),
        ];
        let rows = freshness(&setups, 3600.0, 3).unwrap();
        assert!(
            (rows[0].stale_ratio - 0.001).abs() < 0.0005,
            "{:?}",
            rows[0]
        );
        assert!((rows[0].origin_rate - 7.0).abs() < 0.5, "{:?}", rows[0]);
        assert!((rows[3].stale_ratio - 0.18).abs() < 0.02, "{:?}", rows[3]);
        assert!(rows[3].max_staleness > 1500.0 && rows[3].origin_rate < 0.1);
        // Plain URLs: a longer TTL, more stale answers and less origin traffic.
        for w in rows[..4].windows(2) {
            assert!(w[0].stale_ratio < w[1].stale_ratio && w[0].origin_rate > w[1].origin_rate);
        }
        let versioned = &rows[4];
        assert_eq!(versioned.stale_ratio, 0.0);
        assert!(
            rows[..4]
                .iter()
                .all(|r| r.origin_rate > versioned.origin_rate)
        );
    }

    #[test]
    fn bad_parameters_are_errors() {
        assert!(world(-1.0).is_err());
        assert!(by_ttl(&world(1.0).unwrap(), &[], 1).is_err());
        assert!(freshness(&[], 3600.0, 1).is_err());
        assert!(code_json(1.0, false, 0.0).is_err());
    }
}
