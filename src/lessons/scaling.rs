//! Lesson 03 (`lessons/03-scaling`) — Scale up or scale out: the limits of one machine, scale-out curves, SPOFs in nines.
//!
//! The experiments the lesson's cells call:
//!
//! - [`usl_capacity`] and [`scale_up_table`]: what a bigger box buys, by the Universal
//!   Scalability Law (contention `sigma`, coherency `kappa`), and what it costs;
//! - [`scale_out`]: the same traffic on 1, 2, ... identical servers behind a balancer,
//!   simulated (utilisation, p50, p99 per fleet size);
//! - [`availability_table`]: the chapter's architectures, stage by stage, in nines
//!   (series and parallel closed forms of [`crate::sim::theory`]);
//! - [`parallel_runs`]: the failure simulation of [`crate::model::failure`] against
//!   the closed form, for 1, 2, ... redundant servers.

use crate::error::{Error, Result, at_least_one, non_negative, positive};
use crate::lang::t;
use crate::model::balancer::Policy;
use crate::model::cluster::Cluster;
use crate::model::failure::{AvailabilityRun, FailureModel};
use crate::model::load::Workload;
use crate::model::web::ServerSpec;
use crate::report::Table;
use crate::sim::{sweep, theory};

/// The relative throughput of a box with `cores` cores, by the Universal Scalability
/// Law: N / (1 + σ(N − 1) + κN(N − 1)). `sigma` is the share of work that queues for a
/// shared resource (a lock, the memory bus), `kappa` the cost of keeping the cores'
/// views coherent (cache lines bouncing between them), which grows with every pair of
/// cores. With both 0 it is N: perfect scaling.
pub fn usl_capacity(cores: usize, sigma: f64, kappa: f64) -> Result<f64> {
    let n = at_least_one("cores", cores)? as f64;
    let (s, k) = (non_negative("sigma", sigma)?, non_negative("kappa", kappa)?);
    Ok(n / (1.0 + s * (n - 1.0) + k * n * (n - 1.0)))
}

/// The cost model of a box: what one core serves alone, how the cores get in each
/// other's way, and the price.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoxModel {
    /// Requests per second one core serves alone.
    pub per_core: f64,
    /// USL contention.
    pub sigma: f64,
    /// USL coherency.
    pub kappa: f64,
    /// Price of one core for an hour (cloud prices are about linear in cores within an
    /// instance family).
    pub core_hour: f64,
    /// The most cores one box can have: the ceiling.
    pub largest: usize,
}

impl BoxModel {
    /// 50 requests per second per core (20 ms of CPU each), σ = 0.03, κ = 0.0002,
    /// 0.05 per core-hour, at most 192 cores.
    pub fn typical() -> BoxModel {
        BoxModel {
            per_core: 50.0,
            sigma: 0.03,
            kappa: 0.0002,
            core_hour: 0.05,
            largest: 192,
        }
    }

    /// Requests per second a box of `cores` cores serves at full utilisation; an error
    /// above the largest box.
    pub fn capacity(&self, cores: usize) -> Result<f64> {
        if cores > self.largest {
            return Err(Error::param(
                "cores",
                cores,
                format!("at most {} (no bigger box is sold)", self.largest),
            ));
        }
        Ok(positive("per_core", self.per_core)? * usl_capacity(cores, self.sigma, self.kappa)?)
    }

    /// The box's size as a [`ServerSpec`] for the simulator: `cores` workers, each
    /// slowed down to the box's per-core efficiency (capacity / cores, relative to one
    /// core alone).
    pub fn spec(&self, cores: usize) -> Result<ServerSpec> {
        let speed = self.capacity(cores)? / (cores as f64 * self.per_core);
        ServerSpec::new(cores, speed)
    }
}

/// One box per line of `cores`: capacity, capacity per core, price per hour and the
/// price of a million requests served at 100 % utilisation.
pub fn scale_up_table(model: &BoxModel, cores: &[usize]) -> Result<Table> {
    positive("core_hour", model.core_hour)?;
    let capacity: Vec<f64> = cores
        .iter()
        .map(|&c| model.capacity(c))
        .collect::<Result<_>>()?;
    let price: Vec<f64> = cores.iter().map(|&c| c as f64 * model.core_hour).collect();
    Table::builder()
        .column(
            t("코어 수", "cores"),
            cores.iter().map(|&c| c as u64).collect::<Vec<_>>(),
        )
        .column(t("처리량 (요청/초)", "capacity (req/s)"), capacity.clone())
        .column(
            t("코어당 처리량", "per core"),
            capacity
                .iter()
                .zip(cores)
                .map(|(c, &n)| c / n as f64)
                .collect::<Vec<_>>(),
        )
        .column(t("시간당 가격", "price per hour"), price.clone())
        .column(
            t("100만 요청당 가격", "price per million requests"),
            price
                .iter()
                .zip(&capacity)
                .map(|(p, c)| p / (c * 3600.0) * 1e6)
                .collect::<Vec<_>>(),
        )
        .build()
}

