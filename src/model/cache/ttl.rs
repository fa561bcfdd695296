//! Experiment: TTL against hit ratio, stale reads and database load — "how do I pick a
//! TTL?" answered with numbers.
//!
//! Reads and writes are Poisson streams over Zipf-popular keys (writes follow the same
//! popularity as reads). A read that misses fetches the key from the database at once
//! (no queueing here: the point is the counts). Without invalidation a cached value stays
//! until its TTL even after a write, and reads of it are stale; with invalidation
//! (look-aside's delete on write) nothing is served stale and the TTL only trims memory.

use super::node::{Cache, Lookup};
use super::store::Eviction;
use super::theory;
use crate::error::{Error, Result, at_least_one, non_negative, positive};
use crate::sim::{SimRng, Zipf, sweep};

/// The TTL experiment's parameters (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct TtlTradeoff {
    zipf: Zipf,
    read_rate: f64,
    write_rate: f64,
    duration: f64,
    warmup: f64,
    capacity: Option<usize>,
    invalidate: bool,
    jitter: f64,
}

/// What one TTL gave.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TtlPoint {
    /// The TTL, in seconds.
    pub ttl: f64,
    /// Measured reads.
    pub reads: u64,
    /// Reads served by the cache.
    pub hits: u64,
    /// Reads that returned an older version than the database held.
    pub stale_reads: u64,
    /// Reads that went to the database.
    pub db_reads: u64,
    /// hits / reads.
    pub hit_ratio: f64,
    /// stale_reads / reads.
    pub stale_fraction: f64,
    /// Database reads per second.
    pub db_reads_per_second: f64,
    /// The closed-form hit ratio (when the cache holds every key and there is no jitter).
    pub theory_hit_ratio: Option<f64>,
    /// The closed-form stale fraction (same conditions).
    pub theory_stale_fraction: Option<f64>,
}

impl TtlTradeoff {
    /// Reads at `read_rate` > 0 and writes at `write_rate` ≥ 0 per second over `keys`
    /// keys of Zipf(`alpha`) popularity; the cache holds every key, writes don't
    /// invalidate; 1000 s measured after 100 s.
    pub fn new(keys: u64, alpha: f64, read_rate: f64, write_rate: f64) -> Result<Self> {
        Ok(TtlTradeoff {
            zipf: Zipf::new(super::check_keys(keys)?, alpha)?,
            read_rate: positive("read_rate", read_rate)?,
            write_rate: non_negative("write_rate", write_rate)?,
            duration: 1000.0,
            warmup: 100.0,
            capacity: None,
            invalidate: false,
            jitter: 0.0,
        })
    }

    /// Seconds measured (> 0).
    pub fn duration(mut self, seconds: f64) -> Result<Self> {
        self.duration = positive("duration", seconds)?;
        Ok(self)
    }

    /// Seconds run first, unmeasured (≥ 0).
    pub fn warmup(mut self, seconds: f64) -> Result<Self> {
        self.warmup = non_negative("warmup", seconds)?;
        Ok(self)
    }

    /// A cache of `entries` ≥ 1 (LRU) instead of one that holds every key.
    pub fn capacity(mut self, entries: usize) -> Result<Self> {
        self.capacity = Some(at_least_one("capacity", entries)?);
        Ok(self)
    }

    /// Whether a write deletes the cached key (look-aside) or leaves it to the TTL.
    pub fn invalidate_on_write(mut self, on: bool) -> Self {
        self.invalidate = on;
        self
    }

    /// TTL jitter, a fraction in [0, 1) (see [`Cache::ttl_jitter`]).
    pub fn jitter(mut self, jitter: f64) -> Result<Self> {
        if !(0.0..1.0).contains(&jitter) {
            return Err(Error::param("jitter", jitter, "a fraction in [0, 1)"));
        }
        self.jitter = jitter;
        Ok(self)
    }

    /// The closed forms (hit ratio, stale fraction) for `ttl`, if they apply (every key
    /// fits and there is no jitter). Key `k` gets reads at λp_k and writes at μp_k.
    pub fn theory(&self, ttl: f64) -> Result<Option<(f64, f64)>> {
        positive("ttl", ttl)?;
        if self.capacity.is_some_and(|c| (c as u64) < self.zipf.n()) || self.jitter > 0.0 {
            return Ok(None);
        }
        let (mut hit, mut stale) = (0.0, 0.0);
        for p in self.zipf.probabilities() {
            let (lambda, mu) = (self.read_rate * p, self.write_rate * p);
            if self.invalidate {
                // An entry lives min(T, time to the next write): λ·E[min(T, U)] hits per fill.
                let life = if mu > 0.0 {
                    -(-mu * ttl).exp_m1() / mu
                } else {
                    ttl
                };
                hit += p * lambda * life / (1.0 + lambda * life);
            } else {
                hit += p * theory::ttl_hit_ratio(lambda, ttl)?;
                stale += p * theory::ttl_stale_fraction(lambda, mu, ttl)?;
            }
        }
        Ok(Some((hit, stale)))
    }

