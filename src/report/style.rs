//! The house style of every figure: one colour-blind-safe palette, one font list that
//! covers Korean, one set of sizes, and an estimate of how wide a label will be.
//!
//! Figures draw their own light, rounded panel, so they read the same on a light or a
//! dark page.

use plotters::style::{FontDesc, FontFamily, FontStyle, RGBColor};

/// Series colours: the Okabe–Ito palette (safe for the common colour-vision
/// deficiencies), without its yellow, which is too pale on a light panel. A figure with
/// more series than colours starts again from the first.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0x00, 0x00, 0x00), // black
];

/// The colour of the `index`-th series.
pub fn series_color(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

/// Fonts, in order of preference: Korean-capable sans-serif fonts on Linux, macOS and
/// Windows, then the browser's default sans-serif. The SVG writer escapes the quotes.
pub const FONT_FAMILY: &str =
    "'Noto Sans KR', 'Noto Sans CJK KR', 'Apple SD Gothic Neo', 'Malgun Gothic', sans-serif";

/// The panel behind the figure.
pub(crate) const PANEL: RGBColor = RGBColor(0xFF, 0xFF, 0xFF);
/// The thin border of the panel (it separates the figure from a white page).
pub(crate) const PANEL_BORDER: RGBColor = RGBColor(0xD0, 0xD7, 0xDE);
/// Titles, labels and tick labels.
pub(crate) const INK: RGBColor = RGBColor(0x1F, 0x23, 0x28);
/// Subtitles and annotations.
pub(crate) const MUTED: RGBColor = RGBColor(0x57, 0x60, 0x6A);
/// Grid lines.
pub(crate) const GRID: RGBColor = RGBColor(0xE3, 0xE7, 0xEB);
/// Axis base lines and event markers.
pub(crate) const AXIS: RGBColor = RGBColor(0x8C, 0x95, 0x9F);

/// A kind of text: its size in SVG pixels, weight and colour.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TextKind {
    pub px: f64,
    pub bold: bool,
    pub color: RGBColor,
}

impl TextKind {
    /// The estimated width of `text` in this kind.
    pub fn width(&self, text: &str) -> f64 {
        text_width(text, self.px, self.bold)
    }

    /// The height of one line of this kind.
    pub fn line_height(&self) -> f64 {
        self.px * LINE_HEIGHT
    }
}

/// The figure's title.
pub(crate) const TITLE: TextKind = TextKind {
    px: 17.0,
    bold: true,
    color: INK,
};
/// The line under the title.
pub(crate) const SUBTITLE: TextKind = TextKind {
    px: 12.5,
    bold: false,
    color: MUTED,
};
/// The name of an axis.
pub(crate) const AXIS_TITLE: TextKind = TextKind {
    px: 12.5,
    bold: false,
    color: INK,
};
/// Tick labels.
pub(crate) const TICK: TextKind = TextKind {
    px: 12.0,
    bold: false,
    color: MUTED,
};
/// Series names in the legend.
pub(crate) const LEGEND: TextKind = TextKind {
    px: 12.5,
    bold: false,
    color: INK,
};
/// Notes inside the plot: window labels, values on bars and cells.
pub(crate) const NOTE: TextKind = TextKind {
    px: 11.0,
    bold: false,
    color: MUTED,
};

/// Line height as a multiple of the font size.
pub(crate) const LINE_HEIGHT: f64 = 1.3;
/// Space between the panel's edge and anything drawn on it.
pub(crate) const PAD: f64 = 16.0;
/// Width of a data line.
pub(crate) const STROKE: u32 = 2;
/// Radius of a point marker.
pub(crate) const MARKER_RADIUS: f64 = 3.5;

/// Default figure size in pixels (fits a notebook cell and a book page).
pub const DEFAULT_SIZE: (u32, u32) = (720, 440);

/// The plotters font of `px` SVG pixels.
///
/// plotters writes `font-size` as its own size divided by 1.24; this picks the plotters
/// size whose quotient prints exactly `px` (so `12.5` and not `12.500000000000002`).
/// A few sizes (13, 13.5, 15) have no such plotters size: the house sizes avoid them.
pub(crate) fn font(px: f64, bold: bool) -> FontDesc<'static> {
    let scaled = px * 1.24;
    let (mut up, mut down) = (scaled, scaled);
    let mut size = scaled;
    for _ in 0..8 {
        if let Some(exact) = [up, down].into_iter().find(|s| s / 1.24 == px) {
            size = exact;
            break;
        }
        (up, down) = (up.next_up(), down.next_down());
    }
    let style = if bold {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    FontDesc::new(FontFamily::Name(FONT_FAMILY), size, style)
}

