//! Data centers in several regions: users routed to the nearest one (geo-routing), a
//! whole data center failing, and its traffic moving to the survivors.
//!
//! [`GeoRouter`] is the component: it knows which data center (site) sits in which
//! region and sends each user to the nearest site that routing still lists (what
//! GeoDNS or an anycast front door does). A site that fails is not withdrawn at once:
//! health checks must notice, and clients must let go of cached answers. For
//! `failover_delay` seconds after the failure, users are still sent to the dead site and
//! their requests fail; then the site is delisted and its users go to the nearest
//! survivor. A recovery is noticed after the same delay (a site that comes back before
//! it was ever delisted was never failed over: the blip cost only errors).
//!
//! What a failover costs, in the terms of [`GeoFailover`]'s report:
//!
//! - **errors** while the failure is being detected: about λ · `failover_delay`, plus
//!   the requests that were inside the site when it died;
//! - **latency**: the moved users now pay `access + rtt(home, survivor)` instead of
//!   `access + rtt(home, home)` — the inter-region round trip is added to every request;
//! - **capacity**: the survivor serves its own users and the moved ones. Its utilisation
//!   jumps to (λ_own + λ_moved) / (c·μ); near 1 the queueing delay explodes, above 1
//!   the queue grows without bound. This is why each data center must keep headroom
//!   for its neighbour's traffic (N + 1 planning).

use std::fmt;

use super::dns::GeoRouting;
use super::region::Regions;
use crate::error::{Error, Result, at_least_one, non_negative, positive};
use crate::lang::t;
use crate::report::{Table, ToTable};
use crate::sim::{
    Admission, Arrivals, Dist, EventQueue, LatencyHistogram, LatencySeries, SimRng, Start, Station,
    StationStats, TimeSeries,
};

/// Routes users to the nearest listed data center (site); sites fail and recover, and
/// routing follows after a delay. The choice itself is DNS geo-routing
/// ([`GeoRouting`]: the nearest healthy site by round trip); this adds the time it takes
/// health checks to notice.
#[derive(Debug, Clone)]
pub struct GeoRouter {
    regions: Regions,
    sites: Vec<usize>,
    up: Vec<bool>,
    geo: GeoRouting,
    pending: Vec<Change>,
    failover_delay: f64,
}

/// A listing change that takes effect at `at`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Change {
    at: f64,
    site: usize,
    listed: bool,
}

impl GeoRouter {
    /// Sites in the regions `site_regions` (indices into `regions`, at least one),
    /// all up and listed; failover takes effect at once until
    /// [`with_failover_delay`](Self::with_failover_delay).
    pub fn new(regions: Regions, site_regions: &[usize]) -> Result<GeoRouter> {
        if site_regions.is_empty() {
            return Err(Error::param("sites", "[]", "at least one data center"));
        }
        for &r in site_regions {
            regions.check("site region", r)?;
        }
        let rtt: Vec<Vec<f64>> = (0..regions.len())
            .map(|u| site_regions.iter().map(|&s| regions.rtt(u, s)).collect())
            .collect();
        Ok(GeoRouter {
            geo: GeoRouting::from_matrix(&rtt)?,
            regions,
            sites: site_regions.to_vec(),
            up: vec![true; site_regions.len()],
            pending: Vec::new(),
            failover_delay: 0.0,
        })
    }

    /// Routing reacts `delay` ≥ 0 seconds after a site fails or recovers (health-check
    /// detection plus the time clients keep a cached DNS answer).
    pub fn with_failover_delay(mut self, delay: f64) -> Result<GeoRouter> {
        self.failover_delay = non_negative("failover_delay", delay)?;
        Ok(self)
    }

    /// The regions the sites are placed in.
    pub fn regions(&self) -> &Regions {
        &self.regions
    }

    /// The region of each site, in site order.
    pub fn site_regions(&self) -> &[usize] {
        &self.sites
    }

    /// Whether site `site` is up.
    pub fn is_up(&self, site: usize) -> bool {
        self.up[site]
    }

