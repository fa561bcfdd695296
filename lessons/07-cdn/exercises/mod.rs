//! The exercises of lesson 07 (`lessons/07-cdn`).

#[cfg_attr(feature = "solutions", path = "../solutions/versioned_url.rs")]
#[cfg_attr(not(feature = "solutions"), path = "versioned_url.rs")]
pub mod versioned_url;

#[cfg_attr(feature = "solutions", path = "../solutions/hit_accounting.rs")]
#[cfg_attr(not(feature = "solutions"), path = "hit_accounting.rs")]
pub mod hit_accounting;
