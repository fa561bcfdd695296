//! The sharding experiments' reports as tables.

use super::load::ShardedReport;
use super::partitioning::{Layout, PartitionReport};
use super::reshard::Resharding;
use crate::report::{Table, ToTable};

const COLUMNS: &str = "columns of equal lengths and distinct names";

/// One row: the strategy, the keys moved, and how even the shards are afterwards. A
/// slice (one per strategy, as [`AddShard`](super::AddShard) returns) is the comparison.
impl ToTable for Resharding {
    fn to_table(&self) -> Table {
        Table::builder()
            .column("strategy", [self.strategy.to_string().as_str()])
            .column(
                "shards",
                [format!("{} → {}", self.shards_before, self.shards_after).as_str()],
            )
            .column("keys", [self.keys])
            .column("moved", [self.moved])
            .column("moved share", [self.moved_fraction()])
            .column("least possible", [self.minimum_fraction()])
            .column("fullest shard / mean", [self.imbalance_after()])
            .build()
            .expect(COLUMNS)
    }
}

/// One row per shard: its requests, share, utilisation and latency.
impl ToTable for ShardedReport {
    fn to_table(&self) -> Table {
        let total: u64 = self.shards.iter().map(|s| s.requests).sum();
        let share = |n: u64| {
            if total > 0 {
                n as f64 / total as f64
            } else {
                0.0
            }
        };
        Table::builder()
            .column("shard", (0..self.shards.len() as u64).collect::<Vec<_>>())
            .column(
                "requests",
                self.shards.iter().map(|s| s.requests).collect::<Vec<_>>(),
            )
            .column(
                "share",
                self.shards
                    .iter()
                    .map(|s| share(s.requests))
                    .collect::<Vec<_>>(),
            )
            .column(
                "utilisation",
                self.shards
                    .iter()
                    .map(|s| s.station.utilisation())
                    .collect::<Vec<_>>(),
            )
            .column(
                "mean (ms)",
                self.shards
                    .iter()
                    .map(|s| s.response.mean() * 1e3)
                    .collect::<Vec<_>>(),
            )
            .column(
                "p99 (ms)",
                self.shards
                    .iter()
                    .map(|s| s.response.p99() * 1e3)
                    .collect::<Vec<_>>(),
            )
            .build()
            .expect(COLUMNS)
    }
}

impl std::fmt::Display for Layout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Layout::Single => write!(f, "one table"),
            Layout::Partitioned { partitions } => write!(f, "{partitions} partitions, one server"),
            Layout::Sharded { shards } => write!(f, "{shards} shards"),
        }
    }
}

/// One row: the layout's capacity and latencies by kind of request.
impl ToTable for PartitionReport {
    fn to_table(&self) -> Table {
        let ms = |s: f64| s * 1e3;
        let busiest = self
            .servers
            .iter()
            .map(|s| s.station.utilisation())
            .fold(0.0, f64::max);
        Table::builder()
            .column("layout", [self.layout.to_string().as_str()])
            .column("capacity /s", [self.capacity])
            .column("keyed p50 (ms)", [ms(self.keyed.p50())])
            .column("keyed p99 (ms)", [ms(self.keyed.p99())])
            .column("unkeyed p50 (ms)", [ms(self.unkeyed.p50())])
            .column("unkeyed p99 (ms)", [ms(self.unkeyed.p99())])
            .column("write p99 (ms)", [ms(self.writes.p99())])
            .column("busiest utilisation", [busiest])
            .build()
            .expect(COLUMNS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::sharding::{AddShard, Keys, Partitioning, ShardRouter, ShardedStore};

    #[test]
    fn reports_are_tables() {
        let moves = AddShard::new(3)
            .unwrap()
            .keys(1000)
            .unwrap()
            .run(1)
            .unwrap();
        let table = moves.to_table();
        assert_eq!(table.frame().shape(), (5, 7));
        assert!(table.to_markdown().contains("jump hash") && table.to_markdown().contains("3 → 4"));
        let store = ShardedStore::new(
            ShardRouter::mod_n(3).unwrap(),
            100.0,
            Keys::uniform(100).unwrap(),
        )
        .unwrap();
        assert_eq!(
            store
                .requests(500)
                .unwrap()
                .run(1)
                .unwrap()
                .to_table()
                .frame()
                .shape(),
            (3, 6)
        );
        let p = Partitioning::new(Layout::Partitioned { partitions: 4 }, 10.0)
            .unwrap()
            .requests(200)
            .unwrap()
            .run(1)
            .unwrap();
        assert!(
            p.to_table()
                .to_markdown()
                .contains("4 partitions, one server")
        );
    }
}
