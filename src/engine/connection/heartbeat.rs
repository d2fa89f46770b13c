//! The heartbeat: when to probe an open connection, when an unanswered probe means the
//! socket is dead, and how a page that slept is told apart from a dead server.
//!
//! A probe goes out [`FIRST_PROBE_DELAY_MS`] after open (or after the interval, when
//! that is shorter), then an interval after the last frame answered one. Any frame
//! answers a probe. A probe unanswered for the timeout kills the socket, unless the
//! machine was silent much longer than the timeout before (the page slept, or its
//! timers were throttled: no reply could have been read meanwhile): then the probe is
//! re-sent once, with grace.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::engine::time::{Duration, Instant};

/// How soon after open the first probe goes out (or after `heartbeatIntervalMs`, when
/// that is shorter): its reply is the connection's first round trip and, on json, its
/// first clock offset, instead of one interval later.
pub const FIRST_PROBE_DELAY_MS: f64 = 1000.0;
/// How much longer than the heartbeat timeout a silence must last to count as a clock
/// jump: timers fire a few ms late, and up to a second late in background tabs.
pub(crate) const CLOCK_JUMP_SLACK_MS: f64 = 1000.0;

/// The outstanding probe.
#[derive(Debug, Clone, Copy)]
struct Probe {
    deadline: Instant,
    /// Re-sent after the clock jumped (sleep, throttling).
    grace: bool,
}

/// What the heartbeat wants at `now`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Due {
    Nothing,
    /// Send a probe (`grace`: the re-sent one after a clock jump).
    Probe { grace: bool },
    /// The probe went unanswered: the connection is dead.
    Timeout,
}

/// The heartbeat's state for one connection (cleared when it is lost).
///
/// With a server that pings ([`Heartbeat::opened_passive`]) nothing is probed: the
/// connection is dead when no ping came for the window the server's handshake gives
/// (its interval plus its timeout, plus [`CLOCK_JUMP_SLACK_MS`] for late timers), and
/// only a ping re-arms it (data traffic is not a heartbeat).
#[derive(Debug, Clone)]
pub(crate) struct Heartbeat {
    interval: Duration,
    timeout: Duration,
    /// The server-ping window, when the server pings.
    passive: Option<Duration>,
    next_probe_at: Option<Instant>,
    probe: Option<Probe>,
    /// When the last ping went out (json), for the round trip of its pong.
    ping_sent_at: Option<Instant>,
    /// When an input last reached the machine.
    last_input_at: Instant,
}

