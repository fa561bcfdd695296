//! The event loop of a topology: one request's path through the tiers.

use std::collections::VecDeque;

use super::report::{ComponentKind, ComponentReport, TopologyReport, Traffic};
use super::spec::Topology;
use crate::error::Result;
use crate::model::balancer::LoadBalancer;
use crate::model::cache::{CacheCluster, Lookup as CacheLookup, Placement, Routed};
use crate::model::cdn::{Cdn, Lookup, Served};
use crate::model::datacenter::{GeoRouter, stats_between};
use crate::model::dns::{Dns, GeoRouting, Source};
use crate::model::load::RequestKind;
use crate::model::queue::{Outcome, QueueEvent, QueueSystem};
use crate::model::replication::{LagModel, ReadRouter, Replication, Session, Target};
use crate::model::sessions::{SessionOutcome, SessionStats, Sessions};
use crate::model::web::WebTier;
use crate::sim::{
    Admission, Arrivals, Dist, EventQueue, LatencyHistogram, SimRng, Start, Station, StationStats,
    Zipf,
};

/// A request on its way through the topology.
#[derive(Debug, Clone, Copy)]
struct Req {
    /// When the user sent it.
    sent: f64,
    /// When it entered the component it is in.
    entered: f64,
    key: u64,
    cost: f64,
    user: u32,
    /// The user's region (index into the topology's regions).
    region: u32,
    /// The data center serving it.
    site: u32,
    /// The web server (then the replica slot) the balancer picked, to release it.
    slot: u32,
    /// The database node it is at.
    node: u32,
    /// The shard of its key.
    shard: u32,
    kind: RequestKind,
    measured: bool,
    /// Whether a cache missed it (the database's answer is then put in the cache).
    fill: bool,
    /// The version of its key the database returned (with a cache).
    version: u64,
}

/// A CDN edge's fetch from the origin.
#[derive(Debug, Clone, Copy)]
struct Fetch {
    edge: u32,
    object: u32,
    url: u32,
    content: u32,
    entered: f64,
    measured: bool,
}

/// Events name requests and fetches by their slot in the engine's tables, which keeps
/// the future-event list small (most of the time of a run goes to it).
#[derive(Debug, Clone, Copy)]
enum Event {
    Arrival,
    Dispatch(u32),
    WebDone { epoch: u32, id: u32 },
    DbEnter(u32),
    DbDone { epoch: u32, id: u32 },
    Reply(u32),
    CacheRetry(u32),
    OriginEnter(u32),
    OriginDone { epoch: u32, fetch: u32 },
    Fill(u32),
    Publish,
    Queue(u32),
    Crash(u32),
    Recover(u32),
    Health(u32),
    Measure(bool),
}

/// Values in numbered slots, the freed slots reused.
struct Slab<T> {
    items: Vec<T>,
    free: Vec<u32>,
}

impl<T> Slab<T> {
    fn new() -> Slab<T> {
        Slab {
            items: Vec::new(),
            free: Vec::new(),
        }
    }

    #[inline]
    fn insert(&mut self, item: T) -> u32 {
        match self.free.pop() {
            Some(id) => {
                self.items[id as usize] = item;
                id
            }
            None => {
                self.items.push(item);
                (self.items.len() - 1) as u32
            }
        }
    }

    #[inline]
    fn remove(&mut self, id: u32) {
        self.free.push(id);
    }
}

impl<T> Slab<Option<T>> {
    /// Takes the value out of slot `id` and frees it.
    fn take(&mut self, id: u32) -> Option<T> {
        self.free.push(id);
        self.items[id as usize].take()
    }
}

impl<T> std::ops::Index<u32> for Slab<T> {
    type Output = T;
    #[inline]
    fn index(&self, id: u32) -> &T {
        &self.items[id as usize]
    }
}

impl<T> std::ops::IndexMut<u32> for Slab<T> {
    #[inline]
    fn index_mut(&mut self, id: u32) -> &mut T {
        &mut self.items[id as usize]
    }
}

/// One data center's front: balancer, web servers, sessions.
struct Site {
    region: usize,
    up: bool,
    changed_at: f64,
    lb: LoadBalancer,
    web: WebTier<u32>,
    sessions: Option<Sessions>,
    queue: Option<QueueSystem<()>>,
    cache: Option<CacheCluster>,
    lb_comp: usize,
    web_comp: usize,
    queue_comp: usize,
    cache_comp: usize,
}

struct DbNode {
    station: Station<u32>,
    site: usize,
    comp: usize,
}

/// One data center's replicas of one shard: their replication stream and the router
/// that picks where each read goes.
struct ReplicaSet {
    repl: Replication,
    router: ReadRouter,
    nodes: Vec<usize>,
}

struct CdnState {
    cdn: Cdn<u32>,
    objects: Option<Zipf>,
    /// Per region, the edge that serves its users.
    edge_of: Vec<usize>,
    edge_regions: Vec<usize>,
    origin_region: usize,
    origin: Option<Station<u32>>,
    origin_service: Dist,
    updates: Option<Arrivals>,
    edge_comp: usize,
    origin_comp: usize,
}

/// A component's running measurements.
struct Comp {
    name: String,
    kind: ComponentKind,
    latency: LatencyHistogram,
    completed: u64,
    errors: u64,
    hits: Option<u64>,
    start: Option<StationStats>,
    station: Option<StationStats>,
}

impl Comp {
    /// Per-component histograms keep 2 significant digits (percentiles within 1 %):
    /// a topology has dozens of components, and histograms of 3 digits would not stay
    /// in the processor's caches. End-to-end latencies keep 3.
    fn new(name: String, kind: ComponentKind) -> Comp {
        let latency = LatencyHistogram::with_digits(2);
        Comp {
            name,
            kind,
            latency,
            completed: 0,
            errors: 0,
            hits: None,
            start: None,
            station: None,
        }
    }
}

