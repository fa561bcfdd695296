//! A web tier with and without a queue: what "decoupling" buys when traffic bursts or a
//! downstream fails.
//!
//! Every request needs some web work (`web_time`: parse, validate, answer) and some slow
//! work (`work_time`: call the payment provider, send the email). In
//! [`Mode::Synchronous`] the web server does both while the user waits, holding one of
//! its threads; when the downstream is down the call hangs until `downstream_timeout`
//! and fails. In [`Mode::Queued`] the web server publishes a message and answers; workers
//! do the slow work from the queue, and during an outage they pause while the queue
//! absorbs the messages.
//!
//! The web tier is `web_servers` threads in front of a FIFO accept queue of at most
//! `web_queue_limit` requests (more are refused with an error). A request's slow work is
//! decided when a thread picks it up: synchronous requests that start while the
//! downstream is down hang and fail.

use std::collections::VecDeque;

use super::delivery::Effect;
use super::runaway;
use super::system::{Outcome, QueueEvent, QueueStats, QueueSystem};
use super::workers::Autoscaler;
use crate::error::{Error, Result, at_least_one, non_negative, positive};
use crate::sim::{
    Admission, Arrivals, Dist, EventQueue, LatencyHistogram, LatencySeries, SimRng, Station,
    TimeSeries,
};

/// Whether the slow work is done inside the web request or through a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The web server does the slow work while the user waits.
    Synchronous,
    /// The web server publishes a message; workers do the slow work.
    Queued,
}

/// A web tier whose requests carry slow work, done inline or through a queue.
#[derive(Debug, Clone)]
pub struct Offload {
    arrivals: Arrivals,
    web_servers: usize,
    web_time: Dist,
    work_time: Dist,
    workers: usize,
    mode: Mode,
    web_queue_limit: usize,
    downstream_timeout: f64,
    outage: Option<(f64, f64)>,
    autoscaler: Option<Autoscaler>,
    duration: f64,
    window: f64,
}

