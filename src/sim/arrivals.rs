//! Open-loop arrivals: a Poisson process whose rate may follow the day (diurnal load)
//! and jump during bursts.
//!
//! The rate at time t is `base × diurnal(t) × Π bursts active at t`, where
//! `diurnal(t) = 1 + amplitude · cos(2π (t − peak_at) / period)`. Arrivals of a varying
//! rate are drawn by thinning (Lewis–Shedler) against a bound that is recomputed at each
//! burst boundary, so a rare burst does not slow the quiet hours down.

use super::rng::SimRng;
use crate::error::{Result, non_negative, positive, probability};

/// A Poisson arrival process with an optional daily cycle and bursts.
#[derive(Debug, Clone, PartialEq)]
pub struct Arrivals {
    base: f64,
    diurnal: Option<Diurnal>,
    bursts: Vec<Burst>,
}

/// A daily cycle of the arrival rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Diurnal {
    /// Relative swing in [0, 1]: 0.5 means the rate goes from 0.5× to 1.5× the base.
    pub amplitude: f64,
    /// The cycle's length in seconds (86 400 for a day).
    pub period: f64,
    /// When in the cycle the rate peaks, in seconds.
    pub peak_at: f64,
}

/// A window of time in which the rate is multiplied by `factor`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Burst {
    /// Start, in seconds.
    pub start: f64,
    /// Length, in seconds.
    pub duration: f64,
    /// Rate multiplier while the burst lasts (10 = ten times the traffic).
    pub factor: f64,
}

impl Arrivals {
    /// Poisson arrivals at `rate` per second.
    pub fn poisson(rate: f64) -> Result<Arrivals> {
        Ok(Arrivals {
            base: positive("rate", rate)?,
            diurnal: None,
            bursts: Vec::new(),
        })
    }

    /// Adds a daily cycle (see [`Diurnal`]).
    pub fn diurnal(mut self, amplitude: f64, period: f64, peak_at: f64) -> Result<Arrivals> {
        self.diurnal = Some(Diurnal {
            amplitude: probability("amplitude", amplitude)?,
            period: positive("period", period)?,
            peak_at: non_negative("peak_at", peak_at)?,
        });
        Ok(self)
    }

    /// Adds a burst: from `start` for `duration` seconds the rate is `factor` times higher.
    pub fn burst(mut self, start: f64, duration: f64, factor: f64) -> Result<Arrivals> {
        self.bursts.push(Burst {
            start: non_negative("start", start)?,
            duration: positive("duration", duration)?,
            factor: positive("factor", factor)?,
        });
        self.bursts.sort_by(|a, b| a.start.total_cmp(&b.start));
        Ok(self)
    }

    /// The base rate (per second), before the cycle and bursts.
    pub fn base_rate(&self) -> f64 {
        self.base
    }

    /// The same process with every rate multiplied by `factor` (for load sweeps).
    pub fn scaled(&self, factor: f64) -> Result<Arrivals> {
        let factor = positive("factor", factor)?;
        Ok(Arrivals {
            base: self.base * factor,
            ..self.clone()
        })
    }

    /// The rate at time `t`, per second.
    pub fn rate_at(&self, t: f64) -> f64 {
        self.base * self.diurnal_factor(t) * self.burst_factor(t)
    }

    /// The time of the first arrival after `now`.
    #[inline]
    pub fn next(&self, now: f64, rng: &mut SimRng) -> f64 {
        if self.diurnal.is_none() && self.bursts.is_empty() {
            return now + exp1(rng) / self.base;
        }
        let mut t = now;
        loop {
            let (bound, until) = self.bound_from(t);
            let candidate = t + exp1(rng) / bound;
            if candidate >= until {
                // Memoryless: restart from the boundary with the new bound.
                t = until;
                continue;
            }
            if rng.uniform() * bound < self.rate_at(candidate) {
                return candidate;
            }
            t = candidate;
        }
    }

    fn diurnal_factor(&self, t: f64) -> f64 {
        match self.diurnal {
            Some(d) => {
                1.0 + d.amplitude * (std::f64::consts::TAU * (t - d.peak_at) / d.period).cos()
            }
            None => 1.0,
        }
    }

    fn burst_factor(&self, t: f64) -> f64 {
        self.bursts
            .iter()
            .filter(|b| t >= b.start && t < b.start + b.duration)
            .map(|b| b.factor)
            .product()
    }