/// Estimated width in pixels of `text` at `px` pixels.
///
/// There is no font at drawing time (the browser draws the text), and plotters' own
/// estimate counts UTF-8 bytes, which makes a Hangul syllable (3 bytes) look twice as
/// wide as it is. This estimate uses Helvetica-like widths for ASCII and about an em for
/// Hangul and CJK, rounded up a little so that labels never collide.
pub(crate) fn text_width(text: &str, px: f64, bold: bool) -> f64 {
    let ems: f64 = text.chars().map(char_width).sum();
    ems * px * if bold { 1.1 } else { 1.04 }
}

/// The advance width of one character, in ems.
fn char_width(c: char) -> f64 {
    match c {
        ' ' | '!' | ',' | '.' | '/' | ':' | ';' | '[' | ']' | '\\' | 'f' | 't' | 'I' => 0.28,
        'i' | 'j' | 'l' | '\'' | '|' => 0.23,
        '(' | ')' | '-' | '`' | 'r' | '{' | '}' | '"' | '*' => 0.35,
        '0'..='9' | '$' | '#' | '?' | '_' | 'L' => 0.57,
        'a'..='z' => match c {
            'm' => 0.85,
            'w' => 0.74,
            'c' | 'k' | 's' | 'v' | 'x' | 'y' | 'z' => 0.5,
            _ => 0.57,
        },
        'A'..='Z' => match c {
            'M' => 0.85,
            'W' => 0.95,
            'J' => 0.5,
            'C' | 'D' | 'G' | 'H' | 'N' | 'O' | 'Q' | 'R' | 'U' => 0.75,
            _ => 0.68,
        },
        '%' | '@' => 0.9,
        '&' => 0.68,
        '+' | '<' | '=' | '>' | '~' | '^' => 0.6,
        // Hangul, CJK, full-width forms and symbols: about one em (0.92 in Noto Sans
        // CJK KR, measured; a little more for the other fonts of the list).
        '\u{1100}'..='\u{11FF}'
        | '\u{2E80}'..='\u{A4CF}'
        | '\u{AC00}'..='\u{D7AF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FE30}'..='\u{FE4F}'
        | '\u{FF00}'..='\u{FFEF}' => 0.95,
        _ => 0.65,
    }
}

/// Splits `text` into lines no wider than `width` at `px` pixels, at spaces. A single
/// word wider than `width` gets a line of its own.
pub(crate) fn wrap(text: &str, px: f64, bold: bool, width: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if !line.is_empty() && text_width(&candidate, px, bold) > width {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn font_sizes_print_exactly() {
        for px in [TITLE, SUBTITLE, AXIS_TITLE, TICK, LEGEND, NOTE].map(|k| k.px) {
            let size = font(px, false).get_size();
            assert_eq!(format!("{}", size / 1.24), format!("{px}"));
        }
    }

    #[test]
    fn hangul_is_one_em_and_latin_narrower() {
        let hangul = text_width("지연시간", 10.0, false);
        assert!((hangul - 4.0 * 0.95 * 10.0 * 1.04).abs() < 1e-9, "{hangul}");
        let latin = text_width("latency", 10.0, false);
        assert!(latin > 25.0 && latin < 45.0, "{latin}");
        assert!(text_width("MW", 10.0, true) > text_width("MW", 10.0, false));
    }

    #[test]
    fn wrap_breaks_at_spaces_within_the_width() {
        let lines = wrap("서버 수에 따른 응답 시간의 변화", 17.0, true, 120.0);
        assert!(lines.len() > 1);
        for line in &lines {
            assert!(text_width(line, 17.0, true) <= 120.0 || !line.contains(' '));
        }
        assert_eq!(lines.join(" "), "서버 수에 따른 응답 시간의 변화");
        assert_eq!(wrap("short", 12.0, false, 500.0), vec!["short".to_string()]);
    }
}
