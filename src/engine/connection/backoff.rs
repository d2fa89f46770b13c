//! Reconnect timing: herd-safe and still fast.
//!
//! - The first retry after a connection that had been stable is spread uniformly over a
//!   window of `initial` times [`FIRST_SPREAD`] for an ordinary close (a lone client's
//!   blip reopens in about half of it), [`RESTART_SPREAD`] for a close that announces a
//!   restart or an overload (1001 going away, 1012 service restart, 1013 try again later), so that
//!   a whole fleet of clients dropped at once does not come back in the same instant.
//! - Retry `n` >= 2 (counted since the last stable connection) waits `b * U[0.5, 1.5)`
//!   where `b` is how long the outage has lasted so far, at least [`FLOOR_MS`] and at
//!   most `c = min(max, initial * multiplier^(n-1))`, `c` also held under
//!   [`EARLY_CEILING_MS`] for the first [`EARLY_RETRIES`] retries. Waiting in proportion
//!   to the outage spreads a fleet's retries as the outage goes on (a server down 2 s is
//!   retried within about 2 s, one down 20 s within about 8 s), and the ceiling keeps a
//!   client from waiting long after a server that was down for a minute is back. The
//!   storm bench (`bench/storm`, BENCHMARKS.md) measures the figures.
//! - A connection counts as stable once it has stayed open `min_uptime_ms`; only then
//!   does the retry counter reset, so a server that accepts and drops at once keeps
//!   being backed off.

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

/// The window the first retry after a stable connection is spread over, for an
/// ordinary close, in units of `reconnectInitialDelayMs`.
pub const FIRST_SPREAD: f64 = 0.8;
/// The same window for a close that announces a restart or an overload (1001, 1012,
/// 1013): a fleet's clients all dropped at once come back spread over it.
pub const RESTART_SPREAD: f64 = 5.0;
/// [`FIRST_SPREAD`] with the default `reconnectInitialDelayMs` (1000).
pub const FIRST_SPREAD_MS: f64 = FIRST_SPREAD * 1000.0;
/// [`RESTART_SPREAD`] with the default `reconnectInitialDelayMs` (1000).
pub const RESTART_SPREAD_MS: f64 = RESTART_SPREAD * 1000.0;
/// The ceiling of the first [`EARLY_RETRIES`] delays, whatever `reconnectMaxDelayMs`.
pub const EARLY_CEILING_MS: f64 = 8000.0;
/// The shortest base of a retry after the first (the delay is half to one and a half
/// times its base).
pub const FLOOR_MS: f64 = 500.0;
/// How many retries the early ceiling holds for.
pub const EARLY_RETRIES: u32 = 12;

/// Whether a close code announces a restart or an overload.
pub(crate) fn announces_restart(code: u16) -> bool {
    matches!(code, 1001 | 1012 | 1013)
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
    /// When the outage (the first retry since the last stable connection) began.
    outage_since: f64,
}

impl Backoff {
    pub(crate) fn new(cfg: BackoffConfig) -> Self {
        Backoff { cfg, retries: 0, stable: false, outage_since: 0.0 }
    }

    /// `connect()` by the app starts afresh.
    pub(crate) fn reset(&mut self) {
        self.retries = 0;
        self.stable = false;
    }

