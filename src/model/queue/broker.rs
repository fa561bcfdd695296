//! The broker: a queue of messages with at-least-once delivery.
//!
//! A producer [`publish`](Broker::publish)es a message; the broker keeps it until a
//! consumer confirms it is done. Handing a message to a consumer is a *delivery*: the
//! message becomes invisible to other consumers for the visibility timeout, and the
//! delivery gets a `tag` (a receipt). Then one of three things happens:
//!
//! - the consumer [`ack`](Broker::ack)s with its tag: the message is deleted;
//! - the consumer [`nack`](Broker::nack)s (it failed and says so): the message is
//!   visible again at once;
//! - nobody acks before the deadline (the consumer crashed, its ack was lost, or it is
//!   still working): at the deadline the caller calls [`expire`](Broker::expire) and the
//!   message becomes visible again, to be delivered a second time.
//!
//! That is *at-least-once* delivery: no message is lost, but one may be processed more
//! than once. After `max_attempts` deliveries a message that still has not been acked
//! goes to the dead-letter queue instead of being retried forever (a "poison" message
//! must not block the others).
//!
//! An ack with an old tag — the message timed out and was delivered again meanwhile —
//! is *stale* and deletes nothing (Amazon SQS behaves so with an old receipt handle):
//! the later delivery stays in charge. Messages that come back go to the end of the
//! queue. Like every component here the broker does not own the clock: a delivery
//! carries its `deadline`, and the caller schedules the call to `expire` then.

use std::collections::{BTreeMap, VecDeque};

use crate::error::{Result, at_least_one, positive};

/// The broker's number for a message: 0, 1, 2, ... in order of publication.
pub type MessageId = u64;

/// A message as the broker stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct Message<M> {
    /// The broker's id (unique per publication: a producer that publishes the same
    /// request twice gets two ids).
    pub id: MessageId,
    /// The producer's idempotency key: the same business operation (one payment) has the
    /// same key however often it is published or delivered.
    pub key: u64,
    /// The payload.
    pub body: M,
    /// When it was published, in seconds.
    pub published_at: f64,
    /// How many times it has been delivered so far.
    pub attempts: u32,
}

/// A message handed to a consumer.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery<M> {
    /// The receipt: pass it to [`Broker::ack`] or [`Broker::nack`].
    pub tag: u64,
    /// The message (its `attempts` counts this delivery: 1 on the first).
    pub message: Message<M>,
    /// When it was delivered.
    pub delivered_at: f64,
    /// When the visibility timeout runs out: schedule [`Broker::expire`] then.
    pub deadline: f64,
}

/// What became of a message that was not acked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    /// It is visible again and will be delivered again.
    Requeued,
    /// It used up its attempts and went to the dead-letter queue.
    DeadLettered,
    /// The delivery was already settled (acked, nacked or expired): nothing happened.
    NotInFlight,
}

/// Counts and time integrals of a broker since it was built.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct BrokerStats {
    /// Messages accepted.
    pub published: u64,
    /// Messages refused because the queue was full.
    pub rejected: u64,
    /// Deliveries made (first deliveries and redeliveries).
    pub delivered: u64,
    /// Deliveries of a message that had been delivered before.
    pub redelivered: u64,
    /// Messages acked (deleted).
    pub acked: u64,
    /// Acks that came too late: the delivery had expired (the message went back to the
    /// queue or to the dead letters) and the ack deleted nothing.
    pub stale_acks: u64,
    /// Deliveries whose visibility timeout ran out before an ack.
    pub expired: u64,
    /// Deliveries the consumer gave back (nack).
    pub nacked: u64,
    /// Messages moved to the dead-letter queue.
    pub dead_lettered: u64,
    /// The most messages waiting at once.
    pub max_depth: usize,
    /// The integral of the number of waiting messages over time.
    pub depth_area: f64,
    /// Seconds covered.
    pub elapsed: f64,
}

impl BrokerStats {
    /// The time-average number of messages waiting.
    pub fn mean_depth(&self) -> f64 {
        if self.elapsed > 0.0 {
            self.depth_area / self.elapsed
        } else {
            0.0
        }
    }
}

/// A message queue with visibility timeouts, acknowledgements, redelivery and a
/// dead-letter queue.
#[derive(Debug, Clone)]
pub struct Broker<M> {
    ready: VecDeque<Message<M>>,
    in_flight: BTreeMap<u64, Message<M>>,
    dead: Vec<Message<M>>,
    capacity: Option<usize>,
    visibility_timeout: f64,
    max_attempts: Option<u32>,
    next_id: MessageId,
    next_tag: u64,
    stats: BrokerStats,
    last_change: f64,
}

