//! The request path as one experiment: users → load balancer → web servers, with
//! sessions, failures, retries and autoscaling.
//!
//! A [`Cluster`] wires the passive components of this crate together in one event
//! loop: a [`Workload`] makes requests, a [`LoadBalancer`] picks a server, the
//! [`WebTier`] queues and serves, [`Sessions`] are read on the way, [`FailureModel`]s
//! crash servers, the balancer and the session store, a [`RetryPolicy`] retries failed
//! attempts, and the fleet grows and shrinks by plan ([`Cluster::scale_at`]) or by an
//! [`Autoscaler`]. One server and no
//! balancer policy to speak of is lesson 1's single server; a hundred servers under
//! power of two choices is the supermarket model. The ready-made lesson experiments in
//! [`experiments`] are thin configurations of it.
//!
//! What happens to a request:
//! 1. If no balancer unit is serving, the attempt fails.
//! 2. The balancer picks a server (none in rotation: the attempt fails).
//! 3. A server that is down refuses it (the balancer may not know yet): the attempt
//!    fails. Otherwise the session is read (in memory: free; shared store: its latency
//!    is added to the service time; store down: the attempt fails).
//! 4. The server serves it (cost / speed + session latency), or rejects it (queue
//!    full), or it times out waiting, or the server crashes under it: the attempt fails.
//! 5. A failed attempt is noticed after `error_latency` seconds (a connection error or
//!    timeout) and retried after a backoff, or the request is lost.
//!
//! Measurement: requests that arrive in `[warmup, warmup + duration)` are measured, and
//! followed to their end after that window closes (no new ones start).

pub mod experiments;

use crate::error::{Error, Result, at_least_one, non_negative, positive};
use crate::model::balancer::{BalancerStats, HealthChecks, LoadBalancer, Policy};
use crate::model::failure::{
    ActiveStandby, FailureModel, RequestOutcomes, RetryPolicy, UptimeMeter,
};
use crate::model::load::{RequestKind, Traffic, Workload};
use crate::model::sessions::{SessionOutcome, SessionStats, SessionStore, Sessions};
use crate::model::web::{Autoscaler, ScalingSignal, ServerSpec, ServerState, WebTier};
use crate::sim::{
    Admission, EventQueue, LatencyHistogram, LatencySeries, SimRng, Start, TimeSeries,
};

/// The web tier behind a load balancer, under a workload.
#[derive(Debug, Clone)]
pub struct Cluster {
    workload: Workload,
    servers: Vec<ServerSpec>,
    policy: Policy,
    weights: Option<Vec<f64>>,
    health: Option<HealthChecks>,
    server_failures: Vec<(usize, FailureModel)>,
    balancer_failures: FailureModel,
    standby: Option<(FailureModel, f64)>,
    sessions: Option<SessionStore>,
    store_failures: FailureModel,
    retry: RetryPolicy,
    error_latency: f64,
    autoscaler: Option<(Autoscaler, ServerSpec)>,
    plans: Vec<Plan>,
    queue_limit: Option<usize>,
    timeout: Option<f64>,
    duration: f64,
    warmup: f64,
    window: Option<f64>,
    levels: usize,
    max_backlog: usize,
}

/// A planned change of the fleet's size.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Plan {
    at: f64,
    servers: usize,
    boot: f64,
}

/// What a [`Cluster`] run measured.
#[derive(Debug, Clone)]
pub struct ClusterReport {
    /// Response times of measured requests that succeeded (from the first attempt to
    /// the response, failed attempts and backoffs included).
    pub response: LatencyHistogram,
    /// The same, per [`RequestKind`] (index with `kind.index()`).
    pub by_kind: [LatencyHistogram; 3],
    /// Measured requests.
    pub arrived: u64,
    /// What happened to them.
    pub outcomes: RequestOutcomes,
    /// Successful measured requests per second of the window.
    pub throughput: f64,
    /// Per server (by id, servers launched by the autoscaler included).
    pub servers: Vec<ServerReport>,
    /// With [`Cluster::queue_levels`]: entry k is the time-average fraction of the
    /// initial fleet's servers with at least k requests (in service + waiting) over the
    /// window; entry 0 is 1.
    pub queue_at_least: Vec<f64>,
    /// Every server crash, in time order.
    pub crashes: Vec<CrashRecord>,
    /// Every time a health check took a server out or put it back.
    pub detections: Vec<Detection>,
    /// Session counts, if sessions were modelled.
    pub sessions: Option<SessionStats>,
    /// The balancer's availability and decisions.
    pub balancer: BalancerReport,
    /// (time, servers up) at the start and at every change: a step function.
    pub fleet: Vec<(f64, usize)>,
    /// Machine-seconds paid for during the window.
    pub server_seconds: f64,
    /// Length of the window, in seconds.
    pub window: f64,
    /// Per-window series, with [`Cluster::time_series`].
    pub series: Option<ClusterSeries>,
    /// Why the run stopped before the end of the window, if it did.
    pub stopped_early: Option<String>,
}

/// One server's share of a run (counts over the window).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServerReport {
    /// Its size.
    pub spec: ServerSpec,
    /// Attempts the balancer sent to it.
    pub sent: u64,
    /// Requests it served.
    pub served: u64,
    /// Attempts it refused because it was down.
    pub refused: u64,
    /// Attempts it turned away with a full queue.
    pub rejected: u64,
    /// Requests it lost in its crashes (in service or waiting).
    pub lost_in_crashes: u64,
    /// Its utilisation over the window.
    pub utilisation: f64,
}

/// A server crash.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CrashRecord {
    /// Which server.
    pub server: usize,
    /// When.
    pub at: f64,
    /// Requests it held (in service and waiting), all lost.
    pub requests_lost: usize,
    /// Users the balancer had pinned to it (sticky policy).
    pub pinned_users: usize,
    /// Sessions that died with it (sessions in memory).
    pub sessions_destroyed: u64,
}

