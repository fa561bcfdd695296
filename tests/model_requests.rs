//! The request path against theory: balancing, DNS caching, availability, health
//! checks, sessions and closed-loop users.
//!
//! Tolerances follow tests/sim_theory.rs: R = 20 independent replications (seeds
//! derived from one base seed, so the test is deterministic); the mean of the
//! replication estimates must be within 5 standard errors of theory (a correct model
//! fails with probability below 1e-4: t-distribution with 19 degrees of freedom), and
//! each check also asserts that 5 SE is below a stated precision, so that noise cannot
//! hide a bug. Where a check compares against a limit the model only approaches (the
//! supermarket model's n → ∞ limit), the measured bias is stated and allowed.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use scale_lab::model::balancer::{HealthChecks, LoadBalancer, Policy};
use scale_lab::model::cluster::Cluster;
use scale_lab::model::cluster::experiments::{PolicyComparison, ServerCrash, SessionCrash};
use scale_lab::model::dns::{Dns, DnsCaching, GeoRouting, expected_cache_share};
use scale_lab::model::failure::{AvailabilityRun, FailureModel, RetryPolicy};
use scale_lab::model::load::{RequestMix, Workload, closed_loop_mva};
use scale_lab::model::sessions::{SessionStore, Sessions};
use scale_lab::model::web::{ServerSpec, WebTier};
use scale_lab::sim::{Admission, Dist, SimRng, sweep, theory};

const REPLICATIONS: u64 = 20;

fn replicate<R: Send>(seed: u64, run: impl Fn(u64) -> R + Sync) -> Vec<R> {
    let runs: Vec<u64> = (0..REPLICATIONS).collect();
    sweep(seed, &runs, |_, s| run(s))
}

fn mean_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let m = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, (var / n).sqrt())
}

/// Within 5 SE (+ a stated `bias` allowance) of `expected`, and 5 SE ≤ `precision`
/// (absolute).
fn assert_close(what: &str, values: &[f64], expected: f64, bias: f64, precision: f64) {
    let (m, se) = mean_se(values);
    println!("{what}: simulated {m:.5} ± {se:.5} (SE), expected {expected:.5}");
    assert!(
        (m - expected).abs() <= 5.0 * se + bias,
        "{what}: {m} differs from {expected} by more than 5 SE ({se}) + {bias}"
    );
    assert!(
        5.0 * se <= precision,
        "{what}: too noisy to test (5 SE = {})",
        5.0 * se
    );
}

#[test]
fn random_balancing_over_mm1_servers_matches_one_over_mu_minus_lambda_over_n() {
    // Random splitting of a Poisson stream gives each server an independent Poisson
    // stream of rate λ/n: every server is an M/M/1 queue with mean response
    // 1/(μ − λ/n). n = 5, μ = 1, λ = 4 (ρ = 0.8): 5 s. About 200 000 requests per
    // replication, as in the M/M/1 check of sim_theory, which holds 5 SE under 3 %.
    let (n, lambda, mu) = (5usize, 4.0, 1.0);
    let c = Cluster::uniform(
        Workload::poisson(lambda, 1.0 / mu).unwrap(),
        n,
        ServerSpec::unit(),
    )
    .unwrap()
    .policy(Policy::Random)
    .warmup(2_000.0)
    .unwrap()
    .duration(50_000.0)
    .unwrap();
    let means: Vec<f64> = replicate(1, |s| c.run(s).unwrap().response.mean());
    let expected = 1.0 / (mu - lambda / n as f64);
    assert_close(
        "random over 5 M/M/1, mean response",
        &means,
        expected,
        0.0,
        0.03 * expected,
    );
}

