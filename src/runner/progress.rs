//! Progress bars for the long steps (indicatif), and notes printed around them. Quiet
//! (`--quiet`, for CI) shows no bars and no notes; warnings and errors always show.
//! Bars are drawn only on a terminal. Messages can be captured instead of printed
//! ([`Progress::capture`]), for tests and for programs that embed the runner.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Where the runner reports as it goes.
#[derive(Debug, Clone)]
pub struct Progress {
    multi: MultiProgress,
    quiet: bool,
    captured: Option<Arc<Mutex<String>>>,
}

impl Progress {
    /// Bars on stderr (when it is a terminal); notes too unless `quiet`.
    pub fn new(quiet: bool) -> Self {
        let target = if quiet {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        Progress {
            multi: MultiProgress::with_draw_target(target),
            quiet,
            captured: None,
        }
    }

    /// No bars; messages (notes too, unless `quiet`) are kept for [`Progress::captured`]
    /// instead of printed.
    pub fn capture(quiet: bool) -> Self {
        Progress {
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::hidden()),
            quiet,
            captured: Some(Arc::new(Mutex::new(String::new()))),
        }
    }

    /// The messages kept so far, one per line (empty unless made by [`Progress::capture`]).
    pub fn captured(&self) -> String {
        self.captured
            .as_ref()
            .map(|c| c.lock().unwrap_or_else(|e| e.into_inner()).clone())
            .unwrap_or_default()
    }

    /// No bars and no notes: warnings only (for tests and library use).
    pub fn quiet() -> Self {
        Progress::new(true)
    }

    /// A bar for `len` steps of a long job.
    pub fn bar(&self, len: u64, what: &str) -> ProgressBar {
        let bar = self.multi.add(ProgressBar::new(len));
        bar.set_style(
            ProgressStyle::with_template("{prefix:>10.bold} [{bar:30}] {pos}/{len} {wide_msg}")
                .expect("a valid template")
                .progress_chars("=> "),
        );
        bar.set_prefix(what.to_string());
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    }

    /// A spinner for a job of unknown length.
    pub fn spinner(&self, what: &str) -> ProgressBar {
        let bar = self.multi.add(ProgressBar::new_spinner());
        bar.set_style(
            ProgressStyle::with_template("{prefix:>10.bold} {spinner} {elapsed} {wide_msg}")
                .expect("a valid template"),
        );
        bar.set_prefix(what.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    }

    /// Prints a line about what happened (not when quiet).
    pub fn note(&self, text: &str) {
        if !self.quiet {
            self.print(text);
        }
    }

    /// Prints a warning (always).
    pub fn warn(&self, text: &str) {
        self.print(&format!("warning: {text}"));
    }

    /// Prints an error (always).
    pub fn error(&self, text: &str) {
        self.print(&format!("error: {text}"));
    }

    fn print(&self, text: &str) {
        match &self.captured {
            Some(kept) => {
                let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
                kept.push_str(text);
                kept.push('\n');
            }
            None => self.multi.suspend(|| eprintln!("{text}")),
        }
    }
}
