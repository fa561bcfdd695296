//! What went wrong with one lesson, said so that its author can find the line.

use std::fmt;

use crate::lang::Lang;

/// The stage at which a lesson failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading its markdown (front matter, fences, a missing page).
    Parse,
    /// The Korean and English pages do not have the same cells.
    Parity,
    /// Its cells do not compile (the same code for both languages).
    Compile,
    /// A cell panicked, returned an error through `?`, or the program stopped early.
    Run,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Parse => "parse",
            Stage::Parity => "parity",
            Stage::Compile => "compile",
            Stage::Run => "run",
        })
    }
}

/// One failure of one lesson. The other lessons go on.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The lesson's id, `NN-slug`.
    pub lesson: String,
    /// Where it failed.
    pub stage: Stage,
    /// The language whose run failed (`None`: both, or not language-specific).
    pub lang: Option<Lang>,
    /// The 1-based cell number, when the failure is in a cell.
    pub cell: Option<usize>,
    /// The full explanation: files, lines, the compiler's or the panic's message.
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "lesson {} ({}", self.lesson, self.stage)?;
        if let Some(lang) = self.lang {
            write!(f, ", {}", lang.code())?;
        }
        if let Some(cell) = self.cell {
            write!(f, ", cell {cell}")?;
        }
        write!(f, "): {}", self.message)
    }
}
