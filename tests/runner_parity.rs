//! Parity: the Korean and English pages of a lesson have the same cells; a drift names
//! both files, the cell and the lines.

use std::path::{Path, PathBuf};

use scale_lab::runner::failure::Stage;
use scale_lab::runner::lesson;
use scale_lab::runner::parity;
use scale_lab::runner::pipeline::{self, Config};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

#[test]
fn different_code_names_both_files_the_cell_and_the_lines() {
    let (lesson, _) = lesson::load(&fixtures().join("parity/lessons/01-drift")).unwrap();
    let e = parity::check(&lesson).unwrap_err();
    assert_eq!(e.cell, 2);
    // `let c = b * 2;` is on line 10 of ko.md, `let c = b * 3;` on line 9 of en.md.
    assert_eq!(e.lines, [Some(10), Some(9)]);
    assert!(
        e.message.contains("01-drift/ko.md:10: let c = b * 2;"),
        "{e}"
    );
    assert!(
        e.message.contains("01-drift/en.md:9: let c = b * 3;"),
        "{e}"
    );
    assert!(e.message.contains("cell 2"), "{e}");
}

#[test]
fn a_cell_without_counterpart_is_named() {
    let (lesson, _) = lesson::load(&fixtures().join("parity/lessons/02-count")).unwrap();
    let e = parity::check(&lesson).unwrap_err();
    assert_eq!(e.cell, 2);
    assert_eq!(e.lines, [Some(8), None]);
    assert!(
        e.message.contains("02-count/ko.md has 2 cells")
            && e.message.contains("02-count/en.md has 1"),
        "{e}"
    );
    assert!(
        e.message.contains("cell 2 (") && e.message.contains("ko.md:8"),
        "{e}"
    );
}

#[test]
fn translated_comments_and_layout_are_not_drift() {
    for id in ["01-basics", "02-broken", "03-panics", "04-question-mark"] {
        let (lesson, _) = lesson::load(&fixtures().join("lessons").join(id)).unwrap();
        parity::check(&lesson).unwrap_or_else(|e| panic!("{id}: {e}"));
    }
}

#[test]
fn drifting_lessons_fail_and_the_others_are_kept() {
    let root = fixtures().join("parity");
    let loaded = pipeline::load(&Config::new(
        root,
        PathBuf::from(env!("CARGO_MANIFEST_DIR")),
    ))
    .unwrap();
    assert!(loaded.lessons.is_empty());
    let failed: Vec<(&str, Stage, Option<usize>)> = loaded
        .failures
        .iter()
        .map(|f| (f.lesson.as_str(), f.stage, f.cell))
        .collect();
    assert_eq!(
        failed,
        [
            ("01-drift", Stage::Parity, Some(2)),
            ("02-count", Stage::Parity, Some(2))
        ]
    );
}
