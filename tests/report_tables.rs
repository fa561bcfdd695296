//! Tables: built from columns, written as escaped HTML, Markdown and CSV with readable
//! numbers, the same bytes every time.

use polars::prelude::{Column, DataFrame};
use scale_lab::Error;
use scale_lab::report::{Table, ToTable};

fn sample() -> Table {
    Table::builder()
        .column("servers", [1u32, 2, 1_000_000])
        .column("p99 (ms)", [1234.5678, 0.1 + 0.2, 0.000012])
        .column(
            "policy <b>",
            ["round robin", "a & b", "\"quoted\", with comma"],
        )
        .column("hit ratio", vec![Some(0.5), None, Some(1.0)])
        .build()
        .unwrap()
}

#[test]
fn html_is_escaped_and_numbers_are_readable() {
    let html = sample().to_html();
    let expected = concat!(
        "<table class=\"scale-lab-table\">\n<thead>\n<tr>",
        "<th class=\"num\" style=\"text-align:right;font-variant-numeric:tabular-nums\">servers</th>",
        "<th class=\"num\" style=\"text-align:right;font-variant-numeric:tabular-nums\">p99 (ms)</th>",
        "<th style=\"text-align:left\">policy &lt;b&gt;</th>",
        "<th class=\"num\" style=\"text-align:right;font-variant-numeric:tabular-nums\">hit ratio</th>",
        "</tr>\n</thead>\n<tbody>\n",
        "<tr><td class=\"num\" style=\"text-align:right;font-variant-numeric:tabular-nums\">1</td>",
        "<td class=\"num\" style=\"text-align:right;font-variant-numeric:tabular-nums\">1,235</td>",
        "<td style=\"text-align:left\">round robin</td>",
        "<td class=\"num\" style=\"text-align:right;font-variant-numeric:tabular-nums\">0.5</td></tr>\n",
        "<tr><td class=\"num\" style=\"text-align:right;font-variant-numeric:tabular-nums\">2</td>",
        "<td class=\"num\" style=\"text-align:right;font-variant-numeric:tabular-nums\">0.3</td>",
        "<td style=\"text-align:left\">a &amp; b</td>",
        "<td class=\"num null\" style=\"text-align:right;font-variant-numeric:tabular-nums\">—</td></tr>\n",
        "<tr><td class=\"num\" style=\"text-align:right;font-variant-numeric:tabular-nums\">1,000,000</td>",
        "<td class=\"num\" style=\"text-align:right;font-variant-numeric:tabular-nums\">1.2e-5</td>",
        "<td style=\"text-align:left\">&quot;quoted&quot;, with comma</td>",
        "<td class=\"num\" style=\"text-align:right;font-variant-numeric:tabular-nums\">1</td></tr>\n",
        "</tbody>\n</table>\n",
    );
    assert_eq!(html, expected);
}

#[test]
fn markdown_right_aligns_numbers_and_escapes_markup() {
    let expected = concat!(
        "| servers | p99 (ms) | policy \\<b\\> | hit ratio |\n",
        "| ---: | ---: | --- | ---: |\n",
        "| 1 | 1,235 | round robin | 0.5 |\n",
        "| 2 | 0.3 | a & b | — |\n",
        "| 1,000,000 | 1.2e-5 | \"quoted\", with comma | 1 |\n",
    );
    assert_eq!(sample().to_markdown(), expected);
    let piped = Table::builder().column("a|b", ["x|y"]).build().unwrap();
    assert_eq!(piped.to_markdown(), "| a\\|b |\n| --- |\n| x\\|y |\n");
}

#[test]
fn csv_keeps_full_precision_and_quotes_text() {
    let expected = concat!(
        "servers,p99 (ms),policy <b>,hit ratio\n",
        "1,1234.5678,round robin,0.5\n",
        "2,0.30000000000000004,a & b,\n",
        "1000000,0.000012,\"\"\"quoted\"\", with comma\",1\n",
    );
    assert_eq!(sample().to_csv(), expected);
}

#[test]
fn columns_of_unequal_length_are_an_error() {
    let result = Table::builder()
        .column("servers", [1u32, 2, 3])
        .column("p99", [1.0, 2.0])
        .build();
    assert_eq!(result, Err(Error::Report(
        "table: column \"p99\" has 2 values but column \"servers\" has 3; all columns must have the same length"
            .to_string())));
    let result = Table::builder()
        .column("a", [1u32])
        .column("a", [2u32])
        .build();
    assert_eq!(
        result,
        Err(Error::Report(
            "table: two columns are named \"a\"".to_string()
        ))
    );
    let empty = Table::from_columns(Vec::<Column>::new()).unwrap();
    assert_eq!(empty.frame().height(), 0);
}

#[test]
fn tables_wrap_and_return_their_frame() {
    let frame = DataFrame::new(2, vec![Column::new("x".into(), [1i64, -2])]).unwrap();
    let table = Table::new(frame.clone());
    assert_eq!(table.frame(), &frame);
    assert_eq!(Table::from(frame.clone()).into_frame(), frame);
    assert!(table.to_html().contains(">-2</td>"));
    // Display is polars' own text table.
    assert_eq!(table.to_string(), frame.to_string());
}

/// A result type of the kind the rest of the library turns into tables.
struct Run {
    servers: u32,
    p99_ms: f64,
}

/// Runs of an experiment.
struct Runs(Vec<Run>);

impl ToTable for Runs {
    fn to_table(&self) -> Table {
        Table::builder()
            .column(
                "servers",
                self.0.iter().map(|r| r.servers).collect::<Vec<_>>(),
            )
            .column(
                "p99 (ms)",
                self.0.iter().map(|r| r.p99_ms).collect::<Vec<_>>(),
            )
            .build()
            .expect("columns of one length")
    }
}

#[test]
fn results_become_tables_and_files_the_same_every_time() {
    let runs = Runs(vec![
        Run {
            servers: 1,
            p99_ms: 812.26,
        },
        Run {
            servers: 4,
            p99_ms: 40.126,
        },
    ]);
    let table = runs.to_table();
    assert_eq!(
        table.to_markdown(),
        "| servers | p99 (ms) |\n| ---: | ---: |\n| 1 | 812.3 |\n| 4 | 40.13 |\n"
    );
    assert_eq!(table.to_html(), runs.to_table().to_html());

    let dir = std::env::temp_dir().join(format!("scale-lab-report-tables-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    table.save_csv(dir.join("runs.csv")).unwrap();
    table.save_html(dir.join("runs.html")).unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.join("runs.csv")).unwrap(),
        "servers,p99 (ms)\n1,812.26\n4,40.126\n"
    );
    let page = std::fs::read_to_string(dir.join("runs.html")).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">"));
    assert!(page.contains(&table.to_html()));
    std::fs::remove_dir_all(&dir).unwrap();

    let missing = table.save_csv("/nonexistent-dir/runs.csv").unwrap_err();
    assert!(
        matches!(&missing, Error::Report(m) if m.starts_with("cannot write table to /nonexistent-dir/runs.csv: ")),
        "{missing}"
    );
}
