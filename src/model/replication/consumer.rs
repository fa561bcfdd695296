//! Experiment: the author's bug — an event consumer reads a replica right after the
//! write it was told about — and each fix.
//!
//! A service saves an entity (a commit on the primary) and publishes a zero-payload
//! "saved" event. The consumer receives it after a delivery delay (publish, broker,
//! poll) and calls the service's API to read the entity. If that read goes to a replica
//! that has not replayed the write yet, the consumer sees nothing (a create) or the old
//! version (an update). Other writes load the same replication stream.
//!
//! The fixes are [`ReadPolicy`] variants: read the primary (the author's fix, only for
//! this logic), put the commit's LSN in the event and read a replica that has it, wait for
//! the replica to catch up, or read the primary for a window after the event's commit.

use super::router::{ReadPolicy, ReadRouter, Session, Target};
use super::stream::{LagModel, Replication};
use crate::error::{Result, at_least_one, non_negative, positive};
use crate::sim::{Dist, EventQueue, LatencyHistogram, SimRng, sweep};

/// The event-consumer experiment's parameters (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct EventConsumer {
    event_rate: f64,
    other_writes: f64,
    replicas: usize,
    lag: LagModel,
    delivery: Dist,
    duration: f64,
    warmup: f64,
}

/// What the consumer saw under one policy.
#[derive(Debug, Clone)]
pub struct ConsumerReport {
    /// The policy of the consumer's read.
    pub policy: ReadPolicy,
    /// Events consumed.
    pub events: u64,
    /// Reads that missed the write the event announced.
    pub stale: u64,
    /// Reads sent to the primary.
    pub primary_reads: u64,
    /// How long reads waited before running (waiting for a replica, or its timeout).
    pub wait: LatencyHistogram,
}

impl ConsumerReport {
    /// stale / events.
    pub fn stale_fraction(&self) -> f64 {
        if self.events == 0 {
            0.0
        } else {
            self.stale as f64 / self.events as f64
        }
    }

