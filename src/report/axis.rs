//! Axes: how data values map onto a line, and where the ticks go with what labels.
//!
//! Every axis works in "axis units": the value itself on a linear axis, `log10(value)`
//! on a log axis, the number of nines (`-log10(1 - p/100)`: 90% → 1, 99% → 2) on a
//! percentile axis, and the index on a category axis. Ticks are placed and labelled
//! here, so labels are round numbers like `0.3`, never `0.30000000000000004`.

use super::format::{format_number, group_thousands, trim_zeros};

/// How an axis maps values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scale {
    /// Values as they are.
    Linear,
    /// `log10(value)`; values must be > 0.
    Log,
    /// Percentiles in [0, 100), stretched towards the tail: 90, 99, 99.9 equally apart.
    Nines,
    /// Named categories at 0, 1, 2, ...
    Category,
}

/// What an axis should cover, before it knows how long it is on screen.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AxisSpec {
    /// Values from `lo` to `hi`; with `pad`, 5% of room at each end that is not zero.
    Linear { lo: f64, hi: f64, pad: bool },
    /// Values from `lo` to `hi` (both > 0), on a log scale.
    Log { lo: f64, hi: f64 },
    /// Percentiles from `lo` to `hi` (0 ≤ lo ≤ hi < 100).
    Nines { lo: f64, hi: f64 },
    /// One slot per category, labelled with its name.
    Categories(Vec<String>),
}

/// A tick: where it is (in axis units) and its label.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tick {
    pub at: f64,
    pub label: String,
}

/// An axis ready to draw: its range in axis units and its ticks.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Axis {
    pub scale: Scale,
    pub lo: f64,
    pub hi: f64,
    pub ticks: Vec<Tick>,
}

impl AxisSpec {
    /// The axis with about `wanted` ticks (fewer when the range is short).
    pub fn build(&self, wanted: usize) -> Axis {
        let wanted = wanted.max(2);
        match self {
            AxisSpec::Linear { lo, hi, pad } => linear(*lo, *hi, *pad, wanted),
            AxisSpec::Log { lo, hi } => log(*lo, *hi, wanted),
            AxisSpec::Nines { lo, hi } => nines(*lo, *hi),
            AxisSpec::Categories(names) => Axis {
                scale: Scale::Category,
                lo: -0.5,
                hi: names.len() as f64 - 0.5,
                ticks: names
                    .iter()
                    .enumerate()
                    .map(|(i, name)| Tick {
                        at: i as f64,
                        label: name.clone(),
                    })
                    .collect(),
            },
        }
    }
}

impl Axis {
    /// A data value in axis units.
    pub fn map(&self, value: f64) -> f64 {
        match self.scale {
            Scale::Linear | Scale::Category => value,
            Scale::Log => value.log10(),
            Scale::Nines => nines_of(value),
        }
    }

    /// Where a data value lies along the axis: 0 at `lo`, 1 at `hi`.
    pub fn fraction(&self, value: f64) -> f64 {
        (self.map(value) - self.lo) / (self.hi - self.lo)
    }

    /// Where a position in axis units lies along the axis: 0 at `lo`, 1 at `hi`.
    pub fn fraction_of_units(&self, at: f64) -> f64 {
        (at - self.lo) / (self.hi - self.lo)
    }
}

/// The number of nines of a percentile: 0% → 0, 90% → 1, 99% → 2, 99.9% → 3.
pub(crate) fn nines_of(percentile: f64) -> f64 {
    -(1.0 - percentile / 100.0).log10()
}

/// Widens an empty range `[v, v]` so that `v` sits in the middle of a visible one.
fn widen(lo: f64, hi: f64) -> (f64, f64) {
    if hi > lo {
        (lo, hi)
    } else if lo == 0.0 {
        (0.0, 1.0)
    } else {
        let d = lo.abs() * 0.1;
        (lo - d, hi + d)
    }
}

fn linear(lo: f64, hi: f64, pad: bool, wanted: usize) -> Axis {
    let (mut lo, mut hi) = widen(lo, hi);
    if pad {
        let room = (hi - lo) * 0.05;
        if lo != 0.0 {
            lo -= room;
        }
        if hi != 0.0 {
            hi += room;
        }
    }
    Axis {
        scale: Scale::Linear,
        lo,
        hi,
        ticks: linear_ticks(lo, hi, wanted, |v| v),
    }
}

