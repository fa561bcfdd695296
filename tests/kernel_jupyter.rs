//! The `scale-lab` kernel in a real Jupyter: set-up registers it into a temporary
//! `JUPYTER_DATA_DIR` (with `HOME` a temporary learner's home), a notebook per language
//! in the runner's format runs through it (`jupyter nbconvert --execute`), and its
//! outputs are the bytes the library prints natively. The learner's own evcxr
//! configuration and `rust` kernel stay untouched; uninstall removes what set-up added.
//!
//! Needs Jupyter (JupyterLab, nbconvert) and evcxr_jupyter 0.22.0: run by
//! `.ci/jupyter.sh`, or `cargo test --test kernel_jupyter -- --ignored --nocapture`.
//! Steps that must run with the temporary `HOME` run in a child: this same test binary,
//! started with `SCALE_LAB_KERNEL_CHILD` set.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use scale_lab::runner::kernel::{self, Options};
use scale_lab::{Lang, set_lang};
use serde_json::{Value, json};

/// The child's job: `setup`, `uninstall`, or `native-ko` / `native-en`.
const CHILD: &str = "SCALE_LAB_KERNEL_CHILD";
/// Printed by the native child before each cell's output.
const CELL_MARK: &str = "--- scale-lab cell ---";

/// A notebook cell: its source as the notebook holds it, and the same code as a closure.
macro_rules! cell {
    ($($code:tt)*) => {
        (stringify!($($code)*), || { $($code)* })
    };
}

/// The fixture's cells after the first: printed text from a simulation, a table and a
/// figure as the last expression. Labels follow the notebook's language.
macro_rules! fixture_cells {
    ($each:ident) => {{
        let text = cell! {
            let report = scale_lab::sim::OpenQueue::mmc(9.0, 1.0, 10).unwrap()
                .requests(200_000).unwrap().run(7).unwrap();
            println!("{}: {:.4}", scale_lab::t("평균 응답 시간", "mean response time"), report.response.mean());
            println!("p99: {:.4}", report.response.p99());
        };
        let table = cell! {
            scale_lab::report::Table::builder()
                .column(scale_lab::t("서버", "servers"), [1u32, 2, 4])
                .column(scale_lab::t("처리량", "throughput"), [0.9f64, 1.8, 3.5])
                .build().unwrap()
        };
        let figure = cell! {
            scale_lab::report::Plot::lines(scale_lab::t("지연 시간", "latency"))
                .series("p99", &[(1.0, 2.0), (2.0, 3.5), (4.0, 9.0)])
                .render().unwrap()
        };
        $each(text.0, &|| (text.1)());
        $each(table.0, &|| (table.1)().evcxr_display());
        $each(figure.0, &|| (figure.1)().evcxr_display());
    }};
}

fn sources() -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut each = |source: &'static str, _run: &dyn Fn()| out.push(source);
    fixture_cells!(each);
    out
}

fn variant(lang: Lang) -> &'static str {
    match lang {
        Lang::Ko => "Ko",
        Lang::En => "En",
    }
}

