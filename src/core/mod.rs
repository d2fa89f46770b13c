//! The sans-IO core: every rule of the SDK in plain Rust, with no web-sys and no clock.
//!
//! - [`machine`]: the connection manager state machine that ties the parts together;
//! - [`protocol`]: the Calimero and json codecs, over the zero-copy [`json_reader`];
//! - [`json_writer`], [`snapshot`]: structured values (the stats snapshot) as JSON text for JS;
//! - [`batcher`]: bursts of state frames folded into batches;
//! - [`refresh`]: event kinds to refresh flags;
//! - [`backoff`]: reconnect delays with full jitter;
//! - [`send_queue`]: the bounded offline send queue;
//! - [`sequence`]: `seq` gap and duplicate detection;
//! - [`latency`], [`alerts`], [`health`]: latency windows, clock offset, degradation
//!   alerts, connection quality and health;
//! - [`options`]: every option declared once (defaults, profiles, reading, checks);
//! - [`errors`], [`stats`]: what is reported to the app.

#[allow(unused_imports)]
use crate::prelude::*;

pub mod alerts;
pub mod backoff;
pub mod batcher;
pub mod errors;
pub mod float;
pub mod health;
pub mod json_reader;
pub mod json_writer;
pub mod latency;
pub mod machine;
pub mod options;
pub mod protocol;
pub mod refresh;
pub mod send_queue;
pub mod sequence;
pub mod snapshot;
pub mod stats;
pub mod text;
