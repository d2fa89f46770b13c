//! Folds bursts of state frames into batches.
//!
//! A frame opens a batch. The batch is ready when `window_ms` passes with no new frame,
//! when it holds `max_size` frames, when `max_wait_ms` has passed since it opened, or at
//! once when a frame carries a critical kind, whichever comes first. Each batch keeps
//! the union of flags, a count per kind and only the most recent frame per context, so
//! superseded frames cost no memory.
//!
//! Backpressure: while a delivered batch is in flight (its callback's Promise has not
//! settled), new frames keep folding into the one pending batch, which may then grow
//! past `max_size`; it is delivered as soon as the previous one settles. Memory stays
//! O(contexts + kinds), never O(frames) (except with `collect_events`, which by its
//! nature keeps every frame, up to `MAX_COLLECTED_FRAMES`).

#[allow(unused_imports)]
use crate::prelude::*;

use crate::engine::delivery::refresh::KindId;

/// Frames kept for `collectEvents` in one batch at the most; past that, the batch is
/// marked `eventsTruncated` and further frames keep only their flags, kinds and latest.
pub const MAX_COLLECTED_FRAMES: usize = 10_000;
/// Distinct contexts one batch keeps a latest frame for at the most. Past that, frames of
/// new contexts still count in flags and kinds and the batch is marked `latestTruncated`.
pub const MAX_LATEST_CONTEXTS: usize = 4_096;

/// Batching settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchConfig {
    pub window_ms: f64,
    pub max_size: u32,
    pub max_wait_ms: f64,
    pub collect_events: bool,
    /// Keep the newest frame per (scope, first kind) instead of per scope: Socket.IO's
    /// `latest[ns]` holds the newest arguments of each event name.
    pub latest_per_kind: bool,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig { window_ms: 100.0, max_size: 10, max_wait_ms: 300.0, collect_events: false, latest_per_kind: false }
    }
}

/// One batch, as handed to the app. `P` is the frame as kept (its text, or a handle to it).
#[derive(Debug, Clone, PartialEq)]
pub struct Batch<P> {
    /// Frames folded in.
    pub size: u32,
    /// Union of the flag bits of every event of every frame (and `RESYNC_BIT`).
    pub flags: u64,
    /// Count per event kind.
    pub kinds: Vec<(KindId, u32)>,
    /// The most recent frame per context (per context and kind with
    /// [`BatchConfig::latest_per_kind`]), in order of first frame.
    pub latest: Vec<(Box<str>, P)>,
    /// With [`BatchConfig::latest_per_kind`]: the kind of each `latest` entry.
    pub latest_kinds: Vec<KindId>,
    /// The scopes a scoped `resync` was raised for ([`Batcher::raise_scoped`]).
    pub resync_scopes: Vec<Box<str>>,
    /// Every frame in arrival order, with `collect_events`.
    pub frames: Vec<(Box<str>, P)>,
    /// When the first frame arrived.
    pub opened_at: f64,
    /// Why it was delivered.
    pub reason: FlushReason,
    pub latest_truncated: bool,
    pub events_truncated: bool,
}

impl<P> Batch<P> {
    /// Whether the app must refetch everything (a reconnect or a `seq` gap).
    pub fn resync(&self) -> bool {
        self.flags & crate::engine::delivery::refresh::RESYNC_BIT != 0
    }
}

/// What made a batch ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlushReason {
    Window,
    MaxSize,
    MaxWait,
    Critical,
    /// Delivered when the manager was closed, so nothing is lost.
    Close,
}

impl FlushReason {
    /// Its index in the order of the enum (the JS batch builder's table).
    pub fn index(self) -> u32 {
        self as u32
    }

    pub fn name(self) -> &'static str {
        match self {
            FlushReason::Window => "window",
            FlushReason::MaxSize => "maxSize",
            FlushReason::MaxWait => "maxWait",
            FlushReason::Critical => "critical",
            FlushReason::Close => "close",
        }
    }
}

/// A frame's part in a batch.
pub struct FrameFold<'k> {
    pub scope: &'k str,
    pub kinds: &'k [KindId],
    pub mask: u64,
    pub critical: bool,
}