/// One fleet size of [`scale_out`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScaleOutRow {
    /// Servers behind the balancer.
    pub servers: usize,
    /// Requests per second the fleet could serve at full utilisation.
    pub capacity: f64,
    /// Requests per second served.
    pub throughput: f64,
    /// The servers' mean utilisation.
    pub utilisation: f64,
    /// Median response time, seconds.
    pub p50: f64,
    /// 99th percentile, seconds.
    pub p99: f64,
}

/// `rate` requests per second (Poisson, exponential CPU time of `1 / per_core` seconds
/// on one core) on `n` boxes of `cores` cores each, round robin, for each `n` of
/// `servers`; 300 s measured after 20 s. Fleets whose capacity is below the rate are an
/// error (they cannot keep up).
pub fn scale_out(
    model: &BoxModel,
    cores: usize,
    rate: f64,
    servers: &[usize],
    seed: u64,
) -> Result<Vec<ScaleOutRow>> {
    let spec = model.spec(cores)?;
    let box_capacity = model.capacity(cores)?;
    for &n in servers {
        at_least_one("servers", n)?;
        if n as f64 * box_capacity <= rate {
            return Err(Error::param(
                "servers",
                n,
                format!("enough boxes to serve {rate}/s (each serves {box_capacity:.0}/s at most)"),
            ));
        }
    }
    let workload = Workload::poisson(positive("rate", rate)?, 1.0 / model.per_core)?;
    let runs = sweep(seed, servers, |&n, s| -> Result<ScaleOutRow> {
        let r = Cluster::uniform(workload.clone(), n, spec)?
            .policy(Policy::RoundRobin)
            .duration(300.0)?
            .warmup(20.0)?
            .run(s)?;
        Ok(ScaleOutRow {
            servers: n,
            capacity: n as f64 * box_capacity,
            throughput: r.throughput,
            utilisation: r.mean_utilisation(),
            p50: r.response.p50(),
            p99: r.response.p99(),
        })
    });
    runs.into_iter().collect()
}

/// End-to-end p99 (seconds) of `n` boxes of `cores` cores at each `load` of `loads`
/// (fractions of the fleet's capacity, each in (0, 1)): `(rate, p99)` points, `seconds`
/// measured after 10 s, round robin. The knee moves right in proportion to `n`.
pub fn scale_out_curve(
    model: &BoxModel,
    cores: usize,
    n: usize,
    loads: &[f64],
    seconds: f64,
    seed: u64,
) -> Result<Vec<(f64, f64)>> {
    let spec = model.spec(cores)?;
    let capacity = at_least_one("n", n)? as f64 * model.capacity(cores)?;
    for &u in loads {
        if !(u > 0.0 && u < 1.0) {
            return Err(Error::param(
                "loads",
                u,
                "fractions of capacity between 0 and 1",
            ));
        }
    }
    let runs = sweep(seed, loads, |&u, s| -> Result<(f64, f64)> {
        let rate = u * capacity;
        let r = Cluster::uniform(Workload::poisson(rate, 1.0 / model.per_core)?, n, spec)?
            .policy(Policy::RoundRobin)
            .duration(seconds)?
            .warmup(10.0)?
            .run(s)?;
        Ok((rate, r.response.p99()))
    });
    runs.into_iter().collect()
}

/// [`scale_out`]'s rows as a table (times in ms).
pub fn scale_out_table(rows: &[ScaleOutRow]) -> Result<Table> {
    Table::builder()
        .column(
            t("서버 수", "servers"),
            rows.iter().map(|r| r.servers as u64).collect::<Vec<_>>(),
        )
        .column(
            t("최대 처리량 (요청/초)", "capacity (req/s)"),
            rows.iter().map(|r| r.capacity).collect::<Vec<_>>(),
        )
        .column(
            t("처리량 (요청/초)", "served (req/s)"),
            rows.iter().map(|r| r.throughput).collect::<Vec<_>>(),
        )
        .column(
            t("사용률", "utilisation"),
            rows.iter().map(|r| r.utilisation).collect::<Vec<_>>(),
        )
        .column(
            "p50 (ms)",
            rows.iter().map(|r| r.p50 * 1e3).collect::<Vec<_>>(),
        )
        .column(
            "p99 (ms)",
            rows.iter().map(|r| r.p99 * 1e3).collect::<Vec<_>>(),
        )
        .build()
}

