//! Users and the load they make: who sends requests, how often, what kind, for which key.
//!
//! A [`Workload`] is
//! - a [`Traffic`] pattern. *Open*: requests arrive on their own schedule (an
//!   [`Arrivals`] process: Poisson, a daily cycle, bursts), however slow the service —
//!   the internet at large. *Closed*: a fixed number of users, each sending a request,
//!   waiting for the answer, thinking for a while, and sending the next one — a slow
//!   server slows its own users down, so load cannot run away. The difference matters
//!   when you ask "how many users can one server serve" (see [`saturation_users`]).
//! - a [`Population`] of users placed in regions (users `0..n`, each region a
//!   contiguous block of ids), so DNS can send each region to its nearest data center
//!   and a balancer can pin a user to a server.
//! - a [`RequestMix`]: static assets, reads and writes, each with its own share and its
//!   own cost (seconds of a server at speed 1).
//! - a key popularity ([`Zipf`]): a few keys are hot, most are cold — what makes caches
//!   and shards behave like the real thing.
//!
//! The workload is passive: [`Workload::next_arrival`] and [`Workload::think_time`] give
//! times for the caller's event queue, [`Workload::request`] draws a request. None of
//! them allocate.

use std::fmt;

use crate::error::{Error, Result, at_least_one, non_negative, positive};
use crate::sim::{Arrivals, Dist, SimRng, Zipf};

/// What a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RequestKind {
    /// An image, script or style sheet: cheap, cacheable, a CDN's job.
    Static,
    /// A page or API read: needs the application and usually the database.
    Read,
    /// A change (post, order, update): the most expensive, goes to the primary.
    Write,
}

impl RequestKind {
    /// The three kinds, in index order.
    pub const ALL: [RequestKind; 3] = [RequestKind::Static, RequestKind::Read, RequestKind::Write];

    /// 0, 1, 2: an index for per-kind arrays.
    #[inline]
    pub fn index(self) -> usize {
        self as usize
    }

    /// "static", "read", "write".
    pub fn name(self) -> &'static str {
        match self {
            RequestKind::Static => "static",
            RequestKind::Read => "read",
            RequestKind::Write => "write",
        }
    }
}

impl fmt::Display for RequestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The shares of static, read and write requests and the cost of each.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestMix {
    shares: [f64; 3],
    cumulative: [f64; 3],
    costs: [Dist; 3],
}

impl RequestMix {
    /// Every request is a read costing `cost` (the single-class server of queueing theory).
    pub fn reads(cost: Dist) -> Self {
        RequestMix {
            shares: [0.0, 1.0, 0.0],
            cumulative: [0.0, 1.0, 1.0],
            costs: [cost; 3],
        }
    }

    /// A mix of `(kind, share, cost)`: shares ≥ 0, summing to more than 0 (they are
    /// normalised), each kind at most once; kinds not listed never occur.
    pub fn new(parts: &[(RequestKind, f64, Dist)]) -> Result<Self> {
        let mut shares = [0.0; 3];
        let mut costs = [Dist::constant(0.0)?; 3];
        let mut seen = [false; 3];
        for &(kind, share, cost) in parts {
            let i = kind.index();
            if seen[i] {
                return Err(Error::InvalidConfig(format!(
                    "the request mix lists `{kind}` twice"
                )));
            }
            seen[i] = true;
            shares[i] = non_negative("share", share)?;
            costs[i] = cost;
        }
        let total: f64 = shares.iter().sum();
        if total <= 0.0 {
            return Err(Error::InvalidConfig(
                "the shares of the request mix sum to zero: give at least one kind a share > 0"
                    .into(),
            ));
        }
        let mut cumulative = [0.0; 3];
        let mut acc = 0.0;
        for i in 0..3 {
            shares[i] /= total;
            acc += shares[i];
            cumulative[i] = acc;
        }
        cumulative[2] = 1.0;
        Ok(RequestMix {
            shares,
            cumulative,
            costs,
        })
    }

    /// Draws a kind.
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> RequestKind {
        let u = rng.uniform();
        if u < self.cumulative[0] {
            RequestKind::Static
        } else if u < self.cumulative[1] {
            RequestKind::Read
        } else {
            RequestKind::Write
        }
    }

    /// The (normalised) share of `kind`.
    pub fn share(&self, kind: RequestKind) -> f64 {
        self.shares[kind.index()]
    }

    /// The cost distribution of `kind`, in seconds of a server at speed 1.
    pub fn cost(&self, kind: RequestKind) -> &Dist {
        &self.costs[kind.index()]
    }

