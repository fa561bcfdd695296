//! Running a lesson's program in one language, with a time limit, and reading the result:
//! each cell's outputs, or the cell that failed and why.

use std::io::Read;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::Context;

use super::capture::{self, Captured};
use super::document::{Lesson, Output};
use super::failure::{Failure, Stage};
use super::files::shown;
use super::parity::corresponding_line;
use super::program::Program;
use crate::lang::Lang;

/// What one run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    /// Its stdout.
    pub stdout: String,
    /// Its stderr.
    pub stderr: String,
    /// How it exited; `None` when it ran out of time and was stopped.
    pub status: Option<ExitStatus>,
}

/// Runs `exe` for `lang` in `cwd` (where a learner's kernel runs: the notebooks'
/// directory), stopping it after `timeout`.
pub fn run(exe: &Path, lang: Lang, cwd: &Path, timeout: Duration) -> anyhow::Result<Run> {
    std::fs::create_dir_all(cwd).with_context(|| format!("cannot create {}", shown(cwd)))?;
    let mut command = Command::new(exe);
    command
        .arg(lang.code())
        .current_dir(cwd)
        .env_remove("RUST_BACKTRACE");
    run_with_timeout(&mut command, timeout).with_context(|| format!("cannot run {}", shown(exe)))
}

/// Runs `command` with no stdin, collecting its stdout and stderr, and stops it after
/// `timeout` (then its status is `None`).
pub fn run_with_timeout(command: &mut Command, timeout: Duration) -> anyhow::Result<Run> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let reader = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let out = reader(Box::new(child.stdout.take().expect("piped")));
    let err = reader(Box::new(child.stderr.take().expect("piped")));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child
            .try_wait()
            .context("cannot wait for a child process")?
        {
            break Some(status);
        }
        if start.elapsed() >= timeout {
            // Our own child: stop it, then collect what it printed.
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(20));
    };
    Ok(Run {
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        status,
    })
}

/// What a run gave: each cell's outputs, and warnings (text written to stderr, which the
/// notebook and the book do not show).
#[derive(Debug, Clone, PartialEq)]
pub struct Outputs {
    /// Outputs per cell (index: cell number − 1).
    pub cells: Vec<Vec<Output>>,
    /// Things the author should know.
    pub warnings: Vec<String>,
}

/// Reads a run in `lang` of `lesson`'s `program`, generated into `program_file` (as cargo
/// names it: `src/NN-slug.rs`): its outputs, or the failure of the cell that stopped it.
/// (`timeout` is the limit the run had, for the message.)
pub fn interpret(
    run: &Run,
    lesson: &Lesson,
    program: &Program,
    program_file: &str,
    lang: Lang,
    timeout: Duration,
) -> Result<Outputs, Failure> {
    let page = lesson.page(lang).expect("both pages exist");
    let count = page.cells().count();
    let cap: Captured = capture::split(&run.stdout, &run.stderr, count);
    let cell = cap.last_cell;
    let fail = |message: String| Failure {
        lesson: lesson.id(),
        stage: Stage::Run,
        lang: Some(lang),
        cell: (cell > 0).then_some(cell),
        message,
    };
    let where_cell = |line_in_cell: Option<usize>| -> String {
        match page
            .cells()
            .nth(cell.saturating_sub(1))
            .filter(|_| cell > 0)
        {
            Some(c) => match line_in_cell {
                Some(l) => format!(
                    "{}:{} (cell {cell}, line {l})",
                    shown(&page.source),
                    c.line + l - 1
                ),
                None => format!("{}:{} (cell {cell})", shown(&page.source), c.line),
            },
            None => format!("{} (before the first cell)", shown(&page.source)),
        }
    };
    let stderr_of_cell = || {
        let text = cap
            .stderr
            .get(cell.wrapping_sub(1))
            .map(|s| s.trim_end())
            .unwrap_or_default();
        if text.is_empty() {
            String::new()
        } else {
            format!("\n{text}")
        }
    };

    let Some(status) = run.status else {
        return Err(fail(format!(
            "{}: the lesson did not finish within {} s and was stopped (raise --timeout, or make it faster)",
            where_cell(None),
            timeout.as_secs()
        )));
    };
    if let Some(panic) = &cap.panic {
        // The program is generated from the Korean page: map its place to this page.
        let loc = Path::new(&panic.file)
            .ends_with(program_file)
            .then(|| program.locate(panic.line, panic.column))
            .flatten()
            .and_then(|loc| {
                let ko = lesson.page(Lang::Ko)?.cells().nth(loc.cell - 1)?;
                let this = page.cells().nth(loc.cell - 1)?;
                Some((loc.cell, this.line, corresponding_line(ko, this, loc.line)))
            });
        let (line, place) = match loc {
            Some((c, _, line)) if c == cell => (Some(line), String::new()),
            Some((c, first, line)) => (
                None,
                format!(
                    " in code from cell {c} ({}:{}, line {line})",
                    shown(&page.source),
                    first + line - 1
                ),
            ),
            None if !panic.file.is_empty() => (
                None,
                format!(" at {}:{}:{}", panic.file, panic.line, panic.column),
            ),
            None => (None, String::new()),
        };
        return Err(fail(format!(
            "{}: the cell panicked{place}: {}",
            where_cell(line),
            panic.message
        )));
    }
    if cap.error {
        return Err(fail(format!(
            "{}: the cell stopped with an error (through `?`):{}",
            where_cell(None),
            stderr_of_cell()
        )));
    }
    if !status.success() || !cap.done {
        return Err(fail(format!(
            "{}: the program stopped before the end of the lesson ({status}){}",
            where_cell(None),
            stderr_of_cell()
        )));
    }
    let warnings = cap
        .stderr
        .iter()
        .enumerate()
        .filter(|(_, text)| !text.trim().is_empty())
        .map(|(i, text)| {
            format!(
                "lesson {} ({}), cell {}: wrote to stderr, which notebooks and the book do not show:\n{}",
                lesson.id(),
                lang.code(),
                i + 1,
                text.trim_end()
            )
        })
        .collect();
    Ok(Outputs {
        cells: cap.outputs,
        warnings,
    })
}
