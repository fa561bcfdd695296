use super::*;

fn close(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-9)
}

#[test]
fn two_equal_sites_each_at_40_percent_end_at_80() {
    let u = after_failure(&[40.0, 40.0], &[100.0, 100.0], 0).unwrap();
    assert!(close(&u, &[0.0, 0.8]), "{u:?}");
    assert!(
        survives(&[40.0, 40.0], &[100.0, 100.0], 0, 0.8).unwrap(),
        "exactly at the ceiling"
    );
    assert!(!survives(&[40.0, 40.0], &[100.0, 100.0], 0, 0.7).unwrap());
}

#[test]
fn the_moved_load_is_shared_by_capacity() {
    // Site 0 (60 req/s) fails; sites 1 and 2 have capacities 100 and 200:
    // they take 20 and 40 req/s.
    let u = after_failure(&[60.0, 30.0, 60.0], &[100.0, 100.0, 200.0], 0).unwrap();
    assert!(close(&u, &[0.0, 0.5, 0.5]), "{u:?}");
    let u = after_failure(&[60.0, 30.0, 60.0], &[100.0, 100.0, 200.0], 2).unwrap();
    // 60 req/s over capacities 100 and 100: 30 each.
    assert!(close(&u, &[0.9, 0.6, 0.0]), "{u:?}");
}

#[test]
fn n_plus_one_means_surviving_any_single_loss() {
    let load = [60.0, 30.0, 60.0];
    let cap = [100.0, 100.0, 200.0];
    // Losing site 2 leaves site 0 at 90 %.
    assert!(!survives_any(&load, &cap, 0.8).unwrap());
    assert!(survives_any(&load, &cap, 0.9).unwrap());
    // Three equal sites at 50 %: any loss leaves 75 % on the two others.
    assert!(survives_any(&[50.0; 3], &[100.0; 3], 0.75).unwrap());
    assert!(!survives_any(&[50.0; 3], &[100.0; 3], 0.7).unwrap());
}

#[test]
fn an_idle_failed_site_moves_nothing() {
    let u = after_failure(&[0.0, 30.0], &[100.0, 50.0], 0).unwrap();
    assert!(close(&u, &[0.0, 0.6]), "{u:?}");
}

#[test]
fn bad_input_is_an_error() {
    assert!(after_failure(&[10.0], &[100.0], 0).is_err(), "no survivor");
    assert!(after_failure(&[], &[], 0).is_err(), "no data center");
    assert!(
        after_failure(&[10.0, 10.0], &[100.0], 0).is_err(),
        "lengths differ"
    );
    assert!(
        after_failure(&[10.0, 10.0], &[100.0, 100.0], 2).is_err(),
        "failed out of range"
    );
    assert!(
        after_failure(&[-1.0, 10.0], &[100.0, 100.0], 0).is_err(),
        "negative load"
    );
    assert!(
        after_failure(&[f64::NAN, 10.0], &[100.0, 100.0], 0).is_err(),
        "NaN load"
    );
    assert!(
        after_failure(&[1.0, 10.0], &[0.0, 100.0], 1).is_err(),
        "zero capacity"
    );
    assert!(
        survives(&[1.0, 1.0], &[10.0, 10.0], 0, 0.0).is_err(),
        "ceiling 0"
    );
    assert!(
        survives(&[1.0, 1.0], &[10.0, 10.0], 0, 1.5).is_err(),
        "ceiling above 1"
    );
    assert!(survives_any(&[1.0], &[10.0], 0.8).is_err(), "no survivor");
}