    /// The mean cost of a request, over the mix.
    pub fn mean_cost(&self) -> f64 {
        (0..3)
            .map(|i| {
                if self.shares[i] > 0.0 {
                    self.shares[i] * self.costs[i].mean()
                } else {
                    0.0
                }
            })
            .sum()
    }
}

/// Users `0..users`, placed in named regions.
#[derive(Debug, Clone, PartialEq)]
pub struct Population {
    users: u32,
    names: Vec<String>,
    /// Region `r` holds users `upper[r-1]..upper[r]`.
    upper: Vec<u32>,
}

impl Population {
    /// `users` ≥ 1 users, all in one region called "all".
    pub fn new(users: u32) -> Result<Self> {
        at_least_one("users", users as usize)?;
        Ok(Population {
            users,
            names: vec!["all".into()],
            upper: vec![users],
        })
    }

    /// `users` ≥ 1 users spread over regions `(name, share)` (shares ≥ 0, sum > 0,
    /// normalised; a region gets a contiguous block of user ids).
    pub fn in_regions(users: u32, regions: &[(&str, f64)]) -> Result<Self> {
        at_least_one("users", users as usize)?;
        if regions.is_empty() {
            return Err(Error::InvalidConfig(
                "a population needs at least one region".into(),
            ));
        }
        let mut total = 0.0;
        for &(_, share) in regions {
            total += non_negative("region share", share)?;
        }
        if total <= 0.0 {
            return Err(Error::InvalidConfig("the region shares sum to zero".into()));
        }
        let mut acc = 0.0;
        let mut upper = Vec::with_capacity(regions.len());
        for &(_, share) in regions {
            acc += share / total;
            upper.push(((acc * users as f64).round() as u32).min(users));
        }
        if let Some(last) = upper.last_mut() {
            // Rounding must not leave the last users without a region.
            *last = users;
        }
        Ok(Population {
            users,
            names: regions.iter().map(|(n, _)| n.to_string()).collect(),
            upper,
        })
    }

    /// How many users.
    pub fn users(&self) -> u32 {
        self.users
    }

    /// How many regions.
    pub fn regions(&self) -> usize {
        self.names.len()
    }

    /// The name of region `r` ("" if out of range).
    pub fn region_name(&self, r: usize) -> &str {
        self.names.get(r).map_or("", String::as_str)
    }

    /// The region of `user` (the last region for an id beyond the population).
    #[inline]
    pub fn region_of(&self, user: u32) -> usize {
        self.upper
            .iter()
            .position(|&u| user < u)
            .unwrap_or(self.upper.len() - 1)
    }

    /// The user ids of region `r`.
    pub fn users_in(&self, r: usize) -> std::ops::Range<u32> {
        let lo = if r == 0 {
            0
        } else {
            self.upper.get(r - 1).copied().unwrap_or(self.users)
        };
        lo..self.upper.get(r).copied().unwrap_or(self.users)
    }

    /// A user drawn uniformly.
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> u32 {
        rng.below(self.users as u64) as u32
    }
}

/// How requests are generated over time.
#[derive(Debug, Clone, PartialEq)]
pub enum Traffic {
    /// Requests arrive on their own schedule, from users drawn at random.
    Open(Arrivals),
    /// Every user of the population sends a request, waits for the answer (or the
    /// failure), thinks for a time drawn from `think`, and sends the next one.
    Closed {
        /// The think time between a response and the next request.
        think: Dist,
    },
}

/// One request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Request {
    /// Who sends it.
    pub user: u32,
    /// The user's region.
    pub region: u32,
    /// What it asks for.
    pub kind: RequestKind,
    /// Which key (0 = most popular).
    pub key: u64,
    /// Its cost in seconds of a server at speed 1.
    pub cost: f64,
}

/// Users, their traffic, their request mix and their key popularity.
#[derive(Debug, Clone)]
pub struct Workload {
    traffic: Traffic,
    population: Population,
    mix: RequestMix,
    keys: Zipf,
}

impl Workload {
    /// Open traffic: `arrivals` from 10 000 users in one region, keys Zipf(α = 1) over
    /// 100 000 keys.
    pub fn open(arrivals: Arrivals, mix: RequestMix) -> Result<Self> {
        Ok(Workload {
            traffic: Traffic::Open(arrivals),
            population: Population::new(10_000)?,
            mix,
            keys: Zipf::new(100_000, 1.0)?,
        })
    }

