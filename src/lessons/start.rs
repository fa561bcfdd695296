//! Lesson 00 (`lessons/00-start`) — Start here: the notebooks, the book, the exercises, and why the simulator's numbers can be trusted.
//!
//! The experiments of the lesson:
//! - [`event_log`]: the first moments of one server's run, event by event — what a
//!   discrete-event simulation does, in a table.
//! - [`check`]: M/M/1 and M/M/c queues simulated at several utilisations, next to the
//!   closed forms of [`crate::sim::theory`].
//! - [`convergence`]: the mean response time of runs of growing length under several
//!   seeds — how the estimate settles on the theory as the run grows.

use crate::error::{Error, Result, at_least_one, positive};
use crate::lang::t;
use crate::report::{Table, ToTable};
use crate::sim::{Admission, Dist, EventQueue, OpenQueue, SimRng, Station, sweep, theory};

/// A step in the life of a request at a station.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// It arrived and a server was free: its service starts at once.
    ArrivesAndStarts,
    /// It arrived and every server was busy: it waits in the queue.
    ArrivesAndWaits,
    /// It reached a free server after waiting.
    Starts,
    /// Its service ended: it leaves with its response.
    Leaves,
}

impl Step {
    /// The step in the current language.
    pub fn label(self) -> &'static str {
        match self {
            Step::ArrivesAndStarts => t("도착 → 바로 처리 시작", "arrives → served at once"),
            Step::ArrivesAndWaits => t("도착 → 대기열에서 기다림", "arrives → waits in the queue"),
            Step::Starts => t("처리 시작 (기다린 끝에)", "service starts (after waiting)"),
            Step::Leaves => t("처리 끝 → 응답하고 떠남", "done → responds and leaves"),
        }
    }
}

/// One line of an [`event_log`]: what happened, when, to which request.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    /// The clock when it happened, in milliseconds.
    pub time_ms: f64,
    /// Which request (1 = the first to arrive).
    pub request: u64,
    /// What happened.
    pub step: Step,
    /// Requests at the station right after (waiting + in service).
    pub in_system: usize,
}

impl ToTable for LogLine {
    fn to_table(&self) -> Table {
        Table::builder()
            .column(t("시각 (ms)", "clock (ms)"), [self.time_ms])
            .column(t("요청", "request"), [self.request])
            .column(t("일어난 일", "what happens"), [self.step.label()])
            .column(
                t("서버에 있는 요청", "requests at the server"),
                [self.in_system as u64],
            )
            .build()
            .expect("columns of one row have equal lengths and distinct names")
    }
}

#[derive(Debug, Clone, Copy)]
enum Event {
    Arrival,
    Done { request: u64, epoch: u32 },
}

/// The first `lines` events of one server (one worker, FIFO queue) with Poisson arrivals
/// at `arrival_rate` per second and exponential service of mean `service_ms`
/// milliseconds: the event queue, the clock and the station at work, line by line.
pub fn event_log(
    arrival_rate: f64,
    service_ms: f64,
    lines: usize,
    seed: u64,
) -> Result<Vec<LogLine>> {
    positive("arrival_rate", arrival_rate)?;
    let service = Dist::exponential(positive("service_ms", service_ms)? / 1e3)?;
    let gap = Dist::exponential_rate(arrival_rate)?;
    at_least_one("lines", lines)?;
    let mut rng = SimRng::new(seed);
    let mut station: Station<u64> = Station::new(1)?;
    let mut events = EventQueue::new();
    let mut log = Vec::with_capacity(lines);
    let mut arrived = 0u64;
    events.schedule_at(gap.sample(&mut rng), Event::Arrival);
    while let Some((now, event)) = events.pop() {
        if log.len() >= lines {
            break;
        }
        let line = |request, step, in_system| LogLine {
            time_ms: now * 1e3,
            request,
            step,
            in_system,
        };
        match event {
            Event::Arrival => {
                arrived += 1;
                match station.arrive(now, arrived, service.sample(&mut rng)) {
                    Admission::Started(s) => {
                        events.schedule_at(
                            s.done_at,
                            Event::Done {
                                request: s.job,
                                epoch: s.epoch,
                            },
                        );
                        log.push(line(arrived, Step::ArrivesAndStarts, station.in_system()));
                    }
                    Admission::Queued => {
                        log.push(line(arrived, Step::ArrivesAndWaits, station.in_system()))
                    }
                    Admission::Rejected(_) => {
                        unreachable!("a station without a queue limit admits every request")
                    }
                }
                events.schedule_at(now + gap.sample(&mut rng), Event::Arrival);
            }
            Event::Done { request, epoch } => {
                station.finish(now, epoch);
                log.push(line(request, Step::Leaves, station.in_system()));
                if let Some(s) = station.start_next(now, |_, _| {}) {
                    events.schedule_at(
                        s.done_at,
                        Event::Done {
                            request: s.job,
                            epoch: s.epoch,
                        },
                    );
                    log.push(line(s.job, Step::Starts, station.in_system()));
                }
            }
        }
    }
    log.truncate(lines);
    Ok(log)
}

