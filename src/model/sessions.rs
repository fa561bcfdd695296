//! Sessions: where a logged-in user's state (who they are, their cart) lives, and what
//! happens to it when a server dies.
//!
//! - **In the web server's memory** ([`SessionStore::InMemory`]): free to read, but only
//!   the server that created it has it. Every request of the user must reach that
//!   server (sticky routing at the balancer); a request that lands anywhere else finds
//!   no session — the user is logged out. When the server crashes, every session in it
//!   is gone.
//! - **In a shared store** ([`SessionStore::Shared`]: Redis, a database): any server can
//!   serve any user, so the balancer is free to balance and a crash loses no session;
//!   every request pays the store's latency, and the store is one more component that
//!   can fail.
//!
//! [`Sessions`] is passive: call [`Sessions::on_request`] when a request reaches a
//! server (it says how long the session read takes and whether the session was found,
//! new or lost), [`Sessions::server_crashed`] when a server dies, and read the counts.
//! Per-request calls do not allocate (the table grows with the highest user id seen;
//! size it with [`Sessions::with_users`]).

use crate::sim::{Dist, SimRng};

/// Where sessions are kept.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SessionStore {
    /// In the memory of the server that created the session.
    InMemory,
    /// In a shared store that every request reads, taking `latency` seconds.
    Shared {
        /// The time of one session read.
        latency: Dist,
    },
}

/// What a request found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionOutcome {
    /// The user's session was there.
    Found,
    /// The user had no session yet: one was created (a first login).
    New,
    /// The user had a session but it is not here (another server's memory, or a server
    /// that crashed): the user is logged out and a new session is created.
    Lost,
    /// The shared store is down: the request cannot be served.
    Unavailable,
}

/// The cost and result of one session read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SessionUse {
    /// Seconds spent reading the session (0 in memory).
    pub latency: f64,
    /// What was found.
    pub outcome: SessionOutcome,
}

/// Counts of a [`Sessions`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SessionStats {
    /// Sessions created for users who had none.
    pub created: u64,
    /// Requests that found their user's session.
    pub found: u64,
    /// Requests that found their user's session missing.
    pub lost: u64,
    /// Distinct users who lost their session at least once.
    pub users_lost: u64,
    /// Sessions destroyed in server crashes.
    pub destroyed: u64,
    /// Requests refused because the shared store was down.
    pub unavailable: u64,
}

const NONE: u32 = u32::MAX;
const SHARED: u32 = u32::MAX - 1;
const DESTROYED: u32 = u32::MAX - 2;

/// Who holds each user's session.
#[derive(Debug, Clone)]
pub struct Sessions {
    store: SessionStore,
    store_up: bool,
    /// Per user: the server holding the session, `SHARED`, `DESTROYED` or `NONE`.
    holder: Vec<u32>,
    ever_lost: Vec<bool>,
    stats: SessionStats,
}

impl Sessions {
    /// Sessions kept as `store` says.
    pub fn new(store: SessionStore) -> Self {
        Sessions {
            store,
            store_up: true,
            holder: Vec::new(),
            ever_lost: Vec::new(),
            stats: SessionStats::default(),
        }
    }

    /// Reserves room for users `0..users`, so that requests never allocate.
    pub fn with_users(mut self, users: u32) -> Self {
        self.grow(users as usize);
        self
    }

    /// Where sessions are kept.
    pub fn store(&self) -> SessionStore {
        self.store
    }

    /// Counts so far.
    pub fn stats(&self) -> SessionStats {
        self.stats
    }

    /// A request of `user` reaches server `server`.
    #[inline]
    pub fn on_request(&mut self, user: u32, server: usize, rng: &mut SimRng) -> SessionUse {
        let u = user as usize;
        if u >= self.holder.len() {
            self.grow(u + 1);
        }
        match self.store {
            SessionStore::InMemory => {
                let here = server as u32;
                let outcome = match self.holder[u] {
                    h if h == here => SessionOutcome::Found,
                    NONE => SessionOutcome::New,
                    _ => SessionOutcome::Lost,
                };
                self.holder[u] = here;
                self.count(u, outcome);
                SessionUse {
                    latency: 0.0,
                    outcome,
                }
            }
            SessionStore::Shared { latency } => {
                if !self.store_up {
                    self.stats.unavailable += 1;
                    return SessionUse {
                        latency: 0.0,
                        outcome: SessionOutcome::Unavailable,
                    };
                }
                let outcome = if self.holder[u] == SHARED {
                    SessionOutcome::Found
                } else {
                    SessionOutcome::New
                };
                self.holder[u] = SHARED;
                self.count(u, outcome);
                SessionUse {
                    latency: latency.sample(rng),
                    outcome,
                }
            }
        }
    }

