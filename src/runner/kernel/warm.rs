//! Warming the kernel's build cache: set-up runs the notebooks' first cell once through
//! the real kernel (`jupyter nbconvert --execute` of a one-cell notebook), so that evcxr
//! compiles polars, plotters and the rest into the cache, and a learner's first notebook
//! starts from it.
//!
//! Two things are warm afterwards. evcxr's cache holds what cargo builds without
//! incremental compilation: the registry crates. The kernel's first build directory
//! (`builds/0`, see `launch.py`) holds all of it built, the scale-lab library too (a path
//! dependency, built incrementally, which evcxr does not cache). A new kernel that gets
//! that directory only compiles its cells; one that gets another directory copies the
//! crates from the cache and compiles the library once there.
//!
//! The cache's entries must be made in a build directory that stays: an entry's
//! dependency list names the directory it was built in (a build script's generated
//! sources), and an entry naming a deleted directory makes cargo rebuild that crate and
//! everything above it in every kernel.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

use super::spec::{Layout, write_if_changed};
use super::tools::{Jupyter, last_lines};
use super::{CACHE_MIB, KERNEL_DISPLAY_NAME, KERNEL_NAME, Reporter};

/// How long the warming notebook may run (a cold cache on a slow machine).
const TIMEOUT_SECONDS: u64 = 3600;
/// How long the kernel may take to answer Jupyter at start (nbclient's default is 60 s).
const STARTUP_SECONDS: u64 = 300;

/// What warming did.
#[derive(Debug, Clone, PartialEq)]
pub struct Warmed {
    /// How long the first run took (the whole notebook: kernel start and first cell).
    pub first: Duration,
    /// How many crates it compiled into the cache (0: the cache was already warm).
    pub compiled: usize,
    /// A second, new kernel's run, which must compile no crate (the check that the cache
    /// and the build directory are reused): what a learner's first notebook takes.
    pub again: Duration,
    /// Entries in the cache afterwards.
    pub entries: usize,
    /// The cache's size in bytes afterwards.
    pub bytes: u64,
}

/// The notebooks' first code cell with the library at `library` (a path as TOML wants it
/// in a `:dep`): evcxr's cache on, the library loaded, the label language set.
pub fn first_cell(library: &str) -> String {
    format!(
        ":cache {CACHE_MIB}\n:dep scale-lab = {{ path = \"{library}\", default-features = false }}\n\
         scale_lab::set_lang(scale_lab::Lang::En);"
    )
}

