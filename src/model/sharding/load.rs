//! A sharded store under load: per-shard utilisation and latency, hot keys and their
//! fixes, and scatter-gather queries.
//!
//! Requests arrive (Poisson) for keys drawn from a [`Keys`] pattern and are routed by a
//! [`ShardRouter`] to shards, each a station of `servers` servers. What the lessons look
//! at:
//!
//! - **Hot keys** (the celebrity problem): under Zipf popularity, or with one celebrity
//!   key taking `celebrity` of all requests, the shard holding it is busier than the
//!   rest — its utilisation and p99 show it, whatever the strategy (hashing spreads keys,
//!   not the load of one key).
//! - **Fixes**: a cache in front that serves reads of the hottest keys
//!   ([`ShardedStore::cache_hot_keys`]: an idealised cache that always holds them), or
//!   splitting each hot key into `parts` sub-keys on different shards
//!   ([`ShardedStore::split_hot_keys`]): a write goes to one random part, but a read
//!   must gather all parts — a scatter-gather of its own.
//! - **Sequential keys** ([`Keys::sequential`]) under range sharding all land on the last
//!   shard; hash sharding spreads them.
//! - **Scatter-gather** queries ([`ShardedStore::scatter_fraction`]) go to every shard
//!   and wait for the slowest, so their p99 grows with the number of shards
//!   ([`fan_out_percentile`]).

use super::fanout::{FanOut, Planned, ShardLoad, Sub};
use super::keys::{Keys, split_key};
use super::reshard::imbalance;
use super::router::ShardRouter;
use crate::error::{Error, Result, at_least_one, non_negative, probability};
use crate::sim::{Arrivals, Dist, LatencyHistogram, SimRng};

const POINT: usize = 0;
const FAN_OUT: usize = 1;
const CACHED: usize = 2;

/// The largest key count for which [`ShardedStore::expected_shares`] sums over every key.
const MAX_KEYS_FOR_EXACT_SHARES: u64 = 20_000_000;

/// Requests for keys, routed to shards.
#[derive(Debug, Clone)]
pub struct ShardedStore {
    router: ShardRouter,
    arrivals: Arrivals,
    keys: Keys,
    servers: usize,
    service: Dist,
    celebrity: f64,
    read_fraction: f64,
    scatter_fraction: f64,
    cache: Option<(u64, f64)>,
    split: Option<(u64, usize)>,
    requests: u64,
    warmup: u64,
    max_backlog: usize,
}

/// What a [`ShardedStore`] run measured (over the requests after the warm-up).
#[derive(Debug, Clone)]
pub struct ShardedReport {
    /// Per shard: sub-requests received, utilisation, response times.
    pub shards: Vec<ShardLoad>,
    /// Every request's latency.
    pub all: LatencyHistogram,
    /// Requests served by one shard.
    pub point: LatencyHistogram,
    /// Requests that needed several shards (scatter-gather queries, reads of split
    /// keys): the slowest shard's latency.
    pub fan_out: LatencyHistogram,
    /// Reads served by the cache.
    pub cached: LatencyHistogram,
    /// Measured requests.
    pub requests: u64,
    /// Why the run stopped early (an overloaded shard), if it did.
    pub stopped_early: Option<String>,
}

impl ShardedReport {
    /// Each shard's utilisation.
    pub fn utilisations(&self) -> Vec<f64> {
        self.shards
            .iter()
            .map(|s| s.station.utilisation())
            .collect()
    }

    /// The shard that received the most sub-requests.
    pub fn hottest(&self) -> usize {
        let mut best = 0;
        for (i, s) in self.shards.iter().enumerate() {
            if s.requests > self.shards[best].requests {
                best = i;
            }
        }
        best
    }

    /// The busiest shard's sub-requests relative to the mean (1 = even).
    pub fn imbalance(&self) -> f64 {
        imbalance(&self.shards.iter().map(|s| s.requests).collect::<Vec<_>>())
    }
}

impl ShardedStore {
    /// Poisson requests at `rate` per second for `keys`, routed by `router` to shards of
    /// 4 servers with exponential service of mean 5 ms (800 requests/s per shard); all
    /// requests are single-key reads; 100 000 measured after 10 000 of warm-up.
    pub fn new(router: ShardRouter, rate: f64, keys: Keys) -> Result<Self> {
        Ok(ShardedStore {
            router,
            arrivals: Arrivals::poisson(rate)?,
            keys,
            servers: 4,
            service: Dist::exponential(0.005)?,
            celebrity: 0.0,
            read_fraction: 1.0,
            scatter_fraction: 0.0,
            cache: None,
            split: None,
            requests: 100_000,
            warmup: 10_000,
            max_backlog: 100_000,
        })
    }