/// The batching state machine.
#[derive(Debug)]
pub struct Batcher<P> {
    cfg: BatchConfig,
    pending: Option<Batch<P>>,
    last_frame_at: f64,
    /// Set when the pending batch must go out as soon as nothing is in flight.
    ready: Option<FlushReason>,
    in_flight: bool,
}

impl<P: Clone> Batcher<P> {
    pub fn new(cfg: BatchConfig) -> Self {
        Batcher { cfg, pending: None, last_frame_at: 0.0, ready: None, in_flight: false }
    }

    pub fn config(&self) -> BatchConfig {
        self.cfg
    }

    /// Folds one frame into the pending batch.
    pub fn push(&mut self, now: f64, frame: FrameFold<'_>, payload: P) {
        let collect = self.cfg.collect_events;
        let b = self.pending.get_or_insert_with(|| Batch {
            size: 0,
            flags: 0,
            kinds: Vec::new(),
            latest: Vec::new(),
            latest_kinds: Vec::new(),
            resync_scopes: Vec::new(),
            frames: Vec::new(),
            opened_at: now,
            reason: FlushReason::Window,
            latest_truncated: false,
            events_truncated: false,
        });
        b.size += 1;
        b.flags |= frame.mask;
        for &k in frame.kinds {
            match b.kinds.iter_mut().find(|(id, _)| *id == k) {
                Some((_, n)) => *n += 1,
                None => b.kinds.push((k, 1)),
            }
        }
        if collect {
            if b.frames.len() < MAX_COLLECTED_FRAMES {
                b.frames.push((frame.scope.into(), payload.clone()));
            } else {
                b.events_truncated = true;
            }
        }
        let per_kind = self.cfg.latest_per_kind;
        let kind = frame.kinds.first().copied().unwrap_or(KindId::MAX);
        let slot = b.latest.iter().enumerate().position(|(i, (c, _))| &**c == frame.scope && (!per_kind || b.latest_kinds[i] == kind));
        if let Some(i) = slot {
            b.latest[i].1 = payload;
        } else if b.latest.len() < MAX_LATEST_CONTEXTS {
            b.latest.push((frame.scope.into(), payload));
            if per_kind {
                b.latest_kinds.push(kind);
            }
        } else {
            b.latest_truncated = true;
        }
        self.last_frame_at = now;
        if frame.critical {
            self.ready = Some(FlushReason::Critical);
        } else if self.ready.is_none() && b.size >= self.cfg.max_size {
            self.ready = Some(FlushReason::MaxSize);
        }
    }

    /// Raises `flags` on the pending batch, opening an empty one if needed
    /// (used for `resync`, which must reach the app even with no frame).
    pub fn raise(&mut self, now: f64, flags: u64) {
        match &mut self.pending {
            Some(b) => b.flags |= flags,
            None => {
                self.pending = Some(Batch {
                    size: 0,
                    flags,
                    kinds: Vec::new(),
                    latest: Vec::new(),
                    latest_kinds: Vec::new(),
                    resync_scopes: Vec::new(),
                    frames: Vec::new(),
                    opened_at: now,
                    reason: FlushReason::Window,
                    latest_truncated: false,
                    events_truncated: false,
                });
                self.last_frame_at = now;
            }
        }
    }

    /// [`Batcher::raise`] for one scope, which the batch lists in `resync_scopes`.
    #[cfg_attr(not(feature = "socketio"), allow(dead_code))]
    pub(crate) fn raise_scoped(&mut self, now: f64, flags: u64, scope: &str) {
        self.raise(now, flags);
        if let Some(b) = &mut self.pending {
            if !b.resync_scopes.iter().any(|s| &**s == scope) && b.resync_scopes.len() < MAX_LATEST_CONTEXTS {
                b.resync_scopes.push(scope.into());
            }
        }
    }

    /// When the pending batch becomes due, if one is pending and nothing is in flight.
    pub fn deadline(&self) -> Option<f64> {
        if self.in_flight {
            return None;
        }
        let b = self.pending.as_ref()?;
        if self.ready.is_some() {
            return Some(b.opened_at.min(self.last_frame_at));
        }
        Some((self.last_frame_at + self.cfg.window_ms).min(b.opened_at + self.cfg.max_wait_ms))
    }

