//! Building small fixture lessons for real (compiled and run against the library):
//! output capture, failures that name the lesson, cell and line, notebooks (nbformat 4.5,
//! stable bytes), the cache, and the edited-notebook guard.
//!
//! The fixture lessons are copied into `CARGO_TARGET_TMPDIR` and built once for all the
//! tests of this file; the tests that build again take a lock.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use scale_lab::Lang;
use scale_lab::runner::cli;
use scale_lab::runner::document::{Block, Lesson, Output};
use scale_lab::runner::failure::{Failure, Stage};
use scale_lab::runner::notebook::{self, Written};
use scale_lab::runner::pipeline::{self, Config, Outcome};
use scale_lab::runner::progress::Progress;
use serde_json::Value;

struct Built {
    config: Config,
    outcome: Outcome,
}

static BUILT: OnceLock<Built> = OnceLock::new();
static AGAIN: Mutex<()> = Mutex::new(());

fn library() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to.join(entry.file_name()));
        } else {
            fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// Gives a fixture root what every repository has next to its lessons: the book's
/// templates, theme and configuration (`scale-lab build` also builds the book).
fn copy_book_files(root: &Path) {
    copy_dir(&library().join("templates"), &root.join("templates"));
    copy_dir(&library().join("theme"), &root.join("theme"));
    fs::copy(library().join("book.toml"), root.join("book.toml")).unwrap();
}

/// The fixture lessons, built once. Lessons, notebooks and the cache start empty; the
/// generated cargo project is kept so that cargo only recompiles what changed.
fn built() -> &'static Built {
    BUILT.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("runner-build");
        for dir in ["lessons", "notebooks", "target/scale-lab/cache"] {
            let _ = fs::remove_dir_all(root.join(dir));
        }
        copy_dir(
            &library().join("tests/fixtures/lessons"),
            &root.join("lessons"),
        );
        copy_book_files(&root);
        let config = Config::new(root, library());
        let outcome = pipeline::build(&config, &Progress::quiet()).expect("the build runs");
        Built { config, outcome }
    })
}

fn again() -> MutexGuard<'static, ()> {
    AGAIN.lock().unwrap_or_else(|e| e.into_inner())
}

fn lesson<'a>(outcome: &'a Outcome, id: &str) -> Option<&'a Lesson> {
    outcome.lessons.iter().find(|l| l.id() == id)
}

fn outputs(id: &str, lang: Lang, cell: usize) -> Vec<Output> {
    let lesson = lesson(&built().outcome, id)
        .unwrap_or_else(|| panic!("{id} was built: {:#?}", built().outcome.failures));
    lesson
        .page(lang)
        .unwrap()
        .cells()
        .nth(cell - 1)
        .unwrap()
        .outputs
        .clone()
}

fn rich(mime: &str, content: &str) -> Output {
    Output::Rich {
        mime: mime.into(),
        content: content.into(),
    }
}

fn failures(id: &str) -> Vec<&'static Failure> {
    built()
        .outcome
        .failures
        .iter()
        .filter(|f| f.lesson == id)
        .collect()
}

#[test]
fn text_displayed_values_and_let_bindings_are_captured_per_cell() {
    for lang in Lang::ALL {
        assert_eq!(
            outputs("01-basics", lang, 1),
            [Output::Text("x = 40\n".into())]
        );
        // `x` from cell 1 is still there; the tail expression shows as evcxr shows it.
        assert_eq!(outputs("01-basics", lang, 2), [rich("text/plain", "42")]);
        // An item (fn) and a `use` inside a cell; a String's Debug form.
        assert_eq!(
            outputs("01-basics", lang, 3),
            [rich("text/plain", "\"80\"")]
        );
    }
}

#[test]
fn tables_and_figures_are_captured_as_rich_content() {
    for lang in Lang::ALL {
        assert_eq!(
            outputs("01-basics", lang, 4),
            [rich("text/html", "<table><tr><td>1</td></tr></table>")]
        );
        assert_eq!(
            outputs("01-basics", lang, 5),
            [rich(
                "image/svg+xml",
                "<svg xmlns=\"http://www.w3.org/2000/svg\"><text>x</text></svg>"
            )]
        );
    }
}

