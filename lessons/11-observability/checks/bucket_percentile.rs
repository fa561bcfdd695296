use super::*;

const INF: f64 = f64::INFINITY;

#[test]
fn percentiles_of_a_latency_histogram() {
    // 100 requests: 90 ≤ 100 ms, 5 ≤ 250 ms, 3 ≤ 500 ms, 1 ≤ 1 s, 1 slower.
    let bounds = [0.1, 0.25, 0.5, 1.0, INF];
    let counts = [90, 5, 3, 1, 1];
    let p = |p| percentile_from_buckets(&bounds, &counts, p).unwrap();
    assert_eq!(p(50.0), Some(0.1));
    assert_eq!(p(90.0), Some(0.1));
    assert_eq!(p(91.0), Some(0.25));
    assert_eq!(p(95.0), Some(0.25));
    assert_eq!(p(99.0), Some(1.0));
    assert_eq!(p(99.5), Some(INF));
}

#[test]
fn the_rank_is_exact() {
    // One observation per bucket: the p-th percentile of 100 is the p-th bucket.
    let bounds: Vec<f64> = (1..=100).map(f64::from).collect();
    let counts = vec![1u64; 100];
    let p = |p| percentile_from_buckets(&bounds, &counts, p).unwrap();
    assert_eq!(p(99.0), Some(99.0));
    assert_eq!(p(1.0), Some(1.0));
    assert_eq!(p(0.5), Some(1.0));
    assert_eq!(p(99.5), Some(100.0));
    assert_eq!(p(29.0), Some(29.0));
    assert_eq!(p(57.0), Some(57.0));
}

#[test]
fn p0_and_p100_are_the_smallest_and_largest_buckets_in_use() {
    let bounds = [1.0, 2.0, 3.0, 4.0];
    let counts = [0, 0, 4, 0];
    assert_eq!(
        percentile_from_buckets(&bounds, &counts, 0.0).unwrap(),
        Some(3.0)
    );
    assert_eq!(
        percentile_from_buckets(&bounds, &counts, 100.0).unwrap(),
        Some(3.0)
    );
    let counts = [0, 2, 0, 7];
    assert_eq!(
        percentile_from_buckets(&bounds, &counts, 0.0).unwrap(),
        Some(2.0)
    );
    assert_eq!(
        percentile_from_buckets(&bounds, &counts, 100.0).unwrap(),
        Some(4.0)
    );
}

#[test]
fn an_empty_histogram_has_no_percentile() {
    assert_eq!(
        percentile_from_buckets(&[0.1, INF], &[0, 0], 50.0).unwrap(),
        None
    );
    assert_eq!(percentile_from_buckets(&[0.1], &[0], 100.0).unwrap(), None);
    assert!(percentile_from_buckets(&[0.1, INF], &[0, 0], 101.0).is_err());
}

#[test]
fn bad_input_is_an_error() {
    let b = [0.1, 0.5, INF];
    let c = [1, 2, 3];
    for p in [-1.0, 100.01, f64::NAN, INF] {
        assert!(percentile_from_buckets(&b, &c, p).is_err(), "p = {p}");
    }
    assert!(percentile_from_buckets(&[], &[], 50.0).is_err());
    assert!(percentile_from_buckets(&b, &[1, 2], 50.0).is_err());
    assert!(percentile_from_buckets(&[0.5, 0.1, INF], &c, 50.0).is_err());
    assert!(percentile_from_buckets(&[0.1, 0.1, INF], &c, 50.0).is_err());
    assert!(percentile_from_buckets(&[0.1, f64::NAN, INF], &c, 50.0).is_err());
    assert!(percentile_from_buckets(&[f64::NAN, 0.5, INF], &c, 50.0).is_err());
}