/// A health check's verdict on a server.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// Which server.
    pub server: usize,
    /// When the balancer changed its mind.
    pub at: f64,
    /// `false`: taken out of rotation; `true`: put back.
    pub up: bool,
}

/// The balancer's side of a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BalancerReport {
    /// Seconds of the window during which no balancer unit served.
    pub downtime: f64,
    /// The fraction of the window during which a unit served.
    pub availability: f64,
    /// Takeovers by the standby.
    pub failovers: u64,
    /// Measured attempts that found no balancer serving.
    pub refused: u64,
    /// Measured attempts that found no server in rotation.
    pub no_server: u64,
    /// The balancer's own counts (whole run).
    pub stats: BalancerStats,
}

/// Series in windows of fixed length (by the time of the event).
#[derive(Debug, Clone)]
pub struct ClusterSeries {
    /// Response times of successful measured requests, by completion time.
    pub latency: LatencySeries,
    /// Successful measured requests (value: the response time).
    pub completions: TimeSeries,
    /// Failed measured attempts (value 1).
    pub failures: TimeSeries,
}

impl ClusterReport {
    /// The average of the servers' utilisations over the window.
    pub fn mean_utilisation(&self) -> f64 {
        let n = self.servers.len().max(1) as f64;
        self.servers.iter().map(|s| s.utilisation).sum::<f64>() / n
    }

    /// The servers up at time `t` (from [`fleet`](Self::fleet)).
    pub fn servers_at(&self, t: f64) -> usize {
        self.fleet
            .iter()
            .take_while(|&&(at, _)| at <= t)
            .last()
            .map_or(0, |&(_, n)| n)
    }
}

impl Cluster {
    /// `workload` into one server per spec, round robin (weights: each server's
    /// capacity), no health checks, no failures, no retries; 1 000 s measured after
    /// 100 s of warm-up.
    pub fn new(workload: Workload, servers: &[ServerSpec]) -> Result<Self> {
        if servers.is_empty() {
            return Err(Error::InvalidConfig(
                "a web tier needs at least one server".into(),
            ));
        }
        for s in servers {
            ServerSpec::new(s.workers, s.speed)?;
        }
        Ok(Cluster {
            workload,
            servers: servers.to_vec(),
            policy: Policy::RoundRobin,
            weights: None,
            health: None,
            server_failures: Vec::new(),
            balancer_failures: FailureModel::never(),
            standby: None,
            sessions: None,
            store_failures: FailureModel::never(),
            retry: RetryPolicy::none(),
            error_latency: 0.0,
            autoscaler: None,
            plans: Vec::new(),
            queue_limit: None,
            timeout: None,
            duration: 1000.0,
            warmup: 100.0,
            window: None,
            levels: 0,
            max_backlog: 1_000_000,
        })
    }

    /// `n` ≥ 1 identical servers.
    pub fn uniform(workload: Workload, n: usize, spec: ServerSpec) -> Result<Self> {
        if n == 0 {
            return Err(Error::InvalidConfig(
                "a web tier needs at least one server".into(),
            ));
        }
        Self::new(workload, &vec![spec; n])
    }

    /// One server: lesson 1's whole architecture.
    pub fn single_server(workload: Workload, spec: ServerSpec) -> Result<Self> {
        Self::new(workload, &[spec])
    }

    /// The balancing policy.
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// Explicit weights, one per server (default: each server's capacity).
    pub fn weights(mut self, weights: &[f64]) -> Result<Self> {
        if weights.len() != self.servers.len() {
            return Err(Error::InvalidConfig(format!(
                "{} weights for {} servers: give one weight per server",
                weights.len(),
                self.servers.len()
            )));
        }
        LoadBalancer::weighted(Policy::WeightedRoundRobin, weights)?;
        self.weights = Some(weights.to_vec());
        Ok(self)
    }

    /// Active health checks at the balancer.
    pub fn health_checks(mut self, checks: HealthChecks) -> Self {
        self.health = Some(checks);
        self
    }

    /// Server `server` fails as `model` says (may be given for several servers).
    pub fn server_failures(mut self, server: usize, model: FailureModel) -> Result<Self> {
        if server >= self.servers.len() {
            return Err(Error::param(
                "server",
                server,
                format!("below {} (the servers of the cluster)", self.servers.len()),
            ));
        }
        self.server_failures.push((server, model));
        Ok(self)
    }

    /// The balancer (its active unit) fails as `model` says.
    pub fn balancer_failures(mut self, model: FailureModel) -> Self {
        self.balancer_failures = model;
        self
    }

    /// A standby balancer that fails as `model` says and takes over `detection` seconds
    /// after the active one dies.
    pub fn standby_balancer(mut self, model: FailureModel, detection: f64) -> Result<Self> {
        self.standby = Some((model, non_negative("detection", detection)?));
        Ok(self)
    }

    /// Model sessions, kept as `store` says.
    pub fn sessions(mut self, store: SessionStore) -> Self {
        self.sessions = Some(store);
        self
    }

    /// The shared session store fails as `model` says (needs shared sessions).
    pub fn session_store_failures(mut self, model: FailureModel) -> Self {
        self.store_failures = model;
        self
    }

