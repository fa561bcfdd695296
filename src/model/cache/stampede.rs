//! Experiment: hot keys expiring — the stampede on the database, and its cures.
//!
//! `keys` hot keys are each requested as a Poisson stream; all were put in the cache at
//! time 0 (a deploy, a warm-up job), so without jitter they expire together. A miss is a
//! query on a database with a limited number of connections: when many arrive at once
//! they queue, each fill takes longer, and more requests miss meanwhile.

use std::fmt;

use super::node::{Cache, Lease, Lookup};
use super::store::Eviction;
use crate::error::{Result, at_least_one, positive};
use crate::model::database::Database;
use crate::sim::{Admission, Dist, EventQueue, LatencyHistogram, SimRng, TimeSeries, sweep};

/// What protects the database when a hot key expires.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cure {
    /// Nothing: every request that misses queries the database.
    Nothing,
    /// Request coalescing with leases: one request per key fills, the others wait for it.
    Coalescing,
    /// TTL jitter: each TTL drawn from `ttl × [1 − j, 1 + j]`, so keys stop expiring together.
    Jitter(f64),
    /// Early refresh: the first hit in the last `ahead` seconds refreshes the key in the
    /// background.
    EarlyRefresh(f64),
}

impl fmt::Display for Cure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cure::Nothing => write!(f, "no cure"),
            Cure::Coalescing => write!(f, "coalescing (leases)"),
            Cure::Jitter(j) => write!(f, "TTL jitter ±{:.0}%", j * 100.0),
            Cure::EarlyRefresh(a) => write!(f, "early refresh {a} s ahead"),
        }
    }
}

/// The stampede experiment's parameters (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct Stampede {
    keys: u64,
    rate: f64,
    ttl: f64,
    connections: usize,
    fetch: Dist,
    duration: f64,
    window: f64,
}

/// What one cure gave.
#[derive(Debug, Clone)]
pub struct StampedeReport {
    /// The cure.
    pub cure: Cure,
    /// Requests.
    pub requests: u64,
    /// Requests served by the cache.
    pub hits: u64,
    /// Queries sent to the database (fills and refreshes).
    pub db_reads: u64,
    /// Misses on an expired entry: the number of times a key's expiry was noticed.
    pub expirations: u64,
    /// Database queries started per window (`rates()` for queries per second).
    pub db_series: TimeSeries,
    /// The most queries in the database at once (running and waiting for a connection).
    pub peak_db_in_flight: usize,
    /// Response times of all requests (a hit counts as 0).
    pub latency: LatencyHistogram,
}

