//! Benchmark of the topology builder (`cargo bench --bench topology`).
//!
//! The headline: the full multi-tier topology of the chapter's last figure — users in
//! two regions, a CDN, two data centers each with a balancer, eight web servers, a
//! cache and a queue with sixteen workers, a database of four shards with two replicas
//! per data center — in simulated requests per second on one core (criterion reports
//! elements/s). Target: at least 1 million.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use scale_lab::model::balancer::Policy;
use scale_lab::model::cache::{Cache, Eviction};
use scale_lab::model::load::{RequestKind, RequestMix};
use scale_lab::model::queue::{Broker, QueueSystem};
use scale_lab::model::region::Regions;
use scale_lab::model::topology::{CacheTier, CdnSpec, Db, Topology};
use scale_lab::model::web::ServerSpec;
use scale_lab::sim::{Arrivals, Dist};

fn full_topology(rate: f64, duration: f64) -> Topology {
    let exp = |mean| Dist::exponential(mean).unwrap();
    let regions = Regions::new(
        &["east", "west"],
        &[0.010, 0.010],
        &[[0.001, 0.070], [0.070, 0.001]],
    )
    .unwrap();
    Topology::builder()
        .users(Arrivals::poisson(rate).unwrap())
        .regions(regions, &[("east", 0.5), ("west", 0.5)])
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
        .warmup(0.0)
        .build()
        .unwrap()
}

fn topology(c: &mut Criterion) {
    let (rate, duration) = (20_000.0, 25.0);
    let mut group = c.benchmark_group("topology");
    group.sample_size(10);
    group.throughput(Throughput::Elements((rate * duration) as u64));
    let full = full_topology(rate, duration);
    group.bench_function("full_multi_tier_20k_per_s", |b| {
        b.iter(|| full.run(1).unwrap())
    });
    group.finish();
}

criterion_group!(benches, topology);
criterion_main!(benches);