    /// Scatter-gather queries: every request goes to all `shards` shards (one server
    /// each, service from `service`) and waits for the slowest.
    pub fn scatter_gather(shards: usize, rate: f64, service: Dist) -> Result<Self> {
        Self::new(ShardRouter::mod_n(shards)?, rate, Keys::uniform(1_000_000)?)?
            .shard_servers(1, service)?
            .scatter_fraction(1.0)
    }

    /// The requests' arrival process (to add bursts or a daily cycle).
    pub fn arrivals(mut self, arrivals: Arrivals) -> Self {
        self.arrivals = arrivals;
        self
    }

    /// Each shard has `servers` ≥ 1 servers with service times from `service`.
    pub fn shard_servers(mut self, servers: usize, service: Dist) -> Result<Self> {
        self.servers = at_least_one("servers", servers)?;
        self.service = service;
        Ok(self)
    }

    /// A celebrity: the most popular key (rank 0, key 0) additionally takes `share` of
    /// all single-key requests.
    pub fn celebrity(mut self, share: f64) -> Result<Self> {
        self.celebrity = probability("celebrity", share)?;
        Ok(self)
    }

    /// The fraction of single-key requests that are reads (the rest are writes).
    pub fn read_fraction(mut self, fraction: f64) -> Result<Self> {
        self.read_fraction = probability("read_fraction", fraction)?;
        Ok(self)
    }

    /// The fraction of requests that are queries without the shard key: they go to every
    /// shard.
    pub fn scatter_fraction(mut self, fraction: f64) -> Result<Self> {
        self.scatter_fraction = probability("scatter_fraction", fraction)?;
        Ok(self)
    }

    /// Reads of the `top` ≥ 1 most popular keys are served by a cache in `hit_time` ≥ 0
    /// seconds (writes still go to their shard).
    pub fn cache_hot_keys(mut self, top: u64, hit_time: f64) -> Result<Self> {
        self.require_ranked("cache_hot_keys")?;
        if top == 0 {
            return Err(Error::param("top", top, "at least 1 key"));
        }
        self.cache = Some((top, non_negative("hit_time", hit_time)?));
        Ok(self)
    }

    /// The `top` ≥ 1 most popular keys are each split into `parts` ≥ 2 sub-keys (see
    /// [`split_key`]): a write goes to one random part, a read to all of them.
    pub fn split_hot_keys(mut self, top: u64, parts: usize) -> Result<Self> {
        self.require_ranked("split_hot_keys")?;
        if top == 0 {
            return Err(Error::param("top", top, "at least 1 key"));
        }
        if parts < 2 {
            return Err(Error::param(
                "parts",
                parts,
                "at least 2 (one part is no split)",
            ));
        }
        self.split = Some((top, parts));
        Ok(self)
    }

    /// How many requests to measure (≥ 1).
    pub fn requests(mut self, n: u64) -> Result<Self> {
        if n == 0 {
            return Err(Error::param("requests", n, "at least 1"));
        }
        self.requests = n;
        Ok(self)
    }

    /// Requests run before measuring.
    pub fn warmup(mut self, n: u64) -> Self {
        self.warmup = n;
        self
    }

    /// Stop (and say so) once more than `n` ≥ 1 requests wait at one shard. Default
    /// 100 000.
    pub fn max_backlog(mut self, n: usize) -> Result<Self> {
        self.max_backlog = at_least_one("max_backlog", n)?;
        Ok(self)
    }

    /// The router.
    pub fn router(&self) -> &ShardRouter {
        &self.router
    }

