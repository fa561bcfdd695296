//! Lesson 11 (`lessons/11-observability`) — Logs, metrics, automation: percentiles, histograms, Prometheus exposition, the bottleneck.
//!
//! What a metrics pipeline (an OpenTelemetry agent → Prometheus → Grafana) would show of
//! a simulated service, built from small pieces:
//! - [`latency_mix`] and [`fleet`]: latencies where the mean looks fine and the tail
//!   does not, and a fleet with one sick server;
//! - [`BucketHistogram`]: a Prometheus-style histogram (cumulative `le` buckets, `_sum`,
//!   `_count`) that merges across servers, with `histogram_quantile`'s estimate;
//! - [`Exposition`]: the Prometheus text exposition format (counters, gauges,
//!   histograms), checked for valid names, labels and grouping;
//! - [`run_tiers`]: requests through tiers in series (web → app → database), scraped
//!   every [`SCRAPE_EVERY`] seconds, whose utilisation and queue length point at the
//!   bottleneck.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::error::{Error, Result, at_least_one, positive, probability};
use crate::report::{Figure, Plot, Table};
use crate::sim::{Admission, Dist, EventQueue, LatencyHistogram, SimRng, Station, derive_seed};
use crate::t;

/// Prometheus client libraries' default bucket bounds, in seconds.
pub const DEFAULT_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The buckets of the per-tier latency histograms of [`run_tiers`], in seconds.
pub const TIER_BUCKETS: [f64; 8] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

/// Seconds between two scrapes of a [`run_tiers`] run.
pub const SCRAPE_EVERY: f64 = 5.0;

/// Mean of the fast requests of [`latency_mix`] (seconds).
pub const FAST_MEAN: f64 = 0.02;
/// Mean of the slow requests of [`latency_mix`] (seconds).
pub const SLOW_MEAN: f64 = 0.8;

/// `n` ≥ 1 latencies in seconds: a share `slow_share` of slow requests (log-normal with
/// mean [`SLOW_MEAN`]: a cache miss that goes to a cold disk, a lock wait) among fast
/// ones (mean [`FAST_MEAN`]); both with a coefficient of variation of 0.5.
pub fn latency_mix(n: usize, slow_share: f64, seed: u64) -> Result<Vec<f64>> {
    at_least_one("n", n)?;
    probability("slow_share", slow_share)?;
    let fast = Dist::log_normal(FAST_MEAN, 0.5)?;
    let slow = Dist::log_normal(SLOW_MEAN, 0.5)?;
    let mut rng = SimRng::new(seed);
    Ok((0..n)
        .map(|_| {
            if rng.chance(slow_share) {
                slow.sample(&mut rng)
            } else {
                fast.sample(&mut rng)
            }
        })
        .collect())
}

/// The samples (seconds) in a [`LatencyHistogram`] (HdrHistogram, 3 significant digits).
pub fn histogram_of(samples: &[f64]) -> LatencyHistogram {
    let mut h = LatencyHistogram::new();
    for &s in samples {
        h.record(s);
    }
    h
}

/// Mean, median and tail of `samples` (seconds), in milliseconds, one row each.
pub fn summary_table(samples: &[f64]) -> Result<Table> {
    let h = histogram_of(samples);
    let names = [
        t("평균", "mean"),
        "p50",
        "p90",
        "p99",
        "p99.9",
        t("최댓값", "max"),
    ];
    let values = [h.mean(), h.p50(), h.p90(), h.p99(), h.p999(), h.max()];
    Table::builder()
        .column(t("통계", "statistic"), names)
        .column(t("지연 시간 (ms)", "latency (ms)"), values.map(|v| v * 1e3))
        .build()
}

/// The percentile curve of `samples` (seconds, shown in ms on a log scale) with the
/// mean drawn as a flat line across it.
pub fn mean_vs_percentiles(samples: &[f64], title: &str) -> Result<Figure> {
    let h = histogram_of(samples);
    let ms: Vec<f64> = samples.iter().map(|s| s * 1e3).collect();
    let mean = h.mean() * 1e3;
    let flat: Vec<(f64, f64)> = [1.0, 50.0, 90.0, 99.0, 99.9]
        .iter()
        .map(|&p| (p, mean))
        .collect();
    Plot::percentiles(title)
        .y_label(t("지연 시간 (ms, 로그)", "latency (ms, log)"))
        .samples(t("요청의 지연 시간", "request latency"), &ms)
        .points(
            t(
                format!("평균 {mean:.0} ms").as_str(),
                format!("mean {mean:.0} ms").as_str(),
            ),
            &flat,
        )
        .log_values()
        .render()
}

/// Latencies (seconds) of `servers` ≥ 2 equal servers taking `n` ≥ 1 requests each
/// (log-normal, mean 20 ms), except server 0, which is sick: its mean is 400 ms.
pub fn fleet(servers: usize, n: usize, seed: u64) -> Result<Vec<Vec<f64>>> {
    if servers < 2 {
        return Err(Error::param("servers", servers, "at least 2"));
    }
    at_least_one("n", n)?;
    let healthy = Dist::log_normal(0.02, 0.5)?;
    let sick = Dist::log_normal(0.4, 0.5)?;
    Ok((0..servers)
        .map(|i| {
            let mut rng = SimRng::new(derive_seed(seed, i as u64));
            let d = if i == 0 { sick } else { healthy };
            (0..n).map(|_| d.sample(&mut rng)).collect()
        })
        .collect())
}

