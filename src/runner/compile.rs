//! Building the lessons' programs with cargo (`--keep-going`, so one lesson that does not
//! compile does not stop the others), and turning compiler diagnostics, whose spans are in
//! the generated files, into messages about the lesson's cells.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};
use serde::Deserialize;

use super::document::Lesson;
use super::files::shown;
use super::parity::corresponding_line;
use super::program::{Location, Program};
use super::project::{Bin, Project};

/// What `cargo build` produced.
#[derive(Debug, Default)]
pub struct Compiled {
    /// The executables built, by `[[bin]]` name.
    pub executables: BTreeMap<String, PathBuf>,
    /// The errors of the programs that did not compile, by `[[bin]]` name.
    pub errors: BTreeMap<String, Vec<Diagnostic>>,
    /// What cargo wrote to stderr (its progress, and errors that are not diagnostics).
    pub cargo_stderr: String,
}

/// A compiler diagnostic, as in cargo's `--message-format=json`.
#[derive(Debug, Clone, Deserialize)]
pub struct Diagnostic {
    /// The main message (`mismatched types`).
    pub message: String,
    /// The error code (`E0308`), if any.
    pub code: Option<Code>,
    /// `error`, `warning`, `note`, `help`...
    pub level: String,
    /// The places it points at.
    #[serde(default)]
    pub spans: Vec<Span>,
    /// Notes and help.
    #[serde(default)]
    pub children: Vec<Diagnostic>,
    /// The compiler's own rendering (with the generated file's line numbers).
    pub rendered: Option<String>,
}

/// A diagnostic's code.
#[derive(Debug, Clone, Deserialize)]
pub struct Code {
    /// `E0308`.
    pub code: String,
}

/// A place a diagnostic points at.
#[derive(Debug, Clone, Deserialize)]
pub struct Span {
    /// The file, as cargo named it to the compiler.
    pub file_name: String,
    /// 1-based first line.
    pub line_start: usize,
    /// 1-based last line.
    pub line_end: usize,
    /// 1-based first column (characters).
    pub column_start: usize,
    /// 1-based column just past the end (characters).
    pub column_end: usize,
    /// The main place of the diagnostic.
    pub is_primary: bool,
    /// The text under the place (`expected u32, found &str`).
    pub label: Option<String>,
    /// The macro call this place was expanded from.
    pub expansion: Option<Box<Expansion>>,
}

/// A macro expansion.
#[derive(Debug, Clone, Deserialize)]
pub struct Expansion {
    /// The place of the macro call.
    pub span: Span,
}

#[derive(Deserialize)]
struct Message {
    reason: String,
    target: Option<Target>,
    message: Option<Diagnostic>,
    executable: Option<PathBuf>,
}

#[derive(Deserialize)]
struct Target {
    name: String,
    kind: Vec<String>,
}

/// Builds the project's programs (dev profile) in `target_dir`. `on_progress` gets the name
/// of each compiled unit. An error (not a failed lesson) when the library itself does not
/// compile or cargo fails before compiling.
pub fn build(
    project: &Project,
    target_dir: &Path,
    mut on_progress: impl FnMut(&str),
) -> anyhow::Result<Compiled> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut child = Command::new(&cargo)
        .args([
            "build",
            "--bins",
            "--keep-going",
            "--message-format=json",
            "--color=never",
            "--manifest-path",
        ])
        .arg(&project.manifest)
        .env("CARGO_TARGET_DIR", target_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {}", Path::new(&cargo).display()))?;
    let mut stderr = child.stderr.take().expect("piped");
    let stderr_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let bins: Vec<&str> = project.bins.iter().map(|b| b.name.as_str()).collect();
    let mut compiled = Compiled::default();
    let mut library_errors = Vec::new();
    for line in BufReader::new(child.stdout.take().expect("piped")).lines() {
        let line = line.context("cannot read cargo's output")?;
        let Ok(msg) = serde_json::from_str::<Message>(&line) else {
            continue;
        };
        let Some(target) = msg.target else { continue };
        match msg.reason.as_str() {
            "compiler-artifact" => {
                on_progress(&target.name);
                if let Some(exe) = msg
                    .executable
                    .filter(|_| bins.contains(&target.name.as_str()))
                {
                    compiled.executables.insert(target.name, exe);
                }
            }
            "compiler-message" => {
                let Some(diag) = msg.message.filter(|d| d.level == "error") else {
                    continue;
                };
                if bins.contains(&target.name.as_str()) && target.kind.iter().any(|k| k == "bin") {
                    compiled.errors.entry(target.name).or_default().push(diag);
                } else {
                    library_errors.push(diag.rendered.unwrap_or(diag.message));
                }
            }
            _ => {}
        }
    }
    let status = child.wait().context("cargo did not finish")?;
    compiled.cargo_stderr = stderr_reader.join().unwrap_or_default();
    if !library_errors.is_empty() {
        bail!(
            "the scale-lab library does not compile the way lessons (and notebooks) use it, \
             with default-features = false:\n{}",
            library_errors.join("\n")
        );
    }
    if !status.success() && compiled.errors.is_empty() {
        bail!(
            "cargo could not build the lessons' programs ({status}):\n{}",
            compiled.cargo_stderr.trim_end()
        );
    }
    Ok(compiled)
}

