//! The database model: a station with a connection limit (checked against M/M/c), the
//! query cost model (COUNT, OFFSET against keyset paging) and what it does under load,
//! and the relational / key-value comparison.
//!
//! Tolerances: the queueing check runs R = 20 independent replications and compares the
//! mean of their estimates with Erlang C within 5 SE (a correct model fails with
//! probability about 8e-5 for 19 degrees of freedom), asserting that 5 SE is below 4 %
//! of the theory. Cost checks are exact arithmetic. Load comparisons assert gaps of a
//! factor of 5 or more between runs whose percentiles rest on thousands of samples.

use scale_lab::model::database::{CostModel, DbLoad, Query, count_costs, paging_costs};
use scale_lab::sim::{Dist, sweep, theory};

fn mean_se(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let m = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, (var / n).sqrt())
}

#[test]
fn the_connection_limit_queues_like_m_m_c() {
    // Point reads on 1 M rows cost 0.3 ms + 3 levels × 10 µs + 1 µs = 331 µs, exponential
    // around it: an M/M/c queue with μ = 1/331 µs and c = connections.
    let cost = CostModel::relational();
    let s = cost.cost(&Query::PointRead, 1_000_000);
    assert!((s - 331e-6).abs() < 1e-12);
    for (i, (c, rho)) in [(4usize, 0.7), (16, 0.9)].into_iter().enumerate() {
        let lambda = rho * c as f64 / s;
        let load = DbLoad::new(lambda, &[(1.0, Query::PointRead)], c, 1_000_000)
            .unwrap()
            .requests(100_000, 10_000)
            .unwrap();
        let runs: Vec<u64> = (0..20).collect();
        let reports = sweep(i as u64, &runs, |_, seed| load.run(seed).unwrap());
        let v: Vec<f64> = reports.iter().map(|r| r.response.mean()).collect();
        let exact = theory::mmc_mean_response(lambda, 1.0 / s, c).unwrap();
        let (m, se) = mean_se(&v);
        println!(
            "M/M/{c} ρ={rho}: mean response {:.4} ms ± {:.4}, Erlang C {:.4} ms",
            m * 1e3,
            se * 1e3,
            exact * 1e3
        );
        assert!(
            (m - exact).abs() <= 5.0 * se && 5.0 * se < 0.04 * exact,
            "{m} ± {se} vs {exact}"
        );
        let u: Vec<f64> = reports.iter().map(|r| r.utilisation[0]).collect();
        assert!((mean_se(&u).0 - rho).abs() < 0.01);
    }
}

#[test]
fn offset_paging_costs_grow_with_depth_and_keyset_paging_costs_do_not() {
    let c = CostModel::relational();
    let rows = 10_000_000;
    let pages = paging_costs(&c, rows, 20, &[0, 1, 10, 100, 1_000, 10_000, 100_000]).unwrap();
    for p in &pages {
        println!(
            "page {:>6}: OFFSET reads {:>9} rows in {:>9.3} ms, keyset {} rows in {:.3} ms",
            p.page,
            p.offset_rows,
            p.offset_seconds * 1e3,
            p.keyset_rows,
            p.keyset_seconds * 1e3
        );
        // OFFSET d·20 LIMIT 20 reads (d + 1)·20 rows; keyset reads 20 whatever the depth.
        assert_eq!(p.offset_rows, (p.page + 1) * 20);
        assert_eq!(p.keyset_rows, 20);
        let fixed = c.overhead + c.btree_depth(rows) as f64 * c.level;
        assert!((p.offset_seconds - (fixed + p.offset_rows as f64 * c.row_fetch)).abs() < 1e-12);
        assert!((p.keyset_seconds - (fixed + 20.0 * c.row_fetch)).abs() < 1e-12);
    }
    // Page 100 000 is about 5 000 times page 0's cost.
    assert!(pages[6].offset_seconds > 5000.0 * pages[0].offset_seconds);

    let counts = count_costs(&c, &[1_000, 1_000_000, 100_000_000], 2).unwrap();
    for w in counts.windows(2) {
        // COUNT(*) scans every row: its cost grows by row_scan per row.
        let slope = (w[1].count_seconds - w[0].count_seconds) / (w[1].rows - w[0].rows) as f64;
        assert!((slope - c.row_scan).abs() < 1e-15);
        assert_eq!(w[1].estimate_seconds, w[0].estimate_seconds);
        assert!((w[0].counter_write_extra - (c.level + c.row_write)).abs() < 1e-15);
    }
    assert!(
        counts[2].count_seconds > 10.0,
        "100 M rows: {} s",
        counts[2].count_seconds
    );
}