    /// The expected share of all sub-requests per request that each shard receives, from
    /// the exact key probabilities: a shard's arrival rate is `rate × share`, its
    /// utilisation `rate × share × mean service / servers`. Needs ranked keys (uniform or
    /// Zipf) and sums over every key (at most 20 million).
    pub fn expected_shares(&self) -> Result<Vec<f64>> {
        self.require_ranked("expected_shares")?;
        let n = self.keys.count().unwrap_or(0);
        if n > MAX_KEYS_FOR_EXACT_SHARES {
            return Err(Error::param(
                "keys",
                n,
                format!("at most {MAX_KEYS_FOR_EXACT_SHARES} for exact shares"),
            ));
        }
        let shards = self.router.shards();
        let mut share = vec![self.scatter_fraction; shards];
        let single = 1.0 - self.scatter_fraction;
        for rank in 0..n {
            let mut p = (1.0 - self.celebrity) * self.keys.rank_probability(rank);
            if rank == 0 {
                p += self.celebrity;
            }
            let p = p * single;
            let key = self.keys.key_of_rank(rank);
            let cached = self.cache.is_some_and(|(top, _)| rank < top);
            match self.split {
                Some((top, parts)) if rank < top => {
                    for part in 0..parts {
                        let shard = self.router.shard_for(split_key(key, part, parts, n)?);
                        let reads = if cached { 0.0 } else { self.read_fraction };
                        share[shard] += p * (reads + (1.0 - self.read_fraction) / parts as f64);
                    }
                }
                _ => {
                    let reads = if cached { 0.0 } else { self.read_fraction };
                    share[self.router.shard_for(key)] += p * (reads + 1.0 - self.read_fraction);
                }
            }
        }
        Ok(share)
    }

    /// Runs the experiment with `seed`.
    pub fn run(&self, seed: u64) -> Result<ShardedReport> {
        let mut rng = SimRng::new(seed);
        let shards = self.router.shards();
        let n = self.keys.count().unwrap_or(0);
        let engine = FanOut {
            arrivals: &self.arrivals,
            shards,
            servers: self.servers,
            requests: self.requests,
            warmup: self.warmup,
            max_backlog: self.max_backlog,
            classes: 3,
        };
        let mut index = 0u64;
        let run = engine.run(&mut rng, |rng, subs| {
            let service = &self.service;
            if self.scatter_fraction > 0.0 && rng.chance(self.scatter_fraction) {
                subs.extend((0..shards).map(|shard| Sub {
                    shard,
                    service: service.sample(rng),
                }));
                return Planned {
                    class: FAN_OUT,
                    immediate: None,
                };
            }
            let rank = if self.celebrity > 0.0 && rng.chance(self.celebrity) {
                0
            } else {
                self.keys.sample_rank(index, rng)
            };
            index += 1;
            let key = self.keys.key_of_rank(rank);
            let read = self.read_fraction >= 1.0 || rng.chance(self.read_fraction);
            if read && let Some((_, hit_time)) = self.cache.filter(|&(top, _)| rank < top) {
                return Planned {
                    class: CACHED,
                    immediate: Some(hit_time),
                };
            }
            if let Some((_, parts)) = self.split.filter(|&(top, _)| rank < top) {
                // Validated at construction: parts ≥ 2 and n ≥ 1 for ranked keys.
                let part_key = |p: usize| split_key(key, p, parts, n).unwrap_or(key);
                if read {
                    subs.extend((0..parts).map(|p| Sub {
                        shard: self.router.shard_for(part_key(p)),
                        service: service.sample(rng),
                    }));
                    return Planned {
                        class: FAN_OUT,
                        immediate: None,
                    };
                }
                let p = rng.index(parts);
                subs.push(Sub {
                    shard: self.router.shard_for(part_key(p)),
                    service: service.sample(rng),
                });
                return Planned {
                    class: POINT,
                    immediate: None,
                };
            }
            subs.push(Sub {
                shard: self.router.shard_for(key),
                service: service.sample(rng),
            });
            Planned {
                class: POINT,
                immediate: None,
            }
        })?;
        let mut classes = run.classes.into_iter();
        let (point, fan_out, cached) = (
            classes.next().unwrap_or_default(),
            classes.next().unwrap_or_default(),
            classes.next().unwrap_or_default(),
        );
        Ok(ShardedReport {
            shards: run.shards,
            all: run.all,
            point,
            fan_out,
            cached,
            requests: run.arrived,
            stopped_early: run.stopped_early,
        })
    }

    fn require_ranked(&self, what: &str) -> Result<()> {
        if self.keys.is_ranked() {
            Ok(())
        } else {
            Err(Error::InvalidConfig(format!(
                "{what} needs keys with a popularity (uniform or Zipf); sequential keys have no hot key to pick"
            )))
        }
    }
}

