//! The exercises of lesson 13 (`lessons/13-millions`).

#[cfg_attr(feature = "solutions", path = "../solutions/capacity_plan.rs")]
#[cfg_attr(not(feature = "solutions"), path = "capacity_plan.rs")]
pub mod capacity_plan;

#[cfg_attr(feature = "solutions", path = "../solutions/bottleneck.rs")]
#[cfg_attr(not(feature = "solutions"), path = "bottleneck.rs")]
pub mod bottleneck;
