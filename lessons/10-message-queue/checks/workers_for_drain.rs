use super::*;

#[test]
fn the_lessons_sale_backlog() {
    // 4,100 waiting, 100/s arriving, 50 ms each: 8 workers take 68 s, 9 take 51 s.
    assert_eq!(workers_for_drain(4_100, 100.0, 0.05, 60.0).unwrap(), 9);
    assert_eq!(workers_for_drain(4_100, 100.0, 0.05, 70.0).unwrap(), 8);
    assert_eq!(workers_for_drain(4_100, 100.0, 0.05, 1.0).unwrap(), 210);
}

#[test]
fn exactly_on_the_boundary_is_enough() {
    // 2 workers at 0.5 s: 4/s − 2/s = 2/s, 10 messages in exactly 5 s.
    assert_eq!(workers_for_drain(10, 2.0, 0.5, 5.0).unwrap(), 2);
    assert_eq!(workers_for_drain(11, 2.0, 0.5, 5.0).unwrap(), 3);
}

#[test]
fn an_empty_backlog_needs_capacity_above_the_rate() {
    // 1 worker at 0.5 s serves exactly 2/s: not more than the rate, so 2 are needed.
    assert_eq!(workers_for_drain(0, 2.0, 0.5, 10.0).unwrap(), 2);
    assert_eq!(workers_for_drain(0, 0.0, 1.0, 1.0).unwrap(), 1);
    assert_eq!(workers_for_drain(0, 1.9, 0.5, 10.0).unwrap(), 1);
}

#[test]
fn bad_inputs_are_errors() {
    assert!(workers_for_drain(10, -1.0, 0.05, 60.0).is_err());
    assert!(workers_for_drain(10, f64::NAN, 0.05, 60.0).is_err());
    assert!(workers_for_drain(10, f64::INFINITY, 0.05, 60.0).is_err());
    assert!(workers_for_drain(10, 1.0, 0.0, 60.0).is_err());
    assert!(workers_for_drain(10, 1.0, -0.05, 60.0).is_err());
    assert!(workers_for_drain(10, 1.0, 0.05, 0.0).is_err());
    assert!(workers_for_drain(10, 1.0, 0.05, f64::NAN).is_err());
    assert!(workers_for_drain(u64::MAX, 1.0, 1e300, 1e-300).is_err());
}

#[test]
fn the_answer_drains_in_time_and_one_fewer_does_not() {
    for backlog in [1u64, 50, 999, 20_000] {
        for rate in [0.0, 3.0, 120.0] {
            for within in [0.5, 10.0, 300.0] {
                let service = 0.04;
                let c = workers_for_drain(backlog, rate, service, within).unwrap();
                let drains = |c: usize| {
                    let net = c as f64 / service - rate;
                    net > 0.0 && backlog as f64 / net <= within * (1.0 + 1e-9)
                };
                assert!(drains(c), "{c} workers for {backlog}, {rate}/s, {within} s");
                assert!(
                    c == 1 || !drains(c - 1),
                    "{} would do for {backlog}, {rate}/s, {within} s",
                    c - 1
                );
            }
        }
    }
}
