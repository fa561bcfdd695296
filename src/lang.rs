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

/// The environment variable that carries the language across evcxr cells.
///
/// evcxr compiles every cell into a library of its own, each with its own copy of this
/// crate's statics, so a static set in the first cell is not seen by the next one. The
/// process environment is shared by all cells.
pub const LANG_VAR: &str = "SCALE_LAB_LANG";

static CURRENT: AtomicU8 = AtomicU8::new(1);

/// Sets the language of labels from now on (the first cell of every notebook does this).
pub fn set_lang(lang: Lang) {
    CURRENT.store(matches!(lang, Lang::En) as u8, Ordering::Relaxed);
    if std::env::var(LANG_VAR).ok().as_deref() != Some(lang.code()) {
        // SAFETY: the standard library serialises its own environment reads and writes;
        // nothing in this crate or its dependencies reads the environment from C code on
        // another thread while a notebook's first cell (or a lesson's start) sets it.
        unsafe { std::env::set_var(LANG_VAR, lang.code()) };
    }
}

/// The language labels are in now: the one [`set_lang`] last chose (in any evcxr cell),
/// else `SCALE_LAB_LANG` if the environment sets it, else English.
pub fn lang() -> Lang {
    match std::env::var(LANG_VAR)
        .ok()
        .as_deref()
        .and_then(Lang::from_code)
    {
        Some(lang) => lang,
        None if CURRENT.load(Ordering::Relaxed) == 0 => Lang::Ko,
        None => Lang::En,
    }
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

        // A later evcxr cell has fresh statics but the same process environment.
        set_lang(Lang::Ko);
        assert_eq!(std::env::var(LANG_VAR).as_deref(), Ok("ko"));
        CURRENT.store(1, Ordering::Relaxed); // what a fresh copy of the static holds
        assert_eq!(lang(), Lang::Ko);
        set_lang(Lang::En);
        assert_eq!(std::env::var(LANG_VAR).as_deref(), Ok("en"));
    }
}
