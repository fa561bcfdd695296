//! The database tier: a station whose servers are the connections, with a simple cost
//! model of the queries the author complained about (COUNT on a large table, OFFSET
//! paging), and a load experiment that also compares a relational node with a sharded
//! key-value store.
//!
//! # The ideas, for a working developer
//!
//! - A database serves at most `connections` queries at once; more wait for a
//!   connection (the pool's queue). A slow query holds its connection the whole time,
//!   so a few heavy queries delay every light one behind them.
//! - **COUNT(\*)** in PostgreSQL reads every visible row (MVCC keeps no exact row count),
//!   so its cost grows with the table: fine at 10 000 rows, seconds at 10 million. The
//!   cures: show the planner's estimate (`pg_class.reltuples`, instant but approximate),
//!   or keep a counter row that every insert updates (exact, instant to read, one more
//!   row write per insert — and one hot row all inserts queue on).
//! - **OFFSET paging** (`ORDER BY id OFFSET 100000 LIMIT 20`) walks and throws away every
//!   row before the page: page *d* costs *d × size* rows. **Keyset paging**
//!   (`WHERE id > last_seen ORDER BY id LIMIT 20`) seeks in the index and reads only the
//!   page: the same cost at every depth.
//! - **RDB vs NoSQL**, as a model and no more: a relational read that joins several
//!   tables pays an index seek per joined row; a key-value store reads one denormalised
//!   document by key, and spreads keys over shards, so its writes scale with the shard
//!   count. What it gives up (joins, transactions across keys, ad-hoc queries) is not in
//!   the numbers — that is the other half of the choice.
//!
//! The costs are order-of-magnitude numbers for a server with the data in memory, not
//! measurements: change them with [`CostModel`]'s public fields.

use crate::error::{Error, Result, at_least_one, non_negative, positive};
use crate::model::hashing::jump_hash;
use crate::sim::{
    Admission, Dist, EventQueue, LatencyHistogram, SimRng, Start, Station, StationStats, Zipf,
    derive_seed,
};

/// The cost, in seconds of one connection, of the parts of a query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CostModel {
    /// Per query: network round trip, parse, plan.
    pub overhead: f64,
    /// Per B-tree level visited on an index seek.
    pub level: f64,
    /// Keys per B-tree page (sets the depth: ⌈log_fanout(rows)⌉).
    pub fanout: f64,
    /// Per row of a sequential scan (what COUNT(*) does).
    pub row_scan: f64,
    /// Per row read through an index (an index entry and its row).
    pub row_fetch: f64,
    /// Per row inserted or updated (the row and its log record).
    pub row_write: f64,
    /// Per secondary index updated by a write.
    pub index_write: f64,
    /// Per transaction commit (flushing the log).
    pub commit: f64,
}

impl Default for CostModel {
    fn default() -> Self {
        Self::relational()
    }
}

impl CostModel {
    /// A relational database with its data in memory: 0.3 ms per query, 10 µs per index
    /// level (fanout 256), 0.1 µs per scanned row, 1 µs per row read by index, 50 µs per
    /// row write, 20 µs per index, 0.5 ms per commit.
    pub fn relational() -> Self {
        CostModel {
            overhead: 300e-6,
            level: 10e-6,
            fanout: 256.0,
            row_scan: 0.1e-6,
            row_fetch: 1e-6,
            row_write: 50e-6,
            index_write: 20e-6,
            commit: 500e-6,
        }
    }

    /// A key-value store: a lighter protocol (0.1 ms per request, no planner), the same
    /// storage costs, and commits batched (0.1 ms).
    pub fn key_value() -> Self {
        CostModel {
            overhead: 100e-6,
            commit: 100e-6,
            ..Self::relational()
        }
    }

