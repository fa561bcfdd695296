//! The exercises as a learner meets them: every lesson has at least two, each with a stub
//! that states its task and still has `todo!()`, a solution and tests beside it, and a
//! hint in both languages; a broken exercise list is a clear error. (That every test
//! fails on its stub and passes on its solution is proved by
//! `cargo run -- exercises --verify`, which CI runs.)

use std::fs;
use std::path::Path;

use scale_lab::runner::exercises::{self, Status};
use scale_lab::{Lang, runner::lesson};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_lesson_has_two_exercises_with_stub_solution_checks_and_both_hints() {
    let all = exercises::catalog(root()).unwrap_or_else(|e| panic!("{e:#}"));
    let lessons = lesson::find(root()).unwrap();
    assert!(!lessons.is_empty());
    for dir in lessons {
        let id = dir.file_name().unwrap().to_string_lossy().into_owned();
        let own: Vec<_> = all.iter().filter(|e| e.lesson == id).collect();
        assert!(own.len() >= 2, "lesson {id} has {} exercise(s)", own.len());
        for exercise in own {
            let stub = fs::read_to_string(&exercise.stub).unwrap();
            let solution = fs::read_to_string(&exercise.solution).unwrap();
            assert!(
                stub.contains("todo!("),
                "{}: no todo!()",
                exercise.stub.display()
            );
            assert!(
                stub.trim_start().starts_with("//!"),
                "{}: the stub starts with a doc comment that states the task",
                exercise.stub.display()
            );
            let include = format!(
                "#[cfg(test)]\n#[path = \"../checks/{}.rs\"]\nmod checks;",
                exercise.name
            );
            for (file, text) in [(&exercise.stub, &stub), (&exercise.solution, &solution)] {
                assert!(
                    text.trim_end().ends_with(&include),
                    "{} must end with:\n{include}",
                    file.display()
                );
            }
            assert!(
                !solution.contains("todo!("),
                "{}: the solution has a todo!()",
                exercise.solution.display()
            );
            for lang in Lang::ALL {
                assert!(!exercise.hint.get(lang).trim().is_empty());
                assert!(!exercise.title.get(lang).trim().is_empty());
            }
            assert_ne!(exercise.hint.ko, exercise.hint.en, "{}", exercise.id());
        }
    }
}

/// A lesson directory with one exercise `lru`, complete unless a test breaks it.
fn lesson_with_an_exercise(root: &Path, toml: &str) -> std::path::PathBuf {
    let dir = root.join("lessons").join("06-cache");
    for sub in ["exercises", "solutions", "checks"] {
        fs::create_dir_all(dir.join(sub)).unwrap();
        fs::write(dir.join(sub).join("lru.rs"), "//! x\n").unwrap();
    }
    fs::write(
        dir.join("exercises").join("mod.rs"),
        "#[cfg_attr(feature = \"solutions\", path = \"../solutions/lru.rs\")]\n\
         #[cfg_attr(not(feature = \"solutions\"), path = \"lru.rs\")]\npub mod lru;\n",
    )
    .unwrap();
    fs::write(dir.join("exercises.toml"), toml).unwrap();
    dir
}

const GOOD: &str = r#"
[[exercise]]
name = "lru"
title.ko = "LRU 캐시"
title.en = "An LRU cache"
hint.ko = "가장 오래 안 쓴 키를 기억하세요."
hint.en = "Remember which key was used least recently."
"#;

#[test]
fn a_complete_exercise_loads_with_its_module_path_and_anchor() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = lesson_with_an_exercise(tmp.path(), GOOD);
    let loaded = exercises::load(&dir).unwrap();
    assert_eq!(loaded.len(), 1);
    assert_eq!(loaded[0].module, "cache::lru");
    assert_eq!(loaded[0].id(), "06-cache/lru");
    assert_eq!(loaded[0].anchor(), "exercise-lru");
    assert_eq!(
        loaded[0].hint.get(Lang::Ko),
        "가장 오래 안 쓴 키를 기억하세요."
    );
}

#[test]
fn a_missing_hint_a_missing_file_or_an_undeclared_module_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let no_korean_hint = GOOD.replace("hint.ko = \"가장 오래 안 쓴 키를 기억하세요.\"\n", "");
    let dir = lesson_with_an_exercise(tmp.path(), &no_korean_hint);
    let message = format!("{:#}", exercises::load(&dir).unwrap_err());
    assert!(
        message.contains("exercises.toml") && message.contains("ko"),
        "{message}"
    );

    let empty_hint = GOOD.replace("가장 오래 안 쓴 키를 기억하세요.", " ");
    fs::write(dir.join("exercises.toml"), empty_hint).unwrap();
    let message = format!("{:#}", exercises::load(&dir).unwrap_err());
    assert!(message.contains("`hint.ko` is empty"), "{message}");

    fs::write(dir.join("exercises.toml"), GOOD).unwrap();
    fs::remove_file(dir.join("solutions").join("lru.rs")).unwrap();
    let message = format!("{:#}", exercises::load(&dir).unwrap_err());
    assert!(message.contains("solutions/lru.rs is missing"), "{message}");

    fs::write(dir.join("solutions").join("lru.rs"), "").unwrap();
    fs::write(dir.join("exercises").join("mod.rs"), "pub mod lru;\n").unwrap();
    let message = format!("{:#}", exercises::load(&dir).unwrap_err());
    assert!(
        message.contains("does not declare it") && message.contains("../solutions/lru.rs"),
        "{message}"
    );

    lesson_with_an_exercise(tmp.path(), GOOD);
    let twice = format!("{GOOD}\n{GOOD}");
    fs::write(dir.join("exercises.toml"), twice).unwrap();
    let message = format!("{:#}", exercises::load(&dir).unwrap_err());
    assert!(message.contains("listed twice"), "{message}");
}

#[test]
fn statuses_have_words_in_both_languages() {
    for status in [
        Status::Passed,
        Status::Failed,
        Status::NotStarted,
        Status::DoesNotCompile,
        Status::NotChecked,
    ] {
        assert_ne!(status.label(Lang::Ko), status.label(Lang::En));
    }
}
