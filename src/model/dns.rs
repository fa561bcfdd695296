//! DNS: the first step of every visit, and the first way to send users to the right
//! data center.
//!
//! Before a browser can send a request it needs the site's address. It asks a
//! *resolver* (the ISP's or a public one); if the resolver has the answer cached, the
//! lookup costs a few milliseconds. If not, the resolver asks the site's *authoritative*
//! server (tens of milliseconds more), and caches the answer for the record's TTL.
//!
//! - [`GeoRouting`] is the authoritative server's policy: each region's users get the
//!   nearest *healthy* data center. Data-center health is set by the caller (a health
//!   checker), and takes effect on the next authoritative answer.
//! - [`Dns`] is one caching resolver per region in front of it. A lookup is answered from
//!   the cache, joins a resolution already in flight, or goes to the authoritative
//!   server. Cached answers are not re-checked: when a data center dies, users whose
//!   resolver cached it keep being sent there until the TTL runs out. That is the TTL
//!   trade-off: a long TTL makes lookups fast and cheap, a short one makes failover fast.
//! - [`expected_cache_share`] is the theory: with Poisson lookups at rate r, a TTL T and
//!   an authoritative round trip L, a fraction rT / (1 + r(L + T)) of lookups are served
//!   from the cache (a miss, rL lookups joining it while it is in flight, then rT hits
//!   while the answer is fresh: a renewal cycle).
//! - [`DnsCaching`] is the ready-made experiment: lookups from every region, an optional
//!   data-center outage, and how many answers were stale.

use crate::error::{Error, Result, at_least_one, non_negative, positive};
use crate::model::failure::FailureModel;
use crate::sim::{Dist, EventQueue, LatencyHistogram, SimRng, TimeSeries};

/// Which data centers each region may use, how far each is, and which are healthy.
#[derive(Debug, Clone, PartialEq)]
pub struct GeoRouting {
    data_centers: usize,
    /// Per region, `(data center, round-trip time)` sorted nearest first.
    preferences: Vec<Vec<(usize, f64)>>,
    healthy: Vec<bool>,
}

impl GeoRouting {
    /// `data_centers` ≥ 1 data centers, all healthy, and no region yet: add regions
    /// with [`region`](Self::region).
    pub fn new(data_centers: usize) -> Result<Self> {
        Ok(GeoRouting {
            data_centers: at_least_one("data_centers", data_centers)?,
            preferences: Vec::new(),
            healthy: vec![true; data_centers],
        })
    }

    /// Every region can use every data center: `rtt[r][d]` is the round-trip time in
    /// seconds from region `r` to data center `d` (one row per region, all rows as long).
    pub fn from_matrix(rtt: &[Vec<f64>]) -> Result<Self> {
        let first = rtt
            .first()
            .ok_or_else(|| Error::InvalidConfig("geo-routing needs at least one region".into()))?;
        if first.is_empty() {
            return Err(Error::InvalidConfig("region 0 has no data center".into()));
        }
        let mut geo = GeoRouting::new(first.len())?;
        for (r, row) in rtt.iter().enumerate() {
            if row.len() != first.len() {
                return Err(Error::InvalidConfig(format!(
                    "region {r} lists {} data centers, region 0 lists {}: every row needs one entry per data center",
                    row.len(),
                    first.len()
                )));
            }
            let reachable: Vec<(usize, f64)> = row.iter().copied().enumerate().collect();
            geo = geo.region(&reachable)?;
        }
        Ok(geo)
    }

    /// Adds the next region (index = regions so far), which may use the data centers
    /// listed as `(data center, round-trip time in seconds)`. A region with none is an
    /// error: its users could never be served.
    pub fn region(mut self, reachable: &[(usize, f64)]) -> Result<Self> {
        let r = self.preferences.len();
        if reachable.is_empty() {
            return Err(Error::InvalidConfig(format!(
                "region {r} has no data center: its users could never be served"
            )));
        }
        let mut list = Vec::with_capacity(reachable.len());
        for &(dc, rtt) in reachable {
            if dc >= self.data_centers {
                return Err(Error::param(
                    "data center",
                    dc,
                    format!("below {} (the number of data centers)", self.data_centers),
                ));
            }
            if list.iter().any(|&(d, _)| d == dc) {
                return Err(Error::InvalidConfig(format!(
                    "region {r} lists data center {dc} twice"
                )));
            }
            list.push((dc, non_negative("rtt", rtt)?));
        }
        list.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        self.preferences.push(list);
        Ok(self)
    }

