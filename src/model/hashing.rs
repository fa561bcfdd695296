//! Placing keys on nodes: modulo-N hashing, consistent hashing with virtual nodes, and
//! jump consistent hash. Shared by the sharded database and the distributed cache.
//!
//! Why it matters: with `hash(key) % N`, going from N to N + 1 nodes moves N/(N + 1) of
//! all keys (almost everything: a cache loses nearly all its hits, a database reshuffles
//! nearly all rows). A consistent-hash ring moves only about 1/(N + 1) — the share the
//! new node takes over — and virtual nodes (each node placed V times on the ring) even
//! out how much of the ring each node owns: the spread shrinks like 1/√V.

use crate::error::{Error, Result, at_least_one};

/// A well-mixed 64-bit hash of an integer key (SplitMix64's finaliser): deterministic on
/// every machine, unlike `std`'s randomly seeded hasher.
#[inline]
pub fn hash_u64(key: u64) -> u64 {
    let mut z = key.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A deterministic 64-bit hash of a string key (FNV-1a, then mixed).
pub fn hash_str(key: &str) -> u64 {
    let fnv = key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    });
    hash_u64(fnv)
}

/// The node of `key` among `n` ≥ 1 nodes by `hash(key) % n`.
#[inline]
pub fn mod_n(key: u64, n: usize) -> usize {
    debug_assert!(n > 0);
    (hash_u64(key) % n as u64) as usize
}

/// Jump consistent hash (Lamping & Veach, 2014): the bucket of `key` among `buckets` ≥ 1,
/// with no ring and no memory; going from n to n + 1 buckets moves exactly the keys that
/// land in the new bucket, 1/(n + 1) of them. Buckets can only be added or removed at the
/// end.
pub fn jump_hash(key: u64, buckets: u32) -> u32 {
    debug_assert!(buckets > 0);
    let mut k = hash_u64(key);
    let (mut b, mut j) = (-1i64, 0i64);
    while j < buckets as i64 {
        b = j;
        k = k.wrapping_mul(2_862_933_555_777_941_757).wrapping_add(1);
        j = ((b + 1) as f64 * ((1u64 << 31) as f64 / ((k >> 33) + 1) as f64)) as i64;
    }
    b as u32
}

/// A consistent-hash ring: every node sits at `vnodes` pseudo-random points on a circle
/// of 2^64 positions; a key belongs to the first node point at or after its hash.
#[derive(Debug, Clone, PartialEq)]
pub struct HashRing {
    vnodes: usize,
    seed: u64,
    /// (position, node), sorted by position.
    points: Vec<(u64, u32)>,
    nodes: Vec<u32>,
}

impl HashRing {
    /// A ring of nodes `0..nodes`, each with `vnodes` virtual nodes.
    pub fn new(nodes: usize, vnodes: usize) -> Result<Self> {
        Self::with_seed(nodes, vnodes, 0)
    }

    /// The same, with the points placed by `seed` (rings with different seeds are
    /// independent random placements: for experiments that average over placements).
    pub fn with_seed(nodes: usize, vnodes: usize, seed: u64) -> Result<Self> {
        at_least_one("nodes", nodes)?;
        let mut ring = HashRing {
            vnodes: at_least_one("vnodes", vnodes)?,
            seed,
            points: Vec::new(),
            nodes: Vec::new(),
        };
        for id in 0..nodes as u32 {
            ring.add_node(id)?;
        }
        Ok(ring)
    }

    /// The node ids on the ring, in increasing order.
    pub fn nodes(&self) -> &[u32] {
        &self.nodes
    }

    /// Virtual nodes per node.
    pub fn vnodes(&self) -> usize {
        self.vnodes
    }

    /// Adds node `id` (an error if it is already there).
    pub fn add_node(&mut self, id: u32) -> Result<()> {
        let at = match self.nodes.binary_search(&id) {
            Ok(_) => {
                return Err(Error::InvalidConfig(format!(
                    "node {id} is already on the ring"
                )));
            }
            Err(at) => at,
        };
        self.nodes.insert(at, id);
        for v in 0..self.vnodes as u64 {
            let position = hash_u64(hash_u64(self.seed) ^ ((id as u64) << 32 | v));
            self.points.push((position, id));
        }
        self.points.sort_unstable();
        Ok(())
    }

    /// Removes node `id` (an error if it is not there, or if it is the last node).
    pub fn remove_node(&mut self, id: u32) -> Result<()> {
        let at = self
            .nodes
            .binary_search(&id)
            .map_err(|_| Error::InvalidConfig(format!("node {id} is not on the ring")))?;
        if self.nodes.len() == 1 {
            return Err(Error::InvalidConfig(
                "cannot remove the last node: a ring needs at least one".into(),
            ));
        }
        self.nodes.remove(at);
        self.points.retain(|&(_, n)| n != id);
        Ok(())
    }

