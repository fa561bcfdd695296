//! What surrounds the data of every chart: title, subtitle, legend, axes, grid and
//! tick labels, laid out so that nothing overlaps and the legend never covers data.
//!
//! Top to bottom: title (wrapped), subtitle, legend (wrapped into rows), the plot with
//! its y axis on the left, then the x tick labels and the x axis title.

use plotters::style::RGBColor;
use plotters::style::text_anchor::{HPos, VPos};

use super::axis::{Axis, AxisSpec, Tick};
use super::canvas::{Canvas, Marker};
use super::style::{
    self, AXIS, AXIS_TITLE, GRID, LEGEND, PAD, STROKE, SUBTITLE, TICK, TITLE, TextKind,
};
use crate::{Error, Result};

/// Every figure's title, subtitle, axis titles and size, as the builders collect them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Common {
    pub title: String,
    pub subtitle: Option<String>,
    pub x_label: Option<String>,
    pub y_label: Option<String>,
    pub size: (u32, u32),
}

/// The smallest width, smallest height and largest side of a figure, in pixels.
const MIN_WIDTH: u32 = 240;
const MIN_HEIGHT: u32 = 160;
const MAX_SIDE: u32 = 4000;
/// The smallest plot side that still shows data, in pixels.
const MIN_PLOT: f64 = 60.0;
/// Space between the plot and its tick labels.
const TICK_GAP: f64 = 8.0;

impl Common {
    /// A figure titled `title`, of the default size, with no other labels yet.
    pub fn new(title: impl Into<String>) -> Common {
        Common {
            title: title.into(),
            subtitle: None,
            x_label: None,
            y_label: None,
            size: style::DEFAULT_SIZE,
        }
    }

    /// Checks the size; each chart checks its own data.
    pub fn check(&self) -> Result<()> {
        let (width, height) = self.size;
        if !(MIN_WIDTH..=MAX_SIDE).contains(&width) {
            return Err(Error::param(
                "width",
                width,
                format!("{MIN_WIDTH} to {MAX_SIDE} pixels"),
            ));
        }
        if !(MIN_HEIGHT..=MAX_SIDE).contains(&height) {
            return Err(Error::param(
                "height",
                height,
                format!("{MIN_HEIGHT} to {MAX_SIDE} pixels"),
            ));
        }
        Ok(())
    }
}

/// One entry of the legend: a name and what its series looks like.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LegendEntry {
    pub name: String,
    pub color: RGBColor,
    pub swatch: Swatch,
}

/// The little picture in front of a legend entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Swatch {
    /// A line, with a point marker on it if the series has markers.
    Line(Option<Marker>),
    /// A filled square, for bars.
    Block,
}

/// The axes of a chart and how to draw them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Layout {
    pub x: AxisSpec,
    pub y: AxisSpec,
    pub x_label: Option<String>,
    pub y_label: Option<String>,
    /// Vertical grid lines at the x ticks.
    pub x_grid: bool,
    /// Horizontal grid lines at the y ticks.
    pub y_grid: bool,
    /// Room to keep free on the right of the plot (a heat map's colour scale).
    pub reserve_right: f64,
    /// Room to keep free just above the plot (labels of a time series' windows).
    pub reserve_top: f64,
}

/// The plot rectangle in pixels and the axes that map data into it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Frame {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
    pub x: Axis,
    pub y: Axis,
}

impl Frame {
    /// The horizontal pixel of x value `value`.
    pub fn x_px(&self, value: f64) -> f64 {
        self.left + self.x.fraction(value) * (self.right - self.left)
    }

    /// The vertical pixel of y value `value`.
    pub fn y_px(&self, value: f64) -> f64 {
        self.bottom - self.y.fraction(value) * (self.bottom - self.top)
    }

    /// The pixel of the data point `(x, y)`.
    pub fn point(&self, (x, y): (f64, f64)) -> (f64, f64) {
        (self.x_px(x), self.y_px(y))
    }
}

const LEFT_TOP: (HPos, VPos) = (HPos::Left, VPos::Top);

