//! Lesson 10 (`lessons/10-message-queue`) — Message queues: bursts absorbed, workers scaled by depth, idempotent consumers.
//!
//! The scenario is a shop's checkout: every order needs a little web work (validate,
//! answer: 2 ms) and some slow work (charge the card, send the receipt: 50 ms). The
//! cells build it with [`checkout`] (synchronous or through a queue), [`worker_fleet`]
//! (fixed or autoscaled workers behind a queue) and [`payments`] (at-least-once delivery
//! with and without idempotency keys), and turn the reports into figures and tables
//! with the small helpers below.

use crate::error::Result;
use crate::model::queue::{
    Autoscaler, Faults, Mode, Offload, OffloadReport, Redelivery, RedeliveryReport, WorkerQueue,
    WorkerQueueReport,
};
use crate::report::{Figure, Plot, Table};
use crate::sim::{Arrivals, Dist};
use crate::t;

/// Orders per second outside bursts.
pub const ORDERS_PER_SECOND: f64 = 100.0;
/// Web work per order (seconds, mean of an exponential).
pub const WEB_TIME: f64 = 0.002;
/// Slow work per order: the payment call and the receipt (seconds, mean of an exponential).
pub const WORK_TIME: f64 = 0.05;
/// Web threads (and, in queued mode, workers) of the checkout.
pub const THREADS: usize = 8;

/// What happens to the checkout's traffic or its downstream.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trouble {
    /// From `start`, for `seconds`, orders arrive `factor` times faster (a sale starts).
    Burst {
        /// When it starts (s).
        start: f64,
        /// How long it lasts (s).
        seconds: f64,
        /// How many times the usual rate.
        factor: f64,
    },
    /// From `start`, for `seconds`, the payment provider is down.
    Outage {
        /// When it starts (s).
        start: f64,
        /// How long it lasts (s).
        seconds: f64,
    },
}

/// The checkout: [`ORDERS_PER_SECOND`] orders for 300 s into [`THREADS`] web threads,
/// each order needing [`WEB_TIME`] of web work and [`WORK_TIME`] of slow work, done
/// inline (`Mode::Synchronous`) or by [`THREADS`] workers behind a queue
/// (`Mode::Queued`), with one `trouble`. Time series in 5 s windows.
pub fn checkout(mode: Mode, trouble: Trouble) -> Result<Offload> {
    let mut arrivals = Arrivals::poisson(ORDERS_PER_SECOND)?;
    let mut outage = None;
    match trouble {
        Trouble::Burst {
            start,
            seconds,
            factor,
        } => arrivals = arrivals.burst(start, seconds, factor)?,
        Trouble::Outage { start, seconds } => outage = Some((start, seconds)),
    }
    let mut shop = Offload::new(
        arrivals,
        THREADS,
        Dist::exponential(WEB_TIME)?,
        Dist::exponential(WORK_TIME)?,
        THREADS,
    )?
    .mode(mode)
    .duration(300.0)?
    .window(5.0)?;
    if let Some((start, seconds)) = outage {
        shop = shop.outage(start, seconds)?;
    }
    Ok(shop)
}

/// Workers behind a queue for 400 s of orders ([`ORDERS_PER_SECOND`], tripled for 60 s
/// from t = 100): `min_workers` fixed workers, or, with `per_worker` = `Some(m)`, an
/// autoscaler between `min_workers` and 40 workers asking for one worker per `m` messages
/// of backlog (it looks every 10 s; new workers boot in 20 s). Each message takes
/// [`WORK_TIME`]; depth and workers are sampled every 5 s.
pub fn worker_fleet(min_workers: usize, per_worker: Option<f64>) -> Result<WorkerQueue> {
    let arrivals = Arrivals::poisson(ORDERS_PER_SECOND)?.burst(100.0, 60.0, 3.0)?;
    let mut fleet = WorkerQueue::new(arrivals, Dist::exponential(WORK_TIME)?, min_workers)?
        .duration(400.0)?
        .warmup(0)
        .time_series(5.0)?;
    if let Some(m) = per_worker {
        fleet = fleet.autoscale(Autoscaler::new(min_workers, 40, m)?)?;
    }
    Ok(fleet)
}

/// `operations` payments (50/s, 4 workers) delivered at least once: each delivery's
/// ack is lost with probability `ack_lost` (the charge went through, the broker did not
/// hear it), and the producer publishes 1 % of payments twice (it timed out waiting for
/// the broker's confirmation). With `idempotent`, the consumers keep each payment's
/// idempotency key in the same transaction as the charge.
pub fn payments(operations: u64, ack_lost: f64, idempotent: bool) -> Result<Redelivery> {
    Ok(Redelivery::new(operations)?
        .faults(Faults::none().ack_lost(ack_lost)?)
        .producer_retries(0.01, 1.0)?
        .idempotent(idempotent))
}