    /// The site that a user in region `user` is sent to at `now`: the listed site with
    /// the smallest round trip (it may be down, if its failure is not yet noticed);
    /// `None` if no site is listed.
    #[inline]
    pub fn route(&mut self, now: f64, user: usize) -> Option<usize> {
        if self.pending.first().is_some_and(|c| c.at <= now) {
            self.apply(now);
        }
        self.geo.route(user)
    }

    /// Site `site` fails at `now`. Returns when routing moves its users away.
    pub fn fail(&mut self, now: f64, site: usize) -> f64 {
        self.apply(now);
        self.up[site] = false;
        self.change(now, site, false)
    }

    /// Site `site` is back at `now`. Returns when routing sends its users back.
    pub fn recover(&mut self, now: f64, site: usize) -> f64 {
        self.apply(now);
        self.up[site] = true;
        self.change(now, site, true)
    }

    /// Schedules the listing of `site` to become `listed`, unless a pending change in
    /// the other direction is simply cancelled (the state flipped back before anyone
    /// noticed).
    fn change(&mut self, now: f64, site: usize, listed: bool) -> f64 {
        if let Some(i) = self.pending.iter().position(|c| c.site == site) {
            self.pending.remove(i);
            return now;
        }
        if self.geo.is_healthy(site) == listed {
            return now;
        }
        let at = now + self.failover_delay;
        self.pending.push(Change { at, site, listed });
        self.pending.sort_by(|a, b| a.at.total_cmp(&b.at));
        if self.failover_delay == 0.0 {
            self.apply(now);
        }
        at
    }

    fn apply(&mut self, now: f64) {
        let due = self.pending.iter().take_while(|c| c.at <= now).count();
        for c in self.pending.drain(..due) {
            self.geo
                .set_healthy(c.site, c.listed)
                .expect("sites are checked when the router is built");
        }
    }
}

/// The stages of an outage, in time order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Every site up and listed.
    Normal,
    /// The site is down but still listed: its users' requests fail.
    Detecting,
    /// The site is delisted: its users are served by the nearest survivor.
    FailedOver,
    /// The site is back but not yet listed: its users are still on the survivor.
    Returning,
    /// The site is back in routing.
    Recovered,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Normal => "normal",
            Phase::Detecting => "detecting",
            Phase::FailedOver => "failed over",
            Phase::Returning => "returning",
            Phase::Recovered => "recovered",
        })
    }
}

/// A phase and the measured window it covers, `[start, end)` in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhaseSpan {
    /// Which phase.
    pub phase: Phase,
    /// Its start.
    pub start: f64,
    /// Its end.
    pub end: f64,
}

impl PhaseSpan {
    /// Its length in seconds.
    pub fn length(&self) -> f64 {
        self.end - self.start
    }
}

/// A data center failing: users in several regions, a site in some of them, one site
/// down from `from` to `until`, and what the users see in each phase.
#[derive(Debug, Clone)]
pub struct GeoFailover {
    regions: Regions,
    service: Dist,
    sites: Vec<(usize, usize)>,
    users: Vec<f64>,
    outage: Option<(usize, f64, f64)>,
    failover_delay: f64,
    duration: f64,
    warmup: f64,
    queue_limit: Option<usize>,
    max_backlog: usize,
    window: Option<f64>,
}

/// What a [`GeoFailover`] run measured, per phase (see [`GeoReport::phases`]).
#[derive(Debug, Clone)]
pub struct GeoReport {
    /// The phases of the measured window, in time order (empty ones left out).
    pub phases: Vec<PhaseSpan>,
    /// One per region with users, in region order.
    pub regions: Vec<RegionReport>,
    /// One per data center, in the order they were added.
    pub sites: Vec<SiteReport>,
    /// Per user region, latency and errors over time, if asked for.
    pub series: Option<Vec<GeoSeries>>,
    /// Why the run stopped before its end, if it did.
    pub stopped_early: Option<String>,
}

/// What the users of one region saw.
#[derive(Debug, Clone)]
pub struct RegionReport {
    /// The region's name.
    pub name: String,
    /// Per phase (aligned with [`GeoReport::phases`]), by the request's arrival time.
    pub phases: Vec<RegionPhase>,
}

