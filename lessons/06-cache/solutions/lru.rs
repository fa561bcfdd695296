//! # LRU 캐시 / An LRU cache
//!
//! **한국어** — 용량이 정해진 LRU(least recently used) 캐시를 구현하세요. 캐시가 가득
//! 찬 상태에서 새 키를 넣으면, 가장 오래전에 쓰인(읽히거나 쓰인) 항목 하나를 내보냅니다.
//!
//! - `new(capacity)`: 용량이 0이면 `Err`를 돌려줍니다(매개변수 이름 `capacity`가 들어간
//!   `scale_lab::Error::param` 오류). 아무것도 담을 수 없는 캐시는 설정 실수이기 때문입니다.
//! - `get(&key)`: 있으면 값을 돌려주고, 그 항목을 "가장 최근에 쓰인" 것으로 만듭니다.
//! - `put(key, value)`: 없는 키면 넣고, 가득 차 있었다면 내보낸 `(키, 값)`을 돌려줍니다.
//!   이미 있는 키면 값을 바꾸고 가장 최근으로 만들며, 아무것도 내보내지 않습니다(`None`).
//! - `get`과 `put`은 항목 수와 관계없이 O(1)이어야 합니다(평균).
//!
//! **English** — Implement an LRU (least recently used) cache of fixed capacity. When the
//! cache is full and a new key comes in, it evicts the one entry used (read or written)
//! longest ago.
//!
//! - `new(capacity)`: a capacity of 0 is an `Err` (a `scale_lab::Error::param` naming
//!   `capacity`): a cache that can hold nothing is a configuration mistake.
//! - `get(&key)`: the value if present, and the entry becomes the most recently used.
//! - `put(key, value)`: a new key is inserted; if the cache was full, the evicted
//!   `(key, value)` is returned. An existing key gets the new value and becomes the most
//!   recently used; nothing is evicted (`None`).
//! - `get` and `put` take O(1) time (on average), whatever the number of entries.

use std::collections::HashMap;
use std::hash::Hash;

use scale_lab::{Error, Result};

/// "No neighbour" in the links between slots.
const NIL: usize = usize::MAX;

/// One entry, linked to its neighbours in recency order.
#[derive(Debug)]
struct Node<K, V> {
    key: K,
    value: V,
    /// Towards the most recently used.
    prev: usize,
    /// Towards the least recently used.
    next: usize,
}

/// A cache of at most `capacity` entries that evicts the least recently used.
#[derive(Debug)]
pub struct LruCache<K, V> {
    capacity: usize,
    /// The entries, in slots that never move (a slot is reused after an eviction).
    nodes: Vec<Node<K, V>>,
    /// Where each key's entry lives.
    index: HashMap<K, usize>,
    /// The most recently used slot.
    head: usize,
    /// The least recently used slot: the next victim.
    tail: usize,
}

impl<K: Hash + Eq + Clone, V> LruCache<K, V> {
    /// A cache of `capacity` ≥ 1 entries.
    pub fn new(capacity: usize) -> Result<Self> {
        if capacity == 0 {
            return Err(Error::param("capacity", capacity, "at least 1 entry"));
        }
        Ok(LruCache {
            capacity,
            nodes: Vec::new(),
            index: HashMap::new(),
            head: NIL,
            tail: NIL,
        })
    }

    /// The value of `key`, which becomes the most recently used; `None` if absent.
    pub fn get(&mut self, key: &K) -> Option<&V> {
        let slot = *self.index.get(key)?;
        self.move_to_front(slot);
        Some(&self.nodes[slot].value)
    }

    /// Stores `value` under `key` (the most recently used now); returns the entry evicted
    /// to make room, if any.
    pub fn put(&mut self, key: K, value: V) -> Option<(K, V)> {
        if let Some(&slot) = self.index.get(&key) {
            self.nodes[slot].value = value;
            self.move_to_front(slot);
            return None;
        }
        if self.nodes.len() < self.capacity {
            // Room left: a new slot at the front.
            let slot = self.nodes.len();
            self.nodes.push(Node {
                key: key.clone(),
                value,
                prev: NIL,
                next: NIL,
            });
            self.push_front(slot);
            self.index.insert(key, slot);
            return None;
        }
        // Full: the tail's slot takes the new entry, and the old one is handed back.
        let slot = self.tail;
        self.unlink(slot);
        let old_key = std::mem::replace(&mut self.nodes[slot].key, key.clone());
        let old_value = std::mem::replace(&mut self.nodes[slot].value, value);
        self.index.remove(&old_key);
        self.index.insert(key, slot);
        self.push_front(slot);
        Some((old_key, old_value))
    }

    /// Entries cached now.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The most entries it holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    fn move_to_front(&mut self, slot: usize) {
        if self.head != slot {
            self.unlink(slot);
            self.push_front(slot);
        }
    }

    /// Takes `slot` out of the recency list (its neighbours are joined).
    fn unlink(&mut self, slot: usize) {
        let (prev, next) = (self.nodes[slot].prev, self.nodes[slot].next);
        match prev {
            NIL => self.head = next,
            p => self.nodes[p].next = next,
        }
        match next {
            NIL => self.tail = prev,
            n => self.nodes[n].prev = prev,
        }
    }

    /// Puts `slot` at the head of the recency list.
    fn push_front(&mut self, slot: usize) {
        self.nodes[slot].prev = NIL;
        self.nodes[slot].next = self.head;
        if self.head != NIL {
            self.nodes[self.head].prev = slot;
        }
        self.head = slot;
        if self.tail == NIL {
            self.tail = slot;
        }
    }
}

#[cfg(test)]
#[path = "../checks/lru.rs"]
mod checks;
