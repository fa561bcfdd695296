//! The queue and its workers as one passive component: producers
//! [`publish`](QueueSystem::publish) to it, it hands messages to free workers, and it
//! tells the caller which events to schedule ([`QueueEvent`]) — processing done, a
//! visibility timeout running out, an autoscaling tick, booted workers joining. The
//! caller keeps them in its own event queue and hands them back to
//! [`handle`](QueueSystem::handle) when they are due:
//!
//! ```text
//! let mut q = QueueSystem::new(4, Dist::exponential(0.05)?)?;
//! // in the web server's handler, at time now:
//! q.publish(now, order_id, order, &mut rng, &mut |at, e| events.schedule_at(at, Event::Queue(e)));
//! // in the event loop:
//! Event::Queue(e) => match q.handle(now, e, &mut rng, &mut |at, e| events.schedule_at(at, Event::Queue(e)))? { ... }
//! ```
//!
//! A finished delivery meets its [`Fate`]: success (effect, then ack), a crash before the
//! effect, an ack lost after the effect, or an error (poison message, downstream down:
//! nack). Effects are counted per idempotency key in an [`EffectLedger`]; with
//! [`idempotent`](QueueSystem::idempotent) an [`IdempotencyStore`] skips a key already
//! applied. During a downstream outage ([`set_downstream`](QueueSystem::set_downstream))
//! the work in hand fails and is nacked, and the workers stop taking messages until the
//! downstream is back: the queue absorbs what the producers keep publishing.

use std::collections::BTreeSet;

use super::broker::{Broker, BrokerStats, Delivery, MessageId, Returned};
use super::delivery::{Effect, EffectLedger, Fate, Faults, IdempotencyStore};
use super::workers::{Autoscaler, WorkerPool};
use crate::error::{Error, Result};
use crate::sim::{Dist, SimRng, StationStats};

/// An event the queue system asks its caller to schedule, and to hand back to
/// [`QueueSystem::handle`] at that time.
#[derive(Debug, Clone, PartialEq)]
pub enum QueueEvent<M> {
    /// A worker finishes processing a delivery.
    Done {
        /// The delivery.
        delivery: Delivery<M>,
        /// The workers' epoch when it started.
        epoch: u32,
        /// What will happen to it (drawn when it started).
        fate: Fate,
    },
    /// The visibility timeout of delivery `tag` runs out.
    Deadline {
        /// The delivery's tag.
        tag: u64,
    },
    /// The autoscaler looks at the backlog.
    Scale,
    /// Booted workers join the pool.
    Booted {
        /// How many.
        count: usize,
    },
}

/// A delivery that finished processing.
#[derive(Debug, Clone, PartialEq)]
pub struct Processed<M> {
    /// The message.
    pub id: MessageId,
    /// Its idempotency key.
    pub key: u64,
    /// When it was published.
    pub published_at: f64,
    /// When this delivery started.
    pub delivered_at: f64,
    /// Which delivery of the message this was (1 = first).
    pub attempt: u32,
    /// What happened in the consumer.
    pub fate: Fate,
    /// Whether the effect was applied.
    pub effect: Effect,
    /// Whether the ack deleted the message (false for a stale ack or no ack).
    pub acked: bool,
    /// The payload.
    pub body: M,
}

/// What handling an event did.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome<M> {
    /// A delivery finished processing.
    Processed(Processed<M>),
    /// A delivery expired and its message is waiting again.
    Requeued,
    /// A delivery expired and its message went to the dead-letter queue.
    DeadLettered,
    /// Nothing a caller needs to see (an acked delivery's deadline, a scaling tick).
    Nothing,
}

/// Counts of what happened in the consumers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConsumerCounts {
    /// Deliveries that finished processing (whatever their fate).
    pub processed: u64,
    /// Deliveries that crashed before the effect.
    pub crashes: u64,
    /// Deliveries whose ack was lost after the effect.
    pub acks_lost: u64,
    /// Deliveries that failed with an error and were nacked.
    pub errors: u64,
    /// Of those, failures because the downstream was down.
    pub downstream_failures: u64,
    /// Messages published as poison.
    pub poison_messages: u64,
    /// Deliveries whose processing outlived their visibility timeout (the message was
    /// handed to another worker meanwhile).
    pub late: u64,
    /// Successful processings whose ack was stale (they finished after their timeout).
    pub late_acks: u64,
}

