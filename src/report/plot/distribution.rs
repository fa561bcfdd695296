//! Distributions: cumulative distribution (CDF) and percentile curves, from raw samples
//! or from (percentile, value) points. Latency lives in the tail, so values can go on
//! a log scale and the percentile view stretches 90%, 99%, 99.9% equally apart.

use super::lines::{draw_lines, line_legend};
use super::{Series, check_names, common_options, extent, keep_first, reported, y_extent};
use crate::report::axis::AxisSpec;
use crate::report::canvas::paint;
use crate::report::figure::Figure;
use crate::report::frame::{Common, Layout, draw_frame};
use crate::{Result, t};

/// Up to this many samples, every sample is a point of the curve.
const ALL_SAMPLES_UP_TO: usize = 1000;

/// Which way round the distribution is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    /// x = value, y = percentage of values at or below it.
    Cdf,
    /// x = percentile (tail-stretched), y = value.
    Percentiles,
}

/// Where a curve comes from.
#[derive(Debug, Clone, PartialEq)]
enum Source {
    Samples(Vec<f64>),
    /// (percentile, value) pairs.
    Points(Vec<(f64, f64)>),
}

/// A CDF or percentile chart being built; see [`Plot::cdf`](super::Plot::cdf) and
/// [`Plot::percentiles`](super::Plot::percentiles).
#[derive(Debug, Clone, PartialEq)]
pub struct DistributionPlot {
    common: Common,
    view: View,
    curves: Vec<(String, Source)>,
    log_values: bool,
    markers: bool,
    problem: Option<String>,
}

common_options!(DistributionPlot);

impl DistributionPlot {
    pub(super) fn cdf(title: String) -> DistributionPlot {
        DistributionPlot::new(title, View::Cdf)
    }

    pub(super) fn percentiles(title: String) -> DistributionPlot {
        DistributionPlot::new(title, View::Percentiles)
    }

    fn new(title: String, view: View) -> DistributionPlot {
        DistributionPlot {
            common: Common::new(title),
            view,
            curves: Vec::new(),
            log_values: false,
            markers: false,
            problem: None,
        }
    }

    /// Adds the distribution of raw `samples` (in any order) as a curve named `name`.
    pub fn samples(mut self, name: impl Into<String>, samples: &[f64]) -> Self {
        self.curves
            .push((name.into(), Source::Samples(samples.to_vec())));
        self
    }

    /// Adds a curve named `name` through known `(percentile, value)` points, for
    /// example `&[(50.0, 12.0), (99.0, 80.0), (99.9, 210.0)]`.
    pub fn points(mut self, name: impl Into<String>, points: &[(f64, f64)]) -> Self {
        let name = name.into();
        let upper = match self.view {
            View::Cdf => "100",
            View::Percentiles => "below 100 (100% is infinitely far on this scale)",
        };
        for (i, &(p, _)) in points.iter().enumerate() {
            let fits = (0.0..=100.0).contains(&p) && (self.view == View::Cdf || p < 100.0);
            if !fits {
                let problem = format!(
                    "series \"{name}\", point {i} has percentile {p}; percentiles go from 0 to {upper}"
                );
                keep_first(&mut self.problem, problem);
            }
        }
        self.curves.push((name, Source::Points(points.to_vec())));
        self
    }

    /// Puts the values on a log scale (every value must be > 0): the x axis of a CDF,
    /// the y axis of a percentile chart.
    pub fn log_values(mut self) -> Self {
        self.log_values = true;
        self
    }

    /// Marks every point of the curves.
    pub fn markers(mut self) -> Self {
        self.markers = true;
        self
    }

    /// Checks the data and draws the figure.
    pub fn render(&self) -> Result<Figure> {
        let kind = match self.view {
            View::Cdf => "CDF plot",
            View::Percentiles => "percentile plot",
        };
        let chart = format!("{kind} \"{}\"", self.common.title);
        reported(&chart, &self.problem)?;
        self.common.check()?;
        check_names(
            &chart,
            self.curves.iter().map(|(n, _)| n.as_str()),
            ".samples(name, &values)",
        )?;
        let mut curves = Vec::with_capacity(self.curves.len());
        for (name, source) in &self.curves {
            let points = percentile_points(&chart, name, source, self.log_values)?;
            let points = match self.view {
                View::Cdf => points.into_iter().map(|(p, v)| (v, p)).collect(),
                View::Percentiles => points,
            };
            curves.push(Series {
                name: name.clone(),
                points,
            });
        }
        let layout = self.layout(&curves);
        let legend = line_legend(&curves, self.markers);
        paint(&self.common.title, self.common.size, |canvas| {
            let frame = draw_frame(canvas, &self.common, &legend, &layout)?;
            draw_lines(canvas, &frame, &curves, self.markers)
        })
    }

