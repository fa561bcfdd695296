//! The runner's stages put together: load and check the lessons, run the ones whose
//! sources or library changed (compiled once, run once per language, lessons in
//! parallel), keep their outputs, and write the notebooks.
//!
//! A lesson that fails (parse, parity, compile or run) is reported and the others go on.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use rayon::prelude::*;

use super::cache::{self, Cache};
use super::compile;
use super::document::{Block, Lesson};
use super::execute;
use super::failure::{Failure, Stage};
use super::files::{absolute, relative_path, shown};
use super::lesson::{self, Meta};
use super::notebook::{self, Written};
use super::parity;
use super::program::{self, Program};
use super::progress::Progress;
use super::project;
use crate::lang::Lang;

/// What to build, from where.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The repository: `lessons/`, `notebooks/`, and the runner's state in
    /// `target/scale-lab/`.
    pub root: PathBuf,
    /// The scale-lab crate the lessons run against (the repository itself, normally).
    pub library: PathBuf,
    /// Cargo's target directory, shared with the library's build so that its compiled
    /// dependencies are reused.
    pub target_dir: PathBuf,
    /// Only these lessons (`06`, `6` or `06-cache`); empty: all of them.
    pub only: Vec<String>,
    /// Overwrite notebooks that someone changed.
    pub force: bool,
    /// How long one lesson may run in one language.
    pub timeout: Duration,
}

impl Config {
    /// A configuration for the repository at `root` whose library is `library`, with the
    /// target directory cargo would use (`CARGO_TARGET_DIR`, else `<library>/target`).
    pub fn new(root: PathBuf, library: PathBuf) -> Self {
        let target_dir = std::env::var_os("CARGO_TARGET_DIR")
            .and_then(|t| absolute(Path::new(&t)).ok())
            .unwrap_or_else(|| library.join("target"));
        Config {
            root,
            library,
            target_dir,
            only: Vec::new(),
            force: false,
            timeout: Duration::from_secs(900),
        }
    }

    fn state(&self) -> PathBuf {
        self.root.join("target").join("scale-lab")
    }

    /// Takes the repository's build lock (`target/scale-lab/build.lock`), waiting while
    /// another `scale-lab build` holds it: two builds at once would write the same
    /// generated project, notebooks and book. `waiting` is called once if it must wait.
    /// The lock is released when the returned file is dropped.
    pub fn lock(&self, waiting: impl FnOnce()) -> anyhow::Result<fs::File> {
        let state = self.state();
        fs::create_dir_all(&state).with_context(|| format!("cannot create {}", shown(&state)))?;
        let path = state.join("build.lock");
        let file =
            fs::File::create(&path).with_context(|| format!("cannot create {}", shown(&path)))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                waiting();
                file.lock()
                    .with_context(|| format!("cannot lock {}", shown(&path)))?;
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("cannot lock {}", shown(&path)));
            }
        }
        Ok(file)
    }

    /// Where the notebook of lesson `id` in `lang` goes.
    pub fn notebook_path(&self, id: &str, lang: Lang) -> PathBuf {
        self.root
            .join("notebooks")
            .join(lang.code())
            .join(format!("{id}.ipynb"))
    }
}

/// The lessons that were read and checked.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// The good ones, in book order (front matter `order`, then number), with whether each
    /// was selected.
    pub lessons: Vec<(Lesson, bool)>,
    /// The selected lessons that failed to parse or differ between languages.
    pub failures: Vec<Failure>,
    /// Problems in lessons that were not selected.
    pub warnings: Vec<String>,
}

