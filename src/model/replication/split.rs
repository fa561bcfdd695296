//! Experiment: a primary and N replicas behind a read/write-splitting router — read
//! throughput and latency as replicas are added, and the stale reads of users who read
//! right after they wrote.
//!
//! Every node is a [`Database`] with its own connections. Writes run on the primary and
//! commit when they finish; replicas replay them (see [`Replication`]; replay runs beside
//! the read connections, as PostgreSQL's startup process does). Reads arrive as a Poisson
//! stream from random users; after each write its user reads again a little later (the
//! page reload after "save"). A read is stale if, when it starts, its node has not
//! replayed the user's last write.

use super::router::{ReadPolicy, ReadRouter, Session, Target};
use super::stream::{LagModel, Replication};
use crate::error::{Error, Result, at_least_one, non_negative, positive};
use crate::model::database::{CostModel, Database, Query};
use crate::sim::{Admission, Dist, EventQueue, LatencyHistogram, SimRng, Start, sweep};

/// The read/write split experiment's parameters (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct ReadWriteSplit {
    read_rate: f64,
    write_rate: f64,
    replicas: usize,
    connections: usize,
    rows: u64,
    cost: CostModel,
    lag: LagModel,
    policy: ReadPolicy,
    users: usize,
    read_after_write: Option<Dist>,
    queue_limit: Option<usize>,
    duration: f64,
    warmup: f64,
}

/// What a [`ReadWriteSplit`] run measured (requests arriving after the warm-up).
#[derive(Debug, Clone)]
pub struct SplitReport {
    /// The routing policy.
    pub policy: ReadPolicy,
    /// Replicas.
    pub replicas: usize,
    /// Reads that arrived.
    pub reads: u64,
    /// Reads turned away by a full connection queue.
    pub rejected_reads: u64,
    /// Response times of served reads (waiting for a replica included).
    pub read_latency: LatencyHistogram,
    /// Response times of writes.
    pub write_latency: LatencyHistogram,
    /// Reads served per node: index 0 is the primary, `1 + i` replica `i`.
    pub reads_by_node: Vec<u64>,
    /// Connection utilisation per node, same order.
    pub utilisation: Vec<f64>,
    /// Reads a user made right after their own write.
    pub follow_up_reads: u64,
    /// Reads (of any kind) that missed their user's last write.
    pub stale_reads: u64,
    /// Served reads per second.
    pub read_throughput: f64,
    /// Completed writes per second.
    pub write_throughput: f64,
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Read { token: u64 },
    Write { user: usize },
}

#[derive(Debug, Clone, Copy)]
struct Job {
    kind: Kind,
    arrived: f64,
    measured: bool,
}

#[derive(Debug, Clone, Copy)]
enum Event {
    Read,
    FollowUp { user: usize },
    Write,
    Submit { node: usize, job: Job },
    Done { node: usize, epoch: u32, job: Job },
    Measure,
}

impl ReadWriteSplit {
    /// Reads at `read_rate` > 0 and writes at `write_rate` ≥ 0 per second on a primary
    /// with `replicas` replicas (0: everything on the primary), each node with
    /// `connections` connections. Defaults: relational costs on 10 M rows (point reads,
    /// writes with 2 indexes, exponential variability), the default lag, reads on any
    /// replica, 10 000 users, a follow-up read 50 ms (exponential) after each write, no
    /// queue limit, 60 s measured after 10 s.
    pub fn new(
        read_rate: f64,
        write_rate: f64,
        replicas: usize,
        connections: usize,
    ) -> Result<Self> {
        Ok(ReadWriteSplit {
            read_rate: positive("read_rate", read_rate)?,
            write_rate: non_negative("write_rate", write_rate)?,
            replicas,
            connections: at_least_one("connections", connections)?,
            rows: 10_000_000,
            cost: CostModel::relational(),
            lag: LagModel::default(),
            policy: ReadPolicy::Replica,
            users: 10_000,
            read_after_write: Some(Dist::exponential(0.050)?),
            queue_limit: None,
            duration: 60.0,
            warmup: 10.0,
        })
    }

    /// How reads are routed.
    pub fn policy(mut self, policy: ReadPolicy) -> Result<Self> {
        policy.validate()?;
        self.policy = policy;
        Ok(self)
    }

    /// How replicas lag.
    pub fn lag(mut self, lag: LagModel) -> Self {
        self.lag = lag;
        self
    }

    /// Query costs.
    pub fn cost_model(mut self, cost: CostModel) -> Result<Self> {
        cost.validate()?;
        self.cost = cost;
        Ok(self)
    }

    /// `users` ≥ 1 users, and the delay from a write to its user's next read (`None`: no
    /// follow-up reads).
    pub fn users(mut self, users: usize, read_after_write: Option<Dist>) -> Result<Self> {
        self.users = at_least_one("users", users)?;
        self.read_after_write = read_after_write;
        Ok(self)
    }

