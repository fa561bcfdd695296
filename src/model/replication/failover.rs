//! Experiment: the primary dies — the writes lost and the time without a primary.
//!
//! Writes are a Poisson stream. At `fail_at` the primary dies. The failure is noticed
//! `detect` seconds later (missed heartbeats), then the replica that has received the
//! most is promoted, which takes `promote` seconds and cannot finish before that replica
//! has replayed everything it received. Writes arriving meanwhile fail. Commits the
//! promoted replica never received are lost; with asynchronous replication the clients
//! had already been told they were committed. With synchronous replication (a commit
//! waits until `sync` replicas have it) no acknowledged write is lost, and each write
//! waits for the network.

use super::stream::{LagModel, Replication};
use crate::error::{Error, Result, at_least_one, non_negative, positive};
use crate::sim::{LatencyHistogram, SimRng, TimeSeries};

/// The failover experiment's parameters (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct Failover {
    write_rate: f64,
    replicas: usize,
    lag: LagModel,
    sync: usize,
    fail_at: f64,
    detect: f64,
    promote: f64,
    duration: f64,
    window: f64,
}

/// What the failover did.
#[derive(Debug, Clone)]
pub struct FailoverReport {
    /// Writes committed on the old primary.
    pub committed: u64,
    /// Of those, commits the new primary never received.
    pub lost: u64,
    /// Of the lost, those whose client had been told "committed".
    pub lost_acknowledged: u64,
    /// Commits whose acknowledgement had not reached the client when the primary died
    /// (the client saw an error and cannot know whether the write survived).
    pub in_doubt: u64,
    /// Writes that arrived while there was no primary.
    pub rejected: u64,
    /// Seconds from the failure to the new primary accepting writes.
    pub downtime: f64,
    /// Which replica was promoted (`None` if the failure was after the end).
    pub promoted: Option<usize>,
    /// Time from a write's arrival to its acknowledgement.
    pub write_latency: LatencyHistogram,
    /// Acknowledged writes per window.
    pub acknowledged: TimeSeries,
    /// Writes refused (no primary) per window.
    pub refused: TimeSeries,
}

impl Failover {
    /// Writes at `write_rate` > 0 per second to a primary with `replicas` ≥ 1 replicas.
    /// Defaults: the default lag, asynchronous, the primary dies at 30 s, detected after
    /// 10 s, promotion 5 s; 60 s in windows of 1 s.
    pub fn new(write_rate: f64, replicas: usize) -> Result<Self> {
        Ok(Failover {
            write_rate: positive("write_rate", write_rate)?,
            replicas: at_least_one("replicas", replicas)?,
            lag: LagModel::default(),
            sync: 0,
            fail_at: 30.0,
            detect: 10.0,
            promote: 5.0,
            duration: 60.0,
            window: 1.0,
        })
    }

    /// How replicas lag.
    pub fn lag(mut self, lag: LagModel) -> Self {
        self.lag = lag;
        self
    }

    /// Each commit waits until `k` replicas (0..=replicas) have received it.
    pub fn synchronous(mut self, k: usize) -> Result<Self> {
        if k > self.replicas {
            return Err(Error::param(
                "sync",
                k,
                format!("at most the number of replicas ({})", self.replicas),
            ));
        }
        self.sync = k;
        Ok(self)
    }

    /// The primary dies at `fail_at` ≥ 0 s; detection takes `detect` ≥ 0 s and promotion
    /// `promote` ≥ 0 s.
    pub fn failure(mut self, fail_at: f64, detect: f64, promote: f64) -> Result<Self> {
        self.fail_at = non_negative("fail_at", fail_at)?;
        self.detect = non_negative("detect", detect)?;
        self.promote = non_negative("promote", promote)?;
        Ok(self)
    }

    /// Seconds simulated (> 0) in windows of `window` seconds (> 0).
    pub fn duration(mut self, seconds: f64, window: f64) -> Result<Self> {
        self.duration = positive("duration", seconds)?;
        self.window = positive("window", window)?;
        Ok(self)
    }