/// The users of one region in one phase.
#[derive(Debug, Clone, Default)]
pub struct RegionPhase {
    /// Requests sent.
    pub arrived: u64,
    /// Latency of the requests served, network round trip included.
    pub latency: LatencyHistogram,
    /// Requests that failed: sent to a dead site, lost in the crash, turned away by a
    /// full queue, or with no site listed.
    pub errors: u64,
}

impl RegionPhase {
    /// Errors per request sent (0 if none were sent).
    pub fn error_ratio(&self) -> f64 {
        if self.arrived > 0 {
            self.errors as f64 / self.arrived as f64
        } else {
            0.0
        }
    }
}

/// One data center.
#[derive(Debug, Clone)]
pub struct SiteReport {
    /// The name of its region.
    pub name: String,
    /// Its servers' counts and utilisation per phase (aligned with
    /// [`GeoReport::phases`]).
    pub phases: Vec<StationStats>,
}

/// Latency and errors of one region's users over time.
#[derive(Debug, Clone)]
pub struct GeoSeries {
    /// The region's name.
    pub name: String,
    /// Latency per window, by completion time.
    pub latency: LatencySeries,
    /// Errors per window, by the time the request failed.
    pub errors: TimeSeries,
}

impl GeoReport {
    /// The index of `phase` in [`phases`](Self::phases), if it occurred.
    pub fn phase_index(&self, phase: Phase) -> Option<usize> {
        self.phases.iter().position(|p| p.phase == phase)
    }

    /// The report of the users in the region called `name`.
    pub fn region(&self, name: &str) -> Result<&RegionReport> {
        self.regions.iter().find(|r| r.name == name).ok_or_else(|| {
            let names: Vec<&str> = self.regions.iter().map(|r| r.name.as_str()).collect();
            Error::param(
                "region",
                format!("`{name}`"),
                format!("a region with users: {}", names.join(", ")),
            )
        })
    }

    /// The report of the data center in the region called `name`.
    pub fn site(&self, name: &str) -> Result<&SiteReport> {
        self.sites.iter().find(|s| s.name == name).ok_or_else(|| {
            let names: Vec<&str> = self.sites.iter().map(|s| s.name.as_str()).collect();
            Error::param(
                "site",
                format!("`{name}`"),
                format!("a data center: {}", names.join(", ")),
            )
        })
    }
}

impl RegionReport {
    /// This region in `phase`, if that phase occurred (`report` gives the phase order).
    pub fn in_phase<'a>(&'a self, report: &GeoReport, phase: Phase) -> Option<&'a RegionPhase> {
        report.phase_index(phase).map(|i| &self.phases[i])
    }
}

impl SiteReport {
    /// This site in `phase`, if that phase occurred (`report` gives the phase order).
    pub fn in_phase(&self, report: &GeoReport, phase: Phase) -> Option<&StationStats> {
        report.phase_index(phase).map(|i| &self.phases[i])
    }
}

#[derive(Debug, Clone, Copy)]
struct Job {
    region: usize,
    sent: f64,
    phase: Option<usize>,
}

#[derive(Debug, Clone, Copy)]
enum Event {
    Arrival,
    Done { site: usize, epoch: u32, job: Job },
    Fail,
    Recover,
    Boundary(usize),
}

impl GeoFailover {
    /// Users in `regions`, served by data centers whose servers take `service` seconds
    /// per request. Add sites with [`data_center`](Self::data_center) and traffic with
    /// [`users`](Self::users). Defaults: 600 s measured after 60 s of warm-up, no outage,
    /// failover delay 30 s, unbounded queues.
    pub fn new(regions: Regions, service: Dist) -> GeoFailover {
        let n = regions.len();
        GeoFailover {
            regions,
            service,
            sites: Vec::new(),
            users: vec![0.0; n],
            outage: None,
            failover_delay: 30.0,
            duration: 600.0,
            warmup: 60.0,
            queue_limit: None,
            max_backlog: 1_000_000,
            window: None,
        }
    }

    /// A data center with `servers` ≥ 1 servers in the region called `region` (one per
    /// region).
    pub fn data_center(mut self, region: &str, servers: usize) -> Result<GeoFailover> {
        let r = self.regions.index(region)?;
        at_least_one("servers", servers)?;
        if self.sites.iter().any(|&(sr, _)| sr == r) {
            return Err(Error::param(
                "region",
                format!("`{region}`"),
                "a region without a data center yet (one per region)",
            ));
        }
        self.sites.push((r, servers));
        Ok(self)
    }