    /// primary_reads / events: the load the fix puts back on the primary.
    pub fn primary_share(&self) -> f64 {
        if self.events == 0 {
            0.0
        } else {
            self.primary_reads as f64 / self.events as f64
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Event {
    Save,
    OtherWrite,
    Consume { committed: f64, lsn: u64 },
}

impl EventConsumer {
    /// Saves that publish an event at `event_rate` > 0 per second, on a primary with
    /// `replicas` ≥ 1 replicas. Defaults: 1000 other writes per second, the default lag
    /// (1 ms + replay at 2000/s), delivery log-normal with mean 5 ms (cv 1), 60 s
    /// measured after 5 s.
    pub fn new(event_rate: f64, replicas: usize) -> Result<Self> {
        Ok(EventConsumer {
            event_rate: positive("event_rate", event_rate)?,
            other_writes: 1000.0,
            replicas: at_least_one("replicas", replicas)?,
            lag: LagModel::default(),
            delivery: Dist::log_normal(0.005, 1.0)?,
            duration: 60.0,
            warmup: 5.0,
        })
    }

    /// Other writes per second (≥ 0) on the same primary: more write load, more lag.
    pub fn other_writes(mut self, rate: f64) -> Result<Self> {
        self.other_writes = non_negative("other_writes", rate)?;
        Ok(self)
    }

    /// How replicas lag.
    pub fn lag(mut self, lag: LagModel) -> Self {
        self.lag = lag;
        self
    }

    /// Time from the commit to the consumer's read.
    pub fn delivery(mut self, delay: Dist) -> Self {
        self.delivery = delay;
        self
    }

    /// Seconds measured (> 0) after a warm-up (≥ 0).
    pub fn duration(mut self, seconds: f64, warmup: f64) -> Result<Self> {
        self.duration = positive("duration", seconds)?;
        self.warmup = non_negative("warmup", warmup)?;
        Ok(self)
    }

    /// Every policy on the same events (the same `seed` for each).
    pub fn compare(&self, policies: &[ReadPolicy], seed: u64) -> Result<Vec<ConsumerReport>> {
        sweep(seed, policies, |p, _| self.run(*p, seed))
            .into_iter()
            .collect()
    }

    /// Runs with the consumer reading by `policy`, with `seed`.
    pub fn run(&self, policy: ReadPolicy, seed: u64) -> Result<ConsumerReport> {
        let mut router = ReadRouter::new(policy)?;
        let mut repl = Replication::new(self.replicas, self.lag);
        let mut arrivals = SimRng::stream(seed, 0);
        let mut lag_rng = SimRng::stream(seed, 1);
        let mut delivery = SimRng::stream(seed, 2);
        let mut r = ConsumerReport {
            policy,
            events: 0,
            stale: 0,
            primary_reads: 0,
            wait: LatencyHistogram::new(),
        };
        let end = self.warmup + self.duration;
        let exp = |rng: &mut SimRng, rate: f64| -rng.uniform_open0().ln() / rate;
        let mut events = EventQueue::new();
        events.schedule_at(exp(&mut arrivals, self.event_rate), Event::Save);
        if self.other_writes > 0.0 {
            events.schedule_at(exp(&mut arrivals, self.other_writes), Event::OtherWrite);
        }
        while let Some((now, event)) = events.pop() {
            if now >= end {
                break;
            }
            match event {
                Event::Save => {
                    events.schedule_at(now + exp(&mut arrivals, self.event_rate), Event::Save);
                    let c = repl.commit(now, &mut lag_rng);
                    let consume = Event::Consume {
                        committed: now,
                        lsn: c.lsn,
                    };
                    events.schedule_at(now + self.delivery.sample(&mut delivery), consume);
                }
                Event::OtherWrite => {
                    events.schedule_at(
                        now + exp(&mut arrivals, self.other_writes),
                        Event::OtherWrite,
                    );
                    repl.commit(now, &mut lag_rng);
                }
                Event::Consume { committed, lsn } => {
                    // The event names the entity; what else it carries (commit time, LSN)
                    // is what the fixes use.
                    let session = Session {
                        last_write: Some((committed, lsn)),
                    };
                    let route = router.route(now, &mut repl, &session);
                    if committed >= self.warmup {
                        r.events += 1;
                        r.stale += route.stale as u64;
                        r.primary_reads += (route.target == Target::Primary) as u64;
                        r.wait.record(route.start_at - now);
                    }
                }
            }
        }
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bug_and_its_fixes() {
        let exp = EventConsumer::new(200.0, 2)
            .unwrap()
            .duration(30.0, 2.0)
            .unwrap();
        let policies = [
            ReadPolicy::Replica,
            ReadPolicy::Primary,
            ReadPolicy::SessionLsn,
            ReadPolicy::WaitForReplica { timeout: 0.5 },
            ReadPolicy::PrimaryAfterWrite { window: 0.1 },
        ];
        let reports = exp.compare(&policies, 7).unwrap();
        assert!(
            reports
                .iter()
                .all(|r| r.events == reports[0].events && r.events > 5000)
        );
        let bug = &reports[0];
        assert!(
            bug.stale > 0 && bug.stale_fraction() < 0.5,
            "sometimes, not always: {}",
            bug.stale_fraction()
        );
        assert_eq!(bug.primary_reads, 0);
        for fix in &reports[1..] {
            assert_eq!(fix.stale, 0, "{}", fix.policy);
        }
        assert_eq!(
            reports[1].primary_share(),
            1.0,
            "the author's fix reads the primary every time"
        );
        assert!(
            reports[2].primary_share() < 0.5,
            "the LSN token reads the primary only when replicas lag"
        );
        assert!(reports[3].wait.max() > 0.0 && reports[3].primary_reads == 0);
    }
}
