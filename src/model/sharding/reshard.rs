//! Resharding, counted: how many keys change shard when a shard is added, per strategy,
//! and how even the shards are afterwards.
//!
//! Every moved key is a row copied between databases (or a cache miss): the fewer, the
//! cheaper the resharding. The least any scheme that ends balanced can move is the new
//! shard's fair share, 1/(n + 1) of the keys.

use super::router::{ShardRouter, Strategy};
use crate::error::{Error, Result, at_least_one};
use crate::sim::SimRng;

/// Keys moved between two routings of the same keys.
#[derive(Debug, Clone, PartialEq)]
pub struct Resharding {
    /// The strategy (of the router after).
    pub strategy: Strategy,
    /// Shards before.
    pub shards_before: usize,
    /// Shards after.
    pub shards_after: usize,
    /// Keys counted.
    pub keys: u64,
    /// Keys whose shard changed.
    pub moved: u64,
    /// Keys per shard before (indexed by shard id).
    pub keys_before: Vec<u64>,
    /// Keys per shard after.
    pub keys_after: Vec<u64>,
}

impl Resharding {
    /// Routes every key of `keys` with `before` and `after` and counts the moves.
    pub fn between(
        before: &ShardRouter,
        after: &ShardRouter,
        keys: impl IntoIterator<Item = u64>,
    ) -> Self {
        let mut keys_before = vec![0u64; before.shards()];
        let mut keys_after = vec![0u64; after.shards()];
        let (mut n, mut moved) = (0u64, 0u64);
        for key in keys {
            let (a, b) = (before.shard_for(key), after.shard_for(key));
            keys_before[a] += 1;
            keys_after[b] += 1;
            moved += (a != b) as u64;
            n += 1;
        }
        Resharding {
            strategy: after.strategy(),
            shards_before: before.shards(),
            shards_after: after.shards(),
            keys: n,
            moved,
            keys_before,
            keys_after,
        }
    }

    /// Adds one shard to `router` (its strategy's way) and counts the moves of `keys`.
    pub fn add_shard(router: &ShardRouter, keys: impl IntoIterator<Item = u64>) -> Result<Self> {
        Ok(Self::between(router, &router.with_added_shard()?, keys))
    }

    /// The fraction of keys that moved.
    pub fn moved_fraction(&self) -> f64 {
        if self.keys == 0 {
            0.0
        } else {
            self.moved as f64 / self.keys as f64
        }
    }

    /// The least a scheme that ends balanced must move when growing: the new shards'
    /// share, (after − before) / after (0 when shrinking or unchanged).
    pub fn minimum_fraction(&self) -> f64 {
        if self.shards_after > self.shards_before {
            (self.shards_after - self.shards_before) as f64 / self.shards_after as f64
        } else {
            0.0
        }
    }

    /// The fullest shard after, relative to the mean (1 = perfectly even).
    pub fn imbalance_after(&self) -> f64 {
        imbalance(&self.keys_after)
    }

    /// The coefficient of variation of the keys per shard after (standard deviation /
    /// mean; 0 = perfectly even).
    pub fn spread_after(&self) -> f64 {
        let n = self.keys_after.len() as f64;
        let mean = self.keys_after.iter().sum::<u64>() as f64 / n;
        if mean == 0.0 {
            return 0.0;
        }
        let var = self
            .keys_after
            .iter()
            .map(|&k| (k as f64 - mean).powi(2))
            .sum::<f64>()
            / n;
        var.sqrt() / mean
    }
}

/// The fullest of `counts` relative to their mean (1 = even; 0 if all are 0).
pub fn imbalance(counts: &[u64]) -> f64 {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return 0.0;
    }
    let max = counts.iter().copied().max().unwrap_or(0);
    max as f64 * counts.len() as f64 / total as f64
}

/// The expected fraction of uniformly spread keys that move when [`ShardRouter::add_shard`]
/// takes `strategy` from `shards` even shards to `shards + 1`: range 1/(2n) (half of one
/// of n ranges), mod N n/(n + 1), consistent hashing 1/(n + 1) on average over ring
/// placements, jump hash and the directory 1/(n + 1).
pub fn expected_moved_fraction(strategy: Strategy, shards: usize) -> Result<f64> {
    let n = at_least_one("shards", shards)? as f64;
    Ok(match strategy {
        Strategy::Range => 1.0 / (2.0 * n),
        Strategy::ModN => n / (n + 1.0),
        Strategy::Consistent | Strategy::Jump | Strategy::Directory => 1.0 / (n + 1.0),
    })
}