    /// Users in the region called `region` send `rate` > 0 requests per second (Poisson).
    pub fn users(mut self, region: &str, rate: f64) -> Result<GeoFailover> {
        let r = self.regions.index(region)?;
        self.users[r] = positive("rate", rate)?;
        Ok(self)
    }

    /// The data center in region `region` is down from `from` to `until` seconds
    /// (`until` may be `f64::INFINITY`: it never comes back).
    pub fn outage(mut self, region: &str, from: f64, until: f64) -> Result<GeoFailover> {
        let r = self.regions.index(region)?;
        let site = self
            .sites
            .iter()
            .position(|&(sr, _)| sr == r)
            .ok_or_else(|| {
                Error::param(
                    "region",
                    format!("`{region}`"),
                    "a region with a data center (add it first)",
                )
            })?;
        non_negative("from", from)?;
        if until.is_nan() || until <= from {
            return Err(Error::param("until", until, format!("> from ({from})")));
        }
        self.outage = Some((site, from, until));
        Ok(self)
    }

    /// Routing moves users `delay` ≥ 0 seconds after a failure or recovery.
    pub fn failover_delay(mut self, delay: f64) -> Result<GeoFailover> {
        self.failover_delay = non_negative("failover_delay", delay)?;
        Ok(self)
    }

    /// Measures `seconds` > 0 of traffic (after the warm-up).
    pub fn duration(mut self, seconds: f64) -> Result<GeoFailover> {
        self.duration = positive("duration", seconds)?;
        Ok(self)
    }

    /// Runs `seconds` ≥ 0 before measuring. Times of outages count from the start of
    /// the run, warm-up included.
    pub fn warmup(mut self, seconds: f64) -> Result<GeoFailover> {
        self.warmup = non_negative("warmup", seconds)?;
        Ok(self)
    }

    /// At most `limit` requests wait at each data center; more are errors.
    pub fn queue_limit(mut self, limit: usize) -> GeoFailover {
        self.queue_limit = Some(limit);
        self
    }

    /// Stops (and says so) once more than `n` ≥ 1 requests wait at one site: the guard
    /// against an overloaded survivor filling memory. Default 1 000 000.
    pub fn max_backlog(mut self, n: usize) -> Result<GeoFailover> {
        self.max_backlog = at_least_one("max_backlog", n)?;
        Ok(self)
    }

    /// Also records each region's latency and errors per window of `window` seconds.
    pub fn time_series(mut self, window: f64) -> Result<GeoFailover> {
        self.window = Some(positive("window", window)?);
        Ok(self)
    }

    /// The phases of the measured window `[warmup, warmup + duration)`.
    pub fn phases(&self) -> Vec<PhaseSpan> {
        let (start, end) = (self.warmup, self.warmup + self.duration);
        let mut marks: Vec<(f64, Phase)> = vec![(0.0, Phase::Normal)];
        if let Some((_, from, until)) = self.outage {
            let d = self.failover_delay;
            marks.push((from, Phase::Detecting));
            if until > from + d {
                marks.push((from + d, Phase::FailedOver));
                if until.is_finite() {
                    marks.push((until, Phase::Returning));
                    marks.push((until + d, Phase::Recovered));
                }
            } else {
                marks.push((until, Phase::Recovered));
            }
        }
        let mut spans = Vec::new();
        for (i, &(at, phase)) in marks.iter().enumerate() {
            let next = marks.get(i + 1).map_or(f64::INFINITY, |m| m.0);
            let (s, e) = (at.max(start), next.min(end));
            if e > s {
                spans.push(PhaseSpan {
                    phase,
                    start: s,
                    end: e,
                });
            }
        }
        spans
    }

