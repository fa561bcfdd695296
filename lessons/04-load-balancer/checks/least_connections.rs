use super::*;

#[test]
fn picks_the_server_with_the_fewest_in_flight() {
    let mut lc = LeastConnections::new();
    assert_eq!(lc.pick(&[3, 1, 2], &[true; 3]).unwrap(), Some(1));
    assert_eq!(lc.pick(&[0, 5, 5, 5], &[true; 4]).unwrap(), Some(0));
    assert_eq!(lc.pick(&[9, 9, 9, 2], &[true; 4]).unwrap(), Some(3));
}

#[test]
fn never_picks_an_unhealthy_server() {
    // A dead server that refuses at once has 0 in flight: the black hole. Health
    // checks must keep it out.
    let mut lc = LeastConnections::new();
    for _ in 0..10 {
        assert_eq!(lc.pick(&[0, 4, 3], &[false, true, true]).unwrap(), Some(2));
    }
}

#[test]
fn ties_take_turns() {
    let mut lc = LeastConnections::new();
    let picks: Vec<Option<usize>> = (0..7)
        .map(|_| lc.pick(&[0, 0, 0], &[true; 3]).unwrap())
        .collect();
    let expected = [0, 1, 2, 0, 1, 2, 0].map(Some);
    assert_eq!(picks, expected);
    // Only the tied minimum takes turns: server 1 is busier and is skipped.
    let mut lc = LeastConnections::new();
    let picks: Vec<Option<usize>> = (0..4)
        .map(|_| lc.pick(&[1, 2, 1], &[true; 3]).unwrap())
        .collect();
    assert_eq!(picks, [0, 2, 0, 2].map(Some));
}

#[test]
fn no_healthy_server_is_none() {
    let mut lc = LeastConnections::new();
    assert_eq!(lc.pick(&[], &[]).unwrap(), None);
    assert_eq!(lc.pick(&[1, 2], &[false, false]).unwrap(), None);
    // And a later pick still works.
    assert_eq!(lc.pick(&[1, 2], &[true, true]).unwrap(), Some(0));
}

#[test]
fn mismatched_lengths_are_an_error() {
    let mut lc = LeastConnections::new();
    assert!(lc.pick(&[1, 2, 3], &[true, true]).is_err());
}
