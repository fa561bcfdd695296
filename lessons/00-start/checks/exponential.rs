use super::*;
use scale_lab::sim::SimRng;

#[test]
fn zero_gives_zero_and_known_points_match_the_inverse() {
    assert_eq!(exponential(0.0, 5.0).unwrap(), 0.0);
    // F(1/rate) = 1 − e^(−1): the mean is reached at u = 1 − 1/e.
    let u = 1.0 - (-1.0f64).exp();
    assert!((exponential(u, 4.0).unwrap() - 0.25).abs() < 1e-12);
    // The median is ln 2 / rate.
    assert!((exponential(0.5, 2.0).unwrap() - 2f64.ln() / 2.0).abs() < 1e-12);
}

#[test]
fn larger_u_gives_larger_samples() {
    let xs: Vec<f64> = (0..100)
        .map(|i| exponential(i as f64 / 100.0, 10.0).unwrap())
        .collect();
    assert!(xs.windows(2).all(|w| w[0] < w[1]), "{xs:?}");
    assert!(exponential(0.999_999, 1.0).unwrap() > 13.0);
}

#[test]
fn samples_have_mean_one_over_rate() {
    // 200 000 samples of rate 50: the mean 0.02 has a standard error of
    // 0.02 / √200 000 ≈ 4.5e-5; 1 % (0.0002) is more than 4 standard errors.
    let mut rng = SimRng::new(7);
    let n = 200_000;
    let sum: f64 = (0..n)
        .map(|_| exponential(rng.uniform(), 50.0).unwrap())
        .sum();
    let mean = sum / n as f64;
    assert!((mean - 0.02).abs() < 0.0002, "mean {mean}");
}

#[test]
fn invalid_rate_is_an_error() {
    for rate in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(exponential(0.5, rate).is_err(), "rate {rate}");
    }
}

#[test]
fn u_outside_zero_to_one_is_an_error() {
    for u in [1.0, 1.5, -0.1, f64::NAN] {
        assert!(exponential(u, 1.0).is_err(), "u {u}");
    }
}
