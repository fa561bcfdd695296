//! Producers → queue → workers: the experiment behind the queueing numbers of a worker
//! pool.
//!
//! Poisson publishes into a broker drained by `c` workers is the M/M/c queue (with
//! exponential processing): the probability of waiting is Erlang C and the mean wait
//! `C / (cμ − λ)`. Start it with a backlog of B waiting messages and it drains in about
//! `B / (cμ − λ)` ([`WorkerQueueReport::drain_time`]); add an autoscaler and watch the
//! workers follow the backlog; add a downstream outage and watch the queue grow, then
//! drain.

use super::broker::Broker;
use super::runaway;
use super::system::{Outcome, QueueEvent, QueueStats, QueueSystem};
use super::workers::Autoscaler;
use crate::error::{Error, Result, at_least_one, non_negative, positive};
use crate::sim::{Arrivals, Dist, EventQueue, LatencyHistogram, LatencySeries, SimRng, TimeSeries};

/// When the producers stop.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stop {
    Messages(u64),
    Time(f64),
}

/// Producers publishing into a queue drained by workers.
#[derive(Debug, Clone)]
pub struct WorkerQueue {
    arrivals: Arrivals,
    service: Dist,
    workers: usize,
    stop: Stop,
    warmup: u64,
    backlog: usize,
    autoscaler: Option<Autoscaler>,
    outage: Option<(f64, f64)>,
    visibility_timeout: f64,
    capacity: Option<usize>,
    max_backlog: usize,
    window: Option<f64>,
}

/// What a [`WorkerQueue`] run measured.
#[derive(Debug, Clone)]
pub struct WorkerQueueReport {
    /// Waits of measured messages from publication to their first delivery.
    pub wait: LatencyHistogram,
    /// Measured messages from publication to the end of their acked processing.
    pub response: LatencyHistogram,
    /// Measured messages published (accepted).
    pub published: u64,
    /// Measured messages refused by a full queue.
    pub rejected: u64,
    /// Measured messages processed and acked.
    pub served: u64,
    /// Measured messages that waited for a worker (Erlang C is `waited / served`).
    pub waited: u64,
    /// With an initial backlog: when the queue was first empty, in seconds.
    pub drain_time: Option<f64>,
    /// The queue system's counts over the whole run.
    pub stats: QueueStats,
    /// When the run ended (the producers stopped and the queue drained).
    pub end: f64,
    /// Why the run stopped early, if it did.
    pub stopped_early: Option<String>,
    /// Samples over time, if asked for with [`WorkerQueue::time_series`].
    pub series: Option<WorkerSeries>,
}

/// Time series of a [`WorkerQueue`] run.
#[derive(Debug, Clone)]
pub struct WorkerSeries {
    /// Messages waiting, sampled at the start of each window.
    pub depth: TimeSeries,
    /// Workers provisioned (working or booting), sampled at the start of each window.
    pub workers: TimeSeries,
    /// Acked processings per window (value: publication → ack, seconds).
    pub completions: TimeSeries,
    /// Publication → ack latencies per window.
    pub latency: LatencySeries,
}

#[derive(Debug, Clone, PartialEq)]
enum Event {
    Publish,
    Queue(QueueEvent<()>),
    Sample,
    Downstream(bool),
}

impl WorkerQueue {
    /// Publishes from `arrivals` into a queue drained by `workers` ≥ 1 workers with
    /// processing times from `service`; 100 000 measured messages after 10 000 of
    /// warm-up, no backlog, unbounded queue, 30 s visibility timeout.
    pub fn new(arrivals: Arrivals, service: Dist, workers: usize) -> Result<Self> {
        Ok(WorkerQueue {
            arrivals,
            service,
            workers: at_least_one("workers", workers)?,
            stop: Stop::Messages(100_000),
            warmup: 10_000,
            backlog: 0,
            autoscaler: None,
            outage: None,
            visibility_timeout: 30.0,
            capacity: None,
            max_backlog: 1_000_000,
            window: None,
        })
    }

