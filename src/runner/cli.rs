//! The `scale-lab` command line: `build` (run the lessons, write the notebooks and the
//! book), `check` (parse and parity only, fast), `serve`, `setup-jupyter` and
//! `exercises`.

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
use crate::lang::Lang;

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
    /// Check your exercises (lessons/NN-slug/exercises/*.rs) with `cargo test`: each one
    /// passed, failed or not started, and the hint for the first one that is not passed.
    Exercises(ExercisesArgs),
    /// Execute the notebooks in Jupyter with the `scale-lab` kernel and compare their
    /// outputs with the embedded ones (run `setup-jupyter` first).
    VerifyNotebooks(VerifyArgs),
}

#[derive(Debug, Args)]
struct VerifyArgs {
    #[command(flatten)]
    select: Select,
    /// Only this language (ko or en).
    #[arg(long, value_name = "LANG")]
    lang: Option<String>,
    /// Only part K of N (`K/N`): the lessons dealt into N groups, both languages together.
    /// `--rotate N` alone takes today's part (days since 1970 mod N), as CI does.
    #[arg(long, value_name = "[K/]N")]
    rotate: Option<String>,
    /// Stop a cell that runs longer than this, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 900)]
    timeout: u64,
}

#[derive(Debug, Args)]
struct ExercisesArgs {
    /// Only this lesson's exercises (its number, like 06, or NN-slug).
    #[arg(value_name = "NN")]
    lesson: Option<String>,
    /// The language of titles and hints: ko or en (default: from $LANG, else en).
    #[arg(long, value_name = "LANG")]
    lang: Option<String>,
    /// For CI on a fresh clone: prove every test fails on the shipped stubs and passes on
    /// the reference solutions.
    #[arg(long, conflicts_with = "lesson")]
    verify: bool,
    /// Stop the tests after this many seconds (an endless loop must not hang).
    #[arg(long, value_name = "SECONDS", default_value_t = 900)]
    timeout: u64,
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
            let _lock =
                config.lock(|| progress.note("waiting for another scale-lab build to finish"))?;
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
        Command::Exercises(args) => exercises(&config, &args, progress),
        Command::VerifyNotebooks(args) => verify_notebooks(&config, &args, progress),
    }
}

/// `scale-lab exercises`: checks the learner's exercises, or (`--verify`) proves that the
/// tests fail on the stubs and pass on the solutions.
fn exercises(config: &Config, args: &ExercisesArgs, progress: &Progress) -> anyhow::Result<bool> {
    use super::exercises::{self, Target};
    let lang = match args.lang.as_deref() {
        Some(code) => Lang::from_code(code)
            .with_context(|| format!("--lang {code}: the languages are ko and en"))?,
        None => ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()))
            .filter(|v| v.starts_with("ko"))
            .map_or(Lang::En, |_| Lang::Ko),
    };
    let mut all = exercises::catalog(&config.root)?;
    if let Some(wanted) = &args.lesson {
        all.retain(|e| {
            let number = e.lesson[..2].parse().unwrap_or(u32::MAX);
            pipeline::selects(wanted, number, &e.lesson)
        });
        if all.is_empty() {
            anyhow::bail!("lesson {wanted:?} has no exercises (or there is no such lesson)");
        }
    }
    let timeout = Duration::from_secs(args.timeout);
    if args.verify {
        progress.note(&format!(
            "verifying {} exercises: `{}` must pass, `{}` must fail every test",
            all.len(),
            Target::Solutions.command(),
            Target::Learner.command()
        ));
        let problems = exercises::verify(&config.root, &all, timeout)?;
        for problem in &problems {
            progress.error(problem);
        }
        progress.note(&format!(
            "{} exercises: {}",
            all.len(),
            if problems.is_empty() {
                "every test fails on its stub and passes on its solution".to_string()
            } else {
                format!("{} problem(s)", problems.len())
            }
        ));
        return Ok(problems.is_empty());
    }
    progress.note(&format!(
        "running `{} --no-fail-fast` (the tests in lessons/*/checks/)",
        Target::Learner.command()
    ));
    let run = exercises::check(&config.root, &all, Target::Learner, timeout)?;
    print!("{}", exercises::report(&run, lang));
    Ok(run
        .exercises
        .iter()
        .all(|c| c.status == exercises::Status::Passed))
}

/// `scale-lab verify-notebooks`: runs the chosen notebooks in Jupyter, one line each.
fn verify_notebooks(
    config: &Config,
    args: &VerifyArgs,
    progress: &Progress,
) -> anyhow::Result<bool> {
    use super::verify;
    let mut chosen = verify::notebooks(&config.root)?;
    if chosen.is_empty() {
        anyhow::bail!(
            "no notebooks in {} (run `cargo run -- build` first)",
            shown(&config.root.join("notebooks"))
        );
    }
    if let Some(code) = &args.lang {
        Lang::from_code(code)
            .with_context(|| format!("--lang {code}: the languages are ko and en"))?;
        chosen.retain(|p| {
            p.parent()
                .and_then(|d| d.file_name())
                .is_some_and(|d| d == code.as_str())
        });
    }
    if !args.select.lessons.is_empty() {
        chosen.retain(|p| {
            let id = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let number = id.get(..2).and_then(|n| n.parse().ok()).unwrap_or(u32::MAX);
            args.select
                .lessons
                .iter()
                .any(|w| pipeline::selects(w, number, &id))
        });
    }
    if let Some(rotate) = &args.rotate {
        let (part, parts) = match rotate.split_once('/') {
            Some((k, n)) => (Some(k), n),
            None => (None, rotate.as_str()),
        };
        let parts: usize = parts
            .parse()
            .with_context(|| format!("--rotate {rotate}: expected N or K/N"))?;
        let day = match part {
            Some(k) => k
                .parse::<u64>()
                .with_context(|| format!("--rotate {rotate}: expected N or K/N"))?,
            None => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() / 86_400)
                .unwrap_or(0),
        };
        chosen = verify::rotation(&chosen, parts, day)?;
        progress.note(&format!(
            "rotation: part {} of {parts}",
            day % parts.max(1) as u64
        ));
    }
    if chosen.is_empty() {
        anyhow::bail!("no notebook matches the selection");
    }
    verify::ready()?;
    let scratch = config.root.join("target").join("scale-lab").join("verify");
    let mut passed = 0;
    for notebook in &chosen {
        progress.note(&format!("executing {} ...", shown(notebook)));
        let verdict = verify::verify(notebook, &scratch, Duration::from_secs(args.timeout));
        let seconds = verdict.elapsed.as_secs_f64();
        if verdict.passed() {
            passed += 1;
            println!("pass  {:>6.1} s  {}", seconds, shown(notebook));
        } else {
            println!("FAIL  {:>6.1} s  {}", seconds, shown(notebook));
            for line in verdict.error.iter().chain(&verdict.differences) {
                println!("      {}", line.replace('\n', "\n      "));
            }
        }
    }
    println!(
        "{passed} of {} notebooks ran in Jupyter with the outputs the runner embedded",
        chosen.len()
    );
    Ok(passed == chosen.len())
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
