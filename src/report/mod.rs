//! Tables (polars DataFrames) and figures (plotters SVG) that display themselves in
//! evcxr and in the book.

pub mod display;
mod format;
mod table;

pub use format::format_number;
pub use table::{Table, TableBuilder, ToTable};