/// Three ways to get a fleet's p99 (seconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FleetP99 {
    /// The average of the servers' own p99s (what a dashboard that averages a
    /// per-server p99 gauge shows).
    pub average_of_p99s: f64,
    /// The p99 of every request of the fleet (the servers' HdrHistograms merged).
    pub merged_hdr: f64,
    /// `histogram_quantile(0.99, sum by (le) (...))`: the Prometheus buckets of every
    /// server added, then interpolated.
    pub merged_buckets: f64,
}

/// The fleet's p99 three ways, from per-server samples; the Prometheus buckets have the
/// upper bounds `bounds` (for example [`DEFAULT_BUCKETS`]).
pub fn fleet_p99(fleet: &[Vec<f64>], bounds: &[f64]) -> Result<FleetP99> {
    if fleet.is_empty() || fleet.iter().any(|s| s.is_empty()) {
        return Err(Error::InvalidConfig(
            "the fleet needs at least one server, each with samples".into(),
        ));
    }
    let mut hdr = LatencyHistogram::new();
    let mut buckets = BucketHistogram::new(bounds)?;
    let mut p99s = 0.0;
    for server in fleet {
        let h = histogram_of(server);
        p99s += h.p99();
        hdr.merge(&h);
        let mut b = BucketHistogram::new(bounds)?;
        server.iter().for_each(|&s| b.observe(s));
        buckets.merge(&b)?;
    }
    Ok(FleetP99 {
        average_of_p99s: p99s / fleet.len() as f64,
        merged_hdr: hdr.p99(),
        merged_buckets: buckets.quantile(0.99)?,
    })
}

/// The three p99s of [`fleet_p99`] as a table (ms), each with how it was computed.
pub fn fleet_p99_table(p: &FleetP99) -> Result<Table> {
    Table::builder()
        .column(
            t("방법", "method"),
            [
                t("서버별 p99의 평균", "average of the servers' p99s"),
                t(
                    "HdrHistogram 병합 후 p99 (정확한 값)",
                    "p99 of the merged HdrHistograms (exact)",
                ),
                t(
                    "Prometheus 버킷 합산 후 histogram_quantile",
                    "histogram_quantile of the summed Prometheus buckets",
                ),
            ],
        )
        .column(
            "p99 (ms)",
            [p.average_of_p99s, p.merged_hdr, p.merged_buckets].map(|v| v * 1e3),
        )
        .build()
}

/// A Prometheus-style histogram: counts of observations at or below each upper bound
/// (`le`), plus `+Inf`, their sum and their count. Two histograms with the same bounds
/// merge by adding counts, which is why a fleet's percentile can be computed from its
/// servers' histograms (and not from their percentiles).
#[derive(Debug, Clone, PartialEq)]
pub struct BucketHistogram {
    bounds: Vec<f64>,
    /// Per bucket (not cumulative); the last one is `+Inf`.
    counts: Vec<u64>,
    sum: f64,
}

impl BucketHistogram {
    /// An empty histogram with these upper bounds (finite, strictly increasing, at least
    /// one); the `+Inf` bucket is added.
    pub fn new(bounds: &[f64]) -> Result<Self> {
        if bounds.is_empty() {
            return Err(Error::InvalidConfig(
                "a histogram needs at least one bucket bound".into(),
            ));
        }
        for (i, &b) in bounds.iter().enumerate() {
            if !b.is_finite() {
                return Err(Error::param("bounds", b, "finite numbers (+Inf is added)"));
            }
            if i > 0 && b <= bounds[i - 1] {
                return Err(Error::param("bounds", b, "strictly increasing"));
            }
        }
        Ok(BucketHistogram {
            bounds: bounds.to_vec(),
            counts: vec![0; bounds.len() + 1],
            sum: 0.0,
        })
    }

    /// Records one observation (in the first bucket whose bound is ≥ `value`).
    pub fn observe(&mut self, value: f64) {
        let i = self.bounds.partition_point(|&b| b < value);
        self.counts[i] += 1;
        self.sum += value;
    }