    /// Runs the experiment with `seed`.
    pub fn run(&self, seed: u64) -> Result<GeoReport> {
        if self.sites.is_empty() {
            return Err(Error::InvalidConfig(
                "no data center: add one with `data_center(region, servers)`".into(),
            ));
        }
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
        let site_regions: Vec<usize> = self.sites.iter().map(|&(r, _)| r).collect();
        let mut router = GeoRouter::new(self.regions.clone(), &site_regions)?
            .with_failover_delay(self.failover_delay)?;
        let mut stations = Vec::with_capacity(self.sites.len());
        for &(_, servers) in &self.sites {
            let mut s: Station<Job> = Station::new(servers)?;
            if let Some(limit) = self.queue_limit {
                s = s.with_queue_limit(limit);
            }
            stations.push(s);
        }

        let phases = self.phases();
        let end = self.warmup + self.duration;
        let arrivals = Arrivals::poisson(total)?;
        let mut rng = SimRng::stream(seed, 0);
        let mut events = EventQueue::new();
        let mut regions: Vec<RegionReport> = user_regions
            .iter()
            .map(|&r| RegionReport {
                name: self.regions.name(r).to_string(),
                phases: vec![RegionPhase::default(); phases.len()],
            })
            .collect();
        let slot_of_region: Vec<Option<usize>> = (0..self.regions.len())
            .map(|r| user_regions.iter().position(|&u| u == r))
            .collect();
        let mut snapshots: Vec<Vec<StationStats>> =
            vec![Vec::with_capacity(phases.len() + 1); stations.len()];
        let mut series = match self.window {
            Some(w) => {
                let mut v = Vec::with_capacity(user_regions.len());
                for &r in &user_regions {
                    v.push(GeoSeries {
                        name: self.regions.name(r).to_string(),
                        latency: LatencySeries::new(w)?,
                        errors: TimeSeries::new(w)?,
                    });
                }
                Some(v)
            }
            None => None,
        };

        let mut rec = Recorder {
            regions: &mut regions,
            series: series.as_mut(),
            slot_of_region: &slot_of_region,
        };
        for (i, p) in phases.iter().enumerate() {
            events.schedule_at(p.start, Event::Boundary(i));
        }
        events.schedule_at(end, Event::Boundary(phases.len()));
        if let Some((_, from, until)) = self.outage {
            events.schedule_at(from, Event::Fail);
            if until.is_finite() {
                events.schedule_at(until, Event::Recover);
            }
        }
        events.schedule_at(arrivals.next(0.0, &mut rng), Event::Arrival);
        let mut stopped_early = None;
        let mut current_phase: Option<usize> = None;

        while let Some((now, event)) = events.pop() {
            match event {
                Event::Arrival => {
                    let u = rng.uniform();
                    let slot = cumulative
                        .iter()
                        .position(|&c| u < c)
                        .unwrap_or(cumulative.len() - 1);
                    let region = user_regions[slot];
                    let job = Job {
                        region,
                        sent: now,
                        phase: current_phase,
                    };
                    rec.arrived(job);
                    match router.route(now, region) {
                        None => rec.error(now, job),
                        Some(site) => {
                            let service = self.service.sample(&mut rng);
                            match stations[site].arrive(now, job, service) {
                                Admission::Started(s) => schedule_done(&mut events, site, s),
                                Admission::Queued => {
                                    if stations[site].queue_len() > self.max_backlog {
                                        stopped_early = Some(format!(
                                            "stopped at t = {now:.1} s: more than {} requests were waiting at the data center in {}. \
                                             Its offered load is above its capacity: the survivor cannot absorb the moved traffic.",
                                            self.max_backlog,
                                            self.regions.name(self.sites[site].0)
                                        ));
                                        break;
                                    }
                                }
                                Admission::Rejected(job) => rec.error(now, job),
                            }
                        }
                    }
                    let next = arrivals.next(now, &mut rng);
                    if next < end {
                        events.schedule_at(next, Event::Arrival);
                    }
                }
                Event::Done { site, epoch, job } => {
                    if stations[site].finish(now, epoch) {
                        let site_region = self.sites[site].0;
                        rec.served(
                            now,
                            job,
                            self.regions.user_rtt(job.region, site_region) + (now - job.sent),
                        );
                    } else {
                        rec.error(now, job);
                    }
                    let mut gave_up = Vec::new();
                    if let Some(s) = stations[site].start_next(now, |j, _| gave_up.push(j)) {
                        schedule_done(&mut events, site, s);
                    }
                    for j in gave_up {
                        rec.error(now, j);
                    }
                }
                Event::Fail => {
                    let (site, _, _) = self.outage.expect("a Fail event comes from an outage");
                    router.fail(now, site);
                    for job in stations[site].crash(now) {
                        rec.error(now, job);
                    }
                }
                Event::Recover => {
                    let (site, _, _) = self.outage.expect("a Recover event comes from an outage");
                    router.recover(now, site);
                    stations[site].recover(now);
                }
                Event::Boundary(i) => {
                    for (k, s) in stations.iter().enumerate() {
                        snapshots[k].push(s.stats(now));
                    }
                    current_phase = (i < phases.len()).then_some(i);
                }
            }
        }

        let sites = self
            .sites
            .iter()
            .zip(&snapshots)
            .map(|(&(r, _), snaps)| SiteReport {
                name: self.regions.name(r).to_string(),
                phases: snaps
                    .windows(2)
                    .map(|w| stats_between(&w[1], &w[0]))
                    .collect(),
            })
            .collect();
        Ok(GeoReport {
            phases,
            regions,
            sites,
            series,
            stopped_early,
        })
    }
}

