//! The consumers: a pool of workers (a [`Station`] of `c` servers that takes messages
//! from the broker only when a worker is free) and an autoscaler that sizes the pool by
//! the queue's backlog.
//!
//! A pool of `c` workers with exponential processing times fed by Poisson publishes is
//! the M/M/c queue: its waits follow Erlang C, and a backlog of B waiting messages
//! drains in B / (cμ − λ) on average (see [`expected_drain_time`]).
//!
//! The autoscaler looks at the backlog (messages waiting or in flight) every
//! `interval` seconds and asks for `ceil(backlog / per_worker)` workers, clamped to
//! `[min, max]` — the rule of queue-length scalers such as KEDA's. New workers need
//! `boot_time` seconds before they take messages (and cost money while booting);
//! removed workers finish the message in hand. Worker-seconds measure the bill.

use super::broker::Delivery;
use crate::error::{Error, Result, at_least_one, non_negative, positive};
use crate::sim::{Admission, Dist, SimRng, Start, Station, StationStats};

/// A queue-depth autoscaling rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Autoscaler {
    min: usize,
    max: usize,
    per_worker: f64,
    interval: f64,
    boot_time: f64,
}

impl Autoscaler {
    /// Between `min` ≥ 1 and `max` ≥ `min` workers, one per `per_worker` > 0 messages
    /// of backlog; it looks every 10 s and new workers boot in 20 s (change with
    /// [`interval`](Self::interval) and [`boot_time`](Self::boot_time)).
    pub fn new(min: usize, max: usize, per_worker: f64) -> Result<Self> {
        at_least_one("min", min)?;
        if max < min {
            return Err(Error::param("max", max, format!("at least min ({min})")));
        }
        Ok(Autoscaler {
            min,
            max,
            per_worker: positive("per_worker", per_worker)?,
            interval: 10.0,
            boot_time: 20.0,
        })
    }

    /// Seconds between two looks at the backlog (> 0).
    pub fn interval(mut self, seconds: f64) -> Result<Self> {
        self.interval = positive("interval", seconds)?;
        Ok(self)
    }

    /// Seconds a new worker needs before it takes messages (≥ 0).
    pub fn boot_time(mut self, seconds: f64) -> Result<Self> {
        self.boot_time = non_negative("boot_time", seconds)?;
        Ok(self)
    }

    /// The fewest workers.
    pub fn min(&self) -> usize {
        self.min
    }

    /// The most workers.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Seconds between two looks.
    pub fn every(&self) -> f64 {
        self.interval
    }

    /// The workers the rule asks for with `backlog` messages.
    pub fn desired(&self, backlog: usize) -> usize {
        // A float-to-integer `as` saturates, so a huge backlog asks for `max`.
        let wanted = (backlog as f64 / self.per_worker).ceil() as usize;
        wanted.clamp(self.min, self.max)
    }
}

/// Workers consuming from a broker.
#[derive(Debug, Clone)]
pub struct WorkerPool<M> {
    station: Station<Delivery<M>>,
    service: Dist,
    autoscaler: Option<Autoscaler>,
    booting: usize,
    paused: bool,
    worker_seconds: f64,
    peak: usize,
    last: f64,
}

/// Workers that will be ready at `at` (returned by [`WorkerPool::scale`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Boot {
    /// When they are ready: call [`WorkerPool::booted`] then.
    pub at: f64,
    /// How many.
    pub count: usize,
}

impl<M> WorkerPool<M> {
    /// `workers` ≥ 1 workers whose processing times are drawn from `service`.
    pub fn new(workers: usize, service: Dist) -> Result<Self> {
        Ok(WorkerPool {
            station: Station::new(workers)?.with_queue_limit(0),
            service,
            autoscaler: None,
            booting: 0,
            paused: false,
            worker_seconds: 0.0,
            peak: workers,
            last: 0.0,
        })
    }

    /// Sizes the pool with `autoscaler` (the initial workers must be within its
    /// `[min, max]`).
    pub fn with_autoscaler(mut self, autoscaler: Autoscaler) -> Result<Self> {
        let n = self.station.servers();
        if n < autoscaler.min || n > autoscaler.max {
            return Err(Error::param(
                "workers",
                n,
                format!(
                    "within the autoscaler's range [{}, {}]",
                    autoscaler.min, autoscaler.max
                ),
            ));
        }
        self.autoscaler = Some(autoscaler);
        Ok(self)
    }

    /// The autoscaling rule, if any.
    pub fn autoscaler(&self) -> Option<&Autoscaler> {
        self.autoscaler.as_ref()
    }

    /// Workers taking messages now.
    pub fn workers(&self) -> usize {
        self.station.servers()
    }

