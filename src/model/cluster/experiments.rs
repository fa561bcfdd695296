//! Ready-made experiments for the lessons, each a few lines to call:
//!
//! - [`PolicyComparison`]: balancing policies on the same requests over servers of
//!   different speeds (p50 / p99 per policy).
//! - [`ServerCrash`]: a server dies behind health checks; how many requests fail before
//!   the balancer notices, and latency over time.
//! - [`BalancerFailover`]: the balancer as a single point of failure, against an
//!   active–standby pair.
//! - [`Autoscaling`]: a day of diurnal traffic, autoscaled against a fixed fleet sized
//!   for the peak.
//! - [`SessionCrash`]: sticky in-memory sessions against a shared session store when a
//!   server dies.
//!
//! Each is a configuration of [`Cluster`]; `cluster()` methods return it for tweaking.

use rayon::prelude::*;

use super::{Cluster, ClusterReport};
use crate::error::{Error, Result, at_least_one, non_negative, positive};
use crate::model::balancer::{HealthChecks, Policy};
use crate::model::failure::{FailureModel, RetryPolicy};
use crate::model::load::{RequestMix, Workload};
use crate::model::sessions::SessionStore;
use crate::model::web::{Autoscaler, ScalingSignal, ServerSpec};
use crate::sim::{Arrivals, Dist, LatencyHistogram, theory};

fn utilisation_below_one(u: f64) -> Result<f64> {
    if u > 0.0 && u < 1.0 {
        Ok(u)
    } else {
        Err(Error::param(
            "utilisation",
            u,
            "in (0, 1): at 1 or more the queues grow without bound",
        ))
    }
}

/// Balancing policies compared on exactly the same requests (common random numbers),
/// over one-worker servers of the given speeds.
#[derive(Debug, Clone)]
pub struct PolicyComparison {
    speeds: Vec<f64>,
    utilisation: f64,
    cost: Dist,
    policies: Vec<Policy>,
    duration: f64,
    warmup: f64,
}

/// One policy's result.
#[derive(Debug, Clone)]
pub struct PolicyResult {
    /// The policy.
    pub policy: Policy,
    /// The run.
    pub report: ClusterReport,
}

impl PolicyResult {
    /// Median response time, seconds.
    pub fn p50(&self) -> f64 {
        self.report.response.p50()
    }

    /// 99th percentile response time, seconds.
    pub fn p99(&self) -> f64 {
        self.report.response.p99()
    }

    /// Mean response time, seconds.
    pub fn mean(&self) -> f64 {
        self.report.response.mean()
    }
}

impl PolicyComparison {
    /// Servers of the given speeds (one worker each) at `utilisation` in (0, 1) of their
    /// total capacity; exponential costs of mean 10 ms; all six policies; 1 000 s
    /// measured after 100 s.
    pub fn new(speeds: &[f64], utilisation: f64) -> Result<Self> {
        if speeds.is_empty() {
            return Err(Error::InvalidConfig(
                "a load balancer needs at least one server".into(),
            ));
        }
        for &s in speeds {
            positive("speed", s)?;
        }
        Ok(PolicyComparison {
            speeds: speeds.to_vec(),
            utilisation: utilisation_below_one(utilisation)?,
            cost: Dist::exponential(0.010)?,
            policies: Policy::ALL.to_vec(),
            duration: 1000.0,
            warmup: 100.0,
        })
    }

    /// The request cost distribution (seconds at speed 1).
    pub fn service(mut self, cost: Dist) -> Result<Self> {
        positive("mean cost", cost.mean())?;
        self.cost = cost;
        Ok(self)
    }

    /// Which policies to compare (at least one).
    pub fn policies(mut self, policies: &[Policy]) -> Result<Self> {
        if policies.is_empty() {
            return Err(Error::InvalidConfig("compare at least one policy".into()));
        }
        self.policies = policies.to_vec();
        Ok(self)
    }

    /// Seconds measured.
    pub fn duration(mut self, seconds: f64) -> Result<Self> {
        self.duration = positive("duration", seconds)?;
        Ok(self)
    }

    /// Seconds of warm-up.
    pub fn warmup(mut self, seconds: f64) -> Result<Self> {
        self.warmup = non_negative("warmup", seconds)?;
        Ok(self)
    }

