//! Failure injection: when components crash and come back, what redundancy buys, and
//! what an outage costs the requests that meet it.
//!
//! - [`FailureModel`] says when a component is down: never, at given times, or at random
//!   with a mean time between failures (MTBF) and a mean time to repair (MTTR). It is
//!   passive: ask it for the next outage after a time, schedule the crash and the
//!   recovery in your own event queue, and ask again after the recovery.
//! - [`UptimeMeter`] integrates the time something was up: availability measured, not
//!   assumed.
//! - [`ActiveStandby`] is a redundant pair (two load balancers sharing a virtual IP, a
//!   database primary and its standby): when the active unit dies, the standby takes
//!   over only after a detection delay (missed heartbeats), and during that gap nothing
//!   serves.
//! - [`RetryPolicy`] and [`RequestOutcomes`] are the client's side: a failed attempt is
//!   retried (after a backoff) up to a limit, and a request that never succeeds is lost.
//! - [`AvailabilityRun`] is the ready-made experiment: one component, `n` in series, `n`
//!   in parallel, or an active–standby pair, simulated for a long time and compared with
//!   [`theory::availability`],
//!   [`series`](crate::sim::theory::series) and [`parallel`](crate::sim::theory::parallel).
//!
//! The availability of a component is MTBF / (MTBF + MTTR): a server that fails once a
//! month and takes an hour to repair is up 99.86 % of the time. Parts that all must work
//! multiply (two such servers in series: 99.72 %); redundant parts multiply their
//! *unavailabilities* (two in parallel: 1 − 0.0014² = 99.9998 %).

use crate::error::{Error, Result, at_least_one, non_negative, positive};
use crate::sim::{Dist, EventQueue, SimRng, theory};

/// When a component is down.
#[derive(Debug, Clone, PartialEq)]
pub struct FailureModel(Kind);

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Never,
    Scheduled(Vec<Outage>),
    Random { up: Dist, down: Dist },
}

/// One period of downtime: the component crashes at `start` and is back at `end`
/// (`f64::INFINITY` if it never comes back).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outage {
    /// When it crashes, in seconds.
    pub start: f64,
    /// When it is back, in seconds.
    pub end: f64,
}

impl Outage {
    /// How long it lasts.
    pub fn duration(&self) -> f64 {
        self.end - self.start
    }
}

impl FailureModel {
    /// The component never fails.
    pub fn never() -> Self {
        FailureModel(Kind::Never)
    }

    /// The component is down during each `(crash, recover)` interval. Times are ≥ 0,
    /// each recovery after its crash (`f64::INFINITY`: never back), and the intervals
    /// must not overlap or touch.
    pub fn at(outages: &[(f64, f64)]) -> Result<Self> {
        let mut list = Vec::with_capacity(outages.len());
        for &(start, end) in outages {
            non_negative("crash time", start)?;
            if end.is_nan() || end <= start {
                return Err(Error::param(
                    "recover time",
                    end,
                    format!("after the crash at {start} s (or infinity)"),
                ));
            }
            list.push(Outage { start, end });
        }
        list.sort_by(|a, b| a.start.total_cmp(&b.start));
        for w in list.windows(2) {
            if w[1].start <= w[0].end {
                return Err(Error::InvalidConfig(format!(
                    "outages overlap: one from {} s to {} s, the next from {} s",
                    w[0].start, w[0].end, w[1].start
                )));
            }
        }
        Ok(FailureModel(Kind::Scheduled(list)))
    }

    /// The component crashes at `at` and never comes back.
    pub fn crash_at(at: f64) -> Result<Self> {
        Self::at(&[(at, f64::INFINITY)])
    }

    /// The component crashes at `at` and is back `duration` seconds later.
    pub fn outage(at: f64, duration: f64) -> Result<Self> {
        Self::at(&[(at, at + positive("duration", duration)?)])
    }

    /// Random failures: exponential up times with mean `mtbf` and exponential repair
    /// times with mean `mttr` (seconds), the classic memoryless model.
    pub fn random(mtbf: f64, mttr: f64) -> Result<Self> {
        Self::random_with(
            Dist::exponential(positive("mtbf", mtbf)?)?,
            Dist::exponential(positive("mttr", mttr)?)?,
        )
    }

