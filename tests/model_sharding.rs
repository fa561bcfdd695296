//! Sharding against theory: keys moved per strategy (as the router's resharding report
//! counts them), load spread with virtual nodes, per-shard load under hot keys,
//! scatter-gather latency, partitioning vs sharding.
//!
//! Tolerances: counts of keys or requests are binomial, so each is held to 5 of its
//! exact standard deviations (a correct model fails with probability < 1e-6 per check);
//! estimates averaged over R independent placements or runs are held to 5 standard
//! errors, and each check also asserts that its tolerance is small next to the effect,
//! so noise cannot hide a bug.

use scale_lab::model::sharding::{
    AddShard, Keys, Layout, Partitioning, Resharding, ShardMap, ShardRouter, ShardedStore,
    Strategy, expected_moved_fraction, fan_out_percentile,
};
use scale_lab::sim::{Dist, SimRng, sweep, theory};

fn binomial_sd(n: f64, p: f64) -> f64 {
    (n * p * (1.0 - p)).sqrt()
}

fn mean_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let m = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, (var / n).sqrt())
}

const KEYS: u64 = 100_000;
const KEY_SPACE: u64 = 1_000_000_000;

#[test]
fn the_resharding_report_moves_what_each_strategy_promises() {
    let n = 9usize;
    let experiment = AddShard::new(n)
        .unwrap()
        .keys(KEYS)
        .unwrap()
        .key_space(KEY_SPACE)
        .unwrap();
    let reports = experiment.run(1).unwrap();
    let routers = experiment.routers(1).unwrap();
    let k = KEYS as f64;
    for (r, before) in reports.iter().zip(&routers) {
        let after = before.with_added_shard().unwrap();
        // The probability that a random key moves: exact for the formula strategies,
        // the measure of the moved ranges for the maps. The ring's is random (see below).
        let p = match r.strategy {
            Strategy::ModN | Strategy::Jump => expected_moved_fraction(r.strategy, n).unwrap(),
            Strategy::Range | Strategy::Directory => {
                after.map().unwrap().keys_of(n) as f64 / KEY_SPACE as f64
            }
            Strategy::Consistent => continue,
        };
        println!(
            "{}: moved {:.4}, expected {p:.4}, imbalance after {:.3}",
            r.strategy,
            r.moved_fraction(),
            r.imbalance_after()
        );
        assert!(
            (r.moved as f64 - k * p).abs() < 5.0 * binomial_sd(k, p),
            "{}: {} moved",
            r.strategy,
            r.moved
        );
        // The maps' share is the theory's up to the integer rounding of the ranges.
        assert!(
            (p - expected_moved_fraction(r.strategy, n).unwrap()).abs() < 1e-8,
            "{}",
            r.strategy
        );
        if r.strategy != Strategy::ModN {
            // Range, jump and the directory only move keys *to the new shard*.
            assert_eq!(r.keys_after[n], r.moved, "{}", r.strategy);
        }
    }
    // The directory moved exactly the ranges it chose: count the keys inside them
    // directly, from the map's ranges, without asking the router.
    let dir = &reports[4];
    let moved_ranges: Vec<_> = routers[4]
        .with_added_shard()
        .unwrap()
        .map()
        .unwrap()
        .ranges()
        .into_iter()
        .filter(|(_, s)| *s == n)
        .collect();
    let mut rng = SimRng::stream(1, 0);
    let keys: Vec<u64> = (0..KEYS).map(|_| rng.below(KEY_SPACE)).collect();
    let inside = keys
        .iter()
        .filter(|&&key| moved_ranges.iter().any(|(r, _)| r.contains(&key)))
        .count() as u64;
    assert_eq!((dir.strategy, dir.moved), (Strategy::Directory, inside));
    // ... and leaves the shards even (each shard's count is Binomial(K, 1/10): the fullest
    // of 10 is within 5 sd ≈ 5 % of the mean), while the range split leaves two shards at
    // half the others' keys.
    assert!(dir.imbalance_after() < 1.05, "{}", dir.imbalance_after());
    let range = &reports[0];
    let min = *range.keys_after.iter().min().unwrap() as f64;
    assert!(
        min < 0.6 * k / n as f64,
        "the split shards hold half: {:?}",
        range.keys_after
    );

    // Consistent hashing: the new node takes a random share of the ring whose mean is
    // 1/(n + 1). 40 placements; the mean of their moved fractions within 5 SE, and the
    // SE small enough to tell 1/(n + 1) from n/(n + 1).
    let moved: Vec<f64> = sweep(2, &[(); 40], |_, seed| {
        let ring = ShardRouter::consistent_seeded(n, 100, seed).unwrap();
        let keys = (0..KEYS).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ seed);
        let r = Resharding::add_shard(&ring, keys).unwrap();
        assert_eq!(r.keys_after[n], r.moved, "a new ring node only takes keys");
        r.moved_fraction()
    });
    let (m, se) = mean_se(&moved);
    let p = expected_moved_fraction(Strategy::Consistent, n).unwrap();
    println!("consistent hashing: moved {m:.4} ± {se:.4}, expected {p:.4}");
    assert!((m - p).abs() < 5.0 * se && 5.0 * se < 0.2 * p);
}

