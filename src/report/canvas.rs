//! A drawing surface over plotters' SVG backend, in pixels from the top-left corner.
//! Figures are painted on it and come out as a [`Figure`].

use plotters::coord::Shift;
use plotters::element::{Circle, PathElement, Polygon, Rectangle};
use plotters::prelude::{Color, DrawingArea, IntoDrawingArea, SVGBackend};
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontTransform, RGBColor, ShapeStyle};

use super::figure::Figure;
use super::style::{self, TextKind, font};
use crate::{Error, Result};

/// Where a piece of text hangs from the point it is drawn at.
pub(crate) type Anchor = (HPos, VPos);

/// The shape of a point marker; series cycle through them so that they differ by
/// more than colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    Circle,
    Square,
    Triangle,
    Diamond,
}

impl Marker {
    /// The marker of the `index`-th series.
    pub fn nth(index: usize) -> Marker {
        [
            Marker::Circle,
            Marker::Square,
            Marker::Triangle,
            Marker::Diamond,
        ][index % 4]
    }
}

/// The SVG being drawn.
pub(crate) struct Canvas<'a> {
    area: DrawingArea<SVGBackend<'a>, Shift>,
}

/// Paints a `size` figure with `draw`, then finishes it with its title and panel.
pub(crate) fn paint(
    title: &str,
    size: (u32, u32),
    draw: impl FnOnce(&Canvas<'_>) -> Result<()>,
) -> Result<Figure> {
    let mut svg = String::new();
    {
        let canvas = Canvas {
            area: SVGBackend::with_string(&mut svg, size).into_drawing_area(),
        };
        draw(&canvas)?;
        canvas.area.present().map_err(drawing_failed)?;
    }
    Figure::from_plotters(&svg, title, size)
}

fn drawing_failed(error: impl std::fmt::Display) -> Error {
    Error::Report(format!("drawing the figure failed: {error}"))
}

/// A point in whole pixels, as the SVG backend takes it.
fn px((x, y): (f64, f64)) -> (i32, i32) {
    (x.round() as i32, y.round() as i32)
}

impl Canvas<'_> {
    /// Draws `text` at `at`, hanging from it as `anchor` says.
    pub fn text(&self, text: &str, at: (f64, f64), kind: TextKind, anchor: Anchor) -> Result<()> {
        self.draw_text(text, at, kind, anchor, FontTransform::None)
    }

    /// Draws `text` reading upwards (turned a quarter left) at `at`; `anchor` is in the
    /// text's own direction (`HPos::Right`: the text ends at `at`).
    pub fn text_up(
        &self,
        text: &str,
        at: (f64, f64),
        kind: TextKind,
        anchor: Anchor,
    ) -> Result<()> {
        self.draw_text(text, at, kind, anchor, FontTransform::Rotate270)
    }

    fn draw_text(
        &self,
        text: &str,
        at: (f64, f64),
        kind: TextKind,
        (h, v): Anchor,
        turn: FontTransform,
    ) -> Result<()> {
        let style = font(kind.px, kind.bold)
            .transform(turn)
            .color(&kind.color)
            .pos(Pos::new(h, v));
        self.area
            .draw_text(text, &style, px(at))
            .map_err(drawing_failed)
    }

    /// A line through `points`.
    pub fn polyline(&self, points: &[(f64, f64)], color: RGBColor, width: u32) -> Result<()> {
        let points: Vec<(i32, i32)> = points.iter().copied().map(px).collect();
        let style = ShapeStyle {
            color: color.to_rgba(),
            filled: false,
            stroke_width: width,
        };
        self.area
            .draw(&PathElement::new(points, style))
            .map_err(drawing_failed)
    }

    /// A vertical dashed line at `x` from `y0` down to `y1`.
    pub fn dashed_vertical(&self, x: f64, (y0, y1): (f64, f64), color: RGBColor) -> Result<()> {
        let (dash, gap) = (5.0, 4.0);
        let mut y = y0;
        while y < y1 {
            self.polyline(&[(x, y), (x, (y + dash).min(y1))], color, 1)?;
            y += dash + gap;
        }
        Ok(())
    }

    /// A filled rectangle between two corners, `opacity` 0 (invisible) to 1.
    pub fn rect(
        &self,
        from: (f64, f64),
        to: (f64, f64),
        color: RGBColor,
        opacity: f64,
    ) -> Result<()> {
        let style = color.mix(opacity).filled();
        self.area
            .draw(&Rectangle::new([px(from), px(to)], style))
            .map_err(drawing_failed)
    }

    /// A filled point marker centred on `at`.
    pub fn marker(&self, marker: Marker, at: (f64, f64), color: RGBColor) -> Result<()> {
        let r = style::MARKER_RADIUS;
        let (x, y) = at;
        let style = color.filled();
        let drawn = match marker {
            Marker::Circle => self
                .area
                .draw(&Circle::new(px(at), r.round() as i32, style)),
            Marker::Square => {
                let s = r * 0.9;
                self.area.draw(&Rectangle::new(
                    [px((x - s, y - s)), px((x + s, y + s))],
                    style,
                ))
            }
            Marker::Triangle => {
                let points = [
                    (x, y - r * 1.2),
                    (x + r * 1.1, y + r * 0.8),
                    (x - r * 1.1, y + r * 0.8),
                ];
                self.area
                    .draw(&Polygon::new(points.map(px).to_vec(), style))
            }
            Marker::Diamond => {
                let s = r * 1.25;
                let points = [(x, y - s), (x + s, y), (x, y + s), (x - s, y)];
                self.area
                    .draw(&Polygon::new(points.map(px).to_vec(), style))
            }
        };
        drawn.map_err(drawing_failed)
    }
}
