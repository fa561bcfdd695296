//! Lesson 01 (`lessons/01-single-server`) — One server: DNS, then HTTP; latency against load and the knee.
//!
//! The experiments of the lesson:
//! - [`dns_by_ttl`]: what the first step of a visit (the DNS lookup) costs, by TTL.
//! - [`by_users`]: one server's response time as the number of active users grows,
//!   simulated and from M/M/1 theory — the knee.
//! - [`capacity`]: the most users the server keeps under a p99 target, read from the
//!   simulated sweep and from the closed form.
//! - [`burst`]: what a burst of traffic above the server's capacity does, second by
//!   second.

use crate::error::{Error, Result, at_least_one, positive};
use crate::lang::t;
use crate::model::dns::{DnsCaching, GeoRouting};
use crate::report::{Table, ToTable};
use crate::sim::{Arrivals, Dist, OpenQueue, sweep, theory};

/// The DNS step at one TTL.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DnsRow {
    /// The record's TTL, in seconds.
    pub ttl: f64,
    /// The share of lookups the resolver answered from its cache.
    pub cache_share: f64,
    /// The mean time a lookup took, in ms.
    pub mean_ms: f64,
    /// The slowest lookup, in ms.
    pub max_ms: f64,
}

impl ToTable for DnsRow {
    fn to_table(&self) -> Table {
        Table::builder()
            .column("TTL (s)", [self.ttl])
            .column(
                t("캐시 응답 비율", "answered from cache"),
                [self.cache_share],
            )
            .column(t("평균 조회 시간 (ms)", "mean lookup (ms)"), [self.mean_ms])
            .column(
                t("가장 느린 조회 (ms)", "slowest lookup (ms)"),
                [self.max_ms],
            )
            .build()
            .expect("columns of one row have equal lengths and distinct names")
    }
}

/// Users of one region look the site up through one caching resolver
/// (`lookups_per_second` in total, Poisson; 2 ms to the resolver, 40 ms from it to the
/// authoritative server) for an hour, with each TTL in `ttls` (seconds, ≥ 0).
pub fn dns_by_ttl(ttls: &[f64], lookups_per_second: f64, seed: u64) -> Result<Vec<DnsRow>> {
    positive("lookups_per_second", lookups_per_second)?;
    let geo = GeoRouting::new(1)?.region(&[(0, 0.0)])?;
    ttls.iter()
        .map(|&ttl| {
            let report = DnsCaching::new(geo.clone(), ttl, lookups_per_second)?
                .duration(3_600.0)?
                .run(seed)?;
            Ok(DnsRow {
                ttl,
                cache_share: report.cache_share,
                mean_ms: report.latency.mean() * 1e3,
                max_ms: report.latency.max() * 1e3,
            })
        })
        .collect()
}

/// One server at one number of active users.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UserPoint {
    /// Active users.
    pub users: u32,
    /// The server's utilisation ρ (the share of time it is busy).
    pub utilisation: f64,
    /// Simulated mean response time, in ms.
    pub mean_ms: f64,
    /// Simulated 99th percentile of the response time, in ms.
    pub p99_ms: f64,
    /// M/M/1's mean response time, in ms.
    pub theory_mean_ms: f64,
    /// M/M/1's p99, in ms.
    pub theory_p99_ms: f64,
}

impl ToTable for UserPoint {
    fn to_table(&self) -> Table {
        Table::builder()
            .column(t("사용자", "users"), [self.users])
            .column(t("사용률", "utilisation"), [self.utilisation])
            .column(t("평균 (ms)", "mean (ms)"), [self.mean_ms])
            .column("p99 (ms)", [self.p99_ms])
            .column(t("p99 이론 (ms)", "p99 theory (ms)"), [self.theory_p99_ms])
            .build()
            .expect("columns of one row have equal lengths and distinct names")
    }
}

