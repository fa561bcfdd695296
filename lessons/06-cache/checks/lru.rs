use super::*;

#[test]
fn capacity_zero_is_an_error_naming_the_parameter() {
    let err = LruCache::<u32, u32>::new(0).unwrap_err();
    assert!(err.to_string().contains("capacity"), "{err}");
    let cache = LruCache::<u32, u32>::new(3).unwrap();
    assert_eq!(
        (cache.capacity(), cache.len(), cache.is_empty()),
        (3, 0, true)
    );
}

#[test]
fn the_least_recently_used_entry_is_evicted() {
    let mut cache = LruCache::new(2).unwrap();
    assert_eq!(cache.put("a", 1), None);
    assert_eq!(cache.put("b", 2), None);
    assert_eq!(cache.put("c", 3), Some(("a", 1)), "a was used longest ago");
    assert_eq!(cache.get(&"a"), None);
    assert_eq!(cache.get(&"b"), Some(&2));
    assert_eq!(cache.get(&"c"), Some(&3));
    assert_eq!(cache.len(), 2);
}

#[test]
fn a_get_makes_an_entry_recent() {
    let mut cache = LruCache::new(3).unwrap();
    for (k, v) in [(1, 'x'), (2, 'y'), (3, 'z')] {
        cache.put(k, v);
    }
    assert_eq!(cache.get(&1), Some(&'x'));
    assert_eq!(
        cache.put(4, 'w'),
        Some((2, 'y')),
        "1 was read, so 2 is the oldest"
    );
    assert_eq!(cache.get(&5), None, "a miss changes nothing");
    assert_eq!(cache.put(5, 'v'), Some((3, 'z')));
    assert_eq!(cache.get(&1), Some(&'x'));
}

#[test]
fn putting_an_existing_key_replaces_its_value_without_evicting() {
    let mut cache = LruCache::new(2).unwrap();
    cache.put("a", 1);
    cache.put("b", 2);
    assert_eq!(
        cache.put("a", 10),
        None,
        "no eviction for a key already there"
    );
    assert_eq!(cache.len(), 2);
    assert_eq!(
        cache.put("c", 3),
        Some(("b", 2)),
        "a was just written: b goes"
    );
    assert_eq!(cache.get(&"a"), Some(&10));
}

#[test]
fn capacity_one_keeps_only_the_last_key() {
    let mut cache = LruCache::new(1).unwrap();
    assert_eq!(cache.put(7u64, "seven"), None);
    assert_eq!(cache.put(8, "eight"), Some((7, "seven")));
    assert_eq!(cache.get(&7), None);
    assert_eq!(cache.get(&8), Some(&"eight"));
    assert_eq!(cache.len(), 1);
    assert!(!cache.is_empty());
}

#[test]
fn many_operations_match_a_simple_model() {
    // A long mixed sequence against an obviously correct (and slow) model: a vector
    // ordered from least to most recently used.
    let mut cache = LruCache::new(50).unwrap();
    let mut model: Vec<(u32, u32)> = Vec::new();
    let mut x: u32 = 12345;
    for i in 0..20_000u32 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let key = (x >> 16) % 120;
        if x % 3 == 0 {
            let expected = model.iter().position(|e| e.0 == key).map(|p| {
                let e = model.remove(p);
                model.push(e);
                e.1
            });
            assert_eq!(cache.get(&key).copied(), expected, "get {key} at step {i}");
        } else {
            let mut evicted = None;
            if let Some(p) = model.iter().position(|e| e.0 == key) {
                model.remove(p);
            } else if model.len() == 50 {
                evicted = Some(model.remove(0));
            }
            model.push((key, i));
            assert_eq!(cache.put(key, i), evicted, "put {key} at step {i}");
        }
        assert_eq!(cache.len(), model.len());
    }
}
