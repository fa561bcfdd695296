//! Replication against its theory: stale reads against time since the write, lag against
//! write load, writes lost in a failover; and the read-your-writes policies.
//!
//! How tolerances are set: a statistical check runs R = 20 (or more) independent
//! replications with seeds derived from one base seed and compares the mean of their
//! estimates with the closed form within 5 standard errors (SE = sd / √R, which includes
//! the correlation between consecutive writes inside a run; a correct model fails with
//! probability about 8e-5 for 19 degrees of freedom, less for more). Each check also
//! asserts that 5 SE is below a stated fraction of the theoretical value, so a noisy run
//! cannot hide a bug. Checks of policies are exact (zero stale reads) and compared with
//! a naive count in the hundreds or thousands, far from noise.

use scale_lab::model::replication::{
    EventConsumer, Failover, LagModel, ReadPolicy, ReadRouter, ReadWriteSplit, Replication,
    StalenessProbe, theory,
};
use scale_lab::sim::{Dist, sweep};

fn mean_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let m = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, (var / n).sqrt())
}

fn assert_matches(what: &str, values: &[f64], exact: f64, precision: f64) {
    let (m, se) = mean_se(values);
    println!("{what}: simulated {m:.5} ± {se:.5} (SE), theory {exact:.5}");
    assert!(
        (m - exact).abs() <= 5.0 * se,
        "{what}: {m} differs from {exact} by more than 5 SE ({se})"
    );
    assert!(
        5.0 * se <= precision * exact,
        "{what}: too noisy to test (5 SE = {})",
        5.0 * se
    );
}

/// A probe with `ship` s of network delay, replay at 200/s, writes at `rate`/s.
fn probe(ship: f64, rate: f64) -> StalenessProbe {
    StalenessProbe::new(rate, LagModel::exponential(ship, 200.0).unwrap())
        .unwrap()
        .writes(200_000, 5_000)
        .unwrap()
}

#[test]
fn a_read_delta_after_the_write_is_stale_with_probability_e_to_the_minus_delta_over_l() {
    // Replay at 200/s, writes at 100/s: the lag is exponential with mean L = 1/(200 − 100)
    // = 10 ms. 20 runs of 200 000 writes; 5 SE within 5 % of e^(−Δ/L), 10 % for the
    // rare tail (Δ = 40 ms, p ≈ 0.018).
    let deltas = [0.002, 0.005, 0.010, 0.020, 0.040];
    let runs: Vec<u64> = (0..20).collect();
    let reports = sweep(1, &runs, |_, s| probe(0.0, 100.0).run(&deltas, s).unwrap());
    let l = 0.010;
    for (j, &delta) in deltas.iter().enumerate() {
        let v: Vec<f64> = reports.iter().map(|r| r.points[j].stale).collect();
        let exact = (-delta / l).exp();
        assert!((reports[0].points[j].theory.unwrap() - exact).abs() < 1e-12);
        assert_matches(
            &format!("P(stale) at Δ = {delta}"),
            &v,
            exact,
            if exact < 0.05 { 0.10 } else { 0.05 },
        );
    }
    let lag: Vec<f64> = reports.iter().map(|r| r.lag.mean()).collect();
    assert_matches("mean lag", &lag, l, 0.05);

    // With 3 ms of network delay nothing is visible before 3 ms, then e^(−(Δ − d)/L).
    let shifted = sweep(2, &runs, |_, s| {
        probe(0.003, 100.0).run(&[0.002, 0.013], s).unwrap()
    });
    assert!(shifted.iter().all(|r| r.points[0].stale == 1.0));
    let v: Vec<f64> = shifted.iter().map(|r| r.points[1].stale).collect();
    assert_matches(
        "P(stale) at Δ = 13 ms with d = 3 ms",
        &v,
        (-1.0f64).exp(),
        0.05,
    );
}

