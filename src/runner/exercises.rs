//! Exercises: the pieces of the system a learner implements, checked by `cargo test`.
//!
//! The layout, for lesson `06-cache` (Rust module `cache`) and an exercise `lru`:
//!
//! - `lessons/06-cache/exercises.toml` — each exercise's name, title and hint in both
//!   languages (`[[exercise]]`, `name`, `title.ko`, `title.en`, `hint.ko`, `hint.en`);
//! - `lessons/06-cache/exercises/lru.rs` — the learner's file: a stub (`todo!()` under a
//!   doc comment that states the task) until they solve it;
//! - `lessons/06-cache/solutions/lru.rs` — the reference solution;
//! - `lessons/06-cache/checks/lru.rs` — the tests, included by both;
//! - `lessons/06-cache/exercises/mod.rs` — picks the stub or the solution by the
//!   `solutions` feature of the `scale-lab-exercises` crate (`exercises/lib.rs`).
//!
//! `cargo test` at the root checks the solutions (the feature is on by default);
//! [`check`] runs `cargo test -p scale-lab-exercises --no-default-features` to check the
//! learner's files, and [`verify`] proves that every test fails on the stubs and passes
//! on the solutions. Nothing here writes to the learner's files.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};
use serde::Deserialize;

use super::execute;
use super::files::shown;
use super::lesson;
use crate::lang::Lang;

/// The cargo package that holds the exercises.
pub const PACKAGE: &str = "scale-lab-exercises";

/// A text in both languages.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bilingual {
    /// 한국어.
    pub ko: String,
    /// English.
    pub en: String,
}

impl Bilingual {
    /// The text in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ko => &self.ko,
            Lang::En => &self.en,
        }
    }
}

/// One exercise, as its lesson's `exercises.toml` describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Exercise {
    /// The lesson's id (`06-cache`).
    pub lesson: String,
    /// The file name without `.rs`, also its Rust module (`lru`).
    pub name: String,
    /// Its title.
    pub title: Bilingual,
    /// A nudge for a learner who is stuck.
    pub hint: Bilingual,
    /// The learner's file (`lessons/06-cache/exercises/lru.rs`).
    pub stub: PathBuf,
    /// The reference solution.
    pub solution: PathBuf,
    /// The tests.
    pub checks: PathBuf,
    /// The Rust path of its module in the exercises crate (`cache::lru`).
    pub module: String,
}

impl Exercise {
    /// `06-cache/lru`: how the command line names it.
    pub fn id(&self) -> String {
        format!("{}/{}", self.lesson, self.name)
    }

    /// The HTML id of its entry on the lesson's page (`exercise-lru`).
    pub fn anchor(&self) -> String {
        format!("exercise-{}", self.name.replace('_', "-"))
    }

