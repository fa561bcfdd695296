//! The web tier: a fleet of servers, each a [`Station`] (a pool of workers in front of a
//! queue), of possibly different sizes, that grows and shrinks while the simulation runs.
//!
//! - [`ServerSpec`]: how many requests a server works on at once (`workers`) and how
//!   fast (`speed`: a request of cost c takes c / speed seconds). A "scale up" is a
//!   bigger spec; a "scale out" is more servers.
//! - [`WebTier`]: the servers, by stable id. A server is launched (it boots for a while,
//!   serving nothing), becomes ready, serves, may crash and recover, and is retired
//!   (it drains its queue, then is gone). The tier counts server-seconds — what the
//!   fleet costs.
//! - [`Autoscaler`]: every `interval` seconds it looks at a signal (the fleet's
//!   utilisation, or the p99 latency) and says how many servers there should be.
//!   Scaling out is immediate (but new servers take `boot_time` to help); scaling in
//!   waits for a `cooldown` and goes one server at a time, so a dip does not throw away
//!   capacity the next peak needs.
//!
//! Like the station, the tier is passive: the caller owns the clock, schedules the
//! completions the tier reports (`done_at`) and the boot completions, and calls back.

use crate::error::{Error, Result, at_least_one, non_negative, positive};
use crate::sim::{Admission, Start, Station, StationStats};

/// The size of one server.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServerSpec {
    /// Requests served at once (worker threads, processes).
    pub workers: usize,
    /// Relative speed: a request of cost c takes c / speed seconds.
    pub speed: f64,
}

impl ServerSpec {
    /// A server with `workers` ≥ 1 workers at `speed` > 0.
    pub fn new(workers: usize, speed: f64) -> Result<Self> {
        Ok(ServerSpec {
            workers: at_least_one("workers", workers)?,
            speed: positive("speed", speed)?,
        })
    }

    /// One worker at speed 1: the M/M/1 server of queueing theory.
    pub fn unit() -> Self {
        ServerSpec {
            workers: 1,
            speed: 1.0,
        }
    }

    /// Work it can do per second, in cost units: workers × speed.
    pub fn capacity(&self) -> f64 {
        self.workers as f64 * self.speed
    }
}

/// Where a server is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerState {
    /// Launched, not yet serving.
    Booting,
    /// Serving.
    Up,
    /// Crashed; may recover.
    Down,
    /// Retired: finishing its queue, accepting nothing new.
    Draining,
    /// Gone.
    Removed,
}

#[derive(Debug, Clone)]
struct Server<J> {
    spec: ServerSpec,
    station: Station<J>,
    state: ServerState,
    launched_at: f64,
    removed_at: Option<f64>,
}

/// The web servers, by id (ids are never reused).
#[derive(Debug, Clone)]
pub struct WebTier<J> {
    servers: Vec<Server<J>>,
    queue_limit: Option<usize>,
    timeout: Option<f64>,
}

impl<J> Server<J> {
    fn remove(&mut self, now: f64) {
        if self.station.is_up() {
            // Stops the capacity count; the station is empty (or its work is lost anyway).
            self.station.crash(now);
        }
        self.state = ServerState::Removed;
        self.removed_at = Some(now);
    }

    fn remove_if_drained(&mut self, now: f64) {
        if self.state == ServerState::Draining && self.station.in_system() == 0 {
            self.remove(now);
        }
    }
}

impl<J> WebTier<J> {
    /// One server per spec, all up at time 0.
    pub fn new(specs: &[ServerSpec]) -> Result<Self> {
        if specs.is_empty() {
            return Err(Error::InvalidConfig(
                "a web tier needs at least one server".into(),
            ));
        }
        let mut tier = WebTier {
            servers: Vec::with_capacity(specs.len()),
            queue_limit: None,
            timeout: None,
        };
        for &spec in specs {
            tier.push(0.0, spec, ServerState::Up)?;
        }
        Ok(tier)
    }

    /// `n` ≥ 1 identical servers.
    pub fn uniform(n: usize, spec: ServerSpec) -> Result<Self> {
        Self::new(&vec![spec; at_least_one("servers", n)?])
    }

    /// At most `limit` requests wait at each server (see [`Station::with_queue_limit`]);
    /// applies to the servers there are and to those launched later.
    pub fn with_queue_limit(mut self, limit: usize) -> Self {
        self.queue_limit = Some(limit);
        self.servers = std::mem::take(&mut self.servers)
            .into_iter()
            .map(|mut s| {
                s.station = s.station.with_queue_limit(limit);
                s
            })
            .collect();
        self
    }

