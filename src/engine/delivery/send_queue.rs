//! The offline send queue: messages sent while the socket is not open wait here, in
//! order, bounded in count and optionally in age. Every message it drops is returned
//! to the caller so that it is counted and reported, never lost silently.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::engine::options::QueueOverflow;
use alloc::collections::VecDeque;

/// Why a queued message was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DropCause {
    /// The queue was full and this, the oldest, made room (`dropOldest`).
    Overflow,
    /// The queue was full and this, the newest, was refused (`rejectNew`).
    Rejected,
    /// It waited longer than `queuedMessageTtlMs`.
    Expired,
    /// The app called `clearQueue()`.
    Cleared,
}

type Item = (String, f64, u64, Option<Box<str>>);

/// A bounded FIFO of outgoing texts.
#[derive(Debug, Clone)]
pub(crate) struct SendQueue {
    /// `(text, queued at, tag, scope)`: the tag is the request id of an `execute()` or
    /// `emitWithAck()` (0 for a plain `send()`), so a dropped or expired one can settle
    /// its Promise; the scope is the namespace a message waits to be joined (none: it
    /// goes out on open).
    items: VecDeque<Item>,
    pub max: usize,
    pub ttl_ms: f64,
    pub overflow: QueueOverflow,
}

impl SendQueue {
    pub(crate) fn new(max: usize, ttl_ms: f64, overflow: QueueOverflow) -> Self {
        SendQueue { items: VecDeque::new(), max, ttl_ms, overflow }
    }

    #[cfg(test)]
    pub(crate) fn push(&mut self, text: String, now: f64) -> (Option<(String, DropCause)>, bool) {
        let (dropped, queued) = self.push_tagged(text, now, 0, None);
        (dropped.map(|(t, _, c)| (t, c)), queued)
    }

    /// [`SendQueue::push`] with a tag and the scope it waits for; what was dropped
    /// comes back with its tag.
    pub(crate) fn push_tagged(&mut self, text: String, now: f64, tag: u64, scope: Option<&str>) -> (Option<(String, u64, DropCause)>, bool) {
        let scope = scope.map(Box::from);
        if self.items.len() < self.max {
            self.items.push_back((text, now, tag, scope));
            return (None, true);
        }
        match self.overflow {
            QueueOverflow::RejectNew => (Some((text, tag, DropCause::Rejected)), false),
            QueueOverflow::DropOldest => {
                if self.max == 0 {
                    return (Some((text, tag, DropCause::Rejected)), false);
                }
                let old = self.items.pop_front().map(|(t, _, g, _)| (t, g, DropCause::Overflow));
                self.items.push_back((text, now, tag, scope));
                (old, true)
            }
        }
    }

    #[cfg(test)]
    pub(crate) fn expire(&mut self, now: f64) -> Vec<String> {
        self.expire_tagged(now).into_iter().map(|(t, _)| t).collect()
    }

    /// Removes and returns the messages older than the TTL, with their tags.
    pub(crate) fn expire_tagged(&mut self, now: f64) -> Vec<(String, u64)> {
        let mut gone = Vec::new();
        if self.ttl_ms <= 0.0 {
            return gone;
        }
        while let Some((_, at, _, _)) = self.items.front() {
            if now - at >= self.ttl_ms {
                let (t, _, g, _) = self.items.pop_front().unwrap();
                gone.push((t, g));
            } else {
                break;
            }
        }
        gone
    }

    pub(crate) fn next_expiry(&self) -> Option<f64> {
        if self.ttl_ms <= 0.0 {
            return None;
        }
        self.items.front().map(|(_, at, _, _)| at + self.ttl_ms)
    }

    #[cfg(test)]
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = String> + '_ {
        ::core::iter::from_fn(move || self.pop_tagged().map(|(t, _)| t))
    }

    /// The oldest message, with its tag.
    pub(crate) fn pop_tagged(&mut self) -> Option<(String, u64)> {
        self.items.pop_front().map(|(t, _, g, _)| (t, g))
    }

    /// Takes out the messages that wait for `scope` (`None`: those that wait for no
    /// scope), in order, with their tags.
    pub(crate) fn take_scope(&mut self, scope: Option<&str>) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        let mut kept = VecDeque::with_capacity(self.items.len());
        while let Some(item) = self.items.pop_front() {
            if item.3.as_deref() == scope {
                out.push((item.0, item.2));
            } else {
                kept.push_back(item);
            }
        }
        self.items = kept;
        out
    }

    /// Removes the message tagged `tag` (never 0), if it is still queued.
    pub(crate) fn remove_tag(&mut self, tag: u64) {
        // Rebuilt with push/pop only (VecDeque::remove would add its wrap-around copy
        // to the wasm); a rare path: a queued execute() that timed out or was closed.
        let mut kept = VecDeque::with_capacity(self.items.len());
        while let Some(item) = self.items.pop_front() {
            if item.2 != tag {
                kept.push_back(item);
            }
        }
        self.items = kept;
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drop_oldest_keeps_the_newest() {
        let mut q = SendQueue::new(2, 0.0, QueueOverflow::DropOldest);
        assert_eq!(q.push("a".into(), 0.0), (None, true));
        q.push("b".into(), 0.0);
        assert_eq!(q.push("c".into(), 0.0), (Some(("a".into(), DropCause::Overflow)), true));
        assert_eq!(q.drain().collect::<Vec<_>>(), ["b", "c"]);
    }

    #[test]
    fn reject_new_keeps_the_oldest() {
        let mut q = SendQueue::new(1, 0.0, QueueOverflow::RejectNew);
        q.push("a".into(), 0.0);
        assert_eq!(q.push("b".into(), 0.0), (Some(("b".into(), DropCause::Rejected)), false));
        assert_eq!(q.drain().collect::<Vec<_>>(), ["a"]);
    }

    #[test]
    fn ttl_expires_in_order() {
        let mut q = SendQueue::new(10, 100.0, QueueOverflow::DropOldest);
        q.push("a".into(), 0.0);
        q.push("b".into(), 50.0);
        assert_eq!(q.next_expiry(), Some(100.0));
        assert_eq!(q.expire(99.0), Vec::<String>::new());
        assert_eq!(q.expire(100.0), ["a"]);
        assert_eq!(q.next_expiry(), Some(150.0));
    }

    #[test]
    fn zero_capacity_refuses_everything() {
        let mut q = SendQueue::new(0, 0.0, QueueOverflow::DropOldest);
        assert_eq!(q.push("a".into(), 0.0), (Some(("a".into(), DropCause::Rejected)), false));
        assert!(q.is_empty());
    }
}
