//! Latency measurement: server timestamps, round trips, clock offset, percentiles.
//!
//! - [`to_epoch_ms`] tells seconds, milliseconds, microseconds and nanoseconds since the
//!   epoch apart by magnitude.
//! - [`Window`] keeps the last N samples in a ring (memory fixed at creation) and
//!   summarizes them: count, min, max, mean, p50, p95, p99.
//! - [`ClockOffset`] estimates how far the server's clock is ahead of the client's, the
//!   NTP way: for a request sent at client time `t0`, stamped by the server at `ts` and
//!   answered at client time `t3`, the offset is `ts - (t0 + t3) / 2` and the round trip
//!   `t3 - t0`. Its error is bounded by half the round trip plus the coarser of the two
//!   clocks' steps (see [`ClockOffset::uncertainty`]); the estimate kept is the one with
//!   the smallest bound among the last [`OFFSET_SAMPLES`].
//! - [`LatencyTracker`] holds the overall window (raw and offset-corrected), a window per
//!   event kind (bounded count of kinds), and the round-trip window. No window ever holds
//!   a negative or non-finite value: a one-way sample below 0 (clock error, not time
//!   travel) enters as 0 and is counted ([`LatencyTracker::clamped`]).

#[allow(unused_imports)]
use crate::prelude::*;

/// Round trips kept for the clock-offset estimate.
pub const OFFSET_SAMPLES: usize = 8;
/// Event kinds with a latency window of their own; later kinds share the last one.
pub const MAX_KIND_WINDOWS: usize = 64;
/// Samples per kind window (at most; less when `latencySampleSize` is smaller).
pub const KIND_WINDOW: usize = 200;

/// The step of the client clock assumed for every reading, ms: browsers coarsen
/// `performance.now()` to 5 µs (cross-origin isolated) up to 1 ms (Firefox and Safari
/// without isolation); the coarsest is assumed, so the bound is never too small.
pub const CLIENT_CLOCK_STEP_MS: f64 = 1.0;

/// How far ahead of the corrected client clock (the client clock plus the clock offset
/// correction) a server stamp may lie. A stamp further ahead is no clock jitter but a
/// wrong stamp (or a server clock that cannot be trusted): it gives no latency sample and
/// no offset sample, and is reported as `badTimestamp`. Stamps ahead by less enter as
/// latency 0 and are counted as clamped.
pub const MAX_STAMP_AHEAD_MS: f64 = 60_000.0;

/// Why a server stamp was refused (see [`LatencyTracker::check`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BadStamp {
    /// Not a number (a string, an object, `true`...), or not finite.
    NotANumber,
    /// Zero or negative.
    NotPositive,
    /// 1e20 or more: past the nanoseconds of the year 5138, no unit fits.
    TooLarge,
    /// More than [`MAX_STAMP_AHEAD_MS`] ahead of the corrected clock, by this much (ms).
    Ahead(f64),
}

/// Milliseconds per unit of a stamp of this magnitude (see [`to_epoch_ms`]), or `None`
/// for a value that is no timestamp.
fn unit_ms(v: f64) -> Option<f64> {
    if !v.is_finite() || v <= 0.0 || v >= 1e20 {
        return None;
    }
    Some(if v < 1e11 {
        1e3
    } else if v < 1e14 {
        1.0
    } else if v < 1e17 {
        1e-3
    } else {
        1e-6
    })
}

/// Converts a timestamp of unknown unit to milliseconds since the epoch.
/// Values below 1e11 are seconds (until the year 5138), below 1e14 milliseconds,
/// below 1e17 microseconds, below 1e20 nanoseconds. Non-positive and larger values are
/// refused (they would overflow the sample windows).
pub fn to_epoch_ms(v: f64) -> Option<f64> {
    let unit = unit_ms(v)?;
    // Dividing by the exact inverse keeps µs and ns stamps exact where multiplying by
    // 1e-3 would not.
    Some(if unit >= 1.0 { v * unit } else { v / (1.0 / unit) })
}

