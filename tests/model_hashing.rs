//! Consistent hashing against its theory: keys moved when a node is added, and how
//! virtual nodes even out the load.

use scale_lab::model::hashing::{HashRing, jump_hash, mod_n};

const KEYS: u64 = 100_000;

fn moved(before: impl Fn(u64) -> u64, after: impl Fn(u64) -> u64) -> f64 {
    (0..KEYS).filter(|&k| before(k) != after(k)).count() as f64 / KEYS as f64
}

#[test]
fn adding_a_node_moves_one_in_n_plus_one_keys_with_consistent_and_jump_hashing() {
    let n = 9usize;
    // mod-N: a key stays iff hash mod n = hash mod (n+1), i.e. hash mod n(n+1) < n, so
    // exactly n/(n+1) move for uniform hashes. 100 000 keys: binomial sd = √(p(1−p)/K)
    // ≈ 0.00090; 5 sd allowed.
    let sd = |p: f64| (p * (1.0 - p) / KEYS as f64).sqrt();
    let p_mod = n as f64 / (n + 1) as f64;
    let m = moved(|k| mod_n(k, n) as u64, |k| mod_n(k, n + 1) as u64);
    println!("mod-N moved {m:.4}, theory {p_mod:.4}");
    assert!((m - p_mod).abs() < 5.0 * sd(p_mod));

    // Jump hash: each key moves to the new bucket with probability exactly 1/(n+1).
    let p_new = 1.0 / (n + 1) as f64;
    let j = moved(
        |k| jump_hash(k, n as u32) as u64,
        |k| jump_hash(k, n as u32 + 1) as u64,
    );
    println!("jump moved {j:.4}, theory {p_new:.4}");
    assert!((j - p_new).abs() < 5.0 * sd(p_new));

    // The ring: the new node takes over a random share of the circle whose mean is
    // 1/(n+1) (by symmetry among the n+1 nodes). One ring's share varies (about 1/√V
    // relatively), so we average over 40 independent placements (seeds) and bound the
    // mean by 5 SE of the placements' spread.
    let shares: Vec<f64> = (0..40)
        .map(|seed| {
            let before = HashRing::with_seed(n, 64, seed).unwrap();
            let mut after = before.clone();
            after.add_node(n as u32).unwrap();
            moved(|k| before.node_for(k) as u64, |k| after.node_for(k) as u64)
        })
        .collect();
    let mean = shares.iter().sum::<f64>() / shares.len() as f64;
    let se = (shares.iter().map(|s| (s - mean).powi(2)).sum::<f64>()
        / (shares.len() as f64 - 1.0)
        / shares.len() as f64)
        .sqrt();
    println!("ring moved {mean:.4} ± {se:.4}, theory {p_new:.4}");
    assert!((mean - p_new).abs() < 5.0 * se.max(sd(p_new)));
    assert!(
        5.0 * se < 0.2 * p_new,
        "precise enough to tell 1/(n+1) from n/(n+1)"
    );
}

#[test]
fn virtual_nodes_shrink_the_spread_of_load_like_one_over_root_v() {
    // With n nodes of V points each, the n·V points are uniform on the circle and a
    // node's share is a sum of V of the n·V spacings: Beta(V, (n−1)V), whose
    // coefficient of variation is exactly √((n − 1) / (nV + 1)) ≈ 1/√V.
    // We estimate the CV from N = n × 40 shares (40 placements of n = 50 nodes). The
    // standard error of a sample standard deviation is about σ·√((κ − 1)/(4N)), with
    // kurtosis κ ≤ 9 (the exponential's, the V = 1 worst case): ≤ 3.2 % for N = 2000;
    // 5 SE = 16 % relative.
    let n = 50usize;
    let placements = 40;
    let tolerance = 5.0 * (8.0f64 / (4.0 * (n * placements) as f64)).sqrt();
    for v in [1usize, 16, 256] {
        let shares: Vec<f64> = (0..placements as u64)
            .flat_map(|seed| {
                HashRing::with_seed(n, v, seed)
                    .unwrap()
                    .shares()
                    .into_iter()
                    .map(|s| s.1)
            })
            .collect();
        let mean = shares.iter().sum::<f64>() / shares.len() as f64;
        let sd = (shares.iter().map(|s| (s - mean).powi(2)).sum::<f64>()
            / (shares.len() as f64 - 1.0))
            .sqrt();
        let cv = sd / mean;
        let exact = ((n as f64 - 1.0) / (n as f64 * v as f64 + 1.0)).sqrt();
        println!(
            "V = {v:>3}: load CV {cv:.4}, theory {exact:.4} (≈ 1/√V = {:.4})",
            1.0 / (v as f64).sqrt()
        );
        assert!(
            (cv / exact - 1.0).abs() < tolerance,
            "V = {v}: {cv} vs {exact}"
        );
    }
}
