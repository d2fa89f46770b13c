//! Degradation alerts with hysteresis and a cooldown, so a bad minute is one alert and
//! one recovery notice, not thousands.
//!
//! - A sample at or over `warn_ms` (`critical_ms`) raises the level to warning
//!   (critical) at once and emits one alert; a rise from warning to critical emits again.
//! - The level recovers when [`RECOVERY_SAMPLES`] samples in a row are under
//!   `warn_ms * RECOVERY_FACTOR` and at least [`MIN_ALERT_MS`] have passed since the
//!   alert; one recovery notice is emitted.
//! - After a recovery no new alert fires for [`COOLDOWN_MS`]. A bad level seen during the
//!   cooldown alerts when it ends, with the worst sample seen (its latency and kind),
//!   unless the latency recovered meanwhile ([`RECOVERY_SAMPLES`] good samples in a row
//!   after the last bad one): an alert never reports a good sample as its latency.

#[allow(unused_imports)]
use crate::prelude::*;

/// Consecutive good samples that end an alert.
pub const RECOVERY_SAMPLES: u32 = 10;
/// Recovery needs latency this far under the warning threshold.
pub const RECOVERY_FACTOR: f64 = 0.8;
/// An alert lasts at least this long.
pub const MIN_ALERT_MS: f64 = 1000.0;
/// Quiet time after a recovery.
pub const COOLDOWN_MS: f64 = 5000.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Ok,
    Warning,
    Critical,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Ok => "recovered",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// An alert or a recovery notice.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// `Ok` is the recovery notice.
    pub severity: Severity,
    pub latency_ms: f64,
    pub kind: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Alerts {
    pub warn_ms: f64,
    pub critical_ms: f64,
    level: Severity,
    alerted_at: f64,
    good_run: u32,
    cooldown_until: f64,
    /// The worst level seen during the cooldown (alerted when it ends), the worst
    /// sample's latency and kind, and the good samples in a row since the last bad one.
    held: Severity,
    held_latency: f64,
    held_kind: Option<String>,
    held_good_run: u32,
    pub alerts_raised: u64,
}

impl Alerts {
    pub fn new(warn_ms: f64, critical_ms: f64) -> Self {
        Alerts {
            warn_ms,
            critical_ms,
            level: Severity::Ok,
            alerted_at: 0.0,
            good_run: 0,
            cooldown_until: f64::NEG_INFINITY,
            held: Severity::Ok,
            held_latency: 0.0,
            held_kind: None,
            held_good_run: 0,
            alerts_raised: 0,
        }
    }

    pub fn level(&self) -> Severity {
        self.level
    }

    fn classify(&self, latency: f64) -> Severity {
        if latency >= self.critical_ms {
            Severity::Critical
        } else if latency >= self.warn_ms {
            Severity::Warning
        } else {
            Severity::Ok
        }
    }

    /// Feeds one latency sample; returns the alert or recovery it causes, if any.
    pub fn sample(&mut self, now: f64, latency: f64, kind: Option<&str>) -> Option<Alert> {
        let sev = self.classify(latency);
        if now < self.cooldown_until {
            if sev > Severity::Ok {
                self.held = self.held.max(sev);
                if latency >= self.held_latency {
                    self.held_latency = latency;
                    self.held_kind = kind.map(String::from);
                }
                self.held_good_run = 0;
            } else if latency < self.warn_ms * RECOVERY_FACTOR {
                self.held_good_run += 1;
            }
            return None;
        }
        let held = core::mem::replace(&mut self.held, Severity::Ok);
        let held_kind = self.held_kind.take();
        let held_latency = core::mem::replace(&mut self.held_latency, 0.0);
        let still_bad = self.held_good_run < RECOVERY_SAMPLES;
        self.held_good_run = 0;
        let (sev, latency_ms, kind) = if held > sev && still_bad {
            (held, held_latency, held_kind)
        } else {
            (sev, latency, kind.map(String::from))
        };
        if sev > self.level {
            self.level = sev;
            self.alerted_at = now;
            self.good_run = 0;
            self.alerts_raised += 1;
            return Some(Alert { severity: sev, latency_ms, kind });
        }
        if self.level == Severity::Ok {
            return None;
        }
        if latency < self.warn_ms * RECOVERY_FACTOR {
            self.good_run += 1;
        } else {
            self.good_run = 0;
        }
        if self.good_run >= RECOVERY_SAMPLES && now - self.alerted_at >= MIN_ALERT_MS {
            self.level = Severity::Ok;
            self.good_run = 0;
            self.cooldown_until = now + COOLDOWN_MS;
            return Some(Alert { severity: Severity::Ok, latency_ms: latency, kind });
        }
        None
    }

