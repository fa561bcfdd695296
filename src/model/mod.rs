//! The parts of the architecture, composable into the topologies of the chapter.

pub mod cdn;
pub mod datacenter;
pub mod hashing;
pub mod region;
