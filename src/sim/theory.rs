//! Closed forms from queueing and reliability theory: what the simulator is checked
//! against, and what lessons print next to simulated numbers.
//!
//! Notation: λ arrival rate, μ service rate of one server, c servers, ρ = λ / (cμ).
//! Every formula that needs a stable queue returns an error when ρ ≥ 1.

use crate::error::{Error, Result, at_least_one, positive, probability};

/// ρ = λ / (cμ), checked to be below 1.
pub fn utilisation(lambda: f64, mu: f64, c: usize) -> Result<f64> {
    positive("lambda", lambda)?;
    positive("mu", mu)?;
    at_least_one("c", c)?;
    let rho = lambda / (c as f64 * mu);
    if rho >= 1.0 {
        return Err(Error::param(
            "utilisation",
            format!("{rho:.4} (λ = {lambda}, c·μ = {})", c as f64 * mu),
            "< 1: the arrival rate must be below the capacity, or the queue grows forever",
        ));
    }
    Ok(rho)
}

/// M/M/1 mean response time (wait + service): 1 / (μ − λ).
pub fn mm1_mean_response(lambda: f64, mu: f64) -> Result<f64> {
    utilisation(lambda, mu, 1)?;
    Ok(1.0 / (mu - lambda))
}

/// M/M/1 response time percentile: the response time is exponential with rate μ − λ,
/// so its p-th percentile is −ln(1 − p/100) / (μ − λ).
pub fn mm1_response_percentile(lambda: f64, mu: f64, p: f64) -> Result<f64> {
    utilisation(lambda, mu, 1)?;
    if !(0.0..100.0).contains(&p) {
        return Err(Error::param("p", p, "in 0..100"));
    }
    Ok(-(1.0 - p / 100.0).ln() / (mu - lambda))
}

/// Erlang B: the probability that an arrival finds all `c` servers busy in a loss system
/// (no queue) with offered load `a` = λ/μ. Valid for any load.
pub fn erlang_b(c: usize, a: f64) -> Result<f64> {
    at_least_one("c", c)?;
    positive("a", a)?;
    // B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)): stable for large c.
    Ok((1..=c).fold(1.0, |b, k| a * b / (k as f64 + a * b)))
}

/// Erlang C: the probability that an arrival has to wait in an M/M/c queue.
pub fn erlang_c(lambda: f64, mu: f64, c: usize) -> Result<f64> {
    let rho = utilisation(lambda, mu, c)?;
    let b = erlang_b(c, lambda / mu)?;
    Ok(b / (1.0 - rho * (1.0 - b)))
}

/// M/M/c mean wait in the queue: C(c, λ/μ) / (cμ − λ).
pub fn mmc_mean_wait(lambda: f64, mu: f64, c: usize) -> Result<f64> {
    Ok(erlang_c(lambda, mu, c)? / (c as f64 * mu - lambda))
}

/// M/M/c mean response time: mean wait + 1/μ.
pub fn mmc_mean_response(lambda: f64, mu: f64, c: usize) -> Result<f64> {
    Ok(mmc_mean_wait(lambda, mu, c)? + 1.0 / mu)
}

/// M/G/1 mean wait (Pollaczek–Khinchine): λ·E\[S²\] / (2(1 − ρ)), for service times
/// with the given mean and variance.
pub fn mg1_mean_wait(lambda: f64, service_mean: f64, service_variance: f64) -> Result<f64> {
    let rho = utilisation(lambda, 1.0 / positive("service_mean", service_mean)?, 1)?;
    if !(service_variance.is_finite() && service_variance >= 0.0) {
        return Err(Error::param(
            "service_variance",
            service_variance,
            "a finite number >= 0",
        ));
    }
    let second_moment = service_variance + service_mean * service_mean;
    Ok(lambda * second_moment / (2.0 * (1.0 - rho)))
}

/// M/D/1 mean wait (constant service `d`): ρ·d / (2(1 − ρ)), half of M/M/1's.
pub fn md1_mean_wait(lambda: f64, d: f64) -> Result<f64> {
    mg1_mean_wait(lambda, d, 0.0)
}

