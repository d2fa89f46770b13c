//! The browser glue: a thin layer over [`crate::engine`] that owns the WebSocket, the one
//! timer, the page listeners and the app's callbacks. It holds no rule of its own.
//!
//! - [`manager`]: the exported `SocketManager` and the loop that carries out actions;
//! - [`socket`]: the WebSocket with its handlers, detached on drop;
//! - [`timer`]: the one timer, re-armed without a new closure per deadline;
//! - [`page_events`]: `online`, `offline`, `visibilitychange` listeners, removed on drop;
//! - [`options_js`]: reading the JS options object (TypeError/RangeError naming the option);
//! - [`convert`]: batches, stats and errors as JS values;
//! - [`listeners`]: the app's callbacks and the functions that remove them;
//! - [`live`]: counts of live handles, for leak tests;
//! - [`tabs`]: `shareAcrossTabs`, the leader election and the relay between tabs;
//! - `runtime`: the allocator and panic handler of the `no_std` build (the
//!   `debug-panics` build has std's, with console_error_panic_hook).
//!
//! The browser APIs are reached through three JS snippets rather than web-sys (fewer
//! imports, a smaller glue): `helpers.js` (WebSocket, page listeners, timer, listener
//! lists, options text, console), `frame_scan.js` (the frame pre-reader) and
//! `batch_object.js` (batch objects).

#[allow(unused_imports)]
use crate::prelude::*;

pub mod convert;
pub mod listeners;
pub mod live;
pub mod manager;
pub mod options_js;
pub mod page_events;
#[cfg(not(feature = "std"))]
mod runtime;
pub mod socket;
mod tabs;
pub mod timer;

/// The development build (feature `debug-panics`): installs console_error_panic_hook when
/// the module starts, so a panic logs its message and location before the trap.
#[cfg(feature = "debug-panics")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
fn debug_panics() {
    console_error_panic_hook::set_once();
}

/// The manager's clock, ms since the epoch: `performance.timeOrigin +
/// performance.now()` (monotonic, sub-millisecond, so round trips and arrival times
/// are not rounded to whole milliseconds), pulled forward to `Date.now()` whenever the
/// wall clock is more than a second ahead, so that a system sleep (during which the
/// monotonic clock may stand still) and throttled timers still show up as time that
/// passed for the heartbeat's clock-jump rule. It never goes back. One clock for every
/// input, frames and timers alike (`clockNow` in `frame_scan.js`, which stamps each
/// frame's arrival with it).
pub fn now_ms() -> f64 {
    socket::clock_now()
}
