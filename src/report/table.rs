//! Tables: a polars `DataFrame` that shows itself as a clean HTML table in a notebook
//! and writes itself as HTML, Markdown or CSV.
//!
//! Numbers are formatted for reading (4 significant digits, thousands separated, see
//! [`format_number`](super::format_number)) in HTML and Markdown, and written in full
//! in CSV. Missing values (nulls) show as `—` and are empty in CSV.

use std::fmt;
use std::path::Path;

use polars::prelude::{AnyValue, Column, DataFrame, NamedFrom, Series};

use super::display::{self, Rich};
use super::format::{escape_xml, format_integer, format_number};
use crate::{Error, Result};

/// How a missing value shows in HTML and Markdown.
const NULL: &str = "—";
/// The `class` of the HTML table, for page styles.
const CLASS: &str = "scale-lab-table";
/// A notebook shows at most this many rows (the first and last halves).
const DISPLAY_ROWS: usize = 40;

/// A table of results, wrapping a polars [`DataFrame`].
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    frame: DataFrame,
}

/// Results that can be shown as a table.
pub trait ToTable {
    /// The result as a table, one row per item (a server, a run, a load level, ...).
    fn to_table(&self) -> Table;
}

impl ToTable for Table {
    fn to_table(&self) -> Table {
        self.clone()
    }
}

/// Many results of one kind as one table: their rows, one after the other (a sweep's
/// reports, one row per load level).
impl<T: ToTable> ToTable for [T] {
    fn to_table(&self) -> Table {
        let mut rows = self.iter().map(ToTable::to_table);
        let Some(first) = rows.next() else {
            return Table::new(DataFrame::empty());
        };
        let mut frame = first.into_frame();
        for row in rows {
            // Rows of one type have the same columns by construction.
            frame
                .vstack_mut(row.frame())
                .expect("ToTable implementations of one type produce the same columns");
        }
        Table::new(frame)
    }
}

impl From<DataFrame> for Table {
    fn from(frame: DataFrame) -> Table {
        Table::new(frame)
    }
}

/// Builds a table column by column; see [`Table::builder`].
#[derive(Debug, Clone, Default)]
pub struct TableBuilder {
    columns: Vec<Column>,
}

impl TableBuilder {
    /// Adds a column named `name`: any values polars takes, for example `[1u32, 2, 4]`,
    /// `vec![0.5, 0.25]`, `&["a", "b"]` or `vec![Some(1.0), None]` (with a missing value).
    pub fn column<V, P: ?Sized>(mut self, name: &str, values: V) -> Self
    where
        Series: NamedFrom<V, P>,
    {
        self.columns.push(Column::new(name.into(), values));
        self
    }

    /// The table, or an error if the columns differ in length or share a name.
    pub fn build(self) -> Result<Table> {
        Table::from_columns(self.columns)
    }
}

impl Table {
    /// Wraps a `DataFrame`.
    pub fn new(frame: DataFrame) -> Table {
        Table { frame }
    }

    /// Starts a table built column by column:
    /// `Table::builder().column("servers", [1u32, 2]).column("p99 (ms)", [80.0, 41.5]).build()?`.
    pub fn builder() -> TableBuilder {
        TableBuilder::default()
    }

    /// A table of `columns`, which must all have the same length and different names.
    pub fn from_columns(columns: impl IntoIterator<Item = Column>) -> Result<Table> {
        let columns: Vec<Column> = columns.into_iter().collect();
        if let Some(first) = columns.first() {
            for column in &columns[1..] {
                if column.len() != first.len() {
                    return Err(Error::Report(format!(
                        "table: column \"{}\" has {} values but column \"{}\" has {}; all \
                         columns must have the same length",
                        column.name(),
                        column.len(),
                        first.name(),
                        first.len()
                    )));
                }
            }
        }
        for (i, column) in columns.iter().enumerate() {
            if columns[..i].iter().any(|c| c.name() == column.name()) {
                return Err(Error::Report(format!(
                    "table: two columns are named \"{}\"",
                    column.name()
                )));
            }
        }
        let height = columns.first().map_or(0, |c| c.len());
        DataFrame::new(height, columns)
            .map(Table::new)
            .map_err(|e| Error::Report(format!("table: {e}")))
    }