    /// Whether the test named `test` (as the test harness prints it) is one of its own.
    fn owns(&self, test: &str) -> bool {
        test.strip_prefix(&self.module)
            .is_some_and(|rest| rest.starts_with("::"))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Catalog {
    exercise: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    title: Bilingual,
    hint: Bilingual,
}

/// The Rust module name of lesson `slug` in the exercises crate (`load-balancer` →
/// `load_balancer`).
pub fn lesson_module(slug: &str) -> String {
    slug.replace('-', "_")
}

/// The exercises of the lesson in `dir` (none if it has no `exercises.toml`). Checks that
/// every exercise has its three files, a title and a hint in both languages, and that the
/// lesson's `exercises/mod.rs` switches it between stub and solution.
pub fn load(dir: &Path) -> anyhow::Result<Vec<Exercise>> {
    let catalog_path = dir.join("exercises.toml");
    if !catalog_path.exists() {
        return Ok(Vec::new());
    }
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Some((number, slug)) = lesson::dir_name(&name) else {
        bail!("{}: not a lesson directory (NN-slug)", shown(dir));
    };
    let lesson = format!("{number:02}-{slug}");
    let text = fs::read_to_string(&catalog_path)
        .with_context(|| format!("cannot read {}", shown(&catalog_path)))?;
    let catalog: Catalog = toml::from_str(&text)
        .with_context(|| format!("{}: not a valid exercise list", shown(&catalog_path)))?;
    let switch_path = dir.join("exercises").join("mod.rs");
    let switch = fs::read_to_string(&switch_path).with_context(|| {
        format!(
            "cannot read {} (it picks each exercise's stub or solution)",
            shown(&switch_path)
        )
    })?;
    let mut seen = BTreeMap::new();
    let mut exercises = Vec::new();
    for entry in catalog.exercise {
        let here = format!("{}: exercise {:?}", shown(&catalog_path), entry.name);
        if !is_identifier(&entry.name) {
            bail!("{here}: a name is a Rust module name (lowercase letters, digits, `_`)");
        }
        if seen.insert(entry.name.clone(), ()).is_some() {
            bail!("{here} is listed twice");
        }
        for (what, text) in [
            ("title.ko", &entry.title.ko),
            ("title.en", &entry.title.en),
            ("hint.ko", &entry.hint.ko),
            ("hint.en", &entry.hint.en),
        ] {
            if text.trim().is_empty() {
                bail!("{here}: `{what}` is empty");
            }
        }
        let file = format!("{}.rs", entry.name);
        let exercise = Exercise {
            lesson: lesson.clone(),
            module: format!("{}::{}", lesson_module(&slug), entry.name),
            stub: dir.join("exercises").join(&file),
            solution: dir.join("solutions").join(&file),
            checks: dir.join("checks").join(&file),
            name: entry.name,
            title: entry.title,
            hint: entry.hint,
        };
        for path in [&exercise.stub, &exercise.solution, &exercise.checks] {
            if !path.is_file() {
                bail!("{here}: {} is missing", shown(path));
            }
        }
        for declaration in [
            format!("path = \"../solutions/{file}\""),
            format!("path = \"{file}\""),
            format!("pub mod {};", exercise.name),
        ] {
            if !switch.contains(&declaration) {
                bail!(
                    "{here}: {} does not declare it (expected `{declaration}`; see the layout in {})",
                    shown(&switch_path),
                    "src/runner/exercises.rs"
                );
            }
        }
        exercises.push(exercise);
    }
    Ok(exercises)
}

fn is_identifier(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Every exercise of every lesson under `root/lessons`, in lesson order. Also checks that
/// the exercises crate declares every lesson that has exercises.
pub fn catalog(root: &Path) -> anyhow::Result<Vec<Exercise>> {
    let crate_root = root.join("exercises").join("lib.rs");
    let declared = fs::read_to_string(&crate_root)
        .with_context(|| format!("cannot read {}", shown(&crate_root)))?;
    let mut all = Vec::new();
    for dir in lesson::find(root)? {
        let exercises = load(&dir)?;
        if let Some(first) = exercises.first() {
            let slug = first
                .lesson
                .split_once('-')
                .map(|(_, s)| s)
                .unwrap_or_default();
            let module = format!(
                "#[path = \"../lessons/{}/exercises/mod.rs\"]\npub mod {};",
                first.lesson,
                lesson_module(slug)
            );
            if !declared.contains(&module) {
                bail!(
                    "{} does not declare the exercises of lesson {} (expected:\n{module})",
                    shown(&crate_root),
                    first.lesson
                );
            }
        }
        all.extend(exercises);
    }
    Ok(all)
}

/// Whose code the tests run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The learner's files (`exercises/*.rs`).
    Learner,
    /// The reference solutions (`solutions/*.rs`).
    Solutions,
}

impl Target {
    /// The cargo command that tests this target, as the learner could type it.
    pub fn command(self) -> String {
        match self {
            Target::Learner => format!("cargo test -p {PACKAGE} --no-default-features"),
            Target::Solutions => format!("cargo test -p {PACKAGE}"),
        }
    }
}

/// Where an exercise stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Every test passes.
    Passed,
    /// Some test fails.
    Failed,
    /// Its tests fail and the file still has a `todo!()`.
    NotStarted,
    /// The exercises crate did not compile and the error is in this file.
    DoesNotCompile,
    /// The exercises crate did not compile because of another file.
    NotChecked,
}

impl Status {
    /// A short word for the status, in `lang`.
    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Status::Passed, Lang::Ko) => "통과",
            (Status::Passed, Lang::En) => "passed",
            (Status::Failed, Lang::Ko) => "실패",
            (Status::Failed, Lang::En) => "failed",
            (Status::NotStarted, Lang::Ko) => "시작 전",
            (Status::NotStarted, Lang::En) => "not started",
            (Status::DoesNotCompile, Lang::Ko) => "컴파일 오류",
            (Status::DoesNotCompile, Lang::En) => "does not compile",
            (Status::NotChecked, Lang::Ko) => "확인 못 함",
            (Status::NotChecked, Lang::En) => "not checked",
        }
    }
}