struct Engine<'a> {
    topo: &'a Topology,
    end: f64,
    events: EventQueue<Event>,
    rng: SimRng,
    failure_rng: SimRng,
    update_rng: SimRng,
    router: GeoRouter,
    dns: Option<Dns>,
    dns_comp: usize,
    sites: Vec<Site>,
    nodes: Vec<DbNode>,
    primaries: Vec<usize>,
    replica_sets: Vec<ReplicaSet>,
    /// Per shard and data center (`shard * sites + site`), its replica set.
    replica_set_of: Vec<Option<usize>>,
    /// Per user and shard (`user * shards + shard`), the user's last write there.
    db_sessions: Vec<Session>,
    shards: usize,
    /// With a cache: the database's version of each key (bumped by every write).
    versions: Vec<u64>,
    stale_replica_reads: u64,
    stale_cache_reads: u64,
    /// Queue events waiting in the event list, with their data center.
    queue_events: Slab<Option<(usize, QueueEvent<()>)>>,
    /// Queue events a queue system just asked for.
    queue_buffer: Vec<(f64, QueueEvent<()>)>,
    /// Visibility deadlines (`Event::Queue` slots), in time order. Every delivery has one
    /// and almost all of them find their message acked long before: a queue of their own
    /// (they come in time order, as the timeout is the same for every delivery) keeps
    /// thousands of them out of the future-event list.
    deadlines: VecDeque<(f64, u32)>,
    jobs: u64,
    cdn: Option<CdnState>,
    reqs: Slab<Req>,
    fetches: Slab<Fetch>,
    comps: Vec<Comp>,
    measuring: bool,
    /// Per users' region and request kind (`slot * 3 + kind`), what the users saw; the
    /// totals per kind and per region are summed at the end.
    cells: Vec<Traffic>,
    /// Per region index, the slot of its users in `cells`.
    region_slot: Vec<usize>,
    stopped_early: Option<String>,
}

/// Runs `topo` with `seed`.
pub(super) fn run(topo: &Topology, seed: u64) -> Result<TopologyReport> {
    let mut e = Engine::new(topo, seed)?;
    e.start();
    loop {
        // The earlier of the next event and the next deadline (the event on a tie).
        let deadline = e.deadlines.front().copied();
        match (e.events.peek_time(), deadline) {
            (None, None) => break,
            (next, Some((at, slot))) if next.is_none_or(|t| at < t) => {
                e.deadlines.pop_front();
                e.handle(at, Event::Queue(slot));
            }
            _ => {
                let (now, event) = e.events.pop().expect("an event is pending");
                e.handle(now, event);
            }
        }
        if e.stopped_early.is_some() {
            break;
        }
    }
    Ok(e.finish())
}