/// Draws the title, legend, axes, grid and labels, and returns where the data goes.
pub(crate) fn draw_frame(
    canvas: &Canvas<'_>,
    common: &Common,
    legend: &[LegendEntry],
    layout: &Layout,
) -> Result<Frame> {
    let (width, height) = (common.size.0 as f64, common.size.1 as f64);
    let inner = width - 2.0 * PAD;

    // The header: title, subtitle and legend, each wrapped to the width.
    let mut y = PAD;
    y = draw_wrapped(canvas, &common.title, TITLE, y, inner)?;
    if let Some(subtitle) = &common.subtitle {
        y = draw_wrapped(canvas, subtitle, SUBTITLE, y + 2.0, inner)?;
    }
    if !legend.is_empty() {
        y = draw_legend(canvas, legend, y + 6.0, inner)?;
    }
    let top = y + 14.0 + layout.reserve_top;

    // The bottom: x tick labels and the x axis title.
    let x_labels = match &layout.x {
        AxisSpec::Categories(names) => {
            // A guess of the plot's width: the y labels are not measured yet.
            let slot = (inner - 100.0 - layout.reserve_right) / names.len() as f64;
            XLabels::for_categories(names, slot - 8.0)
        }
        _ => XLabels::Flat,
    };
    let x_ticks_height = x_labels.height();
    let x_title_height = layout
        .x_label
        .as_ref()
        .map_or(0.0, |_| 6.0 + AXIS_TITLE.line_height());
    let bottom = height - PAD - TICK_GAP - x_ticks_height - x_title_height;
    if bottom - top < MIN_PLOT {
        return Err(Error::Report(format!(
            "figure \"{}\": the title, legend and labels leave no room for the plot in a \
             height of {height} pixels; make it taller with .size(width, height)",
            common.title
        )));
    }

    // The left: y tick labels and the y axis title.
    let y_axis = layout.y.build(((bottom - top) / 45.0) as usize);
    let y_labels_width = y_axis
        .ticks
        .iter()
        .map(|t| TICK.width(&t.label))
        .fold(0.0, f64::max);
    let y_title_width = layout
        .y_label
        .as_ref()
        .map_or(0.0, |_| AXIS_TITLE.line_height() + 6.0);
    let left = PAD + y_title_width + y_labels_width + TICK_GAP;

    // The x ticks: as many as fit without their labels touching.
    let mut right = width - PAD - layout.reserve_right;
    let upright = matches!(x_labels, XLabels::Upright { .. });
    let mut x_axis = fit_x_ticks(&layout.x, right - left, upright);
    if x_labels == XLabels::Flat
        && let Some(last) = x_axis.ticks.last()
    {
        let at = left + x_axis.fraction_of_units(last.at) * (right - left);
        let overhang = at + TICK.width(&last.label) / 2.0 - (width - PAD / 2.0);
        if overhang > 0.0 {
            right -= overhang;
            x_axis = fit_x_ticks(&layout.x, right - left, upright);
        }
    }
    if right - left < MIN_PLOT {
        return Err(Error::Report(format!(
            "figure \"{}\": the labels leave no room for the plot in a width of {width} \
             pixels; make it wider with .size(width, height)",
            common.title
        )));
    }

    let frame = Frame {
        left,
        top,
        right,
        bottom,
        x: x_axis,
        y: y_axis,
    };
    draw_axes(canvas, &frame, layout, &x_labels)?;
    Ok(frame)
}

/// Draws `text` wrapped to `width` from `y` down; returns the y below it.
fn draw_wrapped(
    canvas: &Canvas<'_>,
    text: &str,
    kind: TextKind,
    mut y: f64,
    width: f64,
) -> Result<f64> {
    for line in style::wrap(text, kind.px, kind.bold, width) {
        canvas.text(&line, (PAD, y), kind, LEFT_TOP)?;
        y += kind.line_height();
    }
    Ok(y)
}

/// Draws the legend entries left to right, in as many rows as they need, from `y`
/// down; returns the y below the last row.
fn draw_legend(canvas: &Canvas<'_>, legend: &[LegendEntry], y: f64, width: f64) -> Result<f64> {
    const SWATCH: f64 = 20.0;
    const GAP: f64 = 18.0;
    let row_height = LEGEND.line_height() + 2.0;
    let (mut x, mut row_top) = (PAD, y);
    for entry in legend {
        let entry_width = SWATCH + 6.0 + LEGEND.width(&entry.name);
        if x > PAD && x + entry_width > PAD + width {
            x = PAD;
            row_top += row_height;
        }
        let middle = row_top + row_height / 2.0;
        match entry.swatch {
            Swatch::Line(marker) => {
                canvas.polyline(&[(x, middle), (x + SWATCH, middle)], entry.color, STROKE)?;
                if let Some(marker) = marker {
                    canvas.marker(marker, (x + SWATCH / 2.0, middle), entry.color)?;
                }
            }
            Swatch::Block => {
                let s = 5.5;
                let c = x + SWATCH / 2.0;
                canvas.rect((c - s, middle - s), (c + s, middle + s), entry.color, 1.0)?;
            }
        }
        canvas.text(
            &entry.name,
            (x + SWATCH + 6.0, middle),
            LEGEND,
            (HPos::Left, VPos::Center),
        )?;
        x += entry_width + GAP;
    }
    Ok(row_top + row_height)
}

/// The x axis for a plot `length` pixels wide, with as many ticks as fit. Linear and
/// log axes first ask for fewer ticks; ticks that still crowd (a percentile axis's
/// 0% and 50%) are thinned from the right, where the tail is, dropping any label that
/// would touch the one kept after it. Category labels are turned upright instead.
fn fit_x_ticks(spec: &AxisSpec, length: f64, turned: bool) -> Axis {
    let needed = |a: &str, b: &str| {
        if turned {
            TICK.line_height()
        } else {
            (TICK.width(a) + TICK.width(b)) / 2.0 + 16.0
        }
    };
    let mut wanted = (length / 90.0) as usize;
    loop {
        let mut axis = spec.build(wanted);
        let apart = |axis: &Axis, a: f64, b: f64| {
            (axis.fraction_of_units(b) - axis.fraction_of_units(a)) * length
        };
        let fits = axis.ticks.windows(2).all(|pair| {
            apart(&axis, pair[0].at, pair[1].at) >= needed(&pair[0].label, &pair[1].label)
        });
        if fits || matches!(spec, AxisSpec::Categories(_)) {
            return axis;
        }
        if wanted > 2 && matches!(spec, AxisSpec::Linear { .. } | AxisSpec::Log { .. }) {
            wanted -= 1;
            continue;
        }
        let mut kept: Vec<Tick> = Vec::new();
        for tick in axis.ticks.iter().rev() {
            let clear = kept.last().is_none_or(|next| {
                apart(&axis, tick.at, next.at) >= needed(&tick.label, &next.label)
            });
            if clear {
                kept.push(tick.clone());
            }
        }
        kept.reverse();
        axis.ticks = kept;
        return axis;
    }
}