#[test]
fn power_of_two_choices_follows_the_supermarket_model() {
    // n = 100 exponential servers (μ = 1) at λ = 0.9 per server. The time-average
    // fraction of servers with at least k requests is, as n → ∞, λ^(2^k − 1) for two
    // choices and λ^k for random balancing (each server an M/M/1 queue; exact at any n).
    //
    // Finite-size bias of two choices at n = 100, measured with 10 runs of 3·10⁶
    // requests each (SE ≤ 0.0008): +0.0000, −0.0003, +0.0025, +0.0093 for k = 1..4;
    // at n = 300 it was +0.0024 for k = 4 and at n = 1000 +0.0001: the O(1/n) decay
    // expected. Allowed on top of 5 SE: 0.002, 0.002, 0.005, 0.012 for k = 1..4 (the
    // distance to random balancing is 0, 0.08, 0.25, 0.45). The last check runs n =
    // 1000 servers, where the limit must hold at k = 4 with no allowance.
    let n = 100usize;
    let lambda: f64 = 0.9;
    let run = |policy: Policy, n: usize, warmup: f64, duration: f64, seed: u64| {
        Cluster::uniform(
            Workload::poisson(lambda * n as f64, 1.0).unwrap(),
            n,
            ServerSpec::unit(),
        )
        .unwrap()
        .policy(policy)
        .warmup(warmup)
        .unwrap()
        .duration(duration)
        .unwrap()
        .queue_levels(4)
        .unwrap()
        .run(seed)
        .unwrap()
        .queue_at_least
    };
    let two = replicate(2, |s| run(Policy::PowerOfTwoChoices, n, 300.0, 5_000.0, s));
    let random = replicate(3, |s| run(Policy::Random, n, 300.0, 2_500.0, s));
    let at_k = |runs: &[Vec<f64>], k: usize| runs.iter().map(|r| r[k]).collect::<Vec<f64>>();
    for (k, bias) in [(1usize, 0.002), (2, 0.002), (3, 0.005), (4, 0.012)] {
        let supermarket = lambda.powi((1 << k) - 1);
        assert_close(
            &format!("two choices, n = 100, P(N ≥ {k})"),
            &at_k(&two, k),
            supermarket,
            bias,
            0.01,
        );
        assert_close(
            &format!("random, n = 100, P(N ≥ {k})"),
            &at_k(&random, k),
            lambda.powi(k as i32),
            0.0,
            0.01,
        );
    }
    let large = replicate(8, |s| run(Policy::PowerOfTwoChoices, 1000, 100.0, 400.0, s));
    assert_close(
        "two choices, n = 1000, P(N ≥ 4)",
        &at_k(&large, 4),
        lambda.powi(15),
        0.0,
        0.01,
    );
}

#[test]
fn round_robin_and_least_connections_beat_random_at_p99() {
    // Ten identical servers at ρ = 0.8, the same requests for every policy (common
    // random numbers). Random makes each server M/M/1 (p99 = ln 100 / (μ − λ/n) = 23 s);
    // round robin smooths each server's arrivals, least connections joins the
    // shortest queue. The gain of each over random must exceed 5 SE of the paired
    // differences.
    let cmp = PolicyComparison::new(&[1.0; 10], 0.8)
        .unwrap()
        .service(Dist::exponential(1.0).unwrap())
        .unwrap()
        .policies(&[Policy::Random, Policy::RoundRobin, Policy::LeastConnections])
        .unwrap()
        .warmup(500.0)
        .unwrap()
        .duration(6_000.0)
        .unwrap();
    let runs = replicate(4, |s| {
        cmp.run(s)
            .unwrap()
            .iter()
            .map(|r| r.p99())
            .collect::<Vec<f64>>()
    });
    let random: Vec<f64> = runs.iter().map(|r| r[0]).collect();
    let (m, se) = mean_se(&random);
    let mm1 = theory::mm1_response_percentile(0.8, 1.0, 99.0).unwrap();
    println!("p99 random: {m:.2} s ± {se:.2} (M/M/1 theory {mm1:.2} s)");
    assert!(
        (m - mm1).abs() <= 5.0 * se + 0.01 * mm1,
        "random p99 {m} vs {mm1}"
    );
    for (i, name) in [(1, "round robin"), (2, "least connections")] {
        let p99: Vec<f64> = runs.iter().map(|r| r[i]).collect();
        let gain: Vec<f64> = runs.iter().map(|r| r[0] - r[i]).collect();
        let (g, g_se) = mean_se(&gain);
        println!(
            "p99 {name}: {:.2} s; better than random by {g:.2} s ± {g_se:.2}",
            mean_se(&p99).0
        );
        assert!(
            g > 5.0 * g_se && g > 0.0,
            "{name} does not beat random at p99: {g} ± {g_se}"
        );
    }

    // On servers of uneven speeds (the lesson's set-up), one run, all policies. Round
    // robin and random send every server a fifth of 350 requests/s: 140 % of what a
    // half-speed server can do, so its queue grows for the whole run (p99 of minutes),
    // while the policies that look at the servers or their weights stay in milliseconds.
    let uneven = PolicyComparison::new(&[2.0, 1.0, 1.0, 0.5, 0.5], 0.7)
        .unwrap()
        .duration(1_000.0)
        .unwrap();
    let results = uneven.run(5).unwrap();
    for r in &results {
        println!(
            "uneven servers, {:<22} p50 {:7.2} ms  p99 {:7.2} ms",
            r.policy.name(),
            r.p50() * 1e3,
            r.p99() * 1e3
        );
    }
    let p99 = |p: Policy| results.iter().find(|r| r.policy == p).unwrap().p99();
    assert!(p99(Policy::LeastConnections) < p99(Policy::Random));
    assert!(p99(Policy::PowerOfTwoChoices) < p99(Policy::Random));
    assert!(
        p99(Policy::WeightedRoundRobin) < p99(Policy::RoundRobin),
        "weights matter when speeds differ"
    );
}

