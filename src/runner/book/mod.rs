//! The book: every lesson page with its cells' captured outputs, as a static site.
//!
//! `build` renders the mdBook source with the tera templates in `<root>/templates/` into
//! `<root>/target/scale-lab/book-src/{ko,en}/`, builds it with mdbook-driver (no separately
//! installed mdbook), then indexes the result for search. The site:
//!
//! ```text
//! out/index.html          the front door: both languages, every lesson
//! out/ko/, out/en/        one mdBook per language (index.html, NN-slug.html, ...)
//! out/assets/             scale-lab.js and mermaid, shared by both books
//! out/pagefind/           the search index of both books and its UI
//! ```
//!
//! Why two books rather than one with a Korean part and an English part: mdBook writes
//! one `<html lang>` for a whole book, so only a book per language gives every page its
//! right language (screen readers, fonts, hyphenation); each sidebar lists only its own
//! language's lessons; and the search, which keeps one index per `<html lang>`, then
//! answers a reader only with pages in the language they are reading. Every page links to
//! the same page in the other language (the `.sl-lang` link at its top).
//!
//! Search: mdBook's own (elasticlunr) does not find Korean words (rust-lang/mdBook#1081,
//! #2393), so it is off and Pagefind (the `pagefind` crate, MIT) indexes the built pages
//! in-process; its component UI (shipped in the same crate) is a search button in the menu
//! bar. Diagrams: ```` ```mermaid ```` blocks become `<pre class="mermaid">`, drawn in the
//! browser by mermaid (npm `mermaid` 11.17.2, MIT, committed in `theme/mermaid/` with its
//! licence because no crate exposes its JavaScript), loaded only by pages with a diagram.

mod search;
mod serve;

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};
use mdbook_driver::MDBook;
use mdbook_driver::config::Config;
use serde::Serialize;
use tera::Tera;

pub use serve::serve;

use crate::lang::Lang;
use crate::runner::document::{Block, Lesson, Output, Page};

/// The templates `build` renders, in `<root>/templates/`.
const TEMPLATES: [&str; 4] = ["summary.md", "landing.md", "lesson.md", "site-index.html"];

/// Builds the book of `lessons` (with their cells' outputs) into `out`, using `root`'s
/// `book.toml`, `templates/` and `theme/`. The same input gives the same bytes.
/// Lessons are listed in the order of their numbers.
pub fn build(root: &Path, lessons: &[Lesson], out: &Path) -> Result<()> {
    let lessons = in_order(lessons)?;
    let tera = load_templates(root)?;
    let src = root.join("target/scale-lab/book-src");
    render_sources(&tera, &lessons, &src)?;

    let config_path = root.join("book.toml");
    let config = Config::from_disk(&config_path)
        .with_context(|| format!("reading {}", config_path.display()))?;
    for stale in ["pagefind", "assets"] {
        let dir = out.join(stale);
        if dir.exists() {
            fs::remove_dir_all(&dir).with_context(|| format!("removing {}", dir.display()))?;
        }
    }
    for lang in Lang::ALL {
        let (src, out) = (src.join(lang.code()), out.join(lang.code()));
        build_book(root, config.clone(), &src, &out, lang)?;
    }

    let mut context = tera::Context::new();
    context.insert("lessons_ko", &links(&lessons, Lang::Ko)?);
    context.insert("lessons_en", &links(&lessons, Lang::En)?);
    let front_door = render(&tera, "site-index.html", &context)?;
    write(&out.join("index.html"), &front_door)?;
    copy_assets(root, &out.join("assets"))?;
    search::index(out)
}

/// The lessons by number; two with one number are an error.
fn in_order(lessons: &[Lesson]) -> Result<Vec<&Lesson>> {
    let mut lessons: Vec<&Lesson> = lessons.iter().collect();
    lessons.sort_by(|a, b| (a.number, &a.slug).cmp(&(b.number, &b.slug)));
    if let Some(pair) = lessons
        .windows(2)
        .find(|pair| pair[0].number == pair[1].number)
    {
        bail!(
            "lessons {} and {} have the same number",
            pair[0].id(),
            pair[1].id()
        );
    }
    Ok(lessons)
}

fn links(lessons: &[&Lesson], lang: Lang) -> Result<Vec<LessonLink>> {
    lessons
        .iter()
        .map(|lesson| LessonLink::new(lesson, lang))
        .collect()
}

/// Loads the templates `build` needs from `<root>/templates/`.
fn load_templates(root: &Path) -> Result<Tera> {
    let dir = root.join("templates");
    let mut tera = Tera::default();
    tera.add_template_files(TEMPLATES.iter().map(|name| (dir.join(name), Some(*name))))
        .with_context(|| format!("loading the book's templates from {}", dir.display()))?;
    Ok(tera)
}

fn render(tera: &Tera, template: &str, context: &tera::Context) -> Result<String> {
    // tera's own message is terse ("Failed to render"): `{:#}` shows its cause too.
    tera.render(template, context)
        .with_context(|| format!("rendering templates/{template}"))
}

