//! The chapter's figures, built with the topology builder and checked against what they
//! must be.
//!
//! With Poisson users, exponential costs and a web tier that frees its worker before the
//! database call, each figure is an open network of queues in series (a Jackson
//! network): every tier is an M/M/1 (or M/M/c) queue of its own arrival rate, which
//! routing by request kind and random balancing split as independent Poisson streams,
//! and a request's sojourn times at successive tiers are independent. So each figure
//! has closed forms: per-tier utilisation λ/μ, per-tier mean 1/(μ − λ), end to end the
//! sum, and its percentiles from the sum of exponentials.
//!
//! Tolerances as in tests/sim_theory.rs: R = 20 independent replications, their mean
//! within 5 standard errors of the closed form (a false failure has probability below
//! 1e-4), and 5 SE below a stated fraction of the value (the check is sharp enough to
//! catch an error of that size).

use scale_lab::model::balancer::Policy;
use scale_lab::model::cache::{Cache, Eviction};
use scale_lab::model::cdn::Origin;
use scale_lab::model::dns::expected_cache_share;
use scale_lab::model::failure::FailureModel;
use scale_lab::model::load::{RequestKind, RequestMix};
use scale_lab::model::queue::{Broker, QueueSystem};
use scale_lab::model::region::Regions;
use scale_lab::model::sharding::ShardRouter;
use scale_lab::model::topology::{CacheTier, CdnSpec, ComponentKind, Db, Topology, TopologyReport};
use scale_lab::model::web::ServerSpec;
use scale_lab::report::ToTable;
use scale_lab::sim::{Arrivals, Dist, Zipf, sweep, theory};

const REPLICATIONS: usize = 20;

fn mean_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let m = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, (var / n).sqrt())
}

fn assert_matches(what: &str, values: &[f64], expected: f64, precision: f64) {
    let (m, se) = mean_se(values);
    println!("{what}: simulated {m:.5} ± {se:.5} (SE), closed form {expected:.5}");
    assert!(
        (m - expected).abs() <= 5.0 * se,
        "{what}: simulated {m} vs closed form {expected}: more than 5 SE ({se})"
    );
    assert!(
        5.0 * se <= precision * expected,
        "{what}: too noisy to test (5 SE = {})",
        5.0 * se
    );
}

fn replicate(topology: &Topology, seed: u64) -> Vec<TopologyReport> {
    let runs: Vec<u64> = (0..REPLICATIONS as u64).collect();
    sweep(seed, &runs, |_, s| {
        topology.run(s).expect("a valid topology runs")
    })
}

fn each(runs: &[TopologyReport], f: impl Fn(&TopologyReport) -> f64) -> Vec<f64> {
    runs.iter().map(f).collect()
}

fn exp(mean: f64) -> Dist {
    Dist::exponential(mean).unwrap()
}

/// The p-th percentile of the sum of independent exponentials with rates `a` ≠ `b`
/// (the hypoexponential distribution), by bisection on its CDF.
fn hypoexponential_percentile(a: f64, b: f64, p: f64) -> f64 {
    let cdf = |t: f64| 1.0 - (b * (-a * t).exp() - a * (-b * t).exp()) / (b - a);
    let (mut lo, mut hi) = (0.0, 100.0 / a.min(b));
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if cdf(mid) < p / 100.0 {
            lo = mid
        } else {
            hi = mid
        }
    }
    (lo + hi) / 2.0
}

fn utilisation(r: &TopologyReport, name: &str) -> f64 {
    r.component(name)
        .unwrap()
        .station
        .expect("a station-based component")
        .utilisation()
}

// ---------------------------------------------------------------------------------
// Figure 1: one server (and DNS in front of it).

fn one_server(lambda: f64, cost: f64) -> Topology {
    Topology::builder()
        .users(Arrivals::poisson(lambda).unwrap())
        .mix(RequestMix::reads(exp(cost)))
        .web_servers(1, ServerSpec::unit())
        .duration(1000.0)
        .build()
        .unwrap()
}

