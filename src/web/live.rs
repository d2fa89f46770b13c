//! Counts of live browser handles (sockets with handlers, page listeners, timers), so a
//! test can prove that connect/close cycles and reconnects leak nothing.

#[allow(unused_imports)]
use crate::prelude::*;

use ::core::sync::atomic::{AtomicI32, Ordering::Relaxed};

/// The three counters (atomics only to be `Sync`: without the wasm atomics feature
/// they compile to plain loads and stores).
static COUNTS: [AtomicI32; 3] = [AtomicI32::new(0), AtomicI32::new(0), AtomicI32::new(0)];

/// Which handle a [`LiveGuard`] counts.
#[derive(Clone, Copy)]
pub enum Handle {
    Socket = 0,
    Listener = 1,
    Timer = 2,
}

fn cell(h: Handle) -> &'static AtomicI32 {
    &COUNTS[h as usize]
}

/// Counts one live handle from creation to drop.
pub struct LiveGuard(Handle);

impl LiveGuard {
    pub fn new(h: Handle) -> Self {
        cell(h).fetch_add(1, Relaxed);
        LiveGuard(h)
    }
}

impl Drop for LiveGuard {
    fn drop(&mut self) {
        cell(self.0).fetch_sub(1, Relaxed);
    }
}

/// `(sockets, listeners, timers)` alive now, over every manager.
pub fn live_counts() -> (i32, i32, i32) {
    (cell(Handle::Socket).load(Relaxed), cell(Handle::Listener).load(Relaxed), cell(Handle::Timer).load(Relaxed))
}
