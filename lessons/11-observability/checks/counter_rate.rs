use super::*;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9 * b.abs().max(1.0)
}

#[test]
fn a_steady_counter() {
    let r = counter_rate(&[(0.0, 0.0), (15.0, 150.0), (30.0, 300.0)])
        .unwrap()
        .unwrap();
    assert!(close(r, 10.0), "{r}");
    let r = counter_rate(&[(100.0, 42.0), (160.0, 42.0)])
        .unwrap()
        .unwrap();
    assert_eq!(r, 0.0);
}

#[test]
fn a_restart_is_a_reset_not_a_negative_rate() {
    // +150, then a restart (the counter counted 20 since), then +150: 320 in 45 s.
    let r = counter_rate(&[(0.0, 100.0), (15.0, 250.0), (30.0, 20.0), (45.0, 170.0)])
        .unwrap()
        .unwrap();
    assert!(close(r, 320.0 / 45.0), "{r}");
    // A restart that has counted nothing yet.
    let r = counter_rate(&[(0.0, 5.0), (10.0, 0.0), (20.0, 5.0)])
        .unwrap()
        .unwrap();
    assert!(close(r, 0.25), "{r}");
}

#[test]
fn uneven_scrapes_weigh_by_time() {
    let r = counter_rate(&[(0.0, 0.0), (1.0, 10.0), (11.0, 20.0)])
        .unwrap()
        .unwrap();
    assert!(close(r, 20.0 / 11.0), "{r}");
}

#[test]
fn fewer_than_two_samples_have_no_rate() {
    assert_eq!(counter_rate(&[]).unwrap(), None);
    assert_eq!(counter_rate(&[(5.0, 10.0)]).unwrap(), None);
}

#[test]
fn bad_samples_are_errors() {
    assert!(
        counter_rate(&[(0.0, 1.0), (0.0, 2.0)]).is_err(),
        "same time"
    );
    assert!(
        counter_rate(&[(10.0, 1.0), (5.0, 2.0)]).is_err(),
        "time going back"
    );
    assert!(counter_rate(&[(0.0, -1.0), (5.0, 2.0)]).is_err());
    assert!(counter_rate(&[(0.0, 1.0), (5.0, f64::NAN)]).is_err());
    assert!(counter_rate(&[(0.0, 1.0), (f64::INFINITY, 2.0)]).is_err());
    assert!(counter_rate(&[(f64::NAN, 1.0)]).is_err());
}
