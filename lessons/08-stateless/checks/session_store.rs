use super::*;

#[test]
fn a_session_is_found_until_it_expires_and_a_missing_one_is_none() {
    let mut s = SessionStore::new(10.0).unwrap();
    s.put(1, 42, 0.0);
    assert_eq!(s.get(1, 5.0), Some(42));
    assert_eq!(s.get(2, 5.0), None, "no such session: log in");
    assert_eq!(s.get(1, 100.0), None, "long expired");
    assert_eq!(
        s.get(1, 1.0),
        None,
        "an expired session is removed when read"
    );
}

#[test]
fn every_access_renews_the_session() {
    let mut s = SessionStore::new(10.0).unwrap();
    s.put(7, 3, 0.0);
    assert_eq!(s.get(7, 8.0), Some(3), "renewed to 18");
    assert_eq!(
        s.get(7, 15.0),
        Some(3),
        "alive thanks to the renewal; now until 25"
    );
    assert_eq!(s.get(7, 24.0), Some(3), "renewed to 34");
    assert_eq!(s.get(7, 34.0), None, "expired at 34: 24 + 10");
}

#[test]
fn reading_exactly_at_the_expiry_finds_it_expired() {
    let mut s = SessionStore::new(10.0).unwrap();
    s.put(1, 1, 0.0);
    assert_eq!(s.live(9.999), 1);
    assert_eq!(s.live(10.0), 0);
    assert_eq!(s.get(1, 10.0), None);
}

#[test]
fn put_replaces_the_user_and_the_expiry() {
    let mut s = SessionStore::new(5.0).unwrap();
    s.put(9, 1, 0.0);
    s.put(9, 2, 4.0);
    assert_eq!(s.get(9, 8.0), Some(2), "the new session lives until 9");
    assert_eq!(s.live(8.0), 1);
}

#[test]
fn expire_removes_only_expired_sessions() {
    let mut s = SessionStore::new(10.0).unwrap();
    s.put(1, 1, 0.0); // until 10
    s.put(2, 2, 5.0); // until 15
    s.put(3, 3, 9.0); // until 19
    assert_eq!(s.expire(9.0), 0);
    assert_eq!(s.expire(15.0), 2, "10 and 15 are due (expiry <= now)");
    assert_eq!(s.live(15.0), 1);
    assert_eq!(s.get(3, 18.0), Some(3));
    assert_eq!(s.expire(18.0), 0);
}

#[test]
fn a_ttl_must_be_a_positive_finite_number() {
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(SessionStore::new(bad).is_err(), "ttl {bad}");
    }
    assert!(SessionStore::new(0.5).is_ok());
}
