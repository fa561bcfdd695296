//! The load balancer: which server gets the next request, and how the balancer finds
//! out that a server has died.
//!
//! Policies ([`Policy`]):
//! - **round robin**: servers in turn. Even counts, blind to how busy each one is.
//! - **weighted round robin**: in turn, in proportion to weights (a server with twice
//!   the capacity gets twice the requests), spread smoothly (nginx's algorithm: no
//!   bursts of one server).
//! - **random**: a uniformly random server. Each server sees a Poisson stream and
//!   queues as an independent M/M/1 — the baseline the others are measured against.
//! - **least connections**: the server with the fewest requests in flight (as the
//!   balancer counts them). Adapts to slow servers and slow requests.
//! - **power of two choices**: two random servers, the less busy one. Almost as good as
//!   least connections, without looking at every server — the trick that makes huge
//!   fleets balanceable.
//! - **sticky** (session affinity): a user keeps going to the server that served them
//!   first; new users (and users whose server left the rotation) go to the server with
//!   the fewest connections. Needed when sessions live in the server's memory; it
//!   fights the balancing, and a server's death still takes its sessions with it.
//!
//! Health checks ([`HealthChecks`]): every `interval` seconds the balancer probes every
//! server; after `unhealthy_threshold` failed probes in a row it takes the server out of
//! rotation, after `healthy_threshold` good ones it puts it back. Between a crash and
//! its detection the balancer keeps sending requests to the dead server: on average
//! `interval/2 + (threshold − 1)·interval` seconds of that server's traffic fails.
//!
//! The balancer is passive: [`LoadBalancer::pick`] chooses a server and counts a
//! connection, [`LoadBalancer::release`] ends it, [`LoadBalancer::check`] runs one
//! round of health checks and says when the next is due. `pick` and `release` do not
//! allocate (the pin table of sticky sessions grows with the highest user id seen;
//! size it up front with [`LoadBalancer::with_users`]).
//!
//! The balancer itself can fail: put it behind a
//! [`ActiveStandby`](crate::model::failure::ActiveStandby) pair.

use std::fmt;

use crate::error::{Error, Result, at_least_one, non_negative, positive};
use crate::sim::SimRng;

/// How a [`LoadBalancer`] chooses a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Policy {
    /// Servers in turn.
    RoundRobin,
    /// Servers in turn, in proportion to their weights.
    WeightedRoundRobin,
    /// A uniformly random server.
    Random,
    /// The server with the fewest requests in flight.
    LeastConnections,
    /// The less busy of two random servers.
    PowerOfTwoChoices,
    /// Each user sticks to one server; new users go to the least connected.
    Sticky,
}

impl Policy {
    /// All policies, in the order above.
    pub const ALL: [Policy; 6] = [
        Policy::RoundRobin,
        Policy::WeightedRoundRobin,
        Policy::Random,
        Policy::LeastConnections,
        Policy::PowerOfTwoChoices,
        Policy::Sticky,
    ];

    /// A short English name ("round robin", ...).
    pub fn name(self) -> &'static str {
        match self {
            Policy::RoundRobin => "round robin",
            Policy::WeightedRoundRobin => "weighted round robin",
            Policy::Random => "random",
            Policy::LeastConnections => "least connections",
            Policy::PowerOfTwoChoices => "power of two choices",
            Policy::Sticky => "sticky",
        }
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Active health checks: a probe of every server every `interval` seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HealthChecks {
    interval: f64,
    unhealthy_threshold: u32,
    healthy_threshold: u32,
}

impl HealthChecks {
    /// Probes every `interval` seconds; `unhealthy_threshold` ≥ 1 failures in a row take
    /// a server out of rotation. One good probe puts it back (change with
    /// [`healthy_threshold`](Self::healthy_threshold)).
    pub fn new(interval: f64, unhealthy_threshold: u32) -> Result<Self> {
        Ok(HealthChecks {
            interval: positive("interval", interval)?,
            unhealthy_threshold: at_least_one("unhealthy_threshold", unhealthy_threshold as usize)?
                as u32,
            healthy_threshold: 1,
        })
    }