#[inline]
fn schedule_done(events: &mut EventQueue<Event>, site: usize, s: Start<Job>) {
    events.schedule_at(
        s.done_at,
        Event::Done {
            site,
            epoch: s.epoch,
            job: s.job,
        },
    );
}

/// The statistics of a station over the window between two snapshots (`max_queue` is
/// the longest queue since the start).
pub(crate) fn stats_between(later: &StationStats, earlier: &StationStats) -> StationStats {
    StationStats {
        arrived: later.arrived - earlier.arrived,
        started: later.started - earlier.started,
        completed: later.completed - earlier.completed,
        rejected: later.rejected - earlier.rejected,
        timed_out: later.timed_out - earlier.timed_out,
        lost: later.lost - earlier.lost,
        max_queue: later.max_queue,
        busy_time: later.busy_time - earlier.busy_time,
        capacity_time: later.capacity_time - earlier.capacity_time,
        queue_area: later.queue_area - earlier.queue_area,
        elapsed: later.elapsed - earlier.elapsed,
    }
}

/// Routes what happens to a request into its region's phase and series.
struct Recorder<'a> {
    regions: &'a mut [RegionReport],
    series: Option<&'a mut Vec<GeoSeries>>,
    slot_of_region: &'a [Option<usize>],
}

impl Recorder<'_> {
    fn slot(&self, job: Job) -> usize {
        self.slot_of_region[job.region].expect("requests come from regions with users")
    }

    fn arrived(&mut self, job: Job) {
        if let Some(p) = job.phase {
            let slot = self.slot(job);
            self.regions[slot].phases[p].arrived += 1;
        }
    }

    fn served(&mut self, now: f64, job: Job, latency: f64) {
        let slot = self.slot(job);
        if let Some(p) = job.phase {
            self.regions[slot].phases[p].latency.record(latency);
        }
        if let Some(series) = self.series.as_deref_mut() {
            series[slot].latency.record(now, latency);
        }
    }

    fn error(&mut self, now: f64, job: Job) {
        let slot = self.slot(job);
        if let Some(p) = job.phase {
            self.regions[slot].phases[p].errors += 1;
        }
        if let Some(series) = self.series.as_deref_mut() {
            series[slot].errors.record(now, 1.0);
        }
    }
}

/// A phase's name in the tables, in the reader's language.
fn phase_label(phase: Phase) -> &'static str {
    match phase {
        Phase::Normal => t("평상시", "normal"),
        Phase::Detecting => t("감지 중", "detecting"),
        Phase::FailedOver => t("장애 조치 후", "failed over"),
        Phase::Returning => t("복귀 중", "returning"),
        Phase::Recovered => t("복구됨", "recovered"),
    }
}