/// One test's result.
#[derive(Debug, Clone, PartialEq)]
pub struct TestResult {
    /// Its name without the exercise's module (`checks::evicts_the_oldest`).
    pub name: String,
    /// Whether it passed.
    pub passed: bool,
    /// What it printed when it failed (the panic message).
    pub failure: Option<String>,
}

/// An exercise with its test results.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The exercise.
    pub exercise: Exercise,
    /// Where it stands.
    pub status: Status,
    /// Its tests, in the order they ran.
    pub tests: Vec<TestResult>,
}

/// The result of one `cargo test` of the exercises.
#[derive(Debug, Clone)]
pub struct Run {
    /// The command that ran.
    pub command: String,
    /// Each selected exercise.
    pub exercises: Vec<Checked>,
    /// The compiler's errors, if the crate did not compile.
    pub compile_errors: Option<String>,
}

/// Runs the tests of `exercises` against `target` in the repository at `root`, stopping
/// the run after `timeout` (a learner's endless loop must not hang the command).
pub fn check(
    root: &Path,
    exercises: &[Exercise],
    target: Target,
    timeout: Duration,
) -> anyhow::Result<Run> {
    let mut command = target.command();
    let filter = match exercises {
        [] => bail!("no exercises to check"),
        [first, rest @ ..] if rest.iter().all(|e| e.lesson == first.lesson) => {
            let lesson_module = first
                .module
                .split("::")
                .next()
                .unwrap_or_default()
                .to_string();
            Some(format!("{lesson_module}::"))
        }
        _ => None,
    };
    let mut args: Vec<String> = command.split(' ').skip(1).map(String::from).collect();
    args.push("--no-fail-fast".into());
    command.push_str(" --no-fail-fast");
    if let Some(filter) = &filter {
        args.extend(["--".into(), filter.clone()]);
        command.push_str(&format!(" -- {filter}"));
    }
    let (stdout, stderr) = cargo(root, &args, timeout, &command)?;
    let results = parse_tests(&stdout);
    let compiled = stdout.contains("running ") || stderr.contains("Running ");
    let compile_errors = (!compiled).then(|| compiler_errors(&stderr));
    let checked = exercises
        .iter()
        .map(|exercise| {
            let tests: Vec<TestResult> = results
                .iter()
                .filter(|(name, _)| exercise.owns(name))
                .map(|(name, result)| TestResult {
                    name: name[exercise.module.len() + 2..].to_string(),
                    passed: result.passed,
                    failure: result.failure.clone(),
                })
                .collect();
            let status = match &compile_errors {
                Some(errors) if mentions(errors, exercise) => Status::DoesNotCompile,
                Some(_) => Status::NotChecked,
                None if !tests.is_empty() && tests.iter().all(|t| t.passed) => Status::Passed,
                None if target == Target::Learner && has_todo(&exercise.stub) => Status::NotStarted,
                None => Status::Failed,
            };
            Checked {
                exercise: exercise.clone(),
                status,
                tests,
            }
        })
        .collect();
    Ok(Run {
        command,
        exercises: checked,
        compile_errors,
    })
}

