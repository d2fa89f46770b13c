//! The app's `execute()` calls awaiting their reply: each has a deadline, and is either
//! on the socket or still in the offline queue (tagged with its id there).

#[allow(unused_imports)]
use crate::prelude::*;

use crate::engine::time::{Duration, Instant};

/// `execute()` calls awaiting their reply (sent or queued), at the most; a call past it
/// is rejected at once (`messageDropped`).
pub const MAX_PENDING_EXECUTES: usize = 256;
/// `execute()`'s timeout when the call gives none.
pub const DEFAULT_EXECUTE_TIMEOUT_MS: f64 = 10_000.0;

/// A pending `execute()`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Exec {
    pub(crate) id: u64,
    pub(crate) deadline: Instant,
    pub(crate) timeout: Duration,
    /// On the socket (else still in the offline queue).
    pub(crate) sent: bool,
    /// The code its Promise rejects with on timeout (`executeTimeout`, `ackTimeout`).
    pub(crate) timeout_code: &'static str,
}

/// The pending calls.
#[derive(Debug, Clone, Default)]
pub(crate) struct Executes {
    calls: Vec<Exec>,
}

impl Executes {
    pub(crate) fn len(&self) -> usize {
        self.calls.len()
    }

    pub(crate) fn is_full(&self) -> bool {
        self.calls.len() >= MAX_PENDING_EXECUTES
    }

    /// A call made at `now`; `timeout_ms` that is not a positive number means the default.
    pub(crate) fn push(&mut self, id: u64, now: Instant, timeout_ms: f64, sent: bool, timeout_code: &'static str) {
        let ms = if timeout_ms.is_finite() && timeout_ms > 0.0 { timeout_ms } else { DEFAULT_EXECUTE_TIMEOUT_MS };
        self.calls.push(Exec { id, deadline: now + Duration(ms), timeout: Duration(ms), sent, timeout_code });
    }

    /// Removes the call `id`, if pending.
    pub(crate) fn take(&mut self, id: Option<u64>) -> Option<Exec> {
        let i = self.calls.iter().position(|e| Some(e.id) == id)?;
        Some(self.calls.swap_remove(i))
    }

    /// The queued call `tag` reached the socket.
    /// The call `tag` goes back to the queue (its relayed send was not confirmed).
    pub(crate) fn mark_unsent(&mut self, tag: u64) {
        if let Some(e) = self.calls.iter_mut().find(|e| e.id == tag && tag != 0) {
            e.sent = false;
        }
    }

    pub(crate) fn mark_sent(&mut self, tag: u64) {
        if let Some(e) = self.calls.iter_mut().find(|e| e.id == tag && tag != 0) {
            e.sent = true;
        }
    }

    /// Removes and returns one call whose time is up at `now`.
    pub(crate) fn take_expired(&mut self, now: Instant) -> Option<Exec> {
        let i = self.calls.iter().position(|e| e.deadline.reached(now))?;
        Some(self.calls.swap_remove(i))
    }

    /// Removes and returns one call that is on the socket.
    pub(crate) fn take_sent(&mut self) -> Option<Exec> {
        let i = self.calls.iter().position(|e| e.sent)?;
        Some(self.calls.swap_remove(i))
    }

    /// Removes and returns any call.
    pub(crate) fn pop(&mut self) -> Option<Exec> {
        self.calls.pop()
    }

    /// The earliest deadline.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.calls.iter().map(|e| e.deadline).fold(None, |a: Option<Instant>, d| Some(a.map_or(d, |a| if d < a { d } else { a })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_default_and_expire() {
        let mut x = Executes::default();
        x.push(1, Instant(0.0), f64::NAN, false, "executeTimeout");
        x.push(2, Instant(0.0), 500.0, true, "ackTimeout");
        assert_eq!(x.deadline(), Some(Instant(500.0)));
        assert!(x.take_expired(Instant(499.0)).is_none());
        assert_eq!(x.take_expired(Instant(500.0)).map(|e| e.id), Some(2));
        assert_eq!(x.deadline(), Some(Instant(DEFAULT_EXECUTE_TIMEOUT_MS)));
        x.mark_sent(1);
        assert_eq!(x.take_sent().map(|e| e.id), Some(1));
        assert_eq!(x.len(), 0);
    }
}
