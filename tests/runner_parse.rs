//! Lesson sources: parsing pages (front matter, prose, diagrams, cells) and the errors
//! a lesson writer gets, with file and line.

use std::fs;
use std::path::{Path, PathBuf};

use scale_lab::Lang;
use scale_lab::runner::document::Block;
use scale_lab::runner::lesson::{self, FrontMatter, Meta};
use scale_lab::runner::pipeline::{self, Config};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("runner-parse")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn parse_err(text: &str) -> String {
    format!(
        "{:#}",
        lesson::parse_page(Lang::En, Path::new("x.md"), text).unwrap_err()
    )
}

#[test]
fn a_page_becomes_prose_diagrams_and_numbered_cells() {
    let (lesson, meta) = lesson::load(&fixtures().join("lessons/01-basics")).unwrap();
    assert_eq!(lesson.id(), "01-basics");
    assert_eq!(
        meta,
        Meta {
            order: 1,
            needs: vec![]
        }
    );
    let ko = lesson.page(Lang::Ko).unwrap();
    let en = lesson.page(Lang::En).unwrap();
    assert_eq!(ko.title, "기초", "front matter title");
    assert_eq!(en.title, "Basics: cells and outputs", "first heading");

    let kinds: Vec<&str> = ko
        .blocks
        .iter()
        .map(|b| match b {
            Block::Markdown(_) => "md",
            Block::Mermaid(_) => "mermaid",
            Block::Cell(_) => "cell",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "md", "mermaid", "cell", "md", "cell", "cell", "cell", "cell", "cell", "md"
        ]
    );
    let Block::Markdown(first) = &ko.blocks[0] else {
        unreachable!()
    };
    assert!(
        first.starts_with("# 기초: 셀과 출력"),
        "front matter is not prose: {first:?}"
    );
    let Block::Mermaid(diagram) = &ko.blocks[1] else {
        unreachable!()
    };
    assert_eq!(diagram, "graph LR\n  A[클라이언트] --> B[서버]");
    let Block::Markdown(last) = ko.blocks.last().unwrap() else {
        unreachable!()
    };
    assert!(
        last.contains("```rust,ignore\n이것은 실행되지 않습니다\n```"),
        "other fences stay prose"
    );

    let cells: Vec<_> = ko.cells().collect();
    assert_eq!(
        cells.iter().map(|c| c.number).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5, 6]
    );
    // The fences are on lines 15, 23 and 27 of ko.md: code starts on the next line.
    assert_eq!(
        cells.iter().take(3).map(|c| c.line).collect::<Vec<_>>(),
        [16, 24, 28]
    );
    assert_eq!(
        cells[0].code,
        "// 변수를 만들고 출력합니다\nlet x = 40;\nprintln!(\"x = {x}\");"
    );
    assert!(cells.iter().all(|c| c.outputs.is_empty()));
    assert_eq!(en.cells().count(), 6);
}

#[test]
fn lessons_are_found_by_directory_name() {
    let names: Vec<String> = lesson::find(&fixtures())
        .unwrap()
        .iter()
        .map(|d| d.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["01-basics", "02-broken", "03-panics", "04-question-mark"]
    );
    assert!(
        lesson::find(&scratch("empty")).unwrap().is_empty(),
        "no lessons/ means no lessons"
    );

    let root = scratch("bad-name");
    fs::create_dir_all(root.join("lessons/6-cache")).unwrap();
    let e = format!("{:#}", lesson::find(&root).unwrap_err());
    assert!(e.contains("6-cache") && e.contains("NN-slug"), "{e}");
}

#[test]
fn front_matter_is_read() {
    let (_, front) = lesson::parse_page(
        Lang::Ko,
        Path::new("x.md"),
        "---\ntitle: \"제목\"\norder: 7\nneeds: [01, 03-scaling]\n---\n\ntext\n",
    )
    .unwrap();
    assert_eq!(
        front,
        FrontMatter {
            title: Some("제목".into()),
            order: Some(7),
            needs: Some(vec!["01".into(), "03-scaling".into()])
        }
    );
}

