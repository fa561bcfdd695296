use super::*;

// Times and TTLs below are exact in binary (10.0, 2.5, 0.25, ...), so `now + ttl` and
// `now - put >= ttl` agree and the boundary is the same whichever way it is computed.

#[test]
fn an_entry_is_fresh_until_just_before_its_ttl_runs_out() {
    let mut store = TtlStore::new();
    store.put("codes", 1, 10.0, 2.5).unwrap();
    assert_eq!(store.get(&"codes", 10.0), Some(&1));
    assert_eq!(store.get(&"codes", 12.25), Some(&1));
    assert_eq!(store.remaining(&"codes", 12.0), Some(0.5));
    assert_eq!(
        store.get(&"codes", 12.5),
        None,
        "expired exactly at put + ttl"
    );
    assert_eq!(store.remaining(&"codes", 12.5), None);
    assert_eq!(store.get(&"codes", 100.0), None);
    assert_eq!(store.get(&"other", 10.0), None);
}

#[test]
fn a_ttl_of_zero_is_never_fresh() {
    let mut store = TtlStore::new();
    store.put(1u64, "v", 5.0, 0.0).unwrap();
    assert_eq!(store.get(&1, 5.0), None);
    assert_eq!(store.remaining(&1, 5.0), None);
    assert_eq!(store.len(), 1, "held until purged");
}

#[test]
fn bad_ttls_and_times_are_errors_that_change_nothing() {
    let mut store = TtlStore::new();
    store.put("k", 1, 0.0, 10.0).unwrap();
    for bad in [-1.0, -0.25, f64::NAN, f64::INFINITY] {
        let err = store.put("k", 2, 1.0, bad).unwrap_err();
        assert!(err.to_string().contains("ttl"), "ttl {bad}: {err}");
    }
    let err = store.put("k", 3, f64::NAN, 1.0).unwrap_err();
    assert!(err.to_string().contains("now"), "{err}");
    assert_eq!(store.get(&"k", 5.0), Some(&1), "the old entry is untouched");
    assert_eq!(store.len(), 1);
}

#[test]
fn putting_again_restarts_the_clock() {
    let mut store = TtlStore::new();
    store.put('a', "old", 0.0, 4.0).unwrap();
    store.put('a', "new", 3.0, 4.0).unwrap();
    assert_eq!(store.get(&'a', 5.0), Some(&"new"), "fresh until 7, not 4");
    assert_eq!(store.remaining(&'a', 6.0), Some(1.0));
    assert_eq!(store.get(&'a', 7.0), None);
    assert_eq!(store.len(), 1);
}

#[test]
fn purging_removes_exactly_the_expired_entries() {
    let mut store = TtlStore::new();
    assert!(store.is_empty());
    store.put(1, 'a', 0.0, 1.0).unwrap();
    store.put(2, 'b', 0.0, 2.0).unwrap();
    store.put(3, 'c', 0.0, 3.0).unwrap();
    assert_eq!(store.purge_expired(0.5), 0);
    assert_eq!(store.purge_expired(2.0), 2, "1 and 2 have expired at t = 2");
    assert_eq!(store.len(), 1);
    assert_eq!(store.get(&3, 2.0), Some(&'c'));
    assert_eq!(store.purge_expired(10.0), 1);
    assert!(store.is_empty());
}
