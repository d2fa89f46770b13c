//! The size probe: the package's `core` (compiled from its own sources) reached through
//! plain `extern "C"` functions instead of wasm-bindgen. Every core entry point the web
//! layer calls is called here, and every value it reads out is handed to one imported
//! `out` function, so the linker keeps exactly the rules the package ships and nothing
//! of the glue. What this wasm weighs is what the rules weigh.

#![no_std]
// Every `unsafe extern "C"` function here has one caller, the measuring host, and one
// contract: its pointer and length name UTF-8 text written into memory from `buffer`.
#![allow(clippy::missing_safety_doc)]

extern crate alloc;

// The package's own modules, by path: the probe measures them, it does not copy them.
#[path = "../../../src/prelude.rs"]
#[doc(hidden)]
pub mod prelude;
#[path = "../../../src/heap.rs"]
pub mod heap;
#[path = "../../../src/engine/mod.rs"]
pub mod engine;
/// The package's allocator and panic handler.
#[path = "../../../src/web/runtime.rs"]
mod runtime;

use crate::engine::machine::{Action, Machine};
use crate::engine::options::read_options;
use crate::engine::machine::snapshot;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

extern "C" {
    /// Receives every text and number the probe reads out (`what` says which).
    fn out(what: u32, ptr: *const u8, len: usize, number: f64);
}

fn emit(what: u32, text: &str, number: f64) {
    // SAFETY: the host only reads `len` bytes at `ptr` during the call.
    unsafe { out(what, text.as_ptr(), text.len(), number) }
}

/// A frame as the probe keeps it: a handle number and its arrival time.
type Kept = (u32, f64);

static mut MACHINE: Option<Box<Machine<Kept>>> = None;

fn machine() -> &'static mut Machine<Kept> {
    // SAFETY: wasm32 runs on one thread and no call re-enters another.
    unsafe { (*::core::ptr::addr_of_mut!(MACHINE)).as_mut().expect("create first") }
}

/// # Safety
/// `ptr..ptr+len` is UTF-8 the host wrote into memory it got from `buffer`.
unsafe fn text<'a>(ptr: *const u8, len: usize) -> &'a str {
    ::core::str::from_utf8_unchecked(::core::slice::from_raw_parts(ptr, len))
}

/// Memory for the host to write a text into.
#[no_mangle]
pub extern "C" fn buffer(len: usize) -> *mut u8 {
    let mut v = Vec::<u8>::with_capacity(len);
    let p = v.as_mut_ptr();
    core::mem::forget(v);
    p
}

/// `new SocketManager(options)`: the options JSON text, read and validated.
#[no_mangle]
pub unsafe extern "C" fn create(ptr: *const u8, len: usize, seed: f64) -> bool {
    let made = read_options(text(ptr, len)).and_then(|o| Machine::new(o, seed as u64));
    match made {
        Ok(m) => {
            let m = machine_slot(m);
            emit(20, m.options().protocol.name(), m.options().max_message_bytes);
            true
        }
        Err(e) => {
            emit(9, &e.full_message(), e.kind as u32 as f64);
            false
        }
    }
}

fn machine_slot(m: Machine<Kept>) -> &'static mut Machine<Kept> {
    // SAFETY: as in `machine`.
    unsafe { *::core::ptr::addr_of_mut!(MACHINE) = Some(Box::new(m)) };
    machine()
}

/// Context ids, one per line (the package reads `subscribe`'s JS array in place, with no
/// core code, so the probe takes them as plain text).
unsafe fn ids(ptr: *const u8, len: usize) -> Vec<String> {
    text(ptr, len).lines().map(String::from).collect()
}

#[no_mangle]
pub extern "C" fn connect(now: f64, visible: bool) {
    machine().visibility(now, visible);
    machine().connect(now);
    run()
}

#[no_mangle]
pub extern "C" fn close(now: f64) {
    machine().close(now);
    run()
}

#[no_mangle]
pub unsafe extern "C" fn subscribe(now: f64, ptr: *const u8, len: usize) {
    let refused = machine().subscribe(now, &ids(ptr, len));
    refused.iter().for_each(|id| emit(10, id, 0.0));
    run()
}

#[no_mangle]
pub unsafe extern "C" fn unsubscribe(now: f64, ptr: *const u8, len: usize) {
    machine().unsubscribe(now, &ids(ptr, len));
    run()
}

/// # Safety
/// As [`text`]: three lines, the context id, the method and the args' JSON.
#[no_mangle]
pub unsafe extern "C" fn execute(now: f64, ptr: *const u8, len: usize, timeout_ms: f64) -> f64 {
    let mut parts = text(ptr, len).splitn(3, '\n');
    let (ctx, method, args) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or("{}"));
    let id = machine().execute(now, ctx, method, args, timeout_ms);
    run();
    id as f64
}

#[no_mangle]
pub unsafe extern "C" fn send(now: f64, ptr: *const u8, len: usize) -> bool {
    let ok = machine().send(now, String::from(text(ptr, len)));
    run();
    ok
}

#[no_mangle]
pub extern "C" fn clear_queue(now: f64) -> usize {
    let n = machine().clear_queue(now);
    run();
    n
}

#[no_mangle]
pub extern "C" fn batch_settled(now: f64) {
    machine().batch_settled(now);
    run()
}

/// 0 online, 1 offline, 2 hidden, 3 visible.
#[no_mangle]
pub extern "C" fn page_event(now: f64, which: u32) {
    let m = machine();
    match which {
        0 => m.online(now),
        1 => m.offline(now),
        w => m.visibility(now, w == 3),
    }
    run()
}