#[test]
fn virtual_nodes_shrink_the_routers_load_spread_like_one_over_root_v() {
    // 40 placements of a 50-node ring, 100 000 keys each: the keys per node (from the
    // resharding report's counts) have a coefficient of variation of
    //   √(CV_share² · (1 − 1/K) + (n − 1)/K),  CV_share² = (n − 1)/(nV + 1),
    // the ring's Beta-distributed shares plus the binomial noise of counting K keys.
    // The pooled sample sd over N = 2000 counts has a relative SE of about
    // √((κ − 1)/(4N)) ≤ 3.2 % (kurtosis κ ≤ 9, the exponential's, the V = 1 worst case):
    // 16 % (5 SE) allowed. Jump hash, for comparison, is even up to the binomial noise.
    let n = 50usize;
    let k = KEYS as f64;
    let tolerance = 5.0 * (8.0f64 / (4.0 * (n * 40) as f64)).sqrt();
    let pooled_cv = |counts: Vec<u64>| {
        let mean = counts.iter().sum::<u64>() as f64 / counts.len() as f64;
        let var = counts
            .iter()
            .map(|&c| (c as f64 - mean).powi(2))
            .sum::<f64>()
            / (counts.len() as f64 - 1.0);
        var.sqrt() / mean
    };
    let mut cvs = Vec::new();
    for v in [1usize, 16, 256] {
        let counts: Vec<u64> = sweep(3, &[(); 40], |_, seed| {
            let ring = ShardRouter::consistent_seeded(n - 1, v, seed).unwrap();
            let keys = (0..KEYS).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ seed);
            Resharding::add_shard(&ring, keys).unwrap().keys_after
        })
        .concat();
        let cv = pooled_cv(counts);
        let share2 = (n as f64 - 1.0) / (n as f64 * v as f64 + 1.0);
        let theory = (share2 * (1.0 - 1.0 / k) + (n as f64 - 1.0) / k).sqrt();
        println!(
            "V = {v:>3}: keys-per-node CV {cv:.4}, theory {theory:.4} (1/√V = {:.4})",
            1.0 / (v as f64).sqrt()
        );
        assert!(
            (cv / theory - 1.0).abs() < tolerance,
            "V = {v}: {cv} vs {theory}"
        );
        cvs.push(cv);
    }
    assert!(cvs[0] > 3.0 * cvs[1] && cvs[1] > 2.0 * cvs[2], "{cvs:?}");
    let jump: Vec<u64> = sweep(4, &[(); 40], |_, seed| {
        let keys = (0..KEYS).map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ seed);
        Resharding::add_shard(&ShardRouter::jump(n - 1).unwrap(), keys)
            .unwrap()
            .keys_after
    })
    .concat();
    let binomial = ((n as f64 - 1.0) / k).sqrt();
    let cv = pooled_cv(jump);
    println!("jump hash: keys-per-node CV {cv:.4}, binomial {binomial:.4}");
    assert!((cv / binomial - 1.0).abs() < tolerance);
}

