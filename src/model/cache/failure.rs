//! Experiment: a cache server fails — the miss storm on the database, and how placement
//! and copies change it.
//!
//! Zipf requests go to a [`CacheCluster`] in front of a database with a limited number of
//! connections. The caches start warm (each holds the most popular of its keys). At
//! `fail_at` one server dies: until the failure is detected its requests time out on the
//! cache and go to the database; after detection it leaves the membership and its keys
//! move to other servers, which start cold for them. With `hash % N` placement nearly
//! every key moves, with a ring only the failed server's. With two copies the other copy
//! answers — if it is still there: reads only touch a key's first server, so under LRU
//! a copy that is never read ages out like any cold entry.

use super::cluster::{CacheCluster, Placement, Routed};
use super::node::{Cache, Lookup};
use super::store::Eviction;
use crate::error::{Error, Result, at_least_one, non_negative, positive};
use crate::model::database::Database;
use crate::sim::{
    Admission, Dist, EventQueue, LatencyHistogram, LatencySeries, SimRng, TimeSeries, Zipf,
};

/// The node-failure experiment's parameters (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct NodeFailure {
    nodes: usize,
    capacity: usize,
    zipf: Zipf,
    rate: f64,
    placement: Placement,
    replicas: usize,
    connections: usize,
    fetch: Dist,
    cache_timeout: f64,
    fail_at: f64,
    detect_after: f64,
    duration: f64,
    window: f64,
}

/// What the failure did.
#[derive(Debug, Clone)]
pub struct NodeFailureReport {
    /// Requests per window.
    pub requests: TimeSeries,
    /// Database queries per window (misses and requests to the dead server).
    pub db_reads: TimeSeries,
    /// Cache hits per window.
    pub hits: TimeSeries,
    /// Response-time percentiles per window.
    pub latency: LatencySeries,
    /// All response times.
    pub response: LatencyHistogram,
    /// The share of requests (by popularity) whose first server changed when the failed
    /// server left the membership.
    pub moved: f64,
    /// Database queries per second before the failure.
    pub db_rate_before: f64,
    /// The most database queries started in one window after the failure, per second.
    pub db_peak_after: f64,
    /// The size of the miss storm: database queries after the failure beyond what the
    /// rate before it would have sent.
    pub extra_db_reads: f64,
}

#[derive(Debug, Clone, Copy)]
struct Job {
    key: u64,
    arrived: f64,
    fill: bool,
}

#[derive(Debug, Clone, Copy)]
enum Event {
    Request,
    Fail,
    Detect,
    ToDb { job: Job },
    Done { epoch: u32, job: Job },
}

impl NodeFailure {
    /// `nodes` ≥ 2 cache servers of `capacity` ≥ 1 entries each (LRU), requests at `rate`
    /// per second over `keys` Zipf(`alpha`) keys. Defaults: a ring with 100 virtual nodes,
    /// one copy, a database with 50 connections and 5 ms fills (exponential), a cache
    /// timeout of 10 ms; server 0 fails at 30 s, detected after 5 s; 90 s in 1 s windows.
    pub fn new(nodes: usize, capacity: usize, keys: u64, alpha: f64, rate: f64) -> Result<Self> {
        if nodes < 2 {
            return Err(Error::param(
                "nodes",
                nodes,
                "at least 2 (one fails, one stays)",
            ));
        }
        Ok(NodeFailure {
            nodes,
            capacity: at_least_one("capacity", capacity)?,
            zipf: Zipf::new(super::check_keys(keys)?, alpha)?,
            rate: positive("rate", rate)?,
            placement: Placement::Ring { vnodes: 100 },
            replicas: 1,
            connections: 50,
            fetch: Dist::exponential(0.005)?,
            cache_timeout: 0.010,
            fail_at: 30.0,
            detect_after: 5.0,
            duration: 90.0,
            window: 1.0,
        })
    }

    /// How keys are placed, and on how many servers (1..nodes).
    pub fn placement(mut self, placement: Placement, replicas: usize) -> Result<Self> {
        at_least_one("replicas", replicas)?;
        if replicas >= self.nodes {
            return Err(Error::param(
                "replicas",
                replicas,
                format!("below the number of nodes ({})", self.nodes),
            ));
        }
        self.placement = placement;
        self.replicas = replicas;
        Ok(self)
    }

    /// The database: `connections` ≥ 1, each fill taking a draw of `fetch` seconds.
    pub fn database(mut self, connections: usize, fetch: Dist) -> Result<Self> {
        self.connections = at_least_one("connections", connections)?;
        self.fetch = fetch;
        Ok(self)
    }

    /// Server 0 fails at `fail_at` ≥ 0 s; the failure is detected `detect_after` ≥ 0 s
    /// later; a request to a dead server waits `cache_timeout` ≥ 0 s before going to the
    /// database.
    pub fn failure(mut self, fail_at: f64, detect_after: f64, cache_timeout: f64) -> Result<Self> {
        self.fail_at = non_negative("fail_at", fail_at)?;
        self.detect_after = non_negative("detect_after", detect_after)?;
        self.cache_timeout = non_negative("cache_timeout", cache_timeout)?;
        Ok(self)
    }

