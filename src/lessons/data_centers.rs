//! Lesson 09 (`lessons/09-data-centers`) — Data centers: geo-routing, a data center
//! failing, replication across regions.
//!
//! The cells call [`GeoFailover`] and [`Regions`] directly; this module adds the
//! comparisons the lesson draws from them: the round trip each region's users pay for a
//! placement of data centers ([`latency_by_layout`]), how much headroom a survivor needs
//! ([`headroom_sweep`]) and what asynchronous and synchronous replication cost between
//! regions ([`cross_region_replication`]).

use crate::error::{Error, Result, at_least_one, positive};
use crate::lang::t;
use crate::model::datacenter::{GeoFailover, GeoReport, GeoRouter, GeoSeries, Phase};
use crate::model::region::Regions;
use crate::model::replication::{Failover, LagModel};
use crate::report::Table;
use crate::sim::Dist;

/// For each user region, the round trip (ms) to the nearest data center of each layout.
/// A layout is a name and the regions that have a data center.
pub fn latency_by_layout(regions: &Regions, layouts: &[(&str, &[&str])]) -> Result<Table> {
    if layouts.is_empty() {
        return Err(Error::param("layouts", "[]", "at least one layout"));
    }
    let mut columns = Vec::new();
    for (name, sites) in layouts {
        let idx = sites
            .iter()
            .map(|s| regions.index(s))
            .collect::<Result<Vec<_>>>()?;
        let mut router = GeoRouter::new(regions.clone(), &idx)?;
        let mut ms = Vec::with_capacity(regions.len());
        for user in 0..regions.len() {
            let site = router
                .route(0.0, user)
                .ok_or_else(|| Error::InvalidConfig(format!("layout `{name}` has no site")))?;
            ms.push(regions.user_rtt(user, idx[site]) * 1e3);
        }
        columns.push((name.to_string(), ms));
    }
    let names: Vec<&str> = regions.names().collect();
    let mut b = Table::builder().column(t("사용자 지역", "users in"), names);
    for (name, ms) in &columns {
        b = b.column(&format!("{name} (ms)"), ms.clone());
    }
    b.build()
}

/// Two data centers (Seoul and Tokyo, [`Regions::world`]) with `servers` servers each
/// (exponential service, mean 100 ms: 10 requests/s per server), users in both regions
/// sending `rate` requests/s each; Seoul is down from 120 s on, failover after 30 s;
/// 540 s measured after 60 s of warm-up. The scenario of the lesson.
pub fn seoul_tokyo(servers: usize, rate: f64) -> Result<GeoFailover> {
    GeoFailover::new(Regions::world(), Dist::exponential(0.1)?)
        .data_center("seoul", at_least_one("servers", servers)?)?
        .data_center("tokyo", servers)?
        .users("seoul", positive("rate", rate)?)?
        .users("tokyo", rate)?
        .outage("seoul", 120.0, f64::INFINITY)?
        .failover_delay(30.0)?
        .queue_limit(2000)
        .warmup(60.0)?
        .duration(540.0)
}

/// The `percentile` (0–100) latency of the users of region `region` per window of the
/// measured time, as (seconds, ms), from a run with [`GeoFailover::time_series`].
pub fn region_latency_ms(
    report: &GeoReport,
    region: &str,
    percentile: f64,
) -> Result<Vec<(f64, f64)>> {
    let s = region_series(report, region)?;
    // The measured window only: not the warm-up, nor the stragglers completing after it.
    let start = report.phases.first().map_or(0.0, |p| p.start);
    let end = report.phases.last().map_or(f64::INFINITY, |p| p.end);
    Ok(s.latency
        .percentile(percentile)?
        .into_iter()
        .filter(|&(at, _)| at >= start && at < end)
        .map(|(at, v)| (at, v * 1e3))
        .collect())
}

fn region_series<'a>(report: &'a GeoReport, region: &str) -> Result<&'a GeoSeries> {
    let series = report.series.as_ref().ok_or_else(|| {
        Error::InvalidConfig("the run has no time series: use `time_series(window)`".into())
    })?;
    series
        .iter()
        .find(|s| s.name == region)
        .ok_or_else(|| Error::param("region", format!("`{region}`"), "a region with users"))
}

