//! Lesson 12 (`lessons/12-sharding`) — Sharding: range, hash and consistent hashing,
//! resharding, virtual nodes, hot keys, cross-shard queries, and partitioning.
//!
//! Each function is one experiment of the lesson, with the parameters its cell shows;
//! the tests at the end keep the numbers quoted in the prose true.

use crate::error::{Error, Result, at_least_one, positive, probability};
use crate::lang::t;
use crate::model::hashing::HashRing;
use crate::model::sharding::{
    Keys, Layout, Partitioning, Resharding, ShardRouter, ShardedStore, fan_out_percentile,
};
use crate::report::Table;
use crate::sim::Dist;

/// The capacity of one shard in the lesson's store: 4 servers, 5 ms per query.
pub const SHARD_CAPACITY: f64 = 800.0;

/// One line of "how many shards does this write rate need".
#[derive(Debug, Clone, PartialEq)]
pub struct ShardCountRow {
    /// Shards (hash mod N).
    pub shards: usize,
    /// What they can serve together, requests per second.
    pub capacity: f64,
    /// The busiest shard's utilisation.
    pub busiest: f64,
    /// The p99 latency in seconds, `None` if the run stopped because a shard overflowed.
    pub p99: Option<f64>,
}

/// Writes at `rate` per second (uniform keys) on `shards` hash-sharded databases of 4
/// servers × 5 ms each: which counts keep up. 40 000 measured requests per count; a run
/// whose backlog passes 2 000 stops and is marked overloaded.
pub fn writes_on_shards(counts: &[usize], rate: f64, seed: u64) -> Result<Vec<ShardCountRow>> {
    positive("rate", rate)?;
    counts
        .iter()
        .map(|&n| {
            let r = ShardedStore::new(ShardRouter::mod_n(n)?, rate, Keys::uniform(1_000_000)?)?
                .read_fraction(0.0)?
                .requests(40_000)?
                .warmup(4_000)
                .max_backlog(2_000)?
                .run(seed)?;
            let busiest = r.utilisations().into_iter().fold(0.0, f64::max);
            Ok(ShardCountRow {
                shards: n,
                capacity: n as f64 * SHARD_CAPACITY,
                busiest,
                p99: r.stopped_early.is_none().then(|| r.all.p99()),
            })
        })
        .collect()
}

/// [`writes_on_shards`] as a table.
pub fn shard_count_table(rows: &[ShardCountRow]) -> Result<Table> {
    Table::builder()
        .column(
            t("샤드 수", "shards"),
            rows.iter().map(|r| r.shards as u64).collect::<Vec<_>>(),
        )
        .column(
            t("처리 용량 (요청/초)", "capacity (requests/s)"),
            rows.iter().map(|r| r.capacity).collect::<Vec<_>>(),
        )
        .column(
            t("가장 바쁜 샤드 이용률", "busiest shard utilisation"),
            rows.iter().map(|r| r.busiest).collect::<Vec<_>>(),
        )
        .column(
            "p99 (ms)",
            rows.iter()
                .map(|r| r.p99.map(|p| p * 1e3))
                .collect::<Vec<_>>(),
        )
        .column(
            t("상태", "state"),
            rows.iter()
                .map(|r| match r.p99 {
                    Some(_) => t("감당함", "keeps up"),
                    None => t("과부하", "overloaded"),
                })
                .collect::<Vec<_>>(),
        )
        .build()
}

/// The keys moved by adding one shard, one row per strategy (from
/// [`AddShard::run`](crate::model::sharding::AddShard::run)), with labels in the page's
/// language.
pub fn moved_table(runs: &[Resharding]) -> Result<Table> {
    Table::builder()
        .column(
            t("방식", "strategy"),
            runs.iter().map(strategy_label).collect::<Vec<_>>(),
        )
        .column(
            t("샤드", "shards"),
            runs.iter()
                .map(|r| format!("{} → {}", r.shards_before, r.shards_after))
                .collect::<Vec<_>>(),
        )
        .column(
            t("옮겨진 키 (%)", "keys moved (%)"),
            runs.iter()
                .map(|r| 100.0 * r.moved_fraction())
                .collect::<Vec<_>>(),
        )
        .column(
            t("최소치 (%)", "minimum (%)"),
            runs.iter()
                .map(|r| 100.0 * r.minimum_fraction())
                .collect::<Vec<_>>(),
        )
        .column(
            t("가장 큰 샤드 / 평균", "fullest shard / mean"),
            runs.iter().map(|r| r.imbalance_after()).collect::<Vec<_>>(),
        )
        .build()
}

