use super::*;

#[test]
fn a_session_that_never_wrote_reads_the_least_lagged_replica() {
    assert_eq!(route(0, &[10, 14, 12]), Target::Replica(1));
}

#[test]
fn only_caught_up_replicas_qualify() {
    // The session wrote LSN 13: replica 0 (at 10) would show old data.
    assert_eq!(route(13, &[10, 14, 12]), Target::Replica(1));
    assert_eq!(route(12, &[12, 10]), Target::Replica(0));
    // Exactly at the LSN is caught up.
    assert_eq!(route(14, &[10, 14, 12]), Target::Replica(1));
}

#[test]
fn nobody_caught_up_means_the_primary() {
    assert_eq!(route(15, &[10, 14, 12]), Target::Primary);
    assert_eq!(route(1, &[0]), Target::Primary);
}

#[test]
fn no_replicas_means_the_primary() {
    assert_eq!(route(0, &[]), Target::Primary);
    assert_eq!(route(7, &[]), Target::Primary);
}

#[test]
fn ties_go_to_the_lowest_index() {
    assert_eq!(route(5, &[3, 9, 9, 9]), Target::Replica(1));
    assert_eq!(route(0, &[4, 4]), Target::Replica(0));
}
