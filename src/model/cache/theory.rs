//! Closed forms for caches: what the simulated caches are checked against, and what a
//! lesson can print next to a simulated number (or use to pick a size or a TTL).
//!
//! Requests are independent (the "independent reference model"): request `i` asks for
//! key `k` with probability `p_k`, whatever came before. Under it:
//!
//! - **LRU** (Che's approximation): every key stays in the cache for about the same
//!   *characteristic time* `T` after its last request, where `T` solves
//!   `Σ (1 − e^(−p_k T)) = C`; the hit ratio is `Σ p_k (1 − e^(−p_k T))`.
//! - **FIFO and random** share one approximation: key `k` is cached with probability
//!   `h_k = p_k T / (1 + p_k T)`, where `T` solves `Σ h_k = C`; the hit ratio is `Σ p_k h_k`.
//! - **LFU** with exact counts ends up holding the `C` most popular keys: `Σ` of the top
//!   `C` probabilities, the best any policy can do without knowing the future.
//!
//! For TTL caches (an entry expires `T` seconds after it was fetched) on a key requested
//! as a Poisson stream of rate λ and updated at rate μ: the hit ratio is `λT / (1 + λT)`,
//! the database reads `λ / (1 + λT)` per second, and the share of reads that return
//! stale data (without invalidation) is `λ (T − (1 − e^(−μT)) / μ) / (1 + λT)`.
//! [`ttl_for_stale_fraction`] turns that around: the longest TTL that keeps staleness
//! under a budget.

use crate::error::{Error, Result, at_least_one, non_negative, positive};

/// Checks that `probs` are probabilities summing to 1 and returns how many are positive.
fn check(probs: &[f64]) -> Result<usize> {
    if probs.is_empty() {
        return Err(Error::param("probs", "[]", "at least one probability"));
    }
    if let Some(&bad) = probs
        .iter()
        .find(|p| !(p.is_finite() && **p >= 0.0 && **p <= 1.0))
    {
        return Err(Error::param("probs", bad, "probabilities in [0, 1]"));
    }
    let sum: f64 = probs.iter().sum();
    if (sum - 1.0).abs() > 1e-6 {
        return Err(Error::param(
            "probs",
            format!("(sum {sum})"),
            "probabilities that sum to 1",
        ));
    }
    Ok(probs.iter().filter(|&&p| p > 0.0).count())
}

