//! Line charts: one or several named series of (x, y) points.

use super::{
    LogAxes, Series, check_names, check_points, common_options, extent, keep_first, reported,
    y_extent, zip_points,
};
use crate::Result;
use crate::report::axis::AxisSpec;
use crate::report::canvas::{Canvas, Marker, paint};
use crate::report::figure::Figure;
use crate::report::frame::{Common, Frame, Layout, LegendEntry, Swatch, draw_frame};
use crate::report::style::{STROKE, series_color};

/// A line chart being built; see [`Plot::lines`](super::Plot::lines).
#[derive(Debug, Clone, PartialEq)]
pub struct LinePlot {
    common: Common,
    series: Vec<Series>,
    log: LogAxes,
    markers: bool,
    tight_y: bool,
    problem: Option<String>,
}

common_options!(LinePlot);

impl LinePlot {
    pub(super) fn new(title: String) -> LinePlot {
        LinePlot {
            common: Common::new(title),
            series: Vec::new(),
            log: LogAxes::default(),
            markers: false,
            tight_y: false,
            problem: None,
        }
    }

    /// Adds a series named `name` through `points` (x, y), drawn in the given order.
    pub fn series(mut self, name: impl Into<String>, points: &[(f64, f64)]) -> Self {
        self.series.push(Series {
            name: name.into(),
            points: points.to_vec(),
        });
        self
    }

    /// Adds a series from separate x and y values (of the same length).
    pub fn series_xy(mut self, name: impl Into<String>, xs: &[f64], ys: &[f64]) -> Self {
        let name = name.into();
        match zip_points(&name, xs, ys) {
            Ok(points) => self.series.push(Series { name, points }),
            Err(e) => keep_first(&mut self.problem, e),
        }
        self
    }

    /// Puts the x axis on a log scale (every x must be > 0).
    pub fn log_x(mut self) -> Self {
        self.log.x = true;
        self
    }

    /// Puts the y axis on a log scale (every y must be > 0).
    pub fn log_y(mut self) -> Self {
        self.log.y = true;
        self
    }

    /// Marks every data point (each series with its own shape).
    pub fn markers(mut self) -> Self {
        self.markers = true;
        self
    }

    /// Fits the y axis to the data instead of reaching down to zero.
    pub fn tight_y(mut self) -> Self {
        self.tight_y = true;
        self
    }

    /// Checks the data and draws the figure.
    pub fn render(&self) -> Result<Figure> {
        let chart = format!("line plot \"{}\"", self.common.title);
        reported(&chart, &self.problem)?;
        self.common.check()?;
        check_names(
            &chart,
            self.series.iter().map(|s| s.name.as_str()),
            ".series(name, &points)",
        )?;
        for series in &self.series {
            check_points(&chart, series, self.log)?;
        }
        let all = || self.series.iter().flat_map(|s| s.points.iter().copied());
        let (x_lo, x_hi) = extent(all().map(|p| p.0));
        let x = if self.log.x {
            AxisSpec::Log { lo: x_lo, hi: x_hi }
        } else {
            AxisSpec::Linear {
                lo: x_lo,
                hi: x_hi,
                pad: true,
            }
        };
        let y = if self.log.y {
            let (lo, hi) = extent(all().map(|p| p.1));
            AxisSpec::Log { lo, hi }
        } else {
            let (lo, hi) = y_extent(all().map(|p| p.1), self.tight_y);
            AxisSpec::Linear { lo, hi, pad: true }
        };
        let layout = Layout {
            x,
            y,
            x_label: self.common.x_label.clone(),
            y_label: self.common.y_label.clone(),
            x_grid: true,
            y_grid: true,
            reserve_right: 0.0,
            reserve_top: 0.0,
        };
        let legend = line_legend(&self.series, self.markers);
        paint(&self.common.title, self.common.size, |canvas| {
            let frame = draw_frame(canvas, &self.common, &legend, &layout)?;
            draw_lines(canvas, &frame, &self.series, self.markers)
        })
    }
}

/// One legend entry per series, in its colour (and marker).
pub(super) fn line_legend(series: &[Series], markers: bool) -> Vec<LegendEntry> {
    series
        .iter()
        .enumerate()
        .map(|(i, s)| LegendEntry {
            name: s.name.clone(),
            color: series_color(i),
            swatch: Swatch::Line(markers.then(|| Marker::nth(i))),
        })
        .collect()
}

/// Draws each series as a line in its colour, with its markers if asked (or if it is
/// a single point, which a line alone would not show).
pub(super) fn draw_lines(
    canvas: &Canvas<'_>,
    frame: &Frame,
    series: &[Series],
    markers: bool,
) -> Result<()> {
    for (i, s) in series.iter().enumerate() {
        let color = series_color(i);
        let pixels: Vec<(f64, f64)> = s.points.iter().map(|&p| frame.point(p)).collect();
        canvas.polyline(&pixels, color, STROKE)?;
        if markers || pixels.len() == 1 {
            for &at in &pixels {
                canvas.marker(Marker::nth(i), at, color)?;
            }
        }
    }
    Ok(())
}
