use super::*;

/// The owner by the rule itself, scanning every point: the smallest position ≥ the
/// key's, else the smallest position of all.
fn expected_owner(nodes: &[&str], vnodes: usize, key: &str) -> String {
    let h = hash_str(key);
    let mut points: Vec<(u64, &str)> = nodes
        .iter()
        .flat_map(|&n| (0..vnodes).map(move |i| (hash_str(&format!("{n}#{i}")), n)))
        .collect();
    points.sort();
    points
        .iter()
        .find(|(p, _)| *p >= h)
        .unwrap_or(&points[0])
        .1
        .to_string()
}

#[test]
fn an_empty_ring_has_no_owner() {
    let mut ring = Ring::new(10).unwrap();
    assert!(ring.is_empty());
    assert_eq!(ring.node_for("user:1"), None);
    ring.add_node("a").unwrap();
    assert_eq!(ring.node_for("user:1"), Some("a"));
    ring.remove_node("a").unwrap();
    assert_eq!(ring.len(), 0);
    assert_eq!(
        ring.node_for("user:1"),
        None,
        "a ring emptied again owns nothing"
    );
}

#[test]
fn bad_input_is_an_error() {
    assert!(Ring::new(0).is_err(), "zero virtual nodes");
    let mut ring = Ring::new(3).unwrap();
    assert!(ring.add_node("").is_err(), "an empty name");
    ring.add_node("a").unwrap();
    assert!(ring.add_node("a").is_err(), "a duplicate name");
    assert!(ring.remove_node("b").is_err(), "a name not on the ring");
    assert_eq!(ring.len(), 1, "failed calls change nothing");
}

#[test]
fn lookups_follow_the_rule_including_wrap_around() {
    let nodes = ["db-a", "db-b", "db-c"];
    let mut ring = Ring::new(5).unwrap();
    for n in nodes {
        ring.add_node(n).unwrap();
    }
    for k in 0..2_000 {
        let key = format!("user:{k}");
        assert_eq!(
            ring.node_for(&key),
            Some(expected_owner(&nodes, 5, &key).as_str()),
            "key {key}"
        );
    }
    // A key past the last point belongs to the node of the first point.
    let last = nodes
        .iter()
        .flat_map(|&n| (0..5).map(move |i| hash_str(&format!("{n}#{i}"))))
        .max()
        .unwrap();
    let key = (0..)
        .map(|k| format!("wrap:{k}"))
        .find(|k| hash_str(k) > last)
        .unwrap();
    assert_eq!(
        ring.node_for(&key),
        Some(expected_owner(&nodes, 5, &key).as_str()),
        "a key past the last point wraps around to the smallest point"
    );
}

#[test]
fn removing_a_node_moves_only_its_keys() {
    let mut ring = Ring::new(100).unwrap();
    for n in ["n0", "n1", "n2", "n3"] {
        ring.add_node(n).unwrap();
    }
    let keys: Vec<String> = (0..5_000).map(|k| format!("k{k}")).collect();
    let before: Vec<String> = keys
        .iter()
        .map(|k| ring.node_for(k).unwrap().to_string())
        .collect();
    ring.remove_node("n2").unwrap();
    let mut moved = 0;
    for (k, owner) in keys.iter().zip(&before) {
        let now = ring.node_for(k).unwrap();
        if owner == "n2" {
            assert_ne!(now, "n2");
            moved += 1;
        } else {
            assert_eq!(now, owner, "key {k} moved although its node stayed");
        }
    }
    assert!(
        moved > 800 && moved < 1_700,
        "n2 held about a quarter: {moved}"
    );
    ring.add_node("n2").unwrap();
    let back: Vec<&str> = keys.iter().map(|k| ring.node_for(k).unwrap()).collect();
    assert_eq!(back, before, "adding the node back restores every owner");
}

#[test]
fn virtual_nodes_even_out_the_load() {
    let mut ring = Ring::new(200).unwrap();
    let names: Vec<String> = (0..10).map(|i| format!("shard-{i}")).collect();
    for n in &names {
        ring.add_node(n).unwrap();
    }
    let mut counts = std::collections::HashMap::new();
    for k in 0..20_000 {
        *counts
            .entry(ring.node_for(&format!("order:{k}")).unwrap().to_string())
            .or_insert(0u32) += 1;
    }
    assert_eq!(counts.len(), 10, "every node owns keys");
    let max = *counts.values().max().unwrap();
    // 200 points per node: the largest share is within about 20 % of the mean (2,000).
    assert!(max < 2_600, "largest node has {max} of 20,000 keys");
}