    /// Runs one TTL (> 0 seconds) with `seed`.
    pub fn run(&self, ttl: f64, seed: u64) -> Result<TtlPoint> {
        let theory = self.theory(ttl)?;
        let keys = self.zipf.n();
        let capacity = self.capacity.unwrap_or(keys as usize);
        let mut cache = Cache::new(capacity, Eviction::Lru)?
            .ttl(ttl)?
            .ttl_jitter(self.jitter)?;
        let mut db = vec![0u64; keys as usize];
        let mut rng = SimRng::new(seed);
        let total = self.read_rate + self.write_rate;
        let p_read = self.read_rate / total;
        let end = self.warmup + self.duration;
        let (mut reads, mut hits, mut stale, mut db_reads) = (0u64, 0u64, 0u64, 0u64);
        let mut t = 0.0;
        loop {
            t += -rng.uniform_open0().ln() / total;
            if t >= end {
                break;
            }
            let key = self.zipf.sample(&mut rng);
            let current = db[key as usize];
            let measured = t >= self.warmup;
            if rng.uniform() < p_read {
                reads += measured as u64;
                match cache.get(key, t) {
                    Lookup::Hit { version, .. } => {
                        hits += measured as u64;
                        stale += (measured && version < current) as u64;
                    }
                    _ => {
                        db_reads += measured as u64;
                        cache.put(key, current, t, None, &mut rng);
                    }
                }
            } else {
                db[key as usize] += 1;
                if self.invalidate {
                    cache.invalidate(key);
                }
            }
        }
        let ratio = |n: u64| {
            if reads == 0 {
                0.0
            } else {
                n as f64 / reads as f64
            }
        };
        Ok(TtlPoint {
            ttl,
            reads,
            hits,
            stale_reads: stale,
            db_reads,
            hit_ratio: ratio(hits),
            stale_fraction: ratio(stale),
            db_reads_per_second: db_reads as f64 / self.duration,
            theory_hit_ratio: theory.map(|t| t.0),
            theory_stale_fraction: theory.map(|t| t.1),
        })
    }

    /// Every TTL in `ttls`, in parallel (point `i` with stream `i` of `seed`).
    pub fn sweep(&self, ttls: &[f64], seed: u64) -> Result<Vec<TtlPoint>> {
        if ttls.is_empty() {
            return Err(Error::InvalidConfig(
                "a sweep needs at least one TTL".into(),
            ));
        }
        sweep(seed, ttls, |&ttl, s| self.run(ttl, s))
            .into_iter()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalidation_removes_staleness_and_longer_ttls_hit_more() {
        let base = TtlTradeoff::new(1000, 1.0, 1000.0, 50.0)
            .unwrap()
            .duration(100.0)
            .unwrap()
            .warmup(10.0)
            .unwrap();
        let points = base.sweep(&[0.1, 10.0], 1).unwrap();
        assert!(points[1].hit_ratio > points[0].hit_ratio);
        assert!(points[1].stale_fraction > points[0].stale_fraction);
        assert!(points[1].db_reads_per_second < points[0].db_reads_per_second);
        let inv = base.clone().invalidate_on_write(true).run(10.0, 1).unwrap();
        assert_eq!(inv.stale_reads, 0);
        assert_eq!(inv.theory_stale_fraction, Some(0.0));
        let capped = base.capacity(10).unwrap().run(10.0, 1).unwrap();
        assert_eq!(capped.theory_hit_ratio, None);
    }

    #[test]
    fn bad_parameters_are_errors() {
        assert!(TtlTradeoff::new(10, 1.0, 0.0, 1.0).is_err());
        assert!(TtlTradeoff::new(10, 1.0, 1.0, -1.0).is_err());
        let t = TtlTradeoff::new(10, 1.0, 1.0, 1.0).unwrap();
        assert!(t.run(0.0, 1).unwrap_err().to_string().contains("ttl"));
        assert!(t.clone().jitter(1.0).is_err());
        assert!(t.sweep(&[], 1).is_err());
    }
}