/// `text` as the inside of a TOML basic string.
pub fn toml_escaped(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// A one-cell notebook for the `scale-lab` kernel that runs `code`.
pub fn notebook(code: &str) -> String {
    let value = json!({
        "cells": [{
            "cell_type": "code",
            "execution_count": null,
            "id": "warm",
            "metadata": {},
            "outputs": [],
            "source": code,
        }],
        "metadata": {
            "kernelspec": {
                "display_name": KERNEL_DISPLAY_NAME,
                "language": "rust",
                "name": KERNEL_NAME,
            },
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    });
    serde_json::to_string_pretty(&value).expect("a JSON value serialises")
}

/// A duration in seconds as a learner reads it: `40 s`, `3 min`.
fn minutes(seconds: u64) -> String {
    if seconds < 90 {
        format!("{seconds} s")
    } else {
        format!("{} min", (seconds + 30) / 60)
    }
}

/// The number of entries in evcxr's cache directory `dir` and their total size.
pub fn cache_size(dir: &Path) -> (usize, u64) {
    let Ok(entries) = fs::read_dir(dir) else {
        return (0, 0);
    };
    let mut count = 0;
    let mut bytes = 0;
    for entry in entries.flatten() {
        // evcxr writes `hits` last: an entry without it is still being written.
        if !entry.path().join("hits").is_file() {
            continue;
        }
        count += 1;
        if let Ok(files) = fs::read_dir(entry.path()) {
            bytes += files
                .flatten()
                .filter_map(|f| f.metadata().ok())
                .map(|m| m.len())
                .sum::<u64>();
        }
    }
    (count, bytes)
}

/// Runs the first cell with the library at `root` through the `scale-lab` kernel
/// registered in `data_dir`, with a progress bar while it compiles; runs it again in a
/// new kernel, to check that the cache and the build directory are reused and to time
/// what a learner's first notebook takes.
pub fn warm(
    jupyter: &Jupyter,
    data_dir: &Path,
    layout: &Layout,
    root: &Path,
    reporter: &Reporter,
) -> anyhow::Result<Warmed> {
    let dir = layout.warm_dir();
    if dir.exists() {
        fs::remove_dir_all(&dir).with_context(|| format!("cannot remove {}", dir.display()))?;
    }
    let code = first_cell(&toml_escaped(&root.display().to_string()));
    write_if_changed(&dir.join("warm.ipynb"), notebook(&code).as_bytes())?;

    let cache = layout.evcxr_cache();
    let (before, _) = cache_size(&cache);
    let expected = expected_entries(root).unwrap_or(super::COLD_ENTRIES);
    let missing = expected.saturating_sub(before);
    // The measured cold time, for the share of the cache that is missing.
    let estimate = super::COLD_SECONDS * missing as u64 / expected.max(1) as u64;
    if missing > 0 {
        reporter.note(&format!(
            "Compiling what the notebooks' first cell needs (polars, plotters, ...: about {missing} \
             crates) into the kernel's cache, once. On 2 cores this takes about {}; after that a \
             notebook's first cell takes seconds.",
            minutes(estimate)
        ));
    } else {
        reporter.note("Checking the kernel's cache with the notebooks' first cell");
    }
    let bar = reporter.bar(expected.max(before) as u64, "warming");
    bar.set_position(before as u64);
    let first = run_notebook(jupyter, data_dir, &dir, || {
        let (now, _) = cache_size(&cache);
        if now as u64 > bar.length().unwrap_or(0) {
            bar.set_length(now as u64);
        }
        bar.set_position(now as u64);
        bar.set_message(if estimate > 0 {
            format!("of about {}", minutes(estimate))
        } else {
            String::new()
        });
    })?;
    bar.finish_and_clear();
    let (after, _) = cache_size(&cache);
    let compiled = after.saturating_sub(before);

    reporter.note("Checking that a new kernel starts from what is built");
    let spinner = reporter.spinner("checking");
    let again = run_notebook(jupyter, data_dir, &dir, || {})?;
    spinner.finish_and_clear();
    let (entries, bytes) = cache_size(&cache);
    if entries > after {
        reporter.warn(&format!(
            "a second kernel compiled {} more crates instead of using the cache: the first \
             cell of each new notebook will be slow",
            entries - after
        ));
    }
    fs::remove_dir_all(&dir).with_context(|| format!("cannot remove {}", dir.display()))?;
    Ok(Warmed {
        first,
        compiled,
        again,
        entries,
        bytes,
    })
}

/// How many cache entries a cold warm-up makes (for the progress bar): one per registry
/// crate the library needs without its default features (normal and build dependencies
/// on this platform, as `cargo tree` resolves them for the library alone) and one per
/// build script among them. `None` if cargo cannot say.
fn expected_entries(root: &Path) -> Option<usize> {
    let cargo = |args: &[&str]| {
        let output = Command::new("cargo")
            .args(args)
            .current_dir(root)
            .stderr(Stdio::null())
            .output()
            .ok()?;
        output.status.success().then_some(output.stdout)
    };
    let tree = cargo(&[
        "tree",
        "-p",
        "scale-lab",
        "--no-default-features",
        "-e",
        "normal,build",
        "--prefix",
        "none",
        "--format",
        "{p}",
    ])?;
    let metadata = cargo(&["metadata", "--format-version", "1"])?;
    count_entries(
        &String::from_utf8_lossy(&tree),
        &serde_json::from_slice(&metadata).ok()?,
    )
}

/// The count of [`expected_entries`] from `cargo tree --format {p}` lines (`name vX.Y.Z`)
/// and `cargo metadata` (which packages come from a registry, which have a build script).
/// Local packages (no `source`) are not counted: evcxr does not cache them.
fn count_entries(tree: &str, metadata: &Value) -> Option<usize> {
    let needed: BTreeSet<(&str, &str)> = tree
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            Some((words.next()?, words.next()?.strip_prefix('v')?))
        })
        .collect();
    let mut entries = 0;
    for package in metadata["packages"].as_array()? {
        let key = (
            package["name"].as_str().unwrap_or(""),
            package["version"].as_str().unwrap_or(""),
        );
        if package["source"].is_null() || !needed.contains(&key) {
            continue;
        }
        let build_script = package["targets"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|t| {
                t["kind"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|k| k == "custom-build")
            });
        entries += 1 + usize::from(build_script);
    }
    Some(entries)
}

/// Executes `dir/warm.ipynb` with nbconvert, calling `tick` about twice a second; the
/// time it took. A cell error is an error with evcxr's message.
fn run_notebook(
    jupyter: &Jupyter,
    data_dir: &Path,
    dir: &Path,
    mut tick: impl FnMut(),
) -> anyhow::Result<Duration> {
    let out = dir.join("warm.out.ipynb");
    let _ = fs::remove_file(&out);
    let log_path = dir.join("nbconvert.log");
    let log =
        File::create(&log_path).with_context(|| format!("cannot write {}", log_path.display()))?;
    let mut jupyter_path = std::ffi::OsString::from(data_dir);
    if let Some(old) = std::env::var_os("JUPYTER_PATH").filter(|p| !p.is_empty()) {
        jupyter_path.push(if cfg!(windows) { ";" } else { ":" });
        jupyter_path.push(old);
    }
    let mut command = jupyter.command();
    command
        .args([
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            "warm.ipynb",
            "--output",
            "warm.out.ipynb",
        ])
        .arg(format!("--ExecutePreprocessor.timeout={TIMEOUT_SECONDS}"))
        .arg(format!(
            "--ExecutePreprocessor.startup_timeout={STARTUP_SECONDS}"
        ))
        .current_dir(dir)
        .env("JUPYTER_PATH", jupyter_path)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    let started = Instant::now();
    let mut child = command
        .spawn()
        .with_context(|| format!("cannot run `{} nbconvert`", jupyter.shown()))?;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        tick();
        thread::sleep(Duration::from_millis(500));
    };
    let elapsed = started.elapsed();
    if !status.success() {
        let log = fs::read_to_string(&log_path).unwrap_or_default();
        bail!(
            "the scale-lab kernel could not run the notebooks' first cell (`{} nbconvert \
             --execute`):\n{}",
            jupyter.shown(),
            last_lines(&log, 40)
        );
    }
    let text =
        fs::read_to_string(&out).with_context(|| format!("cannot read {}", out.display()))?;
    let errors = cell_errors(&text)?;
    if !errors.is_empty() {
        bail!(
            "the notebooks' first cell failed in the scale-lab kernel:\n{}",
            errors.join("\n")
        );
    }
    Ok(elapsed)
}

