//! Counters kept by the machine; the web layer turns them into the `stats()` object.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::engine::errors::ErrorCode;
use crate::engine::delivery::refresh::MAX_KINDS;

/// Running counters. All are totals since creation (or `resetStats()`).
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    pub frames_received: u64,
    pub bytes_received: u64,
    /// State frames folded into batches.
    pub frames_batched: u64,
    /// Side events (`SyncStatus`, `Ephemeral`, group events...) handed to `onEvent`.
    pub side_events: u64,
    pub batches_delivered: u64,
    /// Frames read but not delivered: malformed, oversized, binary, duplicate.
    pub frames_dropped: u64,
    pub errors: u64,
    pub errors_by_code: [u64; ErrorCode::ALL.len()],
    /// Successful opens after the first.
    pub reconnects: u64,
    /// Connect attempts made (sockets created).
    pub connect_attempts: u64,
    pub messages_sent: u64,
    /// Messages that went through the offline queue.
    pub messages_queued: u64,
    /// Queued messages dropped (overflow, refusal, TTL, clear).
    pub messages_dropped: u64,
    pub gaps: u64,
    pub duplicates: u64,
    /// Server stamps refused (not a positive number, or too far ahead): every one, also
    /// those not reported.
    pub bad_timestamps: u64,
    /// Replayed presence (`Ephemeral` with `ageMs`) caused by a heartbeat probe, dropped.
    pub probe_replays_dropped: u64,
    /// Count per kind id (index = `KindId`).
    pub kinds_seen: Vec<u64>,
    pub largest_batch: u32,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            frames_received: 0,
            bytes_received: 0,
            frames_batched: 0,
            side_events: 0,
            batches_delivered: 0,
            frames_dropped: 0,
            errors: 0,
            errors_by_code: [0; ErrorCode::ALL.len()],
            reconnects: 0,
            connect_attempts: 0,
            messages_sent: 0,
            messages_queued: 0,
            messages_dropped: 0,
            gaps: 0,
            duplicates: 0,
            bad_timestamps: 0,
            probe_replays_dropped: 0,
            kinds_seen: Vec::new(),
            largest_batch: 0,
        }
    }
}

impl Stats {
    pub fn count_error(&mut self, code: ErrorCode) {
        self.errors += 1;
        self.errors_by_code[code.index()] += 1;
    }

    pub fn count_kind(&mut self, id: u16) {
        let i = id as usize;
        if i >= MAX_KINDS {
            return;
        }
        if self.kinds_seen.len() <= i {
            self.kinds_seen.resize(i + 1, 0);
        }
        self.kinds_seen[i] += 1;
    }

    /// Refetches the app was spared: frames folded minus batches delivered.
    pub fn refreshes_saved(&self) -> u64 {
        self.frames_batched.saturating_sub(self.batches_delivered)
    }
}