    /// Good probes in a row needed to put a server back (≥ 1).
    pub fn healthy_threshold(mut self, n: u32) -> Result<Self> {
        self.healthy_threshold = at_least_one("healthy_threshold", n as usize)? as u32;
        Ok(self)
    }

    /// Seconds between probes.
    pub fn interval(&self) -> f64 {
        self.interval
    }

    /// Failed probes in a row that take a server out.
    pub fn unhealthy_threshold(&self) -> u32 {
        self.unhealthy_threshold
    }

    /// Good probes in a row that put it back.
    pub fn healthy_threshold_count(&self) -> u32 {
        self.healthy_threshold
    }

    /// The time from a crash at `crash_at` to its detection, when probes run at
    /// `interval`, `2·interval`, ... (as [`LoadBalancer::first_check_at`]`(0)` schedules
    /// them): the next probe strictly after the crash, plus `threshold − 1` intervals.
    pub fn detection_delay(&self, crash_at: f64) -> f64 {
        let next = ((crash_at / self.interval).floor() + 1.0) * self.interval;
        next - crash_at + (self.unhealthy_threshold - 1) as f64 * self.interval
    }

    /// The mean detection delay for a crash at a random moment:
    /// `interval/2 + (threshold − 1)·interval`.
    pub fn mean_detection_delay(&self) -> f64 {
        self.interval / 2.0 + (self.unhealthy_threshold - 1) as f64 * self.interval
    }
}

/// Counts of a balancer's decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BalancerStats {
    /// Requests sent to a server.
    pub picks: u64,
    /// Requests with no server in rotation to send to.
    pub no_server: u64,
    /// Sticky users moved to another server (their server left the rotation).
    pub repins: u64,
    /// Times a health check took a server out.
    pub marked_down: u64,
    /// Times a health check put a server back.
    pub marked_up: u64,
}

/// What one round of health checks did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CheckRound {
    /// When the next round is due.
    pub next_at: f64,
    /// Servers taken out in this round.
    pub marked_down: u32,
    /// Servers put back in this round.
    pub marked_up: u32,
}

#[derive(Debug, Clone)]
struct Backend {
    weight: f64,
    in_flight: u32,
    healthy: bool,
    removed: bool,
    fails: u32,
    oks: u32,
    current: f64,
    sent: u64,
}

const NO_PIN: u32 = u32::MAX;

/// A load balancer over servers `0..n` (ids are stable: a removed server keeps its id).
#[derive(Debug, Clone)]
pub struct LoadBalancer {
    policy: Policy,
    backends: Vec<Backend>,
    /// Servers in rotation: not removed, believed healthy, weight > 0.
    rotation: Vec<u32>,
    cursor: usize,
    health: Option<HealthChecks>,
    pins: Vec<u32>,
    stats: BalancerStats,
}

impl LoadBalancer {
    /// `servers` ≥ 1 servers of weight 1.
    pub fn new(policy: Policy, servers: usize) -> Result<Self> {
        if servers == 0 {
            return Err(Error::InvalidConfig(
                "a load balancer needs at least one server".into(),
            ));
        }
        Self::weighted(policy, &vec![1.0; servers])
    }

    /// One server per weight. Weights are ≥ 0 and must not all be 0; a server of weight
    /// 0 gets no new requests under any policy (it is being drained). Only weighted
    /// round robin uses the values.
    pub fn weighted(policy: Policy, weights: &[f64]) -> Result<Self> {
        if weights.is_empty() {
            return Err(Error::InvalidConfig(
                "a load balancer needs at least one server".into(),
            ));
        }
        for &w in weights {
            non_negative("weight", w)?;
        }
        if weights.iter().sum::<f64>() <= 0.0 {
            return Err(Error::InvalidConfig(
                "the weights of the servers sum to zero: at least one server needs a weight > 0"
                    .into(),
            ));
        }
        let mut lb = LoadBalancer {
            policy,
            backends: weights.iter().map(|&weight| Backend::new(weight)).collect(),
            rotation: Vec::with_capacity(weights.len()),
            cursor: 0,
            health: None,
            pins: Vec::new(),
            stats: BalancerStats::default(),
        };
        lb.rebuild();
        Ok(lb)
    }