fn strategy_label(r: &Resharding) -> String {
    use crate::model::sharding::Strategy::*;
    match r.strategy {
        Range => t("범위", "range"),
        ModN => t("해시 mod N", "hash mod N"),
        Consistent => t("안정 해시 (링)", "consistent hashing (ring)"),
        Jump => t("점프 해시", "jump hash"),
        Directory => t("디렉터리", "directory"),
    }
    .to_string()
}

/// Keys moved going from `n` to `n + 1` shards, measured on the same random keys.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MovedRow {
    /// Shards before.
    pub shards: usize,
    /// Share of keys moved by hash mod N.
    pub mod_n: f64,
    /// Share moved by a consistent-hash ring (`vnodes` virtual nodes per node).
    pub ring: f64,
}

/// For each `n` of `shards`, the share of `keys` random keys that change shard when
/// mod-N and a ring of `vnodes` virtual nodes per node go from `n` to `n + 1` shards.
pub fn moved_vs_shards(
    shards: &[usize],
    keys: u64,
    vnodes: usize,
    seed: u64,
) -> Result<Vec<MovedRow>> {
    if keys == 0 {
        return Err(Error::param("keys", keys, "at least 1"));
    }
    let mut rng = crate::sim::SimRng::stream(seed, 0);
    let sample: Vec<u64> = (0..keys).map(|_| rng.below(u64::MAX)).collect();
    shards
        .iter()
        .map(|&n| {
            let m = ShardRouter::mod_n(n)?;
            let ring = ShardRouter::consistent_seeded(n, vnodes, seed)?;
            Ok(MovedRow {
                shards: n,
                mod_n: Resharding::add_shard(&m, sample.iter().copied())?.moved_fraction(),
                ring: Resharding::add_shard(&ring, sample.iter().copied())?.moved_fraction(),
            })
        })
        .collect()
}

/// How evenly a ring spreads the hash space, for one number of virtual nodes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VnodeRow {
    /// Virtual nodes per node.
    pub vnodes: usize,
    /// The largest node's share of the ring relative to the fair share 1/N, averaged
    /// over the placements (1 = perfectly even).
    pub max_over_fair: f64,
    /// The smallest node's share relative to 1/N, averaged over the placements.
    pub min_over_fair: f64,
}

/// For `nodes` nodes and each count of `vnodes`, the largest and smallest share of the
/// ring relative to 1/`nodes`, averaged over `placements` random rings.
pub fn vnode_spread(
    nodes: usize,
    vnodes: &[usize],
    placements: u64,
    seed: u64,
) -> Result<Vec<VnodeRow>> {
    at_least_one("nodes", nodes)?;
    at_least_one("placements", placements as usize)?;
    vnodes
        .iter()
        .map(|&v| {
            let (mut max, mut min) = (0.0, 0.0);
            for p in 0..placements {
                let ring = HashRing::with_seed(nodes, v, seed.wrapping_add(p))?;
                let shares: Vec<f64> = ring.shares().into_iter().map(|(_, s)| s).collect();
                max += shares.iter().copied().fold(0.0, f64::max) * nodes as f64;
                min += shares.iter().copied().fold(1.0, f64::min) * nodes as f64;
            }
            Ok(VnodeRow {
                vnodes: v,
                max_over_fair: max / placements as f64,
                min_over_fair: min / placements as f64,
            })
        })
        .collect()
}

/// One scenario of the hot-key experiment.
#[derive(Debug, Clone, PartialEq)]
pub struct HotKeyRow {
    /// What ran (label in the page's language).
    pub scenario: String,
    /// Each shard's utilisation.
    pub utilisation: Vec<f64>,
    /// p99 of all requests, seconds (`None` if a shard overflowed).
    pub p99: Option<f64>,
}

/// Reads at `rate` per second over 100 000 uniform keys on 4 hash-sharded shards
/// (800 requests/s each): without a celebrity, with one key taking `celebrity` of all
/// requests, and with that key's reads served by a cache (0.5 ms). A run whose backlog
/// at one shard passes 1 000 stops (its p99 is then `None`).
pub fn hot_key(rate: f64, celebrity: f64, seed: u64) -> Result<Vec<HotKeyRow>> {
    probability("celebrity", celebrity)?;
    let base = ShardedStore::new(ShardRouter::mod_n(4)?, rate, Keys::uniform(100_000)?)?
        .requests(60_000)?
        .warmup(6_000)
        .max_backlog(1_000)?;
    let scenarios = [
        (t("고른 키", "even keys"), base.clone()),
        (
            t("셀럽 키 하나", "one celebrity key"),
            base.clone().celebrity(celebrity)?,
        ),
        (
            t("셀럽 키 + 캐시", "celebrity + cache"),
            base.celebrity(celebrity)?.cache_hot_keys(1, 0.0005)?,
        ),
    ];
    scenarios
        .into_iter()
        .map(|(name, store)| {
            let r = store.run(seed)?;
            Ok(HotKeyRow {
                scenario: name.to_string(),
                utilisation: r.utilisations(),
                p99: r.stopped_early.is_none().then(|| r.all.p99()),
            })
        })
        .collect()
}