#[test]
fn deep_offset_pages_hog_connections_under_load() {
    // 100 page views per second on 4 connections, 20 rows per page: page 1000 by OFFSET
    // reads 20 020 rows (≈ 20 ms, ρ ≈ 0.5), by keyset 20 rows (≈ 0.35 ms). Page 5000 by
    // OFFSET (≈ 100 ms, ρ ≈ 2.5) cannot keep up: 4 connections serve 40 pages/s.
    let run = |q: Query| {
        DbLoad::new(100.0, &[(1.0, q)], 4, 10_000_000)
            .unwrap()
            .requests(20_000, 2_000)
            .unwrap()
            .run(1)
            .unwrap()
    };
    let keyset = run(Query::KeysetPage { size: 20 });
    let offset = run(Query::OffsetPage {
        page: 1000,
        size: 20,
    });
    let deeper = run(Query::OffsetPage {
        page: 5000,
        size: 20,
    });
    println!(
        "page 1000: keyset p99 {:.2} ms, OFFSET p99 {:.1} ms; page 5000: {:.1} pages/s, median {:.0} s",
        keyset.response.p99() * 1e3,
        offset.response.p99() * 1e3,
        deeper.throughput,
        deeper.response.p50()
    );
    assert!(keyset.response.p99() * 20.0 < offset.response.p99());
    assert!(offset.stopped_early.is_none() && keyset.utilisation[0] < 0.02);
    // Overloaded: the connections are always busy and serve their capacity (±5 %), the
    // queue grows for the whole run, so the median page waits for tens of seconds.
    assert!(
        (deeper.throughput - deeper.capacity).abs() < 0.05 * deeper.capacity,
        "{}",
        deeper.throughput
    );
    assert!(deeper.utilisation[0] > 0.99 && deeper.response.p50() > 10.0);
    let guarded = DbLoad::new(
        100.0,
        &[(
            1.0,
            Query::OffsetPage {
                page: 5000,
                size: 20,
            },
        )],
        4,
        10_000_000,
    )
    .unwrap()
    .max_backlog(1000)
    .unwrap()
    .run(1)
    .unwrap();
    assert!(
        guarded
            .stopped_early
            .unwrap()
            .contains("above the capacity")
    );
}

#[test]
fn a_count_on_every_page_view_starves_the_point_reads() {
    // The author's "paging is impossible": 200 requests/s, 5 % of them a COUNT(*) on
    // 10 M rows (1 s each) before showing a page. 16 connections: the COUNTs keep 10 of
    // them busy on average and now and then all 16, and point reads wait behind them.
    // With a counter row instead, the same mix is all point-read sized.
    let mix_count = [(0.95, Query::PointRead), (0.05, Query::Count)];
    let mix_counter = [(0.95, Query::PointRead), (0.05, Query::CounterRead)];
    let run = |mix: &[(f64, Query)]| {
        DbLoad::new(200.0, mix, 16, 10_000_000)
            .unwrap()
            .variability(Dist::constant(1.0).unwrap())
            .unwrap()
            .requests(50_000, 5_000)
            .unwrap()
            .run(2)
            .unwrap()
    };
    let (with_count, with_counter) = (run(&mix_count), run(&mix_counter));
    println!(
        "point-read p99: {:.2} ms with COUNT(*), {:.2} ms with a counter row",
        with_count.classes[0].response.p99() * 1e3,
        with_counter.classes[0].response.p99() * 1e3
    );
    assert!(with_count.utilisation[0] > 50.0 * with_counter.utilisation[0]);
    assert!(with_count.classes[1].response.mean() > 1.0);
    assert!(with_count.classes[0].response.p99() > 20.0 * with_counter.classes[0].response.p99());
}

