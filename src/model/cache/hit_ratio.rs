//! Experiment: hit ratio against cache size for each eviction policy, under independent
//! Zipf requests, next to its closed form (the cache lesson's first figure).

use super::node::{Cache, Lookup};
use super::store::Eviction;
use super::theory;
use crate::error::{Error, Result, at_least_one};
use crate::sim::{SimRng, Zipf, sweep};

/// Independent requests for keys `0..keys` drawn from Zipf(α), into one cache.
#[derive(Debug, Clone)]
pub struct HitRatio {
    zipf: Zipf,
    requests: u64,
    warmup: u64,
}

/// One (policy, size) point: the simulated hit ratio and its closed form.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HitRatioPoint {
    /// The eviction policy.
    pub eviction: Eviction,
    /// The capacity in entries.
    pub capacity: usize,
    /// Measured requests (after the warm-up).
    pub requests: u64,
    /// Measured requests that hit.
    pub hits: u64,
    /// hits / requests.
    pub hit_ratio: f64,
    /// The closed form: Che's approximation for LRU, `pT/(1 + pT)` for FIFO and random,
    /// the top-`capacity` probabilities for LFU.
    pub theory: f64,
}

impl HitRatio {
    /// Zipf(`alpha`) over `keys` ≥ 1 keys; 1 000 000 measured requests after 200 000.
    pub fn zipf(keys: u64, alpha: f64) -> Result<Self> {
        Ok(HitRatio {
            zipf: Zipf::new(keys, alpha)?,
            requests: 1_000_000,
            warmup: 200_000,
        })
    }

    /// How many requests to measure (≥ 1).
    pub fn requests(mut self, n: u64) -> Result<Self> {
        if n == 0 {
            return Err(Error::param("requests", n, "at least 1"));
        }
        self.requests = n;
        Ok(self)
    }

    /// How many requests to run first, unmeasured, to fill the cache.
    pub fn warmup(mut self, n: u64) -> Self {
        self.warmup = n;
        self
    }

    /// The closed-form hit ratio of `eviction` with `capacity` entries.
    pub fn theory(&self, eviction: Eviction, capacity: usize) -> Result<f64> {
        let probs = self.zipf.probabilities();
        match eviction {
            Eviction::Lru => theory::lru_hit_ratio(&probs, capacity),
            Eviction::Fifo | Eviction::Random => theory::fifo_hit_ratio(&probs, capacity),
            Eviction::Lfu => theory::lfu_hit_ratio(&probs, capacity),
        }
    }

    /// Simulates one policy and size with `seed`.
    pub fn run(&self, eviction: Eviction, capacity: usize, seed: u64) -> Result<HitRatioPoint> {
        at_least_one("capacity", capacity)?;
        let theory = self.theory(eviction, capacity)?;
        let mut cache = Cache::new(capacity, eviction)?;
        let mut rng = SimRng::new(seed);
        let mut hits = 0u64;
        for i in 0..self.warmup + self.requests {
            let key = self.zipf.sample(&mut rng);
            // No TTL: time is just the request's number.
            match cache.get(key, i as f64) {
                Lookup::Hit { .. } => hits += (i >= self.warmup) as u64,
                _ => {
                    cache.put(key, 0, i as f64, None, &mut rng);
                }
            }
        }
        Ok(HitRatioPoint {
            eviction,
            capacity,
            requests: self.requests,
            hits,
            hit_ratio: hits as f64 / self.requests as f64,
            theory,
        })
    }

    /// Every policy × every capacity, in parallel (point `i` runs with stream `i` of
    /// `seed`), in the order policies-major.
    pub fn sweep(
        &self,
        policies: &[Eviction],
        capacities: &[usize],
        seed: u64,
    ) -> Result<Vec<HitRatioPoint>> {
        if policies.is_empty() || capacities.is_empty() {
            return Err(Error::InvalidConfig(
                "a sweep needs at least one policy and one capacity".into(),
            ));
        }
        let points: Vec<(Eviction, usize)> = policies
            .iter()
            .flat_map(|&p| capacities.iter().map(move |&c| (p, c)))
            .collect();
        sweep(seed, &points, |&(p, c), s| self.run(p, c, s))
            .into_iter()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cache_holding_every_key_misses_only_once_per_key() {
        let h = HitRatio::zipf(50, 1.0)
            .unwrap()
            .requests(10_000)
            .unwrap()
            .warmup(0);
        let p = h.run(Eviction::Lru, 50, 3).unwrap();
        assert!(p.hits >= 10_000 - 50 && p.hits < 10_000);
        assert_eq!(p.theory, 1.0);
    }

    #[test]
    fn sweeps_are_ordered_and_deterministic() {
        let h = HitRatio::zipf(1000, 0.8).unwrap().requests(20_000).unwrap();
        let a = h.sweep(&Eviction::ALL, &[10, 100], 5).unwrap();
        assert_eq!(a.len(), 8);
        assert_eq!((a[1].eviction, a[1].capacity), (Eviction::Lru, 100));
        assert_eq!(a, h.sweep(&Eviction::ALL, &[10, 100], 5).unwrap());
        assert!(h.sweep(&[], &[10], 5).is_err());
        assert!(h.run(Eviction::Lru, 0, 1).is_err());
    }
}
