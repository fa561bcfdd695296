//! The queue experiments' reports as tables (one row per report; a slice of reports —
//! a sweep, synchronous vs queued — is one table).

use super::offload::{Mode, OffloadReport};
use super::redelivery::RedeliveryReport;
use super::worker_queue::WorkerQueueReport;
use crate::report::{Table, ToTable};

const COLUMNS: &str = "columns of one row have equal lengths and distinct names";

/// Counts, waits, utilisation, cost and drain time of a worker-queue run.
impl ToTable for WorkerQueueReport {
    fn to_table(&self) -> Table {
        let p_wait = if self.served > 0 {
            self.waited as f64 / self.served as f64
        } else {
            f64::NAN
        };
        Table::builder()
            .column("published", [self.published])
            .column("served", [self.served])
            .column("rejected", [self.rejected])
            .column("P(wait)", [p_wait])
            .column("mean wait (s)", [self.wait.mean()])
            .column("p99 response (s)", [self.response.p99()])
            .column("utilisation", [self.stats.workers.utilisation()])
            .column("max depth", [self.stats.broker.max_depth as u64])
            .column("peak workers", [self.stats.peak_workers as u64])
            .column("worker-seconds", [self.stats.worker_seconds])
            .column("drain time (s)", [self.drain_time])
            .build()
            .expect(COLUMNS)
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Mode::Synchronous => "synchronous",
            Mode::Queued => "queued",
        })
    }
}

/// What the users saw (web latency, errors) and what the queue did.
impl ToTable for OffloadReport {
    fn to_table(&self) -> Table {
        let max_depth = self.queue.as_ref().map(|q| q.broker.max_depth as u64);
        Table::builder()
            .column("mode", [self.mode.to_string().as_str()])
            .column("requests", [self.requests])
            .column("ok", [self.ok])
            .column("failed", [self.failed])
            .column("rejected", [self.rejected])
            .column("web p50 (ms)", [self.web.p50() * 1e3])
            .column("web p99 (ms)", [self.web.p99() * 1e3])
            .column("work p99 (s)", [self.work.p99()])
            .column("max queue depth", [max_depth])
            .column(
                "worker-seconds",
                [self.queue.as_ref().map(|q| q.worker_seconds)],
            )
            .build()
            .expect(COLUMNS)
    }
}

/// Deliveries, effects and duplicates of an at-least-once run.
impl ToTable for RedeliveryReport {
    fn to_table(&self) -> Table {
        let s = &self.stats;
        Table::builder()
            .column("idempotent", [self.idempotent])
            .column("operations", [self.operations])
            .column("published", [self.published])
            .column("deliveries", [s.broker.delivered])
            .column("redeliveries", [s.broker.redelivered])
            .column("effects", [s.effects])
            .column("duplicate effects", [s.duplicate_effects])
            .column("suppressed", [s.suppressed])
            .column("dead letters", [s.broker.dead_lettered])
            .build()
            .expect(COLUMNS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::queue::{Mode, Offload, Redelivery, WorkerQueue};
    use crate::sim::{Arrivals, Dist};

    #[test]
    fn reports_are_one_row_tables_and_slices_stack() {
        let w = WorkerQueue::mmc(2.0, 1.0, 3)
            .unwrap()
            .messages(500)
            .unwrap()
            .run(1)
            .unwrap();
        assert_eq!(w.to_table().frame().shape(), (1, 11));
        let offload = |mode| {
            Offload::new(
                Arrivals::poisson(10.0).unwrap(),
                2,
                Dist::constant(0.01).unwrap(),
                Dist::constant(0.05).unwrap(),
                1,
            )
            .unwrap()
            .mode(mode)
            .duration(20.0)
            .unwrap()
            .run(1)
            .unwrap()
        };
        let both = [offload(Mode::Synchronous), offload(Mode::Queued)];
        let table = both.to_table();
        assert_eq!(table.frame().shape(), (2, 10));
        assert!(
            table.to_markdown().contains("synchronous") && table.to_markdown().contains("queued")
        );
        let r = Redelivery::new(100).unwrap().run(1).unwrap();
        assert_eq!(r.to_table().frame().shape(), (1, 9));
    }
}
