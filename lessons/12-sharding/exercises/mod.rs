//! The exercises of lesson 12 (`lessons/12-sharding`).

#[cfg_attr(feature = "solutions", path = "../solutions/ring.rs")]
#[cfg_attr(not(feature = "solutions"), path = "ring.rs")]
pub mod ring;

#[cfg_attr(feature = "solutions", path = "../solutions/range_router.rs")]
#[cfg_attr(not(feature = "solutions"), path = "range_router.rs")]
pub mod range_router;