    /// Adds `other`'s counts and sum (the bounds must be the same).
    pub fn merge(&mut self, other: &BucketHistogram) -> Result<()> {
        if self.bounds != other.bounds {
            return Err(Error::InvalidConfig(
                "histograms with different bucket bounds cannot be merged".into(),
            ));
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.sum += other.sum;
        Ok(())
    }

    /// The upper bounds (without `+Inf`).
    pub fn bounds(&self) -> &[f64] {
        &self.bounds
    }

    /// Observations recorded (`_count`).
    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Their sum (`_sum`).
    pub fn sum(&self) -> f64 {
        self.sum
    }

    /// `(le, observations ≤ le)` for every bound and then `+Inf` (`_bucket` series).
    pub fn cumulative(&self) -> Vec<(f64, u64)> {
        let mut total = 0;
        self.bounds
            .iter()
            .copied()
            .chain([f64::INFINITY])
            .zip(&self.counts)
            .map(|(le, &c)| {
                total += c;
                (le, total)
            })
            .collect()
    }

    /// The `q`-quantile (`q` in 0..=1) as Prometheus' `histogram_quantile` estimates it:
    /// linear interpolation inside the bucket that holds the rank (the first bucket
    /// starts at 0); a rank in the `+Inf` bucket gives the highest finite bound. NaN if
    /// empty.
    pub fn quantile(&self, q: f64) -> Result<f64> {
        if !(0.0..=1.0).contains(&q) {
            return Err(Error::param("q", q, "in 0..=1"));
        }
        let n = self.count();
        if n == 0 {
            return Ok(f64::NAN);
        }
        let rank = q * n as f64;
        let cumulative = self.cumulative();
        let i = cumulative
            .iter()
            .position(|&(_, c)| c as f64 >= rank)
            .unwrap_or(cumulative.len() - 1);
        if i == self.bounds.len() {
            return Ok(*self.bounds.last().expect("at least one bound"));
        }
        let (lower, below) = if i == 0 {
            (0.0, 0)
        } else {
            (self.bounds[i - 1], cumulative[i - 1].1)
        };
        let upper = self.bounds[i];
        let inside = self.counts[i];
        if inside == 0 {
            return Ok(upper);
        }
        Ok(lower + (upper - lower) * (rank - below as f64) / inside as f64)
    }
}

/// The cumulative buckets of `h`, one row each: the bound `le` (`+Inf` last) and the
/// observations at or below it.
pub fn bucket_table(h: &BucketHistogram) -> Result<Table> {
    let rows = h.cumulative();
    Table::builder()
        .column(
            "le",
            rows.iter().map(|r| format_value(r.0)).collect::<Vec<_>>(),
        )
        .column(
            t("le 이하 요청 수", "requests ≤ le"),
            rows.iter().map(|r| r.1).collect::<Vec<_>>(),
        )
        .build()
}

/// The kind of a metric family in the exposition format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricType {
    /// Only goes up (resets to 0 when the process restarts).
    Counter,
    /// Goes up and down: a current value.
    Gauge,
    /// Cumulative buckets, a sum and a count.
    Histogram,
}

impl MetricType {
    fn name(self) -> &'static str {
        match self {
            MetricType::Counter => "counter",
            MetricType::Gauge => "gauge",
            MetricType::Histogram => "histogram",
        }
    }
}

/// A page in the Prometheus text exposition format (version 0.0.4), what `/metrics`
/// returns: for each metric family a `# HELP` and a `# TYPE` line, then its samples,
/// `name{label="value",...} value`, all samples of a family together.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exposition {
    text: String,
    families: BTreeSet<String>,
    current: Option<(String, MetricType)>,
}

impl Exposition {
    /// An empty page.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a counter sample (`value` ≥ 0; by convention the name ends in `_total`).
    pub fn counter(
        &mut self,
        name: &str,
        help: &str,
        labels: &[(&str, &str)],
        value: f64,
    ) -> Result<&mut Self> {
        if value.is_nan() || value < 0.0 {
            return Err(Error::param("value", value, "≥ 0 for a counter"));
        }
        self.start(name, help, MetricType::Counter, labels)?;
        self.line(name, labels, None, value);
        Ok(self)
    }

    /// Adds a gauge sample.
    pub fn gauge(
        &mut self,
        name: &str,
        help: &str,
        labels: &[(&str, &str)],
        value: f64,
    ) -> Result<&mut Self> {
        self.start(name, help, MetricType::Gauge, labels)?;
        self.line(name, labels, None, value);
        Ok(self)
    }

    /// Adds a histogram: `name_bucket{...,le="..."}` for every bound and `+Inf`
    /// (cumulative), then `name_sum` and `name_count`.
    pub fn histogram(
        &mut self,
        name: &str,
        help: &str,
        labels: &[(&str, &str)],
        histogram: &BucketHistogram,
    ) -> Result<&mut Self> {
        if labels.iter().any(|(l, _)| *l == "le") {
            return Err(Error::InvalidConfig(
                "`le` is the bucket label of a histogram; pick another label name".into(),
            ));
        }
        self.start(name, help, MetricType::Histogram, labels)?;
        for (le, count) in histogram.cumulative() {
            let le = format_value(le);
            self.line(&format!("{name}_bucket"), labels, Some(&le), count as f64);
        }
        self.line(&format!("{name}_sum"), labels, None, histogram.sum());
        self.line(
            &format!("{name}_count"),
            labels,
            None,
            histogram.count() as f64,
        );
        Ok(self)
    }

    /// The page's text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Checks the name and labels and writes `# HELP` / `# TYPE` for a new family.
    fn start(
        &mut self,
        name: &str,
        help: &str,
        kind: MetricType,
        labels: &[(&str, &str)],
    ) -> Result<()> {
        if !valid_name(name, true) {
            return Err(Error::InvalidConfig(format!(
                "`{name}` is not a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)"
            )));
        }
        for (label, _) in labels {
            if !valid_name(label, false) || label.starts_with("__") {
                return Err(Error::InvalidConfig(format!(
                    "`{label}` is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __)"
                )));
            }
        }
        match &self.current {
            Some((current, k)) if current == name => {
                if *k != kind {
                    return Err(Error::InvalidConfig(format!(
                        "`{name}` is a {}, not a {}",
                        k.name(),
                        kind.name()
                    )));
                }
                return Ok(());
            }
            _ => {}
        }
        if !self.families.insert(name.to_string()) {
            return Err(Error::InvalidConfig(format!(
                "the samples of `{name}` must be written together, before another metric"
            )));
        }
        self.current = Some((name.to_string(), kind));
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        let _ = writeln!(self.text, "# HELP {name} {help}");
        let _ = writeln!(self.text, "# TYPE {name} {}", kind.name());
        Ok(())
    }

