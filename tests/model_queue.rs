//! The message queue against theory and against its own bookkeeping.
//!
//! Statistical checks run R independent replications (seeds derived from one base seed
//! by `sweep`, so the test is deterministic) and compare the mean of the replication
//! estimates with the closed form within 5 standard errors (a correct model fails with
//! probability below 1e-4 per check); each also asserts that 5 SE is a small fraction of
//! the value, so noise cannot hide a bug. Counting checks (duplicates, redeliveries) are
//! exact equalities between independent counters.

use scale_lab::model::queue::{
    Autoscaler, Faults, Mode, Offload, Redelivery, WorkerQueue, drain_time_sd, expected_drain_time,
};
use scale_lab::sim::{Arrivals, Dist, sweep, theory};

/// Mean and standard error of replication estimates.
fn mean_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let m = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, (var / n).sqrt())
}

fn sd(values: &[f64]) -> f64 {
    mean_se(values).1 * (values.len() as f64).sqrt()
}

/// The replications' mean is within 5 SE of `theory`, and 5 SE ≤ `precision` × theory.
fn assert_matches(what: &str, values: &[f64], theory: f64, precision: f64) {
    let (m, se) = mean_se(values);
    println!("{what}: simulated {m:.5} ± {se:.5} (SE), theory {theory:.5}");
    assert!(
        (m - theory).abs() <= 5.0 * se,
        "{what}: {m} differs from {theory} by more than 5 SE ({se})"
    );
    assert!(
        5.0 * se <= precision * theory,
        "{what}: too noisy to test (5 SE = {})",
        5.0 * se
    );
}

#[test]
fn workers_as_an_mmc_queue_match_erlang_c() {
    // 20 replications of 100 000 messages each. At ρ = 0.9 the wait's autocorrelation
    // makes single runs noisy, so that case runs 4× longer; the precision asserted is
    // what these lengths give (about 1–2 % SE).
    for (i, (c, rho, messages)) in [(2usize, 0.5, 100_000u64), (10, 0.9, 400_000)]
        .into_iter()
        .enumerate()
    {
        let (mu, lambda) = (1.0, rho * c as f64);
        let q = WorkerQueue::mmc(lambda, mu, c)
            .unwrap()
            .messages(messages)
            .unwrap()
            .warmup(20_000);
        let runs: Vec<_> = sweep(10 + i as u64, &[(); 20], |_, s| q.run(s).unwrap());
        for r in &runs {
            assert!(r.stopped_early.is_none());
            assert_eq!(
                (r.published, r.served),
                (messages, messages),
                "at-least-once without faults: each once"
            );
        }
        let wait: Vec<f64> = runs.iter().map(|r| r.wait.mean()).collect();
        let p_wait: Vec<f64> = runs
            .iter()
            .map(|r| r.waited as f64 / r.served as f64)
            .collect();
        let util: Vec<f64> = runs.iter().map(|r| r.stats.workers.utilisation()).collect();
        assert_matches(
            &format!("M/M/{c} ρ={rho} mean wait"),
            &wait,
            theory::mmc_mean_wait(lambda, mu, c).unwrap(),
            0.06,
        );
        assert_matches(
            &format!("M/M/{c} ρ={rho} P(wait)"),
            &p_wait,
            theory::erlang_c(lambda, mu, c).unwrap(),
            0.05,
        );
        assert_matches(&format!("M/M/{c} ρ={rho} utilisation"), &util, rho, 0.02);
    }
}

