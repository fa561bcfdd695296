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
//! 5. The **database**: writes go to the primary of the key's shard (the shard router of
//!    [`crate::model::sharding`]), reads to a replica of that shard in the same data
//!    center (or the primary if there is none). A node in another region costs the
//!    inter-region round trip.
//! 6. A write then publishes a job to the data center's **message queue**
//!    ([`crate::model::queue::QueueSystem`]); its workers process it later, and the user
//!    does not wait for them.
//! 7. The answer travels back: the end-to-end latency is the sum of every wait and
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
//! servers and database nodes stop with the requests inside them, its queue's workers
//! stop (the queue keeps its messages until they are back), routing moves its users
//! after the failover delay (and, with DNS, after the resolvers' TTL), and a write whose
//! primary lives there fails until it is back.
//!
//! The figures of the chapter, each a handful of builder lines (see
//! `tests/model_topology.rs`): one server; web + database; load balancer + two web
//! servers + primary/replica; + CDN; + queue and workers; + sharded database across
//! data centers.
//!
//! [`TopologyReport::rows`] gives per component the throughput, p50/p99 latency,
//! utilisation, hit ratio and errors; as a table with [`ToTable`](crate::report::ToTable).

mod engine;
mod report;
mod spec;

pub use report::{ComponentKind, ComponentReport, ComponentRow, TopologyReport, Traffic};
pub use spec::{CacheTier, CdnSpec, Db, Topology, TopologyBuilder};

use crate::error::Result;

