//! Numbers and text as tables and figures print them: readable, and the same bytes
//! every time (no `0.30000000000000004`).

/// How many significant digits a table cell or a label keeps.
const SIGNIFICANT: i32 = 4;

/// Formats a number for people: 4 significant digits, trailing zeros dropped, thousands
/// separated by commas, scientific notation only for the very small or very large.
///
/// `1234.5678` → `1,235`; `0.012345` → `0.01235`; `2.50` → `2.5`; `1e-7` → `1e-7`.
pub fn format_number(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_string();
    }
    if value.is_infinite() {
        return if value > 0.0 { "∞" } else { "-∞" }.to_string();
    }
    if value == 0.0 {
        return "0".to_string();
    }
    let magnitude = value.abs().log10().floor() as i32;
    if !(-4..15).contains(&magnitude) {
        return scientific(value);
    }
    let decimals = (SIGNIFICANT - 1 - magnitude).max(0) as usize;
    group_thousands(&trim_zeros(format!("{value:.decimals$}")))
}

/// A whole number with thousands separators: `1234567` → `1,234,567`.
pub(crate) fn format_integer(digits: impl ToString) -> String {
    group_thousands(&digits.to_string())
}

/// `1.23e-7` style, 3 significant digits, trailing zeros dropped.
fn scientific(value: f64) -> String {
    let text = format!("{value:.2e}");
    match text.split_once('e') {
        Some((mantissa, exponent)) => format!("{}e{exponent}", trim_zeros(mantissa.to_string())),
        None => text,
    }
}

/// Drops trailing zeros after a decimal point (`2.500` → `2.5`, `3.000` → `3`), and turns
/// a negative zero (`-0.0`) into `0`.
pub(crate) fn trim_zeros(text: String) -> String {
    let trimmed = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    if trimmed == "-0" {
        "0".to_string()
    } else {
        trimmed
    }
}

/// Inserts a comma every three digits of the integer part of a formatted number.
pub(crate) fn group_thousands(text: &str) -> String {
    let (sign, rest) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (rest, None),
    };
    let mut grouped = String::with_capacity(text.len() + int.len() / 3);
    grouped.push_str(sign);
    for (i, digit) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if let Some(frac) = frac {
        grouped.push('.');
        grouped.push_str(frac);
    }
    grouped
}

/// Escapes text for XML and HTML content and attribute values (`&`, `<`, `>`, `"`, `'`).
pub(crate) fn escape_xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_four_significant_digits() {
        assert_eq!(format_number(1234.5678), "1,235");
        assert_eq!(format_number(12.345678), "12.35");
        assert_eq!(format_number(0.012345), "0.01235");
        assert_eq!(format_number(0.1 + 0.2), "0.3");
        assert_eq!(format_number(2.5), "2.5");
        assert_eq!(format_number(-3.0), "-3");
        assert_eq!(format_number(1_234_567.0), "1,234,567");
        assert_eq!(format_number(-98_765.4), "-98,765");
        assert_eq!(format_number(0.0), "0");
        assert_eq!(format_number(-0.0), "0");
        assert_eq!(format_number(-0.00001), "-1e-5");
        assert_eq!(format_number(1.5e-7), "1.5e-7");
        assert_eq!(format_number(2.0e20), "2e20");
        assert_eq!(format_number(9.99996), "10");
        assert_eq!(format_number(f64::NAN), "NaN");
        assert_eq!(format_number(f64::INFINITY), "∞");
    }

    #[test]
    fn integers_are_grouped() {
        assert_eq!(format_integer(0), "0");
        assert_eq!(format_integer(999), "999");
        assert_eq!(format_integer(1000), "1,000");
        assert_eq!(format_integer(-1_234_567i64), "-1,234,567");
    }

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            escape_xml(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape_xml("지연 시간"), "지연 시간");
    }
}
