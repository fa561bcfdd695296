//! Heat maps: a matrix of values as coloured cells, first row at the top, with a colour
//! scale on the right. Colours follow viridis (dark blue → yellow), which stays
//! readable for colour-blind readers and in greyscale.

use plotters::style::RGBColor;
use plotters::style::text_anchor::{HPos, VPos};

use super::common_options;
use crate::report::axis::{AxisSpec, compact};
use crate::report::canvas::{Canvas, paint};
use crate::report::figure::Figure;
use crate::report::frame::{Common, Frame, Layout, draw_frame};
use crate::report::style::{AXIS_TITLE, INK, NOTE, PANEL, TICK};
use crate::{Error, Result};

/// Viridis at nine evenly spaced points; colours in between are interpolated.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (0x44, 0x01, 0x54),
    (0x47, 0x2D, 0x7B),
    (0x3B, 0x52, 0x8B),
    (0x2C, 0x72, 0x8E),
    (0x21, 0x90, 0x8C),
    (0x27, 0xAD, 0x81),
    (0x5D, 0xC8, 0x63),
    (0xAA, 0xDC, 0x32),
    (0xFD, 0xE7, 0x25),
];

/// The colour scale: its gap from the plot, bar width, and steps drawn.
const SCALE_GAP: f64 = 18.0;
const SCALE_BAR: f64 = 12.0;
const SCALE_STEPS: usize = 48;

/// A heat map being built; see [`Plot::heatmap`](super::Plot::heatmap).
#[derive(Debug, Clone, PartialEq)]
pub struct HeatMap {
    common: Common,
    rows: Vec<String>,
    columns: Vec<String>,
    values: Vec<Vec<f64>>,
    scale_label: Option<String>,
}

common_options!(HeatMap);

impl HeatMap {
    pub(super) fn new(title: String) -> HeatMap {
        HeatMap {
            common: Common::new(title),
            rows: Vec::new(),
            columns: Vec::new(),
            values: Vec::new(),
            scale_label: None,
        }
    }