    /// A request that waited longer than `timeout` seconds gives up (see
    /// [`Station::with_timeout`]).
    pub fn with_timeout(mut self, timeout: f64) -> Result<Self> {
        let t = positive("timeout", timeout)?;
        self.timeout = Some(t);
        let mut servers = Vec::with_capacity(self.servers.len());
        for mut s in std::mem::take(&mut self.servers) {
            s.station = s.station.with_timeout(t)?;
            servers.push(s);
        }
        self.servers = servers;
        Ok(self)
    }

    /// How many servers were ever launched.
    pub fn len(&self) -> usize {
        self.servers.len()
    }

    /// Whether there are none (never true: a tier starts with at least one).
    pub fn is_empty(&self) -> bool {
        self.servers.is_empty()
    }

    /// The spec of server `id`.
    pub fn spec(&self, id: usize) -> Option<ServerSpec> {
        self.servers.get(id).map(|s| s.spec)
    }

    /// The state of server `id`.
    pub fn state(&self, id: usize) -> Option<ServerState> {
        self.servers.get(id).map(|s| s.state)
    }

    /// Whether server `id` is up and accepting requests.
    #[inline]
    pub fn is_up(&self, id: usize) -> bool {
        self.servers
            .get(id)
            .is_some_and(|s| s.state == ServerState::Up)
    }

    /// Servers up now.
    pub fn up(&self) -> usize {
        self.count(|s| s == ServerState::Up)
    }

    /// Servers paid for now: booting, up, down (still a machine) or draining.
    pub fn provisioned(&self) -> usize {
        self.count(|s| s != ServerState::Removed)
    }

    /// Servers booting now.
    pub fn booting(&self) -> usize {
        self.count(|s| s == ServerState::Booting)
    }

    /// Requests at server `id` (in service and waiting).
    #[inline]
    pub fn in_system(&self, id: usize) -> usize {
        self.servers.get(id).map_or(0, |s| s.station.in_system())
    }

    /// Launches a server at `now`; it serves after booting. Returns its id: call
    /// [`ready`](Self::ready) with it when the boot is over.
    pub fn launch(&mut self, now: f64, spec: ServerSpec) -> Result<usize> {
        self.push(now, spec, ServerState::Booting)
    }

    /// Server `id` has booted at `now` and serves from now on. Returns whether it was
    /// booting.
    pub fn ready(&mut self, now: f64, id: usize) -> bool {
        match self.servers.get_mut(id) {
            Some(s) if s.state == ServerState::Booting => {
                s.station.recover(now);
                s.state = ServerState::Up;
                true
            }
            _ => false,
        }
    }

    /// Retires server `id` at `now`: it accepts nothing new and is removed once its
    /// queue is empty (at once if it is idle, booting or down).
    pub fn retire(&mut self, now: f64, id: usize) -> Result<()> {
        let s = self.server_mut(id)?;
        match s.state {
            ServerState::Removed | ServerState::Draining => {}
            ServerState::Up if s.station.in_system() > 0 => s.state = ServerState::Draining,
            _ => s.remove(now),
        }
        Ok(())
    }

    /// A request arrives at server `id` at `now`, needing `cost` seconds at speed 1
    /// plus `extra` seconds that do not depend on the server's speed (a call to a
    /// session store). Rejected if the server is not up.
    #[inline]
    pub fn arrive(&mut self, now: f64, id: usize, job: J, cost: f64, extra: f64) -> Admission<J> {
        match self.servers.get_mut(id) {
            Some(s) if s.state == ServerState::Up => {
                s.station.arrive(now, job, cost / s.spec.speed + extra)
            }
            _ => Admission::Rejected(job),
        }
    }

    /// A request started in `epoch` finishes at server `id`. `false` if it was lost in a
    /// crash meanwhile.
    #[inline]
    pub fn finish(&mut self, now: f64, id: usize, epoch: u32) -> bool {
        match self.servers.get_mut(id) {
            Some(s) => {
                let ok = s.station.finish(now, epoch);
                s.remove_if_drained(now);
                ok
            }
            None => false,
        }
    }

    /// Starts the next waiting request at server `id`, if a worker is free (see
    /// [`Station::start_next`]).
    #[inline]
    pub fn start_next(
        &mut self,
        now: f64,
        id: usize,
        on_timeout: impl FnMut(J, f64),
    ) -> Option<Start<J>> {
        let s = self.servers.get_mut(id)?;
        let next = s.station.start_next(now, on_timeout);
        s.remove_if_drained(now);
        next
    }

