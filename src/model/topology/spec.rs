//! The declarative side of a topology: the builder, its parts, and their validation.

use crate::error::{Error, Result, at_least_one, non_negative, positive};
use crate::model::balancer::Policy;
use crate::model::cache::Cache;
use crate::model::cdn::Origin;
use crate::model::failure::FailureModel;
use crate::model::load::{Population, RequestMix, Workload};
use crate::model::queue::QueueSystem;
use crate::model::region::Regions;
use crate::model::replication::{LagModel, ReadPolicy};
use crate::model::sessions::SessionStore;
use crate::model::sharding::ShardRouter;
use crate::model::web::ServerSpec;
use crate::sim::{Arrivals, Dist, Zipf};

/// The database tier: a primary per shard, optional read replicas in every data
/// center (fed by asynchronous replication), and the time each query takes.
#[derive(Debug, Clone)]
pub struct Db {
    pub(super) read: Dist,
    pub(super) write: Dist,
    pub(super) connections: usize,
    pub(super) replicas: usize,
    /// Replication: (ship delay inside a region, replays per second).
    pub(super) lag: (f64, f64),
    pub(super) read_policy: ReadPolicy,
    pub(super) shards: usize,
    pub(super) router: Option<ShardRouter>,
    pub(super) primary_in: Option<String>,
}

impl Db {
    /// One primary that serves reads and writes, each query taking `query` seconds on
    /// one connection: a single M/·/1 database node.
    pub fn primary(query: Dist) -> Db {
        Db {
            read: query,
            write: query,
            connections: 1,
            replicas: 0,
            lag: (0.001, 1000.0),
            read_policy: ReadPolicy::Replica,
            shards: 1,
            router: None,
            primary_in: None,
        }
    }

    /// Writes take `write` seconds (reads keep the time given to [`primary`](Self::primary)).
    pub fn writes(mut self, write: Dist) -> Db {
        self.write = write;
        self
    }

    /// Each node runs `connections` ≥ 1 queries at once (checked by
    /// [`TopologyBuilder::build`]).
    pub fn connections(mut self, connections: usize) -> Db {
        self.connections = connections;
        self
    }

    /// `n` read replicas of every shard in every data center: reads go to their data
    /// center's replicas (as the read policy says), writes to the primary.
    pub fn replicas(mut self, n: usize) -> Db {
        self.replicas = n;
        self
    }

    /// How far replicas lag behind their primary: the log reaches a replica in the
    /// primary's region `ship_delay` seconds after a commit (one inter-region hop more in
    /// another region), and a replica replays `apply_rate` records per second,
    /// exponentially ([`LagModel::exponential`]). Default 1 ms and 1 000 per second.
    /// Checked by [`TopologyBuilder::build`].
    pub fn replication(mut self, ship_delay: f64, apply_rate: f64) -> Db {
        self.lag = (ship_delay, apply_rate);
        self
    }

    /// Where reads go: any replica (default, round robin), the primary, or one of the
    /// read-your-writes policies of [`crate::model::replication::ReadPolicy`].
    pub fn read_policy(mut self, policy: ReadPolicy) -> Db {
        self.read_policy = policy;
        self
    }

    /// The keys are split over `n` ≥ 1 shards by consistent hashing (64 virtual nodes
    /// per shard); shard `s` has its primary in data center `s mod (data centers)`.
    pub fn shards(mut self, n: usize) -> Db {
        self.shards = n;
        self.router = None;
        self
    }

    /// The keys are split over the shards of `router` (by range, hash, ring, jump hash
    /// or directory: [`crate::model::sharding`]).
    pub fn sharded_by(mut self, router: ShardRouter) -> Db {
        self.shards = router.shards();
        self.router = Some(router);
        self
    }

    /// The primary (of an unsharded database) lives in the data center of the region
    /// called `region` (default: the first data center).
    pub fn primary_in(mut self, region: &str) -> Db {
        self.primary_in = Some(region.to_string());
        self
    }
}