#[test]
fn labels_follow_the_language_of_the_run() {
    assert_eq!(
        outputs("01-basics", Lang::Ko, 6),
        [rich("text/plain", "\"안녕\"")]
    );
    assert_eq!(
        outputs("01-basics", Lang::En, 6),
        [rich("text/plain", "\"hello\"")]
    );
}

#[test]
fn failing_lessons_fail_alone() {
    let outcome = &built().outcome;
    assert_eq!(outcome.ran, ["01-basics"]);
    assert_eq!(
        outcome.lessons.iter().map(Lesson::id).collect::<Vec<_>>(),
        ["01-basics"]
    );
    let failed: BTreeSet<&str> = outcome.failures.iter().map(|f| f.lesson.as_str()).collect();
    assert_eq!(
        failed,
        BTreeSet::from(["02-broken", "03-panics", "04-question-mark"])
    );
    let notebooks: Vec<String> = outcome
        .notebooks
        .iter()
        .map(|(p, _)| {
            p.strip_prefix(&built().config.root)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        notebooks,
        [
            "notebooks/ko/01-basics.ipynb",
            "notebooks/en/01-basics.ipynb"
        ]
    );
}

#[test]
fn a_compile_error_names_the_lesson_cell_and_line_in_both_pages() {
    let errors = failures("02-broken");
    assert_eq!(errors.len(), 2, "{errors:#?}");
    let mismatch = errors[0];
    assert_eq!(
        (mismatch.stage, mismatch.lang, mismatch.cell),
        (Stage::Compile, None, Some(2))
    );
    // ko.md has two comment lines before the statement, en.md none.
    for expected in [
        "02-broken/ko.md:10 and ",
        "02-broken/en.md:8 (cell 2, line 3): error[E0308]: mismatched types",
        "3 | let b: u32 = \"text\";",
        "  |              ^^^^^^ expected `u32`, found `&str`",
    ] {
        assert!(
            mismatch.message.contains(expected),
            "{expected:?} in:\n{}",
            mismatch.message
        );
    }
    let display = errors[1];
    assert_eq!(display.cell, Some(3));
    assert!(
        display.message.contains("(cell 3, line 2): error[E0599]"),
        "{}",
        display.message
    );
    assert!(display.message.contains("2 | Plain"), "{}", display.message);
    assert!(
        display
            .message
            .contains("the cell's last expression (line 2) has no `;`"),
        "{}",
        display.message
    );
}

#[test]
fn a_panic_names_its_cell_and_line_and_stops_the_lesson() {
    let panics = failures("03-panics");
    assert_eq!(panics.len(), 2, "once per language: {panics:#?}");
    let ko = panics.iter().find(|f| f.lang == Some(Lang::Ko)).unwrap();
    assert_eq!((ko.stage, ko.cell), (Stage::Run, Some(2)));
    assert!(
        ko.message
            .contains("03-panics/ko.md:11 (cell 2, line 4): the cell panicked: the list is empty"),
        "{}",
        ko.message
    );
    let en = panics.iter().find(|f| f.lang == Some(Lang::En)).unwrap();
    assert!(
        en.message
            .contains("03-panics/en.md:10 (cell 2, line 3): the cell panicked"),
        "{}",
        en.message
    );
    assert!(lesson(&built().outcome, "03-panics").is_none());
}

#[test]
fn an_error_through_question_mark_stops_the_lesson_with_its_message() {
    let errors = failures("04-question-mark");
    assert_eq!(errors.len(), 2);
    for f in errors {
        assert_eq!((f.stage, f.cell), (Stage::Run, Some(2)));
        assert!(
            f.message
                .contains("(cell 2): the cell stopped with an error"),
            "{}",
            f.message
        );
        assert!(
            f.message.contains("invalid digit found in string"),
            "{}",
            f.message
        );
    }
}

fn notebook_paths() -> Vec<PathBuf> {
    Lang::ALL
        .iter()
        .map(|&lang| built().config.notebook_path("01-basics", lang))
        .collect()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

fn strings(v: &Value) -> bool {
    v.as_array().is_some_and(|a| a.iter().all(Value::is_string))
}

/// The parts of the nbformat 4.5 schema these notebooks use, checked in Rust.
fn check_nbformat_4_5(nb: &Value) {
    assert_eq!(
        keys(nb),
        BTreeSet::from(["cells", "metadata", "nbformat", "nbformat_minor"])
    );
    assert_eq!(
        (nb["nbformat"].as_u64(), nb["nbformat_minor"].as_u64()),
        (Some(4), Some(5))
    );
    let kernelspec = &nb["metadata"]["kernelspec"];
    assert!(kernelspec["name"].is_string() && kernelspec["display_name"].is_string());
    assert!(nb["metadata"]["language_info"]["name"].is_string());
    let mut ids = BTreeSet::new();
    for cell in nb["cells"].as_array().unwrap() {
        let id = cell["id"].as_str().unwrap();
        assert!(
            (1..=64).contains(&id.len())
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert!(ids.insert(id), "ids are unique: {id}");
        assert!(cell["metadata"].is_object() && strings(&cell["source"]));
        match cell["cell_type"].as_str().unwrap() {
            "markdown" => assert_eq!(
                keys(cell),
                BTreeSet::from(["cell_type", "id", "metadata", "source"])
            ),
            "code" => {
                assert_eq!(
                    keys(cell),
                    BTreeSet::from([
                        "cell_type",
                        "execution_count",
                        "id",
                        "metadata",
                        "outputs",
                        "source"
                    ])
                );
                assert!(cell["execution_count"].is_u64() || cell["execution_count"].is_null());
                for out in cell["outputs"].as_array().unwrap() {
                    match out["output_type"].as_str().unwrap() {
                        "stream" => {
                            assert_eq!(keys(out), BTreeSet::from(["name", "output_type", "text"]));
                            assert!(
                                matches!(out["name"].as_str(), Some("stdout" | "stderr"))
                                    && strings(&out["text"])
                            );
                        }
                        "execute_result" => {
                            assert_eq!(
                                keys(out),
                                BTreeSet::from([
                                    "data",
                                    "execution_count",
                                    "metadata",
                                    "output_type"
                                ])
                            );
                            assert!(out["data"].is_object() && out["metadata"].is_object());
                            assert_eq!(out["execution_count"], cell["execution_count"]);
                        }
                        other => panic!("unexpected output type {other}"),
                    }
                }
            }
            other => panic!("unexpected cell type {other}"),
        }
    }
}

/// Python's nbformat: validates against the schema, and writes the same bytes.
fn check_with_python_nbformat(paths: &[PathBuf]) {
    let script = "import sys, nbformat\n\
                  for p in sys.argv[1:]:\n\
                  \x20   nb = nbformat.read(p, as_version=4)\n\
                  \x20   nbformat.validate(nb)\n\
                  \x20   s = nbformat.writes(nb)\n\
                  \x20   s = s if s.endswith('\\n') else s + '\\n'\n\
                  \x20   if s != open(p, encoding='utf-8').read():\n\
                  \x20       sys.exit(p + ': nbformat would write other bytes')\n";
    let missing = |why: &str| {
        if std::env::var_os("CI").is_some() {
            panic!(
                "{why}: CI must validate notebooks with Python's nbformat (pip install nbformat)"
            );
        }
        eprintln!("SKIPPED the nbformat check: {why} (pip install nbformat to run it; CI runs it)");
    };
    match Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(paths)
        .output()
    {
        Err(_) => missing("python3 is not installed"),
        Ok(out) if String::from_utf8_lossy(&out.stderr).contains("No module named 'nbformat'") => {
            missing("Python's nbformat is not installed")
        }
        Ok(out) => assert!(
            out.status.success(),
            "nbformat: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

#[test]
fn notebooks_are_valid_nbformat_4_5() {
    let paths = notebook_paths();
    for path in &paths {
        check_nbformat_4_5(&read_json(path));
    }
    check_with_python_nbformat(&paths);
}

#[test]
fn notebooks_embed_outputs_and_start_with_the_kernel_and_the_library() {
    let config = &built().config;
    for lang in Lang::ALL {
        let path = config.notebook_path("01-basics", lang);
        let nb = read_json(&path);
        let meta = &nb["metadata"];
        assert_eq!(meta["kernelspec"]["name"], "scale-lab");
        assert_eq!(meta["kernelspec"]["display_name"], "Rust · scale-lab");
        assert_eq!(meta["language_info"]["name"], "rust");
        assert_eq!(
            meta["scale_lab"]["source"],
            format!("lessons/01-basics/{}.md", lang.code())
        );
        let cells = nb["cells"].as_array().unwrap();
        let text = |i: usize| {
            cells[i]["source"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap())
                .collect::<String>()
        };

        assert_eq!(cells[0]["cell_type"], "markdown");
        assert!(
            text(0).contains("cargo run -- setup-jupyter"),
            "{}",
            text(0)
        );
        assert!(
            text(0).contains(if lang == Lang::Ko {
                "설치"
            } else {
                "install"
            }),
            "{}",
            text(0)
        );

        let setup = text(1);
        let lines: Vec<&str> = setup.lines().collect();
        assert_eq!(lines[0], ":cache 4000");
        let variant = if lang == Lang::Ko { "Ko" } else { "En" };
        assert_eq!(
            lines[2],
            format!("scale_lab::set_lang(scale_lab::Lang::{variant});")
        );
        let dep = lines[1]
            .strip_prefix(":dep scale-lab = { path = \"")
            .unwrap();
        let (relative, rest) = dep.split_once('"').unwrap();
        assert_eq!(rest, ", default-features = false }");
        let resolved = path
            .parent()
            .unwrap()
            .join(relative)
            .canonicalize()
            .unwrap();
        assert_eq!(
            resolved,
            library().canonicalize().unwrap(),
            "the :dep path leads to the library"
        );

        // Mermaid stays a fence; outputs are embedded as evcxr sends them.
        assert!((0..cells.len()).any(|i| text(i).starts_with("```mermaid\n")));
        let code: Vec<&Value> = cells.iter().filter(|c| c["cell_type"] == "code").collect();
        assert_eq!(code.len(), 7);
        assert_eq!(code[1]["outputs"][0]["output_type"], "stream");
        assert_eq!(code[1]["outputs"][0]["text"][0], "x = 40\n");
        assert_eq!(code[2]["outputs"][0]["output_type"], "execute_result");
        assert_eq!(code[2]["outputs"][0]["data"]["text/plain"][0], "42");
        assert_eq!(
            code[5]["outputs"][0]["data"]["image/svg+xml"][0],
            "<svg xmlns=\"http://www.w3.org/2000/svg\"><text>x</text></svg>"
        );
        assert!(notebook::is_pristine(&fs::read(&path).unwrap()));

        // The last cell lists the lesson's exercises, linked to the learner's files.
        let last = text(cells.len() - 1);
        assert!(last.contains("cargo run -- exercises 01"), "{last}");
        let link = last
            .split("](")
            .nth(1)
            .and_then(|rest| rest.split(')').next())
            .expect("a link");
        assert!(link.ends_with("lessons/01-basics/exercises/double.rs"), "{link}");
        assert!(path.parent().unwrap().join(link).is_file(), "{link} resolves");
        assert!(last.contains(if lang == Lang::Ko { "곱하기 2" } else { "Multiply by two" }));
    }
}

#[test]
fn a_second_build_runs_nothing_and_a_fresh_run_writes_the_same_bytes() {
    let _lock = again();
    let Built { config, .. } = built();
    let before: Vec<Vec<u8>> = notebook_paths()
        .iter()
        .map(|p| fs::read(p).unwrap())
        .collect();

    let outcome = pipeline::build(config, &Progress::quiet()).unwrap();
    assert_eq!(outcome.cached, ["01-basics"]);
    assert!(outcome.ran.is_empty(), "ran {:?}", outcome.ran);
    assert!(
        outcome
            .notebooks
            .iter()
            .all(|(_, w)| *w == Written::Unchanged),
        "{:?}",
        outcome.notebooks
    );
    assert_eq!(
        outcome.failures.len(),
        built().outcome.failures.len(),
        "failed lessons are tried again"
    );

    // Run again from scratch: the same outputs, so the same bytes.
    fs::remove_file(config.root.join("target/scale-lab/cache/01-basics.json")).unwrap();
    let outcome = pipeline::build(config, &Progress::quiet()).unwrap();
    assert_eq!(outcome.ran, ["01-basics"]);
    assert!(
        outcome
            .notebooks
            .iter()
            .all(|(_, w)| *w == Written::Unchanged),
        "{:?}",
        outcome.notebooks
    );
    let after: Vec<Vec<u8>> = notebook_paths()
        .iter()
        .map(|p| fs::read(p).unwrap())
        .collect();
    assert!(before == after);
}

/// A copy of the built root with only lesson 01 (and its cache): builds there need no
/// compiler.
fn copy_of_built(name: &str) -> Config {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&root);
    let from = &built().config.root;
    copy_dir(
        &from.join("lessons/01-basics"),
        &root.join("lessons/01-basics"),
    );
    copy_dir(&from.join("notebooks"), &root.join("notebooks"));
    copy_dir(
        &from.join("target/scale-lab/cache"),
        &root.join("target/scale-lab/cache"),
    );
    copy_book_files(&root);
    Config::new(root, library())
}

#[test]
fn edited_notebooks_are_kept_until_forced_and_untouched_ones_follow_the_lesson() {
    let _lock = again();
    let mut config = copy_of_built("runner-build-guard");
    let en = config.notebook_path("01-basics", Lang::En);
    let ko = config.notebook_path("01-basics", Lang::Ko);
    let original = fs::read_to_string(&en).unwrap();

    // A learner changes a cell (or runs and saves it in Jupyter).
    let edited = original.replacen("x + 2", "x + 3", 1);
    assert_ne!(edited, original);
    fs::write(&en, &edited).unwrap();
    let outcome = pipeline::build(&config, &Progress::quiet()).unwrap();
    assert!(
        outcome.notebooks.contains(&(en.clone(), Written::Kept)),
        "{:?}",
        outcome.notebooks
    );
    assert!(
        outcome
            .notebooks
            .contains(&(ko.clone(), Written::Unchanged))
    );
    assert_eq!(
        fs::read_to_string(&en).unwrap(),
        edited,
        "the learner's edit is not lost"
    );
    let message = notebook::kept_message(&en);
    assert!(
        message.contains("01-basics.ipynb")
            && message.contains("--force")
            && message.contains("copy it"),
        "{message}"
    );

    // A notebook scale-lab wrote for an older version of the lesson is replaced.
    let mut older: Lesson = lesson(&built().outcome, "01-basics").unwrap().clone();
    let page = older.pages.iter_mut().find(|p| p.lang == Lang::Ko).unwrap();
    page.blocks
        .insert(0, Block::Markdown("an older paragraph".into()));
    let paths = notebook::Paths {
        library: "../..".into(),
        source: "lessons/01-basics/ko.md".into(),
        root: "../..".into(),
    };
    fs::write(&ko, notebook::render(&older, Lang::Ko, &paths)).unwrap();
    let outcome = pipeline::build(&config, &Progress::quiet()).unwrap();
    assert!(
        outcome.notebooks.contains(&(ko.clone(), Written::Updated)),
        "{:?}",
        outcome.notebooks
    );
    assert!(outcome.notebooks.contains(&(en.clone(), Written::Kept)));

    // --force discards the edit.
    config.force = true;
    let outcome = pipeline::build(&config, &Progress::quiet()).unwrap();
    assert!(
        outcome.notebooks.contains(&(en.clone(), Written::Updated)),
        "{:?}",
        outcome.notebooks
    );
    assert_eq!(fs::read_to_string(&en).unwrap(), original);
}

/// Runs the command line in this process (the `scale-lab` executable in a shared target
/// directory may be another checkout's); returns success and the messages.
fn scale_lab(quiet: bool, args: &[&str]) -> (bool, String) {
    let progress = Progress::capture(quiet);
    let ok = cli::run_args(
        std::iter::once("scale-lab").chain(args.iter().copied()),
        &progress,
    )
    .unwrap();
    (ok, progress.captured())
}

#[test]
fn the_command_line_reports_failures_in_its_exit_code() {
    let _lock = again();
    let lib = library().to_string_lossy().into_owned();
    let root = built().config.root.to_string_lossy().into_owned();
    let (ok, stderr) = scale_lab(true, &["build", "--root", &root, "--library", &lib]);
    assert!(!ok, "failing lessons fail the build");
    assert!(
        stderr.contains("error: lesson 02-broken (compile, cell 2)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: lesson 03-panics (run, ko, cell 2)"),
        "{stderr}"
    );
    assert!(!stderr.contains("wrote "), "quiet: no notes: {stderr}");

    let copy = copy_of_built("runner-build-cli");
    let copy_root = copy.root.to_string_lossy().into_owned();
    let (ok, stderr) = scale_lab(
        true,
        &[
            "build",
            "--lesson",
            "01",
            "--root",
            &copy_root,
            "--library",
            &lib,
        ],
    );
    assert!(ok && stderr.is_empty(), "{stderr}");
    let (ok, stderr) = scale_lab(
        false,
        &[
            "build",
            "--lesson",
            "99",
            "--root",
            &copy_root,
            "--library",
            &lib,
        ],
    );
    assert!(!ok && stderr.contains("no lesson \"99\""), "{stderr}");

    let fixtures = library().join("tests/fixtures");
    let (ok, stderr) = scale_lab(
        false,
        &[
            "check",
            "--root",
            &fixtures.to_string_lossy(),
            "--library",
            &lib,
        ],
    );
    assert!(ok, "{stderr}");
    assert!(stderr.contains("checked 4 lesson(s)"), "{stderr}");
    let (ok, stderr) = scale_lab(
        false,
        &[
            "check",
            "--root",
            &fixtures.join("parity").to_string_lossy(),
            "--library",
            &lib,
        ],
    );
    assert!(
        !ok && stderr.contains("lesson 01-drift (parity, cell 2)"),
        "{stderr}"
    );

    let help = cli::run_args(["scale-lab", "--help"], &Progress::capture(false))
        .unwrap_err()
        .to_string();
    assert!(
        help.contains("build") && help.contains("check") && help.contains("--quiet"),
        "{help}"
    );
}

#[test]
fn a_lesson_that_does_not_end_is_stopped_and_warnings_are_reported() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("runner-build-slow");
    for dir in ["lessons", "notebooks", "target/scale-lab/cache"] {
        let _ = fs::remove_dir_all(root.join(dir));
    }
    copy_dir(
        &library().join("tests/fixtures/slow/lessons"),
        &root.join("lessons"),
    );
    let mut config = Config::new(root, library());
    config.timeout = Duration::from_secs(3);
    let outcome = pipeline::build(&config, &Progress::quiet()).unwrap();

    assert_eq!(outcome.ran, ["01-noisy"]);
    let stopped: Vec<&Failure> = outcome
        .failures
        .iter()
        .filter(|f| f.lesson == "02-forever")
        .collect();
    assert_eq!(stopped.len(), 2, "{:#?}", outcome.failures);
    for f in stopped {
        assert_eq!((f.stage, f.cell), (Stage::Run, Some(2)));
        assert!(
            f.message
                .contains("(cell 2): the lesson did not finish within 3 s"),
            "{}",
            f.message
        );
    }
    let warnings = outcome.warnings.join("\n");
    assert!(
        warnings.contains("lesson 01-noisy (ko), cell 1: wrote to stderr"),
        "{warnings}"
    );
    assert!(warnings.contains("careful"), "{warnings}");
    assert!(
        warnings
            .contains("lesson 01-noisy (en), cell 2: 2 rich outputs (text/html, image/svg+xml)"),
        "{warnings}"
    );
}