    /// Random failures with any distributions of up time and repair time (both with a
    /// mean > 0: a log-normal repair time has the long tail of real incidents).
    pub fn random_with(up: Dist, down: Dist) -> Result<Self> {
        positive("mean up time", up.mean())?;
        positive("mean repair time", down.mean())?;
        Ok(FailureModel(Kind::Random { up, down }))
    }

    /// Whether the component can fail at all.
    pub fn fails(&self) -> bool {
        match &self.0 {
            Kind::Never => false,
            Kind::Scheduled(list) => !list.is_empty(),
            Kind::Random { .. } => true,
        }
    }

    /// The next outage that starts at or after `after`: pass 0 at the start, then the
    /// end of each outage once the component has recovered. A random model draws from
    /// `rng`; a scheduled one ignores it.
    #[inline]
    pub fn next_outage(&self, after: f64, rng: &mut SimRng) -> Option<Outage> {
        match &self.0 {
            Kind::Never => None,
            Kind::Scheduled(list) => {
                let i = list.partition_point(|o| o.start < after);
                list.get(i).copied()
            }
            Kind::Random { up, down } => {
                let start = after + up.sample(rng);
                Some(Outage {
                    start,
                    end: start + down.sample(rng),
                })
            }
        }
    }

    /// The long-run fraction of time up: MTBF / (MTBF + MTTR) for a random model, 1 for
    /// one that never fails, `None` for a schedule (it depends on the run's length).
    pub fn availability(&self) -> Option<f64> {
        match &self.0 {
            Kind::Never => Some(1.0),
            Kind::Scheduled(_) => None,
            Kind::Random { up, down } => theory::availability(up.mean(), down.mean()).ok(),
        }
    }
}

/// Integrates up time and down time, and counts outages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UptimeMeter {
    up: bool,
    since: f64,
    start: f64,
    up_time: f64,
    outages: u64,
    longest_outage: f64,
}

impl UptimeMeter {
    /// A meter started at `now` in state `up`.
    pub fn new(now: f64, up: bool) -> Self {
        UptimeMeter {
            up,
            since: now,
            start: now,
            up_time: 0.0,
            outages: u64::from(!up),
            longest_outage: 0.0,
        }
    }

    /// The state changes (or is confirmed) at `now`.
    #[inline]
    pub fn set(&mut self, now: f64, up: bool) {
        if up == self.up {
            return;
        }
        let dt = now - self.since;
        if self.up {
            self.up_time += dt;
            self.outages += 1;
        } else {
            self.longest_outage = self.longest_outage.max(dt);
        }
        self.up = up;
        self.since = now;
    }

    /// Whether it is up now.
    pub fn is_up(&self) -> bool {
        self.up
    }

    /// Seconds up from the start to `now`.
    pub fn up_time(&self, now: f64) -> f64 {
        self.up_time + if self.up { now - self.since } else { 0.0 }
    }

    /// Seconds down from the start to `now`.
    pub fn down_time(&self, now: f64) -> f64 {
        (now - self.start) - self.up_time(now)
    }

    /// The fraction of time up from the start to `now` (1 if no time has passed).
    pub fn availability(&self, now: f64) -> f64 {
        let total = now - self.start;
        if total > 0.0 {
            self.up_time(now) / total
        } else {
            1.0
        }
    }

    /// How many times it went down (an outage in progress counts).
    pub fn outages(&self) -> u64 {
        self.outages
    }

    /// The longest outage so far, the one in progress included.
    pub fn longest_outage(&self, now: f64) -> f64 {
        if self.up {
            self.longest_outage
        } else {
            self.longest_outage.max(now - self.since)
        }
    }
}

/// Which unit of an [`ActiveStandby`] pair.
pub type Unit = usize;

/// An active–standby pair: unit 0 starts active, unit 1 waits. When the active unit
/// crashes and the standby is up, the standby takes over after `detection` seconds
/// (the heartbeats it must miss first); until then nothing serves. A unit that recovers
/// while nothing serves takes over at once. A single unit (no standby) is
/// [`ActiveStandby::single`].
///
/// Passive: [`crash`](Self::crash) returns the time of the takeover, which the caller
/// schedules and then reports with [`takeover`](Self::takeover).
#[derive(Debug, Clone, PartialEq)]
pub struct ActiveStandby {
    detection: f64,
    units: usize,
    up: [bool; 2],
    serving: Option<Unit>,
    pending: Option<f64>,
    failovers: u64,
}

