//! `scale-lab verify-notebooks`: each generated notebook executed in a real Jupyter with
//! the `scale-lab` kernel (`jupyter nbconvert --execute`), and its outputs compared with
//! the ones the runner embedded: printed text equal, tables and figures equal after
//! removing whitespace. The notebooks themselves are never written: the executed copy
//! goes to a temporary directory.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::Value;

use super::files::shown;
use super::kernel::KERNEL_NAME;

/// What one notebook's verification found.
#[derive(Debug, Clone)]
pub struct Verdict {
    /// The notebook.
    pub notebook: PathBuf,
    /// How long Jupyter took to execute it (kernel start included).
    pub elapsed: Duration,
    /// Outputs that differ from the embedded ones, one line each.
    pub differences: Vec<String>,
    /// Why it could not be executed, if it could not.
    pub error: Option<String>,
}

impl Verdict {
    /// Whether it ran and every output matched.
    pub fn passed(&self) -> bool {
        self.error.is_none() && self.differences.is_empty()
    }
}

/// The notebooks under `root/notebooks/{ko,en}`, sorted by lesson, then language.
pub fn notebooks(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for lang in ["ko", "en"] {
        let dir = root.join("notebooks").join(lang);
        if !dir.is_dir() {
            continue;
        }
        for entry in fs::read_dir(&dir).with_context(|| format!("cannot read {}", shown(&dir)))? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "ipynb") {
                found.push(path);
            }
        }
    }
    found.sort_by_key(|p| (p.file_name().map(|n| n.to_owned()), p.clone()));
    Ok(found)
}

/// The part of `all` that a rotation of `parts` parts takes for `day` (days since the
/// epoch, for CI): the lessons are dealt round-robin into `parts` groups, both languages
/// of a lesson together, and day `d` takes group `d mod parts`.
pub fn rotation(all: &[PathBuf], parts: usize, day: u64) -> anyhow::Result<Vec<PathBuf>> {
    if parts == 0 {
        bail!("--rotate 0: a rotation has at least one part");
    }
    let mut lessons: Vec<_> = all.iter().filter_map(|p| p.file_stem()).collect();
    lessons.sort();
    lessons.dedup();
    let part = (day % parts as u64) as usize;
    let chosen: Vec<_> = lessons.iter().skip(part).step_by(parts).collect();
    Ok(all
        .iter()
        .filter(|p| p.file_stem().is_some_and(|s| chosen.contains(&&s)))
        .cloned()
        .collect())
}

