//! Notebooks: `notebooks/{ko,en}/NN-slug.ipynb`, nbformat 4.5, with every cell's output
//! embedded the way the evcxr kernel sends it, so a learner sees every figure before
//! running anything.
//!
//! - Kernel: `scale-lab` ("Rust · scale-lab", registered by `scale-lab setup-jupyter`);
//!   the first code cell also works in evcxr's plain `rust` kernel: it turns evcxr's cache
//!   on, loads the library by relative path (`:dep`, `default-features = false`) and sets
//!   the label language. The first markdown cell says, in the notebook's language, how to
//!   install the kernel.
//! - Outputs as evcxr makes them: a cell's plain text is one `stream` (stdout); its rich
//!   content is one `execute_result` whose data maps each MIME type to the last content of
//!   that type (so Jupyter shows one rich output per cell: see [`hidden_outputs`]).
//! - Bytes as nbformat writes them (sorted keys, one-space indent, lines split, trailing
//!   newline), and nothing that changes between builds: no timestamps, ids derived from
//!   the cell's position.
//! - Edit guard: `metadata.scale_lab.sha256` is the hash of the file as written (with
//!   that field empty). A file that no longer matches it was changed by someone (edited,
//!   or run and saved in Jupyter), and is not overwritten without `--force`.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::Path;

use anyhow::Context;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::document::{Block, Cell, Lesson, Output};
use super::files::{sha256_hex, shown, write_if_changed};
use crate::lang::Lang;

/// The kernelspec name the notebooks ask for.
pub const KERNEL_NAME: &str = "scale-lab";
/// Its display name.
pub const KERNEL_DISPLAY_NAME: &str = "Rust · scale-lab";
/// evcxr's cache size set by the first cell, in MiB.
const CACHE_MIB: u32 = 4000;
/// The empty hash field, as written before the hash is known.
const BLANK_HASH: &str = "\"sha256\": \"\"";

/// Where a notebook's first cell finds the library, and which page it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Paths {
    /// The library's directory relative to the notebook's (`../..` in the repository).
    pub library: String,
    /// The lesson page, relative to the repository (`lessons/06-cache/ko.md`).
    pub source: String,
    /// The repository's root relative to the notebook's directory (`../..`).
    pub root: String,
}

