//! Latency measurement: server timestamps, round trips, clock offset, percentiles.
//!
//! - [`to_epoch_ms`] tells seconds, milliseconds, microseconds and nanoseconds since the
//!   epoch apart by magnitude.
//! - [`Window`] keeps the last N samples in a ring (memory fixed at creation) and
//!   summarizes them: count, min, max, mean, p50, p95, p99.
//! - [`ClockOffset`] estimates how far the server's clock is ahead of the client's, the
//!   NTP way: for a request sent at client time `t0`, stamped by the server at `ts` and
//!   answered at client time `t3`, the offset is `ts - (t0 + t3) / 2` and the round trip
//!   `t3 - t0`. The half round trip bounds the error, so the estimate kept is the one of
//!   the fastest round trip among the last [`OFFSET_SAMPLES`].
//! - [`LatencyTracker`] holds the overall window (raw and offset-corrected), a window per
//!   event kind (bounded count of kinds), and the round-trip window.

#[allow(unused_imports)]
use crate::prelude::*;

/// Round trips kept for the clock-offset estimate.
pub const OFFSET_SAMPLES: usize = 8;
/// Event kinds with a latency window of their own; later kinds share the last one.
pub const MAX_KIND_WINDOWS: usize = 64;
/// Samples per kind window (at most; less when `latencySampleSize` is smaller).
pub const KIND_WINDOW: usize = 200;

/// Converts a timestamp of unknown unit to milliseconds since the epoch.
/// Values below 1e11 are seconds (until the year 5138), below 1e14 milliseconds,
/// below 1e17 microseconds, larger ones nanoseconds. Non-positive values are refused.
pub fn to_epoch_ms(v: f64) -> Option<f64> {
    if !v.is_finite() || v <= 0.0 {
        return None;
    }
    Some(if v < 1e11 {
        v * 1e3
    } else if v < 1e14 {
        v
    } else if v < 1e17 {
        v / 1e3
    } else {
        v / 1e6
    })
}

/// A summary of a window of samples.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Summary {
    /// Samples ever added (not only those in the window).
    pub count: u64,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
}

/// The last `cap` samples, in a ring.
#[derive(Debug, Clone)]
pub struct Window {
    ring: Vec<f32>,
    cap: usize,
    next: usize,
    count: u64,
}

impl Window {
    pub fn new(cap: usize) -> Self {
        Window { ring: Vec::new(), cap: cap.max(1), next: 0, count: 0 }
    }

    pub fn push(&mut self, v: f64) {
        let v = v as f32;
        if self.ring.len() < self.cap {
            self.ring.push(v);
        } else {
            self.ring[self.next] = v;
        }
        self.next = (self.next + 1) % self.cap;
        self.count += 1;
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.ring.is_empty()
    }

    /// The most recent `n` samples, newest first.
    pub fn recent(&self, n: usize) -> impl Iterator<Item = f64> + '_ {
        let len = self.ring.len();
        (0..n.min(len)).map(move |i| self.ring[(self.next + self.cap - 1 - i) % self.cap] as f64)
    }

    /// Summary over the window (all zero when empty).
    pub fn summary(&self) -> Summary {
        if self.ring.is_empty() {
            return Summary { count: self.count, ..Default::default() };
        }
        let mut sorted = self.ring.clone();
        heap_sort(&mut sorted);
        let n = sorted.len();
        let pick = |p: f64| sorted[(crate::core::float::ceil((n as f64) * p) as usize).clamp(1, n) - 1] as f64;
        let sum: f64 = sorted.iter().map(|&v| v as f64).sum();
        Summary {
            count: self.count,
            min: sorted[0] as f64,
            max: sorted[n - 1] as f64,
            mean: sum / n as f64,
            p50: pick(0.50),
            p95: pick(0.95),
            p99: pick(0.99),
        }
    }

    pub fn clear(&mut self) {
        self.ring.clear();
        self.next = 0;
        self.count = 0;
    }

    /// Counts of the window's samples per bucket: bucket `i` holds samples under
    /// `HISTOGRAM_BOUNDS[i]` (and at or over the bound before it); the last bucket
    /// holds the rest.
    pub fn histogram(&self) -> [u32; HISTOGRAM_BOUNDS.len() + 1] {
        let mut counts = [0u32; HISTOGRAM_BOUNDS.len() + 1];
        for &v in &self.ring {
            let i = HISTOGRAM_BOUNDS.iter().position(|&b| (v as f64) < b).unwrap_or(HISTOGRAM_BOUNDS.len());
            counts[i] += 1;
        }
        counts
    }
}

