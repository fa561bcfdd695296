//! The cache models against their theory.
//!
//! How tolerances are set: a check runs R independent replications (seeds derived from
//! one base seed, so the test is deterministic) and takes the standard error of their
//! mean, SE = sd / √R, which includes any correlation inside a run. Where the reference
//! is exact (a TTL cache's λT/(1 + λT), a stampede's 1 + λ·fetch) R = 20 and the
//! simulation must be within 5 SE of it: for a t-distributed mean with 19 degrees of
//! freedom a correct model fails with probability about 8e-5. Where the reference is
//! itself an approximation (Che's, FIFO's, LFU's limit), the tolerance of 1
//! percentage point applies, and the test asserts that 5 SE is below half a point, so
//! the bound tests the approximation and not the noise. Every check also asserts its
//! precision, so a noisier run cannot hide a bug.

use scale_lab::model::cache::{
    Cache, CacheCluster, Cure, Eviction, HitRatio, Lookup, NodeFailure, NodeFailureReport,
    Placement, Stampede, Strategy, TtlTradeoff, WriteStrategies, theory,
};
use scale_lab::sim::{Dist, SimRng, sweep};

/// Mean and standard error of replications.
fn mean_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let m = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, (var / n).sqrt())
}

/// Hit ratios of `reps` replications of one policy and size.
fn hit_ratios(
    h: &HitRatio,
    eviction: Eviction,
    capacity: usize,
    reps: u64,
    seed: u64,
) -> (Vec<f64>, f64) {
    let runs: Vec<u64> = (0..reps).collect();
    let points = sweep(seed, &runs, |_, s| h.run(eviction, capacity, s).unwrap());
    (
        points.iter().map(|p| p.hit_ratio).collect(),
        points[0].theory,
    )
}

/// The simulated mean is within 1 percentage point of the approximation, and the noise
/// (5 SE) is below half a point, so it cannot mask an error of a point. (With 4
/// replications the SE estimate has 3 degrees of freedom; the true 5 SE is about 0.13
/// points, and an estimate 4 times too large has probability about 1e-10.)
fn assert_within_one_point(what: &str, values: &[f64], approx: f64) {
    let (m, se) = mean_se(values);
    println!("{what}: simulated {m:.4} ± {se:.4}, approximation {approx:.4}");
    assert!((m - approx).abs() < 0.01, "{what}: {m} vs {approx}");
    assert!(5.0 * se < 0.005, "{what}: too noisy (SE {se})");
}

#[test]
fn lru_matches_ches_approximation() {
    // 10^4 keys, 4 replications of 5·10^5 requests after 10^5 (the cache is full and
    // settled after a few thousand misses): each hit ratio's sd is about
    // √(h(1−h)/(5·10^5)) ≈ 0.0007, so 5 SE of the mean of 4 is ≈ 0.0018.
    for (i, alpha) in [0.8, 1.0].into_iter().enumerate() {
        let h = HitRatio::zipf(10_000, alpha)
            .unwrap()
            .requests(500_000)
            .unwrap()
            .warmup(100_000);
        for (j, capacity) in [100, 1000].into_iter().enumerate() {
            let (v, che) = hit_ratios(&h, Eviction::Lru, capacity, 4, 10 + 2 * i as u64 + j as u64);
            assert_within_one_point(&format!("LRU α={alpha} C={capacity}"), &v, che);
        }
    }
}

#[test]
fn fifo_and_random_match_their_approximation() {
    // The same run lengths and precision as for LRU.
    for (i, alpha) in [0.8, 1.0].into_iter().enumerate() {
        let h = HitRatio::zipf(10_000, alpha)
            .unwrap()
            .requests(500_000)
            .unwrap()
            .warmup(100_000);
        for (j, capacity) in [100, 1000].into_iter().enumerate() {
            for (k, eviction) in [Eviction::Fifo, Eviction::Random].into_iter().enumerate() {
                let seed = 20 + 4 * i as u64 + 2 * j as u64 + k as u64;
                let (v, approx) = hit_ratios(&h, eviction, capacity, 4, seed);
                assert_within_one_point(&format!("{eviction} α={alpha} C={capacity}"), &v, approx);
            }
        }
    }
}

