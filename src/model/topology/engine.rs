//! The event loop of a topology: one request's path through the tiers.

use super::report::{ComponentKind, ComponentReport, KindReport, TopologyReport};
use super::spec::Topology;
use crate::error::Result;
use crate::model::balancer::LoadBalancer;
use crate::model::cdn::{Cdn, Lookup, Served};
use crate::model::datacenter::{GeoRouter, stats_between};
use crate::model::dns::{Dns, GeoRouting, Source};
use crate::model::hashing::HashRing;
use crate::model::load::RequestKind;
use crate::model::sessions::{SessionOutcome, Sessions};
use crate::model::web::WebTier;
use crate::sim::{Admission, Arrivals, Dist, EventQueue, LatencyHistogram, SimRng, Start, Station, StationStats};

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
    kind: RequestKind,
    measured: bool,
}

/// A CDN edge's fetch from the origin.
#[derive(Debug, Clone, Copy)]
struct Fetch {
    edge: u32,
    object: u32,
    url: u32,
    entered: f64,
    measured: bool,
}

#[derive(Debug, Clone, Copy)]
enum Event {
    Arrival,
    Dispatch(Req),
    WebDone { epoch: u32, req: Req },
    DbEnter(Req),
    DbDone { epoch: u32, req: Req },
    Respond(Req),
    OriginEnter(Fetch),
    OriginDone { epoch: u32, fetch: Fetch },
    Fill { fetch: Fetch, content: u32 },
    Publish,
    Crash(usize),
    Recover(usize),
    Health(usize),
    Measure(bool),
}

/// One data center's front: balancer, web servers, sessions.
struct Site {
    region: usize,
    up: bool,
    changed_at: f64,
    lb: LoadBalancer,
    web: WebTier<Req>,
    sessions: Option<Sessions>,
    lb_comp: usize,
    web_comp: usize,
}

struct DbNode {
    station: Station<Req>,
    site: usize,
    comp: usize,
    /// The replica set it belongs to (index into `replica_sets`), if a replica.
    set: Option<usize>,
}

struct ReplicaSet {
    lb: LoadBalancer,
    nodes: Vec<usize>,
}

struct CdnState {
    cdn: Cdn<Req>,
    /// Per region, the edge that serves its users.
    edge_of: Vec<usize>,
    edge_regions: Vec<usize>,
    origin_region: usize,
    origin: Option<Station<Fetch>>,
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
    fn new(name: String, kind: ComponentKind) -> Comp {
        Comp { name, kind, latency: LatencyHistogram::new(), completed: 0, errors: 0, hits: None, start: None, station: None }
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
    ring: Option<HashRing>,
    cdn: Option<CdnState>,
    comps: Vec<Comp>,
    measuring: bool,
    requests: u64,
    latency: LatencyHistogram,
    errors: u64,
    by_kind: [KindReport; 3],
    stopped_early: Option<String>,
}

/// Runs `topo` with `seed`.
pub(super) fn run(topo: &Topology, seed: u64) -> Result<TopologyReport> {
    let mut e = Engine::new(topo, seed)?;
    e.start();
    while let Some((now, event)) = e.events.pop() {
        e.handle(now, event);
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
        let prefix = |site: usize| if multi { format!("{}/", regions.name(topo.sites[site])) } else { String::new() };
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
            let objects = usize::try_from(spec.objects.n())
                .map_err(|_| crate::Error::param("objects", spec.objects.n(), "a number of objects that fits in memory"))?;
            let edge_regions = topo.edges.clone();
            let edge_of = (0..regions.len())
                .map(|u| {
                    let near = regions.nearest(u, edge_regions.iter().copied()).expect("a CDN has at least one edge");
                    edge_regions.iter().position(|&e| e == near).expect("the nearest edge is an edge")
                })
                .collect();
            let edge_comp = comps.len();
            for &r in &edge_regions {
                let c = add(&mut comps, format!("cdn/{}", regions.name(r)), ComponentKind::CdnEdge);
                comps[c].hits = Some(0);
            }
            let origin_comp = add(&mut comps, "origin".into(), ComponentKind::Origin);
            let origin = spec.origin.server_count().map(Station::new).transpose()?;
            cdn = Some(CdnState {
                cdn: Cdn::new(edge_regions.len(), objects, spec.ttl)?.versioned_urls(spec.versioned),
                edge_of,
                edge_regions,
                origin_region: topo.sites[0],
                origin,
                origin_service: spec.origin.service(),
                updates: if spec.updates > 0.0 { Some(Arrivals::poisson(spec.updates * objects as f64)?) } else { None },
                edge_comp,
                origin_comp,
            });
        }

        let users = topo.workload.population().users();
        let mut sites = Vec::with_capacity(topo.sites.len());
        for (i, &region) in topo.sites.iter().enumerate() {
            let lb_comp = add(&mut comps, format!("{}lb", prefix(i)), ComponentKind::LoadBalancer);
            let web_comp = comps.len();
            for k in 0..topo.web_servers {
                add(&mut comps, format!("{}web-{}", prefix(i), k + 1), ComponentKind::WebServer);
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
                lb_comp,
                web_comp,
            });
        }