    /// M/M/c: Poisson publishes at `lambda`/s, `c` workers processing at `mu`/s each.
    pub fn mmc(lambda: f64, mu: f64, c: usize) -> Result<Self> {
        Self::new(Arrivals::poisson(lambda)?, Dist::exponential_rate(mu)?, c)
    }

    /// The producers stop after `n` ≥ 1 measured messages (after the warm-up).
    pub fn messages(mut self, n: u64) -> Result<Self> {
        if n == 0 {
            return Err(Error::param("messages", n, "at least 1"));
        }
        self.stop = Stop::Messages(n);
        Ok(self)
    }

    /// The producers stop at time `seconds` > 0 instead of after a number of messages.
    pub fn duration(mut self, seconds: f64) -> Result<Self> {
        self.stop = Stop::Time(positive("duration", seconds)?);
        Ok(self)
    }

    /// Messages published before measuring starts.
    pub fn warmup(mut self, n: u64) -> Self {
        self.warmup = n;
        self
    }

    /// `messages` published at time 0 before the producers start (not measured): the
    /// backlog whose drain time is reported.
    pub fn backlog(mut self, messages: usize) -> Self {
        self.backlog = messages;
        self
    }

    /// Sizes the workers with `autoscaler` (the initial workers must be in its range).
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

    /// The downstream the workers write to is down from `start` for `duration` seconds.
    pub fn outage(mut self, start: f64, duration: f64) -> Result<Self> {
        self.outage = Some((
            non_negative("start", start)?,
            positive("duration", duration)?,
        ));
        Ok(self)
    }

    /// The broker's visibility timeout (seconds > 0).
    pub fn visibility_timeout(mut self, seconds: f64) -> Result<Self> {
        self.visibility_timeout = positive("visibility_timeout", seconds)?;
        Ok(self)
    }

    /// At most `limit` ≥ 1 messages may wait; more are refused.
    pub fn capacity(mut self, limit: usize) -> Result<Self> {
        self.capacity = Some(at_least_one("capacity", limit)?);
        Ok(self)
    }

    /// Stop (and say so) once more than `n` ≥ 1 messages wait: the guard against a
    /// queue whose workers can never catch up. Default 1 000 000.
    pub fn max_backlog(mut self, n: usize) -> Result<Self> {
        self.max_backlog = at_least_one("max_backlog", n)?;
        Ok(self)
    }

    /// Also sample depth and workers and record latencies per window of `window` seconds.
    pub fn time_series(mut self, window: f64) -> Result<Self> {
        self.window = Some(positive("window", window)?);
        Ok(self)
    }

    /// The offered utilisation λ / (c · mean processing rate) at the base publish rate
    /// and the initial number of workers.
    pub fn offered_utilisation(&self) -> f64 {
        self.arrivals.base_rate() * self.service.mean() / self.workers as f64
    }

