//! The Korean and English pages of a lesson must have the same cells in the same order.
//! Code is compared after dropping comments (they may be translated) and whitespace that
//! does not separate two words; string literals are compared exactly.

use std::fmt;

use super::document::{Cell, Lesson, Page};
use super::files::shown;

/// The pages of a lesson drift apart: where, in both files.
#[derive(Debug, Clone, PartialEq)]
pub struct ParityError {
    /// The 1-based number of the first cell that differs (or has no counterpart).
    pub cell: usize,
    /// The line of each page's file (Korean, English) where they part; `None` for the
    /// page that has no such cell.
    pub lines: [Option<usize>; 2],
    /// The explanation, naming both files.
    pub message: String,
}

impl fmt::Display for ParityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ParityError {}

/// Checks that both pages of `lesson` have the same cells.
pub fn check(lesson: &Lesson) -> Result<(), ParityError> {
    let [ko, en] = [&lesson.pages[0], &lesson.pages[1]];
    let ko_cells: Vec<&Cell> = ko.cells().collect();
    let en_cells: Vec<&Cell> = en.cells().collect();
    for (a, b) in ko_cells.iter().zip(&en_cells) {
        let (na, nb) = (normalise(&a.code), normalise(&b.code));
        if na.text == nb.text {
            continue;
        }
        let i = na
            .text
            .chars()
            .zip(nb.text.chars())
            .take_while(|(x, y)| x == y)
            .count();
        let la = a.line + na.line_at(i) - 1;
        let lb = b.line + nb.line_at(i) - 1;
        let message = format!(
            "the Korean and English pages have different code in cell {n}:\n  {}:{la}: {}\n  {}:{lb}: {}\n\
             Cells must be the same code in both languages: only comments and whitespace may \
             differ (localise labels with scale_lab::t(\"한국어\", \"English\")).",
            shown(&ko.source),
            source_line(ko, la),
            shown(&en.source),
            source_line(en, lb),
            n = a.number,
        );
        return Err(ParityError {
            cell: a.number,
            lines: [Some(la), Some(lb)],
            message,
        });
    }
    if ko_cells.len() != en_cells.len() {
        let (longer, shorter) = if ko_cells.len() > en_cells.len() {
            (ko, en)
        } else {
            (en, ko)
        };
        let extra = longer
            .cells()
            .nth(shorter.cells().count())
            .expect("the longer page has it");
        let mut lines = [None, None];
        lines[(longer.lang != ko.lang) as usize] = Some(extra.line);
        let message = format!(
            "{} has {} cells and {} has {}: cell {} ({}:{}) has no counterpart",
            shown(&ko.source),
            ko_cells.len(),
            shown(&en.source),
            en_cells.len(),
            extra.number,
            shown(&longer.source),
            extra.line,
        );
        return Err(ParityError {
            cell: extra.number,
            lines,
            message,
        });
    }
    Ok(())
}

/// A line of a page's file, trimmed, for messages (empty if it cannot be read).
fn source_line(page: &Page, line: usize) -> String {
    std::fs::read_to_string(&page.source)
        .ok()
        .and_then(|text| text.lines().nth(line - 1).map(|l| l.trim().to_string()))
        .unwrap_or_default()
}

/// Code without comments and insignificant whitespace, remembering each character's line.
#[derive(Debug, Clone, PartialEq)]
pub struct Normalised {
    /// The normalised code.
    pub text: String,
    /// For each character of `text`, its 1-based line in the original code.
    pub lines: Vec<usize>,
}

impl Normalised {
    /// The line of the `i`-th character (the last line past the end; 1 when empty).
    pub fn line_at(&self, i: usize) -> usize {
        self.lines
            .get(i)
            .or(self.lines.last())
            .copied()
            .unwrap_or(1)
    }
}

