//! The exercises of lesson 04 (`lessons/04-load-balancer`).

#[cfg_attr(feature = "solutions", path = "../solutions/least_connections.rs")]
#[cfg_attr(not(feature = "solutions"), path = "least_connections.rs")]
pub mod least_connections;

#[cfg_attr(feature = "solutions", path = "../solutions/two_choices.rs")]
#[cfg_attr(not(feature = "solutions"), path = "two_choices.rs")]
pub mod two_choices;
