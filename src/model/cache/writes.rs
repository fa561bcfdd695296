//! Experiment: the write strategies compared on one workload — database reads and
//! writes, stale reads, write latency, and the data at risk in write-back.
//!
//! Reads and writes are Poisson streams over Zipf-popular keys. A read that misses
//! queries the database (its snapshot is the version at the query) and puts the answer in
//! the cache when the response is back, `db_read` later; a write commits in the database
//! at once and its caller learns it `db_write` later. Database latencies are long-tailed,
//! so now and then a slow reader puts back a value older than a write that finished in
//! the meantime — the look-aside race that leases fix ("stale sets").
//!
//! A read is stale if it returns an older version than the newest write committed before
//! the read began.

use std::collections::BTreeMap;

use super::node::{Cache, Lease, Lookup, Put};
use super::store::Eviction;
use crate::error::{Result, at_least_one, non_negative, positive};
use crate::sim::{Dist, EventQueue, LatencyHistogram, SimRng, Zipf, sweep};

/// How reads fill the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadPath {
    /// The application reads the database on a miss and puts the value (every missing
    /// request does so).
    CacheAside,
    /// The cache loads a missing key itself, once: concurrent misses wait for that load
    /// (leases; what a loading cache or memcache's leases give).
    ReadThrough,
}

/// What a write does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WritePath {
    /// Write the database, then delete the cached key (look-aside).
    Invalidate,
    /// Write the database and the cache together.
    WriteThrough,
    /// Write only the cache; flush to the database `flush_after` seconds after the key
    /// first became dirty (later writes in between are coalesced), or on eviction.
    WriteBack,
    /// Write only the database; the cache keeps its copy until the TTL.
    WriteAround,
}

/// A read path and a write path, with a name for tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Strategy {
    /// The name shown in tables.
    pub name: &'static str,
    /// How reads fill the cache.
    pub reads: ReadPath,
    /// What a write does.
    pub writes: WritePath,
}

impl Strategy {
    /// Look-aside: the application fills on a miss, a write deletes the key.
    pub const CACHE_ASIDE: Strategy = Strategy {
        name: "cache-aside",
        reads: ReadPath::CacheAside,
        writes: WritePath::Invalidate,
    };
    /// Read-through: the cache loads once per miss (leases), a write deletes the key.
    pub const READ_THROUGH: Strategy = Strategy {
        name: "read-through",
        reads: ReadPath::ReadThrough,
        writes: WritePath::Invalidate,
    };
    /// Write-through with read-through loads.
    pub const WRITE_THROUGH: Strategy = Strategy {
        name: "write-through",
        reads: ReadPath::ReadThrough,
        writes: WritePath::WriteThrough,
    };
    /// Write-back with read-through loads.
    pub const WRITE_BACK: Strategy = Strategy {
        name: "write-back",
        reads: ReadPath::ReadThrough,
        writes: WritePath::WriteBack,
    };
    /// Write-around with look-aside reads.
    pub const WRITE_AROUND: Strategy = Strategy {
        name: "write-around",
        reads: ReadPath::CacheAside,
        writes: WritePath::WriteAround,
    };
    /// The five strategies, in the order of the lesson's table.
    pub const ALL: [Strategy; 5] = [
        Self::CACHE_ASIDE,
        Self::READ_THROUGH,
        Self::WRITE_THROUGH,
        Self::WRITE_BACK,
        Self::WRITE_AROUND,
    ];
}

/// The workload and the latencies (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct WriteStrategies {
    zipf: Zipf,
    read_rate: f64,
    write_rate: f64,
    capacity: usize,
    ttl: Option<f64>,
    cache_time: f64,
    db_read: Dist,
    db_write: Dist,
    flush_after: f64,
    duration: f64,
    warmup: f64,
}