    /// Server `id` crashes at `now`: its waiting requests are returned (to be failed),
    /// the ones in service are lost (their completions come back `false`).
    pub fn crash(&mut self, now: f64, id: usize) -> Result<Vec<J>> {
        let s = self.server_mut(id)?;
        if matches!(s.state, ServerState::Up | ServerState::Draining) {
            s.state = ServerState::Down;
            Ok(s.station.crash(now))
        } else {
            Ok(Vec::new())
        }
    }

    /// Server `id` is back at `now`, empty.
    pub fn recover(&mut self, now: f64, id: usize) -> Result<()> {
        let s = self.server_mut(id)?;
        if s.state == ServerState::Down {
            s.station.recover(now);
            s.state = ServerState::Up;
        }
        Ok(())
    }

    /// The statistics of server `id` up to `now`.
    pub fn stats(&self, id: usize, now: f64) -> Option<StationStats> {
        self.servers.get(id).map(|s| s.station.stats(now))
    }

    /// Starts every server's statistics afresh at `now`.
    pub fn reset_stats(&mut self, now: f64) {
        for s in &mut self.servers {
            s.station.reset_stats(now);
        }
    }

    /// Busy server-seconds and available server-seconds (counted only while a server
    /// serves: not booting, down or removed), summed over the fleet since the last
    /// reset: their ratio is the fleet's utilisation. Both only grow, so the
    /// differences between two calls give the utilisation over an interval.
    pub fn work(&self, now: f64) -> (f64, f64) {
        self.servers
            .iter()
            .map(|s| s.station.stats(now))
            .fold((0.0, 0.0), |(b, c), st| {
                (b + st.busy_time, c + st.capacity_time)
            })
    }

    /// Machine-seconds paid for from launch (0 for the first fleet) to removal or `now`.
    pub fn server_seconds(&self, now: f64) -> f64 {
        self.servers
            .iter()
            .map(|s| s.removed_at.unwrap_or(now).min(now) - s.launched_at.min(now))
            .sum()
    }

    fn push(&mut self, now: f64, spec: ServerSpec, state: ServerState) -> Result<usize> {
        let mut station = Station::new(spec.workers)?;
        if let Some(l) = self.queue_limit {
            station = station.with_queue_limit(l);
        }
        if let Some(t) = self.timeout {
            station = station.with_timeout(t)?;
        }
        station.reset_stats(now);
        if state == ServerState::Booting {
            // A booting machine offers no capacity: its station is down until ready.
            station.crash(now);
        }
        self.servers.push(Server {
            spec: ServerSpec::new(spec.workers, spec.speed)?,
            station,
            state,
            launched_at: now,
            removed_at: None,
        });
        Ok(self.servers.len() - 1)
    }

    fn server_mut(&mut self, id: usize) -> Result<&mut Server<J>> {
        let n = self.servers.len();
        self.servers.get_mut(id).ok_or_else(|| {
            Error::param("server", id, format!("below {n} (the servers of the tier)"))
        })
    }

    fn count(&self, f: impl Fn(ServerState) -> bool) -> usize {
        self.servers.iter().filter(|s| f(s.state)).count()
    }
}

/// What the autoscaler watches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScalingSignal {
    /// The fleet's utilisation over the last interval, kept near `target` (0..1) by
    /// target tracking: desired = ⌈up servers × utilisation / target⌉.
    Utilisation {
        /// The utilisation to hold, in (0, 1).
        target: f64,
    },
    /// The p99 response time over the last interval: above `target` seconds add 20 %
    /// (at least one server); below half of it remove one.
    P99 {
        /// The p99 to stay under, in seconds.
        target: f64,
    },
}

/// Decides how many servers the web tier should have.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Autoscaler {
    signal: ScalingSignal,
    interval: f64,
    min: usize,
    max: usize,
    boot_time: f64,
    cooldown: f64,
    last_change: f64,
}

impl Autoscaler {
    /// Target tracking of utilisation `target` in (0, 1), evaluated every `interval`
    /// seconds; 1 to 100 servers, 60 s to boot, 300 s of cooldown before scaling in.
    pub fn utilisation(target: f64, interval: f64) -> Result<Self> {
        if !(target > 0.0 && target < 1.0) {
            return Err(Error::param("target", target, "a utilisation in (0, 1)"));
        }
        Self::with_signal(ScalingSignal::Utilisation { target }, interval)
    }

