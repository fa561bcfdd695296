//! The exercises of lesson 08 (`lessons/08-stateless`).

#[cfg_attr(feature = "solutions", path = "../solutions/session_store.rs")]
#[cfg_attr(not(feature = "solutions"), path = "session_store.rs")]
pub mod session_store;

#[cfg_attr(feature = "solutions", path = "../solutions/autoscaler.rs")]
#[cfg_attr(not(feature = "solutions"), path = "autoscaler.rs")]
pub mod autoscaler;