    /// The `DataFrame`.
    pub fn frame(&self) -> &DataFrame {
        &self.frame
    }

    /// The `DataFrame`, taken out of the table.
    pub fn into_frame(self) -> DataFrame {
        self.frame
    }

    /// The table as an HTML `<table class="scale-lab-table">`, every row, text escaped,
    /// numbers right-aligned.
    pub fn to_html(&self) -> String {
        self.html(None)
    }

    /// The table as a Markdown (GitHub / mdBook) table, numbers right-aligned.
    pub fn to_markdown(&self) -> String {
        let cells = self.cells();
        let columns = self.frame.columns();
        let mut out = String::new();
        out.push('|');
        for column in columns {
            out.push_str(&format!(" {} |", escape_markdown(column.name())));
        }
        out.push_str("\n|");
        for column in columns {
            out.push_str(if is_numeric(column) {
                " ---: |"
            } else {
                " --- |"
            });
        }
        out.push('\n');
        for row in 0..self.frame.height() {
            out.push('|');
            for column in &cells {
                out.push_str(&format!(" {} |", escape_markdown(&column[row].shown())));
            }
            out.push('\n');
        }
        out
    }

    /// The table as CSV: a header row, then one line per row; numbers in full
    /// precision, missing values empty, text quoted where it needs to be.
    pub fn to_csv(&self) -> String {
        let cells = self.cells();
        let mut out = String::new();
        let names: Vec<String> = self
            .frame
            .columns()
            .iter()
            .map(|c| csv_field(c.name()))
            .collect();
        out.push_str(&names.join(","));
        out.push('\n');
        for row in 0..self.frame.height() {
            let fields: Vec<String> = cells.iter().map(|column| column[row].raw()).collect();
            out.push_str(&fields.join(","));
            out.push('\n');
        }
        out
    }

    /// Writes the table as CSV to `path`.
    pub fn save_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        write_file(path.as_ref(), &self.to_csv())
    }

    /// Writes the table as a small standalone HTML page to `path`.
    pub fn save_html(&self, path: impl AsRef<Path>) -> Result<()> {
        let page = format!(
            "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<style>\n\
             .{CLASS} {{ border-collapse: collapse; font-family: sans-serif; }}\n\
             .{CLASS} th, .{CLASS} td {{ padding: 4px 10px; border-bottom: 1px solid #d0d7de; }}\n\
             </style>\n</head>\n<body>\n{}</body>\n</html>\n",
            self.to_html()
        );
        write_file(path.as_ref(), &page)
    }

    /// Shows the table as a notebook cell's output (evcxr calls this): HTML, at most
    /// 40 rows (the first and the last 20) for long tables.
    pub fn evcxr_display(&self) {
        display::emit("text/html", &self.html(Some(DISPLAY_ROWS)));
    }

    /// The HTML table, with at most `max_rows` rows if given.
    fn html(&self, max_rows: Option<usize>) -> String {
        let cells = self.cells();
        let columns = self.frame.columns();
        let numeric: Vec<bool> = columns.iter().map(is_numeric).collect();
        let height = self.frame.height();
        let mut out = format!("<table class=\"{CLASS}\">\n<thead>\n<tr>");
        for (column, &numeric) in columns.iter().zip(&numeric) {
            out.push_str(&format!(
                "<th{}>{}</th>",
                attributes(numeric, false),
                escape_xml(column.name())
            ));
        }
        out.push_str("</tr>\n</thead>\n<tbody>\n");
        let shown: Vec<Option<usize>> = match max_rows {
            Some(max) if height > max => {
                let half = max / 2;
                (0..half)
                    .map(Some)
                    .chain([None])
                    .chain((height - half..height).map(Some))
                    .collect()
            }
            _ => (0..height).map(Some).collect(),
        };
        for row in shown {
            out.push_str("<tr>");
            match row {
                Some(row) => {
                    for (column, &numeric) in cells.iter().zip(&numeric) {
                        let cell = &column[row];
                        let attrs = attributes(numeric, *cell == Cell::Null);
                        out.push_str(&format!("<td{attrs}>{}</td>", escape_xml(&cell.shown())));
                    }
                }
                None => {
                    let hidden = height - 2 * (max_rows.unwrap_or(0) / 2);
                    out.push_str(&format!(
                        "<td colspan=\"{}\" style=\"text-align:center\">⋯ {} rows ⋯</td>",
                        columns.len(),
                        format_integer(hidden)
                    ));
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
        out
    }

    /// Every cell, column by column.
    fn cells(&self) -> Vec<Vec<Cell>> {
        self.frame
            .columns()
            .iter()
            .map(|column| {
                column
                    .as_materialized_series()
                    .iter()
                    .map(Cell::of)
                    .collect()
            })
            .collect()
    }
}

impl fmt::Display for Table {
    /// polars' text table.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.frame)
    }
}

impl Rich for Table {
    fn show(&self) {
        self.evcxr_display();
    }
}

/// One cell's value, in the forms the writers need.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    /// The digits of a whole number.
    Integer(String),
    Float(f64),
    Text(String),
}

