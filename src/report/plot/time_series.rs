//! Time series: values over simulated seconds, with what happened meanwhile: shaded
//! windows ("server 2 down" from t = 60 to 90) and marked moments ("deploy" at t = 45).
//! Their labels sit in a strip above the plot, so they never cover the data.

use plotters::style::text_anchor::{HPos, VPos};

use super::lines::{draw_lines, line_legend};
use super::{LogAxes, Series, check_names, check_points, common_options, extent, y_extent};
use crate::report::axis::AxisSpec;
use crate::report::canvas::{Canvas, paint};
use crate::report::figure::Figure;
use crate::report::frame::{Common, Frame, Layout, draw_frame};
use crate::report::style::{AXIS, MUTED, NOTE, PAD};
use crate::{Error, Result, t};

/// Opacity of a window's shading.
const SHADE: f64 = 0.13;
/// Smallest gap between two labels on one row of the strip.
const LABEL_GAP: f64 = 14.0;

/// Something that happened: during a window (`to` is `Some`) or at a moment.
#[derive(Debug, Clone, PartialEq)]
struct Happening {
    label: String,
    from: f64,
    to: Option<f64>,
}

/// A time series chart being built; see [`Plot::time_series`](super::Plot::time_series).
#[derive(Debug, Clone, PartialEq)]
pub struct TimeSeriesPlot {
    common: Common,
    series: Vec<Series>,
    happenings: Vec<Happening>,
    tight_y: bool,
}

common_options!(TimeSeriesPlot);

impl TimeSeriesPlot {
    pub(super) fn new(title: String) -> TimeSeriesPlot {
        TimeSeriesPlot {
            common: Common::new(title),
            series: Vec::new(),
            happenings: Vec::new(),
            tight_y: false,
        }
    }

    /// Adds a series named `name` of `(seconds, value)` points.
    pub fn series(mut self, name: impl Into<String>, points: &[(f64, f64)]) -> Self {
        self.series.push(Series {
            name: name.into(),
            points: points.to_vec(),
        });
        self
    }

    /// Shades the time from `from` to `to` seconds, labelled `label` (e.g. "server 2 down").
    pub fn window(mut self, label: impl Into<String>, from: f64, to: f64) -> Self {
        self.happenings.push(Happening {
            label: label.into(),
            from,
            to: Some(to),
        });
        self
    }

    /// Marks the moment `at` seconds with a dashed line, labelled `label`.
    pub fn event(mut self, label: impl Into<String>, at: f64) -> Self {
        self.happenings.push(Happening {
            label: label.into(),
            from: at,
            to: None,
        });
        self
    }

    /// Fits the y axis to the data instead of reaching down to zero.
    pub fn tight_y(mut self) -> Self {
        self.tight_y = true;
        self
    }