impl ActiveStandby {
    /// A pair whose standby takes over `detection` ≥ 0 seconds after the active unit dies.
    pub fn new(detection: f64) -> Result<Self> {
        Ok(ActiveStandby {
            detection: non_negative("detection", detection)?,
            units: 2,
            up: [true, true],
            serving: Some(0),
            pending: None,
            failovers: 0,
        })
    }

    /// One unit and no standby: a single point of failure.
    pub fn single() -> Self {
        ActiveStandby {
            detection: 0.0,
            units: 1,
            up: [true, false],
            serving: Some(0),
            pending: None,
            failovers: 0,
        }
    }

    /// How many units (1 or 2).
    pub fn units(&self) -> usize {
        self.units
    }

    /// The detection delay in seconds.
    pub fn detection(&self) -> f64 {
        self.detection
    }

    /// The unit serving now, if any.
    #[inline]
    pub fn serving(&self) -> Option<Unit> {
        self.serving
    }

    /// Whether some unit serves now.
    #[inline]
    pub fn is_serving(&self) -> bool {
        self.serving.is_some()
    }

    /// Whether `unit` is up.
    pub fn is_up(&self, unit: Unit) -> bool {
        unit < self.units && self.up[unit]
    }

    /// Completed takeovers by the standby.
    pub fn failovers(&self) -> u64 {
        self.failovers
    }

    /// `unit` crashes at `now`. If it was serving and the other unit is up, returns when
    /// the other takes over: schedule [`takeover`](Self::takeover) then.
    pub fn crash(&mut self, now: f64, unit: Unit) -> Result<Option<f64>> {
        self.check_unit(unit)?;
        self.up[unit] = false;
        if self.serving == Some(unit) {
            self.serving = None;
            let other = 1 - unit;
            if self.units == 2 && self.up[other] {
                let at = now + self.detection;
                self.pending = Some(at);
                return Ok(Some(at));
            }
        } else if self.serving.is_none() {
            // The unit that was about to take over died first.
            self.pending = None;
        }
        Ok(None)
    }

    /// `unit` is back at `now`; if nothing serves, it takes over at once.
    pub fn recover(&mut self, _now: f64, unit: Unit) -> Result<()> {
        self.check_unit(unit)?;
        self.up[unit] = true;
        if self.serving.is_none() && self.pending.is_none() {
            self.serving = Some(unit);
        }
        Ok(())
    }

    /// The takeover scheduled for `now` happens, unless something changed meanwhile.
    /// Returns whether it happened.
    pub fn takeover(&mut self, now: f64) -> bool {
        if self.pending != Some(now) || self.serving.is_some() {
            return false;
        }
        self.pending = None;
        let candidate = (0..self.units).find(|&u| self.up[u]);
        if let Some(u) = candidate {
            self.serving = Some(u);
            self.failovers += 1;
            true
        } else {
            false
        }
    }

    fn check_unit(&self, unit: Unit) -> Result<()> {
        if unit < self.units {
            Ok(())
        } else {
            Err(Error::param(
                "unit",
                unit,
                format!("below {} (units of this pair)", self.units),
            ))
        }
    }
}

/// How a client retries a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    max_retries: u32,
    backoff: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::none()
    }
}

impl RetryPolicy {
    /// No retries: a failed attempt is a lost request.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            backoff: 0.0,
        }
    }

    /// Up to `max_retries` retries; retry `i` (1, 2, ...) waits `backoff · 2^(i−1)`
    /// seconds (exponential backoff; `backoff` ≥ 0).
    pub fn new(max_retries: u32, backoff: f64) -> Result<Self> {
        Ok(RetryPolicy {
            max_retries,
            backoff: non_negative("backoff", backoff)?,
        })
    }

    /// The most retries of one request.
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// After `attempts` failed attempts, whether to try again.
    #[inline]
    pub fn allows(&self, attempts: u32) -> bool {
        attempts <= self.max_retries
    }

    /// How long to wait before retry number `retry` (1 for the first).
    #[inline]
    pub fn delay(&self, retry: u32) -> f64 {
        self.backoff * 2f64.powi(retry.saturating_sub(1).min(62) as i32)
    }
}

/// What happened to requests that met failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RequestOutcomes {
    /// Requests that got a response.
    pub succeeded: u64,
    /// Attempts that failed (refused, lost in a crash, nothing to route to, timed out).
    pub failed_attempts: u64,
    /// Attempts that were retries of a failed one.
    pub retried: u64,
    /// Requests that never got a response: every attempt failed.
    pub lost: u64,
}