/// Solves `f(T) = capacity` for the increasing `f`, by doubling then bisection.
fn solve_time(capacity: f64, f: impl Fn(f64) -> f64) -> f64 {
    let mut hi = 1.0;
    while f(hi) < capacity {
        hi *= 2.0;
    }
    let mut lo = 0.0;
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f(mid) < capacity {
            lo = mid
        } else {
            hi = mid
        }
        if hi - lo <= 1e-13 * hi {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// Che's characteristic time of an LRU cache of `capacity` entries (in requests, since
/// the probabilities are per request); infinite if every key fits.
pub fn che_time(probs: &[f64], capacity: usize) -> Result<f64> {
    let positive_keys = check(probs)?;
    at_least_one("capacity", capacity)?;
    if capacity >= positive_keys {
        return Ok(f64::INFINITY);
    }
    Ok(solve_time(capacity as f64, |t| {
        probs.iter().map(|&p| -(-p * t).exp_m1()).sum()
    }))
}

/// The LRU hit ratio by Che's approximation.
pub fn lru_hit_ratio(probs: &[f64], capacity: usize) -> Result<f64> {
    let t = che_time(probs, capacity)?;
    if t.is_infinite() {
        return Ok(1.0);
    }
    Ok(probs.iter().map(|&p| p * -(-p * t).exp_m1()).sum())
}

/// The smallest LRU capacity whose hit ratio (Che) reaches `target` (in (0, 1]): how
/// much memory to give a cache, in entries. Multiply by the entry size for bytes.
pub fn lru_capacity_for_hit_ratio(probs: &[f64], target: f64) -> Result<usize> {
    let positive_keys = check(probs)?;
    if !(target > 0.0 && target <= 1.0) {
        return Err(Error::param("target", target, "a hit ratio in (0, 1]"));
    }
    // The hit ratio grows with the capacity: bisect on 1..=positive_keys (which hits 1).
    let (mut lo, mut hi) = (1usize, positive_keys);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if lru_hit_ratio(probs, mid)? >= target {
            hi = mid
        } else {
            lo = mid + 1
        }
    }
    Ok(lo)
}

/// The characteristic time of the FIFO / random approximation (`Σ pT/(1 + pT) = C`).
pub fn fifo_time(probs: &[f64], capacity: usize) -> Result<f64> {
    let positive_keys = check(probs)?;
    at_least_one("capacity", capacity)?;
    if capacity >= positive_keys {
        return Ok(f64::INFINITY);
    }
    Ok(solve_time(capacity as f64, |t| {
        probs.iter().map(|&p| p * t / (1.0 + p * t)).sum()
    }))
}

/// The FIFO (and random-eviction) hit ratio by the approximation `h = pT / (1 + pT)`.
pub fn fifo_hit_ratio(probs: &[f64], capacity: usize) -> Result<f64> {
    let t = fifo_time(probs, capacity)?;
    if t.is_infinite() {
        return Ok(1.0);
    }
    Ok(probs.iter().map(|&p| p * p * t / (1.0 + p * t)).sum())
}

/// The LFU hit ratio with exact counts: the sum of the `capacity` largest probabilities.
pub fn lfu_hit_ratio(probs: &[f64], capacity: usize) -> Result<f64> {
    check(probs)?;
    at_least_one("capacity", capacity)?;
    let mut sorted = probs.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    Ok(sorted.iter().take(capacity).sum::<f64>().min(1.0))
}

/// The hit ratio of a TTL cache on one key requested as a Poisson stream of `rate` per
/// second, entries expiring `ttl` seconds after they were fetched: `λT / (1 + λT)`.
pub fn ttl_hit_ratio(rate: f64, ttl: f64) -> Result<f64> {
    let x = positive("rate", rate)? * non_negative("ttl", ttl)?;
    Ok(x / (1.0 + x))
}

/// The share of all reads of one key that return stale data from a TTL cache without
/// invalidation: reads at `rate`, updates at `update_rate` (both Poisson), TTL `ttl`.
pub fn ttl_stale_fraction(rate: f64, update_rate: f64, ttl: f64) -> Result<f64> {
    let lambda = positive("rate", rate)?;
    let mu = non_negative("update_rate", update_rate)?;
    let t = non_negative("ttl", ttl)?;
    if mu == 0.0 || t == 0.0 {
        return Ok(0.0);
    }
    // Expected stale hits per fill: λ ∫₀ᵀ (1 − e^(−μa)) da = λ (T − (1 − e^(−μT)) / μ).
    let stale_hits = lambda * (t + (-mu * t).exp_m1() / mu);
    Ok(stale_hits / (1.0 + lambda * t))
}

/// The longest TTL whose stale fraction ([`ttl_stale_fraction`]) stays at or below
/// `max_stale` (in (0, 1)): how to pick a TTL from a staleness budget. Infinite if
/// nothing is ever updated.
pub fn ttl_for_stale_fraction(rate: f64, update_rate: f64, max_stale: f64) -> Result<f64> {
    positive("rate", rate)?;
    non_negative("update_rate", update_rate)?;
    if !(max_stale > 0.0 && max_stale < 1.0) {
        return Err(Error::param("max_stale", max_stale, "a fraction in (0, 1)"));
    }
    if update_rate == 0.0 {
        return Ok(f64::INFINITY);
    }
    // The stale fraction grows from 0 towards 1 with the TTL: double, then bisect.
    let stale = |t: f64| ttl_stale_fraction(rate, update_rate, t).unwrap_or(1.0);
    let mut hi = 1.0 / (rate + update_rate);
    while stale(hi) < max_stale {
        hi *= 2.0;
    }
    let mut lo = 0.0;
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if stale(mid) <= max_stale {
            lo = mid
        } else {
            hi = mid
        }
    }
    Ok(lo)
}

