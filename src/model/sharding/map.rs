//! A shard map: key ranges → shards, validated so that every key of the key space has
//! exactly one shard.
//!
//! Range sharding and directory sharding both look keys up in such a map. The map covers
//! the key space `0..key_space` with contiguous ranges (no gap, no overlap); keys at or
//! beyond the key space belong to the shard of the last range, which is open-ended (like
//! a `MAXVALUE` partition: new, ever larger ids land there).
//!
//! A directory moves ranges one at a time ([`ShardMap::move_range`]): resharding moves
//! exactly the keys you choose, at the price of keeping the map somewhere every client
//! can read (a lookup service, itself to be replicated and cached).

use std::ops::Range;

use crate::error::{Error, Result, at_least_one};

/// Contiguous key ranges covering `0..key_space`, each assigned to a shard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardMap {
    shards: usize,
    /// (start, end, shard), sorted, contiguous from 0.
    ranges: Vec<(u64, u64, usize)>,
}

impl ShardMap {
    /// A map of `shards` ≥ 1 shards from `(range, shard)` entries (in any order). The
    /// ranges must be non-empty, start at key 0 and follow each other without gaps or
    /// overlaps; the last range's end is the key space. Every shard must be `< shards`
    /// (a shard may own no range: a new, empty shard).
    pub fn new(shards: usize, entries: Vec<(Range<u64>, usize)>) -> Result<Self> {
        at_least_one("shards", shards)?;
        if entries.is_empty() {
            return Err(Error::InvalidConfig(
                "a shard map needs at least one key range".into(),
            ));
        }
        let mut entries = entries;
        entries.sort_by_key(|(r, _)| (r.start, r.end));
        let mut ranges = Vec::with_capacity(entries.len());
        let mut expected_start = 0u64;
        let mut previous: Option<Range<u64>> = None;
        for (range, shard) in entries {
            if range.start >= range.end {
                return Err(Error::InvalidConfig(format!(
                    "the key range {range:?} is empty"
                )));
            }
            if shard >= shards {
                return Err(Error::InvalidConfig(format!(
                    "the key range {range:?} is assigned to shard {shard}, but there are only {shards} shards (0..{shards})"
                )));
            }
            if range.start > expected_start {
                return Err(Error::InvalidConfig(format!(
                    "gap in the shard map: keys {expected_start}..{} have no shard",
                    range.start
                )));
            }
            if range.start < expected_start {
                let prev = previous.unwrap_or(0..expected_start);
                return Err(Error::InvalidConfig(format!(
                    "overlap in the shard map: the key ranges {prev:?} and {range:?} both hold keys {}..{}",
                    range.start,
                    expected_start.min(range.end)
                )));
            }
            expected_start = range.end;
            ranges.push((range.start, range.end, shard));
            previous = Some(range);
        }
        let mut map = ShardMap { shards, ranges };
        map.merge_neighbours();
        Ok(map)
    }

    /// `shards` ≥ 1 equal ranges over `0..key_space` (`key_space` ≥ `shards`), shard i
    /// holding the i-th range.
    pub fn even(shards: usize, key_space: u64) -> Result<Self> {
        at_least_one("shards", shards)?;
        if key_space < shards as u64 {
            return Err(Error::param(
                "key_space",
                key_space,
                format!("at least the number of shards ({shards})"),
            ));
        }
        let bound = |i: usize| (key_space as u128 * i as u128 / shards as u128) as u64;
        Ok(ShardMap {
            shards,
            ranges: (0..shards).map(|i| (bound(i), bound(i + 1), i)).collect(),
        })
    }

    /// The number of shards (ids `0..shards`).
    pub fn shards(&self) -> usize {
        self.shards
    }

    /// The key space `0..key_space` the ranges cover.
    pub fn key_space(&self) -> u64 {
        self.ranges.last().map_or(0, |r| r.1)
    }

    /// The ranges and their shards, in key order.
    pub fn ranges(&self) -> Vec<(Range<u64>, usize)> {
        self.ranges
            .iter()
            .map(|&(s, e, shard)| (s..e, shard))
            .collect()
    }

    /// How many keys of the key space shard `shard` owns.
    pub fn keys_of(&self, shard: usize) -> u64 {
        self.ranges
            .iter()
            .filter(|r| r.2 == shard)
            .map(|r| r.1 - r.0)
            .sum()
    }

    /// The shard of `key` (keys beyond the key space: the last range's shard).
    #[inline]
    pub fn shard_for(&self, key: u64) -> usize {
        let i = self.ranges.partition_point(|r| r.1 <= key);
        self.ranges[i.min(self.ranges.len() - 1)].2
    }

    /// Adds an empty shard and returns its id.
    pub fn add_shard(&mut self) -> usize {
        self.shards += 1;
        self.shards - 1
    }

