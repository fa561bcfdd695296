//! The CDN and the data centers against their closed forms.
//!
//! Tolerances, as in tests/sim_theory.rs: each check runs R = 20 independent
//! replications (seeds derived from one base seed, so the test is deterministic) and
//! compares the mean of the replication estimates with the closed form, allowing 5
//! standard errors of that mean (t with 19 degrees of freedom: a correct model fails
//! with probability below 1e-4). Each check also asserts that 5 SE is below a stated
//! fraction of the expected value, so a noisy run cannot hide a bug. Hard bounds (no
//! stale answer with versioned URLs, at most one origin request per TTL) are exact.
//!
//! The CDN formulas are renewal–reward arguments for one object at one edge, with
//! Poisson requests at rate λ, TTL T and a fetch of constant length d (edge → origin
//! round trip + origin service; the origin is elastic, so there is no queueing). A cycle
//! starts with a miss; requests during the fetch wait for it (coalesced); the copy then
//! lives T seconds; the first request after that starts the next cycle. Per cycle:
//! 1 origin request, λd coalesced, λT hits, mean length 1/λ + d + T.

use scale_lab::model::cdn::{CdnExperiment, CdnReport, Origin};
use scale_lab::model::datacenter::{GeoFailover, GeoReport, Phase};
use scale_lab::model::region::Regions;
use scale_lab::sim::{Dist, Zipf, sweep, theory};

const REPLICATIONS: usize = 20;

fn mean_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let m = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, (var / n).sqrt())
}

/// The replications' mean is within 5 SE of `expected`, and 5 SE ≤ `precision` × expected.
fn assert_matches(what: &str, values: &[f64], expected: f64, precision: f64) {
    let (m, se) = mean_se(values);
    println!("{what}: simulated {m:.5} ± {se:.5} (SE), closed form {expected:.5}");
    assert!(
        (m - expected).abs() <= 5.0 * se,
        "{what}: simulated {m} vs closed form {expected}: more than 5 SE ({se})"
    );
    assert!(
        5.0 * se <= precision * expected,
        "{what}: too noisy to test (5 SE = {})",
        5.0 * se
    );
}

fn replicate<R: Send>(seed: u64, run: impl Fn(u64) -> R + Sync) -> Vec<R> {
    let runs: Vec<u64> = (0..REPLICATIONS as u64).collect();
    sweep(seed, &runs, |_, s| run(s))
}

/// Two regions: the origin's ("home") and one 150 ms away ("far"); 10 ms access,
/// 2 ms inside a region.
fn home_and_far() -> Regions {
    Regions::new(
        &["home", "far"],
        &[0.010, 0.010],
        &[[0.002, 0.150], [0.150, 0.002]],
    )
    .unwrap()
}

const ORIGIN_TIME: f64 = 0.020;

/// One object requested at `lambda`/s by the users of each region, an edge in each.
fn one_object(lambda: f64, ttl: f64) -> CdnExperiment {
    CdnExperiment::new(home_and_far(), "home")
        .unwrap()
        .objects(Zipf::new(1, 1.0).unwrap())
        .origin(Origin::elastic(Dist::constant(ORIGIN_TIME).unwrap()))
        .ttl(ttl)
        .unwrap()
        .users("home", lambda)
        .unwrap()
        .users("far", lambda)
        .unwrap()
        .warmup(50.0)
        .unwrap()
        .duration(3000.0)
        .unwrap()
}

/// The fetch time d of the edge in `region`: its round trip to the origin + service.
fn fetch_time(region: &str) -> f64 {
    let r = home_and_far();
    let i = r.index(region).unwrap();
    r.rtt(i, 0) + ORIGIN_TIME
}

#[test]
fn ttl_hit_ratio_offload_and_edge_latency_match_renewal_reward() {
    let (lambda, ttl) = (2.0, 1.0);
    let x = one_object(lambda, ttl);
    let runs: Vec<CdnReport> = replicate(10, |s| x.run(s).unwrap());
    for region in ["home", "far"] {
        let d = fetch_time(region);
        let cycle = 1.0 + lambda * (ttl + d);
        let hits: Vec<f64> = runs
            .iter()
            .map(|r| r.edge(region).unwrap().stats.hit_ratio())
            .collect();
        assert_matches(
            &format!("{region}: hit ratio λT/(1+λ(T+d))"),
            &hits,
            lambda * ttl / cycle,
            0.02,
        );
        let misses: Vec<f64> = runs
            .iter()
            .map(|r| r.edge(region).unwrap().stats)
            .map(|s| s.misses as f64 / s.requests as f64)
            .collect();
        assert_matches(
            &format!("{region}: origin requests per request 1/(1+λ(T+d))"),
            &misses,
            1.0 / cycle,
            0.03,
        );
        // Latency: the round trip to the edge, plus for the asker of a miss the whole
        // fetch d, and for the λd coalesced requests of a cycle d/2 on average.
        let region_index = home_and_far().index(region).unwrap();
        let base = home_and_far().user_rtt(region_index, region_index);
        let mean_latency = base + (d + lambda * d * d / 2.0) / cycle;
        let latency: Vec<f64> = runs
            .iter()
            .map(|r| r.region(region).unwrap().latency.mean())
            .collect();
        assert_matches(
            &format!("{region}: mean latency"),
            &latency,
            mean_latency,
            0.01,
        );
    }
    // The far edge's misses cost 150 ms more: its users' p99 shows the ocean.
    let p99_far: Vec<f64> = runs
        .iter()
        .map(|r| r.region("far").unwrap().latency.p99())
        .collect();
    assert!(mean_se(&p99_far).0 > 0.150, "{p99_far:?}");
}