    /// Seconds simulated (> 0) in windows of `window` seconds (> 0).
    pub fn duration(mut self, seconds: f64, window: f64) -> Result<Self> {
        self.duration = positive("duration", seconds)?;
        self.window = positive("window", window)?;
        Ok(self)
    }

    /// Runs with `seed`.
    pub fn run(&self, seed: u64) -> Result<NodeFailureReport> {
        let template = Cache::new(self.capacity, Eviction::Lru)?;
        let mut cluster = CacheCluster::new(self.nodes, &template, self.placement, self.replicas)?;
        let mut db: Database<Job> = Database::new(self.connections, 1)?;
        let mut arrivals = SimRng::stream(seed, 0);
        let mut service = SimRng::stream(seed, 1);
        let mut evict = SimRng::stream(seed, 2);
        // Warm start: the most popular keys first, then least popular, so the hot ones
        // end up most recently used; each server keeps what fits.
        let warm = (self.nodes * self.capacity) as u64 / self.replicas as u64;
        for key in (0..warm.min(self.zipf.n())).rev() {
            cluster.put(key, 1, 0.0, &mut evict);
        }
        let mut r = NodeFailureReport {
            requests: TimeSeries::new(self.window)?,
            db_reads: TimeSeries::new(self.window)?,
            hits: TimeSeries::new(self.window)?,
            latency: LatencySeries::new(self.window)?,
            response: LatencyHistogram::new(),
            moved: 0.0,
            db_rate_before: 0.0,
            db_peak_after: 0.0,
            extra_db_reads: 0.0,
        };
        let mut events = EventQueue::new();
        events.schedule_at(-arrivals.uniform_open0().ln() / self.rate, Event::Request);
        if self.fail_at < self.duration {
            events.schedule_at(self.fail_at, Event::Fail);
            events.schedule_at(self.fail_at + self.detect_after, Event::Detect);
        }
        let served = |r: &mut NodeFailureReport, now: f64, arrived: f64| {
            r.latency.record(now, now - arrived);
            r.response.record(now - arrived);
        };
        let mut query = |db: &mut Database<Job>,
                         job: Job,
                         now: f64,
                         r: &mut NodeFailureReport,
                         events: &mut EventQueue<Event>| {
            r.db_reads.record(now, 1.0);
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
        };
        while let Some((now, event)) = events.pop() {
            if now >= self.duration {
                break;
            }
            match event {
                Event::Request => {
                    events.schedule_at(
                        now - arrivals.uniform_open0().ln() / self.rate,
                        Event::Request,
                    );
                    let key = self.zipf.sample(&mut arrivals);
                    r.requests.record(now, 1.0);
                    match cluster.get(key, now) {
                        Routed::Answered {
                            lookup: Lookup::Hit { .. },
                            ..
                        } => {
                            r.hits.record(now, 1.0);
                            served(&mut r, now, now);
                        }
                        Routed::Answered { .. } => {
                            query(
                                &mut db,
                                Job {
                                    key,
                                    arrived: now,
                                    fill: true,
                                },
                                now,
                                &mut r,
                                &mut events,
                            );
                        }
                        Routed::Down { .. } => {
                            let job = Job {
                                key,
                                arrived: now,
                                fill: false,
                            };
                            events.schedule_at(now + self.cache_timeout, Event::ToDb { job });
                        }
                    }
                }
                Event::ToDb { job } => query(&mut db, job, now, &mut r, &mut events),
                Event::Done { epoch, job } => {
                    db.finish(now, epoch);
                    if job.fill {
                        cluster.put(job.key, 1, now, &mut evict);
                    }
                    served(&mut r, now, job.arrived);
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
                Event::Fail => cluster.fail(0)?,
                Event::Detect => {
                    let probs = self.zipf.probabilities();
                    let before: Vec<u32> =
                        (0..self.zipf.n()).map(|k| cluster.owners(k)[0]).collect();
                    cluster.remove(0)?;
                    r.moved = (0..self.zipf.n())
                        .filter(|&k| cluster.owners(k)[0] != before[k as usize])
                        .map(|k| probs[k as usize])
                        .sum();
                }
            }
        }
        let windows_before = (self.fail_at / self.window).floor() as usize;
        let bins = r.db_reads.bins();
        let before: u64 = bins.iter().take(windows_before).map(|b| b.count).sum();
        r.db_rate_before = if windows_before > 0 {
            before as f64 / (windows_before as f64 * self.window)
        } else {
            0.0
        };
        r.db_peak_after = bins
            .iter()
            .skip(windows_before)
            .map(|b| b.count)
            .max()
            .unwrap_or(0) as f64
            / self.window;
        let after: u64 = bins.iter().skip(windows_before).map(|b| b.count).sum();
        let windows_after = bins.len().saturating_sub(windows_before);
        r.extra_db_reads = after as f64 - r.db_rate_before * self.window * windows_after as f64;
        Ok(r)
    }
}