    /// How clients retry failed attempts.
    pub fn retries(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Seconds until a client notices a failed attempt (a refused connection is fast, a
    /// timeout slow; default 0).
    pub fn error_latency(mut self, seconds: f64) -> Result<Self> {
        self.error_latency = non_negative("error_latency", seconds)?;
        Ok(self)
    }

    /// Autoscale the fleet, launching servers of `spec`.
    pub fn autoscale(mut self, autoscaler: Autoscaler, spec: ServerSpec) -> Result<Self> {
        ServerSpec::new(spec.workers, spec.speed)?;
        self.autoscaler = Some((autoscaler, spec));
        Ok(self)
    }

    /// At time `at`, scale the fleet to `servers` ≥ 1 (scale out by hand, or in): new
    /// servers are copies of the first one and serve `boot` seconds after launch; on
    /// scale-in the newest servers are retired (they finish their queues).
    pub fn scale_at(mut self, at: f64, servers: usize, boot: f64) -> Result<Self> {
        self.plans.push(Plan {
            at: non_negative("at", at)?,
            servers: at_least_one("servers", servers)?,
            boot: non_negative("boot", boot)?,
        });
        Ok(self)
    }

    /// At most `limit` requests wait at each server.
    pub fn queue_limit(mut self, limit: usize) -> Self {
        self.queue_limit = Some(limit);
        self
    }

    /// A request that waited longer than `timeout` seconds at a server gives up.
    pub fn timeout(mut self, seconds: f64) -> Result<Self> {
        self.timeout = Some(positive("timeout", seconds)?);
        Ok(self)
    }

    /// Seconds measured (after the warm-up).
    pub fn duration(mut self, seconds: f64) -> Result<Self> {
        self.duration = positive("duration", seconds)?;
        Ok(self)
    }

    /// Seconds run before measuring.
    pub fn warmup(mut self, seconds: f64) -> Result<Self> {
        self.warmup = non_negative("warmup", seconds)?;
        Ok(self)
    }

    /// Also record latency, completions and failures per window of `seconds`.
    pub fn time_series(mut self, seconds: f64) -> Result<Self> {
        self.window = Some(positive("window", seconds)?);
        Ok(self)
    }

    /// Measure the time-average fraction of servers with at least k requests, for
    /// k = 1..=`max_k` (1 ≤ `max_k` ≤ 64).
    pub fn queue_levels(mut self, max_k: usize) -> Result<Self> {
        if !(1..=64).contains(&max_k) {
            return Err(Error::param("max_k", max_k, "in 1..=64"));
        }
        self.levels = max_k;
        Ok(self)
    }

    /// Stop (and say so) once more than `n` ≥ 1 requests are in the fleet: the
    /// guard against an overloaded open system filling memory. Default 1 000 000.
    pub fn max_backlog(mut self, n: usize) -> Result<Self> {
        if n == 0 {
            return Err(Error::param("max_backlog", n, "at least 1"));
        }
        self.max_backlog = n;
        Ok(self)
    }

    /// The workload.
    pub fn workload(&self) -> &Workload {
        &self.workload
    }

    /// The initial servers.
    pub fn specs(&self) -> &[ServerSpec] {
        &self.servers
    }

    /// The offered utilisation of the initial fleet under open traffic (offered work /
    /// total capacity); `None` for closed traffic.
    pub fn offered_utilisation(&self) -> Option<f64> {
        let capacity: f64 = self.servers.iter().map(ServerSpec::capacity).sum();
        self.workload.offered_work().map(|w| w / capacity)
    }

    /// Runs it with `seed`. Arrivals and request contents come from their own streams,
    /// so two clusters that differ only in policy see exactly the same open-loop
    /// requests (common random numbers).
    pub fn run(&self, seed: u64) -> Result<ClusterReport> {
        Sim::new(self, seed)?.run()
    }
}

#[derive(Debug, Clone, Copy)]
struct Job {
    arrived: f64,
    cost: f64,
    user: u32,
    kind: RequestKind,
    attempts: u8,
    measured: bool,
}

#[derive(Debug, Clone, Copy)]
enum Ev {
    Arrival,
    Send(u32),
    Attempt(Job),
    Done { server: u32, epoch: u32, job: Job },
    Failed(Job),
    Check,
    ServerDown(u32),
    ServerUp(u32),
    BalancerDown(u8),
    BalancerUp(u8),
    Takeover,
    StoreDown,
    StoreUp,
    Scale,
    Plan(u32),
    Ready(u32),
    WarmupEnd,
    End,
}

/// Time-weighted counts of servers with at least k requests.
struct Levels {
    max_k: usize,
    counts: Vec<u32>,
    area: Vec<f64>,
    last: Vec<f64>,
    /// Requests in the whole fleet (kept even without levels: the backlog guard).
    in_system: usize,
}

impl Levels {
    fn new(max_k: usize) -> Self {
        Levels {
            max_k,
            counts: vec![0; max_k + 1],
            area: vec![0.0; max_k + 1],
            last: vec![0.0; max_k + 1],
            in_system: 0,
        }
    }

    #[inline]
    fn change(&mut self, now: f64, from: usize, to: usize) {
        self.in_system = (self.in_system + to).saturating_sub(from);
        if from == to || self.max_k == 0 {
            return;
        }
        let (lo, hi, up) = if to > from {
            (from + 1, to, true)
        } else {
            (to + 1, from, false)
        };
        for k in lo..=hi.min(self.max_k) {
            self.area[k] += self.counts[k] as f64 * (now - self.last[k]);
            self.last[k] = now;
            if up {
                self.counts[k] += 1;
            } else {
                self.counts[k] -= 1;
            }
        }
    }

    fn reset(&mut self, now: f64) {
        self.area.fill(0.0);
        self.last.fill(now);
    }

    fn fractions(&self, now: f64, servers: usize, span: f64) -> Vec<f64> {
        if self.max_k == 0 {
            return Vec::new();
        }
        let mut out = vec![1.0];
        for k in 1..=self.max_k {
            let area = self.area[k] + self.counts[k] as f64 * (now - self.last[k]);
            out.push(area / (servers as f64 * span));
        }
        out
    }
}

#[derive(Default, Clone, Copy)]
struct ServerCounts {
    sent: u64,
    served: u64,
    refused: u64,
    rejected: u64,
    lost: u64,
}

struct Sim<'a> {
    cfg: &'a Cluster,
    events: EventQueue<Ev>,
    tier: WebTier<Job>,
    lb: LoadBalancer,
    pair: ActiveStandby,
    pair_meter: UptimeMeter,
    sessions: Option<Sessions>,
    autoscaler: Option<(Autoscaler, ServerSpec)>,
    rng_arrivals: SimRng,
    rng_requests: SimRng,
    rng_balancer: SimRng,
    rng_sessions: SimRng,
    rng_think: SimRng,
    rng_failures: Vec<SimRng>,
    rng_units: [SimRng; 2],
    rng_store: SimRng,
    levels: Levels,
    start: f64,
    end: f64,
    ended: bool,
    response: LatencyHistogram,
    by_kind: [LatencyHistogram; 3],
    interval_latency: LatencyHistogram,
    last_work: (f64, f64),
    arrived: u64,
    outcomes: RequestOutcomes,
    counts: Vec<ServerCounts>,
    crashes: Vec<CrashRecord>,
    detections: Vec<Detection>,
    believed: Vec<bool>,
    refused_by_balancer: u64,
    no_server: u64,
    fleet: Vec<(f64, usize)>,
    series: Option<ClusterSeries>,
    timed_out: Vec<Job>,
    snapshot: Option<Snapshot>,
    down_at_start: f64,
    seconds_at_start: f64,
    stopped_early: Option<String>,
}

struct Snapshot {
    utilisation: Vec<f64>,
    queue_at_least: Vec<f64>,
    balancer_down: f64,
    server_seconds: f64,
}

impl<'a> Sim<'a> {
    fn new(cfg: &'a Cluster, seed: u64) -> Result<Self> {
        let mut tier = WebTier::new(&cfg.servers)?;
        if let Some(l) = cfg.queue_limit {
            tier = tier.with_queue_limit(l);
        }
        if let Some(t) = cfg.timeout {
            tier = tier.with_timeout(t)?;
        }
        let weights: Vec<f64> = match &cfg.weights {
            Some(w) => w.clone(),
            None => cfg.servers.iter().map(ServerSpec::capacity).collect(),
        };
        let users = cfg.workload.population().users();
        let mut lb = LoadBalancer::weighted(cfg.policy, &weights)?.with_users(users);
        if let Some(h) = cfg.health {
            lb = lb.with_health_checks(h);
        }
        let pair = match &cfg.standby {
            Some((_, detection)) => ActiveStandby::new(*detection)?,
            None => ActiveStandby::single(),
        };
        if cfg.store_failures.fails() && !matches!(cfg.sessions, Some(SessionStore::Shared { .. }))
        {
            return Err(Error::InvalidConfig(
                "session store failures need sessions in a shared store".into(),
            ));
        }
        let n = cfg.servers.len();
        let window = cfg.window;
        Ok(Sim {
            cfg,
            events: EventQueue::new(),
            tier,
            lb,
            pair,
            pair_meter: UptimeMeter::new(0.0, true),
            sessions: cfg.sessions.map(|s| Sessions::new(s).with_users(users)),
            autoscaler: cfg.autoscaler,
            rng_arrivals: SimRng::stream(seed, 0),
            rng_requests: SimRng::stream(seed, 1),
            rng_balancer: SimRng::stream(seed, 2),
            rng_sessions: SimRng::stream(seed, 3),
            rng_think: SimRng::stream(seed, 4),
            rng_failures: (0..cfg.server_failures.len() as u64)
                .map(|i| SimRng::stream(seed, 100 + i))
                .collect(),
            rng_units: [SimRng::stream(seed, 50), SimRng::stream(seed, 51)],
            rng_store: SimRng::stream(seed, 60),
            levels: Levels::new(cfg.levels),
            start: cfg.warmup,
            end: cfg.warmup + cfg.duration,
            ended: false,
            response: LatencyHistogram::new(),
            by_kind: [
                LatencyHistogram::new(),
                LatencyHistogram::new(),
                LatencyHistogram::new(),
            ],
            interval_latency: LatencyHistogram::with_digits(2),
            last_work: (0.0, 0.0),
            arrived: 0,
            outcomes: RequestOutcomes::default(),
            counts: vec![ServerCounts::default(); n],
            crashes: Vec::new(),
            detections: Vec::new(),
            believed: vec![true; n],
            refused_by_balancer: 0,
            no_server: 0,
            fleet: vec![(0.0, n)],
            series: match window {
                Some(w) => Some(ClusterSeries {
                    latency: LatencySeries::new(w)?,
                    completions: TimeSeries::new(w)?,
                    failures: TimeSeries::new(w)?,
                }),
                None => None,
            },
            timed_out: Vec::new(),
            snapshot: None,
            down_at_start: 0.0,
            seconds_at_start: 0.0,
            stopped_early: None,
        })
    }

