//! The exercises of scale-lab: in each lesson's `exercises/` directory, a file per
//! exercise starts as a stub (`todo!()` under a doc comment that states the task), and
//! its reference solution lives in the lesson's `solutions/` directory. The tests of an
//! exercise are in the lesson's `checks/` directory; both the stub and the solution
//! include them.
//!
//! - `cargo test` (at the repository's root) checks the reference solutions: the
//!   `solutions` feature is on by default.
//! - `cargo run -- exercises` checks *your* files: it runs
//!   `cargo test -p scale-lab-exercises --no-default-features` and reports every exercise
//!   as passed, failed or not started, with the hint for the first one that fails.
//!
//! Nothing here is ever rewritten by a command: your edits are yours.

#![cfg_attr(not(feature = "solutions"), allow(unused))]

#[path = "../lessons/06-cache/exercises/mod.rs"]
pub mod cache;
#[path = "../lessons/07-cdn/exercises/mod.rs"]
pub mod cdn;
#[path = "../lessons/09-data-centers/exercises/mod.rs"]
pub mod data_centers;
#[path = "../lessons/02-database/exercises/mod.rs"]
pub mod database;
#[path = "../lessons/04-load-balancer/exercises/mod.rs"]
pub mod load_balancer;
#[path = "../lessons/10-message-queue/exercises/mod.rs"]
pub mod message_queue;
#[path = "../lessons/13-millions/exercises/mod.rs"]
pub mod millions;
#[path = "../lessons/11-observability/exercises/mod.rs"]
pub mod observability;
#[path = "../lessons/05-replication/exercises/mod.rs"]
pub mod replication;
#[path = "../lessons/03-scaling/exercises/mod.rs"]
pub mod scaling;
#[path = "../lessons/12-sharding/exercises/mod.rs"]
pub mod sharding;
#[path = "../lessons/01-single-server/exercises/mod.rs"]
pub mod single_server;
#[path = "../lessons/00-start/exercises/mod.rs"]
pub mod start;
#[path = "../lessons/08-stateless/exercises/mod.rs"]
pub mod stateless;