    pub fn reset(&mut self) {
        *self = Alerts::new(self.warn_ms, self.critical_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_minute_is_one_alert_and_one_recovery() {
        let mut a = Alerts::new(50.0, 100.0);
        let mut out = Vec::new();
        let mut t = 0.0;
        for _ in 0..100 {
            t += 10.0;
            out.extend(a.sample(t, 20.0, Some("K")));
        }
        for _ in 0..6000 {
            t += 10.0;
            out.extend(a.sample(t, 180.0, Some("K")));
        }
        for _ in 0..100 {
            t += 10.0;
            out.extend(a.sample(t, 20.0, Some("K")));
        }
        let sev: Vec<Severity> = out.iter().map(|a| a.severity).collect();
        assert_eq!(sev, [Severity::Critical, Severity::Ok]);
        assert_eq!(out[0].kind.as_deref(), Some("K"));
    }

    #[test]
    fn warning_then_critical_escalates_once_each() {
        let mut a = Alerts::new(50.0, 100.0);
        let s1 = a.sample(0.0, 60.0, None).unwrap();
        assert_eq!(s1.severity, Severity::Warning);
        assert!(a.sample(1.0, 70.0, None).is_none());
        assert_eq!(a.sample(2.0, 150.0, None).unwrap().severity, Severity::Critical);
        assert!(a.sample(3.0, 60.0, None).is_none(), "no downgrade notice until recovery");
    }

    #[test]
    fn hysteresis_needs_consecutive_good_samples_and_time() {
        let mut a = Alerts::new(50.0, 100.0);
        a.sample(0.0, 60.0, None);
        // Under the threshold but above the recovery band: no recovery.
        for i in 0..50 {
            assert!(a.sample(2000.0 + i as f64, 45.0, None).is_none());
        }
        // Good samples interrupted by a bad one start over.
        for i in 0..9 {
            assert!(a.sample(3000.0 + i as f64, 10.0, None).is_none());
        }
        assert!(a.sample(3010.0, 45.0, None).is_none());
        for i in 0..9 {
            assert!(a.sample(3020.0 + i as f64, 10.0, None).is_none());
        }
        assert_eq!(a.sample(3030.0, 10.0, None).unwrap().severity, Severity::Ok);
        // Too early: good samples within MIN_ALERT_MS of the alert do not recover.
        let mut b = Alerts::new(50.0, 100.0);
        b.sample(0.0, 60.0, None);
        for i in 0..20 {
            assert!(b.sample(i as f64, 10.0, None).is_none());
        }
    }

    #[test]
    fn cooldown_holds_a_new_alert_until_it_ends() {
        let mut a = Alerts::new(50.0, 100.0);
        a.sample(0.0, 200.0, None);
        for i in 0..10 {
            a.sample(1000.0 + i as f64, 1.0, None);
        }
        assert_eq!(a.level(), Severity::Ok);
        assert!(a.sample(2000.0, 300.0, None).is_none(), "within the cooldown");
        let late = a.sample(1009.0 + COOLDOWN_MS, 1.0, None).unwrap();
        assert_eq!(late.severity, Severity::Critical, "the held level alerts when the cooldown ends");
        assert_eq!(late.latency_ms, 300.0, "with the worst sample held, not the good one of now");
        assert_eq!(a.alerts_raised, 2);
    }

    #[test]
    fn a_level_that_recovered_during_the_cooldown_does_not_alert() {
        let mut a = Alerts::new(50.0, 100.0);
        a.sample(0.0, 200.0, None);
        for i in 0..10 {
            a.sample(1000.0 + i as f64, 1.0, None);
        }
        assert!(a.sample(2000.0, 300.0, Some("K")).is_none(), "within the cooldown");
        for i in 0..10 {
            assert!(a.sample(2100.0 + i as f64, 1.0, None).is_none());
        }
        assert!(a.sample(1009.0 + COOLDOWN_MS, 1.0, None).is_none(), "recovered before the cooldown ended");
        assert_eq!(a.level(), Severity::Ok);
        assert_eq!(a.alerts_raised, 1);
    }
}