#[test]
fn resolver_cache_share_is_rt_over_one_plus_rt() {
    // Poisson lookups at rate r per resolver, TTL T: a miss is followed by rT hits on
    // average before the answer expires (renewal reward), so the cached share is
    // rT / (1 + rT); with an authoritative round trip L, lookups during it wait for the
    // same answer and the share is rT / (1 + r(L + T)). Four regions (four resolvers),
    // 20 000 s per replication: thousands of renewal cycles each; precision 1 point.
    let geo = GeoRouting::from_matrix(&[vec![0.01], vec![0.02], vec![0.03], vec![0.04]]).unwrap();
    let zero = Dist::constant(0.0).unwrap();
    for (rate, ttl, round_trip) in [
        (0.1, 5.0, 0.0),
        (1.0, 5.0, 0.0),
        (2.0, 30.0, 0.0),
        (1.0, 5.0, 0.5),
    ] {
        let exp = DnsCaching::new(geo.clone(), ttl, rate)
            .unwrap()
            .latencies(zero, Dist::constant(round_trip).unwrap())
            .duration(20_000.0)
            .unwrap();
        let shares: Vec<f64> = replicate(5, |s| exp.run(s).unwrap().cache_share);
        let expected = expected_cache_share(rate, ttl, round_trip).unwrap();
        if round_trip == 0.0 {
            assert!((expected - rate * ttl / (1.0 + rate * ttl)).abs() < 1e-15);
        }
        assert_close(
            &format!("cache share r={rate} T={ttl} L={round_trip}"),
            &shares,
            expected,
            0.0,
            0.01,
        );
    }
}

#[test]
fn availability_of_one_two_in_parallel_and_two_in_series() {
    // MTBF 1000 s, MTTR 100 s: A = 0.90909. The time-average of an on–off process over
    // T seconds has variance ≈ 2·A(1 − A) / ((1/MTBF + 1/MTTR)·T) ≈ 1.5e-6 at T = 10⁷ s
    // (sd 0.12 %); 20 replications put 5 SE near 0.15 %, well inside the 0.5 % asked.
    let m = FailureModel::random(1000.0, 100.0).unwrap();
    let a = theory::availability(1000.0, 100.0).unwrap();
    let cases = [
        ("one component", AvailabilityRun::single(m.clone()), a),
        (
            "two in parallel",
            AvailabilityRun::parallel(m.clone(), 2).unwrap(),
            1.0 - (1.0 - a).powi(2),
        ),
        (
            "two in series",
            AvailabilityRun::series(m.clone(), 2).unwrap(),
            a * a,
        ),
    ];
    for (i, (what, run, expected)) in cases.into_iter().enumerate() {
        let r0 = run.run(0).unwrap();
        assert!(
            (r0.theory.unwrap() - expected).abs() < 1e-12,
            "the report's theory is the formula"
        );
        let values: Vec<f64> = replicate(10 + i as u64, |s| run.run(s).unwrap().availability);
        assert_close(
            &format!("availability, {what}"),
            &values,
            expected,
            0.0,
            0.005 * expected,
        );
        let (mean, _) = mean_se(&values);
        assert!(
            (mean - expected).abs() <= 0.005 * expected,
            "{what}: {mean} vs {expected}"
        );
    }
}