    /// Closed traffic: `users` ≥ 1 users in one region, each thinking `think` between a
    /// response and the next request; keys Zipf(α = 1) over 100 000 keys.
    pub fn closed(users: u32, think: Dist, mix: RequestMix) -> Result<Self> {
        Ok(Workload {
            traffic: Traffic::Closed { think },
            population: Population::new(users)?,
            mix,
            keys: Zipf::new(100_000, 1.0)?,
        })
    }

    /// Poisson arrivals at `rate`/s with exponential costs of mean `mean_cost` seconds:
    /// the M/M/· workload of queueing theory.
    pub fn poisson(rate: f64, mean_cost: f64) -> Result<Self> {
        Self::open(
            Arrivals::poisson(rate)?,
            RequestMix::reads(Dist::exponential(mean_cost)?),
        )
    }

    /// Replaces the population (for closed traffic this sets the number of users).
    pub fn with_population(mut self, population: Population) -> Self {
        self.population = population;
        self
    }

    /// Replaces the key popularity.
    pub fn with_keys(mut self, keys: Zipf) -> Self {
        self.keys = keys;
        self
    }

    /// Replaces the arrivals (open traffic; closed traffic becomes open).
    pub fn with_arrivals(mut self, arrivals: Arrivals) -> Self {
        self.traffic = Traffic::Open(arrivals);
        self
    }

    /// The traffic pattern.
    pub fn traffic(&self) -> &Traffic {
        &self.traffic
    }

    /// The users.
    pub fn population(&self) -> &Population {
        &self.population
    }

    /// The request mix.
    pub fn mix(&self) -> &RequestMix {
        &self.mix
    }

    /// The key popularity.
    pub fn keys(&self) -> &Zipf {
        &self.keys
    }

    /// Whether the traffic is closed (users wait for their answers).
    pub fn is_closed(&self) -> bool {
        matches!(self.traffic, Traffic::Closed { .. })
    }

    /// Open traffic: the time of the next arrival after `now`. `None` for closed traffic.
    #[inline]
    pub fn next_arrival(&self, now: f64, rng: &mut SimRng) -> Option<f64> {
        match &self.traffic {
            Traffic::Open(a) => Some(a.next(now, rng)),
            Traffic::Closed { .. } => None,
        }
    }

    /// Closed traffic: a think time. `None` for open traffic.
    #[inline]
    pub fn think_time(&self, rng: &mut SimRng) -> Option<f64> {
        match &self.traffic {
            Traffic::Closed { think } => Some(think.sample(rng)),
            Traffic::Open(_) => None,
        }
    }

    /// A request from a user drawn uniformly.
    #[inline]
    pub fn request(&self, rng: &mut SimRng) -> Request {
        let user = self.population.sample(rng);
        self.request_from(user, rng)
    }

    /// A request from `user`.
    #[inline]
    pub fn request_from(&self, user: u32, rng: &mut SimRng) -> Request {
        let kind = self.mix.sample(rng);
        let key = self.keys.sample(rng);
        let cost = self.mix.cost(kind).sample(rng);
        Request {
            user,
            region: self.population.region_of(user) as u32,
            kind,
            key,
            cost,
        }
    }

    /// Open traffic: the offered work in server-seconds per second at the base rate
    /// (base rate × mean cost); divide by the capacity for the utilisation. `None` for
    /// closed traffic, whose rate depends on the response time.
    pub fn offered_work(&self) -> Option<f64> {
        match &self.traffic {
            Traffic::Open(a) => Some(a.base_rate() * self.mix.mean_cost()),
            Traffic::Closed { .. } => None,
        }
    }
}

/// The number of closed-loop users at which `servers` servers (each serving one request
/// at a time at `service_mean` seconds) saturate when users think `think_mean` seconds:
/// N* = servers · (service_mean + think_mean) / service_mean. Below it, adding users adds
/// throughput; above it, every extra user only adds waiting (response time grows by
/// service_mean / servers per user).
pub fn saturation_users(service_mean: f64, think_mean: f64, servers: usize) -> Result<f64> {
    let s = positive("service_mean", service_mean)?;
    let z = non_negative("think_mean", think_mean)?;
    Ok(at_least_one("servers", servers)? as f64 * (s + z) / s)
}