#[test]
fn a_backlog_drains_in_b_over_c_mu_minus_lambda() {
    // c = 10 workers at μ = 1, λ = 8: the queue shrinks at cμ − λ = 2 per second while
    // messages wait. Starting with `backlog` messages, c start at once and B = backlog − c
    // wait. While they wait every worker is busy, so the queue is a random walk with
    // steps +1 at rate λ and −1 at rate cμ: the drain time is a sum of B independent
    // first-passage times of mean 1/(cμ − λ) and variance (λ + cμ)/(cμ − λ)³. So its mean
    // is B/(cμ − λ) and its sd √(B(λ + cμ)/(cμ − λ)³), growing like √B.
    //
    // 200 replications per B: the mean is held to 5 SE, the SE being sd/√200 (5 SE is
    // 4.7 % of the mean for B = 500, 2.4 % for B = 2000: the relative spread shrinks like
    // 1/√B); the sample sd's own relative SE is ≈ 1/√(2·199) = 5 %, so it is held to 25 %
    // (5 SE) of the formula. Producers stop well after the drain (mean
    // + 10 sd), so the drain always happens with arrivals still running.
    let (lambda, mu, c) = (8.0, 1.0, 10usize);
    let mut sds = Vec::new();
    for (i, backlog) in [510usize, 2010].into_iter().enumerate() {
        let waiting = backlog - c;
        let mean = expected_drain_time(waiting, lambda, mu, c).unwrap();
        let spread = drain_time_sd(waiting, lambda, mu, c).unwrap();
        let q = WorkerQueue::mmc(lambda, mu, c)
            .unwrap()
            .warmup(0)
            .backlog(backlog)
            .duration(mean + 10.0 * spread)
            .unwrap();
        let times: Vec<f64> = sweep(20 + i as u64, &[(); 200], |_, s| {
            q.run(s).unwrap().drain_time.expect("drains")
        });
        assert_matches(&format!("drain of {waiting}"), &times, mean, 0.05);
        let s = sd(&times);
        println!("drain of {waiting}: sd {s:.2}, theory {spread:.2}");
        assert!((s / spread - 1.0).abs() < 0.25, "sd {s} vs {spread}");
        sds.push(s);
    }
    // Four times the backlog, twice the spread (√4), within the same 25 % per estimate.
    let ratio = sds[1] / sds[0];
    assert!((ratio / 2.0 - 1.0).abs() < 0.4, "sd ratio {ratio}");
}

#[test]
fn duplicates_equal_the_injected_redeliveries_and_idempotency_removes_them() {
    // 20 000 payments; each delivery crashes before the charge with probability 3 %, or
    // loses its ack after the charge with 4 %; 2 % of payments are published twice by the
    // producer. Processing (≤ 0.2 s) always fits the 30 s visibility timeout.
    let faults = Faults::none()
        .crash_before_effect(0.03)
        .unwrap()
        .ack_lost(0.04)
        .unwrap();
    let base = Redelivery::new(20_000)
        .unwrap()
        .workers(4, Dist::uniform(0.0, 0.1).unwrap())
        .unwrap()
        .rate(50.0)
        .unwrap()
        .faults(faults)
        .producer_retries(0.02, 1.0)
        .unwrap();
    let plain = base.clone().run(1).unwrap();
    let c = plain.stats.consumers;
    assert!(plain.stopped_early.is_none());
    // Every redelivery was caused by an injected fault, and nothing else:
    assert_eq!(plain.redeliveries(), c.crashes + c.acks_lost);
    assert_eq!(plain.stats.broker.expired, c.crashes + c.acks_lost);
    // Duplicates are exactly the faults that struck after the charge, plus the
    // producer's second publications.
    assert_eq!(
        plain.duplicate_effects(),
        c.acks_lost + plain.producer_retries
    );
    assert_eq!(
        plain.duplicate_effects() as i64,
        plain.expected_duplicates()
    );
    assert_eq!(
        plain.never_applied, 0,
        "at least once: every payment was charged"
    );
    assert!(plain.stats.keys_with_duplicates <= plain.duplicate_effects());
    // The fault rates themselves: Binomial counts over the deliveries, within 5 sd.
    let d = plain.stats.broker.delivered as f64;
    for (what, count, p) in [
        ("crashes", c.crashes, 0.03),
        ("lost acks", c.acks_lost, 0.04),
    ] {
        let sd = (d * p * (1.0 - p)).sqrt();
        assert!(
            (count as f64 - d * p).abs() < 5.0 * sd,
            "{what}: {count} of {d}"
        );
    }
    let retries_sd = (20_000.0 * 0.02 * 0.98f64).sqrt();
    assert!((plain.producer_retries as f64 - 400.0).abs() < 5.0 * retries_sd);

    // The same run with an idempotency store: the same seed draws the same faults, the
    // same redeliveries happen, and not one payment is charged twice.
    let safe = base.idempotent(true).run(1).unwrap();
    assert_eq!(safe.duplicate_effects(), 0);
    assert_eq!(safe.stats.effects, 20_000);
    assert_eq!(safe.redeliveries(), plain.redeliveries());
    assert_eq!(safe.stats.suppressed, plain.duplicate_effects());
}

