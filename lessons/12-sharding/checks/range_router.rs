use super::*;

#[test]
fn no_split_points_means_one_shard() {
    let r = RangeRouter::new(&[]).unwrap();
    assert_eq!(r.shards(), 1);
    assert_eq!(r.shard_for(0), 0);
    assert_eq!(r.shard_for(u64::MAX), 0);
}

#[test]
fn boundaries_belong_to_the_upper_range() {
    let r = RangeRouter::new(&[100, 200]).unwrap();
    assert_eq!(r.shards(), 3);
    let owners: Vec<usize> = [0, 99, 100, 199, 200, u64::MAX]
        .iter()
        .map(|&k| r.shard_for(k))
        .collect();
    assert_eq!(owners, vec![0, 0, 1, 1, 2, 2]);
}

#[test]
fn bad_split_points_are_errors() {
    assert!(RangeRouter::new(&[200, 100]).is_err(), "decreasing");
    assert!(RangeRouter::new(&[100, 100]).is_err(), "repeated");
    assert!(
        RangeRouter::new(&[0, 10]).is_err(),
        "0 leaves an empty range"
    );
    assert!(
        RangeRouter::new(&[1, u64::MAX]).is_ok(),
        "extremes are fine"
    );
}

#[test]
fn a_split_gives_the_upper_part_a_new_shard() {
    let mut r = RangeRouter::new(&[100, 200]).unwrap();
    assert_eq!(r.split(150).unwrap(), 3);
    assert_eq!(r.shards(), 4);
    let owners: Vec<usize> = [99, 100, 149, 150, 199, 200]
        .iter()
        .map(|&k| r.shard_for(k))
        .collect();
    assert_eq!(
        owners,
        vec![0, 1, 1, 3, 3, 2],
        "only 150..200 moved, to shard 3"
    );
    assert!(r.split(150).is_err(), "150 already starts a range");
    assert!(r.split(100).is_err(), "100 already starts a range");
    assert!(r.split(0).is_err(), "0 starts the first range");
    assert_eq!(r.shards(), 4, "failed splits change nothing");
    assert_eq!(r.split(50).unwrap(), 4);
    assert_eq!(
        (r.shard_for(49), r.shard_for(50), r.shard_for(99)),
        (0, 4, 4)
    );
    assert_eq!(r.split(u64::MAX).unwrap(), 5);
    assert_eq!((r.shard_for(u64::MAX - 1), r.shard_for(u64::MAX)), (2, 5));
}

#[test]
fn many_ranges_route_like_a_scan() {
    let splits: Vec<u64> = (1..=1_000u64).map(|i| i * i * 7_919).collect();
    let r = RangeRouter::new(&splits).unwrap();
    assert_eq!(r.shards(), 1_001);
    for k in (0..8_000_000_000u64).step_by(999_983) {
        let expected = splits.iter().filter(|&&s| s <= k).count();
        assert_eq!(r.shard_for(k), expected, "key {k}");
    }
}