/// A snapshot of everything a queue system counted.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueStats {
    /// The broker's counts.
    pub broker: BrokerStats,
    /// The workers' counts and utilisation.
    pub workers: StationStats,
    /// What happened in the consumers.
    pub consumers: ConsumerCounts,
    /// Effects applied.
    pub effects: u64,
    /// Effects applied more than once for the same key.
    pub duplicate_effects: u64,
    /// Keys whose effect was applied more than once.
    pub keys_with_duplicates: u64,
    /// Duplicates the idempotency store prevented.
    pub suppressed: u64,
    /// Worker-seconds paid for.
    pub worker_seconds: f64,
    /// The most workers provisioned at once.
    pub peak_workers: usize,
}

/// A broker, its workers and the effects they apply.
#[derive(Debug, Clone)]
pub struct QueueSystem<M> {
    broker: Broker<M>,
    pool: WorkerPool<M>,
    faults: Faults,
    poison: BTreeSet<MessageId>,
    ledger: EffectLedger,
    idempotency: Option<IdempotencyStore>,
    downstream_up: bool,
    scaling_started: bool,
    counts: ConsumerCounts,
}

impl<M: Clone> QueueSystem<M> {
    /// `workers` ≥ 1 workers with processing times from `service`, behind an unbounded
    /// broker with a 30 s visibility timeout (Amazon SQS's default), unlimited attempts,
    /// no idempotency and no faults.
    pub fn new(workers: usize, service: Dist) -> Result<Self> {
        Ok(QueueSystem {
            broker: Broker::new(30.0)?,
            pool: WorkerPool::new(workers, service)?,
            faults: Faults::none(),
            poison: BTreeSet::new(),
            ledger: EffectLedger::new(),
            idempotency: None,
            downstream_up: true,
            scaling_started: false,
            counts: ConsumerCounts::default(),
        })
    }

    /// Replaces the broker (to set its capacity, visibility timeout or max attempts).
    /// Call before publishing.
    pub fn with_broker(mut self, broker: Broker<M>) -> Self {
        self.broker = broker;
        self
    }

    /// Sizes the workers with `autoscaler`.
    pub fn with_autoscaler(mut self, autoscaler: Autoscaler) -> Result<Self> {
        self.pool = self.pool.with_autoscaler(autoscaler)?;
        Ok(self)
    }

    /// Injects `faults` into the consumers.
    pub fn with_faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// Consumers check an idempotency store before applying an effect.
    pub fn idempotent(mut self) -> Self {
        self.idempotency = Some(IdempotencyStore::new());
        self
    }

    /// The broker.
    pub fn broker(&self) -> &Broker<M> {
        &self.broker
    }

    /// The workers.
    pub fn pool(&self) -> &WorkerPool<M> {
        &self.pool
    }

    /// The effects applied.
    pub fn ledger(&self) -> &EffectLedger {
        &self.ledger
    }

    /// What happened in the consumers.
    pub fn counts(&self) -> &ConsumerCounts {
        &self.counts
    }

    /// Whether the downstream the workers depend on is up.
    pub fn downstream_up(&self) -> bool {
        self.downstream_up
    }

    /// Whether nothing is waiting, in flight or being processed.
    pub fn is_idle(&self) -> bool {
        self.broker.backlog() == 0 && self.pool.busy() == 0
    }

