//! The simplest experiment and the engine's workhorse: open-loop arrivals into one
//! multi-server station (M/M/1, M/M/c, M/D/1, M/G/c with a queue limit or timeout).
//!
//! It is also the benchmark of the engine, and what the tests check against queueing
//! theory. Requests are generated until `warmup + requests` have arrived; statistics
//! cover the `requests` after the warm-up. An unstable queue (arrivals faster than the
//! servers) may run, but stops once more than `max_backlog` requests wait, and says so.

use super::arrivals::Arrivals;
use super::dist::Dist;
use super::events::EventQueue;
use super::metrics::{LatencyHistogram, LatencySeries, TimeSeries};
use super::rng::SimRng;
use super::station::{Admission, Start, Station, StationStats};
use crate::error::{Error, Result, at_least_one, positive};
use crate::report::{Table, ToTable};

/// An open queue: arrivals, a service-time distribution, `servers` servers.
#[derive(Debug, Clone)]
pub struct OpenQueue {
    arrivals: Arrivals,
    service: Dist,
    servers: usize,
    queue_limit: Option<usize>,
    timeout: Option<f64>,
    requests: u64,
    warmup: u64,
    max_backlog: usize,
    window: Option<f64>,
}

/// What an [`OpenQueue`] run measured (over the requests after the warm-up).
#[derive(Debug, Clone)]
pub struct QueueReport {
    /// Response times (wait + service) of measured requests that were served.
    pub response: LatencyHistogram,
    /// Queue waits of the same requests.
    pub wait: LatencyHistogram,
    /// The station's counts and utilisation from the first to the last measured arrival.
    pub station: StationStats,
    /// Measured requests that arrived.
    pub arrived: u64,
    /// Measured requests that were served.
    pub served: u64,
    /// Measured requests that had to wait for a server (Erlang C's probability of
    /// waiting is `waited / served`).
    pub waited: u64,
    /// Measured requests turned away by a full queue.
    pub rejected: u64,
    /// Measured requests that gave up waiting.
    pub timed_out: u64,
    /// Time-average number of requests in the station over the measured period (L).
    pub mean_in_system: f64,
    /// Arrivals per second over the measured period (λ).
    pub arrival_rate: f64,
    /// Why the run stopped before all requests were generated, if it did.
    pub stopped_early: Option<String>,
    /// Per-window throughput and latency, if asked for with [`OpenQueue::time_series`].
    pub series: Option<QueueSeries>,
}

/// Time series of a run, in windows of fixed length.
#[derive(Debug, Clone)]
pub struct QueueSeries {
    /// Completions per window (value: the response time), by completion time.
    pub completions: TimeSeries,
    /// Response-time histograms per window, by completion time.
    pub latency: LatencySeries,
}

impl QueueReport {
    /// Little's law on this run: L / (λ·W), which should be close to 1.
    pub fn littles_law_ratio(&self) -> f64 {
        self.mean_in_system / (self.arrival_rate * self.response.mean())
    }
}

/// One row: counts, utilisation, and latency in milliseconds.
impl ToTable for QueueReport {
    fn to_table(&self) -> Table {
        let ms = |s: f64| s * 1e3;
        Table::builder()
            .column("arrived", [self.arrived])
            .column("served", [self.served])
            .column("rejected", [self.rejected])
            .column("timed out", [self.timed_out])
            .column("utilisation", [self.station.utilisation()])
            .column("throughput /s", [self.station.throughput()])
            .column("mean wait (ms)", [ms(self.wait.mean())])
            .column("mean (ms)", [ms(self.response.mean())])
            .column("p50 (ms)", [ms(self.response.p50())])
            .column("p99 (ms)", [ms(self.response.p99())])
            .column("p99.9 (ms)", [ms(self.response.p999())])
            .build()
            .expect("columns of one row have equal lengths and distinct names")
    }
}

#[derive(Debug, Clone, Copy)]
struct Job {
    arrived: f64,
    measured: bool,
}

#[derive(Debug, Clone, Copy)]
enum Event {
    Arrival,
    Done { epoch: u32 },
}

impl OpenQueue {
    /// Arrivals into `servers` ≥ 1 servers with service times from `service`; 100 000
    /// measured requests after 10 000 of warm-up, unbounded queue, no timeout.
    pub fn new(arrivals: Arrivals, service: Dist, servers: usize) -> Result<Self> {
        Ok(OpenQueue {
            arrivals,
            service,
            servers: at_least_one("servers", servers)?,
            queue_limit: None,
            timeout: None,
            requests: 100_000,
            warmup: 10_000,
            max_backlog: 1_000_000,
            window: None,
        })
    }

    /// M/M/c: Poisson arrivals at `lambda`/s, exponential service at `mu`/s per server.
    pub fn mmc(lambda: f64, mu: f64, c: usize) -> Result<Self> {
        Self::new(Arrivals::poisson(lambda)?, Dist::exponential_rate(mu)?, c)
    }

    /// M/M/1.
    pub fn mm1(lambda: f64, mu: f64) -> Result<Self> {
        Self::mmc(lambda, mu, 1)
    }

    /// How many requests to measure (≥ 1).
    pub fn requests(mut self, n: u64) -> Result<Self> {
        if n == 0 {
            return Err(Error::param("requests", n, "at least 1"));
        }
        self.requests = n;
        Ok(self)
    }

    /// How many requests to run before measuring (to leave the empty start behind).
    pub fn warmup(mut self, n: u64) -> Self {
        self.warmup = n;
        self
    }