/// Reads every lesson under `config.root`, checks front matter and parity, and marks the
/// selected ones. An error if a selection names no lesson.
pub fn load(config: &Config) -> anyhow::Result<Loaded> {
    let dirs = lesson::find(&config.root)?;
    let ids: Vec<(u32, String)> = dirs
        .iter()
        .filter_map(|d| lesson::dir_name(&d.file_name()?.to_string_lossy()))
        .map(|(n, slug)| (n, format!("{n:02}-{slug}")))
        .collect();
    for wanted in &config.only {
        if !ids.iter().any(|(n, id)| selects(wanted, *n, id)) {
            let known: Vec<&str> = ids.iter().map(|(_, id)| id.as_str()).collect();
            bail!(
                "no lesson {wanted:?} in {} (lessons: {})",
                shown(&config.root.join("lessons")),
                if known.is_empty() {
                    "none yet".to_string()
                } else {
                    known.join(", ")
                }
            );
        }
    }
    let selected =
        |n: u32, id: &str| config.only.is_empty() || config.only.iter().any(|w| selects(w, n, id));

    let mut loaded = Loaded::default();
    let mut good: Vec<(Lesson, Meta, bool)> = Vec::new();
    let mut numbers = BTreeSet::new();
    for (dir, (number, id)) in dirs.iter().zip(&ids) {
        let chosen = selected(*number, id);
        let mut problem = |stage: Stage, cell: Option<usize>, message: String| {
            if chosen {
                loaded.failures.push(Failure {
                    lesson: id.clone(),
                    stage,
                    lang: None,
                    cell,
                    message,
                });
            } else {
                loaded.warnings.push(format!(
                    "lesson {id} (not selected) has a problem: {message}"
                ));
            }
        };
        if !numbers.insert(*number) {
            problem(
                Stage::Parse,
                None,
                format!("{}: another lesson has the number {number:02}", shown(dir)),
            );
            continue;
        }
        match lesson::load(dir) {
            Err(e) => problem(Stage::Parse, None, format!("{e:#}")),
            Ok((lesson, meta)) => match parity::check(&lesson) {
                Err(e) => problem(Stage::Parity, Some(e.cell), e.message),
                Ok(()) => match evcxr_problem(&lesson) {
                    Some((cell, message)) => problem(Stage::Parse, Some(cell), message),
                    None => good.push((lesson, meta, chosen)),
                },
            },
        }
    }
    good.sort_by_key(|(l, m, _)| (m.order, l.number));
    for (i, (lesson, meta, chosen)) in good.iter().enumerate() {
        for need in &meta.needs {
            let position = good
                .iter()
                .position(|(l, _, _)| selects(need, l.number, &l.id()));
            let message = match position {
                Some(p) if p < i => continue,
                Some(_) => format!(
                    "front matter `needs: {need}`: that lesson comes later in the book (see `order`)"
                ),
                None if ids.iter().any(|(n, id)| selects(need, *n, id)) => continue,
                None => format!("front matter `needs: {need}`: there is no such lesson"),
            };
            let message = format!("{}: {message}", shown(&lesson.pages[0].source));
            if *chosen {
                loaded.failures.push(Failure {
                    lesson: lesson.id(),
                    stage: Stage::Parse,
                    lang: None,
                    cell: None,
                    message,
                });
            } else {
                loaded.warnings.push(format!(
                    "lesson {} (not selected) has a problem: {message}",
                    lesson.id()
                ));
            }
        }
    }
    let failed: BTreeSet<String> = loaded.failures.iter().map(|f| f.lesson.clone()).collect();
    loaded.lessons = good
        .into_iter()
        .filter(|(l, _, _)| !failed.contains(&l.id()))
        .map(|(l, _, c)| (l, c))
        .collect();
    Ok(loaded)
}

/// The first cell (number, message) that would fail in evcxr although it runs natively
/// (see [`program::check_evcxr`]); the pages have the same code, so the first page tells.
fn evcxr_problem(lesson: &Lesson) -> Option<(usize, String)> {
    let page = lesson.pages.first()?;
    page.cells().find_map(|cell| {
        program::check_evcxr(cell).err().map(|e| {
            (
                cell.number,
                format!(
                    "{}:{} (cell {}, line {}): {}",
                    shown(&page.source),
                    cell.line + e.line - 1,
                    cell.number,
                    e.line,
                    e.message
                ),
            )
        })
    })
}

/// Whether `wanted` (`06`, `6` or `06-cache`) names lesson `number` / `id`.
/// Whether `wanted` (`06`, `6` or `06-cache`) names lesson `number` / `id`.
pub fn selects(wanted: &str, number: u32, id: &str) -> bool {
    wanted == id || wanted.parse::<u32>().is_ok_and(|n| n == number)
}

/// What `check` found.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    /// The lessons that passed.
    pub lessons: usize,
    /// Their cells (per language).
    pub cells: usize,
    /// The problems.
    pub failures: Vec<Failure>,
    /// Problems in lessons that were not selected.
    pub warnings: Vec<String>,
}