/// The step of a server stamp, ms: one unit of the last decimal it carries (a stamp in
/// whole milliseconds has a 1 ms step, `1763900000.25` s a 10 ms step). What the `f64`
/// cannot tell apart counts as carried, so the step is never below the float's own
/// precision. `None` for a value [`to_epoch_ms`] refuses.
pub fn stamp_step_ms(v: f64) -> Option<f64> {
    let unit = unit_ms(v)?;
    let mut scale = 1.0;
    for _ in 0..9 {
        let x = v * scale;
        if (x - crate::engine::float::round(x)).abs() <= x * 1e-15 {
            break;
        }
        scale *= 10.0;
    }
    Some(unit / scale)
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

    /// Adds a sample; callers clamp it first ([`LatencyTracker`] never pushes a negative
    /// or non-finite value).
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
        let pick = |p: f64| sorted[(crate::engine::float::ceil((n as f64) * p) as usize).clamp(1, n) - 1] as f64;
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

/// The server-minus-client clock offset, from the recent round trip with the smallest
/// error bound.
#[derive(Debug, Clone, Default)]
pub struct ClockOffset {
    /// `(error bound, offset)` of the last samples.
    samples: Vec<(f64, f64)>,
    next: usize,
}

impl ClockOffset {
    /// A request sent at `t0`, stamped `server_ts` (ms) by a server clock of step
    /// `step_ms` ([`stamp_step_ms`]), answered at `t3`. Non-finite inputs are ignored.
    pub fn add(&mut self, t0: f64, server_ts: f64, step_ms: f64, t3: f64) {
        let rtt = (t3 - t0).max(0.0);
        let offset = server_ts - (t0 + t3) / 2.0;
        // Both clocks are read floored to their step: the true offset lies within
        // [-rtt/2 - client step, rtt/2 + server step] of the estimate.
        let bound = rtt / 2.0 + step_ms.max(CLIENT_CLOCK_STEP_MS);
        if !offset.is_finite() || !bound.is_finite() {
            return;
        }
        if self.samples.len() < OFFSET_SAMPLES {
            self.samples.push((bound, offset));
        } else {
            self.samples[self.next] = (bound, offset);
        }
        self.next = (self.next + 1) % OFFSET_SAMPLES;
    }

    fn best(&self) -> Option<&(f64, f64)> {
        self.samples.iter().min_by(|a, b| a.0.total_cmp(&b.0))
    }

    /// The offset (server clock minus client clock, ms), if any round trip was stamped.
    pub fn offset(&self) -> Option<f64> {
        self.best().map(|s| s.1)
    }

    /// The error bound of [`ClockOffset::offset`]: half its round trip plus the coarser
    /// of the server stamp's step and [`CLIENT_CLOCK_STEP_MS`], so never 0.
    pub fn uncertainty(&self) -> Option<f64> {
        self.best().map(|s| s.0)
    }

    /// What one-way samples are corrected by: the offset once it is larger than its
    /// error bound, else 0. An offset within its bound cannot be told from 0 (the two
    /// clocks agree as far as can be measured), and correcting by it would only add up
    /// to that error: a first probe answered slowly by a busy page (say -7 ± 8.4 ms)
    /// would push every sample of a 1 ms loopback below 0.
    pub fn correction(&self) -> f64 {
        match self.best() {
            Some(&(bound, offset)) if offset.abs() > bound => offset,
            _ => 0.0,
        }
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
    /// The same, corrected by the clock offset (equal to `raw` until an offset larger
    /// than its error bound is known, see [`ClockOffset::correction`]).
    pub corrected: Window,
    /// Round trips of heartbeat probes, subscribe replies and pongs.
    pub rtt: Window,
    pub offset: ClockOffset,
    /// Corrected one-way samples that came out negative (clock error larger than the
    /// latency), entered as 0.
    pub clamped: u64,
    /// Raw samples that came out negative (the server clock ahead), entered as 0.
    pub raw_clamped: u64,
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
            clamped: 0,
            raw_clamped: 0,
            kinds: Vec::new(),
            kind_cap: sample_size.min(KIND_WINDOW),
        }
    }

    /// Checks a server stamp read at client time `now`: its value in ms since the epoch,
    /// or why it cannot be used.
    pub fn check(&self, now: f64, server_ts: f64) -> Result<f64, BadStamp> {
        if !server_ts.is_finite() {
            return Err(BadStamp::NotANumber);
        }
        if server_ts <= 0.0 {
            return Err(BadStamp::NotPositive);
        }
        let ts = to_epoch_ms(server_ts).ok_or(BadStamp::TooLarge)?;
        let ahead = ts - (now + self.offset.correction());
        if ahead > MAX_STAMP_AHEAD_MS {
            return Err(BadStamp::Ahead(ahead));
        }
        Ok(ts)
    }

    /// A frame stamped `server_ts` (any unit) arrived at `now`; returns the corrected
    /// latency in ms, or `None` when the stamp (or `now`) is unusable. A negative raw or
    /// corrected value enters its windows as 0 and is counted.
    pub fn frame(&mut self, now: f64, server_ts: f64, kinds: &[&str]) -> Option<f64> {
        let ts = to_epoch_ms(server_ts)?;
        let raw = now - ts;
        if !raw.is_finite() {
            return None;
        }
        let corrected = raw + self.offset.correction();
        let clamp = |v: f64, n: &mut u64| {
            if v < 0.0 {
                *n += 1;
                0.0
            } else {
                v
            }
        };
        let raw = clamp(raw, &mut self.raw_clamped);
        let corrected = clamp(corrected, &mut self.clamped);
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

    /// A round trip (ms); a negative one (a clock set back under a fake clock) enters
    /// as 0, a non-finite one not at all. Returns what was recorded.
    pub fn round_trip(&mut self, rtt: f64) -> Option<f64> {
        if !rtt.is_finite() {
            return None;
        }
        let rtt = rtt.max(0.0);
        self.rtt.push(rtt);
        Some(rtt)
    }

    pub fn clear(&mut self) {
        self.raw.clear();
        self.corrected.clear();
        self.rtt.clear();
        self.kinds.clear();
        self.clamped = 0;
        self.raw_clamped = 0;
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
        assert_eq!(to_epoch_ms(1e20), None, "past nanoseconds of the year 5138: no stamp");
        assert_eq!(to_epoch_ms(1e300), None);
        assert_eq!(to_epoch_ms(1_763_900_000_123_456.0), Some(1_763_900_000_123.456));
    }

    #[test]
    fn a_stamp_step_is_its_last_decimal() {
        let ms = 1_763_900_000_123.0;
        assert_eq!(stamp_step_ms(ms), Some(1.0), "whole milliseconds");
        assert_eq!(stamp_step_ms(1_763_900_000.0), Some(1000.0), "whole seconds");
        assert_eq!(stamp_step_ms(1_763_900_000.25), Some(10.0));
        assert_eq!(stamp_step_ms(1_763_900_000.123), Some(1.0), "seconds with 3 decimals");
        assert_eq!(stamp_step_ms(ms * 1e3 + 456.0), Some(1e-3), "whole microseconds");
        assert_eq!(stamp_step_ms(ms + 0.5), Some(0.1));
        // A float seconds stamp cannot carry more than ~7 decimals: its step stops there.
        let py = stamp_step_ms(1_763_900_000.123_456_7).unwrap();
        assert!(py > 0.0 && py <= 1e-3, "{py}");
        assert_eq!(stamp_step_ms(-1.0), None);
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
        assert_eq!(h[0], 2, "under 1 ms (and anything below)");
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
        o.add(1000.0, 1010.0 + 500.0, 1.0, 1320.0);
        // ...and a fast one.
        o.add(2000.0, 2005.0 + 500.0, 1.0, 2010.0);
        assert_eq!(o.offset(), Some(500.0));
        assert_eq!(o.uncertainty(), Some(5.0 + 1.0), "half the round trip plus the 1 ms stamp step");
    }

    #[test]
    fn the_uncertainty_is_never_below_the_clock_steps() {
        let mut o = ClockOffset::default();
        // Sub-millisecond round trip, server stamps in whole milliseconds.
        o.add(1000.0, 1000.0, 1.0, 1000.25);
        assert_eq!(o.uncertainty(), Some(0.125 + 1.0));
        // Both readings in the same client tick and a µs server stamp: still the client step.
        let mut o = ClockOffset::default();
        o.add(1000.0, 1000.0, 1e-3, 1000.0);
        assert_eq!(o.uncertainty(), Some(CLIENT_CLOCK_STEP_MS));
        // Whole-second stamps: a fast round trip does not make the offset precise.
        let mut o = ClockOffset::default();
        o.add(1000.0, 1000.0, 1000.0, 1001.0);
        o.add(2000.0, 2000.0, 1.0, 2040.0);
        assert_eq!(o.uncertainty(), Some(21.0), "the 40 ms round trip with ms stamps bounds better than 1 ms with s stamps");
        assert_eq!(o.offset(), Some(-20.0));
        o.add(3000.0, f64::NAN, 1.0, 3001.0);
        assert_eq!(o.uncertainty(), Some(21.0), "a NaN stamp is ignored");
    }

    #[test]
    fn an_offset_within_its_error_bound_corrects_nothing() {
        const T: f64 = 1.7e12;
        let mut t = LatencyTracker::new(100);
        // A slow first probe: -7 ± 8.5 ms, indistinguishable from 0.
        t.offset.add(T, T + 7.5 - 7.0, 1.0, T + 15.0);
        assert_eq!((t.offset.offset(), t.offset.uncertainty()), (Some(-7.0), Some(8.5)));
        assert_eq!(t.offset.correction(), 0.0);
        assert_eq!(t.frame(T + 100.0, T + 99.0, &[]), Some(1.0), "a 1 ms sample stays 1 ms, not clamped from -6");
        assert_eq!(t.clamped, 0);
        // A tighter probe that measures a real offset: applied.
        t.offset.add(T + 1000.0, T + 1000.5 - 7.0, 1.0, T + 1001.0);
        assert_eq!((t.offset.offset(), t.offset.uncertainty()), (Some(-7.0), Some(1.5)));
        assert_eq!(t.frame(T + 2000.0, T + 1985.0, &[]), Some(8.0), "raw 15 ms by a clock 7 ms behind: 8 ms");
    }

    #[test]
    fn negative_samples_enter_as_zero_and_are_counted() {
        const T: f64 = 1.7e12;
        let mut t = LatencyTracker::new(100);
        // The server clock is 2 ms ahead: the raw sample is -0.77 ms.
        assert_eq!(t.frame(T, T + 0.77, &["A"]), Some(0.0));
        assert_eq!((t.clamped, t.raw_clamped), (1, 1));
        // Now an offset is known: the server clock is 2 ms ahead (± 1 ms).
        t.offset.add(T, T + 2.0, 1.0, T);
        assert_eq!((t.offset.offset(), t.offset.correction()), (Some(2.0), 2.0));
        // 0.4 ms of latency: raw -1.6 (clamped), corrected 0.4 (kept).
        assert_eq!(t.frame(T + 10.0, T + 11.6, &["A"]).map(|v| (v * 10.0).round()), Some(4.0));
        assert_eq!((t.clamped, t.raw_clamped), (1, 2));
        assert_eq!(t.frame(T + 20.0, T + 22.6, &["A"]), Some(0.0), "raw -2.6 + offset 2 = -0.6: clamped");
        assert_eq!((t.clamped, t.raw_clamped), (2, 3));
        for w in [&t.raw, &t.corrected] {
            let s = w.summary();
            assert_eq!(s.count, 3);
            assert!(s.min >= 0.0 && s.mean >= 0.0, "{s:?}");
        }
        let (_, a) = t.by_kind().next().unwrap();
        assert!(a.min >= 0.0);
        assert_eq!(t.frame(f64::NAN, T, &["A"]), None, "a NaN clock is no sample");
        assert_eq!(t.frame(T, 1e300, &["A"]), None, "nor an absurd stamp");
        assert_eq!(t.round_trip(-3.0), Some(0.0));
        assert_eq!(t.round_trip(f64::INFINITY), None);
        assert_eq!(t.rtt.summary().count, 1);
        t.clear();
        assert_eq!((t.clamped, t.raw_clamped), (0, 0));
    }

    #[test]
    fn corrected_latency_uses_the_offset() {
        const T: f64 = 1.7e12;
        let mut t = LatencyTracker::new(100);
        // Before any offset: corrected equals raw.
        assert_eq!(t.frame(T + 10_000.0, T + 9_950.0, &["A"]), Some(50.0));
        // The server clock runs 200 ms behind the client, so a frame stamped 250 ms
        // before its arrival (raw) really took 50 ms.
        t.offset.add(T + 20_000.0, T + 19_805.0, 1.0, T + 20_010.0);
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
