//! A CDN: an edge cache in each region, in front of one origin (S3, a web server).
//!
//! A user's request for a static object (an image, a script, the "code JSON" of the
//! author's notes) goes to the nearest edge. If the edge holds a fresh copy, it answers
//! from there: a **hit**, one short round trip. Otherwise it is a **miss**: the edge
//! fetches the object from the origin, possibly across an ocean, caches the copy for
//! the TTL, and answers. Requests that arrive while that fetch is under way wait for it
//! instead of fetching again (request coalescing), so an edge sends at most one request
//! per object to the origin per TTL.
//!
//! Three things follow, each shown by [`CdnExperiment`]:
//!
//! - **Origin offload.** An object requested λ times per second at an edge, with TTL T
//!   and a fetch that takes d seconds, costs the origin one request per cycle of
//!   1/λ + d + T seconds: the edge answers a fraction λ(T + d) / (1 + λ(T + d)) of the
//!   requests, λT / (1 + λT) as hits when the fetch is quick. Popular objects are
//!   almost free; an object asked for once a day is always a miss.
//! - **Edge latency by region.** A hit costs the user's round trip to their edge; a
//!   miss adds the edge's round trip to the origin and the origin's time. Users far from
//!   the origin gain the most.
//! - **TTL vs staleness.** With a plain URL (`/codes.json`) an edge keeps serving its
//!   copy until the TTL runs out, even after the origin has a new version: a longer TTL
//!   means less origin load and more stale answers (for at most T plus the one-way trip
//!   from the origin). With **versioned URLs** (`/codes.v42.json`, the page always
//!   links the current version) a new version is a new key: no edge has it, the first
//!   request fetches it, and nobody is ever served an old version — no invalidation, and
//!   the TTL can be a year.
//!
//! The component is [`Cdn`]: a passive state machine over the edges' copies and the
//! origin's versions, driven by the caller ([`Cdn::request`], [`Cdn::fill`],
//! [`Cdn::publish`]). An edge here has room for every object (CDN edges are large; what
//! ends a copy's life is its TTL); a stale copy is refetched whole when it expires
//! (a conditional request would save bytes, not a round trip).

use std::collections::BTreeMap;

use super::datacenter::stats_between;
use super::region::Regions;
use crate::error::{Error, Result, at_least_one, non_negative, positive};
use crate::lang::t;
use crate::report::{Table, ToTable};
use crate::sim::{
    Admission, Arrivals, Dist, EventQueue, LatencyHistogram, SimRng, Station, StationStats,
    TimeSeries, Zipf,
};

/// A URL version that no copy has: the mark of an empty slot.
const EMPTY: u32 = u32::MAX;

/// Edge caches with a TTL in front of an origin whose objects get new versions; the
/// jobs of type `J` are the requests waiting for a fetch.
#[derive(Debug, Clone)]
pub struct Cdn<J> {
    edges: usize,
    objects: usize,
    ttl: f64,
    versioned: bool,
    copies: Vec<Copy>,
    in_flight: BTreeMap<(usize, u32), Vec<Waiter<J>>>,
    versions: Vec<u32>,
    published: BTreeMap<(usize, u32), f64>,
    stats: Vec<EdgeStats>,
}

/// An edge's copy of an object.
#[derive(Debug, Clone, Copy)]
struct Copy {
    url: u32,
    content: u32,
    expires_at: f64,
}

#[derive(Debug, Clone)]
struct Waiter<J> {
    job: J,
    asked_at: f64,
    current: u32,
}

/// What an edge does with a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup<J> {
    /// A fresh copy was there: the request is answered now.
    Hit(Served<J>),
    /// No usable copy and no fetch under way: fetch URL version `url` of the object
    /// from the origin (read it with [`Cdn::origin_read`]) and call [`Cdn::fill`]. The
    /// edge keeps the job until then.
    Miss {
        /// The URL version to fetch (always 0 without versioned URLs).
        url: u32,
    },
    /// A fetch of the same URL is under way: the job waits for it ([`Cdn::fill`] hands
    /// it back).
    Waiting,
}

/// A request answered by an edge.
#[derive(Debug, Clone, PartialEq)]
pub struct Served<J> {
    /// The request.
    pub job: J,
    /// When it reached the edge.
    pub asked_at: f64,
    /// The version of the content it got.
    pub content: u32,
    /// If the content was older than the origin's version when the request was made:
    /// for how long a newer version had existed by then, in seconds.
    pub stale: Option<f64>,
}

/// Counts of one edge (every request it saw).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EdgeStats {
    /// Requests that reached the edge.
    pub requests: u64,
    /// Answered from a fresh copy.
    pub hits: u64,
    /// Waited for a fetch already under way (no origin request of their own).
    pub coalesced: u64,
    /// Fetched from the origin: `cold + expired + new_version`.
    pub misses: u64,
    /// Misses with no copy at all (the first request for the object).
    pub cold: u64,
    /// Misses because the copy's TTL had run out.
    pub expired: u64,
    /// Misses because the page asked for a newer URL version than the copy's.
    pub new_version: u64,
    /// Answers (hits and coalesced waits) with content older than the origin's version
    /// at the time of the request.
    pub stale: u64,
}