    /// With active health checks.
    pub fn with_health_checks(mut self, checks: HealthChecks) -> Self {
        self.health = Some(checks);
        self
    }

    /// Reserves the pin table for users `0..users` (sticky policy), so that `pick`
    /// never allocates.
    pub fn with_users(mut self, users: u32) -> Self {
        if self.policy == Policy::Sticky && self.pins.len() < users as usize {
            self.pins.resize(users as usize, NO_PIN);
        }
        self
    }

    /// The policy.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// The health checks, if any.
    pub fn health_checks(&self) -> Option<HealthChecks> {
        self.health
    }

    /// How many servers were ever added (removed ones included).
    pub fn len(&self) -> usize {
        self.backends.len()
    }

    /// Whether there are no servers (never true: a balancer starts with at least one).
    pub fn is_empty(&self) -> bool {
        self.backends.is_empty()
    }

    /// How many servers are in rotation now.
    pub fn in_rotation(&self) -> usize {
        self.rotation.len()
    }

    /// Whether server `id` is in rotation.
    pub fn is_in_rotation(&self, id: usize) -> bool {
        self.backends.get(id).is_some_and(|b| b.in_rotation())
    }

    /// Whether the balancer believes server `id` is healthy.
    pub fn believes_up(&self, id: usize) -> bool {
        self.backends.get(id).is_some_and(|b| b.healthy)
    }

    /// Requests in flight to server `id`, as the balancer counts them.
    pub fn in_flight(&self, id: usize) -> u32 {
        self.backends.get(id).map_or(0, |b| b.in_flight)
    }

    /// Requests ever sent to server `id`.
    pub fn sent(&self, id: usize) -> u64 {
        self.backends.get(id).map_or(0, |b| b.sent)
    }

    /// The weight of server `id`.
    pub fn weight(&self, id: usize) -> f64 {
        self.backends.get(id).map_or(0.0, |b| b.weight)
    }

    /// Counts so far.
    pub fn stats(&self) -> BalancerStats {
        self.stats
    }

    /// Adds a server of `weight` ≥ 0 (scale out); returns its id. It is in rotation at
    /// once (add it when it is ready to serve).
    pub fn add_server(&mut self, weight: f64) -> Result<usize> {
        self.backends
            .push(Backend::new(non_negative("weight", weight)?));
        self.rebuild();
        Ok(self.backends.len() - 1)
    }

    /// Takes server `id` out for good (scale in). Requests in flight still
    /// [`release`](Self::release); its sticky users move on their next request.
    pub fn remove_server(&mut self, id: usize) -> Result<()> {
        self.backend_mut(id)?.removed = true;
        self.rebuild();
        Ok(())
    }

    /// Changes the weight of server `id` (0 drains it).
    pub fn set_weight(&mut self, id: usize, weight: f64) -> Result<()> {
        let w = non_negative("weight", weight)?;
        self.backend_mut(id)?.weight = w;
        self.rebuild();
        Ok(())
    }

    /// Marks server `id` healthy or not by hand (passive detection: the caller saw a
    /// connection refused). Health checks may change it back.
    pub fn mark(&mut self, id: usize, healthy: bool) -> Result<()> {
        let b = self.backend_mut(id)?;
        b.healthy = healthy;
        b.fails = 0;
        b.oks = 0;
        self.rebuild();
        Ok(())
    }

    /// Chooses a server for a request of `user` and counts it in flight; `None` if no
    /// server is in rotation.
    #[inline]
    pub fn pick(&mut self, user: u32, rng: &mut SimRng) -> Option<usize> {
        let m = self.rotation.len();
        if m == 0 {
            self.stats.no_server += 1;
            return None;
        }
        let id = match self.policy {
            Policy::RoundRobin => {
                let id = self.rotation[self.cursor % m] as usize;
                self.cursor = self.cursor.wrapping_add(1);
                id
            }
            Policy::WeightedRoundRobin => self.smooth_weighted(),
            Policy::Random => self.rotation[rng.index(m)] as usize,
            Policy::LeastConnections => self.least_connections(),
            Policy::PowerOfTwoChoices => {
                if m == 1 {
                    self.rotation[0] as usize
                } else {
                    let i = rng.index(m);
                    let mut j = rng.index(m - 1);
                    if j >= i {
                        j += 1;
                    }
                    let (a, b) = (self.rotation[i] as usize, self.rotation[j] as usize);
                    if self.backends[b].in_flight < self.backends[a].in_flight {
                        b
                    } else {
                        a
                    }
                }
            }
            Policy::Sticky => self.sticky(user),
        };
        let b = &mut self.backends[id];
        b.in_flight += 1;
        b.sent += 1;
        self.stats.picks += 1;
        Some(id)
    }