/// Proves the exercises have teeth: against the stubs every test fails, against the
/// solutions every test passes, and each exercise has at least two tests. Returns one
/// line per problem (empty: all good). Meant for a fresh clone (CI), where the stubs are
/// as shipped.
pub fn verify(
    root: &Path,
    exercises: &[Exercise],
    timeout: Duration,
) -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    for exercise in exercises {
        if !has_todo(&exercise.stub) {
            problems.push(format!(
                "{}: the stub {} has no `todo!()`",
                exercise.id(),
                shown(&exercise.stub)
            ));
        }
    }
    for target in [Target::Solutions, Target::Learner] {
        let run = check(root, exercises, target, timeout)?;
        if let Some(errors) = &run.compile_errors {
            problems.push(format!("`{}` does not compile:\n{errors}", run.command));
            continue;
        }
        for checked in &run.exercises {
            let id = checked.exercise.id();
            if checked.tests.len() < 2 {
                problems.push(format!(
                    "{id}: {} test(s); an exercise needs at least two (edge cases too)",
                    checked.tests.len()
                ));
            }
            for test in &checked.tests {
                match (target, test.passed) {
                    (Target::Solutions, false) => problems.push(format!(
                        "{id}: `{}` fails on the solution {}: {}",
                        test.name,
                        shown(&checked.exercise.solution),
                        test.failure.as_deref().unwrap_or("").trim()
                    )),
                    (Target::Learner, true) => problems.push(format!(
                        "{id}: `{}` passes on the stub {} (a test must call the learner's code)",
                        test.name,
                        shown(&checked.exercise.stub)
                    )),
                    _ => {}
                }
            }
        }
    }
    Ok(problems)
}

/// What `scale-lab exercises` prints for `run`: a line per exercise, a count, and for the
/// first exercise that is not passed, its file, its first failing test and its hint.
pub fn report(run: &Run, lang: Lang) -> String {
    let mut text = String::new();
    let width = run
        .exercises
        .iter()
        .map(|c| c.exercise.id().chars().count())
        .max()
        .unwrap_or(0);
    for checked in &run.exercises {
        let mark = match checked.status {
            Status::Passed => "✔",
            Status::NotStarted | Status::NotChecked => "·",
            Status::Failed | Status::DoesNotCompile => "✘",
        };
        let passed = checked.tests.iter().filter(|t| t.passed).count();
        let count = if checked.tests.is_empty() {
            String::new()
        } else {
            format!(" ({passed}/{})", checked.tests.len())
        };
        text.push_str(&format!(
            "{mark} {:<width$}  {}{count}  — {}\n",
            checked.exercise.id(),
            checked.status.label(lang),
            checked.exercise.title.get(lang),
        ));
    }
    let passed = run
        .exercises
        .iter()
        .filter(|c| c.status == Status::Passed)
        .count();
    text.push_str(&match lang {
        Lang::Ko => format!("\n{}개 중 {passed}개 통과.\n", run.exercises.len()),
        Lang::En => format!("\n{passed} of {} passed.\n", run.exercises.len()),
    });
    if let Some(errors) = &run.compile_errors {
        text.push_str(match lang {
            Lang::Ko => "\n연습 문제 크레이트가 컴파일되지 않습니다 (오류가 난 파일을 고치면 나머지도 확인됩니다):\n",
            Lang::En => "\nThe exercises do not compile (fix the file the error points at, and the rest are checked too):\n",
        });
        text.push_str(errors);
        return text;
    }
    let Some(next) = run.exercises.iter().find(|c| c.status != Status::Passed) else {
        return text;
    };
    let (next_label, file_label, failing_label, hint_label) = match lang {
        Lang::Ko => ("다음", "파일", "실패한 테스트", "힌트"),
        Lang::En => ("Next", "file", "failing test", "hint"),
    };
    text.push_str(&format!(
        "\n{next_label}: {} — {}\n  {file_label}: {}\n",
        next.exercise.id(),
        next.exercise.title.get(lang),
        shown(&next.exercise.stub)
    ));
    if next.status == Status::Failed
        && let Some(test) = next.tests.iter().find(|t| !t.passed) {
            text.push_str(&format!("  {failing_label}: {}\n", test.name));
            for line in test
                .failure
                .as_deref()
                .unwrap_or("")
                .trim()
                .lines()
                .take(12)
            {
                text.push_str(&format!("    {line}\n"));
            }
        }
    text.push_str(&format!("  {hint_label}: "));
    text.push_str(&next.exercise.hint.get(lang).trim().replace('\n', "\n    "));
    text.push('\n');
    text
}

