//! The replication stream: a primary numbers its commits (the LSN, log sequence number)
//! and ships each record to every replica, which receives them in order after a network
//! delay and replays them one at a time.
//!
//! Because replay is a single FIFO worker, the lag is a queue: a record waits behind the
//! ones not yet replayed. At low write rates the lag is about the network delay plus one
//! replay; as the write rate nears the replay rate, it grows without bound — the lag
//! "that grows with write load". With a constant delay `d`, exponential replay at rate μ
//! and Poisson writes at rate λ, the lag is `d` plus an exponential of mean `1 / (μ − λ)`
//! (the M/M/1 response time), so a read `Δ ≥ d` after a write misses it with probability
//! `e^(−(μ − λ)(Δ − d))`.
//!
//! The stream is passive: the caller commits at `now`, and asks what a replica has
//! applied at `now`. Every record's receive and replay times are known when it is
//! committed (the queue is FIFO), so no events are needed. Calls must come in
//! non-decreasing time.

use std::collections::VecDeque;

use super::theory;
use crate::error::{Error, Result, non_negative, positive};
use crate::sim::{Dist, SimRng};

/// How long records take to reach a replica and to be replayed there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LagModel {
    ship: Dist,
    apply: Dist,
    /// (constant ship delay, exponential replay rate), when the lag has a closed form.
    closed_form: Option<(f64, f64)>,
}

impl Default for LagModel {
    /// 1 ms to ship, replay at 2000 records per second (exponential).
    fn default() -> Self {
        LagModel::exponential(0.001, 2000.0).expect("valid constants")
    }
}

impl LagModel {
    /// Records take a draw of `ship` to arrive and of `apply` to replay.
    pub fn new(ship: Dist, apply: Dist) -> Self {
        LagModel {
            ship,
            apply,
            closed_form: None,
        }
    }

    /// A constant network delay of `ship_delay` ≥ 0 seconds and exponential replay at
    /// `apply_rate` > 0 records per second: the case with closed forms.
    pub fn exponential(ship_delay: f64, apply_rate: f64) -> Result<Self> {
        let d = non_negative("ship_delay", ship_delay)?;
        let mu = positive("apply_rate", apply_rate)?;
        Ok(LagModel {
            ship: Dist::constant(d)?,
            apply: Dist::exponential_rate(mu)?,
            closed_form: Some((d, mu)),
        })
    }

    /// Records a replica can replay per second (1 / mean replay time).
    pub fn apply_capacity(&self) -> f64 {
        1.0 / self.apply.mean()
    }

    /// The mean lag at `write_rate` writes per second, if the closed form applies.
    pub fn mean_lag(&self, write_rate: f64) -> Option<f64> {
        let (d, mu) = self.closed_form?;
        theory::mean_lag(d, write_rate, mu).ok()
    }

    /// The probability that a read `delta` seconds after a write misses it on a replica,
    /// at `write_rate` writes per second, if the closed form applies.
    pub fn stale_probability(&self, delta: f64, write_rate: f64) -> Option<f64> {
        let (d, mu) = self.closed_form?;
        theory::stale_read_probability(delta, d, write_rate, mu).ok()
    }
}

/// A commit on the primary.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Commit {
    /// Its log sequence number (1, 2, 3, ...).
    pub lsn: u64,
    /// When the client is told it is committed: at once without synchronous replicas,
    /// else when enough replicas have received it.
    pub acked_at: f64,
}

/// What a failover did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Promotion {
    /// Which replica became the primary (its index before the promotion).
    pub replica: usize,
    /// The last LSN it had received: the new primary's history ends there.
    pub received: u64,
    /// Commits of the old primary it never received: lost.
    pub lost: u64,
    /// When it has replayed everything it received (it cannot serve as primary before).
    pub replayed_at: f64,
}

#[derive(Debug, Clone, Copy)]
struct Record {
    committed: f64,
    arrival: f64,
    applied_at: f64,
}

#[derive(Debug, Clone)]
struct Replica {
    /// LSN replayed, as of the last `advance`.
    applied: u64,
    /// Records `applied + 1 ..`, in order.
    pending: VecDeque<Record>,
    last_arrival: f64,
    last_applied: f64,
}

/// A primary's commit log and its replicas (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct Replication {
    lsn: u64,
    lag: LagModel,
    sync: usize,
    replicas: Vec<Replica>,
    arrivals: Vec<f64>,
}

