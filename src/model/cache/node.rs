//! One cache server: a bounded store with an eviction policy, an optional TTL (with
//! jitter), leases against stampedes and stale sets, early refresh, and dirty entries for
//! write-back.
//!
//! The cache never talks to the database. It holds *versions* of the data (the caller's
//! database numbers its writes 1, 2, 3, ... per key), so a caller can tell a stale read
//! (the cache returned version 4 while the database has 5) from a fresh one.

use super::store::{Entry, Eviction, KeyMap, Store};
use crate::error::{Error, Result, at_least_one, positive};
use crate::sim::SimRng;

/// A permission to fill one key, handed out with a miss (memcache's lease). A later
/// [`Cache::put`] with it is refused if the key was invalidated meanwhile, so a slow
/// reader cannot put back data older than a write it raced with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lease(u64);

/// The answer of [`Cache::get`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lookup {
    /// The key is cached.
    Hit {
        /// The version of the data the cache holds.
        version: u64,
        /// When that data was put in the cache.
        fetched_at: f64,
        /// Early refresh: this request is the one that should fetch the data again in the
        /// background and `put` it with this lease (the others keep hitting meanwhile).
        refresh: Option<Lease>,
    },
    /// The key is not cached (or had expired): read the database, then `put`.
    Miss {
        /// With leases on: the permission to fill the key (pass it to `put`).
        lease: Option<Lease>,
        /// Whether the key was cached but had expired.
        expired: bool,
    },
    /// With leases on: another request is already filling this key. Wait for it (or
    /// retry shortly) instead of reading the database too.
    Wait,
}

/// The answer of [`Cache::put`] and [`Cache::write_back`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Put {
    /// The value is cached; `evicted` is the entry that made room, if any.
    Stored {
        /// The entry evicted to make room (a dirty one must be written to the database).
        evicted: Option<Evicted>,
    },
    /// Refused: the lease was invalidated by a write (or a newer put), or the cached entry
    /// is dirty (newer than the database).
    Rejected,
    /// Refused by the eviction policy's admission (LFU: requested too rarely).
    NotAdmitted,
}

/// An entry that left the cache to make room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evicted {
    /// Its key.
    pub key: u64,
    /// The version it held.
    pub version: u64,
    /// Whether it held a write not yet in the database (write-back).
    pub dirty: bool,
}

/// What a cache has counted since it was built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheStats {
    /// Lookups (`hits + misses + waits`).
    pub gets: u64,
    /// Lookups that found the key.
    pub hits: u64,
    /// Lookups that did not (including expired entries).
    pub misses: u64,
    /// Misses on an entry that had expired.
    pub expired: u64,
    /// Lookups told to wait for another request's fill (leases).
    pub waits: u64,
    /// Early refreshes handed out.
    pub refreshes: u64,
    /// Values stored by `put` or `write_back`.
    pub stored: u64,
    /// Puts refused because their lease was invalidated or the entry was dirty.
    pub rejected: u64,
    /// Puts refused by LFU admission.
    pub not_admitted: u64,
    /// Entries evicted to make room.
    pub evictions: u64,
    /// Keys removed by `invalidate`.
    pub invalidations: u64,
}