/// Scatter-gather latency for one number of shards.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FanOutRow {
    /// Shards the query waits for.
    pub shards: usize,
    /// Simulated p50 of the query, seconds.
    pub p50: f64,
    /// Simulated p99 of the query, seconds.
    pub p99: f64,
    /// The independent-shards formula's p99 (an upper bound), seconds.
    pub p99_formula: f64,
}

/// Queries at `rate` per second that all go to every one of n shards (one server, 5 ms
/// exponential, per shard) and wait for the slowest, for each n of `shards`; 30 000
/// queries per point. The formula treats each shard as an independent M/M/1 queue.
pub fn fan_out(shards: &[usize], rate: f64, seed: u64) -> Result<Vec<FanOutRow>> {
    let mu = 200.0;
    if !(rate > 0.0 && rate < mu) {
        return Err(Error::param(
            "rate",
            rate,
            "in (0, 200): one shard serves 200/s",
        ));
    }
    shards
        .iter()
        .map(|&n| {
            let r = ShardedStore::scatter_gather(n, rate, Dist::exponential(1.0 / mu)?)?
                .requests(30_000)?
                .warmup(3_000)
                .run(seed)?;
            let single = |q: f64| Ok(-(1.0 - q / 100.0).ln() / (mu - rate));
            Ok(FanOutRow {
                shards: n,
                p50: r.all.p50(),
                p99: r.all.p99(),
                p99_formula: fan_out_percentile(n, 99.0, single)?,
            })
        })
        .collect()
}

/// One layout of the partitioning-vs-sharding comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct LayoutRow {
    /// The layout.
    pub layout: Layout,
    /// Database servers.
    pub machines: usize,
    /// The most requests per second it sustains.
    pub capacity: f64,
    /// p99 of reads that filter on the key, seconds.
    pub keyed_p99: f64,
    /// p99 of reads that do not, seconds.
    pub unkeyed_p99: f64,
}

/// One big table (10 M rows, 90 % of reads by key, 30 % writes) at `rate` requests per
/// second, laid out as each of `layouts` (see [`Partitioning`]); 30 000 measured
/// requests each.
pub fn layouts(layouts: &[Layout], rate: f64, seed: u64) -> Result<Vec<LayoutRow>> {
    layouts
        .iter()
        .map(|&layout| {
            let p = Partitioning::new(layout, rate)?
                .requests(30_000)?
                .warmup(3_000);
            let r = p.run(seed)?;
            if let Some(why) = r.stopped_early {
                return Err(Error::InvalidConfig(format!("{layout}: {why}")));
            }
            Ok(LayoutRow {
                layout,
                machines: p.machines(),
                capacity: p.capacity(),
                keyed_p99: r.keyed.p99(),
                unkeyed_p99: r.unkeyed.p99(),
            })
        })
        .collect()
}

/// [`layouts`] as a table.
pub fn layout_table(rows: &[LayoutRow]) -> Result<Table> {
    let name = |l: &Layout| match *l {
        Layout::Single => t("테이블 하나", "one table").to_string(),
        Layout::Partitioned { partitions } => {
            format!(
                "{partitions} {}",
                t("파티션, 서버 1대", "partitions, one server")
            )
        }
        Layout::Sharded { shards } => format!("{shards} {}", t("샤드", "shards")),
    };
    Table::builder()
        .column(
            t("배치", "layout"),
            rows.iter().map(|r| name(&r.layout)).collect::<Vec<_>>(),
        )
        .column(
            t("DB 서버", "DB servers"),
            rows.iter().map(|r| r.machines as u64).collect::<Vec<_>>(),
        )
        .column(
            t("처리 용량 (요청/초)", "capacity (requests/s)"),
            rows.iter().map(|r| r.capacity).collect::<Vec<_>>(),
        )
        .column(
            t("키로 읽기 p99 (ms)", "read by key p99 (ms)"),
            rows.iter().map(|r| r.keyed_p99 * 1e3).collect::<Vec<_>>(),
        )
        .column(
            t("키 없이 읽기 p99 (ms)", "read without key p99 (ms)"),
            rows.iter().map(|r| r.unkeyed_p99 * 1e3).collect::<Vec<_>>(),
        )
        .build()
}

