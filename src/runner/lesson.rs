//! Lesson sources: `lessons/NN-slug/ko.md` and `lessons/NN-slug/en.md` become a
//! [`Lesson`] (parsed with pulldown-cmark).
//!
//! The format, for lesson writers:
//!
//! - The directory is `NN-slug`: two digits, a dash, then lowercase letters, digits and
//!   dashes (`06-cache`). Both `ko.md` and `en.md` must exist.
//! - Optional front matter, first thing in the file, between two `---` lines, one
//!   `key: value` per line:
//!   - `title: ...` — the page's title (otherwise its first `#` heading);
//!   - `order: 7` — where the lesson goes in the book and the build (default: `NN`);
//!   - `needs: 01, 03-scaling` — the lessons to read first; each must exist and come
//!     earlier.
//!
//!   `order` and `needs` belong to the lesson: write them in either page or in both
//!   (then they must agree).
//! - Prose is Markdown. ```` ```mermaid ```` blocks are diagrams. ```` ```rust ````
//!   blocks are cells: they run, in order, as one program (a `let` in one cell is seen by
//!   the next), and a cell's last expression without `;` is displayed. Any other fence
//!   (```` ```rust,ignore ````, ```` ```text ````) is shown and not run.
//! - Cells and diagrams are top-level blocks (not inside a list or a quote).
//! - A cell may start with evcxr commands (`:dep ...`), which the runner skips; it may not
//!   start with a shell command (`!ls`), which the runner cannot run. Cells may not use
//!   `scale_lab::runner` (notebooks load the library without it).
//! - Cells must also work in evcxr, which keeps every top-level variable between cells:
//!   no closure or borrow in a top-level `let` (use a `fn`, or a block `{ ... }`), no
//!   `use path::{self as name}`, and no `?` in a displayed last expression (bind it:
//!   `let figure = ...?;` then `figure`). The runner refuses these with the cell and line
//!   (see [`super::program::check_evcxr`]).
//! - The Korean and English pages have the same cells (see [`super::parity`]); labels in
//!   figures are localised in code with `scale_lab::t("한국어", "English")`.

use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::document::{Block, Cell, Lesson, Page};
use super::files::shown;
use crate::lang::Lang;

/// What a page's front matter says (each key is optional).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrontMatter {
    /// `title:`
    pub title: Option<String>,
    /// `order:`
    pub order: Option<u32>,
    /// `needs:` — lesson numbers or ids, as written.
    pub needs: Option<Vec<String>>,
}

/// What belongs to a lesson rather than to one page: its place and prerequisites.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    /// Where it goes in the book and the build (front matter `order`, else `NN`).
    pub order: u32,
    /// The lessons to read first (front matter `needs`), as written.
    pub needs: Vec<String>,
}

/// `(NN, slug)` if `name` is a lesson directory name (`06-cache`).
pub fn dir_name(name: &str) -> Option<(u32, String)> {
    let (nn, slug) = name.split_once('-')?;
    let valid_nn = nn.len() == 2 && nn.bytes().all(|b| b.is_ascii_digit());
    let valid_slug = !slug.is_empty()
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    (valid_nn && valid_slug).then(|| (nn.parse().expect("two digits"), slug.to_string()))
}

/// The lesson directories under `root/lessons`, by name. Files there (a README) and
/// directories starting with `.` or `_` are ignored; any other directory must be named
/// `NN-slug`. No `lessons/` directory means no lessons.
pub fn find(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let lessons = root.join("lessons");
    if !lessons.is_dir() {
        return Ok(Vec::new());
    }
    let mut dirs = Vec::new();
    for entry in
        fs::read_dir(&lessons).with_context(|| format!("cannot list {}", shown(&lessons)))?
    {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.file_type()?.is_dir() || name.starts_with('.') || name.starts_with('_') {
            continue;
        }
        if dir_name(&name).is_none() {
            bail!(
                "{}: a lesson directory is named NN-slug (two digits, a dash, then lowercase \
                 letters, digits and dashes, like 06-cache)",
                shown(&entry.path())
            );
        }
        dirs.push(entry.path());
    }
    dirs.sort();
    Ok(dirs)
}

/// Reads and parses the lesson in `dir` (both pages).
pub fn load(dir: &Path) -> anyhow::Result<(Lesson, Meta)> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Some((number, slug)) = dir_name(&name) else {
        bail!("{}: not a lesson directory (NN-slug)", shown(dir));
    };
    let mut pages = Vec::new();
    let mut fronts = Vec::new();
    for lang in Lang::ALL {
        let source = dir.join(format!("{}.md", lang.code()));
        let text = fs::read_to_string(&source).with_context(|| {
            format!(
                "{}: cannot read the {} page",
                shown(&source),
                lang_name(lang)
            )
        })?;
        let (page, front) = parse_page(lang, &source, &text)?;
        pages.push(page);
        fronts.push(front);
    }
    let order = agree(&fronts, |f| f.order, "order", &pages)?.unwrap_or(number);
    let needs = agree(&fronts, |f| f.needs.clone(), "needs", &pages)?.unwrap_or_default();
    Ok((
        Lesson {
            number,
            slug,
            dir: dir.to_path_buf(),
            pages,
            exercises: super::exercises::load(dir)?,
        },
        Meta { order, needs },
    ))
}