#[test]
fn processing_beyond_the_visibility_timeout_duplicates_exactly_the_late_deliveries() {
    // Exponential processing of mean 50 ms against a 150 ms visibility timeout: a
    // delivery outlives its timeout with probability e⁻³ ≈ 5 %, and each such delivery
    // hands the payment to a second worker. No other fault.
    let base = Redelivery::new(20_000)
        .unwrap()
        .workers(4, Dist::exponential(0.05).unwrap())
        .unwrap()
        .visibility_timeout(0.15)
        .unwrap();
    let plain = base.clone().run(2).unwrap();
    let c = plain.stats.consumers;
    assert_eq!(
        plain.redeliveries(),
        c.late,
        "one redelivery per late delivery"
    );
    assert_eq!(
        plain.duplicate_effects(),
        c.late,
        "each late delivery charged once more"
    );
    assert_eq!(c.late_acks, c.late, "the late worker's ack is stale");
    let d = plain.stats.broker.delivered as f64;
    let p = (-3.0f64).exp();
    assert!(
        (c.late as f64 - d * p).abs() < 5.0 * (d * p * (1.0 - p)).sqrt(),
        "{} late of {d}",
        c.late
    );

    let safe = base.idempotent(true).run(2).unwrap();
    assert_eq!(
        (safe.duplicate_effects(), safe.stats.suppressed),
        (0, safe.stats.consumers.late)
    );
}

fn offload(mode: Mode) -> Offload {
    // 100 requests/s; 8 web threads; 2 ms of web work and 50 ms of slow work (both
    // exponential); 8 workers (capacity 160/s).
    Offload::new(
        Arrivals::poisson(100.0).unwrap(),
        8,
        Dist::exponential(0.002).unwrap(),
        Dist::exponential(0.05).unwrap(),
        8,
    )
    .unwrap()
    .mode(mode)
    .duration(400.0)
    .unwrap()
}

#[test]
fn a_downstream_outage_is_absorbed_by_the_queue_and_the_web_tier_stays_fast() {
    let outage = (200.0, 20.0);
    let queued = offload(Mode::Queued)
        .outage(outage.0, outage.1)
        .unwrap()
        .run(3)
        .unwrap();
    let sync = offload(Mode::Synchronous)
        .outage(outage.0, outage.1)
        .unwrap()
        .run(3)
        .unwrap();

    // Queued: the web threads only publish, an M/M/8 at ρ = 0.025 where nobody waits
    // (Erlang C ≈ 1e-9), so the response is exponential with mean 2 ms and its p99 is
    // 2 ms · ln 100 = 9.2 ms, outage or not. From ~40 000 answers the p99's SE is
    // √(0.99·0.01/n) / (0.01/mean) ≈ 1 % of it; 5 % allowed.
    let p99 = 0.002 * 100f64.ln();
    assert!(
        (queued.web.p99() / p99 - 1.0).abs() < 0.05,
        "queued web p99 {}",
        queued.web.p99()
    );
    assert_eq!(
        (queued.failed, queued.rejected),
        (0, 0),
        "no user saw the outage"
    );
    assert_eq!(
        queued.work.count(),
        queued.requests,
        "every job was done in the end"
    );
    // The queue held the 20 s of messages: about λ·20 = 2000 (Poisson sd 45), plus up to
    // 8 failed in hand, minus up to 8 taken when the workers resumed.
    let depth = queued.queue_depth.means();
    let peak = depth.iter().map(|d| d.1).fold(0.0, f64::max);
    assert!(
        (peak - 2000.0).abs() < 5.0 * 2000f64.sqrt() + 16.0,
        "peak depth {peak}"
    );
    // ... and drained at cμ − λ = 60/s: 2000 / 60 ≈ 33 s (sd ≈ √(2000·260/60³) ≈ 1.6 s).
    let drained_by = outage.0 + outage.1 + 2000.0 / 60.0 + 5.0 * 1.6 + 10.0;
    assert!(
        depth
            .iter()
            .filter(|d| d.0 >= drained_by)
            .all(|d| d.1 < 50.0),
        "{depth:?}"
    );
    // Those jobs were late: the slowest waited about the outage plus the drain.
    assert!(queued.work.max() > outage.1);

    // Synchronous: calls hang 5 s on the dead downstream, the 8 threads can answer only
    // 1.6 requests/s, and the web tier fails and queues up for everyone.
    assert!(sync.failed > 0);
    assert!(sync.web.p99() > 5.0, "sync web p99 {}", sync.web.p99());
    assert!(sync.requests == sync.ok + sync.failed + sync.rejected);
}

