use super::*;
use scale_lab::sim::{Dist, SimRng};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn three_requests_by_hand() {
    // Requests at the server during [0, 2), [1, 3) and [2, 2.5): 4.5 request-seconds
    // over a window of 4 s.
    let m = measure(&[0.0, 1.0, 2.0], &[2.0, 3.0, 2.5], 0.0, 4.0).unwrap();
    assert!(close(m.l, 1.125), "{m:?}");
    assert!(close(m.lambda, 0.75), "{m:?}");
    assert!(close(m.w, 1.5), "{m:?}");
    assert!(close(m.ratio(), 1.0));
}

#[test]
fn requests_straddling_the_window_count_only_inside() {
    // Window [1, 3): the first request is inside for 1 s, the second for 2 s, the third
    // for 0.5 s: L = 3.5 / 2. Arrivals in the window: at 1 and 2 (not at 0), so
    // λ = 1/s and W = (2 + 0.5) / 2. Here L ≠ λW: edge effects of a short window.
    let m = measure(&[0.0, 1.0, 2.0], &[2.0, 3.0, 2.5], 1.0, 3.0).unwrap();
    assert!(close(m.l, 1.75), "{m:?}");
    assert!(close(m.lambda, 1.0), "{m:?}");
    assert!(close(m.w, 1.25), "{m:?}");
    // An arrival exactly at `to` is outside the window.
    let m = measure(&[0.0, 2.0], &[1.0, 3.0], 0.0, 2.0).unwrap();
    assert!(close(m.lambda, 0.5) && close(m.w, 1.0) && close(m.l, 0.5), "{m:?}");
}

#[test]
fn little_holds_on_a_long_mm1_run() {
    // One FIFO server, λ = 50/s, μ = 100/s: 200 000 requests (about 4 000 s). Edge
    // effects are about W / T ≈ 0.02 / 4 000: far below the 1 % allowed. L for M/M/1 is
    // ρ / (1 − ρ) = 1 (standard error about 1.5 % here; 6 % allowed).
    let mut rng = SimRng::new(3);
    let gap = Dist::exponential_rate(50.0).unwrap();
    let work = Dist::exponential_rate(100.0).unwrap();
    let (mut t, mut free_at) = (0.0, 0.0f64);
    let (mut arrivals, mut departures) = (Vec::new(), Vec::new());
    for _ in 0..200_000 {
        t += gap.sample(&mut rng);
        free_at = free_at.max(t) + work.sample(&mut rng);
        arrivals.push(t);
        departures.push(free_at);
    }
    let m = measure(&arrivals, &departures, 100.0, 3_900.0).unwrap();
    assert!((m.ratio() - 1.0).abs() < 0.01, "{m:?}");
    assert!((m.lambda - 50.0).abs() < 1.5, "{m:?}");
    assert!((m.l - 1.0).abs() < 0.06, "{m:?}");
}

#[test]
fn bad_records_and_windows_are_errors() {
    assert!(measure(&[0.0, 1.0], &[1.0], 0.0, 2.0).is_err());
    assert!(measure(&[1.0], &[0.5], 0.0, 2.0).is_err());
    assert!(measure(&[f64::NAN], &[1.0], 0.0, 2.0).is_err());
    assert!(measure(&[-1.0], &[1.0], 0.0, 2.0).is_err());
    assert!(measure(&[0.0], &[1.0], 2.0, 2.0).is_err());
    assert!(measure(&[0.0], &[1.0], 0.0, f64::INFINITY).is_err());
}

#[test]
fn no_arrival_in_the_window_is_an_error() {
    assert!(measure(&[], &[], 0.0, 1.0).is_err());
    assert!(measure(&[5.0], &[6.0], 0.0, 1.0).is_err());
}
