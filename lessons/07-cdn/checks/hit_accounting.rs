use super::*;

fn req(time: f64, edge: &'static str, path: &'static str) -> Request<'static> {
    Request { time, edge, path }
}

fn counts(a: &Accounting, edge: &str) -> (u64, u64, u64) {
    let e = a.edges.get(edge).copied().unwrap_or_default();
    (e.requests, e.hits, e.misses)
}

#[test]
fn first_request_misses_then_hits_until_the_ttl() {
    let log = [
        req(0.0, "seoul", "/codes.json"),
        req(1.0, "seoul", "/codes.json"),
        req(9.5, "seoul", "/codes.json"),
        req(10.0, "seoul", "/codes.json"), // exactly fetched + ttl: expired
        req(12.0, "seoul", "/codes.json"), // fresh again until 20
    ];
    let a = account(&log, 10.0).unwrap();
    assert_eq!(counts(&a, "seoul"), (5, 3, 2));
    assert_eq!(a.origin_fetches, 2);
    assert_eq!((a.requests(), a.hits()), (5, 3));
    assert!((a.offload() - 0.6).abs() < 1e-12);
}

#[test]
fn edges_and_paths_keep_separate_copies() {
    let log = [
        req(0.0, "seoul", "/a.js"),
        req(0.5, "tokyo", "/a.js"), // Tokyo has no copy of its own yet
        req(1.0, "seoul", "/b.js"), // another path: another copy
        req(2.0, "seoul", "/a.js"),
        req(2.0, "tokyo", "/a.js"),
        req(3.0, "seoul", "/b.js"),
    ];
    let a = account(&log, 60.0).unwrap();
    assert_eq!(counts(&a, "seoul"), (4, 2, 2));
    assert_eq!(counts(&a, "tokyo"), (2, 1, 1));
    assert_eq!(a.origin_fetches, 3);
    assert_eq!(a.edges.len(), 2);
}

#[test]
fn ttl_zero_misses_everything_and_infinity_keeps_forever() {
    let log = [
        req(0.0, "e", "/x"),
        req(0.0, "e", "/x"),
        req(1e9, "e", "/x"),
    ];
    let zero = account(&log, 0.0).unwrap();
    assert_eq!(counts(&zero, "e"), (3, 0, 3));
    assert_eq!(zero.offload(), 0.0);
    let forever = account(&log, f64::INFINITY).unwrap();
    assert_eq!(counts(&forever, "e"), (3, 2, 1));
    assert_eq!(forever.origin_fetches, 1);
}

#[test]
fn an_empty_log_counts_nothing() {
    let a = account(&[], 60.0).unwrap();
    assert_eq!((a.requests(), a.hits(), a.origin_fetches), (0, 0, 0));
    assert!(a.edges.is_empty());
    assert_eq!(a.offload(), 0.0);
}

#[test]
fn bad_ttls_and_unordered_logs_are_errors() {
    let ok = [req(0.0, "e", "/x"), req(1.0, "e", "/x")];
    for bad in [-1.0, f64::NAN] {
        let err = account(&ok, bad).unwrap_err();
        assert!(err.to_string().contains("ttl"), "{err}");
    }
    let backwards = [req(5.0, "e", "/x"), req(4.0, "e", "/x")];
    assert!(
        account(&backwards, 1.0)
            .unwrap_err()
            .to_string()
            .contains("log")
    );
    let nan = [req(f64::NAN, "e", "/x")];
    assert!(account(&nan, 1.0).unwrap_err().to_string().contains("log"));
}
