//! Experiment: the chance that a replica read misses a write, against the time since the
//! write — and how write load stretches the lag.
//!
//! Writes are a Poisson stream into a primary with one replica. A read of the replica
//! `Δ` seconds after a write misses it exactly when the write is replayed later than
//! `Δ` after its commit, so the experiment records each write's lag and counts, for every
//! `Δ`, the writes whose lag exceeds it.

use super::stream::{LagModel, Replication};
use crate::error::{Error, Result, non_negative, positive};
use crate::sim::{LatencyHistogram, SimRng};

/// The staleness experiment's parameters (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct StalenessProbe {
    write_rate: f64,
    lag: LagModel,
    writes: u64,
    warmup: u64,
}

/// One delay's result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StalenessPoint {
    /// Seconds between the write and the read.
    pub delta: f64,
    /// The share of reads at that delay that missed the write.
    pub stale: f64,
    /// The closed form, when the lag model has one.
    pub theory: Option<f64>,
}

/// What a [`StalenessProbe`] run measured.
#[derive(Debug, Clone)]
pub struct StalenessReport {
    /// Writes measured.
    pub writes: u64,
    /// The replication lag of each write (commit to replayed).
    pub lag: LatencyHistogram,
    /// The stale share at each delay asked for.
    pub points: Vec<StalenessPoint>,
    /// The closed-form mean lag, when the lag model has one.
    pub theory_mean_lag: Option<f64>,
}

impl StalenessProbe {
    /// Writes at `write_rate` > 0 per second replicated with `lag`; 200 000 writes
    /// measured after 20 000.
    pub fn new(write_rate: f64, lag: LagModel) -> Result<Self> {
        Ok(StalenessProbe {
            write_rate: positive("write_rate", write_rate)?,
            lag,
            writes: 200_000,
            warmup: 20_000,
        })
    }

    /// `writes` ≥ 1 measured after `warmup`.
    pub fn writes(mut self, writes: u64, warmup: u64) -> Result<Self> {
        if writes == 0 {
            return Err(Error::param("writes", writes, "at least 1"));
        }
        self.writes = writes;
        self.warmup = warmup;
        Ok(self)
    }

    /// Runs with `seed`, reporting the stale share at each delay in `deltas` (≥ 0 s).
    pub fn run(&self, deltas: &[f64], seed: u64) -> Result<StalenessReport> {
        for &d in deltas {
            non_negative("delta", d)?;
        }
        if self.write_rate >= self.lag.apply_capacity() {
            return Err(Error::param(
                "write_rate",
                self.write_rate,
                format!(
                    "below the replay capacity {:.0}/s, or the lag grows without bound",
                    self.lag.apply_capacity()
                ),
            ));
        }
        let mut repl = Replication::new(1, self.lag);
        let mut rng = SimRng::new(seed);
        let mut lag = LatencyHistogram::new();
        let mut stale = vec![0u64; deltas.len()];
        let mut t = 0.0;
        for i in 0..self.warmup + self.writes {
            t += -rng.uniform_open0().ln() / self.write_rate;
            let c = repl.commit(t, &mut rng);
            if i < self.warmup {
                continue;
            }
            let l = repl.ready_at(0, c.lsn, t) - t;
            lag.record(l);
            for (count, &d) in stale.iter_mut().zip(deltas) {
                *count += (l > d) as u64;
            }
        }
        let points = deltas
            .iter()
            .zip(&stale)
            .map(|(&delta, &n)| StalenessPoint {
                delta,
                stale: n as f64 / self.writes as f64,
                theory: self.lag.stale_probability(delta, self.write_rate),
            })
            .collect();
        Ok(StalenessReport {
            writes: self.writes,
            lag,
            points,
            theory_mean_lag: self.lag.mean_lag(self.write_rate),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_writes_more_lag_and_overload_is_an_error() {
        let lag = LagModel::exponential(0.001, 1000.0).unwrap();
        let run = |rate| {
            StalenessProbe::new(rate, lag)
                .unwrap()
                .writes(50_000, 5_000)
                .unwrap()
                .run(&[0.005], 1)
                .unwrap()
        };
        let (light, heavy) = (run(100.0), run(900.0));
        assert!(heavy.lag.mean() > 5.0 * light.lag.mean());
        assert!(heavy.points[0].stale > light.points[0].stale);
        assert!(
            light.lag.min() >= 0.001 - 1e-6,
            "never faster than the network"
        );
        let e = StalenessProbe::new(1000.0, lag)
            .unwrap()
            .run(&[0.0], 1)
            .unwrap_err()
            .to_string();
        assert!(e.contains("replay capacity"), "{e}");
        assert!(
            StalenessProbe::new(10.0, lag)
                .unwrap()
                .run(&[-1.0], 1)
                .is_err()
        );
    }
}