/// The experiment "go from N to N + 1 shards": the same random keys routed by each of
/// the five strategies before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct AddShard {
    shards: usize,
    keys: u64,
    key_space: u64,
    vnodes: usize,
}

impl AddShard {
    /// From `shards` ≥ 1 shards to one more; 100 000 random keys out of a key space of
    /// 10⁹, 100 virtual nodes per ring node.
    pub fn new(shards: usize) -> Result<Self> {
        Ok(AddShard {
            shards: at_least_one("shards", shards)?,
            keys: 100_000,
            key_space: 1_000_000_000,
            vnodes: 100,
        })
    }

    /// How many random keys to route (≥ 1).
    pub fn keys(mut self, n: u64) -> Result<Self> {
        if n == 0 {
            return Err(Error::param("keys", n, "at least 1"));
        }
        self.keys = n;
        Ok(self)
    }

    /// Keys are drawn from `0..key_space` (≥ 2 × shards, so ranges can split).
    pub fn key_space(mut self, key_space: u64) -> Result<Self> {
        if key_space < 2 * self.shards as u64 {
            return Err(Error::param(
                "key_space",
                key_space,
                format!("at least 2 × shards ({})", 2 * self.shards),
            ));
        }
        self.key_space = key_space;
        Ok(self)
    }

    /// Virtual nodes per node of the consistent-hash ring (≥ 1).
    pub fn vnodes(mut self, v: usize) -> Result<Self> {
        self.vnodes = at_least_one("vnodes", v)?;
        Ok(self)
    }

    /// The five routers this experiment starts from; `seed` places the ring's points.
    pub fn routers(&self, seed: u64) -> Result<Vec<ShardRouter>> {
        Ok(vec![
            ShardRouter::range(self.shards, self.key_space)?,
            ShardRouter::mod_n(self.shards)?,
            ShardRouter::consistent_seeded(self.shards, self.vnodes, seed)?,
            ShardRouter::jump(self.shards)?,
            ShardRouter::directory(self.shards, self.key_space)?,
        ])
    }

    /// Runs it: one [`Resharding`] per strategy, in the order of [`Strategy::ALL`]. The
    /// keys and the ring's placement come from `seed`.
    pub fn run(&self, seed: u64) -> Result<Vec<Resharding>> {
        let mut rng = SimRng::stream(seed, 0);
        let keys: Vec<u64> = (0..self.keys).map(|_| rng.below(self.key_space)).collect();
        self.routers(seed)?
            .iter()
            .map(|r| Resharding::add_shard(r, keys.iter().copied()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_moves_and_loads() {
        let before = ShardRouter::range(2, 100).unwrap();
        let r = Resharding::add_shard(&before, 0..100).unwrap();
        // 0..50 | 50..100 → the wider tie goes to the first: 0..25 | 25..50 (new) | 50..100.
        assert_eq!(
            (r.moved, r.keys_before.clone(), r.keys_after.clone()),
            (25, vec![50, 50], vec![25, 50, 25])
        );
        assert!((r.moved_fraction() - 0.25).abs() < 1e-12);
        assert!((r.minimum_fraction() - 1.0 / 3.0).abs() < 1e-12);
        assert!((r.imbalance_after() - 1.5).abs() < 1e-12);
        assert!(r.spread_after() > 0.0);
        assert_eq!(imbalance(&[0, 0]), 0.0);
    }

    #[test]
    fn the_experiment_runs_every_strategy_and_checks_parameters() {
        let out = AddShard::new(4)
            .unwrap()
            .keys(1000)
            .unwrap()
            .run(1)
            .unwrap();
        assert_eq!(
            out.iter().map(|r| r.strategy).collect::<Vec<_>>(),
            Strategy::ALL.to_vec()
        );
        assert!(out.iter().all(|r| r.keys == 1000 && r.shards_after == 5));
        assert!(AddShard::new(0).is_err());
        assert!(AddShard::new(4).unwrap().keys(0).is_err());
        assert!(AddShard::new(4).unwrap().key_space(7).is_err());
        assert!(AddShard::new(4).unwrap().vnodes(0).is_err());
        assert!(expected_moved_fraction(Strategy::Jump, 0).is_err());
    }
}