#[test]
fn the_lag_grows_with_the_write_load() {
    // Mean lag 1/(μ − λ) with μ = 200/s: 6.7, 10, 20 ms at 50, 100, 150 writes/s.
    let runs: Vec<u64> = (0..20).collect();
    for (i, rate) in [50.0, 100.0, 150.0].into_iter().enumerate() {
        let v: Vec<f64> = sweep(10 + i as u64, &runs, |_, s| {
            probe(0.0, rate).run(&[], s).unwrap().lag.mean()
        });
        let exact = theory::mean_lag(0.0, rate, 200.0).unwrap();
        assert_matches(&format!("mean lag at {rate} writes/s"), &v, exact, 0.06);
    }
}

/// A split with a slow replica (20 ms to ship) so that follow-up reads 50 ms after a
/// write are often stale without a policy.
fn slow_split(policy: ReadPolicy) -> ReadWriteSplit {
    ReadWriteSplit::new(2000.0, 200.0, 2, 4)
        .unwrap()
        .lag(LagModel::exponential(0.020, 500.0).unwrap())
        .policy(policy)
        .unwrap()
        .users(1000, Some(Dist::exponential(0.030).unwrap()))
        .unwrap()
        .duration(30.0, 3.0)
        .unwrap()
}

#[test]
fn every_read_your_writes_policy_brings_own_stale_reads_to_zero() {
    let naive = slow_split(ReadPolicy::Replica).run(1).unwrap();
    println!(
        "naive: {} stale of {} follow-up reads",
        naive.stale_reads, naive.follow_up_reads
    );
    // Lag ≥ 20 ms + Exp(mean 3.3 ms) against a follow-up Exp(mean 30 ms): about half
    // of ~6000 follow-ups are stale.
    assert!(naive.stale_reads > naive.follow_up_reads / 4);
    for policy in [
        ReadPolicy::Primary,
        ReadPolicy::PrimaryAfterWrite { window: 1.0 },
        ReadPolicy::SessionLsn,
        ReadPolicy::WaitForReplica { timeout: 1.0 },
    ] {
        let r = slow_split(policy).run(1).unwrap();
        println!(
            "{policy}: {} stale, primary served {} of {} reads, p99 {:.2} ms",
            r.stale_reads,
            r.reads_by_node[0],
            r.reads,
            r.read_latency.p99() * 1e3
        );
        assert_eq!(r.stale_reads, 0, "{policy}");
        assert_eq!(
            r.follow_up_reads, naive.follow_up_reads,
            "the same users and writes"
        );
    }
}

#[test]
fn the_authors_event_consumer_reads_stale_data_and_each_fix_stops_it() {
    // Events delivered exactly 5 ms after the commit; 200 events/s + 1000 other writes/s
    // on replicas replaying 2000/s after 1 ms: P(stale) = e^(−(2000 − 1200)(0.005 − 0.001))
    // = e^(−3.2) ≈ 0.041 (both replicas alike). 20 runs of 150 s (30 000 events each).
    let exp = EventConsumer::new(200.0, 2)
        .unwrap()
        .delivery(Dist::constant(0.005).unwrap())
        .duration(150.0, 5.0)
        .unwrap();
    let runs: Vec<u64> = (0..20).collect();
    let v: Vec<f64> = sweep(3, &runs, |_, s| {
        exp.run(ReadPolicy::Replica, s).unwrap().stale_fraction()
    });
    let exact = theory::stale_read_probability(0.005, 0.001, 1200.0, 2000.0).unwrap();
    assert_matches("consumer stale share", &v, exact, 0.06);

    let policies = [
        ReadPolicy::Replica,
        ReadPolicy::Primary,
        ReadPolicy::SessionLsn,
        ReadPolicy::WaitForReplica { timeout: 0.1 },
        ReadPolicy::PrimaryAfterWrite { window: 0.05 },
    ];
    let reports = EventConsumer::new(200.0, 2)
        .unwrap()
        .compare(&policies, 4)
        .unwrap();
    for r in &reports {
        println!(
            "{}: {:.2} % stale, {:.1} % on the primary, mean wait {:.3} ms",
            r.policy,
            100.0 * r.stale_fraction(),
            100.0 * r.primary_share(),
            r.wait.mean() * 1e3
        );
    }
    assert!(reports[0].stale > 100, "the bug shows");
    assert!(reports[1..].iter().all(|r| r.stale == 0), "every fix works");
    assert_eq!(reports[1].primary_share(), 1.0);
    assert!(reports[2].primary_share() < 0.2 && reports[3].primary_reads == 0);
}