/// Requests per second into the Zipf store.
const RATE: f64 = 2600.0;

/// A store of 8 shards (4 servers, exponential 5 ms each: 800 requests/s per shard)
/// under 2600 requests/s for 100 000 Zipf(α = 1) keys, on a consistent-hash ring.
fn zipf_store() -> ShardedStore {
    ShardedStore::new(
        ShardRouter::consistent(8, 100).unwrap(),
        RATE,
        Keys::zipf(100_000, 1.0).unwrap(),
    )
    .unwrap()
    .requests(200_000)
    .unwrap()
    .warmup(20_000)
}

/// Each shard's sub-request count is within 5 binomial sd of `requests × share`, and its
/// utilisation within 5 sd of `RATE × share × 5 ms / 4` (the busy time is a compound
/// Poisson sum of exponential services: relative sd √(2 / count)).
fn assert_loads_match(
    what: &str,
    store: &ShardedStore,
    report: &scale_lab::model::sharding::ShardedReport,
) {
    let shares = store.expected_shares().unwrap();
    let n = report.requests as f64;
    for (i, (load, &share)) in report.shards.iter().zip(&shares).enumerate() {
        let count = load.requests as f64;
        assert!(
            (count - n * share).abs() < 5.0 * binomial_sd(n, share.min(1.0)),
            "{what}, shard {i}: {count} vs {}",
            n * share
        );
        let rho = RATE * share * 0.005 / 4.0;
        let util = load.station.utilisation();
        assert!(
            (util - rho).abs() < 5.0 * rho * (2.0 / count).sqrt(),
            "{what}, shard {i}: utilisation {util} vs {rho}"
        );
    }
}

#[test]
fn a_celebrity_heats_one_shard_and_caching_or_splitting_cools_it() {
    // The celebrity (key 0, 1/H(100 000) ≈ 8 % of Zipf's draws) also takes an extra 10 %
    // of all requests: its shard gets ≈ 27 % of the traffic instead of 12.5 % — a
    // utilisation near 0.85 where the others run at 0.3–0.45.
    let hot = zipf_store().celebrity(0.1).unwrap();
    let r = hot.run(5).unwrap();
    assert!(r.stopped_early.is_none());
    assert_loads_match("celebrity", &hot, &r);
    let h = r.hottest();
    assert_eq!(
        h,
        hot.router().shard_for(0),
        "the celebrity's shard is the hottest"
    );
    let utils = r.utilisations();
    let median_p99 = {
        let mut p: Vec<f64> = r.shards.iter().map(|s| s.response.p99()).collect();
        p.sort_by(f64::total_cmp);
        p[4]
    };
    println!(
        "utilisations {utils:.2?}; hot shard p99 {:.4} s vs median shard {median_p99:.4} s",
        r.shards[h].response.p99()
    );
    assert!(utils[h] > 1.8 * utils.iter().sum::<f64>() / 8.0);
    assert!(r.shards[h].response.p99() > 1.5 * median_p99);

    // Fix 1: a cache serves the reads of the 100 hottest keys (all requests are reads).
    let cached = hot.clone().cache_hot_keys(100, 0.0005).unwrap();
    let c = cached.run(5).unwrap();
    assert_loads_match("cached", &cached, &c);
    assert!(
        c.utilisations()[h] < 0.6 * utils[h],
        "{} vs {}",
        c.utilisations()[h],
        utils[h]
    );
    assert!(c.imbalance() < r.imbalance());

    // Fix 2: a write-heavy celebrity (a like counter: 90 % writes) split into 8 parts.
    let writes = hot.read_fraction(0.1).unwrap();
    let split = writes.clone().split_hot_keys(1, 8).unwrap();
    let (w, s) = (writes.run(6).unwrap(), split.run(6).unwrap());
    assert_loads_match("split", &split, &s);
    println!(
        "imbalance: writes {:.3}, split {:.3}",
        w.imbalance(),
        s.imbalance()
    );
    assert!(s.imbalance() < 0.75 * w.imbalance());
}