    /// Checks that every cost is finite and ≥ 0 and the fanout ≥ 2.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("overhead", self.overhead),
            ("level", self.level),
            ("row_scan", self.row_scan),
            ("row_fetch", self.row_fetch),
            ("row_write", self.row_write),
            ("index_write", self.index_write),
            ("commit", self.commit),
        ] {
            non_negative(name, v)?;
        }
        if !(self.fanout.is_finite() && self.fanout >= 2.0) {
            return Err(Error::param("fanout", self.fanout, "a finite number >= 2"));
        }
        Ok(())
    }

    /// Levels of a B-tree over `rows` rows (at least 1).
    pub fn btree_depth(&self, rows: u64) -> u32 {
        if rows <= 1 {
            return 1;
        }
        ((rows as f64).ln() / self.fanout.ln()).ceil().max(1.0) as u32
    }

    /// The seconds `query` holds a connection on a table of `rows` rows.
    pub fn cost(&self, query: &Query, rows: u64) -> f64 {
        let seek = self.btree_depth(rows) as f64 * self.level;
        let write =
            |indexes: u32| seek + self.row_write + indexes as f64 * (seek + self.index_write);
        match *query {
            Query::PointRead | Query::CounterRead => self.overhead + seek + self.row_fetch,
            Query::Write { indexes } => self.overhead + write(indexes) + self.commit,
            Query::CountedWrite { indexes } => {
                // The insert, then an update of the counter row in the same transaction.
                self.overhead + write(indexes) + self.level + self.row_write + self.commit
            }
            Query::Count => self.overhead + rows as f64 * self.row_scan,
            Query::CountEstimate => self.overhead,
            Query::OffsetPage { .. } | Query::KeysetPage { .. } => {
                self.overhead + seek + query.rows_read(rows) as f64 * self.row_fetch
            }
            Query::Join {
                tables,
                rows: per_table,
            } => self.overhead + (tables as f64 * per_table as f64) * (seek + self.row_fetch),
        }
    }
}

/// A query the cost model knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Query {
    /// One row by primary key (a key-value get too).
    PointRead,
    /// Insert or update one row, maintaining `indexes` secondary indexes.
    Write {
        /// Secondary indexes on the table.
        indexes: u32,
    },
    /// `SELECT COUNT(*)` over the whole table: a sequential scan.
    Count,
    /// The planner's row estimate (`pg_class.reltuples`): instant, approximate.
    CountEstimate,
    /// Reading a counter row kept up to date by writes.
    CounterRead,
    /// A write that also increments the counter row.
    CountedWrite {
        /// Secondary indexes on the table.
        indexes: u32,
    },
    /// `ORDER BY id OFFSET page·size LIMIT size`.
    OffsetPage {
        /// The page number, from 0.
        page: u64,
        /// Rows per page.
        size: u64,
    },
    /// `WHERE id > last_seen ORDER BY id LIMIT size`.
    KeysetPage {
        /// Rows per page.
        size: u64,
    },
    /// A read joining `tables` tables, `rows` rows from each, by index.
    Join {
        /// Tables joined.
        tables: u32,
        /// Rows read from each.
        rows: u64,
    },
}

impl Query {
    /// A short name for tables ("OFFSET page 500", ...).
    pub fn name(&self) -> String {
        match *self {
            Query::PointRead => "point read".into(),
            Query::Write { indexes } => format!("write ({indexes} indexes)"),
            Query::Count => "COUNT(*)".into(),
            Query::CountEstimate => "row estimate".into(),
            Query::CounterRead => "counter read".into(),
            Query::CountedWrite { indexes } => format!("write + counter ({indexes} indexes)"),
            Query::OffsetPage { page, size } => format!("OFFSET page {page} (size {size})"),
            Query::KeysetPage { size } => format!("keyset page (size {size})"),
            Query::Join { tables, rows } => format!("join {tables} tables × {rows} rows"),
        }
    }

    /// Whether the query touches one key (and so one shard of a sharded store).
    pub fn is_keyed(&self) -> bool {
        matches!(
            self,
            Query::PointRead
                | Query::Write { .. }
                | Query::CounterRead
                | Query::CountedWrite { .. }
        )
    }

    /// Rows the query reads on a table of `rows` rows.
    pub fn rows_read(&self, rows: u64) -> u64 {
        match *self {
            Query::PointRead
            | Query::CounterRead
            | Query::Write { .. }
            | Query::CountedWrite { .. } => 1,
            Query::Count => rows,
            Query::CountEstimate => 0,
            Query::OffsetPage { page, size } => {
                page.saturating_mul(size).saturating_add(size).min(rows)
            }
            Query::KeysetPage { size } => size.min(rows),
            Query::Join {
                tables,
                rows: per_table,
            } => tables as u64 * per_table,
        }
    }

    fn check(&self) -> Result<()> {
        match *self {
            Query::OffsetPage { size: 0, .. } | Query::KeysetPage { size: 0 } => {
                Err(Error::param("size", 0, "at least 1 row per page"))
            }
            Query::Join { tables: 0, .. } => Err(Error::param("tables", 0, "at least 1")),
            _ => Ok(()),
        }
    }
}