#[test]
fn mistakes_are_reported_with_file_and_line() {
    let e = parse_err("---\ntitle: a\ntitel: b\n---\n");
    assert!(
        e.contains("x.md:3") && e.contains("unknown front matter key `titel`"),
        "{e}"
    );
    let e = parse_err("---\norder: soon\n---\n# T\n");
    assert!(e.contains("x.md:2") && e.contains("`order`"), "{e}");
    let e = parse_err("# T\n\n- item\n\n  ```rust\n  let x = 1;\n  ```\n");
    assert!(e.contains("x.md:5") && e.contains("inside a list"), "{e}");
    let e = parse_err("no heading\n");
    assert!(e.contains("x.md") && e.contains("no title"), "{e}");
    let e = parse_err("# T\n\n```rust\n!ls\n```\n");
    assert!(
        e.contains("x.md:4 (cell 1, line 1)") && e.contains("shell commands"),
        "{e}"
    );
    let e = parse_err("# T\n\n```rust\n::std::mem::drop(1);\n```\n");
    assert!(e.contains("x.md:4") && e.contains("leading `::`"), "{e}");
    let e =
        parse_err("# T\n\n```rust\nlet a = 1;\nlet b = scale_lab::runner::files::hex(&[]);\n```\n");
    assert!(
        e.contains("x.md:5 (cell 1, line 2)") && e.contains("scale_lab::runner"),
        "{e}"
    );
    // Commands at the top of a cell are fine.
    lesson::parse_page(
        Lang::En,
        Path::new("x.md"),
        "# T\n\n```rust\n:dep x = \"1\"\nlet a = 1;\n```\n",
    )
    .unwrap();
}

fn write_lesson(root: &Path, id: &str, ko_front: &str, en_front: &str) {
    let dir = root.join("lessons").join(id);
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("ko.md"),
        format!("{ko_front}# 제목\n\n```rust\nlet a = 1;\n```\n"),
    )
    .unwrap();
    fs::write(
        dir.join("en.md"),
        format!("{en_front}# Title\n\n```rust\nlet a = 1;\n```\n"),
    )
    .unwrap();
}

#[test]
fn lesson_wide_keys_must_agree_and_needs_must_exist_earlier() {
    let root = scratch("needs");
    write_lesson(
        &root,
        "01-first",
        "---\norder: 1\n---\n",
        "---\norder: 1\n---\n",
    );
    write_lesson(&root, "02-second", "---\nneeds: 01\n---\n", "");
    write_lesson(
        &root,
        "03-third",
        "---\norder: 1\n---\n",
        "---\norder: 2\n---\n",
    );
    write_lesson(&root, "04-fourth", "---\nneeds: 09-nothing\n---\n", "");
    write_lesson(
        &root,
        "05-fifth",
        "---\norder: 0\nneeds: 01-first\n---\n",
        "",
    );
    let config = Config::new(root.clone(), PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let loaded = pipeline::load(&config).unwrap();
    let order: Vec<String> = loaded.lessons.iter().map(|(l, _)| l.id()).collect();
    assert_eq!(
        order,
        ["01-first", "02-second"],
        "book order follows `order`, failures are out"
    );
    let failures: Vec<(String, String)> = loaded
        .failures
        .iter()
        .map(|f| (f.lesson.clone(), f.message.clone()))
        .collect();
    assert_eq!(failures.len(), 3, "{failures:#?}");
    assert!(
        failures[0].0 == "03-third" && failures[0].1.contains("`order` differs"),
        "{failures:#?}"
    );
    assert!(
        failures
            .iter()
            .any(|(l, m)| l == "04-fourth" && m.contains("no such lesson")),
        "{failures:#?}"
    );
    assert!(
        failures
            .iter()
            .any(|(l, m)| l == "05-fifth" && m.contains("comes later")),
        "{failures:#?}"
    );

    // Problems in lessons that are not selected are warnings.
    let mut only = config.clone();
    only.only = vec!["2".into()];
    let loaded = pipeline::load(&only).unwrap();
    assert!(loaded.failures.is_empty(), "{:#?}", loaded.failures);
    assert_eq!(loaded.warnings.len(), 3);
    assert!(
        loaded
            .lessons
            .iter()
            .any(|(l, chosen)| l.id() == "02-second" && *chosen)
    );

    only.only = vec!["07".into()];
    let e = format!("{:#}", pipeline::load(&only).unwrap_err());
    assert!(
        e.contains("no lesson \"07\"") && e.contains("01-first"),
        "{e}"
    );
}

#[test]
fn check_parses_and_checks_every_lesson_without_running_it() {
    let library = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let checked = pipeline::check(&Config::new(fixtures(), library.clone())).unwrap();
    assert!(checked.failures.is_empty(), "{:#?}", checked.failures);
    assert_eq!(checked.lessons, 4);
    assert_eq!(checked.cells, 6 + 3 + 3 + 2);

    let root = scratch("syntax");
    let dir = root.join("lessons/01-syntax");
    fs::create_dir_all(&dir).unwrap();
    for lang in ["ko", "en"] {
        fs::write(
            dir.join(format!("{lang}.md")),
            "# T\n\n```rust\nlet a = 1;\nlet b = ;\n```\n",
        )
        .unwrap();
    }
    let checked = pipeline::check(&Config::new(root, library)).unwrap();
    assert_eq!(
        checked.failures.len(),
        2,
        "one per page: {:#?}",
        checked.failures
    );
    assert!(
        checked.failures[0]
            .message
            .contains("ko.md:5 (cell 1, line 2)"),
        "{}",
        checked.failures[0]
    );
}