/// Normalises `code`: comments dropped (line, block — nested — and doc comments),
/// whitespace kept only as one space between two word characters, literals kept as is.
pub fn normalise(code: &str) -> Normalised {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Normalised {
        text: String::new(),
        lines: Vec::new(),
    };
    let mut line = 1;
    let mut space = false;
    let mut i = 0;
    let push = |out: &mut Normalised, c: char, line: usize| {
        out.text.push(c);
        out.lines.push(line);
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            if c == '\n' {
                line += 1;
            }
            space = true;
            i += 1;
            continue;
        }
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            space = true;
            continue;
        }
        if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
            space = true;
            continue;
        }
        // A token starts here: one space if it would otherwise glue two words together.
        if space && out.text.chars().last().is_some_and(is_word) && is_word(c) {
            push(&mut out, ' ', line);
        }
        space = false;
        let literal_end = literal_at(&chars, i, out.text.chars().last().is_some_and(is_word));
        let end = literal_end.unwrap_or(i + 1);
        for &ch in &chars[i..end] {
            push(&mut out, ch, line);
            if ch == '\n' {
                line += 1;
            }
        }
        i = end;
    }
    out
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// If a string, byte string, raw string or character literal starts at `i`, where it
/// ends. `after_word`: the previous character is part of a word (so `r"` is not a prefix).
fn literal_at(chars: &[char], i: usize, after_word: bool) -> Option<usize> {
    let at = |k: usize| chars.get(k).copied();
    if !after_word {
        // Prefixes: b"", c"", r"", br"", cr"", r#""#, b''.
        let mut k = i;
        if matches!(at(k), Some('b' | 'c')) {
            k += 1;
        }
        if at(k) == Some('r') && matches!(at(k + 1), Some('"' | '#')) {
            let mut hashes = 0;
            k += 1;
            while at(k) == Some('#') {
                hashes += 1;
                k += 1;
            }
            if at(k) == Some('"') {
                k += 1;
                while k < chars.len() {
                    if chars[k] == '"' && (1..=hashes).all(|h| at(k + h) == Some('#')) {
                        return Some(k + 1 + hashes);
                    }
                    k += 1;
                }
                return Some(chars.len());
            }
            return None;
        }
        if k > i && matches!(at(k), Some('"' | '\'')) {
            return quoted(chars, k);
        }
    }
    match at(i) {
        Some('"') => quoted(chars, i),
        // 'x' and '\n' are characters; 'a (no closing quote right after) is a lifetime.
        Some('\'') if at(i + 1) == Some('\\') || at(i + 2) == Some('\'') => quoted(chars, i),
        _ => None,
    }
}

/// The end of the quoted literal whose opening quote is at `i` (escapes skipped).
fn quoted(chars: &[char], i: usize) -> Option<usize> {
    let quote = chars[i];
    let mut k = i + 1;
    while k < chars.len() {
        match chars[k] {
            '\\' => k += 2,
            c if c == quote => return Some(k + 1),
            _ => k += 1,
        }
    }
    Some(chars.len())
}

/// The line in cell `to` that corresponds to `line` of cell `from`, for cells that pass
/// [`check`] (the same code, possibly with different comments and layout).
pub fn corresponding_line(from: &Cell, to: &Cell, line: usize) -> usize {
    let (a, b) = (normalise(&from.code), normalise(&to.code));
    match a.lines.iter().position(|&l| l >= line) {
        Some(i) if a.text == b.text => b.line_at(i),
        _ => line.min(to.code.lines().count().max(1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(code: &str) -> String {
        normalise(code).text
    }

    #[test]
    fn comments_and_layout_do_not_count() {
        assert_eq!(
            n("let x = 1; // 하나\n/* a /* nested */ b */ let  y=x+1;"),
            n("let x=1;\nlet y = x + 1; /// one")
        );
        assert_eq!(n("let x = 1;"), "let x=1;");
        assert_ne!(n("let x = 1;"), n("letx = 1;"));
    }

    #[test]
    fn literals_are_kept_exactly() {
        assert_ne!(n(r#"t("a  b", "x")"#), n(r#"t("a b", "x")"#));
        assert_eq!(
            n(r#"let s = "// not a comment";"#),
            r#"let s="// not a comment";"#
        );
        assert_eq!(n(r##"r#"a " b"# // c"##), r##"r#"a " b"#"##);
        assert_eq!(n("let c = '\"'; // x"), "let c='\"';");
        assert_eq!(n("fn f<'a>(x: &'a str) {}"), "fn f<'a>(x:&'a str){}");
        assert_eq!(n("b\"x y\" br\"a  b\""), "b\"x y\"br\"a  b\"");
    }

    #[test]
    fn lines_follow_the_code() {
        let a = Cell {
            number: 1,
            code: "// 주석\n// 주석\nlet x = 1;\nlet y = 2;".into(),
            line: 10,
            outputs: vec![],
        };
        let b = Cell {
            number: 1,
            code: "let x = 1; // one\nlet y = 2;".into(),
            line: 10,
            outputs: vec![],
        };
        assert_eq!(corresponding_line(&a, &b, 4), 2);
        assert_eq!(corresponding_line(&b, &a, 1), 3);
        assert_eq!(
            normalise("a\n\nb"),
            Normalised {
                text: "a b".into(),
                lines: vec![1, 3, 3]
            }
        );
    }
}