    /// Runs the experiment with `seed`.
    pub fn run(&self, seed: u64) -> Result<WorkerQueueReport> {
        let mut rng = SimRng::new(seed);
        let mut broker = Broker::new(self.visibility_timeout)?;
        if let Some(c) = self.capacity {
            broker = broker.with_capacity(c)?;
        }
        let mut q = QueueSystem::new(self.workers, self.service)?.with_broker(broker);
        if let Some(a) = self.autoscaler {
            q = q.with_autoscaler(a)?;
        }
        let mut series = match self.window {
            Some(w) => Some(WorkerSeries {
                depth: TimeSeries::new(w)?,
                workers: TimeSeries::new(w)?,
                completions: TimeSeries::new(w)?,
                latency: LatencySeries::new(w)?,
            }),
            None => None,
        };
        let mut events: EventQueue<Event> = EventQueue::new();
        let mut r = Tally::default();

        for _ in 0..self.backlog {
            q.publish(0.0, 0, (), &mut rng, &mut |at, e| {
                events.schedule_at(at, Event::Queue(e))
            })?;
        }
        let mut drain_time = (self.backlog > 0 && q.broker().depth() == 0).then_some(0.0);
        if let Some((start, duration)) = self.outage {
            events.schedule_at(start, Event::Downstream(false));
            events.schedule_at(start + duration, Event::Downstream(true));
        }
        if series.is_some() {
            events.schedule_at(0.0, Event::Sample);
        }
        let first = self.arrivals.next(0.0, &mut rng);
        let mut producing = self.keeps_producing(0, first);
        if producing {
            events.schedule_at(first, Event::Publish);
        }
        let mut generated = 0u64;
        let mut first_measured: Option<u64> = None;
        let mut stopped_early = None;
        let mut now = 0.0;

        while let Some((t, event)) = events.pop() {
            now = t;
            match event {
                Event::Publish => {
                    generated += 1;
                    let measured = generated > self.warmup;
                    let id = q.publish(now, 0, (), &mut rng, &mut |at, e| {
                        events.schedule_at(at, Event::Queue(e))
                    })?;
                    if measured {
                        match id {
                            Some(id) => {
                                first_measured.get_or_insert(id);
                                r.published += 1;
                            }
                            None => r.rejected += 1,
                        }
                    }
                    if q.broker().depth() > self.max_backlog {
                        stopped_early = Some(self.unstable_message(now));
                        break;
                    }
                    let next = self.arrivals.next(now, &mut rng);
                    producing = self.keeps_producing(generated, next);
                    if producing {
                        events.schedule_at(next, Event::Publish);
                    }
                }
                Event::Queue(e) => {
                    let outcome = q.handle(now, e, &mut rng, &mut |at, e| {
                        events.schedule_at(at, Event::Queue(e))
                    })?;
                    if let Outcome::Processed(p) = outcome
                        && first_measured.is_some_and(|f| p.id >= f)
                    {
                        if p.attempt == 1 {
                            let wait = p.delivered_at - p.published_at;
                            r.wait.record(wait);
                            r.waited += (wait > 0.0) as u64;
                        }
                        if p.acked {
                            let response = now - p.published_at;
                            r.response.record(response);
                            if let Some(s) = series.as_mut() {
                                s.completions.record(now, response);
                                s.latency.record(now, response);
                            }
                        }
                    }
                    if let Some(why) = runaway(&q.broker().stats(now), self.visibility_timeout, now)
                    {
                        stopped_early = Some(why);
                        break;
                    }
                }
                Event::Sample => {
                    if let Some(s) = series.as_mut() {
                        s.depth.record(now, q.broker().depth() as f64);
                        s.workers.record(now, q.pool().provisioned() as f64);
                        events.schedule_at(now + s.depth.window(), Event::Sample);
                    }
                }
                Event::Downstream(up) => {
                    q.set_downstream(now, up, &mut rng, &mut |at, e| {
                        events.schedule_at(at, Event::Queue(e))
                    });
                }
            }
            if drain_time.is_none() && self.backlog > 0 && q.broker().depth() == 0 {
                drain_time = Some(now);
            }
            let outage_over = self.outage.is_none_or(|(s, d)| now >= s + d);
            if !producing && outage_over && q.is_idle() {
                break;
            }
        }
        Ok(WorkerQueueReport {
            served: r.response.count(),
            wait: r.wait,
            response: r.response,
            published: r.published,
            rejected: r.rejected,
            waited: r.waited,
            drain_time,
            stats: q.stats(now),
            end: now,
            stopped_early,
            series,
        })
    }

    /// Whether the producer publishes again at `next`, having generated `generated`.
    fn keeps_producing(&self, generated: u64, next: f64) -> bool {
        match self.stop {
            Stop::Messages(n) => generated < self.warmup + n,
            Stop::Time(t) => next < t,
        }
    }

