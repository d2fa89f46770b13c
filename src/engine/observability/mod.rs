//! What the app can watch: [`latency`] windows and the clock offset, latency
//! [`alerts`] with hysteresis, connection [`health`] and quality, the counters of
//! [`stats`] and their JSON [`snapshot`].

pub mod alerts;
pub mod health;
pub mod latency;
pub mod snapshot;
pub(crate) mod stats;