#[test]
fn figure_1_one_server_at_half_load_is_an_mm1_queue() {
    let (lambda, mu) = (50.0, 100.0);
    let runs = replicate(&one_server(lambda, 1.0 / mu), 1);
    assert_matches(
        "one server: mean",
        &each(&runs, |r| r.latency.mean()),
        theory::mm1_mean_response(lambda, mu).unwrap(),
        0.03,
    );
    for (p, precision) in [(50.0, 0.05), (99.0, 0.06)] {
        let v = each(&runs, |r| r.latency.percentile(p).unwrap());
        assert_matches(
            &format!("one server: p{p}"),
            &v,
            theory::mm1_response_percentile(lambda, mu, p).unwrap(),
            precision,
        );
    }
    assert_matches(
        "one server: utilisation",
        &each(&runs, |r| utilisation(r, "web-1")),
        lambda / mu,
        0.02,
    );
    let first = &runs[0];
    assert_eq!(first.errors, 0);
    assert_eq!(
        first.component("lb").unwrap().completed,
        first.requests,
        "the balancer passes every request on"
    );
}

fn one_server_with_dns(lambda: f64, cost: f64, ttl: f64) -> Topology {
    Topology::builder()
        .users(Arrivals::poisson(lambda).unwrap())
        .mix(RequestMix::reads(exp(cost)))
        .dns(ttl)
        .duration(1000.0)
        .build()
        .unwrap()
}

#[test]
fn figure_1_with_dns_adds_the_lookup() {
    // Resolvers cache the answer for T seconds; a miss costs L = 40 ms at the
    // authoritative server, every lookup 2 ms to the resolver. Per TTL cycle (a
    // renewal): one miss, λL lookups joining it (waiting L/2 on average), λT hits.
    let (lambda, mu, l) = (50.0, 100.0, 0.040);
    let short = replicate(&one_server_with_dns(lambda, 1.0 / mu, 1.0), 2);
    let misses = each(&short, |r| {
        1.0 - r
            .rows()
            .iter()
            .find(|row| row.kind == ComponentKind::Dns)
            .unwrap()
            .hit_ratio
            .unwrap()
    });
    assert_matches(
        "DNS lookups not answered from a cache",
        &misses,
        1.0 - expected_cache_share(lambda, 1.0, l).unwrap(),
        0.03,
    );
    // With a long TTL, the lookup adds little, and the web server still sees Poisson
    // arrivals (each request delayed independently).
    let ttl = 30.0;
    let runs = replicate(&one_server_with_dns(lambda, 1.0 / mu, ttl), 3);
    let lookup = 0.002 + (l + lambda * l * l / 2.0) / (1.0 + lambda * (l + ttl));
    let dns = each(&runs, |r| r.component("dns").unwrap().latency.mean());
    assert_matches("DNS lookup mean", &dns, lookup, 0.02);
    let total = lookup + theory::mm1_mean_response(lambda, mu).unwrap();
    assert_matches(
        "DNS + one server: mean",
        &each(&runs, |r| r.latency.mean()),
        total,
        0.03,
    );
}

// ---------------------------------------------------------------------------------
// Figure 2: a web server and a database.

fn web_and_db(lambda: f64, web: f64, db: f64) -> Topology {
    Topology::builder()
        .users(Arrivals::poisson(lambda).unwrap())
        .mix(RequestMix::reads(exp(web)))
        .web_servers(1, ServerSpec::unit())
        .database(Db::primary(exp(db)))
        .duration(1000.0)
        .build()
        .unwrap()
}

#[test]
fn figure_2_web_and_database_are_two_queues_in_series() {
    let (lambda, mu_web, mu_db) = (50.0, 100.0, 200.0);
    let runs = replicate(&web_and_db(lambda, 1.0 / mu_web, 1.0 / mu_db), 3);
    let (a, b) = (mu_web - lambda, mu_db - lambda);
    assert_matches(
        "web + db: mean",
        &each(&runs, |r| r.latency.mean()),
        1.0 / a + 1.0 / b,
        0.03,
    );
    for (p, precision) in [(50.0, 0.05), (99.0, 0.06)] {
        let v = each(&runs, |r| r.latency.percentile(p).unwrap());
        assert_matches(
            &format!("web + db: p{p}"),
            &v,
            hypoexponential_percentile(a, b, p),
            precision,
        );
    }
    assert_matches(
        "web utilisation",
        &each(&runs, |r| utilisation(r, "web-1")),
        lambda / mu_web,
        0.02,
    );
    assert_matches(
        "db utilisation",
        &each(&runs, |r| utilisation(r, "db/primary")),
        lambda / mu_db,
        0.02,
    );
    let db_mean = each(&runs, |r| r.component("db/primary").unwrap().latency.mean());
    assert_matches("db sojourn", &db_mean, 1.0 / b, 0.03);
}