/// Writes `<src>/<lang>/{SUMMARY.md, index.md, NN-slug.md}` for both languages, removing
/// what an earlier build left there.
fn render_sources(tera: &Tera, lessons: &[&Lesson], src: &Path) -> Result<()> {
    if src.exists() {
        fs::remove_dir_all(src).with_context(|| format!("removing {}", src.display()))?;
    }
    for lang in Lang::ALL {
        let dir = src.join(lang.code());
        let mut context = tera::Context::new();
        context.insert("lang", lang.code());
        context.insert("other", other(lang).code());
        context.insert("lessons", &links(lessons, lang)?);
        write(
            &dir.join("SUMMARY.md"),
            &render(tera, "summary.md", &context)?,
        )?;
        write(
            &dir.join("index.md"),
            &render(tera, "landing.md", &context)?,
        )?;
        for lesson in lessons {
            let page = page(lesson, lang)?;
            let context = tera::Context::from_serialize(PageContext::new(lesson, page))?;
            let text = render(tera, "lesson.md", &context)
                .with_context(|| format!("the {} page of lesson {}", lang.code(), lesson.id()))?;
            write(&dir.join(format!("{}.md", lesson.id())), &text)?;
        }
    }
    Ok(())
}

/// Builds one language's book from `src` into `out` with the root's configuration.
fn build_book(root: &Path, mut config: Config, src: &Path, out: &Path, lang: Lang) -> Result<()> {
    config.book.language = Some(lang.code().to_string());
    // mdBook's 404 page resolves its links from site-url (default "/"); the two books are
    // served from /ko/ and /en/.
    config
        .set("output.html.site-url", format!("/{}/", lang.code()))
        .context("setting output.html.site-url")?;
    config.book.src = src.to_path_buf();
    config.build.build_dir = out.to_path_buf();
    let book = MDBook::load_with_config(root, config)
        .with_context(|| format!("loading the {} book from {}", lang.code(), src.display()))?;
    book.build()
        .with_context(|| format!("building the {} book into {}", lang.code(), out.display()))
}