#[test]
fn a_crashed_server_fails_the_requests_it_gets_until_health_checks_notice() {
    // 4 servers, 40 requests/s round robin (10/s each); probes every 5 s, 3 failures to
    // take a server out. Server 0 crashes at 101.3 s: the next probe is at 105 s and the
    // third failed one at 115 s, a window of 13.7 s in which it is sent every fourth
    // request: 137 expected. Round robin thins the Poisson stream regularly, so the
    // count's sd is about √(137/4) ≈ 6; 20 replications: 5 SE ≈ 7, held under 10 %.
    let checks = HealthChecks::new(5.0, 3).unwrap();
    let crash = ServerCrash::new(4, 0.5, checks)
        .unwrap()
        .service(Dist::exponential(0.05).unwrap())
        .unwrap()
        .crash_at(101.3)
        .unwrap()
        .duration(200.0)
        .unwrap();
    let runs = replicate(6, |s| crash.run(s).unwrap());
    for r in &runs {
        let delay = r.detection_delay.expect("the crash is detected");
        assert!(
            (delay - 13.7).abs() < 1e-9 && (r.expected_detection_delay - 13.7).abs() < 1e-9,
            "{delay}"
        );
        // Before the crash nothing failed; every failure is a refusal or a request the
        // crash destroyed; without retries each is a lost request.
        assert_eq!(
            r.report.outcomes.failed_attempts,
            r.refused + r.lost_in_crash
        );
        assert_eq!(r.report.outcomes.lost, r.report.outcomes.failed_attempts);
    }
    let refused: Vec<f64> = runs.iter().map(|r| r.refused as f64).collect();
    assert!((runs[0].expected_refused - 137.0).abs() < 1e-9);
    assert_close(
        "requests refused by the dead server",
        &refused,
        137.0,
        0.0,
        0.10 * 137.0,
    );

    // With one immediate retry, a refused attempt is retried at once on the next
    // server in the rotation, which is alive: refusals never lose a request. Only a
    // request destroyed by the crash (retried when its broken connection is noticed,
    // when round robin may point at the dead server again) can fail twice.
    for seed in 0..5 {
        let retried = crash
            .clone()
            .retries(RetryPolicy::new(1, 0.0).unwrap())
            .run(seed)
            .unwrap();
        let o = retried.report.outcomes;
        assert_eq!(o.failed_attempts, retried.refused + retried.lost_in_crash);
        assert_eq!(
            o.failed_attempts,
            o.retried + o.lost,
            "each failure is retried once or ends the request"
        );
        assert!(
            o.lost <= retried.lost_in_crash,
            "lost {} > destroyed in the crash {}",
            o.lost,
            retried.lost_in_crash
        );
        assert!(o.retried >= retried.refused);
    }
}

#[test]
fn sticky_sessions_lose_exactly_the_users_pinned_to_the_crashed_server() {
    // 200 closed-loop users on 4 servers; server 0 dies at 300.3 s for good. With sticky
    // routing and sessions in memory, the users the balancer had pinned to it — and no
    // others — come back to find their session gone; a shared store loses nobody; in
    // memory without sticky routing nearly everyone is logged out, crash or not.
    let exp = SessionCrash::new(200, 4).unwrap();
    for seed in 0..3 {
        let r = exp.run(seed).unwrap();
        let sticky = &r.sticky_in_memory;
        println!(
            "seed {seed}: sticky lost {} users (pinned {}), shared lost {}, round robin in memory lost {}",
            sticky.users_lost,
            sticky.pinned_at_crash,
            r.shared_store.users_lost,
            r.round_robin_in_memory.users_lost
        );
        assert!(
            sticky.pinned_at_crash > 20 && sticky.pinned_at_crash < 80,
            "{}",
            sticky.pinned_at_crash
        );
        assert_eq!(sticky.users_lost as usize, sticky.pinned_at_crash);
        assert_eq!(sticky.sessions_destroyed as usize, sticky.pinned_at_crash);
        assert_eq!(
            (r.shared_store.users_lost, r.shared_store.sessions_destroyed),
            (0, 0)
        );
        assert!(
            r.round_robin_in_memory.users_lost > 190,
            "{}",
            r.round_robin_in_memory.users_lost
        );
        // The shared store's 1 ms is paid on every request.
        assert!(r.shared_store.response.min() >= 0.001 - 1e-6);
    }
}