    fn run(mut self) -> Result<ClusterReport> {
        self.schedule_start();
        while let Some((now, ev)) = self.events.pop() {
            match ev {
                Ev::Arrival => self.arrival(now),
                Ev::Send(user) => {
                    if !self.ended {
                        let r = self.cfg.workload.request_from(user, &mut self.rng_requests);
                        let job = self.new_job(now, r.user, r.kind, r.cost);
                        self.attempt(now, job);
                    }
                }
                Ev::Attempt(job) => self.attempt(now, job),
                Ev::Done { server, epoch, job } => self.done(now, server as usize, epoch, job),
                Ev::Failed(job) => self.failed(now, job),
                Ev::Check => self.check(now),
                Ev::ServerDown(i) => self.server_down(now, i as usize)?,
                Ev::ServerUp(i) => self.server_up(now, i as usize)?,
                Ev::BalancerDown(u) => {
                    if let Some(at) = self.pair.crash(now, u as usize)? {
                        self.events.schedule_at(at, Ev::Takeover);
                    }
                    self.pair_meter.set(now, self.pair.is_serving());
                }
                Ev::BalancerUp(u) => {
                    self.pair.recover(now, u as usize)?;
                    self.pair_meter.set(now, self.pair.is_serving());
                    self.schedule_unit_outage(u as usize, now);
                }
                Ev::Takeover => {
                    self.pair.takeover(now);
                    self.pair_meter.set(now, self.pair.is_serving());
                }
                Ev::StoreDown => {
                    if let Some(s) = self.sessions.as_mut() {
                        s.set_store_up(false);
                    }
                }
                Ev::StoreUp => {
                    if let Some(s) = self.sessions.as_mut() {
                        s.set_store_up(true);
                    }
                    self.schedule_store_outage(now);
                }
                Ev::Scale => self.scale(now)?,
                Ev::Plan(i) => {
                    let plan = self.cfg.plans[i as usize];
                    self.resize(now, plan.servers, self.cfg.servers[0], plan.boot)?;
                }
                Ev::Ready(id) => {
                    let id = id as usize;
                    if self.tier.ready(now, id) {
                        self.lb.mark(id, true)?;
                        self.believed[id] = true;
                        self.fleet_changed(now);
                    }
                }
                Ev::WarmupEnd => {
                    self.tier.reset_stats(now);
                    self.levels.reset(now);
                    self.last_work = (0.0, 0.0);
                    self.down_at_start = self.pair_meter.down_time(now);
                    self.seconds_at_start = self.tier.server_seconds(now);
                }
                Ev::End => self.take_snapshot(now),
            }
            if self.stopped_early.is_some() {
                let now = self.events.now();
                self.take_snapshot(now);
                break;
            }
        }
        Ok(self.report())
    }

