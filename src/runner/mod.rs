//! The lesson runner: one lesson source becomes notebooks and a book.
//! (Compiled only with the `runner` feature.)

pub mod book;
pub mod document;
pub mod kernel;
