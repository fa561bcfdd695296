//! Benchmarks of the simulation engine (`cargo bench --bench engine`).
//!
//! The headline: the M/M/c model (λ = 9, μ = 1, c = 10), in simulated requests per
//! second on one core (criterion reports elements/s). Target ≥ 5 million/s and ≥ 50×
//! SimPy on the same model (bench/compare_simpy.py measures both in one run).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use scale_lab::model::hashing::HashRing;
use scale_lab::sim::{EventQueue, LatencyHistogram, OpenQueue, SimRng, Zipf};

fn open_queue(c: &mut Criterion) {
    let requests = 1_000_000;
    let mut group = c.benchmark_group("engine");
    group.sample_size(10);
    group.throughput(Throughput::Elements(requests));
    let mmc = OpenQueue::mmc(9.0, 1.0, 10)
        .unwrap()
        .requests(requests)
        .unwrap()
        .warmup(0);
    group.bench_function("mmc_lambda9_mu1_c10", |b| b.iter(|| mmc.run(1).unwrap()));
    group.finish();
}

fn parts(c: &mut Criterion) {
    let n = 1_000_000u64;
    let mut group = c.benchmark_group("parts");
    group.throughput(Throughput::Elements(n));
    group.bench_function("event_queue_hold_16", |b| {
        b.iter(|| {
            // The "hold" model: 16 pending events, pop one, push one.
            let mut q = EventQueue::new();
            let mut rng = SimRng::new(1);
            for _ in 0..16 {
                q.schedule_in(rng.uniform(), ());
            }
            for _ in 0..n {
                q.pop();
                q.schedule_in(rng.uniform(), ());
            }
            q.len()
        })
    });
    let zipf = Zipf::new(1_000_000, 1.0).unwrap();
    group.bench_function("zipf_sample_1e6_keys", |b| {
        let mut rng = SimRng::new(2);
        b.iter(|| (0..n).map(|_| zipf.sample(&mut rng)).sum::<u64>())
    });
    group.bench_function("histogram_record", |b| {
        let mut rng = SimRng::new(3);
        b.iter(|| {
            let mut h = LatencyHistogram::new();
            for _ in 0..n {
                h.record(rng.uniform() * 0.1);
            }
            h.count()
        })
    });
    let ring = HashRing::new(16, 128).unwrap();
    group.bench_function("ring_lookup_16x128", |b| {
        b.iter(|| (0..n).map(|k| ring.node_for(k) as u64).sum::<u64>())
    });
    group.finish();
}

criterion_group!(benches, open_queue, parts);
criterion_main!(benches);
