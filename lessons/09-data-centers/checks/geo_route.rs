use super::*;

#[test]
fn users_go_to_the_nearest_data_center() {
    // Seoul users: Seoul 11 ms, Tokyo 45 ms, Virginia 190 ms.
    assert_eq!(
        nearest_healthy(&[11.0, 45.0, 190.0], &[true, true, true]),
        Ok(0)
    );
    assert_eq!(
        nearest_healthy(&[190.0, 45.0, 11.0], &[true, true, true]),
        Ok(2)
    );
}

#[test]
fn a_failed_data_center_is_skipped_for_the_next_nearest() {
    assert_eq!(
        nearest_healthy(&[11.0, 45.0, 190.0], &[false, true, true]),
        Ok(1)
    );
    assert_eq!(
        nearest_healthy(&[11.0, 45.0, 190.0], &[false, false, true]),
        Ok(2)
    );
    assert_eq!(
        nearest_healthy(&[11.0, 45.0, 190.0], &[true, false, false]),
        Ok(0)
    );
}

#[test]
fn ties_go_to_the_lower_index() {
    assert_eq!(
        nearest_healthy(&[50.0, 20.0, 20.0], &[true, true, true]),
        Ok(1)
    );
    assert_eq!(nearest_healthy(&[20.0, 20.0], &[true, true]), Ok(0));
    assert_eq!(
        nearest_healthy(&[20.0, 20.0, 20.0], &[false, true, true]),
        Ok(1)
    );
    assert_eq!(nearest_healthy(&[0.0], &[true]), Ok(0));
}

#[test]
fn all_down_is_an_error() {
    assert_eq!(
        nearest_healthy(&[11.0, 45.0], &[false, false]),
        Err(RouteError::AllDown)
    );
    assert_eq!(nearest_healthy(&[], &[]), Err(RouteError::AllDown));
}

#[test]
fn bad_input_is_an_error_in_the_stated_order() {
    assert_eq!(
        nearest_healthy(&[11.0, 45.0], &[true]),
        Err(RouteError::Mismatch { rtts: 2, health: 1 })
    );
    assert_eq!(
        nearest_healthy(&[11.0, f64::NAN, -1.0], &[true, false, true]),
        Err(RouteError::BadRtt { dc: 1 }),
        "even a data center that is down must have a valid RTT"
    );
    assert_eq!(
        nearest_healthy(&[-5.0], &[false]),
        Err(RouteError::BadRtt { dc: 0 }),
        "a bad RTT is reported before all-down"
    );
}