    /// Keeps the p99 response time under `target` seconds, evaluated every `interval`
    /// seconds; same defaults as [`utilisation`](Self::utilisation).
    pub fn p99(target: f64, interval: f64) -> Result<Self> {
        Self::with_signal(
            ScalingSignal::P99 {
                target: positive("target", target)?,
            },
            interval,
        )
    }

    fn with_signal(signal: ScalingSignal, interval: f64) -> Result<Self> {
        Ok(Autoscaler {
            signal,
            interval: positive("interval", interval)?,
            min: 1,
            max: 100,
            boot_time: 60.0,
            cooldown: 300.0,
            last_change: f64::NEG_INFINITY,
        })
    }

    /// Never fewer than `min` ≥ 1 nor more than `max` ≥ `min` servers.
    pub fn bounds(mut self, min: usize, max: usize) -> Result<Self> {
        at_least_one("min", min)?;
        if max < min {
            return Err(Error::param("max", max, format!("at least min ({min})")));
        }
        self.min = min;
        self.max = max;
        Ok(self)
    }

    /// Seconds a new server takes before it serves.
    pub fn boot_time(mut self, seconds: f64) -> Result<Self> {
        self.boot_time = non_negative("boot_time", seconds)?;
        Ok(self)
    }

    /// Seconds after any change before a scale-in.
    pub fn cooldown(mut self, seconds: f64) -> Result<Self> {
        self.cooldown = non_negative("cooldown", seconds)?;
        Ok(self)
    }

    /// The signal.
    pub fn signal(&self) -> ScalingSignal {
        self.signal
    }

    /// Seconds between decisions.
    pub fn interval(&self) -> f64 {
        self.interval
    }

    /// Seconds to boot.
    pub fn boot(&self) -> f64 {
        self.boot_time
    }

    /// The bounds (min, max).
    pub fn limits(&self) -> (usize, usize) {
        (self.min, self.max)
    }

