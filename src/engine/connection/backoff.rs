//! Reconnect timing: exponential backoff with full jitter and a minimum uptime.
//!
//! The delay before retry `n` (1-based, counted since the last stable connection) is a
//! uniform draw in `[0, min(max, initial * multiplier^(n-1)))`. The first retry after a
//! connection that had been stable is immediate. A connection counts as stable once it
//! has stayed open `min_uptime_ms`; only then does the retry counter reset, so a server
//! that accepts and drops at once keeps being backed off.

#[allow(unused_imports)]
use crate::prelude::*;

/// A small deterministic PRNG (xorshift64*), seeded by the web layer from
/// `Math.random`, by tests with a constant.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }

    /// A uniform draw in `[0, 1)`.
    pub(crate) fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Backoff settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BackoffConfig {
    pub initial_ms: f64,
    pub max_ms: f64,
    pub multiplier: f64,
    pub min_uptime_ms: f64,
    /// `INFINITY`: never give up.
    pub max_attempts: f64,
}

/// The retry counter and its rules.
#[derive(Debug, Clone)]
pub(crate) struct Backoff {
    pub cfg: BackoffConfig,
    /// Retries started since the last stable connection (or `connect()`).
    retries: u32,
    /// Whether the last connection stayed up long enough to count as stable.
    stable: bool,
}

impl Backoff {
    pub(crate) fn new(cfg: BackoffConfig) -> Self {
        Backoff { cfg, retries: 0, stable: false }
    }

    /// `connect()` by the app starts afresh.
    pub(crate) fn reset(&mut self) {
        self.retries = 0;
        self.stable = false;
    }

    /// A connection opened at `opened_at` is still open at `now`: once it has been
    /// up `min_uptime_ms`, the counter resets.
    pub(crate) fn check_uptime(&mut self, opened_at: f64, now: f64) {
        if now - opened_at >= self.cfg.min_uptime_ms {
            self.retries = 0;
            self.stable = true;
        }
    }

    /// When the counter resets for a connection opened at `opened_at`.
    pub(crate) fn uptime_deadline(&self, opened_at: f64) -> Option<f64> {
        if self.stable && self.retries == 0 {
            None
        } else {
            Some(opened_at + self.cfg.min_uptime_ms)
        }
    }

    /// Plans the next retry: `None` when the attempts are used up, else the delay.
    pub(crate) fn next_delay(&mut self, rng: &mut Rng) -> Option<f64> {
        if (self.retries as f64) >= self.cfg.max_attempts {
            return None;
        }
        let immediate = self.stable && self.retries == 0;
        self.stable = false;
        self.retries += 1;
        if immediate {
            return Some(0.0);
        }
        let exp = (self.retries - 1).min(1000) as i32;
        let ceiling = (self.cfg.initial_ms * crate::engine::float::powi(self.cfg.multiplier, exp)).min(self.cfg.max_ms);
        Some(rng.next_f64() * ceiling)
    }

    /// Retries started since the last stable connection.
    pub(crate) fn retries(&self) -> u32 {
        self.retries
    }

    /// The connection about to drop was given up on purpose (the browser went offline):
    /// the next retry waits its delay even if the connection had been stable.
    pub(crate) fn forgo_immediate(&mut self) {
        self.stable = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(max_attempts: f64) -> BackoffConfig {
        BackoffConfig { initial_ms: 1000.0, max_ms: 30_000.0, multiplier: 2.0, min_uptime_ms: 5000.0, max_attempts }
    }

    #[test]
    fn full_jitter_under_an_exponential_ceiling() {
        let mut rng = Rng::new(42);
        let mut b = Backoff::new(cfg(f64::INFINITY));
        let ceilings = [1000.0, 2000.0, 4000.0, 8000.0, 16000.0, 30000.0, 30000.0];
        for c in ceilings {
            let d = b.next_delay(&mut rng).unwrap();
            assert!((0.0..c).contains(&d), "{d} not under {c}");
        }
        // Over many draws the delays spread over the whole range (full jitter).
        let mut lows = 0;
        let mut highs = 0;
        for _ in 0..2000 {
            let mut b = Backoff::new(cfg(f64::INFINITY));
            let d = b.next_delay(&mut rng).unwrap();
            if d < 250.0 {
                lows += 1;
            }
            if d > 750.0 {
                highs += 1;
            }
        }
        assert!(lows > 350 && highs > 350, "lows {lows} highs {highs}");
    }

    #[test]
    fn first_retry_after_a_stable_connection_is_immediate() {
        let mut rng = Rng::new(1);
        let mut b = Backoff::new(cfg(f64::INFINITY));
        b.check_uptime(0.0, 5000.0);
        assert_eq!(b.next_delay(&mut rng), Some(0.0));
        let second = b.next_delay(&mut rng).unwrap();
        assert!(second < 2000.0, "second retry: ceiling initial * multiplier");
    }

    #[test]
    fn flapping_connections_keep_backing_off() {
        let mut rng = Rng::new(1);
        let mut b = Backoff::new(cfg(f64::INFINITY));
        for _ in 0..4 {
            b.next_delay(&mut rng);
            b.check_uptime(0.0, 100.0); // opened, dropped after 100 ms
        }
        assert_eq!(b.retries(), 4);
        b.check_uptime(0.0, 5000.0);
        assert_eq!(b.retries(), 0);
    }

    #[test]
    fn gives_up_after_max_attempts() {
        let mut rng = Rng::new(1);
        let mut b = Backoff::new(cfg(3.0));
        assert!(b.next_delay(&mut rng).is_some());
        assert!(b.next_delay(&mut rng).is_some());
        assert!(b.next_delay(&mut rng).is_some());
        assert_eq!(b.next_delay(&mut rng), None);
        b.reset();
        assert!(b.next_delay(&mut rng).is_some());
    }
}
