//! Counts of live browser handles (sockets with handlers, page listeners, timers), so a
//! test can prove that connect/close cycles and reconnects leak nothing.

use std::cell::Cell;

thread_local! {
    static SOCKETS: Cell<i32> = const { Cell::new(0) };
    static LISTENERS: Cell<i32> = const { Cell::new(0) };
    static TIMERS: Cell<i32> = const { Cell::new(0) };
}

/// Which handle a [`LiveGuard`] counts.
#[derive(Clone, Copy)]
pub enum Handle {
    Socket,
    Listener,
    Timer,
}

fn cell(h: Handle) -> &'static std::thread::LocalKey<Cell<i32>> {
    match h {
        Handle::Socket => &SOCKETS,
        Handle::Listener => &LISTENERS,
        Handle::Timer => &TIMERS,
    }
}

/// Counts one live handle from creation to drop.
pub struct LiveGuard(Handle);

impl LiveGuard {
    pub fn new(h: Handle) -> Self {
        cell(h).with(|c| c.set(c.get() + 1));
        LiveGuard(h)
    }
}

impl Drop for LiveGuard {
    fn drop(&mut self) {
        cell(self.0).with(|c| c.set(c.get() - 1));
    }
}

/// `(sockets, listeners, timers)` alive now, over every manager.
pub fn live_counts() -> (i32, i32, i32) {
    (SOCKETS.with(Cell::get), LISTENERS.with(Cell::get), TIMERS.with(Cell::get))
}