impl EdgeStats {
    /// The fraction of requests answered from a copy.
    pub fn hit_ratio(&self) -> f64 {
        ratio(self.hits, self.requests)
    }

    /// The fraction of requests that did not cause an origin request (hits and
    /// coalesced waits): the origin offload.
    pub fn offload(&self) -> f64 {
        ratio(self.hits + self.coalesced, self.requests)
    }

    /// The counts since an `earlier` snapshot of the same edge.
    pub fn since(&self, earlier: &EdgeStats) -> EdgeStats {
        EdgeStats {
            requests: self.requests - earlier.requests,
            hits: self.hits - earlier.hits,
            coalesced: self.coalesced - earlier.coalesced,
            misses: self.misses - earlier.misses,
            cold: self.cold - earlier.cold,
            expired: self.expired - earlier.expired,
            new_version: self.new_version - earlier.new_version,
            stale: self.stale - earlier.stale,
        }
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b > 0 { a as f64 / b as f64 } else { 0.0 }
}

impl<J> Cdn<J> {
    /// `edges` ≥ 1 edge caches for `objects` ≥ 1 objects (numbered from 0), each copy
    /// kept `ttl` ≥ 0 seconds after it arrives; plain URLs, every object at version 0.
    pub fn new(edges: usize, objects: usize, ttl: f64) -> Result<Cdn<J>> {
        at_least_one("edges", edges)?;
        at_least_one("objects", objects)?;
        let ttl = non_negative("ttl", ttl)?;
        let slots = edges
            .checked_mul(objects)
            .filter(|&s| s <= 1 << 28)
            .ok_or_else(|| {
                Error::param(
                    "objects",
                    objects,
                    format!(
                        "at most {} per edge with {edges} edges",
                        (1usize << 28) / edges
                    ),
                )
            })?;
        Ok(Cdn {
            edges,
            objects,
            ttl,
            versioned: false,
            copies: vec![
                Copy {
                    url: EMPTY,
                    content: 0,
                    expires_at: f64::NEG_INFINITY
                };
                slots
            ],
            in_flight: BTreeMap::new(),
            versions: vec![0; objects],
            published: BTreeMap::new(),
            stats: vec![EdgeStats::default(); edges],
        })
    }

    /// With versioned URLs, a request names the object's current version and a new
    /// version is a new key; without them, one URL serves whatever the origin has.
    pub fn versioned_urls(mut self, on: bool) -> Cdn<J> {
        self.versioned = on;
        self
    }

    /// Whether URLs are versioned.
    pub fn is_versioned(&self) -> bool {
        self.versioned
    }

    /// The TTL in seconds.
    pub fn ttl(&self) -> f64 {
        self.ttl
    }

    /// The number of edges.
    pub fn edges(&self) -> usize {
        self.edges
    }

    /// The number of objects.
    pub fn objects(&self) -> usize {
        self.objects
    }

    /// The origin's current version of `object`.
    pub fn version(&self, object: usize) -> u32 {
        self.versions[object]
    }

    /// The counts of edge `edge` so far.
    pub fn stats(&self, edge: usize) -> EdgeStats {
        self.stats[edge]
    }

    /// A request for `object` reaches edge `edge` at `now`.
    #[inline]
    pub fn request(&mut self, now: f64, edge: usize, object: usize, job: J) -> Lookup<J> {
        let current = self.versions[object];
        let url = if self.versioned { current } else { 0 };
        let slot = edge * self.objects + object;
        let copy = self.copies[slot];
        self.stats[edge].requests += 1;
        if copy.url == url && now < copy.expires_at {
            let stale = self.staleness(object, copy.content, current, now);
            let stats = &mut self.stats[edge];
            stats.hits += 1;
            stats.stale += stale.is_some() as u64;
            return Lookup::Hit(Served {
                job,
                asked_at: now,
                content: copy.content,
                stale,
            });
        }
        let stats = &mut self.stats[edge];
        let waiter = Waiter {
            job,
            asked_at: now,
            current,
        };
        if let Some(waiting) = self.in_flight.get_mut(&(slot, url)) {
            waiting.push(waiter);
            stats.coalesced += 1;
            return Lookup::Waiting;
        }
        stats.misses += 1;
        if copy.url == EMPTY {
            stats.cold += 1;
        } else if copy.url == url {
            stats.expired += 1;
        } else {
            stats.new_version += 1;
        }
        self.in_flight.insert((slot, url), vec![waiter]);
        Lookup::Miss { url }
    }

    /// What the origin returns now for URL version `url` of `object`: that version if
    /// URLs are versioned (each version is kept under its own URL), else the current one.
    pub fn origin_read(&self, object: usize, url: u32) -> u32 {
        if self.versioned {
            url
        } else {
            self.versions[object]
        }
    }