#[test]
fn an_edge_sends_at_most_one_origin_request_per_object_per_ttl() {
    // 1000 requests per second for one object: without coalescing and a TTL the origin
    // would see 1000/s; with them, one request per cycle of 1/λ + T + d at each edge.
    // At this rate a cycle is almost deterministic (its random part, the wait for the
    // first request after expiry, has sd 1 ms), so the count of cycles in the measured
    // window is its length / cycle, give or take the one cut at each end.
    let (lambda, ttl) = (1000.0, 0.5);
    let x = one_object(lambda, ttl).duration(200.0).unwrap();
    let runs: Vec<CdnReport> = replicate(20, |s| x.run(s).unwrap());
    for region in ["home", "far"] {
        let d = fetch_time(region);
        for r in &runs {
            let stats = r.edge(region).unwrap().stats;
            let misses = stats.misses as f64;
            assert!(
                misses <= (r.duration / (ttl + d)).ceil() + 1.0,
                "{region}: {misses} origin requests in {} s",
                r.duration
            );
            let expected = r.duration / (1.0 / lambda + ttl + d);
            assert!(
                (misses - expected).abs() <= 1.5,
                "{region}: {misses} origin requests, expected {expected:.1}"
            );
            assert!(stats.requests > 190_000 && stats.coalesced > 0, "{stats:?}");
        }
    }
}

#[test]
fn origin_offload_under_zipf_popularity() {
    // 200 objects, Zipf α = 1, 50 requests/s at one edge next to the origin; each object
    // is its own Poisson stream at λ·p_k, so the origin's rate is Σ 1/(1/(λp_k) + T + d).
    let regions = Regions::single("here", 0.010).unwrap();
    let zipf = Zipf::new(200, 1.0).unwrap();
    let (lambda, ttl, service) = (50.0, 5.0, 0.030);
    let x = CdnExperiment::new(regions, "here")
        .unwrap()
        .objects(zipf.clone())
        .origin(Origin::elastic(Dist::constant(service).unwrap()))
        .ttl(ttl)
        .unwrap()
        .users("here", lambda)
        .unwrap()
        .warmup(100.0)
        .unwrap()
        .duration(2000.0)
        .unwrap();
    let runs: Vec<CdnReport> = replicate(30, |s| x.run(s).unwrap());
    let d = service; // the edge and the origin share a data center: rtt 0
    let expected: f64 = zipf
        .probabilities()
        .iter()
        .map(|p| 1.0 / (1.0 / (lambda * p) + ttl + d))
        .sum();
    let rate: Vec<f64> = runs.iter().map(|r| r.origin_rate()).collect();
    assert_matches("Zipf origin requests/s", &rate, expected, 0.02);
    let offload: Vec<f64> = runs.iter().map(|r| r.offload()).collect();
    assert_matches("Zipf offload", &offload, 1.0 - expected / lambda, 0.01);
}