/// A database server: `connections` connections in front of a queue, serving queries
/// priced by a [`CostModel`] on a table of `rows` rows. A thin layer over
/// [`Station`]: the caller drives it the same way (submit, then `finish` at `done_at`
/// and `start_next`).
#[derive(Debug, Clone)]
pub struct Database<J> {
    station: Station<J>,
    cost: CostModel,
    rows: u64,
    variability: Dist,
}

impl<J> Database<J> {
    /// `connections` ≥ 1 connections, a table of `rows` rows, the relational cost model,
    /// and exponential variability around each query's cost.
    pub fn new(connections: usize, rows: u64) -> Result<Self> {
        Ok(Database {
            station: Station::new(at_least_one("connections", connections)?)?,
            cost: CostModel::relational(),
            rows,
            variability: Dist::exponential(1.0)?,
        })
    }

    /// Prices queries with `cost`.
    pub fn cost_model(mut self, cost: CostModel) -> Result<Self> {
        cost.validate()?;
        self.cost = cost;
        Ok(self)
    }

    /// Multiplies each query's cost by a draw of `factor`, rescaled to mean 1 (constant
    /// 1: every query takes exactly its cost; exponential: M/M/c-like service).
    pub fn variability(mut self, factor: Dist) -> Result<Self> {
        let mean = factor.mean();
        if !(mean.is_finite() && mean > 0.0) {
            return Err(Error::param(
                "variability",
                factor,
                "a distribution with a finite mean > 0",
            ));
        }
        self.variability = factor.scaled(1.0 / mean)?;
        Ok(self)
    }

    /// At most `limit` queries wait for a connection; more are rejected.
    pub fn queue_limit(mut self, limit: usize) -> Self {
        self.station = self.station.with_queue_limit(limit);
        self
    }

    /// A query that waited more than `timeout` seconds for a connection gives up.
    pub fn timeout(mut self, timeout: f64) -> Result<Self> {
        self.station = self.station.with_timeout(timeout)?;
        Ok(self)
    }

    /// The cost model.
    pub fn costs(&self) -> &CostModel {
        &self.cost
    }

    /// Rows in the table.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// The mean seconds of a connection `query` takes.
    pub fn mean_service(&self, query: &Query) -> f64 {
        self.cost.cost(query, self.rows)
    }

    /// `query` arrives at `now` as `job`; its service time is its cost times a draw of the
    /// variability.
    #[inline]
    pub fn submit(&mut self, now: f64, job: J, query: &Query, rng: &mut SimRng) -> Admission<J> {
        let service = self.mean_service(query) * self.variability.sample(rng);
        self.station.arrive(now, job, service)
    }

    /// A job whose service time the caller chose arrives at `now`.
    #[inline]
    pub fn submit_for(&mut self, now: f64, job: J, service: f64) -> Admission<J> {
        self.station.arrive(now, job, service)
    }

    /// The job started in `epoch` finished at `now` (see [`Station::finish`]).
    #[inline]
    pub fn finish(&mut self, now: f64, epoch: u32) -> bool {
        self.station.finish(now, epoch)
    }

    /// Starts the next waiting job if a connection is free (see [`Station::start_next`]).
    #[inline]
    pub fn start_next(&mut self, now: f64, on_timeout: impl FnMut(J, f64)) -> Option<Start<J>> {
        self.station.start_next(now, on_timeout)
    }

    /// The server crashes (see [`Station::crash`]).
    pub fn crash(&mut self, now: f64) -> Vec<J> {
        self.station.crash(now)
    }

    /// The server is back (see [`Station::recover`]).
    pub fn recover(&mut self, now: f64) {
        self.station.recover(now)
    }

    /// The underlying station (queue length, busy connections, statistics).
    pub fn station(&self) -> &Station<J> {
        &self.station
    }

    /// The underlying station, mutably (to reset statistics or change connections).
    pub fn station_mut(&mut self) -> &mut Station<J> {
        &mut self.station
    }
}

/// One page depth: what OFFSET and keyset paging read and cost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PagingCost {
    /// The page number, from 0.
    pub page: u64,
    /// Rows OFFSET paging reads for it.
    pub offset_rows: u64,
    /// Seconds it takes.
    pub offset_seconds: f64,
    /// Rows keyset paging reads for it.
    pub keyset_rows: u64,
    /// Seconds it takes.
    pub keyset_seconds: f64,
}

