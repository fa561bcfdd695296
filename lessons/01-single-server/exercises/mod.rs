//! The exercises of lesson 01 (`lessons/01-single-server`).

#[cfg_attr(feature = "solutions", path = "../solutions/littles_law.rs")]
#[cfg_attr(not(feature = "solutions"), path = "littles_law.rs")]
pub mod littles_law;

#[cfg_attr(feature = "solutions", path = "../solutions/max_users.rs")]
#[cfg_attr(not(feature = "solutions"), path = "max_users.rs")]
pub mod max_users;