#[no_mangle]
pub extern "C" fn socket_open(now: f64) {
    machine().on_open(now);
    run()
}

#[no_mangle]
pub unsafe extern "C" fn socket_close(now: f64, code: u16, ptr: *const u8, len: usize) {
    machine().on_close(now, code, text(ptr, len));
    run()
}

#[no_mangle]
pub extern "C" fn socket_binary(now: f64) {
    let err = crate::engine::errors::SdkError::new(crate::engine::errors::ErrorCode::BinaryFrame, "binary frame skipped");
    machine().report(now, err);
    run()
}

#[no_mangle]
pub extern "C" fn oversized(now: f64, units: usize) {
    machine().on_oversized(now, units);
    run()
}

#[no_mangle]
pub unsafe extern "C" fn intern_kind(ptr: *const u8, len: usize) -> u16 {
    machine().intern_kind(text(ptr, len))
}

/// A frame the JS pre-reader read: its context, interned kinds and length.
#[no_mangle]
pub unsafe extern "C" fn scanned_frame(now: f64, ptr: *const u8, len: usize, kinds: *const u16, n: usize, units: usize, handle: u32) {
    let kinds = ::core::slice::from_raw_parts(kinds, n);
    machine().on_scanned_frame(now, text(ptr, len), kinds, units, (handle, now));
    run()
}

/// A frame read whole by the core.
#[no_mangle]
pub unsafe extern "C" fn frame(now: f64, ptr: *const u8, len: usize, handle: u32) {
    machine().on_frame(now, text(ptr, len), (handle, now));
    run()
}

#[no_mangle]
pub extern "C" fn tick(now: f64) {
    machine().tick(now);
    run()
}

/// Decoding a delivered frame (`batch.latest[id]`, side events).
#[no_mangle]
pub unsafe extern "C" fn decode(arrived_at: f64, ptr: *const u8, len: usize) {
    let m = machine();
    match m.normalize_stamped(text(ptr, len)) {
        Ok((normalized, stamp)) => {
            emit(11, &normalized, 0.0);
            if let Some((ts, kind)) = stamp {
                m.delivered_stamp(arrived_at, ts, kind.as_deref());
            }
        }
        Err(e) => emit(9, &crate::cat!(e), 0.0),
    }
    run()
}

#[no_mangle]
pub extern "C" fn stats(now: f64, memory_bytes: f64) {
    emit(12, &snapshot::stats_json(machine(), now, memory_bytes), 0.0)
}

#[no_mangle]
pub extern "C" fn reset_stats() {
    machine().reset_stats()
}

/// Status, subscriptions and the refresh index's names.
#[no_mangle]
pub extern "C" fn describe() {
    let m = machine();
    emit(4, m.status().name(), 0.0);
    m.subscriptions().iter().for_each(|s| emit(13, s, 0.0));
    m.rules().flag_names().for_each(|f| emit(14, f, 0.0));
    for id in 0..m.rules().kind_count() {
        emit(15, m.rules().kind_name(id as u16), id as f64);
    }
}

/// Carries out the machine's actions, as the web layer's action loop does.
fn run() {
    let m = machine();
    while let Some(action) = m.poll_action() {
        match action {
            Action::OpenSocket(url) => emit(1, &url, 0.0),
            Action::Send(text) => emit(2, &text, 0.0),
            Action::CloseSocket(code, reason) => emit(3, reason, code as f64),
            Action::Status(s) => emit(4, s.name(), 0.0),
            Action::Error(e) => {
                emit(5, &e.message, e.code as u32 as f64);
                emit(5, e.code.name(), e.close_code.map_or(-1.0, f64::from));
                e.context_ids.iter().for_each(|id| emit(16, id, 0.0));
            }
            Action::Batch(b) => {
                for &(kind, n) in &b.kinds {
                    emit(17, "", (kind as u32 * 65536 + n) as f64);
                }
                for (ctx, kept) in b.latest.iter().chain(b.frames.iter()) {
                    emit(18, ctx, kept.0 as f64 + kept.1);
                }
                let truncated = b.latest_truncated as u32 * 2 + b.events_truncated as u32;
                emit(6, "", b.flags as f64 + b.size as f64 * 3.0 + b.reason as u32 as f64 + truncated as f64);
            }
            Action::Event { payload, .. } => emit(7, "", payload.0 as f64),
            Action::Gap { scope, expected, received } => emit(8, &snapshot::gap_json(&scope, expected, received), 0.0),
            Action::Degraded(alert) => emit(8, &snapshot::alert_json(&alert), 0.0),
            Action::Health(h, q) => emit(8, &snapshot::health_json(h, q), 0.0),
            Action::Metrics => emit(19, "", 0.0),
            Action::Executed { id, result } => match result {
                Ok(output) => emit(20, &output, id as f64),
                Err(f) => {
                    emit(21, f.code, id as f64);
                    emit(21, &f.message, 0.0);
                    if let Some(e) = f.server {
                        emit(21, &e.kind, 0.0);
                        emit(21, &e.detail, 0.0);
                    }
                }
            },
            // Only protocols with sessions ask for auth and send attachments; the probe
            // builds the main entry's.
            Action::Authorize | Action::SendAttached { .. } | Action::AnsweredAttached { .. } | Action::Relay { .. } => {}
        }
    }
    emit(0, "", m.poll_timeout().unwrap_or(-1.0));
}
