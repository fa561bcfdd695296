//! A multi-server station: `c` servers in front of one FIFO queue — a web server's
//! worker pool, a database's connections, a pool of queue consumers.
//!
//! The station does not own the clock. The model asks it to admit a job
//! ([`Station::arrive`]); when a job starts service the station says when it will be
//! done, and the model schedules that completion in its [`EventQueue`](super::EventQueue)
//! and later calls [`Station::finish`] and [`Station::start_next`]. This keeps stations
//! composable and the event loop in one place.
//!
//! Options: a queue limit (arrivals that find it full are rejected; a limit of 0 is a
//! loss system with no waiting room), a timeout (a job that has waited longer gives up
//! when it reaches the head of the queue), a crash (in-service and queued jobs are lost)
//! and a change of the number of servers while running (scale out / in).

use std::collections::VecDeque;

use crate::error::{Result, at_least_one, positive};

/// `c` identical servers and a FIFO queue of jobs of type `J`.
#[derive(Debug, Clone)]
pub struct Station<J> {
    servers: usize,
    busy: usize,
    queue: VecDeque<Waiting<J>>,
    queue_limit: Option<usize>,
    timeout: Option<f64>,
    up: bool,
    epoch: u32,
    stats: StationStats,
    last_change: f64,
}

#[derive(Debug, Clone)]
struct Waiting<J> {
    job: J,
    arrived: f64,
    service: f64,
}

/// What happened to an arriving job.
#[derive(Debug, Clone, PartialEq)]
pub enum Admission<J> {
    /// A server was free: the job started at once.
    Started(Start<J>),
    /// All servers were busy: the job waits in the queue.
    Queued,
    /// The queue was full or the station was down: the job is handed back.
    Rejected(J),
}

/// A job that has started service.
#[derive(Debug, Clone, PartialEq)]
pub struct Start<J> {
    /// The job.
    pub job: J,
    /// How long it waited in the queue, in seconds.
    pub wait: f64,
    /// When its service ends: schedule the completion then.
    pub done_at: f64,
    /// The station's epoch at the start; pass it back to [`Station::finish`] (a crash
    /// starts a new epoch, and completions from an older one are lost work).
    pub epoch: u32,
}

/// Counts and time integrals of a station since it was built (or since
/// [`Station::reset_stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StationStats {
    /// Jobs that arrived.
    pub arrived: u64,
    /// Jobs that started service.
    pub started: u64,
    /// Jobs that completed service.
    pub completed: u64,
    /// Jobs turned away (queue full, or the station down).
    pub rejected: u64,
    /// Jobs that gave up after waiting longer than the timeout.
    pub timed_out: u64,
    /// Jobs lost in a crash (in service or queued).
    pub lost: u64,
    /// The longest the queue has been.
    pub max_queue: usize,
    /// Server-seconds spent serving.
    pub busy_time: f64,
    /// Server-seconds available (servers × time, while up).
    pub capacity_time: f64,
    /// The integral of the queue length over time.
    pub queue_area: f64,
    /// Seconds covered by these statistics.
    pub elapsed: f64,
}

impl StationStats {
    /// The fraction of available server time spent serving (0 if no time has passed).
    pub fn utilisation(&self) -> f64 {
        if self.capacity_time > 0.0 {
            self.busy_time / self.capacity_time
        } else {
            0.0
        }
    }

    /// The time-average number of jobs waiting.
    pub fn mean_queue_length(&self) -> f64 {
        if self.elapsed > 0.0 {
            self.queue_area / self.elapsed
        } else {
            0.0
        }
    }

    /// Completed jobs per second.
    pub fn throughput(&self) -> f64 {
        if self.elapsed > 0.0 {
            self.completed as f64 / self.elapsed
        } else {
            0.0
        }
    }
}

impl<J> Station<J> {
    /// A station with `servers` ≥ 1 servers, an unbounded queue and no timeout.
    pub fn new(servers: usize) -> Result<Self> {
        Ok(Station {
            servers: at_least_one("servers", servers)?,
            busy: 0,
            queue: VecDeque::new(),
            queue_limit: None,
            timeout: None,
            up: true,
            epoch: 0,
            stats: StationStats::default(),
            last_change: 0.0,
        })
    }

    /// At most `limit` jobs may wait (0: none, a job that finds all servers busy is
    /// rejected — the Erlang loss system).
    pub fn with_queue_limit(mut self, limit: usize) -> Self {
        self.queue_limit = Some(limit);
        self
    }

    /// A job that has waited more than `timeout` seconds gives up.
    pub fn with_timeout(mut self, timeout: f64) -> Result<Self> {
        self.timeout = Some(positive("timeout", timeout)?);
        Ok(self)
    }

    /// The number of servers.
    pub fn servers(&self) -> usize {
        self.servers
    }