impl ToTable for GeoReport {
    /// One row per phase and user region: requests, error ratio and latency (ms).
    fn to_table(&self) -> Table {
        let mut phase = Vec::new();
        let mut region = Vec::new();
        let mut requests = Vec::new();
        let mut errors = Vec::new();
        let (mut mean, mut p50, mut p99) = (Vec::new(), Vec::new(), Vec::new());
        for (i, span) in self.phases.iter().enumerate() {
            for r in &self.regions {
                let p = &r.phases[i];
                phase.push(phase_label(span.phase).to_string());
                region.push(r.name.clone());
                requests.push(p.arrived);
                errors.push(p.error_ratio());
                let ms = |v: f64| if v.is_nan() { None } else { Some(v * 1e3) };
                mean.push(ms(p.latency.mean()));
                p50.push(ms(p.latency.p50()));
                p99.push(ms(p.latency.p99()));
            }
        }
        Table::builder()
            .column(t("단계", "phase"), phase)
            .column(t("지역", "region"), region)
            .column(t("요청", "requests"), requests)
            .column(t("오류 비율", "error ratio"), errors)
            .column(t("평균 (ms)", "mean (ms)"), mean)
            .column("p50 (ms)", p50)
            .column("p99 (ms)", p99)
            .build()
            .expect("columns of one length with distinct names")
    }
}