    /// The arrival rate, per second: utilisation × Σ speeds / mean cost.
    pub fn rate(&self) -> f64 {
        self.utilisation * self.speeds.iter().sum::<f64>() / self.cost.mean()
    }

    /// The cluster run for `policy`.
    pub fn cluster(&self, policy: Policy) -> Result<Cluster> {
        let workload = Workload::open(
            Arrivals::poisson(self.rate())?,
            RequestMix::reads(self.cost),
        )?;
        let specs: Vec<ServerSpec> = self
            .speeds
            .iter()
            .map(|&s| ServerSpec::new(1, s))
            .collect::<Result<_>>()?;
        Cluster::new(workload, &specs)?
            .policy(policy)
            .duration(self.duration)?
            .warmup(self.warmup)
    }

    /// Runs every policy with the same `seed` (in parallel), in the order given.
    pub fn run(&self, seed: u64) -> Result<Vec<PolicyResult>> {
        self.policies
            .par_iter()
            .map(|&policy| {
                Ok(PolicyResult {
                    policy,
                    report: self.cluster(policy)?.run(seed)?,
                })
            })
            .collect()
    }
}

/// A server crashes behind a balancer with health checks.
#[derive(Debug, Clone)]
pub struct ServerCrash {
    servers: usize,
    utilisation: f64,
    cost: Dist,
    policy: Policy,
    checks: HealthChecks,
    crash_at: f64,
    recover_after: Option<f64>,
    retry: RetryPolicy,
    error_latency: f64,
    duration: f64,
    window: f64,
}

/// What a [`ServerCrash`] run measured.
#[derive(Debug, Clone)]
pub struct ServerCrashReport {
    /// The whole run (measured from time 0; latency per window in `report.series`).
    pub report: ClusterReport,
    /// When server 0 crashed.
    pub crash_at: f64,
    /// When the balancer took it out, if it did.
    pub detected_at: Option<f64>,
    /// `detected_at − crash_at`.
    pub detection_delay: Option<f64>,
    /// The detection delay the health-check settings imply for this crash time.
    pub expected_detection_delay: f64,
    /// Attempts the dead server refused (sent before the balancer noticed).
    pub refused: u64,
    /// What to expect under an even policy: the server's share of the arrival rate
    /// (rate / servers) × the expected detection delay.
    pub expected_refused: f64,
    /// Requests it held when it crashed.
    pub lost_in_crash: u64,
}

impl ServerCrash {
    /// `servers` ≥ 2 one-worker servers at `utilisation` in (0, 1), round robin, the
    /// given health checks; server 0 crashes at 300.3 s (for good); exponential costs
    /// of mean 10 ms; no retries; 600 s simulated, latency in 1 s windows.
    pub fn new(servers: usize, utilisation: f64, checks: HealthChecks) -> Result<Self> {
        if servers < 2 {
            return Err(Error::param(
                "servers",
                servers,
                "at least 2 (one crashes, the others carry on)",
            ));
        }
        Ok(ServerCrash {
            servers,
            utilisation: utilisation_below_one(utilisation)?,
            cost: Dist::exponential(0.010)?,
            policy: Policy::RoundRobin,
            checks,
            crash_at: 300.3,
            recover_after: None,
            retry: RetryPolicy::none(),
            error_latency: 0.0,
            duration: 600.0,
            window: 1.0,
        })
    }

    /// The balancing policy (least connections shows the "black hole": a dead server
    /// that refuses at once looks idle and attracts traffic).
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// When server 0 crashes.
    pub fn crash_at(mut self, at: f64) -> Result<Self> {
        self.crash_at = non_negative("crash_at", at)?;
        Ok(self)
    }

    /// It comes back `seconds` after the crash.
    pub fn recover_after(mut self, seconds: f64) -> Result<Self> {
        self.recover_after = Some(positive("recover_after", seconds)?);
        Ok(self)
    }