    /// Workers booting.
    pub fn booting(&self) -> usize {
        self.booting
    }

    /// Workers paid for: working or booting.
    pub fn provisioned(&self) -> usize {
        self.station.servers() + self.booting
    }

    /// The most workers provisioned at once.
    pub fn peak(&self) -> usize {
        self.peak
    }

    /// Workers processing a message now.
    pub fn busy(&self) -> usize {
        self.station.busy()
    }

    /// Whether consumption is paused.
    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Whether a worker is free to take a message.
    #[inline]
    pub fn can_start(&self) -> bool {
        !self.paused && self.station.is_up() && self.station.busy() < self.station.servers()
    }

    /// A free worker starts processing `delivery` at `now`; the processing time is drawn
    /// from `rng`. `None` if no worker is free (check [`can_start`](Self::can_start)).
    #[inline]
    pub fn start(
        &mut self,
        now: f64,
        delivery: Delivery<M>,
        rng: &mut SimRng,
    ) -> Option<Start<Delivery<M>>> {
        let service = self.service.sample(rng);
        match self.station.arrive(now, delivery, service) {
            Admission::Started(s) => Some(s),
            Admission::Queued | Admission::Rejected(_) => None,
        }
    }

    /// A worker that started in `epoch` finishes at `now` (see [`Station::finish`]).
    #[inline]
    pub fn finish(&mut self, now: f64, epoch: u32) -> bool {
        self.station.finish(now, epoch)
    }

    /// Stops taking messages (the work in hand goes on).
    pub fn pause(&mut self) {
        self.paused = true;
    }

    /// Takes messages again.
    pub fn resume(&mut self) {
        self.paused = false;
    }

    /// Applies the autoscaling rule at `now` with `backlog` messages: removes workers at
    /// once (booting ones first) or starts booting new ones, returned for the caller to
    /// schedule. Without an autoscaler nothing happens.
    pub fn scale(&mut self, now: f64, backlog: usize) -> Result<Option<Boot>> {
        let Some(rule) = self.autoscaler else {
            return Ok(None);
        };
        self.advance(now);
        let desired = rule.desired(backlog);
        let have = self.provisioned();
        if desired > have {
            let count = desired - have;
            self.booting += count;
            self.peak = self.peak.max(self.provisioned());
            return Ok(Some(Boot {
                at: now + rule.boot_time,
                count,
            }));
        }
        let excess = have - desired;
        let cancelled = excess.min(self.booting);
        self.booting -= cancelled;
        if excess > cancelled {
            self.station
                .set_servers(now, self.station.servers() - (excess - cancelled))?;
        }
        Ok(None)
    }

    /// `count` booted workers are ready at `now` (fewer join if some boots were cancelled
    /// meanwhile). Call [`can_start`](Self::can_start) afterwards: they may take messages.
    pub fn booted(&mut self, now: f64, count: usize) -> Result<()> {
        self.advance(now);
        let joining = count.min(self.booting);
        self.booting -= joining;
        self.station
            .set_servers(now, self.station.servers() + joining)
    }

    /// Worker-seconds paid for up to `now` (working or booting).
    pub fn worker_seconds(&self, now: f64) -> f64 {
        self.worker_seconds + self.provisioned() as f64 * (now - self.last).max(0.0)
    }

    /// The station's statistics up to `now` (utilisation of the workers).
    pub fn stats(&self, now: f64) -> StationStats {
        self.station.stats(now)
    }

    fn advance(&mut self, now: f64) {
        if now > self.last {
            self.worker_seconds += self.provisioned() as f64 * (now - self.last);
            self.last = now;
        }
    }
}

/// The mean time for `waiting` messages to drain from the queue of `c` busy workers
/// serving at `mu` each while new ones arrive at `lambda`: `waiting / (cμ − λ)`.
///
/// It is exact for the M/M/c queue (while messages wait, all `c` workers are busy, so the
/// queue shrinks at rate cμ − λ on average, one step at a time), and the drain time's
/// standard deviation is [`drain_time_sd`].
pub fn expected_drain_time(waiting: usize, lambda: f64, mu: f64, c: usize) -> Result<f64> {
    let net = drain_rate(lambda, mu, c)?;
    Ok(waiting as f64 / net)
}

/// The standard deviation of the M/M/c drain time of `waiting` messages:
/// `√(waiting · (λ + cμ) / (cμ − λ)³)` — it grows like √waiting, so the drain time's
/// relative spread shrinks like 1/√waiting.
pub fn drain_time_sd(waiting: usize, lambda: f64, mu: f64, c: usize) -> Result<f64> {
    let net = drain_rate(lambda, mu, c)?;
    let up_down = lambda + c as f64 * mu;
    Ok((waiting as f64 * up_down / net.powi(3)).sqrt())
}

