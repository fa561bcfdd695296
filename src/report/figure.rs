//! A finished figure: SVG text that shows itself in a notebook and saves to a file.

use std::fmt;
use std::path::Path;

use super::display::{self, Rich};
use super::format::escape_xml;
use super::style::{FONT_FAMILY, PANEL, PANEL_BORDER};
use crate::{Error, Result};

/// The MIME type figures are shown as.
const SVG_MIME: &str = "image/svg+xml";

/// A finished figure: a standalone SVG document.
///
/// Make one with the builders of [`Plot`](super::Plot); show it as the last
/// expression of a notebook cell, or write it with [`Figure::save`].
#[derive(Clone, PartialEq, Eq)]
pub struct Figure {
    svg: String,
    width: u32,
    height: u32,
}

impl Figure {
    /// Wraps what plotters drew on a `width` × `height` SVG backend: gives it an
    /// accessible title and a light, rounded panel behind everything else.
    pub(crate) fn from_plotters(
        drawn: &str,
        title: &str,
        (width, height): (u32, u32),
    ) -> Result<Figure> {
        let header = format!(
            "<svg width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" \
             xmlns=\"http://www.w3.org/2000/svg\">\n"
        );
        let body = drawn.strip_prefix(&header).ok_or_else(|| {
            Error::Report("the SVG from plotters does not start as expected".to_string())
        })?;
        let title = escape_xml(title);
        let family = escape_xml(FONT_FAMILY);
        let (panel, border) = (hex(PANEL), hex(PANEL_BORDER));
        let svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
             viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{title}\" \
             font-family=\"{family}\">\n<title>{title}</title>\n\
             <rect x=\"0.5\" y=\"0.5\" width=\"{}\" height=\"{}\" rx=\"10\" ry=\"10\" \
             fill=\"{panel}\" stroke=\"{border}\"/>\n{body}",
            width - 1,
            height - 1,
        );
        Ok(Figure { svg, width, height })
    }

    /// The SVG document.
    pub fn svg(&self) -> &str {
        &self.svg
    }

    /// Width and height in pixels.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Writes the SVG document to `path` (for example `latency.svg`).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, &self.svg)
            .map_err(|e| Error::Report(format!("cannot write figure to {}: {e}", path.display())))
    }

    /// Shows the figure as a notebook cell's output (evcxr calls this).
    pub fn evcxr_display(&self) {
        display::emit(SVG_MIME, &self.svg);
    }
}

impl Rich for Figure {
    fn show(&self) {
        self.evcxr_display();
    }
}

impl fmt::Debug for Figure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Figure({}×{} SVG, {} bytes)",
            self.width,
            self.height,
            self.svg.len()
        )
    }
}

/// `#RRGGBB` of a colour.
fn hex(color: plotters::style::RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", color.0, color.1, color.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_plotters_output_with_title_and_panel() {
        let drawn = "<svg width=\"300\" height=\"200\" viewBox=\"0 0 300 200\" \
                     xmlns=\"http://www.w3.org/2000/svg\">\n<line x1=\"0\"/>\n</svg>\n";
        let figure = Figure::from_plotters(drawn, "지연 <p99> & \"tail\"", (300, 200)).unwrap();
        let svg = figure.svg();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"300\""));
        assert!(svg.contains("<title>지연 &lt;p99&gt; &amp; &quot;tail&quot;</title>"));
        assert!(svg.contains("font-family=\"&#39;Noto Sans KR&#39;, "));
        assert!(svg.contains("rx=\"10\""));
        assert!(svg.ends_with("<line x1=\"0\"/>\n</svg>\n"));
        assert_eq!(
            format!("{figure:?}"),
            format!("Figure(300×200 SVG, {} bytes)", svg.len())
        );
    }

    #[test]
    fn unexpected_svg_is_an_error_not_a_panic() {
        assert!(matches!(
            Figure::from_plotters("<html/>", "t", (10, 10)),
            Err(Error::Report(_))
        ));
    }
}