    /// Clients retry failed attempts.
    pub fn retries(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Seconds for a client to notice a failed attempt.
    pub fn error_latency(mut self, seconds: f64) -> Result<Self> {
        self.error_latency = non_negative("error_latency", seconds)?;
        Ok(self)
    }

    /// The request cost distribution.
    pub fn service(mut self, cost: Dist) -> Result<Self> {
        positive("mean cost", cost.mean())?;
        self.cost = cost;
        Ok(self)
    }

    /// Seconds simulated.
    pub fn duration(mut self, seconds: f64) -> Result<Self> {
        self.duration = positive("duration", seconds)?;
        Ok(self)
    }

    /// The window of the latency series.
    pub fn window(mut self, seconds: f64) -> Result<Self> {
        self.window = positive("window", seconds)?;
        Ok(self)
    }

    /// The arrival rate, per second.
    pub fn rate(&self) -> f64 {
        self.utilisation * self.servers as f64 / self.cost.mean()
    }

    /// The cluster this runs.
    pub fn cluster(&self) -> Result<Cluster> {
        let workload = Workload::open(
            Arrivals::poisson(self.rate())?,
            RequestMix::reads(self.cost),
        )?;
        let outage = match self.recover_after {
            Some(d) => FailureModel::outage(self.crash_at, d)?,
            None => FailureModel::crash_at(self.crash_at)?,
        };
        Cluster::uniform(workload, self.servers, ServerSpec::unit())?
            .policy(self.policy)
            .health_checks(self.checks)
            .server_failures(0, outage)?
            .retries(self.retry)
            .error_latency(self.error_latency)?
            .warmup(0.0)?
            .duration(self.duration)?
            .time_series(self.window)
    }

    /// Runs it with `seed`.
    pub fn run(&self, seed: u64) -> Result<ServerCrashReport> {
        let report = self.cluster()?.run(seed)?;
        let detected_at = report
            .detections
            .iter()
            .find(|d| d.server == 0 && !d.up && d.at >= self.crash_at)
            .map(|d| d.at);
        let expected = self.checks.detection_delay(self.crash_at);
        Ok(ServerCrashReport {
            crash_at: self.crash_at,
            detected_at,
            detection_delay: detected_at.map(|t| t - self.crash_at),
            expected_detection_delay: expected,
            refused: report.servers[0].refused,
            expected_refused: self.rate() / self.servers as f64 * expected,
            lost_in_crash: report.servers[0].lost_in_crashes,
            report,
        })
    }
}

/// The balancer as a single point of failure against an active–standby pair.
#[derive(Debug, Clone)]
pub struct BalancerFailover {
    failures: FailureModel,
    detection: f64,
    rate: f64,
    servers: usize,
    cost: Dist,
    retry: RetryPolicy,
    error_latency: f64,
    duration: f64,
}

/// One side of a [`BalancerFailover`].
#[derive(Debug, Clone)]
pub struct FailoverSide {
    /// Seconds with no balancer serving.
    pub downtime: f64,
    /// The fraction of time a balancer served.
    pub availability: f64,
    /// Takeovers by the standby.
    pub failovers: u64,
    /// Requests that never got through.
    pub lost: u64,
    /// Requests made.
    pub arrived: u64,
    /// The whole run.
    pub report: ClusterReport,
}

/// What a [`BalancerFailover`] run measured.
#[derive(Debug, Clone)]
pub struct FailoverReport {
    /// One balancer.
    pub single: FailoverSide,
    /// An active–standby pair (its active unit fails exactly when the single one did).
    pub pair: FailoverSide,
    /// The availability of one unit in theory (MTBF / (MTBF + MTTR)), if the model is random.
    pub unit_availability: Option<f64>,
    /// An ideal pair (instant takeover): 1 − (1 − A)².
    pub ideal_pair_availability: Option<f64>,
}

impl BalancerFailover {
    /// Balancer units failing as `failures`; the standby takes over after `detection`
    /// seconds. 2 requests/s over 2 servers (exponential costs of mean 50 ms), no
    /// retries, one week simulated (about a second of computing).
    pub fn new(failures: FailureModel, detection: f64) -> Result<Self> {
        Ok(BalancerFailover {
            failures,
            detection: non_negative("detection", detection)?,
            rate: 2.0,
            servers: 2,
            cost: Dist::exponential(0.050)?,
            retry: RetryPolicy::none(),
            error_latency: 0.0,
            duration: 7.0 * 86_400.0,
        })
    }

    /// Requests per second.
    pub fn rate(mut self, rate: f64) -> Result<Self> {
        self.rate = positive("rate", rate)?;
        Ok(self)
    }