/// Parses the selected lessons, checks parity and that every cell parses as Rust.
pub fn check(config: &Config) -> anyhow::Result<Checked> {
    let loaded = load(config)?;
    let mut checked = Checked {
        failures: loaded.failures,
        warnings: loaded.warnings,
        ..Checked::default()
    };
    for (lesson, _) in loaded.lessons.iter().filter(|(_, chosen)| *chosen) {
        let before = checked.failures.len();
        for page in &lesson.pages {
            for cell in page.cells() {
                if let Err(e) = program::check_syntax(cell) {
                    checked.failures.push(Failure {
                        lesson: lesson.id(),
                        stage: Stage::Parse,
                        lang: Some(page.lang),
                        cell: Some(cell.number),
                        message: format!(
                            "{}:{} (cell {}, line {}): {}",
                            shown(&page.source),
                            cell.line + e.line - 1,
                            cell.number,
                            e.line,
                            e.message
                        ),
                    });
                }
            }
        }
        if checked.failures.len() == before {
            checked.lessons += 1;
            checked.cells += lesson.pages[0].cells().count();
        }
    }
    Ok(checked)
}

/// What `build` did.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Every lesson whose outputs are known (run now or taken from the cache), in book
    /// order, with their outputs: what the book is made of.
    pub lessons: Vec<Lesson>,
    /// The lessons run this time.
    pub ran: Vec<String>,
    /// The lessons whose outputs came from the cache.
    pub cached: Vec<String>,
    /// Lessons neither selected nor cached (left out).
    pub skipped: Vec<String>,
    /// What failed; those lessons have no new notebooks and are not cached.
    pub failures: Vec<Failure>,
    /// Things worth knowing that are not failures.
    pub warnings: Vec<String>,
    /// Each notebook and what happened to it.
    pub notebooks: Vec<(PathBuf, Written)>,
}

/// A lesson to compile and run.
struct Job {
    lesson: Lesson,
    key: String,
    program: Program,
}

