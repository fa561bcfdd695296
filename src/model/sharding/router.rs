//! The shard router: which shard holds a key, by one of five strategies, and how each
//! strategy adds a shard.
//!
//! | strategy | `shard_for(key)` | adding a shard moves |
//! |---|---|---|
//! | range | the range the key falls in | half of the widest range: 1/(2n) of the keys (but the split shards hold half as much as the others) |
//! | hash mod N | `hash(key) % n` | n/(n + 1): almost everything |
//! | consistent hashing | the next node clockwise on a ring of virtual nodes | about 1/(n + 1) (the share the new node takes) |
//! | jump hash | Lamping–Veach jump consistent hash | exactly the keys of the new shard, 1/(n + 1) |
//! | directory | a lookup table of key ranges | what you choose: by default 1/(n + 1) of every shard's keys |
//!
//! Range sharding keeps neighbouring keys together (range scans stay on one shard) but
//! sends sequential keys — auto-increment ids, timestamps — all to the last shard. Hash
//! strategies spread any key pattern but scatter ranges over every shard.

use std::fmt;
use std::ops::Range;

use super::map::ShardMap;
use crate::error::{Error, Result, at_least_one};
use crate::model::hashing::{HashRing, jump_hash, mod_n};

/// A way of placing keys on shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Strategy {
    /// Contiguous key ranges, one per shard.
    Range,
    /// `hash(key) % N`.
    ModN,
    /// A consistent-hash ring with virtual nodes.
    Consistent,
    /// Jump consistent hash.
    Jump,
    /// A lookup table of key ranges → shards.
    Directory,
}

impl Strategy {
    /// All five, in the order of the table above.
    pub const ALL: [Strategy; 5] = [
        Strategy::Range,
        Strategy::ModN,
        Strategy::Consistent,
        Strategy::Jump,
        Strategy::Directory,
    ];
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Strategy::Range => "range",
            Strategy::ModN => "hash mod N",
            Strategy::Consistent => "consistent hashing",
            Strategy::Jump => "jump hash",
            Strategy::Directory => "directory",
        })
    }
}

/// Routes keys to shards `0..shards()`.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardRouter {
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Range(ShardMap),
    ModN(usize),
    Consistent(HashRing),
    Jump(u32),
    Directory(ShardMap),
}

impl ShardRouter {
    /// Range sharding: `shards` equal ranges over `0..key_space`.
    pub fn range(shards: usize, key_space: u64) -> Result<Self> {
        Ok(ShardRouter {
            kind: Kind::Range(ShardMap::even(shards, key_space)?),
        })
    }

    /// Range sharding over the ranges of `map`.
    pub fn range_map(map: ShardMap) -> Self {
        ShardRouter {
            kind: Kind::Range(map),
        }
    }

    /// `hash(key) % shards`.
    pub fn mod_n(shards: usize) -> Result<Self> {
        Ok(ShardRouter {
            kind: Kind::ModN(at_least_one("shards", shards)?),
        })
    }

    /// A consistent-hash ring of `shards` nodes with `vnodes` virtual nodes each.
    pub fn consistent(shards: usize, vnodes: usize) -> Result<Self> {
        Self::consistent_seeded(shards, vnodes, 0)
    }

    /// The same ring with its points placed by `seed` (independent placements for
    /// experiments that average over them).
    pub fn consistent_seeded(shards: usize, vnodes: usize, seed: u64) -> Result<Self> {
        Ok(ShardRouter {
            kind: Kind::Consistent(HashRing::with_seed(shards, vnodes, seed)?),
        })
    }

    /// Jump consistent hash over `shards` buckets.
    pub fn jump(shards: usize) -> Result<Self> {
        at_least_one("shards", shards)?;
        let n = u32::try_from(shards)
            .map_err(|_| Error::param("shards", shards, "at most 2^32 − 1 for jump hash"))?;
        Ok(ShardRouter {
            kind: Kind::Jump(n),
        })
    }

    /// A directory: `shards` equal ranges over `0..key_space` to start with, moved
    /// around later with [`move_range`](Self::move_range).
    pub fn directory(shards: usize, key_space: u64) -> Result<Self> {
        Ok(ShardRouter {
            kind: Kind::Directory(ShardMap::even(shards, key_space)?),
        })
    }

    /// A directory over the ranges of `map`.
    pub fn directory_map(map: ShardMap) -> Self {
        ShardRouter {
            kind: Kind::Directory(map),
        }
    }

    /// The strategy.
    pub fn strategy(&self) -> Strategy {
        match self.kind {
            Kind::Range(_) => Strategy::Range,
            Kind::ModN(_) => Strategy::ModN,
            Kind::Consistent(_) => Strategy::Consistent,
            Kind::Jump(_) => Strategy::Jump,
            Kind::Directory(_) => Strategy::Directory,
        }
    }

    /// The number of shards (ids `0..shards`).
    pub fn shards(&self) -> usize {
        match &self.kind {
            Kind::Range(m) | Kind::Directory(m) => m.shards(),
            Kind::ModN(n) => *n,
            Kind::Consistent(ring) => ring.nodes().len(),
            Kind::Jump(n) => *n as usize,
        }
    }

    /// The shard that holds `key`.
    #[inline]
    pub fn shard_for(&self, key: u64) -> usize {
        match &self.kind {
            Kind::Range(m) | Kind::Directory(m) => m.shard_for(key),
            Kind::ModN(n) => mod_n(key, *n),
            Kind::Consistent(ring) => ring.node_for(key) as usize,
            Kind::Jump(n) => jump_hash(key, *n) as usize,
        }
    }

