//! The parts of the architecture, composable into the topologies of the chapter.

pub mod balancer;
pub mod cache;
pub mod cdn;
pub mod cluster;
pub mod database;
pub mod datacenter;
pub mod dns;
pub mod failure;
pub mod hashing;
pub mod load;
pub mod queue;
pub mod region;
pub mod replication;
pub mod sessions;
pub mod sharding;
pub mod topology;
pub mod web;
