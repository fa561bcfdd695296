//! Which keys requests ask for: uniformly spread, skewed by popularity (Zipf: a few
//! keys — celebrities — take a large share), or sequential (auto-increment ids,
//! timestamps: every new row has a larger key than the last).
//!
//! Popular keys are not neighbours: the key of popularity rank `r` is a fixed
//! pseudo-random permutation of `0..n` (`r·a mod n`, `a` coprime with `n`; rank 0 is
//! key 0), so that range sharding does not find all celebrities in its first range.

use crate::error::{Error, Result, at_least_one};
use crate::sim::{SimRng, Zipf};

/// A key pattern.
#[derive(Debug, Clone)]
pub struct Keys {
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    Uniform { n: u64, a: u64 },
    Zipf { zipf: Zipf, a: u64 },
    Sequential { start: u64 },
}

impl Keys {
    /// Every key of `0..n` (`n` ≥ 1) equally likely.
    pub fn uniform(n: u64) -> Result<Self> {
        if n == 0 {
            return Err(Error::param("n", n, "at least 1 key"));
        }
        Ok(Keys {
            kind: Kind::Uniform {
                n,
                a: multiplier(n),
            },
        })
    }

    /// `n` ≥ 1 keys with Zipf popularity of exponent `alpha` ≥ 0 (rank 0 the most
    /// popular).
    pub fn zipf(n: u64, alpha: f64) -> Result<Self> {
        Ok(Keys {
            kind: Kind::Zipf {
                zipf: Zipf::new(n, alpha)?,
                a: multiplier(n),
            },
        })
    }

    /// Keys `start`, `start + 1`, `start + 2`, ... in order of the requests.
    pub fn sequential(start: u64) -> Self {
        Keys {
            kind: Kind::Sequential { start },
        }
    }

    /// Whether keys have popularity ranks (uniform and Zipf; sequential keys do not).
    pub fn is_ranked(&self) -> bool {
        !matches!(self.kind, Kind::Sequential { .. })
    }

    /// The number of keys (`None` for sequential keys, which never repeat).
    pub fn count(&self) -> Option<u64> {
        match &self.kind {
            Kind::Uniform { n, .. } => Some(*n),
            Kind::Zipf { zipf, .. } => Some(zipf.n()),
            Kind::Sequential { .. } => None,
        }
    }

    /// The key of popularity rank `rank` (ranked patterns; for sequential keys, the
    /// `rank`-th key).
    #[inline]
    pub fn key_of_rank(&self, rank: u64) -> u64 {
        match &self.kind {
            Kind::Uniform { n, a } => permute(rank, *a, *n),
            Kind::Zipf { zipf, a } => permute(rank, *a, zipf.n()),
            Kind::Sequential { start } => start.wrapping_add(rank),
        }
    }

    /// The probability of rank `rank` (0 for sequential keys).
    pub fn rank_probability(&self, rank: u64) -> f64 {
        match &self.kind {
            Kind::Uniform { n, .. } => {
                if rank < *n {
                    1.0 / *n as f64
                } else {
                    0.0
                }
            }
            Kind::Zipf { zipf, .. } => zipf.pmf(rank),
            Kind::Sequential { .. } => 0.0,
        }
    }

    /// Draws the rank of the `index`-th request's key (sequential keys: `index`).
    #[inline]
    pub fn sample_rank(&self, index: u64, rng: &mut SimRng) -> u64 {
        match &self.kind {
            Kind::Uniform { n, .. } => rng.below(*n),
            Kind::Zipf { zipf, .. } => zipf.sample(rng),
            Kind::Sequential { .. } => index,
        }
    }
}

/// Part `part` of `parts` of the key `key` out of `n` keys: `(key + part·⌊n/parts⌋) mod
/// n`, spread over the key space like a salt prefix.
pub fn split_key(key: u64, part: usize, parts: usize, n: u64) -> Result<u64> {
    at_least_one("parts", parts)?;
    if n == 0 {
        return Err(Error::param("n", n, "at least 1 key"));
    }
    let stride = (n / parts as u64).max(1);
    Ok(((key as u128 + part as u128 * stride as u128) % n as u128) as u64)
}

fn multiplier(n: u64) -> u64 {
    if n <= 2 {
        return 1;
    }
    let mut a = ((n as f64 * 0.618_033_988_749_895) as u64).max(1);
    while gcd(a, n) != 1 {
        a += 1;
    }
    a
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[inline]
fn permute(rank: u64, a: u64, n: u64) -> u64 {
    ((rank as u128 * a as u128) % n as u128) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_map_to_a_permutation_of_the_keys() {
        for n in [1u64, 2, 10, 1000, 997] {
            let keys = Keys::uniform(n).unwrap();
            let mut seen: Vec<u64> = (0..n).map(|r| keys.key_of_rank(r)).collect();
            seen.sort();
            assert_eq!(seen, (0..n).collect::<Vec<_>>(), "n = {n}");
        }
        let z = Keys::zipf(1000, 1.0).unwrap();
        assert_eq!(z.key_of_rank(0), 0);
        assert!(
            z.key_of_rank(1) > 100,
            "the second most popular key is far from the first"
        );
        assert!(z.rank_probability(0) > z.rank_probability(1));
    }

    #[test]
    fn sequential_keys_count_up_and_split_keys_spread() {
        let s = Keys::sequential(500);
        let mut rng = SimRng::new(1);
        assert_eq!(s.key_of_rank(s.sample_rank(7, &mut rng)), 507);
        assert!(!s.is_ranked() && s.count().is_none());
        assert_eq!(
            (0..4)
                .map(|p| split_key(10, p, 4, 100).unwrap())
                .collect::<Vec<_>>(),
            vec![10, 35, 60, 85]
        );
        assert!(split_key(1, 0, 0, 10).is_err());
        assert!(Keys::uniform(0).is_err());
        assert!(Keys::zipf(10, -1.0).is_err());
    }
}