/// Upper bounds (ms) of the latency histogram's buckets, roughly logarithmic.
pub const HISTOGRAM_BOUNDS: [f64; 12] = [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0];

/// Sorts in place (a heapsort: a few dozen bytes of wasm instead of the standard
/// library's sort, and O(n log n) on every input).
fn heap_sort(v: &mut [f32]) {
    fn sift(v: &mut [f32], mut root: usize, end: usize) {
        loop {
            let mut child = 2 * root + 1;
            if child >= end {
                return;
            }
            if child + 1 < end && v[child].total_cmp(&v[child + 1]).is_lt() {
                child += 1;
            }
            if v[root].total_cmp(&v[child]).is_ge() {
                return;
            }
            v.swap(root, child);
            root = child;
        }
    }
    let n = v.len();
    for i in (0..n / 2).rev() {
        sift(v, i, n);
    }
    for end in (1..n).rev() {
        v.swap(0, end);
        sift(v, 0, end);
    }
}

/// The server-minus-client clock offset, from the fastest recent round trip.
#[derive(Debug, Clone, Default)]
pub struct ClockOffset {
    /// `(round trip, offset)` of the last samples.
    samples: Vec<(f64, f64)>,
    next: usize,
}

impl ClockOffset {
    /// A request sent at `t0`, stamped `server_ts` (ms) by the server, answered at `t3`.
    pub fn add(&mut self, t0: f64, server_ts: f64, t3: f64) {
        let rtt = (t3 - t0).max(0.0);
        let offset = server_ts - (t0 + t3) / 2.0;
        if self.samples.len() < OFFSET_SAMPLES {
            self.samples.push((rtt, offset));
        } else {
            self.samples[self.next] = (rtt, offset);
        }
        self.next = (self.next + 1) % OFFSET_SAMPLES;
    }

    /// The offset (server clock minus client clock, ms), if any round trip was stamped.
    pub fn offset(&self) -> Option<f64> {
        self.samples.iter().min_by(|a, b| a.0.total_cmp(&b.0)).map(|s| s.1)
    }

    /// The error bound of [`ClockOffset::offset`]: half its round trip.
    pub fn uncertainty(&self) -> Option<f64> {
        self.samples.iter().map(|s| s.0).min_by(|a, b| a.total_cmp(b)).map(|r| r / 2.0)
    }

    pub fn clear(&mut self) {
        self.samples.clear();
        self.next = 0;
    }
}

/// Every latency view of a manager.
#[derive(Debug, Clone)]
pub struct LatencyTracker {
    /// Receive time minus server timestamp, as measured.
    pub raw: Window,
    /// The same, corrected by the clock offset (equal to `raw` until an offset is known).
    pub corrected: Window,
    /// Round trips of heartbeat probes, subscribe replies and pongs.
    pub rtt: Window,
    pub offset: ClockOffset,
    kinds: Vec<(Box<str>, Window)>,
    kind_cap: usize,
}

impl LatencyTracker {
    pub fn new(sample_size: usize) -> Self {
        LatencyTracker {
            raw: Window::new(sample_size),
            corrected: Window::new(sample_size),
            rtt: Window::new(sample_size),
            offset: ClockOffset::default(),
            kinds: Vec::new(),
            kind_cap: sample_size.min(KIND_WINDOW),
        }
    }

    /// A frame stamped `server_ts` (any unit) arrived at `now`; returns the corrected
    /// latency in ms, or `None` when the stamp is unusable.
    pub fn frame(&mut self, now: f64, server_ts: f64, kinds: &[&str]) -> Option<f64> {
        let ts = to_epoch_ms(server_ts)?;
        let raw = now - ts;
        let corrected = raw + self.offset.offset().unwrap_or(0.0);
        self.raw.push(raw);
        self.corrected.push(corrected);
        for (i, kind) in kinds.iter().enumerate() {
            if kinds[..i].contains(kind) {
                continue;
            }
            self.kind_window(kind).push(corrected);
        }
        Some(corrected)
    }

    fn kind_window(&mut self, kind: &str) -> &mut Window {
        let i = match self.kinds.iter().position(|(k, _)| &**k == kind) {
            Some(i) => i,
            None if self.kinds.len() < MAX_KIND_WINDOWS => {
                self.kinds.push((kind.into(), Window::new(self.kind_cap)));
                self.kinds.len() - 1
            }
            None => self.kinds.len() - 1,
        };
        &mut self.kinds[i].1
    }

    /// Per-kind summaries.
    pub fn by_kind(&self) -> impl Iterator<Item = (&str, Summary)> {
        self.kinds.iter().map(|(k, w)| (&**k, w.summary()))
    }

