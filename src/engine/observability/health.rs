//! Connection quality and health verdicts, from recent activity.
//!
//! Recent activity is counted in [`BUCKETS`] buckets of [`BUCKET_MS`] each (one minute in
//! all), so rates are of the last minute and memory is fixed.
//!
//! Health (worst rule wins):
//! - `critical`: status `failed`; error rate over 5% of frames; p95 latency over
//!   2000 ms; 3+ heartbeat timeouts or 10+ reconnects in the last minute.
//! - `warning`: error rate over 1%; p95 latency over `latencyCriticalMs`; any heartbeat
//!   timeout or 3+ reconnects in the last minute; not open (connecting, reconnecting).
//! - `healthy` otherwise.
//!
//! Quality, from the recent latency p95 and round-trip p50:
//! - `poor`: not open, or p95 at or over `latencyCriticalMs`, or round trip over 500 ms;
//! - `excellent`: p95 under `latencyWarnMs` (or no samples) and round trip under 100 ms
//!   (or none);
//! - `good` otherwise.

#[allow(unused_imports)]
use crate::prelude::*;

/// Buckets kept.
pub const BUCKETS: usize = 6;
/// Width of one bucket.
pub const BUCKET_MS: f64 = 10_000.0;

/// Counters of one bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counts {
    pub frames: u64,
    pub errors: u64,
    pub reconnects: u64,
    pub stalls: u64,
}

/// The last minute of activity.
#[derive(Debug, Clone, Default)]
pub struct Recent {
    buckets: [Counts; BUCKETS],
    /// Index (time / BUCKET_MS) of the newest bucket.
    head: i64,
    started: f64,
    started_set: bool,
    /// The running totals at the last [`Recent::record`].
    last: Counts,
}

impl Recent {
    fn roll(&mut self, now: f64) -> &mut Counts {
        if !self.started_set {
            self.started = now;
            self.started_set = true;
            self.head = crate::engine::float::floor(now / BUCKET_MS) as i64;
        }
        let idx = crate::engine::float::floor(now / BUCKET_MS) as i64;
        if idx > self.head {
            let steps = (idx - self.head).min(BUCKETS as i64);
            for s in 1..=steps {
                let slot = ((self.head + s).rem_euclid(BUCKETS as i64)) as usize;
                self.buckets[slot] = Counts::default();
            }
            self.head = idx;
        }
        &mut self.buckets[self.head.rem_euclid(BUCKETS as i64) as usize]
    }

    /// Adds what the running totals `total` gained since the last call to the bucket of
    /// `now` (so one call per input keeps the buckets right).
    pub fn record(&mut self, now: f64, total: Counts) {
        let last = self.last;
        let b = self.roll(now);
        b.frames += total.frames.saturating_sub(last.frames);
        b.errors += total.errors.saturating_sub(last.errors);
        b.reconnects += total.reconnects.saturating_sub(last.reconnects);
        b.stalls += total.stalls.saturating_sub(last.stalls);
        self.last = total;
    }

    /// Totals over the last minute.
    pub fn totals(&mut self, now: f64) -> Counts {
        self.roll(now);
        self.buckets.iter().fold(Counts::default(), |a, b| Counts {
            frames: a.frames + b.frames,
            errors: a.errors + b.errors,
            reconnects: a.reconnects + b.reconnects,
            stalls: a.stalls + b.stalls,
        })
    }

    /// Frames per second over the covered part of the last minute.
    pub fn frames_per_second(&mut self, now: f64) -> f64 {
        let t = self.totals(now);
        let span = (now - self.started).clamp(1.0, BUCKET_MS * BUCKETS as f64);
        t.frames as f64 * 1000.0 / span
    }

