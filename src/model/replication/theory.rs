//! Closed forms for asynchronous replication with a constant network delay `d`,
//! exponential replay at rate μ per replica and Poisson writes at rate λ < μ.
//!
//! Replay is an M/M/1 queue, so a record's time from arrival to replayed is exponential
//! with rate μ − λ; the lag is `d` plus that.

use crate::error::{Error, Result, non_negative, positive};

fn check(write_rate: f64, apply_rate: f64) -> Result<(f64, f64)> {
    let lambda = non_negative("write_rate", write_rate)?;
    let mu = positive("apply_rate", apply_rate)?;
    if lambda >= mu {
        return Err(Error::param(
            "write_rate",
            lambda,
            format!(
                "below the replay rate {mu}/s: otherwise the replica falls behind without bound"
            ),
        ));
    }
    Ok((lambda, mu))
}

/// The mean replication lag, `d + 1 / (μ − λ)`.
pub fn mean_lag(ship_delay: f64, write_rate: f64, apply_rate: f64) -> Result<f64> {
    let (lambda, mu) = check(write_rate, apply_rate)?;
    Ok(non_negative("ship_delay", ship_delay)? + 1.0 / (mu - lambda))
}

/// The probability that a read `delta` seconds after a write, on a replica, does not see
/// it: 1 before `d`, then `e^(−(μ − λ)(Δ − d))`. With `d = 0` and mean lag `L`, `e^(−Δ/L)`.
pub fn stale_read_probability(
    delta: f64,
    ship_delay: f64,
    write_rate: f64,
    apply_rate: f64,
) -> Result<f64> {
    let (lambda, mu) = check(write_rate, apply_rate)?;
    let d = non_negative("ship_delay", ship_delay)?;
    let delta = non_negative("delta", delta)?;
    Ok(if delta < d {
        1.0
    } else {
        (-(mu - lambda) * (delta - d)).exp()
    })
}

/// The mean number of acknowledged writes lost when an asynchronous primary dies: those
/// committed in the last `d` seconds, not yet received by any replica, `λ·d`.
pub fn expected_lost_writes(write_rate: f64, ship_delay: f64) -> Result<f64> {
    Ok(non_negative("write_rate", write_rate)? * non_negative("ship_delay", ship_delay)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_errors() {
        assert!((mean_lag(0.001, 1000.0, 2000.0).unwrap() - 0.002).abs() < 1e-12);
        assert_eq!(
            stale_read_probability(0.0005, 0.001, 1000.0, 2000.0).unwrap(),
            1.0
        );
        let p = stale_read_probability(0.011, 0.001, 1900.0, 2000.0).unwrap();
        assert!((p - (-1.0f64).exp()).abs() < 1e-12);
        assert!((expected_lost_writes(500.0, 0.004).unwrap() - 2.0).abs() < 1e-12);
        let e = mean_lag(0.0, 2000.0, 2000.0).unwrap_err().to_string();
        assert!(
            e.contains("write_rate") && e.contains("below the replay rate"),
            "{e}"
        );
        assert!(stale_read_probability(-1.0, 0.0, 1.0, 2.0).is_err());
    }
}
