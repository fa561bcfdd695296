//! The engine under the sharding experiments: requests arrive, each is split into
//! sub-requests to one or more shards (each shard a [`Station`]), and a request is done
//! when its last sub-request is — its latency is the slowest shard's.

use std::collections::BTreeMap;

use crate::error::Result;
use crate::sim::{
    Admission, Arrivals, EventQueue, LatencyHistogram, SimRng, Start, Station, StationStats,
};

/// One shard's part of a request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Sub {
    /// The shard.
    pub shard: usize,
    /// Its service time, in seconds.
    pub service: f64,
}

/// How a request is served: by the shards in the sub-request list, recorded under
/// `class`, or at once (a cache hit) with latency `immediate`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Planned {
    pub class: usize,
    pub immediate: Option<f64>,
}

/// One shard's load over the measured period.
#[derive(Debug, Clone)]
pub struct ShardLoad {
    /// Sub-requests the shard received.
    pub requests: u64,
    /// Its station's counts and utilisation.
    pub station: StationStats,
    /// Its sub-requests' response times (wait + service).
    pub response: LatencyHistogram,
}

/// What the engine measured.
#[derive(Debug, Clone)]
pub(super) struct FanOutRun {
    pub shards: Vec<ShardLoad>,
    pub classes: Vec<LatencyHistogram>,
    pub all: LatencyHistogram,
    pub arrived: u64,
    pub stopped_early: Option<String>,
}

/// The engine's settings.
pub(super) struct FanOut<'a> {
    pub arrivals: &'a Arrivals,
    pub shards: usize,
    pub servers: usize,
    pub requests: u64,
    pub warmup: u64,
    pub max_backlog: usize,
    pub classes: usize,
}

#[derive(Debug, Clone, Copy)]
struct Job {
    id: u64,
    arrived: f64,
    class: u8,
    measured: bool,
    single: bool,
}

#[derive(Debug, Clone, Copy)]
enum Event {
    Arrival,
    Done { shard: usize, epoch: u32, job: Job },
}

impl FanOut<'_> {
    /// Runs `requests` measured requests after `warmup`, each planned by `plan` (which
    /// fills the sub-request list and says how the request is served).
    pub fn run(
        &self,
        rng: &mut SimRng,
        mut plan: impl FnMut(&mut SimRng, &mut Vec<Sub>) -> Planned,
    ) -> Result<FanOutRun> {
        let mut stations: Vec<Station<Job>> = (0..self.shards)
            .map(|_| Station::new(self.servers))
            .collect::<Result<_>>()?;
        let mut loads: Vec<(u64, LatencyHistogram)> =
            vec![(0, LatencyHistogram::new()); self.shards];
        let mut classes = vec![LatencyHistogram::new(); self.classes];
        let mut all = LatencyHistogram::new();
        let mut pending: BTreeMap<u64, (u32, f64)> = BTreeMap::new();
        let mut events: EventQueue<Event> = EventQueue::new();
        let mut subs: Vec<Sub> = Vec::with_capacity(self.shards);
        let total = self.warmup + self.requests;
        let (mut generated, mut arrived) = (0u64, 0u64);
        let mut snapshot: Option<Vec<StationStats>> = None;
        let mut stopped_early = None;

        let record = |classes: &mut Vec<LatencyHistogram>,
                      all: &mut LatencyHistogram,
                      class: u8,
                      latency: f64| {
            classes[class as usize].record(latency);
            all.record(latency);
        };

        events.schedule_at(self.arrivals.next(0.0, rng), Event::Arrival);
        'run: while let Some((now, event)) = events.pop() {
            match event {
                Event::Arrival => {
                    let id = generated;
                    generated += 1;
                    let measured = generated > self.warmup;
                    if generated == self.warmup + 1 {
                        for s in &mut stations {
                            s.reset_stats(now);
                        }
                    }
                    arrived += measured as u64;
                    subs.clear();
                    let p = plan(rng, &mut subs);
                    let class = p.class as u8;
                    if let Some(latency) = p.immediate {
                        if measured {
                            record(&mut classes, &mut all, class, latency);
                        }
                    } else {
                        let single = subs.len() == 1;
                        if !single {
                            pending.insert(id, (subs.len() as u32, now));
                        }
                        for sub in &subs {
                            if measured {
                                loads[sub.shard].0 += 1;
                            }
                            let job = Job {
                                id,
                                arrived: now,
                                class,
                                measured,
                                single,
                            };
                            match stations[sub.shard].arrive(now, job, sub.service) {
                                Admission::Started(s) => schedule(&mut events, sub.shard, s),
                                Admission::Queued => {
                                    if stations[sub.shard].queue_len() > self.max_backlog {
                                        stopped_early = Some(self.overload_message(
                                            sub.shard,
                                            now,
                                            &stations[sub.shard],
                                        ));
                                        break 'run;
                                    }
                                }
                                Admission::Rejected(_) => {}
                            }
                        }
                    }
                    if generated < total {
                        events.schedule_at(self.arrivals.next(now, rng), Event::Arrival);
                    } else {
                        snapshot = Some(stations.iter().map(|s| s.stats(now)).collect());
                    }
                }
                Event::Done { shard, epoch, job } => {
                    stations[shard].finish(now, epoch);
                    if job.measured {
                        loads[shard].1.record(now - job.arrived);
                    }
                    if job.single {
                        if job.measured {
                            record(&mut classes, &mut all, job.class, now - job.arrived);
                        }
                    } else if let Some(entry) = pending.get_mut(&job.id) {
                        entry.0 -= 1;
                        if entry.0 == 0 {
                            let arrived_at = entry.1;
                            pending.remove(&job.id);
                            if job.measured {
                                record(&mut classes, &mut all, job.class, now - arrived_at);
                            }
                        }
                    }
                    if let Some(s) = stations[shard].start_next(now, |_, _| {}) {
                        schedule(&mut events, shard, s);
                    }
                }
            }
        }
        let end = events.now();
        let stats = snapshot.unwrap_or_else(|| stations.iter().map(|s| s.stats(end)).collect());
        Ok(FanOutRun {
            shards: loads
                .into_iter()
                .zip(stats)
                .map(|((requests, response), station)| ShardLoad {
                    requests,
                    station,
                    response,
                })
                .collect(),
            classes,
            all,
            arrived,
            stopped_early,
        })
    }

    fn overload_message(&self, shard: usize, now: f64, station: &Station<Job>) -> String {
        format!(
            "stopped at t = {now:.1} s: more than {} requests were waiting at shard {shard} (utilisation so far {:.2}). \
             That shard gets more than it can serve: a hot shard.",
            self.max_backlog,
            station.stats(now).utilisation()
        )
    }
}

#[inline]
fn schedule(events: &mut EventQueue<Event>, shard: usize, s: Start<Job>) {
    events.schedule_at(
        s.done_at,
        Event::Done {
            shard,
            epoch: s.epoch,
            job: s.job,
        },
    );
}