    /// Forgets the buckets; `total` is where the running totals stand now.
    pub fn reset(&mut self, total: Counts) {
        *self = Recent { last: total, ..Recent::default() };
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Health {
    Healthy,
    Warning,
    Critical,
}

impl Health {
    pub fn name(self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::Warning => "warning",
            Health::Critical => "critical",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quality {
    Excellent,
    Good,
    Poor,
}

impl Quality {
    pub fn name(self) -> &'static str {
        match self {
            Quality::Excellent => "excellent",
            Quality::Good => "good",
            Quality::Poor => "poor",
        }
    }
}

/// What the verdicts are made from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Inputs {
    pub open: bool,
    pub failed: bool,
    pub recent: Counts,
    /// p95 of recent latency, if any sample.
    pub latency_p95: Option<f64>,
    /// p50 of recent round trips, if any sample.
    pub rtt_p50: Option<f64>,
    pub warn_ms: f64,
    pub critical_ms: f64,
}

pub fn health(i: &Inputs) -> Health {
    let rate = if i.recent.frames > 0 { i.recent.errors as f64 / i.recent.frames as f64 } else { 0.0 };
    let p95 = i.latency_p95.unwrap_or(0.0);
    if i.failed || rate > 0.05 || p95 > 2000.0 || i.recent.stalls >= 3 || i.recent.reconnects >= 10 {
        Health::Critical
    } else if rate > 0.01 || p95 > i.critical_ms || i.recent.stalls >= 1 || i.recent.reconnects >= 3 || !i.open {
        Health::Warning
    } else {
        Health::Healthy
    }
}

pub fn quality(i: &Inputs) -> Quality {
    let p95 = i.latency_p95.unwrap_or(0.0);
    let rtt = i.rtt_p50.unwrap_or(0.0);
    if !i.open || p95 >= i.critical_ms || rtt > 500.0 {
        Quality::Poor
    } else if p95 < i.warn_ms && rtt < 100.0 {
        Quality::Excellent
    } else {
        Quality::Good
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> Inputs {
        Inputs {
            open: true,
            failed: false,
            recent: Counts { frames: 1000, ..Default::default() },
            latency_p95: Some(20.0),
            rtt_p50: Some(10.0),
            warn_ms: 50.0,
            critical_ms: 100.0,
        }
    }

    #[test]
    fn health_rules() {
        assert_eq!(health(&inputs()), Health::Healthy);
        let mut i = inputs();
        i.recent.errors = 51;
        assert_eq!(health(&i), Health::Critical, "error rate over 5%");
        i.recent.errors = 20;
        assert_eq!(health(&i), Health::Warning, "error rate over 1%");
        let mut i = inputs();
        i.latency_p95 = Some(2500.0);
        assert_eq!(health(&i), Health::Critical, "latency over 2 s");
        let mut i = inputs();
        i.recent.stalls = 1;
        assert_eq!(health(&i), Health::Warning);
        i.recent.stalls = 3;
        assert_eq!(health(&i), Health::Critical);
        let mut i = inputs();
        i.recent.reconnects = 10;
        assert_eq!(health(&i), Health::Critical, "reconnect churn");
        let mut i = inputs();
        i.failed = true;
        assert_eq!(health(&i), Health::Critical);
        let mut i = inputs();
        i.open = false;
        assert_eq!(health(&i), Health::Warning);
    }

    #[test]
    fn quality_rules() {
        assert_eq!(quality(&inputs()), Quality::Excellent);
        let mut i = inputs();
        i.latency_p95 = Some(70.0);
        assert_eq!(quality(&i), Quality::Good);
        i.latency_p95 = Some(100.0);
        assert_eq!(quality(&i), Quality::Poor);
        let mut i = inputs();
        i.rtt_p50 = Some(600.0);
        assert_eq!(quality(&i), Quality::Poor);
        let mut i = inputs();
        i.latency_p95 = None;
        i.rtt_p50 = None;
        assert_eq!(quality(&i), Quality::Excellent);
        i.open = false;
        assert_eq!(quality(&i), Quality::Poor);
    }

    #[test]
    fn recent_counts_forget_after_a_minute() {
        let mut r = Recent::default();
        let mut total = Counts::default();
        for i in 0..600 {
            total.frames += 1; // 10 per second for 60 s
            if i == 350 {
                total.errors += 1;
            }
            r.record(i as f64 * 100.0, total);
        }
        let t = r.totals(59_999.0);
        assert_eq!((t.frames, t.errors), (600, 1));
        assert!((r.frames_per_second(59_999.0) - 10.0).abs() < 0.5);
        let later = r.totals(95_000.0);
        assert_eq!(later.errors, 0, "the error left the window");
        assert!(later.frames < 300);
        assert_eq!(r.totals(1_000_000.0).frames, 0);
    }
}
