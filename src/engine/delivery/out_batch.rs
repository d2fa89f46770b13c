//! Outgoing batching (`sendBatchMs`): the app's sends of one window are held and go out
//! as one frame when the window ends, on `flush()`, on `pagehide` and on `close()`.
//! The json protocol sends them as one JSON array frame; socketio as one event
//! (`sendBatchEvent`) whose argument is the list of `[event, ...args]` of one namespace.
//! A send that cannot join (not JSON, another namespace, an ack or binary emit) flushes
//! the batch first, so the order of sends is kept.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::engine::time::{Duration, Instant};

/// Sends held at the most; one more flushes the batch first.
pub(crate) const MAX_BATCHED_SENDS: usize = 1000;

/// The sends of the window under way.
#[derive(Debug, Clone, Default)]
pub(crate) struct OutBatch {
    items: Vec<String>,
    /// The namespace the items are for (socketio), if any.
    scope: Option<String>,
    deadline: Option<Instant>,
}

impl OutBatch {
    /// Whether `item` (for `scope`) can join the batch without reordering sends.
    pub(crate) fn accepts(&self, scope: Option<&str>) -> bool {
        self.items.len() < MAX_BATCHED_SENDS && (self.items.is_empty() || self.scope.as_deref() == scope)
    }

    /// Holds `item`; the window starts with the first one.
    pub(crate) fn push(&mut self, now: Instant, window_ms: f64, scope: Option<&str>, item: String) {
        if self.items.is_empty() {
            self.deadline = Some(now + Duration(window_ms));
            self.scope = scope.map(String::from);
        }
        self.items.push(item);
    }

    /// Takes the batch: its namespace and items as the text of a JSON array.
    pub(crate) fn take(&mut self) -> Option<(Option<String>, String, usize)> {
        if self.items.is_empty() {
            return None;
        }
        self.deadline = None;
        let n = self.items.len();
        let mut out = String::with_capacity(self.items.iter().map(|i| i.len() + 1).sum::<usize>() + 2);
        out.push('[');
        for (i, item) in self.items.drain(..).enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&item);
        }
        out.push(']');
        Some((self.scope.take(), out, n))
    }

    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.deadline
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_one_scope_at_a_time_and_joins_as_an_array() {
        let mut b = OutBatch::default();
        assert!(b.accepts(Some("/a")));
        b.push(Instant(10.0), 50.0, Some("/a"), "1".into());
        b.push(Instant(20.0), 50.0, Some("/a"), r#"{"x":2}"#.into());
        assert_eq!(b.deadline(), Some(Instant(60.0)), "the window starts with the first send");
        assert!(!b.accepts(Some("/b")), "another namespace flushes first");
        assert_eq!(b.take(), Some((Some("/a".into()), r#"[1,{"x":2}]"#.into(), 2)));
        assert_eq!(b.take(), None);
        assert_eq!(b.deadline(), None);
    }
}