// ---------------------------------------------------------------------------------
// Figure 3: a load balancer, two web servers, a primary and a replica.

const READS: f64 = 0.9;

fn balanced(lambda: f64, policy: Policy) -> Topology {
    Topology::builder()
        .users(Arrivals::poisson(lambda).unwrap())
        .mix(
            RequestMix::new(&[
                (RequestKind::Read, READS, exp(0.010)),
                (RequestKind::Write, 1.0 - READS, exp(0.010)),
            ])
            .unwrap(),
        )
        .load_balancer(policy)
        .web_servers(2, ServerSpec::unit())
        .database(Db::primary(exp(0.005)).replicas(1))
        .duration(700.0)
        .build()
        .unwrap()
}

#[test]
fn figure_3_balancer_two_web_servers_primary_and_replica() {
    // Random balancing splits the Poisson stream in two: each web server is an M/M/1 at
    // λ/2. Reads (90 %) go to the replica, writes to the primary.
    let (lambda, mu_web, mu_db) = (150.0, 100.0, 200.0);
    let runs = replicate(&balanced(lambda, Policy::Random), 4);
    let web = 1.0 / (mu_web - lambda / 2.0);
    let (reads, writes) = (READS * lambda, (1.0 - READS) * lambda);
    let read = web + 1.0 / (mu_db - reads);
    let write = web + 1.0 / (mu_db - writes);
    assert_matches(
        "read latency",
        &each(&runs, |r| r.kind(RequestKind::Read).latency.mean()),
        read,
        0.03,
    );
    assert_matches(
        "write latency",
        &each(&runs, |r| r.kind(RequestKind::Write).latency.mean()),
        write,
        0.03,
    );
    for name in ["web-1", "web-2"] {
        assert_matches(
            &format!("{name} utilisation"),
            &each(&runs, |r| utilisation(r, name)),
            lambda / 2.0 / mu_web,
            0.02,
        );
    }
    assert_matches(
        "replica utilisation",
        &each(&runs, |r| utilisation(r, "db/replica-1")),
        reads / mu_db,
        0.02,
    );
    assert_matches(
        "primary utilisation",
        &each(&runs, |r| utilisation(r, "db/primary")),
        writes / mu_db,
        0.03,
    );
    // Least connections beats random on the same load: it never sends a request to a
    // busy server while the other is idle. (One run: its p99 is within a few percent.)
    let lc_p99 = balanced(lambda, Policy::LeastConnections)
        .run(4)
        .unwrap()
        .latency
        .p99();
    let (random_p99, _) = mean_se(&each(&runs, |r| r.latency.p99()));
    assert!(
        lc_p99 < 0.9 * random_p99,
        "least connections p99 {lc_p99} vs random {random_p99}"
    );
}

// ---------------------------------------------------------------------------------
// Figure 4: a CDN in front of the static assets.

/// Figure 4: figure 3 with a cache in front of the database and a CDN in front of the
/// static assets. (Reads only besides the static requests: a write would end a cached
/// copy early, which the closed form below leaves out.)
fn with_cache_and_cdn(
    lambda: f64,
    static_share: f64,
    objects: &Zipf,
    ttl: f64,
    origin_time: f64,
) -> Topology {
    Topology::builder()
        .users(Arrivals::poisson(lambda).unwrap())
        .mix(
            RequestMix::new(&[
                (RequestKind::Static, static_share, exp(0.010)),
                (RequestKind::Read, 1.0 - static_share, exp(0.010)),
            ])
            .unwrap(),
        )
        .keys(objects.clone())
        .cdn(
            CdnSpec::new(ttl)
                .unwrap()
                .objects(objects.clone())
                .origin(Origin::elastic(Dist::constant(origin_time).unwrap())),
        )
        .load_balancer(Policy::Random)
        .web_servers(2, ServerSpec::unit())
        .cache(CacheTier::new(
            Cache::new(objects.n() as usize, Eviction::Lru)
                .unwrap()
                .ttl(CACHE_TTL)
                .unwrap(),
        ))
        .database(Db::primary(exp(0.005)).replicas(1))
        .duration(600.0)
        .build()
        .unwrap()
}