    /// The fetch of URL version `url` of `object` (content version `content`) reaches
    /// edge `edge` at `now`: the edge keeps the copy for the TTL (unless it already has a
    /// newer URL) and answers every request that waited for it, the first asker first.
    /// A fill that no [`Lookup::Miss`] asked for answers nobody.
    pub fn fill(
        &mut self,
        now: f64,
        edge: usize,
        object: usize,
        url: u32,
        content: u32,
    ) -> Vec<Served<J>> {
        let slot = edge * self.objects + object;
        let copy = &mut self.copies[slot];
        if copy.url == EMPTY || copy.url <= url {
            *copy = Copy {
                url,
                content,
                expires_at: now + self.ttl,
            };
        }
        let waiters = self.in_flight.remove(&(slot, url)).unwrap_or_default();
        let mut served = Vec::with_capacity(waiters.len());
        for w in waiters {
            let stale = self.staleness(object, content, w.current, w.asked_at);
            self.stats[edge].stale += stale.is_some() as u64;
            served.push(Served {
                job: w.job,
                asked_at: w.asked_at,
                content,
                stale,
            });
        }
        served
    }

    /// The origin gets a new version of `object` at `now`; returns its number.
    pub fn publish(&mut self, now: f64, object: usize) -> u32 {
        let v = self.versions[object] + 1;
        self.versions[object] = v;
        self.published.insert((object, v), now);
        v
    }

    /// How long before `at` a version newer than `content` was published, if content
    /// older than `current` (the version at `at`) was served.
    fn staleness(&self, object: usize, content: u32, current: u32, at: f64) -> Option<f64> {
        (content < current).then(|| at - self.published[&(object, content + 1)])
    }
}

/// The origin behind the edges.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Origin {
    service: Dist,
    servers: Option<usize>,
}

impl Origin {
    /// An origin that never queues (object storage such as S3: it scales with the load);
    /// each request takes `service` seconds.
    pub fn elastic(service: Dist) -> Origin {
        Origin {
            service,
            servers: None,
        }
    }

    /// An origin of `servers` ≥ 1 servers with a FIFO queue (a web server serving the
    /// files itself): it saturates.
    pub fn servers(servers: usize, service: Dist) -> Result<Origin> {
        Ok(Origin {
            service,
            servers: Some(at_least_one("servers", servers)?),
        })
    }

    /// The service time of one request.
    pub fn service(&self) -> Dist {
        self.service
    }

    /// The number of servers, `None` for an elastic origin.
    pub fn server_count(&self) -> Option<usize> {
        self.servers
    }
}

/// Users in several regions fetching static objects through a CDN (or straight from
/// the origin, to compare).
#[derive(Debug, Clone)]
pub struct CdnExperiment {
    regions: Regions,
    origin_region: usize,
    origin: Origin,
    edges: Option<Vec<usize>>,
    objects: Zipf,
    ttl: f64,
    versioned: bool,
    update_rate: f64,
    users: Vec<f64>,
    duration: f64,
    warmup: f64,
    window: Option<f64>,
}

/// What a [`CdnExperiment`] run measured (requests sent after the warm-up).
#[derive(Debug, Clone)]
pub struct CdnReport {
    /// The measured time, in seconds.
    pub duration: f64,
    /// One per region with users, in region order.
    pub regions: Vec<RegionTraffic>,
    /// One per edge, in region order (empty without a CDN).
    pub edges: Vec<EdgeReport>,
    /// The origin's load.
    pub origin: OriginReport,
    /// For every stale answer, how long a newer version had existed.
    pub staleness: LatencyHistogram,
    /// Origin requests and stale answers over time, if asked for.
    pub series: Option<CdnSeries>,
}

/// What the users of one region saw.
#[derive(Debug, Clone)]
pub struct RegionTraffic {
    /// The region's name.
    pub name: String,
    /// The region of the edge (or origin) that served them.
    pub served_from: String,
    /// Requests sent.
    pub requests: u64,
    /// Latency of every answer, network round trips included.
    pub latency: LatencyHistogram,
    /// Answered from an edge's copy.
    pub hits: u64,
    /// Answered with stale content.
    pub stale: u64,
}

/// One edge's counts over the measured window.
#[derive(Debug, Clone)]
pub struct EdgeReport {
    /// The name of its region.
    pub name: String,
    /// Its counts.
    pub stats: EdgeStats,
}

/// The origin over the measured window.
#[derive(Debug, Clone)]
pub struct OriginReport {
    /// Requests that reached it: edge fetches, or every request without a CDN.
    pub requests: u64,
    /// Its time per request (queueing included).
    pub latency: LatencyHistogram,
    /// Its servers' statistics, for an origin with servers.
    pub station: Option<StationStats>,
}

/// Time series of a CDN run, by time of the event.
#[derive(Debug, Clone)]
pub struct CdnSeries {
    /// Requests reaching the origin.
    pub origin_requests: TimeSeries,
    /// Stale answers (value: how long a newer version had existed).
    pub stale: TimeSeries,
}

impl CdnReport {
    /// All requests sent.
    pub fn requests(&self) -> u64 {
        self.regions.iter().map(|r| r.requests).sum()
    }

    /// The fraction of requests answered from an edge's copy.
    pub fn hit_ratio(&self) -> f64 {
        ratio(self.regions.iter().map(|r| r.hits).sum(), self.requests())
    }