impl<'a> Engine<'a> {
    fn new(topo: &'a Topology, seed: u64) -> Result<Engine<'a>> {
        let regions = &topo.regions;
        let multi = topo.sites.len() > 1;
        let prefix = |site: usize| {
            if multi {
                format!("{}/", regions.name(topo.sites[site]))
            } else {
                String::new()
            }
        };
        let mut comps = Vec::new();
        fn add(comps: &mut Vec<Comp>, name: String, kind: ComponentKind) -> usize {
            comps.push(Comp::new(name, kind));
            comps.len() - 1
        }

        let mut dns = None;
        let mut dns_comp = usize::MAX;
        if let Some(ttl) = topo.dns {
            let rtt: Vec<Vec<f64>> = (0..regions.len())
                .map(|u| topo.sites.iter().map(|&s| regions.user_rtt(u, s)).collect())
                .collect();
            dns = Some(Dns::new(GeoRouting::from_matrix(&rtt)?, ttl)?);
            dns_comp = add(&mut comps, "dns".into(), ComponentKind::Dns);
            comps[dns_comp].hits = Some(0);
        }

        let mut cdn = None;
        if let Some(spec) = &topo.cdn {
            let n = spec.objects.as_ref().unwrap_or(topo.workload.keys()).n();
            let objects = usize::try_from(n).map_err(|_| {
                crate::Error::param("objects", n, "a number of objects that fits in memory")
            })?;
            let edge_regions = topo.edges.clone();
            let edge_of = (0..regions.len())
                .map(|u| {
                    let near = regions
                        .nearest(u, edge_regions.iter().copied())
                        .expect("a CDN has at least one edge");
                    edge_regions
                        .iter()
                        .position(|&e| e == near)
                        .expect("the nearest edge is an edge")
                })
                .collect();
            let edge_comp = comps.len();
            for &r in &edge_regions {
                let c = add(
                    &mut comps,
                    format!("cdn/{}", regions.name(r)),
                    ComponentKind::CdnEdge,
                );
                comps[c].hits = Some(0);
            }
            let origin_comp = add(&mut comps, "origin".into(), ComponentKind::Origin);
            let origin = spec.origin.server_count().map(Station::new).transpose()?;
            cdn = Some(CdnState {
                cdn: Cdn::new(edge_regions.len(), objects, spec.ttl)?
                    .versioned_urls(spec.versioned),
                objects: spec.objects.clone(),
                edge_of,
                edge_regions,
                origin_region: topo.sites[0],
                origin,
                origin_service: spec.origin.service(),
                updates: if spec.updates > 0.0 {
                    Some(Arrivals::poisson(spec.updates * objects as f64)?)
                } else {
                    None
                },
                edge_comp,
                origin_comp,
            });
        }

        let users = topo.workload.population().users();
        let mut sites = Vec::with_capacity(topo.sites.len());
        for (i, &region) in topo.sites.iter().enumerate() {
            let lb_comp = add(
                &mut comps,
                format!("{}lb", prefix(i)),
                ComponentKind::LoadBalancer,
            );
            let web_comp = comps.len();
            for k in 0..topo.web_servers {
                add(
                    &mut comps,
                    format!("{}web-{}", prefix(i), k + 1),
                    ComponentKind::WebServer,
                );
            }
            let cache_comp = comps.len();
            let mut cache = None;
            if let Some(tier) = &topo.cache {
                let c = add(
                    &mut comps,
                    format!("{}cache", prefix(i)),
                    ComponentKind::Cache,
                );
                comps[c].hits = Some(0);
                // One server needs no ring (and skips its lookup on every request).
                let placement = if tier.nodes == 1 {
                    Placement::ModN
                } else {
                    Placement::Ring { vnodes: 64 }
                };
                cache = Some(CacheCluster::new(tier.nodes, &tier.cache, placement, 1)?);
            }
            let queue_comp = comps.len();
            if topo.queue.is_some() {
                add(
                    &mut comps,
                    format!("{}queue", prefix(i)),
                    ComponentKind::Queue,
                );
                add(
                    &mut comps,
                    format!("{}workers", prefix(i)),
                    ComponentKind::Workers,
                );
            }
            let mut web = WebTier::uniform(topo.web_servers, topo.server)?;
            if let Some(limit) = topo.queue_limit {
                web = web.with_queue_limit(limit);
            }
            sites.push(Site {
                region,
                up: true,
                changed_at: 0.0,
                lb: LoadBalancer::new(topo.policy, topo.web_servers)?.with_users(users),
                web,
                sessions: topo.sessions.map(|s| Sessions::new(s).with_users(users)),
                queue: topo.queue.clone(),
                cache,
                lb_comp,
                web_comp,
                queue_comp,
                cache_comp,
            });
        }

        let mut nodes = Vec::new();
        let mut primaries = Vec::new();
        let mut replica_sets = Vec::new();
        let mut replica_set_of = Vec::new();
        if let Some(db) = &topo.db {
            let sharded = db.shards > 1;
            for shard in 0..db.shards {
                let shard_name = if sharded {
                    format!("db/shard-{}", shard + 1)
                } else {
                    "db".to_string()
                };
                let site = topo.primary_sites[shard];
                let name = if multi {
                    format!(
                        "{}/primary ({})",
                        shard_name,
                        regions.name(topo.sites[site])
                    )
                } else {
                    format!("{shard_name}/primary")
                };
                let comp = add(&mut comps, name, ComponentKind::DbPrimary);
                primaries.push(nodes.len());
                nodes.push(DbNode {
                    station: Station::new(db.connections)?,
                    site,
                    comp,
                });
            }
            for shard in 0..db.shards {
                for site in 0..topo.sites.len() {
                    if db.replicas == 0 {
                        replica_set_of.push(None);
                        continue;
                    }
                    let shard_name = if sharded {
                        format!("db/shard-{}", shard + 1)
                    } else {
                        "db".to_string()
                    };
                    let mut members = Vec::with_capacity(db.replicas);
                    for k in 0..db.replicas {
                        let comp = add(
                            &mut comps,
                            format!("{}{}/replica-{}", prefix(site), shard_name, k + 1),
                            ComponentKind::DbReplica,
                        );
                        members.push(nodes.len());
                        nodes.push(DbNode {
                            station: Station::new(db.connections)?,
                            site,
                            comp,
                        });
                    }
                    // Replicas in another region get the log one inter-region hop later.
                    let primary_site = topo.primary_sites[shard];
                    let hop = if primary_site == site {
                        0.0
                    } else {
                        regions.rtt(topo.sites[primary_site], topo.sites[site]) / 2.0
                    };
                    let lag = LagModel::exponential(db.lag.0 + hop, db.lag.1)?;
                    replica_set_of.push(Some(replica_sets.len()));
                    replica_sets.push(ReplicaSet {
                        repl: Replication::new(db.replicas, lag),
                        router: ReadRouter::new(db.read_policy)?,
                        nodes: members,
                    });
                }
            }
        }

        let router = GeoRouter::new(regions.clone(), &topo.sites)?
            .with_failover_delay(topo.failover_delay)?;
        let replica_sets_exist = !replica_sets.is_empty();
        let shards = topo.db.as_ref().map_or(1, |db| db.shards);
        Ok(Engine {
            topo,
            end: topo.warmup + topo.duration,
            events: EventQueue::new(),
            rng: SimRng::stream(seed, 0),
            failure_rng: SimRng::stream(seed, 1),
            update_rng: SimRng::stream(seed, 2),
            router,
            dns,
            dns_comp,
            sites,
            nodes,
            primaries,
            replica_sets,
            replica_set_of,
            db_sessions: if replica_sets_exist {
                vec![Session::default(); users as usize * shards]
            } else {
                Vec::new()
            },
            shards,
            versions: match &topo.cache {
                Some(_) => vec![0; topo.workload.keys().n() as usize],
                None => Vec::new(),
            },
            stale_replica_reads: 0,
            stale_cache_reads: 0,
            queue_events: Slab::new(),
            queue_buffer: Vec::new(),
            deadlines: VecDeque::new(),
            jobs: 0,
            cdn,
            reqs: Slab::new(),
            fetches: Slab::new(),
            comps,
            measuring: false,
            cells: vec![Traffic::default(); topo.user_regions.len() * 3],
            region_slot: (0..regions.len())
                .map(|r| topo.user_regions.iter().position(|&u| u == r).unwrap_or(0))
                .collect(),
            stopped_early: None,
        })
    }

    fn start(&mut self) {
        self.events
            .schedule_at(self.topo.warmup, Event::Measure(true));
        self.events.schedule_at(self.end, Event::Measure(false));
        if let Some(first) = self.topo.workload.next_arrival(0.0, &mut self.rng) {
            self.events.schedule_at(first, Event::Arrival);
        }
        if let Some(c) = &self.cdn
            && let Some(u) = &c.updates
        {
            self.events
                .schedule_at(u.next(0.0, &mut self.update_rng), Event::Publish);
        }
        for i in 0..self.topo.failures.len() {
            self.schedule_crash(i, 0.0);
        }
    }

    /// Schedules failure model `i`'s next outage after `after`, if it starts in the run.
    fn schedule_crash(&mut self, i: usize, after: f64) {
        let topo = self.topo;
        if let Some(o) = topo.failures[i].1.next_outage(after, &mut self.failure_rng)
            && o.start < self.end
        {
            self.events.schedule_at(o.start, Event::Crash(i as u32));
            if o.end.is_finite() {
                self.events.schedule_at(o.end, Event::Recover(i as u32));
            }
        }
    }

    #[inline]
    fn handle(&mut self, now: f64, event: Event) {
        match event {
            Event::Arrival => self.arrival(now),
            Event::Dispatch(id) => self.send_to_web(now, id),
            Event::WebDone { epoch, id } => self.web_done(now, epoch, id),
            Event::DbEnter(id) => self.db_enter(now, id),
            Event::DbDone { epoch, id } => self.db_done(now, epoch, id),
            Event::Reply(id) => self.reply(now, id),
            Event::CacheRetry(id) => self.ask_cache(now, id),
            Event::OriginEnter(f) => self.origin_enter(now, f),
            Event::OriginDone { epoch, fetch } => self.origin_done(now, epoch, fetch),
            Event::Fill(f) => self.fill(now, f),
            Event::Queue(i) => self.queue_event(now, i),
            Event::Publish => {
                let c = self.cdn.as_mut().expect("updates come with a CDN");
                let object = self.update_rng.index(c.cdn.objects());
                c.cdn.publish(now, object);
                if let Some(u) = &c.updates {
                    let next = u.next(now, &mut self.update_rng);
                    if next < self.end {
                        self.events.schedule_at(next, Event::Publish);
                    }
                }
            }
            Event::Crash(i) => self.crash(now, self.topo.failures[i as usize].0),
            Event::Recover(i) => {
                self.recover(now, self.topo.failures[i as usize].0);
                self.schedule_crash(i as usize, now);
            }
            Event::Health(site) => {
                let s = &self.sites[site as usize];
                if now >= s.changed_at + self.topo.failover_delay {
                    let up = s.up;
                    if let Some(dns) = self.dns.as_mut() {
                        dns.geo_mut()
                            .set_healthy(site as usize, up)
                            .expect("sites are checked when the engine is built");
                    }
                }
            }
            Event::Measure(on) => self.measure(now, on),
        }
    }

    fn arrival(&mut self, now: f64) {
        let r = self.topo.workload.request(&mut self.rng);
        let measured = self.measuring;
        let region = self.topo.user_regions[r.region as usize];
        let req = Req {
            sent: now,
            entered: now,
            key: r.key,
            cost: r.cost,
            user: r.user,
            region: region as u32,
            site: 0,
            slot: 0,
            node: 0,
            shard: 0,
            kind: r.kind,
            measured,
            fill: false,
            version: 0,
        };
        if measured {
            self.cells[self.region_slot[region] * 3 + r.kind.index()].requests += 1;
        }
        let id = self.reqs.insert(req);
        if r.kind == RequestKind::Static && self.cdn.is_some() {
            self.send_to_edge(now, id);
        } else {
            self.route(now, id);
        }
        if let Some(next) = self.topo.workload.next_arrival(now, &mut self.rng)
            && next < self.end
        {
            self.events.schedule_at(next, Event::Arrival);
        }
    }

    /// Picks the data center: by DNS (a lookup, then the request goes on) or by the
    /// geo-router.
    fn route(&mut self, now: f64, id: u32) {
        let (region, measured) = (self.reqs[id].region as usize, self.reqs[id].measured);
        if let Some(dns) = self.dns.as_mut() {
            let res = dns
                .lookup(now, region, &mut self.rng)
                .expect("every region has a resolver");
            let c = &mut self.comps[self.dns_comp];
            if measured {
                c.completed += 1;
                c.latency.record(res.latency);
                *c.hits.as_mut().expect("the DNS counts hits") +=
                    (res.source == Source::Cache) as u64;
            }
            match res.data_center {
                Some(site) => {
                    self.reqs[id].site = site as u32;
                    self.events
                        .schedule_at(now + res.latency, Event::Dispatch(id));
                }
                None => {
                    c.errors += measured as u64;
                    self.fail(id);
                }
            }
            return;
        }
        match self.router.route(now, region) {
            Some(site) => {
                self.reqs[id].site = site as u32;
                self.send_to_web(now, id);
            }
            None => self.fail(id),
        }
    }

    fn send_to_web(&mut self, now: f64, id: u32) {
        let req = &mut self.reqs[id];
        let site = &mut self.sites[req.site as usize];
        let Some(server) = site.lb.pick(req.user, &mut self.rng) else {
            self.comps[site.lb_comp].errors += req.measured as u64;
            self.fail(id);
            return;
        };
        self.comps[site.lb_comp].completed += req.measured as u64;
        req.slot = server as u32;
        req.entered = now;
        let mut extra = 0.0;
        if let Some(sessions) = site.sessions.as_mut() {
            let used = sessions.on_request(req.user, server, &mut self.rng);
            if used.outcome == SessionOutcome::Unavailable {
                site.lb.release(server);
                self.comps[site.web_comp + server].errors += req.measured as u64;
                self.fail(id);
                return;
            }
            extra = used.latency;
        }
        match site.web.arrive(now, server, id, req.cost, extra) {
            Admission::Started(s) => self
                .events
                .schedule_at(s.done_at, Event::WebDone { epoch: s.epoch, id }),
            Admission::Queued => {
                if site.web.in_system(server) > self.topo.max_backlog {
                    let name = self.comps[site.web_comp + server].name.clone();
                    self.backlog(now, &name);
                }
            }
            Admission::Rejected(_) => {
                site.lb.release(server);
                self.comps[site.web_comp + server].errors += req.measured as u64;
                self.fail(id);
            }
        }
    }

    fn web_done(&mut self, now: f64, epoch: u32, id: u32) {
        let req = self.reqs[id];
        let server = req.slot as usize;
        let site = &mut self.sites[req.site as usize];
        let ok = site.web.finish(now, server, epoch);
        site.lb.release(server);
        let next = site.web.start_next(now, server, |_, _| {});
        let comp = site.web_comp + server;
        if let Some(s) = next {
            self.events.schedule_at(
                s.done_at,
                Event::WebDone {
                    epoch: s.epoch,
                    id: s.job,
                },
            );
        }
        if !ok {
            self.comps[comp].errors += req.measured as u64;
            self.fail(id);
            return;
        }
        self.record(comp, &req, now);
        match req.kind {
            RequestKind::Static => self.respond_here(now, id),
            _ if self.topo.db.is_none() => self.reply(now, id),
            RequestKind::Read if self.sites[req.site as usize].cache.is_some() => {
                self.ask_cache(now, id)
            }
            _ => self.query(now, now, id),
        }
    }

    /// A read asks its data center's cache; the answer comes after the lookup time.
    fn ask_cache(&mut self, now: f64, id: u32) {
        let req = self.reqs[id];
        let tier = self.topo.cache.as_ref().expect("a cache has a tier");
        let wait = tier.lookup.sample(&mut self.rng);
        let site = &mut self.sites[req.site as usize];
        let cache = site
            .cache
            .as_mut()
            .expect("reads ask the cache only with one");
        let c = &mut self.comps[site.cache_comp];
        let hit = match cache.get(req.key, now) {
            Routed::Answered {
                lookup: CacheLookup::Hit { version, .. },
                ..
            } => {
                if req.measured && version < self.versions[req.key as usize] {
                    self.stale_cache_reads += 1;
                }
                Some(true)
            }
            Routed::Answered {
                lookup: CacheLookup::Miss { .. },
                ..
            } => Some(false),
            // Another read is filling the key (leases): ask again after a lookup.
            Routed::Answered {
                lookup: CacheLookup::Wait,
                ..
            } => None,
            // The key's server is down and not yet removed: the lookup fails, the read
            // goes to the database.
            Routed::Down { .. } => {
                c.errors += req.measured as u64;
                Some(false)
            }
        };
        if req.measured {
            c.completed += 1;
            c.latency.record(wait);
            *c.hits.as_mut().expect("a cache counts hits") += (hit == Some(true)) as u64;
        }
        match hit {
            // Nothing else happens on a hit: the answer leaves after the lookup.
            Some(true) => {
                let rtt = self
                    .topo
                    .regions
                    .user_rtt(req.region as usize, self.sites[req.site as usize].region);
                self.respond(now + wait, id, rtt);
            }
            Some(false) => {
                self.reqs[id].fill = true;
                self.query(now, now + wait, id);
            }
            None => self.events.schedule_at(now + wait, Event::CacheRetry(id)),
        }
    }

    /// Sends a read or write to its database node at `at` (≥ `now`): writes to the
    /// primary of the key's shard, reads where the data center's read router says.
    fn query(&mut self, now: f64, at: f64, id: u32) {
        let req = self.reqs[id];
        let topo = self.topo;
        let db = topo.db.as_ref().expect("queries need a database");
        let shard = topo.router.as_ref().map_or(0, |r| r.shard_for(req.key));
        self.reqs[id].shard = shard as u32;
        if req.kind == RequestKind::Write {
            return self.send_to_db(now, at, self.primaries[shard], id, db.write);
        }
        let Some(set) = self.replica_set_of[shard * self.sites.len() + req.site as usize] else {
            return self.send_to_db(now, at, self.primaries[shard], id, db.read);
        };
        let set = &mut self.replica_sets[set];
        let session = self.db_sessions[req.user as usize * self.shards + shard];
        // Routed now (the replication stream is asked in time order), sent at `at` or
        // when the router says the replica has caught up, whichever is later.
        let route = set.router.route(now, &mut set.repl, &session);
        if route.stale && req.measured {
            self.stale_replica_reads += 1;
        }
        let node = match route.target {
            Target::Primary => self.primaries[shard],
            Target::Replica(i) => set.nodes[i],
        };
        self.send_to_db(now, at.max(route.start_at), node, id, db.read);
    }

    /// Sends request `id` to database node `node`, leaving at `at` (≥ `now`; later when
    /// a read waits for a replica), across regions if the node is elsewhere.
    fn send_to_db(&mut self, now: f64, at: f64, node: usize, id: u32, query: Dist) {
        // The query's time is drawn now, so that the order of draws does not depend on
        // network delays.
        let cost = query.sample(&mut self.rng);
        let req = &mut self.reqs[id];
        req.node = node as u32;
        req.cost = cost;
        let site = req.site as usize;
        let arrive = at + self.hop(site, self.nodes[node].site);
        if arrive > now {
            self.events.schedule_at(arrive, Event::DbEnter(id));
        } else {
            self.db_enter(now, id);
        }
    }

    /// Half the round trip between two data centers (0 inside one).
    #[inline]
    fn hop(&self, a: usize, b: usize) -> f64 {
        if a == b {
            0.0
        } else {
            self.topo
                .regions
                .rtt(self.sites[a].region, self.sites[b].region)
                / 2.0
        }
    }

    fn db_enter(&mut self, now: f64, id: u32) {
        let req = &mut self.reqs[id];
        req.entered = now;
        let n = &mut self.nodes[req.node as usize];
        match n.station.arrive(now, id, req.cost) {
            Admission::Started(s) => self
                .events
                .schedule_at(s.done_at, Event::DbDone { epoch: s.epoch, id }),
            Admission::Queued => {
                if n.station.queue_len() > self.topo.max_backlog {
                    let name = self.comps[n.comp].name.clone();
                    self.backlog(now, &name);
                }
            }
            Admission::Rejected(_) => {
                self.comps[n.comp].errors += req.measured as u64;
                self.fail(id);
            }
        }
    }

    fn db_done(&mut self, now: f64, epoch: u32, id: u32) {
        let req = self.reqs[id];
        let n = &mut self.nodes[req.node as usize];
        let ok = n.station.finish(now, epoch);
        let (comp, node_site) = (n.comp, n.site);
        if let Some(s) = n.station.start_next(now, |_, _| {}) {
            self.schedule_db(s);
        }
        if !ok {
            self.comps[comp].errors += req.measured as u64;
            self.fail(id);
            return;
        }
        self.record(comp, &req, now);
        match req.kind {
            RequestKind::Write => self.commit(now, id),
            // What the read returns (a replica is taken to return the latest version too:
            // its staleness is counted per session by the read router).
            _ => self.reqs[id].version = self.versions.get(req.key as usize).copied().unwrap_or(0),
        }
        let hop = self.hop(req.site as usize, node_site);
        if hop > 0.0 {
            self.events.schedule_at(now + hop, Event::Reply(id));
        } else {
            self.reply(now, id);
        }
    }

    /// The answer is ready at the web server: a write publishes its job, then the user
    /// gets the answer.
    fn reply(&mut self, now: f64, id: u32) {
        let (site, kind, key) = (
            self.reqs[id].site as usize,
            self.reqs[id].kind,
            self.reqs[id].key,
        );
        if let Some(cache) = self.sites[site].cache.as_mut() {
            match kind {
                // Look-aside: the read that missed puts what the database returned — older
                // than the database by now if a write came in between (look-aside's race:
                // the stale copy stays until its TTL).
                RequestKind::Read if self.reqs[id].fill => {
                    cache.put(key, self.reqs[id].version, now, &mut self.rng);
                }
                RequestKind::Write => cache.invalidate(key),
                _ => {}
            }
        }
        if kind == RequestKind::Write
            && let Some(q) = self.sites[site].queue.as_mut()
        {
            self.jobs += 1;
            let buffer = &mut self.queue_buffer;
            match q.publish(now, self.jobs, (), &mut self.rng, &mut |at, e| {
                buffer.push((at, e))
            }) {
                Ok(Some(_)) => {}
                // A full broker loses the job.
                Ok(None) => {
                    self.comps[self.sites[site].queue_comp].errors += self.reqs[id].measured as u64
                }
                Err(e) => {
                    self.stopped_early = Some(format!(
                        "stopped at t = {now:.1} s: the queue refused a job: {e}"
                    ))
                }
            }
            self.schedule_queue_events(site);
        }
        self.respond_here(now, id);
    }

    fn schedule_queue_events(&mut self, site: usize) {
        for (at, e) in self.queue_buffer.drain(..) {
            let in_order = self.deadlines.back().is_none_or(|&(last, _)| at >= last);
            let deadline = matches!(e, QueueEvent::Deadline { .. });
            let i = self.queue_events.insert(Some((site, e)));
            if deadline && in_order {
                self.deadlines.push_back((at, i));
            } else {
                self.events.schedule_at(at, Event::Queue(i));
            }
        }
    }

    fn queue_event(&mut self, now: f64, i: u32) {
        let (site, e) = self
            .queue_events
            .take(i)
            .expect("a queue event is handled once");
        let q = self.sites[site]
            .queue
            .as_mut()
            .expect("queue events come from a queue");
        let buffer = &mut self.queue_buffer;
        let outcome = q.handle(now, e, &mut self.rng, &mut |at, e| buffer.push((at, e)));
        let comp = self.sites[site].queue_comp;
        let measured = |t: f64| t >= self.topo.warmup && t < self.end;
        match outcome {
            Ok(Outcome::Processed(p)) if measured(p.published_at) => {
                let c = &mut self.comps[comp];
                c.completed += 1;
                c.latency.record(now - p.published_at);
                self.comps[comp + 1].completed += 1;
                self.comps[comp + 1].latency.record(now - p.delivered_at);
            }
            Ok(Outcome::DeadLettered) => self.comps[comp].errors += 1,
            Ok(_) => {}
            Err(e) => {
                self.stopped_early =
                    Some(format!("stopped at t = {now:.1} s: the queue failed: {e}"))
            }
        }
        self.schedule_queue_events(site);
    }

    fn schedule_db(&mut self, s: Start<u32>) {
        self.events.schedule_at(
            s.done_at,
            Event::DbDone {
                epoch: s.epoch,
                id: s.job,
            },
        );
    }

    fn send_to_edge(&mut self, now: f64, id: u32) {
        let c = self
            .cdn
            .as_mut()
            .expect("static requests go to the edge only with a CDN");
        let req = &mut self.reqs[id];
        let edge = c.edge_of[req.region as usize];
        let object = match &c.objects {
            Some(z) => z.sample(&mut self.rng) as usize,
            None => req.key as usize,
        };
        req.entered = now;
        match c.cdn.request(now, edge, object, id) {
            Lookup::Hit(served) => {
                if req.measured {
                    *self.comps[c.edge_comp + edge]
                        .hits
                        .as_mut()
                        .expect("an edge counts hits") += 1;
                }
                self.answer_from_edge(now, edge, served);
            }
            Lookup::Miss { url } => {
                let half = self.topo.regions.rtt(c.edge_regions[edge], c.origin_region) / 2.0;
                let fetch = Fetch {
                    edge: edge as u32,
                    object: object as u32,
                    url,
                    content: 0,
                    entered: now + half,
                    measured: self.measuring,
                };
                let f = self.fetches.insert(fetch);
                self.events.schedule_at(now + half, Event::OriginEnter(f));
            }
            Lookup::Waiting => {}
        }
    }

    fn answer_from_edge(&mut self, now: f64, edge: usize, served: Served<u32>) {
        let c = self.cdn.as_ref().expect("an edge answer comes from a CDN");
        let comp = c.edge_comp + edge;
        let req = self.reqs[served.job];
        let rtt = self
            .topo
            .regions
            .user_rtt(req.region as usize, c.edge_regions[edge]);
        self.record(comp, &req, now);
        self.respond(now, served.job, rtt);
    }

    fn origin_enter(&mut self, now: f64, f: u32) {
        let c = self.cdn.as_mut().expect("fetches come from a CDN");
        let service = c.origin_service.sample(&mut self.rng);
        let Some(station) = c.origin.as_mut() else {
            self.events
                .schedule_at(now + service, Event::OriginDone { epoch: 0, fetch: f });
            return;
        };
        match station.arrive(now, f, service) {
            Admission::Started(s) => self.events.schedule_at(
                s.done_at,
                Event::OriginDone {
                    epoch: s.epoch,
                    fetch: f,
                },
            ),
            Admission::Queued => {
                if station.queue_len() > self.topo.max_backlog {
                    self.backlog(now, "origin");
                }
            }
            Admission::Rejected(_) => {
                unreachable!("the origin's queue is unbounded and it never crashes")
            }
        }
    }

    fn origin_done(&mut self, now: f64, epoch: u32, f: u32) {
        let c = self.cdn.as_mut().expect("fetches come from a CDN");
        if let Some(station) = c.origin.as_mut() {
            station.finish(now, epoch);
            if let Some(s) = station.start_next(now, |_, _| {}) {
                self.events.schedule_at(
                    s.done_at,
                    Event::OriginDone {
                        epoch: s.epoch,
                        fetch: s.job,
                    },
                );
            }
        }
        let fetch = &mut self.fetches[f];
        fetch.content = c.cdn.origin_read(fetch.object as usize, fetch.url);
        let half = self
            .topo
            .regions
            .rtt(c.edge_regions[fetch.edge as usize], c.origin_region)
            / 2.0;
        if fetch.measured {
            let m = &mut self.comps[c.origin_comp];
            m.completed += 1;
            m.latency.record(now - fetch.entered);
        }
        self.events.schedule_at(now + half, Event::Fill(f));
    }

    fn fill(&mut self, now: f64, f: u32) {
        let fetch = self.fetches[f];
        self.fetches.remove(f);
        let c = self.cdn.as_mut().expect("fills come from a CDN");
        let edge = fetch.edge as usize;
        for served in c
            .cdn
            .fill(now, edge, fetch.object as usize, fetch.url, fetch.content)
        {
            self.answer_from_edge(now, edge, served);
        }
    }

    /// Records a request's time in component `comp` (from `req.entered` to `now`).
    #[inline]
    fn record(&mut self, comp: usize, req: &Req, now: f64) {
        if req.measured {
            let c = &mut self.comps[comp];
            c.completed += 1;
            c.latency.record(now - req.entered);
        }
    }

    /// Answers request `id` from its data center.
    fn respond_here(&mut self, now: f64, id: u32) {
        let req = &self.reqs[id];
        let rtt = self
            .topo
            .regions
            .user_rtt(req.region as usize, self.sites[req.site as usize].region);
        self.respond(now, id, rtt);
    }

    /// The answer leaves at `now` for the user: `rtt` is their round trip to where it
    /// came from.
    #[inline]
    fn respond(&mut self, now: f64, id: u32, rtt: f64) {
        let req = &self.reqs[id];
        if req.measured {
            let cell = self.region_slot[req.region as usize] * 3 + req.kind.index();
            self.cells[cell].latency.record(now - req.sent + rtt);
        }
        self.reqs.remove(id);
    }

    fn fail(&mut self, id: u32) {
        let req = &self.reqs[id];
        if req.measured {
            self.cells[self.region_slot[req.region as usize] * 3 + req.kind.index()].errors += 1;
        }
        self.reqs.remove(id);
    }

    fn backlog(&mut self, now: f64, name: &str) {
        self.stopped_early = Some(format!(
            "stopped at t = {now:.1} s: more than {} requests were waiting at {name}. \
             Its offered load is above its capacity: the queue grows without bound.",
            self.topo.max_backlog
        ));
    }

    /// Data center `site` fails: its web servers and database nodes stop, with the
    /// requests in them.
    fn crash(&mut self, now: f64, site: usize) {
        let s = &mut self.sites[site];
        s.up = false;
        s.changed_at = now;
        let mut lost = Vec::new();
        for server in 0..s.web.len() {
            for id in s.web.crash(now, server).expect("the server exists") {
                s.lb.release(server);
                self.comps[s.web_comp + server].errors += self.reqs[id].measured as u64;
                lost.push(id);
            }
            if let Some(sessions) = s.sessions.as_mut() {
                sessions.server_crashed(server);
            }
        }
        for n in self.nodes.iter_mut().filter(|n| n.site == site) {
            for id in n.station.crash(now) {
                self.comps[n.comp].errors += self.reqs[id].measured as u64;
                lost.push(id);
            }
        }
        if let Some(cache) = self.sites[site].cache.as_mut() {
            for node in 0..cache.nodes() as u32 {
                cache.fail(node).expect("the node exists");
            }
        }
        for id in lost {
            self.fail(id);
        }
        self.set_workers(now, site, false);
        self.router.fail(now, site);
        if self.dns.is_some() {
            self.events
                .schedule_at(now + self.topo.failover_delay, Event::Health(site as u32));
        }
    }

    /// A write is committed on its primary at `now`: the key's version moves on, the
    /// replicas of its shard get a log record, and the user's session remembers it.
    fn commit(&mut self, now: f64, id: u32) {
        let req = self.reqs[id];
        if let Some(v) = self.versions.get_mut(req.key as usize) {
            *v += 1;
        }
        let shard = req.shard as usize;
        let sites = self.sites.len();
        let mut last = None;
        for set in self.replica_set_of[shard * sites..(shard + 1) * sites]
            .iter()
            .flatten()
        {
            last = Some(self.replica_sets[*set].repl.commit(now, &mut self.rng));
        }
        if let Some(commit) = last {
            self.db_sessions[req.user as usize * self.shards + shard].wrote(now, &commit);
        }
    }

    /// The queue's workers in `site` stop (their work in hand fails and goes back to the
    /// queue, which keeps its messages) or start again.
    fn set_workers(&mut self, now: f64, site: usize, up: bool) {
        if let Some(q) = self.sites[site].queue.as_mut() {
            let buffer = &mut self.queue_buffer;
            q.set_downstream(now, up, &mut self.rng, &mut |at, e| buffer.push((at, e)));
            self.schedule_queue_events(site);
        }
    }

    fn recover(&mut self, now: f64, site: usize) {
        let s = &mut self.sites[site];
        s.up = true;
        s.changed_at = now;
        for server in 0..s.web.len() {
            s.web.recover(now, server).expect("the server exists");
        }
        for n in self.nodes.iter_mut().filter(|n| n.site == site) {
            n.station.recover(now);
        }
        if let Some(cache) = self.sites[site].cache.as_mut() {
            for node in 0..cache.nodes() as u32 {
                cache.recover(node).expect("the node exists");
            }
        }
        self.set_workers(now, site, true);
        self.router.recover(now, site);
        if self.dns.is_some() {
            self.events
                .schedule_at(now + self.topo.failover_delay, Event::Health(site as u32));
        }
    }

    /// Starts (`on`) or ends the measured window: snapshots every station.
    fn measure(&mut self, now: f64, on: bool) {
        let mut snapshots: Vec<(usize, StationStats)> = Vec::new();
        for s in &self.sites {
            for server in 0..s.web.len() {
                if let Some(st) = s.web.stats(server, now) {
                    snapshots.push((s.web_comp + server, st));
                }
            }
            if let Some(q) = &s.queue {
                snapshots.push((s.queue_comp + 1, q.stats(now).workers));
            }
        }
        for n in &self.nodes {
            snapshots.push((n.comp, n.station.stats(now)));
        }
        if let Some(c) = &self.cdn
            && let Some(o) = &c.origin
        {
            snapshots.push((c.origin_comp, o.stats(now)));
        }
        for (comp, st) in snapshots {
            let c = &mut self.comps[comp];
            if on {
                c.start = Some(st);
            } else if let Some(start) = &c.start {
                c.station = Some(stats_between(&st, start));
            }
        }
        self.measuring = on;
    }

    fn finish(self) -> TopologyReport {
        let components = self
            .comps
            .into_iter()
            .map(|c| ComponentReport {
                name: c.name,
                kind: c.kind,
                completed: c.completed,
                latency: c.latency,
                errors: c.errors,
                hits: c.hits,
                station: c.station,
            })
            .collect();
        let sessions = if self.topo.sessions.is_some() {
            let mut total = SessionStats::default();
            for s in self.sites.iter().filter_map(|s| s.sessions.as_ref()) {
                let st = s.stats();
                total.created += st.created;
                total.found += st.found;
                total.lost += st.lost;
                total.users_lost += st.users_lost;
                total.destroyed += st.destroyed;
                total.unavailable += st.unavailable;
            }
            Some(total)
        } else {
            None
        };
        let mut by_kind: [Traffic; 3] = Default::default();
        let mut by_region = Vec::with_capacity(self.topo.user_regions.len());
        let mut all = Traffic::default();
        for (slot, &region) in self.topo.user_regions.iter().enumerate() {
            let mut here = Traffic::default();
            for (k, kind) in by_kind.iter_mut().enumerate() {
                let cell = &self.cells[slot * 3 + k];
                kind.add(cell);
                here.add(cell);
                all.add(cell);
            }
            by_region.push((self.topo.regions.name(region).to_string(), here));
        }
        TopologyReport {
            duration: self.topo.duration,
            requests: all.requests,
            latency: all.latency,
            errors: all.errors,
            by_kind,
            by_region,
            components,
            sessions,
            dns: self.dns.map(|d| d.stats()),
            stale_replica_reads: self.stale_replica_reads,
            stale_cache_reads: self.stale_cache_reads,
            stopped_early: self.stopped_early,
        }
    }
}