#[test]
fn replicas_scale_reads_not_writes() {
    // 20 000 reads/s offered to nodes of 4 connections at 0.33 ms per read (≈ 12 000/s
    // each), 300 writes/s on the primary; each connection queue holds 20.
    let split = ReadWriteSplit::new(20_000.0, 300.0, 0, 4)
        .unwrap()
        .queue_limit(20)
        .duration(20.0, 2.0)
        .unwrap();
    let r = split.compare_replicas(&[0, 1, 2, 4], 5).unwrap();
    for x in &r {
        println!(
            "{} replicas: {:.0} reads/s, p99 {:.2} ms, rejected {}, utilisation {:?}",
            x.replicas,
            x.read_throughput,
            x.read_latency.p99() * 1e3,
            x.rejected_reads,
            x.utilisation
                .iter()
                .map(|u| (u * 100.0).round())
                .collect::<Vec<_>>()
        );
    }
    let capacity = |replicas| {
        ReadWriteSplit::new(20_000.0, 300.0, replicas, 4)
            .unwrap()
            .read_capacity()
    };
    // Saturated: throughput is the capacity (within 5 %), the rest is turned away.
    for i in [0, 1] {
        let c = capacity(r[i].replicas);
        assert!(
            (r[i].read_throughput - c).abs() < 0.05 * c,
            "{} vs {c}",
            r[i].read_throughput
        );
        assert!(r[i].rejected_reads > 0);
    }
    // Two and four replicas serve what is offered (20 000 + ~300 follow-ups per second,
    // Poisson: 5 sd of 20 s is 0.25 %; at 84 % utilisation a queue of 20 still
    // overflows now and then) and four are faster than two.
    for x in &r[2..] {
        assert!(
            (x.read_throughput - 20_300.0).abs() < 0.01 * 20_300.0,
            "{}",
            x.read_throughput
        );
        assert!(x.rejected_reads * 1000 < x.reads);
    }
    assert_eq!(r[3].rejected_reads, 0);
    assert!(r[3].read_latency.p99() < r[2].read_latency.p99());
    // Writes stay on the primary, which reads no longer crowd: 300 writes/s served
    // (Poisson: 5 sd of 6000 writes in 20 s is 6.5 %).
    assert!(
        r[1..]
            .iter()
            .all(|x| (x.write_throughput - 300.0).abs() < 20.0 && x.utilisation[0] < 0.1)
    );
}

#[test]
fn an_asynchronous_failover_loses_lambda_times_d_writes_and_a_synchronous_one_none() {
    // Writes at 2000/s shipped in exactly 5 ms: at the failure the commits of the last
    // 5 ms have reached no replica, Poisson with mean λ·d = 10. 400 runs: SE ≈ √10/20
    // ≈ 0.16, 5 SE ≈ 8 % of 10.
    let lag = LagModel::exponential(0.005, 5000.0).unwrap();
    let base = Failover::new(2000.0, 2)
        .unwrap()
        .lag(lag)
        .failure(1.0, 0.3, 0.2)
        .unwrap()
        .duration(2.0, 0.1)
        .unwrap();
    let runs: Vec<u64> = (0..400).collect();
    let reports = sweep(6, &runs, |_, s| base.run(s).unwrap());
    let lost: Vec<f64> = reports.iter().map(|r| r.lost as f64).collect();
    assert_matches(
        "writes lost",
        &lost,
        theory::expected_lost_writes(2000.0, 0.005).unwrap(),
        0.10,
    );
    assert!(
        reports.iter().all(|r| r.lost == r.lost_acknowledged),
        "asynchronous: every lost write was acknowledged"
    );
    // No primary for 0.3 + 0.2 s: Poisson(1000) writes refused.
    let refused: Vec<f64> = reports.iter().map(|r| r.rejected as f64).collect();
    assert_matches("writes refused", &refused, 1000.0, 0.02);
    assert!(reports.iter().all(|r| (r.downtime - 0.5).abs() < 1e-9));

    let sync = base.synchronous(1).unwrap();
    let sync_reports = sweep(7, &runs[..50], |_, s| sync.run(s).unwrap());
    assert!(sync_reports.iter().all(|r| r.lost_acknowledged == 0));
    assert!(
        sync_reports.iter().map(|r| r.in_doubt).sum::<u64>() > 100,
        "in-flight writes end in doubt"
    );
    assert!(sync_reports[0].write_latency.min() >= 0.005 - 1e-6);
}