#[test]
fn sequential_keys_all_hit_the_last_range_shard_and_hashing_spreads_them() {
    // New ids beyond the planned key space (10⁹) land in the open-ended last range: every
    // single request goes to shard 3. Hashing sends each of the 4 shards a Binomial share.
    let n = 50_000u64;
    let run = |router| {
        ShardedStore::new(router, 400.0, Keys::sequential(KEY_SPACE))
            .unwrap()
            .requests(n)
            .unwrap()
            .warmup(0)
            .run(7)
            .unwrap()
    };
    let range = run(ShardRouter::range(4, KEY_SPACE).unwrap());
    assert_eq!(
        range.shards.iter().map(|s| s.requests).collect::<Vec<_>>(),
        vec![0, 0, 0, n]
    );
    let hashed = run(ShardRouter::mod_n(4).unwrap());
    for s in &hashed.shards {
        assert!((s.requests as f64 - n as f64 / 4.0).abs() < 5.0 * binomial_sd(n as f64, 0.25));
    }
    // Above one shard's capacity (800/s) the last range shard is overloaded and the run
    // says so, though the cluster has four shards' capacity.
    let over = ShardedStore::new(
        ShardRouter::range(4, KEY_SPACE).unwrap(),
        1000.0,
        Keys::sequential(KEY_SPACE),
    )
    .unwrap()
    .max_backlog(5_000)
    .unwrap()
    .run(7)
    .unwrap();
    let why = over.stopped_early.expect("the last shard cannot keep up");
    assert!(
        why.contains("shard 3") && why.contains("hot shard"),
        "{why}"
    );
}

#[test]
fn scatter_gather_latency_is_the_slowest_shards() {
    // Without queueing (64 servers per shard for 0.2 Erlang of load: nobody waits), a
    // query's latency is the max of n independent Exp(100/s) services:
    //   mean H_n / 100, p99 −ln(1 − 0.99^(1/n)) / 100.
    // 20 runs of 20 000 queries per n; replication means within 5 SE, and 5 SE under 3 %
    // (mean) and 6 % (p99, which rests on the top 1 %).
    let mu = 100.0;
    let exp_percentile = |q: f64| Ok(-(1.0 - q / 100.0).ln() / mu);
    let mut p99s = Vec::new();
    for n in [1usize, 4, 16] {
        let store = ShardedStore::scatter_gather(n, 20.0, Dist::exponential(1.0 / mu).unwrap())
            .unwrap()
            .shard_servers(64, Dist::exponential(1.0 / mu).unwrap())
            .unwrap()
            .requests(20_000)
            .unwrap()
            .warmup(0);
        let runs = sweep(8 + n as u64, &[(); 20], |_, s| store.run(s).unwrap());
        let h_n: f64 = (1..=n).map(|k| 1.0 / k as f64).sum();
        let (m, se) = mean_se(&runs.iter().map(|r| r.fan_out.mean()).collect::<Vec<_>>());
        println!("n = {n:>2}: mean {m:.5} ± {se:.5}, theory {:.5}", h_n / mu);
        assert!((m - h_n / mu).abs() < 5.0 * se && 5.0 * se < 0.03 * h_n / mu);
        let p99 = fan_out_percentile(n, 99.0, exp_percentile).unwrap();
        let (q, qse) = mean_se(&runs.iter().map(|r| r.fan_out.p99()).collect::<Vec<_>>());
        println!("n = {n:>2}: p99 {q:.5} ± {qse:.5}, theory {p99:.5}");
        assert!((q - p99).abs() < 5.0 * qse && 5.0 * qse < 0.06 * p99);
        p99s.push(q);
    }
    assert!(
        p99s[2] > 1.4 * p99s[0],
        "p99 grows with the fan-out: {p99s:?}"
    );

    // With queueing (one server per shard at ρ = 0.5, M/M/1 each), shards fed by the
    // same queries are positively correlated: the query p99 lies between one shard's
    // (M/M/1: ln 100 / (μ − λ)) and the independent-max bound, and grows with n.
    let lambda = 50.0;
    let single = theory::mm1_response_percentile(lambda, mu, 99.0).unwrap();
    let mut last = 0.0;
    for n in [1usize, 4, 16] {
        let store = ShardedStore::scatter_gather(n, lambda, Dist::exponential(1.0 / mu).unwrap())
            .unwrap()
            .requests(30_000)
            .unwrap();
        let runs = sweep(30 + n as u64, &[(); 20], |_, s| store.run(s).unwrap());
        let (q, se) = mean_se(&runs.iter().map(|r| r.fan_out.p99()).collect::<Vec<_>>());
        let bound = fan_out_percentile(n, 99.0, |p| theory::mm1_response_percentile(lambda, mu, p))
            .unwrap();
        println!(
            "queued, n = {n:>2}: p99 {q:.4} ± {se:.4}; one shard {single:.4}, independent bound {bound:.4}"
        );
        assert!(q > single - 5.0 * se && q < bound + 5.0 * se, "n = {n}");
        assert!(5.0 * se < 0.06 * single);
        if n > 1 {
            assert!(q > last * 1.1, "p99 grows with n");
        }
        last = q;
    }
}