#[test]
fn a_burst_fills_the_queue_instead_of_slowing_the_web_tier() {
    // Three times the traffic (300/s) for 30 s from t = 100. The workers (160/s) fall
    // behind by 140/s: about 4200 messages at the end of the burst (sd of the net count
    // ≈ √((300 + 160)·30) ≈ 117), drained at 60/s after it.
    let burst = Arrivals::poisson(100.0)
        .unwrap()
        .burst(100.0, 30.0, 3.0)
        .unwrap();
    let run = |mode| {
        Offload::new(
            burst.clone(),
            8,
            Dist::exponential(0.002).unwrap(),
            Dist::exponential(0.05).unwrap(),
            8,
        )
        .unwrap()
        .mode(mode)
        .duration(300.0)
        .unwrap()
        .run(4)
        .unwrap()
    };
    let queued = run(Mode::Queued);
    let sync = run(Mode::Synchronous);
    let at_end = queued
        .queue_depth
        .means()
        .into_iter()
        .find(|d| d.0 == 130.0)
        .unwrap()
        .1;
    assert!(
        (at_end - 4200.0).abs() < 5.0 * 117.0 + 8.0,
        "depth at the end of the burst {at_end}"
    );
    assert!(
        queued.web.p99() < 0.011,
        "queued web p99 {}",
        queued.web.p99()
    );
    // Synchronously the web tier itself is the M/M/8 of the slow work: 300/s against a
    // capacity of 8 / 52 ms ≈ 154/s, so requests pile up in front of the threads.
    assert!(
        sync.web.p99() > 100.0 * queued.web.p99(),
        "sync p99 {}",
        sync.web.p99()
    );
    // Its accept queue (1000) fills up and turns users away; the queued tier refuses none.
    let web_backlog = sync
        .web_backlog
        .means()
        .into_iter()
        .map(|d| d.1)
        .fold(0.0, f64::max);
    assert!(
        web_backlog >= 990.0 && sync.rejected > 0,
        "{web_backlog}, {} rejected",
        sync.rejected
    );
    assert_eq!((queued.rejected, queued.failed), (0, 0));
}

