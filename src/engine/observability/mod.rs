//! What the app can watch: [`latency`] windows and the clock offset, latency
//! [`alerts`] with hysteresis, connection [`health`] and quality, the counters of
//! [`stats`] (their JSON
//! snapshot is written by the machine: `machine::snapshot`).

pub mod alerts;
pub mod health;
pub mod latency;
pub(crate) mod stats;