fn drain_rate(lambda: f64, mu: f64, c: usize) -> Result<f64> {
    non_negative("lambda", lambda)?;
    positive("mu", mu)?;
    at_least_one("c", c)?;
    let net = c as f64 * mu - lambda;
    if net <= 0.0 {
        return Err(Error::param(
            "lambda",
            lambda,
            format!(
                "below the workers' capacity c·μ = {}: otherwise the backlog never drains",
                c as f64 * mu
            ),
        ));
    }
    Ok(net)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::queue::Broker;

    #[test]
    fn the_rule_asks_for_one_worker_per_share_of_backlog() {
        let a = Autoscaler::new(2, 10, 5.0).unwrap();
        assert_eq!(a.desired(0), 2);
        assert_eq!(a.desired(11), 3);
        assert_eq!(a.desired(1000), 10);
        assert!(Autoscaler::new(0, 3, 1.0).is_err());
        assert!(
            Autoscaler::new(4, 3, 1.0)
                .unwrap_err()
                .to_string()
                .contains("at least min")
        );
        assert!(Autoscaler::new(1, 3, 0.0).is_err());
        assert!(a.interval(0.0).is_err());
        assert!(a.boot_time(-1.0).is_err());
    }

    #[test]
    fn scaling_out_boots_and_scaling_in_cancels_boots_first() {
        let rule = Autoscaler::new(1, 8, 10.0).unwrap().boot_time(5.0).unwrap();
        let mut pool: WorkerPool<()> = WorkerPool::new(1, Dist::constant(1.0).unwrap())
            .unwrap()
            .with_autoscaler(rule)
            .unwrap();
        let boot = pool.scale(0.0, 45).unwrap().unwrap();
        assert_eq!(boot, Boot { at: 5.0, count: 4 });
        assert_eq!(
            (pool.workers(), pool.booting(), pool.provisioned()),
            (1, 4, 5)
        );
        // The backlog fell before they were ready: 2 are cancelled.
        assert!(pool.scale(2.0, 25).unwrap().is_none());
        assert_eq!(pool.booting(), 2);
        pool.booted(5.0, boot.count).unwrap();
        assert_eq!((pool.workers(), pool.booting()), (3, 0));
        // Scale in below the booting count removes running workers.
        assert!(pool.scale(6.0, 0).unwrap().is_none());
        assert_eq!(pool.workers(), 1);
        // Cost: 5 workers on [0, 2), 3 on [2, 6), 1 afterwards.
        assert!((pool.worker_seconds(10.0) - (10.0 + 12.0 + 4.0)).abs() < 1e-12);
        assert_eq!(pool.peak(), 5);
        assert!(
            WorkerPool::<()>::new(3, Dist::constant(1.0).unwrap())
                .unwrap()
                .with_autoscaler(rule.boot_time(0.0).unwrap())
                .is_ok()
        );
        assert!(
            WorkerPool::<()>::new(9, Dist::constant(1.0).unwrap())
                .unwrap()
                .with_autoscaler(rule)
                .is_err()
        );
    }

    #[test]
    fn a_pool_takes_work_only_when_a_worker_is_free_and_not_paused() {
        let mut broker = Broker::new(30.0).unwrap();
        let mut pool = WorkerPool::new(1, Dist::constant(2.0).unwrap()).unwrap();
        let mut rng = SimRng::new(1);
        broker.publish(0.0, 1, ());
        broker.publish(0.0, 2, ());
        assert!(pool.can_start());
        let s = pool
            .start(0.0, broker.receive(0.0).unwrap(), &mut rng)
            .unwrap();
        assert_eq!(s.done_at, 2.0);
        assert!(!pool.can_start());
        assert!(pool.finish(2.0, s.epoch));
        pool.pause();
        assert!(!pool.can_start() && pool.is_paused());
        pool.resume();
        assert!(pool.can_start());
    }

    #[test]
    fn drain_time_formulas() {
        // 1000 waiting, 10 workers at 1/s, 8/s arriving: net 2/s → 500 s,
        // sd √(1000 · 18 / 8) = 47.4 s.
        assert!((expected_drain_time(1000, 8.0, 1.0, 10).unwrap() - 500.0).abs() < 1e-9);
        assert!((drain_time_sd(1000, 8.0, 1.0, 10).unwrap() - 2250f64.sqrt()).abs() < 1e-9);
        assert!(
            expected_drain_time(10, 10.0, 1.0, 10)
                .unwrap_err()
                .to_string()
                .contains("never drains")
        );
        assert!(expected_drain_time(10, 1.0, 1.0, 0).is_err());
    }
}