impl GeoReport {
    /// One row per phase and data center: its utilisation and completions per second.
    pub fn sites_table(&self) -> Table {
        let mut phase = Vec::new();
        let mut site = Vec::new();
        let mut utilisation = Vec::new();
        let mut throughput = Vec::new();
        for (i, span) in self.phases.iter().enumerate() {
            for s in &self.sites {
                let st = &s.phases[i];
                phase.push(phase_label(span.phase).to_string());
                site.push(s.name.clone());
                utilisation.push(st.utilisation());
                throughput.push(st.completed as f64 / span.length());
            }
        }
        Table::builder()
            .column(t("단계", "phase"), phase)
            .column(t("데이터 센터", "data center"), site)
            .column(t("이용률", "utilisation"), utilisation)
            .column(t("처리량 (요청/초)", "throughput (requests/s)"), throughput)
            .build()
            .expect("columns of one length with distinct names")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two() -> Regions {
        Regions::new(
            &["east", "west"],
            &[0.010, 0.020],
            &[[0.0, 0.060], [0.060, 0.0]],
        )
        .unwrap()
    }

    #[test]
    fn router_moves_users_after_the_delay_and_back() {
        let mut r = GeoRouter::new(two(), &[0, 1])
            .unwrap()
            .with_failover_delay(5.0)
            .unwrap();
        assert_eq!(r.route(0.0, 0), Some(0));
        assert_eq!(r.fail(10.0, 0), 15.0);
        assert!(!r.is_up(0));
        assert_eq!(r.route(14.9, 0), Some(0), "not noticed yet");
        assert_eq!(r.route(15.0, 0), Some(1), "failed over");
        assert_eq!(r.route(15.0, 1), Some(1));
        assert_eq!(r.recover(20.0, 0), 25.0);
        assert_eq!(r.route(24.0, 0), Some(1));
        assert_eq!(r.route(25.0, 0), Some(0));
    }

    #[test]
    fn a_blip_shorter_than_the_delay_is_never_failed_over() {
        let mut r = GeoRouter::new(two(), &[0, 1])
            .unwrap()
            .with_failover_delay(5.0)
            .unwrap();
        r.fail(1.0, 0);
        assert_eq!(r.recover(3.0, 0), 3.0);
        assert_eq!(r.route(10.0, 0), Some(0));
        assert!(r.is_up(0));
    }

    #[test]
    fn no_listed_site_routes_nowhere_and_zero_delay_is_immediate() {
        let mut r = GeoRouter::new(two(), &[0]).unwrap();
        r.fail(1.0, 0);
        assert_eq!(r.route(1.0, 0), None);
        assert_eq!(r.route(1.0, 1), None);
        assert!(GeoRouter::new(two(), &[]).is_err());
        assert!(
            GeoRouter::new(two(), &[2])
                .unwrap_err()
                .to_string()
                .contains("below 2")
        );
        assert!(
            GeoRouter::new(two(), &[0])
                .unwrap()
                .with_failover_delay(-1.0)
                .is_err()
        );
    }

    #[test]
    fn phases_follow_the_outage() {
        let base = GeoFailover::new(two(), Dist::exponential(0.01).unwrap())
            .data_center("east", 2)
            .unwrap()
            .warmup(10.0)
            .unwrap()
            .duration(100.0)
            .unwrap()
            .failover_delay(5.0)
            .unwrap();
        let p = base.clone().outage("east", 30.0, 60.0).unwrap().phases();
        let names: Vec<Phase> = p.iter().map(|s| s.phase).collect();
        assert_eq!(
            names,
            [
                Phase::Normal,
                Phase::Detecting,
                Phase::FailedOver,
                Phase::Returning,
                Phase::Recovered
            ]
        );
        assert_eq!(
            (p[0].start, p[0].end, p[2].start, p[4].start, p[4].end),
            (10.0, 30.0, 35.0, 65.0, 110.0)
        );
        let blip = base.clone().outage("east", 30.0, 32.0).unwrap().phases();
        assert_eq!(
            blip.iter().map(|s| s.phase).collect::<Vec<_>>(),
            [Phase::Normal, Phase::Detecting, Phase::Recovered]
        );
        let forever = base.outage("east", 8.0, f64::INFINITY).unwrap().phases();
        assert_eq!(
            forever.iter().map(|s| s.phase).collect::<Vec<_>>(),
            [Phase::Detecting, Phase::FailedOver]
        );
        assert_eq!(forever[0].start, 10.0, "clipped to the measured window");
    }

    #[test]
    fn bad_configurations_are_clear_errors() {
        let g = GeoFailover::new(two(), Dist::exponential(0.01).unwrap());
        assert!(
            g.clone()
                .data_center("north", 1)
                .unwrap_err()
                .to_string()
                .contains("east, west")
        );
        assert!(g.clone().data_center("east", 0).is_err());
        assert!(
            g.clone()
                .data_center("east", 1)
                .unwrap()
                .data_center("east", 2)
                .unwrap_err()
                .to_string()
                .contains("one per region")
        );
        assert!(
            g.clone()
                .outage("east", 1.0, 2.0)
                .unwrap_err()
                .to_string()
                .contains("add it first")
        );
        let with_dc = g.clone().data_center("east", 1).unwrap();
        assert!(
            with_dc
                .clone()
                .outage("east", 5.0, 5.0)
                .unwrap_err()
                .to_string()
                .contains("until")
        );
        assert!(with_dc.clone().users("east", 0.0).is_err());
        assert!(with_dc.run(1).unwrap_err().to_string().contains("no users"));
        assert!(
            g.users("east", 1.0)
                .unwrap()
                .run(1)
                .unwrap_err()
                .to_string()
                .contains("no data center")
        );
    }

    #[test]
    fn same_seed_same_report() {
        let g = GeoFailover::new(two(), Dist::exponential(0.01).unwrap())
            .data_center("east", 2)
            .unwrap()
            .data_center("west", 2)
            .unwrap()
            .users("east", 100.0)
            .unwrap()
            .users("west", 50.0)
            .unwrap()
            .outage("east", 20.0, 40.0)
            .unwrap()
            .failover_delay(2.0)
            .unwrap()
            .warmup(5.0)
            .unwrap()
            .duration(60.0)
            .unwrap()
            .time_series(5.0)
            .unwrap();
        let a = g.run(3).unwrap();
        let b = g.run(3).unwrap();
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        assert_eq!(a.phases.len(), 5);
        let east = a.region("east").unwrap();
        let detecting = east.in_phase(&a, Phase::Detecting).unwrap();
        assert!(
            detecting.errors > 0 && detecting.error_ratio() > 0.5,
            "{detecting:?}"
        );
        assert!(a.region("north").is_err());
        let table = a.to_table().to_csv();
        assert!(
            table.starts_with("phase,region,requests,error ratio,mean (ms),p50 (ms),p99 (ms)\n"),
            "{table}"
        );
        assert_eq!(
            table.lines().count(),
            1 + 5 * 2,
            "a row per phase and region"
        );
        assert!(table.contains("detecting,east,"), "{table}");
        let sites = a.sites_table().to_csv();
        assert_eq!(sites.lines().count(), 1 + 5 * 2);
        assert!(
            a.site("east")
                .unwrap()
                .in_phase(&a, Phase::FailedOver)
                .unwrap()
                .capacity_time
                == 0.0
        );
    }
}