        let mut nodes = Vec::new();
        let mut primaries = Vec::new();
        let mut replica_sets = Vec::new();
        let mut replica_set_of = Vec::new();
        let mut ring = None;
        if let Some(db) = &topo.db {
            let sharded = db.shards > 1;
            if sharded {
                ring = Some(HashRing::new(db.shards, db.vnodes)?);
            }
            for shard in 0..db.shards {
                let shard_name = if sharded { format!("db/shard-{}", shard + 1) } else { "db".to_string() };
                let site = topo.primary_sites[shard];
                let name = if multi { format!("{}/primary ({})", shard_name, regions.name(topo.sites[site])) } else { format!("{shard_name}/primary") };
                let comp = add(&mut comps, name, ComponentKind::DbPrimary);
                primaries.push(nodes.len());
                nodes.push(DbNode { station: Station::new(db.connections)?, site, comp, set: None });
            }
            for shard in 0..db.shards {
                for site in 0..topo.sites.len() {
                    if db.replicas == 0 {
                        replica_set_of.push(None);
                        continue;
                    }
                    let shard_name = if sharded { format!("db/shard-{}", shard + 1) } else { "db".to_string() };
                    let set = replica_sets.len();
                    let mut members = Vec::with_capacity(db.replicas);
                    for k in 0..db.replicas {
                        let comp = add(&mut comps, format!("{}{}/replica-{}", prefix(site), shard_name, k + 1), ComponentKind::DbReplica);
                        members.push(nodes.len());
                        nodes.push(DbNode { station: Station::new(db.connections)?, site, comp, set: Some(set) });
                    }
                    replica_sets.push(ReplicaSet { lb: LoadBalancer::new(db.replica_policy, db.replicas)?.with_users(users), nodes: members });
                    replica_set_of.push(Some(set));
                }
            }
        }

