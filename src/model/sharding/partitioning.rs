//! Partitioning vs sharding, as a cost model: what the author used (one database, a
//! big table split into partitions by range or time) against what the chapter describes
//! (several databases, each holding a shard of the rows).
//!
//! The workload: reads that scan one key range (a month of events, one tenant's orders)
//! and writes of single rows. A read that filters on the key touches one partition (or
//! shard); a read that does not must look at all of them. Costs, all in seconds:
//!
//! | | read with the key | read without the key | write |
//! |---|---|---|---|
//! | one table | `q + r·R` | `q + r·R` | `w` |
//! | P partitions, one server | `q + p + r·R/P` (pruning) | `q + P·p + r·R` | `w` |
//! | S shards, S servers | `q + r·R/S` on one shard | `q + r·R/S` on every shard, wait for the slowest | `w` on one shard |
//!
//! with `q` the fixed cost of a query, `r` the cost of reading one row, `R` the rows of
//! the table, `p` the cost of opening one partition, `w` the cost of a write; each
//! request's service time is exponential with that mean. The assumption is that a scan
//! of a key range is not served by an index (it is wide), so without partitions it reads
//! the table.
//!
//! What it shows: partitioning makes keyed scans P times cheaper and keeps maintenance
//! easy (drop an old month at once), but every query and every write still runs on one
//! server: its capacity is one machine's. Sharding multiplies the machines — capacity
//! for keyed reads and writes grows with S — but a query without the shard key costs
//! work on every shard and waits for the slowest.

use super::fanout::{FanOut, Planned, ShardLoad, Sub};
use crate::error::{Error, Result, at_least_one, non_negative, positive, probability};
use crate::sim::{Arrivals, LatencyHistogram, SimRng};

const KEYED: usize = 0;
const UNKEYED: usize = 1;
const WRITE: usize = 2;

/// How the table is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One table on one server.
    Single,
    /// One server, the table split into `partitions` partitions by key range.
    Partitioned {
        /// How many partitions.
        partitions: usize,
    },
    /// `shards` servers, each holding an equal share of the rows.
    Sharded {
        /// How many shards.
        shards: usize,
    },
}

/// The partitioning-vs-sharding experiment.
#[derive(Debug, Clone)]
pub struct Partitioning {
    layout: Layout,
    rate: f64,
    rows: f64,
    keyed: f64,
    writes: f64,
    query_cost: f64,
    row_cost: f64,
    partition_cost: f64,
    write_cost: f64,
    servers: usize,
    requests: u64,
    warmup: u64,
    max_backlog: usize,
}

/// What a [`Partitioning`] run measured.
#[derive(Debug, Clone)]
pub struct PartitionReport {
    /// The layout that ran.
    pub layout: Layout,
    /// Reads with the key.
    pub keyed: LatencyHistogram,
    /// Reads without the key.
    pub unkeyed: LatencyHistogram,
    /// Writes.
    pub writes: LatencyHistogram,
    /// Every request.
    pub all: LatencyHistogram,
    /// Per database server: requests, utilisation, response times.
    pub servers: Vec<ShardLoad>,
    /// The most requests per second this layout can take (see
    /// [`Partitioning::capacity`]).
    pub capacity: f64,
    /// Why the run stopped early (a server overloaded), if it did.
    pub stopped_early: Option<String>,
}

impl Partitioning {
    /// `layout` under Poisson requests at `rate` per second. Defaults: 10 million rows,
    /// 90 % of reads with the key, 30 % writes; q = 1 ms, r = 10 ns per row (a full scan
    /// takes 0.1 s), p = 0.2 ms per partition, w = 1 ms; 8 cores per server; 100 000
    /// measured requests after 10 000.
    pub fn new(layout: Layout, rate: f64) -> Result<Self> {
        match layout {
            Layout::Single => {}
            Layout::Partitioned { partitions } => {
                at_least_one("partitions", partitions)?;
            }
            Layout::Sharded { shards } => {
                at_least_one("shards", shards)?;
            }
        }
        Ok(Partitioning {
            layout,
            rate: positive("rate", rate)?,
            rows: 1e7,
            keyed: 0.9,
            writes: 0.3,
            query_cost: 0.001,
            row_cost: 1e-8,
            partition_cost: 0.0002,
            write_cost: 0.001,
            servers: 8,
            requests: 100_000,
            warmup: 10_000,
            max_backlog: 100_000,
        })
    }

    /// The table's rows (> 0).
    pub fn rows(mut self, rows: f64) -> Result<Self> {
        self.rows = positive("rows", rows)?;
        Ok(self)
    }

    /// The fraction of reads that filter on the partition / shard key.
    pub fn keyed_fraction(mut self, fraction: f64) -> Result<Self> {
        self.keyed = probability("keyed_fraction", fraction)?;
        Ok(self)
    }

    /// The fraction of requests that are writes.
    pub fn write_fraction(mut self, fraction: f64) -> Result<Self> {
        self.writes = probability("write_fraction", fraction)?;
        Ok(self)
    }

    /// The costs in seconds: per query, per row read, per partition opened, per write
    /// (each ≥ 0).
    pub fn costs(mut self, query: f64, row: f64, partition: f64, write: f64) -> Result<Self> {
        self.query_cost = non_negative("query", query)?;
        self.row_cost = non_negative("row", row)?;
        self.partition_cost = non_negative("partition", partition)?;
        self.write_cost = non_negative("write", write)?;
        Ok(self)
    }