    /// Publishes `body` with idempotency key `key` at `now` and starts free workers on
    /// it. Returns the message id, or `None` if the broker is full.
    pub fn publish(
        &mut self,
        now: f64,
        key: u64,
        body: M,
        rng: &mut SimRng,
        schedule: &mut impl FnMut(f64, QueueEvent<M>),
    ) -> Result<Option<MessageId>> {
        if !self.scaling_started {
            self.scaling_started = true;
            if let Some(rule) = self.pool.autoscaler() {
                schedule(now + rule.every(), QueueEvent::Scale);
            }
            if self.faults.poison_probability() > 0.0 && self.broker.max_attempts().is_none() {
                return Err(Error::InvalidConfig(
                    "poison messages fail on every delivery: with unlimited attempts they are retried forever; \
                     give the broker max_attempts (a dead-letter queue)"
                        .into(),
                ));
            }
        }
        let Some(id) = self.broker.publish(now, key, body) else {
            return Ok(None);
        };
        if self.faults.poison_probability() > 0.0 && rng.chance(self.faults.poison_probability()) {
            self.poison.insert(id);
            self.counts.poison_messages += 1;
        }
        self.dispatch(now, rng, schedule);
        Ok(Some(id))
    }

    /// Handles an event the system asked for, at its time `now`.
    pub fn handle(
        &mut self,
        now: f64,
        event: QueueEvent<M>,
        rng: &mut SimRng,
        schedule: &mut impl FnMut(f64, QueueEvent<M>),
    ) -> Result<Outcome<M>> {
        let outcome = match event {
            QueueEvent::Done {
                delivery,
                epoch,
                fate,
            } => Outcome::Processed(self.done(now, delivery, epoch, fate)),
            QueueEvent::Deadline { tag } => match self.broker.expire(now, tag) {
                Returned::Requeued => Outcome::Requeued,
                Returned::DeadLettered => Outcome::DeadLettered,
                Returned::NotInFlight => Outcome::Nothing,
            },
            QueueEvent::Scale => {
                if let Some(boot) = self.pool.scale(now, self.broker.backlog())? {
                    schedule(boot.at, QueueEvent::Booted { count: boot.count });
                }
                if let Some(rule) = self.pool.autoscaler() {
                    schedule(now + rule.every(), QueueEvent::Scale);
                }
                Outcome::Nothing
            }
            QueueEvent::Booted { count } => {
                self.pool.booted(now, count)?;
                Outcome::Nothing
            }
        };
        self.dispatch(now, rng, schedule);
        Ok(outcome)
    }

    /// The downstream the workers write to goes down (`up = false`: the work in hand will
    /// fail and be nacked, and no new message is taken) or comes back (`up = true`).
    pub fn set_downstream(
        &mut self,
        now: f64,
        up: bool,
        rng: &mut SimRng,
        schedule: &mut impl FnMut(f64, QueueEvent<M>),
    ) {
        self.downstream_up = up;
        if up {
            self.pool.resume();
            self.dispatch(now, rng, schedule);
        } else {
            self.pool.pause();
        }
    }

    /// Everything counted up to `now`.
    pub fn stats(&self, now: f64) -> QueueStats {
        QueueStats {
            broker: self.broker.stats(now),
            workers: self.pool.stats(now),
            consumers: self.counts,
            effects: self.ledger.effects(),
            duplicate_effects: self.ledger.duplicates(),
            keys_with_duplicates: self.ledger.operations_with_duplicates(),
            suppressed: self.idempotency.as_ref().map_or(0, |s| s.suppressed()),
            worker_seconds: self.pool.worker_seconds(now),
            peak_workers: self.pool.peak(),
        }
    }

    fn done(&mut self, now: f64, delivery: Delivery<M>, epoch: u32, fate: Fate) -> Processed<M> {
        self.pool.finish(now, epoch);
        self.counts.processed += 1;
        if now > delivery.deadline {
            self.counts.late += 1;
        }
        let fate = if fate != Fate::CrashBeforeEffect && !self.downstream_up {
            self.counts.downstream_failures += 1;
            Fate::Error
        } else {
            fate
        };
        let key = delivery.message.key;
        let (effect, acked) = match fate {
            Fate::Success => {
                let effect = self.apply(key);
                let acked = self.broker.ack(now, delivery.tag);
                if !acked {
                    self.counts.late_acks += 1;
                }
                (effect, acked)
            }
            Fate::AckLost => {
                self.counts.acks_lost += 1;
                (self.apply(key), false)
            }
            Fate::CrashBeforeEffect => {
                self.counts.crashes += 1;
                (Effect::NotApplied, false)
            }
            Fate::Error => {
                self.counts.errors += 1;
                self.broker.nack(now, delivery.tag);
                (Effect::NotApplied, false)
            }
        };
        Processed {
            id: delivery.message.id,
            key,
            published_at: delivery.message.published_at,
            delivered_at: delivery.delivered_at,
            attempt: delivery.message.attempts,
            fate,
            effect,
            acked,
            body: delivery.message.body,
        }
    }

