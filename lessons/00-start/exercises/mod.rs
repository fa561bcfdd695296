//! The exercises of lesson 00 (`lessons/00-start`).

#[cfg_attr(feature = "solutions", path = "../solutions/exponential.rs")]
#[cfg_attr(not(feature = "solutions"), path = "exponential.rs")]
pub mod exponential;

#[cfg_attr(feature = "solutions", path = "../solutions/lindley.rs")]
#[cfg_attr(not(feature = "solutions"), path = "lindley.rs")]
pub mod lindley;