/// What one strategy did (counts over the measured period).
#[derive(Debug, Clone)]
pub struct WriteStrategyReport {
    /// The strategy.
    pub strategy: Strategy,
    /// Reads.
    pub reads: u64,
    /// Reads served from the cache.
    pub hits: u64,
    /// Reads that waited for another request's load.
    pub waits: u64,
    /// Reads that returned an older version than the newest committed write.
    pub stale_reads: u64,
    /// Fills that left a version older than the database's in the cache with no
    /// invalidation on its way: stale until the TTL or the key's next write.
    pub stale_sets: u64,
    /// Writes.
    pub writes: u64,
    /// Database reads.
    pub db_reads: u64,
    /// Database writes.
    pub db_writes: u64,
    /// Read response times.
    pub read_latency: LatencyHistogram,
    /// Write response times (until the caller is told the write is done).
    pub write_latency: LatencyHistogram,
    /// Time-average number of writes held only in the cache (lost if it crashed).
    pub mean_dirty: f64,
    /// The most writes held only in the cache at once.
    pub max_dirty: u64,
}

impl WriteStrategyReport {
    /// hits / reads.
    pub fn hit_ratio(&self) -> f64 {
        if self.reads == 0 {
            0.0
        } else {
            self.hits as f64 / self.reads as f64
        }
    }

