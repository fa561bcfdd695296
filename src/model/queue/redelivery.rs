//! At-least-once delivery, counted: how many times each operation (a payment) took
//! effect, with and without idempotency keys.
//!
//! Producers start `operations` operations (Poisson, `rate` per second), each with its
//! own idempotency key. Duplicates come from three places:
//! - the producer publishes an operation again (it timed out waiting for the broker's
//!   confirmation, and retries after `retry_delay`): two messages, one key;
//! - a consumer applies the effect and its ack is lost: the message comes back;
//! - processing outlives the visibility timeout: another worker gets the message while
//!   the first is still on it.
//!
//! A consumer that crashes *before* the effect causes a redelivery but no duplicate, and a
//! poison message (one that always fails) ends in the dead-letter queue after
//! `max_attempts`. Without idempotency, with unlimited attempts and no poison,
//! `duplicate effects = producer retries + redeliveries − crashes before the effect`,
//! exactly; with idempotency, duplicate effects are 0 and the same redeliveries are
//! counted as suppressed.

use super::broker::Broker;
use super::delivery::Faults;
use super::runaway;
use super::system::{QueueEvent, QueueStats, QueueSystem};
use crate::error::{Error, Result, at_least_one, positive, probability};
use crate::sim::{Dist, EventQueue, SimRng};

/// Operations published into a queue whose consumers apply one effect each.
#[derive(Debug, Clone)]
pub struct Redelivery {
    operations: u64,
    rate: f64,
    workers: usize,
    service: Dist,
    visibility_timeout: f64,
    max_attempts: Option<u32>,
    faults: Faults,
    producer_retry: f64,
    retry_delay: f64,
    idempotent: bool,
}

/// What a [`Redelivery`] run counted.
#[derive(Debug, Clone, PartialEq)]
pub struct RedeliveryReport {
    /// Operations started (distinct idempotency keys).
    pub operations: u64,
    /// Messages published (operations plus producer retries).
    pub published: u64,
    /// Operations the producer published a second time.
    pub producer_retries: u64,
    /// Whether the consumers used an idempotency store.
    pub idempotent: bool,
    /// Everything the queue system counted: deliveries, redeliveries, effects,
    /// duplicates, suppressed duplicates, dead letters, the injected faults.
    pub stats: QueueStats,
    /// Operations whose effect was never applied (dead-lettered, or poison).
    pub never_applied: u64,
    /// When the last message was settled.
    pub end: f64,
    /// Why the run stopped early, if it did.
    pub stopped_early: Option<String>,
}

impl RedeliveryReport {
    /// Effects applied more than once for the same operation (double charges).
    pub fn duplicate_effects(&self) -> u64 {
        self.stats.duplicate_effects
    }

    /// Deliveries of a message that had been delivered before.
    pub fn redeliveries(&self) -> u64 {
        self.stats.broker.redelivered
    }