impl Replication {
    /// A primary with `replicas` replicas (0 is allowed: no replication), all caught up.
    pub fn new(replicas: usize, lag: LagModel) -> Self {
        let fresh = Replica {
            applied: 0,
            pending: VecDeque::new(),
            last_arrival: 0.0,
            last_applied: 0.0,
        };
        Replication {
            lsn: 0,
            lag,
            sync: 0,
            replicas: vec![fresh; replicas],
            arrivals: Vec::new(),
        }
    }

    /// A commit returns only once `k` replicas (any `k`) have received it (0: asynchronous).
    pub fn synchronous(mut self, k: usize) -> Result<Self> {
        if k > self.replicas.len() {
            return Err(Error::param(
                "sync",
                k,
                format!("at most the number of replicas ({})", self.replicas.len()),
            ));
        }
        self.sync = k;
        Ok(self)
    }

    /// The number of replicas.
    pub fn replicas(&self) -> usize {
        self.replicas.len()
    }

    /// How many replicas a commit waits for.
    pub fn sync(&self) -> usize {
        self.sync
    }

    /// The lag model.
    pub fn lag_model(&self) -> &LagModel {
        &self.lag
    }

    /// The primary's last LSN.
    pub fn primary_lsn(&self) -> u64 {
        self.lsn
    }

    /// Commits one write on the primary at `now`.
    pub fn commit(&mut self, now: f64, rng: &mut SimRng) -> Commit {
        self.lsn += 1;
        self.arrivals.clear();
        for r in &mut self.replicas {
            advance(r, now);
            let arrival = r.last_arrival.max(now + self.lag.ship.sample(rng));
            let applied_at = arrival.max(r.last_applied) + self.lag.apply.sample(rng);
            r.pending.push_back(Record {
                committed: now,
                arrival,
                applied_at,
            });
            r.last_arrival = arrival;
            r.last_applied = applied_at;
            self.arrivals.push(arrival);
        }
        let acked_at = if self.sync == 0 {
            now
        } else {
            self.arrivals.sort_by(f64::total_cmp);
            self.arrivals[self.sync - 1]
        };
        Commit {
            lsn: self.lsn,
            acked_at,
        }
    }

    /// The LSN replica `replica` has replayed by `now`.
    pub fn applied_lsn(&mut self, replica: usize, now: f64) -> u64 {
        let r = &mut self.replicas[replica];
        advance(r, now);
        r.applied
    }

    /// The LSN replica `replica` has received by `now` (replayed or not).
    pub fn received_lsn(&mut self, replica: usize, now: f64) -> u64 {
        let r = &mut self.replicas[replica];
        advance(r, now);
        r.applied + r.pending.partition_point(|rec| rec.arrival <= now) as u64
    }

    /// The earliest time ≥ `now` at which replica `replica` has replayed `lsn`.
    pub fn ready_at(&mut self, replica: usize, lsn: u64, now: f64) -> f64 {
        let r = &mut self.replicas[replica];
        advance(r, now);
        if lsn <= r.applied {
            return now;
        }
        let i = (lsn - r.applied - 1) as usize;
        r.pending.get(i).map_or(f64::INFINITY, |rec| rec.applied_at)
    }

    /// How far replica `replica` is behind at `now`, in seconds: the age of the oldest
    /// commit it has not replayed (0 if caught up).
    pub fn lag_seconds(&mut self, replica: usize, now: f64) -> f64 {
        let r = &mut self.replicas[replica];
        advance(r, now);
        r.pending.front().map_or(0.0, |rec| now - rec.committed)
    }