impl CacheStats {
    /// hits / gets (0 if nothing was asked).
    pub fn hit_ratio(&self) -> f64 {
        if self.gets == 0 {
            0.0
        } else {
            self.hits as f64 / self.gets as f64
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Pending {
    token: u64,
    issued: f64,
}

const NO_LEASE: Pending = Pending {
    token: 0,
    issued: 0.0,
};

/// One cache server (see the [module docs](super)).
#[derive(Debug, Clone)]
pub struct Cache {
    store: Store,
    ttl: Option<f64>,
    jitter: f64,
    leases: bool,
    lease_timeout: f64,
    early_refresh: Option<f64>,
    pending: KeyMap<Pending>,
    next_token: u64,
    dirty: u64,
    stats: CacheStats,
}

impl Cache {
    /// A cache of `capacity` entries (1 to 2^32 − 2) evicting by `eviction`, without TTL
    /// or leases.
    pub fn new(capacity: usize, eviction: Eviction) -> Result<Self> {
        if capacity as u64 >= u32::MAX as u64 {
            return Err(Error::param(
                "capacity",
                capacity,
                format!("at most {} entries", u32::MAX - 1),
            ));
        }
        Ok(Cache {
            store: Store::new(at_least_one("capacity", capacity)?, eviction),
            ttl: None,
            jitter: 0.0,
            leases: false,
            lease_timeout: 10.0,
            early_refresh: None,
            pending: KeyMap::new(NO_LEASE),
            next_token: 1,
            dirty: 0,
            stats: CacheStats::default(),
        })
    }

    /// Entries expire `ttl` > 0 seconds after they were put.
    pub fn ttl(mut self, ttl: f64) -> Result<Self> {
        self.ttl = Some(positive("ttl", ttl)?);
        Ok(self)
    }

    /// Each entry's TTL is drawn uniformly from `ttl × [1 − jitter, 1 + jitter]`
    /// (`jitter` in [0, 1)), so keys filled together do not expire together.
    pub fn ttl_jitter(mut self, jitter: f64) -> Result<Self> {
        if !(0.0..1.0).contains(&jitter) {
            return Err(Error::param("ttl_jitter", jitter, "a fraction in [0, 1)"));
        }
        self.jitter = jitter;
        Ok(self)
    }

    /// Leases (memcache, NSDI 2013): the first miss on a key gets a lease and fills it;
    /// the others get [`Lookup::Wait`] until the fill or until the lease times out; an
    /// invalidation voids the lease, so a stale fill is refused.
    pub fn leases(mut self, on: bool) -> Self {
        self.leases = on;
        self
    }

    /// How long a lease blocks other fillers if its holder never puts (default 10 s).
    pub fn lease_timeout(mut self, seconds: f64) -> Result<Self> {
        self.lease_timeout = positive("lease_timeout", seconds)?;
        Ok(self)
    }

    /// Early refresh: the first hit in the last `ahead` seconds of an entry's life is
    /// asked to refresh it (with a lease), so a hot key is renewed before it expires.
    /// Needs a TTL.
    pub fn early_refresh(mut self, ahead: f64) -> Result<Self> {
        if self.ttl.is_none() {
            return Err(Error::InvalidConfig(
                "early_refresh needs a ttl: set .ttl(...) first".into(),
            ));
        }
        self.early_refresh = Some(positive("early_refresh", ahead)?);
        Ok(self)
    }

    /// The capacity in entries.
    pub fn capacity(&self) -> usize {
        self.store.capacity()
    }

    /// The eviction policy.
    pub fn eviction(&self) -> Eviction {
        self.store.policy()
    }

    /// Entries cached now (expired ones count until they are found or evicted).
    pub fn len(&self) -> usize {
        self.store.len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.store.len() == 0
    }

    /// Entries holding writes not yet in the database (write-back).
    pub fn dirty(&self) -> u64 {
        self.dirty
    }

    /// The counts so far.
    pub fn stats(&self) -> CacheStats {
        self.stats
    }

    /// The cached version of `key`, without counting a lookup or touching the entry
    /// (expired entries included).
    pub fn peek(&self, key: u64) -> Option<u64> {
        self.store.slot(key).map(|s| self.store.entry(s).version)
    }

    /// Looks `key` up at `now`.
    #[inline]
    pub fn get(&mut self, key: u64, now: f64) -> Lookup {
        self.stats.gets += 1;
        self.store.count_request(key);
        let mut expired = false;
        if let Some(slot) = self.store.slot(key) {
            let e = *self.store.entry(slot);
            // A dirty entry holds the only copy of a write: it never expires.
            if now < e.expires_at || e.dirty {
                self.store.touch(slot);
                self.stats.hits += 1;
                let refresh = match self.early_refresh {
                    Some(ahead)
                        if !e.dirty
                            && now >= e.expires_at - ahead
                            && !self.lease_live(key, now) =>
                    {
                        self.stats.refreshes += 1;
                        Some(self.issue(key, now))
                    }
                    _ => None,
                };
                return Lookup::Hit {
                    version: e.version,
                    fetched_at: e.fetched_at,
                    refresh,
                };
            }
            self.store.remove(slot);
            expired = true;
        }
        if self.leases && self.lease_live(key, now) {
            self.stats.waits += 1;
            return Lookup::Wait;
        }
        self.stats.misses += 1;
        self.stats.expired += expired as u64;
        let lease = self.leases.then(|| self.issue(key, now));
        Lookup::Miss { lease, expired }
    }

    /// Puts `version` of `key` (read from the database) at `now`. With a lease, the put
    /// is refused if the lease was voided; without one, it voids any outstanding lease
    /// (its holder's data is older). A put never overwrites a dirty entry.
    pub fn put(
        &mut self,
        key: u64,
        version: u64,
        now: f64,
        lease: Option<Lease>,
        rng: &mut SimRng,
    ) -> Put {
        if let Some(Lease(token)) = lease
            && self.pending.get(key).token != token
        {
            self.stats.rejected += 1;
            return Put::Rejected;
        }
        self.pending.set(key, NO_LEASE);
        if let Some(slot) = self.store.slot(key) {
            if self.store.entry(slot).dirty {
                self.stats.rejected += 1;
                return Put::Rejected;
            }
            self.overwrite(slot, version, now, false, rng);
            return Put::Stored { evicted: None };
        }
        if !self.store.admits(key) {
            self.stats.not_admitted += 1;
            return Put::NotAdmitted;
        }
        self.insert(key, version, now, false, rng)
    }

    /// Write-back: `version` of `key` is written to the cache only and marked dirty (the
    /// caller writes it to the database later, then calls [`clean`](Self::clean)).
    /// Always stored; voids outstanding leases.
    pub fn write_back(&mut self, key: u64, version: u64, now: f64, rng: &mut SimRng) -> Put {
        self.pending.set(key, NO_LEASE);
        if let Some(slot) = self.store.slot(key) {
            self.overwrite(slot, version, now, true, rng);
            return Put::Stored { evicted: None };
        }
        self.insert(key, version, now, true, rng)
    }

    /// The dirty entry of `key` reached the database up to `version`: if the cache still
    /// holds that version, it is clean now. Returns whether it was marked clean.
    pub fn clean(&mut self, key: u64, version: u64) -> bool {
        match self.store.slot(key) {
            Some(slot)
                if self.store.entry(slot).dirty && self.store.entry(slot).version == version =>
            {
                self.store.entry_mut(slot).dirty = false;
                self.dirty -= 1;
                true
            }
            _ => false,
        }
    }

    /// Removes `key` (after a write to the database) and voids any lease on it. A dirty
    /// entry is not removed (it is newer than the database). Returns whether an entry went.
    pub fn invalidate(&mut self, key: u64) -> bool {
        self.pending.set(key, NO_LEASE);
        match self.store.slot(key) {
            Some(slot) if !self.store.entry(slot).dirty => {
                self.store.remove(slot);
                self.stats.invalidations += 1;
                true
            }
            _ => false,
        }
    }

    /// The server restarts empty (a crash): returns how many dirty entries (writes never
    /// written to the database) were lost.
    pub fn clear(&mut self) -> u64 {
        self.pending.clear();
        self.dirty = 0;
        self.store.clear()
    }

    fn lease_live(&self, key: u64, now: f64) -> bool {
        let p = self.pending.get(key);
        p.token != 0 && now - p.issued < self.lease_timeout
    }

    fn issue(&mut self, key: u64, now: f64) -> Lease {
        let token = self.next_token;
        self.next_token += 1;
        self.pending.set(key, Pending { token, issued: now });
        Lease(token)
    }

    fn expiry(&self, now: f64, rng: &mut SimRng) -> f64 {
        match self.ttl {
            None => f64::INFINITY,
            Some(ttl) if self.jitter > 0.0 => {
                now + ttl * (1.0 + self.jitter * (2.0 * rng.uniform() - 1.0))
            }
            Some(ttl) => now + ttl,
        }
    }

    fn overwrite(&mut self, slot: usize, version: u64, now: f64, dirty: bool, rng: &mut SimRng) {
        let expires_at = self.expiry(now, rng);
        let e = self.store.entry_mut(slot);
        let was_dirty = e.dirty;
        e.version = version;
        e.fetched_at = now;
        e.expires_at = expires_at;
        e.dirty = dirty;
        self.dirty = self.dirty + dirty as u64 - was_dirty as u64;
        self.store.touch(slot);
        self.stats.stored += 1;
    }

    fn insert(&mut self, key: u64, version: u64, now: f64, dirty: bool, rng: &mut SimRng) -> Put {
        let expires_at = self.expiry(now, rng);
        let evicted = self
            .store
            .insert(Entry::new(key, version, now, expires_at, dirty), rng)
            .map(|e| {
                self.stats.evictions += 1;
                self.dirty -= e.dirty as u64;
                Evicted {
                    key: e.key,
                    version: e.version,
                    dirty: e.dirty,
                }
            });
        self.dirty += dirty as u64;
        self.stats.stored += 1;
        Put::Stored { evicted }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rng() -> SimRng {
        SimRng::new(1)
    }

    #[test]
    fn miss_put_hit_and_ttl_expiry() {
        let mut r = rng();
        let mut c = Cache::new(10, Eviction::Lru).unwrap().ttl(5.0).unwrap();
        assert_eq!(
            c.get(1, 0.0),
            Lookup::Miss {
                lease: None,
                expired: false
            }
        );
        assert!(matches!(
            c.put(1, 3, 0.0, None, &mut r),
            Put::Stored { evicted: None }
        ));
        assert_eq!(
            c.get(1, 4.9),
            Lookup::Hit {
                version: 3,
                fetched_at: 0.0,
                refresh: None
            }
        );
        assert_eq!(
            c.get(1, 5.0),
            Lookup::Miss {
                lease: None,
                expired: true
            }
        );
        let s = c.stats();
        assert_eq!((s.gets, s.hits, s.misses, s.expired), (3, 1, 2, 1));
        assert!((s.hit_ratio() - 1.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn concurrent_misses_stampede_without_leases_and_wait_with_them() {
        let mut r = rng();
        // Without leases, k = 5 requests that arrive before the fill all miss.
        let mut plain = Cache::new(10, Eviction::Lru).unwrap();
        let misses = (0..5)
            .filter(|&i| matches!(plain.get(7, i as f64 * 0.001), Lookup::Miss { .. }))
            .count();
        assert_eq!(misses, 5);
        // With leases, one miss holds the lease and the other four wait.
        let mut leased = Cache::new(10, Eviction::Lru).unwrap().leases(true);
        let answers: Vec<Lookup> = (0..5).map(|i| leased.get(7, i as f64 * 0.001)).collect();
        let lease = match answers[0] {
            Lookup::Miss { lease: Some(l), .. } => l,
            other => panic!("expected a lease, got {other:?}"),
        };
        assert!(answers[1..].iter().all(|a| *a == Lookup::Wait));
        assert!(matches!(
            leased.put(7, 1, 0.01, Some(lease), &mut r),
            Put::Stored { .. }
        ));
        assert!(matches!(
            leased.get(7, 0.02),
            Lookup::Hit { version: 1, .. }
        ));
        assert_eq!((leased.stats().misses, leased.stats().waits), (1, 4));
    }

    #[test]
    fn an_invalidation_voids_the_lease_so_a_stale_fill_is_refused() {
        let mut r = rng();
        let mut c = Cache::new(10, Eviction::Lru).unwrap().leases(true);
        let Lookup::Miss {
            lease: Some(old), ..
        } = c.get(1, 0.0)
        else {
            panic!("lease expected")
        };
        // A writer updates the database to version 2 and invalidates the key.
        c.invalidate(1);
        assert_eq!(c.put(1, 1, 0.5, Some(old), &mut r), Put::Rejected);
        assert_eq!(c.peek(1), None);
        assert_eq!(c.stats().rejected, 1);
    }

    #[test]
    fn a_lease_times_out_if_its_holder_never_fills() {
        let mut c = Cache::new(10, Eviction::Lru)
            .unwrap()
            .leases(true)
            .lease_timeout(2.0)
            .unwrap();
        assert!(matches!(c.get(1, 0.0), Lookup::Miss { lease: Some(_), .. }));
        assert_eq!(c.get(1, 1.0), Lookup::Wait);
        assert!(matches!(c.get(1, 2.5), Lookup::Miss { lease: Some(_), .. }));
    }

    #[test]
    fn early_refresh_hands_out_one_refresh() {
        let mut r = rng();
        let mut c = Cache::new(10, Eviction::Lru)
            .unwrap()
            .ttl(10.0)
            .unwrap()
            .early_refresh(2.0)
            .unwrap();
        c.put(1, 1, 0.0, None, &mut r);
        assert!(matches!(c.get(1, 7.0), Lookup::Hit { refresh: None, .. }));
        let Lookup::Hit {
            refresh: Some(lease),
            ..
        } = c.get(1, 8.5)
        else {
            panic!("refresh expected")
        };
        assert!(
            matches!(c.get(1, 8.6), Lookup::Hit { refresh: None, .. }),
            "only one refresher"
        );
        assert!(matches!(
            c.put(1, 2, 9.0, Some(lease), &mut r),
            Put::Stored { .. }
        ));
        assert_eq!(
            c.get(1, 15.0),
            Lookup::Hit {
                version: 2,
                fetched_at: 9.0,
                refresh: None
            }
        );
        assert!(
            Cache::new(1, Eviction::Lru)
                .unwrap()
                .early_refresh(1.0)
                .is_err(),
            "needs a ttl"
        );
    }

    #[test]
    fn jitter_spreads_expiry_within_bounds() {
        let mut r = rng();
        let mut c = Cache::new(1000, Eviction::Lru)
            .unwrap()
            .ttl(100.0)
            .unwrap()
            .ttl_jitter(0.2)
            .unwrap();
        for k in 0..1000 {
            c.put(k, 1, 0.0, None, &mut r);
        }
        // Expiry uniform on [80, 120]: at t = 100 about half have expired (binomial
        // sd ≈ 16; 5 sd allowed); none before 80, all by 120.
        let expired_at = |c: &Cache, t: f64| {
            (0..1000)
                .filter(|&k| matches!(c.clone().get(k, t), Lookup::Miss { .. }))
                .count() as i64
        };
        assert_eq!(expired_at(&c, 79.9), 0);
        assert!((expired_at(&c, 100.0) - 500).abs() < 80);
        assert_eq!(expired_at(&c, 120.0), 1000);
        assert!(
            Cache::new(1, Eviction::Lru)
                .unwrap()
                .ttl_jitter(1.0)
                .is_err()
        );
    }

    #[test]
    fn write_back_keeps_dirty_entries_until_cleaned() {
        let mut r = rng();
        let mut c = Cache::new(2, Eviction::Lru).unwrap().ttl(1.0).unwrap();
        c.write_back(1, 5, 0.0, &mut r);
        assert_eq!(c.dirty(), 1);
        assert!(
            matches!(c.get(1, 3.0), Lookup::Hit { version: 5, .. }),
            "dirty entries do not expire"
        );
        assert_eq!(
            c.put(1, 4, 3.0, None, &mut r),
            Put::Rejected,
            "a fill never overwrites a write"
        );
        assert!(!c.invalidate(1));
        c.write_back(1, 6, 3.5, &mut r);
        assert!(!c.clean(1, 5), "version 6 is not in the database yet");
        assert!(c.clean(1, 6));
        assert_eq!(c.dirty(), 0);
        c.write_back(2, 1, 4.0, &mut r);
        c.write_back(3, 1, 4.0, &mut r);
        // Key 1 (clean, least recent) was evicted; now a dirty one goes.
        let Put::Stored { evicted: Some(ev) } = c.write_back(4, 1, 4.0, &mut r) else {
            panic!("eviction expected")
        };
        assert_eq!(
            ev,
            Evicted {
                key: 2,
                version: 1,
                dirty: true
            }
        );
        assert_eq!(c.clear(), 2, "two dirty entries lost in a crash");
        assert!(c.is_empty());
    }

    #[test]
    fn invalid_configurations_are_errors() {
        assert_eq!(
            Cache::new(0, Eviction::Lru).unwrap_err().to_string(),
            "invalid parameter `capacity` = 0: must be at least 1"
        );
        assert!(Cache::new(1, Eviction::Lfu).unwrap().ttl(0.0).is_err());
        assert!(Cache::new(1, Eviction::Lfu).unwrap().ttl(f64::NAN).is_err());
        assert!(
            Cache::new(1, Eviction::Lfu)
                .unwrap()
                .lease_timeout(-1.0)
                .is_err()
        );
    }
}
