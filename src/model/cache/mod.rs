//! The cache tier: a cache server ([`Cache`]), a cluster of them placed by consistent
//! hashing ([`CacheCluster`]), the closed forms they are checked against ([`theory`]),
//! and ready-made experiments for the cache lesson.
//!
//! # The ideas, for a working developer
//!
//! - **Look-aside (cache-aside)**: the application asks the cache; on a miss it reads the
//!   database and puts the value in the cache. On a write it updates the database and
//!   deletes the cached key, so the next read fetches the new value. **Read-through** is
//!   the same flow moved inside a caching library, which can also make concurrent misses
//!   on one key wait for a single load. **Write-through** writes the cache and the database
//!   together; **write-back** writes only the cache and flushes to the database later
//!   (fast, fewer database writes, but the writes not yet flushed are lost if the cache
//!   server dies); **write-around** writes only the database and lets the TTL bound how
//!   long the cache serves the old value.
//! - **Eviction** decides what a full cache gives up: LRU (least recently used), LFU
//!   (least frequently used), FIFO or random. Under a skewed (Zipf) popularity LFU keeps
//!   the most popular keys, LRU nearly as well, FIFO and random less well; for Zipf
//!   exponents near 1 the hit ratio grows roughly with the logarithm of the size, so the
//!   first megabytes matter most.
//! - **TTL** bounds how long a value may be served without asking the database: a longer
//!   TTL means more hits and fewer database reads, but staler data when writes don't
//!   invalidate. [`theory::ttl_for_stale_fraction`] picks a TTL from a staleness budget.
//! - **Stampede**: when a hot key expires, every request that arrives before the refill
//!   misses and goes to the database. Cures: leases / request coalescing (one request
//!   fills, the others wait), TTL jitter (keys filled together don't expire together),
//!   and early refresh (renew the key shortly before it expires).
//! - **Leases** also fix the classic look-aside race: a reader misses and reads the old
//!   value, a writer updates the database and deletes the key, then the reader puts the
//!   old value back — stale until the TTL. A delete voids the reader's lease, so its put
//!   is refused (the memcache paper from the author's notes).
//!
//! Keys are `u64` (dense keys `0..n`, as `Zipf` draws them, are indexed by a vector).
//! Values are *versions*: the database numbers the writes of each key, so a read that
//! returns an older version than the database holds is a stale read.

pub mod cluster;
pub mod node;
pub mod store;
pub mod theory;

pub mod failure;
pub mod hit_ratio;
pub mod stampede;
pub mod ttl;
pub mod writes;

pub use cluster::{CacheCluster, Placement, Routed};
pub use failure::{NodeFailure, NodeFailureReport};
pub use hit_ratio::{HitRatio, HitRatioPoint};
pub use node::{Cache, CacheStats, Evicted, Lease, Lookup, Put};
pub use stampede::{Cure, Stampede, StampedeReport};
pub use store::Eviction;
pub use ttl::{TtlPoint, TtlTradeoff};
pub use writes::{ReadPath, Strategy, WritePath, WriteStrategies, WriteStrategyReport};

/// The most keys an experiment that keeps state per key accepts.
pub const MAX_KEYS: u64 = 10_000_000;

/// `keys` if it is in 1..=[`MAX_KEYS`].
fn check_keys(keys: u64) -> crate::Result<u64> {
    if (1..=MAX_KEYS).contains(&keys) {
        Ok(keys)
    } else {
        Err(crate::Error::param(
            "keys",
            keys,
            format!("between 1 and {MAX_KEYS} (the experiment keeps state per key)"),
        ))
    }
}
