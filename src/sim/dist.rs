//! Distributions of service times, think times, lags and key popularity.
//!
//! [`Dist`] covers the continuous ones the lessons need (constant, exponential, uniform,
//! log-normal, Pareto); [`Zipf`] picks keys by popularity. Constructors check their
//! parameters and say what is allowed.

use std::fmt;
use std::sync::OnceLock;

use rand_distr::Distribution;

use super::rng::SimRng;
use crate::error::{Error, Result, non_negative, positive};

/// A non-negative continuous distribution (time in seconds, usually).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dist(Kind);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Constant(f64),
    Exponential { mean: f64 },
    Uniform { low: f64, high: f64 },
    LogNormal { mu: f64, sigma: f64 },
    Pareto { scale: f64, shape: f64 },
}

impl Dist {
    /// Always `value` (M/D/1's deterministic service).
    pub fn constant(value: f64) -> Result<Dist> {
        Ok(Dist(Kind::Constant(non_negative("value", value)?)))
    }

    /// Exponential with the given mean (rate 1/mean): memoryless service or arrivals.
    pub fn exponential(mean: f64) -> Result<Dist> {
        Ok(Dist(Kind::Exponential {
            mean: positive("mean", mean)?,
        }))
    }

    /// Exponential with the given rate (mean 1/rate).
    pub fn exponential_rate(rate: f64) -> Result<Dist> {
        Ok(Dist(Kind::Exponential {
            mean: 1.0 / positive("rate", rate)?,
        }))
    }

    /// Uniform on [low, high].
    pub fn uniform(low: f64, high: f64) -> Result<Dist> {
        non_negative("low", low)?;
        if !(high.is_finite() && high >= low) {
            return Err(Error::param(
                "high",
                high,
                format!("a finite number >= low ({low})"),
            ));
        }
        Ok(Dist(Kind::Uniform { low, high }))
    }

    /// Log-normal with the given mean and coefficient of variation (standard deviation /
    /// mean): the usual shape of real request latencies, a long right tail.
    pub fn log_normal(mean: f64, cv: f64) -> Result<Dist> {
        positive("mean", mean)?;
        positive("cv", cv)?;
        let sigma2 = (1.0 + cv * cv).ln();
        Ok(Dist(Kind::LogNormal {
            mu: mean.ln() - sigma2 / 2.0,
            sigma: sigma2.sqrt(),
        }))
    }

    /// Pareto with minimum `scale` and tail index `shape` (heavier tail for smaller shape;
    /// the mean is infinite for shape ≤ 1).
    pub fn pareto(scale: f64, shape: f64) -> Result<Dist> {
        Ok(Dist(Kind::Pareto {
            scale: positive("scale", scale)?,
            shape: positive("shape", shape)?,
        }))
    }

    /// Draws one value.
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> f64 {
        match self.0 {
            Kind::Constant(v) => v,
            Kind::Exponential { mean } => {
                mean * Distribution::<f64>::sample(&rand_distr::Exp1, rng)
            }
            Kind::Uniform { low, high } => low + (high - low) * rng.uniform(),
            Kind::LogNormal { mu, sigma } => {
                let z: f64 = Distribution::<f64>::sample(&rand_distr::StandardNormal, rng);
                (mu + sigma * z).exp()
            }
            Kind::Pareto { scale, shape } => scale * rng.uniform_open0().powf(-1.0 / shape),
        }
    }

    /// The mean (infinite for a Pareto with shape ≤ 1).
    pub fn mean(&self) -> f64 {
        match self.0 {
            Kind::Constant(v) => v,
            Kind::Exponential { mean } => mean,
            Kind::Uniform { low, high } => (low + high) / 2.0,
            Kind::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Kind::Pareto { scale, shape } if shape > 1.0 => shape * scale / (shape - 1.0),
            Kind::Pareto { .. } => f64::INFINITY,
        }
    }

    /// The variance (infinite for a Pareto with shape ≤ 2).
    pub fn variance(&self) -> f64 {
        match self.0 {
            Kind::Constant(_) => 0.0,
            Kind::Exponential { mean } => mean * mean,
            Kind::Uniform { low, high } => (high - low).powi(2) / 12.0,
            Kind::LogNormal { mu, sigma } => {
                let s2 = sigma * sigma;
                (s2.exp() - 1.0) * (2.0 * mu + s2).exp()
            }
            Kind::Pareto { scale, shape } if shape > 2.0 => {
                scale * scale * shape / ((shape - 1.0).powi(2) * (shape - 2.0))
            }
            Kind::Pareto { .. } => f64::INFINITY,
        }
    }