/// One point of [`headroom_sweep`].
#[derive(Debug, Clone, PartialEq)]
pub struct HeadroomRow {
    /// Each data center's utilisation before the failure.
    pub normal: f64,
    /// The survivor's (Tokyo's) utilisation once it carries both regions.
    pub survivor: f64,
    /// Seoul users' p99 (seconds) before the failure.
    pub p99_before: f64,
    /// Seoul users' p99 (seconds) after failover (served in Tokyo).
    pub p99_after: f64,
    /// The share of Seoul users' requests that failed after failover (a full queue).
    pub errors_after: f64,
}

/// For each normal utilisation in `utilisations` (each in (0, 1)), runs
/// [`seoul_tokyo`] with 10 servers per site and the rate that gives it, and reports what
/// Seoul's users see once Tokyo carries both regions.
pub fn headroom_sweep(utilisations: &[f64], seed: u64) -> Result<Vec<HeadroomRow>> {
    let mut rows = Vec::with_capacity(utilisations.len());
    for &u in utilisations {
        if !(u > 0.0 && u < 1.0) {
            return Err(Error::param("utilisation", u, "in (0, 1)"));
        }
        // 10 servers × 10 requests/s each = 100 requests/s per site.
        let r = seoul_tokyo(10, 100.0 * u)?.run(seed)?;
        let seoul = r.region("seoul")?;
        let before = seoul
            .in_phase(&r, Phase::Normal)
            .ok_or_else(|| Error::InvalidConfig("no normal phase".into()))?;
        let after = seoul
            .in_phase(&r, Phase::FailedOver)
            .ok_or_else(|| Error::InvalidConfig("no failed-over phase".into()))?;
        let tokyo = r
            .site("tokyo")?
            .in_phase(&r, Phase::FailedOver)
            .ok_or_else(|| Error::InvalidConfig("no failed-over phase".into()))?;
        rows.push(HeadroomRow {
            normal: u,
            survivor: tokyo.busy_time / tokyo.capacity_time,
            p99_before: before.latency.p99(),
            p99_after: after.latency.p99(),
            errors_after: after.error_ratio(),
        });
    }
    Ok(rows)
}

/// One row of [`cross_region_replication`].
#[derive(Debug, Clone, PartialEq)]
pub struct SyncRow {
    /// The replica's region (the primary is in the first region of the call).
    pub replica: String,
    /// Whether a commit waits for the replica.
    pub synchronous: bool,
    /// Writes the client was told were committed and that the promoted replica never
    /// had.
    pub lost_acknowledged: u64,
    /// Median time from a write to its acknowledgement (seconds).
    pub write_p50: f64,
    /// The expected loss for asynchronous replication: write rate × one-way delay.
    pub expected_lost: f64,
}

/// A cloud seen from Seoul (illustrative round numbers, like [`Regions::world`]): two
/// availability zones of the Seoul region 1.5 ms apart (`seoul-a`, `seoul-b`), the Tokyo
/// region 35 ms away and Virginia 180 ms away; 10 ms access everywhere.
pub fn seoul_cloud() -> Regions {
    let rtt = [
        [0.0005, 0.0015, 0.035, 0.180],
        [0.0015, 0.0005, 0.035, 0.180],
        [0.035, 0.035, 0.001, 0.150],
        [0.180, 0.180, 0.150, 0.001],
    ];
    Regions::new(
        &["seoul-a", "seoul-b", "tokyo", "virginia"],
        &[0.010; 4],
        &rtt,
    )
    .expect("a valid symmetric matrix")
}

/// A database primary in the region `primary` of `regions` and, one at a time, a replica
/// in each of `replicas`, `write_rate` writes/s; the primary's data center fails at 30 s
/// (detected in 10 s, promotion 5 s). Asynchronous: a record takes the one-way delay
/// (half the round trip) to arrive. Synchronous: a commit waits until the record is
/// there *and* the acknowledgement is back, modelled as a delay of one full round trip.
pub fn cross_region_replication(
    regions: &Regions,
    primary: &str,
    replicas: &[&str],
    write_rate: f64,
    seed: u64,
) -> Result<Vec<SyncRow>> {
    let w = regions;
    let p = w.index(primary)?;
    let mut rows = Vec::new();
    for (k, name) in replicas.iter().enumerate() {
        let rtt = w.rtt(p, w.index(name)?);
        for synchronous in [false, true] {
            let delay = if synchronous { rtt } else { rtt / 2.0 };
            let mut f = Failover::new(write_rate, 1)?
                .lag(LagModel::exponential(delay, 20_000.0)?)
                .failure(30.0, 10.0, 5.0)?
                .duration(60.0, 1.0)?;
            if synchronous {
                f = f.synchronous(1)?;
            }
            let r = f.run(seed.wrapping_add(k as u64))?;
            rows.push(SyncRow {
                replica: name.to_string(),
                synchronous,
                lost_acknowledged: r.lost_acknowledged,
                write_p50: r.write_latency.p50(),
                expected_lost: if synchronous {
                    0.0
                } else {
                    write_rate * rtt / 2.0
                },
            });
        }
    }
    Ok(rows)
}

