//! The slots of one cache and its eviction policy, every operation O(1) (LFU: O(log n)).
//!
//! Entries live in a dense `Vec` (a slab without holes: removing an entry moves the last
//! one into its place), found through a key index. LRU and FIFO keep an intrusive doubly
//! linked list through the slab (newest at the head, the victim at the tail); random
//! eviction picks a uniform slot; LFU keeps the entries ordered by (count, last use).

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use crate::sim::SimRng;

/// "No slot" in links and in the key index.
const NIL: u32 = u32::MAX;

/// Keys below this are indexed by a `Vec` (dense keys such as `Zipf`'s `0..n`); larger
/// ones by a hash map that is only looked up, never iterated.
const DENSE_KEYS: u64 = 1 << 22;

/// A map from `u64` keys to small `Copy` values, where `empty` means "absent".
#[derive(Debug, Clone)]
pub(crate) struct KeyMap<V> {
    empty: V,
    dense: Vec<V>,
    sparse: HashMap<u64, V>,
}

impl<V: Copy + PartialEq> KeyMap<V> {
    pub(crate) fn new(empty: V) -> Self {
        KeyMap {
            empty,
            dense: Vec::new(),
            sparse: HashMap::new(),
        }
    }

    #[inline]
    pub(crate) fn get(&self, key: u64) -> V {
        if key < DENSE_KEYS {
            self.dense.get(key as usize).copied().unwrap_or(self.empty)
        } else {
            self.sparse.get(&key).copied().unwrap_or(self.empty)
        }
    }

    #[inline]
    pub(crate) fn set(&mut self, key: u64, value: V) {
        if key < DENSE_KEYS {
            let i = key as usize;
            if i >= self.dense.len() {
                if value == self.empty {
                    return;
                }
                self.dense.resize(i + 1, self.empty);
            }
            self.dense[i] = value;
        } else if value == self.empty {
            self.sparse.remove(&key);
        } else {
            self.sparse.insert(key, value);
        }
    }

    pub(crate) fn clear(&mut self) {
        self.dense.clear();
        self.sparse.clear();
    }
}

/// Which entry a full cache gives up to make room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Eviction {
    /// Least recently used: the entry whose last use is the oldest.
    Lru,
    /// Least frequently used: the entry requested least often. Counts are kept for every
    /// key ever requested, also after eviction ("perfect" LFU; real caches such as
    /// Caffeine approximate them with a small sketch), and a newcomer is only admitted if
    /// it has been requested at least as often as the weakest entry. Ties go to the least
    /// recently used.
    Lfu,
    /// First in, first out: the oldest insertion, whatever its use since.
    Fifo,
    /// A uniformly random entry.
    Random,
}

impl Eviction {
    /// All four policies, in a fixed order (for sweeps and tables).
    pub const ALL: [Eviction; 4] = [
        Eviction::Lru,
        Eviction::Lfu,
        Eviction::Fifo,
        Eviction::Random,
    ];

    /// The policy's short name ("LRU", ...).
    pub fn name(self) -> &'static str {
        match self {
            Eviction::Lru => "LRU",
            Eviction::Lfu => "LFU",
            Eviction::Fifo => "FIFO",
            Eviction::Random => "Random",
        }
    }

    fn linked(self) -> bool {
        matches!(self, Eviction::Lru | Eviction::Fifo)
    }
}

impl fmt::Display for Eviction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One cached value: the version of the data it holds, and when it expires.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Entry {
    pub key: u64,
    pub version: u64,
    pub fetched_at: f64,
    pub expires_at: f64,
    pub dirty: bool,
    prev: u32,
    next: u32,
    /// LFU rank: (count, last use).
    rank: (u64, u64),
}

impl Entry {
    pub(crate) fn new(
        key: u64,
        version: u64,
        fetched_at: f64,
        expires_at: f64,
        dirty: bool,
    ) -> Self {
        Entry {
            key,
            version,
            fetched_at,
            expires_at,
            dirty,
            prev: NIL,
            next: NIL,
            rank: (0, 0),
        }
    }
}

/// `capacity` slots under one eviction policy.
#[derive(Debug, Clone)]
pub(crate) struct Store {
    capacity: usize,
    policy: Eviction,
    entries: Vec<Entry>,
    index: KeyMap<u32>,
    head: u32,
    tail: u32,
    /// LFU: (count, last use, key) of every cached entry, weakest first.
    ranks: BTreeSet<(u64, u64, u64)>,
    /// LFU: requests seen per key, cached or not.
    counts: KeyMap<u64>,
    tick: u64,
}

