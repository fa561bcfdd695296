use super::*;

#[test]
fn one_server_is_m_m_1() {
    // M/M/1, λ = 50, μ = 100: C = ρ = 0.5, so P(W > t) = 0.5·e^(−50t);
    // p99 = ln(50) / 50, and the median request does not wait at all.
    let p99 = wait_percentile(50.0, 0.01, 1, 0.99).unwrap();
    assert!((p99 - 50f64.ln() / 50.0).abs() < 1e-12, "{p99}");
    assert_eq!(wait_percentile(50.0, 0.01, 1, 0.5).unwrap(), 0.0);
}

#[test]
fn ten_servers_at_ninety_percent() {
    // λ = 9, μ = 1, c = 10: Erlang C ≈ 0.6687; p99 = ln(C / 0.01) / (10 − 9).
    let c = scale_lab::sim::theory::erlang_c(9.0, 1.0, 10).unwrap();
    let p99 = wait_percentile(9.0, 1.0, 10, 0.99).unwrap();
    assert!((p99 - (c / 0.01).ln()).abs() < 1e-9, "{p99}");
    assert!((p99 - 4.2027).abs() < 1e-3, "{p99}");
    // More servers: less waiting.
    assert!(wait_percentile(9.0, 1.0, 12, 0.99).unwrap() < p99);
}

#[test]
fn servers_needed_is_the_fewest_that_meet_the_target() {
    // 900 requests/s of 20 ms each: an offered load of 18 servers.
    for (target, q) in [
        (0.0, 0.99),
        (0.005, 0.99),
        (0.05, 0.99),
        (0.01, 0.9),
        (1.0, 0.5),
    ] {
        let c = servers_needed(900.0, 0.02, target, q).unwrap();
        assert!(c >= 19, "stable needs more than 18 servers, got {c}");
        assert!(
            wait_percentile(900.0, 0.02, c, q).unwrap() <= target,
            "{c} servers"
        );
        if c > 19 {
            assert!(
                wait_percentile(900.0, 0.02, c - 1, q).unwrap() > target,
                "{} servers would do for target {target}",
                c - 1
            );
        }
    }
    // A generous target: the smallest stable fleet is enough.
    assert_eq!(servers_needed(900.0, 0.02, 10.0, 0.99).unwrap(), 19);
    // No waiting at p99 needs more than a few ms of waiting does.
    assert!(
        servers_needed(900.0, 0.02, 0.0, 0.99).unwrap()
            > servers_needed(900.0, 0.02, 0.01, 0.99).unwrap()
    );
}

#[test]
fn bad_input_and_unstable_queues_are_errors() {
    assert_eq!(
        wait_percentile(10.0, 0.1, 1, 0.99),
        Err(SizingError::Unstable)
    );
    assert_eq!(
        wait_percentile(10.0, 0.1, 0, 0.99),
        Err(SizingError::ZeroServers)
    );
    assert_eq!(
        wait_percentile(0.0, 0.1, 2, 0.99),
        Err(SizingError::BadRate)
    );
    assert_eq!(
        wait_percentile(f64::NAN, 0.1, 2, 0.99),
        Err(SizingError::BadRate)
    );
    assert_eq!(
        wait_percentile(1.0, -0.1, 2, 0.99),
        Err(SizingError::BadServiceTime)
    );
    assert_eq!(
        wait_percentile(1.0, 0.1, 2, 1.0),
        Err(SizingError::BadQuantile)
    );
    assert_eq!(
        wait_percentile(1.0, 0.1, 2, 0.0),
        Err(SizingError::BadQuantile)
    );
    assert_eq!(
        servers_needed(1.0, 0.1, -1.0, 0.99),
        Err(SizingError::BadTarget)
    );
    assert_eq!(
        servers_needed(1.0, 0.1, f64::INFINITY, 0.99),
        Err(SizingError::BadTarget)
    );
    assert_eq!(
        servers_needed(-5.0, 0.1, 0.1, 0.99),
        Err(SizingError::BadRate)
    );
    assert_eq!(
        servers_needed(5.0, 0.1, 0.1, f64::NAN),
        Err(SizingError::BadQuantile)
    );
}
