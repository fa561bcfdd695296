use super::*;

#[test]
fn the_busiest_tier_is_the_bottleneck() {
    // Stage 3 of the lesson at 1,000 requests/s: the primary is far ahead.
    let tiers = [("web", 0.11), ("db primary", 0.28), ("cache", 0.0)];
    let h = headroom(1_000.0, &tiers, 0.8).unwrap();
    assert_eq!(h.bottleneck, "db primary");
    assert!(
        (h.max_rate - 1_000.0 * 0.8 / 0.28).abs() < 1e-9,
        "{}",
        h.max_rate
    );
    let (next, rate) = h.next.expect("the web tier is next");
    assert_eq!(next, "web");
    assert!((rate - 1_000.0 * 0.8 / 0.11).abs() < 1e-9, "{rate}");
}

#[test]
fn ties_go_to_the_first_listed() {
    let h = headroom(500.0, &[("a", 0.5), ("b", 0.5), ("c", 0.1)], 1.0).unwrap();
    assert_eq!(h.bottleneck, "a");
    assert_eq!(h.next.as_ref().map(|(n, _)| n.as_str()), Some("b"));
    assert!((h.max_rate - 1_000.0).abs() < 1e-9);
}

#[test]
fn one_tier_or_idle_others_have_no_next() {
    let one = headroom(100.0, &[("web", 0.25)], 0.75).unwrap();
    assert_eq!(one.bottleneck, "web");
    assert!((one.max_rate - 300.0).abs() < 1e-9);
    assert_eq!(one.next, None);
    let idle = headroom(100.0, &[("cache", 0.0), ("web", 0.25)], 0.75).unwrap();
    assert_eq!(
        idle.bottleneck, "web",
        "order does not matter, utilisation does"
    );
    assert_eq!(idle.next, None, "an idle tier never becomes the next wall");
}

#[test]
fn an_overloaded_measurement_still_scales() {
    // Measured past 100 % (a queue was growing): the safe rate is below the measured one.
    let h = headroom(2_000.0, &[("web", 1.25), ("replica", 0.5)], 0.8).unwrap();
    assert_eq!(h.bottleneck, "web");
    assert!((h.max_rate - 1_280.0).abs() < 1e-9);
    assert!((h.next.unwrap().1 - 3_200.0).abs() < 1e-9);
}

#[test]
fn bad_input_is_an_error() {
    let ok = [("web", 0.5)];
    assert!(headroom(0.0, &ok, 0.8).is_err(), "zero rate");
    assert!(headroom(f64::NAN, &ok, 0.8).is_err(), "NaN rate");
    assert!(headroom(100.0, &ok, 0.0).is_err(), "zero target");
    assert!(headroom(100.0, &ok, 1.1).is_err(), "target above 1");
    assert!(headroom(100.0, &[], 0.8).is_err(), "no tiers");
    assert!(
        headroom(100.0, &[("web", -0.1)], 0.8).is_err(),
        "negative utilisation"
    );
    assert!(
        headroom(100.0, &[("web", f64::NAN), ("db", 0.2)], 0.8).is_err(),
        "NaN utilisation"
    );
    assert!(
        headroom(100.0, &[("web", 0.0), ("db", 0.0)], 0.8).is_err(),
        "all idle"
    );
}