    /// Runs with `seed`.
    pub fn run(&self, seed: u64) -> Result<FailoverReport> {
        let mut repl = Replication::new(self.replicas, self.lag).synchronous(self.sync)?;
        let mut arrivals = SimRng::stream(seed, 0);
        let mut lag_rng = SimRng::stream(seed, 1);
        let mut r = FailoverReport {
            committed: 0,
            lost: 0,
            lost_acknowledged: 0,
            in_doubt: 0,
            rejected: 0,
            downtime: 0.0,
            promoted: None,
            write_latency: LatencyHistogram::new(),
            acknowledged: TimeSeries::new(self.window)?,
            refused: TimeSeries::new(self.window)?,
        };
        // (arrival, LSN, acknowledged at) of the old primary's commits still unacknowledged
        // or recent enough to be lost; older ones are settled and dropped.
        let mut recent: Vec<(f64, u64, f64)> = Vec::new();
        let mut prune_at = 4096;
        let mut back_at = f64::INFINITY;
        let mut failed = false;
        let mut t = 0.0;
        loop {
            t += -arrivals.uniform_open0().ln() / self.write_rate;
            if !failed && t.min(self.duration) >= self.fail_at && self.fail_at < self.duration {
                failed = true;
                let p = repl.fail_primary(self.fail_at)?;
                back_at = (self.fail_at + self.detect + self.promote).max(p.replayed_at);
                r.downtime = back_at - self.fail_at;
                r.promoted = Some(p.replica);
                r.lost = p.lost;
                for &(arrived, lsn, acked_at) in &recent {
                    let acked = acked_at <= self.fail_at;
                    if acked {
                        r.write_latency.record(acked_at - arrived);
                        r.acknowledged.record(acked_at, 1.0);
                    } else {
                        r.in_doubt += 1;
                    }
                    r.lost_acknowledged += (acked && lsn > p.received) as u64;
                }
                recent.clear();
            }
            if t >= self.duration {
                break;
            }
            if failed && t < back_at {
                r.rejected += 1;
                r.refused.record(t, 1.0);
                continue;
            }
            let c = repl.commit(t, &mut lag_rng);
            if failed {
                r.write_latency.record(c.acked_at - t);
                r.acknowledged.record(c.acked_at, 1.0);
                continue;
            }
            r.committed += 1;
            recent.push((t, c.lsn, c.acked_at));
            // Every replica has received LSN ≤ settled: those commits can no longer be
            // lost or in doubt.
            if recent.len() >= prune_at {
                let settled = (0..repl.replicas())
                    .map(|i| repl.received_lsn(i, t))
                    .min()
                    .unwrap_or(0);
                recent.retain(|&(arrived, lsn, acked_at)| {
                    let keep = lsn > settled || acked_at > t;
                    if !keep {
                        r.write_latency.record(acked_at - arrived);
                        r.acknowledged.record(acked_at, 1.0);
                    }
                    keep
                });
                prune_at = (2 * recent.len()).max(4096);
            }
        }
        if !failed {
            for &(arrived, _, acked_at) in &recent {
                r.write_latency.record(acked_at - arrived);
                r.acknowledged.record(acked_at, 1.0);
            }
        }
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn async_loses_the_last_writes_and_sync_loses_none() {
        let lag = LagModel::exponential(0.005, 5000.0).unwrap();
        let base = Failover::new(2000.0, 2)
            .unwrap()
            .lag(lag)
            .failure(2.0, 1.0, 0.5)
            .unwrap()
            .duration(5.0, 0.5)
            .unwrap();
        let a = base.clone().run(1).unwrap();
        assert!(a.lost > 0 && a.lost == a.lost_acknowledged, "{a:?}");
        assert!((a.downtime - 1.5).abs() < 1e-9);
        // 1.5 s without a primary at 2000 writes/s: about 3000 refused (Poisson sd ≈ 55).
        assert!((a.rejected as f64 - 3000.0).abs() < 300.0, "{}", a.rejected);
        assert!(
            a.write_latency.max() == 0.0,
            "asynchronous commits are acknowledged at once"
        );
        let s = base.synchronous(1).unwrap().run(1).unwrap();
        assert_eq!(s.lost_acknowledged, 0);
        assert!(s.in_doubt > 0, "writes in flight when the primary died");
        assert!(
            s.write_latency.min() >= 0.005 - 1e-6,
            "each write waits for the network"
        );
        assert!(Failover::new(1.0, 1).unwrap().synchronous(2).is_err());
        assert!(Failover::new(1.0, 0).is_err());
    }
}