/// The notebook as the runner writes it: kernel `scale-lab`, a markdown cell, the first
/// code cell (cache, library by relative path, language), then the fixture's cells.
fn fixture_notebook(lang: Lang) -> String {
    let first = format!(
        ":cache 4000\n:dep scale-lab = {{ path = \"../..\", default-features = false }}\n\
         scale_lab::set_lang(scale_lab::Lang::{});",
        variant(lang)
    );
    let mut cells = vec![
        json!({"cell_type": "markdown", "id": "00-000", "metadata": {}, "source": "# kernel check"}),
        json!({"cell_type": "code", "execution_count": null, "id": "00-001", "metadata": {},
               "outputs": [], "source": first}),
    ];
    for (i, source) in sources().into_iter().enumerate() {
        cells.push(
            json!({"cell_type": "code", "execution_count": null, "id": format!("00-{:03}", i + 2),
                          "metadata": {}, "outputs": [], "source": source}),
        );
    }
    json!({
        "cells": cells,
        "metadata": {"kernelspec": {"display_name": "Rust · scale-lab", "language": "rust", "name": "scale-lab"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    })
    .to_string()
}

/// The child: does its job in the environment the parent gave it.
#[test]
#[ignore = "a child of kernel_runs_notebooks_like_the_library"]
fn child() {
    let Ok(job) = std::env::var(CHILD) else {
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let options = Options {
        install: false,
        quiet: false,
        ..Options::for_user().unwrap()
    };
    match job.as_str() {
        "setup" => {
            let report = kernel::setup(root, &options).unwrap();
            for line in report.summary() {
                println!("setup: {line}");
            }
            let warmed = report.warmed.unwrap();
            println!(
                "setup: cold {} s, warm {:?}",
                report.elapsed.as_secs(),
                warmed.again
            );
            assert!(
                warmed.compiled > 0,
                "a fresh home starts with an empty cache"
            );
        }
        "uninstall" => {
            let removal = kernel::uninstall(&options).unwrap();
            println!("uninstall: {removal:?}");
        }
        native => {
            let lang = if native == "native-ko" {
                Lang::Ko
            } else {
                Lang::En
            };
            set_lang(lang);
            let each = |_source: &'static str, run: &dyn Fn()| {
                println!("{CELL_MARK}");
                run();
            };
            fixture_cells!(each);
            println!("{CELL_MARK}");
        }
    }
}

/// One cell's output: its text (stdout) and its rich content by MIME type.
#[derive(Debug, Default, PartialEq)]
struct CellOutput {
    text: String,
    rich: BTreeMap<String, String>,
}

/// Splits the native child's stdout into cells' outputs, the way evcxr reads it.
fn parse_native(stdout: &str) -> Vec<CellOutput> {
    let mut cells: Vec<CellOutput> = Vec::new();
    let mut lines = stdout.lines();
    let mut started = false;
    while let Some(line) = lines.next() {
        // The first mark shares its line with the harness's `test child ... `.
        if line.ends_with(CELL_MARK) {
            started = true;
            cells.push(CellOutput::default());
        } else if !started {
        } else if let Some(mime) = line.strip_prefix("EVCXR_BEGIN_CONTENT ") {
            let content: Vec<&str> = lines
                .by_ref()
                .take_while(|l| *l != "EVCXR_END_CONTENT")
                .collect();
            cells
                .last_mut()
                .unwrap()
                .rich
                .insert(mime.to_string(), content.join("\n"));
        } else {
            let cell = cells.last_mut().unwrap();
            cell.text.push_str(line);
            cell.text.push('\n');
        }
    }
    cells.pop(); // after the last mark: the harness's own lines
    cells
}

/// A code cell's outputs in an executed notebook.
fn notebook_output(cell: &Value) -> CellOutput {
    let joined = |v: &Value| match v {
        Value::Array(parts) => parts.iter().filter_map(Value::as_str).collect::<String>(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut out = CellOutput::default();
    for output in cell["outputs"].as_array().unwrap() {
        match output["output_type"].as_str().unwrap() {
            "stream" => out.text.push_str(&joined(&output["text"])),
            "execute_result" | "display_data" => {
                for (mime, data) in output["data"].as_object().unwrap() {
                    out.rich.insert(mime.clone(), joined(data));
                }
            }
            other => panic!(
                "cell {} has an output of type {other}: {output:#}",
                cell["id"]
            ),
        }
    }
    out
}

fn without_whitespace(text: &str) -> String {
    text.split_whitespace().collect()
}

/// A temporary copy of the repository (symbolic links) with room for `notebooks/`, so
/// that a notebook's `path = "../.."` is the library, as in the repository.
fn repository_view(dir: &Path) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let view = dir.join("repo");
    fs::create_dir_all(view.join("notebooks")).unwrap();
    for entry in fs::read_dir(root).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if [".git", "target", "notebooks"].iter().any(|n| name == *n) {
            continue;
        }
        std::os::unix::fs::symlink(entry.path(), view.join(&name)).unwrap();
    }
    view
}

/// Every file under `dir` (path → bytes).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(path.clone(), fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// The learner's environment for the children and Jupyter: a temporary `HOME` and
/// `JUPYTER_DATA_DIR`, with Rust's and Python's own installations where they really are.
fn environment(home: &Path, data: &Path) -> Vec<(String, String)> {
    let real_home = PathBuf::from(std::env::var_os("HOME").expect("HOME is set"));
    let kept = |var: &str, default: PathBuf| {
        (
            var.to_string(),
            std::env::var(var).unwrap_or_else(|_| default.display().to_string()),
        )
    };
    let user_base = Command::new("python3")
        .args(["-c", "import site; print(site.getuserbase())"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    vec![
        ("HOME".into(), home.display().to_string()),
        ("JUPYTER_DATA_DIR".into(), data.display().to_string()),
        kept("CARGO_HOME", real_home.join(".cargo")),
        kept("RUSTUP_HOME", real_home.join(".rustup")),
        kept("PYTHONUSERBASE", PathBuf::from(user_base)),
    ]
}

fn command_in(program: &str, env: &[(String, String)]) -> Command {
    let mut command = Command::new(program);
    for var in [
        "XDG_CONFIG_HOME",
        "XDG_CACHE_HOME",
        "XDG_DATA_HOME",
        "JUPYTER_PATH",
        "EVCXR_CONFIG_DIR",
    ] {
        command.env_remove(var);
    }
    command.envs(env.iter().map(|(k, v)| (k, v)));
    command
}

fn run_child(job: &str, env: &[(String, String)]) -> String {
    let exe = std::env::current_exe().unwrap();
    let output = command_in(exe.to_str().unwrap(), env)
        .args([
            "child",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, job)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "child {job} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[test]
#[ignore = "needs Jupyter and evcxr_jupyter 0.22.0 (minutes); run by .ci/jupyter.sh"]
fn kernel_runs_notebooks_like_the_library() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let data = tmp.path().join("jupyter-data");
    // The learner's own evcxr configuration: `:timing` would add "Took …ms" to every cell
    // if the kernel read it. And the plain `rust` kernel, with a version evcxr would
    // "update".
    let learner_config = home.join(".config/evcxr");
    fs::create_dir_all(&learner_config).unwrap();
    fs::write(learner_config.join("init.evcxr"), ":timing\n").unwrap();
    let rust_kernel = home.join(".local/share/jupyter/kernels/rust");
    fs::create_dir_all(&rust_kernel).unwrap();
    fs::write(
        rust_kernel.join("kernel.json"),
        r#"{"argv": ["evcxr_jupyter"], "display_name": "Rust"}"#,
    )
    .unwrap();
    fs::write(rust_kernel.join("version.txt"), "0").unwrap();
    let learner_before = snapshot(&home);
    let env = environment(&home, &data);

    let started = Instant::now();
    let setup = run_child("setup", &env);
    println!(
        "{}",
        setup
            .lines()
            .filter(|l| l.starts_with("setup:"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    println!(
        "set-up (cold cache) took {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let kernel_dir = data.join("kernels/scale-lab");
    let spec: Value =
        serde_json::from_str(&fs::read_to_string(kernel_dir.join("kernel.json")).unwrap()).unwrap();
    assert_eq!(spec["display_name"], "Rust · scale-lab");

    let repo = repository_view(tmp.path());
    for lang in Lang::ALL {
        let dir = repo.join("notebooks").join(lang.code());
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("check.ipynb"), fixture_notebook(lang)).unwrap();
        let started = Instant::now();
        let output = command_in("jupyter", &env)
            .args([
                "nbconvert",
                "--to",
                "notebook",
                "--execute",
                "check.ipynb",
                "--output",
                "check.out.ipynb",
            ])
            .arg("--ExecutePreprocessor.timeout=900")
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        println!(
            "{} notebook ran in {:.1} s (kernel start, first cell, 3 cells)",
            lang.code(),
            started.elapsed().as_secs_f64()
        );
        let executed: Value =
            serde_json::from_str(&fs::read_to_string(dir.join("check.out.ipynb")).unwrap())
                .unwrap();
        let cells = executed["cells"].as_array().unwrap();
        assert_eq!(executed["metadata"]["kernelspec"]["name"], "scale-lab");

        let first = notebook_output(&cells[1]);
        assert!(
            first.rich.values().all(|v| !v.contains("Took")),
            "{first:?}"
        );
        let native = parse_native(&run_child(&format!("native-{}", lang.code()), &env));
        assert_eq!(native.len(), 3);
        for (i, expected) in native.iter().enumerate() {
            let got = notebook_output(&cells[i + 2]);
            assert_eq!(
                got.text,
                expected.text,
                "{} cell {}: text",
                lang.code(),
                i + 2
            );
            assert_eq!(
                got.rich.keys().collect::<Vec<_>>(),
                expected.rich.keys().collect::<Vec<_>>()
            );
            for (mime, content) in &expected.rich {
                if mime == "image/svg+xml" {
                    assert_eq!(
                        without_whitespace(&got.rich[mime]),
                        without_whitespace(content),
                        "{} SVG",
                        lang.code()
                    );
                } else {
                    assert_eq!(
                        &got.rich[mime],
                        content,
                        "{} cell {}: {mime}",
                        lang.code(),
                        i + 2
                    );
                }
            }
        }
        let (label, other) = match lang {
            Lang::Ko => ("평균 응답 시간", "mean response time"),
            Lang::En => ("mean response time", "평균 응답 시간"),
        };
        let text = &native[0].text;
        assert!(text.contains(label) && !text.contains(other), "{text}");
        assert!(native[1].rich["text/html"].contains(if lang == Lang::Ko {
            "서버"
        } else {
            "servers"
        }));
        assert!(native[2].rich["image/svg+xml"].contains("<svg"));
    }

    assert_eq!(
        snapshot(&home)
            .into_iter()
            .filter(|(p, _)| learner_before.contains_key(p))
            .collect::<BTreeMap<_, _>>(),
        learner_before
    );
    assert!(
        !home.join(".cache/evcxr").exists(),
        "the learner's evcxr cache was not used"
    );
    let layout = kernel::Layout::new(home.join(".local/share/scale-lab"));
    let (entries, _) = kernel::warm::cache_size(&layout.evcxr_cache());
    assert!(entries > 0);
    // The kernels ran in the first persistent build directory, which outlived them.
    assert!(layout.builds_dir().join("0/target").is_dir());

    let removal = run_child("uninstall", &env);
    assert!(!kernel_dir.exists(), "{removal}");
    assert!(!home.join(".local/share/scale-lab").exists(), "{removal}");
    // Jupyter keeps state of its own in ~/.jupyter (`migrated`, written the first time it
    // runs): not set-up's to remove.
    let mut after = snapshot(&home);
    after.retain(|path, _| !path.starts_with(home.join(".jupyter")));
    assert_eq!(after, learner_before, "only the learner's files remain");
}