/// What an [`Offload`] run measured.
#[derive(Debug, Clone)]
pub struct OffloadReport {
    /// The mode that ran.
    pub mode: Mode,
    /// Response times the users saw (every answered request, success or error).
    pub web: LatencyHistogram,
    /// The same per window (by answer time): p99 over time.
    pub web_latency: LatencySeries,
    /// Requests that arrived.
    pub requests: u64,
    /// Requests answered with success.
    pub ok: u64,
    /// Requests answered with an error (the downstream call failed, or the queue refused
    /// the message).
    pub failed: u64,
    /// Requests refused because the web tier's accept queue was full.
    pub rejected: u64,
    /// From a request's arrival to its slow work being done (the effect applied).
    pub work: LatencyHistogram,
    /// Requests waiting for a web thread, sampled at the start of each window.
    pub web_backlog: TimeSeries,
    /// Messages waiting in the queue, sampled at the start of each window (empty in
    /// synchronous mode).
    pub queue_depth: TimeSeries,
    /// Workers provisioned, sampled at the start of each window (empty in synchronous
    /// mode).
    pub workers: TimeSeries,
    /// The web threads' utilisation over the run.
    pub web_utilisation: f64,
    /// The queue system's counts (queued mode).
    pub queue: Option<QueueStats>,
    /// When the run ended (the producers stopped and everything drained).
    pub end: f64,
    /// Why the run stopped early, if it did.
    pub stopped_early: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Request {
    arrived: f64,
    fails: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Event {
    Arrival,
    WebDone { request: Request, epoch: u32 },
    Queue(QueueEvent<f64>),
    Sample,
    Downstream(bool),
}

impl Offload {
    /// Requests from `arrivals` into `web_servers` ≥ 1 threads needing `web_time` of web
    /// work and `work_time` of slow work, done by `workers` ≥ 1 workers in queued mode.
    /// Defaults: queued mode, accept queue of 1000, a 5 s downstream timeout, 600 s of
    /// traffic, 10 s windows.
    pub fn new(
        arrivals: Arrivals,
        web_servers: usize,
        web_time: Dist,
        work_time: Dist,
        workers: usize,
    ) -> Result<Self> {
        Ok(Offload {
            arrivals,
            web_servers: at_least_one("web_servers", web_servers)?,
            web_time,
            work_time,
            workers: at_least_one("workers", workers)?,
            mode: Mode::Queued,
            web_queue_limit: 1000,
            downstream_timeout: 5.0,
            outage: None,
            autoscaler: None,
            duration: 600.0,
            window: 10.0,
        })
    }

    /// Synchronous or queued.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// At most `limit` requests wait for a web thread (0: none wait).
    pub fn web_queue_limit(mut self, limit: usize) -> Self {
        self.web_queue_limit = limit;
        self
    }

    /// How long a synchronous call to a dead downstream hangs before failing (> 0).
    pub fn downstream_timeout(mut self, seconds: f64) -> Result<Self> {
        self.downstream_timeout = positive("downstream_timeout", seconds)?;
        Ok(self)
    }

    /// The downstream is down from `start` for `duration` seconds.
    pub fn outage(mut self, start: f64, duration: f64) -> Result<Self> {
        self.outage = Some((
            non_negative("start", start)?,
            positive("duration", duration)?,
        ));
        Ok(self)
    }

    /// Sizes the workers with `autoscaler` (queued mode; the initial workers must be in
    /// its range).
    pub fn autoscale(mut self, autoscaler: Autoscaler) -> Result<Self> {
        if self.workers < autoscaler.min() || self.workers > autoscaler.max() {
            return Err(Error::param(
                "workers",
                self.workers,
                format!(
                    "within the autoscaler's range [{}, {}]",
                    autoscaler.min(),
                    autoscaler.max()
                ),
            ));
        }
        self.autoscaler = Some(autoscaler);
        Ok(self)
    }

    /// Requests arrive for `seconds` > 0.
    pub fn duration(mut self, seconds: f64) -> Result<Self> {
        self.duration = positive("duration", seconds)?;
        Ok(self)
    }

    /// The window of the time series, in seconds (> 0).
    pub fn window(mut self, seconds: f64) -> Result<Self> {
        self.window = positive("window", seconds)?;
        Ok(self)
    }

    /// Runs the experiment with `seed`.
    pub fn run(&self, seed: u64) -> Result<OffloadReport> {
        let mut rng = SimRng::new(seed);
        let mut web: Station<Request> = Station::new(self.web_servers)?.with_queue_limit(0);
        let mut accept: VecDeque<Request> = VecDeque::new();
        let mut q = QueueSystem::new(self.workers, self.work_time)?;
        if let Some(a) = self.autoscaler {
            q = q.with_autoscaler(a)?;
        }
        let mut r = OffloadReport {
            mode: self.mode,
            web: LatencyHistogram::new(),
            web_latency: LatencySeries::new(self.window)?,
            requests: 0,
            ok: 0,
            failed: 0,
            rejected: 0,
            work: LatencyHistogram::new(),
            web_backlog: TimeSeries::new(self.window)?,
            queue_depth: TimeSeries::new(self.window)?,
            workers: TimeSeries::new(self.window)?,
            web_utilisation: 0.0,
            queue: None,
            end: 0.0,
            stopped_early: None,
        };
        let mut events: EventQueue<Event> = EventQueue::new();
        let mut downstream_up = true;
        if let Some((start, duration)) = self.outage {
            events.schedule_at(start, Event::Downstream(false));
            events.schedule_at(start + duration, Event::Downstream(true));
        }
        events.schedule_at(0.0, Event::Sample);
        let first = self.arrivals.next(0.0, &mut rng);
        let mut producing = first < self.duration;
        if producing {
            events.schedule_at(first, Event::Arrival);
        }
        let mut now = 0.0;
        let mut next_key = 0u64;

        while let Some((t, event)) = events.pop() {
            now = t;
            match event {
                Event::Arrival => {
                    r.requests += 1;
                    let request = Request {
                        arrived: now,
                        fails: false,
                    };
                    if web.busy() < web.servers() {
                        self.start_web(
                            now,
                            request,
                            downstream_up,
                            &mut web,
                            &mut events,
                            &mut rng,
                        );
                    } else if accept.len() < self.web_queue_limit {
                        accept.push_back(request);
                    } else {
                        r.rejected += 1;
                    }
                    let next = self.arrivals.next(now, &mut rng);
                    producing = next < self.duration;
                    if producing {
                        events.schedule_at(next, Event::Arrival);
                    }
                }
                Event::WebDone { request, epoch } => {
                    web.finish(now, epoch);
                    let mut ok = !request.fails;
                    if ok && self.mode == Mode::Queued {
                        let key = next_key;
                        next_key += 1;
                        let published =
                            q.publish(now, key, request.arrived, &mut rng, &mut |at, e| {
                                events.schedule_at(at, Event::Queue(e))
                            })?;
                        ok = published.is_some();
                    } else if ok {
                        r.work.record(now - request.arrived);
                    }
                    let latency = now - request.arrived;
                    r.web.record(latency);
                    r.web_latency.record(now, latency);
                    if ok {
                        r.ok += 1;
                    } else {
                        r.failed += 1;
                    }
                    if let Some(next) = accept.pop_front() {
                        self.start_web(now, next, downstream_up, &mut web, &mut events, &mut rng);
                    }
                }
                Event::Queue(e) => {
                    let outcome = q.handle(now, e, &mut rng, &mut |at, e| {
                        events.schedule_at(at, Event::Queue(e))
                    })?;
                    if let Outcome::Processed(p) = outcome
                        && p.effect == Effect::Applied
                    {
                        r.work.record(now - p.body);
                    }
                    if let Some(why) =
                        runaway(&q.broker().stats(now), q.broker().visibility_timeout(), now)
                    {
                        r.stopped_early = Some(why);
                        break;
                    }
                }
                Event::Sample => {
                    r.web_backlog.record(now, accept.len() as f64);
                    if self.mode == Mode::Queued {
                        r.queue_depth.record(now, q.broker().depth() as f64);
                        r.workers.record(now, q.pool().provisioned() as f64);
                    }
                    events.schedule_at(now + self.window, Event::Sample);
                }
                Event::Downstream(up) => {
                    downstream_up = up;
                    q.set_downstream(now, up, &mut rng, &mut |at, e| {
                        events.schedule_at(at, Event::Queue(e))
                    });
                }
            }
            let outage_over = self.outage.is_none_or(|(s, d)| now >= s + d);
            if !producing && outage_over && web.busy() == 0 && accept.is_empty() && q.is_idle() {
                break;
            }
        }
        r.web_utilisation = web.stats(now).utilisation();
        r.end = now;
        if self.mode == Mode::Queued {
            r.queue = Some(q.stats(now));
        }
        Ok(r)
    }

    /// A web thread takes `request` at `now`.
    fn start_web(
        &self,
        now: f64,
        mut request: Request,
        downstream_up: bool,
        web: &mut Station<Request>,
        events: &mut EventQueue<Event>,
        rng: &mut SimRng,
    ) {
        let mut service = self.web_time.sample(rng);
        if self.mode == Mode::Synchronous {
            if downstream_up {
                service += self.work_time.sample(rng);
            } else {
                service += self.downstream_timeout;
                request.fails = true;
            }
        }
        if let Admission::Started(s) = web.arrive(now, request, service) {
            events.schedule_at(
                s.done_at,
                Event::WebDone {
                    request: s.job,
                    epoch: s.epoch,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offload(mode: Mode) -> Offload {
        // 100 req/s; 8 threads; 2 ms of web work and 50 ms of slow work; 8 workers.
        // Synchronous capacity 8 / 0.052 ≈ 154 req/s, queued web capacity 4000 req/s.
        let arrivals = Arrivals::poisson(100.0)
            .unwrap()
            .burst(100.0, 30.0, 3.0)
            .unwrap();
        Offload::new(
            arrivals,
            8,
            Dist::exponential(0.002).unwrap(),
            Dist::exponential(0.05).unwrap(),
            8,
        )
        .unwrap()
        .mode(mode)
        .duration(300.0)
        .unwrap()
    }

    #[test]
    fn a_burst_slows_the_synchronous_tier_but_not_the_queued_one() {
        let sync = offload(Mode::Synchronous).run(1).unwrap();
        let queued = offload(Mode::Queued).run(1).unwrap();
        assert!(sync.web.p99() > 1.0, "sync p99 {}", sync.web.p99());
        assert!(queued.web.p99() < 0.05, "queued p99 {}", queued.web.p99());
        let depth = queued
            .queue_depth
            .means()
            .iter()
            .map(|d| d.1)
            .fold(0.0, f64::max);
        assert!(depth > 1000.0, "the queue absorbs the burst: {depth}");
        assert_eq!(queued.work.count(), queued.ok, "every accepted job is done");
        assert_eq!(sync.requests, sync.ok + sync.failed + sync.rejected);
        assert!(queued.queue.is_some() && sync.queue.is_none());
    }

    #[test]
    fn an_outage_fails_synchronous_requests_and_queued_ones_wait() {
        let sync = offload(Mode::Synchronous)
            .outage(200.0, 20.0)
            .unwrap()
            .run(2)
            .unwrap();
        let queued = offload(Mode::Queued)
            .outage(200.0, 20.0)
            .unwrap()
            .run(2)
            .unwrap();
        assert!(sync.failed > 0 || sync.rejected > 0);
        assert_eq!((queued.failed, queued.rejected), (0, 0));
        assert_eq!(queued.work.count(), queued.requests);
        assert!(
            Offload::new(
                Arrivals::poisson(1.0).unwrap(),
                0,
                Dist::constant(1.0).unwrap(),
                Dist::constant(1.0).unwrap(),
                1
            )
            .is_err()
        );
    }
}