    /// The axes for curves already turned into plotting order.
    fn layout(&self, curves: &[Series]) -> Layout {
        let all = || curves.iter().flat_map(|s| s.points.iter().copied());
        let values = |log: bool, values: Vec<f64>| {
            let (lo, hi) = if log {
                extent(values)
            } else {
                y_extent(values, false)
            };
            if log {
                AxisSpec::Log { lo, hi }
            } else {
                AxisSpec::Linear { lo, hi, pad: true }
            }
        };
        let common = &self.common;
        match self.view {
            View::Cdf => Layout {
                x: values(self.log_values, all().map(|p| p.0).collect()),
                y: AxisSpec::Linear {
                    lo: 0.0,
                    hi: 100.0,
                    pad: true,
                },
                x_label: common.x_label.clone(),
                y_label: Some(
                    common
                        .y_label
                        .clone()
                        .unwrap_or_else(|| t("누적 비율 (%)", "cumulative share (%)").to_string()),
                ),
                x_grid: true,
                y_grid: true,
                reserve_right: 0.0,
                reserve_top: 0.0,
            },
            View::Percentiles => {
                let (lo, hi) = extent(all().map(|p| p.0));
                Layout {
                    x: AxisSpec::Nines { lo, hi },
                    y: values(self.log_values, all().map(|p| p.1).collect()),
                    x_label: Some(
                        common
                            .x_label
                            .clone()
                            .unwrap_or_else(|| t("백분위", "percentile").to_string()),
                    ),
                    y_label: common.y_label.clone(),
                    x_grid: true,
                    y_grid: true,
                    reserve_right: 0.0,
                    reserve_top: 0.0,
                }
            }
        }
    }
}

/// A curve as (percentile, value) points in percentile order, checked.
fn percentile_points(
    chart: &str,
    name: &str,
    source: &Source,
    log: bool,
) -> Result<Vec<(f64, f64)>> {
    let values: Vec<f64> = match source {
        Source::Samples(samples) => samples.clone(),
        Source::Points(points) => points.iter().map(|p| p.1).collect(),
    };
    let what = match source {
        Source::Samples(_) => "sample",
        Source::Points(_) => "point",
    };
    if values.is_empty() {
        return Err(crate::Error::Report(format!(
            "{chart}: series \"{name}\" has no {what}s"
        )));
    }
    for (i, &v) in values.iter().enumerate() {
        if !v.is_finite() || (log && v <= 0.0) {
            let needed = if log {
                "a finite number > 0 (the values are on a log scale)"
            } else {
                "a finite number"
            };
            return Err(crate::Error::Report(format!(
                "{chart}: series \"{name}\", {what} {i} is {v}; each value must be {needed}"
            )));
        }
    }
    Ok(match source {
        Source::Samples(samples) => sample_curve(samples),
        Source::Points(points) => {
            let mut sorted = points.clone();
            sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
            sorted
        }
    })
}

/// Samples as (percentile, value) points. Every point is an actual sample, drawn at its
/// plotting position: the i-th smallest of n (from 0) at percentile 100·(i + ½)/n.
/// Up to [`ALL_SAMPLES_UP_TO`] samples all are drawn; beyond, a grid that is dense in
/// the tail: every 1% up to 99%, then 99.1% … 99.9%, 99.91% … 99.99%, and so on, and
/// always the largest sample.
pub(crate) fn sample_curve(samples: &[f64]) -> Vec<(f64, f64)> {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let indices: Vec<usize> = if n <= ALL_SAMPLES_UP_TO {
        (0..n).collect()
    } else {
        tail_grid(n)
    };
    indices
        .into_iter()
        .map(|i| (100.0 * (i as f64 + 0.5) / n as f64, sorted[i]))
        .collect()
}

/// The sample indices of the tail-dense grid for `n` samples, increasing.
fn tail_grid(n: usize) -> Vec<usize> {
    let mut fractions: Vec<f64> = (1..100).map(|p| p as f64 / 100.0).collect();
    // `beyond`: the share of samples above the last decade's grid (1%, 0.1%, ...).
    let mut beyond = 0.01;
    while beyond * n as f64 > 1.0 {
        fractions.extend((1..=9).map(|j| 1.0 - beyond * (1.0 - j as f64 / 10.0)));
        beyond /= 10.0;
    }
    let mut indices = vec![0];
    indices.extend(
        fractions
            .into_iter()
            .map(|f| ((f * n as f64) as usize).min(n - 1)),
    );
    indices.push(n - 1);
    indices.dedup();
    indices
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_sample_sets_draw_every_sample_at_its_plotting_position() {
        let curve = sample_curve(&[3.0, 1.0, 2.0, 4.0]);
        assert_eq!(
            curve,
            vec![(12.5, 1.0), (37.5, 2.0), (62.5, 3.0), (87.5, 4.0)]
        );
    }

    #[test]
    fn large_sample_sets_keep_the_tail_and_the_maximum() {
        let samples: Vec<f64> = (0..100_000).map(|i| i as f64).collect();
        let curve = sample_curve(&samples);
        assert!(curve.len() < 200, "{}", curve.len());
        assert_eq!(curve.first().unwrap().1, 0.0);
        assert_eq!(curve.last().unwrap().1, 99_999.0);
        // 99.9% and 99.99% are drawn from the samples found there.
        assert!(curve.iter().any(|&(_, v)| v == 99_900.0));
        assert!(curve.iter().any(|&(_, v)| v == 99_990.0));
        assert!(curve.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1));
    }
}
