use super::*;

fn tier(name: &'static str, servers: u32, service_time: f64, visits: f64) -> Tier {
    Tier {
        name,
        servers,
        service_time,
        visits,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

#[test]
fn the_lessons_web_tier_is_the_bottleneck() {
    // Lesson 02: 6 ms on one web server, one 4 ms query on one database.
    let tiers = [tier("web", 1, 0.006, 1.0), tier("db", 1, 0.004, 1.0)];
    let b = bottleneck(&tiers).unwrap();
    assert_eq!(b.tier, 0);
    assert!(close(b.max_throughput, 1.0 / 0.006), "{}", b.max_throughput);
    // A second web server moves the bottleneck to the database: 250 requests/s.
    let tiers = [tier("web", 2, 0.006, 1.0), tier("db", 1, 0.004, 1.0)];
    let b = bottleneck(&tiers).unwrap();
    assert_eq!(b.tier, 1);
    assert!(close(b.max_throughput, 250.0), "{}", b.max_throughput);
}

#[test]
fn visits_multiply_the_demand() {
    // Three queries per request: the database's demand is 12 ms, its limit 83.3/s.
    let tiers = [
        tier("lb", 1, 0.0001, 1.0),
        tier("web", 4, 0.006, 1.0),
        tier("db", 1, 0.004, 3.0),
        tier("cache", 1, 0.0, 0.0),
    ];
    let b = bottleneck(&tiers).unwrap();
    assert_eq!(b.tier, 2);
    assert!(close(b.max_throughput, 1.0 / 0.012), "{}", b.max_throughput);
}

#[test]
fn ties_go_to_the_earlier_tier_and_unvisited_tiers_never_limit() {
    let tiers = [
        tier("never", 1, 5.0, 0.0),
        tier("a", 2, 0.010, 1.0),
        tier("b", 1, 0.005, 1.0),
    ];
    let b = bottleneck(&tiers).unwrap();
    assert_eq!(b.tier, 1);
    assert!(close(b.max_throughput, 200.0));
    assert_eq!(
        bottleneck(&[tier("a", 1, 0.0, 1.0), tier("b", 3, 1.0, 0.0)]),
        Err(TierError::NoDemand)
    );
}

#[test]
fn utilisation_is_rate_times_demand_over_servers() {
    let tiers = [tier("web", 2, 0.006, 1.0), tier("db", 1, 0.004, 2.0)];
    let u = utilisations(&tiers, 100.0).unwrap();
    assert_eq!(u.len(), 2);
    assert!(close(u[0], 0.3) && close(u[1], 0.8), "{u:?}");
    assert_eq!(utilisations(&tiers, 0.0).unwrap(), vec![0.0, 0.0]);
    // Past saturation it goes above 1: the tier cannot keep up.
    assert!(utilisations(&tiers, 200.0).unwrap()[1] > 1.0);
    assert_eq!(utilisations(&tiers, -1.0), Err(TierError::BadRate));
    assert_eq!(utilisations(&tiers, f64::NAN), Err(TierError::BadRate));
}

#[test]
fn bad_tiers_are_errors_naming_the_first_bad_tier() {
    assert_eq!(bottleneck(&[]), Err(TierError::NoTiers));
    assert_eq!(utilisations(&[], 1.0), Err(TierError::NoTiers));
    let ok = tier("web", 1, 0.006, 1.0);
    assert_eq!(
        bottleneck(&[ok, tier("db", 0, 0.004, 1.0)]),
        Err(TierError::ZeroServers { tier: 1 })
    );
    assert_eq!(
        bottleneck(&[ok, tier("db", 1, -0.004, 1.0)]),
        Err(TierError::BadNumber { tier: 1 })
    );
    assert_eq!(
        bottleneck(&[tier("web", 1, 0.006, f64::NAN), tier("db", 0, 0.004, 1.0)]),
        Err(TierError::BadNumber { tier: 0 })
    );
    assert_eq!(
        utilisations(&[ok, tier("db", 1, f64::INFINITY, 1.0)], 1.0),
        Err(TierError::BadNumber { tier: 1 })
    );
}
