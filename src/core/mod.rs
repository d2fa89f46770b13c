//! The sans-IO core: every rule of the SDK in plain Rust, with no web-sys and no clock.
//!
//! - [`machine`]: the connection manager state machine that ties the parts together;
//! - [`protocol`]: the Calimero and json codecs, over the zero-copy [`json_reader`];
//! - [`batcher`]: bursts of state frames folded into batches;
//! - [`refresh`]: event kinds to refresh flags;
//! - [`backoff`]: reconnect delays with full jitter;
//! - [`send_queue`]: the bounded offline send queue;
//! - [`sequence`]: `seq` gap and duplicate detection;
//! - [`latency`], [`alerts`], [`health`]: latency windows, clock offset, degradation
//!   alerts, connection quality and health;
//! - [`options`]: defaults, profiles, validation;
//! - [`errors`], [`stats`]: what is reported to the app.

pub mod alerts;
pub mod backoff;
pub mod batcher;
pub mod errors;
pub mod health;
pub mod json_reader;
pub mod latency;
pub mod machine;
pub mod options;
pub mod protocol;
pub mod refresh;
pub mod send_queue;
pub mod sequence;
pub mod stats;
pub mod text;