/// Ticks at round multiples of a 1, 2, 2.5 or 5 × 10ⁿ step inside `[lo, hi]`;
/// `place` turns a tick value into axis units.
fn linear_ticks(lo: f64, hi: f64, wanted: usize, place: impl Fn(f64) -> f64) -> Vec<Tick> {
    let step = NiceStep::for_range(hi - lo, wanted);
    let first = (lo / step.value() - 1e-9).ceil() as i64;
    let last = (hi / step.value() + 1e-9).floor() as i64;
    let values: Vec<f64> = (first..=last).map(|k| k as f64 * step.value()).collect();
    let largest = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    values
        .into_iter()
        .map(|v| Tick {
            at: place(v),
            label: step.label(v, largest),
        })
        .collect()
}

/// A round step: `mantissa` × 10^`exponent`, with mantissa 1, 2, 2.5 or 5.
struct NiceStep {
    mantissa: f64,
    exponent: i32,
}

impl NiceStep {
    /// The smallest round step that cuts `span` into at most about `wanted` pieces.
    fn for_range(span: f64, wanted: usize) -> NiceStep {
        let raw = span / wanted as f64;
        let exponent = raw.log10().floor() as i32;
        let normalised = raw / 10f64.powi(exponent);
        match [1.0, 2.0, 2.5, 5.0]
            .into_iter()
            .find(|m| normalised <= m * (1.0 + 1e-9))
        {
            Some(mantissa) => NiceStep { mantissa, exponent },
            None => NiceStep {
                mantissa: 1.0,
                exponent: exponent + 1,
            },
        }
    }

    fn value(&self) -> f64 {
        self.mantissa * 10f64.powi(self.exponent)
    }

    /// Digits after the decimal point that a multiple of this step needs, when
    /// written in units of 10^`unit_exponent`.
    fn decimals(&self, unit_exponent: i32) -> usize {
        let extra = usize::from(self.mantissa == 2.5);
        (unit_exponent - self.exponent).max(0) as usize + extra
    }

    /// The label of tick `value`: exact to the step, large values with a k/M/G suffix.
    fn label(&self, value: f64, largest: f64) -> String {
        if value == 0.0 {
            return "0".to_string();
        }
        let (unit_exponent, suffix) = si_unit(largest);
        let decimals = self.decimals(unit_exponent);
        let scaled = value / 10f64.powi(unit_exponent);
        let text = trim_zeros(format!("{scaled:.decimals$}"));
        format!("{}{suffix}", group_thousands(&text))
    }
}

/// The unit (as a power of ten) and suffix that keep labels up to `largest` short:
/// numbers from 10,000 on are written 10k, 2.5M, 1G, 1T.
fn si_unit(largest: f64) -> (i32, &'static str) {
    match largest {
        l if l >= 1e12 => (12, "T"),
        l if l >= 1e9 => (9, "G"),
        l if l >= 1e6 => (6, "M"),
        l if l >= 1e4 => (3, "k"),
        _ => (0, ""),
    }
}

/// A single value in the short style of tick labels (log axes, colour scales).
pub(crate) fn compact(value: f64) -> String {
    let (unit_exponent, suffix) = si_unit(value.abs());
    if suffix.is_empty() {
        format_number(value)
    } else {
        format!(
            "{}{suffix}",
            format_number(value / 10f64.powi(unit_exponent))
        )
    }
}

fn log(lo: f64, hi: f64, wanted: usize) -> Axis {
    let (mut a, mut b) = (lo.log10(), hi.log10());
    if b - a < 1e-9 {
        a -= 0.5;
        b += 0.5;
    }
    let room = (b - a) * 0.04;
    a -= room;
    b += room;
    let decades = b - a;
    let multiples: &[f64] = if decades > 2.5 {
        &[1.0]
    } else if decades > 1.2 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0, 2.0, 3.0, 5.0]
    };
    let every = (decades / wanted as f64).ceil().max(1.0) as i32;
    let mut ticks = Vec::new();
    for decade in (a.floor() as i32)..=(b.ceil() as i32) {
        if decade.rem_euclid(every) != 0 {
            continue;
        }
        for m in multiples {
            let value = m * 10f64.powi(decade);
            let at = value.log10();
            if at >= a - 1e-9 && at <= b + 1e-9 {
                ticks.push(Tick {
                    at,
                    label: compact(value),
                });
            }
        }
    }
    if ticks.len() < 2 {
        // Less than a decade: round linear steps, placed on the log scale.
        ticks = linear_ticks(10f64.powf(a), 10f64.powf(b), wanted.min(5), f64::log10);
    }
    Axis {
        scale: Scale::Log,
        lo: a,
        hi: b,
        ticks,
    }
}