#[cfg(test)]
mod tests {
    //! Every number the lesson quotes, checked. The runs are seeded, so the numbers are
    //! exact today; the tolerances say how far a change in the model may move them
    //! before the prose must be rewritten (about 3–4 standard errors of each estimate).
    use super::*;
    use crate::model::sharding::{AddShard, Strategy};

    /// A p99 from 30 000–60 000 requests is within a few percent of the true one; 15 %
    /// leaves room for "about".
    fn near(value: f64, quoted: f64, rel: f64) -> bool {
        (value - quoted).abs() <= rel * quoted
    }

    #[test]
    fn one_primary_cannot_take_2000_writes_but_three_shards_can() {
        // "One primary ... falls behind for good ... Two shards ... are still short.
        // Three keep up, with the busiest shard at about 84 % utilisation and a p99 of
        // about 40 ms; four bring the p99 down to about 25 ms."
        let rows = writes_on_shards(&[1, 2, 3, 4], 2000.0, 1).unwrap();
        assert!(rows[0].p99.is_none() && rows[1].p99.is_none());
        assert!((rows[2].busiest - 0.84).abs() < 0.03, "{}", rows[2].busiest);
        assert!(near(rows[2].p99.unwrap(), 0.040, 0.15), "{:?}", rows[2].p99);
        assert!(near(rows[3].p99.unwrap(), 0.025, 0.15), "{:?}", rows[3].p99);
    }

    #[test]
    fn mod_n_moves_80_percent_and_a_ring_20() {
        // "`hash % N` moves about 80 % ... The ring, jump hash and the directory move
        // about 20 % ... Range sharding moves only about 12.5 % ... the fullest shard has
        // about 1.26 times the mean." 100 000 keys: a share's standard error is ≤ 0.2 pp.
        let runs = AddShard::new(4).unwrap().run(1).unwrap();
        let moved = |s: Strategy| {
            runs.iter()
                .find(|r| r.strategy == s)
                .map(|r| r.moved_fraction())
                .unwrap()
        };
        assert!((moved(Strategy::ModN) - 0.80).abs() < 0.01);
        for s in [Strategy::Jump, Strategy::Directory] {
            assert!((moved(s) - 0.20).abs() < 0.01, "{s}");
        }
        // The ring's share also depends on where its points fell.
        assert!((moved(Strategy::Consistent) - 0.20).abs() < 0.02);
        assert!((moved(Strategy::Range) - 0.125).abs() < 0.01);
        let range = runs.iter().find(|r| r.strategy == Strategy::Range).unwrap();
        assert!((range.imbalance_after() - 1.26).abs() < 0.03);
    }

    #[test]
    fn at_16_shards_mod_n_moves_94_percent_and_the_ring_7() {
        // "At 16 shards, mod-N moves about 94 % of the keys to add a 17th; the ring moves
        // about 7 %."
        let rows = moved_vs_shards(&[16], 100_000, 100, 1).unwrap();
        assert!((rows[0].mod_n - 0.94).abs() < 0.01, "{}", rows[0].mod_n);
        assert!((rows[0].ring - 0.07).abs() < 0.015, "{}", rows[0].ring);
    }

    #[test]
    fn virtual_nodes_even_out_the_ring() {
        // "With one point each, the largest shard owns about 2.9 times its fair share;
        // with 100 virtual nodes about 1.16 times; with 1,000 about 1.05 times." An
        // average over 20 rings: about ±5 % for V = 1, less for more points.
        let rows = vnode_spread(10, &[1, 100, 1000], 20, 1).unwrap();
        assert!((rows[0].max_over_fair - 2.9).abs() < 0.3, "{rows:?}");
        assert!((rows[1].max_over_fair - 1.16).abs() < 0.03, "{rows:?}");
        assert!((rows[2].max_over_fair - 1.05).abs() < 0.015, "{rows:?}");
        // "Change 10 to 50 shards: ... V still decides it" (the excess grows a little).
        let fifty = vnode_spread(50, &[1, 100], 20, 1).unwrap();
        assert!(fifty[1].max_over_fair > rows[1].max_over_fair);
        assert!(fifty[1].max_over_fair < 1.35, "{fifty:?}");
        assert!(fifty[0].max_over_fair > 2.0 * fifty[1].max_over_fair);
    }