#[test]
fn autoscaled_workers_follow_the_backlog_and_cost_less_than_the_peak() {
    // 4 msg/s for most of the hour, 40 msg/s for 5 minutes from t = 1200; each worker
    // handles 1 msg/s. Autoscaler: 5 to 60 workers, one per 5 messages of backlog,
    // looking every 10 s, booting in 20 s. Fixed: 5 workers (ρ = 0.8 outside the burst).
    let arrivals = Arrivals::poisson(4.0)
        .unwrap()
        .burst(1200.0, 300.0, 10.0)
        .unwrap();
    let rule = Autoscaler::new(5, 60, 5.0)
        .unwrap()
        .interval(10.0)
        .unwrap()
        .boot_time(20.0)
        .unwrap();
    let base = WorkerQueue::new(arrivals, Dist::exponential(1.0).unwrap(), 5)
        .unwrap()
        .warmup(0)
        .duration(3600.0)
        .unwrap()
        .time_series(30.0)
        .unwrap();
    let fixed = base.clone().run(5).unwrap();
    let scaled = base.autoscale(rule).unwrap().run(5).unwrap();
    let workers = scaled.series.as_ref().unwrap().workers.means();
    let max_in = |from: f64, to: f64| {
        workers
            .iter()
            .filter(|w| (from..to).contains(&w.0))
            .map(|w| w.1)
            .fold(0.0, f64::max)
    };
    let (before, during, after) = (
        max_in(0.0, 1200.0),
        max_in(1200.0, 1500.0),
        max_in(2400.0, 3600.0),
    );
    println!(
        "workers before {before}, during {during}, after {after}; peak {}; worker-s {:.0} vs fixed {:.0}; p99 {:.1} s vs fixed {:.1} s; end {:.0} vs {:.0}",
        scaled.stats.peak_workers,
        scaled.stats.worker_seconds,
        fixed.stats.worker_seconds,
        scaled.response.p99(),
        fixed.response.p99(),
        scaled.end,
        fixed.end
    );
    // At 4 msg/s the backlog is mostly the 4 messages in hand (asking for 1 worker): the
    // pool stays near its minimum. During the burst it must reach the 40 workers that
    // 40 msg/s needs, and it comes back down afterwards.
    assert!(before <= 8.0 && after <= 8.0, "{before}, {after}");
    assert!(during >= 40.0, "{during}");
    assert!(scaled.stats.peak_workers <= 60);
    // Cheaper than running the peak all along, and far faster than 5 fixed workers:
    // their burst backlog (35/s × 300 s ≈ 10 500 messages) shrinks at 1/s while the
    // producers run and is still ≈ 8400 at t = 3600, cleared at 5/s by t ≈ 5300.
    assert!(scaled.stats.worker_seconds < 0.3 * scaled.stats.peak_workers as f64 * scaled.end);
    assert!(scaled.response.p99() < 0.05 * fixed.response.p99());
    assert!(
        fixed.end > 4600.0,
        "the fixed pool drains at {} s",
        fixed.end
    );
    assert_eq!(scaled.served, scaled.published);
}

#[test]
fn same_seed_same_reports() {
    let q = WorkerQueue::mmc(3.0, 1.0, 4)
        .unwrap()
        .messages(5_000)
        .unwrap()
        .time_series(10.0)
        .unwrap();
    assert_eq!(
        format!("{:?}", q.run(9).unwrap()),
        format!("{:?}", q.run(9).unwrap())
    );
    let o = offload(Mode::Queued).duration(60.0).unwrap();
    assert_eq!(
        format!("{:?}", o.run(9).unwrap()),
        format!("{:?}", o.run(9).unwrap())
    );
    let faults = Faults::none().ack_lost(0.1).unwrap();
    let r = Redelivery::new(2_000).unwrap().faults(faults);
    assert_eq!(r.run(9).unwrap(), r.run(9).unwrap());
    assert_ne!(r.run(9).unwrap(), r.run(10).unwrap());
}

#[test]
fn invalid_configurations_are_clear_errors() {
    let msg = |e: scale_lab::Error| e.to_string();
    assert_eq!(
        msg(WorkerQueue::mmc(1.0, 1.0, 0).unwrap_err()),
        "invalid parameter `workers` = 0: must be at least 1"
    );
    assert!(
        msg(Autoscaler::new(5, 2, 1.0).unwrap_err())
            .contains("`max` = 2: must be at least min (5)")
    );
    assert!(msg(Faults::none().ack_lost(2.0).unwrap_err()).contains("`ack_lost` = 2"));
    assert!(msg(expected_drain_time(10, 12.0, 1.0, 10).unwrap_err()).contains("never drains"));
    let poison = Redelivery::new(10)
        .unwrap()
        .faults(Faults::none().poison(0.5).unwrap());
    assert!(msg(poison.run(1).unwrap_err()).contains("max_attempts"));
    assert!(
        Offload::new(
            Arrivals::poisson(1.0).unwrap(),
            1,
            Dist::constant(0.1).unwrap(),
            Dist::constant(0.1).unwrap(),
            0
        )
        .is_err()
    );
}