    /// Names the rows, top to bottom.
    pub fn rows<S: AsRef<str>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.rows = names.into_iter().map(|s| s.as_ref().to_string()).collect();
        self
    }

    /// Names the columns, left to right.
    pub fn columns<S: AsRef<str>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.columns = names.into_iter().map(|s| s.as_ref().to_string()).collect();
        self
    }

    /// The values, one slice per row (`&[Vec<f64>]`, `&[[f64; N]]`, ...).
    pub fn values<R: AsRef<[f64]>>(mut self, rows: &[R]) -> Self {
        self.values = rows.iter().map(|r| r.as_ref().to_vec()).collect();
        self
    }

    /// Names what the colours mean (shown above the colour scale).
    pub fn scale_label(mut self, label: impl Into<String>) -> Self {
        self.scale_label = Some(label.into());
        self
    }

    /// Checks the data and draws the figure.
    pub fn render(&self) -> Result<Figure> {
        let chart = format!("heat map \"{}\"", self.common.title);
        self.common.check()?;
        self.check(&chart)?;
        let all = || self.values.iter().flatten().copied();
        let lo = all().fold(f64::INFINITY, f64::min);
        let hi = all().fold(f64::NEG_INFINITY, f64::max);
        let scale = AxisSpec::Linear { lo, hi, pad: false }.build(5);

        let labels_width = scale
            .ticks
            .iter()
            .map(|t| TICK.width(&t.label))
            .fold(0.0, f64::max);
        let title_width = self
            .scale_label
            .as_ref()
            .map_or(0.0, |l| AXIS_TITLE.width(l));
        let reserve_right = SCALE_GAP + (SCALE_BAR + 6.0 + labels_width).max(title_width);
        let layout = Layout {
            x: AxisSpec::Categories(self.columns.clone()),
            // The y axis counts from the bottom; the first row goes on top.
            y: AxisSpec::Categories(self.rows.iter().rev().cloned().collect()),
            x_label: self.common.x_label.clone(),
            y_label: self.common.y_label.clone(),
            x_grid: false,
            y_grid: false,
            reserve_right,
            reserve_top: 0.0,
        };
        paint(&self.common.title, self.common.size, |canvas| {
            let frame = draw_frame(canvas, &self.common, &[], &layout)?;
            let fraction = |v: f64| scale.fraction(v).clamp(0.0, 1.0);
            self.draw_cells(canvas, &frame, fraction)?;
            self.draw_scale(canvas, &frame, &scale)
        })
    }

    fn check(&self, chart: &str) -> Result<()> {
        if self.rows.is_empty() || self.columns.is_empty() {
            return Err(Error::Report(format!(
                "{chart}: it needs rows and columns; name them with .rows([...]) and .columns([...])"
            )));
        }
        if self.values.len() != self.rows.len() {
            return Err(Error::Report(format!(
                "{chart}: {} rows of values for {} row names",
                self.values.len(),
                self.rows.len()
            )));
        }
        for (r, row) in self.values.iter().enumerate() {
            if row.len() != self.columns.len() {
                return Err(Error::Report(format!(
                    "{chart}: row {r} (\"{}\") has {} values for {} columns",
                    self.rows[r],
                    row.len(),
                    self.columns.len()
                )));
            }
            if let Some(c) = row.iter().position(|v| !v.is_finite()) {
                return Err(Error::Report(format!(
                    "{chart}: row {r} (\"{}\"), column {c} (\"{}\") is {}; values must be finite numbers",
                    self.rows[r], self.columns[c], row[c]
                )));
            }
        }
        Ok(())
    }

    /// Draws every cell in its colour, with its value written in it where it fits.
    fn draw_cells(
        &self,
        canvas: &Canvas<'_>,
        frame: &Frame,
        fraction: impl Fn(f64) -> f64,
    ) -> Result<()> {
        let last = self.rows.len() - 1;
        for (r, row) in self.values.iter().enumerate() {
            let y = (last - r) as f64;
            let (top, bottom) = (frame.y_px(y + 0.5), frame.y_px(y - 0.5));
            for (c, &value) in row.iter().enumerate() {
                let (left, right) = (frame.x_px(c as f64 - 0.5), frame.x_px(c as f64 + 0.5));
                let f = fraction(value);
                canvas.rect(
                    (left + 1.0, top + 1.0),
                    (right - 1.0, bottom - 1.0),
                    viridis(f),
                    1.0,
                )?;
                let label = compact(value);
                if NOTE.width(&label) + 6.0 <= right - left
                    && NOTE.line_height() + 2.0 <= bottom - top
                {
                    let ink = if f < 0.6 { PANEL } else { INK };
                    let kind = crate::report::style::TextKind { color: ink, ..NOTE };
                    canvas.text(
                        &label,
                        ((left + right) / 2.0, (top + bottom) / 2.0),
                        kind,
                        (HPos::Center, VPos::Center),
                    )?;
                }
            }
        }
        Ok(())
    }

    /// Draws the colour scale right of the plot: a bar from the lowest value (bottom)
    /// to the highest (top), with round ticks, and its label above.
    fn draw_scale(
        &self,
        canvas: &Canvas<'_>,
        frame: &Frame,
        scale: &crate::report::axis::Axis,
    ) -> Result<()> {
        let x = frame.right + SCALE_GAP;
        let top = match &self.scale_label {
            Some(label) => {
                canvas.text(label, (x, frame.top), AXIS_TITLE, (HPos::Left, VPos::Top))?;
                frame.top + AXIS_TITLE.line_height() + 10.0
            }
            None => frame.top,
        };
        let height = frame.bottom - top;
        let step = height / SCALE_STEPS as f64;
        for i in 0..SCALE_STEPS {
            let f = (i as f64 + 0.5) / SCALE_STEPS as f64;
            let y1 = frame.bottom - i as f64 * step;
            // Each step overlaps the next by a pixel, so no seams show.
            canvas.rect((x, y1 - step - 1.0), (x + SCALE_BAR, y1), viridis(f), 1.0)?;
        }
        for tick in &scale.ticks {
            let y = frame.bottom - scale.fraction_of_units(tick.at) * height;
            canvas.polyline(&[(x + SCALE_BAR, y), (x + SCALE_BAR + 3.0, y)], INK, 1)?;
            canvas.text(
                &tick.label,
                (x + SCALE_BAR + 6.0, y),
                TICK,
                (HPos::Left, VPos::Center),
            )?;
        }
        Ok(())
    }
}

/// The viridis colour at `f` in [0, 1].
fn viridis(f: f64) -> RGBColor {
    let scaled = f.clamp(0.0, 1.0) * (VIRIDIS.len() - 1) as f64;
    let i = (scaled.floor() as usize).min(VIRIDIS.len() - 2);
    let t = scaled - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |x: u8, y: u8| (x as f64 + (y as f64 - x as f64) * t).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_runs_from_purple_to_yellow() {
        assert_eq!(viridis(0.0), RGBColor(0x44, 0x01, 0x54));
        assert_eq!(viridis(1.0), RGBColor(0xFD, 0xE7, 0x25));
        assert_eq!(viridis(0.5), RGBColor(0x21, 0x90, 0x8C));
        assert_eq!(viridis(-3.0), viridis(0.0));
    }
}
