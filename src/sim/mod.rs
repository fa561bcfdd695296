//! The discrete-event simulation engine: clock and event queue, seeded random numbers,
//! distributions, arrival processes, multi-server stations, metrics and sweeps.
