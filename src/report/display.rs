//! How a value shows itself as a cell's output, the same way in evcxr and in the
//! runner's native execution.
//!
//! evcxr displays a cell's last expression by calling its `evcxr_display` method if it
//! has one, and otherwise prints its `Debug` form as `text/plain`. Rich content is
//! printed to stdout between `EVCXR_BEGIN_CONTENT <mime>` and `EVCXR_END_CONTENT`.
//! The runner captures stdout natively, so a cell's output is the same bytes in both.
//!
//! For native execution, the runner rewrites a cell's last expression `e` into
//! `{ use scale_lab::report::display::{ShowRich, ShowDebug}; (&e).scale_lab_show(); }`
//! (autoref specialisation: [`Rich`] values show richly, other `Debug` values as text).

use std::fmt::Debug;
use std::io::Write;

/// Prints `content` as rich output of type `mime` (for example `text/html`).
pub fn emit(mime: &str, content: &str) {
    let mut out = std::io::stdout().lock();
    // A closed stdout is not worth a panic in a notebook.
    let _ = write!(
        out,
        "EVCXR_BEGIN_CONTENT {mime}\n{content}\nEVCXR_END_CONTENT\n"
    );
    let _ = out.flush();
}

/// A value with rich output. Types that implement it also have an inherent
/// `evcxr_display` method that calls [`Rich::show`], which is what evcxr looks for.
pub trait Rich {
    /// Prints the value as rich output (see [`emit`]).
    fn show(&self);
}

/// The first choice of the runner's rewrite: rich output for [`Rich`] values.
pub trait ShowRich {
    /// Shows the value richly.
    fn scale_lab_show(&self);
}

impl<T: Rich + ?Sized> ShowRich for T {
    fn scale_lab_show(&self) {
        self.show();
    }
}

/// The fallback of the runner's rewrite: `Debug` as `text/plain`, as evcxr does.
pub trait ShowDebug {
    /// Prints the value's `Debug` form on its own line, unless it is `()`.
    fn scale_lab_show(&self);
}

impl<T: Debug + ?Sized> ShowDebug for &T {
    fn scale_lab_show(&self) {
        let text = format!("{:?}", *self);
        if text != "()" {
            println!("{text}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fancy;
    impl Rich for Fancy {
        fn show(&self) {
            emit("text/html", "<b>fancy</b>");
        }
    }

    #[derive(Debug)]
    struct Both;
    impl Rich for Both {
        fn show(&self) {
            emit("text/plain", "rich");
        }
    }

    #[test]
    // The borrow is the dispatch (autoref specialisation): removing it, as clippy
    // suggests, would change which trait's method runs.
    #[allow(clippy::needless_borrow)]
    fn autoref_picks_rich_first_and_debug_otherwise() {
        // Exactly the rewrite the runner generates; a Rich + Debug type must go rich.
        // (Which impl ran is checked by the runner's capture tests; here: it compiles
        // and dispatches for rich-only, debug-only and both.)
        let fancy = Fancy;
        (&fancy).scale_lab_show();
        (&Both).scale_lab_show();
        (&42).scale_lab_show();
        (&"text").scale_lab_show();
    }
}
