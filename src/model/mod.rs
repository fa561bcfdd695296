//! The parts of the architecture, composable into the topologies of the chapter.

pub mod hashing;
pub mod cache;
pub mod database;
pub mod replication;