    fn schedule_start(&mut self) {
        self.events.schedule_at(self.start, Ev::WarmupEnd);
        self.events.schedule_at(self.end, Ev::End);
        match self.cfg.workload.traffic() {
            Traffic::Open(_) => {
                if let Some(t) = self.cfg.workload.next_arrival(0.0, &mut self.rng_arrivals) {
                    self.events.schedule_at(t, Ev::Arrival);
                }
            }
            Traffic::Closed { .. } => {
                for user in 0..self.cfg.workload.population().users() {
                    let t = self
                        .cfg
                        .workload
                        .think_time(&mut self.rng_think)
                        .unwrap_or(0.0);
                    self.events.schedule_at(t, Ev::Send(user));
                }
            }
        }
        if let Some(t) = self.lb.first_check_at(0.0) {
            self.events.schedule_at(t, Ev::Check);
        }
        for i in 0..self.cfg.server_failures.len() {
            self.schedule_server_outage(i, 0.0);
        }
        self.schedule_unit_outage(0, 0.0);
        if self.cfg.standby.is_some() {
            self.schedule_unit_outage(1, 0.0);
        }
        self.schedule_store_outage(0.0);
        if let Some((a, _)) = &self.autoscaler {
            self.events.schedule_at(a.interval(), Ev::Scale);
        }
        for (i, plan) in self.cfg.plans.iter().enumerate() {
            if plan.at < self.end {
                self.events.schedule_at(plan.at, Ev::Plan(i as u32));
            }
        }
    }

    fn schedule_server_outage(&mut self, i: usize, after: f64) {
        if let Some(o) = self.cfg.server_failures[i]
            .1
            .next_outage(after, &mut self.rng_failures[i])
            && o.start < self.end
        {
            self.events.schedule_at(o.start, Ev::ServerDown(i as u32));
            if o.end.is_finite() {
                self.events.schedule_at(o.end, Ev::ServerUp(i as u32));
            }
        }
    }

    fn schedule_unit_outage(&mut self, unit: usize, after: f64) {
        let model = match (unit, &self.cfg.standby) {
            (0, _) => &self.cfg.balancer_failures,
            (_, Some((standby, _))) => standby,
            (_, None) => return,
        };
        if let Some(o) = model.next_outage(after, &mut self.rng_units[unit])
            && o.start < self.end
        {
            self.events
                .schedule_at(o.start, Ev::BalancerDown(unit as u8));
            if o.end.is_finite() {
                self.events.schedule_at(o.end, Ev::BalancerUp(unit as u8));
            }
        }
    }

    fn schedule_store_outage(&mut self, after: f64) {
        if let Some(o) = self
            .cfg
            .store_failures
            .next_outage(after, &mut self.rng_store)
            && o.start < self.end
        {
            self.events.schedule_at(o.start, Ev::StoreDown);
            if o.end.is_finite() {
                self.events.schedule_at(o.end, Ev::StoreUp);
            }
        }
    }

    #[inline]
    fn in_window(&self, now: f64) -> bool {
        now >= self.start && now < self.end
    }

    #[inline]
    fn new_job(&mut self, now: f64, user: u32, kind: RequestKind, cost: f64) -> Job {
        let measured = self.in_window(now);
        self.arrived += measured as u64;
        Job {
            arrived: now,
            cost,
            user,
            kind,
            attempts: 0,
            measured,
        }
    }

    fn arrival(&mut self, now: f64) {
        if self.ended {
            return;
        }
        if self.levels.in_system > self.cfg.max_backlog {
            self.stopped_early = Some(format!(
                "stopped at t = {now:.1} s: more than {} requests were queued in the fleet. The offered \
                 utilisation is {:.2}; at 1 or more the queues grow without bound.",
                self.cfg.max_backlog,
                self.cfg.offered_utilisation().unwrap_or(f64::NAN)
            ));
            return;
        }
        let r = self.cfg.workload.request(&mut self.rng_requests);
        let job = self.new_job(now, r.user, r.kind, r.cost);
        self.attempt(now, job);
        if let Some(t) = self.cfg.workload.next_arrival(now, &mut self.rng_arrivals)
            && t < self.end
        {
            self.events.schedule_at(t, Ev::Arrival);
        }
    }

