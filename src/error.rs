//! The one error type of the library: every invalid parameter is a clear message
//! that names the parameter, the value given and what is allowed.

use std::fmt::Display;

/// Everything the simulator, the models and the reports can refuse.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A parameter outside its allowed range.
    #[error("invalid parameter `{name}` = {value}: must be {allowed}")]
    InvalidParameter {
        /// The parameter's name as the caller wrote it.
        name: &'static str,
        /// The value that was given, formatted.
        value: String,
        /// The allowed range, in words.
        allowed: String,
    },
    /// A configuration whose parts do not fit together (a balancer with no servers,
    /// a shard map with a gap, ...).
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// A table or figure could not be built or written.
    #[error("report: {0}")]
    Report(String),
}

/// The library's result type.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An [`Error::InvalidParameter`] for `name` = `value`, which must be `allowed`.
    pub fn param(name: &'static str, value: impl Display, allowed: impl Into<String>) -> Self {
        Error::InvalidParameter {
            name,
            value: value.to_string(),
            allowed: allowed.into(),
        }
    }
}

/// `value` if it is finite and > 0.
pub fn positive(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(Error::param(name, value, "a finite number > 0"))
    }
}

/// `value` if it is finite and >= 0.
pub fn non_negative(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(Error::param(name, value, "a finite number >= 0"))
    }
}

/// `value` if it is a probability in [0, 1].
pub fn probability(name: &'static str, value: f64) -> Result<f64> {
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(Error::param(name, value, "a probability in [0, 1]"))
    }
}

/// `value` if it is at least 1 (a count of servers, keys, nodes, ...).
pub fn at_least_one(name: &'static str, value: usize) -> Result<usize> {
    if value >= 1 {
        Ok(value)
    } else {
        Err(Error::param(name, value, "at least 1"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_parameter_and_the_range() {
        let e = positive("rate", -1.0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid parameter `rate` = -1: must be a finite number > 0"
        );
        assert!(positive("rate", f64::NAN).is_err());
        assert!(positive("rate", f64::INFINITY).is_err());
        assert!(non_negative("ttl", 0.0).is_ok());
        assert!(non_negative("ttl", -0.5).is_err());
        assert!(probability("p", 1.0).is_ok());
        assert!(probability("p", 1.01).is_err());
        assert_eq!(
            at_least_one("servers", 0).unwrap_err().to_string(),
            "invalid parameter `servers` = 0: must be at least 1"
        );
    }
}