/// The CDN in front of the static assets: edges in every region (or some), a TTL,
/// versioned URLs or not, and the origin behind them.
#[derive(Debug, Clone)]
pub struct CdnSpec {
    pub(super) ttl: f64,
    pub(super) versioned: bool,
    pub(super) objects: Option<Zipf>,
    pub(super) origin: Origin,
    pub(super) updates: f64,
    pub(super) edges: Option<Vec<String>>,
}

impl CdnSpec {
    /// Edges in every region keeping copies for `ttl` ≥ 0 seconds; a static request
    /// asks for the object named by its key (the workload's key popularity); an elastic
    /// origin taking 20 ms in the first data center's region; plain URLs; objects never
    /// change.
    pub fn new(ttl: f64) -> Result<CdnSpec> {
        Ok(CdnSpec {
            ttl: non_negative("ttl", ttl)?,
            versioned: false,
            objects: None,
            origin: Origin::elastic(Dist::constant(0.020)?),
            updates: 0.0,
            edges: None,
        })
    }

    /// Static requests ask for objects of their own popularity (fewer assets than
    /// database keys, say) instead of their key.
    pub fn objects(mut self, popularity: Zipf) -> CdnSpec {
        self.objects = Some(popularity);
        self
    }

    /// The origin behind the edges.
    pub fn origin(mut self, origin: Origin) -> CdnSpec {
        self.origin = origin;
        self
    }

    /// Versioned URLs on or off.
    pub fn versioned_urls(mut self, on: bool) -> CdnSpec {
        self.versioned = on;
        self
    }

    /// Each object gets a new version `rate` ≥ 0 times per second.
    pub fn updates(mut self, rate: f64) -> Result<CdnSpec> {
        self.updates = non_negative("rate", rate)?;
        Ok(self)
    }

    /// Edges only in the regions named; users elsewhere use the nearest edge.
    pub fn edges_in(mut self, regions: &[&str]) -> CdnSpec {
        self.edges = Some(regions.iter().map(|s| s.to_string()).collect());
        self
    }
}

/// The cache tier of each data center: look-aside (cache-aside) in front of the
/// database's reads, invalidated by the writes made in the same data center.
#[derive(Debug, Clone)]
pub struct CacheTier {
    pub(super) cache: Cache,
    pub(super) nodes: usize,
    pub(super) lookup: Dist,
}

impl CacheTier {
    /// One cache server like `cache` (capacity, eviction, TTL, ...) per data center, a
    /// lookup taking 0.5 ms.
    pub fn new(cache: Cache) -> CacheTier {
        CacheTier {
            cache,
            nodes: 1,
            lookup: Dist::constant(0.0005).expect("a valid constant"),
        }
    }

    /// `n` cache servers per data center, keys placed on a consistent-hash ring
    /// (checked by [`TopologyBuilder::build`]).
    pub fn nodes(mut self, n: usize) -> CacheTier {
        self.nodes = n;
        self
    }

    /// The time of one lookup (a network round trip to the cache server).
    pub fn lookup_time(mut self, time: Dist) -> CacheTier {
        self.lookup = time;
        self
    }
}

/// Builds a [`Topology`] part by part; [`build`](Self::build) checks that the parts fit.
#[derive(Debug, Clone)]
pub struct TopologyBuilder {
    arrivals: Option<Arrivals>,
    mix: RequestMix,
    keys: Zipf,
    users: u32,
    regions: Option<(Regions, Vec<(String, f64)>)>,
    sites: Vec<String>,
    web_servers: usize,
    server: ServerSpec,
    queue_limit: Option<usize>,
    policy: Option<Policy>,
    sessions: Option<SessionStore>,
    dns: Option<f64>,
    db: Option<Db>,
    cache: Option<CacheTier>,
    cdn: Option<CdnSpec>,
    queue: Option<QueueSystem<()>>,
    failures: Vec<(String, FailureModel)>,
    failover_delay: f64,
    duration: f64,
    warmup: f64,
    max_backlog: usize,
}