const CACHE_TTL: f64 = 2.0;
const LOOKUP: f64 = 0.0005;

#[test]
fn figure_4_a_cdn_and_a_cache_take_load_off_the_web_tier_and_the_database() {
    // Half the requests are static: the web servers see only the other half; the origin
    // sees one request per object per cycle of 1/λ_k + T + d (renewal: see model_edge).
    let (lambda, share, ttl, d) = (300.0, 0.5, 10.0, 0.020);
    let objects = Zipf::new(500, 1.0).unwrap();
    let runs = replicate(&with_cache_and_cdn(lambda, share, &objects, ttl, d), 5);
    let dynamic = (1.0 - share) * lambda;
    assert_matches(
        "web-1 utilisation",
        &each(&runs, |r| utilisation(r, "web-1")),
        dynamic / 2.0 / 100.0,
        0.02,
    );
    let rates: Vec<f64> = objects
        .probabilities()
        .iter()
        .map(|p| share * lambda * p)
        .collect();
    let origin: f64 = rates.iter().map(|l| 1.0 / (1.0 / l + ttl + d)).sum();
    assert_matches(
        "origin requests/s",
        &each(&runs, |r| {
            r.component("origin").unwrap().completed as f64 / r.duration
        }),
        origin,
        0.02,
    );
    // A static request's latency: 0 on a hit, d for the miss, d/2 on average for the
    // λd requests that wait for it.
    let static_mean: f64 = rates
        .iter()
        .map(|l| l * (d + l * d * d / 2.0) / (1.0 + l * (ttl + d)))
        .sum::<f64>()
        / (share * lambda);
    assert_matches(
        "static latency",
        &each(&runs, |r| r.kind(RequestKind::Static).latency.mean()),
        static_mean,
        0.03,
    );
    let edge = runs[0].component("cdn/all").unwrap();
    assert_eq!(
        edge.completed,
        runs[0].kind(RequestKind::Static).requests,
        "every static request is answered by the edge"
    );

    // The cache: the same renewal per key. A read that misses fills the key after the
    // lookup L and the database's time S, and every read of the key meanwhile misses
    // too; the copy then lives T. Hit ratio of key k: λ_k T / (1 + λ_k (T + L + S̄)).
    let cache_hits = each(&runs, |r| {
        r.rows()
            .iter()
            .find(|row| row.name == "cache")
            .unwrap()
            .hit_ratio
            .unwrap()
    });
    let sojourn = mean_se(&each(&runs, |r| {
        r.component("db/replica-1").unwrap().latency.mean()
    }))
    .0;
    let fill = LOOKUP + sojourn;
    let reads: Vec<f64> = objects
        .probabilities()
        .iter()
        .map(|p| dynamic * p)
        .collect();
    let h: f64 = reads
        .iter()
        .map(|l| l / dynamic * l * CACHE_TTL / (1.0 + l * (CACHE_TTL + fill)))
        .sum();
    assert_matches("cache hit ratio", &cache_hits, h, 0.01);
    // ... and the database gets the misses only: (1 − h) of the reads.
    let replica = each(&runs, |r| {
        r.component("db/replica-1").unwrap().completed as f64 / r.duration
    });
    assert_matches(
        "database reads/s = (1 − h) × reads/s",
        &replica,
        (1.0 - h) * dynamic,
        0.02,
    );
    let web = 1.0 / (100.0 - dynamic / 2.0);
    let read = web + LOOKUP + (1.0 - h) * sojourn;
    assert_matches(
        "read latency",
        &each(&runs, |r| r.kind(RequestKind::Read).latency.mean()),
        read,
        0.03,
    );
    assert!(
        runs.iter().all(|r| r.stale_cache_reads == 0),
        "nothing is written, nothing is stale"
    );
}