#[test]
fn lfu_approaches_the_top_c_probabilities_and_beats_lru() {
    for (i, alpha) in [0.8, 1.0].into_iter().enumerate() {
        // A warm-up of 2·10^5 requests: the counts rank the popular keys well enough by
        // then that the hit ratio is within the tolerance of its limit.
        let h = HitRatio::zipf(10_000, alpha)
            .unwrap()
            .requests(500_000)
            .unwrap()
            .warmup(200_000);
        for (j, capacity) in [100, 1000].into_iter().enumerate() {
            let (v, top) = hit_ratios(&h, Eviction::Lfu, capacity, 4, 40 + 2 * i as u64 + j as u64);
            assert_within_one_point(&format!("LFU α={alpha} C={capacity}"), &v, top);
            let lru = h.theory(Eviction::Lru, capacity).unwrap();
            assert!(
                mean_se(&v).0 > lru + 0.01,
                "LFU beats LRU on a static popularity"
            );
        }
    }
}

#[test]
fn a_ttl_cache_on_a_poisson_key_hits_lambda_t_over_one_plus_lambda_t() {
    // One key, λ = 10/s, 20 replications of 20 000 s (200 000 reads each): 5 SE must be
    // below 1 % of the theory, and the mean within 5 SE of it.
    let lambda = 10.0;
    for (i, ttl) in [0.05, 0.1, 0.5, 2.0].into_iter().enumerate() {
        let t = TtlTradeoff::new(1, 1.0, lambda, 0.0)
            .unwrap()
            .duration(20_000.0)
            .unwrap()
            .warmup(10.0)
            .unwrap();
        let runs: Vec<u64> = (0..20).collect();
        let v: Vec<f64> = sweep(60 + i as u64, &runs, |_, s| {
            t.run(ttl, s).unwrap().hit_ratio
        });
        let exact = theory::ttl_hit_ratio(lambda, ttl).unwrap();
        let (m, se) = mean_se(&v);
        println!("TTL {ttl}: simulated {m:.5} ± {se:.5}, λT/(1+λT) = {exact:.5}");
        assert!((m - exact).abs() <= 5.0 * se, "TTL {ttl}: {m} vs {exact}");
        assert!(5.0 * se < 0.01 * exact, "TTL {ttl}: too noisy");
    }
}

#[test]
fn ttl_staleness_and_database_load_match_the_formulas_used_to_pick_a_ttl() {
    // 1000 Zipf(1) keys, 2000 reads/s, 20 writes/s, no invalidation. Per key the hit
    // ratio is λT/(1+λT) and the stale share λ(T − (1 − e^(−μT))/μ)/(1 + λT);
    // weighted by popularity. These are long-run (renewal) averages: the warm-up of 100 s
    // is 7 fill cycles of the coldest key at T = 10 s (cycle T + 1/λ ≈ 13.7 s, its
    // exponential part spreading the phase by √7 × 3.7 s ≈ one cycle), enough for the
    // start to be forgotten. 20 replications of 200 s (400 000 reads each).
    let t = TtlTradeoff::new(1000, 1.0, 2000.0, 20.0)
        .unwrap()
        .duration(200.0)
        .unwrap()
        .warmup(100.0)
        .unwrap();
    for (i, ttl) in [1.0, 10.0].into_iter().enumerate() {
        let runs: Vec<u64> = (0..20).collect();
        let points = sweep(80 + i as u64, &runs, |_, s| t.run(ttl, s).unwrap());
        let (hit, stale) = t.theory(ttl).unwrap().unwrap();
        for (what, v, exact) in [
            (
                "hit ratio",
                points.iter().map(|p| p.hit_ratio).collect::<Vec<_>>(),
                hit,
            ),
            (
                "stale share",
                points.iter().map(|p| p.stale_fraction).collect(),
                stale,
            ),
        ] {
            let (m, se) = mean_se(&v);
            println!("TTL {ttl} {what}: simulated {m:.5} ± {se:.5}, theory {exact:.5}");
            assert!(
                (m - exact).abs() <= 5.0 * se,
                "TTL {ttl} {what}: {m} vs {exact}"
            );
            assert!(5.0 * se < 0.03 * exact, "TTL {ttl} {what}: too noisy");
        }
    }
    // Picking a TTL from a staleness budget: the chosen TTL meets the budget for the
    // hottest key and a longer one does not.
    let (lambda, mu) = (2000.0 * 0.1336, 20.0 * 0.1336);
    let ttl = theory::ttl_for_stale_fraction(lambda, mu, 0.01).unwrap();
    assert!(theory::ttl_stale_fraction(lambda, mu, ttl).unwrap() <= 0.01 + 1e-12);
    assert!(theory::ttl_stale_fraction(lambda, mu, 1.1 * ttl).unwrap() > 0.01);
}