/// One compile error as a message about the lesson: its pages' lines, the cell, the
/// cell's own line, the compiler's message and its notes. Returns the cell's number too.
pub fn explain(
    diag: &Diagnostic,
    bin: &Bin,
    program: &Program,
    lesson: &Lesson,
) -> (Option<usize>, String) {
    let ours = |span: &Span| Path::new(&span.file_name).ends_with(&bin.file);
    let mut found: Option<(&Span, Location)> = None;
    let primaries = diag.spans.iter().filter(|s| s.is_primary);
    for span in primaries.chain(diag.spans.iter().filter(|s| !s.is_primary)) {
        let mut s = span;
        loop {
            if ours(s) {
                if let Some(loc) = program.locate(s.line_start, s.column_start) {
                    found = Some((s, loc));
                }
                break;
            }
            match &s.expansion {
                Some(e) => s = &e.span,
                None => break,
            }
        }
        if found.is_some() {
            break;
        }
    }
    let code = diag
        .code
        .as_ref()
        .map(|c| format!("[{}]", c.code))
        .unwrap_or_default();
    let headline = format!("{}{code}: {}", diag.level, diag.message);
    let Some((span, loc)) = found else {
        let rendered = diag.rendered.clone().unwrap_or_else(|| headline.clone());
        return (
            None,
            format!(
                "in the program generated from its cells ({}):\n{}",
                shown(&bin.source),
                rendered.trim_end()
            ),
        );
    };
    let [ko, en] = [&lesson.pages[0], &lesson.pages[1]];
    let (Some(ko_cell), Some(en_cell)) =
        (ko.cells().nth(loc.cell - 1), en.cells().nth(loc.cell - 1))
    else {
        return (Some(loc.cell), headline);
    };
    let en_line = corresponding_line(ko_cell, en_cell, loc.line);
    let mut out = format!(
        "{}:{} and {}:{} (cell {}, line {}): {headline}\n",
        shown(&ko.source),
        ko_cell.line + loc.line - 1,
        shown(&en.source),
        en_cell.line + en_line - 1,
        loc.cell,
        loc.line,
    );
    let text = ko_cell.code.lines().nth(loc.line - 1).unwrap_or_default();
    let width = loc.line.to_string().len();
    let end_column = if span.line_end == span.line_start {
        program
            .locate(span.line_start, span.column_end)
            .map_or(loc.column + 1, |l| l.column)
    } else {
        text.chars().count() + 1
    };
    let carets = end_column.saturating_sub(loc.column).max(1);
    out.push_str(&format!(
        "{:width$} |\n{} | {text}\n{:width$} | {}{}",
        "",
        loc.line,
        "",
        " ".repeat(loc.column - 1),
        "^".repeat(carets)
    ));
    if let Some(label) = span.label.as_deref().filter(|l| !l.is_empty()) {
        out.push(' ');
        out.push_str(label);
    }
    out.push('\n');
    for child in &diag.children {
        let indent = format!("\n{:width$}   ", "");
        out.push_str(&format!(
            "{:width$} = {}: {}\n",
            "",
            child.level,
            child.message.replace('\n', &indent)
        ));
    }
    if loc.in_display {
        out.push_str(&format!(
            "{:width$} = note: the cell's last expression (line {}) has no `;`, so it is displayed: its \
             type must implement Debug (or scale_lab's Rich). End it with `;` to not display it.\n",
            "",
            program.display_line(loc.cell).unwrap_or(loc.line)
        ));
    }
    (Some(loc.cell), out.trim_end().to_string())
}