/// A validated topology: run it with [`Topology::run`].
#[derive(Debug, Clone)]
pub struct Topology {
    pub(super) workload: Workload,
    pub(super) regions: Regions,
    /// The region index of each population region.
    pub(super) user_regions: Vec<usize>,
    /// The region index of each data center.
    pub(super) sites: Vec<usize>,
    pub(super) web_servers: usize,
    pub(super) server: ServerSpec,
    pub(super) queue_limit: Option<usize>,
    pub(super) policy: Policy,
    pub(super) sessions: Option<SessionStore>,
    pub(super) dns: Option<f64>,
    pub(super) db: Option<Db>,
    /// Which shard holds a key (with more than one shard).
    pub(super) router: Option<ShardRouter>,
    /// The data center of each shard's primary.
    pub(super) primary_sites: Vec<usize>,
    pub(super) cache: Option<CacheTier>,
    pub(super) queue: Option<QueueSystem<()>>,
    pub(super) cdn: Option<CdnSpec>,
    /// The region index of each CDN edge.
    pub(super) edges: Vec<usize>,
    pub(super) failures: Vec<(usize, FailureModel)>,
    pub(super) failover_delay: f64,
    pub(super) duration: f64,
    pub(super) warmup: f64,
    pub(super) max_backlog: usize,
}

impl Default for TopologyBuilder {
    fn default() -> Self {
        TopologyBuilder {
            arrivals: None,
            mix: RequestMix::reads(Dist::exponential(0.010).expect("a positive mean")),
            keys: Zipf::new(100_000, 1.0).expect("valid Zipf parameters"),
            users: 10_000,
            regions: None,
            sites: Vec::new(),
            web_servers: 1,
            server: ServerSpec::unit(),
            queue_limit: None,
            policy: None,
            sessions: None,
            dns: None,
            db: None,
            cache: None,
            cdn: None,
            queue: None,
            failures: Vec::new(),
            failover_delay: 30.0,
            duration: 60.0,
            warmup: 5.0,
            max_backlog: 1_000_000,
        }
    }
}

impl Topology {
    /// An empty builder: one region, one data center with one web server, reads of
    /// exponential cost (mean 10 ms); add users with [`TopologyBuilder::users`].
    pub fn builder() -> TopologyBuilder {
        TopologyBuilder::default()
    }

    /// The workload (users, request mix, key popularity).
    pub fn workload(&self) -> &Workload {
        &self.workload
    }

    /// The regions.
    pub fn regions(&self) -> &Regions {
        &self.regions
    }

    /// The measured time, in seconds.
    pub fn duration(&self) -> f64 {
        self.duration
    }
}

impl TopologyBuilder {
    /// Users arriving as `arrivals` (open traffic: they do not wait for each other).
    pub fn users(mut self, arrivals: Arrivals) -> Self {
        self.arrivals = Some(arrivals);
        self
    }

    /// What they ask for: the shares of static, read and write requests, and what each
    /// costs a web server (seconds at speed 1).
    pub fn mix(mut self, mix: RequestMix) -> Self {
        self.mix = mix;
        self
    }

    /// Which keys they ask for (reads and writes; default Zipf(α = 1) over 100 000 keys).
    pub fn keys(mut self, keys: Zipf) -> Self {
        self.keys = keys;
        self
    }

    /// How many distinct users there are (default 10 000: what sticky sessions pin).
    pub fn user_count(mut self, users: u32) -> Self {
        self.users = users;
        self
    }

    /// The users live in `regions`, in the named ones with the given shares (the shares
    /// are normalised). Without this: one region, no network delay.
    pub fn regions(mut self, regions: Regions, shares: &[(&str, f64)]) -> Self {
        self.regions = Some((
            regions,
            shares.iter().map(|&(n, s)| (n.to_string(), s)).collect(),
        ));
        self
    }

    /// Data centers in the regions named (default: one, in the first users' region).
    /// Each has the web tier, its replicas and its share of the shards.
    pub fn data_centers(mut self, regions: &[&str]) -> Self {
        self.sites = regions.iter().map(|s| s.to_string()).collect();
        self
    }