    pub fn clear(&mut self) {
        self.raw.clear();
        self.corrected.clear();
        self.rtt.clear();
        self.kinds.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_told_apart_by_magnitude() {
        let ms = 1_763_900_000_123.0;
        assert_eq!(to_epoch_ms(1_763_900_000.123).map(|v| v.round()), Some(ms));
        assert_eq!(to_epoch_ms(ms), Some(ms));
        assert_eq!(to_epoch_ms(ms * 1e3), Some(ms));
        assert_eq!(to_epoch_ms(ms * 1e6), Some(ms));
        assert_eq!(to_epoch_ms(0.0), None);
        assert_eq!(to_epoch_ms(-5.0), None);
        assert_eq!(to_epoch_ms(f64::NAN), None);
    }

    #[test]
    fn percentiles_over_the_window() {
        let mut w = Window::new(100);
        for v in 1..=100 {
            w.push(v as f64);
        }
        let s = w.summary();
        assert_eq!((s.count, s.min, s.max, s.mean), (100, 1.0, 100.0, 50.5));
        assert_eq!((s.p50, s.p95, s.p99), (50.0, 95.0, 99.0));
        // The window forgets: 100 more samples of 1000 replace every old one.
        for _ in 0..100 {
            w.push(1000.0);
        }
        let s = w.summary();
        assert_eq!((s.count, s.min, s.p50), (200, 1000.0, 1000.0));
    }

    #[test]
    fn histogram_buckets() {
        let mut w = Window::new(100);
        for v in [0.5, 1.0, 3.0, 49.0, 50.0, 99.0, 6000.0, -3.0] {
            w.push(v);
        }
        let h = w.histogram();
        assert_eq!(h.iter().sum::<u32>(), 8);
        assert_eq!(h[0], 2, "under 1 ms (a negative raw latency counts here)");
        assert_eq!(h[1], 1);
        assert_eq!(h[2], 1);
        assert_eq!(h[5], 1, "49 is under 50");
        assert_eq!(h[6], 2, "50 and 99 are under 100");
        assert_eq!(h[12], 1, "5 s and over");
    }

    #[test]
    fn heap_sort_sorts() {
        let mut v: Vec<f32> = (0..1000).map(|i| ((i * 7919) % 1000) as f32).collect();
        heap_sort(&mut v);
        assert!(v.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(v[0], 0.0);
        assert_eq!(v[999], 999.0);
    }

    #[test]
    fn window_memory_is_fixed() {
        let mut w = Window::new(1000);
        for i in 0..1_000_000 {
            w.push(i as f64);
        }
        assert_eq!(w.ring.len(), 1000);
        assert!(w.ring.capacity() <= 2048);
        assert_eq!(w.recent(3).collect::<Vec<_>>(), [999_999.0, 999_998.0, 999_997.0]);
    }

    #[test]
    fn offset_comes_from_the_fastest_round_trip() {
        let mut o = ClockOffset::default();
        // Server clock 500 ms ahead. A slow, asymmetric round trip (reply delayed 300 ms)...
        o.add(1000.0, 1010.0 + 500.0, 1320.0);
        // ...and a fast one.
        o.add(2000.0, 2005.0 + 500.0, 2010.0);
        assert_eq!(o.offset(), Some(500.0));
        assert_eq!(o.uncertainty(), Some(5.0));
    }

    #[test]
    fn corrected_latency_uses_the_offset() {
        const T: f64 = 1.7e12;
        let mut t = LatencyTracker::new(100);
        // Before any offset: corrected equals raw.
        assert_eq!(t.frame(T + 10_000.0, T + 9_950.0, &["A"]), Some(50.0));
        // The server clock runs 200 ms behind the client, so a frame stamped 250 ms
        // before its arrival (raw) really took 50 ms.
        t.offset.add(T + 20_000.0, T + 19_805.0, T + 20_010.0);
        assert_eq!(t.offset.offset(), Some(-200.0));
        let c = t.frame(T + 30_000.0, T + 29_750.0, &["A", "B", "A"]).unwrap();
        assert_eq!(c, 50.0);
        assert_eq!(t.raw.summary().max, 250.0);
        let kinds: Vec<(&str, u64)> = t.by_kind().map(|(k, s)| (k, s.count)).collect();
        assert_eq!(kinds, [("A", 2), ("B", 1)]);
    }

    #[test]
    fn kind_windows_are_bounded() {
        let mut t = LatencyTracker::new(1000);
        for i in 0..500 {
            t.frame(2e12, 2e12 - 10.0, &[&format!("K{i}")]);
        }
        assert_eq!(t.by_kind().count(), MAX_KIND_WINDOWS);
    }
}
