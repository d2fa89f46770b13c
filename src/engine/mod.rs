//! The sans-IO engine: every rule of the SDK in plain Rust, with no web-sys and no clock.
//! Each input takes `now`; each part reports its next deadline.
//!
//! | folder | what lives there |
//! |---|---|
//! | [`machine`] | the state machine that ties the parts together, and its table of timers |
//! | [`protocols`] | the wire protocols behind one seam: [`protocols::calimero`], [`protocols::json`] |
//! | [`connection`] | connection states, reconnect backoff, the heartbeat |
//! | [`subscriptions`] | what is subscribed, the requests awaiting replies, `execute()` calls |
//! | [`delivery`] | batching, refresh flags, `seq` checks, the offline send queue |
//! | [`tabs`] | one socket for all tabs: who may share, a hung leader, the union of the tabs' subscriptions |
//! | [`observability`] | latency and clock offset, alerts, health, stats |
//! | [`options`] | every option declared once: defaults, profiles, reading, checks |
//! | [`json`] | JSON plumbing: the zero-copy reader, the writer |
//! | [`errors`], [`text`], [`float`], [`time`] | what is reported to the app, message text, the `f64` functions `no_std` lacks, typed instants |
//!
//! The public surface is what the native tests, the fuzz command and the benches drive:
//! the machine with its actions, options, errors and timers, the protocols' decoders and
//! the values they return, the JSON validator, and the latency, health and batch types
//! the machine hands out. Everything else is `pub(crate)` (`unreachable_pub` is denied
//! in this tree, so a new `pub` must be reachable on purpose).

#[allow(unused_imports)]
use crate::prelude::*;

pub(crate) mod connection;
pub mod delivery;
pub mod errors;
pub(crate) mod float;
pub mod json;
pub mod machine;
pub mod observability;
pub mod options;
pub mod protocols;
pub(crate) mod subscriptions;
pub mod tabs;
pub(crate) mod text;
pub mod time;