    /// Clients retry failed attempts.
    pub fn retries(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Seconds for a client to notice a failed attempt.
    pub fn error_latency(mut self, seconds: f64) -> Result<Self> {
        self.error_latency = non_negative("error_latency", seconds)?;
        Ok(self)
    }

    /// Seconds simulated.
    pub fn duration(mut self, seconds: f64) -> Result<Self> {
        self.duration = positive("duration", seconds)?;
        Ok(self)
    }

    /// The cluster with one balancer, or with the standby.
    pub fn cluster(&self, with_standby: bool) -> Result<Cluster> {
        let workload = Workload::open(Arrivals::poisson(self.rate)?, RequestMix::reads(self.cost))?;
        let c = Cluster::uniform(workload, self.servers, ServerSpec::unit())?
            .balancer_failures(self.failures.clone())
            .retries(self.retry)
            .error_latency(self.error_latency)?
            .warmup(0.0)?
            .duration(self.duration)?;
        if with_standby {
            c.standby_balancer(self.failures.clone(), self.detection)
        } else {
            Ok(c)
        }
    }

    /// Runs both with `seed`, in parallel.
    pub fn run(&self, seed: u64) -> Result<FailoverReport> {
        let side = |standby: bool| -> Result<FailoverSide> {
            let report = self.cluster(standby)?.run(seed)?;
            Ok(FailoverSide {
                downtime: report.balancer.downtime,
                availability: report.balancer.availability,
                failovers: report.balancer.failovers,
                lost: report.outcomes.lost,
                arrived: report.arrived,
                report,
            })
        };
        let (single, pair) = rayon::join(|| side(false), || side(true));
        let a = self.failures.availability();
        Ok(FailoverReport {
            single: single?,
            pair: pair?,
            unit_availability: a,
            ideal_pair_availability: a.and_then(|a| theory::parallel(&[a, a]).ok()),
        })
    }
}

/// A day of diurnal traffic, autoscaled, against a fixed fleet sized for the peak.
#[derive(Debug, Clone)]
pub struct Autoscaling {
    peak_rate: f64,
    amplitude: f64,
    period: f64,
    cost: Dist,
    spec: ServerSpec,
    autoscaler: Autoscaler,
    fixed: Option<usize>,
    window: f64,
}

/// What an [`Autoscaling`] run measured.
#[derive(Debug, Clone)]
pub struct AutoscalingReport {
    /// The autoscaled fleet.
    pub auto: ClusterReport,
    /// The fixed fleet.
    pub fixed: ClusterReport,
    /// The fixed fleet's size.
    pub fixed_servers: usize,
    /// Server-hours the autoscaled fleet used.
    pub server_hours_auto: f64,
    /// Server-hours the fixed fleet used.
    pub server_hours_fixed: f64,
    /// (window start, p99) of the autoscaled fleet.
    pub p99_auto: Vec<(f64, f64)>,
    /// (window start, p99) of the fixed fleet.
    pub p99_fixed: Vec<(f64, f64)>,
}

impl Autoscaling {
    /// Traffic peaking at `peak_rate` requests/s (±80 % over an 86 400 s day, peak at
    /// 14:00), exponential costs of mean 50 ms, one-worker servers at speed 1 scaled by
    /// `autoscaler`; the fixed fleet is sized for the peak at the autoscaler's
    /// utilisation target (70 % for a latency target). Latency in 15-minute windows.
    pub fn new(peak_rate: f64, autoscaler: Autoscaler) -> Result<Self> {
        Ok(Autoscaling {
            peak_rate: positive("peak_rate", peak_rate)?,
            amplitude: 0.8,
            period: 86_400.0,
            cost: Dist::exponential(0.050)?,
            spec: ServerSpec::unit(),
            autoscaler,
            fixed: None,
            window: 900.0,
        })
    }

    /// The daily swing (0..1) and the length of the "day" in seconds (shorten it to run
    /// faster; the autoscaler's interval, boot time and cooldown do not shrink with it).
    pub fn cycle(mut self, amplitude: f64, period: f64) -> Result<Self> {
        if !(0.0..=1.0).contains(&amplitude) {
            return Err(Error::param("amplitude", amplitude, "in [0, 1]"));
        }
        self.amplitude = amplitude;
        self.period = positive("period", period)?;
        Ok(self)
    }

