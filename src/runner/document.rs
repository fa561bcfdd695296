//! A lesson page as the runner sees it: parsed from markdown, then filled with each
//! cell's captured outputs, then written out as a notebook and as a book page.
//! This is the contract between the runner's stages (parse → execute → notebook, book).

use std::path::PathBuf;

use crate::lang::Lang;

/// One lesson: `lessons/NN-slug/{ko,en}.md`.
#[derive(Debug, Clone, PartialEq)]
pub struct Lesson {
    /// The lesson's number, `NN` in its directory name (00, 01, ...).
    pub number: u32,
    /// The part of the directory name after `NN-` (for example `single-server`).
    pub slug: String,
    /// The lesson's directory.
    pub dir: PathBuf,
    /// Its pages: Korean first, then English.
    pub pages: Vec<Page>,
    /// Its exercises (from `exercises.toml`), in the order listed there.
    pub exercises: Vec<super::exercises::Exercise>,
}

impl Lesson {
    /// `NN-slug`, the lesson's id in file names and links.
    pub fn id(&self) -> String {
        format!("{:02}-{}", self.number, self.slug)
    }

    /// The page in `lang`, if the lesson has one.
    pub fn page(&self, lang: Lang) -> Option<&Page> {
        self.pages.iter().find(|p| p.lang == lang)
    }
}

/// One language's version of a lesson.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The page's language.
    pub lang: Lang,
    /// The markdown file it came from.
    pub source: PathBuf,
    /// The title: front matter `title`, else the first `#` heading.
    pub title: String,
    /// The page's content, in order.
    pub blocks: Vec<Block>,
}

impl Page {
    /// The page's code cells, in order.
    pub fn cells(&self) -> impl Iterator<Item = &Cell> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Cell(c) => Some(c),
            _ => None,
        })
    }
}

/// A piece of a page.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Prose, as markdown (headings, lists, tables, links, other code blocks).
    Markdown(String),
    /// A ```` ```mermaid ```` diagram's source.
    Mermaid(String),
    /// A ```` ```rust ```` cell, run by the runner and by the learner.
    Cell(Cell),
}

/// A code cell and what running it printed.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// 1-based position among the page's cells.
    pub number: usize,
    /// The code, exactly as written in the page.
    pub code: String,
    /// The line of the page's file on which the code starts (1-based).
    pub line: usize,
    /// The outputs, in the order the cell printed them (empty until executed).
    pub outputs: Vec<Output>,
}

/// One piece of a cell's output.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Plain text the cell printed (stdout outside rich blocks).
    Text(String),
    /// Rich content between `EVCXR_BEGIN_CONTENT <mime>` and `EVCXR_END_CONTENT`
    /// (`text/html` tables, `image/svg+xml` figures, ...). The displayed last expression's
    /// `Debug` form is `text/plain` rich content, as evcxr sends it.
    Rich {
        /// The MIME type named after `EVCXR_BEGIN_CONTENT`.
        mime: String,
        /// The content, exactly as printed.
        content: String,
    },
}