    /// Server `server` crashed: with sessions in memory, every session it held is gone
    /// (its users find out on their next request). Returns how many were destroyed.
    pub fn server_crashed(&mut self, server: usize) -> u64 {
        if self.store != SessionStore::InMemory {
            return 0;
        }
        let here = server as u32;
        let mut n = 0;
        for h in self.holder.iter_mut().filter(|h| **h == here) {
            *h = DESTROYED;
            n += 1;
        }
        self.stats.destroyed += n;
        n
    }

    /// How many users hold a session on `server` now.
    pub fn sessions_on(&self, server: usize) -> usize {
        self.holder.iter().filter(|&&h| h == server as u32).count()
    }

    /// The shared store goes down (`false`) or comes back (`true`); sessions survive.
    pub fn set_store_up(&mut self, up: bool) {
        self.store_up = up;
    }

    /// Whether the shared store is up (always true in memory).
    pub fn store_is_up(&self) -> bool {
        self.store_up
    }

    fn count(&mut self, u: usize, outcome: SessionOutcome) {
        match outcome {
            SessionOutcome::Found => self.stats.found += 1,
            SessionOutcome::New => self.stats.created += 1,
            SessionOutcome::Lost => {
                self.stats.lost += 1;
                if !self.ever_lost[u] {
                    self.ever_lost[u] = true;
                    self.stats.users_lost += 1;
                }
            }
            SessionOutcome::Unavailable => {}
        }
    }

    fn grow(&mut self, len: usize) {
        if self.holder.len() < len {
            self.holder.resize(len, NONE);
            self.ever_lost.resize(len, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_memory_sessions_need_the_same_server_and_die_with_it() {
        let mut s = Sessions::new(SessionStore::InMemory).with_users(4);
        let mut rng = SimRng::new(1);
        assert_eq!(s.on_request(0, 1, &mut rng).outcome, SessionOutcome::New);
        assert_eq!(s.on_request(0, 1, &mut rng).outcome, SessionOutcome::Found);
        // Routed elsewhere: logged out.
        assert_eq!(s.on_request(0, 2, &mut rng).outcome, SessionOutcome::Lost);
        assert_eq!(s.on_request(1, 2, &mut rng).outcome, SessionOutcome::New);
        assert_eq!(s.on_request(2, 3, &mut rng).outcome, SessionOutcome::New);
        assert_eq!(s.sessions_on(2), 2);
        assert_eq!(s.server_crashed(2), 2);
        assert_eq!(s.on_request(1, 3, &mut rng).outcome, SessionOutcome::Lost);
        assert_eq!(
            s.on_request(0, 2, &mut rng).outcome,
            SessionOutcome::Lost,
            "even on the recovered server"
        );
        let st = s.stats();
        assert_eq!(
            (st.created, st.found, st.lost, st.users_lost, st.destroyed),
            (3, 1, 3, 2, 2)
        );
    }

    #[test]
    fn a_shared_store_survives_crashes_and_costs_latency() {
        let mut s = Sessions::new(SessionStore::Shared {
            latency: Dist::constant(0.002).unwrap(),
        });
        let mut rng = SimRng::new(1);
        let first = s.on_request(7, 0, &mut rng);
        assert_eq!((first.outcome, first.latency), (SessionOutcome::New, 0.002));
        assert_eq!(s.server_crashed(0), 0);
        assert_eq!(s.on_request(7, 3, &mut rng).outcome, SessionOutcome::Found);
        s.set_store_up(false);
        assert_eq!(
            s.on_request(7, 3, &mut rng).outcome,
            SessionOutcome::Unavailable
        );
        s.set_store_up(true);
        assert_eq!(s.on_request(7, 1, &mut rng).outcome, SessionOutcome::Found);
        assert_eq!((s.stats().users_lost, s.stats().unavailable), (0, 1));
    }
}