    fn line(&mut self, name: &str, labels: &[(&str, &str)], le: Option<&str>, value: f64) {
        self.text.push_str(name);
        let all: Vec<(&str, &str)> = labels
            .iter()
            .copied()
            .chain(le.map(|le| ("le", le)))
            .collect();
        if !all.is_empty() {
            let inner: Vec<String> = all
                .iter()
                .map(|(l, v)| format!("{l}=\"{}\"", escape_label(v)))
                .collect();
            let _ = write!(self.text, "{{{}}}", inner.join(","));
        }
        let _ = writeln!(self.text, " {}", format_value(value));
    }
}

/// A sample value as the format writes it: `+Inf`, `-Inf`, `NaN` or a decimal number.
pub fn format_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{v}")
    }
}

fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn valid_name(name: &str, colons: bool) -> bool {
    let ok = |c: char, first: bool| {
        c.is_ascii_alphabetic()
            || c == '_'
            || (colons && c == ':')
            || (!first && c.is_ascii_digit())
    };
    let mut chars = name.chars();
    chars.next().is_some_and(|c| ok(c, true)) && chars.all(|c| ok(c, false))
}

/// One tier of a request's path: `servers` workers (threads, connections) and an
/// exponential service time of mean `service` seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Tier {
    /// The tier's name (the `tier` label).
    pub name: String,
    /// Its servers.
    pub servers: usize,
    /// Mean service time, seconds.
    pub service: f64,
}

/// A tier called `name` with `servers` ≥ 1 servers and a mean service time of
/// `service_ms` > 0 milliseconds.
pub fn tier(name: &str, servers: usize, service_ms: f64) -> Result<Tier> {
    Ok(Tier {
        name: name.to_string(),
        servers: at_least_one("servers", servers)?,
        service: positive("service_ms", service_ms)? / 1e3,
    })
}

/// What one tier's metrics say at the end of a [`run_tiers`] run.
#[derive(Debug, Clone)]
pub struct TierMetrics {
    /// The tier's name.
    pub name: String,
    /// Its servers.
    pub servers: usize,
    /// Requests it finished (`requests_total`).
    pub requests: u64,
    /// Server-seconds spent serving (`busy_seconds_total`).
    pub busy_seconds: f64,
    /// Requests waiting for a server at the end (`queue_length`).
    pub queue_now: usize,
    /// The time-average of the queue length over the run.
    pub mean_queue: f64,
    /// Time in the tier (waiting and served), in [`TIER_BUCKETS`].
    pub latency: BucketHistogram,
    /// The same, exact to 0.1 % (HdrHistogram).
    pub exact: LatencyHistogram,
}

impl TierMetrics {
    /// Busy fraction: `busy_seconds / (servers × duration)`.
    pub fn utilisation(&self, duration: f64) -> f64 {
        self.busy_seconds / (self.servers as f64 * duration)
    }
}

/// A scrape: each tier's counters and gauges at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Scrape {
    /// When, in seconds.
    pub at: f64,
    /// `requests_total` per tier.
    pub requests: Vec<u64>,
    /// `queue_length` per tier.
    pub queue: Vec<usize>,
}

/// What a [`run_tiers`] run measured.
#[derive(Debug, Clone)]
pub struct TierRun {
    /// Seconds of traffic (the scrape at the end sees this moment).
    pub duration: f64,
    /// Per tier, in path order.
    pub tiers: Vec<TierMetrics>,
    /// End-to-end time of the finished requests, in [`TIER_BUCKETS`].
    pub end_to_end: BucketHistogram,
    /// The same, exact to 0.1 %.
    pub end_to_end_exact: LatencyHistogram,
    /// A scrape every [`SCRAPE_EVERY`] seconds.
    pub scrapes: Vec<Scrape>,
}