/// `(window start, value)` points scaled by `factor` (seconds → ms: 1000).
pub fn scaled(points: &[(f64, f64)], factor: f64) -> Vec<(f64, f64)> {
    points.iter().map(|&(x, y)| (x, y * factor)).collect()
}

/// The largest value of a series (0 if empty).
pub fn peak(points: &[(f64, f64)]) -> f64 {
    points.iter().map(|p| p.1).fold(0.0, f64::max)
}

/// The first window start at or after `after` whose value is at most `level`: when a
/// backlog has drained (None if it never does).
pub fn back_below(points: &[(f64, f64)], after: f64, level: f64) -> Option<f64> {
    points
        .iter()
        .find(|&&(x, y)| x >= after && y <= level)
        .map(|p| p.0)
}

/// The autoscaling figure: queue depth ÷ `per_worker` (the workers the rule asks for)
/// and the workers provisioned, every 5 s of a [`worker_fleet`] run.
pub fn scaling_figure(report: &WorkerQueueReport, per_worker: f64) -> Result<Figure> {
    let series = report.series.as_ref().ok_or_else(|| {
        crate::Error::InvalidConfig("the run needs time_series(...) for this figure".into())
    })?;
    let wanted = scaled(&series.depth.means(), 1.0 / per_worker);
    Plot::time_series(t(
        "큐 깊이를 따라가는 작업 서버 수",
        "Workers following the queue depth",
    ))
    .subtitle(t(
        format!("작업 서버 1대당 메시지 {per_worker}개 규칙, 부팅 20초").as_str(),
        format!("one worker per {per_worker} waiting messages, 20 s boot").as_str(),
    ))
    .y_label(t("작업 서버 (대)", "workers"))
    .series(
        t(
            format!("큐 깊이 ÷ {per_worker} (필요한 작업 서버)").as_str(),
            format!("queue depth ÷ {per_worker} (workers wanted)").as_str(),
        ),
        &wanted,
    )
    .series(
        t("작업 서버 (부팅 중 포함)", "workers (incl. booting)"),
        &series.workers.means(),
    )
    .window(t("주문 3배", "3× orders"), 100.0, 160.0)
    .render()
}

/// One row per run of [`worker_fleet`]: the workers' rule, peak depth, p99 from order to
/// done, and worker-seconds paid.
pub fn fleet_table(rows: &[(&str, &WorkerQueueReport)]) -> Result<Table> {
    Table::builder()
        .column(
            t("작업 서버", "workers"),
            rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        )
        .column(
            t("최대 큐 깊이", "peak depth"),
            rows.iter()
                .map(|r| r.1.stats.broker.max_depth as u64)
                .collect::<Vec<_>>(),
        )
        .column(
            t("최대 작업 서버", "peak workers"),
            rows.iter()
                .map(|r| r.1.stats.peak_workers as u64)
                .collect::<Vec<_>>(),
        )
        .column(
            t("p99 주문→완료 (초)", "p99 order→done (s)"),
            rows.iter().map(|r| r.1.response.p99()).collect::<Vec<_>>(),
        )
        .column(
            t("작업 서버·초", "worker-seconds"),
            rows.iter()
                .map(|r| r.1.stats.worker_seconds.round())
                .collect::<Vec<_>>(),
        )
        .build()
}

/// What the users of a [`checkout`] run saw and what its queue held, one row per run:
/// orders, rejected and failed orders, web p99, p99 until the slow work was done,
/// and the queue's peak depth.
pub fn checkout_table(runs: &[&OffloadReport]) -> Result<Table> {
    let mode = |m: Mode| match m {
        Mode::Synchronous => t("동기 호출", "synchronous"),
        Mode::Queued => t("메시지 큐", "queued"),
    };
    Table::builder()
        .column(
            t("방식", "mode"),
            runs.iter().map(|r| mode(r.mode)).collect::<Vec<_>>(),
        )
        .column(
            t("주문", "orders"),
            runs.iter().map(|r| r.requests).collect::<Vec<_>>(),
        )
        .column(
            t("거절", "rejected"),
            runs.iter().map(|r| r.rejected).collect::<Vec<_>>(),
        )
        .column(
            t("실패", "failed"),
            runs.iter().map(|r| r.failed).collect::<Vec<_>>(),
        )
        .column(
            t("웹 p99 (ms)", "web p99 (ms)"),
            runs.iter().map(|r| r.web.p99() * 1e3).collect::<Vec<_>>(),
        )
        .column(
            t("결제 완료 p99 (초)", "paid p99 (s)"),
            runs.iter().map(|r| r.work.p99()).collect::<Vec<_>>(),
        )
        .column(
            t("최대 큐 깊이", "peak depth"),
            runs.iter()
                .map(|r| r.queue.as_ref().map(|q| q.broker.max_depth as u64))
                .collect::<Vec<_>>(),
        )
        .build()
}

