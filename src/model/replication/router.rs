//! Read/write splitting: writes go to the primary; a [`ReadRouter`] decides which node
//! serves each read, and the policies that give a user (or an event consumer) their own
//! writes back.

use std::fmt;

use super::stream::{Commit, Replication};
use crate::error::{Result, non_negative, positive};

/// Where reads go.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ReadPolicy {
    /// Every read on the primary: always fresh, and no read scaling (the author's fix,
    /// applied to the logic that must see its write).
    Primary,
    /// Every read on a replica, round robin: read scaling, and stale reads of one's own
    /// writes while the replica lags.
    Replica,
    /// Reads on the primary for `window` seconds after the session's last write, on
    /// replicas otherwise (stale only if the lag outlasts the window).
    PrimaryAfterWrite {
        /// Seconds after a write during which the session reads the primary.
        window: f64,
    },
    /// The session carries the LSN of its last write; the read goes to a replica that has
    /// replayed it, or to the primary if none has.
    SessionLsn,
    /// The read goes to a replica and waits until it has replayed the session's LSN — at
    /// most `timeout` seconds, then it reads the primary.
    WaitForReplica {
        /// The longest wait before falling back to the primary.
        timeout: f64,
    },
}

impl ReadPolicy {
    /// Checks the policy's parameters.
    pub fn validate(&self) -> Result<()> {
        match *self {
            ReadPolicy::PrimaryAfterWrite { window } => positive("window", window).map(|_| ()),
            ReadPolicy::WaitForReplica { timeout } => non_negative("timeout", timeout).map(|_| ()),
            _ => Ok(()),
        }
    }
}

impl fmt::Display for ReadPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadPolicy::Primary => write!(f, "primary only"),
            ReadPolicy::Replica => write!(f, "any replica"),
            ReadPolicy::PrimaryAfterWrite { window } => {
                write!(f, "primary for {window} s after a write")
            }
            ReadPolicy::SessionLsn => write!(f, "session LSN token"),
            ReadPolicy::WaitForReplica { timeout } => write!(f, "wait for replica (≤ {timeout} s)"),
        }
    }
}

/// What a client remembers about its last write (the read-your-writes token).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Session {
    /// (when it committed, its LSN), if the session wrote.
    pub last_write: Option<(f64, u64)>,
}

impl Session {
    /// The session wrote `commit` at `at`.
    pub fn wrote(&mut self, at: f64, commit: &Commit) {
        self.last_write = Some((at, commit.lsn));
    }

    /// The LSN the session must see (0 if it never wrote).
    pub fn token(&self) -> u64 {
        self.last_write.map_or(0, |(_, lsn)| lsn)
    }
}

/// A node of the replicated database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// The primary.
    Primary,
    /// Replica `i`.
    Replica(usize),
}

/// Where a read goes and when it may start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Route {
    /// The node that serves it.
    pub target: Target,
    /// When it may start (later than now only when waiting for a replica).
    pub start_at: f64,
    /// Whether, started then, it would miss the session's last write.
    pub stale: bool,
}

/// Routes reads by a [`ReadPolicy`], spreading replica reads round robin.
#[derive(Debug, Clone)]
pub struct ReadRouter {
    policy: ReadPolicy,
    next: usize,
}

impl ReadRouter {
    /// A router with `policy` (its parameters checked).
    pub fn new(policy: ReadPolicy) -> Result<Self> {
        policy.validate()?;
        Ok(ReadRouter { policy, next: 0 })
    }

    /// The policy.
    pub fn policy(&self) -> ReadPolicy {
        self.policy
    }

    fn round_robin(&mut self, n: usize) -> usize {
        let r = self.next % n;
        self.next = (r + 1) % n;
        r
    }