// ---------------------------------------------------------------------------------
// Figure 5: a message queue and workers behind the writes.

#[test]
fn figure_5_writes_hand_their_slow_work_to_a_queue() {
    // Figure 3 plus a queue: every write publishes a job when the primary has it, and
    // two workers (50 ms a job) process them. The writes leave the primary as a Poisson
    // stream (Burke), so the queue and its workers are an M/M/2 of their own: a job's
    // time from publish to done is Erlang C's, and the user's write does not wait for it.
    let lambda = 150.0;
    let t = Topology::builder()
        .users(Arrivals::poisson(lambda).unwrap())
        .mix(
            RequestMix::new(&[
                (RequestKind::Read, READS, exp(0.010)),
                (RequestKind::Write, 1.0 - READS, exp(0.010)),
            ])
            .unwrap(),
        )
        .load_balancer(Policy::Random)
        .web_servers(2, ServerSpec::unit())
        .database(Db::primary(exp(0.005)).replicas(1))
        .queue(QueueSystem::new(2, exp(0.050)).unwrap())
        .duration(700.0)
        .build()
        .unwrap();
    let runs = replicate(&t, 8);
    let (jobs, mu) = ((1.0 - READS) * lambda, 20.0);
    let job = each(&runs, |r| r.component("queue").unwrap().latency.mean());
    assert_matches(
        "job: publish to done",
        &job,
        theory::mmc_mean_response(jobs, mu, 2).unwrap(),
        0.05,
    );
    assert_matches(
        "worker utilisation",
        &each(&runs, |r| utilisation(r, "workers")),
        jobs / (2.0 * mu),
        0.02,
    );
    let rate = each(&runs, |r| {
        r.component("workers").unwrap().completed as f64 / r.duration
    });
    assert_matches("jobs processed per second", &rate, jobs, 0.02);
    let write = 1.0 / (100.0 - lambda / 2.0) + 1.0 / (200.0 - jobs);
    assert_matches(
        "write latency (no wait for the job)",
        &each(&runs, |r| r.kind(RequestKind::Write).latency.mean()),
        write,
        0.03,
    );
}

// ---------------------------------------------------------------------------------
// Figure 6: a sharded database across two data centers.

const KEYS: u64 = 1000;

fn east_west() -> Regions {
    Regions::new(
        &["east", "west"],
        &[0.010, 0.010],
        &[[0.001, 0.070], [0.070, 0.001]],
    )
    .unwrap()
}

fn sharded_across_data_centers(lambda: f64) -> scale_lab::model::topology::TopologyBuilder {
    Topology::builder()
        .users(Arrivals::poisson(lambda).unwrap())
        .regions(east_west(), &[("east", 0.5), ("west", 0.5)])
        .data_centers(&["east", "west"])
        .mix(
            RequestMix::new(&[
                (RequestKind::Read, 0.8, exp(0.005)),
                (RequestKind::Write, 0.2, exp(0.005)),
            ])
            .unwrap(),
        )
        .keys(Zipf::new(KEYS, 0.8).unwrap())
        .load_balancer(Policy::Random)
        .web_servers(2, ServerSpec::unit())
        .database(Db::primary(exp(0.005)).replicas(1).shards(2))
        .duration(500.0)
}

/// The share of requests for each of two shards: Σ p_k over the keys each one owns
/// (the topology's default router: a consistent-hash ring, 64 virtual nodes per shard).
fn shard_shares() -> [f64; 2] {
    let router = ShardRouter::consistent(2, 64).unwrap();
    let zipf = Zipf::new(KEYS, 0.8).unwrap();
    let mut shares = [0.0; 2];
    for (k, p) in zipf.probabilities().iter().enumerate() {
        shares[router.shard_for(k as u64)] += p;
    }
    shares
}