    #[inline]
    fn attempt(&mut self, now: f64, mut job: Job) {
        job.attempts = job.attempts.saturating_add(1);
        let window = self.in_window(now);
        if !self.pair.is_serving() {
            self.refused_by_balancer += job.measured as u64;
            return self.fail(now, job);
        }
        let Some(server) = self.lb.pick(job.user, &mut self.rng_balancer) else {
            self.no_server += job.measured as u64;
            return self.fail(now, job);
        };
        if window {
            self.counts[server].sent += 1;
        }
        if !self.tier.is_up(server) {
            self.lb.release(server);
            if window {
                self.counts[server].refused += 1;
            }
            return self.fail(now, job);
        }
        let mut extra = 0.0;
        if let Some(s) = self.sessions.as_mut() {
            let used = s.on_request(job.user, server, &mut self.rng_sessions);
            if used.outcome == SessionOutcome::Unavailable {
                self.lb.release(server);
                return self.fail(now, job);
            }
            extra = used.latency;
        }
        let before = self.tier.in_system(server);
        let admission = self.tier.arrive(now, server, job, job.cost, extra);
        self.levels.change(now, before, self.tier.in_system(server));
        match admission {
            Admission::Started(s) => self.started(server, s),
            Admission::Queued => {}
            Admission::Rejected(job) => {
                self.lb.release(server);
                if window {
                    self.counts[server].rejected += 1;
                }
                self.fail(now, job);
            }
        }
    }

    #[inline]
    fn started(&mut self, server: usize, s: Start<Job>) {
        self.events.schedule_at(
            s.done_at,
            Ev::Done {
                server: server as u32,
                epoch: s.epoch,
                job: s.job,
            },
        );
    }

    #[inline]
    fn done(&mut self, now: f64, server: usize, epoch: u32, job: Job) {
        let before = self.tier.in_system(server);
        let ok = self.tier.finish(now, server, epoch);
        self.lb.release(server);
        if ok {
            if self.in_window(now) {
                self.counts[server].served += 1;
            }
            self.succeed(now, job);
        } else {
            // Lost in a crash: the client notices when its connection breaks.
            self.fail(now, job);
        }
        let mut timed_out = std::mem::take(&mut self.timed_out);
        let next = self.tier.start_next(now, server, |j, _| timed_out.push(j));
        self.levels.change(now, before, self.tier.in_system(server));
        for j in timed_out.drain(..) {
            self.lb.release(server);
            self.fail(now, j);
        }
        self.timed_out = timed_out;
        if let Some(s) = next {
            self.started(server, s);
        }
    }

    #[inline]
    fn succeed(&mut self, now: f64, job: Job) {
        let response = now - job.arrived;
        if self.autoscaler.is_some() {
            self.interval_latency.record(response);
        }
        if job.measured {
            self.outcomes.succeeded += 1;
            self.response.record(response);
            self.by_kind[job.kind.index()].record(response);
            if let Some(s) = self.series.as_mut() {
                s.latency.record(now, response);
                s.completions.record(now, response);
            }
        }
        self.next_request_of(now, job.user);
    }

    #[inline]
    fn fail(&mut self, now: f64, job: Job) {
        self.events
            .schedule_at(now + self.cfg.error_latency, Ev::Failed(job));
    }

    fn failed(&mut self, now: f64, job: Job) {
        if job.measured {
            self.outcomes.failed_attempts += 1;
            if let Some(s) = self.series.as_mut() {
                s.failures.record(now, 1.0);
            }
        }
        if self.cfg.retry.allows(job.attempts as u32) {
            self.outcomes.retried += job.measured as u64;
            let at = now + self.cfg.retry.delay(job.attempts as u32);
            self.events.schedule_at(at, Ev::Attempt(job));
        } else {
            self.outcomes.lost += job.measured as u64;
            self.next_request_of(now, job.user);
        }
    }

    #[inline]
    fn next_request_of(&mut self, now: f64, user: u32) {
        if !self.ended
            && let Some(think) = self.cfg.workload.think_time(&mut self.rng_think)
        {
            self.events.schedule_at(now + think, Ev::Send(user));
        }
    }

    fn check(&mut self, now: f64) {
        let tier = &self.tier;
        if let Some(round) = self.lb.check(now, |id| tier.is_up(id)) {
            if round.marked_down + round.marked_up > 0 {
                for id in 0..self.believed.len() {
                    let now_believed = self.lb.believes_up(id);
                    if now_believed != self.believed[id] {
                        self.detections.push(Detection {
                            server: id,
                            at: now,
                            up: now_believed,
                        });
                    }
                    self.believed[id] = now_believed;
                }
            }
            if !self.ended {
                self.events.schedule_at(round.next_at, Ev::Check);
            }
        }
    }

    fn server_down(&mut self, now: f64, i: usize) -> Result<()> {
        let server = self.cfg.server_failures[i].0;
        let before = self.tier.in_system(server);
        let pinned_users = if self.cfg.policy == Policy::Sticky {
            self.lb.pinned_users(server)
        } else {
            0
        };
        let was_serving = matches!(
            self.tier.state(server),
            Some(ServerState::Up | ServerState::Draining)
        );
        let waiting = self.tier.crash(now, server)?;
        self.levels.change(now, before, 0);
        let sessions_destroyed = self
            .sessions
            .as_mut()
            .map_or(0, |s| s.server_crashed(server));
        if was_serving {
            self.crashes.push(CrashRecord {
                server,
                at: now,
                requests_lost: before,
                pinned_users,
                sessions_destroyed,
            });
            if self.in_window(now) {
                self.counts[server].lost += before as u64;
            }
            self.fleet_changed(now);
        }
        for job in waiting {
            self.lb.release(server);
            self.fail(now, job);
        }
        Ok(())
    }

    fn server_up(&mut self, now: f64, i: usize) -> Result<()> {
        let server = self.cfg.server_failures[i].0;
        self.tier.recover(now, server)?;
        self.fleet_changed(now);
        self.schedule_server_outage(i, now);
        Ok(())
    }

    fn scale(&mut self, now: f64) -> Result<()> {
        let Some((mut scaler, spec)) = self.autoscaler else {
            return Ok(());
        };
        let observed = match scaler.signal() {
            ScalingSignal::Utilisation { .. } => {
                let (busy, capacity) = self.tier.work(now);
                let (b0, c0) = self.last_work;
                self.last_work = (busy, capacity);
                if capacity > c0 {
                    (busy - b0) / (capacity - c0)
                } else {
                    f64::NAN
                }
            }
            ScalingSignal::P99 { .. } => {
                let p = self.interval_latency.p99();
                self.interval_latency = LatencyHistogram::with_digits(2);
                p
            }
        };
        let up = self.tier.up();
        let active = up + self.tier.booting();
        let desired = scaler.desired(now, up, active, observed);
        self.resize(now, desired, spec, scaler.boot())?;
        self.autoscaler = Some((scaler, spec));
        if !self.ended {
            self.events.schedule_at(now + scaler.interval(), Ev::Scale);
        }
        Ok(())
    }

