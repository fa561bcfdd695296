//! The exercises of lesson 05 (`lessons/05-replication`).

#[cfg_attr(feature = "solutions", path = "../solutions/ryw_router.rs")]
#[cfg_attr(not(feature = "solutions"), path = "ryw_router.rs")]
pub mod ryw_router;

#[cfg_attr(feature = "solutions", path = "../solutions/lost_writes.rs")]
#[cfg_attr(not(feature = "solutions"), path = "lost_writes.rs")]
pub mod lost_writes;