/// The error outputs of an executed notebook, as text.
pub fn cell_errors(notebook: &str) -> anyhow::Result<Vec<String>> {
    let value: Value =
        serde_json::from_str(notebook).context("nbconvert wrote a notebook that is not JSON")?;
    let mut errors = Vec::new();
    for cell in value["cells"].as_array().into_iter().flatten() {
        for output in cell["outputs"].as_array().into_iter().flatten() {
            if output["output_type"] == "error" {
                let traceback: Vec<&str> = output["traceback"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                errors.push(format!(
                    "{}: {}\n{}",
                    output["ename"].as_str().unwrap_or("error"),
                    output["evalue"].as_str().unwrap_or(""),
                    traceback.join("\n")
                ));
            }
        }
    }
    Ok(errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_cell_loads_the_library_by_path() {
        let cell = first_cell(&toml_escaped(r#"C:\lab "x""#));
        assert_eq!(
            cell,
            ":cache 4000\n:dep scale-lab = { path = \"C:\\\\lab \\\"x\\\"\", default-features = false }\n\
             scale_lab::set_lang(scale_lab::Lang::En);"
        );
    }

    #[test]
    fn the_warming_notebook_asks_for_the_scale_lab_kernel() {
        let v: Value = serde_json::from_str(&notebook("1 + 1")).unwrap();
        assert_eq!(v["metadata"]["kernelspec"]["name"], "scale-lab");
        assert_eq!(v["cells"][0]["source"], "1 + 1");
        assert_eq!(v["nbformat"], 4);
    }

    #[test]
    fn cell_errors_are_read_from_the_executed_notebook() {
        let nb = json!({"cells": [
            {"outputs": [{"output_type": "stream", "text": "ok"}]},
            {"outputs": [{"output_type": "error", "ename": "Error", "evalue": "no such crate",
                          "traceback": ["line 1", "line 2"]}]},
        ]});
        let errors = cell_errors(&nb.to_string()).unwrap();
        assert_eq!(errors, ["Error: no such crate\nline 1\nline 2"]);
        assert!(cell_errors(r#"{"cells": []}"#).unwrap().is_empty());
    }

    #[test]
    fn expected_entries_count_registry_crates_and_their_build_scripts() {
        let tree = "scale-lab v0.1.0 (/work/lab)\nrand v0.9.2\nserde v1.0.2\nrand v0.9.2 (*)\n\
                    local-helper v0.1.0 (/work/lab/helper)\n";
        let registry = "registry+https://github.com/rust-lang/crates.io-index";
        let metadata = json!({"packages": [
            {"name": "scale-lab", "version": "0.1.0", "source": null,
             "targets": [{"kind": ["lib"]}]},
            {"name": "rand", "version": "0.9.2", "source": registry,
             "targets": [{"kind": ["lib"]}]},
            {"name": "serde", "version": "1.0.2", "source": registry,
             "targets": [{"kind": ["lib"]}, {"kind": ["custom-build"]}]},
            {"name": "serde", "version": "0.9.0", "source": registry,
             "targets": [{"kind": ["custom-build"]}]},
            {"name": "local-helper", "version": "0.1.0", "source": null,
             "targets": [{"kind": ["custom-build"]}]},
        ]});
        // rand, serde and serde's build script; not the local packages, not serde 0.9.
        assert_eq!(count_entries(tree, &metadata), Some(3));
        assert_eq!(count_entries(tree, &json!({})), None);
    }

    #[test]
    fn cache_size_counts_finished_entries_only() {
        let dir = std::env::temp_dir().join(format!("scale-lab-cache-size-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("1")).unwrap();
        fs::write(dir.join("1/hits"), "0").unwrap();
        fs::write(dir.join("1/libx.rlib"), [0u8; 10]).unwrap();
        fs::create_dir_all(dir.join("2")).unwrap(); // being written
        fs::write(dir.join("2/liby.rlib"), [0u8; 5]).unwrap();
        assert_eq!(cache_size(&dir), (1, 11));
        assert_eq!(cache_size(&dir.join("missing")), (0, 0));
        fs::remove_dir_all(&dir).unwrap();
    }
}