/// The notebook of `lesson` in `lang`, as the bytes to write (UTF-8 JSON).
pub fn render(lesson: &Lesson, lang: Lang, paths: &Paths) -> String {
    let page = lesson.page(lang).expect("both pages exist");
    let mut cells = vec![markdown_cell(&cell_id(lesson, 0), intro(lang))];
    cells.push(code_cell(
        &cell_id(lesson, 1),
        &setup_code(lang, &paths.library),
        Some(1),
        Vec::new(),
    ));
    let mut count = 1;
    for block in &page.blocks {
        let id = cell_id(lesson, cells.len());
        cells.push(match block {
            Block::Markdown(text) => markdown_cell(&id, text),
            Block::Mermaid(diagram) => markdown_cell(&id, &format!("```mermaid\n{diagram}\n```")),
            Block::Cell(cell) => {
                count += 1;
                code_cell(&id, &cell.code, Some(count), outputs(cell, count))
            }
        });
    }
    if !lesson.exercises.is_empty() {
        let id = cell_id(lesson, cells.len());
        cells.push(markdown_cell(&id, &exercises(lesson, lang, &paths.root)));
    }
    let notebook = json!({
        "cells": cells,
        "metadata": {
            "kernelspec": {
                "display_name": KERNEL_DISPLAY_NAME,
                "language": "rust",
                "name": KERNEL_NAME,
            },
            "language_info": {
                "codemirror_mode": "rust",
                "file_extension": ".rs",
                "mimetype": "text/rust",
                "name": "rust",
                "pygment_lexer": "rust",
                "version": "",
            },
            "scale_lab": {
                "generated": "by `scale-lab build`; it keeps your edits unless you pass --force",
                "lesson": lesson.id(),
                "sha256": "",
                "source": paths.source,
            },
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    });
    let blank = to_nbformat_json(&sorted(notebook));
    let hash = sha256_hex(blank.as_bytes());
    blank.replacen(BLANK_HASH, &format!("\"sha256\": \"{hash}\""), 1)
}

/// The last markdown cell: the lesson's exercises, linked, with the command that checks
/// them and each hint folded away.
fn exercises(lesson: &Lesson, lang: Lang, root: &str) -> String {
    let mut text = match lang {
        Lang::Ko => format!(
            "## 연습 문제\n\n파일의 `todo!()`를 채운 뒤 저장소 루트에서 `cargo run -- exercises {:02}`를 \
             실행하세요. 테스트(`cargo test`)가 통과·실패·시작 전을 알려 줍니다.\n\n",
            lesson.number
        ),
        Lang::En => format!(
            "## Exercises\n\nReplace the `todo!()` in each file, then run `cargo run -- exercises {:02}` \
             at the repository's root: the tests (`cargo test`) say which pass, fail or are not started.\n\n",
            lesson.number
        ),
    };
    let hint = match lang {
        Lang::Ko => "힌트",
        Lang::En => "Hint",
    };
    for (i, exercise) in lesson.exercises.iter().enumerate() {
        let file = format!("lessons/{}/exercises/{}.rs", exercise.lesson, exercise.name);
        text.push_str(&format!(
            "{}. <a id=\"{}\"></a>**{}** — [`{file}`]({root}/{file})\n   <details><summary>{hint}</summary>\n\n   {}\n\n   </details>\n",
            i + 1,
            exercise.anchor(),
            exercise.title.get(lang),
            exercise.hint.get(lang).trim().replace('\n', "\n   "),
        ));
    }
    text
}

/// The first markdown cell: the kernel, and how to install it.
fn intro(lang: Lang) -> &'static str {
    match lang {
        Lang::Ko => concat!(
            "> **커널: `Rust · scale-lab`** — 저장소 루트에서 `cargo run -- setup-jupyter`를 한 번 ",
            "실행해 설치하고, Jupyter의 *Kernel → Change Kernel…* 에서 고르세요. (evcxr의 기본 ",
            "`rust` 커널에서도 동작합니다.)\n>\n",
            "> 아래 출력은 `scale-lab build`가 미리 실행해 넣어 둔 것입니다. 첫 코드 셀이 라이브러리를 ",
            "불러옵니다. 처음 한 번은 컴파일에 몇 분 걸리고, 그다음부터는 evcxr 캐시 덕분에 빠릅니다. ",
            "셀을 고쳐 다시 실행해 보세요."
        ),
        Lang::En => concat!(
            "> **Kernel: `Rust · scale-lab`** — install it once from the repository root with ",
            "`cargo run -- setup-jupyter`, then pick it in Jupyter's *Kernel → Change Kernel…*. ",
            "(The notebook also runs in evcxr's plain `rust` kernel.)\n>\n",
            "> The outputs below were produced by `scale-lab build`. The first code cell loads the ",
            "library: the first time it compiles for a few minutes, after that evcxr's cache makes ",
            "it quick. Change a cell and run it again."
        ),
    }
}

/// The first code cell: evcxr's cache on, the library loaded, the label language set.
fn setup_code(lang: Lang, library: &str) -> String {
    let variant = match lang {
        Lang::Ko => "Ko",
        Lang::En => "En",
    };
    format!(
        ":cache {CACHE_MIB}\n:dep scale-lab = {{ path = \"{library}\", default-features = false }}\n\
         scale_lab::set_lang(scale_lab::Lang::{variant});"
    )
}

/// A cell id: the lesson number and the cell's position (stable, unique in the notebook).
fn cell_id(lesson: &Lesson, index: usize) -> String {
    format!("{:02}-{index:03}", lesson.number)
}

fn markdown_cell(id: &str, text: &str) -> Value {
    json!({ "cell_type": "markdown", "id": id, "metadata": {}, "source": lines(text) })
}

fn code_cell(id: &str, code: &str, count: Option<usize>, outputs: Vec<Value>) -> Value {
    json!({
        "cell_type": "code",
        "execution_count": count,
        "id": id,
        "metadata": {},
        "outputs": outputs,
        "source": lines(code),
    })
}

