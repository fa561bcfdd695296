//! The exercises of lesson 06 (`lessons/06-cache`).

#[cfg_attr(feature = "solutions", path = "../solutions/lru.rs")]
#[cfg_attr(not(feature = "solutions"), path = "lru.rs")]
pub mod lru;

#[cfg_attr(feature = "solutions", path = "../solutions/ttl.rs")]
#[cfg_attr(not(feature = "solutions"), path = "ttl.rs")]
pub mod ttl;