    /// Servers busy now.
    pub fn busy(&self) -> usize {
        self.busy
    }

    /// Jobs waiting now.
    pub fn queue_len(&self) -> usize {
        self.queue.len()
    }

    /// Jobs in the station now (in service and waiting): what least-connections balances.
    pub fn in_system(&self) -> usize {
        self.busy + self.queue.len()
    }

    /// Whether the station is up.
    pub fn is_up(&self) -> bool {
        self.up
    }

    /// The current epoch (it changes at every crash).
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// A job arrives at `now` needing `service` seconds of a server.
    #[inline]
    pub fn arrive(&mut self, now: f64, job: J, service: f64) -> Admission<J> {
        self.advance(now);
        self.stats.arrived += 1;
        if !self.up {
            self.stats.rejected += 1;
            return Admission::Rejected(job);
        }
        if self.busy < self.servers {
            self.busy += 1;
            self.stats.started += 1;
            return Admission::Started(Start {
                job,
                wait: 0.0,
                done_at: now + service,
                epoch: self.epoch,
            });
        }
        if self
            .queue_limit
            .is_some_and(|limit| self.queue.len() >= limit)
        {
            self.stats.rejected += 1;
            return Admission::Rejected(job);
        }
        self.queue.push_back(Waiting {
            job,
            arrived: now,
            service,
        });
        self.stats.max_queue = self.stats.max_queue.max(self.queue.len());
        Admission::Queued
    }

    /// A job started in `epoch` finishes at `now`. Returns `false` if that job was lost
    /// in a crash since (its completion must not count).
    #[inline]
    pub fn finish(&mut self, now: f64, epoch: u32) -> bool {
        self.advance(now);
        if epoch != self.epoch {
            return false;
        }
        debug_assert!(self.busy > 0, "finish() with no busy server");
        self.busy -= 1;
        self.stats.completed += 1;
        true
    }

    /// Starts the next waiting job if a server is free. Jobs that waited longer than the
    /// timeout are handed to `on_timeout` (with their wait) and skipped. Call it after
    /// every [`finish`](Self::finish) (and until it returns `None` after adding servers).
    #[inline]
    pub fn start_next(&mut self, now: f64, mut on_timeout: impl FnMut(J, f64)) -> Option<Start<J>> {
        self.advance(now);
        if !self.up || self.busy >= self.servers {
            return None;
        }
        while let Some(w) = self.queue.pop_front() {
            let wait = now - w.arrived;
            if self.timeout.is_some_and(|t| wait > t) {
                self.stats.timed_out += 1;
                on_timeout(w.job, wait);
                continue;
            }
            self.busy += 1;
            self.stats.started += 1;
            return Some(Start {
                job: w.job,
                wait,
                done_at: now + w.service,
                epoch: self.epoch,
            });
        }
        None
    }

    /// Changes the number of servers at `now` (≥ 1). Jobs in service on removed servers
    /// finish; no new job starts until fewer than `servers` are busy. After adding
    /// servers, call [`start_next`](Self::start_next) until it returns `None`.
    pub fn set_servers(&mut self, now: f64, servers: usize) -> Result<()> {
        self.advance(now);
        self.servers = at_least_one("servers", servers)?;
        Ok(())
    }

    /// The station crashes at `now`: jobs in service and waiting are lost; the waiting
    /// ones are returned so the model can fail them. It rejects arrivals until
    /// [`recover`](Self::recover).
    pub fn crash(&mut self, now: f64) -> Vec<J> {
        self.advance(now);
        self.up = false;
        self.epoch += 1;
        let lost: Vec<J> = self.queue.drain(..).map(|w| w.job).collect();
        self.stats.lost += (lost.len() + self.busy) as u64;
        self.busy = 0;
        lost
    }

    /// The station comes back at `now`, empty.
    pub fn recover(&mut self, now: f64) {
        self.advance(now);
        self.up = true;
    }

    /// The statistics up to `now`.
    pub fn stats(&self, now: f64) -> StationStats {
        let mut s = self.stats;
        accumulate(
            &mut s,
            self.busy,
            self.servers,
            self.up,
            self.queue.len(),
            now - self.last_change,
        );
        s
    }

    /// Starts the statistics afresh at `now` (after a warm-up period).
    pub fn reset_stats(&mut self, now: f64) {
        self.advance(now);
        self.stats = StationStats {
            max_queue: self.queue.len(),
            ..StationStats::default()
        };
    }

    #[inline]
    fn advance(&mut self, now: f64) {
        let dt = now - self.last_change;
        if dt > 0.0 {
            accumulate(
                &mut self.stats,
                self.busy,
                self.servers,
                self.up,
                self.queue.len(),
                dt,
            );
            self.last_change = now;
        }
    }
}