/// Database reads per stampede when a hot key requested at `rate` per second expires and
/// each fill takes `fetch` seconds, without coalescing: the first miss plus every request
/// that arrives while it is fetching, `1 + λ·fetch` (with coalescing: 1).
pub fn stampede_reads(rate: f64, fetch: f64) -> Result<f64> {
    Ok(1.0 + positive("rate", rate)? * non_negative("fetch", fetch)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_popularity_has_simple_answers() {
        // n equal keys, capacity C: every policy hits C/n; LFU exactly, and the
        // approximations too (h_k = C/n for all k by symmetry).
        let probs = vec![0.01; 100];
        for f in [lru_hit_ratio, fifo_hit_ratio, lfu_hit_ratio] {
            assert!((f(&probs, 25).unwrap() - 0.25).abs() < 1e-9);
        }
        assert_eq!(lru_hit_ratio(&probs, 100).unwrap(), 1.0);
        assert!(che_time(&probs, 100).unwrap().is_infinite());
    }

    #[test]
    fn lru_is_between_fifo_and_lfu_on_a_skewed_popularity() {
        let z = crate::sim::Zipf::new(1000, 0.9).unwrap().probabilities();
        let (lru, fifo, lfu) = (
            lru_hit_ratio(&z, 50).unwrap(),
            fifo_hit_ratio(&z, 50).unwrap(),
            lfu_hit_ratio(&z, 50).unwrap(),
        );
        assert!(fifo < lru && lru < lfu, "{fifo} {lru} {lfu}");
        // The capacity for a target hit ratio is the smallest that reaches it.
        let c = lru_capacity_for_hit_ratio(&z, lru).unwrap();
        assert!(c <= 50 && lru_hit_ratio(&z, c).unwrap() >= lru - 1e-12);
        assert!(lru_hit_ratio(&z, c - 1).unwrap() < lru);
        assert_eq!(lru_capacity_for_hit_ratio(&z, 1.0).unwrap(), 1000);
        assert!(lru_capacity_for_hit_ratio(&z, 0.0).is_err());
        // T solves its equation.
        let t = che_time(&z, 50).unwrap();
        let filled: f64 = z.iter().map(|&p| 1.0 - (-p * t).exp()).sum();
        assert!((filled - 50.0).abs() < 1e-6);
    }

    #[test]
    fn ttl_formulas() {
        assert!((ttl_hit_ratio(2.0, 1.5).unwrap() - 0.75).abs() < 1e-12);
        assert_eq!(ttl_stale_fraction(1.0, 0.0, 10.0).unwrap(), 0.0);
        // Small μT: stale hits ≈ λμT²/2.
        let s = ttl_stale_fraction(10.0, 1e-4, 1.0).unwrap();
        assert!((s - 10.0 * 1e-4 * 0.5 / 11.0).abs() < 1e-8, "{s}");
        let t = ttl_for_stale_fraction(10.0, 0.1, 0.01).unwrap();
        assert!((ttl_stale_fraction(10.0, 0.1, t).unwrap() - 0.01).abs() < 1e-9);
        assert!(
            ttl_for_stale_fraction(10.0, 0.0, 0.01)
                .unwrap()
                .is_infinite()
        );
        assert!((stampede_reads(100.0, 0.05).unwrap() - 6.0).abs() < 1e-12);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(lru_hit_ratio(&[], 1).is_err());
        assert!(
            lru_hit_ratio(&[0.5, 0.6], 1)
                .unwrap_err()
                .to_string()
                .contains("sum to 1")
        );
        assert!(
            fifo_hit_ratio(&[1.0], 0)
                .unwrap_err()
                .to_string()
                .contains("capacity")
        );
        assert!(lfu_hit_ratio(&[-0.5, 1.5], 1).is_err());
        assert!(ttl_hit_ratio(0.0, 1.0).is_err());
        assert!(ttl_for_stale_fraction(1.0, 1.0, 1.0).is_err());
    }
}
