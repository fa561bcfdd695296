//! The lesson runner: one lesson source becomes notebooks and the book.
//! (Compiled only with the `runner` feature.)
//!
//! Stages, each in its own module: [`lesson`] parses `lessons/NN-slug/{ko,en}.md` into the
//! [`document`] model; [`parity`] checks that both languages have the same cells;
//! [`program`] turns a lesson's cells into one Rust program and [`project`] puts the
//! programs in a cargo project; [`compile`] builds them and explains compile errors;
//! [`execute`] runs them and [`capture`] splits their output per cell; [`cache`] keeps
//! outputs of lessons that did not change; [`notebook`] writes the notebooks;
//! [`exercises`] reads each lesson's exercises and checks
//! them with `cargo test`; [`pipeline`] puts the stages together, [`book`] renders the pages and builds the site
//! (and serves it), [`verify`] runs the notebooks in a real Jupyter; and [`cli`] is the
//! command line.

pub mod book;
pub mod cache;
pub mod capture;
pub mod cli;
pub mod compile;
pub mod document;
pub mod execute;
pub mod exercises;
pub mod failure;
pub mod files;
pub mod kernel;
pub mod lesson;
pub mod notebook;
pub mod parity;
pub mod pipeline;
pub mod program;
pub mod progress;
pub mod project;
pub mod verify;
