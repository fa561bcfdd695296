//! # 공유 세션 저장소 (TTL) / A shared session store with a TTL
//!
//! **한국어** — 무상태 웹 계층의 모든 서버가 함께 쓰는 세션 저장소(Redis 같은 것)를
//! 만들어 보세요. 세션은 세션 ID(`u64`)로 찾고, 값은 로그인한 사용자 ID(`u32`)입니다.
//!
//! - `SessionStore::new(ttl)`: 세션 유효 시간(TTL, 초). `ttl`이 0 이하이거나 유한한 수가
//!   아니면 `Err`를 돌려주세요.
//! - `put(id, user, now)`: 세션을 만들거나 덮어씁니다. 만료 시각은 `now + ttl`입니다.
//! - `get(id, now)`: 세션이 있고 `now < 만료 시각`이면 사용자를 돌려주고, 만료 시각을
//!   `now + ttl`로 늘립니다(접근할 때마다 연장하는 sliding expiration). 세션이 없거나
//!   만료됐으면 `None`(다시 로그인해야 함)이고, 만료된 세션은 이때 지웁니다.
//!   만료 시각과 정확히 같은 때에 읽으면 이미 만료된 것입니다.
//! - `expire(now)`: 만료된 세션(`만료 시각 <= now`)을 모두 지우고 지운 개수를 돌려줍니다.
//! - `live(now)`: `now`에 살아 있는 세션 수(`만료 시각 > now`)입니다.
//!
//! **English** — Build the session store that every server of a stateless web tier shares
//! (what Redis does for it). Sessions are found by session id (`u64`); the value is the
//! logged-in user's id (`u32`).
//!
//! - `SessionStore::new(ttl)`: how long a session lives, in seconds. Return `Err` if `ttl`
//!   is not a finite number > 0.
//! - `put(id, user, now)`: creates or replaces the session; it expires at `now + ttl`.
//! - `get(id, now)`: if the session exists and `now < its expiry`, return the user and
//!   push the expiry to `now + ttl` (sliding expiration: every access renews it). A
//!   missing or expired session is `None` (the user must log in again), and an expired
//!   one is removed then. Reading exactly at the expiry time finds it expired.
//! - `expire(now)`: removes every expired session (`expiry <= now`) and returns how many.
//! - `live(now)`: how many sessions are alive at `now` (`expiry > now`).

use scale_lab::Result;

/// Sessions by id, each with the user it belongs to and when it expires.
#[derive(Debug, Clone)]
pub struct SessionStore {
    // your fields here
    _todo: (),
}

impl SessionStore {
    /// A store whose sessions live `ttl` seconds after their last use.
    pub fn new(ttl: f64) -> Result<SessionStore> {
        todo!("check ttl, make an empty store")
    }

    /// Creates or replaces session `id` for `user` at `now`.
    pub fn put(&mut self, id: u64, user: u32, now: f64) {
        todo!()
    }

    /// The user of session `id` at `now`, renewing it; `None` if missing or expired.
    pub fn get(&mut self, id: u64, now: f64) -> Option<u32> {
        todo!()
    }

    /// Removes the sessions expired at `now`; returns how many.
    pub fn expire(&mut self, now: f64) -> usize {
        todo!()
    }

    /// Sessions alive at `now`.
    pub fn live(&self, now: f64) -> usize {
        todo!()
    }
}

#[cfg(test)]
#[path = "../checks/session_store.rs"]
mod checks;
