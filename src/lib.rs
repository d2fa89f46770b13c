//! A browser realtime SDK: a WebSocket manager that speaks the Calimero node protocol
//! and a generic JSON event protocol, batches bursts into refresh flags, reconnects,
//! and reports health. [`core`] holds every rule (plain Rust, natively tested); `web`
//! is the wasm-bindgen glue that exports `SocketManager` to JavaScript.

pub mod core;

#[cfg(target_arch = "wasm32")]
mod web;

#[cfg(target_arch = "wasm32")]
pub use web::manager::SocketManager;