/// One server (one worker, exponential service of mean `service_ms` ms) in front of
/// `users` active users, each sending `requests_per_user` requests per second on
/// average (together a Poisson stream): `requests` measured requests per point, point
/// `i` with `derive_seed(seed, i)`. Every user count must keep the server below
/// capacity (utilisation < 1).
pub fn by_users(
    users: &[u32],
    requests_per_user: f64,
    service_ms: f64,
    requests: u64,
    seed: u64,
) -> Result<Vec<UserPoint>> {
    positive("requests_per_user", requests_per_user)?;
    let mu = 1e3 / positive("service_ms", service_ms)?;
    for &n in users {
        at_least_one("users", n as usize)?;
        theory::utilisation(n as f64 * requests_per_user, mu, 1)?;
    }
    sweep(seed, users, |&n, point_seed| {
        let lambda = n as f64 * requests_per_user;
        let report = OpenQueue::mm1(lambda, mu)?
            .requests(requests)?
            .run(point_seed)?;
        Ok(UserPoint {
            users: n,
            utilisation: lambda / mu,
            mean_ms: report.response.mean() * 1e3,
            p99_ms: report.response.p99() * 1e3,
            theory_mean_ms: theory::mm1_mean_response(lambda, mu)? * 1e3,
            theory_p99_ms: theory::mm1_response_percentile(lambda, mu, 99.0)? * 1e3,
        })
    })
    .into_iter()
    .collect()
}

/// The most users one server keeps under a p99 target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Capacity {
    /// The p99 target, in ms.
    pub target_ms: f64,
    /// The most users of the sweep whose simulated p99 met the target (0 if none).
    pub simulated_users: u32,
    /// The most users for which M/M/1's p99 meets the target.
    pub theory_users: u32,
    /// The server's utilisation at `theory_users`.
    pub utilisation: f64,
}

impl ToTable for Capacity {
    fn to_table(&self) -> Table {
        Table::builder()
            .column(t("p99 목표 (ms)", "p99 target (ms)"), [self.target_ms])
            .column(
                t("최대 사용자, 시뮬레이션", "most users, simulated"),
                [self.simulated_users],
            )
            .column(
                t("최대 사용자, 이론", "most users, theory"),
                [self.theory_users],
            )
            .column(t("그때의 사용률", "utilisation there"), [self.utilisation])
            .build()
            .expect("columns of one row have equal lengths and distinct names")
    }
}

/// For each p99 target (ms): the most users in `points` (a [`by_users`] sweep) whose
/// simulated p99 met it, and the most users M/M/1 theory allows
/// (λ ≤ μ − ln(100) / target).
pub fn capacity(
    points: &[UserPoint],
    targets_ms: &[f64],
    requests_per_user: f64,
    service_ms: f64,
) -> Result<Vec<Capacity>> {
    positive("requests_per_user", requests_per_user)?;
    let mu = 1e3 / positive("service_ms", service_ms)?;
    targets_ms
        .iter()
        .map(|&target_ms| {
            let target = positive("target_ms", target_ms)? / 1e3;
            let simulated_users = points
                .iter()
                .filter(|p| p.p99_ms <= target_ms)
                .map(|p| p.users)
                .max()
                .unwrap_or(0);
            let lambda_max = (mu - 100f64.ln() / target).max(0.0);
            let theory_users = (lambda_max / requests_per_user + 1e-9).floor() as u32;
            Ok(Capacity {
                target_ms,
                simulated_users,
                theory_users,
                utilisation: theory_users as f64 * requests_per_user / mu,
            })
        })
        .collect()
}

/// What a burst did to one server.
#[derive(Debug, Clone, PartialEq)]
pub struct BurstRun {
    /// (second, p99 in ms) of the requests that finished in each one-second window.
    pub p99_ms: Vec<(f64, f64)>,
    /// (second, requests finished in it).
    pub throughput: Vec<(f64, f64)>,
    /// The p99 of the windows before the burst, in ms.
    pub p99_before_ms: f64,
    /// The worst window's p99, in ms.
    pub peak_p99_ms: f64,
    /// The longest the queue got (requests waiting).
    pub max_queue: usize,
    /// Seconds from the burst's end until a window's p99 is back under twice the p99
    /// before the burst.
    pub recovery_s: f64,
}

