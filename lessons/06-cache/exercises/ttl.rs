//! # TTL 검사 / Checking a TTL
//!
//! **한국어** — 항목마다 TTL(time to live, 유효 시간)을 두는 저장소를 구현하세요. 시각은
//! 초 단위 `f64`이고, 호출하는 쪽이 `now`로 알려 줍니다(시계를 직접 읽지 않습니다).
//!
//! - `put(key, value, now, ttl)`: `now`에 넣은 항목은 `now + ttl` **직전까지** 유효합니다.
//!   정확히 `now + ttl`이 되는 순간부터는 만료입니다. `ttl = 0`이면 넣자마자 만료입니다.
//!   같은 키를 다시 넣으면 값과 시계가 모두 새로 시작합니다.
//! - `ttl`이 음수이거나 NaN·무한대이면 `Err`(매개변수 이름 `ttl`), `now`가 NaN·무한대이면
//!   `Err`(이름 `now`)를 돌려주고, 저장소는 바뀌지 않습니다.
//! - `get(&key, now)`: 유효한 항목의 값, 없거나 만료됐으면 `None`.
//! - `remaining(&key, now)`: 유효한 항목의 남은 시간(초), 아니면 `None`.
//! - `purge_expired(now)`: 만료된 항목을 모두 지우고 지운 개수를 돌려줍니다. `len()`은
//!   아직 지우지 않은 만료 항목도 셉니다.
//!
//! **English** — Implement a store whose entries each have a TTL (time to live). Time is
//! `f64` seconds, passed in by the caller as `now` (the store reads no clock).
//!
//! - `put(key, value, now, ttl)`: an entry put at `now` is fresh **until just before**
//!   `now + ttl`; from exactly `now + ttl` on it has expired. `ttl = 0` expires at once.
//!   Putting a key again restarts both its value and its clock.
//! - A negative, NaN or infinite `ttl` is an `Err` (naming `ttl`), a NaN or infinite `now`
//!   an `Err` (naming `now`); the store is left unchanged.
//! - `get(&key, now)`: the value of a fresh entry; `None` if absent or expired.
//! - `remaining(&key, now)`: the seconds a fresh entry has left; `None` otherwise.
//! - `purge_expired(now)`: removes every expired entry and returns how many. `len()`
//!   counts expired entries not yet purged.

use std::hash::Hash;
use std::marker::PhantomData;

use scale_lab::Result;

/// Entries that expire a set time after they were put.
#[derive(Debug)]
pub struct TtlStore<K, V> {
    // your fields here (this placeholder only lets the stub compile: replace it)
    _todo: PhantomData<(K, V)>,
}

impl<K: Hash + Eq, V> TtlStore<K, V> {
    /// An empty store.
    pub fn new() -> Self {
        todo!()
    }

    /// Stores `value` under `key` at `now`, fresh for `ttl` seconds.
    pub fn put(&mut self, key: K, value: V, now: f64, ttl: f64) -> Result<()> {
        todo!()
    }

    /// The value of `key` if it is fresh at `now`.
    pub fn get(&self, key: &K, now: f64) -> Option<&V> {
        todo!()
    }

    /// The seconds `key` stays fresh after `now`, if it is fresh.
    pub fn remaining(&self, key: &K, now: f64) -> Option<f64> {
        todo!()
    }

    /// Removes every entry expired at `now`; returns how many.
    pub fn purge_expired(&mut self, now: f64) -> usize {
        todo!()
    }

    /// Entries held, expired ones not yet purged included.
    pub fn len(&self) -> usize {
        todo!()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        todo!()
    }
}

#[cfg(test)]
#[path = "../checks/ttl.rs"]
mod checks;
