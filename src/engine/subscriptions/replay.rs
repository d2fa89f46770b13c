//! Presence a probe makes the node replay. A Calimero heartbeat probe is a
//! re-subscribe, and the node answers every subscribe by replaying the current presence
//! of its contexts (`Ephemeral` frames with `ageMs`). Such frames, for the contexts the
//! probe re-subscribed, are dropped until [`PROBE_REPLAY_WINDOW_MS`] after the probe's
//! reply (until the heartbeat timeout while unanswered), so a probe has no visible
//! effect. Live presence (no `ageMs`) always passes.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::engine::time::{Duration, Instant};

/// How long after a probe's reply its replayed presence is still dropped.
pub const PROBE_REPLAY_WINDOW_MS: f64 = 1000.0;

/// The window of the last probe.
#[derive(Debug, Clone, Default)]
pub(crate) struct Replay {
    window: Option<(u64, Vec<String>, Instant)>,
}

impl Replay {
    /// Probe `probe_id` re-subscribed `ids`; drop their replay until `until`.
    pub(crate) fn open(&mut self, probe_id: u64, ids: Vec<String>, until: Instant) {
        self.window = Some((probe_id, ids, until));
    }

    /// A reply (or error) to request `id` came at `now`: if it answers the probe, the
    /// window closes [`PROBE_REPLAY_WINDOW_MS`] later.
    pub(crate) fn answered(&mut self, id: Option<u64>, now: Instant) {
        if let Some(w) = self.window.as_mut().filter(|w| Some(w.0) == id) {
            w.2 = now + Duration(PROBE_REPLAY_WINDOW_MS);
        }
    }

    /// Whether a replayed presence frame of `scope` at `now` is the probe's doing.
    pub(crate) fn drops(&self, scope: &str, now: Instant) -> bool {
        self.window.as_ref().is_some_and(|(_, ids, until)| now.ms() <= until.ms() && ids.iter().any(|i| i == scope))
    }

    pub(crate) fn clear(&mut self) {
        self.window = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_the_probes_contexts_until_shortly_after_its_reply() {
        let mut r = Replay::default();
        r.open(7, vec!["a".into()], Instant(10_000.0));
        assert!(r.drops("a", Instant(100.0)));
        assert!(!r.drops("b", Instant(100.0)), "only the probe's contexts");
        r.answered(Some(8), Instant(200.0));
        assert!(r.drops("a", Instant(5_000.0)), "another reply does not close it");
        r.answered(Some(7), Instant(200.0));
        assert!(r.drops("a", Instant(1_200.0)));
        assert!(!r.drops("a", Instant(1_201.0)));
    }
}
