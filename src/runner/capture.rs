//! Splitting what a lesson's program printed into each cell's outputs, the way evcxr
//! reads a cell's output: rich content between `EVCXR_BEGIN_CONTENT <mime>` and
//! `EVCXR_END_CONTENT`, plain text otherwise. What the displayed last expression printed
//! as plain text (its `Debug` form) becomes `text/plain` rich content, as evcxr sends it.
//!
//! The program (see [`super::program`]) prints marker lines: `<MARKER> cell N` before
//! each cell (on stdout and stderr), `<MARKER> result` before the display of a cell's
//! last expression, `<MARKER> done` at the end, and on stderr `<MARKER> panic
//! file:line:column` (then the message) or `<MARKER> error` (a `?` stopped it).

use super::document::Output;

/// The start of every marker line (an ASCII record separator, then `scale-lab`).
pub const MARKER: &str = "\u{1e}scale-lab";

/// [`MARKER`] as an escape inside a string literal of the generated program.
macro_rules! marker_escape {
    () => {
        "\\u{1e}scale-lab"
    };
}
pub(crate) use marker_escape;

const BEGIN: &str = "EVCXR_BEGIN_CONTENT ";
const END: &str = "EVCXR_END_CONTENT";

/// A panic the program reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panic {
    /// The file of the panic's location, as the compiler named it.
    pub file: String,
    /// Its 1-based line.
    pub line: usize,
    /// Its 1-based column.
    pub column: usize,
    /// The panic's message.
    pub message: String,
}

/// One run's output, split by cell.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Captured {
    /// Each cell's outputs (index: cell number − 1).
    pub outputs: Vec<Vec<Output>>,
    /// What each cell wrote to stderr (index: cell number − 1).
    pub stderr: Vec<String>,
    /// The number of the last cell that started (0: none).
    pub last_cell: usize,
    /// The program got to its end.
    pub done: bool,
    /// The panic that stopped it, if one did.
    pub panic: Option<Panic>,
    /// An error returned with `?` stopped it.
    pub error: bool,
}

/// Splits a run's stdout and stderr for a page of `cells` cells.
pub fn split(stdout: &str, stderr: &str, cells: usize) -> Captured {
    let mut cap = Captured {
        outputs: vec![Vec::new(); cells],
        stderr: vec![String::new(); cells],
        ..Captured::default()
    };
    let mut current: Option<usize> = None;
    let mut in_result = false;
    let mut result_text = String::new();
    let mut rich: Option<(String, Vec<String>)> = None;

    let flush_result =
        |outputs: &mut Vec<Vec<Output>>, current: Option<usize>, text: &mut String| {
            if let Some(c) = current.filter(|_| !text.is_empty()) {
                let content = text.strip_suffix('\n').unwrap_or(text).to_string();
                outputs[c].push(Output::Rich {
                    mime: "text/plain".into(),
                    content,
                });
            }
            text.clear();
        };

    for raw in stdout.split_inclusive('\n') {
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        if let Some((mime, content)) = rich.as_mut() {
            if line == END {
                if let Some(c) = current {
                    cap.outputs[c].push(Output::Rich {
                        mime: mime.clone(),
                        content: content.join("\n"),
                    });
                }
                rich = None;
            } else {
                content.push(line.to_string());
            }
            continue;
        }
        if let Some(at) = line.find(MARKER) {
            push_text(
                &mut cap.outputs,
                current,
                in_result,
                &mut result_text,
                &line[..at],
            );
            let what = &line[at + MARKER.len()..];
            if let Some(n) = what
                .strip_prefix(" cell ")
                .and_then(|n| n.parse::<usize>().ok())
            {
                flush_result(&mut cap.outputs, current, &mut result_text);
                in_result = false;
                current = (1..=cells).contains(&n).then_some(n - 1);
                cap.last_cell = n;
            } else if what == " result" {
                in_result = true;
            } else if what == " done" {
                flush_result(&mut cap.outputs, current, &mut result_text);
                cap.done = true;
                current = None;
            }
            continue;
        }
        if let Some(at) = line.find(BEGIN) {
            // Like evcxr: whatever came before the marker on its line is dropped.
            let mime = line[at + BEGIN.len()..]
                .split(' ')
                .next()
                .unwrap_or_default();
            rich = Some((mime.to_string(), Vec::new()));
            continue;
        }
        push_text(&mut cap.outputs, current, in_result, &mut result_text, raw);
    }
    if let (Some((mime, content)), Some(c)) = (rich, current) {
        cap.outputs[c].push(Output::Rich {
            mime,
            content: content.join("\n"),
        });
    }
    flush_result(&mut cap.outputs, current, &mut result_text);

    let mut current: Option<usize> = None;
    let mut panic_lines: Option<(String, Vec<&str>)> = None;
    for raw in stderr.split_inclusive('\n') {
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        if let Some((_, message)) = panic_lines.as_mut() {
            message.push(line);
            continue;
        }
        if let Some(rest) = line.strip_prefix(MARKER) {
            if let Some(n) = rest
                .strip_prefix(" cell ")
                .and_then(|n| n.parse::<usize>().ok())
            {
                current = (1..=cells).contains(&n).then_some(n - 1);
            } else if let Some(place) = rest.strip_prefix(" panic ") {
                panic_lines = Some((place.to_string(), Vec::new()));
            } else if rest == " error" {
                cap.error = true;
            }
            continue;
        }
        if let Some(c) = current {
            cap.stderr[c].push_str(raw);
        }
    }
    if let Some((place, message)) = panic_lines {
        let mut parts = place.rsplitn(3, ':');
        let column = parts.next().and_then(|c| c.parse().ok()).unwrap_or(0);
        let line = parts.next().and_then(|l| l.parse().ok()).unwrap_or(0);
        let file = parts.next().unwrap_or_default().to_string();
        cap.panic = Some(Panic {
            file,
            line,
            column,
            message: message.join("\n"),
        });
    }
    cap
}

