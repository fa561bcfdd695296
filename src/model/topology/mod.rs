//! The topology builder: the chapter's architecture figures as a few lines of code,
//! run as one simulation, measured per component.
//!
//! A request's path, in the order the tiers are met (each tier only if configured):
//!
//! 1. A user in some region sends it (open arrivals; the request mix says static, read
//!    or write and what it costs; keys follow a Zipf popularity).
//! 2. **Static** requests go to the user's nearest **CDN edge**; a miss fetches the
//!    object from the origin ([`crate::model::cdn`]). Without a CDN they go to the web
//!    tier like the rest.
//! 3. **DNS** (optional) resolves the site through the region's caching resolver and
//!    picks the data center ([`crate::model::dns`]); without it the geo-router picks the
//!    nearest healthy data center at once ([`crate::model::datacenter::GeoRouter`]).
//! 4. The data center's **load balancer** picks a **web server** (a queue of workers:
//!    [`crate::model::web::WebTier`]); the session is read on the way if sessions are
//!    kept ([`crate::model::sessions`]).
//! 5. The **database**: writes go to the primary of the key's shard, reads to a replica
//!    of that shard in the same data center (or the primary if there is none). A node in
//!    another region costs the inter-region round trip.
//! 6. The answer travels back: the end-to-end latency is the sum of every wait and
//!    service on the way, the DNS lookup, and the user's round trip to their data
//!    center (or edge).
//!
//! The web server finishes its own work before the database call (the worker is freed
//! while the query runs, as with asynchronous I/O), so the tiers form a network of
//! queues in series: with Poisson arrivals and exponential service each tier is an
//! M/M/c queue of its own arrival rate (Jackson's theorem), which is what
//! `tests/model_topology.rs` checks each figure against.
//!
//! A whole data center can fail ([`TopologyBuilder::data_center_failures`]): its web
//! servers and database nodes stop with the requests inside them, routing moves its
//! users after the failover delay (and, with DNS, after the resolvers' TTL), and a write
//! whose primary lives there fails until it is back.
//!
//! The figures of the chapter, each a handful of builder lines (see
//! `tests/model_topology.rs`): one server; web + database; load balancer + two web
//! servers + primary/replica; + CDN; + sharded database across data centers.
//!
//! [`TopologyReport::rows`] gives per component the throughput, p50/p99 latency,
//! utilisation, hit ratio and errors; as a table with [`ToTable`](crate::report::ToTable).

mod engine;
mod report;
mod spec;

pub use report::{ComponentKind, ComponentReport, ComponentRow, TopologyReport, Traffic};
pub use spec::{CdnSpec, Db, Topology, TopologyBuilder};

use crate::error::Result;

impl Topology {
    /// Runs the topology with `seed`.
    pub fn run(&self, seed: u64) -> Result<TopologyReport> {
        engine::run(self, seed)
    }
}