/// The fraction of time a component is up: MTBF / (MTBF + MTTR).
pub fn availability(mtbf: f64, mttr: f64) -> Result<f64> {
    let up = positive("mtbf", mtbf)?;
    let down = positive("mttr", mttr)?;
    Ok(up / (up + down))
}

/// Availability of parts that all must work (in series): the product.
pub fn series(parts: &[f64]) -> Result<f64> {
    check_parts(parts)?;
    Ok(parts.iter().product())
}

/// Availability of redundant parts where one working part is enough (in parallel):
/// 1 − Π(1 − A).
pub fn parallel(parts: &[f64]) -> Result<f64> {
    check_parts(parts)?;
    Ok(1.0 - parts.iter().map(|a| 1.0 - a).product::<f64>())
}

/// "Nines" of an availability: 0.999 → 3.0.
pub fn nines(availability: f64) -> Result<f64> {
    let a = probability("availability", availability)?;
    Ok(-(1.0 - a).log10())
}

/// Downtime per year, in minutes, at an availability.
pub fn downtime_minutes_per_year(availability: f64) -> Result<f64> {
    Ok((1.0 - probability("availability", availability)?) * 365.25 * 24.0 * 60.0)
}

fn check_parts(parts: &[f64]) -> Result<()> {
    if parts.is_empty() {
        return Err(Error::param("parts", "[]", "at least one availability"));
    }
    for &a in parts {
        probability("availability", a)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_values() {
        assert!((mm1_mean_response(0.5, 1.0).unwrap() - 2.0).abs() < 1e-12);
        assert!((mm1_response_percentile(0.5, 1.0, 50.0).unwrap() - 2.0 * 2f64.ln()).abs() < 1e-12);
        // Erlang B(1, a) = a / (1 + a); C(1) = ρ.
        assert!((erlang_b(1, 1.0).unwrap() - 0.5).abs() < 1e-12);
        assert!((erlang_c(0.7, 1.0, 1).unwrap() - 0.7).abs() < 1e-12);
        // A known table value: c = 2, a = 1 → C = 1/3.
        assert!((erlang_c(1.0, 1.0, 2).unwrap() - 1.0 / 3.0).abs() < 1e-12);
        // M/M/c with c = 1 is M/M/1.
        assert!((mmc_mean_response(0.8, 1.0, 1).unwrap() - 5.0).abs() < 1e-12);
        // M/D/1 waits half as long as M/M/1 (wait = ρ/(μ−λ) = 4 at ρ = 0.8).
        assert!((md1_mean_wait(0.8, 1.0).unwrap() - 2.0).abs() < 1e-12);
        assert!((mg1_mean_wait(0.8, 1.0, 1.0).unwrap() - 4.0).abs() < 1e-12);
        assert!((availability(999.0, 1.0).unwrap() - 0.999).abs() < 1e-12);
        assert!((parallel(&[0.99, 0.99]).unwrap() - 0.9999).abs() < 1e-12);
        assert!((series(&[0.99, 0.99]).unwrap() - 0.9801).abs() < 1e-12);
        assert!((nines(0.999).unwrap() - 3.0).abs() < 1e-9);
        assert!((downtime_minutes_per_year(0.999).unwrap() - 525.96).abs() < 0.01);
    }

    #[test]
    fn unstable_and_invalid_inputs_are_errors() {
        let e = mm1_mean_response(1.0, 1.0).unwrap_err().to_string();
        assert!(e.contains("utilisation") && e.contains("< 1"), "{e}");
        assert!(mmc_mean_wait(10.0, 1.0, 10).is_err());
        assert!(erlang_c(1.0, 1.0, 0).is_err());
        assert!(mm1_mean_response(-1.0, 1.0).is_err());
        assert!(mm1_response_percentile(0.5, 1.0, 100.0).is_err());
        assert!(series(&[]).is_err());
        assert!(parallel(&[1.2]).is_err());
        assert!(
            erlang_b(3, 5.0).is_ok(),
            "a loss system is fine at any load"
        );
    }
}
