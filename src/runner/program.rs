//! One lesson's cells become one Rust program, with the semantics a learner gets in
//! evcxr: the cells follow one another in one function body (so a `let` in one cell is
//! seen by the next), and a cell's last expression without `;` is displayed.
//!
//! The program prints a marker line before each cell (to stdout and stderr) so that its
//! output can be split per cell (see [`super::capture`]). A cell's tail expression `e` is
//! rewritten, on the same lines, into
//! `match &(e) { v => { use …display::{ShowDebug as _, ShowRich as _}; <result marker>; v.scale_lab_show(); } }`
//! (see `scale_lab::report::display`: rich output first, `Debug` otherwise), so that line
//! and column numbers inside a cell stay those of the page, and compiler and panic
//! locations map back to the cell ([`Program::locate`]).
//!
//! The program reads its language (`ko` or `en`) from its first argument and calls
//! `scale_lab::set_lang`, as the notebook's first cell does. `?` works in cells (the error
//! is printed to stderr and the lesson stops, as in evcxr), and a panic is reported with
//! its location.

use quote::ToTokens;
use syn::spanned::Spanned;

use super::capture::marker_escape;
use super::document::{Cell, Page};
use super::lesson::command_lines;

/// Inserted before a displayed tail expression.
const PREFIX: &str = "match &(";
/// Inserted after it.
const SUFFIX: &str = ") { __scale_lab_value => { use ::scale_lab::report::display::{ShowDebug as _, ShowRich as _}; __scale_lab_result(); __scale_lab_value.scale_lab_show(); } }";

/// A generated program and how its lines map back to the page's cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Program {
    /// The Rust source.
    pub source: String,
    cells: Vec<CellMap>,
}

#[derive(Debug, Clone, PartialEq)]
struct CellMap {
    /// The cell's 1-based number.
    number: usize,
    /// The generated line that holds the cell's line 1.
    first_line: usize,
    /// How many lines the cell has.
    lines: usize,
    /// Where the display of its tail expression was inserted.
    display: Option<Wrap>,
}

/// Insertion points (1-based cell lines, 0-based character columns of the original code).
#[derive(Debug, Clone, PartialEq)]
struct Wrap {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

/// Where a place of the generated program is in the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// The cell's 1-based number.
    pub cell: usize,
    /// The 1-based line within the cell.
    pub line: usize,
    /// The 1-based column (in characters) within that line of the cell.
    pub column: usize,
    /// The place is in the code the runner added to display the cell's last expression.
    pub in_display: bool,
}

/// A cell that does not parse as Rust statements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// The 1-based line within the cell.
    pub line: usize,
    /// The 1-based column (in characters).
    pub column: usize,
    /// The parser's message.
    pub message: String,
}

/// The code of a cell as the program runs it: evcxr command lines blanked (line numbers
/// stay), and the tail expression, if any, wrapped to be displayed.
fn cell_code(cell: &Cell) -> (String, Option<Wrap>) {
    let code = without_commands(cell);
    let Some(wrap) = tail_expression(&code) else {
        return (code, None);
    };
    let start = byte_offset(&code, wrap.start_line, wrap.start_column);
    let end = byte_offset(&code, wrap.end_line, wrap.end_column);
    let wrapped = format!(
        "{}{PREFIX}{}{SUFFIX}{}",
        &code[..start],
        &code[start..end],
        &code[end..]
    );
    (wrapped, Some(wrap))
}

/// The cell's code with its evcxr command lines blanked (so lines keep their numbers).
fn without_commands(cell: &Cell) -> String {
    let commands = command_lines(&cell.code);
    let code: Vec<&str> = cell
        .code
        .lines()
        .enumerate()
        .map(|(i, line)| if commands.contains(&i) { "" } else { line })
        .collect();
    code.join("\n")
}

/// Where the cell's last statement is an expression to display.
fn tail_expression(code: &str) -> Option<Wrap> {
    let stmts = syn::parse::Parser::parse_str(syn::Block::parse_within, code).ok()?;
    let span = match stmts.last()? {
        syn::Stmt::Expr(expr, None) => expr.span(),
        syn::Stmt::Macro(m)
            if m.semi_token.is_none()
                && !matches!(m.mac.delimiter, syn::MacroDelimiter::Brace(_)) =>
        {
            m.mac.span()
        }
        _ => return None,
    };
    let (start, end) = (span.start(), span.end());
    Some(Wrap {
        start_line: start.line,
        start_column: start.column,
        end_line: end.line,
        end_column: end.column,
    })
}

/// The byte offset of (1-based line, 0-based character column) in `code`.
fn byte_offset(code: &str, line: usize, column: usize) -> usize {
    let line_start: usize = code
        .split_inclusive('\n')
        .take(line - 1)
        .map(str::len)
        .sum();
    let rest = &code[line_start..];
    line_start
        + rest
            .char_indices()
            .nth(column)
            .map_or(rest.len(), |(i, _)| i)
}