#[test]
fn k_concurrent_misses_reach_the_database_without_coalescing_and_one_with_it() {
    let mut rng = SimRng::new(1);
    for k in [2usize, 10, 100] {
        for leases in [false, true] {
            let mut cache = Cache::new(10, Eviction::Lru)
                .unwrap()
                .ttl(1.0)
                .unwrap()
                .leases(leases);
            cache.put(7, 1, 0.0, None, &mut rng);
            // The hot key has expired; k requests arrive before anyone refills it.
            let answers: Vec<Lookup> = (0..k)
                .map(|i| cache.get(7, 1.0 + i as f64 * 1e-4))
                .collect();
            let to_db = answers
                .iter()
                .filter(|a| matches!(a, Lookup::Miss { .. }))
                .count();
            assert_eq!(
                to_db,
                if leases { 1 } else { k },
                "k = {k}, leases {leases}"
            );
        }
    }
}

#[test]
fn a_stampede_sends_one_plus_lambda_fetch_queries_per_expiry_and_coalescing_one() {
    // One hot key at λ = 200/s, TTL 1 s, fills of exactly 50 ms on a database that never
    // queues (1000 connections): after each expiry the first miss and the Poisson(λ·0.05)
    // requests during its fill all query: 11 per expiry on average. 2000 s give about
    // 1900 expiries; the per-expiry count has sd √10 ≈ 3.2, so the mean over one run
    // has SE ≈ 0.073; 20 runs, 5 SE held below 3 % of 11.
    let s = Stampede::new(1, 200.0, 1.0)
        .unwrap()
        .database(1000, Dist::constant(0.05).unwrap())
        .unwrap()
        .duration(2000.0, 10.0)
        .unwrap();
    let runs: Vec<u64> = (0..20).collect();
    let plain = sweep(90, &runs, |_, seed| s.run(Cure::Nothing, seed).unwrap());
    let v: Vec<f64> = plain.iter().map(|r| r.reads_per_expiry()).collect();
    let exact = theory::stampede_reads(200.0, 0.05).unwrap();
    let (m, se) = mean_se(&v);
    println!("stampede: {m:.3} ± {se:.3} queries per expiry, 1 + λ·fetch = {exact}");
    assert!(
        (m - exact).abs() <= 5.0 * se && 5.0 * se < 0.03 * exact,
        "{m} ± {se}"
    );
    for seed in 0..3 {
        let c = s.run(Cure::Coalescing, seed).unwrap();
        assert!(c.expirations > 1000);
        assert_eq!(c.db_reads, c.expirations, "exactly one query per expiry");
        assert_eq!(c.peak_db_in_flight, 1);
    }
}

#[test]
fn jitter_and_early_refresh_flatten_the_synchronised_expiry() {
    // 200 hot keys filled together, 20 requests/s each, TTL 10 s, a database of 20
    // connections at 20 ms per fill.
    let s = Stampede::new(200, 20.0, 10.0)
        .unwrap()
        .duration(60.0, 0.5)
        .unwrap();
    let cures = [
        Cure::Nothing,
        Cure::Coalescing,
        Cure::Jitter(0.2),
        Cure::EarlyRefresh(1.0),
    ];
    let reports = s.compare(&cures, 5).unwrap();
    let peak = |i: usize| {
        reports[i]
            .db_series
            .bins()
            .iter()
            .map(|b| b.count)
            .max()
            .unwrap()
    };
    for r in &reports {
        println!(
            "{}: {} queries, peak {} per 0.5 s, {} in flight at most, mean {:.3} ms",
            r.cure,
            r.db_reads,
            r.db_series.bins().iter().map(|b| b.count).max().unwrap(),
            r.peak_db_in_flight,
            r.latency.mean() * 1e3
        );
    }
    // Without a cure all 200 keys expire at once: every one of them stampedes.
    assert!(peak(0) > 400, "{}", peak(0));
    // Coalescing: one query per key per expiry.
    assert!(peak(1) <= 200 && reports[1].peak_db_in_flight <= 200);
    // Jitter spreads the 200 expiries over ±2 s: no window sees more than a fraction.
    assert!(peak(2) < peak(0) / 3);
    // Early refresh renews each key before it expires: hardly a miss at all.
    assert!(reports[3].expirations < 10, "{}", reports[3].expirations);
    assert!(reports[3].latency.mean() < reports[0].latency.mean() / 10.0);
}

