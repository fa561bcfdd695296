//! The discrete-event simulation engine: clock and event queue, seeded random numbers,
//! distributions, arrival processes, multi-server stations, metrics and sweeps.
//!
//! Time is in seconds (`f64`). A model owns an [`EventQueue`] of its own event type,
//! one or more [`Station`]s, and a [`SimRng`]; [`OpenQueue`] is the smallest complete
//! model and the benchmark of the engine.

pub mod arrivals;
pub mod dist;
pub mod events;
pub mod metrics;
pub mod open_queue;
pub mod rng;
pub mod station;
pub mod sweep;
pub mod theory;

pub use arrivals::Arrivals;
pub use dist::{Dist, Zipf};
pub use events::EventQueue;
pub use metrics::{Counters, LatencyHistogram, LatencySeries, TimeSeries};
pub use open_queue::{OpenQueue, QueueReport};
pub use rng::{SimRng, derive_seed};
pub use station::{Admission, Start, Station, StationStats};
pub use sweep::sweep;