impl Topology {
    /// Runs the topology with `seed`.
    pub fn run(&self, seed: u64) -> Result<TopologyReport> {
        engine::run(self, seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::balancer::Policy;
    use crate::model::cache::{Cache, Eviction};
    use crate::model::failure::FailureModel;
    use crate::model::load::{RequestKind, RequestMix};
    use crate::model::region::Regions;
    use crate::model::replication::ReadPolicy;
    use crate::model::sessions::SessionStore;
    use crate::model::web::ServerSpec;
    use crate::sim::{Arrivals, Dist};

    fn users() -> TopologyBuilder {
        Topology::builder()
            .users(Arrivals::poisson(100.0).unwrap())
            .duration(20.0)
            .warmup(1.0)
    }

    fn two_regions() -> TopologyBuilder {
        let regions = Regions::new(
            &["east", "west"],
            &[0.01, 0.01],
            &[[0.0, 0.07], [0.07, 0.0]],
        )
        .unwrap();
        users()
            .regions(regions, &[("east", 0.5), ("west", 0.5)])
            .data_centers(&["east", "west"])
    }

    fn error(b: TopologyBuilder) -> String {
        b.build().unwrap_err().to_string()
    }

    #[test]
    fn bad_topologies_are_clear_errors() {
        assert!(error(Topology::builder()).contains("no users"));
        assert!(error(users().web_servers(2, ServerSpec::unit())).contains("need a load balancer"));
        assert!(error(users().web_servers(0, ServerSpec::unit())).contains("`web_servers` = 0"));
        assert!(error(users().regions(Regions::world(), &[("mars", 1.0)])).contains("`mars`"));
        assert!(
            error(users().regions(Regions::world(), &[("seoul", 1.0), ("seoul", 1.0)]))
                .contains("twice")
        );
        assert!(error(two_regions().data_centers(&["east", "east"])).contains("one per region"));
        assert!(
            error(
                two_regions()
                    .data_centers(&["east"])
                    .data_center_failures("west", FailureModel::never())
            )
            .contains("no data center")
        );
        assert!(
            error(
                two_regions()
                    .database(Db::primary(Dist::constant(0.001).unwrap()).primary_in("north"))
            )
            .contains("`north`")
        );
        assert!(
            error(users().database(Db::primary(Dist::constant(0.001).unwrap()).shards(0)))
                .contains("`shards` = 0")
        );
        assert!(
            error(users().database(Db::primary(Dist::constant(0.001).unwrap()).connections(0)))
                .contains("`connections`")
        );
        assert!(error(users().cdn(CdnSpec::new(1.0).unwrap().edges_in(&[]))).contains("`edges`"));
        assert!(error(users().duration(0.0)).contains("`duration`"));
        assert!(error(users().failover_delay(-1.0)).contains("`failover_delay`"));
        assert!(error(users().dns(-1.0)).contains("`dns ttl`"));
        assert!(
            CdnSpec::new(-1.0).is_err() && CdnSpec::new(1.0).unwrap().updates(f64::NAN).is_err()
        );
    }

    #[test]
    fn an_overloaded_server_stops_the_run_and_says_where() {
        let r = users()
            .mix(RequestMix::reads(Dist::constant(0.02).unwrap()))
            .max_backlog(500)
            .build()
            .unwrap()
            .run(1)
            .unwrap();
        let why = r.stopped_early.expect("twice the capacity must stop");
        assert!(
            why.contains("more than 500 requests were waiting at web-1"),
            "{why}"
        );
    }

    #[test]
    fn dns_caching_makes_a_failover_slower() {
        // East dies at 5 s for good; health checks notice after 2 s. Without DNS the
        // router moves users then; with resolvers caching for 10 s some keep being sent
        // to the dead site for up to 10 s more.
        let base = || {
            two_regions()
                .data_center_failures("east", FailureModel::crash_at(5.0).unwrap())
                .failover_delay(2.0)
        };
        let direct = base().build().unwrap().run(3).unwrap();
        let cached = base().dns(10.0).build().unwrap().run(3).unwrap();
        let east = |r: &TopologyReport| r.region("east").unwrap().errors;
        // About 50 requests/s from east: 2 s of errors without DNS, 2–12 s with.
        assert!((50..=160).contains(&east(&direct)), "{}", east(&direct));
        assert!(
            east(&cached) > east(&direct) + 100,
            "{} vs {}",
            east(&cached),
            east(&direct)
        );
        assert_eq!(direct.region("west").unwrap().errors, 0);
        let dns = cached.dns.expect("DNS counts");
        assert!(dns.lookups > 0 && dns.authoritative > 0);
        assert!(direct.dns.is_none());
    }

    #[test]
    fn sticky_sessions_in_memory_die_with_their_data_center() {
        let t = two_regions()
            .mix(
                RequestMix::new(&[(RequestKind::Read, 1.0, Dist::exponential(0.002).unwrap())])
                    .unwrap(),
            )
            .user_count(500)
            .web_servers(2, ServerSpec::unit())
            .load_balancer(Policy::Sticky)
            .sessions(SessionStore::InMemory)
            .data_center_failures("west", FailureModel::outage(8.0, 4.0).unwrap())
            .failover_delay(1.0);
        let r = t.build().unwrap().run(5).unwrap();
        let s = r.sessions.expect("sessions are kept");
        assert!(s.destroyed > 0, "{s:?}");
        assert!(
            s.lost > 0,
            "west users moved to east lost their sessions: {s:?}"
        );
        let calm = two_regions()
            .web_servers(2, ServerSpec::unit())
            .load_balancer(Policy::Sticky)
            .sessions(SessionStore::InMemory)
            .user_count(500)
            .build()
            .unwrap()
            .run(5)
            .unwrap();
        assert_eq!(
            calm.sessions.unwrap().lost,
            0,
            "sticky routing keeps every user on their server"
        );
    }

    #[test]
    fn static_requests_without_a_cdn_go_to_the_web_tier() {
        let mix = RequestMix::new(&[
            (RequestKind::Static, 0.5, Dist::constant(0.001).unwrap()),
            (RequestKind::Read, 0.5, Dist::constant(0.001).unwrap()),
        ])
        .unwrap();
        let r = users().mix(mix.clone()).build().unwrap().run(1).unwrap();
        assert_eq!(r.component("web-1").unwrap().completed, r.requests);
        let with = users()
            .mix(mix)
            .cdn(CdnSpec::new(60.0).unwrap())
            .build()
            .unwrap()
            .run(1)
            .unwrap();
        let statics = with.kind(RequestKind::Static).requests;
        assert_eq!(
            with.component("web-1").unwrap().completed + statics,
            with.requests
        );
        assert_eq!(with.component("cdn/all").unwrap().completed, statics);
    }

    fn reads_and_writes() -> RequestMix {
        let cost = Dist::exponential(0.002).unwrap();
        RequestMix::new(&[
            (RequestKind::Read, 0.7, cost),
            (RequestKind::Write, 0.3, cost),
        ])
        .unwrap()
    }

    #[test]
    fn caches_of_other_data_centers_serve_stale_copies_until_their_ttl() {
        // Few hot keys, written often: east's writes delete east's copies only, so west
        // keeps serving the old version until its TTL runs out.
        let t = |ttl: f64| {
            two_regions()
                .mix(reads_and_writes())
                .keys(crate::sim::Zipf::new(20, 1.0).unwrap())
                .database(Db::primary(Dist::exponential(0.001).unwrap()))
                .cache(CacheTier::new(
                    Cache::new(100, Eviction::Lru).unwrap().ttl(ttl).unwrap(),
                ))
                .build()
                .unwrap()
                .run(2)
                .unwrap()
        };
        let (short, long) = (t(0.05), t(5.0));
        assert!(
            long.stale_cache_reads > 3 * short.stale_cache_reads.max(1),
            "{} vs {}",
            long.stale_cache_reads,
            short.stale_cache_reads
        );
        let hits = |r: &TopologyReport| r.component("east/cache").unwrap().hits.unwrap();
        assert!(hits(&long) > hits(&short), "a longer TTL hits more");
        let one_site = users()
            .mix(reads_and_writes())
            .keys(crate::sim::Zipf::new(20, 1.0).unwrap())
            .database(Db::primary(Dist::exponential(0.001).unwrap()))
            .cache(CacheTier::new(
                Cache::new(100, Eviction::Lru).unwrap().ttl(5.0).unwrap(),
            ))
            .build()
            .unwrap()
            .run(2)
            .unwrap();
        // In one data center every write deletes the copy: only look-aside's race (a
        // write between a read's query and its put) leaves a stale copy behind.
        assert!(
            one_site.stale_cache_reads * 20 < long.stale_cache_reads,
            "{} vs {}",
            one_site.stale_cache_reads,
            long.stale_cache_reads
        );
        assert!(
            error(users().cache(CacheTier::new(Cache::new(10, Eviction::Lru).unwrap())))
                .contains("needs a database")
        );
    }

    #[test]
    fn read_policies_decide_who_reads_their_own_writes() {
        // Replicas 50 ms behind: reading them right after one's own write misses it;
        // reading the primary after a write (for longer than the lag) does not.
        let t = |policy: ReadPolicy| {
            users()
                .mix(reads_and_writes())
                .user_count(50)
                .database(
                    Db::primary(Dist::exponential(0.001).unwrap())
                        .replicas(2)
                        .replication(0.050, 1000.0)
                        .read_policy(policy),
                )
                .build()
                .unwrap()
                .run(4)
                .unwrap()
        };
        let replica = t(ReadPolicy::Replica);
        let after_write = t(ReadPolicy::PrimaryAfterWrite { window: 1.0 });
        let primary = |r: &TopologyReport| r.component("db/primary").unwrap().completed;
        assert!(
            replica.stale_replica_reads > 20,
            "{}",
            replica.stale_replica_reads
        );
        assert_eq!(after_write.stale_replica_reads, 0);
        assert!(
            primary(&after_write) > primary(&replica),
            "the fix reads the primary more"
        );
        assert!(
            error(
                users()
                    .database(Db::primary(Dist::constant(0.001).unwrap()).replication(-1.0, 10.0))
            )
            .contains("ship_delay")
        );
    }
}
