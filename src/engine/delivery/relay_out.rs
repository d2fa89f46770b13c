//! A follower's sends on their way through the leader: numbered, kept until the leader
//! confirms it wrote them, and put back in the offline queue when the leader goes away
//! first, so the next leader sends them (a send the old leader wrote without confirming
//! may so go out twice: at least once, never lost silently).

#[allow(unused_imports)]
use crate::prelude::*;

use alloc::collections::VecDeque;

/// Unconfirmed sends kept, at the most (a leader confirms within milliseconds; past
/// this the oldest is no longer replayed).
pub(crate) const MAX_UNCONFIRMED: usize = 1024;

/// One send handed to the leader.
#[derive(Debug, Clone)]
pub(crate) struct Relayed {
    pub(crate) text: String,
    /// The `execute()`/`emitWithAck()` it carries (0: none).
    pub(crate) tag: u64,
}

/// The numbered sends not confirmed yet.
#[derive(Debug, Clone, Default)]
pub(crate) struct RelayOut {
    last: u64,
    unconfirmed: VecDeque<(u64, Relayed)>,
}

impl RelayOut {
    /// Numbers a send (1, 2, ...) and keeps it until confirmed.
    pub(crate) fn push(&mut self, text: String, tag: u64) -> u64 {
        self.last += 1;
        if self.unconfirmed.len() >= MAX_UNCONFIRMED {
            self.unconfirmed.pop_front();
        }
        self.unconfirmed.push_back((self.last, Relayed { text, tag }));
        self.last
    }

    /// The leader wrote every send up to `n`.
    pub(crate) fn confirmed(&mut self, n: u64) {
        while self.unconfirmed.front().is_some_and(|(k, _)| *k <= n) {
            self.unconfirmed.pop_front();
        }
    }

    /// The leader went away: the sends it did not confirm, oldest first.
    pub(crate) fn take_unconfirmed(&mut self) -> Vec<Relayed> {
        self.unconfirmed.drain(..).map(|(_, r)| r).collect()
    }

    pub(crate) fn len(&self) -> usize {
        self.unconfirmed.len()
    }
}