/// Checks that Jupyter and the `scale-lab` kernel are installed.
pub fn ready() -> anyhow::Result<()> {
    let output = Command::new("jupyter")
        .args(["kernelspec", "list", "--json"])
        .stdin(Stdio::null())
        .output()
        .context("cannot run `jupyter` (install it with `cargo run -- setup-jupyter`)")?;
    if !output.status.success() {
        bail!(
            "`jupyter kernelspec list` failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let specs: Value = serde_json::from_slice(&output.stdout)
        .context("`jupyter kernelspec list --json` printed something that is not JSON")?;
    if specs["kernelspecs"].get(KERNEL_NAME).is_none() {
        bail!("Jupyter has no `{KERNEL_NAME}` kernel: run `cargo run -- setup-jupyter` first");
    }
    Ok(())
}

/// Executes `notebook` with the `scale-lab` kernel (its working directory is the
/// notebook's, as in Jupyter, so its `:dep` path holds) into `scratch`, and compares.
pub fn verify(notebook: &Path, scratch: &Path, timeout: Duration) -> Verdict {
    let started = Instant::now();
    let mut verdict = Verdict {
        notebook: notebook.to_path_buf(),
        elapsed: Duration::ZERO,
        differences: Vec::new(),
        error: None,
    };
    match execute(notebook, scratch, timeout) {
        Err(e) => verdict.error = Some(format!("{e:#}")),
        Ok(executed) => match read(notebook) {
            Err(e) => verdict.error = Some(format!("{e:#}")),
            Ok(embedded) => verdict.differences = compare(&embedded, &executed),
        },
    }
    verdict.elapsed = started.elapsed();
    verdict
}

fn read(path: &Path) -> anyhow::Result<Value> {
    let text = fs::read_to_string(path).with_context(|| format!("cannot read {}", shown(path)))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", shown(path)))
}

fn execute(notebook: &Path, scratch: &Path, timeout: Duration) -> anyhow::Result<Value> {
    let dir = notebook.parent().context("a notebook is in a directory")?;
    let name = notebook.file_name().context("a notebook has a name")?;
    fs::create_dir_all(scratch).with_context(|| format!("cannot create {}", shown(scratch)))?;
    let output = Command::new("jupyter")
        .args([
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            "--allow-errors",
        ])
        .arg(name)
        .arg("--output-dir")
        .arg(scratch)
        .arg(format!("--ExecutePreprocessor.kernel_name={KERNEL_NAME}"))
        .arg(format!(
            "--ExecutePreprocessor.timeout={}",
            timeout.as_secs()
        ))
        .arg("--ExecutePreprocessor.startup_timeout=300")
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .context("cannot run `jupyter nbconvert`")?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(25).collect();
        bail!(
            "`jupyter nbconvert --execute` failed:\n{}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
    read(&scratch.join(name))
}

/// A code cell's outputs, as the comparison sees them.
#[derive(Debug, Default, PartialEq)]
struct Outputs {
    /// Everything printed to stdout.
    text: String,
    /// Rich outputs by MIME type.
    rich: BTreeMap<String, String>,
}

fn joined(value: &Value) -> String {
    match value {
        Value::Array(parts) => parts.iter().filter_map(Value::as_str).collect(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn outputs(cell: &Value) -> Outputs {
    let mut out = Outputs::default();
    for output in cell["outputs"].as_array().into_iter().flatten() {
        match output["output_type"].as_str() {
            Some("stream") if output["name"] == "stdout" => {
                out.text.push_str(&joined(&output["text"]))
            }
            Some("execute_result" | "display_data") => {
                for (mime, data) in output["data"].as_object().into_iter().flatten() {
                    if mime != "text/plain" || !out.rich.contains_key(mime) {
                        out.rich.insert(mime.clone(), joined(data));
                    }
                }
            }
            Some("error") => {
                let traceback = joined(&output["traceback"]);
                out.text.push_str(&format!(
                    "error: {}: {}\n{traceback}",
                    output["ename"].as_str().unwrap_or(""),
                    output["evalue"].as_str().unwrap_or("")
                ));
            }
            _ => {} // stderr (compiler warnings) is not part of a lesson's output
        }
    }
    out
}

fn code_cells(notebook: &Value) -> Vec<&Value> {
    notebook["cells"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["cell_type"] == "code")
        .collect()
}

/// `text` without terminal colour codes (evcxr colours its compiler errors).
fn without_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // ESC [ ... final byte in @..~
            for d in chars.by_ref() {
                if ('@'..='~').contains(&d) && d != '[' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn without_whitespace(text: &str) -> String {
    text.split_whitespace().collect()
}

/// The differences between the outputs the runner embedded and the ones Jupyter
/// produced, cell by cell (code cells numbered from 1 as in the notebook).
pub fn compare(embedded: &Value, executed: &Value) -> Vec<String> {
    let expected = code_cells(embedded);
    let got = code_cells(executed);
    let mut differences = Vec::new();
    if expected.len() != got.len() {
        differences.push(format!(
            "{} code cells embedded, {} executed",
            expected.len(),
            got.len()
        ));
    }
    for (i, (want, have)) in expected.iter().zip(&got).enumerate() {
        let (want, have) = (outputs(want), outputs(have));
        let cell = i + 1;
        if let Some(error) = have
            .text
            .find("error: ")
            .filter(|_| !want.text.contains("error: "))
        {
            let plain = without_ansi(&have.text[error..]);
            let message: Vec<&str> = plain.lines().take(12).collect();
            differences.push(format!(
                "cell {cell}: failed in the kernel:\n{}",
                message.join("\n")
            ));
        } else if want.text != have.text {
            differences.push(format!(
                "cell {cell}: printed text differs{}",
                first_difference(&want.text, &have.text)
            ));
        }
        let want_kinds: Vec<&String> = want.rich.keys().collect();
        let have_kinds: Vec<&String> = have
            .rich
            .keys()
            .filter(|k| *k != "text/plain" || want.rich.contains_key(*k))
            .collect();
        if want_kinds != have_kinds {
            differences.push(format!(
                "cell {cell}: embedded {want_kinds:?}, executed {have_kinds:?}"
            ));
            continue;
        }
        for (mime, content) in &want.rich {
            if without_whitespace(content) != without_whitespace(&have.rich[mime]) {
                differences.push(format!(
                    "cell {cell}: the {mime} output differs{}",
                    first_difference(content, &have.rich[mime])
                ));
            }
        }
    }
    differences
}

/// ": line N: expected «…», got «…»" for the first line that differs.
fn first_difference(want: &str, have: &str) -> String {
    let mut want_lines = want.lines();
    let mut have_lines = have.lines();
    for n in 1.. {
        match (want_lines.next(), have_lines.next()) {
            (None, None) => return String::new(),
            (w, h) if w != h => {
                let clip = |s: Option<&str>| {
                    let s = s.unwrap_or("(nothing)");
                    let clipped: String = s.chars().take(120).collect();
                    if clipped.len() < s.len() {
                        format!("{clipped}…")
                    } else {
                        clipped
                    }
                };
                return format!(": line {n}: expected «{}», got «{}»", clip(w), clip(h));
            }
            _ => {}
        }
    }
    unreachable!()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn notebook(cells: Vec<Value>) -> Value {
        json!({ "cells": cells })
    }

    fn code(outputs: Value) -> Value {
        json!({ "cell_type": "code", "outputs": outputs })
    }

    #[test]
    fn equal_outputs_match_across_output_types_and_whitespace() {
        let embedded = notebook(vec![
            json!({ "cell_type": "markdown" }),
            code(json!([])),
            code(json!([
                { "output_type": "stream", "name": "stdout", "text": ["a\n", "b\n"] },
                { "output_type": "execute_result", "data": { "image/svg+xml": ["<svg>\n", "</svg>"] } },
            ])),
        ]);
        let executed = notebook(vec![
            code(json!([{ "output_type": "stream", "name": "stderr", "text": "warning: unused" }])),
            code(json!([
                { "output_type": "stream", "name": "stdout", "text": "a\nb\n" },
                { "output_type": "display_data", "data": { "image/svg+xml": "<svg></svg>", "text/plain": "" } },
            ])),
        ]);
        assert_eq!(compare(&embedded, &executed), Vec::<String>::new());
    }

    #[test]
    fn a_different_number_or_a_missing_figure_is_reported_by_cell_and_line() {
        let embedded = notebook(vec![code(json!([
            { "output_type": "stream", "name": "stdout", "text": "p99 = 23.1 s\nmean = 2 s\n" },
            { "output_type": "execute_result", "data": { "text/html": "<table></table>" } },
        ]))]);
        let executed = notebook(vec![code(json!([
            { "output_type": "stream", "name": "stdout", "text": "p99 = 23.4 s\nmean = 2 s\n" },
        ]))]);
        let differences = compare(&embedded, &executed);
        assert_eq!(differences.len(), 2, "{differences:?}");
        assert!(
            differences[0].contains("cell 1")
                && differences[0].contains("line 1")
                && differences[0].contains("«p99 = 23.1 s»")
                && differences[0].contains("«p99 = 23.4 s»"),
            "{}",
            differences[0]
        );
        assert!(differences[1].contains("text/html"), "{}", differences[1]);
    }

    #[test]
    fn rotation_keeps_a_lessons_languages_together_and_covers_everything() {
        let all: Vec<PathBuf> = ["00-a", "01-b", "02-c"]
            .iter()
            .flat_map(|l| {
                ["ko", "en"].map(|lang| PathBuf::from(format!("notebooks/{lang}/{l}.ipynb")))
            })
            .collect();
        let mut seen = Vec::new();
        for day in 0..2 {
            let part = rotation(&all, 2, day).unwrap();
            assert!(part.len().is_multiple_of(2), "{part:?}");
            seen.extend(part);
        }
        seen.sort();
        let mut expected = all.clone();
        expected.sort();
        assert_eq!(seen, expected);
        assert!(rotation(&all, 0, 1).is_err());
    }
}