impl<M: Clone> Broker<M> {
    /// An unbounded broker whose deliveries stay invisible for `visibility_timeout` > 0
    /// seconds, retrying forever (no dead-letter queue until
    /// [`with_max_attempts`](Self::with_max_attempts)).
    pub fn new(visibility_timeout: f64) -> Result<Self> {
        Ok(Broker {
            ready: VecDeque::new(),
            in_flight: BTreeMap::new(),
            dead: Vec::new(),
            capacity: None,
            visibility_timeout: positive("visibility_timeout", visibility_timeout)?,
            max_attempts: None,
            next_id: 0,
            next_tag: 0,
            stats: BrokerStats::default(),
            last_change: 0.0,
        })
    }

    /// At most `limit` ≥ 1 messages may wait; publishing to a full queue fails (the
    /// producer must slow down or shed load). Messages coming back from a failed or
    /// expired delivery are always taken back, so the depth can exceed the limit by at
    /// most the number in flight.
    pub fn with_capacity(mut self, limit: usize) -> Result<Self> {
        self.capacity = Some(at_least_one("capacity", limit)?);
        Ok(self)
    }

    /// After `attempts` ≥ 1 deliveries without an ack a message goes to the dead-letter
    /// queue.
    pub fn with_max_attempts(mut self, attempts: u32) -> Result<Self> {
        self.max_attempts = Some(at_least_one("max_attempts", attempts as usize)? as u32);
        Ok(self)
    }

    /// The visibility timeout, in seconds.
    pub fn visibility_timeout(&self) -> f64 {
        self.visibility_timeout
    }

    /// Deliveries after which a message is dead-lettered (`None`: retried forever).
    pub fn max_attempts(&self) -> Option<u32> {
        self.max_attempts
    }

    /// Messages waiting to be delivered (the queue depth).
    pub fn depth(&self) -> usize {
        self.ready.len()
    }

    /// Messages delivered and not yet acked.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Messages the broker holds: waiting plus in flight (what a queue-depth autoscaler
    /// usually looks at).
    pub fn backlog(&self) -> usize {
        self.ready.len() + self.in_flight.len()
    }

    /// The dead-letter queue, oldest first.
    pub fn dead_letters(&self) -> &[Message<M>] {
        &self.dead
    }

    /// Publishes `body` with idempotency key `key` at `now`. Returns the message id, or
    /// `None` if the queue is full.
    pub fn publish(&mut self, now: f64, key: u64, body: M) -> Option<MessageId> {
        self.advance(now);
        if self.capacity.is_some_and(|c| self.ready.len() >= c) {
            self.stats.rejected += 1;
            return None;
        }
        let id = self.next_id;
        self.next_id += 1;
        self.stats.published += 1;
        self.ready.push_back(Message {
            id,
            key,
            body,
            published_at: now,
            attempts: 0,
        });
        self.stats.max_depth = self.stats.max_depth.max(self.ready.len());
        Some(id)
    }

    /// Delivers the oldest waiting message at `now`, if any.
    pub fn receive(&mut self, now: f64) -> Option<Delivery<M>> {
        self.advance(now);
        let mut message = self.ready.pop_front()?;
        message.attempts += 1;
        self.stats.delivered += 1;
        if message.attempts > 1 {
            self.stats.redelivered += 1;
        }
        let tag = self.next_tag;
        self.next_tag += 1;
        self.in_flight.insert(tag, message.clone());
        Some(Delivery {
            tag,
            message,
            delivered_at: now,
            deadline: now + self.visibility_timeout,
        })
    }

    /// The consumer of delivery `tag` is done: the message is deleted. Returns `false`
    /// for a stale tag (the delivery had expired; nothing is deleted).
    pub fn ack(&mut self, now: f64, tag: u64) -> bool {
        self.advance(now);
        if self.in_flight.remove(&tag).is_some() {
            self.stats.acked += 1;
            true
        } else {
            self.stats.stale_acks += 1;
            false
        }
    }

    /// The consumer of delivery `tag` failed and says so: the message is visible again
    /// at once (or dead-lettered if it has used up its attempts).
    pub fn nack(&mut self, now: f64, tag: u64) -> Returned {
        self.advance(now);
        let returned = self.give_back(tag);
        if returned != Returned::NotInFlight {
            self.stats.nacked += 1;
        }
        returned
    }

    /// The visibility timeout of delivery `tag` ran out at `now`. If the delivery was
    /// not acked, the message is visible again (or dead-lettered); otherwise nothing
    /// happens.
    pub fn expire(&mut self, now: f64, tag: u64) -> Returned {
        self.advance(now);
        let returned = self.give_back(tag);
        if returned != Returned::NotInFlight {
            self.stats.expired += 1;
        }
        returned
    }

    /// The statistics up to `now`.
    pub fn stats(&self, now: f64) -> BrokerStats {
        let mut s = self.stats;
        let dt = now - self.last_change;
        if dt > 0.0 {
            s.depth_area += self.ready.len() as f64 * dt;
            s.elapsed += dt;
        }
        s
    }