impl Store {
    /// `capacity` ≥ 1 slots (checked by the caller).
    pub(crate) fn new(capacity: usize, policy: Eviction) -> Self {
        Store {
            capacity,
            policy,
            entries: Vec::with_capacity(capacity.min(1 << 20)),
            index: KeyMap::new(NIL),
            head: NIL,
            tail: NIL,
            ranks: BTreeSet::new(),
            counts: KeyMap::new(0),
            tick: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    pub(crate) fn policy(&self) -> Eviction {
        self.policy
    }

    #[inline]
    pub(crate) fn slot(&self, key: u64) -> Option<usize> {
        let s = self.index.get(key);
        (s != NIL).then_some(s as usize)
    }

    #[inline]
    pub(crate) fn entry(&self, slot: usize) -> &Entry {
        &self.entries[slot]
    }

    #[inline]
    pub(crate) fn entry_mut(&mut self, slot: usize) -> &mut Entry {
        &mut self.entries[slot]
    }

    /// A request for `key` (hit or miss): LFU counts it.
    #[inline]
    pub(crate) fn count_request(&mut self, key: u64) {
        if self.policy == Eviction::Lfu {
            self.counts.set(key, self.counts.get(key) + 1);
        }
    }

    /// The entry in `slot` was used: LRU moves it to the head, LFU re-ranks it.
    #[inline]
    pub(crate) fn touch(&mut self, slot: usize) {
        match self.policy {
            Eviction::Lru => {
                self.unlink(slot as u32);
                self.push_front(slot as u32);
            }
            Eviction::Lfu => {
                let e = &self.entries[slot];
                self.ranks.remove(&(e.rank.0, e.rank.1, e.key));
                self.tick += 1;
                let rank = (self.counts.get(e.key), self.tick);
                self.ranks.insert((rank.0, rank.1, e.key));
                self.entries[slot].rank = rank;
            }
            Eviction::Fifo | Eviction::Random => {}
        }
    }

    /// Whether a new `key` may come in (LFU refuses a newcomer requested less often than
    /// every cached entry; the other policies admit everything).
    #[inline]
    pub(crate) fn admits(&self, key: u64) -> bool {
        if self.policy != Eviction::Lfu || self.entries.len() < self.capacity {
            return true;
        }
        self.ranks
            .first()
            .is_none_or(|weakest| self.counts.get(key) >= weakest.0)
    }

    /// Inserts a key that is not cached, evicting a victim first if the store is full;
    /// returns the victim.
    pub(crate) fn insert(&mut self, mut entry: Entry, rng: &mut SimRng) -> Option<Entry> {
        debug_assert!(self.slot(entry.key).is_none(), "insert of a cached key");
        let evicted = if self.entries.len() >= self.capacity {
            let victim = self.victim(rng);
            Some(self.remove(victim))
        } else {
            None
        };
        let slot = self.entries.len() as u32;
        entry.prev = NIL;
        entry.next = NIL;
        if self.policy == Eviction::Lfu {
            self.tick += 1;
            entry.rank = (self.counts.get(entry.key), self.tick);
            self.ranks.insert((entry.rank.0, entry.rank.1, entry.key));
        }
        self.index.set(entry.key, slot);
        self.entries.push(entry);
        if self.policy.linked() {
            self.push_front(slot);
        }
        evicted
    }

    /// Removes the entry in `slot` and returns it.
    pub(crate) fn remove(&mut self, slot: usize) -> Entry {
        let s = slot as u32;
        if self.policy.linked() {
            self.unlink(s);
        }
        let gone = self.entries[slot];
        if self.policy == Eviction::Lfu {
            self.ranks.remove(&(gone.rank.0, gone.rank.1, gone.key));
        }
        self.index.set(gone.key, NIL);
        let last = self.entries.len() - 1;
        if slot != last {
            // The last entry moves into the hole: repoint its neighbours and its key.
            self.entries.swap(slot, last);
            let moved = self.entries[slot];
            if self.policy.linked() {
                if moved.prev == NIL {
                    self.head = s
                } else {
                    self.entries[moved.prev as usize].next = s
                }
                if moved.next == NIL {
                    self.tail = s
                } else {
                    self.entries[moved.next as usize].prev = s
                }
            }
            self.index.set(moved.key, s);
        }
        self.entries.pop();
        gone
    }

    /// Empties the store and returns how many entries were dirty. LFU keeps its counts
    /// (they describe the workload, not the contents).
    pub(crate) fn clear(&mut self) -> u64 {
        let dirty = self.entries.iter().filter(|e| e.dirty).count() as u64;
        self.entries.clear();
        self.index.clear();
        self.ranks.clear();
        self.head = NIL;
        self.tail = NIL;
        dirty
    }

    #[inline]
    fn victim(&self, rng: &mut SimRng) -> usize {
        match self.policy {
            Eviction::Lru | Eviction::Fifo => self.tail as usize,
            Eviction::Random => rng.index(self.entries.len()),
            Eviction::Lfu => {
                let &(_, _, key) = self.ranks.first().expect("a full store has ranked entries");
                self.index.get(key) as usize
            }
        }
    }

    #[inline]
    fn unlink(&mut self, s: u32) {
        let (prev, next) = (self.entries[s as usize].prev, self.entries[s as usize].next);
        if prev == NIL {
            self.head = next
        } else {
            self.entries[prev as usize].next = next
        }
        if next == NIL {
            self.tail = prev
        } else {
            self.entries[next as usize].prev = prev
        }
        let e = &mut self.entries[s as usize];
        e.prev = NIL;
        e.next = NIL;
    }

    #[inline]
    fn push_front(&mut self, s: u32) {
        let old = self.head;
        {
            let e = &mut self.entries[s as usize];
            e.prev = NIL;
            e.next = old;
        }
        if old == NIL {
            self.tail = s
        } else {
            self.entries[old as usize].prev = s
        }
        self.head = s;
    }

    /// Keys from the head of the list to the tail (LRU/FIFO), for tests.
    #[cfg(test)]
    fn order(&self) -> Vec<u64> {
        let mut out = Vec::new();
        let mut s = self.head;
        while s != NIL {
            out.push(self.entries[s as usize].key);
            s = self.entries[s as usize].next;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(s: &mut Store, key: u64, rng: &mut SimRng) -> Option<u64> {
        s.insert(Entry::new(key, 0, 0.0, f64::INFINITY, false), rng)
            .map(|e| e.key)
    }

    fn get(s: &mut Store, key: u64) -> bool {
        s.count_request(key);
        match s.slot(key) {
            Some(slot) => {
                s.touch(slot);
                true
            }
            None => false,
        }
    }

    #[test]
    fn lru_evicts_the_least_recently_used() {
        let mut rng = SimRng::new(1);
        let mut s = Store::new(3, Eviction::Lru);
        for k in [1, 2, 3] {
            assert_eq!(put(&mut s, k, &mut rng), None);
        }
        assert!(get(&mut s, 1));
        assert_eq!(s.order(), vec![1, 3, 2]);
        assert_eq!(put(&mut s, 4, &mut rng), Some(2));
        assert_eq!(put(&mut s, 5, &mut rng), Some(3));
        assert_eq!(s.order(), vec![5, 4, 1]);
        assert!(!get(&mut s, 2));
    }

    #[test]
    fn fifo_ignores_use() {
        let mut rng = SimRng::new(1);
        let mut s = Store::new(2, Eviction::Fifo);
        put(&mut s, 1, &mut rng);
        put(&mut s, 2, &mut rng);
        assert!(get(&mut s, 1));
        assert_eq!(put(&mut s, 3, &mut rng), Some(1));
    }

    #[test]
    fn lfu_keeps_the_frequent_and_refuses_rare_newcomers() {
        let mut rng = SimRng::new(1);
        let mut s = Store::new(2, Eviction::Lfu);
        for k in [1, 2] {
            get(&mut s, k);
            put(&mut s, k, &mut rng);
        }
        get(&mut s, 1);
        get(&mut s, 1);
        // Key 3 asked once: as often as key 2 (the weakest) → admitted, 2 goes.
        get(&mut s, 3);
        assert!(s.admits(3));
        assert_eq!(put(&mut s, 3, &mut rng), Some(2));
        // Key 3 now has count 1; key 4 never asked (count 0) is refused.
        assert!(!s.admits(4));
        // Key 2 comes back: its count survived eviction (now 2 > 1).
        get(&mut s, 2);
        assert!(s.admits(2));
        assert_eq!(put(&mut s, 2, &mut rng), Some(3));
    }

    #[test]
    fn removal_keeps_links_and_index_consistent() {
        // Random insert/remove/touch against a naive model of LRU order.
        let mut rng = SimRng::new(9);
        let mut s = Store::new(50, Eviction::Lru);
        let mut model: Vec<u64> = Vec::new(); // most recent first
        for _ in 0..20_000 {
            let key = rng.below(80);
            match rng.below(3) {
                0 => {
                    if let Some(slot) = s.slot(key) {
                        s.remove(slot);
                        model.retain(|&k| k != key);
                    }
                }
                _ => {
                    if get(&mut s, key) {
                        model.retain(|&k| k != key);
                        model.insert(0, key);
                    } else {
                        let evicted = put(&mut s, key, &mut rng);
                        if model.len() == 50 {
                            assert_eq!(evicted, model.pop());
                        }
                        model.insert(0, key);
                    }
                }
            }
            assert_eq!(s.len(), model.len());
        }
        assert_eq!(s.order(), model);
        for (slot, e) in s.entries.iter().enumerate() {
            assert_eq!(s.slot(e.key), Some(slot));
        }
    }

    #[test]
    fn random_eviction_is_uniform_and_sparse_keys_work() {
        // 3 slots, the 4th insert evicts one of them: each with probability 1/3.
        // 30 000 trials: binomial sd = √(30000·(1/3)(2/3)) ≈ 82; 5 sd allowed.
        let mut rng = SimRng::new(4);
        let mut counts = [0u32; 3];
        for _ in 0..30_000 {
            let mut s = Store::new(3, Eviction::Random);
            for k in [u64::MAX, 7, 1 << 40] {
                put(&mut s, k, &mut rng);
            }
            let v = put(&mut s, 99, &mut rng).unwrap();
            counts[[u64::MAX, 7, 1 << 40].iter().position(|&k| k == v).unwrap()] += 1;
            assert_eq!(s.slot(99), Some(s.len() - 1));
        }
        for c in counts {
            assert!((c as i64 - 10_000).abs() < 410, "{counts:?}");
        }
    }
}