/// [`headroom_sweep`] rows as a table (percentages and milliseconds).
pub fn headroom_table(rows: &[HeadroomRow]) -> Result<Table> {
    Table::builder()
        .column(
            t("평소 사용률 (%)", "normal (%)"),
            rows.iter().map(|r| r.normal * 100.0).collect::<Vec<_>>(),
        )
        .column(
            t("장애 후 도쿄 (%)", "Tokyo after (%)"),
            rows.iter().map(|r| r.survivor * 100.0).collect::<Vec<_>>(),
        )
        .column(
            t("전 p99 (ms)", "p99 before (ms)"),
            rows.iter().map(|r| r.p99_before * 1e3).collect::<Vec<_>>(),
        )
        .column(
            t("후 p99 (ms)", "p99 after (ms)"),
            rows.iter().map(|r| r.p99_after * 1e3).collect::<Vec<_>>(),
        )
        .column(
            t("후 오류 (%)", "errors after (%)"),
            rows.iter()
                .map(|r| r.errors_after * 100.0)
                .collect::<Vec<_>>(),
        )
        .build()
}

/// [`cross_region_replication`] rows as a table.
pub fn sync_table(rows: &[SyncRow]) -> Result<Table> {
    Table::builder()
        .column(
            t("복제본", "replica"),
            rows.iter().map(|r| r.replica.as_str()).collect::<Vec<_>>(),
        )
        .column(
            t("방식", "mode"),
            rows.iter()
                .map(|r| {
                    if r.synchronous {
                        t("동기", "synchronous")
                    } else {
                        t("비동기", "asynchronous")
                    }
                })
                .collect::<Vec<_>>(),
        )
        .column(
            t("잃은 쓰기", "writes lost"),
            rows.iter().map(|r| r.lost_acknowledged).collect::<Vec<_>>(),
        )
        .column(
            t("예상 (λ·d)", "expected (λ·d)"),
            rows.iter().map(|r| r.expected_lost).collect::<Vec<_>>(),
        )
        .column(
            t("쓰기 p50 (ms)", "write p50 (ms)"),
            rows.iter().map(|r| r.write_p50 * 1e3).collect::<Vec<_>>(),
        )
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "With only Seoul, a user in Frankfurt pays 240 ms per round trip"; "A data center
    /// in Virginia brings Virginia's users down to 11 ms and Frankfurt's to 100 ms"; "a
    /// third in Frankfurt brings them to 11 ms".
    #[test]
    fn nearer_data_centers_cut_the_round_trip() {
        let w = Regions::world();
        let t = latency_by_layout(
            &w,
            &[
                ("a", &["seoul"][..]),
                ("b", &["seoul", "virginia"][..]),
                ("c", &["seoul", "virginia", "frankfurt"][..]),
            ],
        )
        .unwrap();
        let col = |name: &str| -> Vec<f64> {
            t.frame()
                .column(name)
                .unwrap()
                .f64()
                .unwrap()
                .into_no_null_iter()
                .collect()
        };
        // Rows: seoul, tokyo, virginia, frankfurt. Exact arithmetic on the preset.
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(close(col("a (ms)")[3], 240.0));
        assert!(close(col("b (ms)")[2], 11.0) && close(col("b (ms)")[3], 100.0));
        assert!(close(col("c (ms)")[3], 11.0));
        assert!(latency_by_layout(&w, &[]).is_err());
        assert!(latency_by_layout(&w, &[("x", &["mars"][..])]).is_err());
    }

    /// "Seoul users, before the failure: p50 about 84 ms. While the failure is being
    /// detected, 100 % of their requests fail. After failover ... p50 about 139 ms";
    /// "Tokyo, now at about 80 % instead of 40 %"; "their p99 goes from 454 to 512 ms".
    #[test]
    fn failover_moves_seoul_to_tokyo_at_a_cost() {
        let r = seoul_tokyo(10, 40.0).unwrap().run(1).unwrap();
        let seoul = r.region("seoul").unwrap();
        let normal = seoul.in_phase(&r, Phase::Normal).unwrap();
        let detecting = seoul.in_phase(&r, Phase::Detecting).unwrap();
        let moved = seoul.in_phase(&r, Phase::FailedOver).unwrap();
        // 2 400 requests before, 18 000 after: medians within a few ms.
        assert!((normal.latency.p50() * 1e3 - 84.0).abs() < 5.0);
        assert!((moved.latency.p50() * 1e3 - 139.0).abs() < 5.0);
        assert!(detecting.error_ratio() > 0.99);
        let tokyo_site = r
            .site("tokyo")
            .unwrap()
            .in_phase(&r, Phase::FailedOver)
            .unwrap();
        let u = tokyo_site.busy_time / tokyo_site.capacity_time;
        assert!((u - 0.80).abs() < 0.03, "{u}");
        let tokyo = r.region("tokyo").unwrap();
        let before = tokyo.in_phase(&r, Phase::Normal).unwrap().latency.p99() * 1e3;
        let after = tokyo.in_phase(&r, Phase::FailedOver).unwrap().latency.p99() * 1e3;
        // p99 of 2 400 samples is uncertain by ~10 %; of 18 000 by ~4 %.
        assert!((before / 454.0 - 1.0).abs() < 0.1, "{before}");
        assert!((after / 512.0 - 1.0).abs() < 0.05, "{after}");
        assert!(after > before);
    }

    /// "At 40 % that is 80 % and p99 is about 555 ms; at 45 % it is 90 % and p99 is 690 ms;
    /// at 50 % the survivor is at 100 % and p99 is 2,300 ms; ... at 55 % p99 is about
    /// 21,000 ms (21 s) and 4 % of requests fail"; "p99 stays near half a second ... from
    /// 30 % to 60 %" before the failure.
    #[test]
    fn the_survivor_needs_headroom() {
        let rows = headroom_sweep(&[0.30, 0.40, 0.45, 0.50, 0.55, 0.60], 1).unwrap();
        for r in &rows {
            assert!((0.45..0.56).contains(&r.p99_before), "{r:?}");
        }
        let ms = |i: usize| rows[i].p99_after * 1e3;
        // 14 000–20 000 requests per point after failover: p99 within ~5 %; near and
        // above saturation the queue's random walk dominates, hence 30 %.
        assert!((ms(1) / 555.0 - 1.0).abs() < 0.05, "{}", ms(1));
        assert!((ms(2) / 690.0 - 1.0).abs() < 0.1, "{}", ms(2));
        assert!((ms(3) / 2_300.0 - 1.0).abs() < 0.3, "{}", ms(3));
        assert!((ms(4) / 21_000.0 - 1.0).abs() < 0.3, "{}", ms(4));
        assert!(
            (0.02..0.07).contains(&rows[4].errors_after),
            "{:?}",
            rows[4]
        );
        assert!((rows[1].survivor - 0.80).abs() < 0.03);
        assert!((rows[2].survivor - 0.90).abs() < 0.03);
        assert!(headroom_sweep(&[1.0], 1).is_err());
    }

    /// "Between two zones of one region, synchronous replication costs about 1.5 ms per
    /// write and loses nothing"; "To Tokyo, asynchronous replication loses about 9
    /// acknowledged writes in the failover and synchronous replication adds 35 ms to every
    /// write; to Virginia, 79 lost writes or 180 ms per write."
    #[test]
    fn distance_sets_the_price_of_sync_and_the_loss_of_async() {
        let rows = cross_region_replication(
            &seoul_cloud(),
            "seoul-a",
            &["seoul-b", "tokyo", "virginia"],
            1_000.0,
            1,
        )
        .unwrap();
        let sync_ms: Vec<f64> = rows
            .iter()
            .filter(|r| r.synchronous)
            .map(|r| r.write_p50 * 1e3)
            .collect();
        for (got, want) in sync_ms.iter().zip([1.5, 35.0, 180.0]) {
            assert!((got - want).abs() < 0.1, "{got} vs {want}");
        }
        assert!(
            rows.iter()
                .filter(|r| r.synchronous)
                .all(|r| r.lost_acknowledged == 0)
        );
        // Lost writes are a Poisson count of mean λ·d: 4 SD around it, and the quoted
        // values themselves.
        for r in rows.iter().filter(|r| !r.synchronous) {
            let sd = r.expected_lost.sqrt().max(1.0);
            assert!(
                (r.lost_acknowledged as f64 - r.expected_lost).abs() <= 4.0 * sd,
                "{r:?}"
            );
        }
        assert_eq!(rows[2].lost_acknowledged, 9);
        assert_eq!(rows[4].lost_acknowledged, 79);
    }
}
