//! One module per lesson: the experiments its cells call, and the tests that keep the
//! numbers quoted in its prose true (each claim in `lessons/NN-slug/*.md` that a cell
//! prints is asserted here, so the prose cannot silently go stale).

pub mod cache;
pub mod cdn;
pub mod data_centers;
pub mod database;
pub mod load_balancer;
pub mod message_queue;
pub mod millions;
pub mod observability;
pub mod replication;
pub mod scaling;
pub mod sharding;
pub mod single_server;
pub mod start;
pub mod stateless;