    /// Launches or retires servers until `desired` are up or booting: new ones of
    /// `spec` serve after `boot` seconds; the newest go first.
    fn resize(&mut self, now: f64, desired: usize, spec: ServerSpec, boot: f64) -> Result<()> {
        let active = self.tier.up() + self.tier.booting();
        for _ in active..desired {
            let id = self.tier.launch(now, spec)?;
            let lb_id = self.lb.add_server(spec.capacity())?;
            if lb_id != id {
                return Err(Error::InvalidConfig(format!(
                    "server ids diverged: tier {id}, balancer {lb_id}"
                )));
            }
            self.lb.mark(id, false)?;
            self.counts.push(ServerCounts::default());
            self.believed.push(false);
            self.events.schedule_at(now + boot, Ev::Ready(id as u32));
        }
        for _ in desired..active {
            let newest = (0..self.tier.len()).rev().find(|&id| {
                matches!(
                    self.tier.state(id),
                    Some(ServerState::Up | ServerState::Booting)
                )
            });
            if let Some(id) = newest {
                self.lb.remove_server(id)?;
                self.tier.retire(now, id)?;
            }
        }
        if desired < active {
            self.fleet_changed(now);
        }
        Ok(())
    }

    fn fleet_changed(&mut self, now: f64) {
        let up = self.tier.up();
        match self.fleet.last_mut() {
            // Several changes at one instant: keep the last state.
            Some(last) if last.0 == now => last.1 = up,
            Some(&mut (_, n)) if n == up => {}
            _ => self.fleet.push((now, up)),
        }
        if self.fleet.len() >= 2 && self.fleet[self.fleet.len() - 2].1 == up {
            self.fleet.pop();
        }
    }

    fn take_snapshot(&mut self, now: f64) {
        if self.snapshot.is_some() {
            return;
        }
        self.ended = true;
        let span = (now - self.start).max(0.0);
        let utilisation = (0..self.tier.len())
            .map(|id| self.tier.stats(id, now).map_or(0.0, |s| s.utilisation()))
            .collect();
        self.snapshot = Some(Snapshot {
            utilisation,
            queue_at_least: self.levels.fractions(now, self.cfg.servers.len(), span),
            balancer_down: self.pair_meter.down_time(now) - self.down_at_start,
            server_seconds: self.tier.server_seconds(now) - self.seconds_at_start,
        });
    }