    /// At most `limit` requests wait; more are rejected.
    pub fn queue_limit(mut self, limit: usize) -> Self {
        self.queue_limit = Some(limit);
        self
    }

    /// A request that waited more than `timeout` seconds gives up.
    pub fn timeout(mut self, timeout: f64) -> Result<Self> {
        self.timeout = Some(positive("timeout", timeout)?);
        Ok(self)
    }

    /// Stop (and say so) once more than `n` ≥ 1 requests wait: the guard against an
    /// unstable queue filling memory. Default 1 000 000.
    pub fn max_backlog(mut self, n: usize) -> Result<Self> {
        self.max_backlog = at_least_one("max_backlog", n)?;
        Ok(self)
    }

    /// Also record throughput and latency per window of `window` seconds.
    pub fn time_series(mut self, window: f64) -> Result<Self> {
        self.window = Some(positive("window", window)?);
        Ok(self)
    }

    /// The offered utilisation λ / (c · mean service rate), at the base arrival rate.
    pub fn offered_utilisation(&self) -> f64 {
        self.arrivals.base_rate() * self.service.mean() / self.servers as f64
    }

    /// Runs the experiment with `seed`.
    pub fn run(&self, seed: u64) -> Result<QueueReport> {
        let mut rng = SimRng::new(seed);
        let mut station: Station<Job> = Station::new(self.servers)?;
        if let Some(limit) = self.queue_limit {
            station = station.with_queue_limit(limit);
        }
        if let Some(t) = self.timeout {
            station = station.with_timeout(t)?;
        }
        let mut series = match self.window {
            Some(w) => Some(QueueSeries {
                completions: TimeSeries::new(w)?,
                latency: LatencySeries::new(w)?,
            }),
            None => None,
        };
        let total = self.warmup + self.requests;
        let mut events = EventQueue::new();
        let mut r = Report::default();
        let mut generated = 0u64;
        let mut in_system = 0usize;
        let mut area = 0.0;
        let mut last = 0.0;
        let mut measure_from = 0.0;
        let mut measure_to = None;

        events.schedule_at(self.arrivals.next(0.0, &mut rng), Event::Arrival);
        while let Some((now, event)) = events.pop() {
            if measure_to.is_none() {
                area += in_system as f64 * (now - last);
                last = now;
            }
            match event {
                Event::Arrival => {
                    generated += 1;
                    let measured = generated > self.warmup;
                    if generated == self.warmup + 1 {
                        station.reset_stats(now);
                        area = 0.0;
                        measure_from = now;
                    }
                    if measured {
                        r.arrived += 1;
                    }
                    let service = self.service.sample(&mut rng);
                    match station.arrive(
                        now,
                        Job {
                            arrived: now,
                            measured,
                        },
                        service,
                    ) {
                        Admission::Started(s) => {
                            in_system += 1;
                            r.started(&s, &mut events, series.as_mut());
                        }
                        Admission::Queued => in_system += 1,
                        Admission::Rejected(_) => r.rejected += measured as u64,
                    }
                    if generated < total {
                        if station.queue_len() > self.max_backlog {
                            r.stopped_early = Some(self.unstable_message(generated, now));
                            break;
                        }
                        events.schedule_at(self.arrivals.next(now, &mut rng), Event::Arrival);
                    } else {
                        measure_to = Some((now, station.stats(now)));
                    }
                }
                Event::Done { epoch } => {
                    station.finish(now, epoch);
                    in_system -= 1;
                    let mut timed_out = 0;
                    let next = station.start_next(now, |job, _| {
                        timed_out += 1;
                        r.timed_out += job.measured as u64;
                    });
                    in_system -= timed_out;
                    if let Some(s) = next {
                        r.started(&s, &mut events, series.as_mut());
                    }
                }
            }
        }
        let (end, stats) = measure_to.unwrap_or_else(|| (last, station.stats(last)));
        let span = end - measure_from;
        Ok(QueueReport {
            served: r.response.count(),
            waited: r.waited,
            response: r.response,
            wait: r.wait,
            station: stats,
            arrived: r.arrived,
            rejected: r.rejected,
            timed_out: r.timed_out,
            mean_in_system: if span > 0.0 { area / span } else { 0.0 },
            arrival_rate: if span > 0.0 {
                r.arrived as f64 / span
            } else {
                0.0
            },
            stopped_early: r.stopped_early,
            series,
        })
    }

    fn unstable_message(&self, generated: u64, now: f64) -> String {
        format!(
            "stopped at t = {now:.1} s after {generated} requests: more than {} requests were waiting. \
             The offered utilisation is {:.2}; at 1 or more the queue grows without bound.",
            self.max_backlog,
            self.offered_utilisation()
        )
    }
}

/// Accumulates what the loop measures.
#[derive(Default)]
struct Report {
    response: LatencyHistogram,
    wait: LatencyHistogram,
    arrived: u64,
    waited: u64,
    rejected: u64,
    timed_out: u64,
    stopped_early: Option<String>,
}

impl Report {
    #[inline]
    fn started(
        &mut self,
        s: &Start<Job>,
        events: &mut EventQueue<Event>,
        series: Option<&mut QueueSeries>,
    ) {
        events.schedule_at(s.done_at, Event::Done { epoch: s.epoch });
        if s.job.measured {
            let response = s.done_at - s.job.arrived;
            self.response.record(response);
            self.wait.record(s.wait);
            self.waited += (s.wait > 0.0) as u64;
            if let Some(series) = series {
                series.completions.record(s.done_at, response);
                series.latency.record(s.done_at, response);
            }
        }
    }
}