    /// Cores (concurrent queries) per database server (≥ 1).
    pub fn servers(mut self, cores: usize) -> Result<Self> {
        self.servers = at_least_one("servers", cores)?;
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

    /// Stop (and say so) once more than `n` ≥ 1 requests wait at one server. Default
    /// 100 000.
    pub fn max_backlog(mut self, n: usize) -> Result<Self> {
        self.max_backlog = at_least_one("max_backlog", n)?;
        Ok(self)
    }

    /// The database servers of the layout.
    pub fn machines(&self) -> usize {
        match self.layout {
            Layout::Sharded { shards } => shards,
            _ => 1,
        }
    }

    /// Mean costs (keyed read, unkeyed read at one server, write), in seconds.
    pub fn mean_costs(&self) -> (f64, f64, f64) {
        let (q, r, p, rows) = (
            self.query_cost,
            self.row_cost,
            self.partition_cost,
            self.rows,
        );
        match self.layout {
            Layout::Single => (q + r * rows, q + r * rows, self.write_cost),
            Layout::Partitioned { partitions } => {
                let n = partitions as f64;
                (q + p + r * rows / n, q + n * p + r * rows, self.write_cost)
            }
            Layout::Sharded { shards } => {
                let s = shards as f64;
                (q + r * rows / s, q + r * rows / s, self.write_cost)
            }
        }
    }

    /// The highest request rate the layout sustains: cores per server ÷ the mean work
    /// one request puts on a server (every server is equally loaded).
    pub fn capacity(&self) -> f64 {
        let (keyed, unkeyed, write) = self.mean_costs();
        let s = self.machines() as f64;
        let reads = 1.0 - self.writes;
        // A keyed read or a write lands on one of s servers; an unkeyed read on all.
        let work = reads * (self.keyed * keyed / s + (1.0 - self.keyed) * unkeyed)
            + self.writes * write / s;
        self.servers as f64 / work
    }

    /// Runs the experiment with `seed`.
    pub fn run(&self, seed: u64) -> Result<PartitionReport> {
        let mut rng = SimRng::new(seed);
        let machines = self.machines();
        let arrivals = Arrivals::poisson(self.rate)?;
        let engine = FanOut {
            arrivals: &arrivals,
            shards: machines,
            servers: self.servers,
            requests: self.requests,
            warmup: self.warmup,
            max_backlog: self.max_backlog,
            classes: 3,
        };
        let (keyed, unkeyed, write) = self.mean_costs();
        let exp = |mean: f64, rng: &mut SimRng| {
            if mean > 0.0 {
                -mean * rng.uniform_open0().ln()
            } else {
                0.0
            }
        };
        let run = engine.run(&mut rng, |rng, subs| {
            if rng.chance(self.writes) {
                subs.push(Sub {
                    shard: rng.index(machines),
                    service: exp(write, rng),
                });
                return Planned {
                    class: WRITE,
                    immediate: None,
                };
            }
            if rng.chance(self.keyed) {
                subs.push(Sub {
                    shard: rng.index(machines),
                    service: exp(keyed, rng),
                });
                return Planned {
                    class: KEYED,
                    immediate: None,
                };
            }
            subs.extend((0..machines).map(|shard| Sub {
                shard,
                service: exp(unkeyed, rng),
            }));
            Planned {
                class: UNKEYED,
                immediate: None,
            }
        })?;
        let mut classes = run.classes.into_iter();
        Ok(PartitionReport {
            layout: self.layout,
            keyed: classes.next().unwrap_or_default(),
            unkeyed: classes.next().unwrap_or_default(),
            writes: classes.next().unwrap_or_default(),
            all: run.all,
            servers: run.shards,
            capacity: self.capacity(),
            stopped_early: run.stopped_early,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_and_capacity_follow_the_table() {
        let single = Partitioning::new(Layout::Single, 10.0).unwrap();
        let parts = Partitioning::new(Layout::Partitioned { partitions: 10 }, 10.0).unwrap();
        let shards = Partitioning::new(Layout::Sharded { shards: 4 }, 10.0).unwrap();
        assert!((single.mean_costs().0 - 0.101).abs() < 1e-12);
        assert!((parts.mean_costs().0 - (0.001 + 0.0002 + 0.01)).abs() < 1e-12);
        assert!((parts.mean_costs().1 - (0.001 + 0.002 + 0.1)).abs() < 1e-12);
        assert!((shards.mean_costs().0 - 0.026).abs() < 1e-12);
        // One table: 8 cores / (0.7 · 0.101 + 0.3 · 0.001) s.
        assert!((single.capacity() - 8.0 / (0.7 * 0.101 + 0.3 * 0.001)).abs() < 1e-9);
        assert!(parts.capacity() > 4.0 * single.capacity());
        assert!(shards.capacity() > parts.capacity());
        assert_eq!((single.machines(), shards.machines()), (1, 4));
    }

    #[test]
    fn a_run_separates_the_request_kinds() {
        let r = Partitioning::new(Layout::Sharded { shards: 3 }, 50.0)
            .unwrap()
            .requests(3_000)
            .unwrap()
            .run(1)
            .unwrap();
        assert_eq!(
            r.keyed.count() + r.unkeyed.count() + r.writes.count(),
            3_000
        );
        assert_eq!(r.servers.len(), 3);
        assert!(r.stopped_early.is_none());
    }

    #[test]
    fn bad_layouts_are_errors() {
        assert!(
            Partitioning::new(Layout::Partitioned { partitions: 0 }, 1.0)
                .unwrap_err()
                .to_string()
                .contains("partitions")
        );
        assert!(Partitioning::new(Layout::Sharded { shards: 0 }, 1.0).is_err());
        assert!(Partitioning::new(Layout::Single, 0.0).is_err());
        assert!(
            Partitioning::new(Layout::Single, 1.0)
                .unwrap()
                .costs(-1.0, 0.0, 0.0, 0.0)
                .is_err()
        );
    }
}