/// A queue simulated at one utilisation, next to the closed forms.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// Servers (1: M/M/1).
    pub servers: usize,
    /// Utilisation ρ = λ / (cμ).
    pub utilisation: f64,
    /// Simulated mean response time, in ms.
    pub mean_ms: f64,
    /// The closed form's mean response time, in ms.
    pub theory_mean_ms: f64,
    /// Simulated 99th percentile of the response time, in ms.
    pub p99_ms: f64,
    /// M/M/1's closed-form p99, in ms (`None` for more than one server).
    pub theory_p99_ms: Option<f64>,
    /// The simulated share of requests that had to wait.
    pub waited: f64,
    /// Erlang C: the closed form's probability of waiting.
    pub theory_waited: f64,
}

impl Check {
    /// The relative difference of the simulated mean from the theory, in percent.
    pub fn mean_error_percent(&self) -> f64 {
        (self.mean_ms / self.theory_mean_ms - 1.0) * 100.0
    }
}

impl ToTable for Check {
    fn to_table(&self) -> Table {
        Table::builder()
            .column(t("대기열", "queue"), [format!("M/M/{}", self.servers)])
            .column("ρ", [self.utilisation])
            .column(t("평균 ms, 시뮬", "mean ms, sim"), [self.mean_ms])
            .column(t("평균 ms, 이론", "mean ms, theory"), [self.theory_mean_ms])
            .column(t("차이 %", "diff %"), [self.mean_error_percent()])
            .column(t("대기 비율, 시뮬", "waited, sim"), [self.waited])
            .column(
                t("대기 비율, 얼랑 C", "waited, Erlang C"),
                [self.theory_waited],
            )
            .build()
            .expect("columns of one row have equal lengths and distinct names")
    }
}

/// Simulates M/M/`servers` with a mean service time of `service_ms` ms at each
/// utilisation in (0, 1), `requests` measured requests per point (after the default
/// warm-up), and compares with the closed forms. Point `i` runs with
/// `derive_seed(seed, i)`.
pub fn check(
    servers: usize,
    service_ms: f64,
    utilisations: &[f64],
    requests: u64,
    seed: u64,
) -> Result<Vec<Check>> {
    at_least_one("servers", servers)?;
    let mu = 1e3 / positive("service_ms", service_ms)?;
    for &rho in utilisations {
        if !(rho > 0.0 && rho < 1.0) {
            return Err(Error::param("utilisation", rho, "in (0, 1)"));
        }
    }
    sweep(seed, utilisations, |&rho, point_seed| {
        let lambda = rho * servers as f64 * mu;
        let report = OpenQueue::mmc(lambda, mu, servers)?
            .requests(requests)?
            .run(point_seed)?;
        let theory_p99_ms = if servers == 1 {
            Some(theory::mm1_response_percentile(lambda, mu, 99.0)? * 1e3)
        } else {
            None
        };
        Ok(Check {
            servers,
            utilisation: rho,
            mean_ms: report.response.mean() * 1e3,
            theory_mean_ms: theory::mmc_mean_response(lambda, mu, servers)? * 1e3,
            p99_ms: report.response.p99() * 1e3,
            theory_p99_ms,
            waited: report.waited as f64 / report.served.max(1) as f64,
            theory_waited: theory::erlang_c(lambda, mu, servers)?,
        })
    })
    .into_iter()
    .collect()
}