impl Heartbeat {
    /// `interval_ms` 0 turns probing off.
    pub(crate) fn new(interval_ms: f64, timeout_ms: f64) -> Self {
        Heartbeat {
            interval: Duration(interval_ms),
            timeout: Duration(timeout_ms),
            passive: None,
            next_probe_at: None,
            probe: None,
            ping_sent_at: None,
            last_input_at: Instant(0.0),
        }
    }

    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }

    fn enabled(&self) -> bool {
        self.interval.ms() > 0.0
    }

    /// The connection opened at `now`.
    pub(crate) fn opened(&mut self, now: Instant) {
        self.next_probe_at = self.enabled().then_some(now + Duration(self.interval.ms().min(FIRST_PROBE_DELAY_MS)));
    }

    /// The connection opened at `now` with a server that pings every `interval_ms` and
    /// gives up `timeout_ms` after a ping.
    #[cfg_attr(not(feature = "socketio"), allow(dead_code))]
    pub(crate) fn opened_passive(&mut self, now: Instant, interval_ms: f64, timeout_ms: f64) {
        let window = Duration(interval_ms + timeout_ms + CLOCK_JUMP_SLACK_MS);
        self.passive = Some(window);
        self.next_probe_at = None;
        self.probe = Some(Probe { deadline: now + window, grace: false });
    }

    /// The server pinged at `now` (passive mode): the window starts again.
    #[cfg_attr(not(feature = "socketio"), allow(dead_code))]
    pub(crate) fn pinged(&mut self, now: Instant) {
        if let Some(window) = self.passive {
            self.probe = Some(Probe { deadline: now + window, grace: false });
        }
    }

    /// A frame arrived on the open connection: it answers the probe, if one is out
    /// (not in passive mode, where only a ping counts).
    pub(crate) fn heard(&mut self, now: Instant) {
        if self.passive.is_some() {
            return;
        }
        if self.probe.take().is_some() && self.enabled() {
            self.next_probe_at = Some(now + self.interval);
        }
    }

    /// Records an input at `now`; whether the silence before it was a clock jump.
    pub(crate) fn input(&mut self, now: Instant) -> bool {
        let jumped = now.since(self.last_input_at).ms() > self.timeout.ms() + CLOCK_JUMP_SLACK_MS;
        self.last_input_at = now;
        jumped
    }

    /// What is due at `now` on an open connection; `jumped` from [`Heartbeat::input`].
    pub(crate) fn due(&self, now: Instant, jumped: bool) -> Due {
        if self.passive.is_some() {
            // A page that slept may not have read the ping waiting in the socket yet.
            return match self.probe {
                Some(p) if p.deadline.reached(now) && jumped && !p.grace => Due::Probe { grace: true },
                Some(p) if p.deadline.reached(now) => Due::Timeout,
                _ => Due::Nothing,
            };
        }
        match self.probe {
            Some(p) if p.deadline.reached(now) => {
                if jumped && !p.grace {
                    Due::Probe { grace: true }
                } else {
                    Due::Timeout
                }
            }
            None if self.next_probe_at.is_some_and(|n| n.reached(now)) => Due::Probe { grace: false },
            _ => Due::Nothing,
        }
    }

    /// A probe went out at `now` (in passive mode, nothing went out: a grace window).
    pub(crate) fn sent(&mut self, now: Instant, grace: bool) {
        let wait = self.passive.unwrap_or(self.timeout);
        self.probe = Some(Probe { deadline: now + wait, grace });
        self.next_probe_at = None;
    }

    /// A ping (a probe that a pong answers) went out at `now`.
    pub(crate) fn ping_sent(&mut self, now: Instant) {
        self.ping_sent_at = Some(now);
    }

    /// When the ping a pong answers went out (once per ping).
    pub(crate) fn take_ping(&mut self) -> Option<Instant> {
        self.ping_sent_at.take()
    }

    /// The connection is gone: nothing is due, and a pong on the next connection is not
    /// timed from a ping of this one.
    pub(crate) fn clear(&mut self) {
        self.passive = None;
        self.probe = None;
        self.next_probe_at = None;
        self.ping_sent_at = None;
    }

    /// The next time something is due.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        match self.probe {
            Some(p) => Some(p.deadline),
            None => self.next_probe_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_after_open_then_times_out() {
        let mut h = Heartbeat::new(30_000.0, 10_000.0);
        h.opened(Instant(0.0));
        assert_eq!(h.deadline(), Some(Instant(FIRST_PROBE_DELAY_MS)));
        assert_eq!(h.due(Instant(999.0), false), Due::Nothing);
        assert_eq!(h.due(Instant(1000.0), false), Due::Probe { grace: false });
        h.sent(Instant(1000.0), false);
        assert_eq!(h.deadline(), Some(Instant(11_000.0)));
        assert_eq!(h.due(Instant(11_000.0), false), Due::Timeout);
        assert_eq!(h.due(Instant(11_000.0), true), Due::Probe { grace: true }, "a jump earns one re-probe");
    }

    #[test]
    fn any_frame_answers_and_reschedules() {
        let mut h = Heartbeat::new(30_000.0, 10_000.0);
        h.opened(Instant(0.0));
        h.sent(Instant(1000.0), false);
        h.heard(Instant(1500.0));
        assert_eq!(h.deadline(), Some(Instant(31_500.0)));
    }

    #[test]
    fn a_long_silence_is_a_jump() {
        let mut h = Heartbeat::new(30_000.0, 10_000.0);
        assert!(!h.input(Instant(5_000.0)));
        assert!(!h.input(Instant(16_000.0)));
        assert!(h.input(Instant(27_001.0)));
    }

    #[test]
    fn a_server_that_pings_is_dead_a_window_after_its_last_ping() {
        let mut h = Heartbeat::new(15_000.0, 10_000.0);
        h.opened_passive(Instant(0.0), 2000.0, 1000.0);
        assert_eq!(h.deadline(), Some(Instant(4000.0)), "interval + timeout + slack");
        h.heard(Instant(1000.0));
        assert_eq!(h.deadline(), Some(Instant(4000.0)), "data is not a heartbeat");
        h.pinged(Instant(2000.0));
        assert_eq!(h.deadline(), Some(Instant(6000.0)));
        assert_eq!(h.due(Instant(5999.0), false), Due::Nothing);
        assert_eq!(h.due(Instant(6000.0), false), Due::Timeout);
        assert_eq!(h.due(Instant(6000.0), true), Due::Probe { grace: true }, "after a sleep: one more window");
        h.sent(Instant(6000.0), true);
        assert_eq!(h.due(Instant(10_000.0), false), Due::Timeout);
    }

    #[test]
    fn interval_zero_never_probes() {
        let mut h = Heartbeat::new(0.0, 10_000.0);
        h.opened(Instant(0.0));
        assert_eq!(h.deadline(), None);
    }
}