#[test]
fn partitioning_cheapens_scans_on_one_server_and_sharding_adds_servers() {
    // Each layout at 80 requests/s (defaults: 30 % writes, 90 % of reads keyed). A
    // server's utilisation is λ / capacity in expectation; its busy time is a compound
    // Poisson sum of the exponential services it ran, whose relative sd is
    // √(E[S²] / (N · E[S]²)) with E[S²] = 2 Σ π m² over the mix π of requests reaching
    // it (means m) and N their count. 5 of those allowed.
    let rate = 80.0;
    let layouts = [
        Layout::Single,
        Layout::Partitioned { partitions: 12 },
        Layout::Sharded { shards: 4 },
    ];
    let mut reports = Vec::new();
    for (i, layout) in layouts.into_iter().enumerate() {
        let p = Partitioning::new(layout, rate)
            .unwrap()
            .requests(100_000)
            .unwrap();
        let r = p.run(40 + i as u64).unwrap();
        assert!(r.stopped_early.is_none(), "{layout:?}");
        let (keyed, unkeyed, write) = p.mean_costs();
        let s = p.machines() as f64;
        let mix = [
            (0.3 / s, write),
            (0.7 * 0.9 / s, keyed),
            (0.7 * 0.1, unkeyed),
        ];
        let total: f64 = mix.iter().map(|m| m.0).sum();
        let m1: f64 = mix.iter().map(|(w, m)| w * m).sum::<f64>() / total;
        let m2: f64 = mix.iter().map(|(w, m)| 2.0 * w * m * m).sum::<f64>() / total;
        let expected = rate / r.capacity;
        for server in &r.servers {
            let util = server.station.utilisation();
            let rel_sd = (m2 / (server.requests as f64 * m1 * m1)).sqrt();
            println!(
                "{layout:?}: utilisation {util:.3}, expected {expected:.3} (5 sd = {:.3})",
                5.0 * rel_sd * expected
            );
            assert!(
                (util - expected).abs() < 5.0 * rel_sd * expected,
                "{layout:?}: {util} vs {expected}"
            );
            assert!(5.0 * rel_sd < 0.1, "precise to 10 %");
        }
        reports.push(r);
    }
    let (single, parts, shards) = (&reports[0], &reports[1], &reports[2]);
    println!(
        "capacity: single {:.0}/s, partitioned {:.0}/s, sharded {:.0}/s; keyed p50 {:.3} / {:.3} / {:.3} s; unkeyed p99 {:.3} / {:.3} / {:.3} s",
        single.capacity,
        parts.capacity,
        shards.capacity,
        single.keyed.p50(),
        parts.keyed.p50(),
        shards.keyed.p50(),
        single.unkeyed.p99(),
        parts.unkeyed.p99(),
        shards.unkeyed.p99()
    );
    // Pruning makes keyed scans ~10× cheaper than the whole table, and cheaper than a
    // quarter of it on a shard; sharding has the most capacity (four machines).
    assert!(parts.keyed.p50() < 0.2 * single.keyed.p50());
    assert!(parts.keyed.p50() < shards.keyed.p50());
    assert!(shards.capacity > 2.0 * parts.capacity && parts.capacity > 4.0 * single.capacity);
    // A query without the key waits for the slowest of 4 shards: slower than a keyed one.
    assert!(shards.unkeyed.p50() > 1.5 * shards.keyed.p50());
    // Past one server's capacity only the sharded layout copes.
    let heavy = 1.5
        * Partitioning::new(Layout::Partitioned { partitions: 12 }, 1.0)
            .unwrap()
            .capacity();
    let overloaded = Partitioning::new(Layout::Partitioned { partitions: 12 }, heavy)
        .unwrap()
        .requests(200_000)
        .unwrap()
        .max_backlog(10_000)
        .unwrap()
        .run(1)
        .unwrap();
    let sharded = Partitioning::new(Layout::Sharded { shards: 4 }, heavy)
        .unwrap()
        .requests(50_000)
        .unwrap()
        .run(1)
        .unwrap();
    assert!(
        overloaded.stopped_early.is_some(),
        "one server at 150 % of its capacity"
    );
    assert!(sharded.stopped_early.is_none());
}

