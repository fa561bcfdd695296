//! The exercises of lesson 02 (`lessons/02-database`).

#[cfg_attr(feature = "solutions", path = "../solutions/bottleneck.rs")]
#[cfg_attr(not(feature = "solutions"), path = "bottleneck.rs")]
pub mod bottleneck;

#[cfg_attr(feature = "solutions", path = "../solutions/keyset.rs")]
#[cfg_attr(not(feature = "solutions"), path = "keyset.rs")]
pub mod keyset;
