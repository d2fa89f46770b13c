//! Sequence tracking for frames that carry `seq` (json protocol).
//!
//! Per scope (a context id, or `""` for a global sequence) the next expected number is
//! kept. A higher number is a gap (the app must resync), a lower or equal one is a
//! duplicate (dropped). The table is bounded: past [`MAX_SCOPES`] the least recently
//! inserted scope is forgotten, and its next frame simply sets a new baseline.

#[allow(unused_imports)]
use crate::prelude::*;

use alloc::collections::VecDeque;

/// Scopes tracked at the most.
pub(crate) const MAX_SCOPES: usize = 4096;

/// What a frame's `seq` says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum SeqCheck {
    /// The expected next number, or the first one seen.
    InOrder,
    /// Numbers were skipped: `expected` came not, `received` did.
    Gap { expected: f64, received: f64 },
    /// Already seen (or older): drop the frame.
    Duplicate { last: f64 },
}

#[derive(Debug, Default)]
pub(crate) struct SequenceTracker {
    /// `(scope, last seq)` sorted by scope, for binary search.
    last: Vec<(Box<str>, f64)>,
    /// Scopes in insertion order, for eviction.
    order: VecDeque<Box<str>>,
}

impl SequenceTracker {
    pub(crate) fn check(&mut self, scope: &str, seq: f64) -> SeqCheck {
        match self.last.binary_search_by(|(k, _)| (**k).cmp(scope)) {
            Ok(i) => {
                let last = &mut self.last[i].1;
                let expected = *last + 1.0;
                if seq <= *last {
                    SeqCheck::Duplicate { last: *last }
                } else {
                    *last = seq;
                    if seq > expected {
                        SeqCheck::Gap { expected, received: seq }
                    } else {
                        SeqCheck::InOrder
                    }
                }
            }
            Err(mut at) => {
                if self.last.len() >= MAX_SCOPES {
                    if let Some(old) = self.order.pop_front() {
                        if let Ok(j) = self.last.binary_search_by(|(k, _)| k.cmp(&old)) {
                            self.last.remove(j);
                            if j < at {
                                at -= 1;
                            }
                        }
                    }
                }
                self.last.insert(at, (scope.into(), seq));
                self.order.push_back(scope.into());
                SeqCheck::InOrder
            }
        }
    }

    /// Forgets everything (after a reconnect the server's numbering may restart).
    pub(crate) fn reset(&mut self) {
        self.last.clear();
        self.order.clear();
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.last.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_and_duplicates_per_scope() {
        let mut t = SequenceTracker::default();
        assert_eq!(t.check("a", 1.0), SeqCheck::InOrder);
        assert_eq!(t.check("a", 2.0), SeqCheck::InOrder);
        assert_eq!(t.check("b", 7.0), SeqCheck::InOrder, "scopes are independent");
        assert_eq!(t.check("a", 5.0), SeqCheck::Gap { expected: 3.0, received: 5.0 });
        assert_eq!(t.check("a", 5.0), SeqCheck::Duplicate { last: 5.0 });
        assert_eq!(t.check("a", 4.0), SeqCheck::Duplicate { last: 5.0 });
        assert_eq!(t.check("a", 6.0), SeqCheck::InOrder);
    }

    #[test]
    fn bounded_memory() {
        let mut t = SequenceTracker::default();
        for i in 0..(MAX_SCOPES * 3) {
            t.check(&format!("c{i}"), 1.0);
        }
        assert_eq!(t.len(), MAX_SCOPES);
    }
}
