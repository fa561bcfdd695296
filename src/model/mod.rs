//! The parts of the architecture, composable into the topologies of the chapter.

pub mod hashing;
pub mod queue;
pub mod sharding;