/// Runs cargo with `args` in `root`, returning its stdout and stderr; an error if it
/// runs longer than `timeout`.
fn cargo(
    root: &Path,
    args: &[String],
    timeout: Duration,
    command: &str,
) -> anyhow::Result<(String, String)> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let run = execute::run_with_timeout(Command::new(&cargo).args(args).current_dir(root), timeout)
        .with_context(|| format!("cannot run `{command}`"))?;
    if run.status.is_none() {
        let running: Vec<&str> = run
            .stdout
            .lines()
            .filter(|l| l.contains("has been running for over"))
            .collect();
        bail!(
            "`{command}` did not finish in {} s and was stopped: is there an endless loop in an \
             exercise?{}",
            timeout.as_secs(),
            if running.is_empty() {
                String::new()
            } else {
                format!(" Still running:\n{}", running.join("\n"))
            }
        );
    }
    Ok((run.stdout, run.stderr))
}

struct Outcome {
    passed: bool,
    failure: Option<String>,
}

/// The tests in the test harness's output, by full name, with their failure messages.
fn parse_tests(stdout: &str) -> Vec<(String, Outcome)> {
    let mut failures: BTreeMap<&str, String> = BTreeMap::new();
    let mut current: Option<(&str, String)> = None;
    for line in stdout.lines() {
        if let Some(name) = line
            .strip_prefix("---- ")
            .and_then(|l| l.strip_suffix(" stdout ----"))
        {
            if let Some((name, text)) = current.take() {
                failures.insert(name, text);
            }
            current = Some((name, String::new()));
        } else if line == "failures:" || line.starts_with("test result:") {
            if let Some((name, text)) = current.take() {
                failures.insert(name, text);
            }
        } else if let Some((_, text)) = &mut current {
            text.push_str(line);
            text.push('\n');
        }
    }
    stdout
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("test ")?;
            let (name, result) = rest.rsplit_once(" ... ")?;
            let passed = match result {
                "ok" => true,
                "FAILED" => false,
                _ => return None,
            };
            let failure = (!passed).then(|| failures.get(name).cloned().unwrap_or_default());
            Some((name.to_string(), Outcome { passed, failure }))
        })
        .collect()
}

/// The compiler's error messages in cargo's stderr (without its progress lines).
fn compiler_errors(stderr: &str) -> String {
    let mut errors = String::new();
    let mut inside = false;
    for line in stderr.lines() {
        if line.starts_with("error") || line.starts_with("warning: unused") {
            inside = line.starts_with("error");
        }
        if inside {
            errors.push_str(&line.replace("exercises/../", ""));
            errors.push('\n');
        }
    }
    if errors.is_empty() {
        stderr.to_string()
    } else {
        errors
    }
}

/// Whether the compiler's errors point into the exercise's own files.
fn mentions(errors: &str, exercise: &Exercise) -> bool {
    let stub = format!("{}/exercises/{}.rs", exercise.lesson, exercise.name);
    let checks = format!("{}/checks/{}.rs", exercise.lesson, exercise.name);
    errors.contains(&stub) || errors.contains(&checks)
}