    /// Routes a read of `session` arriving at `now`. Without replicas every read goes to
    /// the primary.
    pub fn route(&mut self, now: f64, repl: &mut Replication, session: &Session) -> Route {
        let n = repl.replicas();
        let primary = Route {
            target: Target::Primary,
            start_at: now,
            stale: false,
        };
        if n == 0 {
            return primary;
        }
        let token = session.token();
        let on_replica = |router: &mut Self, repl: &mut Replication| {
            let r = router.round_robin(n);
            Route {
                target: Target::Replica(r),
                start_at: now,
                stale: repl.applied_lsn(r, now) < token,
            }
        };
        match self.policy {
            ReadPolicy::Primary => primary,
            ReadPolicy::Replica => on_replica(self, repl),
            ReadPolicy::PrimaryAfterWrite { window } => match session.last_write {
                Some((at, _)) if now - at < window => primary,
                _ => on_replica(self, repl),
            },
            ReadPolicy::SessionLsn => {
                let start = self.round_robin(n);
                (0..n)
                    .map(|j| (start + j) % n)
                    .find(|&r| repl.applied_lsn(r, now) >= token)
                    .map_or(primary, |r| Route {
                        target: Target::Replica(r),
                        start_at: now,
                        stale: false,
                    })
            }
            ReadPolicy::WaitForReplica { timeout } => {
                let r = self.round_robin(n);
                let ready = repl.ready_at(r, token, now);
                if ready - now <= timeout {
                    Route {
                        target: Target::Replica(r),
                        start_at: ready,
                        stale: false,
                    }
                } else {
                    Route {
                        target: Target::Primary,
                        start_at: now + timeout,
                        stale: false,
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::replication::LagModel;
    use crate::sim::{Dist, SimRng};

    fn lagging() -> (Replication, Session) {
        // Two replicas, 10 ms to ship, instant replay: a write at 0 is visible at 10 ms.
        let lag = LagModel::new(Dist::constant(0.010).unwrap(), Dist::constant(0.0).unwrap());
        let mut repl = Replication::new(2, lag);
        let mut session = Session::default();
        let c = repl.commit(0.0, &mut SimRng::new(1));
        session.wrote(0.0, &c);
        (repl, session)
    }

    #[test]
    fn each_policy_routes_a_read_right_after_a_write() {
        let at = 0.002;
        let cases = [
            (ReadPolicy::Replica, Target::Replica(0), at, true),
            (ReadPolicy::Primary, Target::Primary, at, false),
            (
                ReadPolicy::PrimaryAfterWrite { window: 0.005 },
                Target::Primary,
                at,
                false,
            ),
            (
                ReadPolicy::PrimaryAfterWrite { window: 0.001 },
                Target::Replica(0),
                at,
                true,
            ),
            (ReadPolicy::SessionLsn, Target::Primary, at, false),
            (
                ReadPolicy::WaitForReplica { timeout: 0.05 },
                Target::Replica(0),
                0.010,
                false,
            ),
            (
                ReadPolicy::WaitForReplica { timeout: 0.001 },
                Target::Primary,
                0.003,
                false,
            ),
        ];
        for (policy, target, start, stale) in cases {
            let (mut repl, session) = lagging();
            let route = ReadRouter::new(policy)
                .unwrap()
                .route(at, &mut repl, &session);
            assert_eq!(route.target, target, "{policy}");
            assert!(
                (route.start_at - start).abs() < 1e-12,
                "{policy}: {}",
                route.start_at
            );
            assert_eq!(route.stale, stale, "{policy}");
        }
    }

    #[test]
    fn replicas_take_turns_and_caught_up_replicas_serve_lsn_sessions() {
        let (mut repl, session) = lagging();
        let mut router = ReadRouter::new(ReadPolicy::SessionLsn).unwrap();
        let targets: Vec<Target> = (0..3)
            .map(|_| router.route(0.02, &mut repl, &session).target)
            .collect();
        assert_eq!(
            targets,
            vec![Target::Replica(0), Target::Replica(1), Target::Replica(0)]
        );
        let mut none = Replication::new(0, LagModel::default());
        assert_eq!(
            router.route(0.0, &mut none, &session).target,
            Target::Primary
        );
        assert!(ReadRouter::new(ReadPolicy::PrimaryAfterWrite { window: 0.0 }).is_err());
        assert!(ReadRouter::new(ReadPolicy::WaitForReplica { timeout: -1.0 }).is_err());
    }
}