    /// The fraction of requests that did not reach the origin.
    pub fn offload(&self) -> f64 {
        1.0 - ratio(self.origin.requests, self.requests())
    }

    /// Origin requests per second.
    pub fn origin_rate(&self) -> f64 {
        self.origin.requests as f64 / self.duration
    }

    /// The fraction of answers with stale content.
    pub fn stale_ratio(&self) -> f64 {
        ratio(self.regions.iter().map(|r| r.stale).sum(), self.requests())
    }

    /// The users of the region called `name`.
    pub fn region(&self, name: &str) -> Result<&RegionTraffic> {
        self.regions.iter().find(|r| r.name == name).ok_or_else(|| {
            let names: Vec<&str> = self.regions.iter().map(|r| r.name.as_str()).collect();
            Error::param(
                "region",
                format!("`{name}`"),
                format!("a region with users: {}", names.join(", ")),
            )
        })
    }

    /// The edge in the region called `name`.
    pub fn edge(&self, name: &str) -> Result<&EdgeReport> {
        self.edges.iter().find(|e| e.name == name).ok_or_else(|| {
            let names: Vec<&str> = self.edges.iter().map(|e| e.name.as_str()).collect();
            Error::param(
                "edge",
                format!("`{name}`"),
                format!("a region with an edge: {}", names.join(", ")),
            )
        })
    }
}

#[derive(Debug, Clone, Copy)]
struct EdgeJob {
    region: usize,
    measured: bool,
}

#[derive(Debug, Clone, Copy)]
enum OriginJob {
    Fetch {
        edge: usize,
        object: usize,
        url: u32,
    },
    Direct {
        region: usize,
        sent: f64,
        measured: bool,
    },
}

#[derive(Debug, Clone, Copy)]
enum Event {
    Arrival,
    Update,
    AtOrigin {
        job: OriginJob,
    },
    OriginDone {
        job: OriginJob,
        arrived: f64,
        epoch: u32,
    },
    Fill {
        edge: usize,
        object: usize,
        url: u32,
        content: u32,
    },
    Measure(bool),
}

impl CdnExperiment {
    /// Users in `regions` fetching objects from an origin in the region called `origin`,
    /// through an edge in every region. Defaults: 1 000 objects of Zipf(α = 1)
    /// popularity, TTL 60 s, plain URLs, no updates, an elastic origin taking 20 ms,
    /// 300 s measured after 60 s of warm-up.
    pub fn new(regions: Regions, origin: &str) -> Result<CdnExperiment> {
        let origin_region = regions.index(origin)?;
        let n = regions.len();
        Ok(CdnExperiment {
            regions,
            origin_region,
            origin: Origin::elastic(Dist::constant(0.020)?),
            edges: Some((0..n).collect()),
            objects: Zipf::new(1000, 1.0)?,
            ttl: 60.0,
            versioned: false,
            update_rate: 0.0,
            users: vec![0.0; n],
            duration: 300.0,
            warmup: 60.0,
            window: None,
        })
    }

    /// Edges only in the regions named (at least one); users elsewhere use the nearest.
    pub fn edges_in(mut self, names: &[&str]) -> Result<CdnExperiment> {
        if names.is_empty() {
            return Err(Error::param(
                "edges",
                "[]",
                "at least one region (or `no_cdn()`)",
            ));
        }
        let mut edges = Vec::with_capacity(names.len());
        for name in names {
            let r = self.regions.index(name)?;
            if !edges.contains(&r) {
                edges.push(r);
            }
        }
        edges.sort_unstable();
        self.edges = Some(edges);
        Ok(self)
    }

    /// No CDN: every request goes to the origin (the baseline).
    pub fn no_cdn(mut self) -> CdnExperiment {
        self.edges = None;
        self
    }

    /// The objects and their popularity.
    pub fn objects(mut self, popularity: Zipf) -> CdnExperiment {
        self.objects = popularity;
        self
    }

    /// How long an edge keeps a copy, in seconds (≥ 0).
    pub fn ttl(mut self, ttl: f64) -> Result<CdnExperiment> {
        self.ttl = non_negative("ttl", ttl)?;
        Ok(self)
    }

    /// Versioned URLs on or off.
    pub fn versioned_urls(mut self, on: bool) -> CdnExperiment {
        self.versioned = on;
        self
    }

    /// Each object gets a new version `rate` ≥ 0 times per second (Poisson).
    pub fn updates(mut self, rate: f64) -> Result<CdnExperiment> {
        self.update_rate = non_negative("rate", rate)?;
        Ok(self)
    }

    /// The origin (default: elastic, 20 ms).
    pub fn origin(mut self, origin: Origin) -> CdnExperiment {
        self.origin = origin;
        self
    }

    /// Users in the region called `region` send `rate` > 0 requests per second.
    pub fn users(mut self, region: &str, rate: f64) -> Result<CdnExperiment> {
        let r = self.regions.index(region)?;
        self.users[r] = positive("rate", rate)?;
        Ok(self)
    }

