//! The exercises of lesson 10 (`lessons/10-message-queue`).

#[cfg_attr(feature = "solutions", path = "../solutions/idempotent_account.rs")]
#[cfg_attr(not(feature = "solutions"), path = "idempotent_account.rs")]
pub mod idempotent_account;

#[cfg_attr(feature = "solutions", path = "../solutions/workers_for_drain.rs")]
#[cfg_attr(not(feature = "solutions"), path = "workers_for_drain.rs")]
pub mod workers_for_drain;