    /// An upper bound of the rate on `[t, until)`, and `until` (the next burst boundary).
    fn bound_from(&self, t: f64) -> (f64, f64) {
        let cycle_max = 1.0 + self.diurnal.map_or(0.0, |d| d.amplitude);
        let until = self
            .bursts
            .iter()
            .flat_map(|b| [b.start, b.start + b.duration])
            .filter(|&edge| edge > t)
            .fold(f64::INFINITY, f64::min);
        (self.base * cycle_max * self.burst_factor(t), until)
    }
}

#[inline]
fn exp1(rng: &mut SimRng) -> f64 {
    rand_distr::Distribution::<f64>::sample(&rand_distr::Exp1, rng)
}

impl std::fmt::Display for Arrivals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Poisson {}/s", self.base)?;
        if let Some(d) = self.diurnal {
            write!(f, ", daily cycle ±{:.0}%", d.amplitude * 100.0)?;
        }
        for b in &self.bursts {
            write!(
                f,
                ", ×{} burst at {}s for {}s",
                b.factor, b.start, b.duration
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(a: &Arrivals, from: f64, to: f64, seed: u64) -> usize {
        let mut rng = SimRng::new(seed);
        let mut t = a.next(0.0, &mut rng);
        let mut n = 0;
        while t < to {
            if t >= from {
                n += 1;
            }
            t = a.next(t, &mut rng);
        }
        n
    }

    #[test]
    fn poisson_counts_match_the_rate() {
        // 100 000 expected arrivals: Poisson sd = 316; 5 sd allowed.
        let a = Arrivals::poisson(100.0).unwrap();
        let n = count(&a, 0.0, 1000.0, 1) as f64;
        assert!((n - 100_000.0).abs() < 5.0 * 316.0, "{n}");
    }

    #[test]
    fn bursts_multiply_the_rate_only_inside_the_window() {
        // Inside: 10/s × 10 for 100 s → 10 000 expected (sd 100); outside 10/s.
        let a = Arrivals::poisson(10.0)
            .unwrap()
            .burst(100.0, 100.0, 10.0)
            .unwrap();
        let inside = count(&a, 100.0, 200.0, 2) as f64;
        let before = count(&a, 0.0, 100.0, 2) as f64;
        assert!((inside - 10_000.0).abs() < 500.0, "{inside}");
        assert!((before - 1_000.0).abs() < 5.0 * 31.7, "{before}");
        assert_eq!(a.rate_at(150.0), 100.0);
        assert_eq!(a.rate_at(250.0), 10.0);
    }

    #[test]
    fn the_daily_cycle_peaks_and_dips() {
        // Period 1000 s, ±80 %, peak at 250 s. Over the quarter-period around the peak the
        // mean rate is base·(1 + 0.8·sin(π/4)/(π/4)) = 1.720·base; around the trough,
        // 0.280·base. 100/s base: expected 43 006 and 7 006 arrivals (sd ≈ 207, 84).
        let a = Arrivals::poisson(100.0)
            .unwrap()
            .diurnal(0.8, 1000.0, 250.0)
            .unwrap();
        let k = 0.8 * (std::f64::consts::FRAC_PI_4).sin() / std::f64::consts::FRAC_PI_4;
        let peak = count(&a, 125.0, 375.0, 3) as f64;
        let trough = count(&a, 625.0, 875.0, 3) as f64;
        assert!((peak - 25_000.0 * (1.0 + k)).abs() < 5.0 * 207.0, "{peak}");
        assert!(
            (trough - 25_000.0 * (1.0 - k)).abs() < 5.0 * 84.0,
            "{trough}"
        );
    }

    #[test]
    fn bad_parameters_are_clear_errors() {
        assert!(Arrivals::poisson(0.0).is_err());
        assert!(Arrivals::poisson(-3.0).is_err());
        let a = Arrivals::poisson(1.0).unwrap();
        assert!(
            a.clone()
                .diurnal(1.5, 10.0, 0.0)
                .unwrap_err()
                .to_string()
                .contains("amplitude")
        );
        assert!(a.clone().burst(0.0, 0.0, 2.0).is_err());
        assert!(a.scaled(f64::NAN).is_err());
    }
}