/// At-least-once delivery counted, one row per [`payments`] run: producer retries,
/// redeliveries, charges, double charges and duplicates the idempotency keys stopped.
pub fn payments_table(runs: &[&RedeliveryReport]) -> Result<Table> {
    Table::builder()
        .column(
            t("멱등성 키", "key"),
            runs.iter()
                .map(|r| {
                    if r.idempotent {
                        t("사용", "yes")
                    } else {
                        t("없음", "no")
                    }
                })
                .collect::<Vec<_>>(),
        )
        .column(
            t("생산자 재발행", "producer retries"),
            runs.iter().map(|r| r.producer_retries).collect::<Vec<_>>(),
        )
        .column(
            t("재전달", "redeliveries"),
            runs.iter().map(|r| r.redeliveries()).collect::<Vec<_>>(),
        )
        .column(
            t("카드 청구", "charges"),
            runs.iter().map(|r| r.stats.effects).collect::<Vec<_>>(),
        )
        .column(
            t("이중 청구", "double charges"),
            runs.iter()
                .map(|r| r.duplicate_effects())
                .collect::<Vec<_>>(),
        )
        .column(
            t("막은 중복", "stopped"),
            runs.iter().map(|r| r.stats.suppressed).collect::<Vec<_>>(),
        )
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::queue::expected_drain_time;

    // Every run below is seeded and deterministic; the tolerances (±20–30 %) are what
    // another seed may move these numbers by: a burst's backlog of ~4,000 orders has a
    // relative spread of a few percent, and a p99 of 3,600 burst-time requests ~10 %.

    const SALE: Trouble = Trouble::Burst {
        start: 100.0,
        seconds: 30.0,
        factor: 3.0,
    };
    const OUTAGE: Trouble = Trouble::Outage {
        start: 100.0,
        seconds: 30.0,
    };

    fn run(mode: Mode, trouble: Trouble) -> OffloadReport {
        checkout(mode, trouble).unwrap().run(1).unwrap()
    }

    fn within(value: f64, expected: f64, tolerance: f64) -> bool {
        (value - expected).abs() <= tolerance * expected
    }

    #[test]
    fn a_sale_slows_and_drops_the_synchronous_checkout() {
        // "the synchronous checkout's p99 climbs to about 6.7 s, and about 3,200
        // orders (9 %) are turned away"
        let sync = run(Mode::Synchronous, SALE);
        assert!(within(sync.web.p99(), 6.7, 0.3), "{}", sync.web.p99());
        assert!(
            within(sync.rejected as f64, 3200.0, 0.25),
            "{}",
            sync.rejected
        );
    }

    #[test]
    fn the_queue_absorbs_the_sale() {
        // "with the queue the web p99 stays at about 9 ms and nobody is turned away;
        // the queue peaks at about 4,100 orders"
        let queued = run(Mode::Queued, SALE);
        assert!(queued.web.p99() < 0.015, "{}", queued.web.p99());
        assert_eq!((queued.rejected, queued.failed), (0, 0));
        let depth = queued.queue.unwrap().broker.max_depth as f64;
        assert!(within(depth, 4100.0, 0.2), "{depth}");
        // "during the sale some orders were paid tens of seconds after they were placed"
        assert!(queued.work.p99() > 10.0, "{}", queued.work.p99());
    }

    #[test]
    fn the_sale_backlog_drains_as_the_formula_says() {
        // "the formula says 4,100 / (160 − 100) ≈ 69 s; the simulation drains it about
        // 70 s after the sale ends"
        let queued = run(Mode::Queued, SALE);
        let depth = queued.queue.as_ref().unwrap().broker.max_depth;
        let formula =
            expected_drain_time(depth, ORDERS_PER_SECOND, 1.0 / WORK_TIME, THREADS).unwrap();
        assert!(within(formula, 69.0, 0.2), "{formula}");
        let drained = back_below(&queued.queue_depth.means(), 130.0, 10.0).unwrap() - 130.0;
        assert!(within(drained, 70.0, 0.3), "{drained}");
    }

    #[test]
    fn an_outage_spreads_to_the_synchronous_users_only() {
        // "synchronous: p99 about 29 s and about 1,900 orders turned away; queued: none
        // fail, the web p99 stays about 9 ms, about 3,000 orders wait and they are done
        // about 50 s after the provider is back"
        let sync = run(Mode::Synchronous, OUTAGE);
        assert!(within(sync.web.p99(), 29.0, 0.25), "{}", sync.web.p99());
        assert!(
            within(sync.rejected as f64, 1900.0, 0.3),
            "{}",
            sync.rejected
        );
        let queued = run(Mode::Queued, OUTAGE);
        assert_eq!((queued.rejected, queued.failed), (0, 0));
        assert!(queued.web.p99() < 0.015);
        let depth = queued.queue.as_ref().unwrap().broker.max_depth as f64;
        assert!(within(depth, 3000.0, 0.15), "{depth}");
        let drained = back_below(&queued.queue_depth.means(), 130.0, 10.0).unwrap() - 130.0;
        assert!(within(drained, 50.0, 0.3), "{drained}");
    }

    #[test]
    fn autoscaling_sits_between_too_few_and_too_many_workers() {
        // "6 fixed workers: the queue peaks near 10,700 and p99 is about 89 s; 20 fixed:
        // about 20 and 0.23 s but 8,000 worker-seconds; the autoscaler: about 5,500 and
        // 18 s for about 3,900 worker-seconds"
        let few = worker_fleet(6, None).unwrap().run(1).unwrap();
        let many = worker_fleet(20, None).unwrap().run(1).unwrap();
        let auto = worker_fleet(6, Some(100.0)).unwrap().run(1).unwrap();
        assert!(within(few.stats.broker.max_depth as f64, 10_700.0, 0.15));
        assert!(
            within(few.response.p99(), 89.0, 0.2),
            "{}",
            few.response.p99()
        );
        assert!(within(many.stats.broker.max_depth as f64, 20.0, 0.5));
        assert_eq!(
            auto.stats.peak_workers, 40,
            "the autoscaler reaches its maximum"
        );
        assert!(
            within(many.response.p99(), 0.23, 0.3),
            "{}",
            many.response.p99()
        );
        assert!(within(many.stats.worker_seconds, 8000.0, 0.01));
        assert!(within(auto.stats.broker.max_depth as f64, 5500.0, 0.2));
        assert!(
            within(auto.response.p99(), 18.0, 0.3),
            "{}",
            auto.response.p99()
        );
        assert!(within(auto.stats.worker_seconds, 3900.0, 0.15));
        assert!(auto.stats.worker_seconds < 0.6 * many.stats.worker_seconds);
    }

    #[test]
    fn the_depth_rule_scales_in_during_the_sale_and_the_queue_grows_again() {
        // "once the queue was nearly empty, the rule scaled in while the sale was still
        // on, and the queue grew again"
        let auto = worker_fleet(6, Some(100.0)).unwrap().run(1).unwrap();
        let series = auto.series.unwrap();
        let workers = series.workers.means();
        let depth = series.depth.means();
        let during = |p: &&(f64, f64)| p.0 >= 130.0 && p.0 < 160.0;
        let low = workers
            .iter()
            .filter(during)
            .map(|p| p.1)
            .fold(f64::MAX, f64::min);
        assert!(low < 10.0, "the workers fall back during the sale: {low}");
        let dip = depth
            .iter()
            .filter(during)
            .map(|p| p.1)
            .fold(f64::MAX, f64::min);
        let regrown = depth
            .iter()
            .filter(|p| p.0 >= 150.0 && p.0 < 180.0)
            .map(|p| p.1);
        assert!(regrown.fold(0.0, f64::max) > 3.0 * dip + 500.0);
    }

    #[test]
    fn idempotency_keys_stop_every_double_charge() {
        // "without keys about 300 of 10,000 payments (3 %) are charged twice; with keys,
        // none, and the same ~300 duplicates are stopped"
        let plain = payments(10_000, 0.02, false).unwrap().run(1).unwrap();
        let keyed = payments(10_000, 0.02, true).unwrap().run(1).unwrap();
        assert!(within(plain.duplicate_effects() as f64, 300.0, 0.2));
        assert_eq!(
            plain.duplicate_effects() as i64,
            plain.expected_duplicates()
        );
        assert_eq!(keyed.duplicate_effects(), 0);
        assert_eq!(keyed.stats.suppressed, plain.duplicate_effects());
        assert_eq!(keyed.stats.effects, 10_000);
    }

    #[test]
    fn helpers_and_bad_parameters() {
        assert_eq!(peak(&[(0.0, 1.0), (5.0, 3.0)]), 3.0);
        assert_eq!(back_below(&[(0.0, 9.0), (5.0, 1.0)], 0.0, 2.0), Some(5.0));
        assert_eq!(scaled(&[(1.0, 2.0)], 10.0), vec![(1.0, 20.0)]);
        assert!(worker_fleet(0, None).is_err());
        assert!(worker_fleet(6, Some(0.0)).is_err());
        assert!(payments(10, 1.5, false).is_err());
        let bad = Trouble::Burst {
            start: 0.0,
            seconds: 0.0,
            factor: 2.0,
        };
        assert!(checkout(Mode::Queued, bad).is_err());
    }
}