/// Checks that a cell parses as Rust statements (after its evcxr command lines).
pub fn check_syntax(cell: &Cell) -> Result<(), SyntaxError> {
    let (code, _) = cell_code(cell);
    match syn::parse::Parser::parse_str(syn::Block::parse_within, &code) {
        Ok(_) => Ok(()),
        Err(e) => {
            let at = e.span().start();
            Err(SyntaxError {
                line: at.line.max(1),
                column: at.column + 1,
                message: e.to_string(),
            })
        }
    }
}

/// Checks that a cell behaves in evcxr as it does natively. evcxr keeps every top-level
/// variable between cells and so must name its type and own it: a closure (its type has
/// no name) or a reference (it borrows another variable) in a top-level `let` fails there
/// at run time, although it compiles in the runner's single program. And evcxr 0.22 shows
/// some last expressions that use `?` as `Debug` text rather than through their display
/// (measured: `plot.render()?` after `let mut plot`, `table_of(&rows, &[1, 2])?`), while
/// the same value bound to a variable first is shown as SVG or HTML: cells bind first.
pub fn check_evcxr(cell: &Cell) -> Result<(), SyntaxError> {
    let code = without_commands(cell);
    let Ok(stmts) = syn::parse::Parser::parse_str(syn::Block::parse_within, &code) else {
        return Ok(()); // check_syntax reports it
    };
    for stmt in &stmts {
        if let syn::Stmt::Item(syn::Item::Use(item)) = stmt
            && renames_self(&item.tree)
        {
            let at = item.span().start();
            return Err(SyntaxError {
                line: at.line.max(1),
                column: at.column + 1,
                message: "`{self as name, ...}` in a `use`: evcxr 0.22 does not keep the \
                          name; write `use path as name;` on a line of its own"
                    .to_string(),
            });
        }
        let syn::Stmt::Local(local) = stmt else {
            continue;
        };
        let Some(init) = &local.init else { continue };
        let mut expr = &*init.expr;
        while let syn::Expr::Paren(inner) = expr {
            expr = &inner.expr;
        }
        let problem = match expr {
            syn::Expr::Closure(_) => {
                "a closure in a top-level `let`: evcxr keeps every top-level variable between \
                 cells and cannot keep a closure; write a `fn`, or put the cell's code in a block `{ ... }`"
            }
            syn::Expr::Reference(_) => {
                "a reference in a top-level `let`: evcxr keeps every top-level variable between \
                 cells and cannot keep a borrow; clone the value, or put the cell's code in a block `{ ... }`"
            }
            _ => continue,
        };
        let at = local.span().start();
        return Err(SyntaxError {
            line: at.line.max(1),
            column: at.column + 1,
            message: problem.to_string(),
        });
    }
    if let Some(syn::Stmt::Expr(tail, None)) = stmts.last()
        && !matches!(
            tail,
            syn::Expr::ForLoop(_) | syn::Expr::While(_) | syn::Expr::Loop(_) | syn::Expr::If(_)
        )
        && has_question_mark(tail.to_token_stream())
    {
        let at = tail.span().start();
        return Err(SyntaxError {
            line: at.line.max(1),
            column: at.column + 1,
            message: "the displayed last expression uses `?`: evcxr 0.22 may then show it as \
                      `Debug` text instead of a table or figure; bind it first \
                      (`let figure = ...?;`) and end the cell with `figure`"
                .to_string(),
        });
    }
    Ok(())
}

/// Whether a `use` tree renames `self` inside a group (`{self as mq, Trouble}`).
fn renames_self(tree: &syn::UseTree) -> bool {
    match tree {
        syn::UseTree::Path(path) => renames_self(&path.tree),
        syn::UseTree::Group(group) => group.items.iter().any(|item| {
            matches!(item, syn::UseTree::Rename(r) if r.ident == "self") || renames_self(item)
        }),
        _ => false,
    }
}

/// Whether `tokens` hold a `?` operator (outside closures' bodies it would be the cell's).
fn has_question_mark(tokens: proc_macro2::TokenStream) -> bool {
    tokens.into_iter().any(|tree| match tree {
        proc_macro2::TokenTree::Punct(p) => p.as_char() == '?',
        proc_macro2::TokenTree::Group(g) => has_question_mark(g.stream()),
        _ => false,
    })
}

