use super::*;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12
}

#[test]
fn one_part_series_and_parallel() {
    assert!(close(part("web", 0.99).availability().unwrap(), 0.99));
    let s = Block::Series(vec![part("web", 0.99), part("db", 0.999)]);
    assert!(close(s.availability().unwrap(), 0.99 * 0.999));
    let p = Block::Parallel(vec![part("a", 0.9), part("b", 0.8)]);
    assert!(close(p.availability().unwrap(), 1.0 - 0.1 * 0.2));
    // A part that is never up adds nothing in parallel and zeroes a series.
    let dead = part("dead", 0.0);
    assert!(close(
        Block::Parallel(vec![part("a", 0.9), dead.clone()])
            .availability()
            .unwrap(),
        0.9
    ));
    assert_eq!(
        Block::Series(vec![part("a", 0.9), dead])
            .availability()
            .unwrap(),
        0.0
    );
}

#[test]
fn nested_blocks_match_the_lessons_table() {
    // Lesson 03: every box 720/721. LB + 2 web + DB, then 2 LB + 2 web + 2 DB.
    let a = 720.0 / 721.0;
    let pair = || Block::Parallel(vec![part("x", a), part("y", a)]);
    let one_lb = Block::Series(vec![part("lb", a), pair(), part("db", a)]);
    let doubled = Block::Series(vec![pair(), pair(), pair()]);
    let p = 1.0 - (1.0 - a) * (1.0 - a);
    assert!(close(one_lb.availability().unwrap(), a * p * a));
    assert!(close(doubled.availability().unwrap(), p * p * p));
    // Deeper nesting: a parallel of two series chains.
    let chain = || Block::Series(vec![part("web", 0.9), part("db", 0.9)]);
    let two_sites = Block::Parallel(vec![chain(), chain()]);
    assert!(close(two_sites.availability().unwrap(), 1.0 - 0.19 * 0.19));
}

#[test]
fn nines_and_downtime() {
    assert!((nines(0.999).unwrap() - 3.0).abs() < 1e-9);
    assert!((nines(0.9).unwrap() - 1.0).abs() < 1e-9);
    assert_eq!(nines(0.0).unwrap(), 0.0);
    assert_eq!(nines(1.0).unwrap(), f64::INFINITY);
    assert!((downtime_minutes_per_year(0.999).unwrap() - 525.96).abs() < 1e-9);
    assert_eq!(downtime_minutes_per_year(1.0).unwrap(), 0.0);
    assert!((downtime_minutes_per_year(0.0).unwrap() - 525_960.0).abs() < 1e-6);
}

#[test]
fn bad_probabilities_and_empty_blocks_are_errors() {
    assert_eq!(
        part("lb", 1.2).availability(),
        Err(AvailabilityError::NotAProbability {
            name: "lb",
            value: 1.2
        })
    );
    let nested = Block::Series(vec![
        part("web", 0.99),
        Block::Parallel(vec![part("db", 0.9), part("replica", -0.1)]),
    ]);
    assert_eq!(
        nested.availability(),
        Err(AvailabilityError::NotAProbability {
            name: "replica",
            value: -0.1
        })
    );
    assert!(matches!(
        part("nan", f64::NAN).availability(),
        Err(AvailabilityError::NotAProbability { name: "nan", .. })
    ));
    assert_eq!(
        Block::Series(vec![]).availability(),
        Err(AvailabilityError::Empty)
    );
    assert_eq!(
        Block::Series(vec![part("a", 0.9), Block::Parallel(vec![])]).availability(),
        Err(AvailabilityError::Empty)
    );
    assert_eq!(
        nines(1.5),
        Err(AvailabilityError::NotAProbability {
            name: "availability",
            value: 1.5
        })
    );
    assert!(downtime_minutes_per_year(f64::INFINITY).is_err());
}
