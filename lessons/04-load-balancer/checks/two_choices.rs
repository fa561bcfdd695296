use super::*;

fn counts(in_flight: &[u32], healthy: &[bool], draws: usize, seed: u64) -> Vec<usize> {
    let mut rng = SimRng::new(seed);
    let mut n = vec![0; in_flight.len()];
    for _ in 0..draws {
        let i = pick(in_flight, healthy, &mut rng)
            .unwrap()
            .expect("a healthy server exists");
        n[i] += 1;
    }
    n
}

#[test]
fn the_two_draws_are_different_servers() {
    // With two healthy servers both are always drawn, so the idle one always wins.
    assert_eq!(counts(&[5, 0], &[true, true], 1000, 1), vec![0, 1000]);
}

#[test]
fn the_busiest_server_never_wins_and_the_idlest_wins_two_thirds() {
    // Three servers: the idlest is in the pair with probability 2/3 and then wins; the
    // busiest always loses. 6 000 draws: sd of the share ≈ 0.006, ±0.03 is 5 sd.
    let n = counts(&[0, 5, 9], &[true; 3], 6000, 2);
    assert_eq!(n[2], 0);
    let share = n[0] as f64 / 6000.0;
    assert!((share - 2.0 / 3.0).abs() < 0.03, "{share}");
}

#[test]
fn unhealthy_servers_are_never_drawn() {
    let n = counts(&[0, 3, 3, 0], &[false, true, true, false], 2000, 3);
    assert_eq!((n[0], n[3]), (0, 0));
    // Tied pair: the first drawn wins, so both get about half.
    assert!(n[1] > 800 && n[2] > 800, "{n:?}");
}

#[test]
fn no_healthy_server_is_none_and_one_is_that_one() {
    let mut rng = SimRng::new(4);
    assert_eq!(pick(&[], &[], &mut rng).unwrap(), None);
    assert_eq!(pick(&[1, 1], &[false, false], &mut rng).unwrap(), None);
    assert_eq!(pick(&[7, 0], &[true, false], &mut rng).unwrap(), Some(0));
}

#[test]
fn mismatched_lengths_are_an_error() {
    let mut rng = SimRng::new(5);
    assert!(pick(&[1, 2], &[true], &mut rng).is_err());
}