    /// `n` web servers of size `spec` in each data center (default 1, [`ServerSpec::unit`]).
    pub fn web_servers(mut self, n: usize, spec: ServerSpec) -> Self {
        self.web_servers = n;
        self.server = spec;
        self
    }

    /// At most `limit` requests wait at each web server; more are errors.
    pub fn web_queue_limit(mut self, limit: usize) -> Self {
        self.queue_limit = Some(limit);
        self
    }

    /// A load balancer with `policy` in front of each data center's web servers
    /// (needed with more than one).
    pub fn load_balancer(mut self, policy: Policy) -> Self {
        self.policy = Some(policy);
        self
    }

    /// Where sessions live (default: nowhere, no session is read).
    pub fn sessions(mut self, store: SessionStore) -> Self {
        self.sessions = Some(store);
        self
    }

    /// Users look the site up in DNS first (resolvers cache the answer for `ttl`
    /// seconds); the answer picks their data center.
    pub fn dns(mut self, ttl: f64) -> Self {
        self.dns = Some(ttl);
        self
    }

    /// The database.
    pub fn database(mut self, db: Db) -> Self {
        self.db = Some(db);
        self
    }

    /// A cache in front of the database's reads (look-aside): a read asks the cache
    /// first and goes to the database only on a miss, then puts what it read; a write
    /// deletes the key from its data center's cache. Other data centers' caches keep
    /// their copy until its TTL: their reads of it are stale meanwhile.
    pub fn cache(mut self, cache: CacheTier) -> Self {
        self.cache = Some(cache);
        self
    }

    /// A CDN serves the static requests.
    pub fn cdn(mut self, cdn: CdnSpec) -> Self {
        self.cdn = Some(cdn);
        self
    }

    /// Every write publishes a job to a message queue once the database has it, and the
    /// queue's workers process it later (the user does not wait for them). Each data
    /// center gets its own copy of `queue` (broker and workers).
    pub fn queue(mut self, queue: QueueSystem<()>) -> Self {
        self.queue = Some(queue);
        self
    }

    /// The data center in the region called `region` fails as `model` says: everything
    /// in it stops, and routing moves its users `failover_delay` seconds later.
    pub fn data_center_failures(mut self, region: &str, model: FailureModel) -> Self {
        self.failures.push((region.to_string(), model));
        self
    }

    /// How long health checks take to notice a data center is down (or back), in
    /// seconds (default 30).
    pub fn failover_delay(mut self, seconds: f64) -> Self {
        self.failover_delay = seconds;
        self
    }

    /// Measures `seconds` of traffic (default 60).
    pub fn duration(mut self, seconds: f64) -> Self {
        self.duration = seconds;
        self
    }

    /// Runs `seconds` before measuring (default 5).
    pub fn warmup(mut self, seconds: f64) -> Self {
        self.warmup = seconds;
        self
    }

    /// Stops (and says so) once more than `n` requests wait at one component: the guard
    /// against an overloaded tier filling memory. Default 1 000 000.
    pub fn max_backlog(mut self, n: usize) -> Self {
        self.max_backlog = n;
        self
    }