impl StampedeReport {
    /// Database queries per expiry noticed (1 + λ·fetch without a cure, 1 with coalescing).
    pub fn reads_per_expiry(&self) -> f64 {
        if self.expirations == 0 {
            0.0
        } else {
            self.db_reads as f64 / self.expirations as f64
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Job {
    key: u64,
    lease: Option<Lease>,
    /// When the request that triggered it arrived (None for a background refresh).
    client: Option<f64>,
}

#[derive(Debug, Clone, Copy)]
enum Event {
    Request,
    Done { epoch: u32, job: Job },
}

impl Stampede {
    /// `keys` ≥ 1 hot keys, each requested at `rate` > 0 per second, TTL `ttl` > 0 s.
    /// Defaults: a database with 20 connections taking 20 ms per fill (exponential), 120 s,
    /// windows of 1 s.
    pub fn new(keys: u64, rate: f64, ttl: f64) -> Result<Self> {
        Ok(Stampede {
            keys: super::check_keys(keys)?,
            rate: positive("rate", rate)?,
            ttl: positive("ttl", ttl)?,
            connections: 20,
            fetch: Dist::exponential(0.020)?,
            duration: 120.0,
            window: 1.0,
        })
    }

    /// The database: `connections` ≥ 1, each fill taking a draw of `fetch` seconds.
    pub fn database(mut self, connections: usize, fetch: Dist) -> Result<Self> {
        self.connections = at_least_one("connections", connections)?;
        self.fetch = fetch;
        Ok(self)
    }

    /// Seconds simulated (> 0), reported in windows of `window` seconds (> 0).
    pub fn duration(mut self, seconds: f64, window: f64) -> Result<Self> {
        self.duration = positive("duration", seconds)?;
        self.window = positive("window", window)?;
        Ok(self)
    }

    /// Every cure on the same requests (the same `seed` for each).
    pub fn compare(&self, cures: &[Cure], seed: u64) -> Result<Vec<StampedeReport>> {
        sweep(seed, cures, |c, _| self.run(*c, seed))
            .into_iter()
            .collect()
    }

    /// Runs with `cure` and `seed`.
    pub fn run(&self, cure: Cure, seed: u64) -> Result<StampedeReport> {
        let mut cache = Cache::new(self.keys as usize, Eviction::Lru)?.ttl(self.ttl)?;
        match cure {
            Cure::Nothing => {}
            Cure::Coalescing => cache = cache.leases(true),
            Cure::Jitter(j) => cache = cache.ttl_jitter(j)?,
            Cure::EarlyRefresh(ahead) => cache = cache.early_refresh(ahead)?,
        }
        let mut db: Database<Job> = Database::new(self.connections, 1)?;
        let mut arrivals = SimRng::stream(seed, 0);
        let mut service = SimRng::stream(seed, 1);
        let mut jitter = SimRng::stream(seed, 2);
        for key in 0..self.keys {
            cache.put(key, 1, 0.0, None, &mut jitter);
        }
        let mut waiting: Vec<Vec<f64>> = vec![Vec::new(); self.keys as usize];
        let mut r = StampedeReport {
            cure,
            requests: 0,
            hits: 0,
            db_reads: 0,
            expirations: 0,
            db_series: TimeSeries::new(self.window)?,
            peak_db_in_flight: 0,
            latency: LatencyHistogram::new(),
        };
        let total_rate = self.rate * self.keys as f64;
        let mut events = EventQueue::new();
        events.schedule_at(-arrivals.uniform_open0().ln() / total_rate, Event::Request);
        let mut submit = |db: &mut Database<Job>,
                          job: Job,
                          now: f64,
                          r: &mut StampedeReport,
                          events: &mut EventQueue<Event>| {
            r.db_reads += 1;
            r.db_series.record(now, 1.0);
            let fetch = self.fetch.sample(&mut service);
            if let Admission::Started(s) = db.submit_for(now, job, fetch) {
                events.schedule_at(
                    s.done_at,
                    Event::Done {
                        epoch: s.epoch,
                        job: s.job,
                    },
                );
            }
            r.peak_db_in_flight = r.peak_db_in_flight.max(db.station().in_system());
        };
        while let Some((now, event)) = events.pop() {
            if now >= self.duration {
                break;
            }
            match event {
                Event::Request => {
                    events.schedule_at(
                        now - arrivals.uniform_open0().ln() / total_rate,
                        Event::Request,
                    );
                    let key = arrivals.below(self.keys);
                    r.requests += 1;
                    match cache.get(key, now) {
                        Lookup::Hit { refresh, .. } => {
                            r.hits += 1;
                            r.latency.record(0.0);
                            if let Some(lease) = refresh {
                                submit(
                                    &mut db,
                                    Job {
                                        key,
                                        lease: Some(lease),
                                        client: None,
                                    },
                                    now,
                                    &mut r,
                                    &mut events,
                                );
                            }
                        }
                        Lookup::Miss { lease, expired } => {
                            r.expirations += expired as u64;
                            submit(
                                &mut db,
                                Job {
                                    key,
                                    lease,
                                    client: Some(now),
                                },
                                now,
                                &mut r,
                                &mut events,
                            );
                        }
                        Lookup::Wait => waiting[key as usize].push(now),
                    }
                }
                Event::Done { epoch, job } => {
                    db.finish(now, epoch);
                    cache.put(job.key, 1, now, job.lease, &mut jitter);
                    if let Some(t0) = job.client {
                        r.latency.record(now - t0);
                    }
                    for t0 in waiting[job.key as usize].drain(..) {
                        r.latency.record(now - t0);
                    }
                    if let Some(s) = db.start_next(now, |_, _| {}) {
                        events.schedule_at(
                            s.done_at,
                            Event::Done {
                                epoch: s.epoch,
                                job: s.job,
                            },
                        );
                    }
                }
            }
        }
        Ok(r)
    }
}