    /// How many regions.
    pub fn regions(&self) -> usize {
        self.preferences.len()
    }

    /// How many data centers.
    pub fn data_centers(&self) -> usize {
        self.data_centers
    }

    /// Marks data center `dc` healthy or not (from the next authoritative answer on).
    pub fn set_healthy(&mut self, dc: usize, healthy: bool) -> Result<()> {
        let slot = self.healthy.get_mut(dc).ok_or_else(|| {
            Error::param("data center", dc, format!("below {}", self.data_centers))
        })?;
        *slot = healthy;
        Ok(())
    }

    /// Whether data center `dc` is healthy (false if out of range).
    pub fn is_healthy(&self, dc: usize) -> bool {
        self.healthy.get(dc).copied().unwrap_or(false)
    }

    /// The nearest healthy data center of `region`; `None` if none is healthy or the
    /// region does not exist.
    #[inline]
    pub fn route(&self, region: usize) -> Option<usize> {
        self.preferences
            .get(region)?
            .iter()
            .map(|&(dc, _)| dc)
            .find(|&dc| self.healthy[dc])
    }

    /// The round-trip time from `region` to `dc`, if that region may use it.
    pub fn rtt(&self, region: usize, dc: usize) -> Option<f64> {
        self.preferences
            .get(region)?
            .iter()
            .find(|&&(d, _)| d == dc)
            .map(|&(_, t)| t)
    }
}

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The resolver's cache held a fresh answer.
    Cache,
    /// Another lookup had already asked the authoritative server; this one waited for
    /// the same answer.
    InFlight,
    /// The resolver asked the authoritative server.
    Authoritative,
}

/// The answer to one lookup.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Resolution {
    /// The data center to connect to; `None` if no data center is healthy.
    pub data_center: Option<usize>,
    /// How long the lookup took, in seconds.
    pub latency: f64,
    /// Where the answer came from.
    pub source: Source,
}

/// Counts of a [`Dns`]'s lookups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DnsStats {
    /// All lookups.
    pub lookups: u64,
    /// Answered from a resolver's cache.
    pub cache: u64,
    /// Joined a resolution in flight.
    pub in_flight: u64,
    /// Went to the authoritative server.
    pub authoritative: u64,
    /// Got no data center (none healthy).
    pub unanswered: u64,
}