impl RequestOutcomes {
    /// The fraction of finished requests that got a response (1 if none finished).
    pub fn success_rate(&self) -> f64 {
        let done = self.succeeded + self.lost;
        if done == 0 {
            1.0
        } else {
            self.succeeded as f64 / done as f64
        }
    }
}

/// How the simulated components of an [`AvailabilityRun`] are arranged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arrangement {
    /// All must be up (a chain: DNS → balancer → server → database).
    Series,
    /// One up is enough, and switching is instant (an idealised redundant pool).
    Parallel,
    /// Two units, active and standby; the standby takes over after `detection` seconds.
    ActiveStandby {
        /// Seconds between the active unit's crash and the takeover.
        detection: f64,
    },
}

/// The ready-made availability experiment: `n` identical components failing
/// independently with one [`FailureModel`], arranged in series, in parallel or as an
/// active–standby pair, observed for a long time.
#[derive(Debug, Clone)]
pub struct AvailabilityRun {
    model: FailureModel,
    components: usize,
    arrangement: Arrangement,
    duration: f64,
}

/// What an [`AvailabilityRun`] measured.
#[derive(Debug, Clone, PartialEq)]
pub struct AvailabilityReport {
    /// The fraction of time the whole arrangement was up.
    pub availability: f64,
    /// What theory says (series: Aⁿ, parallel: 1 − (1 − A)ⁿ); `None` for a scheduled
    /// model or an active–standby pair (whose detection gaps have no simple closed form).
    pub theory: Option<f64>,
    /// Each component's own measured availability.
    pub components: Vec<f64>,
    /// Seconds the arrangement was down.
    pub downtime: f64,
    /// How many times it went down.
    pub outages: u64,
    /// The longest outage, in seconds.
    pub longest_outage: f64,
    /// Takeovers by the standby (active–standby only).
    pub failovers: u64,
    /// Seconds observed.
    pub duration: f64,
}

impl AvailabilityReport {
    /// Nines of the measured availability (0.999 → 3).
    pub fn nines(&self) -> f64 {
        theory::nines(self.availability.clamp(0.0, 1.0)).unwrap_or(f64::INFINITY)
    }
}

#[derive(Debug, Clone, Copy)]
enum Ev {
    Crash(usize),
    Recover(usize),
    Takeover,
}

impl AvailabilityRun {
    /// One component.
    pub fn single(model: FailureModel) -> Self {
        AvailabilityRun {
            model,
            components: 1,
            arrangement: Arrangement::Series,
            duration: 1e7,
        }
    }

    /// `n` ≥ 1 components that all must be up.
    pub fn series(model: FailureModel, n: usize) -> Result<Self> {
        Ok(AvailabilityRun {
            components: at_least_one("components", n)?,
            arrangement: Arrangement::Series,
            ..Self::single(model)
        })
    }

    /// `n` ≥ 1 components of which one is enough.
    pub fn parallel(model: FailureModel, n: usize) -> Result<Self> {
        Ok(AvailabilityRun {
            components: at_least_one("components", n)?,
            arrangement: Arrangement::Parallel,
            ..Self::single(model)
        })
    }

    /// An active–standby pair with a takeover `detection` seconds after the active unit
    /// fails.
    pub fn active_standby(model: FailureModel, detection: f64) -> Result<Self> {
        Ok(AvailabilityRun {
            components: 2,
            arrangement: Arrangement::ActiveStandby {
                detection: non_negative("detection", detection)?,
            },
            ..Self::single(model)
        })
    }

    /// How long to observe, in seconds (default 10⁷, about 116 days).
    pub fn duration(mut self, seconds: f64) -> Result<Self> {
        self.duration = positive("duration", seconds)?;
        Ok(self)
    }

