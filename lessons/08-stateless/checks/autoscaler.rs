use super::*;

#[test]
fn scales_out_at_once_to_the_target() {
    let mut a = Autoscaler::new(0.5, 1, 20, 300.0).unwrap();
    // 4 servers at 90 %: 4 × 0.9 / 0.5 = 7.2 → 8.
    assert_eq!(a.decide(0.0, 4, 0.9), 8);
    // Right after a change, still out at once.
    assert_eq!(a.decide(60.0, 8, 0.75), 12);
    // On target: no change.
    assert_eq!(a.decide(120.0, 12, 0.5), 12);
}

#[test]
fn scales_in_one_server_at_a_time_after_the_cooldown() {
    let mut a = Autoscaler::new(0.5, 1, 20, 300.0).unwrap();
    // Never changed before: a scale-in may happen at once, but only by one.
    assert_eq!(a.decide(0.0, 10, 0.1), 9);
    assert_eq!(a.decide(60.0, 9, 0.1), 9, "within the cooldown");
    assert_eq!(a.decide(299.0, 9, 0.1), 9, "still within it");
    assert_eq!(a.decide(300.0, 9, 0.1), 8, "cooldown over (>=)");
    // A scale-out also restarts the cooldown.
    assert_eq!(a.decide(400.0, 8, 1.0), 16);
    assert_eq!(a.decide(600.0, 16, 0.1), 16);
    assert_eq!(a.decide(700.0, 16, 0.1), 15);
}

#[test]
fn the_bounds_always_hold() {
    let mut a = Autoscaler::new(0.6, 2, 5, 0.0).unwrap();
    assert_eq!(a.decide(0.0, 4, 3.0), 5, "capped at max");
    assert_eq!(a.decide(60.0, 2, 0.0), 2, "never below min");
    assert_eq!(
        a.decide(120.0, 9, 0.6),
        5,
        "a fleet above max is brought down to it"
    );
    assert_eq!(
        a.decide(180.0, 1, 0.6),
        2,
        "a fleet below min is brought up to it"
    );
}

#[test]
fn nothing_measured_changes_nothing() {
    let mut a = Autoscaler::new(0.5, 1, 10, 0.0).unwrap();
    assert_eq!(a.decide(0.0, 3, f64::NAN), 3);
    assert_eq!(
        a.decide(60.0, 12, f64::NAN),
        10,
        "but the bounds still hold"
    );
}

#[test]
fn a_change_forced_by_the_bounds_starts_the_cooldown() {
    let mut a = Autoscaler::new(0.5, 2, 10, 300.0).unwrap();
    assert_eq!(a.decide(0.0, 1, 0.5), 2, "brought up to min: a change");
    assert_eq!(
        a.decide(100.0, 4, 0.1),
        4,
        "within the cooldown of that change"
    );
    assert_eq!(a.decide(300.0, 4, 0.1), 3);
}

#[test]
fn bad_parameters_are_errors() {
    assert!(Autoscaler::new(0.0, 1, 2, 0.0).is_err(), "target 0");
    assert!(Autoscaler::new(1.5, 1, 2, 0.0).is_err(), "target above 1");
    assert!(Autoscaler::new(f64::NAN, 1, 2, 0.0).is_err(), "target NaN");
    assert!(Autoscaler::new(0.5, 0, 2, 0.0).is_err(), "min 0");
    assert!(Autoscaler::new(0.5, 3, 2, 0.0).is_err(), "max below min");
    assert!(
        Autoscaler::new(0.5, 1, 2, -1.0).is_err(),
        "negative cooldown"
    );
    assert!(Autoscaler::new(1.0, 1, 1, 0.0).is_ok());
}