impl DnsStats {
    /// The fraction of lookups answered from a cache.
    pub fn cache_share(&self) -> f64 {
        if self.lookups == 0 {
            0.0
        } else {
            self.cache as f64 / self.lookups as f64
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    answer: Option<usize>,
    resolved_at: f64,
    expires_at: f64,
}

const EMPTY: Entry = Entry {
    answer: None,
    resolved_at: f64::NEG_INFINITY,
    expires_at: f64::NEG_INFINITY,
};

/// One caching resolver per region in front of a geo-routing authoritative server.
#[derive(Debug, Clone)]
pub struct Dns {
    geo: GeoRouting,
    ttl: f64,
    resolver: Dist,
    authoritative: Dist,
    cache: Vec<Entry>,
    stats: DnsStats,
}

impl Dns {
    /// Resolvers caching answers for `ttl` ≥ 0 seconds (0: no caching), 2 ms from their
    /// users, 40 ms from the authoritative server (change with
    /// [`latencies`](Self::latencies)).
    pub fn new(geo: GeoRouting, ttl: f64) -> Result<Self> {
        let ttl = non_negative("ttl", ttl)?;
        let regions = geo.regions();
        if regions == 0 {
            return Err(Error::InvalidConfig(
                "DNS geo-routing has no region: add one with `GeoRouting::region`".into(),
            ));
        }
        Ok(Dns {
            geo,
            ttl,
            resolver: Dist::constant(0.002)?,
            authoritative: Dist::constant(0.040)?,
            cache: vec![EMPTY; regions],
            stats: DnsStats::default(),
        })
    }

    /// Sets the latency from a user to its resolver and the round trip from a resolver to
    /// the authoritative server.
    pub fn latencies(mut self, resolver: Dist, authoritative: Dist) -> Self {
        self.resolver = resolver;
        self.authoritative = authoritative;
        self
    }

    /// The TTL, in seconds.
    pub fn ttl(&self) -> f64 {
        self.ttl
    }

    /// The geo-routing policy.
    pub fn geo(&self) -> &GeoRouting {
        &self.geo
    }

    /// The geo-routing policy, to mark data centers healthy or not.
    pub fn geo_mut(&mut self) -> &mut GeoRouting {
        &mut self.geo
    }

    /// Counts so far.
    pub fn stats(&self) -> DnsStats {
        self.stats
    }

    /// Empties every resolver's cache.
    pub fn flush(&mut self) {
        self.cache.fill(EMPTY);
    }

    /// A user of `region` looks the site up at `now`.
    #[inline]
    pub fn lookup(&mut self, now: f64, region: usize, rng: &mut SimRng) -> Result<Resolution> {
        let regions = self.cache.len();
        let entry = self.cache.get_mut(region).ok_or_else(|| {
            Error::param(
                "region",
                region,
                format!("below {regions} (the regions of the DNS)"),
            )
        })?;
        self.stats.lookups += 1;
        let to_resolver = self.resolver.sample(rng);
        if entry.answer.is_some() && now < entry.expires_at {
            let (latency, source) = if now >= entry.resolved_at {
                self.stats.cache += 1;
                (to_resolver, Source::Cache)
            } else {
                self.stats.in_flight += 1;
                (entry.resolved_at - now + to_resolver, Source::InFlight)
            };
            return Ok(Resolution {
                data_center: entry.answer,
                latency,
                source,
            });
        }
        self.stats.authoritative += 1;
        let round_trip = self.authoritative.sample(rng);
        let answer = self.geo.route(region);
        match answer {
            // Only real answers are cached.
            Some(_) => {
                *entry = Entry {
                    answer,
                    resolved_at: now + round_trip,
                    expires_at: now + round_trip + self.ttl,
                }
            }
            None => self.stats.unanswered += 1,
        }
        Ok(Resolution {
            data_center: answer,
            latency: to_resolver + round_trip,
            source: Source::Authoritative,
        })
    }
}

/// The expected fraction of lookups a resolver answers from its cache, for Poisson
/// lookups at `rate` per second, a TTL of `ttl` seconds and a mean authoritative round
/// trip of `round_trip` seconds: rT / (1 + r(L + T)). With L = 0 it is rT / (1 + rT).
pub fn expected_cache_share(rate: f64, ttl: f64, round_trip: f64) -> Result<f64> {
    let r = positive("rate", rate)?;
    let t = non_negative("ttl", ttl)?;
    let l = non_negative("round_trip", round_trip)?;
    Ok(r * t / (1.0 + r * (l + t)))
}

/// The ready-made DNS experiment: Poisson lookups from every region of a
/// [`GeoRouting`] through caching resolvers, optionally with a data center failing.
#[derive(Debug, Clone)]
pub struct DnsCaching {
    geo: GeoRouting,
    ttl: f64,
    rate: f64,
    resolver: Dist,
    authoritative: Dist,
    duration: f64,
    outages: Vec<(usize, FailureModel)>,
    window: f64,
}

/// What a [`DnsCaching`] run measured.
#[derive(Debug, Clone)]
pub struct DnsReport {
    /// The resolvers' counts.
    pub stats: DnsStats,
    /// The fraction of lookups answered from a cache.
    pub cache_share: f64,
    /// What [`expected_cache_share`] predicts (the outage aside).
    pub expected_share: f64,
    /// Lookup latencies.
    pub latency: LatencyHistogram,
    /// Lookups answered with a data center that was down at that moment.
    pub stale_answers: u64,
    /// The last time a stale answer was given, if any.
    pub last_stale_at: Option<f64>,
    /// Answers per data center.
    pub answers_per_data_center: Vec<u64>,
    /// Stale answers per window (value 1 each: use `rates()` or `bins()`).
    pub stale_over_time: TimeSeries,
    /// Seconds simulated.
    pub duration: f64,
}

#[derive(Debug, Clone, Copy)]
enum Ev {
    Lookup,
    Down(usize),
    Up(usize),
}

impl DnsCaching {
    /// Lookups at `rate` per second from each region of `geo`, a TTL of `ttl` seconds;
    /// 2 ms to the resolver, 40 ms to the authoritative server, 10 000 s simulated.
    pub fn new(geo: GeoRouting, ttl: f64, rate: f64) -> Result<Self> {
        Dns::new(geo.clone(), ttl)?;
        Ok(DnsCaching {
            geo,
            ttl,
            rate: positive("rate", rate)?,
            resolver: Dist::constant(0.002)?,
            authoritative: Dist::constant(0.040)?,
            duration: 10_000.0,
            outages: Vec::new(),
            window: 10.0,
        })
    }

    /// Sets the resolver and authoritative latencies (see [`Dns::latencies`]).
    pub fn latencies(mut self, resolver: Dist, authoritative: Dist) -> Self {
        self.resolver = resolver;
        self.authoritative = authoritative;
        self
    }

    /// How long to simulate, in seconds.
    pub fn duration(mut self, seconds: f64) -> Result<Self> {
        self.duration = positive("duration", seconds)?;
        Ok(self)
    }

    /// Data center `dc` fails as `model` says; the authoritative server learns at once,
    /// the caches only when their answers expire.
    pub fn data_center_failures(mut self, dc: usize, model: FailureModel) -> Result<Self> {
        if dc >= self.geo.data_centers() {
            return Err(Error::param(
                "data center",
                dc,
                format!("below {}", self.geo.data_centers()),
            ));
        }
        self.outages.push((dc, model));
        Ok(self)
    }

    /// The window of the stale-answer time series, in seconds (default 10).
    pub fn window(mut self, seconds: f64) -> Result<Self> {
        self.window = positive("window", seconds)?;
        Ok(self)
    }

    /// Runs it with `seed`.
    pub fn run(&self, seed: u64) -> Result<DnsReport> {
        let mut dns =
            Dns::new(self.geo.clone(), self.ttl)?.latencies(self.resolver, self.authoritative);
        let regions = self.geo.regions();
        let mut arrivals = SimRng::stream(seed, 0);
        let mut lookups = SimRng::stream(seed, 1);
        let mut failures: Vec<SimRng> = (0..self.outages.len() as u64)
            .map(|i| SimRng::stream(seed, 100 + i))
            .collect();
        let mut down = vec![0u32; self.geo.data_centers()];
        let total_rate = self.rate * regions as f64;
        let mut events = EventQueue::new();
        events.schedule_at(exp(&mut arrivals) / total_rate, Ev::Lookup);
        for (i, (_, model)) in self.outages.iter().enumerate() {
            if let Some(o) = model.next_outage(0.0, &mut failures[i]) {
                events.schedule_at(o.start, Ev::Down(i));
                events.schedule_at(o.end, Ev::Up(i));
            }
        }
        let mut latency = LatencyHistogram::new();
        let mut stale = 0u64;
        let mut last_stale_at = None;
        let mut per_dc = vec![0u64; self.geo.data_centers()];
        let mut stale_series = TimeSeries::new(self.window)?;
        while let Some((now, ev)) = events.pop() {
            if now > self.duration {
                break;
            }
            match ev {
                Ev::Lookup => {
                    let region = arrivals.index(regions);
                    let r = dns.lookup(now, region, &mut lookups)?;
                    latency.record(r.latency);
                    if let Some(dc) = r.data_center {
                        per_dc[dc] += 1;
                        if down[dc] > 0 {
                            stale += 1;
                            last_stale_at = Some(now);
                            stale_series.record(now, 1.0);
                        }
                    }
                    events.schedule_at(now + exp(&mut arrivals) / total_rate, Ev::Lookup);
                }
                Ev::Down(i) => {
                    let dc = self.outages[i].0;
                    down[dc] += 1;
                    dns.geo_mut().set_healthy(dc, false)?;
                }
                Ev::Up(i) => {
                    let dc = self.outages[i].0;
                    down[dc] -= 1;
                    if down[dc] == 0 {
                        dns.geo_mut().set_healthy(dc, true)?;
                    }
                    if let Some(o) = self.outages[i].1.next_outage(now, &mut failures[i]) {
                        events.schedule_at(o.start, Ev::Down(i));
                        events.schedule_at(o.end, Ev::Up(i));
                    }
                }
            }
        }
        let stats = dns.stats();
        Ok(DnsReport {
            stats,
            cache_share: stats.cache_share(),
            expected_share: expected_cache_share(self.rate, self.ttl, self.authoritative.mean())?,
            latency,
            stale_answers: stale,
            last_stale_at,
            answers_per_data_center: per_dc,
            stale_over_time: stale_series,
            duration: self.duration,
        })
    }
}

#[inline]
fn exp(rng: &mut SimRng) -> f64 {
    -rng.uniform_open0().ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_regions() -> GeoRouting {
        // Region 0 is near DC 0, region 1 near DC 1.
        GeoRouting::from_matrix(&[vec![0.010, 0.150], vec![0.140, 0.020]]).unwrap()
    }

    #[test]
    fn geo_routing_prefers_the_nearest_healthy_data_center() {
        let mut g = two_regions();
        assert_eq!((g.route(0), g.route(1)), (Some(0), Some(1)));
        g.set_healthy(0, false).unwrap();
        assert_eq!((g.route(0), g.route(1)), (Some(1), Some(1)));
        g.set_healthy(1, false).unwrap();
        assert_eq!(g.route(0), None);
        assert_eq!(g.route(7), None);
        assert_eq!(g.rtt(1, 0), Some(0.140));
        assert!(g.set_healthy(2, true).is_err());
        // A region restricted to one data center (data residency) never leaves it.
        let eu = GeoRouting::new(2).unwrap().region(&[(1, 0.03)]).unwrap();
        assert_eq!(eu.route(0), Some(1));
    }

    #[test]
    fn invalid_geo_routing_is_a_clear_error() {
        let e = GeoRouting::new(2)
            .unwrap()
            .region(&[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("region 0 has no data center"), "{e}");
        assert!(
            GeoRouting::from_matrix(&[vec![]])
                .unwrap_err()
                .to_string()
                .contains("region 0 has no data center")
        );
        assert!(GeoRouting::from_matrix(&[]).is_err());
        assert!(
            GeoRouting::from_matrix(&[vec![0.1], vec![0.1, 0.2]])
                .unwrap_err()
                .to_string()
                .contains("region 1")
        );
        assert!(GeoRouting::new(2).unwrap().region(&[(2, 0.1)]).is_err());
        assert!(
            GeoRouting::new(2)
                .unwrap()
                .region(&[(0, 0.1), (0, 0.2)])
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
        assert!(GeoRouting::new(2).unwrap().region(&[(0, -0.1)]).is_err());
        assert!(GeoRouting::new(0).is_err());
        assert!(
            Dns::new(GeoRouting::new(1).unwrap(), 60.0)
                .unwrap_err()
                .to_string()
                .contains("no region")
        );
        let e = Dns::new(two_regions(), -1.0).unwrap_err().to_string();
        assert_eq!(
            e,
            "invalid parameter `ttl` = -1: must be a finite number >= 0"
        );
    }

    #[test]
    fn cache_in_flight_and_expiry() {
        let mut dns = Dns::new(two_regions(), 60.0).unwrap();
        let mut rng = SimRng::new(1);
        let a = dns.lookup(0.0, 0, &mut rng).unwrap();
        assert_eq!((a.data_center, a.source), (Some(0), Source::Authoritative));
        assert!((a.latency - 0.042).abs() < 1e-12);
        // 10 ms later the answer is still on its way: wait for the same resolution.
        let b = dns.lookup(0.010, 0, &mut rng).unwrap();
        assert_eq!(b.source, Source::InFlight);
        assert!((b.latency - 0.032).abs() < 1e-12);
        let c = dns.lookup(30.0, 0, &mut rng).unwrap();
        assert_eq!((c.source, c.latency), (Source::Cache, 0.002));
        // The other region has its own resolver.
        assert_eq!(
            dns.lookup(30.0, 1, &mut rng).unwrap().source,
            Source::Authoritative
        );
        // DC 0 dies: region 0's cached answer is stale until it expires at 60.04.
        dns.geo_mut().set_healthy(0, false).unwrap();
        assert_eq!(dns.lookup(60.0, 0, &mut rng).unwrap().data_center, Some(0));
        let d = dns.lookup(60.05, 0, &mut rng).unwrap();
        assert_eq!((d.data_center, d.source), (Some(1), Source::Authoritative));
        assert!(
            dns.lookup(1.0, 2, &mut rng)
                .unwrap_err()
                .to_string()
                .contains("`region` = 2")
        );
        let s = dns.stats();
        assert_eq!(
            (s.lookups, s.cache, s.in_flight, s.authoritative),
            (6, 2, 1, 3)
        );
        dns.flush();
        assert_eq!(
            dns.lookup(61.0, 1, &mut rng).unwrap().source,
            Source::Authoritative
        );
    }

    #[test]
    fn ttl_zero_never_caches_and_no_healthy_dc_is_not_cached() {
        let mut dns = Dns::new(two_regions(), 0.0)
            .unwrap()
            .latencies(Dist::constant(0.0).unwrap(), Dist::constant(0.0).unwrap());
        let mut rng = SimRng::new(1);
        for t in 0..5 {
            assert_eq!(
                dns.lookup(t as f64, 0, &mut rng).unwrap().source,
                Source::Authoritative
            );
        }
        dns.geo_mut().set_healthy(0, false).unwrap();
        dns.geo_mut().set_healthy(1, false).unwrap();
        let mut cached = Dns::new(two_regions(), 100.0).unwrap();
        cached.geo_mut().set_healthy(0, false).unwrap();
        cached.geo_mut().set_healthy(1, false).unwrap();
        assert_eq!(cached.lookup(0.0, 0, &mut rng).unwrap().data_center, None);
        cached.geo_mut().set_healthy(1, true).unwrap();
        assert_eq!(
            cached.lookup(1.0, 0, &mut rng).unwrap().data_center,
            Some(1)
        );
        assert_eq!(cached.stats().unanswered, 1);
    }

    #[test]
    fn stale_answers_stop_one_ttl_after_the_failure() {
        // DC 0 fails at 1000 s for good. Region 0's resolver may hold its answer until at
        // most one TTL (+ the round trip) later; after that every answer is DC 1.
        let ttl = 30.0;
        let run = DnsCaching::new(two_regions(), ttl, 5.0)
            .unwrap()
            .duration(2000.0)
            .unwrap()
            .data_center_failures(0, FailureModel::crash_at(1000.0).unwrap())
            .unwrap()
            .run(4)
            .unwrap();
        let last = run.last_stale_at.expect("some answers were stale");
        assert!(
            last >= 1000.0 && last <= 1000.0 + ttl + 0.040 + 1e-9,
            "{last}"
        );
        assert!(run.stale_answers > 10, "{}", run.stale_answers);
        assert!(run.answers_per_data_center[1] > run.answers_per_data_center[0]);
        assert!(
            DnsCaching::new(two_regions(), 1.0, 1.0)
                .unwrap()
                .data_center_failures(5, FailureModel::never())
                .is_err()
        );
    }
}