#[test]
fn a_model_of_rdb_against_a_sharded_key_value_store() {
    // A model, not a benchmark: a read joining 3 tables × 10 rows against one key lookup
    // of a denormalised document; writes on one relational node against 4 shards.
    let rdb = CostModel::relational();
    let kv = CostModel::key_value();
    let join = rdb.cost(
        &Query::Join {
            tables: 3,
            rows: 10,
        },
        10_000_000,
    );
    let get = kv.cost(&Query::PointRead, 10_000_000 / 4);
    println!(
        "join read {:.3} ms, key lookup {:.3} ms",
        join * 1e3,
        get * 1e3
    );
    assert!(join > 2.0 * get);

    let writes = [(1.0, Query::Write { indexes: 2 })];
    let one = DbLoad::new(6000.0, &writes, 2, 10_000_000)
        .unwrap()
        .cost_model(kv)
        .unwrap()
        .requests(60_000, 6_000)
        .unwrap();
    let four = one.clone().nodes(4).unwrap();
    println!(
        "write capacity: 1 node {:.0}/s, 4 shards {:.0}/s",
        one.capacity(),
        four.capacity()
    );
    assert!(one.capacity() < 6000.0 && four.capacity() > 4.0 * 0.95 * one.capacity());
    let (r1, r4) = (one.run(3).unwrap(), four.run(3).unwrap());
    println!(
        "served: 1 node {:.0}/s, 4 shards {:.0}/s",
        r1.throughput, r4.throughput
    );
    // One node is overloaded (6000/s offered to 5263/s): it serves its capacity and the
    // queue grows. Four shards serve all 6000/s (Poisson: 5 sd of 60 000 is 2 %) at a
    // utilisation near 6000/21 053 ≈ 0.29 each.
    assert!(
        (r1.throughput - one.capacity()).abs() < 0.05 * one.capacity() && r1.utilisation[0] > 0.99
    );
    assert!(
        (r4.throughput - 6000.0).abs() < 0.02 * 6000.0,
        "{}",
        r4.throughput
    );
    assert!(
        r4.utilisation.iter().all(|&u| (u - 0.285).abs() < 0.05),
        "{:?}",
        r4.utilisation
    );
}

#[test]
fn same_seed_same_report() {
    let l = DbLoad::new(
        500.0,
        &[(0.9, Query::PointRead), (0.1, Query::Write { indexes: 1 })],
        2,
        1000,
    )
    .unwrap()
    .requests(5_000, 500)
    .unwrap();
    assert_eq!(
        format!("{:?}", l.run(8).unwrap()),
        format!("{:?}", l.run(8).unwrap())
    );
    assert_ne!(
        l.run(8).unwrap().response.mean(),
        l.run(9).unwrap().response.mean()
    );
}

#[test]
fn invalid_configurations_are_clear_errors() {
    let msg = |e: scale_lab::Error| e.to_string();
    assert!(
        msg(DbLoad::new(1.0, &[(1.0, Query::PointRead)], 0, 10).unwrap_err())
            .contains("`connections` = 0")
    );
    assert!(
        msg(DbLoad::new(-1.0, &[(1.0, Query::PointRead)], 1, 10).unwrap_err())
            .contains("`rate` = -1")
    );
    assert!(
        msg(DbLoad::new(1.0, &[(1.0, Query::OffsetPage { page: 1, size: 0 })], 1, 10).unwrap_err())
            .contains("size")
    );
    assert!(
        msg(DbLoad::new(1.0, &[(1.0, Query::PointRead)], 1, 10)
            .unwrap()
            .nodes(0)
            .unwrap_err())
        .contains("`nodes` = 0")
    );
    assert!(
        msg(paging_costs(&CostModel::relational(), 10, 0, &[1]).unwrap_err())
            .contains("`size` = 0")
    );
    let bad = CostModel {
        commit: f64::NAN,
        ..CostModel::relational()
    };
    assert!(msg(bad.validate().unwrap_err()).contains("commit"));
    assert!(
        msg(DbLoad::new(1.0, &[(1.0, Query::Count)], 1, 10)
            .unwrap()
            .nodes(3)
            .unwrap_err())
        .contains("not a single-key")
    );
}
