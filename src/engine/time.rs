//! Typed time for the values that cross the engine's parts: an [`Instant`] is a point on
//! the manager's clock, a [`Duration`] a span, both in milliseconds (`f64`, as the
//! browser's clocks give them). The machine's inputs take `now` as an `Instant` (an
//! `f64` converts), its timers table holds `Instant`s, and an instant plus a span is an
//! instant, so a deadline cannot be built from two instants by mistake.

use core::ops::{Add, Sub};

/// A point in time, in ms on the manager's clock.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Instant(pub f64);

/// A span of time in ms.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default)]
pub struct Duration(pub f64);

impl Instant {
    /// The value in ms.
    pub fn ms(self) -> f64 {
        self.0
    }

    /// The span since `earlier` (negative if `earlier` is later).
    pub fn since(self, earlier: Instant) -> Duration {
        Duration(self.0 - earlier.0)
    }

    /// Whether this deadline has come at `now`.
    pub fn reached(self, now: Instant) -> bool {
        now.0 >= self.0
    }
}

impl Duration {
    /// The value in ms.
    pub fn ms(self) -> f64 {
        self.0
    }
}

impl From<f64> for Instant {
    fn from(ms: f64) -> Self {
        Instant(ms)
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant(self.0 + d.0)
    }
}

impl Sub for Instant {
    type Output = Duration;
    fn sub(self, earlier: Instant) -> Duration {
        self.since(earlier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instant_plus_a_span_is_an_instant() {
        let t = Instant(1000.0) + Duration(250.0);
        assert_eq!(t, Instant(1250.0));
        assert_eq!(t - Instant(1000.0), Duration(250.0));
        assert!(t.reached(Instant(1250.0)));
        assert!(!t.reached(Instant(1249.9)));
    }
}