#[test]
fn figure_6_sharded_database_across_data_centers() {
    // 200 requests/s, half from each region, each served by its own data center (two web
    // servers at λ = 50 each, μ = 200). Shard 1's primary is in east, shard 2's in west;
    // each data center has a replica of each shard. Writes to the other region's primary
    // cross the 70 ms link both ways; reads stay home.
    let lambda = 200.0;
    let t = sharded_across_data_centers(lambda).build().unwrap();
    let runs = replicate(&t, 6);
    let p = shard_shares();
    println!("shard shares {p:?}");
    let writes = 0.2 * lambda;
    let web = 1.0 / (200.0 - lambda / 4.0);
    for (s, name) in [
        (0, "db/shard-1/primary (east)"),
        (1, "db/shard-2/primary (west)"),
    ] {
        let rate = each(&runs, |r| {
            r.component(name).unwrap().completed as f64 / r.duration
        });
        assert_matches(&format!("{name} writes/s"), &rate, writes * p[s], 0.02);
    }
    let primary = |s: usize| 1.0 / (200.0 - writes * p[s]);
    let replica = |s: usize| 1.0 / (200.0 - 0.8 * lambda / 2.0 * p[s]);
    let home = 0.010 + 0.001;
    let east_write = home + web + p[0] * primary(0) + p[1] * (primary(1) + 0.070);
    let read = home + web + p[0] * replica(0) + p[1] * replica(1);
    let east = each(&runs, |r| r.region("east").unwrap().latency.mean());
    assert_matches(
        "east users: mean",
        &east,
        0.8 * read + 0.2 * east_write,
        0.02,
    );
    let west_write = home + web + p[0] * (primary(0) + 0.070) + p[1] * primary(1);
    let west = each(&runs, |r| r.region("west").unwrap().latency.mean());
    assert_matches(
        "west users: mean",
        &west,
        0.8 * read + 0.2 * west_write,
        0.02,
    );
    let replica_util = each(&runs, |r| utilisation(r, "east/db/shard-1/replica-1"));
    assert_matches(
        "east replica of shard 1 utilisation",
        &replica_util,
        0.8 * lambda / 2.0 * p[0] / 200.0,
        0.03,
    );
}

#[test]
fn a_data_center_failing_moves_its_users_and_fails_writes_to_its_primaries() {
    // East fails at 0.5 s and stays down; routing moves east users to west 1 s later.
    // Measured from 5 s on: every user is served by west (east users pay the 70 ms
    // round trip), west's web servers carry twice the load, reads are served by west's
    // replicas, and writes whose shard has its primary in east fail: nobody promotes a
    // replica here.
    let lambda = 200.0;
    let t = sharded_across_data_centers(lambda)
        .data_center_failures("east", FailureModel::crash_at(0.5).unwrap())
        .failover_delay(1.0)
        .build()
        .unwrap();
    let runs = replicate(&t, 7);
    let p = shard_shares();
    let web = 1.0 / (200.0 - lambda / 2.0);
    let replica = |s: usize| 1.0 / (200.0 - 0.8 * lambda * p[s]);
    let read = web + p[0] * replica(0) + p[1] * replica(1);
    let write = web + 1.0 / (200.0 - 0.2 * lambda * p[1]);
    let east_reads: Vec<f64> = runs
        .iter()
        .map(|r| {
            assert_eq!(
                r.kind(RequestKind::Read).errors,
                0,
                "reads survive on the replicas"
            );
            assert_eq!(r.component("east/web-1").unwrap().completed, 0);
            r.region("east").unwrap().latency.mean()
        })
        .collect();
    // East users' answered requests are their reads and their writes of shard 2, all
    // served in west: 10 ms access + the 70 ms link instead of 1 ms.
    let (reads, writes) = (0.8, 0.2 * p[1]);
    let east_mean = 0.010 + 0.070 + (reads * read + writes * write) / (reads + writes);
    assert_matches(
        "east users after failover: mean",
        &east_reads,
        east_mean,
        0.02,
    );
    let failed = each(&runs, |r| {
        let w = r.kind(RequestKind::Write);
        w.errors as f64 / w.requests as f64
    });
    assert_matches(
        "writes failing (shard 1's primary is in east)",
        &failed,
        p[0],
        0.03,
    );
    assert_matches(
        "west web utilisation",
        &each(&runs, |r| utilisation(r, "west/web-1")),
        lambda / 2.0 / 200.0,
        0.02,
    );
}

