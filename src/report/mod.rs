//! Tables (polars DataFrames) and figures (plotters SVG) that display themselves in
//! evcxr and in the book.

pub mod display;
