//! The language of labels in figures and tables. Lesson cells are the same code in
//! Korean and English; a label written `t("지연 시간", "latency")` shows in the
//! language the notebook (or the book page) was made for.

use std::sync::atomic::{AtomicU8, Ordering};

/// A language of the lessons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    /// 한국어
    Ko,
    /// English
    En,
}

impl Lang {
    /// Both languages, Korean first.
    pub const ALL: [Lang; 2] = [Lang::Ko, Lang::En];

    /// The language code: `ko` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ko => "ko",
            Lang::En => "en",
        }
    }

    /// The language for a code (`ko`, `en`), if it is one of ours.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "ko" => Some(Lang::Ko),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

static CURRENT: AtomicU8 = AtomicU8::new(1);

/// Sets the language of labels from now on (the first cell of every notebook does this).
pub fn set_lang(lang: Lang) {
    CURRENT.store(matches!(lang, Lang::En) as u8, Ordering::Relaxed);
}

/// The language labels are in now (English until [`set_lang`] is called).
pub fn lang() -> Lang {
    if CURRENT.load(Ordering::Relaxed) == 0 { Lang::Ko } else { Lang::En }
}

/// Picks the label for the current language.
pub fn t<'a>(ko: &'a str, en: &'a str) -> &'a str {
    match lang() {
        Lang::Ko => ko,
        Lang::En => en,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_the_language() {
        assert_eq!(Lang::from_code("ko"), Some(Lang::Ko));
        assert_eq!(Lang::from_code("fr"), None);
        set_lang(Lang::Ko);
        assert_eq!(t("지연", "latency"), "지연");
        set_lang(Lang::En);
        assert_eq!(t("지연", "latency"), "latency");
    }
}