/// OFFSET against keyset paging, page by page, on a table of `rows` rows.
pub fn paging_costs(
    cost: &CostModel,
    rows: u64,
    size: u64,
    pages: &[u64],
) -> Result<Vec<PagingCost>> {
    cost.validate()?;
    if size == 0 {
        return Err(Error::param("size", size, "at least 1 row per page"));
    }
    Ok(pages
        .iter()
        .map(|&page| {
            let (offset, keyset) = (Query::OffsetPage { page, size }, Query::KeysetPage { size });
            PagingCost {
                page,
                offset_rows: offset.rows_read(rows),
                offset_seconds: cost.cost(&offset, rows),
                keyset_rows: keyset.rows_read(rows),
                keyset_seconds: cost.cost(&keyset, rows),
            }
        })
        .collect())
}

/// One table size: the three ways to show "how many rows".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CountCost {
    /// Rows in the table.
    pub rows: u64,
    /// Seconds of `COUNT(*)`.
    pub count_seconds: f64,
    /// Seconds of reading the planner's estimate.
    pub estimate_seconds: f64,
    /// Seconds of reading a counter row.
    pub counter_seconds: f64,
    /// What the counter adds to every insert, in seconds.
    pub counter_write_extra: f64,
}

/// COUNT(*) against an estimate and a counter table, for each table size, on a table
/// with `indexes` secondary indexes.
pub fn count_costs(cost: &CostModel, sizes: &[u64], indexes: u32) -> Result<Vec<CountCost>> {
    cost.validate()?;
    Ok(sizes
        .iter()
        .map(|&rows| CountCost {
            rows,
            count_seconds: cost.cost(&Query::Count, rows),
            estimate_seconds: cost.cost(&Query::CountEstimate, rows),
            counter_seconds: cost.cost(&Query::CounterRead, rows),
            counter_write_extra: cost.cost(&Query::CountedWrite { indexes }, rows)
                - cost.cost(&Query::Write { indexes }, rows),
        })
        .collect())
}

/// Experiment: Poisson queries from a mix into one database (or `nodes` shards of a
/// key-value store), with per-query response times.
#[derive(Debug, Clone)]
pub struct DbLoad {
    rate: f64,
    mix: Vec<(f64, Query)>,
    connections: usize,
    nodes: usize,
    rows: u64,
    cost: CostModel,
    variability: Dist,
    keys: Zipf,
    requests: u64,
    warmup: u64,
    max_backlog: usize,
}

/// One query kind's results in a [`DbLoadReport`].
#[derive(Debug, Clone)]
pub struct QueryClass {
    /// The query.
    pub query: Query,
    /// Its name.
    pub name: String,
    /// Measured arrivals.
    pub arrived: u64,
    /// Response times (queue wait + service) of those served.
    pub response: LatencyHistogram,
}

/// What a [`DbLoad`] run measured (requests after the warm-up).
#[derive(Debug, Clone)]
pub struct DbLoadReport {
    /// Per query in the mix, in the mix's order.
    pub classes: Vec<QueryClass>,
    /// Response times of every served query.
    pub response: LatencyHistogram,
    /// Utilisation of each node's connections.
    pub utilisation: Vec<f64>,
    /// Queries completed per second between the first and the last measured arrival.
    pub throughput: f64,
    /// The offered rate, per second.
    pub offered: f64,
    /// The most queries per second the nodes could serve if keys were spread evenly:
    /// nodes × connections / mean cost.
    pub capacity: f64,
    /// Why the run stopped early (the database could not keep up), if it did.
    pub stopped_early: Option<String>,
}

#[derive(Debug, Clone, Copy)]
struct Job {
    class: usize,
    arrived: f64,
    measured: bool,
}

#[derive(Debug, Clone, Copy)]
enum Event {
    Arrival,
    Done { node: usize, epoch: u32 },
}

