//! The exercises of lesson 11 (`lessons/11-observability`).

#[cfg_attr(feature = "solutions", path = "../solutions/bucket_percentile.rs")]
#[cfg_attr(not(feature = "solutions"), path = "bucket_percentile.rs")]
pub mod bucket_percentile;

#[cfg_attr(feature = "solutions", path = "../solutions/counter_rate.rs")]
#[cfg_attr(not(feature = "solutions"), path = "counter_rate.rs")]
pub mod counter_rate;