/// A stage of the chapter's architecture, for [`availability_table`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Lesson 01: one server does everything.
    OneServer,
    /// Lesson 02: a web server and a database server, both needed.
    WebAndDb,
    /// A balancer in front of two web servers; one database.
    TwoWebServers,
    /// Two balancers (one takes over at once) in front of two web servers; one database.
    TwoBalancers,
    /// Everything doubled: balancers, web servers, and a database with a standby.
    AllDoubled,
}

impl Stage {
    /// The five, in the order of the chapter.
    pub const ALL: [Stage; 5] = [
        Stage::OneServer,
        Stage::WebAndDb,
        Stage::TwoWebServers,
        Stage::TwoBalancers,
        Stage::AllDoubled,
    ];

    /// Its label, in the language of labels.
    pub fn label(self) -> &'static str {
        match self {
            Stage::OneServer => t("서버 1대 (01강)", "one server (lesson 01)"),
            Stage::WebAndDb => t("웹 + DB (02강)", "web + DB (lesson 02)"),
            Stage::TwoWebServers => t("LB + 웹 2대 + DB", "LB + 2 web + DB"),
            Stage::TwoBalancers => t("LB 2대 + 웹 2대 + DB", "2 LB + 2 web + DB"),
            Stage::AllDoubled => t("LB 2대 + 웹 2대 + DB 2대", "2 LB + 2 web + 2 DB"),
        }
    }

    /// Its availability when every box is up a fraction `a` of the time, failing
    /// independently, and a redundant pair switches over at once: parts in series
    /// multiply, a redundant pair is 1 − (1 − a)².
    pub fn availability(self, a: f64) -> Result<f64> {
        let pair = theory::parallel(&[a, a])?;
        match self {
            Stage::OneServer => theory::series(&[a]),
            Stage::WebAndDb => theory::series(&[a, a]),
            Stage::TwoWebServers => theory::series(&[a, pair, a]),
            Stage::TwoBalancers => theory::series(&[pair, pair, a]),
            Stage::AllDoubled => theory::series(&[pair, pair, pair]),
        }
    }
}

/// Every [`Stage`] with boxes that fail every `mtbf_hours` on average and take
/// `mttr_hours` to repair: availability, nines and downtime per year.
pub fn availability_table(mtbf_hours: f64, mttr_hours: f64) -> Result<Table> {
    let a = theory::availability(mtbf_hours, mttr_hours)?;
    let values: Vec<f64> = Stage::ALL
        .iter()
        .map(|s| s.availability(a))
        .collect::<Result<_>>()?;
    Table::builder()
        .column(
            t("구성", "architecture"),
            Stage::ALL.map(Stage::label).to_vec(),
        )
        .column(
            t("가용성", "availability"),
            values
                .iter()
                .map(|v| format!("{:.4} %", v * 100.0))
                .collect::<Vec<_>>(),
        )
        .column(
            t("나인 (9의 개수)", "nines"),
            values
                .iter()
                .map(|&v| theory::nines(v))
                .collect::<Result<Vec<_>>>()?,
        )
        .column(
            t("연간 중단 (분)", "downtime per year (min)"),
            values
                .iter()
                .map(|&v| theory::downtime_minutes_per_year(v))
                .collect::<Result<Vec<_>>>()?,
        )
        .build()
}

/// One arrangement of [`parallel_runs`]: `n` redundant servers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RedundancyRow {
    /// Servers, one of which is enough.
    pub servers: usize,
    /// 1 − (1 − A)ⁿ.
    pub theory: f64,
    /// The fraction of simulated time at least one was up.
    pub simulated: f64,
    /// Times all were down at once.
    pub outages: u64,
}

/// For each `n` of `servers`: `n` servers failing independently (exponential times
/// between failures of mean `mtbf_hours`, repairs of mean `mttr_hours`), one of which
/// is enough, simulated for `years` years against the closed form.
pub fn parallel_runs(
    mtbf_hours: f64,
    mttr_hours: f64,
    servers: &[usize],
    years: f64,
    seed: u64,
) -> Result<Vec<RedundancyRow>> {
    let model = FailureModel::random(mtbf_hours * 3600.0, mttr_hours * 3600.0)?;
    let duration = positive("years", years)? * 365.0 * 86_400.0;
    let runs = sweep(seed, servers, |&n, s| -> Result<RedundancyRow> {
        let r = AvailabilityRun::parallel(model.clone(), n)?
            .duration(duration)?
            .run(s)?;
        Ok(RedundancyRow {
            servers: n,
            theory: r.theory.unwrap_or(f64::NAN),
            simulated: r.availability,
            outages: r.outages,
        })
    });
    runs.into_iter().collect()
}