/// The mean response time one seed measured after a number of requests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The run's seed.
    pub seed: u64,
    /// Requests measured.
    pub requests: u64,
    /// The mean response time they gave, in ms.
    pub mean_ms: f64,
}

/// M/M/1 at `utilisation` with mean service `service_ms` ms, measured over each number
/// of requests in `lengths` with each seed in `seeds` (1 000 requests of warm-up first).
/// With one seed, a longer run extends the shorter one (the same random stream), so the
/// estimates of a seed trace one run's running mean.
pub fn convergence(
    utilisation: f64,
    service_ms: f64,
    lengths: &[u64],
    seeds: &[u64],
) -> Result<Vec<Estimate>> {
    let mu = 1e3 / positive("service_ms", service_ms)?;
    let lambda = theory::utilisation(utilisation * mu, mu, 1)? * mu;
    let points: Vec<(u64, u64)> = seeds
        .iter()
        .flat_map(|&s| lengths.iter().map(move |&n| (s, n)))
        .collect();
    sweep(0, &points, |&(seed, requests), _| {
        let report = OpenQueue::mm1(lambda, mu)?
            .warmup(1_000)
            .requests(requests)?
            .run(seed)?;
        Ok(Estimate {
            seed,
            requests,
            mean_ms: report.response.mean() * 1e3,
        })
    })
    .into_iter()
    .collect()
}