    /// Measures `seconds` > 0 of traffic.
    pub fn duration(mut self, seconds: f64) -> Result<CdnExperiment> {
        self.duration = positive("duration", seconds)?;
        Ok(self)
    }

    /// Runs `seconds` ≥ 0 before measuring (edges start empty).
    pub fn warmup(mut self, seconds: f64) -> Result<CdnExperiment> {
        self.warmup = non_negative("warmup", seconds)?;
        Ok(self)
    }

    /// Also records origin requests and stale answers per window of `window` seconds.
    pub fn time_series(mut self, window: f64) -> Result<CdnExperiment> {
        self.window = Some(positive("window", window)?);
        Ok(self)
    }

    /// Runs the experiment with `seed`.
    pub fn run(&self, seed: u64) -> Result<CdnReport> {
        let total: f64 = self.users.iter().sum();
        if total <= 0.0 {
            return Err(Error::InvalidConfig(
                "no users: add traffic with `users(region, rate)`".into(),
            ));
        }
        let user_regions: Vec<usize> = (0..self.regions.len())
            .filter(|&r| self.users[r] > 0.0)
            .collect();
        let mut cumulative = Vec::with_capacity(user_regions.len());
        let mut acc = 0.0;
        for &r in &user_regions {
            acc += self.users[r] / total;
            cumulative.push(acc);
        }
        let slot_of_region: Vec<usize> = (0..self.regions.len())
            .map(|r| {
                user_regions
                    .iter()
                    .position(|&u| u == r)
                    .unwrap_or(usize::MAX)
            })
            .collect();
        let edge_regions: &[usize] = self.edges.as_deref().unwrap_or(&[]);
        // The edge (index into edge_regions) that serves each user region.
        let edge_of: Vec<Option<usize>> = (0..self.regions.len())
            .map(|u| {
                let near = self.regions.nearest(u, edge_regions.iter().copied())?;
                edge_regions.iter().position(|&e| e == near)
            })
            .collect();
        let objects = usize::try_from(self.objects.n()).map_err(|_| {
            Error::param(
                "objects",
                self.objects.n(),
                "a number of objects that fits in memory",
            )
        })?;
        let mut cdn: Cdn<EdgeJob> =
            Cdn::new(edge_regions.len().max(1), objects, self.ttl)?.versioned_urls(self.versioned);
        let mut station: Option<Station<OriginJob>> =
            self.origin.servers.map(Station::new).transpose()?;

        let mut rng = SimRng::stream(seed, 0);
        let mut update_rng = SimRng::stream(seed, 1);
        let arrivals = Arrivals::poisson(total)?;
        let updates = if self.update_rate > 0.0 {
            Some(Arrivals::poisson(self.update_rate * objects as f64)?)
        } else {
            None
        };
        let end = self.warmup + self.duration;
        let regions: Vec<RegionTraffic> = user_regions
            .iter()
            .map(|&r| RegionTraffic {
                name: self.regions.name(r).to_string(),
                served_from: self
                    .regions
                    .name(edge_of[r].map_or(self.origin_region, |e| edge_regions[e]))
                    .to_string(),
                requests: 0,
                latency: LatencyHistogram::new(),
                hits: 0,
                stale: 0,
            })
            .collect();
        let series = match self.window {
            Some(w) => Some(CdnSeries {
                origin_requests: TimeSeries::new(w)?,
                stale: TimeSeries::new(w)?,
            }),
            None => None,
        };
        let mut rec = Recorder {
            regions,
            slot_of_region,
            origin: OriginReport {
                requests: 0,
                latency: LatencyHistogram::new(),
                station: None,
            },
            staleness: LatencyHistogram::new(),
            series,
            measuring: false,
        };
        let mut edge_start = vec![EdgeStats::default(); edge_regions.len()];
        let mut edge_end = edge_start.clone();
        let mut origin_start = StationStats::default();

        let mut events = EventQueue::new();
        events.schedule_at(self.warmup, Event::Measure(true));
        events.schedule_at(end, Event::Measure(false));
        events.schedule_at(arrivals.next(0.0, &mut rng), Event::Arrival);
        if let Some(u) = &updates {
            events.schedule_at(u.next(0.0, &mut update_rng), Event::Update);
        }

        while let Some((now, event)) = events.pop() {
            match event {
                Event::Measure(on) => {
                    let snapshot = if on { &mut edge_start } else { &mut edge_end };
                    for (e, s) in snapshot.iter_mut().enumerate() {
                        *s = cdn.stats(e);
                    }
                    if let Some(s) = &station {
                        if on {
                            origin_start = s.stats(now);
                        } else {
                            rec.origin.station = Some(stats_between(&s.stats(now), &origin_start));
                        }
                    }
                    rec.measuring = on;
                }
                Event::Arrival => {
                    let u = rng.uniform();
                    let slot = cumulative
                        .iter()
                        .position(|&c| u < c)
                        .unwrap_or(cumulative.len() - 1);
                    let region = user_regions[slot];
                    let object = self.objects.sample(&mut rng) as usize;
                    let measured = rec.measuring;
                    rec.regions[slot].requests += measured as u64;
                    match edge_of[region] {
                        None => {
                            let job = OriginJob::Direct {
                                region,
                                sent: now,
                                measured,
                            };
                            events.schedule_at(now, Event::AtOrigin { job });
                        }
                        Some(edge) => {
                            match cdn.request(now, edge, object, EdgeJob { region, measured }) {
                                Lookup::Hit(served) => {
                                    rec.answer(
                                        now,
                                        &served,
                                        self.regions.user_rtt(region, edge_regions[edge]),
                                        true,
                                    );
                                }
                                Lookup::Miss { url } => {
                                    let half =
                                        self.regions.rtt(edge_regions[edge], self.origin_region)
                                            / 2.0;
                                    events.schedule_at(
                                        now + half,
                                        Event::AtOrigin {
                                            job: OriginJob::Fetch { edge, object, url },
                                        },
                                    );
                                }
                                Lookup::Waiting => {}
                            }
                        }
                    }
                    let next = arrivals.next(now, &mut rng);
                    if next < end {
                        events.schedule_at(next, Event::Arrival);
                    }
                }
                Event::Update => {
                    cdn.publish(now, update_rng.index(objects));
                    if let Some(u) = &updates {
                        let next = u.next(now, &mut update_rng);
                        if next < end {
                            events.schedule_at(next, Event::Update);
                        }
                    }
                }
                Event::AtOrigin { job } => {
                    rec.origin_request(now);
                    let service = self.origin.service.sample(&mut rng);
                    match station.as_mut() {
                        None => events.schedule_at(
                            now + service,
                            Event::OriginDone {
                                job,
                                arrived: now,
                                epoch: 0,
                            },
                        ),
                        Some(s) => match s.arrive(now, job, service) {
                            Admission::Started(st) => events.schedule_at(
                                st.done_at,
                                Event::OriginDone {
                                    job,
                                    arrived: now,
                                    epoch: st.epoch,
                                },
                            ),
                            Admission::Queued => {}
                            Admission::Rejected(_) => {
                                unreachable!("the origin's queue is unbounded and it never crashes")
                            }
                        },
                    }
                }
                Event::OriginDone {
                    job,
                    arrived,
                    epoch,
                } => {
                    if let Some(s) = station.as_mut() {
                        s.finish(now, epoch);
                        if let Some(st) = s.start_next(now, |_, _| {}) {
                            let arrived = now - st.wait;
                            events.schedule_at(
                                st.done_at,
                                Event::OriginDone {
                                    job: st.job,
                                    arrived,
                                    epoch: st.epoch,
                                },
                            );
                        }
                    }
                    match job {
                        OriginJob::Fetch { edge, object, url } => {
                            if rec.measuring {
                                rec.origin.latency.record(now - arrived);
                            }
                            let content = cdn.origin_read(object, url);
                            let half =
                                self.regions.rtt(edge_regions[edge], self.origin_region) / 2.0;
                            events.schedule_at(
                                now + half,
                                Event::Fill {
                                    edge,
                                    object,
                                    url,
                                    content,
                                },
                            );
                        }
                        OriginJob::Direct {
                            region,
                            sent,
                            measured,
                        } => {
                            if measured {
                                rec.origin.latency.record(now - arrived);
                            }
                            let served = Served {
                                job: EdgeJob { region, measured },
                                asked_at: sent,
                                content: 0,
                                stale: None,
                            };
                            rec.answer(
                                now,
                                &served,
                                self.regions.user_rtt(region, self.origin_region),
                                false,
                            );
                        }
                    }
                }
                Event::Fill {
                    edge,
                    object,
                    url,
                    content,
                } => {
                    for served in cdn.fill(now, edge, object, url, content) {
                        let rtt = self.regions.user_rtt(served.job.region, edge_regions[edge]);
                        rec.answer(now, &served, rtt, false);
                    }
                }
            }
        }
        let edges = edge_regions
            .iter()
            .enumerate()
            .map(|(e, &r)| EdgeReport {
                name: self.regions.name(r).to_string(),
                stats: edge_end[e].since(&edge_start[e]),
            })
            .collect();
        Ok(CdnReport {
            duration: self.duration,
            regions: rec.regions,
            edges,
            origin: rec.origin,
            staleness: rec.staleness,
            series: rec.series,
        })
    }
}