    /// A connection opened at `opened_at` is still open at `now`: once it has been
    /// up `min_uptime_ms`, the counter resets.
    pub(crate) fn check_uptime(&mut self, opened_at: f64, now: f64) {
        // The same sum as the deadline below, so the timer that fires at it sees it reached.
        if now >= opened_at + self.cfg.min_uptime_ms {
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
    /// `restart`: the close announced a restart or an overload (1001, 1012, 1013).
    pub(crate) fn next_delay(&mut self, rng: &mut Rng, restart: bool, now: f64) -> Option<f64> {
        if (self.retries as f64) >= self.cfg.max_attempts {
            return None;
        }
        let first_of_outage = self.stable && self.retries == 0;
        self.stable = false;
        self.retries += 1;
        if first_of_outage || self.retries == 1 {
            self.outage_since = now;
        }
        if first_of_outage {
            let window = if restart { RESTART_SPREAD } else { FIRST_SPREAD };
            return Some(rng.next_f64() * window * self.cfg.initial_ms);
        }
        let exp = (self.retries - 1).min(1000) as i32;
        let mut ceiling = (self.cfg.initial_ms * crate::engine::float::powi(self.cfg.multiplier, exp)).min(self.cfg.max_ms);
        if self.retries <= EARLY_RETRIES {
            ceiling = ceiling.min(EARLY_CEILING_MS.max(self.cfg.initial_ms));
        }
        // In proportion to how long the outage has lasted (a server down for 2 s is
        // retried within about 2 s, one down for 20 s within about 20 s), under the
        // ceiling, never below the floor.
        let elapsed = (now - self.outage_since).max(0.0);
        let base = elapsed.max(FLOOR_MS).min(ceiling);
        Some(base * (0.5 + rng.next_f64()))
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
    fn delays_follow_the_outage_under_an_exponential_ceiling_held_low_early() {
        let mut rng = Rng::new(42);
        let mut b = Backoff::new(cfg(f64::INFINITY));
        // Not stable before: retry 1 is already a backed-off one.
        let mut now = 0.0;
        for n in 1..=16u32 {
            let d = b.next_delay(&mut rng, false, now).unwrap();
            let exp = (1000.0 * 2f64.powi(n as i32 - 1)).min(30_000.0);
            let c = if n <= EARLY_RETRIES { exp.min(EARLY_CEILING_MS) } else { exp };
            let base = now.max(FLOOR_MS).min(c);
            assert!((base * 0.5..base * 1.5).contains(&d), "retry {n} at {now}: {d} not in [{}, {})", base * 0.5, base * 1.5);
            now += d + 10.0;
        }
    }

    #[test]
    fn the_first_retry_after_a_stable_connection_is_spread() {
        let mut rng = Rng::new(1);
        let (mut ordinary, mut restart) = (Vec::new(), Vec::new());
        for _ in 0..2000 {
            let mut b = Backoff::new(cfg(f64::INFINITY));
            b.check_uptime(0.0, 5000.0);
            ordinary.push(b.next_delay(&mut rng, false, 0.0).unwrap());
            let mut b = Backoff::new(cfg(f64::INFINITY));
            b.check_uptime(0.0, 5000.0);
            restart.push(b.next_delay(&mut rng, true, 0.0).unwrap());
        }
        let under = |v: &[f64], x: f64| v.iter().filter(|&&d| d < x).count();
        assert!(ordinary.iter().all(|&d| (0.0..FIRST_SPREAD_MS).contains(&d)));
        assert!(restart.iter().all(|&d| (0.0..RESTART_SPREAD_MS).contains(&d)));
        // Uniform: each half of the window holds about half the draws.
        assert!((900..1100).contains(&under(&ordinary, FIRST_SPREAD_MS / 2.0)), "{}", under(&ordinary, 400.0));
        assert!((900..1100).contains(&under(&restart, RESTART_SPREAD_MS / 2.0)));
        assert!(announces_restart(1012) && announces_restart(1001) && announces_restart(1013) && !announces_restart(1006));
    }

    #[test]
    fn flapping_connections_keep_backing_off() {
        let mut rng = Rng::new(1);
        let mut b = Backoff::new(cfg(f64::INFINITY));
        for _ in 0..4 {
            b.next_delay(&mut rng, false, 0.0);
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
        assert!(b.next_delay(&mut rng, false, 0.0).is_some());
        assert!(b.next_delay(&mut rng, false, 0.0).is_some());
        assert!(b.next_delay(&mut rng, false, 0.0).is_some());
        assert_eq!(b.next_delay(&mut rng, false, 0.0), None);
        b.reset();
        assert!(b.next_delay(&mut rng, false, 0.0).is_some());
    }
}
