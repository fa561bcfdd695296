//! The outputs of lessons already run, kept in `target/scale-lab/cache/NN-slug.json`
//! under a key: the hash of the lesson's two pages, of the program generated from them
//! (so a change in how cells run reruns them), and of the library (`src/**` but the
//! runner's own `src/runner/` and `src/main.rs`, which cells cannot use; `Cargo.toml`,
//! `Cargo.lock`). A lesson whose key is unchanged is neither rebuilt nor run again. Book
//! templates and the book's code are not in the key: they cannot change what a cell
//! prints.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::document::{Block, Lesson, Output};
use super::files::{hex, write_if_changed};

/// Changes when the stored format, or the way output is read, changes.
const FORMAT: &str = "scale-lab cache 1";

/// The hash of the library the lessons run against: every file under `src/` (but
/// `src/runner/` and `src/main.rs`), its `Cargo.toml` and `Cargo.lock` (paths and
/// contents).
pub fn library_hash(library: &Path) -> anyhow::Result<String> {
    let mut files = Vec::new();
    collect(&library.join("src"), &mut files)?;
    let runner = [library.join("src/runner"), library.join("src/main.rs")];
    files.retain(|f| !runner.iter().any(|r| f.starts_with(r)));
    files.sort();
    files.push(library.join("Cargo.toml"));
    files.push(library.join("Cargo.lock"));
    let mut hasher = Sha256::new();
    hasher.update(FORMAT.as_bytes());
    for file in files {
        let Ok(bytes) = fs::read(&file) else { continue };
        let name = file
            .strip_prefix(library)
            .unwrap_or(&file)
            .to_string_lossy()
            .replace('\\', "/");
        hasher.update((name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    Ok(hex(&hasher.finalize()))
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            collect(&entry.path(), files)?;
        } else {
            files.push(entry.path());
        }
    }
    Ok(())
}

/// A lesson's key: the library's hash, the lesson's generated program and the bytes of
/// its pages.
pub fn lesson_key(library_hash: &str, program: &str, lesson: &Lesson) -> anyhow::Result<String> {
    let mut hasher = Sha256::new();
    hasher.update(library_hash.as_bytes());
    hasher.update((program.len() as u64).to_le_bytes());
    hasher.update(program.as_bytes());
    for page in &lesson.pages {
        let bytes = fs::read(&page.source)
            .with_context(|| format!("cannot read {}", page.source.display()))?;
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    Ok(hex(&hasher.finalize()))
}

#[derive(Serialize, Deserialize)]
struct Entry {
    key: String,
    /// Language code → outputs per cell.
    pages: BTreeMap<String, Vec<Vec<Stored>>>,
}

#[derive(Serialize, Deserialize)]
enum Stored {
    Text(String),
    Rich { mime: String, content: String },
}

/// The cache directory.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// The cache in `dir`.
    pub fn new(dir: PathBuf) -> Self {
        Cache { dir }
    }

    fn file(&self, lesson: &Lesson) -> PathBuf {
        self.dir.join(format!("{}.json", lesson.id()))
    }

    /// Fills `lesson`'s cells with the stored outputs if they were stored under `key`.
    /// Returns whether it did.
    pub fn load(&self, lesson: &mut Lesson, key: &str) -> bool {
        let Ok(text) = fs::read_to_string(self.file(lesson)) else {
            return false;
        };
        let Ok(entry) = serde_json::from_str::<Entry>(&text) else {
            return false;
        };
        if entry.key != key {
            return false;
        }
        let fits = lesson.pages.iter().all(|p| {
            entry
                .pages
                .get(p.lang.code())
                .is_some_and(|cells| cells.len() == p.cells().count())
        });
        if !fits {
            return false;
        }
        for page in &mut lesson.pages {
            let mut stored = entry.pages[page.lang.code()].iter();
            for block in &mut page.blocks {
                if let Block::Cell(cell) = block {
                    cell.outputs = stored
                        .next()
                        .expect("counted")
                        .iter()
                        .map(|o| match o {
                            Stored::Text(t) => Output::Text(t.clone()),
                            Stored::Rich { mime, content } => Output::Rich {
                                mime: mime.clone(),
                                content: content.clone(),
                            },
                        })
                        .collect();
                }
            }
        }
        true
    }

    /// Stores `lesson`'s outputs under `key`.
    pub fn store(&self, lesson: &Lesson, key: &str) -> anyhow::Result<()> {
        let pages = lesson
            .pages
            .iter()
            .map(|p| {
                let cells = p
                    .cells()
                    .map(|c| {
                        c.outputs
                            .iter()
                            .map(|o| match o {
                                Output::Text(t) => Stored::Text(t.clone()),
                                Output::Rich { mime, content } => Stored::Rich {
                                    mime: mime.clone(),
                                    content: content.clone(),
                                },
                            })
                            .collect()
                    })
                    .collect();
                (p.lang.code().to_string(), cells)
            })
            .collect();
        let entry = Entry {
            key: key.to_string(),
            pages,
        };
        write_if_changed(
            &self.file(lesson),
            serde_json::to_string(&entry)?.as_bytes(),
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runner_s_own_code_is_not_part_of_the_library() {
        let dir = std::env::temp_dir().join(format!("scale-lab-cache-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("src/runner")).unwrap();
        fs::write(dir.join("Cargo.toml"), "[package]").unwrap();
        fs::write(dir.join("src/lib.rs"), "// lib").unwrap();
        fs::write(dir.join("src/runner/book.rs"), "// book").unwrap();
        fs::write(dir.join("src/main.rs"), "// main").unwrap();
        let before = library_hash(&dir).unwrap();
        fs::write(dir.join("src/runner/book.rs"), "// a new book").unwrap();
        fs::write(dir.join("src/main.rs"), "// a new main").unwrap();
        assert_eq!(library_hash(&dir).unwrap(), before);
        fs::write(dir.join("src/lib.rs"), "// a new lib").unwrap();
        assert_ne!(library_hash(&dir).unwrap(), before);
        fs::write(dir.join("src/lib.rs"), "// lib").unwrap();
        fs::write(dir.join("Cargo.lock"), "# lock").unwrap();
        assert_ne!(library_hash(&dir).unwrap(), before);
        fs::remove_dir_all(&dir).unwrap();
    }
}