/// Draws grid lines, the base line, tick labels and axis titles around `frame`.
fn draw_axes(
    canvas: &Canvas<'_>,
    frame: &Frame,
    layout: &Layout,
    x_labels: &XLabels,
) -> Result<()> {
    let (left, right, top, bottom) = (frame.left, frame.right, frame.top, frame.bottom);
    let x_at = |at: f64| left + frame.x.fraction_of_units(at) * (right - left);
    let y_at = |at: f64| bottom - frame.y.fraction_of_units(at) * (bottom - top);

    for tick in &frame.y.ticks {
        let y = y_at(tick.at);
        if layout.y_grid {
            canvas.polyline(&[(left, y), (right, y)], GRID, 1)?;
        }
        canvas.text(
            &tick.label,
            (left - TICK_GAP, y),
            TICK,
            (HPos::Right, VPos::Center),
        )?;
    }

    // Upright category labels that are still too close show every n-th.
    let stride = if matches!(x_labels, XLabels::Upright { .. }) {
        let slot = (right - left) / frame.x.ticks.len().max(1) as f64;
        (TICK.line_height() / slot).ceil().max(1.0) as usize
    } else {
        1
    };
    for (i, tick) in frame.x.ticks.iter().enumerate().step_by(stride) {
        let x = x_at(tick.at);
        if layout.x_grid {
            canvas.polyline(&[(x, top), (x, bottom)], GRID, 1)?;
        }
        let y = bottom + TICK_GAP;
        match x_labels {
            XLabels::Flat => canvas.text(&tick.label, (x, y), TICK, (HPos::Center, VPos::Top))?,
            XLabels::Wrapped(lines) => {
                for (k, line) in lines[i].iter().enumerate() {
                    let at = (x, y + k as f64 * TICK.line_height());
                    canvas.text(line, at, TICK, (HPos::Center, VPos::Top))?;
                }
            }
            XLabels::Upright { .. } => {
                canvas.text_up(&tick.label, (x, y), TICK, (HPos::Right, VPos::Center))?
            }
        }
    }
    canvas.polyline(&[(left, bottom), (right, bottom)], AXIS, 1)?;

    if let Some(label) = &layout.x_label {
        let at = (
            (left + right) / 2.0,
            bottom + TICK_GAP + x_labels.height() + 6.0,
        );
        canvas.text(label, at, AXIS_TITLE, (HPos::Center, VPos::Top))?;
    }
    if let Some(label) = &layout.y_label {
        canvas.text_up(
            label,
            (PAD, (top + bottom) / 2.0),
            AXIS_TITLE,
            (HPos::Center, VPos::Top),
        )?;
    }
    Ok(())
}

/// How the x tick labels are set.
#[derive(Debug, Clone, PartialEq)]
enum XLabels {
    /// On one line each (numbers, short categories).
    Flat,
    /// Categories wrapped at spaces to fit their slot: the lines of each.
    Wrapped(Vec<Vec<String>>),
    /// Categories turned upright, for words too long for their slot; as tall as the
    /// longest label is wide.
    Upright { height: f64 },
}

/// Category labels may wrap onto this many lines before they are turned upright.
const MAX_LABEL_LINES: usize = 3;

impl XLabels {
    /// Wrapped labels if each fits `width` in at most [`MAX_LABEL_LINES`] lines,
    /// otherwise upright ones.
    fn for_categories(names: &[String], width: f64) -> XLabels {
        let wrapped: Vec<Vec<String>> = names
            .iter()
            .map(|n| style::wrap(n, TICK.px, TICK.bold, width))
            .collect();
        let fits = wrapped.iter().all(|lines| {
            lines.len() <= MAX_LABEL_LINES && lines.iter().all(|l| TICK.width(l) <= width)
        });
        if fits {
            XLabels::Wrapped(wrapped)
        } else {
            XLabels::Upright {
                height: names.iter().map(|n| TICK.width(n)).fold(0.0, f64::max),
            }
        }
    }

    /// The height the labels take under the plot.
    fn height(&self) -> f64 {
        match self {
            XLabels::Flat => TICK.line_height(),
            XLabels::Wrapped(lines) => {
                lines.iter().map(Vec::len).max().unwrap_or(1).max(1) as f64 * TICK.line_height()
            }
            XLabels::Upright { height } => *height,
        }
    }
}