#[cfg(test)]
mod tests {
    //! Tolerances. USL, prices and availabilities are closed forms: asserted to the digits
    //! the prose quotes. Simulated p99s rest on 270 000 requests (about 2 700 tail
    //! samples, a relative error of a few percent): asserted within 10 %. Simulated
    //! availabilities: the unavailability measured from k outages has a relative standard
    //! error near 1.4 / √k (outage counts and lengths both vary), so the check allows 5 of
    //! those.
    use super::*;

    fn within(value: f64, expected: f64, relative: f64) -> bool {
        (value - expected).abs() <= relative * expected
    }

    #[test]
    fn a_bigger_box_has_diminishing_returns_a_ceiling_and_a_price() {
        // "8 cores serve about 330 requests per second (41 per core); 64 cores serve about
        // 870 (14 per core). Eight times the cores, 2.6 times the throughput."
        let m = BoxModel::typical();
        let (c8, c64) = (m.capacity(8).unwrap(), m.capacity(64).unwrap());
        assert!(within(c8, 330.0, 0.01) && within(c8 / 8.0, 41.0, 0.01));
        assert!(within(c64, 870.0, 0.01) && within(c64 / 64.0, 14.0, 0.05));
        assert!(within(c64 / c8, 2.6, 0.02));
        // "Past about 70 cores the curve turns down ... the largest box (192 cores) serves
        // less than the 64-core one, about 680. No box in this model reaches 900."
        let all: Vec<f64> = (1..=192).map(|c| m.capacity(c).unwrap()).collect();
        let peak = all
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .unwrap()
            .0
            + 1;
        assert!((68..=72).contains(&peak), "{peak}");
        assert!(within(all[191], 680.0, 0.01) && all[191] < c64);
        assert!(all.iter().all(|&c| c < 900.0));
        assert!(m.capacity(193).is_err());
        // "a million requests cost about 0.34 on 8 cores and about 1.03 on 64: three times"
        let per_million =
            |c: usize| c as f64 * m.core_hour / (m.capacity(c).unwrap() * 3600.0) * 1e6;
        assert!(within(per_million(8), 0.34, 0.01) && within(per_million(64), 1.03, 0.01));
        assert!(within(per_million(64) / per_million(8), 3.0, 0.05));
        let table = scale_up_table(&m, &[8, 16, 32, 64, 96, 192]).unwrap();
        assert_eq!(table.frame().height(), 6);
    }

    #[test]
    fn without_coherency_costs_contention_halves_per_core_throughput_at_34_cores() {
        // "The ceiling disappears, but σ alone still halves the throughput per core by
        // about 34 cores."
        let m = BoxModel {
            kappa: 0.0,
            ..BoxModel::typical()
        };
        let per_core = |c: usize| m.capacity(c).unwrap() / c as f64 / m.per_core;
        assert!(per_core(33) > 0.5 && per_core(35) < 0.5);
        assert!((1..192).all(|c| m.capacity(c + 1).unwrap() > m.capacity(c).unwrap()));
    }

    #[test]
    fn a_fourth_box_cuts_p99_and_more_boxes_buy_only_headroom() {
        // "Three boxes (capacity about 980 requests per second) already serve all 900, at
        // 91 % utilisation and a p99 of about 150 ms. The fourth box brings the p99 to
        // about 115 ms; after that the p99 stays at about 112 ms ... utilisation falls
        // from 69 % with 4 boxes to 27 % with 10."
        let rows = scale_out(&BoxModel::typical(), 8, 900.0, &[3, 4, 5, 6, 8, 10], 1).unwrap();
        assert!(within(rows[0].capacity, 980.0, 0.01));
        assert!(rows.iter().all(|r| within(r.throughput, 900.0, 0.02)));
        assert!((rows[0].utilisation - 0.91).abs() < 0.02);
        assert!(within(rows[0].p99, 0.150, 0.1), "{}", rows[0].p99);
        assert!(within(rows[1].p99, 0.115, 0.1), "{}", rows[1].p99);
        assert!(rows[2..].iter().all(|r| within(r.p99, 0.112, 0.1)));
        assert!((rows[1].utilisation - 0.69).abs() < 0.02);
        assert!((rows[5].utilisation - 0.27).abs() < 0.02);
        assert!(scale_out(&BoxModel::typical(), 8, 900.0, &[2], 1).is_err());
    }

