//! Chart builders: a figure in one or two lines of a notebook cell.
//!
//! ```text
//! let fig = Plot::lines(t("지연 시간 대 부하", "Latency vs load"))
//!     .x_label(t("부하 (요청/초)", "load (requests/s)"))
//!     .y_label("p99 (ms)")
//!     .series("p99", &points)
//!     .render()?;
//! ```
//!
//! Every builder takes a title, then options and data in any order; `render` checks
//! the data (no series, empty series, NaN or infinite values, mismatched lengths are
//! errors that name the series and the point) and draws the figure in the house style.

mod bars;
mod distribution;
mod heatmap;
mod lines;
mod time_series;

pub use bars::BarPlot;
pub use distribution::DistributionPlot;
pub use heatmap::HeatMap;
pub use lines::LinePlot;
pub use time_series::TimeSeriesPlot;

use crate::{Error, Result};

/// Where every figure starts: pick the kind of chart and give it a title.
#[derive(Debug, Clone, Copy)]
pub struct Plot;

impl Plot {
    /// Lines through (x, y) points: one or several named series, optional log axes and
    /// point markers.
    pub fn lines(title: impl Into<String>) -> LinePlot {
        LinePlot::new(title.into())
    }

    /// Bars for named categories; several series make grouped bars.
    pub fn bars(title: impl Into<String>) -> BarPlot {
        BarPlot::new(title.into())
    }

    /// Cumulative distributions: x = value, y = the percentage of values at or below it.
    pub fn cdf(title: impl Into<String>) -> DistributionPlot {
        DistributionPlot::cdf(title.into())
    }

    /// Percentile curves: x = percentile on a scale that stretches the tail (50%, 90%,
    /// 99%, 99.9% equally apart), y = value.
    pub fn percentiles(title: impl Into<String>) -> DistributionPlot {
        DistributionPlot::percentiles(title.into())
    }

    /// Values over time in seconds, with shaded windows and marked events.
    pub fn time_series(title: impl Into<String>) -> TimeSeriesPlot {
        TimeSeriesPlot::new(title.into())
    }

    /// A matrix of values as coloured cells, with row and column labels and a colour
    /// scale.
    pub fn heatmap(title: impl Into<String>) -> HeatMap {
        HeatMap::new(title.into())
    }
}

/// The options every builder has: size, subtitle and axis titles.
macro_rules! common_options {
    ($builder:ty) => {
        impl $builder {
            /// Sets the size in pixels (default 720 × 440; width 240 to 4000, height 160 to 4000).
            pub fn size(mut self, width: u32, height: u32) -> Self {
                self.common.size = (width, height);
                self
            }

            /// Adds a line under the title (the scenario, the seed, ...).
            pub fn subtitle(mut self, subtitle: impl Into<String>) -> Self {
                self.common.subtitle = Some(subtitle.into());
                self
            }

            /// Names the horizontal axis.
            pub fn x_label(mut self, label: impl Into<String>) -> Self {
                self.common.x_label = Some(label.into());
                self
            }

            /// Names the vertical axis.
            pub fn y_label(mut self, label: impl Into<String>) -> Self {
                self.common.y_label = Some(label.into());
                self
            }
        }
    };
}
pub(crate) use common_options;

/// A named series of (x, y) points.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// Which axes are logarithmic, for checking that the data fits them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct LogAxes {
    pub x: bool,
    pub y: bool,
}

/// Keeps the first problem found while a builder was given data; `render` reports it.
pub(crate) fn keep_first(problem: &mut Option<String>, new: String) {
    if problem.is_none() {
        *problem = Some(new);
    }
}

/// The problem kept by a builder, if any, as the error `render` returns.
pub(crate) fn reported(chart: &str, problem: &Option<String>) -> Result<()> {
    match problem {
        Some(problem) => Err(Error::Report(format!("{chart}: {problem}"))),
        None => Ok(()),
    }
}

/// Series names must be present, non-empty and different from each other.
pub(crate) fn check_names<'a>(
    chart: &str,
    names: impl IntoIterator<Item = &'a str>,
    add_one: &str,
) -> Result<()> {
    let mut seen: Vec<&str> = Vec::new();
    for name in names {
        if name.trim().is_empty() {
            return Err(Error::Report(format!(
                "{chart}: a series has an empty name"
            )));
        }
        if seen.contains(&name) {
            return Err(Error::Report(format!(
                "{chart}: two series are named \"{name}\""
            )));
        }
        seen.push(name);
    }
    if seen.is_empty() {
        return Err(Error::Report(format!(
            "{chart}: no series to draw; add one with {add_one}"
        )));
    }
    Ok(())
}

/// The points of a series must exist, be finite and fit the log axes.
pub(crate) fn check_points(chart: &str, series: &Series, log: LogAxes) -> Result<()> {
    let name = &series.name;
    if series.points.is_empty() {
        return Err(Error::Report(format!(
            "{chart}: series \"{name}\" has no points"
        )));
    }
    for (i, &(x, y)) in series.points.iter().enumerate() {
        if !x.is_finite() || !y.is_finite() {
            return Err(Error::Report(format!(
                "{chart}: series \"{name}\", point {i} is ({x}, {y}); x and y must be finite numbers"
            )));
        }
        for (axis, value, is_log) in [("x", x, log.x), ("y", y, log.y)] {
            if is_log && value <= 0.0 {
                return Err(Error::Report(format!(
                    "{chart}: series \"{name}\", point {i} has {axis} = {value}, which a log \
                     {axis} axis cannot show (it needs {axis} > 0)"
                )));
            }
        }
    }
    Ok(())
}

/// Pairs `xs` with `ys`, or says which series has lengths that differ.
pub(crate) fn zip_points(
    series: &str,
    xs: &[f64],
    ys: &[f64],
) -> std::result::Result<Vec<(f64, f64)>, String> {
    if xs.len() != ys.len() {
        return Err(format!(
            "series \"{series}\" has {} x values but {} y values",
            xs.len(),
            ys.len()
        ));
    }
    Ok(xs.iter().copied().zip(ys.iter().copied()).collect())
}

/// The smallest and largest of `values` (which must not be empty or NaN).
pub(crate) fn extent(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    values
        .into_iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        })
}

/// The y range of values, reaching down (or up) to zero unless `tight`.
pub(crate) fn y_extent(values: impl IntoIterator<Item = f64>, tight: bool) -> (f64, f64) {
    let (lo, hi) = extent(values);
    if tight {
        (lo, hi)
    } else {
        (lo.min(0.0), hi.max(0.0))
    }
}