/// Generates the program of `page`'s cells (the code of both pages is the same; the
/// runner compiles the Korean page's).
pub fn generate(page: &Page) -> Program {
    let mut source = format!(
        "// Generated by scale-lab from {}: do not edit (the lesson's cells, run natively).\n{HEADER}",
        page.source
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
    );
    let mut line = source.lines().count() + 1;
    let mut cells = Vec::new();
    for cell in page.cells() {
        source.push_str(&format!("__scale_lab_cell({});\n", cell.number));
        line += 1;
        let (code, display) = cell_code(cell);
        let lines = code.lines().count().max(1);
        source.push_str(&code);
        source.push('\n');
        cells.push(CellMap {
            number: cell.number,
            first_line: line,
            lines,
            display,
        });
        line += lines;
    }
    source.push_str("::std::result::Result::Ok(())\n}\n");
    Program { source, cells }
}

impl Program {
    /// The page place of a generated (1-based line, 1-based character column), if it is in
    /// a cell.
    pub fn locate(&self, line: usize, column: usize) -> Option<Location> {
        let cell = self
            .cells
            .iter()
            .find(|c| (c.first_line..c.first_line + c.lines).contains(&line))?;
        let cell_line = line - cell.first_line + 1;
        let mut index = column.saturating_sub(1);
        let mut in_display = false;
        if let Some(w) = &cell.display {
            let prefix = PREFIX.chars().count();
            let suffix = SUFFIX.chars().count();
            if cell_line == w.start_line && index >= w.start_column {
                if index < w.start_column + prefix {
                    in_display = true;
                    index = w.start_column;
                } else {
                    index -= prefix;
                }
            }
            if cell_line == w.end_line && !in_display && index >= w.end_column {
                if index < w.end_column + suffix {
                    in_display = true;
                    index = w.end_column;
                } else {
                    index -= suffix;
                }
            }
        }
        Some(Location {
            cell: cell.number,
            line: cell_line,
            column: index + 1,
            in_display,
        })
    }

    /// The 1-based line within cell `number` where its displayed tail expression starts.
    pub fn display_line(&self, number: usize) -> Option<usize> {
        self.cells
            .iter()
            .find(|c| c.number == number)?
            .display
            .as_ref()
            .map(|w| w.start_line)
    }
}