/// Exact mean-value analysis of `users` closed-loop users with think time `think_mean`
/// sending to one exponential server of mean service time `service_mean`: the mean
/// response time R and the throughput X (R(n) = S·(1 + Q(n−1)), X(n) = n / (R(n) + Z),
/// Q(n) = X(n)·R(n)).
pub fn closed_loop_mva(users: u32, service_mean: f64, think_mean: f64) -> Result<(f64, f64)> {
    at_least_one("users", users as usize)?;
    let s = positive("service_mean", service_mean)?;
    let z = non_negative("think_mean", think_mean)?;
    let (mut r, mut x, mut q) = (0.0, 0.0, 0.0);
    for n in 1..=users {
        r = s * (1.0 + q);
        x = n as f64 / (r + z);
        q = x * r;
    }
    Ok((r, x))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_is_sampled_by_share() {
        // 100 000 draws: each count is Binomial(n, p); 5 sd allowed.
        let mix = RequestMix::new(&[
            (RequestKind::Static, 6.0, Dist::constant(0.001).unwrap()),
            (RequestKind::Read, 3.0, Dist::constant(0.01).unwrap()),
            (RequestKind::Write, 1.0, Dist::constant(0.05).unwrap()),
        ])
        .unwrap();
        assert!((mix.mean_cost() - (0.6 * 0.001 + 0.3 * 0.01 + 0.1 * 0.05)).abs() < 1e-15);
        let mut rng = SimRng::new(1);
        let n = 100_000;
        let mut counts = [0u32; 3];
        for _ in 0..n {
            counts[mix.sample(&mut rng).index()] += 1;
        }
        for k in RequestKind::ALL {
            let p = mix.share(k);
            let sd = (n as f64 * p * (1.0 - p)).sqrt();
            assert!(
                (counts[k.index()] as f64 - n as f64 * p).abs() < 5.0 * sd,
                "{k}: {counts:?}"
            );
        }
    }

    #[test]
    fn bad_mixes_and_populations_are_errors() {
        let c = Dist::constant(0.01).unwrap();
        assert!(
            RequestMix::new(&[(RequestKind::Read, 0.0, c)])
                .unwrap_err()
                .to_string()
                .contains("sum to zero")
        );
        assert!(
            RequestMix::new(&[(RequestKind::Read, 1.0, c), (RequestKind::Read, 1.0, c)])
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
        assert!(RequestMix::new(&[(RequestKind::Read, -1.0, c)]).is_err());
        assert!(Population::new(0).is_err());
        assert!(Population::in_regions(10, &[]).is_err());
        assert!(Population::in_regions(10, &[("a", 0.0)]).is_err());
        assert!(saturation_users(0.0, 1.0, 1).is_err());
        assert!(closed_loop_mva(0, 1.0, 1.0).is_err());
    }

    #[test]
    fn regions_are_contiguous_blocks() {
        let p = Population::in_regions(100, &[("asia", 0.5), ("europe", 0.3), ("america", 0.2)])
            .unwrap();
        assert_eq!(
            (p.users_in(0), p.users_in(1), p.users_in(2)),
            (0..50, 50..80, 80..100)
        );
        assert_eq!(
            (
                p.region_of(0),
                p.region_of(49),
                p.region_of(50),
                p.region_of(99)
            ),
            (0, 0, 1, 2)
        );
        assert_eq!(p.region_name(1), "europe");
        let w = Workload::closed(
            100,
            Dist::constant(1.0).unwrap(),
            RequestMix::reads(Dist::constant(0.1).unwrap()),
        )
        .unwrap()
        .with_population(p);
        let mut rng = SimRng::new(3);
        let r = w.request_from(85, &mut rng);
        assert_eq!(
            (r.user, r.region, r.kind, r.cost),
            (85, 2, RequestKind::Read, 0.1)
        );
        assert!(r.key < 100_000);
        assert_eq!(w.think_time(&mut rng), Some(1.0));
        assert_eq!(w.next_arrival(0.0, &mut rng), None);
        assert_eq!(w.offered_work(), None);
    }

    #[test]
    fn closed_loop_formulas() {
        // One user never waits: R = S, X = 1 / (S + Z).
        let (r, x) = closed_loop_mva(1, 0.1, 0.9).unwrap();
        assert!((r - 0.1).abs() < 1e-12 && (x - 1.0).abs() < 1e-12);
        // Far beyond saturation the server is the bottleneck: X → 1/S, R → N·S − Z.
        let (r, x) = closed_loop_mva(200, 0.1, 0.9).unwrap();
        assert!(
            (x - 10.0).abs() < 1e-6 && (r - (200.0 * 0.1 - 0.9)).abs() < 1e-4,
            "{r} {x}"
        );
        assert!((saturation_users(0.1, 0.9, 1).unwrap() - 10.0).abs() < 1e-12);
        let open = Workload::poisson(50.0, 0.01).unwrap();
        assert!((open.offered_work().unwrap() - 0.5).abs() < 1e-12);
    }
}