#[test]
fn same_seed_same_report() {
    let a = slow_split(ReadPolicy::SessionLsn)
        .duration(5.0, 1.0)
        .unwrap();
    assert_eq!(
        format!("{:?}", a.run(9).unwrap()),
        format!("{:?}", a.run(9).unwrap())
    );
    assert_ne!(
        a.run(9).unwrap().read_latency.mean(),
        a.run(10).unwrap().read_latency.mean()
    );
    let f = Failover::new(500.0, 2)
        .unwrap()
        .duration(40.0, 1.0)
        .unwrap();
    assert_eq!(
        format!("{:?}", f.run(1).unwrap()),
        format!("{:?}", f.run(1).unwrap())
    );
    let c = EventConsumer::new(100.0, 1)
        .unwrap()
        .duration(5.0, 1.0)
        .unwrap();
    assert_eq!(
        format!("{:?}", c.run(ReadPolicy::Replica, 3).unwrap()),
        format!("{:?}", c.run(ReadPolicy::Replica, 3).unwrap())
    );
}

#[test]
fn invalid_configurations_are_clear_errors() {
    // A negative replica count cannot be written: counts are `usize`.
    let msg = |e: scale_lab::Error| e.to_string();
    assert!(
        msg(Replication::new(1, LagModel::default())
            .synchronous(2)
            .unwrap_err())
        .contains("`sync` = 2")
    );
    assert!(msg(Failover::new(10.0, 0).unwrap_err()).contains("`replicas` = 0"));
    assert!(msg(Failover::new(0.0, 1).unwrap_err()).contains("`write_rate` = 0"));
    assert!(msg(EventConsumer::new(1.0, 0).unwrap_err()).contains("`replicas` = 0"));
    assert!(msg(ReadWriteSplit::new(1.0, 1.0, 1, 0).unwrap_err()).contains("`connections` = 0"));
    assert!(
        msg(ReadWriteSplit::new(1.0, 1.0, 1, 1)
            .unwrap()
            .users(0, None)
            .unwrap_err())
        .contains("`users` = 0")
    );
    assert!(
        msg(ReadRouter::new(ReadPolicy::PrimaryAfterWrite { window: -1.0 }).unwrap_err())
            .contains("window")
    );
    assert!(msg(LagModel::exponential(0.0, 0.0).unwrap_err()).contains("apply_rate"));
    assert!(
        msg(
            StalenessProbe::new(300.0, LagModel::exponential(0.0, 200.0).unwrap())
                .unwrap()
                .run(&[], 1)
                .unwrap_err()
        )
        .contains("replay capacity")
    );
    assert!(
        msg(theory::mean_lag(0.0, 300.0, 200.0).unwrap_err()).contains("below the replay rate")
    );
    assert!(
        msg(Replication::new(0, LagModel::default())
            .fail_primary(1.0)
            .unwrap_err())
        .contains("no replica")
    );
    assert!(
        msg(ReadWriteSplit::new(1.0, 1.0, 1, 1)
            .unwrap()
            .compare_replicas(&[], 1)
            .unwrap_err())
        .contains("at least one")
    );
}