    /// The request cost distribution.
    pub fn service(mut self, cost: Dist) -> Result<Self> {
        positive("mean cost", cost.mean())?;
        self.cost = cost;
        Ok(self)
    }

    /// The size of each server.
    pub fn server(mut self, spec: ServerSpec) -> Result<Self> {
        self.spec = ServerSpec::new(spec.workers, spec.speed)?;
        Ok(self)
    }

    /// The fixed fleet's size instead of the default.
    pub fn fixed_fleet(mut self, servers: usize) -> Result<Self> {
        self.fixed = Some(at_least_one("servers", servers)?);
        Ok(self)
    }

    /// The window of the latency series.
    pub fn window(mut self, seconds: f64) -> Result<Self> {
        self.window = positive("window", seconds)?;
        Ok(self)
    }

    fn target(&self) -> f64 {
        match self.autoscaler.signal() {
            ScalingSignal::Utilisation { target } => target,
            ScalingSignal::P99 { .. } => 0.7,
        }
    }

    fn arrivals(&self) -> Result<Arrivals> {
        Arrivals::poisson(self.peak_rate / (1.0 + self.amplitude))?.diurnal(
            self.amplitude,
            self.period,
            self.period * 14.0 / 24.0,
        )
    }

    /// The fixed fleet's size: servers needed at the peak at the target utilisation.
    pub fn fixed_servers(&self) -> usize {
        self.fixed.unwrap_or_else(|| {
            (self.peak_rate * self.cost.mean() / (self.spec.capacity() * self.target()))
                .ceil()
                .max(1.0) as usize
        })
    }

    /// The autoscaled cluster (`true`) or the fixed one.
    pub fn cluster(&self, autoscaled: bool) -> Result<Cluster> {
        let arrivals = self.arrivals()?;
        let (min, max) = self.autoscaler.limits();
        let servers = if autoscaled {
            let at_start =
                arrivals.rate_at(0.0) * self.cost.mean() / (self.spec.capacity() * self.target());
            (at_start.ceil() as usize).clamp(min, max)
        } else {
            self.fixed_servers()
        };
        let workload = Workload::open(arrivals, RequestMix::reads(self.cost))?;
        let c = Cluster::uniform(workload, servers, self.spec)?
            .policy(Policy::LeastConnections)
            .warmup(0.0)?
            .duration(self.period)?
            .time_series(self.window)?;
        if autoscaled {
            c.autoscale(self.autoscaler, self.spec)
        } else {
            Ok(c)
        }
    }

    /// Runs both fleets with `seed` (the same requests), in parallel.
    pub fn run(&self, seed: u64) -> Result<AutoscalingReport> {
        let (auto, fixed) = rayon::join(
            || self.cluster(true)?.run(seed),
            || self.cluster(false)?.run(seed),
        );
        let (auto, fixed) = (auto?, fixed?);
        let p99 = |r: &ClusterReport| {
            r.series
                .as_ref()
                .map_or(Ok(Vec::new()), |s| s.latency.percentile(99.0))
        };
        Ok(AutoscalingReport {
            server_hours_auto: auto.server_seconds / 3600.0,
            server_hours_fixed: fixed.server_seconds / 3600.0,
            p99_auto: p99(&auto)?,
            p99_fixed: p99(&fixed)?,
            fixed_servers: self.fixed_servers(),
            auto,
            fixed,
        })
    }
}

/// Sessions in server memory (sticky, or not) against a shared store, when a server
/// dies.
#[derive(Debug, Clone)]
pub struct SessionCrash {
    users: u32,
    servers: usize,
    think: Dist,
    cost: Dist,
    store_latency: Dist,
    checks: HealthChecks,
    crash_at: f64,
    duration: f64,
}

/// One way of keeping sessions, in a [`SessionCrash`].
#[derive(Debug, Clone)]
pub struct SessionSide {
    /// The balancing policy.
    pub policy: Policy,
    /// Where sessions lived.
    pub store: SessionStore,
    /// Distinct users who found their session gone at least once.
    pub users_lost: u64,
    /// Sessions destroyed by the crash.
    pub sessions_destroyed: u64,
    /// Users the balancer had pinned to the crashed server.
    pub pinned_at_crash: usize,
    /// Requests that never got a response.
    pub requests_lost: u64,
    /// Response times.
    pub response: LatencyHistogram,
    /// The whole run.
    pub report: ClusterReport,
}

/// What a [`SessionCrash`] run measured.
#[derive(Debug, Clone)]
pub struct SessionCrashReport {
    /// Sessions in memory with sticky routing.
    pub sticky_in_memory: SessionSide,
    /// Sessions in a shared store, round robin.
    pub shared_store: SessionSide,
    /// Sessions in memory without sticky routing (round robin): what goes wrong first.
    pub round_robin_in_memory: SessionSide,
}

impl SessionCrash {
    /// `users` ≥ 1 closed-loop users (think time exponential, mean 5 s) on `servers` ≥ 2
    /// four-worker servers (costs exponential, mean 20 ms); server 0 crashes for good
    /// at 300.3 s; health checks every 5 s, 2 failures; a 1 ms session store; 600 s.
    pub fn new(users: u32, servers: usize) -> Result<Self> {
        at_least_one("users", users as usize)?;
        if servers < 2 {
            return Err(Error::param(
                "servers",
                servers,
                "at least 2 (one crashes, the others carry on)",
            ));
        }
        Ok(SessionCrash {
            users,
            servers,
            think: Dist::exponential(5.0)?,
            cost: Dist::exponential(0.020)?,
            store_latency: Dist::constant(0.001)?,
            checks: HealthChecks::new(5.0, 2)?,
            crash_at: 300.3,
            duration: 600.0,
        })
    }

