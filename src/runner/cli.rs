//! The `scale-lab` command line: `build` (run the lessons, write the notebooks) and
//! `check` (parse and parity only, fast).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use super::failure::Failure;
use super::files::{absolute, shown};
use super::notebook::{self, Written};
use super::pipeline::{self, Config};
use super::progress::Progress;

/// scale-lab: run the lessons of "Scale from zero to millions of users" and make their
/// notebooks (한국어 / English).
#[derive(Debug, Parser)]
#[command(name = "scale-lab", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// No progress bars or notes (for CI); warnings and errors still show.
    #[arg(long, global = true)]
    quiet: bool,
    /// The repository (default: found from the current directory, going up).
    #[arg(long, global = true, value_name = "DIR")]
    root: Option<PathBuf>,
    /// The scale-lab crate the lessons run against (default: the repository).
    #[arg(long, global = true, value_name = "DIR")]
    library: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the lessons whose sources or library changed, and write their notebooks.
    Build(BuildArgs),
    /// Parse the lessons and check that both languages have the same cells (fast).
    Check(Select),
    /// Serve the built book (`book/`) on 127.0.0.1 and print its address.
    Serve(ServeArgs),
    /// Register the `scale-lab` Jupyter kernel (evcxr with its own configuration),
    /// installing Jupyter and evcxr_jupyter if missing, and warm its build cache.
    SetupJupyter(SetupArgs),
}

#[derive(Debug, Args)]
struct SetupArgs {
    /// Remove exactly what set-up added instead.
    #[arg(long)]
    uninstall: bool,
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// The port to listen on (0: any free port).
    #[arg(long, default_value_t = 3000)]
    port: u16,
}

#[derive(Debug, Args)]
struct Select {
    /// Only this lesson (its number, like 06, or NN-slug); repeat for more.
    #[arg(long = "lesson", value_name = "NN")]
    lessons: Vec<String>,
}

#[derive(Debug, Args)]
struct BuildArgs {
    #[command(flatten)]
    select: Select,
    /// Overwrite notebooks that were changed since scale-lab wrote them.
    #[arg(long)]
    force: bool,
    /// Stop a lesson that runs longer than this, in seconds (per language).
    #[arg(long, value_name = "SECONDS", default_value_t = 900)]
    timeout: u64,
}

/// Runs the command line; the exit code is non-zero if anything failed.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let progress = Progress::new(cli.quiet);
    if execute(cli, &progress) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Runs the command line `args` (the program's name first) reporting to `progress`
/// (whose quietness wins over `--quiet`): whether everything succeeded, or the usage
/// error (`--help` included) that clap would print.
pub fn run_args<I, T>(args: I, progress: &Progress) -> Result<bool, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    Ok(execute(Cli::try_parse_from(args)?, progress))
}

fn execute(cli: Cli, progress: &Progress) -> bool {
    match run(cli, progress) {
        Ok(success) => success,
        Err(e) => {
            progress.error(&format!("{e:#}"));
            false
        }
    }
}

fn run(cli: Cli, progress: &Progress) -> anyhow::Result<bool> {
    let root = match &cli.root {
        Some(root) => absolute(root)?,
        None => {
            let cwd = std::env::current_dir().context("cannot read the current directory")?;
            pipeline::find_root(&cwd).with_context(|| {
                format!(
                    "no scale-lab repository here: {} and the directories above it have no scale-lab \
                     Cargo.toml (run from the repository, or pass --root)",
                    cwd.display()
                )
            })?
        }
    };
    let library = match &cli.library {
        Some(library) => absolute(library)?,
        None => root.clone(),
    };
    let mut config = Config::new(root, library);
    match cli.command {
        Command::Check(select) => {
            config.only = select.lessons;
            let checked = pipeline::check(&config)?;
            warn_all(progress, &checked.warnings);
            report_failures(progress, &checked.failures);
            progress.note(&format!(
                "checked {} lesson(s), {} cell(s) each in Korean and English{}",
                checked.lessons,
                checked.cells,
                failed_suffix(&checked.failures)
            ));
            Ok(checked.failures.is_empty())
        }
        Command::Build(args) => {
            config.only = args.select.lessons;
            config.force = args.force;
            config.timeout = Duration::from_secs(args.timeout);
            let outcome = pipeline::build(&config, progress)?;
            let site = config.root.join("book");
            super::book::build(&config.root, &outcome.lessons, &site)?;
            progress.note(&format!("book: {}", shown(&site.join("index.html"))));
            if outcome.lessons.is_empty() && outcome.failures.is_empty() {
                progress.note(&format!(
                    "no lessons yet (they go in {}/NN-slug/{{ko,en}}.md)",
                    shown(&config.root.join("lessons"))
                ));
            }
            let mut counts = [0usize; 4];
            for (path, written) in &outcome.notebooks {
                counts[*written as usize] += 1;
                match written {
                    Written::Created | Written::Updated => {
                        progress.note(&format!("wrote {}", shown(path)))
                    }
                    Written::Kept => progress.warn(&notebook::kept_message(path)),
                    Written::Unchanged => {}
                }
            }
            warn_all(progress, &outcome.warnings);
            if !outcome.skipped.is_empty() {
                progress.note(&format!(
                    "not built (not selected, never run): {}",
                    outcome.skipped.join(", ")
                ));
            }
            report_failures(progress, &outcome.failures);
            progress.note(&format!(
                "lessons: {} run, {} unchanged; notebooks: {} written, {} unchanged, {} kept{}",
                outcome.ran.len(),
                outcome.cached.len(),
                counts[Written::Created as usize] + counts[Written::Updated as usize],
                counts[Written::Unchanged as usize],
                counts[Written::Kept as usize],
                failed_suffix(&outcome.failures)
            ));
            Ok(outcome.failures.is_empty())
        }
        Command::Serve(args) => {
            super::book::serve(&config.root.join("book"), args.port)?;
            Ok(true)
        }
        Command::SetupJupyter(args) => {
            let options = super::kernel::Options::for_user()?;
            if args.uninstall {
                let removal = super::kernel::uninstall(&options)?;
                for dir in &removal.removed {
                    progress.note(&format!("removed {}", shown(dir)));
                }
                for note in &removal.notes {
                    progress.note(note);
                }
            } else {
                let report = super::kernel::setup(&config.root, &options)?;
                for line in report.summary() {
                    progress.note(&line);
                }
            }
            Ok(true)
        }
    }
}

fn warn_all(progress: &Progress, warnings: &[String]) {
    for w in warnings {
        progress.warn(w);
    }
}

fn report_failures(progress: &Progress, failures: &[Failure]) {
    for f in failures {
        progress.error(&f.to_string());
    }
}

fn failed_suffix(failures: &[Failure]) -> String {
    let mut lessons: Vec<&str> = failures.iter().map(|f| f.lesson.as_str()).collect();
    lessons.dedup();
    if lessons.is_empty() {
        String::new()
    } else {
        format!("; FAILED: {}", lessons.join(", "))
    }
}