#[test]
fn closed_loop_users_match_mean_value_analysis() {
    // 10 users thinking 0.9 s (exponential) in front of one exponential server of mean
    // 0.1 s: exact MVA gives R and X. ~20 000 s per replication at X ≈ 7.6/s: 150 000
    // requests; the response time is held to 3 %, the throughput to 1 %.
    let (users, s, z) = (10u32, 0.1, 0.9);
    let (r_mva, x_mva) = closed_loop_mva(users, s, z).unwrap();
    let c = Cluster::single_server(
        Workload::closed(
            users,
            Dist::exponential(z).unwrap(),
            RequestMix::reads(Dist::exponential(s).unwrap()),
        )
        .unwrap(),
        ServerSpec::unit(),
    )
    .unwrap()
    .duration(20_000.0)
    .unwrap();
    let runs = replicate(7, |seed| c.run(seed).unwrap());
    let r: Vec<f64> = runs.iter().map(|r| r.response.mean()).collect();
    let x: Vec<f64> = runs.iter().map(|r| r.throughput).collect();
    assert_close("closed loop, mean response", &r, r_mva, 0.0, 0.03 * r_mva);
    assert_close("closed loop, throughput", &x, x_mva, 0.0, 0.01 * x_mva);
}

#[test]
fn invalid_configurations_are_clear_errors() {
    let e = LoadBalancer::new(Policy::RoundRobin, 0)
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "invalid configuration: a load balancer needs at least one server"
    );
    let e = LoadBalancer::weighted(Policy::WeightedRoundRobin, &[0.0, 0.0, 0.0])
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "invalid configuration: the weights of the servers sum to zero: at least one server needs a weight > 0"
    );
    let geo = GeoRouting::from_matrix(&[vec![0.01, 0.1]]).unwrap();
    let e = Dns::new(geo.clone(), -5.0).unwrap_err().to_string();
    assert_eq!(
        e,
        "invalid parameter `ttl` = -5: must be a finite number >= 0"
    );
    assert!(DnsCaching::new(geo, -1.0, 1.0).is_err());
    let e = GeoRouting::new(2)
        .unwrap()
        .region(&[(0, 0.01)])
        .unwrap()
        .region(&[])
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "invalid configuration: region 1 has no data center: its users could never be served"
    );
    let w = Workload::poisson(1.0, 0.1).unwrap();
    assert!(
        Cluster::new(w.clone(), &[])
            .unwrap_err()
            .to_string()
            .contains("a web tier needs at least one server")
    );
    assert!(
        Cluster::uniform(w, 2, ServerSpec::unit())
            .unwrap()
            .weights(&[0.0, 0.0])
            .unwrap_err()
            .to_string()
            .contains("sum to zero")
    );
    assert!(
        HealthChecks::new(-1.0, 3)
            .unwrap_err()
            .to_string()
            .contains("`interval` = -1")
    );
    assert!(
        FailureModel::random(100.0, 0.0)
            .unwrap_err()
            .to_string()
            .contains("`mttr` = 0")
    );
}