    /// What the duplicates should be without idempotency, from the injected causes:
    /// producer retries + redeliveries − deliveries that failed before the effect
    /// (crashes and errors). Exact when nothing was dead-lettered.
    pub fn expected_duplicates(&self) -> i64 {
        let c = &self.stats.consumers;
        self.producer_retries as i64 + self.redeliveries() as i64
            - c.crashes as i64
            - c.errors as i64
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Event {
    Start,
    Retry(u64),
    Queue(QueueEvent<()>),
}

impl Redelivery {
    /// `operations` ≥ 1 operations at 50 per second, 4 workers with exponential
    /// processing of mean 50 ms, a 30 s visibility timeout, unlimited attempts, no
    /// faults, no producer retries, no idempotency.
    pub fn new(operations: u64) -> Result<Self> {
        if operations == 0 {
            return Err(Error::param("operations", operations, "at least 1"));
        }
        Ok(Redelivery {
            operations,
            rate: 50.0,
            workers: 4,
            service: Dist::exponential(0.05)?,
            visibility_timeout: 30.0,
            max_attempts: None,
            faults: Faults::none(),
            producer_retry: 0.0,
            retry_delay: 1.0,
            idempotent: false,
        })
    }

    /// Operations start at `rate` > 0 per second (Poisson).
    pub fn rate(mut self, rate: f64) -> Result<Self> {
        self.rate = positive("rate", rate)?;
        Ok(self)
    }

    /// `workers` ≥ 1 consumers with processing times from `service`.
    pub fn workers(mut self, workers: usize, service: Dist) -> Result<Self> {
        self.workers = at_least_one("workers", workers)?;
        self.service = service;
        Ok(self)
    }

    /// The broker's visibility timeout (seconds > 0).
    pub fn visibility_timeout(mut self, seconds: f64) -> Result<Self> {
        self.visibility_timeout = positive("visibility_timeout", seconds)?;
        Ok(self)
    }

    /// Messages are dead-lettered after `attempts` ≥ 1 deliveries.
    pub fn max_attempts(mut self, attempts: u32) -> Result<Self> {
        self.max_attempts = Some(at_least_one("max_attempts", attempts as usize)? as u32);
        Ok(self)
    }

    /// Faults injected into the consumers.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Each operation is published a second time, `delay` > 0 seconds later, with
    /// probability `p` (the producer did not get the broker's confirmation in time).
    pub fn producer_retries(mut self, p: f64, delay: f64) -> Result<Self> {
        self.producer_retry = probability("producer_retry", p)?;
        self.retry_delay = positive("delay", delay)?;
        Ok(self)
    }

    /// Consumers check an idempotency store before applying an effect.
    pub fn idempotent(mut self, on: bool) -> Self {
        self.idempotent = on;
        self
    }

    /// Runs the experiment with `seed`.
    pub fn run(&self, seed: u64) -> Result<RedeliveryReport> {
        let mut rng = SimRng::new(seed);
        let mut broker = Broker::new(self.visibility_timeout)?;
        if let Some(n) = self.max_attempts {
            broker = broker.with_max_attempts(n)?;
        }
        let mut q = QueueSystem::new(self.workers, self.service)?
            .with_broker(broker)
            .with_faults(self.faults);
        if self.idempotent {
            q = q.idempotent();
        }
        let mut events: EventQueue<Event> = EventQueue::new();
        events.schedule_at(exp(&mut rng) / self.rate, Event::Start);
        let (mut started, mut retries, mut pending_retries) = (0u64, 0u64, 0u64);
        let mut stopped_early = None;
        let mut now = 0.0;
        while let Some((t, event)) = events.pop() {
            now = t;
            match event {
                Event::Start => {
                    let key = started;
                    started += 1;
                    q.publish(now, key, (), &mut rng, &mut |at, e| {
                        events.schedule_at(at, Event::Queue(e))
                    })?;
                    if self.producer_retry > 0.0 && rng.chance(self.producer_retry) {
                        retries += 1;
                        pending_retries += 1;
                        events.schedule_at(now + self.retry_delay, Event::Retry(key));
                    }
                    if started < self.operations {
                        events.schedule_at(now + exp(&mut rng) / self.rate, Event::Start);
                    }
                }
                Event::Retry(key) => {
                    pending_retries -= 1;
                    q.publish(now, key, (), &mut rng, &mut |at, e| {
                        events.schedule_at(at, Event::Queue(e))
                    })?;
                }
                Event::Queue(e) => {
                    q.handle(now, e, &mut rng, &mut |at, e| {
                        events.schedule_at(at, Event::Queue(e))
                    })?;
                    if let Some(why) = runaway(&q.broker().stats(now), self.visibility_timeout, now)
                    {
                        stopped_early = Some(why);
                        break;
                    }
                }
            }
            if started == self.operations && pending_retries == 0 && q.is_idle() {
                break;
            }
        }
        Ok(RedeliveryReport {
            operations: started,
            published: q.broker().stats(now).published,
            producer_retries: retries,
            idempotent: self.idempotent,
            never_applied: started - q.ledger().operations(),
            stats: q.stats(now),
            end: now,
            stopped_early,
        })
    }
}

fn exp(rng: &mut SimRng) -> f64 {
    -rng.uniform_open0().ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_faults_every_operation_applies_once() {
        let r = Redelivery::new(1_000).unwrap().run(1).unwrap();
        assert_eq!(
            (
                r.operations,
                r.published,
                r.stats.effects,
                r.duplicate_effects()
            ),
            (1_000, 1_000, 1_000, 0)
        );
        assert_eq!((r.redeliveries(), r.never_applied), (0, 0));
        assert!(r.stopped_early.is_none());
    }

    #[test]
    fn poison_messages_are_dead_lettered_after_max_attempts() {
        let faults = Faults::none().poison(0.1).unwrap();
        let r = Redelivery::new(2_000)
            .unwrap()
            .faults(faults)
            .max_attempts(3)
            .unwrap()
            .run(4)
            .unwrap();
        let poison = r.stats.consumers.poison_messages;
        assert!(poison > 100, "{poison}");
        assert_eq!(r.stats.broker.dead_lettered, poison);
        assert_eq!(r.never_applied, poison);
        // Each poison message is delivered exactly 3 times, all failing.
        assert_eq!(r.stats.consumers.errors, 3 * poison);
        assert_eq!(r.stats.broker.delivered, 2_000 + 2 * poison);
    }

    #[test]
    fn runaway_redelivery_stops_with_a_reason() {
        let r = Redelivery::new(10)
            .unwrap()
            .workers(2, Dist::constant(2.0).unwrap())
            .unwrap()
            .visibility_timeout(1.0)
            .unwrap()
            .run(1)
            .unwrap();
        let why = r
            .stopped_early
            .expect("messages that never settle must stop the run");
        assert!(why.contains("visibility timeout"), "{why}");
    }

    #[test]
    fn bad_parameters_are_clear_errors() {
        assert!(Redelivery::new(0).is_err());
        let r = Redelivery::new(1).unwrap();
        assert!(r.clone().rate(0.0).is_err());
        assert!(r.clone().max_attempts(0).is_err());
        assert!(
            r.clone()
                .producer_retries(1.5, 1.0)
                .unwrap_err()
                .to_string()
                .contains("producer_retry")
        );
        assert!(r.producer_retries(0.5, 0.0).is_err());
    }
}