    /// The same shape, every value multiplied by `factor` > 0 (a server twice as fast
    /// serves with `factor` 0.5).
    pub fn scaled(&self, factor: f64) -> Result<Dist> {
        let f = positive("factor", factor)?;
        Ok(Dist(match self.0 {
            Kind::Constant(v) => Kind::Constant(v * f),
            Kind::Exponential { mean } => Kind::Exponential { mean: mean * f },
            Kind::Uniform { low, high } => Kind::Uniform {
                low: low * f,
                high: high * f,
            },
            Kind::LogNormal { mu, sigma } => Kind::LogNormal {
                mu: mu + f.ln(),
                sigma,
            },
            Kind::Pareto { scale, shape } => Kind::Pareto {
                scale: scale * f,
                shape,
            },
        }))
    }
}

impl fmt::Display for Dist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Kind::Constant(v) => write!(f, "constant {v}"),
            Kind::Exponential { mean } => write!(f, "exponential (mean {mean})"),
            Kind::Uniform { low, high } => write!(f, "uniform [{low}, {high}]"),
            Kind::LogNormal { .. } => write!(
                f,
                "log-normal (mean {:.4}, cv {:.2})",
                self.mean(),
                self.variance().sqrt() / self.mean()
            ),
            Kind::Pareto { scale, shape } => write!(f, "Pareto (scale {scale}, shape {shape})"),
        }
    }
}

/// Zipf popularity over `n` keys: key `k` (0 = most popular) is drawn with probability
/// proportional to 1 / (k + 1)^α. α = 0 is uniform; web and cache workloads are often
/// near α = 0.8–1.2.
#[derive(Debug, Clone)]
pub struct Zipf {
    n: u64,
    alpha: f64,
    sampler: rand_distr::Zipf<f64>,
    normaliser: OnceLock<f64>,
}

impl Zipf {
    /// Zipf over `n` ≥ 1 keys with exponent `alpha` ≥ 0. Sampling is O(1)
    /// (rejection-inversion); the exact probabilities cost O(n) once, when first asked.
    pub fn new(n: u64, alpha: f64) -> Result<Zipf> {
        if n == 0 {
            return Err(Error::param("n", n, "at least 1 key"));
        }
        let alpha = non_negative("alpha", alpha)?;
        let sampler = rand_distr::Zipf::new(n as f64, alpha)
            .map_err(|e| Error::param("alpha", alpha, format!("accepted by Zipf ({e})")))?;
        Ok(Zipf {
            n,
            alpha,
            sampler,
            normaliser: OnceLock::new(),
        })
    }

    /// The number of keys.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// The exponent α.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// Draws a key in `0..n`.
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> u64 {
        let rank: f64 = self.sampler.sample(rng);
        (rank as u64).clamp(1, self.n) - 1
    }

    /// The exact probability of key `k` (0 for a key outside `0..n`).
    pub fn pmf(&self, k: u64) -> f64 {
        if k >= self.n {
            return 0.0;
        }
        ((k + 1) as f64).powf(-self.alpha) / self.normaliser()
    }

    /// The probabilities of all keys, most popular first.
    pub fn probabilities(&self) -> Vec<f64> {
        let h = self.normaliser();
        (1..=self.n)
            .map(|k| (k as f64).powf(-self.alpha) / h)
            .collect()
    }