    /// The primary dies at `now`: the replica that has received the most is promoted
    /// (the others now follow it; its index leaves the list), and the commits it never
    /// received are lost. An error if there is no replica.
    pub fn fail_primary(&mut self, now: f64) -> Result<Promotion> {
        if self.replicas.is_empty() {
            return Err(Error::InvalidConfig(
                "the primary failed with no replica to promote".into(),
            ));
        }
        let received: Vec<u64> = (0..self.replicas.len())
            .map(|i| self.received_lsn(i, now))
            .collect();
        let best = (0..received.len())
            .max_by(|&a, &b| received[a].cmp(&received[b]).then(b.cmp(&a)))
            .expect("non-empty");
        let top = received[best];
        let promoted = self.replicas.remove(best);
        let replayed_at = match top.checked_sub(promoted.applied + 1) {
            Some(i) => promoted.pending[i as usize].applied_at.max(now),
            None => now,
        };
        for r in &mut self.replicas {
            // The old primary's records past the new primary's history never happened.
            while r.applied + r.pending.len() as u64 > top {
                r.pending.pop_back();
            }
            r.last_arrival = r.pending.back().map_or(now, |rec| rec.arrival);
            r.last_applied = r.pending.back().map_or(now, |rec| rec.applied_at);
        }
        let lost = self.lsn - top;
        self.lsn = top;
        self.sync = self.sync.min(self.replicas.len());
        Ok(Promotion {
            replica: best,
            received: top,
            lost,
            replayed_at,
        })
    }
}

/// Drops the records replayed by `now`.
#[inline]
fn advance(r: &mut Replica, now: f64) {
    while r.pending.front().is_some_and(|rec| rec.applied_at <= now) {
        r.pending.pop_front();
        r.applied += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn constant(ship: f64, apply: f64) -> LagModel {
        LagModel::new(
            Dist::constant(ship).unwrap(),
            Dist::constant(apply).unwrap(),
        )
    }

    #[test]
    fn records_arrive_and_replay_in_order_behind_each_other() {
        let mut rng = SimRng::new(1);
        let mut repl = Replication::new(1, constant(0.010, 0.004));
        // Three writes 1 ms apart: replays queue (each 4 ms), applied at 14, 18, 22 ms.
        for i in 0..3 {
            assert_eq!(repl.commit(i as f64 * 0.001, &mut rng).lsn, i + 1);
        }
        assert_eq!(repl.applied_lsn(0, 0.0139), 0);
        assert_eq!(repl.received_lsn(0, 0.0115), 2);
        assert!((repl.ready_at(0, 3, 0.0139) - 0.022).abs() < 1e-12);
        assert!((repl.lag_seconds(0, 0.0139) - 0.0139).abs() < 1e-12);
        assert_eq!(repl.applied_lsn(0, 0.0181), 2);
        assert_eq!(repl.ready_at(0, 1, 0.0181), 0.0181);
        assert_eq!(repl.applied_lsn(0, 0.03), 3);
        assert_eq!(repl.lag_seconds(0, 0.03), 0.0);
    }

    #[test]
    fn synchronous_commits_wait_for_the_fastest_k() {
        let mut rng = SimRng::new(1);
        let lag = LagModel::new(
            Dist::uniform(0.001, 0.009).unwrap(),
            Dist::constant(0.0).unwrap(),
        );
        let mut repl = Replication::new(3, lag).synchronous(2).unwrap();
        let c = repl.commit(1.0, &mut rng);
        let mut arrivals: Vec<f64> = (0..3).map(|i| repl.ready_at(i, 1, 1.0)).collect();
        arrivals.sort_by(f64::total_cmp);
        assert_eq!(c.acked_at, arrivals[1]);
        assert!(
            Replication::new(1, lag)
                .synchronous(2)
                .unwrap_err()
                .to_string()
                .contains("sync")
        );
    }

    #[test]
    fn failover_promotes_the_most_advanced_and_loses_the_rest() {
        let mut rng = SimRng::new(1);
        let mut repl = Replication::new(2, constant(0.005, 0.001));
        for i in 0..10 {
            repl.commit(i as f64 * 0.001, &mut rng);
        }
        // At 9.5 ms, records committed up to 4.5 ms have arrived: LSNs 1..=5.
        let p = repl.fail_primary(0.0095).unwrap();
        assert_eq!((p.replica, p.received, p.lost), (0, 5, 5));
        // LSN 5 arrived at 9 ms and is replayed at 10 ms: the new primary is ready then.
        assert!((p.replayed_at - 0.010).abs() < 1e-12, "{}", p.replayed_at);
        assert_eq!((repl.replicas(), repl.primary_lsn()), (1, 5));
        // The next commit continues the new history.
        assert_eq!(repl.commit(0.02, &mut rng).lsn, 6);
        assert!(
            Replication::new(0, constant(0.0, 0.0))
                .fail_primary(1.0)
                .is_err()
        );
    }
}