    /// Checks the parts and their fit, and returns the topology.
    pub fn build(self) -> Result<Topology> {
        let arrivals = self.arrivals.ok_or_else(|| {
            Error::InvalidConfig("no users: add `.users(Arrivals::poisson(rate)?)`".into())
        })?;
        at_least_one("user_count", self.users as usize)?;
        let (regions, shares) = match self.regions {
            Some((r, shares)) => (r, shares),
            None => (Regions::single("all", 0.0)?, vec![("all".to_string(), 1.0)]),
        };
        let share_refs: Vec<(&str, f64)> = shares.iter().map(|(n, s)| (n.as_str(), *s)).collect();
        let population = Population::in_regions(self.users, &share_refs)?;
        let mut user_regions = Vec::with_capacity(shares.len());
        for (name, _) in &shares {
            let r = regions.index(name)?;
            if user_regions.contains(&r) {
                return Err(Error::InvalidConfig(format!(
                    "the users' region `{name}` is listed twice"
                )));
            }
            user_regions.push(r);
        }
        let workload = Workload::open(arrivals, self.mix)?
            .with_population(population)
            .with_keys(self.keys);

        let mut sites = Vec::new();
        for name in &self.sites {
            let r = regions.index(name)?;
            if sites.contains(&r) {
                return Err(Error::InvalidConfig(format!(
                    "two data centers in `{name}`: one per region"
                )));
            }
            sites.push(r);
        }
        if sites.is_empty() {
            sites.push(user_regions[0]);
        }
        let site_of = |name: &str, what: &str| -> Result<usize> {
            let r = regions.index(name)?;
            sites.iter().position(|&s| s == r).ok_or_else(|| {
                Error::InvalidConfig(format!(
                    "{what} `{name}` has no data center: add it to `.data_centers(...)`"
                ))
            })
        };

        at_least_one("web_servers", self.web_servers)?;
        let policy = match self.policy {
            Some(p) => p,
            None if self.web_servers == 1 => Policy::RoundRobin,
            None => {
                return Err(Error::InvalidConfig(format!(
                    "{} web servers per data center need a load balancer: add `.load_balancer(Policy::...)`",
                    self.web_servers
                )));
            }
        };
        if let Some(ttl) = self.dns {
            non_negative("dns ttl", ttl)?;
        }

        let mut primary_sites = Vec::new();
        let mut router = None;
        if let Some(db) = &self.db {
            at_least_one("connections", db.connections)?;
            at_least_one("shards", db.shards)?;
            db.read_policy.validate()?;
            LagModel::exponential(db.lag.0, db.lag.1)?;
            router = match &db.router {
                Some(r) => Some(r.clone()),
                None if db.shards > 1 => Some(ShardRouter::consistent(db.shards, 64)?),
                None => None,
            };
            let first = match &db.primary_in {
                Some(name) => site_of(name, "the database primary's region")?,
                None => 0,
            };
            primary_sites = (0..db.shards).map(|s| (first + s) % sites.len()).collect();
        }

        if let Some(c) = &self.cache {
            at_least_one("cache nodes", c.nodes)?;
            if self.db.is_none() {
                return Err(Error::InvalidConfig(
                    "a cache needs a database behind it: add `.database(...)`".into(),
                ));
            }
            if workload.keys().n() > 1 << 27 {
                return Err(Error::param(
                    "keys",
                    workload.keys().n(),
                    "at most 2^27 with a cache (a version is kept per key)",
                ));
            }
        }

        let mut edges = Vec::new();
        if let Some(cdn) = &self.cdn {
            match &cdn.edges {
                Some(names) if names.is_empty() => {
                    return Err(Error::param(
                        "edges",
                        "[]",
                        "at least one region (or no `.cdn(...)`)",
                    ));
                }
                Some(names) => {
                    for name in names {
                        let r = regions.index(name)?;
                        if !edges.contains(&r) {
                            edges.push(r);
                        }
                    }
                    edges.sort_unstable();
                }
                None => edges = (0..regions.len()).collect(),
            }
        }

        let mut failures = Vec::with_capacity(self.failures.len());
        for (name, model) in self.failures {
            failures.push((site_of(&name, "the failing data center")?, model));
        }
        Ok(Topology {
            workload,
            regions,
            user_regions,
            sites,
            web_servers: self.web_servers,
            server: self.server,
            queue_limit: self.queue_limit,
            policy,
            sessions: self.sessions,
            dns: self.dns,
            db: self.db,
            router,
            primary_sites,
            cache: self.cache,
            queue: self.queue,
            cdn: self.cdn,
            edges,
            failures,
            failover_delay: non_negative("failover_delay", self.failover_delay)?,
            duration: positive("duration", self.duration)?,
            warmup: non_negative("warmup", self.warmup)?,
            max_backlog: at_least_one("max_backlog", self.max_backlog)?,
        })
    }
}