/// Everything before the first cell: helpers, `main`, and the function the cells live in.
const HEADER: &str = concat!(
    "#![allow(warnings)]\n",
    "fn __scale_lab_cell(number: usize) {\n",
    "    println!(\"",
    marker_escape!(),
    " cell {number}\");\n",
    "    eprintln!(\"",
    marker_escape!(),
    " cell {number}\");\n",
    "}\n",
    "fn __scale_lab_result() {\n",
    "    println!(\"",
    marker_escape!(),
    " result\");\n",
    "}\n",
    "/// What `?` turns an error into: it is printed, as evcxr does, and the lesson stops.\n",
    "struct __ScaleLabError;\n",
    "impl<E: ::std::fmt::Display> ::std::convert::From<E> for __ScaleLabError {\n",
    "    fn from(error: E) -> Self {\n",
    "        eprintln!(\"{error}\");\n",
    "        __ScaleLabError\n",
    "    }\n",
    "}\n",
    "fn main() {\n",
    "    let lang = match ::std::env::args().nth(1).as_deref() {\n",
    "        Some(\"ko\") => ::scale_lab::Lang::Ko,\n",
    "        Some(\"en\") => ::scale_lab::Lang::En,\n",
    "        _ => {\n",
    "            eprintln!(\"usage: a lesson's program takes its language: ko or en\");\n",
    "            ::std::process::exit(2)\n",
    "        }\n",
    "    };\n",
    "    ::scale_lab::set_lang(lang);\n",
    "    ::std::panic::set_hook(Box::new(|info| {\n",
    "        let place = info.location().map(|l| format!(\"{}:{}:{}\", l.file(), l.line(), l.column()));\n",
    "        eprintln!(\"",
    marker_escape!(),
    " panic {}\", place.unwrap_or_default());\n",
    "        eprintln!(\"{}\", info.payload_as_str().unwrap_or(\"(a panic without a message)\"));\n",
    "    }));\n",
    "    match __scale_lab_cells() {\n",
    "        Ok(()) => println!(\"",
    marker_escape!(),
    " done\"),\n",
    "        Err(_) => {\n",
    "            eprintln!(\"",
    marker_escape!(),
    " error\");\n",
    "            ::std::process::exit(1)\n",
    "        }\n",
    "    }\n",
    "}\n",
    "fn __scale_lab_cells() -> ::std::result::Result<(), __ScaleLabError> {\n",
);

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::lang::Lang;
    use crate::runner::document::Block;

    fn cell(number: usize, code: &str) -> Cell {
        Cell {
            number,
            code: code.to_string(),
            line: 1,
            outputs: vec![],
        }
    }

    fn page(cells: &[&str]) -> Page {
        Page {
            lang: Lang::Ko,
            source: PathBuf::from("ko.md"),
            title: "t".into(),
            blocks: cells
                .iter()
                .enumerate()
                .map(|(i, c)| Block::Cell(cell(i + 1, c)))
                .collect(),
        }
    }

    #[test]
    fn tail_expressions_are_wrapped_in_place() {
        let (code, wrap) = cell_code(&cell(1, "let x = 1;\nx + 1"));
        assert_eq!(code, format!("let x = 1;\n{PREFIX}x + 1{SUFFIX}"));
        assert_eq!(
            wrap,
            Some(Wrap {
                start_line: 2,
                start_column: 0,
                end_line: 2,
                end_column: 5
            })
        );
        for no_display in [
            "let x = 1;",
            "x + 1;",
            "fn f() {}",
            "println!(\"a\");",
            "m! { }",
        ] {
            assert_eq!(cell_code(&cell(1, no_display)).1, None, "{no_display}");
        }
        assert!(cell_code(&cell(1, "vec![1, 2]")).1.is_some());
        assert!(cell_code(&cell(1, "for i in 0..2 {}")).1.is_some());
        // Korean in the line before the expression: columns count characters.
        let (code, _) = cell_code(&cell(1, "let s = \"한국\"; s"));
        assert_eq!(code, format!("let s = \"한국\"; {PREFIX}s{SUFFIX}"));
    }

    #[test]
    fn commands_are_blanked_and_lines_kept() {
        let (code, _) = cell_code(&cell(1, ":dep x = \"1\"\nlet a = 1;"));
        assert_eq!(code, "\nlet a = 1;");
    }

    #[test]
    fn generated_places_map_back_to_cells() {
        let program = generate(&page(&["let x = 1;\nlet y = 2;", "let z = 3;\n  x + z"]));
        let lines: Vec<&str> = program.source.lines().collect();
        let find = |needle: &str| lines.iter().position(|l| l.contains(needle)).unwrap() + 1;
        let y = find("let y = 2;");
        assert_eq!(
            program.locate(y, 5),
            Some(Location {
                cell: 1,
                line: 2,
                column: 5,
                in_display: false
            })
        );
        let tail = find("x + z");
        // `x` in the generated line is after the prefix; `z` too.
        let x_col = lines[tail - 1].find("x + z").unwrap() + 1;
        assert_eq!(
            program.locate(tail, x_col),
            Some(Location {
                cell: 2,
                line: 2,
                column: 3,
                in_display: false
            })
        );
        assert_eq!(
            program.locate(tail, x_col + 4),
            Some(Location {
                cell: 2,
                line: 2,
                column: 7,
                in_display: false
            })
        );
        assert!(program.locate(tail, x_col + 8).unwrap().in_display);
        assert_eq!(program.locate(1, 1), None);
        assert_eq!(program.display_line(2), Some(2));
        assert_eq!(program.display_line(1), None);
    }

    #[test]
    fn closures_and_borrows_in_top_level_lets_are_refused_as_evcxr_would() {
        let refused = |code: &str| check_evcxr(&cell(1, code)).unwrap_err();
        let e = refused("let a = 1;\nlet draw = |s: u64| s + 1;\ndraw(2)");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("closure"), "{}", e.message);
        assert!(
            refused("let v = vec![1];\nlet r = &v;")
                .message
                .contains("reference")
        );
        assert!(refused("let f = (move || 1);").message.contains("closure"));
        let tail = refused("let mut plot = p();\nplot = plot.series(1);\nplot.render()?");
        assert_eq!(tail.line, 3);
        assert!(tail.message.contains("`?`"), "{}", tail.message);
        assert!(refused("table(&rows)?.to_table()").message.contains("`?`"));
        assert!(
            refused("use a::b::{self as c, D};")
                .message
                .contains("self as")
        );
        // Inside a block, or a closure passed along, is fine; so is a `fn`.
        for fine in [
            "let n = { let f = |x: u32| x * 2; f(3) };",
            "let v: Vec<u32> = (0..3).map(|x| x * 2).collect();",
            "fn draw(s: u64) -> u64 { s + 1 }\nlet d = draw(1);",
            "let plot = p();\nlet figure = plot.render()?;\nfigure",
            "use a::b as c;\nuse a::b::{D, E};",
            "let rows: Vec<u32> = (0..3).map(|x| f(x).unwrap_or(0)).collect();\nrows",
            "for s in [1, 2] {\n    println!(\"{}\", run(s)?);\n}",
            "let mut plot = p();\nplot = plot.series(1);\nlet figure = plot.render()?;\nfigure",
            "let mut plot = p();\nplot.render().unwrap()",
        ] {
            assert_eq!(check_evcxr(&cell(1, fine)), Ok(()), "{fine}");
        }
    }

    #[test]
    fn syntax_errors_name_the_cell_line() {
        let e = check_syntax(&cell(1, "let x = 1;\nlet y = ;")).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(check_syntax(&cell(1, ":dep a = 1\nlet x = 1;\nx")).is_ok());
    }
}