#[inline]
fn accumulate(s: &mut StationStats, busy: usize, servers: usize, up: bool, queued: usize, dt: f64) {
    s.busy_time += busy as f64 * dt;
    if up {
        s.capacity_time += servers as f64 * dt;
    }
    s.queue_area += queued as f64 * dt;
    s.elapsed += dt;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started<J>(a: Admission<J>) -> Start<J> {
        match a {
            Admission::Started(s) => s,
            _ => panic!("expected the job to start"),
        }
    }

    #[test]
    fn fifo_with_two_servers() {
        let mut s = Station::new(2).unwrap();
        let a = started(s.arrive(0.0, 'a', 3.0));
        let b = started(s.arrive(1.0, 'b', 1.0));
        assert_eq!((a.done_at, b.done_at), (3.0, 2.0));
        assert_eq!(s.arrive(1.5, 'c', 1.0), Admission::Queued);
        assert_eq!(s.arrive(1.6, 'd', 1.0), Admission::Queued);
        assert!(s.finish(2.0, b.epoch));
        let c = s.start_next(2.0, |_, _| panic!("no timeout")).unwrap();
        assert_eq!((c.job, c.wait, c.done_at), ('c', 0.5, 3.0));
        assert!(s.start_next(2.0, |_, _| {}).is_none(), "both servers busy");
        let st = s.stats(3.0);
        assert_eq!((st.arrived, st.started, st.completed), (4, 3, 1));
        // busy: 1 server on [0,1), 2 on [1,3) → 5 server-seconds of 6.
        assert!((st.utilisation() - 5.0 / 6.0).abs() < 1e-12);
        // queue: 1 on [1.5,1.6), 2 on [1.6,2), 1 on [2,3) → 0.1 + 0.8 + 1.0.
        assert!((st.mean_queue_length() - 1.9 / 3.0).abs() < 1e-12);
        assert_eq!(st.max_queue, 2);
    }

    #[test]
    fn queue_limit_rejects_and_zero_is_a_loss_system() {
        let mut s = Station::new(1).unwrap().with_queue_limit(0);
        started(s.arrive(0.0, 1, 1.0));
        assert_eq!(s.arrive(0.5, 2, 1.0), Admission::Rejected(2));
        assert_eq!(s.stats(1.0).rejected, 1);
    }

    #[test]
    fn timed_out_jobs_are_skipped() {
        let mut s = Station::new(1).unwrap().with_timeout(1.0).unwrap();
        let first = started(s.arrive(0.0, 'a', 5.0));
        s.arrive(0.1, 'b', 1.0);
        s.arrive(4.5, 'c', 1.0);
        assert!(s.finish(5.0, first.epoch));
        let mut gave_up = Vec::new();
        let next = s.start_next(5.0, |j, w| gave_up.push((j, w))).unwrap();
        assert_eq!(next.job, 'c');
        assert_eq!(gave_up, vec![('b', 4.9)]);
        assert_eq!(s.stats(5.0).timed_out, 1);
    }

    #[test]
    fn a_crash_loses_work_and_stale_completions_do_not_count() {
        let mut s = Station::new(1).unwrap();
        let a = started(s.arrive(0.0, 'a', 2.0));
        s.arrive(0.5, 'b', 1.0);
        assert_eq!(s.crash(1.0), vec!['b']);
        assert!(!s.finish(2.0, a.epoch), "the job in service was lost");
        assert_eq!(s.arrive(2.5, 'c', 1.0), Admission::Rejected('c'));
        s.recover(3.0);
        let d = started(s.arrive(3.0, 'd', 1.0));
        assert!(s.finish(4.0, d.epoch));
        let st = s.stats(4.0);
        assert_eq!((st.lost, st.rejected, st.completed), (2, 1, 1));
        // Capacity counts only up time: [0,1) and [3,4).
        assert!((st.capacity_time - 2.0).abs() < 1e-12);
    }

    #[test]
    fn adding_servers_starts_waiting_jobs() {
        let mut s = Station::new(1).unwrap();
        started(s.arrive(0.0, 1, 10.0));
        s.arrive(0.0, 2, 1.0);
        s.arrive(0.0, 3, 1.0);
        s.set_servers(1.0, 3).unwrap();
        let mut n = 0;
        while s.start_next(1.0, |_, _| {}).is_some() {
            n += 1;
        }
        assert_eq!((n, s.busy()), (2, 3));
        assert!(s.set_servers(1.0, 0).is_err());
    }

    #[test]
    fn zero_servers_is_an_error() {
        assert_eq!(
            Station::<()>::new(0).unwrap_err().to_string(),
            "invalid parameter `servers` = 0: must be at least 1"
        );
        assert!(Station::<()>::new(1).unwrap().with_timeout(-1.0).is_err());
    }
}