/// Counts the allocations of the calling thread (other tests run on other threads).
struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn allocations_in(f: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

#[test]
fn per_request_paths_do_not_allocate() {
    // Components, once warmed up (tables sized, queues at their high-water mark):
    // 100 000 requests through each must not allocate at all.
    let mut rng = SimRng::new(1);
    for policy in Policy::ALL {
        let mut lb = LoadBalancer::new(policy, 16).unwrap().with_users(1000);
        let cycle = |lb: &mut LoadBalancer, rng: &mut SimRng| {
            let user = rng.below(1000) as u32;
            let a = lb.pick(user, rng).unwrap();
            let b = lb.pick(user, rng).unwrap();
            lb.release(a);
            lb.release(b);
        };
        cycle(&mut lb, &mut rng);
        assert_eq!(
            allocations_in(|| (0..100_000).for_each(|_| cycle(&mut lb, &mut rng))),
            0,
            "{policy}"
        );
    }
    let mut dns = Dns::new(
        GeoRouting::from_matrix(&[vec![0.01, 0.1], vec![0.1, 0.01]]).unwrap(),
        1.0,
    )
    .unwrap();
    let n = allocations_in(|| {
        for i in 0..100_000 {
            dns.lookup(i as f64 * 0.01, i % 2, &mut rng).unwrap();
        }
    });
    assert_eq!(n, 0, "DNS lookups");
    for store in [
        SessionStore::InMemory,
        SessionStore::Shared {
            latency: Dist::exponential(0.001).unwrap(),
        },
    ] {
        let mut sessions = Sessions::new(store).with_users(1000);
        let n = allocations_in(|| {
            for i in 0..100_000u32 {
                sessions.on_request(i % 1000, (i % 7) as usize, &mut rng);
            }
        });
        assert_eq!(n, 0, "sessions {store:?}");
    }
    let workload = Workload::poisson(100.0, 0.01).unwrap();
    let failures = FailureModel::random(100.0, 10.0).unwrap();
    let n = allocations_in(|| {
        let mut t = 0.0;
        for _ in 0..100_000 {
            t = workload.next_arrival(t, &mut rng).unwrap();
            std::hint::black_box(workload.request(&mut rng));
            std::hint::black_box(failures.next_outage(t, &mut rng));
        }
    });
    assert_eq!(n, 0, "workload and failure draws");
    let mut tier: WebTier<u32> = WebTier::uniform(2, ServerSpec::new(2, 1.0).unwrap()).unwrap();
    // Eight requests over two 2-worker servers, then every one served (no crash: the
    // epoch stays 0).
    let serve_round = |tier: &mut WebTier<u32>, t: f64| {
        for j in 0..8 {
            std::hint::black_box(matches!(
                tier.arrive(t, (j % 2) as usize, j, 0.5, 0.0),
                Admission::Started(_)
            ));
        }
        for server in 0..2 {
            while tier.in_system(server) > 0 {
                tier.finish(t + 1.0, server, 0);
                tier.start_next(t + 1.0, server, |_, _| {});
            }
        }
    };
    serve_round(&mut tier, 0.0);
    let n = allocations_in(|| (1..10_000).for_each(|i| serve_round(&mut tier, 2.0 * i as f64)));
    assert_eq!(n, 0, "web tier");

    // The whole cluster engine: 100 times more requests may add only the logarithmic
    // growth of its heap, queues and histograms, never an allocation per request.
    let cluster = |duration: f64| {
        Cluster::uniform(Workload::poisson(8.0, 1.0).unwrap(), 10, ServerSpec::unit())
            .unwrap()
            .policy(Policy::Sticky)
            .sessions(SessionStore::InMemory)
            .health_checks(HealthChecks::new(5.0, 2).unwrap())
            .server_failures(3, FailureModel::outage(500.0, 100.0).unwrap())
            .unwrap()
            .retries(RetryPolicy::new(2, 0.1).unwrap())
            .queue_levels(8)
            .unwrap()
            .duration(duration)
            .unwrap()
    };
    let (short, long) = (cluster(1_000.0), cluster(100_000.0));
    let mut requests = (0, 0);
    let few = allocations_in(|| requests.0 = short.run(1).unwrap().arrived);
    let many = allocations_in(|| requests.1 = long.run(1).unwrap().arrived);
    println!(
        "{} requests: {few} allocations; {} requests: {many} allocations",
        requests.0, requests.1
    );
    assert!(requests.1 > 90 * requests.0);
    assert!(
        many <= few + 64,
        "{many} allocations for {} requests vs {few} for {}",
        requests.1,
        requests.0
    );
}