    /// Takes the pending batch if it is due at `now`; marks it in flight.
    pub fn poll(&mut self, now: f64) -> Option<Batch<P>> {
        let due = self.deadline()?;
        if now < due {
            return None;
        }
        let mut b = self.pending.take()?;
        b.reason = self.ready.take().unwrap_or(if now >= b.opened_at + self.cfg.max_wait_ms
            && self.last_frame_at + self.cfg.window_ms > b.opened_at + self.cfg.max_wait_ms
        {
            FlushReason::MaxWait
        } else {
            FlushReason::Window
        });
        self.in_flight = true;
        Some(b)
    }

    /// Makes the pending batch due at once (on close), so nothing is left behind.
    pub fn flush_now(&mut self) {
        if self.pending.is_some() {
            self.ready = Some(FlushReason::Close);
        }
    }

    /// The app finished with the batch in flight.
    pub fn settled(&mut self) {
        self.in_flight = false;
    }

    pub fn in_flight(&self) -> bool {
        self.in_flight
    }

    /// Frames waiting in the pending batch.
    pub fn pending_size(&self) -> u32 {
        self.pending.as_ref().map_or(0, |b| b.size)
    }

    /// Drops everything pending (used by `free`).
    pub fn clear(&mut self) {
        self.pending = None;
        self.ready = None;
        self.in_flight = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame<'a>(ctx: &'a str, kinds: &'a [KindId], mask: u64) -> FrameFold<'a> {
        FrameFold { scope: ctx, kinds, mask, critical: false }
    }

    fn batcher(window: f64, max: u32, wait: f64) -> Batcher<u32> {
        Batcher::new(BatchConfig { window_ms: window, max_size: max, max_wait_ms: wait, collect_events: false, latest_per_kind: false })
    }

    #[test]
    fn window_flushes_after_quiet() {
        let mut b = batcher(100.0, 10, 300.0);
        b.push(0.0, frame("c", &[1], 1), 1);
        b.push(50.0, frame("c", &[1], 1), 2);
        assert_eq!(b.deadline(), Some(150.0), "the window restarts with each frame");
        assert!(b.poll(149.0).is_none());
        let batch = b.poll(150.0).unwrap();
        assert_eq!((batch.size, batch.reason), (2, FlushReason::Window));
        assert_eq!(batch.latest, vec![("c".into(), 2)]);
        assert!(b.deadline().is_none(), "in flight until settled");
    }

    #[test]
    fn max_size_flushes_at_once() {
        let mut b = batcher(100.0, 3, 300.0);
        for i in 0..3 {
            b.push(i as f64, frame("c", &[], 0), i);
        }
        assert_eq!(b.deadline(), Some(0.0));
        let batch = b.poll(2.0).unwrap();
        assert_eq!((batch.size, batch.reason), (3, FlushReason::MaxSize));
    }

    #[test]
    fn max_wait_bounds_a_steady_stream() {
        let mut b = batcher(100.0, 1000, 300.0);
        let mut t = 0.0;
        let mut delivered = Vec::new();
        for i in 0..100 {
            b.push(t, frame("c", &[], 0), i);
            t += 50.0;
            if let Some(batch) = b.poll(t) {
                delivered.push((batch.size, batch.reason, t));
                b.settled();
            }
        }
        assert!(!delivered.is_empty(), "a frame every 50 ms must not starve the app");
        assert_eq!(delivered[0].1, FlushReason::MaxWait);
        assert!(delivered.iter().all(|(_, _, at)| at % 300.0 == 0.0));
        let total: u32 = delivered.iter().map(|d| d.0).sum::<u32>() + b.pending_size();
        assert_eq!(total, 100);
    }

    #[test]
    fn critical_kind_flushes_at_once() {
        let mut b = batcher(100.0, 10, 300.0);
        b.push(0.0, frame("c", &[1], 0), 1);
        b.push(5.0, FrameFold { scope: "c", kinds: &[2], mask: 0, critical: true }, 2);
        let batch = b.poll(5.0).unwrap();
        assert_eq!((batch.size, batch.reason), (2, FlushReason::Critical));
    }

    #[test]
    fn flags_union_and_kind_counts_across_frames() {
        let mut b = batcher(100.0, 10, 300.0);
        b.push(0.0, frame("a", &[1, 1], 0b001), 1);
        b.push(1.0, frame("b", &[2], 0b010), 2);
        b.push(2.0, frame("a", &[3, 1], 0b100), 3);
        let batch = b.poll(102.0).unwrap();
        assert_eq!(batch.flags, 0b111);
        assert_eq!(batch.kinds, vec![(1, 3), (2, 1), (3, 1)]);
        assert_eq!(batch.latest, vec![("a".into(), 3), ("b".into(), 2)], "latest per context, first-seen order");
    }

    #[test]
    fn backpressure_merges_into_one_pending_batch() {
        let mut b = batcher(100.0, 10, 300.0);
        for i in 0..10 {
            b.push(0.0, frame("a", &[1], 1), i);
        }
        let first = b.poll(0.0).unwrap();
        assert_eq!(first.size, 10);
        // Three bursts while the app is still busy with the first batch.
        for burst in 0..3u32 {
            for i in 0..10 {
                let ctx = if i % 2 == 0 { "a" } else { "b" };
                b.push(100.0 * burst as f64, frame(ctx, &[2], 2), 100 + burst * 10 + i);
            }
            assert!(b.poll(1000.0).is_none(), "nothing overlaps a batch in flight");
        }
        b.settled();
        let merged = b.poll(300.0).unwrap();
        assert_eq!(merged.size, 30, "no frame lost");
        assert_eq!(merged.flags, 2);
        assert_eq!(merged.latest.len(), 2, "memory O(contexts)");
        assert_eq!(merged.latest[0].1, 128);
        assert_eq!(merged.latest[1].1, 129);
    }

    #[test]
    fn collect_events_keeps_every_frame_in_order() {
        let mut b: Batcher<u32> = Batcher::new(BatchConfig { collect_events: true, ..Default::default() });
        b.push(0.0, frame("a", &[], 0), 1);
        b.push(0.0, frame("b", &[], 0), 2);
        b.push(0.0, frame("a", &[], 0), 3);
        let batch = b.poll(100.0).unwrap();
        let order: Vec<u32> = batch.frames.iter().map(|f| f.1).collect();
        assert_eq!(order, [1, 2, 3]);
    }

    #[test]
    fn resync_opens_an_empty_batch() {
        let mut b = batcher(100.0, 10, 300.0);
        b.raise(0.0, 1 << 63);
        let batch = b.poll(100.0).unwrap();
        assert_eq!((batch.size, batch.flags), (0, 1 << 63));
    }

    #[test]
    fn latest_per_kind_keeps_the_newest_frame_of_each_kind() {
        let mut b = Batcher::new(BatchConfig { latest_per_kind: true, ..BatchConfig::default() });
        b.push(0.0, frame("/g", &[1], 1), 10);
        b.push(1.0, frame("/g", &[2], 1), 11);
        b.push(2.0, frame("/g", &[1], 1), 12);
        let batch = b.poll(500.0).unwrap();
        assert_eq!(batch.latest, vec![("/g".into(), 12), ("/g".into(), 11)]);
        assert_eq!(batch.latest_kinds, vec![1, 2]);
        assert_eq!(batch.size, 3, "size counts events");
    }

    #[test]
    fn latest_map_is_bounded() {
        let mut b = batcher(100.0, u32::MAX, 1e9);
        for i in 0..(MAX_LATEST_CONTEXTS + 10) {
            b.push(0.0, frame(&format!("c{i}"), &[], 0), i as u32);
        }
        let batch = b.poll(100.0).unwrap();
        assert_eq!(batch.latest.len(), MAX_LATEST_CONTEXTS);
        assert!(batch.latest_truncated);
        assert_eq!(batch.size as usize, MAX_LATEST_CONTEXTS + 10);
    }
}