#[test]
fn same_seed_same_reports() {
    let store = zipf_store()
        .requests(5_000)
        .unwrap()
        .scatter_fraction(0.1)
        .unwrap();
    assert_eq!(
        format!("{:?}", store.run(3).unwrap()),
        format!("{:?}", store.run(3).unwrap())
    );
    let add = AddShard::new(5).unwrap().keys(10_000).unwrap();
    assert_eq!(add.run(3).unwrap(), add.run(3).unwrap());
    assert_ne!(add.run(3).unwrap(), add.run(4).unwrap());
}

#[test]
fn invalid_configurations_are_clear_errors() {
    let msg = |e: scale_lab::Error| e.to_string();
    assert_eq!(
        msg(ShardRouter::consistent(0, 100).unwrap_err()),
        "invalid parameter `nodes` = 0: must be at least 1"
    );
    assert_eq!(
        msg(ShardRouter::mod_n(0).unwrap_err()),
        "invalid parameter `shards` = 0: must be at least 1"
    );
    assert_eq!(
        msg(ShardMap::new(2, vec![(0..100, 0), (120..200, 1)]).unwrap_err()),
        "invalid configuration: gap in the shard map: keys 100..120 have no shard"
    );
    assert_eq!(
        msg(ShardMap::new(2, vec![(0..100, 0), (80..200, 1)]).unwrap_err()),
        "invalid configuration: overlap in the shard map: the key ranges 0..100 and 80..200 both hold keys 80..100"
    );
    assert!(msg(ShardMap::new(2, vec![(0..100, 5)]).unwrap_err()).contains("only 2 shards"));
    assert!(msg(ShardRouter::range(10, 5).unwrap_err()).contains("`key_space` = 5"));
    assert!(
        msg(ShardRouter::jump(3)
            .unwrap()
            .move_range(0..1, 0)
            .unwrap_err())
        .contains("by a formula")
    );
    assert!(msg(Keys::zipf(0, 1.0).unwrap_err()).contains("at least 1 key"));
    assert!(msg(fan_out_percentile(3, 0.0, Ok).unwrap_err()).contains("`p` = 0"));
    let store =
        ShardedStore::new(ShardRouter::mod_n(2).unwrap(), 1.0, Keys::sequential(0)).unwrap();
    assert!(msg(store.split_hot_keys(1, 2).unwrap_err()).contains("sequential keys"));
    assert!(
        msg(Partitioning::new(Layout::Sharded { shards: 0 }, 1.0).unwrap_err())
            .contains("`shards` = 0")
    );
}