/// One server (exponential service of mean `service_ms` ms) with Poisson traffic at
/// `rate` requests per second, which is `factor` times higher from `start` for
/// `length` seconds; about `seconds` seconds are simulated (from an empty server).
pub fn burst(
    rate: f64,
    service_ms: f64,
    start: f64,
    length: f64,
    factor: f64,
    seconds: f64,
    seed: u64,
) -> Result<BurstRun> {
    let mu = 1e3 / positive("service_ms", service_ms)?;
    theory::utilisation(rate, mu, 1)?;
    let end = start + positive("length", length)?;
    if positive("seconds", seconds)? <= end {
        return Err(Error::param(
            "seconds",
            seconds,
            format!("more than the burst's end ({end} s), to see the recovery"),
        ));
    }
    let arrivals = Arrivals::poisson(rate)?.burst(start, length, factor)?;
    let expected = rate * (seconds + (factor - 1.0) * length);
    let report = OpenQueue::new(arrivals, Dist::exponential(1.0 / mu)?, 1)?
        .warmup(0)
        .requests(expected.max(1.0) as u64)?
        .time_series(1.0)?
        .run(seed)?;
    let series = report
        .series
        .as_ref()
        .expect("the run was asked for a time series");
    let p99_ms: Vec<(f64, f64)> = series
        .latency
        .percentile(99.0)?
        .into_iter()
        .map(|(t, p)| (t, p * 1e3))
        .collect();
    let throughput = series.completions.rates();
    let before: Vec<f64> = p99_ms
        .iter()
        .filter(|&&(t, _)| t >= 5.0 && t + 1.0 <= start)
        .map(|&(_, p)| p)
        .collect();
    let p99_before_ms = if before.is_empty() {
        theory::mm1_response_percentile(rate, mu, 99.0)? * 1e3
    } else {
        before.iter().sum::<f64>() / before.len() as f64
    };
    let peak_p99_ms = p99_ms.iter().map(|&(_, p)| p).fold(0.0, f64::max);
    let recovery_s = p99_ms
        .iter()
        .find(|&&(t, p)| t >= end && p < 2.0 * p99_before_ms)
        .map_or(seconds - end, |&(t, _)| t - end);
    Ok(BurstRun {
        p99_ms,
        throughput,
        p99_before_ms,
        peak_p99_ms,
        max_queue: report.station.max_queue,
        recovery_s,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lesson's sweep: 50 to 900 users, one request per 10 s each, 10 ms per request.
    fn sweep_points() -> Vec<UserPoint> {
        let users: Vec<u32> = (1..=18).map(|i| i * 50).collect();
        by_users(&users, 0.1, 10.0, 200_000, 1).unwrap()
    }

    #[test]
    fn dns_cache_makes_lookups_cheap() {
        // Prose: "with a TTL of 0 [...] every lookup pays the full trip, about 41 ms on
        // average; with a TTL of 300 s more than 99 % of lookups are answered from the
        // cache and the average drops to about 2 ms; [...] still pays 42 ms". Constant
        // latencies: only the share of lookups joining one in flight is random (3 600
        // lookups: its noise moves the TTL-0 mean by well under 1 ms).
        let rows = dns_by_ttl(&[0.0, 300.0], 1.0, 1).unwrap();
        assert_eq!(rows[0].cache_share, 0.0);
        assert!((rows[0].mean_ms - 41.0).abs() < 1.0, "{:?}", rows[0]);
        assert!(rows[1].cache_share > 0.99, "{:?}", rows[1]);
        assert!(rows[1].mean_ms < 2.5, "{:?}", rows[1]);
        assert!((rows[1].max_ms - 42.0).abs() < 1e-6, "{:?}", rows[1]);
    }

    #[test]
    fn the_knee_p99_at_half_and_at_ninety_percent() {
        // Prose: "at 500 users [...] p99 is about 90 ms. At 900 users [...] about 460 ms in
        // theory, five times worse, and the simulated p99 is even a little above it".
        // 200 000 requests per point: up to ρ = 0.8 one run's p99 is within about 5 % of
        // theory (tests/sim_theory.rs), held here to 10 %; at ρ = 0.9 one run is noisier
        // (this seed prints 508 ms), held to 20 %.
        let points = sweep_points();
        let at = |n: u32| points.iter().find(|p| p.users == n).unwrap();
        assert!((at(500).p99_ms / 92.1 - 1.0).abs() < 0.10, "{:?}", at(500));
        assert!((at(900).theory_p99_ms - 460.5).abs() < 1.0, "{:?}", at(900));
        assert!(at(900).p99_ms > at(900).theory_p99_ms, "{:?}", at(900));
        assert!((at(900).p99_ms / 460.5 - 1.0).abs() < 0.20, "{:?}", at(900));
        assert!(at(900).theory_p99_ms > 4.9 * at(500).theory_p99_ms);
        for p in points.iter().filter(|p| p.users <= 800) {
            assert!((p.p99_ms / p.theory_p99_ms - 1.0).abs() < 0.10, "{p:?}");
        }
    }

    #[test]
    fn a_100_ms_p99_target_allows_about_540_users() {
        // Prose: "with a p99 target of 100 ms the server takes about 540 users, at only
        // about 54 % utilisation; the sweep agrees within its 50-user grid [...] only about
        // 80 users fit [...] about 900 users fit (the sweep [...] finds 850)". Theory is
        // exact; the simulated answer can move by one grid step with the p99 noise.
        let points = sweep_points();
        let caps = capacity(&points, &[50.0, 100.0, 200.0, 500.0], 0.1, 10.0).unwrap();
        assert_eq!(caps[1].theory_users, 539);
        assert!((caps[1].utilisation - 0.539).abs() < 1e-9);
        assert!((450..=550).contains(&caps[1].simulated_users), "{caps:?}");
        assert_eq!(
            caps.iter().map(|c| c.theory_users).collect::<Vec<_>>(),
            [78, 539, 769, 907]
        );
        assert!(capacity(&points, &[0.0], 0.1, 10.0).is_err());
    }

    #[test]
    fn a_burst_above_capacity_builds_a_queue_that_outlives_it() {
        // Prose: the arithmetic expects about 500 waiting, about 5 s and about 10 s; "this
        // run: the queue peaked at about 600 requests, the worst p99 at about 6 s, and it
        // took about 11 s after the burst [...] against about 66 ms per second before it".
        // Arithmetic: 25 extra requests/s for 20 s = 500 waiting, 500 × 10 ms = 5 s of
        // work, drained at 50/s of spare capacity in 10 s. The arrivals of 20 s at 125/s
        // vary by about ±50 (Poisson) and the service times add as much again: each number
        // may move by about ±30 %. The p99 before is per second (about 50 requests per
        // window), which reads low against the 92 ms of theory.
        let run = burst(50.0, 10.0, 60.0, 20.0, 2.5, 120.0, 1).unwrap();
        assert!((40.0..130.0).contains(&run.p99_before_ms), "{run:?}");
        assert!((400..800).contains(&run.max_queue), "{}", run.max_queue);
        assert!(
            (4_000.0..8_000.0).contains(&run.peak_p99_ms),
            "{}",
            run.peak_p99_ms
        );
        assert!((7.0..16.0).contains(&run.recovery_s), "{}", run.recovery_s);
        assert!(burst(50.0, 10.0, 60.0, 20.0, 2.5, 70.0, 1).is_err());
        assert!(burst(150.0, 10.0, 60.0, 20.0, 2.5, 120.0, 1).is_err());
    }

    #[test]
    fn closed_loop_users_slow_down_instead_of_exploding() {
        // Prose: "about 20 ms at 500 users [...] about 87 ms at 900 users, where the open
        // stream gave 100 ms [...] at 1 000 users the mean is about 250 ms, and at 1 200
        // users it is about 2 s while the throughput stays pinned at 100 requests/s".
        // Exact mean-value analysis: no sampling noise, tolerances are for rounding.
        use crate::model::load::closed_loop_mva;
        let ms = |n: u32| closed_loop_mva(n, 0.010, 10.0).unwrap().0 * 1e3;
        assert!((ms(500) - 20.0).abs() < 0.5, "{}", ms(500));
        assert!((ms(900) - 87.0).abs() < 1.0, "{}", ms(900));
        assert!((ms(1_000) - 250.0).abs() < 10.0, "{}", ms(1_000));
        assert!((ms(1_200) - 2_000.0).abs() < 20.0, "{}", ms(1_200));
        let (_, x) = closed_loop_mva(1_200, 0.010, 10.0).unwrap();
        assert!((x - 100.0).abs() < 0.5, "{x}");
        // Each user past saturation adds one service time (10 ms) of waiting.
        assert!((ms(1_201) - ms(1_200) - 10.0).abs() < 0.1);
    }

    #[test]
    fn littles_law_holds_on_the_lesson_run() {
        // Prose: "500 users: λ ≈ 50 requests/s, W ≈ 20 ms, so L = λW ≈ 1 request".
        let r = OpenQueue::mm1(50.0, 100.0)
            .unwrap()
            .requests(100_000)
            .unwrap()
            .run(1)
            .unwrap();
        assert!((r.littles_law_ratio() - 1.0).abs() < 0.01);
        assert!(
            (r.mean_in_system - 1.0).abs() < 0.05,
            "{}",
            r.mean_in_system
        );
    }
}
