use super::*;
use scale_lab::sim::{Dist, SimRng, theory};

#[test]
fn a_small_queue_by_hand() {
    // Arrivals at 0, 1, 2, 6; services 3, 1, 1, 1.
    // Request 1 arrives at 1, the server is busy until 3: waits 2, leaves at 4.
    // Request 2 arrives at 2, waits until 4: waits 2, leaves at 5.
    // Request 3 arrives at 6 to an idle server: waits 0.
    let w = waiting_times(&[0.0, 1.0, 1.0, 4.0], &[3.0, 1.0, 1.0, 1.0]).unwrap();
    assert_eq!(w, vec![0.0, 2.0, 2.0, 0.0]);
}

#[test]
fn an_idle_server_means_no_waiting_and_a_crowd_waits_for_everyone_ahead() {
    // Far apart: nobody waits, whatever the first gap.
    let w = waiting_times(&[5.0, 10.0, 10.0], &[1.0, 2.0, 3.0]).unwrap();
    assert_eq!(w, vec![0.0, 0.0, 0.0]);
    // All at once: each waits for the services of everyone ahead.
    let w = waiting_times(&[0.0, 0.0, 0.0, 0.0], &[1.0, 2.0, 3.0, 4.0]).unwrap();
    assert_eq!(w, vec![0.0, 1.0, 3.0, 6.0]);
}

#[test]
fn empty_input_gives_no_waits_and_one_request_never_waits() {
    assert_eq!(waiting_times(&[], &[]).unwrap(), Vec::<f64>::new());
    assert_eq!(waiting_times(&[3.0], &[100.0]).unwrap(), vec![0.0]);
}

#[test]
fn mismatched_or_invalid_times_are_errors() {
    assert!(waiting_times(&[1.0, 2.0], &[1.0]).is_err());
    assert!(waiting_times(&[], &[1.0]).is_err());
    assert!(waiting_times(&[1.0, -1.0], &[1.0, 1.0]).is_err());
    assert!(waiting_times(&[1.0, 1.0], &[1.0, f64::NAN]).is_err());
    assert!(waiting_times(&[f64::INFINITY], &[1.0]).is_err());
}

#[test]
fn the_mean_wait_of_mm1_matches_theory() {
    // M/M/1 at ρ = 0.5 (λ = 50/s, μ = 100/s): mean wait ρ / (μ − λ) = 10 ms.
    // 400 000 requests: the standard error of the mean wait is about 1 % here; 5 % is
    // safely beyond it.
    let mut rng = SimRng::new(11);
    let gaps = Dist::exponential_rate(50.0).unwrap();
    let work = Dist::exponential_rate(100.0).unwrap();
    let n = 400_000;
    let a: Vec<f64> = (0..n).map(|_| gaps.sample(&mut rng)).collect();
    let s: Vec<f64> = (0..n).map(|_| work.sample(&mut rng)).collect();
    let w = waiting_times(&a, &s).unwrap();
    let mean = w.iter().sum::<f64>() / n as f64;
    let expected = theory::mmc_mean_wait(50.0, 100.0, 1).unwrap();
    assert!((mean / expected - 1.0).abs() < 0.05, "{mean} vs {expected}");
}