/// The `p`-th percentile (0 < p < 100) of the slowest of `n` ≥ 1 independent latencies
/// whose own percentiles are given by `single` (percentile → seconds): the max of n is
/// below t iff all are, so its p-th percentile is one latency's 100·(p/100)^(1/n)-th.
/// With n = 20 the p99 of the query is the p99.95 of a shard.
///
/// Shards fed by the same queries are not independent (a burst queues at all of them at
/// once); their latencies are positively associated, which makes this an upper bound for
/// fork-join queues (Nelson & Tantawi, 1988), and exact when shards do not queue.
pub fn fan_out_percentile(n: usize, p: f64, single: impl Fn(f64) -> Result<f64>) -> Result<f64> {
    at_least_one("n", n)?;
    if !(p > 0.0 && p < 100.0) {
        return Err(Error::param("p", p, "in (0, 100)"));
    }
    single(100.0 * (p / 100.0).powf(1.0 / n as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_shares_add_up_and_a_celebrity_heats_its_shard() {
        let store = ShardedStore::new(
            ShardRouter::mod_n(4).unwrap(),
            100.0,
            Keys::uniform(1000).unwrap(),
        )
        .unwrap()
        .celebrity(0.2)
        .unwrap();
        let shares = store.expected_shares().unwrap();
        assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let hot = store.router().shard_for(0);
        assert!(
            (shares[hot] - (0.2 + 0.8 * 0.25)).abs() < 0.02,
            "{shares:?}"
        );
        // Caching the celebrity's reads takes its share away.
        let cached = store
            .clone()
            .cache_hot_keys(1, 0.0005)
            .unwrap()
            .expected_shares()
            .unwrap();
        assert!((cached.iter().sum::<f64>() - (1.0 - 0.2 - 0.8 / 1000.0)).abs() < 1e-9);
        // A scatter query counts once at every shard.
        let all = store
            .scatter_fraction(1.0)
            .unwrap()
            .expected_shares()
            .unwrap();
        assert!(all.iter().all(|&s| (s - 1.0).abs() < 1e-12));
    }

    #[test]
    fn a_small_run_counts_every_request() {
        let store = ShardedStore::new(
            ShardRouter::jump(3).unwrap(),
            300.0,
            Keys::zipf(1000, 1.0).unwrap(),
        )
        .unwrap()
        .requests(5_000)
        .unwrap()
        .warmup(500)
        .read_fraction(0.5)
        .unwrap()
        .split_hot_keys(3, 3)
        .unwrap()
        .scatter_fraction(0.1)
        .unwrap();
        let r = store.run(1).unwrap();
        assert_eq!(r.requests, 5_000);
        assert_eq!(r.all.count(), 5_000);
        assert_eq!(
            r.point.count() + r.fan_out.count() + r.cached.count(),
            5_000
        );
        assert!(r.fan_out.count() > 400);
        assert!(r.imbalance() >= 1.0 && r.hottest() < 3);
    }

    #[test]
    fn fan_out_percentile_of_exponentials() {
        // Max of 2 Exp(1): P(max ≤ t) = (1 − e^−t)² = 0.99 → t = −ln(1 − √0.99).
        let p = fan_out_percentile(2, 99.0, |q| Ok(-(1.0 - q / 100.0).ln())).unwrap();
        assert!((p + (1.0 - 0.99f64.sqrt()).ln()).abs() < 1e-12);
        assert!(fan_out_percentile(0, 99.0, Ok).is_err());
        assert!(fan_out_percentile(2, 100.0, Ok).is_err());
    }

    #[test]
    fn hot_key_fixes_need_ranked_keys() {
        let seq = ShardedStore::new(
            ShardRouter::range(4, 1000).unwrap(),
            10.0,
            Keys::sequential(0),
        )
        .unwrap();
        let e = seq
            .clone()
            .cache_hot_keys(1, 0.001)
            .unwrap_err()
            .to_string();
        assert!(e.contains("sequential keys have no hot key"), "{e}");
        assert!(seq.expected_shares().is_err());
        let u = ShardedStore::new(
            ShardRouter::mod_n(2).unwrap(),
            10.0,
            Keys::uniform(10).unwrap(),
        )
        .unwrap();
        assert!(u.clone().split_hot_keys(1, 1).is_err());
        assert!(u.clone().cache_hot_keys(0, 0.001).is_err());
        assert!(u.clone().celebrity(1.5).is_err());
        assert!(
            ShardedStore::new(
                ShardRouter::mod_n(2).unwrap(),
                0.0,
                Keys::uniform(10).unwrap()
            )
            .is_err()
        );
    }
}