    /// stale_reads / reads.
    pub fn stale_fraction(&self) -> f64 {
        if self.reads == 0 {
            0.0
        } else {
            self.stale_reads as f64 / self.reads as f64
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Event {
    Read,
    Write,
    Fill {
        key: u64,
        version: u64,
        lease: Option<Lease>,
        started: f64,
        truth: u64,
    },
    Invalidate {
        key: u64,
    },
    Flush {
        key: u64,
    },
}

impl WriteStrategies {
    /// Reads at `read_rate` > 0 and writes at `write_rate` > 0 per second over `keys`
    /// Zipf(`alpha`) keys. Defaults: a cache of a tenth of the keys (LRU), TTL 60 s, cache
    /// round trip 0.5 ms, database reads log-normal (mean 5 ms, cv 1.5), writes
    /// log-normal (mean 10 ms, cv 1), write-back flush after 1 s; 200 s measured after 20 s.
    pub fn new(keys: u64, alpha: f64, read_rate: f64, write_rate: f64) -> Result<Self> {
        Ok(WriteStrategies {
            zipf: Zipf::new(super::check_keys(keys)?, alpha)?,
            read_rate: positive("read_rate", read_rate)?,
            write_rate: positive("write_rate", write_rate)?,
            capacity: (keys / 10).max(1) as usize,
            ttl: Some(60.0),
            cache_time: 0.0005,
            db_read: Dist::log_normal(0.005, 1.5)?,
            db_write: Dist::log_normal(0.010, 1.0)?,
            flush_after: 1.0,
            duration: 200.0,
            warmup: 20.0,
        })
    }

    /// Cache capacity in entries (≥ 1).
    pub fn capacity(mut self, entries: usize) -> Result<Self> {
        self.capacity = at_least_one("capacity", entries)?;
        Ok(self)
    }

    /// The TTL in seconds (> 0), or `None` for entries that never expire.
    pub fn ttl(mut self, ttl: Option<f64>) -> Result<Self> {
        self.ttl = ttl.map(|t| positive("ttl", t)).transpose()?;
        Ok(self)
    }

    /// Latencies: a cache round trip (seconds ≥ 0), database reads and writes.
    pub fn latencies(mut self, cache: f64, db_read: Dist, db_write: Dist) -> Result<Self> {
        self.cache_time = non_negative("cache", cache)?;
        self.db_read = db_read;
        self.db_write = db_write;
        Ok(self)
    }

    /// Write-back: seconds from a key's first unflushed write to its flush (> 0).
    pub fn flush_after(mut self, seconds: f64) -> Result<Self> {
        self.flush_after = positive("flush_after", seconds)?;
        Ok(self)
    }

    /// Seconds measured (> 0) after a warm-up of `warmup` seconds (≥ 0).
    pub fn duration(mut self, seconds: f64, warmup: f64) -> Result<Self> {
        self.duration = positive("duration", seconds)?;
        self.warmup = non_negative("warmup", warmup)?;
        Ok(self)
    }

    /// The five strategies on the same requests (the same `seed` for all).
    pub fn compare(&self, seed: u64) -> Result<Vec<WriteStrategyReport>> {
        sweep(seed, &Strategy::ALL, |s, _| self.run(*s, seed))
            .into_iter()
            .collect()
    }

    /// Runs `strategy` with `seed`. Requests, keys and latencies come from their own
    /// streams of the seed, so every strategy sees the same requests.
    pub fn run(&self, strategy: Strategy, seed: u64) -> Result<WriteStrategyReport> {
        let mut cache = Cache::new(self.capacity, Eviction::Lru)?
            .leases(strategy.reads == ReadPath::ReadThrough);
        if let Some(ttl) = self.ttl {
            cache = cache.ttl(ttl)?;
        }
        let mut arrivals = SimRng::stream(seed, 0);
        let mut latency = SimRng::stream(seed, 1);
        let mut evict = SimRng::stream(seed, 2);
        let n = self.zipf.n() as usize;
        let (mut truth, mut db) = (vec![0u64; n], vec![0u64; n]);
        // Invalidations scheduled but not yet done, per key.
        let mut invalidating = vec![0u32; n];
        let mut waiters: BTreeMap<u64, Vec<(f64, u64)>> = BTreeMap::new();
        let mut r = WriteStrategyReport {
            strategy,
            reads: 0,
            hits: 0,
            waits: 0,
            stale_reads: 0,
            stale_sets: 0,
            writes: 0,
            db_reads: 0,
            db_writes: 0,
            read_latency: LatencyHistogram::new(),
            write_latency: LatencyHistogram::new(),
            mean_dirty: 0.0,
            max_dirty: 0,
        };
        let end = self.warmup + self.duration;
        let mut dirty_area = 0.0;
        let mut last = self.warmup;
        let mut events = EventQueue::new();
        let exp = |rng: &mut SimRng, rate: f64| -rng.uniform_open0().ln() / rate;
        events.schedule_at(exp(&mut arrivals, self.read_rate), Event::Read);
        events.schedule_at(exp(&mut arrivals, self.write_rate), Event::Write);

        while let Some((now, event)) = events.pop() {
            if now >= end {
                break;
            }
            let measured = now >= self.warmup;
            if measured {
                dirty_area += cache.dirty() as f64 * (now - last);
                last = now;
            }
            let db_write =
                |db: &mut Vec<u64>, key: u64, version: u64, r: &mut WriteStrategyReport| {
                    db[key as usize] = db[key as usize].max(version);
                    r.db_writes += measured as u64;
                };
            match event {
                Event::Read => {
                    events.schedule_at(now + exp(&mut arrivals, self.read_rate), Event::Read);
                    let key = self.zipf.sample(&mut arrivals);
                    let current = truth[key as usize];
                    r.reads += measured as u64;
                    match cache.get(key, now) {
                        Lookup::Hit { version, .. } => {
                            if measured {
                                r.hits += 1;
                                r.stale_reads += (version < current) as u64;
                                r.read_latency.record(self.cache_time);
                            }
                        }
                        Lookup::Miss { lease, .. } => {
                            r.db_reads += measured as u64;
                            let back = now + self.cache_time + self.db_read.sample(&mut latency);
                            let fill = Event::Fill {
                                key,
                                version: db[key as usize],
                                lease,
                                started: now,
                                truth: current,
                            };
                            events.schedule_at(back, fill);
                        }
                        Lookup::Wait => {
                            r.waits += measured as u64;
                            waiters.entry(key).or_default().push((now, current));
                        }
                    }
                }
                Event::Fill {
                    key,
                    version,
                    lease,
                    started,
                    truth: at_start,
                } => {
                    if let Put::Stored { evicted } = cache.put(key, version, now, lease, &mut evict)
                    {
                        let lasting = version < db[key as usize] && invalidating[key as usize] == 0;
                        r.stale_sets += (measured && lasting) as u64;
                        if let Some(e) = evicted.filter(|e| e.dirty) {
                            db_write(&mut db, e.key, e.version, &mut r);
                        }
                    }
                    let served = std::iter::once((started, at_start))
                        .chain(waiters.remove(&key).unwrap_or_default());
                    for (t0, t_truth) in served {
                        if t0 >= self.warmup {
                            r.stale_reads += (version < t_truth) as u64;
                            r.read_latency.record(now - t0 + self.cache_time);
                        }
                    }
                }
                Event::Write => {
                    events.schedule_at(now + exp(&mut arrivals, self.write_rate), Event::Write);
                    let key = self.zipf.sample(&mut arrivals);
                    truth[key as usize] += 1;
                    let version = truth[key as usize];
                    r.writes += measured as u64;
                    let ack = match strategy.writes {
                        WritePath::WriteBack => {
                            let before = cache.dirty();
                            let put = cache.write_back(key, version, now, &mut evict);
                            let mut evicted_dirty = 0;
                            if let Put::Stored { evicted: Some(e) } = put
                                && e.dirty
                            {
                                evicted_dirty = 1;
                                db_write(&mut db, e.key, e.version, &mut r);
                            }
                            if cache.dirty() + evicted_dirty > before {
                                events.schedule_at(now + self.flush_after, Event::Flush { key });
                            }
                            self.cache_time
                        }
                        path => {
                            db_write(&mut db, key, version, &mut r);
                            let ack = self.db_write.sample(&mut latency);
                            match path {
                                WritePath::Invalidate => {
                                    invalidating[key as usize] += 1;
                                    events.schedule_at(
                                        now + ack + self.cache_time,
                                        Event::Invalidate { key },
                                    );
                                    ack + self.cache_time
                                }
                                WritePath::WriteThrough => {
                                    cache.put(key, version, now, None, &mut evict);
                                    ack + self.cache_time
                                }
                                _ => ack,
                            }
                        }
                    };
                    if measured {
                        r.write_latency.record(ack);
                    }
                    r.max_dirty = r.max_dirty.max(cache.dirty() * measured as u64);
                }
                Event::Invalidate { key } => {
                    invalidating[key as usize] -= 1;
                    cache.invalidate(key);
                }
                Event::Flush { key } => {
                    if let Some(version) = cache.peek(key)
                        && cache.clean(key, version)
                    {
                        db_write(&mut db, key, version, &mut r);
                    }
                }
            }
        }
        dirty_area += cache.dirty() as f64 * (end - last);
        r.mean_dirty = dirty_area / self.duration;
        Ok(r)
    }
}

/// The strategy's name.
impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> WriteStrategies {
        WriteStrategies::new(2000, 1.0, 2000.0, 200.0)
            .unwrap()
            .duration(30.0, 5.0)
            .unwrap()
    }

    #[test]
    fn each_strategy_shows_its_trade_off() {
        let reports = small().compare(3).unwrap();
        let by = |s: Strategy| reports.iter().find(|r| r.strategy == s).unwrap();
        let (aside, through, back, around) = (
            by(Strategy::CACHE_ASIDE),
            by(Strategy::WRITE_THROUGH),
            by(Strategy::WRITE_BACK),
            by(Strategy::WRITE_AROUND),
        );
        // The same requests reached every strategy.
        assert!(
            reports
                .iter()
                .all(|r| r.reads == aside.reads && r.writes == aside.writes)
        );
        // Write-around never invalidates: by far the most stale reads.
        assert!(
            around.stale_reads > 10 * aside.stale_reads.max(1),
            "{} vs {}",
            around.stale_reads,
            aside.stale_reads
        );
        // Write-back: fastest writes, fewer database writes (coalesced), data at risk.
        assert!(back.write_latency.mean() < aside.write_latency.mean() / 5.0);
        assert!(back.db_writes < aside.db_writes);
        assert!(back.mean_dirty > 1.0 && back.max_dirty > 0);
        assert_eq!(aside.max_dirty, 0);
        // Write-through keeps written keys cached: more hits than delete-on-write.
        assert!(through.hit_ratio() > aside.hit_ratio());
        // Leases: no stale set survives in read-through; look-aside has some.
        assert_eq!(by(Strategy::READ_THROUGH).stale_sets, 0);
        assert!(aside.stale_sets > 0);
    }

    #[test]
    fn bad_parameters_are_errors() {
        assert!(WriteStrategies::new(10, 1.0, 1.0, 0.0).is_err());
        assert!(small().capacity(0).is_err());
        assert!(small().ttl(Some(-1.0)).is_err());
        assert!(small().flush_after(0.0).is_err());
        assert!(small().duration(0.0, 1.0).is_err());
        assert_eq!(Strategy::WRITE_BACK.to_string(), "write-back");
    }
}