impl DbLoad {
    /// Queries at `rate` per second, drawn from `mix` (weight, query) pairs, into one
    /// database with `connections` connections and a table of `rows` rows. Defaults:
    /// relational costs, exponential variability, keys uniform over 1 000 000, 100 000
    /// measured queries after 10 000.
    pub fn new(rate: f64, mix: &[(f64, Query)], connections: usize, rows: u64) -> Result<Self> {
        if mix.is_empty() {
            return Err(Error::InvalidConfig(
                "the query mix is empty: give at least one (weight, query)".into(),
            ));
        }
        for (w, q) in mix {
            positive("weight", *w)?;
            q.check()?;
        }
        Ok(DbLoad {
            rate: positive("rate", rate)?,
            mix: mix.to_vec(),
            connections: at_least_one("connections", connections)?,
            nodes: 1,
            rows,
            cost: CostModel::relational(),
            variability: Dist::exponential(1.0)?,
            keys: Zipf::new(1_000_000, 0.0)?,
            requests: 100_000,
            warmup: 10_000,
            max_backlog: 100_000,
        })
    }

    /// Spreads keys over `nodes` ≥ 1 shards (jump consistent hash), each with the
    /// connections and `rows / nodes` rows. Every query in the mix must be keyed.
    pub fn nodes(mut self, nodes: usize) -> Result<Self> {
        self.nodes = at_least_one("nodes", nodes)?;
        if nodes > 1
            && let Some((_, q)) = self.mix.iter().find(|(_, q)| !q.is_keyed())
        {
            return Err(Error::InvalidConfig(format!(
                "`{}` is not a single-key query: on {nodes} shards it would visit every shard \
                 (cross-shard queries belong to the sharding model); use keyed queries only",
                q.name()
            )));
        }
        Ok(self)
    }

    /// Prices queries with `cost`.
    pub fn cost_model(mut self, cost: CostModel) -> Result<Self> {
        cost.validate()?;
        self.cost = cost;
        Ok(self)
    }

    /// Service-time variability (see [`Database::variability`]).
    pub fn variability(mut self, factor: Dist) -> Result<Self> {
        let mean = factor.mean();
        if !(mean.is_finite() && mean > 0.0) {
            return Err(Error::param(
                "variability",
                factor,
                "a distribution with a finite mean > 0",
            ));
        }
        self.variability = factor;
        Ok(self)
    }

    /// Keys drawn from Zipf(`alpha`) over `keys` keys (hot keys load one shard more).
    pub fn keys(mut self, keys: u64, alpha: f64) -> Result<Self> {
        self.keys = Zipf::new(keys, alpha)?;
        Ok(self)
    }

    /// `requests` ≥ 1 measured after `warmup`.
    pub fn requests(mut self, requests: u64, warmup: u64) -> Result<Self> {
        if requests == 0 {
            return Err(Error::param("requests", requests, "at least 1"));
        }
        self.requests = requests;
        self.warmup = warmup;
        Ok(self)
    }

    /// Stop (and say so) once more than `n` ≥ 1 queries wait on a node: the guard
    /// against an overloaded database filling memory. Default 100 000.
    pub fn max_backlog(mut self, n: usize) -> Result<Self> {
        self.max_backlog = at_least_one("max_backlog", n)?;
        Ok(self)
    }

    /// The mean cost of a query of the mix on one node.
    pub fn mean_cost(&self) -> f64 {
        let total: f64 = self.mix.iter().map(|(w, _)| w).sum();
        let rows = self.rows / self.nodes as u64;
        self.mix
            .iter()
            .map(|(w, q)| w / total * self.cost.cost(q, rows))
            .sum()
    }

    /// nodes × connections / mean cost: the most queries per second, keys spread evenly.
    pub fn capacity(&self) -> f64 {
        (self.nodes * self.connections) as f64 / self.mean_cost()
    }

