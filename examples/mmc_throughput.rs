//! Simulates the M/M/c benchmark model (λ = 9, μ = 1, c = 10) and prints how many
//! simulated requests per second one core handles, and the peak memory.
//!
//! `cargo run --release --no-default-features --example mmc_throughput -- [requests]`
//! (default 10^7; without the runner feature, a release build needs only the library).
//! bench/compare_simpy.py runs it next to the same model in SimPy.

use std::time::Instant;

use scale_lab::sim::OpenQueue;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let requests: u64 = match std::env::args().nth(1) {
        Some(n) => n
            .parse()
            .map_err(|e| format!("requests must be a whole number: {e}"))?,
        None => 10_000_000,
    };
    let queue = OpenQueue::mmc(9.0, 1.0, 10)?.requests(requests)?.warmup(0);
    let started = Instant::now();
    let report = queue.run(1)?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{{\"requests\": {requests}, \"seconds\": {seconds:.3}, \"requests_per_second\": {:.0}, \
         \"mean_response\": {:.4}, \"peak_rss_mb\": {:.1}}}",
        requests as f64 / seconds,
        report.response.mean(),
        peak_rss_mb()
    );
    Ok(())
}

/// The process's peak resident memory, from /proc (Linux); 0 elsewhere.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}