fn has_todo(path: &Path) -> bool {
    fs::read_to_string(path).is_ok_and(|text| text.contains("todo!("))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "\
running 3 tests
test cache::lru::checks::evicts_the_oldest ... FAILED
test cache::lru::checks::capacity_one ... ok
test cache::ttl::checks::expires ... ok

failures:

---- cache::lru::checks::evicts_the_oldest stdout ----

thread 'x' panicked at lessons/06-cache/checks/lru.rs:10:5:
assertion failed

failures:
    cache::lru::checks::evicts_the_oldest

test result: FAILED. 2 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out
";

    #[test]
    fn reads_results_and_failure_messages() {
        let tests = parse_tests(OUTPUT);
        assert_eq!(tests.len(), 3);
        assert_eq!(tests[0].0, "cache::lru::checks::evicts_the_oldest");
        assert!(!tests[0].1.passed);
        let message = tests[0].1.failure.as_deref().unwrap();
        assert!(message.contains("assertion failed"), "{message}");
        assert!(tests[1].1.passed && tests[1].1.failure.is_none());
    }

    fn exercise(name: &str) -> Exercise {
        Exercise {
            lesson: "06-cache".into(),
            name: name.into(),
            title: Bilingual {
                ko: format!("{name} 구현"),
                en: format!("implement {name}"),
            },
            hint: Bilingual {
                ko: "힌트입니다.".into(),
                en: "A hint.".into(),
            },
            stub: PathBuf::from(format!("lessons/06-cache/exercises/{name}.rs")),
            solution: PathBuf::new(),
            checks: PathBuf::new(),
            module: format!("cache::{name}"),
        }
    }

    #[test]
    fn the_report_lists_every_exercise_then_the_first_failure_and_its_hint() {
        let test = |name: &str, passed: bool| TestResult {
            name: name.into(),
            passed,
            failure: (!passed)
                .then(|| "assertion `left == right` failed\n  left: 1\n right: 2".into()),
        };
        let run = Run {
            command: Target::Learner.command(),
            exercises: vec![
                Checked {
                    exercise: exercise("ttl"),
                    status: Status::Passed,
                    tests: vec![test("checks::a", true), test("checks::b", true)],
                },
                Checked {
                    exercise: exercise("lru"),
                    status: Status::Failed,
                    tests: vec![test("checks::a", true), test("checks::evicts", false)],
                },
            ],
            compile_errors: None,
        };
        let en = report(&run, Lang::En);
        assert!(
            en.contains("✔ 06-cache/ttl  passed (2/2)  — implement ttl"),
            "{en}"
        );
        assert!(en.contains("✘ 06-cache/lru  failed (1/2)"), "{en}");
        assert!(en.contains("1 of 2 passed."), "{en}");
        assert!(
            en.contains("Next: 06-cache/lru") && en.contains("failing test: checks::evicts"),
            "{en}"
        );
        assert!(
            en.contains("left: 1") && en.contains("hint: A hint."),
            "{en}"
        );
        let ko = report(&run, Lang::Ko);
        assert!(
            ko.contains("2개 중 1개 통과.") && ko.contains("힌트: 힌트입니다."),
            "{ko}"
        );
    }

    #[test]
    fn an_exercise_owns_only_its_own_tests() {
        let exercise = Exercise {
            lesson: "06-cache".into(),
            name: "lru".into(),
            title: Bilingual {
                ko: "가".into(),
                en: "a".into(),
            },
            hint: Bilingual {
                ko: "가".into(),
                en: "a".into(),
            },
            stub: PathBuf::new(),
            solution: PathBuf::new(),
            checks: PathBuf::new(),
            module: "cache::lru".into(),
        };
        assert!(exercise.owns("cache::lru::checks::x"));
        assert!(!exercise.owns("cache::lru_k::checks::x"));
        assert!(!exercise.owns("cache::ttl::checks::x"));
        assert_eq!(exercise.anchor(), "exercise-lru");
    }

    #[test]
    fn names_are_module_names() {
        assert!(is_identifier("lru"));
        assert!(is_identifier("read_your_writes2"));
        assert!(!is_identifier("Lru"));
        assert!(!is_identifier("2pc"));
        assert!(!is_identifier("read-your-writes"));
    }
}