/// Builds: runs the lessons that need it, then writes every known lesson's notebooks.
pub fn build(config: &Config, progress: &Progress) -> anyhow::Result<Outcome> {
    let loaded = load(config)?;
    let mut outcome = Outcome {
        failures: loaded.failures,
        warnings: loaded.warnings,
        ..Outcome::default()
    };
    let library_hash = cache::library_hash(&config.library)?;
    let cache = Cache::new(config.state().join("cache"));

    // Which lessons run, which come from the cache.
    let mut known: Vec<Option<Lesson>> = Vec::new();
    let mut jobs: Vec<(usize, Job)> = Vec::new();
    for (mut lesson, chosen) in loaded.lessons {
        let program = program::generate(&lesson.pages[0]);
        let key = cache::lesson_key(&library_hash, &program.source, &lesson)?;
        if cache.load(&mut lesson, &key) {
            outcome.cached.push(lesson.id());
            known.push(Some(lesson));
        } else if chosen {
            jobs.push((
                known.len(),
                Job {
                    lesson,
                    key,
                    program,
                },
            ));
            known.push(None);
        } else {
            outcome.skipped.push(lesson.id());
        }
    }

    for (slot, lesson) in run(config, progress, jobs, &mut outcome)? {
        known[slot] = Some(lesson);
    }
    outcome.lessons = known.into_iter().flatten().collect();

    let bar = progress.bar(2 * outcome.lessons.len() as u64, "notebooks");
    for lesson in &outcome.lessons {
        for lang in Lang::ALL {
            let path = config.notebook_path(&lesson.id(), lang);
            let page = lesson.page(lang).expect("both pages exist");
            let paths = notebook::Paths {
                library: relative_path(path.parent().expect("in a directory"), &config.library),
                source: relative_path(&config.root, &page.source),
                root: relative_path(path.parent().expect("in a directory"), &config.root),
            };
            let written =
                notebook::write(&path, &notebook::render(lesson, lang, &paths), config.force)?;
            outcome.notebooks.push((path, written));
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    Ok(outcome)
}

/// Compiles and runs `jobs` (each with its slot in the book order); returns the lessons
/// that succeeded, filled with their outputs, and records failures and warnings.
fn run(
    config: &Config,
    progress: &Progress,
    jobs: Vec<(usize, Job)>,
    outcome: &mut Outcome,
) -> anyhow::Result<Vec<(usize, Lesson)>> {
    if jobs.is_empty() {
        return Ok(Vec::new());
    }
    let programs: Vec<(String, Program)> = jobs
        .iter()
        .map(|(_, j)| (j.lesson.id(), j.program.clone()))
        .collect();
    let project = project::write(&config.state().join("run"), &config.library, &programs)?;

    let spinner = progress.spinner("compiling");
    spinner.set_message(format!("{} lesson(s)", jobs.len()));
    let compiled = compile::build(&project, &config.target_dir, |unit| {
        spinner.set_message(unit.to_string())
    });
    spinner.finish_and_clear();
    let compiled = compiled?;

    // The programs that compiled, with their executables.
    let mut runnable = Vec::new();
    for (slot, job) in jobs {
        let bin = project
            .bins
            .iter()
            .find(|b| b.lesson == job.lesson.id())
            .expect("one bin per job");
        if let Some(errors) = compiled.errors.get(&bin.name) {
            for diag in errors {
                let (cell, message) = compile::explain(diag, bin, &job.program, &job.lesson);
                outcome.failures.push(Failure {
                    lesson: job.lesson.id(),
                    stage: Stage::Compile,
                    lang: None,
                    cell,
                    message,
                });
            }
        } else if let Some(exe) = compiled.executables.get(&bin.name) {
            runnable.push((slot, job, exe.clone(), bin.file.clone()));
        } else {
            outcome.failures.push(Failure {
                lesson: job.lesson.id(),
                stage: Stage::Compile,
                lang: None,
                cell: None,
                message: format!(
                    "cargo did not build its program:\n{}",
                    compiled.cargo_stderr.trim_end()
                ),
            });
        }
    }

    // Every (lesson, language) run in parallel.
    let bar = progress.bar(2 * runnable.len() as u64, "running");
    let tasks: Vec<(usize, Lang)> = (0..runnable.len())
        .flat_map(|i| Lang::ALL.map(|lang| (i, lang)))
        .collect();
    let runs: Vec<(usize, Lang, anyhow::Result<execute::Run>)> = tasks
        .par_iter()
        .map(|&(i, lang)| {
            let (_, job, exe, _) = &runnable[i];
            let cwd = config.root.join("notebooks").join(lang.code());
            let result = execute::run(exe, lang, &cwd, config.timeout);
            bar.inc(1);
            bar.set_message(format!("{} ({})", job.lesson.id(), lang.code()));
            (i, lang, result)
        })
        .collect();
    bar.finish_and_clear();

    let mut done = Vec::new();
    for (i, (slot, mut job, _, file)) in runnable.into_iter().enumerate() {
        let mut ok = true;
        for (_, lang, result) in runs.iter().filter(|(j, _, _)| *j == i) {
            let run = match result {
                Ok(run) => run,
                Err(e) => bail!("{e:#}"),
            };
            match execute::interpret(run, &job.lesson, &job.program, &file, *lang, config.timeout) {
                Err(failure) => {
                    outcome.failures.push(failure);
                    ok = false;
                }
                Ok(outputs) => {
                    outcome.warnings.extend(outputs.warnings);
                    fill(&mut job.lesson, *lang, outputs.cells);
                }
            }
        }
        if ok {
            for lang in Lang::ALL {
                outcome
                    .warnings
                    .extend(notebook::hidden_outputs(&job.lesson, lang));
            }
            Cache::new(config.state().join("cache")).store(&job.lesson, &job.key)?;
            outcome.ran.push(job.lesson.id());
            done.push((slot, job.lesson));
        }
    }
    Ok(done)
}

/// Puts each cell's outputs into the page in `lang`.
fn fill(lesson: &mut Lesson, lang: Lang, mut outputs: Vec<Vec<super::document::Output>>) {
    let page = lesson
        .pages
        .iter_mut()
        .find(|p| p.lang == lang)
        .expect("both pages exist");
    let mut outputs = outputs.drain(..);
    for block in &mut page.blocks {
        if let Block::Cell(cell) = block {
            cell.outputs = outputs.next().unwrap_or_default();
        }
    }
}

/// The repository around `start`: the first directory, going up, whose `Cargo.toml` is
/// the scale-lab package's.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| {
            std::fs::read_to_string(dir.join("Cargo.toml")).is_ok_and(|m| {
                m.lines()
                    .any(|l| l.replace(' ', "") == "name=\"scale-lab\"")
            })
        })
        .map(Path::to_path_buf)
}