#[test]
fn a_failed_cache_node_causes_a_miss_storm_that_placement_and_copies_contain() {
    // 4 servers holding 20 000 of 100 000 Zipf(0.9) keys each, 20 000 requests/s, a
    // database of 50 connections at 5 ms (10 000 queries/s at most).
    // Server 0 fails at 30 s and is detected after 1 s.
    let base = NodeFailure::new(4, 20_000, 100_000, 0.9, 20_000.0)
        .unwrap()
        .failure(30.0, 1.0, 0.01)
        .unwrap()
        .duration(60.0, 1.0)
        .unwrap();
    let ring = base.clone().run(1).unwrap();
    let modn = base
        .clone()
        .placement(Placement::ModN, 1)
        .unwrap()
        .run(1)
        .unwrap();
    let copies = base
        .placement(Placement::Ring { vnodes: 100 }, 2)
        .unwrap()
        .run(1)
        .unwrap();
    for (name, r) in [("ring", &ring), ("mod-N", &modn), ("ring ×2", &copies)] {
        println!(
            "{name}: moved {:.3}, db before {:.0}/s, peak after {:.0}/s, extra {:.0}, p99 {:.1} ms {:?}",
            r.moved,
            r.db_rate_before,
            r.db_peak_after,
            r.extra_db_reads,
            r.response.p99() * 1e3,
            r.db_reads
                .rates()
                .iter()
                .skip(28)
                .take(8)
                .map(|x| x.1 as u64)
                .collect::<Vec<_>>()
        );
    }
    // The ring moves only the failed server's keys (a quarter of the ring, give or take
    // the spread of 100 virtual nodes); mod-N from 4 to 3 moves 3/4 of the keys.
    assert!(ring.moved > 0.1 && ring.moved < 0.45, "{}", ring.moved);
    assert!((modn.moved - 0.75).abs() < 0.1, "{}", modn.moved);
    // Losing a quarter of the hits multiplies the database load.
    assert!(ring.db_peak_after > 3.0 * ring.db_rate_before);
    // After detection (31 s) mod-N re-homes most keys: over the next 5 s the database
    // gets about twice the queries the ring sends it.
    let storm =
        |r: &NodeFailureReport| -> u64 { r.db_reads.bins()[31..36].iter().map(|b| b.count).sum() };
    assert!(
        storm(&modn) as f64 > 1.7 * storm(&ring) as f64,
        "{} vs {}",
        storm(&modn),
        storm(&ring)
    );
    // With two copies the surviving copy answers: a bump, not a storm. (Not none: a
    // copy that is never read goes cold under LRU, and some of them were evicted.)
    let jump = |r: &NodeFailureReport| r.db_peak_after - r.db_rate_before;
    assert!(copies.db_peak_after < 2.0 * copies.db_rate_before);
    assert!(jump(&copies) < jump(&ring) / 2.0);
}

#[test]
fn write_strategies_trade_staleness_database_writes_and_data_at_risk() {
    // 10 000 Zipf(1) keys, 5000 reads/s and 500 writes/s, a cache of 1000 entries with a
    // 60 s TTL; the same requests for every strategy. Each count below is in the
    // thousands (one run of 60 s), so the factor-of-2-or-more gaps asserted are far
    // outside the run-to-run noise (relative sd of a count n is about 1/√n < 3 %).
    let w = WriteStrategies::new(10_000, 1.0, 5000.0, 500.0)
        .unwrap()
        .duration(60.0, 10.0)
        .unwrap();
    let reports = w.compare(11).unwrap();
    for r in &reports {
        println!(
            "{:>13}: hit {:.3} stale {:.4} lasting stale sets {} db r/w {}/{} write p50 {:.2} ms at risk {:.1}",
            r.strategy.name,
            r.hit_ratio(),
            r.stale_fraction(),
            r.stale_sets,
            r.db_reads,
            r.db_writes,
            r.write_latency.p50() * 1e3,
            r.mean_dirty
        );
    }
    let by = |s: Strategy| reports.iter().find(|r| r.strategy == s).unwrap();
    let (aside, read, through, back, around) = (
        by(Strategy::CACHE_ASIDE),
        by(Strategy::READ_THROUGH),
        by(Strategy::WRITE_THROUGH),
        by(Strategy::WRITE_BACK),
        by(Strategy::WRITE_AROUND),
    );
    assert!(
        reports
            .iter()
            .all(|r| r.reads == aside.reads && r.writes == aside.writes)
    );
    // Write-around leaves the old value until the TTL: stale reads by the thousand.
    assert!(around.stale_reads > 5 * aside.stale_reads);
    // Updating the cache on the write leaves nothing stale here.
    assert!(
        through.stale_reads * 10 < aside.stale_reads && back.stale_reads * 10 < aside.stale_reads
    );
    // Look-aside's race leaves some stale values behind; leases refuse them.
    assert!(aside.stale_sets > 50 && read.stale_sets == 0);
    // Write-back: writes at cache speed, coalesced into far fewer database writes, and
    // a few hundred writes at risk at any moment; nobody else holds any.
    assert!(back.write_latency.p50() * 5.0 < aside.write_latency.p50());
    assert!((back.db_writes as f64) < 0.7 * aside.db_writes as f64);
    assert!(back.mean_dirty > 50.0 && reports.iter().filter(|r| r.mean_dirty > 0.0).count() == 1);
}

