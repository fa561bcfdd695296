use super::*;

fn demand(users: f64) -> Demand {
    Demand {
        peak_users: users,
        seconds_per_request: 20.0,
        static_share: 0.4,
        read_share: 0.5,
        write_share: 0.1,
    }
}

fn caps() -> Capacities {
    Capacities {
        web_server: 2_000.0,
        replica_reads: 3_000.0,
        primary_writes: 2_500.0,
        cache_hit_ratio: 0.5,
        target_utilisation: 0.7,
    }
}

#[test]
fn a_million_users() {
    // 50,000 requests/s: 30,000 to the web tier, 25,000 reads (12,500 past the cache),
    // 5,000 writes.
    let p = plan(&demand(1_000_000.0), &caps()).unwrap();
    assert!((p.requests_per_second - 50_000.0).abs() < 1e-6);
    assert_eq!(p.web_servers, 22, "30,000 / (2,000 × 0.7) = 21.4 → 22");
    assert_eq!(p.replicas, 6, "12,500 / (3,000 × 0.7) = 5.95 → 6");
    assert_eq!(p.shards, 3, "5,000 / (2,500 × 0.7) = 2.86 → 3");
}

#[test]
fn minimums_apply_to_a_small_site() {
    let p = plan(&demand(2_000.0), &caps()).unwrap();
    assert!((p.requests_per_second - 100.0).abs() < 1e-9);
    assert_eq!(
        (p.web_servers, p.replicas, p.shards),
        (2, 1, 1),
        "two web servers, one shard with one replica"
    );
}

#[test]
fn every_shard_gets_a_replica() {
    // Almost all reads hit the cache, writes need many shards.
    let c = Capacities {
        cache_hit_ratio: 0.99,
        primary_writes: 500.0,
        ..caps()
    };
    let p = plan(&demand(1_000_000.0), &c).unwrap();
    assert_eq!(p.shards, 15, "5,000 / (500 × 0.7) = 14.3 → 15");
    assert_eq!(
        p.replicas, 15,
        "only 1 replica for reads, but one per shard"
    );
}

#[test]
fn the_cdn_and_the_cache_change_the_plan() {
    // All static: the web tier and the database see nothing but minimums.
    let all_static = Demand {
        static_share: 1.0,
        read_share: 0.0,
        write_share: 0.0,
        ..demand(1_000_000.0)
    };
    let p = plan(&all_static, &caps()).unwrap();
    assert_eq!((p.web_servers, p.replicas, p.shards), (2, 1, 1));
    // No cache: twice the replicas' reads.
    let no_cache = Capacities {
        cache_hit_ratio: 0.0,
        ..caps()
    };
    assert_eq!(plan(&demand(1_000_000.0), &no_cache).unwrap().replicas, 12);
}

#[test]
fn bad_input_is_an_error() {
    let c = caps();
    assert!(plan(&demand(0.0), &c).is_err(), "no users");
    assert!(plan(&demand(f64::NAN), &c).is_err(), "NaN users");
    let bad_mix = Demand {
        read_share: 0.6,
        ..demand(1e6)
    };
    assert!(plan(&bad_mix, &c).is_err(), "shares sum to 1.1");
    let negative = Demand {
        static_share: 0.6,
        read_share: -0.1,
        write_share: 0.5,
        ..demand(1e6)
    };
    assert!(plan(&negative, &c).is_err(), "a negative share");
    let slow = Demand {
        seconds_per_request: 0.0,
        ..demand(1e6)
    };
    assert!(plan(&slow, &c).is_err(), "zero seconds per request");
    for bad in [
        Capacities {
            web_server: 0.0,
            ..c
        },
        Capacities {
            replica_reads: -1.0,
            ..c
        },
        Capacities {
            primary_writes: f64::INFINITY,
            ..c
        },
        Capacities {
            cache_hit_ratio: 1.5,
            ..c
        },
        Capacities {
            target_utilisation: 0.0,
            ..c
        },
        Capacities {
            target_utilisation: 1.2,
            ..c
        },
    ] {
        assert!(plan(&demand(1e6), &bad).is_err(), "{bad:?}");
    }
    let full = Capacities {
        target_utilisation: 1.0,
        ..c
    };
    assert!(plan(&demand(1e6), &full).is_ok(), "100 % is allowed");
}