    /// The range map (range and directory strategies).
    pub fn map(&self) -> Option<&ShardMap> {
        match &self.kind {
            Kind::Range(m) | Kind::Directory(m) => Some(m),
            _ => None,
        }
    }

    /// The ring (consistent hashing).
    pub fn ring(&self) -> Option<&HashRing> {
        match &self.kind {
            Kind::Consistent(ring) => Some(ring),
            _ => None,
        }
    }

    /// Adds shard number `shards()` the strategy's way and returns its id:
    /// - range: the widest range is split in two halves, the upper one to the new shard;
    /// - mod N, jump: N + 1;
    /// - consistent: a new node on the ring;
    /// - directory: the new shard takes 1/(n + 1) of every shard's keys (the top of each
    ///   shard's ranges), so all shards end up with about the same number of keys.
    pub fn add_shard(&mut self) -> Result<usize> {
        let new = self.shards();
        match &mut self.kind {
            Kind::Range(m) => {
                let (widest, _) = m
                    .ranges()
                    .into_iter()
                    .max_by_key(|(r, _)| (r.end - r.start, std::cmp::Reverse(r.start)))
                    .ok_or_else(|| Error::InvalidConfig("the shard map has no range".into()))?;
                if widest.end - widest.start < 2 {
                    return Err(Error::InvalidConfig(
                        "cannot split a range of one key: every range is a single key".into(),
                    ));
                }
                let mid = widest.start + (widest.end - widest.start) / 2;
                let id = m.add_shard();
                m.move_range(mid..widest.end, id)?;
            }
            Kind::ModN(n) => *n += 1,
            Kind::Consistent(ring) => ring.add_node(new as u32)?,
            Kind::Jump(n) => {
                *n = n.checked_add(1).ok_or_else(|| {
                    Error::param("shards", new + 1, "at most 2^32 − 1 for jump hash")
                })?
            }
            Kind::Directory(m) => {
                let id = m.add_shard();
                for shard in 0..id {
                    let share = m.keys_of(shard) / (id as u64 + 1);
                    if share > 0 {
                        m.move_keys(shard, share, id)?;
                    }
                }
            }
        }
        Ok(new)
    }

    /// A copy with one shard added (see [`add_shard`](Self::add_shard)).
    pub fn with_added_shard(&self) -> Result<Self> {
        let mut r = self.clone();
        r.add_shard()?;
        Ok(r)
    }

    /// Assigns the keys `range` to shard `to` (range and directory strategies; the hash
    /// strategies place keys by formula and cannot move a range by hand).
    pub fn move_range(&mut self, range: Range<u64>, to: usize) -> Result<()> {
        match &mut self.kind {
            Kind::Range(m) | Kind::Directory(m) => m.move_range(range, to),
            _ => Err(Error::InvalidConfig(format!(
                "{} places keys by a formula: only range and directory sharding can move a key range by hand",
                self.strategy()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_strategy_routes_into_its_shards() {
        for router in [
            ShardRouter::range(4, 1000).unwrap(),
            ShardRouter::mod_n(4).unwrap(),
            ShardRouter::consistent(4, 50).unwrap(),
            ShardRouter::jump(4).unwrap(),
            ShardRouter::directory(4, 1000).unwrap(),
        ] {
            assert_eq!(router.shards(), 4);
            let used: std::collections::BTreeSet<usize> =
                (0..1000).map(|k| router.shard_for(k)).collect();
            assert_eq!(
                used.into_iter().collect::<Vec<_>>(),
                vec![0, 1, 2, 3],
                "{}",
                router.strategy()
            );
        }
    }

    #[test]
    fn adding_a_shard_the_strategys_way() {
        let mut range = ShardRouter::range(2, 100).unwrap();
        assert_eq!(range.add_shard().unwrap(), 2);
        assert_eq!(
            range.map().unwrap().ranges(),
            vec![(0..25, 0), (25..50, 2), (50..100, 1)]
        );
        let mut dir = ShardRouter::directory(2, 90).unwrap();
        dir.add_shard().unwrap();
        let m = dir.map().unwrap();
        assert_eq!((m.keys_of(0), m.keys_of(1), m.keys_of(2)), (30, 30, 30));
        let mut ring = ShardRouter::consistent(3, 10).unwrap();
        ring.add_shard().unwrap();
        assert_eq!(ring.ring().unwrap().nodes(), &[0, 1, 2, 3]);
        let mut jump = ShardRouter::jump(3).unwrap();
        jump.add_shard().unwrap();
        assert_eq!(jump.shards(), 4);
        let mut tiny = ShardRouter::range(2, 2).unwrap();
        assert!(
            tiny.add_shard()
                .unwrap_err()
                .to_string()
                .contains("one key")
        );
    }

    #[test]
    fn only_maps_move_ranges_by_hand() {
        let mut dir = ShardRouter::directory(2, 100).unwrap();
        dir.move_range(0..10, 1).unwrap();
        assert_eq!(dir.shard_for(5), 1);
        let e = ShardRouter::mod_n(2)
            .unwrap()
            .move_range(0..10, 1)
            .unwrap_err()
            .to_string();
        assert!(e.contains("hash mod N places keys by a formula"), "{e}");
        assert!(ShardRouter::mod_n(0).is_err());
        assert!(ShardRouter::jump(0).is_err());
        assert!(
            ShardRouter::consistent(0, 10)
                .unwrap_err()
                .to_string()
                .contains("`nodes` = 0")
        );
    }
}