/// The value both pages give for a lesson-wide key (or the one that gives it).
fn agree<T: PartialEq + std::fmt::Debug>(
    fronts: &[FrontMatter],
    key: impl Fn(&FrontMatter) -> Option<T>,
    name: &str,
    pages: &[Page],
) -> anyhow::Result<Option<T>> {
    let values: Vec<Option<T>> = fronts.iter().map(&key).collect();
    match (&values[0], &values[1]) {
        (Some(a), Some(b)) if a != b => bail!(
            "front matter `{name}` differs: {} says {a:?}, {} says {b:?} (it belongs to the \
             lesson: write it once, or the same in both pages)",
            shown(&pages[0].source),
            shown(&pages[1].source)
        ),
        _ => Ok(values.into_iter().flatten().next()),
    }
}

fn lang_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Ko => "Korean",
        Lang::En => "English",
    }
}

/// Parses one page. `source` is used for the page's [`Page::source`] and in messages.
pub fn parse_page(lang: Lang, source: &Path, text: &str) -> anyhow::Result<(Page, FrontMatter)> {
    let lines = LineIndex::new(text);
    let at = |offset: usize| format!("{}:{}", shown(source), lines.line(offset));
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS;

    let mut blocks = Vec::new();
    let mut front = FrontMatter::default();
    let mut heading: Option<String> = None;
    let mut in_h1: Option<String> = None;
    let mut fenced: Option<(String, Range<usize>, String)> = None; // (kind, range, code)
    let mut metadata: Option<(Range<usize>, String)> = None;
    let mut markdown_from = 0;
    let mut depth = 0usize;

    for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
        match event {
            Event::Start(Tag::MetadataBlock(_)) => metadata = Some((range, String::new())),
            Event::End(TagEnd::MetadataBlock(_)) => {
                let (range, body) = metadata.take().expect("a metadata block was opened");
                front = parse_front_matter(&body, lines.line(range.start) + 1, source)?;
                markdown_from = range.end;
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                let kind = info.trim().to_string();
                if kind == "rust" || kind == "mermaid" {
                    if depth > 0 {
                        bail!(
                            "{}: a ```{kind} block inside a list or a quote is not run; move it \
                             to the top level (or mark it ```{kind},ignore to only show it)",
                            at(range.start)
                        );
                    }
                    fenced = Some((kind, range, String::new()));
                }
                depth += 1;
            }
            Event::End(TagEnd::CodeBlock) => {
                depth -= 1;
                if let Some((kind, range, mut code)) = fenced.take() {
                    push_markdown(&mut blocks, &text[markdown_from..range.start]);
                    markdown_from = range.end;
                    if code.ends_with('\n') {
                        code.pop();
                    }
                    if kind == "mermaid" {
                        blocks.push(Block::Mermaid(code));
                    } else {
                        let number = blocks
                            .iter()
                            .filter(|b| matches!(b, Block::Cell(_)))
                            .count()
                            + 1;
                        let line = lines.line(range.start) + 1;
                        check_cell(&code, line, source, number)?;
                        blocks.push(Block::Cell(Cell {
                            number,
                            code,
                            line,
                            outputs: Vec::new(),
                        }));
                    }
                }
            }
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1,
                ..
            }) => {
                depth += 1;
                if heading.is_none() {
                    in_h1 = Some(String::new());
                }
            }
            Event::End(TagEnd::Heading(HeadingLevel::H1)) => {
                depth -= 1;
                if let Some(title) = in_h1.take() {
                    heading = Some(title.trim().to_string());
                }
            }
            Event::Start(_) => depth += 1,
            Event::End(_) => depth -= 1,
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, body)) = metadata.as_mut() {
                    body.push_str(&t);
                } else if let Some((_, _, code)) = fenced.as_mut() {
                    code.push_str(&t);
                } else if let Some(title) = in_h1.as_mut() {
                    title.push_str(&t);
                }
            }
            _ => {}
        }
    }
    push_markdown(&mut blocks, &text[markdown_from..]);

    let Some(title) = front.title.clone().or(heading).filter(|t| !t.is_empty()) else {
        bail!(
            "{}: the page has no title: add a `# heading` or front matter `title:`",
            shown(source)
        );
    };
    Ok((
        Page {
            lang,
            source: source.to_path_buf(),
            title,
            blocks,
        },
        front,
    ))
}