#[test]
fn plain_urls_are_stale_as_the_ttl_predicts_and_never_longer_than_it() {
    // Updates at rate u. A copy read at the origin is δ old when it reaches the edge
    // (δ = the one-way trip back) and is used until T after that; a request x seconds
    // after the read gets stale content with probability 1 − e^(−ux). Per cycle the
    // requests from the read to the expiry are stale in expectation
    // λ[(δ + T) − (1 − e^(−u(δ+T)))/u], out of 1 + λ(d + T) answers.
    let (lambda, ttl, u) = (2.0, 2.0, 0.2);
    // Stale answers come in runs (one update spoils the rest of a copy's life), so the
    // runs are long: 60 000 requests per region each.
    let x = one_object(lambda, ttl)
        .updates(u)
        .unwrap()
        .duration(30_000.0)
        .unwrap();
    let runs: Vec<CdnReport> = replicate(30, |s| x.run(s).unwrap());
    for region in ["home", "far"] {
        let d = fetch_time(region);
        let delta = (d - ORIGIN_TIME) / 2.0;
        let w = delta + ttl;
        let expected = lambda * (w - (1.0 - (-u * w).exp()) / u) / (1.0 + lambda * (d + ttl));
        let stale: Vec<f64> = runs
            .iter()
            .map(|r| r.region(region).unwrap())
            .map(|t| t.stale as f64 / t.requests as f64)
            .collect();
        assert_matches(&format!("{region}: stale answers"), &stale, expected, 0.03);
    }
    let worst = runs.iter().map(|r| r.staleness.max()).fold(0.0, f64::max);
    let bound = ttl + (fetch_time("far") - ORIGIN_TIME) / 2.0;
    assert!(
        worst <= bound + 1e-6,
        "a copy is never stale for longer than T + δ: {worst} > {bound}"
    );
    assert!(worst > 0.9 * bound, "and it gets close to it: {worst}");
}

#[test]
fn versioned_urls_are_never_stale_and_miss_once_per_version() {
    // Same traffic as above: not one stale answer, whatever the TTL.
    let x = one_object(2.0, 1e7)
        .updates(0.2)
        .unwrap()
        .versioned_urls(true);
    for r in replicate(40, |s| x.run(s).unwrap()) {
        assert_eq!(r.stale_ratio(), 0.0);
        assert!(
            r.edges
                .iter()
                .all(|e| e.stats.stale == 0 && e.stats.new_version > 100),
            "{:?}",
            r.edges
        );
    }
    // With the origin next to the edge (d = 0) the miss ratio has a closed form: a
    // cycle ends at min(T, the next update); it holds λ(1 − e^(−uT))/u hits.
    let regions = Regions::single("here", 0.010).unwrap();
    let (lambda, u) = (2.0, 0.2);
    for (i, ttl) in [5.0, 1e7].into_iter().enumerate() {
        let x = CdnExperiment::new(regions.clone(), "here")
            .unwrap()
            .objects(Zipf::new(1, 1.0).unwrap())
            .origin(Origin::elastic(Dist::constant(0.0).unwrap()))
            .versioned_urls(true)
            .updates(u)
            .unwrap()
            .ttl(ttl)
            .unwrap()
            .users("here", lambda)
            .unwrap()
            .warmup(50.0)
            .unwrap()
            .duration(10_000.0)
            .unwrap();
        let runs: Vec<CdnReport> = replicate(50 + i as u64, |s| x.run(s).unwrap());
        let expected = 1.0 / (1.0 + lambda * (1.0 - (-u * ttl).exp()) / u);
        let misses: Vec<f64> = runs.iter().map(|r| 1.0 - r.offload()).collect();
        assert_matches(
            &format!("versioned, T = {ttl}: miss ratio"),
            &misses,
            expected,
            0.03,
        );
    }
}

/// East and west, 70 ms apart, a data center with 4 servers (10 ms each) in both.
fn east_west(east: f64, west: f64) -> GeoFailover {
    let regions = Regions::new(
        &["east", "west"],
        &[0.010, 0.020],
        &[[0.001, 0.070], [0.070, 0.001]],
    )
    .unwrap();
    GeoFailover::new(regions, Dist::exponential(0.010).unwrap())
        .data_center("east", 4)
        .unwrap()
        .data_center("west", 4)
        .unwrap()
        .users("east", east)
        .unwrap()
        .users("west", west)
        .unwrap()
        .failover_delay(5.0)
        .unwrap()
        .warmup(20.0)
        .unwrap()
        .duration(880.0)
        .unwrap()
}

