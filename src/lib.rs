//! scale-lab: a deterministic discrete-event simulator of the architecture in
//! "Scale from zero to millions of users" (System Design Interview, chapter 1), with
//! tables and figures that display themselves in evcxr notebooks and in the book.
//!
//! Layering: [`sim`] ← [`model`] ← `lessons` ← `runner`; nothing lower imports
//! anything higher. Same seed, same numbers, same bytes.

#![warn(missing_docs)]

pub mod error;
pub mod lang;
pub mod lessons;
pub mod model;
pub mod report;
#[cfg(feature = "runner")]
pub mod runner;
pub mod sim;

pub use error::{Error, Result};
pub use lang::{Lang, lang, set_lang, t};
