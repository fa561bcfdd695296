//! The book built from fixture lessons: pages in both languages, cells and their outputs,
//! diagrams, language links, the search index, and the same bytes on every build.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use scale_lab::Lang;
use scale_lab::runner::book;
use scale_lab::runner::document::{Block, Cell, Lesson, Output, Page};
use scale_lab::runner::exercises::{Bilingual, Exercise};

const SVG: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<svg width=\"400\" height=\"200\" viewBox=\"0 0 400 200\" xmlns=\"http://www.w3.org/2000/svg\">\n<rect x=\"0\" y=\"0\" width=\"400\" height=\"200\" fill=\"#FFFFFF\"/>\n\n<text x=\"10\" y=\"20\">p99 latency</text>\n</svg>\n";
const TABLE: &str = "<table>\n<thead><tr><th>servers</th><th>p99 (ms)</th></tr></thead>\n\n<tbody><tr><td>1</td><td>250.0</td></tr>\n<tr><td>2</td><td>31.5</td></tr></tbody>\n</table>";

fn cell(number: usize, code: &str, outputs: Vec<Output>) -> Block {
    Block::Cell(Cell {
        number,
        code: code.into(),
        line: number * 10,
        outputs,
    })
}

fn page(lang: Lang, title: &str, blocks: Vec<Block>) -> Page {
    Page {
        lang,
        source: PathBuf::from(format!("{}.md", lang.code())),
        title: title.into(),
        blocks,
    }
}

/// Two lessons: one with every kind of block and output (its prose opens with its own
/// heading), one whose title comes from front matter (no heading in the prose).
fn lessons() -> Vec<Lesson> {
    let cells = |lang: Lang| {
        vec![
            cell(
                1,
                "# not hidden\nlet users = 1_000;\nprintln!(\"{users} users\");",
                vec![Output::Text("1000 users\n".into())],
            ),
            cell(
                2,
                "let s = \"```\";\nlatency_figure()",
                vec![Output::Rich {
                    mime: "image/svg+xml".into(),
                    content: SVG.into(),
                }],
            ),
            cell(
                3,
                "p99_table()",
                vec![
                    Output::Rich {
                        mime: "text/html".into(),
                        content: TABLE.into(),
                    },
                    Output::Rich {
                        mime: "application/json".into(),
                        content: "{\"a\": \"<b>\"}".into(),
                    },
                ],
            ),
        ]
        .into_iter()
        .chain(std::iter::once(Block::Markdown(match lang {
            Lang::Ko => "끝.".into(),
            Lang::En => "The end.".into(),
        })))
        .collect::<Vec<_>>()
    };
    let first = |lang: Lang, prose: &str| {
        let mut blocks = vec![
            Block::Markdown(prose.into()),
            Block::Mermaid("flowchart LR\n    A[Client] --> B[Web server]".into()),
        ];
        blocks.extend(cells(lang));
        blocks
    };
    vec![
        Lesson {
            number: 1,
            slug: "single-server".into(),
            dir: PathBuf::from("lessons/01-single-server"),
            pages: vec![
                page(
                    Lang::Ko,
                    "단일 서버",
                    first(
                        Lang::Ko,
                        "# 단일 서버\n\n데이터베이스 샤딩은 나중에 다룹니다.\n\n| a | b |\n|---|---|\n| 1 | 2 |",
                    ),
                ),
                page(
                    Lang::En,
                    "Single server",
                    first(
                        Lang::En,
                        "# Single server\n\nDatabase sharding comes later.\n\n| a | b |\n|---|---|\n| 1 | 2 |",
                    ),
                ),
            ],
            exercises: vec![Exercise {
                lesson: "01-single-server".into(),
                name: "littles_law".into(),
                title: Bilingual {
                    ko: "리틀의 법칙".into(),
                    en: "Little's law".into(),
                },
                hint: Bilingual {
                    ko: "L = λW 에서 λ는 완료 수를 시간으로 나눈 값입니다.".into(),
                    en: "In L = λW, λ is completions over time.".into(),
                },
                stub: PathBuf::from("lessons/01-single-server/exercises/littles_law.rs"),
                solution: PathBuf::from("lessons/01-single-server/solutions/littles_law.rs"),
                checks: PathBuf::from("lessons/01-single-server/checks/littles_law.rs"),
                module: "single_server::littles_law".into(),
            }],
        },
        Lesson {
            number: 12,
            slug: "sharding".into(),
            dir: PathBuf::from("lessons/12-sharding"),
            pages: vec![
                page(
                    Lang::Ko,
                    "샤딩 [DB 규모 확장]",
                    vec![Block::Markdown("해시 샤딩과 안정 해시.".into())],
                ),
                page(
                    Lang::En,
                    "Sharding [scaling the DB]",
                    vec![Block::Markdown(
                        "Hash sharding and consistent hashing.".into(),
                    )],
                ),
            ],
            exercises: Vec::new(),
        },
    ]
}

