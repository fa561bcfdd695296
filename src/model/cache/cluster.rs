//! A distributed cache: several cache servers, each key placed on one of them (and on
//! `replicas − 1` more, if asked) by consistent hashing or by `hash % N`.
//!
//! The author's question "how is data synchronised between distributed caches?" has a
//! plain answer: usually it is not. Each key lives on one server, chosen from the key, so
//! there is nothing to synchronise — every client computes the same owner. What must be
//! kept consistent is the *placement*: when a server fails or joins, keys change owner
//! and their new owners start cold. With `hash % N`, removing one of N servers moves
//! nearly every key (a miss storm on the whole key space); with a ring only the failed
//! server's keys move. Copies on `replicas` servers keep hits going through a failure,
//! at the price of memory and of invalidating every copy on a write.

use super::node::{Cache, Lookup};
use crate::error::{Error, Result, at_least_one};
use crate::model::hashing::{HashRing, hash_u64};
use crate::sim::SimRng;

/// How keys are placed on the servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// `hash(key) % N` over the servers in the membership.
    ModN,
    /// A consistent-hash ring with `vnodes` virtual nodes per server.
    Ring {
        /// Virtual nodes per server (≥ 1).
        vnodes: usize,
    },
}

/// The answer of [`CacheCluster::get`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Routed {
    /// Server `node` answered.
    Answered {
        /// The server asked.
        node: u32,
        /// Its answer.
        lookup: Lookup,
    },
    /// Every server holding the key is down but still in the membership (the failure is
    /// not detected yet): the request times out on the cache and goes to the database.
    Down {
        /// The server that should have answered.
        node: u32,
    },
}

/// A cluster of cache servers `0..n` (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct CacheCluster {
    caches: Vec<Cache>,
    up: Vec<bool>,
    /// Servers clients route to, in increasing id order.
    members: Vec<u32>,
    placement: Placement,
    ring: Option<HashRing>,
    replicas: usize,
    owners: Vec<u32>,
}

impl CacheCluster {
    /// `nodes` ≥ 1 servers, each a clone of `template` (capacity, eviction, TTL, ...),
    /// each key on `replicas` (1..=nodes) of them.
    pub fn new(
        nodes: usize,
        template: &Cache,
        placement: Placement,
        replicas: usize,
    ) -> Result<Self> {
        at_least_one("nodes", nodes)?;
        at_least_one("replicas", replicas)?;
        if replicas > nodes {
            return Err(Error::param(
                "replicas",
                replicas,
                format!("at most the number of nodes ({nodes})"),
            ));
        }
        let ring = match placement {
            Placement::Ring { vnodes } => Some(HashRing::new(nodes, vnodes)?),
            Placement::ModN => None,
        };
        Ok(CacheCluster {
            caches: vec![template.clone(); nodes],
            up: vec![true; nodes],
            members: (0..nodes as u32).collect(),
            placement,
            ring,
            replicas,
            owners: Vec::with_capacity(replicas),
        })
    }

    /// The number of servers (up or down).
    pub fn nodes(&self) -> usize {
        self.caches.len()
    }

    /// The servers clients route to now.
    pub fn members(&self) -> &[u32] {
        &self.members
    }

    /// The placement.
    pub fn placement(&self) -> Placement {
        self.placement
    }

    /// Server `node`'s cache (for its statistics).
    pub fn node(&self, node: u32) -> &Cache {
        &self.caches[node as usize]
    }

    /// Whether server `node` is up.
    pub fn is_up(&self, node: u32) -> bool {
        self.up[node as usize]
    }

    /// The servers that hold `key` under the current membership, owner first.
    pub fn owners(&self, key: u64) -> Vec<u32> {
        let mut out = Vec::with_capacity(self.replicas);
        self.owners_into(key, &mut out);
        out
    }

    fn owners_into(&self, key: u64, out: &mut Vec<u32>) {
        out.clear();
        let n = self.members.len();
        let r = self.replicas.min(n);
        match &self.ring {
            Some(ring) if r == 1 => out.push(ring.node_for(key)),
            Some(ring) => out.extend(ring.successors(key, r)),
            None => {
                let first = (hash_u64(key) % n as u64) as usize;
                out.extend((0..r).map(|j| self.members[(first + j) % n]));
            }
        }
    }

    /// Looks `key` up on the first of its servers that is up.
    pub fn get(&mut self, key: u64, now: f64) -> Routed {
        let mut owners = std::mem::take(&mut self.owners);
        self.owners_into(key, &mut owners);
        let answer = match owners.iter().find(|&&n| self.up[n as usize]) {
            Some(&node) => Routed::Answered {
                node,
                lookup: self.caches[node as usize].get(key, now),
            },
            None => Routed::Down { node: owners[0] },
        };
        self.owners = owners;
        answer
    }

    /// Puts `version` of `key` on every server of the key that is up; returns how many
    /// stored it.
    pub fn put(&mut self, key: u64, version: u64, now: f64, rng: &mut SimRng) -> usize {
        let mut owners = std::mem::take(&mut self.owners);
        self.owners_into(key, &mut owners);
        let mut stored = 0;
        for &n in &owners {
            if self.up[n as usize]
                && matches!(
                    self.caches[n as usize].put(key, version, now, None, rng),
                    super::Put::Stored { .. }
                )
            {
                stored += 1;
            }
        }
        self.owners = owners;
        stored
    }

