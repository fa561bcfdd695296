//! The message queue and its workers: producers publish, a broker keeps the messages
//! until workers have processed them, and the two sides scale and fail independently.
//!
//! Why a queue: the web server that takes a user's request only *publishes* a job
//! ("send the receipt", "charge the card", "resize the photo") and answers at once; a
//! pool of workers does the slow work at its own pace. A burst of requests fills the
//! queue instead of slowing the web tier down; a downstream outage stops the workers but
//! not the web tier, and the queue drains when the downstream is back; the workers scale
//! with the queue's depth, separately from the web servers.
//!
//! The price is *at-least-once* delivery. A message is delivered, processed (its effect
//! is applied) and acknowledged; if the ack does not arrive in time the broker delivers
//! the message again, so an effect can be applied twice. Idempotency keys make that
//! harmless, and a dead-letter queue keeps a message that always fails from being retried
//! forever.
//!
//! The parts, each a passive component driven by the caller's clock:
//! - [`Broker`] — the queue: publish, deliver, ack / nack, visibility timeout,
//!   redelivery, dead letters ([`broker`]);
//! - [`EffectLedger`], [`IdempotencyStore`], [`Faults`] — delivery semantics made
//!   countable ([`delivery`]);
//! - [`WorkerPool`], [`Autoscaler`] — workers as a [`Station`](crate::sim::Station) of
//!   `c` servers, sized by the backlog ([`workers`]);
//! - [`QueueSystem`] — broker + workers + effects as one component for a topology
//!   ([`system`]).
//!
//! Ready-made experiments: [`WorkerQueue`] (producers → queue → workers: Erlang C,
//! backlog drain, autoscaling, an outage), [`Offload`] (a web tier with and without a
//! queue: bursts and outages) and [`Redelivery`] (at-least-once delivery, duplicates and
//! idempotency). Their reports implement [`ToTable`](crate::report::ToTable): one row
//! each, and a slice of reports is one table.

pub mod broker;
pub mod delivery;
pub mod offload;
pub mod redelivery;
pub mod system;
mod tables;
pub mod worker_queue;
pub mod workers;

pub use broker::{Broker, BrokerStats, Delivery, Message, MessageId, Returned};
pub use delivery::{Effect, EffectLedger, Fate, Faults, IdempotencyStore};
pub use offload::{Mode, Offload, OffloadReport};
pub use redelivery::{Redelivery, RedeliveryReport};
pub use system::{ConsumerCounts, Outcome, Processed, QueueEvent, QueueStats, QueueSystem};
pub use worker_queue::{WorkerQueue, WorkerQueueReport, WorkerSeries};
pub use workers::{Autoscaler, Boot, WorkerPool, drain_time_sd, expected_drain_time};

/// Messages that keep coming back: more redeliveries than this many per published
/// message (plus a margin) stop an experiment, which says why.
const RUNAWAY_REDELIVERIES_PER_MESSAGE: u64 = 20;

/// Why a run must stop because its messages are redelivered without end, if they are:
/// processing longer than the visibility timeout with unlimited attempts never settles.
fn runaway(stats: &BrokerStats, visibility_timeout: f64, now: f64) -> Option<String> {
    if stats.redelivered > RUNAWAY_REDELIVERIES_PER_MESSAGE * stats.published + 1000 {
        Some(format!(
            "stopped at t = {now:.1} s: {} redeliveries for {} messages. Processing takes longer than the \
             visibility timeout ({visibility_timeout} s) and attempts are unlimited, so messages come back \
             forever: lengthen the timeout or set max_attempts.",
            stats.redelivered, stats.published
        ))
    } else {
        None
    }
}