    /// Assigns the keys `range` (non-empty, inside the key space) to shard `to`.
    pub fn move_range(&mut self, range: Range<u64>, to: usize) -> Result<()> {
        if to >= self.shards {
            return Err(Error::param(
                "to",
                to,
                format!("an existing shard (0..{})", self.shards),
            ));
        }
        if range.start >= range.end || range.end > self.key_space() {
            return Err(Error::InvalidConfig(format!(
                "cannot move keys {range:?}: the range must be non-empty and inside the key space 0..{}",
                self.key_space()
            )));
        }
        let mut out = Vec::with_capacity(self.ranges.len() + 2);
        for &(s, e, shard) in &self.ranges {
            if e <= range.start || s >= range.end {
                out.push((s, e, shard));
                continue;
            }
            if s < range.start {
                out.push((s, range.start, shard));
            }
            out.push((s.max(range.start), e.min(range.end), to));
            if e > range.end {
                out.push((range.end, e, shard));
            }
        }
        self.ranges = out;
        self.merge_neighbours();
        Ok(())
    }

    /// Moves the top `count` keys of shard `from` (its highest ranges first) to shard
    /// `to`; returns the ranges moved.
    pub fn move_keys(&mut self, from: usize, count: u64, to: usize) -> Result<Vec<Range<u64>>> {
        if from >= self.shards {
            return Err(Error::param(
                "from",
                from,
                format!("an existing shard (0..{})", self.shards),
            ));
        }
        let owned = self.keys_of(from);
        if count > owned {
            return Err(Error::param(
                "count",
                count,
                format!("at most the {owned} keys shard {from} owns"),
            ));
        }
        let mut left = count;
        let mut moves = Vec::new();
        for &(s, e, shard) in self.ranges.iter().rev() {
            if left == 0 {
                break;
            }
            if shard == from {
                let take = left.min(e - s);
                moves.push(e - take..e);
                left -= take;
            }
        }
        for r in &moves {
            self.move_range(r.clone(), to)?;
        }
        Ok(moves)
    }

    fn merge_neighbours(&mut self) {
        let mut merged: Vec<(u64, u64, usize)> = Vec::with_capacity(self.ranges.len());
        for &r in &self.ranges {
            match merged.last_mut() {
                Some(last) if last.2 == r.2 && last.1 == r.0 => last.1 = r.1,
                _ => merged.push(r),
            }
        }
        self.ranges = merged;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_follow_the_ranges_and_the_last_is_open_ended() {
        let m = ShardMap::new(2, vec![(100..200, 0), (0..100, 1)]).unwrap();
        assert_eq!(
            (
                m.shard_for(0),
                m.shard_for(99),
                m.shard_for(100),
                m.shard_for(199)
            ),
            (1, 1, 0, 0)
        );
        assert_eq!(
            m.shard_for(10_000),
            0,
            "beyond the key space: the last range's shard"
        );
        assert_eq!(m.key_space(), 200);
        let e = ShardMap::even(3, 10).unwrap();
        assert_eq!(e.ranges(), vec![(0..3, 0), (3..6, 1), (6..10, 2)]);
    }

    #[test]
    fn gaps_overlaps_and_bad_shards_are_errors() {
        let gap = ShardMap::new(2, vec![(0..100, 0), (150..200, 1)])
            .unwrap_err()
            .to_string();
        assert!(gap.contains("gap") && gap.contains("100..150"), "{gap}");
        let overlap = ShardMap::new(2, vec![(0..150, 0), (100..200, 1)])
            .unwrap_err()
            .to_string();
        assert!(
            overlap.contains("overlap") && overlap.contains("100..150"),
            "{overlap}"
        );
        let start = ShardMap::new(1, vec![(10..20, 0)]).unwrap_err().to_string();
        assert!(start.contains("keys 0..10 have no shard"), "{start}");
        assert!(
            ShardMap::new(1, vec![(5..5, 0)])
                .unwrap_err()
                .to_string()
                .contains("empty")
        );
        assert!(
            ShardMap::new(2, vec![(0..5, 2)])
                .unwrap_err()
                .to_string()
                .contains("only 2 shards")
        );
        assert!(ShardMap::new(1, vec![]).is_err());
        assert!(ShardMap::new(0, vec![(0..5, 0)]).is_err());
        assert!(ShardMap::even(5, 3).is_err());
    }

    #[test]
    fn moving_ranges_splits_and_merges() {
        let mut m = ShardMap::even(2, 100).unwrap();
        let new = m.add_shard();
        m.move_range(40..60, new).unwrap();
        assert_eq!(m.ranges(), vec![(0..40, 0), (40..60, 2), (60..100, 1)]);
        m.move_range(40..60, 0).unwrap();
        assert_eq!(
            m.ranges(),
            vec![(0..60, 0), (60..100, 1)],
            "neighbours on one shard merge"
        );
        assert_eq!(m.move_keys(0, 10, 2).unwrap(), vec![50..60]);
        assert_eq!((m.keys_of(0), m.keys_of(2)), (50, 10));
        assert!(m.move_range(90..120, 0).is_err());
        assert!(m.move_range(10..20, 7).is_err());
        assert!(m.move_keys(1, 1000, 0).is_err());
    }
}