impl Cell {
    fn of(value: AnyValue<'_>) -> Cell {
        match value {
            AnyValue::Null => Cell::Null,
            AnyValue::Float32(v) => Cell::Float(v as f64),
            AnyValue::Float64(v) => Cell::Float(v),
            AnyValue::String(s) => Cell::Text(s.to_string()),
            AnyValue::StringOwned(s) => Cell::Text(s.to_string()),
            AnyValue::Boolean(b) => Cell::Text(b.to_string()),
            v @ (AnyValue::Int8(_)
            | AnyValue::Int16(_)
            | AnyValue::Int32(_)
            | AnyValue::Int64(_)
            | AnyValue::Int128(_)
            | AnyValue::UInt8(_)
            | AnyValue::UInt16(_)
            | AnyValue::UInt32(_)
            | AnyValue::UInt64(_)
            | AnyValue::UInt128(_)) => Cell::Integer(v.to_string()),
            other => Cell::Text(other.to_string()),
        }
    }

    /// For reading: numbers rounded and grouped, nulls as a dash.
    fn shown(&self) -> String {
        match self {
            Cell::Null => NULL.to_string(),
            Cell::Integer(digits) => format_integer(digits),
            Cell::Float(v) => format_number(*v),
            Cell::Text(s) => s.clone(),
        }
    }

    /// For CSV: numbers in full, nulls empty, text quoted where needed.
    fn raw(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Integer(digits) => digits.clone(),
            Cell::Float(v) => v.to_string(),
            Cell::Text(s) => csv_field(s),
        }
    }
}

/// The `class` and `style` of a header or data cell: numbers right-aligned with digits
/// of equal width, missing values marked.
fn attributes(numeric: bool, null: bool) -> String {
    let class = match (numeric, null) {
        (true, true) => " class=\"num null\"",
        (true, false) => " class=\"num\"",
        (false, true) => " class=\"null\"",
        (false, false) => "",
    };
    let style = if numeric {
        "text-align:right;font-variant-numeric:tabular-nums"
    } else {
        "text-align:left"
    };
    format!("{class} style=\"{style}\"")
}

fn is_numeric(column: &Column) -> bool {
    column.dtype().is_primitive_numeric()
}

/// Quotes a CSV field if it holds a comma, a quote or a line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// Escapes what Markdown would read as markup in a table cell.
fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' | '|' | '*' | '_' | '`' | '[' | ']' | '<' | '>' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            other => out.push(other),
        }
    }
    out
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text)
        .map_err(|e| Error::Report(format!("cannot write table to {}: {e}", path.display())))
}