    #[test]
    fn the_knee_moves_out_in_proportion_to_the_boxes() {
        // "the knee of one box is near 300 requests per second, of two boxes near 600, of
        // four near 1 200": each curve's p99 at 95 % of its capacity is well above the one
        // at 30 %, and the rates scale with the number of boxes.
        let m = BoxModel::typical();
        let loads = [0.3, 0.5, 0.7, 0.8, 0.9, 0.95];
        let curves: Vec<Vec<(f64, f64)>> = [1, 2, 4]
            .iter()
            .map(|&n| scale_out_curve(&m, 8, n, &loads, 60.0, 2).unwrap())
            .collect();
        for (i, c) in curves.iter().enumerate() {
            assert!(c[5].1 > 1.4 * c[0].1, "curve {i}: {c:?}");
            let n = [1.0, 2.0, 4.0][i];
            assert!(within(c[5].0, n * 311.0, 0.01), "{}", c[5].0);
        }
    }

    #[test]
    fn the_chain_is_as_available_as_its_spofs() {
        // "One server: 99.86 %, about 730 minutes ... Web + DB: 99.72 %, about 1 460
        // minutes ... LB + 2 web + DB: still about 1 460 minutes ... 2 LB + 2 web + DB:
        // about 730 minutes ... Everything doubled: about 3 minutes a year, 5.2 nines."
        let a = theory::availability(720.0, 1.0).unwrap();
        let minutes =
            |s: Stage| theory::downtime_minutes_per_year(s.availability(a).unwrap()).unwrap();
        assert!((Stage::OneServer.availability(a).unwrap() - 0.9986).abs() < 5e-5);
        assert!((Stage::WebAndDb.availability(a).unwrap() - 0.9972).abs() < 5e-5);
        assert!(within(minutes(Stage::OneServer), 730.0, 0.01));
        assert!(within(minutes(Stage::WebAndDb), 1460.0, 0.01));
        assert!(within(minutes(Stage::TwoWebServers), 1460.0, 0.01));
        assert!(within(minutes(Stage::TwoBalancers), 730.0, 0.01));
        assert!(within(minutes(Stage::AllDoubled), 3.0, 0.02));
        let nines = theory::nines(Stage::AllDoubled.availability(a).unwrap()).unwrap();
        assert!((nines - 5.2).abs() < 0.05);
        assert_eq!(availability_table(720.0, 1.0).unwrap().frame().height(), 5);
    }

    #[test]
    fn the_failure_simulation_lands_on_the_formula() {
        // "one such server is up about 90.9 % of the time (about 1.04 nines); each one
        // added adds about one nine, to about 4.2 nines with four ... all four were down
        // together only about 130 times in 50 years."
        let runs = parallel_runs(10.0, 1.0, &[1, 2, 3, 4], 50.0, 7).unwrap();
        for r in &runs {
            let (sim, th) = (1.0 - r.simulated, 1.0 - r.theory);
            let allowed = 5.0 * 1.4 / (r.outages as f64).sqrt();
            assert!(within(sim, th, allowed), "n = {}: {sim} vs {th}", r.servers);
        }
        assert!((runs[0].simulated - 0.909).abs() < 0.002);
        let nines = |a: f64| theory::nines(a).unwrap();
        assert!((nines(runs[0].theory) - 1.04).abs() < 0.01);
        assert!((nines(runs[3].simulated) - 4.2).abs() < 0.1);
        assert!(
            (100..=170).contains(&runs[3].outages),
            "{}",
            runs[3].outages
        );
        for w in runs.windows(2) {
            let step = nines(w[1].theory) - nines(w[0].theory);
            assert!((step - 1.04).abs() < 0.05, "{step}");
        }
    }

    #[test]
    fn faster_repairs_help_redundant_fleets_most() {
        // "Every server's availability improves a little, but the redundant fleets improve
        // a lot."
        let a = |mttr: f64| theory::availability(10.0, mttr).unwrap();
        let gain = |n: usize| {
            let four =
                |mttr: f64| theory::nines(theory::parallel(&vec![a(mttr); n]).unwrap()).unwrap();
            four(0.25) - four(1.0)
        };
        assert!(gain(1) < 0.6 && gain(4) > 2.0, "{} {}", gain(1), gain(4));
    }

    #[test]
    fn bad_parameters_are_errors() {
        assert!(usl_capacity(0, 0.1, 0.0).is_err());
        assert!(usl_capacity(4, -0.1, 0.0).is_err());
        assert!(scale_out_curve(&BoxModel::typical(), 8, 1, &[1.2], 10.0, 1).is_err());
        assert!(availability_table(0.0, 1.0).is_err());
        assert!(parallel_runs(10.0, 1.0, &[0], 1.0, 1).is_err());
    }
}