    /// At most `limit` queries wait for a connection on each node; more are rejected.
    pub fn queue_limit(mut self, limit: usize) -> Self {
        self.queue_limit = Some(limit);
        self
    }

    /// Seconds measured (> 0) after a warm-up (≥ 0).
    pub fn duration(mut self, seconds: f64, warmup: f64) -> Result<Self> {
        self.duration = positive("duration", seconds)?;
        self.warmup = non_negative("warmup", warmup)?;
        Ok(self)
    }

    fn read_cost(&self) -> f64 {
        self.cost.cost(&Query::PointRead, self.rows)
    }

    fn write_cost(&self) -> f64 {
        self.cost.cost(&Query::Write { indexes: 2 }, self.rows)
    }

    /// The most reads per second the cluster can serve with reads on replicas (on the
    /// primary, beside the writes, when there are none).
    pub fn read_capacity(&self) -> f64 {
        let c = self.connections as f64;
        if self.replicas == 0 {
            ((c - self.write_rate * self.write_cost()) / self.read_cost()).max(0.0)
        } else {
            self.replicas as f64 * c / self.read_cost()
        }
    }

    /// The same workload with each replica count in `counts` (e.g. `&[0, 1, 2, 4]`), in
    /// parallel, each with `seed` (the same requests for every count).
    pub fn compare_replicas(&self, counts: &[usize], seed: u64) -> Result<Vec<SplitReport>> {
        if counts.is_empty() {
            return Err(Error::InvalidConfig(
                "compare_replicas needs at least one replica count".into(),
            ));
        }
        sweep(seed, counts, |&n, _| {
            ReadWriteSplit {
                replicas: n,
                ..self.clone()
            }
            .run(seed)
        })
        .into_iter()
        .collect()
    }