    fn normaliser(&self) -> f64 {
        // Summed from the smallest terms up, for accuracy.
        *self.normaliser.get_or_init(|| {
            (1..=self.n)
                .rev()
                .map(|k| (k as f64).powf(-self.alpha))
                .sum()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_mean(d: &Dist, n: usize, seed: u64) -> (f64, f64) {
        let mut rng = SimRng::new(seed);
        let xs: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
        let m = xs.iter().sum::<f64>() / n as f64;
        let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
        (m, v)
    }

    #[test]
    fn sample_means_match_the_formulas() {
        // 200 000 draws: the sample mean's standard error is sd/√n ≈ 0.0022·sd; we allow
        // 5 standard errors (a false failure has probability < 1e-6).
        let n = 200_000;
        for d in [
            Dist::constant(2.0).unwrap(),
            Dist::exponential(0.5).unwrap(),
            Dist::uniform(1.0, 3.0).unwrap(),
            Dist::log_normal(0.1, 1.0).unwrap(),
            Dist::pareto(1.0, 3.5).unwrap(),
        ] {
            let (m, v) = sample_mean(&d, n, 11);
            let se = (d.variance() / n as f64).sqrt();
            assert!(
                (m - d.mean()).abs() <= 5.0 * se + 1e-12,
                "{d}: sample mean {m} vs {}",
                d.mean()
            );
            if d.variance() > 0.0 {
                assert!(v > 0.0);
            }
        }
    }

    #[test]
    fn log_normal_has_the_requested_cv_and_scaling_keeps_shape() {
        let d = Dist::log_normal(0.2, 1.5).unwrap();
        assert!((d.mean() - 0.2).abs() < 1e-12);
        assert!((d.variance().sqrt() / d.mean() - 1.5).abs() < 1e-12);
        let half = d.scaled(0.5).unwrap();
        assert!((half.mean() - 0.1).abs() < 1e-12);
        assert!((half.variance().sqrt() / half.mean() - 1.5).abs() < 1e-12);
        assert!(Dist::pareto(1.0, 1.0).unwrap().mean().is_infinite());
    }

    #[test]
    fn bad_parameters_are_clear_errors() {
        assert!(Dist::exponential(0.0).is_err());
        assert!(Dist::exponential_rate(-1.0).is_err());
        assert!(Dist::exponential(f64::NAN).is_err());
        assert!(
            Dist::uniform(2.0, 1.0)
                .unwrap_err()
                .to_string()
                .contains("high")
        );
        assert!(Dist::constant(-1.0).is_err());
        assert!(Dist::log_normal(1.0, 0.0).is_err());
        assert!(Dist::pareto(1.0, -2.0).is_err());
        assert!(
            Zipf::new(0, 1.0)
                .unwrap_err()
                .to_string()
                .contains("at least 1 key")
        );
        assert!(Zipf::new(10, -0.5).is_err());
        assert!(Zipf::new(10, f64::NAN).is_err());
    }

    #[test]
    fn zipf_frequencies_match_the_exact_pmf() {
        // 10^6 draws over 1000 keys, α = 1. For each of the 20 most popular keys the count
        // is Binomial(n, p): we allow 5 standard deviations. Over all keys, the total
        // variation distance is dominated by noise of order Σ√(p/n) ≈ 0.02; we allow 0.03.
        let z = Zipf::new(1000, 1.0).unwrap();
        let n = 1_000_000u64;
        let mut rng = SimRng::new(5);
        let mut counts = vec![0u64; 1000];
        for _ in 0..n {
            counts[z.sample(&mut rng) as usize] += 1;
        }
        let p = z.probabilities();
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        for k in 0..20 {
            let expected = n as f64 * p[k];
            let sd = (n as f64 * p[k] * (1.0 - p[k])).sqrt();
            assert!(
                (counts[k] as f64 - expected).abs() < 5.0 * sd,
                "key {k}: {} vs {expected}",
                counts[k]
            );
            assert!((z.pmf(k as u64) - p[k]).abs() < 1e-15);
        }
        let tv: f64 = counts
            .iter()
            .zip(&p)
            .map(|(&c, &q)| (c as f64 / n as f64 - q).abs())
            .sum::<f64>()
            / 2.0;
        assert!(tv < 0.03, "total variation {tv}");
        assert_eq!(z.pmf(1000), 0.0);
    }

    #[test]
    fn zipf_with_alpha_zero_is_uniform_and_one_key_is_always_zero() {
        let z = Zipf::new(4, 0.0).unwrap();
        assert!(z.probabilities().iter().all(|&p| (p - 0.25).abs() < 1e-15));
        let one = Zipf::new(1, 1.2).unwrap();
        let mut rng = SimRng::new(1);
        assert!((0..100).all(|_| one.sample(&mut rng) == 0));
    }
}
