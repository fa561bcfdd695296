//! Tables (polars DataFrames) and figures (plotters SVG) that display themselves in
//! evcxr and in the book.
//!
//! - [`Table`]: any result as a table ([`ToTable`]), shown as HTML, written as HTML,
//!   Markdown or CSV.
//! - [`Plot`]: line, bar, CDF / percentile, time series and heat map charts, built in a
//!   line or two and rendered to a [`Figure`] (SVG) in one house style: a colour-blind
//!   safe palette, fonts that cover Korean, a light panel that reads on light and dark
//!   pages.
//!
//! Same input, same bytes: tables and figures are deterministic.

mod axis;
mod canvas;
pub mod display;
mod figure;
mod format;
mod frame;
mod plot;
mod style;
mod table;

pub use figure::Figure;
pub use format::format_number;
pub use plot::{BarPlot, DistributionPlot, HeatMap, LinePlot, Plot, TimeSeriesPlot};
pub use style::{DEFAULT_SIZE, FONT_FAMILY, PALETTE, series_color};
pub use table::{Table, TableBuilder, ToTable};