#[test]
fn failover_adds_the_inter_region_round_trip_and_loads_the_survivor() {
    let (le, lw, mu, c) = (120.0, 100.0, 100.0, 4);
    let g = east_west(le, lw)
        .outage("east", 300.0, f64::INFINITY)
        .unwrap();
    let runs: Vec<GeoReport> = replicate(60, |s| g.run(s).unwrap());
    let latency = |r: &GeoReport, region: &str, phase| {
        r.region(region)
            .unwrap()
            .in_phase(r, phase)
            .unwrap()
            .latency
            .mean()
    };
    let w_east = theory::mmc_mean_response(le, mu, c).unwrap();
    let w_both = theory::mmc_mean_response(le + lw, mu, c).unwrap();

    let normal: Vec<f64> = runs
        .iter()
        .map(|r| latency(r, "east", Phase::Normal))
        .collect();
    assert_matches(
        "east before: access + in-region + M/M/4",
        &normal,
        0.010 + 0.001 + w_east,
        0.01,
    );
    let moved: Vec<f64> = runs
        .iter()
        .map(|r| latency(r, "east", Phase::FailedOver))
        .collect();
    assert_matches(
        "east after: + 70 ms to west, M/M/4 with both loads",
        &moved,
        0.010 + 0.070 + w_both,
        0.01,
    );
    let west: Vec<f64> = runs
        .iter()
        .map(|r| latency(r, "west", Phase::FailedOver))
        .collect();
    assert_matches(
        "west after: its own users wait longer",
        &west,
        0.020 + 0.001 + w_both,
        0.01,
    );
    let util = |r: &GeoReport, phase| {
        r.site("west")
            .unwrap()
            .in_phase(r, phase)
            .unwrap()
            .utilisation()
    };
    let before: Vec<f64> = runs.iter().map(|r| util(r, Phase::Normal)).collect();
    assert_matches(
        "west utilisation before",
        &before,
        lw / (c as f64 * mu),
        0.02,
    );
    let after: Vec<f64> = runs.iter().map(|r| util(r, Phase::FailedOver)).collect();
    assert_matches(
        "west utilisation after",
        &after,
        (le + lw) / (c as f64 * mu),
        0.02,
    );

    // While the failure is being detected, every east request fails: Poisson(λ · 5 s).
    let detecting: Vec<f64> = runs
        .iter()
        .map(|r| {
            let p = r
                .region("east")
                .unwrap()
                .in_phase(r, Phase::Detecting)
                .unwrap();
            assert_eq!(
                (p.latency.count(), p.errors),
                (0, p.arrived),
                "nothing is served at a dead site"
            );
            p.errors as f64
        })
        .collect();
    // Poisson counts: SE of the mean = √(λd/R); 5 SE = 5·√(600/20) ≈ 27, 4.6 % of 600.
    assert_matches("errors while detecting", &detecting, le * 5.0, 0.05);
    for r in &runs {
        // The requests inside the east site when it died were lost: they are the east
        // users' only errors before the failure, and none fail after the failover.
        let east = r.region("east").unwrap();
        let lost = r
            .site("east")
            .unwrap()
            .in_phase(r, Phase::Detecting)
            .unwrap()
            .lost;
        assert_eq!(east.in_phase(r, Phase::Normal).unwrap().errors, lost);
        assert_eq!(east.in_phase(r, Phase::FailedOver).unwrap().errors, 0);
        assert!(r.stopped_early.is_none());
    }
}

/// P(an arrival finds the system full) in M/M/c/K: p_K of the birth–death chain.
fn mmck_blocking(lambda: f64, mu: f64, c: usize, k: usize) -> f64 {
    let a = lambda / mu;
    let (mut term, mut sum) = (1.0, 1.0);
    for n in 1..=k {
        term *= a / n.min(c) as f64;
        sum += term;
    }
    term / sum
}

#[test]
fn a_survivor_without_headroom_turns_traffic_away() {
    // 200 + 250 requests/s on a survivor of capacity 400/s: ρ = 1.125. With 30 waiting
    // places it is an M/M/4/34 queue, whose blocking probability is exact.
    let (le, lw, mu, c, limit) = (200.0, 250.0, 100.0, 4, 30);
    let g = east_west(le, lw)
        .queue_limit(limit)
        .outage("east", 100.0, f64::INFINITY)
        .unwrap();
    let runs: Vec<GeoReport> = replicate(70, |s| g.run(s).unwrap());
    let blocking = mmck_blocking(le + lw, mu, c, c + limit);
    let lost: Vec<f64> = runs
        .iter()
        .map(|r| {
            let phase = r.phase_index(Phase::FailedOver).unwrap();
            let (errors, arrived) = r
                .regions
                .iter()
                .map(|g| &g.phases[phase])
                .fold((0, 0), |(e, a), p| (e + p.errors, a + p.arrived));
            errors as f64 / arrived as f64
        })
        .collect();
    assert_matches("failed over: M/M/4/34 blocking", &lost, blocking, 0.02);
    let util: Vec<f64> = runs
        .iter()
        .map(|r| {
            r.site("west")
                .unwrap()
                .in_phase(r, Phase::FailedOver)
                .unwrap()
                .utilisation()
        })
        .collect();
    assert_matches(
        "survivor utilisation",
        &util,
        (le + lw) * (1.0 - blocking) / (c as f64 * mu),
        0.01,
    );
    // Without a queue limit the survivor's queue grows until the guard stops the run.
    let r = east_west(le, lw)
        .outage("east", 100.0, f64::INFINITY)
        .unwrap()
        .max_backlog(2000)
        .unwrap()
        .run(1)
        .unwrap();
    let why = r
        .stopped_early
        .expect("an overloaded survivor must stop the run and say so");
    assert!(
        why.contains("more than 2000 requests") && why.contains("west"),
        "{why}"
    );
}