fn nines(lo: f64, hi: f64) -> Axis {
    let (a, b) = (nines_of(lo), nines_of(hi));
    let room = ((b - a) * 0.03).max(0.02);
    let (a, b) = ((a - room).max(0.0), b + room);
    let mut ticks = vec![Tick {
        at: 0.0,
        label: "0%".to_string(),
    }];
    ticks.push(Tick {
        at: nines_of(50.0),
        label: "50%".to_string(),
    });
    for n in 1..=9usize {
        // n nines: 90%, 99%, 99.9%, 99.99%, ...
        let label = match n {
            1 => "90%".to_string(),
            2 => "99%".to_string(),
            _ => format!("99.{}%", "9".repeat(n - 2)),
        };
        ticks.push(Tick {
            at: n as f64,
            label,
        });
    }
    ticks.retain(|t| t.at >= a - 1e-9 && t.at <= b + 1e-9);
    Axis {
        scale: Scale::Nines,
        lo: a,
        hi: b,
        ticks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(axis: &Axis) -> Vec<&str> {
        axis.ticks.iter().map(|t| t.label.as_str()).collect()
    }

    #[test]
    fn linear_ticks_are_round_and_exact() {
        let axis = AxisSpec::Linear {
            lo: 0.0,
            hi: 1.0,
            pad: false,
        }
        .build(10);
        assert_eq!(
            labels(&axis),
            [
                "0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1"
            ]
        );
        let axis = AxisSpec::Linear {
            lo: 0.0,
            hi: 1.0,
            pad: false,
        }
        .build(4);
        assert_eq!(labels(&axis), ["0", "0.25", "0.5", "0.75", "1"]);
        let axis = AxisSpec::Linear {
            lo: 0.0,
            hi: 95_000.0,
            pad: false,
        }
        .build(5);
        assert_eq!(labels(&axis), ["0", "20k", "40k", "60k", "80k"]);
        let axis = AxisSpec::Linear {
            lo: -3.0,
            hi: 7.0,
            pad: false,
        }
        .build(5);
        assert_eq!(labels(&axis), ["-2", "0", "2", "4", "6"]);
        let axis = AxisSpec::Linear {
            lo: 1000.0,
            hi: 9000.0,
            pad: false,
        }
        .build(4);
        assert_eq!(labels(&axis), ["2,000", "4,000", "6,000", "8,000"]);
    }

    #[test]
    fn padding_leaves_zero_on_the_axis() {
        let axis = AxisSpec::Linear {
            lo: 0.0,
            hi: 10.0,
            pad: true,
        }
        .build(5);
        assert_eq!(axis.lo, 0.0);
        assert!((axis.hi - 10.5).abs() < 1e-12);
        let flat = AxisSpec::Linear {
            lo: 3.0,
            hi: 3.0,
            pad: false,
        }
        .build(5);
        assert!(flat.lo < 3.0 && flat.hi > 3.0);
    }

    #[test]
    fn log_ticks_are_powers_of_ten_or_round_multiples() {
        let axis = AxisSpec::Log {
            lo: 1.0,
            hi: 100_000.0,
        }
        .build(6);
        assert_eq!(labels(&axis), ["1", "10", "100", "1,000", "10k", "100k"]);
        let axis = AxisSpec::Log {
            lo: 0.001,
            hi: 0.05,
        }
        .build(6);
        assert_eq!(
            labels(&axis),
            ["0.001", "0.002", "0.005", "0.01", "0.02", "0.05"]
        );
        let short = AxisSpec::Log {
            lo: 200.0,
            hi: 400.0,
        }
        .build(6);
        assert!(short.ticks.len() >= 2, "{:?}", short.ticks);
        assert!((short.map(100.0) - 2.0).abs() < 1e-12);
    }

    #[test]
    fn nines_ticks_name_the_tail() {
        let axis = AxisSpec::Nines { lo: 0.0, hi: 99.95 }.build(6);
        assert_eq!(labels(&axis), ["0%", "50%", "90%", "99%", "99.9%"]);
        assert!((axis.map(99.0) - 2.0).abs() < 1e-12);
        let deep = AxisSpec::Nines {
            lo: 0.0,
            hi: 99.9999,
        }
        .build(6);
        assert_eq!(labels(&deep).last(), Some(&"99.9999%"));
    }

    #[test]
    fn categories_sit_at_their_index() {
        let axis = AxisSpec::Categories(vec!["a".into(), "b".into()]).build(2);
        assert_eq!((axis.lo, axis.hi), (-0.5, 1.5));
        assert_eq!(axis.fraction(0.0), 0.25);
    }
}