    /// The think time between a response and the next request.
    pub fn think(mut self, think: Dist) -> Self {
        self.think = think;
        self
    }

    /// The shared store's read latency.
    pub fn store_latency(mut self, latency: Dist) -> Self {
        self.store_latency = latency;
        self
    }

    /// The balancer's health checks.
    pub fn health_checks(mut self, checks: HealthChecks) -> Self {
        self.checks = checks;
        self
    }

    /// When server 0 crashes.
    pub fn crash_at(mut self, at: f64) -> Result<Self> {
        self.crash_at = non_negative("crash_at", at)?;
        Ok(self)
    }

    /// Seconds simulated.
    pub fn duration(mut self, seconds: f64) -> Result<Self> {
        self.duration = positive("duration", seconds)?;
        Ok(self)
    }

    /// The cluster for a policy and a session store.
    pub fn cluster(&self, policy: Policy, store: SessionStore) -> Result<Cluster> {
        let workload = Workload::closed(self.users, self.think, RequestMix::reads(self.cost))?;
        Cluster::uniform(workload, self.servers, ServerSpec::new(4, 1.0)?)?
            .policy(policy)
            .sessions(store)
            .health_checks(self.checks)
            .server_failures(0, FailureModel::crash_at(self.crash_at)?)?
            .warmup(0.0)?
            .duration(self.duration)
    }

