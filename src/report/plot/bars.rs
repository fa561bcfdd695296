//! Bar charts: one value per category, or grouped bars for several series.

use plotters::style::text_anchor::{HPos, VPos};

use super::{check_names, common_options, y_extent};
use crate::report::axis::{AxisSpec, compact};
use crate::report::canvas::{Canvas, paint};
use crate::report::figure::Figure;
use crate::report::frame::{Common, Frame, Layout, LegendEntry, Swatch, draw_frame};
use crate::report::style::{AXIS, NOTE, series_color};
use crate::{Error, Result};

/// How much of a category's slot its bars fill.
const GROUP_WIDTH: f64 = 0.8;

/// A bar chart being built; see [`Plot::bars`](super::Plot::bars).
#[derive(Debug, Clone, PartialEq)]
pub struct BarPlot {
    common: Common,
    categories: Vec<String>,
    series: Vec<(String, Vec<f64>)>,
    show_values: bool,
}

common_options!(BarPlot);

impl BarPlot {
    pub(super) fn new(title: String) -> BarPlot {
        BarPlot {
            common: Common::new(title),
            categories: Vec::new(),
            series: Vec::new(),
            show_values: false,
        }
    }

    /// Names the categories along the x axis, left to right.
    pub fn categories<S: AsRef<str>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.categories = names.into_iter().map(|s| s.as_ref().to_string()).collect();
        self
    }

    /// Adds a series named `name` with one value per category. With two or more
    /// series the bars are grouped and a legend names them.
    pub fn series(mut self, name: impl Into<String>, values: &[f64]) -> Self {
        self.series.push((name.into(), values.to_vec()));
        self
    }

    /// Writes each bar's value above it (where it fits).
    pub fn show_values(mut self) -> Self {
        self.show_values = true;
        self
    }

    /// Checks the data and draws the figure.
    pub fn render(&self) -> Result<Figure> {
        let chart = format!("bar chart \"{}\"", self.common.title);
        self.common.check()?;
        if self.categories.is_empty() {
            return Err(Error::Report(format!(
                "{chart}: no categories; name them with .categories([...])"
            )));
        }
        check_names(
            &chart,
            self.series.iter().map(|(n, _)| n.as_str()),
            ".series(name, &values)",
        )?;
        for (name, values) in &self.series {
            if values.len() != self.categories.len() {
                return Err(Error::Report(format!(
                    "{chart}: series \"{name}\" has {} values for {} categories",
                    values.len(),
                    self.categories.len()
                )));
            }
            if let Some(i) = values.iter().position(|v| !v.is_finite()) {
                return Err(Error::Report(format!(
                    "{chart}: series \"{name}\", value {i} ({}) is {}; values must be finite numbers",
                    self.categories[i], values[i]
                )));
            }
        }
        let (lo, hi) = y_extent(
            self.series.iter().flat_map(|(_, v)| v.iter().copied()),
            false,
        );
        let layout = Layout {
            x: AxisSpec::Categories(self.categories.clone()),
            y: AxisSpec::Linear { lo, hi, pad: true },
            x_label: self.common.x_label.clone(),
            y_label: self.common.y_label.clone(),
            x_grid: false,
            y_grid: true,
            reserve_right: 0.0,
            reserve_top: 0.0,
        };
        let legend: Vec<LegendEntry> = if self.series.len() > 1 {
            self.series
                .iter()
                .enumerate()
                .map(|(i, (name, _))| LegendEntry {
                    name: name.clone(),
                    color: series_color(i),
                    swatch: Swatch::Block,
                })
                .collect()
        } else {
            Vec::new()
        };
        paint(&self.common.title, self.common.size, |canvas| {
            let frame = draw_frame(canvas, &self.common, &legend, &layout)?;
            self.draw_bars(canvas, &frame)
        })
    }

    fn draw_bars(&self, canvas: &Canvas<'_>, frame: &Frame) -> Result<()> {
        let zero = frame.y_px(0.0);
        if frame.y.lo < 0.0 {
            canvas.polyline(&[(frame.left, zero), (frame.right, zero)], AXIS, 1)?;
        }
        let count = self.series.len() as f64;
        let bar = GROUP_WIDTH / count;
        // One pixel between neighbouring bars of a group.
        let gap = if self.series.len() > 1 { 1.0 } else { 0.0 };
        for (s, (_, values)) in self.series.iter().enumerate() {
            let color = series_color(s);
            for (c, &value) in values.iter().enumerate() {
                let x0 = frame.x_px(c as f64 - GROUP_WIDTH / 2.0 + s as f64 * bar);
                let x1 = frame.x_px(c as f64 - GROUP_WIDTH / 2.0 + (s + 1) as f64 * bar) - gap;
                let top = frame.y_px(value);
                canvas.rect((x0, top.min(zero)), (x1, top.max(zero)), color, 1.0)?;
                let label = compact(value);
                if self.show_values && NOTE.width(&label) <= x1 - x0 + 6.0 {
                    let (y, v) = if value >= 0.0 {
                        (top - 3.0, VPos::Bottom)
                    } else {
                        (top + 3.0, VPos::Top)
                    };
                    canvas.text(&label, ((x0 + x1) / 2.0, y), NOTE, (HPos::Center, v))?;
                }
            }
        }
        Ok(())
    }
}