    fn apply(&mut self, key: u64) -> Effect {
        if let Some(store) = self.idempotency.as_mut()
            && !store.first_time(key)
        {
            return Effect::Suppressed;
        }
        self.ledger.apply(key);
        Effect::Applied
    }

    #[inline]
    fn dispatch(
        &mut self,
        now: f64,
        rng: &mut SimRng,
        schedule: &mut impl FnMut(f64, QueueEvent<M>),
    ) {
        while self.pool.can_start() {
            let Some(delivery) = self.broker.receive(now) else {
                break;
            };
            let fate = if self.poison.contains(&delivery.message.id) {
                Fate::Error
            } else if self.faults.any() {
                self.faults.fate(rng.uniform())
            } else {
                Fate::Success
            };
            let (tag, deadline) = (delivery.tag, delivery.deadline);
            if let Some(s) = self.pool.start(now, delivery, rng) {
                schedule(
                    s.done_at,
                    QueueEvent::Done {
                        delivery: s.job,
                        epoch: s.epoch,
                        fate,
                    },
                );
                schedule(deadline, QueueEvent::Deadline { tag });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::EventQueue;

    /// Runs `q` until no event is left (or `until`), returning the outcomes.
    fn drive(
        q: &mut QueueSystem<()>,
        events: &mut EventQueue<QueueEvent<()>>,
        rng: &mut SimRng,
        until: f64,
    ) -> Vec<Outcome<()>> {
        let mut out = Vec::new();
        while let Some(at) = events.peek_time() {
            if at > until {
                break;
            }
            let (now, e) = events.pop().unwrap();
            out.push(
                q.handle(now, e, rng, &mut |at, e| events.schedule_at(at, e))
                    .unwrap(),
            );
        }
        out
    }

    #[test]
    fn publish_process_ack() {
        let mut q = QueueSystem::new(1, Dist::constant(1.0).unwrap()).unwrap();
        let mut ev = EventQueue::new();
        let mut rng = SimRng::new(1);
        for key in 0..3 {
            q.publish(0.0, key, (), &mut rng, &mut |at, e| ev.schedule_at(at, e))
                .unwrap();
        }
        assert_eq!((q.broker().depth(), q.pool().busy()), (2, 1));
        let out = drive(&mut q, &mut ev, &mut rng, f64::INFINITY);
        let done: Vec<Processed<()>> = out
            .iter()
            .filter_map(|o| match o {
                Outcome::Processed(p) => Some(p.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(
            done.iter().map(|p| p.delivered_at).collect::<Vec<_>>(),
            vec![0.0, 1.0, 2.0]
        );
        assert!(
            done.iter()
                .all(|p| p.acked && p.effect == Effect::Applied && p.attempt == 1)
        );
        assert!(q.is_idle());
        let s = q.stats(3.0);
        assert_eq!((s.effects, s.duplicate_effects, s.broker.acked), (3, 0, 3));
        assert!((s.workers.utilisation() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn processing_longer_than_the_timeout_is_delivered_twice() {
        // One message, 2 workers, processing 3 s, timeout 2 s, at most 2 attempts: the
        // second worker gets it at t = 2 and both apply the effect.
        let broker = Broker::new(2.0).unwrap().with_max_attempts(2).unwrap();
        let mut q = QueueSystem::new(2, Dist::constant(3.0).unwrap())
            .unwrap()
            .with_broker(broker);
        let mut ev = EventQueue::new();
        let mut rng = SimRng::new(1);
        q.publish(0.0, 42, (), &mut rng, &mut |at, e| ev.schedule_at(at, e))
            .unwrap();
        let out = drive(&mut q, &mut ev, &mut rng, f64::INFINITY);
        assert!(out.contains(&Outcome::Requeued) && out.contains(&Outcome::DeadLettered));
        let s = q.stats(10.0);
        assert_eq!(
            (s.broker.delivered, s.effects, s.duplicate_effects),
            (2, 2, 1)
        );
        assert_eq!(
            (
                s.consumers.late,
                s.consumers.late_acks,
                s.broker.dead_lettered
            ),
            (2, 2, 1)
        );
        assert_eq!(q.ledger().times(42), 2);
    }

    #[test]
    fn idempotency_suppresses_the_second_effect() {
        let broker = Broker::new(2.0).unwrap().with_max_attempts(2).unwrap();
        let mut q = QueueSystem::new(2, Dist::constant(3.0).unwrap())
            .unwrap()
            .with_broker(broker)
            .idempotent();
        let mut ev = EventQueue::new();
        let mut rng = SimRng::new(1);
        q.publish(0.0, 42, (), &mut rng, &mut |at, e| ev.schedule_at(at, e))
            .unwrap();
        drive(&mut q, &mut ev, &mut rng, f64::INFINITY);
        let s = q.stats(10.0);
        assert_eq!(
            (
                s.broker.delivered,
                s.effects,
                s.duplicate_effects,
                s.suppressed
            ),
            (2, 1, 0, 1)
        );
    }

    #[test]
    fn an_outage_fails_the_work_in_hand_and_pauses_the_workers() {
        let mut q = QueueSystem::new(1, Dist::constant(1.0).unwrap()).unwrap();
        let mut ev = EventQueue::new();
        let mut rng = SimRng::new(1);
        q.publish(0.0, 1, (), &mut rng, &mut |at, e| ev.schedule_at(at, e))
            .unwrap();
        q.set_downstream(0.5, false, &mut rng, &mut |at, e| ev.schedule_at(at, e));
        q.publish(0.6, 2, (), &mut rng, &mut |at, e| ev.schedule_at(at, e))
            .unwrap();
        drive(&mut q, &mut ev, &mut rng, 5.0);
        assert_eq!(
            q.broker().depth(),
            2,
            "the failed message and the new one wait"
        );
        assert_eq!(q.counts().downstream_failures, 1);
        q.set_downstream(5.0, true, &mut rng, &mut |at, e| ev.schedule_at(at, e));
        drive(&mut q, &mut ev, &mut rng, f64::INFINITY);
        assert!(q.is_idle());
        assert_eq!(q.ledger().effects(), 2);
    }

    #[test]
    fn poison_needs_a_dead_letter_queue() {
        let faults = Faults::none().poison(0.5).unwrap();
        let mut q = QueueSystem::new(1, Dist::constant(1.0).unwrap())
            .unwrap()
            .with_faults(faults);
        let mut rng = SimRng::new(1);
        let e = q
            .publish(0.0, 1, (), &mut rng, &mut |_, _| {})
            .unwrap_err()
            .to_string();
        assert!(e.contains("max_attempts"), "{e}");
    }

    #[test]
    fn the_autoscaler_ticks_and_adds_workers() {
        let rule = Autoscaler::new(1, 5, 2.0)
            .unwrap()
            .interval(1.0)
            .unwrap()
            .boot_time(0.5)
            .unwrap();
        let mut q = QueueSystem::new(1, Dist::constant(10.0).unwrap())
            .unwrap()
            .with_autoscaler(rule)
            .unwrap();
        let mut ev = EventQueue::new();
        let mut rng = SimRng::new(1);
        for key in 0..8 {
            q.publish(0.0, key, (), &mut rng, &mut |at, e| ev.schedule_at(at, e))
                .unwrap();
        }
        drive(&mut q, &mut ev, &mut rng, 1.6);
        // At t = 1 the backlog is 8 → 4 workers asked for, ready at 1.5.
        assert_eq!((q.pool().workers(), q.pool().busy()), (4, 4));
    }
}