    /// Runs it with `seed`; component `i` draws its failures from stream `i`.
    pub fn run(&self, seed: u64) -> Result<AvailabilityReport> {
        let n = self.components;
        let end = self.duration;
        let mut rngs: Vec<SimRng> = (0..n as u64).map(|i| SimRng::stream(seed, i)).collect();
        let mut meters: Vec<UptimeMeter> = (0..n).map(|_| UptimeMeter::new(0.0, true)).collect();
        let mut pair = match self.arrangement {
            Arrangement::ActiveStandby { detection } => Some(ActiveStandby::new(detection)?),
            _ => None,
        };
        let mut system = UptimeMeter::new(0.0, true);
        let mut up_count = n;
        let mut events = EventQueue::new();
        for (i, rng) in rngs.iter_mut().enumerate() {
            if let Some(o) = self.model.next_outage(0.0, rng) {
                events.schedule_at(o.start, Ev::Crash(i));
                events.schedule_at(o.end, Ev::Recover(i));
            }
        }
        while let Some((now, ev)) = events.pop() {
            if now > end {
                break;
            }
            match ev {
                Ev::Crash(i) => {
                    meters[i].set(now, false);
                    up_count -= 1;
                    if let Some(p) = pair.as_mut()
                        && let Some(at) = p.crash(now, i)?
                    {
                        events.schedule_at(at, Ev::Takeover);
                    }
                }
                Ev::Recover(i) => {
                    meters[i].set(now, true);
                    up_count += 1;
                    if let Some(p) = pair.as_mut() {
                        p.recover(now, i)?;
                    }
                    if let Some(o) = self.model.next_outage(now, &mut rngs[i]) {
                        events.schedule_at(o.start, Ev::Crash(i));
                        events.schedule_at(o.end, Ev::Recover(i));
                    }
                }
                Ev::Takeover => {
                    if let Some(p) = pair.as_mut() {
                        p.takeover(now);
                    }
                }
            }
            let up = match (&self.arrangement, &pair) {
                (Arrangement::Series, _) => up_count == n,
                (Arrangement::Parallel, _) => up_count > 0,
                (_, Some(p)) => p.is_serving(),
                (_, None) => up_count > 0,
            };
            system.set(now, up);
        }
        let a = self.model.availability();
        let theory = match self.arrangement {
            Arrangement::Series => a.and_then(|a| theory::series(&vec![a; n]).ok()),
            Arrangement::Parallel => a.and_then(|a| theory::parallel(&vec![a; n]).ok()),
            Arrangement::ActiveStandby { .. } => None,
        };
        Ok(AvailabilityReport {
            availability: system.availability(end),
            theory,
            components: meters.iter().map(|m| m.availability(end)).collect(),
            downtime: system.down_time(end),
            outages: system.outages(),
            longest_outage: system.longest_outage(end),
            failovers: pair.map_or(0, |p| p.failovers()),
            duration: end,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheduled_outages_come_in_order_and_are_validated() {
        let m = FailureModel::at(&[(50.0, 60.0), (10.0, 20.0)]).unwrap();
        let mut rng = SimRng::new(1);
        assert_eq!(
            m.next_outage(0.0, &mut rng),
            Some(Outage {
                start: 10.0,
                end: 20.0
            })
        );
        assert_eq!(
            m.next_outage(20.0, &mut rng),
            Some(Outage {
                start: 50.0,
                end: 60.0
            })
        );
        assert_eq!(m.next_outage(60.0, &mut rng), None);
        assert!(
            FailureModel::at(&[(10.0, 20.0), (15.0, 30.0)])
                .unwrap_err()
                .to_string()
                .contains("overlap")
        );
        assert!(
            FailureModel::at(&[(10.0, 5.0)])
                .unwrap_err()
                .to_string()
                .contains("recover time")
        );
        assert!(FailureModel::at(&[(-1.0, 5.0)]).is_err());
        assert!(
            FailureModel::random(0.0, 1.0)
                .unwrap_err()
                .to_string()
                .contains("mtbf")
        );
        assert!(
            FailureModel::random(1.0, -1.0)
                .unwrap_err()
                .to_string()
                .contains("mttr")
        );
        assert!(FailureModel::outage(5.0, 0.0).is_err());
        let forever = FailureModel::crash_at(3.0).unwrap();
        assert_eq!(
            forever.next_outage(0.0, &mut rng).unwrap().end,
            f64::INFINITY
        );
        assert!(!FailureModel::never().fails() && forever.fails());
        assert_eq!(
            FailureModel::random(99.0, 1.0).unwrap().availability(),
            Some(0.99)
        );
    }

    #[test]
    fn uptime_meter_integrates() {
        let mut m = UptimeMeter::new(0.0, true);
        m.set(10.0, false);
        m.set(12.0, false);
        m.set(13.0, true);
        m.set(17.0, false);
        assert_eq!(m.up_time(20.0), 14.0);
        assert_eq!(m.down_time(20.0), 6.0);
        assert_eq!(m.outages(), 2);
        assert_eq!(m.longest_outage(20.0), 3.0);
        assert!((m.availability(20.0) - 0.7).abs() < 1e-12);
    }

    #[test]
    fn standby_takes_over_after_the_detection_delay() {
        let mut p = ActiveStandby::new(3.0).unwrap();
        assert_eq!(p.serving(), Some(0));
        assert_eq!(p.crash(10.0, 0).unwrap(), Some(13.0));
        assert!(!p.is_serving());
        assert!(!p.takeover(12.0), "not the scheduled time");
        assert!(p.takeover(13.0));
        assert_eq!(p.serving(), Some(1));
        // The old active comes back as the standby; the passive unit failing changes nothing.
        p.recover(20.0, 0).unwrap();
        assert_eq!(p.serving(), Some(1));
        // Both down: nothing serves until one recovers, which then serves at once.
        assert_eq!(p.crash(30.0, 1).unwrap(), Some(33.0));
        assert_eq!(p.crash(31.0, 0).unwrap(), None);
        assert!(!p.takeover(33.0), "the standby died before taking over");
        p.recover(40.0, 1).unwrap();
        assert_eq!((p.serving(), p.failovers()), (Some(1), 1));
        assert!(p.crash(0.0, 2).is_err());
        assert!(ActiveStandby::new(-1.0).is_err());

        let mut single = ActiveStandby::single();
        assert_eq!(single.crash(1.0, 0).unwrap(), None);
        assert!(!single.is_serving());
        single.recover(2.0, 0).unwrap();
        assert!(single.is_serving());
        assert!(single.crash(3.0, 1).is_err());
    }

    #[test]
    fn retry_backoff_doubles() {
        let r = RetryPolicy::new(3, 0.1).unwrap();
        assert!(r.allows(1) && r.allows(3) && !r.allows(4));
        assert_eq!((r.delay(1), r.delay(2), r.delay(3)), (0.1, 0.2, 0.4));
        assert!(!RetryPolicy::none().allows(1));
        assert!(RetryPolicy::new(1, -0.1).is_err());
    }

    #[test]
    fn a_scheduled_run_measures_exactly() {
        // Down [100, 200) in a 1000 s run: 90 % up, one outage of 100 s.
        let r = AvailabilityRun::single(FailureModel::outage(100.0, 100.0).unwrap())
            .duration(1000.0)
            .unwrap()
            .run(1)
            .unwrap();
        assert!((r.availability - 0.9).abs() < 1e-12);
        assert_eq!((r.outages, r.longest_outage, r.theory), (1, 100.0, None));
        // Two in series with the same schedule are down at the same times: still 90 %.
        let s = AvailabilityRun::series(FailureModel::outage(100.0, 100.0).unwrap(), 2)
            .unwrap()
            .duration(1000.0)
            .unwrap()
            .run(1)
            .unwrap();
        assert!((s.availability - 0.9).abs() < 1e-12);
        // An active–standby pair whose units fail together: down from the crash on
        // (the standby is down too) until the first recovery.
        let p = AvailabilityRun::active_standby(FailureModel::outage(100.0, 100.0).unwrap(), 5.0)
            .unwrap()
            .duration(1000.0)
            .unwrap()
            .run(1)
            .unwrap();
        assert!((p.availability - 0.9).abs() < 1e-12);
    }

    #[test]
    fn a_pair_loses_only_the_detection_gaps() {
        // Unit failures are rare and short; each failure of the active unit costs about
        // the detection delay. The pair is far better than one unit, and worse than an
        // ideal parallel pair.
        let m = FailureModel::random(1000.0, 50.0).unwrap();
        let one = AvailabilityRun::single(m.clone())
            .duration(2e6)
            .unwrap()
            .run(3)
            .unwrap();
        let pair = AvailabilityRun::active_standby(m.clone(), 10.0)
            .unwrap()
            .duration(2e6)
            .unwrap()
            .run(3)
            .unwrap();
        let ideal = AvailabilityRun::parallel(m, 2)
            .unwrap()
            .duration(2e6)
            .unwrap()
            .run(3)
            .unwrap();
        assert!(pair.failovers > 100, "{}", pair.failovers);
        assert!(
            one.availability < pair.availability && pair.availability < ideal.availability,
            "{} < {} < {}",
            one.availability,
            pair.availability,
            ideal.availability
        );
        assert!(pair.nines() > one.nines() + 0.5);
    }
}