/// Adds prose (without its surrounding blank lines) unless it is empty.
fn push_markdown(blocks: &mut Vec<Block>, text: &str) {
    let trimmed = trim_blank_lines(text);
    if !trimmed.is_empty() {
        blocks.push(Block::Markdown(trimmed.to_string()));
    }
}

/// `text` without its leading blank lines and trailing whitespace (a first line's
/// indentation is kept: it can mean an indented code block).
fn trim_blank_lines(text: &str) -> &str {
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        if line.trim().is_empty() {
            start += line.len();
        } else {
            break;
        }
    }
    text[start..].trim_end()
}

/// Rejects what the runner cannot run natively the way a notebook runs it: shell
/// commands, lines evcxr would misread as commands, and the runner's own module.
fn check_cell(code: &str, first_line: usize, source: &Path, cell: usize) -> anyhow::Result<()> {
    let at = |i: usize| {
        format!(
            "{}:{} (cell {cell}, line {})",
            shown(source),
            first_line + i,
            i + 1
        )
    };
    if let Some(i) = code.lines().position(|l| l.contains("scale_lab::runner")) {
        bail!(
            "{}: cells may not use `scale_lab::runner` (notebooks load the library without it)",
            at(i)
        );
    }
    for (i, line) in code.lines().enumerate() {
        let trimmed = line.trim_start();
        let at = at(i);
        if line.starts_with('!') {
            bail!("{at}: shell commands (`!...`) are not run by scale-lab; do the work in Rust");
        }
        if trimmed.starts_with("::") {
            bail!(
                "{at}: evcxr reads a line that starts with `:` at the top of a cell as a \
                 command; write the path without its leading `::`"
            );
        }
        if !(trimmed.is_empty()
            || trimmed.starts_with("//")
            || line.trim_start_matches(' ').starts_with(':'))
        {
            break;
        }
    }
    Ok(())
}

/// The 0-based indices of the evcxr command lines (`:dep ...`, `:cache ...`) at the top
/// of a cell: evcxr runs them before the code; the runner skips them. Like evcxr, only
/// lines before the first line of code count (blank lines and `//` comments may come
/// between them).
pub fn command_lines(code: &str) -> Vec<usize> {
    let mut found = Vec::new();
    for (i, line) in code.lines().enumerate() {
        if line.trim_start_matches(' ').starts_with(':') {
            found.push(i);
        } else if !(line.starts_with("//") || line.trim().is_empty()) {
            break;
        }
    }
    found
}

/// Parses front matter: `key: value` lines (blank lines and `#` comments allowed).
fn parse_front_matter(body: &str, first_line: usize, source: &Path) -> anyhow::Result<FrontMatter> {
    let mut front = FrontMatter::default();
    for (i, line) in body.lines().enumerate() {
        let at = format!("{}:{}", shown(source), first_line + i);
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            bail!("{at}: front matter lines are `key: value` (title, order, needs)");
        };
        let value = unquote(value.trim());
        match key.trim() {
            "title" => front.title = Some(value.to_string()),
            "order" => {
                front.order = Some(value.parse().map_err(|_| {
                    anyhow::anyhow!("{at}: `order` is a whole number ≥ 0, not {value:?}")
                })?)
            }
            "needs" => {
                let list = value.trim_start_matches('[').trim_end_matches(']');
                front.needs = Some(
                    list.split(',')
                        .map(|s| unquote(s.trim()).to_string())
                        .filter(|s| !s.is_empty())
                        .collect(),
                )
            }
            other => bail!("{at}: unknown front matter key `{other}` (known: title, order, needs)"),
        }
    }
    Ok(front)
}

fn unquote(s: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    s
}

/// 1-based line numbers of byte offsets in a text.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lesson_directory_names() {
        assert_eq!(dir_name("06-cache"), Some((6, "cache".to_string())));
        assert_eq!(
            dir_name("13-data-centers2"),
            Some((13, "data-centers2".to_string()))
        );
        assert_eq!(dir_name("6-cache"), None);
        assert_eq!(dir_name("06-Cache"), None);
        assert_eq!(dir_name("06-"), None);
        assert_eq!(dir_name("06--x"), None);
    }

    #[test]
    fn commands_are_only_at_the_top() {
        assert_eq!(
            command_lines(":dep a = 1\n\n// c\n :cache 10\nlet x = 1;\n:not"),
            vec![0, 3]
        );
        assert!(command_lines("let x = 1;").is_empty());
    }

    #[test]
    fn blank_lines_are_trimmed_but_indentation_kept() {
        assert_eq!(
            trim_blank_lines("\n  \n    code\ntext\n\n"),
            "    code\ntext"
        );
    }

    #[test]
    fn line_index() {
        let idx = LineIndex::new("a\nb\nc");
        assert_eq!((idx.line(0), idx.line(2), idx.line(4)), (1, 2, 3));
    }
}