    /// The node that owns `key`.
    #[inline]
    pub fn node_for(&self, key: u64) -> u32 {
        let h = hash_u64(key);
        let i = self.points.partition_point(|&(p, _)| p < h);
        self.points[if i == self.points.len() { 0 } else { i }].1
    }

    /// The first `n` distinct nodes clockwise from `key` (the owner, then where replicas
    /// go); fewer if the ring has fewer nodes.
    pub fn successors(&self, key: u64, n: usize) -> Vec<u32> {
        let h = hash_u64(key);
        let start = self.points.partition_point(|&(p, _)| p < h);
        let mut out = Vec::with_capacity(n.min(self.nodes.len()));
        for k in 0..self.points.len() {
            let node = self.points[(start + k) % self.points.len()].1;
            if !out.contains(&node) {
                out.push(node);
                if out.len() == n {
                    break;
                }
            }
        }
        out
    }

    /// The share of the hash space each node owns (node id, share), in node order;
    /// shares sum to 1.
    pub fn shares(&self) -> Vec<(u32, f64)> {
        let mut owned = vec![0u128; self.nodes.len()];
        let len = self.points.len();
        for i in 0..len {
            // The arc (previous point, this point] belongs to this point's node.
            let prev = self.points[(i + len - 1) % len].0;
            let arc = self.points[i].0.wrapping_sub(prev) as u128;
            let arc = if len == 1 { 1u128 << 64 } else { arc };
            let idx = self
                .nodes
                .binary_search(&self.points[i].1)
                .expect("every point's node is listed");
            owned[idx] += arc;
        }
        let whole = (1u128 << 64) as f64;
        self.nodes
            .iter()
            .zip(owned)
            .map(|(&n, o)| (n, o as f64 / whole))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_are_deterministic_and_cover_all_nodes() {
        let a = HashRing::new(5, 50).unwrap();
        let b = HashRing::new(5, 50).unwrap();
        assert_eq!(a, b);
        let owners: std::collections::BTreeSet<u32> = (0..10_000).map(|k| a.node_for(k)).collect();
        assert_eq!(owners.into_iter().collect::<Vec<_>>(), vec![0, 1, 2, 3, 4]);
        let total: f64 = a.shares().iter().map(|s| s.1).sum();
        assert!((total - 1.0).abs() < 1e-12);
    }

    #[test]
    fn removing_a_node_moves_only_its_keys() {
        let mut ring = HashRing::new(4, 100).unwrap();
        let before: Vec<u32> = (0..20_000).map(|k| ring.node_for(k)).collect();
        ring.remove_node(2).unwrap();
        for (k, &owner) in before.iter().enumerate() {
            let now = ring.node_for(k as u64);
            if owner != 2 {
                assert_eq!(now, owner, "key {k} moved although its node stayed");
            } else {
                assert_ne!(now, 2);
            }
        }
    }

    #[test]
    fn successors_are_distinct() {
        let ring = HashRing::new(3, 20).unwrap();
        let s = ring.successors(42, 5);
        assert_eq!(s.len(), 3);
        assert_eq!(s[0], ring.node_for(42));
        let mut sorted = s.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 3);
    }

    #[test]
    fn jump_hash_stays_in_range_and_only_moves_to_the_new_bucket() {
        for key in 0..5_000u64 {
            let a = jump_hash(key, 10);
            let b = jump_hash(key, 11);
            assert!(a < 10 && b < 11);
            assert!(b == a || b == 10, "key {key}: {a} → {b}");
        }
        assert_eq!(jump_hash(7, 1), 0);
    }

    #[test]
    fn bad_configurations_are_errors() {
        assert!(
            HashRing::new(0, 10)
                .unwrap_err()
                .to_string()
                .contains("`nodes` = 0")
        );
        assert!(HashRing::new(3, 0).is_err());
        let mut ring = HashRing::new(1, 3).unwrap();
        assert!(
            ring.add_node(0)
                .unwrap_err()
                .to_string()
                .contains("already")
        );
        assert!(
            ring.remove_node(9)
                .unwrap_err()
                .to_string()
                .contains("not on the ring")
        );
        assert!(
            ring.remove_node(0)
                .unwrap_err()
                .to_string()
                .contains("last node")
        );
        assert_ne!(hash_str("user:1"), hash_str("user:2"));
    }
}
