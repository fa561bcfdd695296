//! Parameter sweeps in parallel, still deterministic: point `i` always runs with the
//! seed [`derive_seed`]`(seed, i)`, whichever thread runs it and in whatever order.

use rayon::prelude::*;

use super::rng::derive_seed;

/// Runs `run(point, seed_for_point)` for every point, in parallel across cores, and
/// returns the results in the order of `points`.
pub fn sweep<P, R, F>(seed: u64, points: &[P], run: F) -> Vec<R>
where
    P: Sync,
    R: Send,
    F: Fn(&P, u64) -> R + Sync,
{
    points
        .par_iter()
        .enumerate()
        .map(|(i, p)| run(p, derive_seed(seed, i as u64)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::SimRng;

    #[test]
    fn results_keep_order_and_do_not_depend_on_threads() {
        let points: Vec<u32> = (0..64).collect();
        let f = |p: &u32, seed: u64| (*p, SimRng::new(seed).below(1_000_000));
        let a = sweep(9, &points, f);
        let b = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| sweep(9, &points, f));
        assert_eq!(a, b);
        assert!(a.iter().enumerate().all(|(i, (p, _))| *p as usize == i));
    }
}