#[test]
fn same_seed_same_report() {
    let w = WriteStrategies::new(1000, 1.0, 500.0, 50.0)
        .unwrap()
        .duration(10.0, 1.0)
        .unwrap();
    assert_eq!(
        format!("{:?}", w.run(Strategy::WRITE_BACK, 4).unwrap()),
        format!("{:?}", w.run(Strategy::WRITE_BACK, 4).unwrap())
    );
    let s = Stampede::new(10, 20.0, 2.0)
        .unwrap()
        .duration(10.0, 1.0)
        .unwrap();
    assert_eq!(
        format!("{:?}", s.run(Cure::Jitter(0.1), 4).unwrap()),
        format!("{:?}", s.run(Cure::Jitter(0.1), 4).unwrap())
    );
    let f = NodeFailure::new(3, 100, 1000, 1.0, 500.0)
        .unwrap()
        .duration(20.0, 1.0)
        .unwrap();
    assert_eq!(
        format!("{:?}", f.run(4).unwrap()),
        format!("{:?}", f.run(4).unwrap())
    );
    let h = HitRatio::zipf(1000, 1.0).unwrap().requests(10_000).unwrap();
    assert_ne!(
        h.run(Eviction::Random, 10, 1).unwrap().hits,
        h.run(Eviction::Random, 10, 2).unwrap().hits
    );
}

#[test]
fn invalid_configurations_are_clear_errors() {
    let msg = |e: scale_lab::Error| e.to_string();
    assert_eq!(
        msg(Cache::new(0, Eviction::Lru).unwrap_err()),
        "invalid parameter `capacity` = 0: must be at least 1"
    );
    assert!(
        msg(Cache::new(1, Eviction::Lru).unwrap().ttl(-1.0).unwrap_err()).contains("`ttl` = -1")
    );
    assert!(
        msg(Cache::new(1, Eviction::Lru)
            .unwrap()
            .ttl_jitter(1.5)
            .unwrap_err())
        .contains("[0, 1)")
    );
    assert!(msg(HitRatio::zipf(0, 1.0).unwrap_err()).contains("at least 1 key"));
    assert!(
        msg(HitRatio::zipf(10, 1.0)
            .unwrap()
            .run(Eviction::Lfu, 0, 1)
            .unwrap_err())
        .contains("capacity")
    );
    let t = Cache::new(1, Eviction::Lru).unwrap();
    assert!(
        msg(CacheCluster::new(3, &t, Placement::ModN, 4).unwrap_err()).contains("`replicas` = 4")
    );
    assert!(
        msg(CacheCluster::new(3, &t, Placement::Ring { vnodes: 0 }, 1).unwrap_err())
            .contains("vnodes")
    );
    assert!(msg(NodeFailure::new(1, 10, 10, 1.0, 1.0).unwrap_err()).contains("`nodes` = 1"));
    assert!(msg(Stampede::new(0, 1.0, 1.0).unwrap_err()).contains("`keys` = 0"));
    assert!(msg(TtlTradeoff::new(u64::MAX, 1.0, 1.0, 1.0).unwrap_err()).contains("state per key"));
    assert!(msg(Cache::new(usize::MAX, Eviction::Lru).unwrap_err()).contains("at most"));
    assert!(msg(Stampede::new(1, 1.0, 0.0).unwrap_err()).contains("`ttl` = 0"));
    assert!(
        msg(TtlTradeoff::new(10, 1.0, 1.0, 0.0)
            .unwrap()
            .capacity(0)
            .unwrap_err())
        .contains("capacity")
    );
    assert!(msg(theory::lru_hit_ratio(&[0.3, 0.3], 1).unwrap_err()).contains("sum to 1"));
}