    /// Runs with `seed`.
    pub fn run(&self, seed: u64) -> Result<SplitReport> {
        let node = |_| -> Result<Database<Job>> {
            let db = Database::new(self.connections, self.rows)?.cost_model(self.cost)?;
            Ok(match self.queue_limit {
                Some(limit) => db.queue_limit(limit),
                None => db,
            })
        };
        let mut nodes: Vec<Database<Job>> = (0..=self.replicas).map(node).collect::<Result<_>>()?;
        let mut repl = Replication::new(self.replicas, self.lag);
        let mut router = ReadRouter::new(self.policy)?;
        let mut sessions = vec![Session::default(); self.users];
        let mut arrivals = SimRng::stream(seed, 0);
        let mut service = SimRng::stream(seed, 1);
        let mut lag_rng = SimRng::stream(seed, 2);
        let mut think = SimRng::stream(seed, 3);
        let (read_q, write_q) = (Query::PointRead, Query::Write { indexes: 2 });
        let mut r = SplitReport {
            policy: self.policy,
            replicas: self.replicas,
            reads: 0,
            rejected_reads: 0,
            read_latency: LatencyHistogram::new(),
            write_latency: LatencyHistogram::new(),
            reads_by_node: vec![0; self.replicas + 1],
            utilisation: Vec::new(),
            follow_up_reads: 0,
            stale_reads: 0,
            read_throughput: 0.0,
            write_throughput: 0.0,
        };
        let end = self.warmup + self.duration;
        let mut events = EventQueue::new();
        let exp = |rng: &mut SimRng, rate: f64| -rng.uniform_open0().ln() / rate;
        events.schedule_at(exp(&mut arrivals, self.read_rate), Event::Read);
        if self.write_rate > 0.0 {
            events.schedule_at(exp(&mut arrivals, self.write_rate), Event::Write);
        }
        events.schedule_at(self.warmup, Event::Measure);

        // A job started on `node` at `now`: schedule its end, count it.
        let started = |s: Start<Job>,
                       node: usize,
                       now: f64,
                       repl: &mut Replication,
                       r: &mut SplitReport,
                       events: &mut EventQueue<Event>| {
            events.schedule_at(
                s.done_at,
                Event::Done {
                    node,
                    epoch: s.epoch,
                    job: s.job,
                },
            );
            if let Kind::Read { token, .. } = s.job.kind
                && s.job.measured
            {
                r.reads_by_node[node] += 1;
                r.read_latency.record(s.done_at - s.job.arrived);
                r.stale_reads += (node > 0 && repl.applied_lsn(node - 1, now) < token) as u64;
            }
        };
        let mut read_count = 0u64;
        let mut write_count = 0u64;

        while let Some((now, event)) = events.pop() {
            if now >= end {
                break;
            }
            let measured = now >= self.warmup;
            let submit =
                |node: usize, job: Job, nodes: &mut Vec<Database<Job>>, rng: &mut SimRng| {
                    let q = if matches!(job.kind, Kind::Read { .. }) {
                        &read_q
                    } else {
                        &write_q
                    };
                    nodes[node].submit(now, job, q, rng)
                };
            match event {
                Event::Read | Event::FollowUp { .. } => {
                    let user = match event {
                        Event::FollowUp { user } => {
                            r.follow_up_reads += measured as u64;
                            user
                        }
                        _ => {
                            events
                                .schedule_at(now + exp(&mut arrivals, self.read_rate), Event::Read);
                            arrivals.index(self.users)
                        }
                    };
                    r.reads += measured as u64;
                    let route = router.route(now, &mut repl, &sessions[user]);
                    let node = match route.target {
                        Target::Primary => 0,
                        Target::Replica(i) => i + 1,
                    };
                    let job = Job {
                        kind: Kind::Read {
                            token: sessions[user].token(),
                        },
                        arrived: now,
                        measured,
                    };
                    if route.start_at > now {
                        events.schedule_at(route.start_at, Event::Submit { node, job });
                    } else {
                        match submit(node, job, &mut nodes, &mut service) {
                            Admission::Started(s) => {
                                started(s, node, now, &mut repl, &mut r, &mut events)
                            }
                            Admission::Rejected(_) => r.rejected_reads += measured as u64,
                            Admission::Queued => {}
                        }
                    }
                }
                Event::Submit { node, job } => match submit(node, job, &mut nodes, &mut service) {
                    Admission::Started(s) => started(s, node, now, &mut repl, &mut r, &mut events),
                    Admission::Rejected(_) => r.rejected_reads += job.measured as u64,
                    Admission::Queued => {}
                },
                Event::Write => {
                    events.schedule_at(now + exp(&mut arrivals, self.write_rate), Event::Write);
                    let job = Job {
                        kind: Kind::Write {
                            user: arrivals.index(self.users),
                        },
                        arrived: now,
                        measured,
                    };
                    if let Admission::Started(s) = submit(0, job, &mut nodes, &mut service) {
                        started(s, 0, now, &mut repl, &mut r, &mut events);
                    }
                }
                Event::Done { node, epoch, job } => {
                    nodes[node].finish(now, epoch);
                    match job.kind {
                        Kind::Write { user } => {
                            let commit = repl.commit(now, &mut lag_rng);
                            sessions[user].wrote(now, &commit);
                            if job.measured {
                                r.write_latency.record(now - job.arrived);
                                write_count += 1;
                            }
                            if let Some(delay) = &self.read_after_write {
                                events.schedule_at(
                                    now + delay.sample(&mut think),
                                    Event::FollowUp { user },
                                );
                            }
                        }
                        Kind::Read { .. } => read_count += job.measured as u64,
                    }
                    if let Some(s) = nodes[node].start_next(now, |_, _| {}) {
                        started(s, node, now, &mut repl, &mut r, &mut events);
                    }
                }
                Event::Measure => nodes
                    .iter_mut()
                    .for_each(|n| n.station_mut().reset_stats(now)),
            }
        }
        r.utilisation = nodes
            .iter()
            .map(|n| n.station().stats(end).utilisation())
            .collect();
        r.read_throughput = read_count as f64 / self.duration;
        r.write_throughput = write_count as f64 / self.duration;
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(replicas: usize) -> ReadWriteSplit {
        ReadWriteSplit::new(3000.0, 200.0, replicas, 2)
            .unwrap()
            .duration(20.0, 2.0)
            .unwrap()
    }

    #[test]
    fn replicas_take_the_reads_and_cut_latency() {
        // One node: 2 connections, 3200 reads/s (200 of them follow-ups) at 0.33 ms and
        // 200 writes/s at 0.98 ms: ρ ≈ (3200·0.000331 + 200·0.00098) / 2 ≈ 0.63.
        let (zero, two) = (split(0).run(1).unwrap(), split(2).run(1).unwrap());
        assert_eq!(zero.reads_by_node.len(), 1);
        assert!(two.reads_by_node[0] == 0 && two.reads_by_node[1] > 0 && two.reads_by_node[2] > 0);
        assert!(two.read_latency.p99() < zero.read_latency.p99());
        assert_eq!(zero.stale_reads, 0, "the primary is never stale");
        assert!(
            two.stale_reads > 0,
            "follow-up reads 50 ms after a write sometimes beat the lag"
        );
        assert!(
            (zero.read_throughput - 3200.0).abs() < 150.0,
            "{}",
            zero.read_throughput
        );
        assert!(
            (zero.utilisation[0] - 0.63).abs() < 0.05,
            "{:?}",
            zero.utilisation
        );
    }

    #[test]
    fn read_your_writes_policies_remove_stale_reads() {
        let slow = LagModel::exponential(0.020, 2000.0).unwrap();
        for policy in [
            ReadPolicy::Primary,
            ReadPolicy::SessionLsn,
            ReadPolicy::WaitForReplica { timeout: 1.0 },
            ReadPolicy::PrimaryAfterWrite { window: 5.0 },
        ] {
            let r = split(2).lag(slow).policy(policy).unwrap().run(2).unwrap();
            assert_eq!(r.stale_reads, 0, "{policy}");
            assert!(r.follow_up_reads > 1000);
        }
        let naive = split(2).lag(slow).run(2).unwrap();
        assert!(naive.stale_reads > naive.follow_up_reads / 10);
    }
}
