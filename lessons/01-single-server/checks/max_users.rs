use super::*;
use scale_lab::sim::theory;

/// The p99 of `users` users, in ms, from the library's closed form.
fn p99_ms(service_ms: f64, per_user: f64, users: u64) -> Option<f64> {
    theory::mm1_response_percentile(users as f64 * per_user, 1e3 / service_ms, 99.0)
        .ok()
        .map(|s| s * 1e3)
}

#[test]
fn the_lessons_numbers() {
    // 10 ms per request, one request per 10 s per user.
    assert_eq!(max_users(10.0, 0.1, 100.0).unwrap(), 539);
    assert_eq!(max_users(10.0, 0.1, 50.0).unwrap(), 78);
    assert_eq!(max_users(10.0, 0.1, 200.0).unwrap(), 769);
    assert_eq!(max_users(10.0, 0.1, 500.0).unwrap(), 907);
}

#[test]
fn the_answer_meets_the_target_and_one_more_user_does_not() {
    for &(service_ms, per_user, target) in &[
        (10.0, 0.1, 100.0),
        (2.0, 0.05, 30.0),
        (25.0, 1.0, 400.0),
        (0.5, 0.2, 10.0),
    ] {
        let n = max_users(service_ms, per_user, target).unwrap();
        assert!(n > 0);
        assert!(p99_ms(service_ms, per_user, n).unwrap() <= target, "{n}");
        match p99_ms(service_ms, per_user, n + 1) {
            Some(p) => assert!(p > target, "{n} + 1 users still meet {target} ms"),
            None => {} // n + 1 users would overload the server
        }
    }
}

#[test]
fn a_loose_target_still_stops_below_capacity() {
    // Capacity: 100 requests/s ÷ 0.1 per user = 1 000 users, at ρ = 1: never allowed.
    assert_eq!(max_users(10.0, 0.1, 1e9).unwrap(), 999);
    assert_eq!(max_users(10.0, 1.0, 1e12).unwrap(), 99);
}

#[test]
fn an_impossible_target_gives_zero_users() {
    // Even an idle server has a p99 of ln(100) × 10 ms ≈ 46 ms.
    assert_eq!(max_users(10.0, 0.1, 40.0).unwrap(), 0);
    assert_eq!(max_users(10.0, 0.1, 46.0).unwrap(), 0);
}

#[test]
fn bad_parameters_are_errors() {
    assert!(max_users(0.0, 0.1, 100.0).is_err());
    assert!(max_users(10.0, -0.1, 100.0).is_err());
    assert!(max_users(10.0, 0.1, f64::NAN).is_err());
    assert!(max_users(f64::INFINITY, 0.1, 100.0).is_err());
}