    /// Removes `key` from every server of the key (after a write): a copy left behind
    /// would serve stale data.
    pub fn invalidate(&mut self, key: u64) {
        let mut owners = std::mem::take(&mut self.owners);
        self.owners_into(key, &mut owners);
        for &n in &owners {
            self.caches[n as usize].invalidate(key);
        }
        self.owners = owners;
    }

    /// Server `node` crashes: it loses its contents and stops answering, but clients keep
    /// routing to it until it is [removed](Self::remove).
    pub fn fail(&mut self, node: u32) -> Result<()> {
        self.check(node)?;
        self.up[node as usize] = false;
        self.caches[node as usize].clear();
        Ok(())
    }

    /// The failure of `node` is detected: it leaves the membership and its keys move to
    /// other servers (cold). An error if it is not a member or is the last one.
    pub fn remove(&mut self, node: u32) -> Result<()> {
        self.check(node)?;
        let at = self
            .members
            .binary_search(&node)
            .map_err(|_| Error::InvalidConfig(format!("cache node {node} is not a member")))?;
        if self.members.len() == 1 {
            return Err(Error::InvalidConfig(
                "cannot remove the last cache node".into(),
            ));
        }
        if let Some(ring) = &mut self.ring {
            ring.remove_node(node)?;
        }
        self.members.remove(at);
        Ok(())
    }

    /// Server `node` comes back empty and rejoins the membership (if it had left).
    pub fn recover(&mut self, node: u32) -> Result<()> {
        self.check(node)?;
        self.up[node as usize] = true;
        if let Err(at) = self.members.binary_search(&node) {
            if let Some(ring) = &mut self.ring {
                ring.add_node(node)?;
            }
            self.members.insert(at, node);
        }
        Ok(())
    }

    fn check(&self, node: u32) -> Result<()> {
        if (node as usize) < self.caches.len() {
            Ok(())
        } else {
            Err(Error::param(
                "node",
                node,
                format!("a cache node id below {}", self.caches.len()),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::cache::Eviction;

    fn cluster(placement: Placement, replicas: usize) -> CacheCluster {
        let template = Cache::new(100_000, Eviction::Lru).unwrap();
        CacheCluster::new(4, &template, placement, replicas).unwrap()
    }

    fn moved(placement: Placement) -> f64 {
        let mut c = cluster(placement, 1);
        let before: Vec<u32> = (0..10_000).map(|k| c.owners(k)[0]).collect();
        c.remove(3).unwrap();
        before
            .iter()
            .enumerate()
            .filter(|&(k, &o)| c.owners(k as u64)[0] != o)
            .count() as f64
            / 10_000.0
    }

    #[test]
    fn removing_a_node_moves_a_quarter_of_keys_on_a_ring_and_most_with_mod_n() {
        // Ring: only node 3's keys (≈ 1/4, its share of the ring) move. mod-N from 4 to 3
        // nodes: a key stays iff h mod 4 = h mod 3 → 3/12 stay, 3/4 move.
        let ring = moved(Placement::Ring { vnodes: 200 });
        let modn = moved(Placement::ModN);
        assert!((ring - 0.25).abs() < 0.05, "{ring}");
        assert!((modn - 0.75).abs() < 0.03, "{modn}");
    }

    #[test]
    fn a_failed_node_answers_down_until_removed_and_replicas_keep_hits() {
        let mut rng = SimRng::new(1);
        for replicas in [1, 2] {
            let mut c = cluster(Placement::Ring { vnodes: 50 }, replicas);
            let key = (0..).find(|&k| c.owners(k)[0] == 1).unwrap();
            assert_eq!(c.put(key, 1, 0.0, &mut rng), replicas);
            c.fail(1).unwrap();
            match (replicas, c.get(key, 1.0)) {
                (1, Routed::Down { node }) => assert_eq!(node, 1),
                (
                    2,
                    Routed::Answered {
                        lookup: Lookup::Hit { version: 1, .. },
                        node,
                    },
                ) => assert_ne!(node, 1),
                (_, other) => panic!("replicas {replicas}: {other:?}"),
            }
            c.remove(1).unwrap();
            assert!(!c.owners(key).contains(&1));
            c.recover(1).unwrap();
            assert_eq!(c.members(), &[0, 1, 2, 3]);
        }
    }

    #[test]
    fn invalidation_reaches_every_copy() {
        let mut rng = SimRng::new(1);
        let mut c = cluster(Placement::ModN, 3);
        c.put(5, 1, 0.0, &mut rng);
        let owners = c.owners(5);
        assert_eq!(owners.len(), 3);
        c.invalidate(5);
        assert!(owners.iter().all(|&n| c.node(n).peek(5).is_none()));
    }

    #[test]
    fn bad_configurations_are_errors() {
        let t = Cache::new(10, Eviction::Lru).unwrap();
        assert!(CacheCluster::new(0, &t, Placement::ModN, 1).is_err());
        assert!(
            CacheCluster::new(2, &t, Placement::ModN, 3)
                .unwrap_err()
                .to_string()
                .contains("replicas")
        );
        assert!(CacheCluster::new(2, &t, Placement::Ring { vnodes: 0 }, 1).is_err());
        let mut c = CacheCluster::new(1, &t, Placement::ModN, 1).unwrap();
        assert!(c.remove(0).unwrap_err().to_string().contains("last"));
        assert!(c.fail(7).unwrap_err().to_string().contains("node"));
    }
}
