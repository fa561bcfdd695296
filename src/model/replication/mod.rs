//! Database replication: one primary, N replicas, asynchronous replication whose lag
//! grows with the write load, a read/write-splitting router with read-your-writes
//! policies, and failover.
//!
//! # The ideas, for a working developer
//!
//! - Writes (INSERT/UPDATE/DELETE) go to the primary; reads go to replicas, so adding
//!   replicas adds read capacity — not write capacity: every replica replays every write.
//! - Replication is asynchronous: the primary acknowledges a commit before any replica
//!   has it. A replica is behind by the network delay plus its replay queue
//!   ([`Replication`]); under heavy writes the queue, and the lag, grow.
//! - A read right after a write can therefore miss it: the user saves and the page
//!   shows the old value — or, in the author's case, an event consumer told "saved"
//!   reads the replica and finds nothing. The fixes ([`ReadPolicy`]): read the primary
//!   (for the logic that must see the write), read the primary for a while after the
//!   session's write, carry the write's LSN and read only a replica that has replayed it,
//!   or wait for the replica to catch up. Each removes the session's own stale reads; they
//!   differ in how much load they put back on the primary and how long reads wait.
//! - When the primary dies, a replica is promoted after the failure is detected. The
//!   commits it never received are gone — with asynchronous replication, about
//!   `write rate × network delay` acknowledged writes. Synchronous replication loses none
//!   and makes every write wait for a replica.
//!
//! Components: [`Replication`] (the commit log and the replicas' progress) and
//! [`ReadRouter`]; closed forms in [`theory`]; experiments [`ReadWriteSplit`],
//! [`StalenessProbe`], [`EventConsumer`] and [`Failover`].

pub mod consumer;
pub mod failover;
pub mod router;
pub mod split;
pub mod staleness;
pub mod stream;
pub mod theory;

pub use consumer::{ConsumerReport, EventConsumer};
pub use failover::{Failover, FailoverReport};
pub use router::{ReadPolicy, ReadRouter, Route, Session, Target};
pub use split::{ReadWriteSplit, SplitReport};
pub use staleness::{StalenessPoint, StalenessProbe, StalenessReport};
pub use stream::{Commit, LagModel, Promotion, Replication};