    /// The number of servers wanted at `now`, given `up` serving servers, `provisioned`
    /// servers (up + booting) and the signal's `observed` value over the last interval
    /// (NaN if nothing was observed: no change). Scale-out is at once; scale-in one
    /// server at a time, only after the cooldown, and never while servers boot.
    pub fn desired(&mut self, now: f64, up: usize, provisioned: usize, observed: f64) -> usize {
        let current = provisioned.clamp(self.min, self.max);
        if observed.is_nan() {
            return current;
        }
        let want = match self.signal {
            ScalingSignal::Utilisation { target } => {
                (up as f64 * observed / target).ceil().max(0.0) as usize
            }
            ScalingSignal::P99 { target } => {
                if observed > target {
                    provisioned + (provisioned as f64 * 0.2).ceil().max(1.0) as usize
                } else if observed < target / 2.0 {
                    provisioned.saturating_sub(1)
                } else {
                    provisioned
                }
            }
        }
        .clamp(self.min, self.max);
        let decided = if want > provisioned {
            want
        } else if want < provisioned && provisioned == up && now - self.last_change >= self.cooldown
        {
            provisioned - 1
        } else {
            provisioned
        }
        .clamp(self.min, self.max);
        if decided != provisioned {
            self.last_change = now;
        }
        decided
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started<J>(a: Admission<J>) -> Start<J> {
        match a {
            Admission::Started(s) => s,
            _ => panic!("expected a start"),
        }
    }

    #[test]
    fn speed_scales_the_cost_but_not_the_extra() {
        let mut t: WebTier<u32> =
            WebTier::new(&[ServerSpec::new(1, 2.0).unwrap(), ServerSpec::unit()]).unwrap();
        let a = started(t.arrive(0.0, 0, 1, 1.0, 0.25));
        assert!((a.done_at - 0.75).abs() < 1e-12);
        let b = started(t.arrive(0.0, 1, 2, 1.0, 0.0));
        assert_eq!(b.done_at, 1.0);
        assert!(matches!(t.arrive(0.1, 0, 3, 1.0, 0.0), Admission::Queued));
        assert!(matches!(
            t.arrive(0.1, 5, 4, 1.0, 0.0),
            Admission::Rejected(4)
        ));
        assert_eq!(t.in_system(0), 2);
        assert!((ServerSpec::new(4, 1.5).unwrap().capacity() - 6.0).abs() < 1e-12);
    }

    #[test]
    fn a_crash_fails_the_queue_and_the_server_refuses_until_it_recovers() {
        let mut t: WebTier<u32> = WebTier::uniform(1, ServerSpec::unit()).unwrap();
        let a = started(t.arrive(0.0, 0, 1, 1.0, 0.0));
        t.arrive(0.1, 0, 2, 1.0, 0.0);
        assert_eq!(t.crash(0.5, 0).unwrap(), vec![2]);
        assert!(!t.finish(1.0, 0, a.epoch));
        assert!(matches!(
            t.arrive(1.0, 0, 3, 1.0, 0.0),
            Admission::Rejected(3)
        ));
        t.recover(2.0, 0).unwrap();
        assert!(t.is_up(0));
        assert!(t.crash(0.0, 9).is_err());
    }

    #[test]
    fn launch_boot_retire_and_server_seconds() {
        let mut t: WebTier<u32> = WebTier::uniform(1, ServerSpec::unit()).unwrap();
        let id = t.launch(100.0, ServerSpec::unit()).unwrap();
        assert_eq!((t.booting(), t.up(), t.provisioned()), (1, 1, 2));
        assert!(
            matches!(t.arrive(110.0, id, 7, 1.0, 0.0), Admission::Rejected(7)),
            "booting servers serve nothing"
        );
        assert!(t.ready(160.0, id));
        assert!(!t.ready(160.0, id));
        let s = started(t.arrive(200.0, id, 8, 10.0, 0.0));
        t.retire(205.0, id).unwrap();
        assert_eq!(t.state(id), Some(ServerState::Draining));
        assert!(matches!(
            t.arrive(206.0, id, 9, 1.0, 0.0),
            Admission::Rejected(9)
        ));
        assert!(t.finish(210.0, id, s.epoch));
        assert_eq!(t.state(id), Some(ServerState::Removed));
        // Server 0: 0..300 = 300 s; server 1: 100..210 = 110 s.
        assert!((t.server_seconds(300.0) - 410.0).abs() < 1e-9);
        // The new server's utilisation counts from when it was ready: 10 busy of 50.
        let st = t.stats(id, 210.0).unwrap();
        assert!(
            (st.busy_time - 10.0).abs() < 1e-9 && (st.capacity_time - 50.0).abs() < 1e-9,
            "{st:?}"
        );
        t.retire(300.0, 0).unwrap();
        assert_eq!(t.provisioned(), 0);
        assert!(
            WebTier::<u32>::new(&[])
                .unwrap_err()
                .to_string()
                .contains("at least one server")
        );
        assert!(ServerSpec::new(0, 1.0).is_err() && ServerSpec::new(1, 0.0).is_err());
    }

    #[test]
    fn target_tracking_scales_out_at_once_and_in_slowly() {
        let mut a = Autoscaler::utilisation(0.5, 60.0)
            .unwrap()
            .bounds(2, 10)
            .unwrap()
            .cooldown(300.0)
            .unwrap();
        // 4 servers at 90 %: 4 × 0.9 / 0.5 = 7.2 → 8.
        assert_eq!(a.desired(0.0, 4, 4, 0.9), 8);
        // Servers booting: never scale in.
        assert_eq!(a.desired(60.0, 4, 8, 0.1), 8);
        // Quiet, but within the cooldown of the last change.
        assert_eq!(a.desired(120.0, 8, 8, 0.1), 8);
        assert_eq!(a.desired(400.0, 8, 8, 0.1), 7);
        assert_eq!(a.desired(460.0, 7, 7, 0.1), 7, "cooldown again");
        // Bounds hold.
        assert_eq!(a.desired(1000.0, 8, 8, 5.0), 10);
        assert_eq!(a.desired(2000.0, 2, 2, 0.0), 2);
        assert_eq!(a.desired(3000.0, 5, 5, f64::NAN), 5);

        let mut p = Autoscaler::p99(0.2, 30.0).unwrap().cooldown(0.0).unwrap();
        assert_eq!(p.desired(0.0, 10, 10, 0.5), 12);
        assert_eq!(p.desired(30.0, 12, 12, 0.15), 12);
        assert_eq!(p.desired(60.0, 12, 12, 0.05), 11);
        assert!(Autoscaler::utilisation(1.0, 60.0).is_err());
        assert!(
            Autoscaler::utilisation(0.5, 60.0)
                .unwrap()
                .bounds(3, 2)
                .is_err()
        );
        assert!(Autoscaler::p99(0.0, 60.0).is_err());
    }
}
