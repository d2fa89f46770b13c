//! How a follower notices that the leader is gone or hung, and when it takes over.
//!
//! The leader posts a beat every [`BEAT_MS`] from a timer, and every relayed frame
//! counts as one too. A background tab's timers may be throttled (Chrome: once a minute
//! after 5 minutes hidden), so silence alone does not prove the leader dead. After
//! [`QUIET_MS`] of silence the follower *probes*: it posts a ping, which the leader
//! answers from its message handler. Message handlers are not throttled like timers,
//! so a throttled leader answers at once, while a hung one (a busy loop, a paused
//! debugger, a frozen tab) cannot. Without an answer within [`PROBE_WAIT_MS`] the follower
//! takes the lock from it (`steal`), after a random wait of up to [`STEAL_SPREAD_MS`]
//! so that several followers do not all steal at once (whoever hears a new leader
//! meanwhile stands down). A hung leader is so replaced within
//! `QUIET_MS + PROBE_WAIT_MS + STEAL_SPREAD_MS` (5.5 s) of its last sign of life.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::engine::time::{Duration, Instant};

/// How often the leader posts a beat (when it relays nothing).
pub const BEAT_MS: f64 = 1000.0;
/// Silence from the leader after which a follower probes it.
pub const QUIET_MS: f64 = 3000.0;
/// How long the follower waits for the probe's answer before taking over.
pub const PROBE_WAIT_MS: f64 = 2000.0;
/// The random extra wait before a steal, at the most.
pub const STEAL_SPREAD_MS: f64 = 500.0;

/// What the follower must do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    Nothing,
    /// Post a ping to the leader.
    Probe,
    /// Take the lock from the leader.
    Steal,
}

/// A follower's watch on its leader.
#[derive(Debug, Clone)]
pub struct Liveness {
    /// When the leader was last heard (`None`: not watching).
    heard_at: Option<Instant>,
    /// When the unanswered probe went out.
    probed_at: Option<Instant>,
    /// This follower's share of [`STEAL_SPREAD_MS`], in [0, 1).
    spread: f64,
}

impl Liveness {
    /// A watch whose steal waits `spread` (in [0, 1)) of [`STEAL_SPREAD_MS`] extra.
    pub fn new(spread: f64) -> Self {
        Liveness { heard_at: None, probed_at: None, spread: spread.clamp(0.0, 1.0) }
    }

    /// Starts (or restarts) watching at `now`, as if the leader had just been heard.
    pub fn watch(&mut self, now: Instant) {
        self.heard(now);
    }

    /// Stops watching (this tab leads, or left the sharing).
    pub fn stop(&mut self) {
        self.heard_at = None;
        self.probed_at = None;
    }

    /// The leader said something (a frame, a beat, an answer): it is alive.
    pub fn heard(&mut self, now: Instant) {
        self.heard_at = Some(now);
        self.probed_at = None;
    }

    pub fn watching(&self) -> bool {
        self.heard_at.is_some()
    }

    /// When [`Liveness::due`] has something to do.
    pub fn deadline(&self) -> Option<Instant> {
        match (self.heard_at, self.probed_at) {
            (None, _) => None,
            (Some(heard), None) => Some(heard + Duration(QUIET_MS)),
            (Some(_), Some(probed)) => Some(probed + Duration(PROBE_WAIT_MS + self.spread * STEAL_SPREAD_MS)),
        }
    }

    /// What is due at `now`. After a [`Due::Steal`] the watch stops (the caller takes
    /// the lock, or hears the leader that did).
    pub fn due(&mut self, now: Instant) -> Due {
        let Some(at) = self.deadline() else { return Due::Nothing };
        if !at.reached(now) {
            return Due::Nothing;
        }
        if self.probed_at.is_none() {
            self.probed_at = Some(now);
            Due::Probe
        } else {
            self.stop();
            Due::Steal
        }
    }
}

/// The leader's beat: due every [`BEAT_MS`] since it last posted anything.
#[derive(Debug, Clone, Default)]
pub struct Beat {
    last: Option<Instant>,
}

impl Beat {
    /// The leader posted something at `now` (a frame or a beat).
    pub fn posted(&mut self, now: Instant) {
        self.last = Some(now);
    }

    pub fn stop(&mut self) {
        self.last = None;
    }

    /// When the next beat is due (`None`: not leading).
    pub fn deadline(&self) -> Option<Instant> {
        self.last.map(|t| t + Duration(BEAT_MS))
    }

    /// Whether a beat is due at `now` (then counted as posted).
    pub fn due(&mut self, now: Instant) -> bool {
        match self.deadline() {
            Some(at) if at.reached(now) => {
                self.posted(now);
                true
            }
            _ => false,
        }
    }
}