        let router = GeoRouter::new(regions.clone(), &topo.sites)?.with_failover_delay(topo.failover_delay)?;
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
            ring,
            cdn,
            comps,
            measuring: false,
            requests: 0,
            latency: LatencyHistogram::new(),
            errors: 0,
            by_kind: Default::default(),
            stopped_early: None,
        })
    }

    fn start(&mut self) {
        self.events.schedule_at(self.topo.warmup, Event::Measure(true));
        self.events.schedule_at(self.end, Event::Measure(false));
        if let Some(first) = self.topo.workload.next_arrival(0.0, &mut self.rng) {
            self.events.schedule_at(first, Event::Arrival);
        }
        if let Some(c) = &self.cdn
            && let Some(u) = &c.updates
        {
            self.events.schedule_at(u.next(0.0, &mut self.update_rng), Event::Publish);
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
            self.events.schedule_at(o.start, Event::Crash(i));
            if o.end.is_finite() {
                self.events.schedule_at(o.end, Event::Recover(i));
            }
        }
    }

    fn handle(&mut self, now: f64, event: Event) {
        match event {
            Event::Arrival => self.arrival(now),
            Event::Dispatch(req) => self.to_web(now, req),
            Event::WebDone { epoch, req } => self.web_done(now, epoch, req),
            Event::DbEnter(req) => self.db_enter(now, req),
            Event::DbDone { epoch, req } => self.db_done(now, epoch, req),
            Event::Respond(req) => {
                let rtt = self.topo.regions.user_rtt(req.region as usize, self.sites[req.site as usize].region);
                self.respond(now, req, rtt);
            }
            Event::OriginEnter(fetch) => self.origin_enter(now, fetch),
            Event::OriginDone { epoch, fetch } => self.origin_done(now, epoch, fetch),
            Event::Fill { fetch, content } => self.fill(now, fetch, content),
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
            Event::Crash(i) => self.crash(now, self.topo.failures[i].0),
            Event::Recover(i) => {
                self.recover(now, self.topo.failures[i].0);
                self.schedule_crash(i, now);
            }
            Event::Health(site) => {
                let s = &self.sites[site];
                if now >= s.changed_at + self.topo.failover_delay {
                    let up = s.up;
                    if let Some(dns) = self.dns.as_mut() {
                        dns.geo_mut().set_healthy(site, up).expect("sites are checked when the engine is built");
                    }
                }
            }
            Event::Measure(on) => self.measure(now, on),
        }
    }

    fn arrival(&mut self, now: f64) {
        let r = self.topo.workload.request(&mut self.rng);
        let measured = self.measuring;
        let req = Req {
            sent: now,
            entered: now,
            key: r.key,
            cost: r.cost,
            user: r.user,
            region: self.topo.user_regions[r.region as usize] as u32,
            site: 0,
            slot: 0,
            node: 0,
            kind: r.kind,
            measured,
        };
        if measured {
            self.requests += 1;
            self.by_kind[r.kind.index()].requests += 1;
        }
        if r.kind == RequestKind::Static && self.cdn.is_some() {
            self.to_edge(now, req);
        } else {
            self.route(now, req);
        }
        if let Some(next) = self.topo.workload.next_arrival(now, &mut self.rng)
            && next < self.end
        {
            self.events.schedule_at(next, Event::Arrival);
        }
    }

    /// Picks the data center: by DNS (a lookup, then the request goes on) or by the
    /// geo-router.
    fn route(&mut self, now: f64, mut req: Req) {
        if let Some(dns) = self.dns.as_mut() {
            let res = dns.lookup(now, req.region as usize, &mut self.rng).expect("every region has a resolver");
            let c = &mut self.comps[self.dns_comp];
            if req.measured {
                c.completed += 1;
                c.latency.record(res.latency);
                *c.hits.as_mut().expect("the DNS counts hits") += (res.source == Source::Cache) as u64;
            }
            match res.data_center {
                Some(site) => {
                    req.site = site as u32;
                    self.events.schedule_at(now + res.latency, Event::Dispatch(req));
                }
                None => {
                    c.errors += req.measured as u64;
                    self.fail(req);
                }
            }
            return;
        }
        match self.router.route(now, req.region as usize) {
            Some(site) => {
                req.site = site as u32;
                self.to_web(now, req);
            }
            None => self.fail(req),
        }
    }

    fn to_web(&mut self, now: f64, mut req: Req) {
        let site = &mut self.sites[req.site as usize];
        let Some(server) = site.lb.pick(req.user, &mut self.rng) else {
            self.comps[site.lb_comp].errors += req.measured as u64;
            self.fail(req);
            return;
        };
        self.comps[site.lb_comp].completed += req.measured as u64;
        req.slot = server as u32;
        let mut extra = 0.0;
        if let Some(sessions) = site.sessions.as_mut() {
            let used = sessions.on_request(req.user, server, &mut self.rng);
            if used.outcome == SessionOutcome::Unavailable {
                site.lb.release(server);
                self.comps[site.web_comp + server].errors += req.measured as u64;
                self.fail(req);
                return;
            }
            extra = used.latency;
        }
        req.entered = now;
        match site.web.arrive(now, server, req, req.cost, extra) {
            Admission::Started(s) => self.events.schedule_at(s.done_at, Event::WebDone { epoch: s.epoch, req: s.job }),
            Admission::Queued => {
                if site.web.in_system(server) > self.topo.max_backlog {
                    let name = self.comps[site.web_comp + server].name.clone();
                    self.backlog(now, &name);
                }
            }
            Admission::Rejected(req) => {
                site.lb.release(server);
                self.comps[site.web_comp + server].errors += req.measured as u64;
                self.fail(req);
            }
        }
    }

    fn web_done(&mut self, now: f64, epoch: u32, req: Req) {
        let server = req.slot as usize;
        let site = &mut self.sites[req.site as usize];
        let ok = site.web.finish(now, server, epoch);
        site.lb.release(server);
        let next = site.web.start_next(now, server, |_, _| {});
        let comp = site.web_comp + server;
        if let Some(s) = next {
            self.events.schedule_at(s.done_at, Event::WebDone { epoch: s.epoch, req: s.job });
        }
        if !ok {
            self.comps[comp].errors += req.measured as u64;
            self.fail(req);
            return;
        }
        self.record(comp, req, now);
        let topo = self.topo;
        let Some(db) = &topo.db else {
            return self.respond_here(now, req);
        };
        if req.kind == RequestKind::Static {
            return self.respond_here(now, req);
        }
        let shard = self.ring.as_ref().map_or(0, |r| r.node_for(req.key) as usize);
        let mut req = req;
        let (node, query) = match req.kind {
            RequestKind::Write => (self.primaries[shard], db.write),
            _ => match self.replica_set_of[shard * self.sites.len() + req.site as usize] {
                None => (self.primaries[shard], db.read),
                Some(set) => {
                    let set = &mut self.replica_sets[set];
                    let slot = set.lb.pick(req.user, &mut self.rng).expect("replicas never leave the rotation");
                    req.slot = slot as u32;
                    (set.nodes[slot], db.read)
                }
            },
        };
        self.to_db(now, node, req, query);
    }

    /// Sends `req` to database node `node`, across regions if it is elsewhere.
    fn to_db(&mut self, now: f64, node: usize, mut req: Req, query: Dist) {
        req.node = node as u32;
        // The query's service time is drawn now, so that the draw order does not depend
        // on network delays.
        req.cost = query.sample(&mut self.rng);
        let hop = self.hop(req.site as usize, self.nodes[node].site);
        if hop > 0.0 {
            self.events.schedule_at(now + hop, Event::DbEnter(req));
        } else {
            self.db_enter(now, req);
        }
    }

    /// Half the round trip between two data centers.
    fn hop(&self, a: usize, b: usize) -> f64 {
        self.topo.regions.rtt(self.sites[a].region, self.sites[b].region) / 2.0
    }

    fn db_enter(&mut self, now: f64, mut req: Req) {
        req.entered = now;
        let n = &mut self.nodes[req.node as usize];
        match n.station.arrive(now, req, req.cost) {
            Admission::Started(s) => self.events.schedule_at(s.done_at, Event::DbDone { epoch: s.epoch, req: s.job }),
            Admission::Queued => {
                if n.station.queue_len() > self.topo.max_backlog {
                    let name = self.comps[n.comp].name.clone();
                    self.backlog(now, &name);
                }
            }
            Admission::Rejected(req) => {
                let comp = n.comp;
                if let Some(set) = n.set {
                    self.replica_sets[set].lb.release(req.slot as usize);
                }
                self.comps[comp].errors += req.measured as u64;
                self.fail(req);
            }
        }
    }

    fn db_done(&mut self, now: f64, epoch: u32, req: Req) {
        let n = &mut self.nodes[req.node as usize];
        let ok = n.station.finish(now, epoch);
        if let Some(set) = n.set {
            self.replica_sets[set].lb.release(req.slot as usize);
        }
        let comp = n.comp;
        let node_site = n.site;
        if let Some(s) = n.station.start_next(now, |_, _| {}) {
            self.schedule_db(s);
        }
        if !ok {
            self.comps[comp].errors += req.measured as u64;
            self.fail(req);
            return;
        }
        self.record(comp, req, now);
        let hop = self.hop(req.site as usize, node_site);
        if hop > 0.0 {
            self.events.schedule_at(now + hop, Event::Respond(req));
        } else {
            self.respond_here(now, req);
        }
    }

    fn schedule_db(&mut self, s: Start<Req>) {
        self.events.schedule_at(s.done_at, Event::DbDone { epoch: s.epoch, req: s.job });
    }

    fn to_edge(&mut self, now: f64, mut req: Req) {
        let c = self.cdn.as_mut().expect("static requests go to the edge only with a CDN");
        let spec = self.topo.cdn.as_ref().expect("a CDN has a spec");
        let edge = c.edge_of[req.region as usize];
        let object = spec.objects.sample(&mut self.rng) as usize;
        req.entered = now;
        match c.cdn.request(now, edge, object, req) {
            Lookup::Hit(served) => {
                let comp = c.edge_comp + edge;
                *self.comps[comp].hits.as_mut().expect("an edge counts hits") += req.measured as u64;
                self.answer_from_edge(now, edge, served);
            }
            Lookup::Miss { url } => {
                let half = self.topo.regions.rtt(c.edge_regions[edge], c.origin_region) / 2.0;
                let fetch = Fetch { edge: edge as u32, object: object as u32, url, entered: now + half, measured: self.measuring };
                self.events.schedule_at(now + half, Event::OriginEnter(fetch));
            }
            Lookup::Waiting => {}
        }
    }

    fn answer_from_edge(&mut self, now: f64, edge: usize, served: Served<Req>) {
        let c = self.cdn.as_ref().expect("an edge answer comes from a CDN");
        let comp = c.edge_comp + edge;
        let rtt = self.topo.regions.user_rtt(served.job.region as usize, c.edge_regions[edge]);
        self.record(comp, served.job, now);
        self.respond(now, served.job, rtt);
    }

    fn origin_enter(&mut self, now: f64, fetch: Fetch) {
        let c = self.cdn.as_mut().expect("fetches come from a CDN");
        let service = c.origin_service.sample(&mut self.rng);
        let Some(station) = c.origin.as_mut() else {
            self.events.schedule_at(now + service, Event::OriginDone { epoch: 0, fetch });
            return;
        };
        match station.arrive(now, fetch, service) {
            Admission::Started(s) => self.events.schedule_at(s.done_at, Event::OriginDone { epoch: s.epoch, fetch }),
            Admission::Queued => {
                if station.queue_len() > self.topo.max_backlog {
                    self.backlog(now, "origin");
                }
            }
            Admission::Rejected(_) => unreachable!("the origin's queue is unbounded and it never crashes"),
        }
    }

    fn origin_done(&mut self, now: f64, epoch: u32, fetch: Fetch) {
        let c = self.cdn.as_mut().expect("fetches come from a CDN");
        if let Some(station) = c.origin.as_mut() {
            station.finish(now, epoch);
            if let Some(s) = station.start_next(now, |_, _| {}) {
                self.events.schedule_at(s.done_at, Event::OriginDone { epoch: s.epoch, fetch: s.job });
            }
        }
        let comp = c.origin_comp;
        let content = c.cdn.origin_read(fetch.object as usize, fetch.url);
        let half = self.topo.regions.rtt(c.edge_regions[fetch.edge as usize], c.origin_region) / 2.0;
        if fetch.measured {
            let m = &mut self.comps[comp];
            m.completed += 1;
            m.latency.record(now - fetch.entered);
        }
        self.events.schedule_at(now + half, Event::Fill { fetch, content });
    }

    fn fill(&mut self, now: f64, fetch: Fetch, content: u32) {
        let c = self.cdn.as_mut().expect("fills come from a CDN");
        let edge = fetch.edge as usize;
        for served in c.cdn.fill(now, edge, fetch.object as usize, fetch.url, content) {
            self.answer_from_edge(now, edge, served);
        }
    }

    /// Records a request's time in component `comp` (from `req.entered` to `now`).
    #[inline]
    fn record(&mut self, comp: usize, req: Req, now: f64) {
        if req.measured {
            let c = &mut self.comps[comp];
            c.completed += 1;
            c.latency.record(now - req.entered);
        }
    }

    /// Answers `req` from its data center.
    fn respond_here(&mut self, now: f64, req: Req) {
        let rtt = self.topo.regions.user_rtt(req.region as usize, self.sites[req.site as usize].region);
        self.respond(now, req, rtt);
    }

    /// The user gets the answer: `rtt` is their round trip to where it came from.
    #[inline]
    fn respond(&mut self, now: f64, req: Req, rtt: f64) {
        if req.measured {
            let latency = now - req.sent + rtt;
            self.latency.record(latency);
            self.by_kind[req.kind.index()].latency.record(latency);
        }
    }

    fn fail(&mut self, req: Req) {
        if req.measured {
            self.errors += 1;
            self.by_kind[req.kind.index()].errors += 1;
        }
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
        for server in 0..s.web.len() {
            let lost = s.web.crash(now, server).expect("the server exists");
            if let Some(sessions) = s.sessions.as_mut() {
                sessions.server_crashed(server);
            }
            for req in lost {
                s.lb.release(server);
                self.comps[s.web_comp + server].errors += req.measured as u64;
                if req.measured {
                    self.errors += 1;
                    self.by_kind[req.kind.index()].errors += 1;
                }
            }
        }
        for i in 0..self.nodes.len() {
            if self.nodes[i].site != site {
                continue;
            }
            let lost = self.nodes[i].station.crash(now);
            for req in lost {
                if let Some(set) = self.nodes[i].set {
                    self.replica_sets[set].lb.release(req.slot as usize);
                }
                self.comps[self.nodes[i].comp].errors += req.measured as u64;
                self.fail(req);
            }
        }
        self.router.fail(now, site);
        if self.dns.is_some() {
            self.events.schedule_at(now + self.topo.failover_delay, Event::Health(site));
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
        self.router.recover(now, site);
        if self.dns.is_some() {
            self.events.schedule_at(now + self.topo.failover_delay, Event::Health(site));
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
            let mut total = crate::model::sessions::SessionStats::default();
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
        TopologyReport {
            duration: self.topo.duration,
            requests: self.requests,
            latency: self.latency,
            errors: self.errors,
            by_kind: self.by_kind,
            components,
            sessions,
            dns: self.dns.map(|d| d.stats()),
            stopped_early: self.stopped_early,
        }
    }
}