    #[test]
    fn a_celebrity_heats_one_shard_and_a_cache_cools_it() {
        // "With even keys every shard is about 63 % busy. With the celebrity, one shard
        // climbs to about 90 % while the other three drop to about 53 %, and the p99 ...
        // goes from about 25 ms to about 40 ms ... Caching ... brings every shard back to
        // about 54 % and the p99 to about 23 ms."
        let rows = hot_key(2000.0, 0.15, 1).unwrap();
        let u = |i: usize| &rows[i].utilisation;
        assert!(u(0).iter().all(|&x| (x - 0.63).abs() < 0.03), "{:?}", u(0));
        let hot = u(1).iter().copied().fold(0.0, f64::max);
        assert!((hot - 0.90).abs() < 0.03, "{hot}");
        assert_eq!(u(1).iter().filter(|&&x| (x - 0.53).abs() < 0.03).count(), 3);
        assert!(u(2).iter().all(|&x| (x - 0.54).abs() < 0.03), "{:?}", u(2));
        assert!(near(rows[0].p99.unwrap(), 0.025, 0.15));
        assert!(near(rows[1].p99.unwrap(), 0.040, 0.15));
        assert!(near(rows[2].p99.unwrap(), 0.023, 0.15));
    }

    #[test]
    fn a_25_percent_celebrity_overloads_its_shard() {
        // "Change 0.15 to 0.25 ...: its queue grows without limit and the run stops early."
        let rows = hot_key(2000.0, 0.25, 1).unwrap();
        assert!(rows[1].p99.is_none());
        assert!(rows[0].p99.is_some() && rows[2].p99.is_some());
    }

    #[test]
    fn fan_out_latency_grows_with_the_shards() {
        // "The median query goes from about 7 ms on one shard to about 31 ms on 32 shards,
        // and the p99 from about 47 ms to about 76 ms."
        let rows = fan_out(&[1, 32], 100.0, 1).unwrap();
        assert!(near(rows[0].p50, 0.007, 0.1), "{rows:?}");
        assert!(near(rows[1].p50, 0.031, 0.1), "{rows:?}");
        assert!(near(rows[0].p99, 0.047, 0.15), "{rows:?}");
        assert!(near(rows[1].p99, 0.076, 0.15), "{rows:?}");
        // "it is an upper bound, and the simulation stays close to it"
        let all = fan_out(&[2, 4, 8, 16, 32], 100.0, 1).unwrap();
        assert!(all.iter().all(|r| r.p99 < 1.1 * r.p99_formula), "{all:?}");
    }

    #[test]
    fn partitions_prune_and_shards_multiply_machines() {
        // "One plain table sustains about 113 requests per second ... a keyed read's p99
        // is about 616 ms. Twelve monthly partitions ...: capacity grows to about 591
        // per second and a keyed read's p99 falls to about 43 ms. But a read without the
        // key ... (p99 about 504 ms) ... Four shards ... about 1,336 per second ... (p99
        // about 119 ms)." Capacities are formulas: exact.
        let rows = layouts(
            &[
                Layout::Single,
                Layout::Partitioned { partitions: 12 },
                Layout::Sharded { shards: 4 },
            ],
            100.0,
            1,
        )
        .unwrap();
        assert!((rows[0].capacity - 113.0).abs() < 1.0);
        assert!((rows[1].capacity - 591.0).abs() < 1.0);
        assert!((rows[2].capacity - 1336.0).abs() < 1.0);
        // The single table runs at 89 %: its p99 is the noisiest (±20 %).
        assert!(near(rows[0].keyed_p99, 0.616, 0.2), "{rows:?}");
        assert!(near(rows[1].keyed_p99, 0.043, 0.15), "{rows:?}");
        assert!(near(rows[1].unkeyed_p99, 0.504, 0.15), "{rows:?}");
        assert!(near(rows[2].keyed_p99, 0.119, 0.15), "{rows:?}");
    }

    #[test]
    fn bad_parameters_are_errors() {
        assert!(writes_on_shards(&[1], 0.0, 1).is_err());
        assert!(writes_on_shards(&[0], 10.0, 1).is_err());
        assert!(moved_vs_shards(&[4], 0, 100, 1).is_err());
        assert!(vnode_spread(0, &[10], 5, 1).is_err());
        assert!(vnode_spread(10, &[10], 0, 1).is_err());
        assert!(hot_key(2000.0, 1.5, 1).is_err());
        assert!(fan_out(&[4], 250.0, 1).is_err());
        assert!(layouts(&[Layout::Sharded { shards: 0 }], 10.0, 1).is_err());
        let rows = writes_on_shards(&[4], 2000.0, 1).unwrap();
        assert_eq!(shard_count_table(&rows).unwrap().frame().shape(), (1, 5));
    }
}