/// The largest relative distance (in percent) from `theory_ms` among the estimates
/// measured over `requests` requests (0 if there are none).
pub fn worst_error_percent(estimates: &[Estimate], requests: u64, theory_ms: f64) -> f64 {
    estimates
        .iter()
        .filter(|e| e.requests == requests)
        .map(|e| (e.mean_ms / theory_ms - 1.0).abs() * 100.0)
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The utilisations of the lesson's table.
    const RHOS: [f64; 3] = [0.5, 0.7, 0.8];

    #[test]
    fn the_event_log_follows_requests_through_the_server() {
        // Prose: "requests 1 to 4 find the server idle; request 5 arrives at about 63 ms
        // while 4 is served, waits, and starts at about 66 ms, the moment 4 leaves".
        let log = event_log(80.0, 10.0, 14, 7).unwrap();
        assert_eq!(log.len(), 14);
        assert!(log.windows(2).all(|w| w[0].time_ms <= w[1].time_ms));
        let first_wait = log
            .iter()
            .position(|l| l.step == Step::ArrivesAndWaits)
            .unwrap();
        assert_eq!(log[first_wait].request, 5);
        assert!((log[first_wait].time_ms - 63.0).abs() < 0.5);
        let starts = log
            .iter()
            .find(|l| l.request == 5 && l.step == Step::Starts)
            .unwrap();
        let four_leaves = log
            .iter()
            .find(|l| l.request == 4 && l.step == Step::Leaves)
            .unwrap();
        assert_eq!(starts.time_ms, four_leaves.time_ms);
        assert!((starts.time_ms - 66.0).abs() < 0.5);
        assert_eq!(log, event_log(80.0, 10.0, 14, 7).unwrap());
        assert!(event_log(0.0, 10.0, 5, 1).is_err());
        assert!(event_log(1.0, 10.0, 0, 1).is_err());
    }

    #[test]
    fn the_table_is_within_5_percent_and_matches_erlang_c() {
        // Prose: "at ρ = 0.5 and 0.7 the simulated means are within about 1 % of the
        // closed form; at 0.8 this run is about 5 % off [...] and the share that waited
        // matches Erlang C within a percentage point". 200 000 requests per point: at
        // ρ = 0.8 one run's relative standard error of the mean is several percent (the
        // convergence cell shows it), so the fixed seeds' printed table is what is pinned.
        for servers in [1, 4] {
            let rows = check(servers, 10.0, &RHOS, 200_000, 42).unwrap();
            for r in &rows {
                let limit = if r.utilisation < 0.75 { 1.5 } else { 5.0 };
                assert!(r.mean_error_percent().abs() < limit, "{r:?}");
                assert!((r.waited - r.theory_waited).abs() < 0.011, "{r:?}");
                assert_eq!(r.theory_p99_ms.is_some(), servers == 1);
            }
        }
        assert!(check(1, 10.0, &[1.0], 10, 1).is_err());
        assert!(check(0, 10.0, &[0.5], 10, 1).is_err());
    }

    #[test]
    fn the_figure_follows_theory_up_to_90_percent() {
        // Prose: "the simulated points sit on the theory curves all the way to ρ = 0.9".
        // 400 000 requests per point: at ρ ≤ 0.8 the relative SE of one run's mean is at
        // most about 2 % and of its p99 about 3 %: held to 5 % and 7 %. At ρ = 0.9 one run
        // is much noisier (SE about 5 %): this seed is held to 10 %.
        let rhos: Vec<f64> = (1..=9).map(|i| i as f64 / 10.0).collect();
        let rows = check(1, 10.0, &rhos, 400_000, 1).unwrap();
        for r in &rows {
            let (mean, p99) = if r.utilisation < 0.85 {
                (5.0, 0.07)
            } else {
                (10.0, 0.10)
            };
            assert!(r.mean_error_percent().abs() < mean, "{r:?}");
            assert!(
                (r.p99_ms / r.theory_p99_ms.unwrap() - 1.0).abs() < p99,
                "{r:?}"
            );
        }
    }

    #[test]
    fn at_rho_08_mean_is_about_50_ms_and_p99_about_230_ms() {
        // Prose: "at ρ = 0.8 with 10 ms of service, theory says a mean of 50 ms and a
        // p99 of about 230 ms" (1/(μ−λ) = 1/20 s; ln(100)/20 s = 230.3 ms).
        let rows = check(1, 10.0, &[0.8], 1_000, 1).unwrap();
        assert!((rows[0].theory_mean_ms - 50.0).abs() < 1e-9);
        assert!((rows[0].theory_p99_ms.unwrap() - 230.0).abs() < 1.0);
    }

    #[test]
    fn longer_runs_land_closer_to_theory() {
        // Prose: "after 100 requests the seeds disagree wildly [38 %]; by 10 000 they are
        // within a few percent [2.9 %]; after 300 000 the worst is close to 1 % [1.2 %]".
        // Fixed seeds pin the printed numbers; the ranges leave room for a change of the
        // engine's random stream that keeps it correct (at ρ = 0.5 the relative standard
        // error of one run's mean is about 0.5 % at 300 000 requests, 3 % at 10 000).
        let lengths = [100, 10_000, 300_000];
        let seeds = [1, 2, 3, 4, 5];
        let est = convergence(0.5, 10.0, &lengths, &seeds).unwrap();
        let short = worst_error_percent(&est, 100, 20.0);
        let mid = worst_error_percent(&est, 10_000, 20.0);
        let long = worst_error_percent(&est, 300_000, 20.0);
        assert!(short > 20.0, "{short}");
        assert!((1.0..6.0).contains(&mid), "{mid}");
        assert!(long < 2.0, "{long}");
        assert_eq!(worst_error_percent(&est, 7, 20.0), 0.0);
    }

    #[test]
    fn the_same_seed_gives_the_same_numbers() {
        // Prose: "seed 7 twice gives identical numbers to the last digit; seed 8 gives a
        // different sample" — the cell's queue, compared bit for bit.
        let queue = OpenQueue::mm1(80.0, 100.0)
            .unwrap()
            .requests(50_000)
            .unwrap();
        let (a, b, c) = (
            queue.run(7).unwrap(),
            queue.run(7).unwrap(),
            queue.run(8).unwrap(),
        );
        assert_eq!(a.response.mean().to_bits(), b.response.mean().to_bits());
        assert_eq!(a.response.p99().to_bits(), b.response.p99().to_bits());
        assert_ne!(a.response.mean(), c.response.mean());
    }
}