    /// A request to server `id` ended (answered or failed).
    #[inline]
    pub fn release(&mut self, id: usize) {
        if let Some(b) = self.backends.get_mut(id) {
            debug_assert!(b.in_flight > 0, "release() without a pick");
            b.in_flight = b.in_flight.saturating_sub(1);
        }
    }

    /// The server `user` is pinned to (sticky policy).
    pub fn pinned(&self, user: u32) -> Option<usize> {
        self.pins
            .get(user as usize)
            .filter(|&&p| p != NO_PIN)
            .map(|&p| p as usize)
    }

    /// How many users are pinned to server `id` (scans the pin table).
    pub fn pinned_users(&self, id: usize) -> usize {
        self.pins.iter().filter(|&&p| p as usize == id).count()
    }

    /// With health checks: when the first round is due for a balancer started at
    /// `now` (one interval later). `None` without health checks.
    pub fn first_check_at(&self, now: f64) -> Option<f64> {
        self.health.map(|h| now + h.interval)
    }

    /// Runs one round of health checks at `now`, probing each server with `is_up`.
    /// `None` without health checks.
    pub fn check(&mut self, now: f64, mut is_up: impl FnMut(usize) -> bool) -> Option<CheckRound> {
        let h = self.health?;
        let mut round = CheckRound {
            next_at: now + h.interval,
            marked_down: 0,
            marked_up: 0,
        };
        for (id, b) in self.backends.iter_mut().enumerate() {
            if b.removed {
                continue;
            }
            if is_up(id) {
                b.fails = 0;
                b.oks += 1;
                if !b.healthy && b.oks >= h.healthy_threshold {
                    b.healthy = true;
                    round.marked_up += 1;
                }
            } else {
                b.oks = 0;
                b.fails += 1;
                if b.healthy && b.fails >= h.unhealthy_threshold {
                    b.healthy = false;
                    round.marked_down += 1;
                }
            }
        }
        if round.marked_down + round.marked_up > 0 {
            self.stats.marked_down += round.marked_down as u64;
            self.stats.marked_up += round.marked_up as u64;
            self.rebuild();
        }
        Some(round)
    }

    fn backend_mut(&mut self, id: usize) -> Result<&mut Backend> {
        let n = self.backends.len();
        self.backends.get_mut(id).ok_or_else(|| {
            Error::param(
                "server",
                id,
                format!("below {n} (the servers of this balancer)"),
            )
        })
    }

    fn rebuild(&mut self) {
        self.rotation.clear();
        for (id, b) in self.backends.iter().enumerate() {
            if b.in_rotation() {
                self.rotation.push(id as u32);
            }
        }
    }

    /// nginx's smooth weighted round robin: every server gains its weight, the richest
    /// is chosen and pays the total.
    #[inline]
    fn smooth_weighted(&mut self) -> usize {
        let mut total = 0.0;
        let mut best = self.rotation[0] as usize;
        let mut best_current = f64::NEG_INFINITY;
        for &id in &self.rotation {
            let b = &mut self.backends[id as usize];
            b.current += b.weight;
            total += b.weight;
            if b.current > best_current {
                best_current = b.current;
                best = id as usize;
            }
        }
        self.backends[best].current -= total;
        best
    }

    /// The fewest in flight; ties go to the first found from a rotating start, so equal
    /// servers take turns.
    #[inline]
    fn least_connections(&mut self) -> usize {
        let m = self.rotation.len();
        let start = self.cursor % m;
        self.cursor = self.cursor.wrapping_add(1);
        let mut best = self.rotation[start] as usize;
        let mut least = self.backends[best].in_flight;
        for k in 1..m {
            let id = self.rotation[(start + k) % m] as usize;
            let f = self.backends[id].in_flight;
            if f < least {
                least = f;
                best = id;
            }
        }
        best
    }