/// A cell's outputs as evcxr sends them: its text as one stdout stream, then one
/// `execute_result` holding its rich content by MIME type (the last of each type).
fn outputs(cell: &Cell, count: usize) -> Vec<Value> {
    let mut out = Vec::new();
    let text: String = cell
        .outputs
        .iter()
        .filter_map(|o| match o {
            Output::Text(t) => Some(t.as_str()),
            Output::Rich { .. } => None,
        })
        .collect();
    if !text.is_empty() {
        out.push(json!({ "name": "stdout", "output_type": "stream", "text": lines(&text) }));
    }
    let mut data = Map::new();
    for o in &cell.outputs {
        if let Output::Rich { mime, content } = o {
            data.insert(mime.clone(), mime_value(mime, content));
        }
    }
    if !data.is_empty() {
        out.push(json!({
            "data": data,
            "execution_count": count,
            "metadata": {},
            "output_type": "execute_result",
        }));
    }
    out
}

/// A MIME bundle's value as nbformat stores it: JSON types as JSON (as evcxr sends them),
/// text and SVG as lists of lines, anything else as one string.
fn mime_value(mime: &str, content: &str) -> Value {
    if mime.contains("json")
        && let Ok(v) = serde_json::from_str::<Value>(content)
    {
        return v;
    }
    if mime.starts_with("text/") || mime == "image/svg+xml" || mime == "application/javascript" {
        lines(content)
    } else {
        Value::String(content.to_string())
    }
}

/// The cells of `lesson`'s page in `lang` whose rich outputs Jupyter would not all show
/// (evcxr puts a cell's rich outputs in one bundle, and Jupyter shows one of its types):
/// a warning per such cell, so that the book and the notebook show the same thing.
pub fn hidden_outputs(lesson: &Lesson, lang: Lang) -> Vec<String> {
    let Some(page) = lesson.page(lang) else {
        return Vec::new();
    };
    page.cells()
        .filter_map(|cell| {
            let mimes: Vec<&str> = cell
                .outputs
                .iter()
                .filter_map(|o| match o {
                    Output::Rich { mime, .. } => Some(mime.as_str()),
                    Output::Text(_) => None,
                })
                .collect();
            (mimes.len() > 1).then(|| {
                format!(
                    "lesson {} ({}), cell {}: {} rich outputs ({}); a notebook shows only one rich output \
                     per cell (evcxr), the book all of them: split the cell",
                    lesson.id(),
                    lang.code(),
                    cell.number,
                    mimes.len(),
                    mimes.join(", ")
                )
            })
        })
        .collect()
}

/// Text as nbformat stores it: lines, each with its line break (as Python's
/// `str.splitlines(keepends=True)` cuts them).
fn lines(text: &str) -> Value {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let is_break = matches!(
            c,
            '\n' | '\r'
                | '\u{0b}'
                | '\u{0c}'
                | '\u{1c}'
                | '\u{1d}'
                | '\u{1e}'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        );
        if is_break {
            let mut end = i + c.len_utf8();
            if c == '\r' && chars.peek().map(|&(_, n)| n) == Some('\n') {
                chars.next();
                end += 1;
            }
            out.push(Value::String(text[start..end].to_string()));
            start = end;
        }
    }
    if start < text.len() {
        out.push(Value::String(text[start..].to_string()));
    }
    Value::Array(out)
}

/// `value` with every object's keys in sorted order (whatever serde_json's map keeps).
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let entries: BTreeMap<String, Value> =
                map.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            Value::Object(entries.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// JSON as nbformat writes it: one-space indent, `": "`, UTF-8, trailing newline.
fn to_nbformat_json(value: &Value) -> String {
    let mut bytes = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b" ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut bytes, formatter);
    value
        .serialize(&mut serializer)
        .expect("a JSON value serialises");
    let mut text = String::from_utf8(bytes).expect("serde_json writes UTF-8");
    text.push('\n');
    text
}

/// Whether a notebook file's bytes are exactly what scale-lab wrote (line endings aside).
pub fn is_pristine(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let text = text.replace("\r\n", "\n");
    let Ok(json) = serde_json::from_str::<Value>(&text) else {
        return false;
    };
    let Some(hash) = json
        .pointer("/metadata/scale_lab/sha256")
        .and_then(Value::as_str)
    else {
        return false;
    };
    let field = format!("\"sha256\": \"{hash}\"");
    text.matches(&field).count() == 1
        && sha256_hex(text.replacen(&field, BLANK_HASH, 1).as_bytes()) == hash
}

/// What [`write()`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// There was no notebook: it was written.
    Created,
    /// The notebook was as scale-lab wrote it (or `--force`): it was replaced.
    Updated,
    /// The notebook already had these bytes.
    Unchanged,
    /// Someone changed the notebook since scale-lab wrote it: it was left alone.
    Kept,
}

