//! The exercises of lesson 03 (`lessons/03-scaling`).

#[cfg_attr(feature = "solutions", path = "../solutions/availability.rs")]
#[cfg_attr(not(feature = "solutions"), path = "availability.rs")]
pub mod availability;

#[cfg_attr(feature = "solutions", path = "../solutions/servers_needed.rs")]
#[cfg_attr(not(feature = "solutions"), path = "servers_needed.rs")]
pub mod servers_needed;