    fn report(mut self) -> ClusterReport {
        let end = if self.stopped_early.is_some() {
            self.events.now()
        } else {
            self.end
        };
        self.take_snapshot(end);
        let snap = self.snapshot.take().unwrap_or_else(|| Snapshot {
            utilisation: Vec::new(),
            queue_at_least: Vec::new(),
            balancer_down: 0.0,
            server_seconds: 0.0,
        });
        let window = (end - self.start).max(0.0);
        let servers = self
            .counts
            .iter()
            .enumerate()
            .map(|(id, c)| ServerReport {
                spec: self.tier.spec(id).unwrap_or(ServerSpec::unit()),
                sent: c.sent,
                served: c.served,
                refused: c.refused,
                rejected: c.rejected,
                lost_in_crashes: c.lost,
                utilisation: snap.utilisation.get(id).copied().unwrap_or(0.0),
            })
            .collect();
        ClusterReport {
            throughput: if window > 0.0 {
                self.outcomes.succeeded as f64 / window
            } else {
                0.0
            },
            response: self.response,
            by_kind: self.by_kind,
            arrived: self.arrived,
            outcomes: self.outcomes,
            servers,
            queue_at_least: snap.queue_at_least,
            crashes: self.crashes,
            detections: self.detections,
            sessions: self.sessions.map(|s| s.stats()),
            balancer: BalancerReport {
                downtime: snap.balancer_down,
                availability: if window > 0.0 {
                    1.0 - snap.balancer_down / window
                } else {
                    1.0
                },
                failovers: self.pair.failovers(),
                refused: self.refused_by_balancer,
                no_server: self.no_server,
                stats: self.lb.stats(),
            },
            fleet: self.fleet,
            server_seconds: snap.server_seconds,
            window,
            series: self.series,
            stopped_early: self.stopped_early,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::theory;

    #[test]
    fn one_server_is_an_mm1_queue() {
        // ρ = 0.5, 1/(μ − λ) = 2 s. About 40 000 requests: the mean's relative SE is
        // about 2 %; 15 % is far outside the noise and catches a wrong service rate.
        let c = Cluster::single_server(Workload::poisson(0.5, 1.0).unwrap(), ServerSpec::unit())
            .unwrap()
            .duration(80_000.0)
            .unwrap();
        let r = c.run(1).unwrap();
        let expect = theory::mm1_mean_response(0.5, 1.0).unwrap();
        assert!(
            (r.response.mean() - expect).abs() < 0.15 * expect,
            "{}",
            r.response.mean()
        );
        assert!(
            (r.servers[0].utilisation - 0.5).abs() < 0.03,
            "{}",
            r.servers[0].utilisation
        );
        assert_eq!(r.outcomes.succeeded, r.response.count());
        assert_eq!(r.outcomes.lost, 0);
        assert_eq!(c.offered_utilisation(), Some(0.5));
    }

    #[test]
    fn same_seed_same_report() {
        let c = Cluster::uniform(Workload::poisson(30.0, 0.1).unwrap(), 4, ServerSpec::unit())
            .unwrap()
            .policy(Policy::PowerOfTwoChoices)
            .server_failures(1, FailureModel::random(200.0, 20.0).unwrap())
            .unwrap()
            .health_checks(HealthChecks::new(2.0, 2).unwrap())
            .retries(RetryPolicy::new(2, 0.05).unwrap())
            .time_series(10.0)
            .unwrap()
            .queue_levels(4)
            .unwrap();
        let a = c.run(5).unwrap();
        let b = c.run(5).unwrap();
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        assert_ne!(a.response.mean(), c.run(6).unwrap().response.mean());
    }

    #[test]
    fn queue_levels_match_the_station_means() {
        // Σ_k P(N ≥ k) = E[N]: the level areas must add up to the mean number in system,
        // which for random balancing over M/M/1 servers at ρ = 0.5 is ρ/(1 − ρ) = 1 each.
        let c = Cluster::uniform(Workload::poisson(5.0, 1.0).unwrap(), 10, ServerSpec::unit())
            .unwrap()
            .policy(Policy::Random)
            .duration(20_000.0)
            .unwrap()
            .queue_levels(64)
            .unwrap();
        let r = c.run(2).unwrap();
        let mean_n: f64 = r.queue_at_least[1..].iter().sum();
        assert!((mean_n - 1.0).abs() < 0.1, "{mean_n}");
        assert!(
            (r.queue_at_least[1] - 0.5).abs() < 0.02,
            "{}",
            r.queue_at_least[1]
        );
    }

    #[test]
    fn an_overloaded_open_cluster_stops_and_says_so() {
        let c = Cluster::single_server(Workload::poisson(2.0, 1.0).unwrap(), ServerSpec::unit())
            .unwrap()
            .duration(1e7)
            .unwrap()
            .max_backlog(1000)
            .unwrap();
        let r = c.run(1).unwrap();
        let why = r.stopped_early.expect("must stop");
        assert!(why.contains("utilisation is 2.00"), "{why}");
        assert!(r.window < 1e7);
    }

    #[test]
    fn a_dead_balancer_refuses_everything_and_retries_recover_after_it() {
        let c = Cluster::uniform(
            Workload::poisson(10.0, 0.01).unwrap(),
            2,
            ServerSpec::unit(),
        )
        .unwrap()
        .warmup(0.0)
        .unwrap()
        .duration(100.0)
        .unwrap()
        .balancer_failures(FailureModel::outage(40.0, 10.0).unwrap())
        .error_latency(1.0)
        .unwrap();
        let r = c.run(3).unwrap();
        assert!((r.balancer.downtime - 10.0).abs() < 1e-9);
        assert!((r.balancer.availability - 0.9).abs() < 1e-9);
        // About 100 requests arrive during the outage; all are lost without retries.
        assert!(
            r.outcomes.lost > 60 && r.outcomes.lost < 140,
            "{}",
            r.outcomes.lost
        );
        assert_eq!(r.balancer.refused, r.outcomes.lost);
        // With retries every 4 s (up to 3 times) nearly all of them get through later.
        let retried = c
            .clone()
            .retries(RetryPolicy::new(3, 4.0).unwrap())
            .run(3)
            .unwrap();
        assert!(
            retried.outcomes.lost < r.outcomes.lost / 3,
            "{}",
            retried.outcomes.lost
        );
        assert!(retried.outcomes.retried > 0);
    }

    #[test]
    fn planned_scale_out_and_in() {
        // One server at ρ = 0.9 (λ = 9/s, 0.1 s each); at 100 s two more are launched
        // and serve from 130 s; at 300 s the fleet goes back to one.
        let c = Cluster::single_server(Workload::poisson(9.0, 0.1).unwrap(), ServerSpec::unit())
            .unwrap()
            .policy(Policy::LeastConnections)
            .warmup(0.0)
            .unwrap()
            .duration(400.0)
            .unwrap()
            .scale_at(100.0, 3, 30.0)
            .unwrap()
            .scale_at(300.0, 1, 0.0)
            .unwrap();
        let r = c.run(1).unwrap();
        assert_eq!(r.fleet, vec![(0.0, 1), (130.0, 3), (300.0, 1)]);
        assert_eq!(r.servers.len(), 3);
        assert!(r.servers[1].served > 100 && r.servers[2].served > 100);
        // Server-seconds: 400 + 2 × (300 − 100) plus the few seconds the retired ones
        // spent finishing their queues.
        assert!(
            r.server_seconds >= 800.0 && r.server_seconds < 810.0,
            "{}",
            r.server_seconds
        );
        assert_eq!(r.outcomes.lost, 0);
        assert!(c.clone().scale_at(10.0, 0, 0.0).is_err());
    }

    #[test]
    fn bad_clusters_are_clear_errors() {
        let w = Workload::poisson(1.0, 0.1).unwrap();
        assert!(
            Cluster::new(w.clone(), &[])
                .unwrap_err()
                .to_string()
                .contains("at least one server")
        );
        assert!(Cluster::uniform(w.clone(), 0, ServerSpec::unit()).is_err());
        let c = Cluster::uniform(w.clone(), 2, ServerSpec::unit()).unwrap();
        assert!(
            c.clone()
                .weights(&[1.0])
                .unwrap_err()
                .to_string()
                .contains("1 weights for 2 servers")
        );
        assert!(
            c.clone()
                .weights(&[0.0, 0.0])
                .unwrap_err()
                .to_string()
                .contains("sum to zero")
        );
        assert!(c.clone().server_failures(2, FailureModel::never()).is_err());
        assert!(c.clone().duration(0.0).is_err());
        assert!(c.clone().queue_levels(0).is_err());
        assert!(
            c.clone()
                .session_store_failures(FailureModel::crash_at(1.0).unwrap())
                .run(1)
                .is_err()
        );
        assert!(
            c.autoscale(
                Autoscaler::utilisation(0.5, 10.0).unwrap(),
                ServerSpec {
                    workers: 0,
                    speed: 1.0
                }
            )
            .is_err()
        );
        assert!(
            Cluster::new(
                w,
                &[ServerSpec {
                    workers: 1,
                    speed: -1.0
                }]
            )
            .is_err()
        );
    }
}