/// Writes notebook `text` to `path`, unless the file there was changed by someone since
/// scale-lab wrote it (then `force` is needed).
pub fn write(path: &Path, text: &str, force: bool) -> anyhow::Result<Written> {
    let existing = match fs::read(path) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", shown(path))),
    };
    match existing {
        None => {
            write_if_changed(path, text.as_bytes())?;
            Ok(Written::Created)
        }
        Some(bytes) if bytes == text.as_bytes() => Ok(Written::Unchanged),
        Some(bytes) if force || is_pristine(&bytes) => {
            write_if_changed(path, text.as_bytes())?;
            Ok(Written::Updated)
        }
        Some(_) => Ok(Written::Kept),
    }
}

/// What to tell a learner whose notebook at `path` was kept.
pub fn kept_message(path: &Path) -> String {
    let p = shown(path);
    format!(
        "{p} was changed since scale-lab wrote it (edited, or run and saved in Jupyter), so it was \
         not overwritten and may be out of date.\n  \
         to keep your version: copy it elsewhere (for example `cp {p} my-notebook.ipynb`), then run \
         `cargo run -- build --force`\n  \
         to discard your changes: run `cargo run -- build --force` (or `git checkout -- {p}`)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_cut_like_python_splitlines() {
        let strings = |v: Value| -> Vec<String> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(strings(lines("a\nb\r\nc\rd")), ["a\n", "b\r\n", "c\r", "d"]);
        assert_eq!(strings(lines("a\n")), ["a\n"]);
        assert!(strings(lines("")).is_empty());
    }

    #[test]
    fn keys_are_sorted_and_the_hash_checks() {
        let v = sorted(json!({"b": 1, "a": {"d": 2, "c": 3}}));
        assert_eq!(
            to_nbformat_json(&v),
            "{\n \"a\": {\n  \"c\": 3,\n  \"d\": 2\n },\n \"b\": 1\n}\n"
        );
        let blank = to_nbformat_json(&json!({"metadata": {"scale_lab": {"sha256": ""}}}));
        let hash = sha256_hex(blank.as_bytes());
        let written = blank.replacen(BLANK_HASH, &format!("\"sha256\": \"{hash}\""), 1);
        assert!(is_pristine(written.as_bytes()));
        assert!(is_pristine(written.replace('\n', "\r\n").as_bytes()));
        assert!(!is_pristine(
            written.replace("metadata", "metadatum").as_bytes()
        ));
        assert!(!is_pristine(blank.as_bytes()));
        assert!(!is_pristine(b"not json"));
    }

    #[test]
    fn rich_outputs_become_one_bundle_like_evcxr() {
        let cell = Cell {
            number: 1,
            code: String::new(),
            line: 1,
            outputs: vec![
                Output::Text("a\n".into()),
                Output::Rich {
                    mime: "text/html".into(),
                    content: "<b>1</b>".into(),
                },
                Output::Text("b\n".into()),
                Output::Rich {
                    mime: "text/html".into(),
                    content: "<b>2</b>".into(),
                },
                Output::Rich {
                    mime: "application/json".into(),
                    content: "{\"x\": 1}".into(),
                },
            ],
        };
        let out = outputs(&cell, 3);
        assert_eq!(
            out[0],
            json!({"name": "stdout", "output_type": "stream", "text": ["a\n", "b\n"]})
        );
        assert_eq!(out[1]["data"]["text/html"], json!(["<b>2</b>"]));
        assert_eq!(out[1]["data"]["application/json"], json!({"x": 1}));
        assert_eq!(out[1]["execution_count"], json!(3));
    }
}
