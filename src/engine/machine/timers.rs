//! The machine's one table of deadlines: every rule that wants to run later owns one
//! entry, and [`Timers::next`] (what `poll_timeout` returns) is the earliest of them.

use crate::engine::time::Instant;

/// Who wants the machine to run again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// The connect attempt times out (`connectTimeoutMs`).
    ConnectTimeout,
    /// The backoff wait before the next attempt ends.
    Retry,
    /// The open connection becomes stable (`reconnectMinUptimeMs`): the retry count resets.
    Uptime,
    /// The next heartbeat probe, or the outstanding one's deadline.
    Heartbeat,
    /// The oldest queued message expires (`queuedMessageTtlMs`).
    QueueExpiry,
    /// The pending batch is due.
    Batch,
    /// The next `onMetrics` snapshot.
    Metrics,
    /// The earliest `execute()` timeout.
    Execute,
    /// socketio: the next round-trip probe (`probeEvent`).
    RoundTrip,
    /// The `sendBatchMs` window of the sends buffered ends.
    SendBatch,
}

impl Timer {
    /// Every timer, in table order.
    pub const ALL: [Timer; 10] = [
        Timer::ConnectTimeout,
        Timer::Retry,
        Timer::Uptime,
        Timer::Heartbeat,
        Timer::QueueExpiry,
        Timer::Batch,
        Timer::Metrics,
        Timer::Execute,
        Timer::RoundTrip,
        Timer::SendBatch,
    ];
}

/// One optional deadline per [`Timer`].
#[derive(Debug, Clone, Default)]
pub struct Timers([Option<Instant>; Timer::ALL.len()]);

impl Timers {
    pub fn set(&mut self, timer: Timer, at: Option<Instant>) {
        self.0[timer as usize] = at;
    }

    pub fn get(&self, timer: Timer) -> Option<Instant> {
        self.0[timer as usize]
    }

    /// The earliest deadline, and whose it is.
    pub fn next(&self) -> Option<(Timer, Instant)> {
        let mut best: Option<(Timer, Instant)> = None;
        for t in Timer::ALL {
            if let Some(at) = self.get(t) {
                if best.is_none_or(|(_, b)| at < b) {
                    best = Some((t, at));
                }
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_the_earliest_entry() {
        let mut t = Timers::default();
        assert_eq!(t.next(), None);
        t.set(Timer::Metrics, Some(Instant(500.0)));
        t.set(Timer::Batch, Some(Instant(100.0)));
        assert_eq!(t.next(), Some((Timer::Batch, Instant(100.0))));
        t.set(Timer::Batch, None);
        assert_eq!(t.next(), Some((Timer::Metrics, Instant(500.0))));
    }
}