    fn unstable_message(&self, now: f64) -> String {
        format!(
            "stopped at t = {now:.1} s: more than {} messages were waiting. The offered utilisation is {:.2}; \
             at 1 or more the workers never catch up.",
            self.max_backlog,
            self.offered_utilisation()
        )
    }
}

#[derive(Default)]
struct Tally {
    wait: LatencyHistogram,
    response: LatencyHistogram,
    published: u64,
    rejected: u64,
    waited: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_run_serves_every_message_and_is_reproducible() {
        let q = WorkerQueue::mmc(3.0, 1.0, 4)
            .unwrap()
            .messages(2_000)
            .unwrap()
            .warmup(100);
        let a = q.run(5).unwrap();
        assert_eq!((a.published, a.served, a.rejected), (2_000, 2_000, 0));
        assert_eq!(a.wait.count(), 2_000);
        assert!(a.stopped_early.is_none() && a.drain_time.is_none());
        assert_eq!(a.stats.broker.published, 2_100);
        let b = q.run(5).unwrap();
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
    }

    #[test]
    fn a_backlog_drains_and_an_overload_stops_with_a_reason() {
        let q = WorkerQueue::mmc(2.0, 1.0, 4)
            .unwrap()
            .messages(500)
            .unwrap()
            .warmup(0)
            .backlog(200);
        let r = q.run(1).unwrap();
        let t = r.drain_time.expect("the backlog drains");
        // 196 waiting at rate 2/s net: about 98 s.
        assert!(t > 50.0 && t < 150.0, "{t}");
        let over = WorkerQueue::mmc(5.0, 1.0, 4)
            .unwrap()
            .messages(1_000_000)
            .unwrap()
            .max_backlog(1_000)
            .unwrap();
        let why = over
            .run(1)
            .unwrap()
            .stopped_early
            .expect("an overloaded queue must stop");
        assert!(why.contains("utilisation is 1.25"), "{why}");
    }

    #[test]
    fn a_bounded_queue_refuses_and_an_outage_is_absorbed() {
        let q = WorkerQueue::mmc(5.0, 1.0, 10)
            .unwrap()
            .duration(200.0)
            .unwrap()
            .warmup(0);
        let bounded = q
            .clone()
            .capacity(20)
            .unwrap()
            .outage(50.0, 50.0)
            .unwrap()
            .run(2)
            .unwrap();
        assert!(bounded.rejected > 100, "{}", bounded.rejected);
        assert_eq!(bounded.stats.broker.max_depth, 20);
        let open = q
            .outage(50.0, 50.0)
            .unwrap()
            .time_series(10.0)
            .unwrap()
            .run(2)
            .unwrap();
        assert_eq!(open.rejected, 0);
        let depth = open.series.unwrap().depth.means();
        // About 250 messages pile up during the outage (5/s for 50 s), and drain after.
        let peak = depth.iter().map(|d| d.1).fold(0.0, f64::max);
        assert!(peak > 150.0, "{peak}");
        assert!(depth.last().unwrap().1 < 20.0);
    }

    #[test]
    fn bad_parameters_are_clear_errors() {
        assert!(
            WorkerQueue::mmc(1.0, 1.0, 0)
                .unwrap_err()
                .to_string()
                .contains("`workers` = 0")
        );
        let q = WorkerQueue::mmc(1.0, 1.0, 2).unwrap();
        assert!(q.clone().messages(0).is_err());
        assert!(q.clone().duration(0.0).is_err());
        assert!(q.clone().outage(-1.0, 1.0).is_err());
        assert!(q.clone().visibility_timeout(0.0).is_err());
        assert!(q.clone().time_series(0.0).is_err());
        assert!(
            q.autoscale(Autoscaler::new(3, 5, 1.0).unwrap())
                .unwrap_err()
                .to_string()
                .contains("autoscaler's range")
        );
    }
}