/// Adds printed text to the current cell: plain text, or the displayed value's text.
fn push_text(
    outputs: &mut [Vec<Output>],
    current: Option<usize>,
    in_result: bool,
    result: &mut String,
    text: &str,
) {
    let Some(c) = current.filter(|_| !text.is_empty()) else {
        return;
    };
    if in_result {
        result.push_str(text);
    } else if let Some(Output::Text(last)) = outputs[c].last_mut() {
        last.push_str(text);
    } else {
        outputs[c].push(Output::Text(text.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Output {
        Output::Text(s.into())
    }

    fn rich(mime: &str, content: &str) -> Output {
        Output::Rich {
            mime: mime.into(),
            content: content.into(),
        }
    }

    #[test]
    fn outputs_are_split_per_cell() {
        let m = MARKER;
        let stdout = format!(
            "{m} cell 1\nhello\nworld\n{m} cell 2\nEVCXR_BEGIN_CONTENT text/html\n<b>\nx</b>\nEVCXR_END_CONTENT\nafter\n\
             {m} result\n42\n{m} cell 3\npartial{m} cell 4\n{m} result\nEVCXR_BEGIN_CONTENT image/svg+xml\n<svg/>\nEVCXR_END_CONTENT\n{m} done\n"
        );
        let cap = split(&stdout, "", 4);
        assert_eq!(cap.outputs[0], vec![text("hello\nworld\n")]);
        assert_eq!(
            cap.outputs[1],
            vec![
                rich("text/html", "<b>\nx</b>"),
                text("after\n"),
                rich("text/plain", "42")
            ]
        );
        assert_eq!(cap.outputs[2], vec![text("partial")]);
        assert_eq!(cap.outputs[3], vec![rich("image/svg+xml", "<svg/>")]);
        assert!(cap.done);
        assert_eq!(cap.last_cell, 4);
    }

    #[test]
    fn panics_and_errors_are_found_on_stderr() {
        let m = MARKER;
        let stderr = format!(
            "{m} cell 1\nwarning: x\n{m} cell 2\n{m} panic src/a.rs:12:5\nboom\nsecond line\n"
        );
        let cap = split(&format!("{m} cell 1\n{m} cell 2\n"), &stderr, 3);
        assert_eq!(cap.stderr[0], "warning: x\n");
        assert_eq!(cap.last_cell, 2);
        assert!(!cap.done);
        assert_eq!(
            cap.panic,
            Some(Panic {
                file: "src/a.rs".into(),
                line: 12,
                column: 5,
                message: "boom\nsecond line".into()
            })
        );
        let cap = split("", &format!("{m} cell 1\nbad number\n{m} error\n"), 1);
        assert!(cap.error);
        assert_eq!(cap.stderr[0], "bad number\n");
    }

    #[test]
    fn the_source_escape_is_the_marker() {
        assert_eq!(marker_escape!().replace("\\u{1e}", "\u{1e}"), MARKER);
    }
}
