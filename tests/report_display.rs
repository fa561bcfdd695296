//! Figures and tables show themselves the way evcxr expects: their content framed by
//! `EVCXR_BEGIN_CONTENT <mime>` and `EVCXR_END_CONTENT` on stdout.
//!
//! The test harness captures a test's stdout, so the parent test runs this same test
//! binary again as a child that prints, and reads the child's real stdout.

use std::process::Command;

use scale_lab::report::{Figure, Plot, Table};

/// Set in the child's environment: print the outputs instead of checking them.
const CHILD: &str = "SCALE_LAB_REPORT_DISPLAY_CHILD";

fn figure() -> Figure {
    Plot::lines("지연 <p99>")
        .series("p99", &[(1.0, 2.0), (2.0, 3.0)])
        .render()
        .unwrap()
}

fn short_table() -> Table {
    Table::builder()
        .column("servers", [1u32, 2])
        .column("name", ["a", "<b>"])
        .build()
        .unwrap()
}

fn long_table() -> Table {
    Table::builder()
        .column("i", (0..100u32).collect::<Vec<_>>())
        .build()
        .unwrap()
}

/// The child: prints what a notebook cell would, in the ways evcxr and the runner call it.
#[test]
fn child_prints_rich_outputs() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    figure().evcxr_display();
    short_table().evcxr_display();
    // The runner's rewrite of a cell's last expression: tables and figures are also
    // `Debug`, and must still show richly. (`ShowDebug` goes unused when they do.)
    {
        #![allow(unused_imports, clippy::needless_borrow)]
        use scale_lab::report::display::{ShowDebug, ShowRich};
        (&long_table()).scale_lab_show();
        (&figure()).scale_lab_show();
    }
}

#[test]
fn outputs_are_framed_for_evcxr() {
    let exe = std::env::current_exe().unwrap();
    let output = Command::new(exe)
        .args([
            "child_prints_rich_outputs",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();

    let framed = |mime: &str, content: &str| {
        format!("EVCXR_BEGIN_CONTENT {mime}\n{content}\nEVCXR_END_CONTENT\n")
    };
    let svg = framed("image/svg+xml", figure().svg());
    let short = framed("text/html", &short_table().to_html());
    let start = stdout
        .find(&svg)
        .unwrap_or_else(|| panic!("no framed SVG in:\n{stdout}"));
    let rest = &stdout[start + svg.len()..];
    assert!(
        rest.starts_with(&short),
        "the table follows the figure:\n{rest}"
    );
    let rest = &rest[short.len()..];

    // A long table shows its first and last 20 rows in a notebook.
    assert!(
        rest.starts_with("EVCXR_BEGIN_CONTENT text/html\n<table class=\"scale-lab-table\">"),
        "{rest}"
    );
    let end = rest.find("EVCXR_END_CONTENT\n").unwrap();
    let long = &rest[..end];
    assert_eq!(
        long.matches("<tr>").count(),
        1 + 20 + 1 + 20,
        "header, head, gap, tail"
    );
    assert!(long.contains(">19</td>") && long.contains(">80</td>") && !long.contains(">20</td>"));
    assert!(long.contains("⋯ 60 rows ⋯"));
    assert!(
        rest[end..].contains(&svg),
        "the rewrite shows figures richly too"
    );
}
