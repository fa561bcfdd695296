//! Sharding: spreading one database's rows over several databases (shards), and what
//! it costs.
//!
//! A *shard router* decides which shard holds a key ([`ShardRouter::shard_for`]): by key
//! range, by `hash(key) % N`, on a consistent-hash ring with virtual nodes, by jump
//! consistent hash, or through a directory (a lookup table of key ranges). The
//! strategies differ in what happens when a shard is added — how many keys must move
//! ([`Resharding`], [`AddShard`]) — and in how they handle key patterns: ranges keep
//! neighbours together but send sequential keys all to the last shard; hashing spreads
//! any pattern but scatters every range query over all shards.
//!
//! No strategy spreads the load of *one* key: a celebrity's shard runs hotter than the
//! others (the hot-key problem), fixed by caching the hot keys or splitting them
//! ([`ShardedStore`]). A query without the shard key goes to every shard and waits for
//! the slowest (scatter-gather, [`fan_out_percentile`]). And sharding is not
//! partitioning: partitions split a table on *one* server; shards split it over several
//! ([`Partitioning`]).
//!
//! The parts:
//! - [`ShardMap`] — validated key ranges → shards (no gap, no overlap) ([`map`]);
//! - [`ShardRouter`], [`Strategy`] — the five strategies, built on
//!   [`hashing`](crate::model::hashing) ([`router`]);
//! - [`Resharding`], [`AddShard`] — keys moved when a shard is added ([`reshard`]);
//! - [`Keys`] — uniform, Zipf and sequential key patterns ([`keys`]);
//! - [`ShardedStore`] — per-shard load, hot keys and their fixes, scatter-gather
//!   ([`load`]);
//! - [`Partitioning`] — partitioning vs sharding ([`partitioning`]).
//!
//! [`Resharding`], [`ShardedReport`] and [`PartitionReport`] implement
//! [`ToTable`](crate::report::ToTable).

mod fanout;
pub mod keys;
pub mod load;
pub mod map;
pub mod partitioning;
pub mod reshard;
pub mod router;
mod tables;

pub use fanout::ShardLoad;
pub use keys::{Keys, split_key};
pub use load::{ShardedReport, ShardedStore, fan_out_percentile};
pub use map::ShardMap;
pub use partitioning::{Layout, PartitionReport, Partitioning};
pub use reshard::{AddShard, Resharding, expected_moved_fraction, imbalance};
pub use router::{ShardRouter, Strategy};