    /// Checks the data and draws the figure.
    pub fn render(&self) -> Result<Figure> {
        let chart = format!("time series \"{}\"", self.common.title);
        self.common.check()?;
        check_names(
            &chart,
            self.series.iter().map(|s| s.name.as_str()),
            ".series(name, &points)",
        )?;
        for series in &self.series {
            check_points(&chart, series, LogAxes::default())?;
        }
        for h in &self.happenings {
            check_happening(&chart, h)?;
        }

        let all = || self.series.iter().flat_map(|s| s.points.iter().copied());
        let times = all().map(|p| p.0).chain(
            self.happenings
                .iter()
                .flat_map(|h| [Some(h.from), h.to])
                .flatten(),
        );
        let (t0, t1) = extent(times);
        let (y0, y1) = y_extent(all().map(|p| p.1), self.tight_y);

        // Labels go in rows of a strip above the plot; place them with the plot's
        // approximate width (the y labels are not measured yet), generously apart.
        let width = self.common.size.0 as f64;
        let approx = |at: f64| {
            let span = if t1 > t0 { t1 - t0 } else { 1.0 };
            PAD + 50.0 + (at - t0) / span * (width - 2.0 * PAD - 50.0)
        };
        let rows = label_rows(&self.happenings, approx, width - PAD);
        let reserve_top = match rows.iter().max() {
            Some(last) => (last + 1) as f64 * NOTE.line_height() + 4.0,
            None => 0.0,
        };

        let layout = Layout {
            x: AxisSpec::Linear {
                lo: t0,
                hi: t1,
                pad: false,
            },
            y: AxisSpec::Linear {
                lo: y0,
                hi: y1,
                pad: true,
            },
            x_label: Some(
                self.common
                    .x_label
                    .clone()
                    .unwrap_or_else(|| t("시간 (초)", "time (s)").to_string()),
            ),
            y_label: self.common.y_label.clone(),
            x_grid: true,
            y_grid: true,
            reserve_right: 0.0,
            reserve_top,
        };
        let legend = line_legend(&self.series, false);
        paint(&self.common.title, self.common.size, |canvas| {
            let frame = draw_frame(canvas, &self.common, &legend, &layout)?;
            let strip_top = frame.top - layout.reserve_top;
            for (h, &row) in self.happenings.iter().zip(&rows) {
                draw_happening(
                    canvas,
                    &frame,
                    h,
                    strip_top + row as f64 * NOTE.line_height(),
                )?;
            }
            draw_lines(canvas, &frame, &self.series, false)
        })
    }
}

fn check_happening(chart: &str, h: &Happening) -> Result<()> {
    let finite = h.from.is_finite() && h.to.is_none_or(f64::is_finite);
    match h.to {
        Some(to) if !finite || to <= h.from => Err(Error::Report(format!(
            "{chart}: window \"{}\" goes from {} to {to}; it needs finite times with from < to",
            h.label, h.from
        ))),
        None if !finite => Err(Error::Report(format!(
            "{chart}: event \"{}\" is at {}; it needs a finite time",
            h.label, h.from
        ))),
        _ => Ok(()),
    }
}

/// Where the label of a happening starts, given the pixel of its time.
fn label_start(h: &Happening, at: f64, right: f64) -> f64 {
    let start = if h.to.is_some() { at + 4.0 } else { at + 5.0 };
    start.min(right - NOTE.width(&h.label))
}

/// The row of each label in the strip: from left to right, the first row where it
/// does not touch the label before it.
fn label_rows(happenings: &[Happening], px: impl Fn(f64) -> f64, right: f64) -> Vec<usize> {
    let spans: Vec<(f64, f64)> = happenings
        .iter()
        .map(|h| {
            let start = label_start(h, px(h.from), right);
            (start, start + NOTE.width(&h.label))
        })
        .collect();
    let mut order: Vec<usize> = (0..spans.len()).collect();
    order.sort_by(|&a, &b| spans[a].0.total_cmp(&spans[b].0));
    let mut rows = vec![0; spans.len()];
    let mut row_ends: Vec<f64> = Vec::new();
    for i in order {
        let (start, end) = spans[i];
        let row = row_ends
            .iter()
            .position(|&e| e + LABEL_GAP <= start)
            .unwrap_or(row_ends.len());
        if row == row_ends.len() {
            row_ends.push(end);
        } else {
            row_ends[row] = end;
        }
        rows[i] = row;
    }
    rows
}

/// Shades a window (or draws an event's dashed line) from its label's row down to
/// the bottom of the plot, and writes the label.
fn draw_happening(canvas: &Canvas<'_>, frame: &Frame, h: &Happening, label_top: f64) -> Result<()> {
    let from = frame.x_px(h.from);
    match h.to {
        Some(to) => canvas.rect(
            (from, label_top),
            (frame.x_px(to), frame.bottom),
            MUTED,
            SHADE,
        )?,
        None => canvas.dashed_vertical(from, (label_top, frame.bottom), AXIS)?,
    }
    let start = label_start(h, from, frame.right);
    canvas.text(
        &h.label,
        (start, label_top + 1.0),
        NOTE,
        (HPos::Left, VPos::Top),
    )
}
