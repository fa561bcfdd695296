//! The exercises of lesson 09 (`lessons/09-data-centers`).

#[cfg_attr(feature = "solutions", path = "../solutions/geo_route.rs")]
#[cfg_attr(not(feature = "solutions"), path = "geo_route.rs")]
pub mod geo_route;

#[cfg_attr(feature = "solutions", path = "../solutions/survivor_capacity.rs")]
#[cfg_attr(not(feature = "solutions"), path = "survivor_capacity.rs")]
pub mod survivor_capacity;