/// What a [`CdnExperiment`] run accumulates.
struct Recorder {
    regions: Vec<RegionTraffic>,
    slot_of_region: Vec<usize>,
    origin: OriginReport,
    staleness: LatencyHistogram,
    series: Option<CdnSeries>,
    measuring: bool,
}

impl Recorder {
    /// An answer at `now` to a request that reached its edge (or the origin) at
    /// `served.asked_at`; `rtt` is the user's round trip to that place.
    #[inline]
    fn answer(&mut self, now: f64, served: &Served<EdgeJob>, rtt: f64, hit: bool) {
        if !served.job.measured {
            return;
        }
        let r = &mut self.regions[self.slot_of_region[served.job.region]];
        r.latency.record(rtt + (now - served.asked_at));
        r.hits += hit as u64;
        if let Some(age) = served.stale {
            r.stale += 1;
            self.staleness.record(age);
            if let Some(s) = self.series.as_mut() {
                s.stale.record(now, age);
            }
        }
    }

    fn origin_request(&mut self, now: f64) {
        self.origin.requests += self.measuring as u64;
        if let Some(s) = self.series.as_mut() {
            s.origin_requests.record(now, 1.0);
        }
    }
}

impl ToTable for CdnReport {
    /// One row per user region: where they were served from, their rate, hit and stale
    /// ratios and latency percentiles (ms).
    fn to_table(&self) -> Table {
        let r = &self.regions;
        let ms = |f: fn(&LatencyHistogram) -> f64| -> Vec<f64> {
            r.iter().map(|x| f(&x.latency) * 1e3).collect()
        };
        Table::builder()
            .column(
                t("지역", "region"),
                r.iter().map(|x| x.name.as_str()).collect::<Vec<_>>(),
            )
            .column(
                t("응답한 곳", "served from"),
                r.iter().map(|x| x.served_from.as_str()).collect::<Vec<_>>(),
            )
            .column(
                t("요청/초", "requests/s"),
                r.iter()
                    .map(|x| x.requests as f64 / self.duration)
                    .collect::<Vec<_>>(),
            )
            .column(
                t("히트 비율", "hit ratio"),
                r.iter()
                    .map(|x| ratio(x.hits, x.requests))
                    .collect::<Vec<_>>(),
            )
            .column(
                t("오래된 응답 비율", "stale ratio"),
                r.iter()
                    .map(|x| ratio(x.stale, x.requests))
                    .collect::<Vec<_>>(),
            )
            .column(t("평균 (ms)", "mean (ms)"), ms(LatencyHistogram::mean))
            .column("p50 (ms)", ms(LatencyHistogram::p50))
            .column("p99 (ms)", ms(LatencyHistogram::p99))
            .build()
            .expect("columns of one length with distinct names")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served<J>(l: Lookup<J>) -> Served<J> {
        match l {
            Lookup::Hit(s) => s,
            _ => panic!("expected a hit"),
        }
    }

    #[test]
    fn miss_coalesce_hit_expire() {
        let mut cdn: Cdn<char> = Cdn::new(2, 3, 10.0).unwrap();
        assert_eq!(cdn.request(0.0, 0, 1, 'a'), Lookup::Miss { url: 0 });
        assert_eq!(cdn.request(0.5, 0, 1, 'b'), Lookup::Waiting);
        assert_eq!(
            cdn.request(0.6, 1, 1, 'x'),
            Lookup::Miss { url: 0 },
            "edges do not share copies"
        );
        let content = cdn.origin_read(1, 0);
        let answered = cdn.fill(1.0, 0, 1, 0, content);
        assert_eq!(
            answered
                .iter()
                .map(|s| (s.job, s.asked_at))
                .collect::<Vec<_>>(),
            vec![('a', 0.0), ('b', 0.5)]
        );
        let hit = served(cdn.request(10.9, 0, 1, 'c'));
        assert_eq!((hit.job, hit.content, hit.stale), ('c', 0, None));
        assert_eq!(
            cdn.request(11.0, 0, 1, 'd'),
            Lookup::Miss { url: 0 },
            "the TTL counts from the fill"
        );
        let s = cdn.stats(0);
        assert_eq!(
            (s.requests, s.hits, s.coalesced, s.misses, s.cold, s.expired),
            (4, 1, 1, 2, 1, 1)
        );
        assert!((s.hit_ratio() - 0.25).abs() < 1e-12 && (s.offload() - 0.5).abs() < 1e-12);
        assert!(
            cdn.fill(12.0, 0, 2, 0, 0).is_empty(),
            "a fill nobody asked for answers nobody"
        );
    }

    #[test]
    fn plain_urls_serve_stale_copies_until_the_ttl_runs_out() {
        let mut cdn: Cdn<u8> = Cdn::new(1, 1, 100.0).unwrap();
        cdn.request(0.0, 0, 0, 1);
        cdn.fill(0.1, 0, 0, 0, cdn.origin_read(0, 0));
        assert_eq!(cdn.publish(5.0, 0), 1);
        let hit = served(cdn.request(7.5, 0, 0, 2));
        assert_eq!(hit.content, 0);
        assert_eq!(
            hit.stale,
            Some(2.5),
            "a newer version had existed for 2.5 s"
        );
        assert_eq!(cdn.stats(0).stale, 1);
        // After expiry the refetch gets the new version.
        assert_eq!(cdn.request(100.1, 0, 0, 3), Lookup::Miss { url: 0 });
        assert_eq!(cdn.origin_read(0, 0), 1);
    }

    #[test]
    fn versioned_urls_make_a_new_version_a_new_key() {
        let mut cdn: Cdn<u8> = Cdn::new(1, 1, 1e9).unwrap().versioned_urls(true);
        assert!(cdn.is_versioned());
        cdn.request(0.0, 0, 0, 1);
        cdn.fill(0.1, 0, 0, 0, cdn.origin_read(0, 0));
        assert!(served(cdn.request(1.0, 0, 0, 2)).stale.is_none());
        cdn.publish(2.0, 0);
        assert_eq!(cdn.request(2.5, 0, 0, 3), Lookup::Miss { url: 1 });
        assert_eq!(cdn.origin_read(0, 1), 1);
        assert_eq!(
            cdn.origin_read(0, 0),
            0,
            "old versions stay at their own URL"
        );
        // A late fill of an older URL does not replace the newer copy.
        cdn.request(2.6, 0, 0, 4);
        let answered = cdn.fill(3.0, 0, 0, 1, 1);
        assert_eq!(answered.len(), 2);
        assert!(answered.iter().all(|s| s.content == 1 && s.stale.is_none()));
        cdn.fill(3.1, 0, 0, 0, 0);
        assert_eq!(served(cdn.request(4.0, 0, 0, 5)).content, 1);
        let s = cdn.stats(0);
        assert_eq!((s.new_version, s.stale), (1, 0));
    }

    #[test]
    fn bad_parameters_are_clear_errors() {
        assert!(
            Cdn::<()>::new(0, 1, 1.0)
                .unwrap_err()
                .to_string()
                .contains("`edges`")
        );
        assert!(Cdn::<()>::new(1, 0, 1.0).is_err());
        assert!(
            Cdn::<()>::new(1, 1, -1.0)
                .unwrap_err()
                .to_string()
                .contains("`ttl`")
        );
        assert!(
            Cdn::<()>::new(4, 1 << 27, 1.0)
                .unwrap_err()
                .to_string()
                .contains("at most")
        );
        assert!(Origin::servers(0, Dist::constant(0.01).unwrap()).is_err());
        let e = CdnExperiment::new(Regions::world(), "mars")
            .unwrap_err()
            .to_string();
        assert!(e.contains("seoul"), "{e}");
        let x = CdnExperiment::new(Regions::world(), "virginia").unwrap();
        assert!(
            x.clone()
                .run(1)
                .unwrap_err()
                .to_string()
                .contains("no users")
        );
        assert!(x.clone().edges_in(&[]).is_err());
        assert!(x.clone().ttl(f64::NAN).is_err());
        assert!(x.clone().updates(-1.0).is_err());
        assert!(x.clone().users("seoul", 0.0).is_err());
        assert!(x.duration(0.0).is_err());
    }

    #[test]
    fn a_cdn_offloads_the_origin_and_brings_latency_down() {
        let x = CdnExperiment::new(Regions::world(), "virginia")
            .unwrap()
            .users("seoul", 200.0)
            .unwrap()
            .users("frankfurt", 100.0)
            .unwrap()
            .duration(60.0)
            .unwrap()
            .warmup(20.0)
            .unwrap();
        let with = x.run(1).unwrap();
        let without = x.clone().no_cdn().run(1).unwrap();
        assert_eq!(with.region("seoul").unwrap().served_from, "seoul");
        assert_eq!(without.region("seoul").unwrap().served_from, "virginia");
        assert!(with.offload() > 0.5, "{}", with.offload());
        assert_eq!(without.offload(), 0.0);
        assert_eq!(without.origin.requests, without.requests());
        let seoul_with = with.region("seoul").unwrap().latency.p50();
        let seoul_without = without.region("seoul").unwrap().latency.p50();
        assert!(
            (seoul_with - 0.011).abs() < 1e-4,
            "a hit costs the access + in-region round trip: {seoul_with}"
        );
        assert!(
            (seoul_without - 0.210).abs() < 1e-3,
            "10 ms + 180 ms + 20 ms: {seoul_without}"
        );
        assert!(with.edge("seoul").is_ok() && with.edge("mars").is_err());
        let table = with.to_table().to_csv();
        assert!(
            table.starts_with(
                "region,served from,requests/s,hit ratio,stale ratio,mean (ms),p50 (ms),p99 (ms)\n"
            ),
            "{table}"
        );
        assert_eq!(table.lines().count(), 3);
        // Edges only in Virginia: Seoul users go there (nearest edge).
        let one = x.edges_in(&["virginia"]).unwrap().run(1).unwrap();
        assert_eq!(one.region("seoul").unwrap().served_from, "virginia");
        assert_eq!(one.edges.len(), 1);
    }

    #[test]
    fn same_seed_same_report() {
        let x = CdnExperiment::new(Regions::world(), "virginia")
            .unwrap()
            .users("tokyo", 100.0)
            .unwrap()
            .updates(0.01)
            .unwrap()
            .origin(Origin::servers(2, Dist::exponential(0.02).unwrap()).unwrap())
            .duration(30.0)
            .unwrap()
            .warmup(5.0)
            .unwrap()
            .time_series(5.0)
            .unwrap();
        let a = x.run(9).unwrap();
        let b = x.run(9).unwrap();
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        assert!(a.stale_ratio() > 0.0 && a.origin.station.is_some());
        assert_ne!(a.origin.requests, x.run(10).unwrap().origin.requests);
    }
}
