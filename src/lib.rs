//! A browser realtime SDK: a WebSocket manager that speaks the Calimero node protocol
//! and a generic JSON event protocol, batches bursts into refresh flags, reconnects,
//! and reports health. [`engine`] holds every rule (plain Rust, natively tested); `web`
//! is the wasm-bindgen glue that exports `SocketManager` to JavaScript.
//!
//! The crate is `no_std` (it needs only `alloc`): in the browser build this keeps std's
//! panic printing, and with it `core::fmt`, out of the wasm.

#![no_std]

extern crate alloc;
#[cfg(any(test, not(target_arch = "wasm32"), feature = "std"))]
extern crate std;

#[doc(hidden)]
pub mod prelude;

pub mod heap;

#[deny(unreachable_pub)]
pub mod engine;

#[cfg(target_arch = "wasm32")]
mod web;

#[cfg(target_arch = "wasm32")]
pub use web::manager::SocketManager;

/// The JS pre-reader of Calimero frames, reachable by the browser tests only (they
/// build with `std`): `tests/browser_prereader.rs` checks it against the Rust decoder.
#[cfg(all(target_arch = "wasm32", feature = "std"))]
#[doc(hidden)]
pub use web::socket::FrameScanner;