// ---------------------------------------------------------------------------------

#[test]
fn reports_are_deterministic_and_tabulated() {
    let topology = with_cache_and_cdn(200.0, 0.3, &Zipf::new(100, 1.0).unwrap(), 5.0, 0.02);
    let a = topology.run(9).unwrap();
    let b = topology.run(9).unwrap();
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
    assert_ne!(a.latency.mean(), topology.run(10).unwrap().latency.mean());
    let table = a.to_table().to_csv();
    let header =
        "component,kind,throughput (requests/s),p50 (ms),p99 (ms),utilisation,hit ratio,errors";
    assert!(table.starts_with(header), "{table}");
    assert_eq!(table.lines().count(), 2 + a.components.len());
    let rows = a.rows();
    assert_eq!(rows.len(), a.components.len());
    assert!(
        rows.iter()
            .any(|r| r.kind == ComponentKind::CdnEdge && r.hit_ratio.is_some_and(|h| h > 0.5))
    );
    assert!(
        a.component("nowhere")
            .unwrap_err()
            .to_string()
            .contains("web-1")
    );
}

/// The full multi-tier topology: users in two regions, a CDN for the static assets,
/// two data centers each with a balancer, eight web servers, a cache and a queue with
/// sixteen workers (a 2 s visibility timeout), a database of four shards with two
/// replicas per data center; 20 000 requests per second.
fn full_topology(duration: f64) -> Topology {
    Topology::builder()
        .users(Arrivals::poisson(20_000.0).unwrap())
        .regions(east_west(), &[("east", 0.5), ("west", 0.5)])
        .data_centers(&["east", "west"])
        .mix(
            RequestMix::new(&[
                (RequestKind::Static, 0.4, exp(0.001)),
                (RequestKind::Read, 0.5, exp(0.004)),
                (RequestKind::Write, 0.1, exp(0.006)),
            ])
            .unwrap(),
        )
        .cdn(CdnSpec::new(60.0).unwrap())
        .load_balancer(Policy::LeastConnections)
        .web_servers(8, ServerSpec::new(8, 1.0).unwrap())
        .cache(CacheTier::new(
            Cache::new(10_000, Eviction::Lru)
                .unwrap()
                .ttl(60.0)
                .unwrap(),
        ))
        .database(Db::primary(exp(0.002)).replicas(2).shards(4).connections(4))
        .queue(
            QueueSystem::new(16, exp(0.010))
                .unwrap()
                .with_broker(Broker::new(2.0).unwrap()),
        )
        .duration(duration)
        .warmup(1.0)
        .build()
        .unwrap()
}

/// CPU time of the calling thread, in seconds (Linux; `None` elsewhere): the machine
/// may be shared, and wall time would then measure the neighbours too.
fn thread_cpu_seconds() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(text.split_whitespace().next()?.parse::<f64>().ok()? / 1e9)
}

/// The speed of the full multi-tier topology, in simulated requests per second on one
/// core. Run with `cargo test --test model_topology -- --ignored --nocapture`
/// (`benches/topology.rs` measures the same with criterion).
#[test]
#[ignore]
fn full_topology_speed() {
    let t = full_topology(100.0);
    let (wall, cpu) = (std::time::Instant::now(), thread_cpu_seconds());
    let r = t.run(1).unwrap();
    let wall = wall.elapsed().as_secs_f64();
    println!("{}", r.to_table().to_markdown());
    let n = r.requests as f64;
    println!(
        "{} requests: {:.0} requests/s of wall time ({wall:.2} s)",
        r.requests,
        n / wall
    );
    if let (Some(start), Some(end)) = (cpu, thread_cpu_seconds()) {
        println!(
            "{:.0} requests/s of CPU time ({:.2} s)",
            n / (end - start),
            end - start
        );
    }
    assert!(r.stopped_early.is_none() && r.errors == 0);
}