/// A project root with this repository's book.toml, templates and theme.
fn project_root() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    fs::copy(here.join("book.toml"), root.path().join("book.toml")).unwrap();
    copy_dir(&here.join("templates"), &root.path().join("templates"));
    copy_dir(&here.join("theme"), &root.path().join("theme"));
    root
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target)
        } else {
            fs::copy(&path, &target).map(drop).unwrap()
        }
    }
}

/// Every file under `dir`, by relative path.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, files: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, files);
            } else {
                files.insert(
                    path.strip_prefix(base).unwrap().to_path_buf(),
                    fs::read(&path).unwrap(),
                );
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(dir, dir, &mut files);
    files
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn timed_build(root: &Path, lessons: &[Lesson], out: &Path) -> Duration {
    let start = Instant::now();
    book::build(root, lessons, out).unwrap_or_else(|e| panic!("{e:#}"));
    start.elapsed()
}

#[test]
fn builds_both_books_with_cells_outputs_diagrams_and_search() {
    let root = project_root();
    let out = root.path().join("book");
    let first = timed_build(root.path(), &lessons(), &out);
    assert!(first < Duration::from_secs(10), "the build took {first:?}");

    for lang in ["ko", "en"] {
        for name in ["index.html", "01-single-server.html", "12-sharding.html"] {
            let html = read(&out.join(lang).join(name));
            assert!(
                html.contains(&format!("<html lang=\"{lang}\"")),
                "{lang}/{name}: html lang"
            );
            // The link to the same page in the other language leads to a file that exists.
            let link = html
                .split("<div class=\"sl-lang\"><a href=\"")
                .nth(1)
                .expect("a language link");
            let target = &link[..link.find('"').unwrap()];
            let other = if lang == "ko" { "en" } else { "ko" };
            assert_eq!(target, format!("../{other}/{name}"), "{lang}/{name}");
            assert!(
                out.join(lang).join(target).is_file(),
                "{lang}/{name} links to {target}"
            );
            assert!(
                html.contains("assets/scale-lab.js"),
                "{lang}/{name} loads the page script"
            );
        }
        let page = read(&out.join(lang).join("01-single-server.html"));
        // The lesson's exercises at the end: anchored, with the file, the command and the hint.
        let exercises = page
            .split("<div class=\"sl-exercise\" id=\"exercise-littles-law\">")
            .nth(1)
            .expect("the exercise's entry");
        assert!(
            exercises.contains("lessons/01-single-server/exercises/littles_law.rs")
                && exercises.contains("<details>"),
            "{exercises}"
        );
        let (title, hint) = if lang == "ko" {
            ("리틀의 법칙", "완료 수를 시간으로")
        } else {
            ("Little", "completions over time")
        };
        assert!(exercises.contains(title) && exercises.contains(hint), "{exercises}");
        assert!(page.contains("cargo run -- exercises 01"), "{page}");
        assert!(
            !read(&out.join(lang).join("12-sharding.html")).contains("sl-exercise"),
            "a lesson without exercises has no section"
        );
        // Cells: shown in full (mdBook would hide `# ` lines), never runnable.
        assert!(
            page.contains("# not hidden") && !page.contains("boring"),
            "{page}"
        );
        assert!(
            page.contains("let users = 1_000;") && page.contains("let s = \"```\";"),
            "{page}"
        );
        assert!(
            !page.contains("play-button") && !page.contains("class=\"playground\""),
            "no playground"
        );
        // Outputs: text preformatted, the figure and the table inline, other MIME types as text.
        assert!(
            page.contains(
                "<pre class=\"sl-output sl-text\" data-mime=\"text/plain\">1000 users</pre>"
            ),
            "{page}"
        );
        let figure = page
            .split("<div class=\"sl-output sl-figure\">")
            .nth(1)
            .expect("a figure");
        assert!(
            figure.trim_start().starts_with("<svg width=\"400\"")
                && figure.contains("p99 latency</text>"),
            "{figure}"
        );
        assert!(!page.contains("<?xml"));
        let table = page
            .split("<div class=\"sl-output sl-html\">")
            .nth(1)
            .expect("a table");
        let table = &table[..table.find("</div>").unwrap()];
        assert!(
            table.contains("<th>servers</th>") && table.contains("<td>31.5</td>"),
            "{table}"
        );
        assert!(
            !table.contains("<p>"),
            "the table's blank line ended its HTML block: {table}"
        );
        assert!(
            page.contains("data-mime=\"application/json\">{\"a\": \"&lt;b&gt;\"}</pre>"),
            "{page}"
        );
        // The diagram is left for mermaid to draw in the browser.
        assert!(
            page.contains(
                "<pre class=\"mermaid\">flowchart LR\n    A[Client] --&gt; B[Web server]</pre>"
            ),
            "{page}"
        );
        // Prose tables are mdBook's, and the page's own heading is not doubled.
        assert!(page.contains("<div class=\"table-wrapper\">"));
        assert_eq!(
            page.matches("<h1").count(),
            2,
            "the menu title and the page's heading"
        );
        // A title that only front matter gave becomes the page's heading, brackets intact.
        let sharding = read(&out.join(lang).join("12-sharding.html"));
        let title = if lang == "ko" {
            "샤딩 [DB 규모 확장]"
        } else {
            "Sharding [scaling the DB]"
        };
        assert!(
            sharding.contains(&format!("{title}</a></h1>")),
            "{sharding}"
        );
        // Each sidebar lists its own language's lessons only.
        let toc = read(&out.join(lang).join("toc.html"));
        assert!(toc.contains(&format!(
            "01. {}",
            if lang == "ko" {
                "단일 서버"
            } else {
                "Single server"
            }
        )));
        assert!(!toc.contains(if lang == "ko" {
            "Single server"
        } else {
            "단일 서버"
        }));
    }

    let front = read(&out.join("index.html"));
    for link in [
        "ko/index.html",
        "en/index.html",
        "ko/01-single-server.html",
        "en/12-sharding.html",
    ] {
        assert!(
            front.contains(&format!("href=\"{link}\"")) && out.join(link).is_file(),
            "front door links {link}"
        );
    }
    assert!(
        out.join("assets/mermaid/mermaid.min.js").is_file()
            && out.join("assets/mermaid/LICENSE").is_file()
    );
    for file in [
        "pagefind.js",
        "pagefind-component-ui.js",
        "pagefind-component-ui.css",
    ] {
        assert!(out.join("pagefind").join(file).is_file(), "{file}");
    }
    // One search index per language, each with the landing and the two lessons.
    let entry = read(&out.join("pagefind/pagefind-entry.json"));
    for lang in ["\"ko\":{", "\"en\":{"] {
        let at = entry
            .find(lang)
            .unwrap_or_else(|| panic!("{lang} in {entry}"));
        assert!(entry[at..].contains("\"page_count\":3"), "{entry}");
    }

    // Nothing changed: the same bytes again, and well within the benchmark's 10 s.
    let before = snapshot(&out);
    let again = timed_build(root.path(), &lessons(), &out);
    assert!(
        again < Duration::from_secs(10),
        "the second build took {again:?}"
    );
    let after = snapshot(&out);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &before {
        assert!(
            after[path] == *bytes,
            "{} differs between two builds",
            path.display()
        );
    }
}

#[test]
fn a_lesson_missing_a_language_is_a_clear_error() {
    let root = project_root();
    let mut lessons = lessons();
    lessons[1].pages.retain(|p| p.lang == Lang::Ko);
    let error = format!(
        "{:#}",
        book::build(root.path(), &lessons, &root.path().join("book")).unwrap_err()
    );
    assert!(
        error.contains("lesson 12-sharding has no en page"),
        "{error}"
    );
}

#[test]
fn a_broken_template_names_itself() {
    let root = project_root();
    fs::write(root.path().join("templates/lesson.md"), "{% if %}").unwrap();
    let error = format!(
        "{:#}",
        book::build(root.path(), &lessons(), &root.path().join("book")).unwrap_err()
    );
    assert!(error.contains("lesson.md"), "{error}");
}

#[test]
fn lessons_are_listed_by_number_and_numbers_are_unique() {
    let root = project_root();
    let out = root.path().join("book");
    let mut lessons = lessons();
    lessons.reverse();
    book::build(root.path(), &lessons, &out).unwrap_or_else(|e| panic!("{e:#}"));
    let summary = read(&root.path().join("target/scale-lab/book-src/en/SUMMARY.md"));
    let (first, second) = (
        summary.find("01. Single server").unwrap(),
        summary.find("12. Sharding").unwrap(),
    );
    assert!(first < second, "{summary}");

    lessons[0].number = 1;
    let error = format!(
        "{:#}",
        book::build(root.path(), &lessons, &out).unwrap_err()
    );
    assert!(
        error.contains("lessons 01-sharding and 01-single-server have the same number"),
        "{error}"
    );
}