    /// Runs with `seed`.
    pub fn run(&self, seed: u64) -> Result<DbLoadReport> {
        let rows = self.rows / self.nodes as u64;
        let mut nodes: Vec<Database<Job>> = (0..self.nodes)
            .map(|_| {
                Database::new(self.connections, rows)?
                    .cost_model(self.cost)?
                    .variability(self.variability)
            })
            .collect::<Result<_>>()?;
        let mut rng = SimRng::new(seed);
        let mut service_rng = SimRng::new(derive_seed(seed, 1));
        let total_weight: f64 = self.mix.iter().map(|(w, _)| w).sum();
        let cumulative: Vec<f64> = self
            .mix
            .iter()
            .scan(0.0, |acc, (w, _)| {
                *acc += w / total_weight;
                Some(*acc)
            })
            .collect();
        let mut classes: Vec<QueryClass> = self
            .mix
            .iter()
            .map(|(_, q)| QueryClass {
                query: *q,
                name: q.name(),
                arrived: 0,
                response: LatencyHistogram::new(),
            })
            .collect();
        let mut all = LatencyHistogram::new();
        let total = self.warmup + self.requests;
        let mut generated = 0u64;
        let mut measure_from = 0.0;
        // (time, per-node statistics) at the last measured arrival.
        let mut measure_to: Option<(f64, Vec<StationStats>)> = None;
        let mut stopped_early = None;
        let mut events = EventQueue::new();
        events.schedule_at(-rng.uniform_open0().ln() / self.rate, Event::Arrival);
        let mut record = |s: &Start<Job>,
                          node: usize,
                          events: &mut EventQueue<Event>,
                          classes: &mut Vec<QueryClass>| {
            events.schedule_at(
                s.done_at,
                Event::Done {
                    node,
                    epoch: s.epoch,
                },
            );
            if s.job.measured {
                classes[s.job.class]
                    .response
                    .record(s.done_at - s.job.arrived);
                all.record(s.done_at - s.job.arrived);
            }
        };
        while let Some((now, event)) = events.pop() {
            match event {
                Event::Arrival => {
                    generated += 1;
                    let measured = generated > self.warmup;
                    if generated == self.warmup + 1 {
                        measure_from = now;
                        nodes
                            .iter_mut()
                            .for_each(|n| n.station_mut().reset_stats(now));
                    }
                    let u = rng.uniform();
                    let class = cumulative
                        .iter()
                        .position(|&c| u < c)
                        .unwrap_or(self.mix.len() - 1);
                    let key = self.keys.sample(&mut rng);
                    let node = if self.nodes > 1 {
                        jump_hash(key, self.nodes as u32) as usize
                    } else {
                        0
                    };
                    classes[class].arrived += measured as u64;
                    let job = Job {
                        class,
                        arrived: now,
                        measured,
                    };
                    if let Admission::Started(s) =
                        nodes[node].submit(now, job, &self.mix[class].1, &mut service_rng)
                    {
                        record(&s, node, &mut events, &mut classes);
                    }
                    if generated < total {
                        if nodes[node].station().queue_len() > self.max_backlog {
                            stopped_early = Some(format!(
                                "stopped at t = {now:.1} s after {generated} queries: more than {} were waiting on \
                                 node {node}. The offered rate {:.0}/s is above the capacity {:.0}/s.",
                                self.max_backlog,
                                self.rate,
                                self.capacity()
                            ));
                            measure_to =
                                Some((now, nodes.iter().map(|n| n.station().stats(now)).collect()));
                            break;
                        }
                        events.schedule_at(
                            now - rng.uniform_open0().ln() / self.rate,
                            Event::Arrival,
                        );
                    } else {
                        measure_to =
                            Some((now, nodes.iter().map(|n| n.station().stats(now)).collect()));
                    }
                }
                Event::Done { node, epoch } => {
                    nodes[node].finish(now, epoch);
                    if let Some(s) = nodes[node].start_next(now, |_, _| {}) {
                        record(&s, node, &mut events, &mut classes);
                    }
                }
            }
        }
        let (end, stats) = measure_to.unwrap_or_else(|| {
            (
                measure_from,
                nodes
                    .iter()
                    .map(|n| n.station().stats(measure_from))
                    .collect(),
            )
        });
        let span = end - measure_from;
        let completed: u64 = stats.iter().map(|s| s.completed).sum();
        Ok(DbLoadReport {
            classes,
            utilisation: stats.iter().map(|s| s.utilisation()).collect(),
            throughput: if span > 0.0 {
                completed as f64 / span
            } else {
                0.0
            },
            response: all,
            offered: self.rate,
            capacity: self.capacity(),
            stopped_early,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_paging_grows_with_depth_and_keyset_does_not() {
        let c = CostModel::relational();
        let pages = paging_costs(&c, 10_000_000, 20, &[0, 10, 1000, 100_000]).unwrap();
        assert_eq!(pages[0].offset_rows, 20);
        assert_eq!(pages[2].offset_rows, 20_020);
        assert!(
            pages
                .iter()
                .all(|p| p.keyset_rows == 20 && p.keyset_seconds == pages[0].keyset_seconds)
        );
        assert!(
            pages[3].offset_seconds > 1.0,
            "page 100 000 of 20 reads 2 M rows"
        );
        assert!(
            pages
                .windows(2)
                .all(|w| w[1].offset_seconds > w[0].offset_seconds)
        );
        // A page past the end reads the whole table and no more.
        assert_eq!(
            Query::OffsetPage {
                page: u64::MAX,
                size: 20
            }
            .rows_read(100),
            100
        );
    }

    #[test]
    fn count_grows_with_the_table_and_the_counter_costs_each_write() {
        let c = CostModel::relational();
        let rows = count_costs(&c, &[10_000, 10_000_000], 2).unwrap();
        assert!(
            (rows[1].count_seconds - (300e-6 + 1.0)).abs() < 1e-9,
            "10 M rows × 0.1 µs"
        );
        assert!(rows[0].count_seconds < 0.01);
        assert_eq!(rows[1].estimate_seconds, c.overhead);
        assert!(rows[1].counter_seconds < 0.001 && rows[1].counter_write_extra > 0.0);
        assert_eq!(c.btree_depth(256), 1);
        assert_eq!(c.btree_depth(257), 2);
        assert_eq!(c.btree_depth(10_000_000), 3);
    }

    #[test]
    fn a_heavy_query_in_the_mix_slows_the_light_ones() {
        let light = [(1.0, Query::PointRead)];
        let heavy = [
            (0.99, Query::PointRead),
            (
                0.01,
                Query::OffsetPage {
                    page: 5000,
                    size: 20,
                },
            ),
        ];
        let run = |mix: &[(f64, Query)]| {
            DbLoad::new(2000.0, mix, 4, 1_000_000)
                .unwrap()
                .requests(50_000, 5_000)
                .unwrap()
                .run(1)
                .unwrap()
        };
        let (a, b) = (run(&light), run(&heavy));
        assert!(a.stopped_early.is_none() && b.stopped_early.is_none());
        let p99 = |r: &DbLoadReport| r.classes[0].response.p99();
        assert!(
            p99(&b) > 3.0 * p99(&a),
            "point-read p99 {} vs {}",
            p99(&b),
            p99(&a)
        );
        assert!(b.utilisation[0] > a.utilisation[0]);
    }

    #[test]
    fn shards_spread_writes() {
        let mix = [(1.0, Query::Write { indexes: 1 })];
        let one = DbLoad::new(1000.0, &mix, 1, 1_000_000).unwrap();
        let four = one.clone().nodes(4).unwrap();
        assert!((four.capacity() / one.capacity() - 4.0).abs() < 0.1);
        let r = four.requests(20_000, 2_000).unwrap().run(2).unwrap();
        assert_eq!(r.utilisation.len(), 4);
        assert!(
            r.utilisation
                .iter()
                .all(|&u| (u - r.utilisation[0]).abs() < 0.1),
            "{:?}",
            r.utilisation
        );
    }

    #[test]
    fn an_overloaded_database_stops_and_says_why() {
        let r = DbLoad::new(5000.0, &[(1.0, Query::Count)], 4, 1_000_000)
            .unwrap()
            .requests(1_000_000, 0)
            .unwrap()
            .run(3)
            .unwrap();
        assert!(r.stopped_early.unwrap().contains("above the capacity"));
    }

    #[test]
    fn bad_configurations_are_errors() {
        assert!(
            Database::<()>::new(0, 10)
                .unwrap_err()
                .to_string()
                .contains("`connections` = 0")
        );
        assert!(DbLoad::new(1.0, &[], 1, 10).is_err());
        assert!(DbLoad::new(1.0, &[(0.0, Query::PointRead)], 1, 10).is_err());
        assert!(DbLoad::new(1.0, &[(1.0, Query::KeysetPage { size: 0 })], 1, 10).is_err());
        let e = DbLoad::new(1.0, &[(1.0, Query::Count)], 1, 10)
            .unwrap()
            .nodes(2)
            .unwrap_err()
            .to_string();
        assert!(e.contains("COUNT(*)") && e.contains("sharding"), "{e}");
        let bad = CostModel {
            fanout: 1.0,
            ..CostModel::relational()
        };
        assert!(paging_costs(&bad, 10, 10, &[1]).is_err());
        assert!(
            CostModel {
                row_scan: -1.0,
                ..CostModel::relational()
            }
            .validate()
            .is_err()
        );
        assert!(
            Database::<()>::new(1, 10)
                .unwrap()
                .variability(Dist::pareto(1.0, 0.5).unwrap())
                .is_err()
        );
    }
}
