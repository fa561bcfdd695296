use super::*;

#[test]
fn the_replica_with_the_most_is_promoted_and_the_rest_is_lost() {
    let p = promote(1042, &[1038, 1040, 1035]).unwrap();
    assert_eq!(p.replica, 1);
    assert_eq!(p.lost, 2);
    assert_eq!(p.catch_up, vec![2, 5]);
}

#[test]
fn a_replica_that_had_everything_loses_nothing() {
    // What synchronous replication guarantees: some replica has every commit.
    let p = promote(500, &[490, 500]).unwrap();
    assert_eq!((p.replica, p.lost), (1, 0));
    assert_eq!(p.catch_up, vec![10]);
}

#[test]
fn ties_go_to_the_lowest_index() {
    let p = promote(20, &[15, 18, 18]).unwrap();
    assert_eq!((p.replica, p.lost), (1, 2));
    assert_eq!(p.catch_up, vec![3, 0]);
}

#[test]
fn a_single_replica_has_nobody_to_catch_up() {
    let p = promote(7, &[0]).unwrap();
    assert_eq!((p.replica, p.lost), (0, 7));
    assert!(p.catch_up.is_empty());
}

#[test]
fn impossible_inputs_are_errors() {
    assert!(promote(10, &[]).is_err());
    assert!(promote(10, &[9, 11]).is_err());
}