    /// Runs the three set-ups with `seed`, in parallel.
    pub fn run(&self, seed: u64) -> Result<SessionCrashReport> {
        let shared = SessionStore::Shared {
            latency: self.store_latency,
        };
        let setups = [
            (Policy::Sticky, SessionStore::InMemory),
            (Policy::RoundRobin, shared),
            (Policy::RoundRobin, SessionStore::InMemory),
        ];
        let sides: Vec<SessionSide> = setups
            .par_iter()
            .map(|&(policy, store)| {
                let report = self.cluster(policy, store)?.run(seed)?;
                let stats = report.sessions.unwrap_or_default();
                Ok(SessionSide {
                    policy,
                    store,
                    users_lost: stats.users_lost,
                    sessions_destroyed: stats.destroyed,
                    pinned_at_crash: report.crashes.iter().map(|c| c.pinned_users).sum(),
                    requests_lost: report.outcomes.lost,
                    response: report.response.clone(),
                    report,
                })
            })
            .collect::<Result<_>>()?;
        let [sticky_in_memory, shared_store, round_robin_in_memory]: [SessionSide; 3] = sides
            .try_into()
            .map_err(|_| Error::InvalidConfig("expected three session set-ups".into()))?;
        Ok(SessionCrashReport {
            sticky_in_memory,
            shared_store,
            round_robin_in_memory,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_parameters_are_clear_errors() {
        assert!(
            PolicyComparison::new(&[], 0.5)
                .unwrap_err()
                .to_string()
                .contains("at least one server")
        );
        assert!(
            PolicyComparison::new(&[1.0], 1.0)
                .unwrap_err()
                .to_string()
                .contains("utilisation")
        );
        assert!(PolicyComparison::new(&[1.0, 0.0], 0.5).is_err());
        assert!(
            PolicyComparison::new(&[1.0], 0.5)
                .unwrap()
                .policies(&[])
                .is_err()
        );
        let h = HealthChecks::new(1.0, 1).unwrap();
        assert!(ServerCrash::new(1, 0.5, h).is_err());
        assert!(SessionCrash::new(0, 2).is_err());
        assert!(SessionCrash::new(10, 1).is_err());
        assert!(BalancerFailover::new(FailureModel::never(), -1.0).is_err());
        let a = Autoscaler::utilisation(0.6, 60.0).unwrap();
        assert!(Autoscaling::new(0.0, a).is_err());
        assert!(
            Autoscaling::new(10.0, a)
                .unwrap()
                .cycle(1.5, 100.0)
                .is_err()
        );
    }

    #[test]
    fn autoscaling_follows_the_day_and_costs_less_than_the_peak_fleet() {
        // A compressed day of 4 hours: the peak of 40 req/s × 50 ms is 2 servers of work,
        // 4 servers at the 60 % target; the trough (40 × 0.2 / 1.8 ≈ 4.4 req/s) needs 1.
        let scaler = Autoscaler::utilisation(0.6, 60.0)
            .unwrap()
            .bounds(1, 20)
            .unwrap()
            .boot_time(60.0)
            .unwrap()
            .cooldown(300.0)
            .unwrap();
        let r = Autoscaling::new(40.0, scaler)
            .unwrap()
            .cycle(0.8, 14_400.0)
            .unwrap()
            .run(1)
            .unwrap();
        assert_eq!(r.fixed_servers, 4);
        let peak = r.auto.servers_at(14_400.0 * 14.0 / 24.0);
        let trough = r.auto.servers_at(14_400.0 * 2.0 / 24.0);
        assert!(
            peak > trough,
            "peak {peak}, trough {trough}: {:?}",
            r.auto.fleet
        );
        assert!(
            r.server_hours_auto < r.server_hours_fixed,
            "{} vs {}",
            r.server_hours_auto,
            r.server_hours_fixed
        );
        assert!((r.server_hours_fixed - 16.0).abs() < 1e-9);
        assert!(!r.p99_auto.is_empty() && !r.p99_fixed.is_empty());
        assert!(r.auto.stopped_early.is_none() && r.auto.outcomes.lost == 0);
    }

    #[test]
    fn the_pair_hides_most_of_the_balancer_downtime() {
        // Units fail every 2 h on average for 10 min (A = 0.923); the standby takes over
        // in 5 s. One unit is down (1 − A)·T ≈ 33 000 s of the 5 days; the pair only when
        // both are down, (1 − A)²·T ≈ 2 600 s, plus ~55 takeovers × 5 s.
        let f = BalancerFailover::new(FailureModel::random(7200.0, 600.0).unwrap(), 5.0)
            .unwrap()
            .rate(2.0)
            .unwrap()
            .duration(5.0 * 86_400.0)
            .unwrap();
        let r = f.run(2).unwrap();
        assert!(
            r.single.downtime > 5.0 * r.pair.downtime,
            "{} vs {}",
            r.single.downtime,
            r.pair.downtime
        );
        assert!(
            r.single.lost > 5 * r.pair.lost.max(1),
            "{} vs {}",
            r.single.lost,
            r.pair.lost
        );
        assert!(r.pair.failovers > 10);
        // About 60 failures in 5 days: within 3 points of theory for one unit, and the
        // pair within 1 point of the ideal pair.
        let a = r.unit_availability.unwrap();
        assert!(
            (r.single.availability - a).abs() < 0.03,
            "{} vs {a}",
            r.single.availability
        );
        let ideal = r.ideal_pair_availability.unwrap();
        assert!(
            (r.pair.availability - ideal).abs() < 0.01,
            "{} vs {ideal}",
            r.pair.availability
        );
    }
}