    fn give_back(&mut self, tag: u64) -> Returned {
        let Some(message) = self.in_flight.remove(&tag) else {
            return Returned::NotInFlight;
        };
        if self.max_attempts.is_some_and(|max| message.attempts >= max) {
            self.stats.dead_lettered += 1;
            self.dead.push(message);
            Returned::DeadLettered
        } else {
            self.ready.push_back(message);
            self.stats.max_depth = self.stats.max_depth.max(self.ready.len());
            Returned::Requeued
        }
    }

    #[inline]
    fn advance(&mut self, now: f64) {
        let dt = now - self.last_change;
        if dt > 0.0 {
            self.stats.depth_area += self.ready.len() as f64 * dt;
            self.stats.elapsed += dt;
            self.last_change = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deliver_ack_and_the_message_is_gone() {
        let mut b = Broker::new(10.0).unwrap();
        let id = b.publish(0.0, 7, "pay").unwrap();
        let d = b.receive(1.0).unwrap();
        assert_eq!(
            (d.message.id, d.message.key, d.message.attempts, d.deadline),
            (id, 7, 1, 11.0)
        );
        assert_eq!((b.depth(), b.in_flight()), (0, 1));
        assert!(b.ack(2.0, d.tag));
        assert_eq!(b.backlog(), 0);
        assert_eq!(
            b.expire(11.0, d.tag),
            Returned::NotInFlight,
            "an acked delivery does not expire"
        );
        let s = b.stats(11.0);
        assert_eq!(
            (s.published, s.delivered, s.acked, s.expired, s.redelivered),
            (1, 1, 1, 0, 0)
        );
        // One message waited on [0, 1).
        assert!((s.mean_depth() - 1.0 / 11.0).abs() < 1e-12);
    }

    #[test]
    fn an_unacked_delivery_comes_back_and_a_late_ack_is_stale() {
        let mut b = Broker::new(5.0).unwrap();
        b.publish(0.0, 1, ());
        let first = b.receive(0.0).unwrap();
        assert_eq!(b.expire(5.0, first.tag), Returned::Requeued);
        let second = b.receive(5.0).unwrap();
        assert_eq!(
            (second.message.attempts, second.message.id),
            (2, first.message.id)
        );
        assert_ne!(second.tag, first.tag);
        assert!(
            !b.ack(6.0, first.tag),
            "the first consumer finished late: its ack is stale"
        );
        assert_eq!(b.in_flight(), 1, "the second delivery is still in charge");
        assert!(b.ack(7.0, second.tag));
        let s = b.stats(7.0);
        assert_eq!(
            (s.delivered, s.redelivered, s.expired, s.stale_acks, s.acked),
            (2, 1, 1, 1, 1)
        );
    }

    #[test]
    fn nack_requeues_at_the_back_and_max_attempts_dead_letters() {
        let mut b = Broker::new(5.0).unwrap().with_max_attempts(2).unwrap();
        b.publish(0.0, 1, 'a');
        b.publish(0.0, 2, 'b');
        let a1 = b.receive(0.0).unwrap();
        assert_eq!(b.nack(0.5, a1.tag), Returned::Requeued);
        assert_eq!(
            b.receive(0.5).unwrap().message.body,
            'b',
            "a nacked message goes to the back"
        );
        let a2 = b.receive(0.5).unwrap();
        assert_eq!(a2.message.attempts, 2);
        assert_eq!(b.expire(5.5, a2.tag), Returned::DeadLettered);
        assert_eq!(b.dead_letters().len(), 1);
        assert_eq!(b.dead_letters()[0].body, 'a');
        assert_eq!(b.nack(6.0, a2.tag), Returned::NotInFlight);
        let s = b.stats(6.0);
        assert_eq!((s.nacked, s.expired, s.dead_lettered), (1, 1, 1));
    }

    #[test]
    fn a_full_queue_rejects() {
        let mut b = Broker::new(1.0).unwrap().with_capacity(2).unwrap();
        assert!(b.publish(0.0, 0, ()).is_some());
        assert!(b.publish(0.0, 1, ()).is_some());
        assert!(b.publish(0.0, 2, ()).is_none());
        b.receive(0.0);
        assert!(
            b.publish(0.0, 3, ()).is_some(),
            "capacity counts waiting messages"
        );
        let s = b.stats(0.0);
        assert_eq!((s.published, s.rejected, s.max_depth), (3, 1, 2));
    }

    #[test]
    fn bad_parameters_are_clear_errors() {
        assert!(
            Broker::<()>::new(0.0)
                .unwrap_err()
                .to_string()
                .contains("`visibility_timeout` = 0")
        );
        assert!(Broker::<()>::new(1.0).unwrap().with_capacity(0).is_err());
        assert!(
            Broker::<()>::new(1.0)
                .unwrap()
                .with_max_attempts(0)
                .unwrap_err()
                .to_string()
                .contains("max_attempts")
        );
    }
}