impl TierRun {
    /// The tier called `name`.
    pub fn tier(&self, name: &str) -> Result<&TierMetrics> {
        self.tiers.iter().find(|t| t.name == name).ok_or_else(|| {
            let names: Vec<&str> = self.tiers.iter().map(|t| t.name.as_str()).collect();
            Error::param(
                "tier",
                format!("`{name}`"),
                format!("one of {}", names.join(", ")),
            )
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Job {
    arrived: f64,
    entered: f64,
}

#[derive(Debug, Clone, PartialEq)]
enum Event {
    Arrival,
    Done { tier: usize, job: Job, epoch: u32 },
    Scrape,
}

/// The most requests a tier may hold waiting before a run stops with an error.
const MAX_WAITING: usize = 200_000;

/// Poisson requests at `rate` per second for `duration` seconds through `tiers` in
/// series (each a FIFO queue in front of its servers); the run stops at `duration`, as a
/// scrape would see it.
pub fn run_tiers(rate: f64, tiers: &[Tier], duration: f64, seed: u64) -> Result<TierRun> {
    positive("rate", rate)?;
    positive("duration", duration)?;
    if tiers.is_empty() {
        return Err(Error::InvalidConfig("give at least one tier".into()));
    }
    let mut rng = SimRng::new(seed);
    let arrivals = Dist::exponential_rate(rate)?;
    let services: Vec<Dist> = tiers
        .iter()
        .map(|t| Dist::exponential(t.service))
        .collect::<Result<_>>()?;
    let mut stations: Vec<Station<Job>> = tiers
        .iter()
        .map(|t| Station::new(t.servers))
        .collect::<Result<_>>()?;
    let mut latency: Vec<BucketHistogram> = tiers
        .iter()
        .map(|_| BucketHistogram::new(&TIER_BUCKETS))
        .collect::<Result<_>>()?;
    let mut exact = vec![LatencyHistogram::new(); tiers.len()];
    let mut end_to_end = BucketHistogram::new(&TIER_BUCKETS)?;
    let mut end_to_end_exact = LatencyHistogram::new();
    let mut scrapes = Vec::new();
    let mut events = EventQueue::new();
    events.schedule_at(arrivals.sample(&mut rng), Event::Arrival);
    events.schedule_at(0.0, Event::Scrape);

    // A job enters tier `i` at `now`; schedules its completion if it starts at once.
    let enter = |i: usize,
                 now: f64,
                 job: Job,
                 stations: &mut [Station<Job>],
                 events: &mut EventQueue<Event>,
                 rng: &mut SimRng|
     -> Result<()> {
        let service = services[i].sample(rng);
        let job = Job {
            entered: now,
            ..job
        };
        match stations[i].arrive(now, job, service) {
            Admission::Started(s) => {
                events.schedule_at(
                    s.done_at,
                    Event::Done {
                        tier: i,
                        job: s.job,
                        epoch: s.epoch,
                    },
                );
            }
            Admission::Queued => {
                if stations[i].queue_len() > MAX_WAITING {
                    return Err(Error::InvalidConfig(format!(
                        "stopped at t = {now:.1} s: more than {MAX_WAITING} requests wait at tier `{}`; \
                         it cannot keep up with {rate} requests/s",
                        tiers[i].name
                    )));
                }
            }
            Admission::Rejected(_) => unreachable!("stations without a limit never reject"),
        }
        Ok(())
    };

    while let Some((now, event)) = events.pop() {
        if now > duration {
            break;
        }
        match event {
            Event::Arrival => {
                let job = Job {
                    arrived: now,
                    entered: now,
                };
                enter(0, now, job, &mut stations, &mut events, &mut rng)?;
                events.schedule_at(now + arrivals.sample(&mut rng), Event::Arrival);
            }
            Event::Done {
                tier: i,
                job,
                epoch,
            } => {
                stations[i].finish(now, epoch);
                let in_tier = now - job.entered;
                latency[i].observe(in_tier);
                exact[i].record(in_tier);
                if let Some(s) = stations[i].start_next(now, |_, _| {}) {
                    events.schedule_at(
                        s.done_at,
                        Event::Done {
                            tier: i,
                            job: s.job,
                            epoch: s.epoch,
                        },
                    );
                }
                if i + 1 < tiers.len() {
                    enter(i + 1, now, job, &mut stations, &mut events, &mut rng)?;
                } else {
                    end_to_end.observe(now - job.arrived);
                    end_to_end_exact.record(now - job.arrived);
                }
            }
            Event::Scrape => {
                scrapes.push(Scrape {
                    at: now,
                    requests: latency.iter().map(BucketHistogram::count).collect(),
                    queue: stations.iter().map(Station::queue_len).collect(),
                });
                events.schedule_at(now + SCRAPE_EVERY, Event::Scrape);
            }
        }
    }
    let metrics = tiers
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let stats = stations[i].stats(duration);
            TierMetrics {
                name: t.name.clone(),
                servers: t.servers,
                requests: latency[i].count(),
                busy_seconds: stats.busy_time,
                queue_now: stations[i].queue_len(),
                mean_queue: stats.mean_queue_length(),
                latency: latency[i].clone(),
                exact: exact[i].clone(),
            }
        })
        .collect();
    Ok(TierRun {
        duration,
        tiers: metrics,
        end_to_end,
        end_to_end_exact,
        scrapes,
    })
}

/// The `/metrics` page of a [`run_tiers`] run at its end: per tier (all tiers, or only
/// the one called `only`) `requests_total` and `busy_seconds_total` (counters),
/// `servers` and `queue_length` (gauges) and `request_duration_seconds` (histogram).
pub fn exposition(run: &TierRun, only: Option<&str>) -> Result<String> {
    let tiers: Vec<&TierMetrics> = match only {
        Some(name) => vec![run.tier(name)?],
        None => run.tiers.iter().collect(),
    };
    let mut page = Exposition::new();
    for m in &tiers {
        page.counter(
            "requests_total",
            "Requests the tier finished.",
            &[("tier", &m.name)],
            m.requests as f64,
        )?;
    }
    for m in &tiers {
        page.counter(
            "busy_seconds_total",
            "Server-seconds the tier spent serving.",
            &[("tier", &m.name)],
            (m.busy_seconds * 1e3).round() / 1e3,
        )?;
    }
    for m in &tiers {
        page.gauge(
            "servers",
            "Servers (threads, connections) of the tier.",
            &[("tier", &m.name)],
            m.servers as f64,
        )?;
    }
    for m in &tiers {
        page.gauge(
            "queue_length",
            "Requests waiting for a server of the tier.",
            &[("tier", &m.name)],
            m.queue_now as f64,
        )?;
    }
    for m in &tiers {
        let mut h = m.latency.clone();
        h.sum = (h.sum * 1e3).round() / 1e3;
        page.histogram(
            "request_duration_seconds",
            "Time a request spent in the tier, waiting and served.",
            &[("tier", &m.name)],
            &h,
        )?;
    }
    Ok(page.text().to_string())
}

/// Per tier: servers, throughput, utilisation, mean queue length, p99 in the tier —
/// what `rate(busy_seconds_total[5m]) / servers`, `avg_over_time(queue_length[5m])`
/// and `histogram_quantile(0.99, ...)` would show.
pub fn tier_table(run: &TierRun) -> Result<Table> {
    let m = &run.tiers;
    Table::builder()
        .column(
            t("계층", "tier"),
            m.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(),
        )
        .column(
            t("서버", "servers"),
            m.iter().map(|m| m.servers as u64).collect::<Vec<_>>(),
        )
        .column(
            t("요청/초", "req/s"),
            m.iter()
                .map(|m| m.requests as f64 / run.duration)
                .collect::<Vec<_>>(),
        )
        .column(
            t("사용률 (%)", "busy (%)"),
            m.iter()
                .map(|m| 100.0 * m.utilisation(run.duration))
                .collect::<Vec<_>>(),
        )
        .column(
            t("평균 대기열", "mean queue"),
            m.iter()
                .map(|m| (m.mean_queue * 100.0).round() / 100.0)
                .collect::<Vec<_>>(),
        )
        .column(
            t("계층 p99 (ms)", "p99 in tier (ms)"),
            m.iter()
                .map(|m| m.latency.quantile(0.99).map(|v| v * 1e3))
                .collect::<Result<Vec<_>>>()?,
        )
        .build()
}

/// Each tier's `queue_length` gauge over time, as the scrapes saw it.
pub fn queue_figure(run: &TierRun) -> Result<Figure> {
    let mut plot = Plot::time_series(t(
        "계층별 대기열 길이 (스크레이프마다)",
        "Queue length per tier, scrape by scrape",
    ))
    .subtitle(t(
        format!("{SCRAPE_EVERY}초마다 수집한 queue_length 게이지").as_str(),
        format!("the queue_length gauge, scraped every {SCRAPE_EVERY} s").as_str(),
    ))
    .y_label(t("대기 중인 요청", "requests waiting"));
    for (i, m) in run.tiers.iter().enumerate() {
        let points: Vec<(f64, f64)> = run
            .scrapes
            .iter()
            .map(|s| (s.at, s.queue[i] as f64))
            .collect();
        plot = plot.series(m.name.as_str(), &points);
    }
    plot.render()
}

/// The three tiers of the lesson: web (8 threads, 5 ms), app (16 threads, 20 ms) and a
/// database with `db_connections` connections of 9.5 ms.
pub fn three_tiers(db_connections: usize) -> Result<Vec<Tier>> {
    Ok(vec![
        tier("web", 8, 5.0)?,
        tier("app", 16, 20.0)?,
        tier("db", db_connections, 9.5)?,
    ])
}
#[cfg(test)]
mod tests {
    use super::*;

    fn within(value: f64, expected: f64, tolerance: f64) -> bool {
        (value - expected).abs() <= tolerance * expected
    }

    /// The lesson's run: 400 requests/s for 300 s through web, app and a database with
    /// `db` connections.
    fn lesson_run(db: usize) -> TierRun {
        run_tiers(400.0, &three_tiers(db).unwrap(), 300.0, 1).unwrap()
    }

    #[test]
    fn the_mean_looks_fine_while_the_p99_is_over_a_second() {
        // "the mean is about 59 ms and the median about 18 ms ... p90 about 38 ms,
        // p99 about 1.1 s, p99.9 about 1.9 s"
        // 100,000 samples, 5,000 of them slow: the p99 is the slow part's p80, known to a
        // few percent; the p99.9 rests on 100 samples, hence its wider tolerance.
        let h = histogram_of(&latency_mix(100_000, 0.05, 1).unwrap());
        assert!(within(h.mean(), 0.059, 0.08), "{}", h.mean());
        assert!(within(h.p50(), 0.018, 0.08), "{}", h.p50());
        assert!(within(h.p90(), 0.038, 0.1), "{}", h.p90());
        assert!(within(h.p99(), 1.08, 0.12), "{}", h.p99());
        assert!(within(h.p999(), 1.9, 0.2), "{}", h.p999());
        assert!(h.p99() > 15.0 * h.mean());
        // "the mean crosses the curve around the 94th percentile"
        let samples = latency_mix(100_000, 0.05, 1).unwrap();
        let below = samples.iter().filter(|&&s| s <= h.mean()).count() as f64 / 1e3;
        assert!((below - 94.0).abs() < 1.0, "{below}");
    }

    #[test]
    fn buckets_put_the_p99_in_the_right_bucket() {
        // "The estimate lands in the right bucket (between 1 s and 2.5 s)"
        let samples = latency_mix(100_000, 0.05, 1).unwrap();
        let mut b = BucketHistogram::new(&DEFAULT_BUCKETS).unwrap();
        samples.iter().for_each(|&s| b.observe(s));
        let (estimate, exact) = (b.quantile(0.99).unwrap(), histogram_of(&samples).p99());
        assert!(estimate > 1.0 && estimate <= 2.5, "{estimate}");
        assert!(exact > 1.0 && exact <= 2.5, "{exact}");
    }

    #[test]
    fn a_bound_at_750_ms_brings_the_fleet_estimate_closer() {
        // "add a bound at 0.75 ... the estimate moves closer to the exact value"
        let servers = fleet(10, 20_000, 1).unwrap();
        let coarse = fleet_p99(&servers, &DEFAULT_BUCKETS).unwrap();
        let finer = fleet_p99(&servers, &[0.1, 0.25, 0.5, 0.75, 1.0, 2.5]).unwrap();
        let error = |p: &FleetP99| (p.merged_buckets - p.merged_hdr).abs();
        assert!(
            error(&finer) < 0.5 * error(&coarse),
            "{finer:?} vs {coarse:?}"
        );
    }

    #[test]
    fn averaging_the_servers_p99s_understates_the_fleets_p99() {
        // "the average of the ten p99s is about 155 ms; the p99 of all requests is about
        // 650 ms, four times more; summed Prometheus buckets estimate about 810 ms"
        // 20,000 requests per server: each p99 rests on 200 samples (a few percent).
        let p = fleet_p99(&fleet(10, 20_000, 1).unwrap(), &DEFAULT_BUCKETS).unwrap();
        assert!(within(p.average_of_p99s, 0.155, 0.1), "{p:?}");
        assert!(within(p.merged_hdr, 0.65, 0.1), "{p:?}");
        assert!(within(p.merged_buckets, 0.81, 0.12), "{p:?}");
        assert!(p.merged_hdr > 3.5 * p.average_of_p99s);
        // The bucket estimate lands in the bucket of the exact value: (0.5, 1].
        assert!(p.merged_hdr > 0.5 && p.merged_hdr <= 1.0);
        assert!(p.merged_buckets > 0.5 && p.merged_buckets <= 1.0);
    }

    #[test]
    fn utilisation_and_queue_length_point_at_the_database() {
        // "web about 25 % busy, app about 50 %, the database about 95 % with about 17
        // requests waiting on average; its p99 is about 250 ms; end to end, p99 about
        // 270 ms"
        // 120,000 requests: utilisations are known to about 1 %; the queue length of a
        // 95 %-busy station wanders a lot over 300 s, hence ±40 %.
        let run = lesson_run(4);
        let u = |name: &str| run.tier(name).unwrap().utilisation(run.duration);
        assert!(within(u("web"), 0.25, 0.05), "{}", u("web"));
        assert!(within(u("app"), 0.50, 0.05), "{}", u("app"));
        assert!(within(u("db"), 0.95, 0.03), "{}", u("db"));
        let db = run.tier("db").unwrap();
        assert!(within(db.mean_queue, 17.0, 0.4), "{}", db.mean_queue);
        for other in ["web", "app"] {
            assert!(run.tier(other).unwrap().mean_queue < 0.1);
        }
        let db_p99 = db.latency.quantile(0.99).unwrap();
        assert!(within(db_p99, 0.25, 0.25), "{db_p99}");
        assert!(within(run.end_to_end_exact.p99(), 0.27, 0.25));
    }

    #[test]
    fn a_fifth_connection_cuts_the_end_to_end_p99() {
        // "with 5 connections the database is about 76 % busy, about 1.6 requests wait,
        // and the end-to-end p99 falls from about 270 ms to about 120 ms"
        let before = lesson_run(4);
        let after = lesson_run(5);
        let db = after.tier("db").unwrap();
        assert!(within(db.utilisation(after.duration), 0.76, 0.04));
        assert!(within(db.mean_queue, 1.6, 0.4), "{}", db.mean_queue);
        assert!(within(after.end_to_end_exact.p99(), 0.12, 0.2));
        assert!(after.end_to_end_exact.p99() < 0.6 * before.end_to_end_exact.p99());
    }

    #[test]
    fn scrapes_show_the_database_queue_swinging_and_the_others_near_zero() {
        // "the database's queue swings between empty and dozens of requests ... while the
        // web and app queues stay at or near zero"
        let run = lesson_run(4);
        let column = |i: usize| run.scrapes.iter().map(move |s| s.queue[i]);
        assert_eq!(column(2).min(), Some(0));
        assert!(column(2).max().unwrap() >= 24, "{:?}", column(2).max());
        assert!(column(0).max().unwrap() <= 2 && column(1).max().unwrap() <= 3);
    }

    #[test]
    fn with_eight_connections_the_app_tier_sets_the_p99() {
        // "At 8 connections the database stops mattering and the app tier's 20 ms sets
        // the p99"
        let run = lesson_run(8);
        let p99 = |name: &str| run.tier(name).unwrap().exact.p99();
        assert!(run.tier("db").unwrap().utilisation(run.duration) < 0.5);
        assert!(
            p99("app") > 1.5 * p99("db"),
            "{} vs {}",
            p99("app"),
            p99("db")
        );
    }

    #[test]
    fn the_exposition_is_prometheus_text_format() {
        let mut h = BucketHistogram::new(&[0.1, 0.5]).unwrap();
        for v in [0.05, 0.1, 0.3, 2.0] {
            h.observe(v);
        }
        let mut page = Exposition::new();
        page.counter("jobs_total", "Jobs done.", &[("tier", "db")], 3.0)
            .unwrap()
            .counter("jobs_total", "Jobs done.", &[("tier", "web")], 5.0)
            .unwrap()
            .gauge("temperature", "A \\ path\nand a line.", &[], -1.5)
            .unwrap()
            .histogram("latency_seconds", "Latency.", &[("path", "a\"b")], &h)
            .unwrap();
        let expected = "\
# HELP jobs_total Jobs done.
# TYPE jobs_total counter
jobs_total{tier=\"db\"} 3
jobs_total{tier=\"web\"} 5
# HELP temperature A \\\\ path\\nand a line.
# TYPE temperature gauge
temperature -1.5
# HELP latency_seconds Latency.
# TYPE latency_seconds histogram
latency_seconds_bucket{path=\"a\\\"b\",le=\"0.1\"} 2
latency_seconds_bucket{path=\"a\\\"b\",le=\"0.5\"} 3
latency_seconds_bucket{path=\"a\\\"b\",le=\"+Inf\"} 4
latency_seconds_sum{path=\"a\\\"b\"} 2.45
latency_seconds_count{path=\"a\\\"b\"} 4
";
        assert_eq!(page.text(), expected);
        assert_eq!(format_value(f64::NAN), "NaN");
        assert_eq!(format_value(f64::NEG_INFINITY), "-Inf");
    }

    #[test]
    fn the_exposition_refuses_what_prometheus_would_reject() {
        let mut page = Exposition::new();
        assert!(page.counter("2xx_total", "", &[], 1.0).is_err());
        assert!(
            page.counter("ok_total", "", &[("__name", "x")], 1.0)
                .is_err()
        );
        assert!(page.counter("ok_total", "", &[("a-b", "x")], 1.0).is_err());
        assert!(page.counter("ok_total", "", &[], -1.0).is_err());
        assert!(page.counter("ok_total", "", &[], f64::NAN).is_err());
        let h = BucketHistogram::new(&[1.0]).unwrap();
        assert!(page.histogram("h", "", &[("le", "1")], &h).is_err());
        page.gauge("a", "", &[], 1.0).unwrap();
        assert!(page.counter("a", "", &[], 1.0).is_err(), "a is a gauge");
        page.gauge("b", "", &[], 1.0).unwrap();
        assert!(
            page.gauge("a", "", &[], 2.0).is_err(),
            "a's samples must be together"
        );
        let run = lesson_run(4);
        let db = exposition(&run, Some("db")).unwrap();
        assert_eq!(db.lines().count(), 4 * 3 + 2 + 9 + 2);
        assert!(db.contains("request_duration_seconds_bucket{tier=\"db\",le=\"+Inf\"}"));
        assert!(exposition(&run, Some("cache")).is_err());
        assert_eq!(exposition(&run, None).unwrap().matches("# TYPE").count(), 5);
    }

    #[test]
    fn bucket_histograms_count_merge_and_estimate() {
        let mut a = BucketHistogram::new(&[1.0, 2.0, 4.0]).unwrap();
        assert!(a.quantile(0.5).unwrap().is_nan());
        for v in [0.5, 1.0, 1.5, 3.0] {
            a.observe(v);
        }
        assert_eq!(
            a.cumulative(),
            vec![(1.0, 2), (2.0, 3), (4.0, 4), (f64::INFINITY, 4)]
        );
        // Rank 2 of 4 is the top of the first bucket; rank 3 the top of the second.
        assert_eq!(a.quantile(0.5).unwrap(), 1.0);
        assert_eq!(a.quantile(0.75).unwrap(), 2.0);
        assert_eq!(a.quantile(0.25).unwrap(), 0.5);
        assert_eq!(a.quantile(0.0).unwrap(), 0.0);
        let mut b = BucketHistogram::new(&[1.0, 2.0, 4.0]).unwrap();
        b.observe(100.0);
        a.merge(&b).unwrap();
        assert_eq!((a.count(), a.sum()), (5, 106.0));
        assert_eq!(
            a.quantile(1.0).unwrap(),
            4.0,
            "+Inf gives the highest bound"
        );
        assert!(a.quantile(1.5).is_err());
        assert!(a.merge(&BucketHistogram::new(&[1.0]).unwrap()).is_err());
        assert!(BucketHistogram::new(&[]).is_err());
        assert!(BucketHistogram::new(&[1.0, 1.0]).is_err());
        assert!(BucketHistogram::new(&[1.0, f64::INFINITY]).is_err());
    }

    #[test]
    fn bad_parameters_are_errors() {
        assert!(latency_mix(0, 0.05, 1).is_err());
        assert!(latency_mix(10, 1.5, 1).is_err());
        assert!(fleet(1, 10, 1).is_err());
        assert!(fleet_p99(&[], &DEFAULT_BUCKETS).is_err());
        assert!(tier("db", 0, 1.0).is_err());
        assert!(tier("db", 1, 0.0).is_err());
        assert!(run_tiers(1.0, &[], 10.0, 1).is_err());
        assert!(run_tiers(0.0, &three_tiers(4).unwrap(), 10.0, 1).is_err());
        let overloaded = [tier("db", 1, 10.0).unwrap()];
        let e = run_tiers(1000.0, &overloaded, 1000.0, 1)
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot keep up"), "{e}");
        assert!(lesson_run(4).tier("cache").is_err());
        let run = lesson_run(4);
        assert_eq!(run.scrapes.len(), 61);
        assert_eq!(tier_table(&run).unwrap().frame().height(), 3);
        let h = BucketHistogram::new(&[1.0]).unwrap();
        assert_eq!(bucket_table(&h).unwrap().frame().shape(), (2, 2));
        assert!(queue_figure(&run).is_ok());
        let s = latency_mix(1000, 0.05, 1).unwrap();
        assert_eq!(summary_table(&s).unwrap().frame().height(), 6);
        assert!(mean_vs_percentiles(&s, "t").is_ok());
    }
}