    #[inline]
    fn sticky(&mut self, user: u32) -> usize {
        let u = user as usize;
        if u >= self.pins.len() {
            self.pins.resize(u + 1, NO_PIN);
        }
        let pin = self.pins[u];
        if pin != NO_PIN {
            if self.backends[pin as usize].in_rotation() {
                return pin as usize;
            }
            self.stats.repins += 1;
        }
        let id = self.least_connections();
        self.pins[u] = id as u32;
        id
    }
}

impl Backend {
    fn new(weight: f64) -> Self {
        Backend {
            weight,
            in_flight: 0,
            healthy: true,
            removed: false,
            fails: 0,
            oks: 0,
            current: 0.0,
            sent: 0,
        }
    }

    #[inline]
    fn in_rotation(&self) -> bool {
        !self.removed && self.healthy && self.weight > 0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picks(lb: &mut LoadBalancer, n: usize, release: bool) -> Vec<usize> {
        let mut rng = SimRng::new(1);
        (0..n)
            .map(|i| {
                let id = lb.pick(i as u32, &mut rng).unwrap();
                if release {
                    lb.release(id);
                }
                id
            })
            .collect()
    }

    #[test]
    fn round_robin_takes_turns() {
        let mut lb = LoadBalancer::new(Policy::RoundRobin, 3).unwrap();
        assert_eq!(picks(&mut lb, 7, true), vec![0, 1, 2, 0, 1, 2, 0]);
        assert_eq!((lb.sent(0), lb.stats().picks), (3, 7));
    }

    #[test]
    fn smooth_weighted_round_robin_interleaves() {
        // nginx's example: weights 5, 1, 1 → a a b a c a a (no run of five a's).
        let mut lb = LoadBalancer::weighted(Policy::WeightedRoundRobin, &[5.0, 1.0, 1.0]).unwrap();
        assert_eq!(picks(&mut lb, 7, true), vec![0, 0, 1, 0, 2, 0, 0]);
        let mut lb = LoadBalancer::weighted(Policy::WeightedRoundRobin, &[3.0, 1.0]).unwrap();
        let p = picks(&mut lb, 400, true);
        assert_eq!(p.iter().filter(|&&i| i == 0).count(), 300);
    }

    #[test]
    fn least_connections_and_two_choices_avoid_the_busy_server() {
        let mut lb = LoadBalancer::new(Policy::LeastConnections, 3).unwrap();
        let mut rng = SimRng::new(1);
        let first = lb.pick(0, &mut rng).unwrap();
        let second = lb.pick(0, &mut rng).unwrap();
        let third = lb.pick(0, &mut rng).unwrap();
        let mut seen = [first, second, third];
        seen.sort();
        assert_eq!(seen, [0, 1, 2], "one each before any doubles up");
        lb.release(1);
        assert_eq!(lb.pick(0, &mut rng), Some(1));

        // Two choices never picks the busiest of two servers.
        let mut lb = LoadBalancer::new(Policy::PowerOfTwoChoices, 2).unwrap();
        let busy = lb.pick(0, &mut rng).unwrap();
        for _ in 0..20 {
            let id = lb.pick(0, &mut rng).unwrap();
            assert_ne!(id, busy);
            lb.release(id);
        }
    }

    #[test]
    fn random_is_uniform() {
        // 30 000 picks over 3 servers: Binomial sd ≈ 81.6; 5 sd.
        let mut lb = LoadBalancer::new(Policy::Random, 3).unwrap();
        let p = picks(&mut lb, 30_000, true);
        for s in 0..3 {
            let c = p.iter().filter(|&&i| i == s).count() as f64;
            assert!((c - 10_000.0).abs() < 5.0 * 81.6, "{c}");
        }
    }

    #[test]
    fn sticky_users_stay_and_move_when_their_server_leaves() {
        let mut lb = LoadBalancer::new(Policy::Sticky, 3).unwrap().with_users(10);
        let mut rng = SimRng::new(1);
        let first: Vec<usize> = (0..6).map(|u| lb.pick(u, &mut rng).unwrap()).collect();
        for u in 0..6 {
            assert_eq!(lb.pick(u, &mut rng), Some(first[u as usize]));
            assert_eq!(lb.pinned(u), Some(first[u as usize]));
        }
        assert_eq!(lb.pinned_users(0), 2);
        lb.mark(0, false).unwrap();
        let moved: Vec<u32> = (0..6).filter(|&u| first[u as usize] == 0).collect();
        for &u in &moved {
            assert_ne!(lb.pick(u, &mut rng), Some(0));
        }
        assert_eq!(lb.stats().repins, moved.len() as u64);
        assert_eq!(lb.pinned_users(0), 0);
        assert_eq!(lb.pinned(9), None);
    }

    #[test]
    fn health_checks_take_a_dead_server_out_after_the_threshold() {
        let h = HealthChecks::new(5.0, 3)
            .unwrap()
            .healthy_threshold(2)
            .unwrap();
        let mut lb = LoadBalancer::new(Policy::RoundRobin, 2)
            .unwrap()
            .with_health_checks(h);
        assert_eq!(lb.first_check_at(0.0), Some(5.0));
        let down = |id: usize| id != 1;
        assert_eq!(lb.check(5.0, down).unwrap().marked_down, 0);
        assert_eq!(lb.check(10.0, down).unwrap().marked_down, 0);
        let r = lb.check(15.0, down).unwrap();
        assert_eq!((r.marked_down, r.next_at), (1, 20.0));
        assert_eq!(lb.in_rotation(), 1);
        assert!(!lb.believes_up(1));
        assert_eq!(picks(&mut lb, 3, true), vec![0, 0, 0]);
        assert_eq!(lb.check(20.0, |_| true).unwrap().marked_up, 0);
        assert_eq!(lb.check(25.0, |_| true).unwrap().marked_up, 1);
        assert_eq!(lb.in_rotation(), 2);
        // Detection: crash at 101.3 with probes every 5 s → next probe at 105, two more
        // intervals for the threshold of 3: 13.7 s.
        assert!((h.detection_delay(101.3) - 13.7).abs() < 1e-9);
        assert!((h.mean_detection_delay() - 12.5).abs() < 1e-12);
        assert!(
            LoadBalancer::new(Policy::Random, 1)
                .unwrap()
                .check(0.0, |_| true)
                .is_none()
        );
    }

    #[test]
    fn scaling_and_draining() {
        let mut lb = LoadBalancer::new(Policy::RoundRobin, 1).unwrap();
        let id = lb.add_server(1.0).unwrap();
        assert_eq!((id, lb.in_rotation()), (1, 2));
        lb.remove_server(0).unwrap();
        assert_eq!(picks(&mut lb, 2, true), vec![1, 1]);
        lb.set_weight(1, 0.0).unwrap();
        let mut rng = SimRng::new(1);
        assert_eq!(lb.pick(0, &mut rng), None);
        assert_eq!(lb.stats().no_server, 1);
        assert!(
            lb.remove_server(5)
                .unwrap_err()
                .to_string()
                .contains("`server` = 5")
        );
    }

    #[test]
    fn invalid_balancers_are_clear_errors() {
        let e = LoadBalancer::new(Policy::RoundRobin, 0)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "invalid configuration: a load balancer needs at least one server"
        );
        assert!(LoadBalancer::weighted(Policy::RoundRobin, &[]).is_err());
        let e = LoadBalancer::weighted(Policy::WeightedRoundRobin, &[0.0, 0.0])
            .unwrap_err()
            .to_string();
        assert!(e.contains("sum to zero"), "{e}");
        assert!(LoadBalancer::weighted(Policy::RoundRobin, &[1.0, -1.0]).is_err());
        assert!(LoadBalancer::weighted(Policy::RoundRobin, &[f64::NAN]).is_err());
        assert!(HealthChecks::new(0.0, 1).is_err());
        assert!(
            HealthChecks::new(1.0, 0)
                .unwrap_err()
                .to_string()
                .contains("unhealthy_threshold")
        );
    }
}