/// Copies the page script and mermaid from `<root>/theme/` to `assets`.
fn copy_assets(root: &Path, assets: &Path) -> Result<()> {
    let theme = root.join("theme");
    for file in ["scale-lab.js", "mermaid/mermaid.min.js", "mermaid/LICENSE"] {
        let to = assets.join(file);
        fs::create_dir_all(to.parent().expect("an asset path has a parent"))
            .with_context(|| format!("creating {}", assets.display()))?;
        fs::copy(theme.join(file), &to).with_context(|| {
            format!("copying {} to {}", theme.join(file).display(), to.display())
        })?;
    }
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

fn other(lang: Lang) -> Lang {
    match lang {
        Lang::Ko => Lang::En,
        Lang::En => Lang::Ko,
    }
}

fn page(lesson: &Lesson, lang: Lang) -> Result<&Page> {
    match lesson.page(lang) {
        Some(page) => Ok(page),
        None => bail!(
            "lesson {} has no {} page (lessons/{}/{}.md): the book needs both languages",
            lesson.id(),
            lang.code(),
            lesson.id(),
            lang.code()
        ),
    }
}

/// A lesson as the summary, the landings and the front door list it.
#[derive(Serialize)]
struct LessonLink {
    id: String,
    /// `NN`, the lesson's number as in its directory name.
    label: String,
    title: String,
    /// The title, safe inside a markdown link's text.
    title_md: String,
}

impl LessonLink {
    fn new(lesson: &Lesson, lang: Lang) -> Result<LessonLink> {
        let title = page(lesson, lang)?.title.clone();
        Ok(LessonLink {
            id: lesson.id(),
            label: format!("{:02}", lesson.number),
            title_md: markdown_text(&title),
            title,
        })
    }
}

/// What `templates/lesson.md` sees of one page.
#[derive(Serialize)]
struct PageContext {
    lang: &'static str,
    other: &'static str,
    id: String,
    title: String,
    title_md: String,
    /// Whether the prose begins with its own `#` heading (else the template adds one).
    has_heading: bool,
    blocks: Vec<BlockContext>,
    /// The lesson's number (`06`), for the exercises command.
    number: String,
    exercises: Vec<ExerciseContext>,
}

/// What `templates/lesson.md` sees of one exercise.
#[derive(Serialize)]
struct ExerciseContext {
    anchor: String,
    title: String,
    /// The learner's file, from the repository's root.
    file: String,
    hint: String,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum BlockContext {
    Markdown {
        text: String,
    },
    Mermaid {
        text: String,
    },
    Cell {
        number: usize,
        fence: String,
        text: String,
        outputs: Vec<OutputContext>,
    },
}

#[derive(Serialize)]
struct OutputContext {
    /// `text` (to be escaped), `html` or `svg` (to be inserted as they are).
    kind: &'static str,
    mime: String,
    text: String,
}

impl PageContext {
    fn new(lesson: &Lesson, page: &Page) -> PageContext {
        let blocks = page
            .blocks
            .iter()
            .map(|block| match block {
                Block::Markdown(text) => BlockContext::Markdown {
                    text: text.trim_end().to_string(),
                },
                Block::Mermaid(text) => BlockContext::Mermaid {
                    text: text.trim_end().to_string(),
                },
                Block::Cell(cell) => BlockContext::Cell {
                    number: cell.number,
                    fence: fence(&cell.code),
                    text: shown_code(cell.code.trim_end()),
                    outputs: cell.outputs.iter().map(OutputContext::new).collect(),
                },
            })
            .collect();
        PageContext {
            lang: page.lang.code(),
            other: other(page.lang).code(),
            id: lesson.id(),
            title: page.title.clone(),
            title_md: markdown_text(&page.title),
            has_heading: starts_with_heading(&page.blocks),
            blocks,
            number: format!("{:02}", lesson.number),
            exercises: lesson
                .exercises
                .iter()
                .map(|e| ExerciseContext {
                    anchor: e.anchor(),
                    title: e.title.get(page.lang).to_string(),
                    file: format!("lessons/{}/exercises/{}.rs", e.lesson, e.name),
                    hint: e.hint.get(page.lang).trim().to_string(),
                })
                .collect(),
        }
    }
}

impl OutputContext {
    fn new(output: &Output) -> OutputContext {
        match output {
            Output::Text(text) => OutputContext::text("text/plain", text),
            Output::Rich { mime, content } => match mime.as_str() {
                "text/html" => OutputContext {
                    kind: "html",
                    mime: mime.clone(),
                    text: html_block(content),
                },
                "image/svg+xml" => OutputContext {
                    kind: "svg",
                    mime: mime.clone(),
                    text: html_block(content),
                },
                _ => OutputContext::text(mime, content),
            },
        }
    }

    fn text(mime: &str, text: &str) -> OutputContext {
        OutputContext {
            kind: "text",
            mime: mime.to_string(),
            text: text.trim_end_matches('\n').to_string(),
        }
    }
}

/// A code fence longer than any run of backticks in `code`.
fn fence(code: &str) -> String {
    let longest = code.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// `code` as mdBook must be given it to show every line: mdBook hides the lines of a Rust
/// block that start with `# ` (or are just `#`) and turns a leading `##` into `#`.
fn shown_code(code: &str) -> String {
    let mut shown = String::with_capacity(code.len());
    for (i, line) in code.split('\n').enumerate() {
        if i > 0 {
            shown.push('\n');
        }
        let rest = line.trim_start();
        let indent = &line[..line.len() - rest.len()];
        shown.push_str(indent);
        if let Some(after) = rest.strip_prefix('#')
            && matches!(after.chars().next(), None | Some(' ') | Some('#'))
        {
            shown.push('#');
        }
        shown.push_str(rest);
    }
    shown
}

/// Rich HTML or SVG made safe to sit in a markdown page as one raw HTML block: such a
/// block ends at the first blank line, so blank lines become empty comments (invisible,
/// even inside `<pre>`), and an XML declaration, meaningless inside HTML, goes.
fn html_block(content: &str) -> String {
    let content = content.trim();
    let content = match content.strip_prefix("<?xml") {
        Some(rest) => rest
            .split_once("?>")
            .map_or(content, |(_, after)| after.trim_start()),
        None => content,
    };
    content
        .split('\n')
        .map(|line| {
            if line.trim().is_empty() {
                "<!---->"
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `text` safe as a markdown link's text or a heading.
fn markdown_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '[' | ']' | '*' | '_' | '`' | '<') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// Whether the page's prose opens with a level-1 `#` heading.
fn starts_with_heading(blocks: &[Block]) -> bool {
    match blocks.first() {
        Some(Block::Markdown(text)) => text
            .lines()
            .find(|line| !line.trim().is_empty())
            .is_some_and(|line| line.starts_with("# ") || line.trim_end() == "#"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_outlast_backticks_in_the_code() {
        assert_eq!(fence("let x = 1;"), "```");
        assert_eq!(fence("let s = \"````\";"), "`````");
    }

    #[test]
    fn lines_mdbook_would_hide_are_kept_visible() {
        assert_eq!(
            shown_code("# hidden\n#[derive(Debug)]\n  #\n## two"),
            "## hidden\n#[derive(Debug)]\n  ##\n### two"
        );
        assert_eq!(
            shown_code("let x = 1; # not at the start"),
            "let x = 1; # not at the start"
        );
    }

    #[test]
    fn rich_html_has_no_blank_line_to_end_its_block() {
        let html = html_block("<?xml version=\"1.0\"?>\n<svg>\n\n  \n<text>a</text></svg>\n");
        assert_eq!(html, "<svg>\n<!---->\n<!---->\n<text>a</text></svg>");
    }

    #[test]
    fn titles_are_escaped_for_markdown() {
        assert_eq!(markdown_text("a [b] *c*"), "a \\[b\\] \\*c\\*");
        assert!(starts_with_heading(&[Block::Markdown(
            "\n# Title\ntext".into()
        )]));
        assert!(!starts_with_heading(&[Block::Markdown("## Sub".into())]));
        assert!(!starts_with_heading(&[Block::Mermaid("graph LR".into())]));
    }
}
