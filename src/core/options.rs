//! Manager options: defaults, profiles and validation.
//!
//! The web layer reads a JS object into [`Options`] (type errors are raised there, as
//! `TypeError`s naming the option); [`Options::validate`] then checks ranges and the
//! URL, so every rule about option values is testable natively.

#[allow(unused_imports)]
use crate::prelude::*;

use super::protocol::ProtocolKind;
use super::text::{num, quoted};

/// What is wrong with an option: its type (a JS `TypeError`) or its range (`RangeError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionErrorKind {
    Type,
    Range,
}

/// An invalid option, named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionError {
    pub kind: OptionErrorKind,
    pub option: &'static str,
    pub message: String,
}

impl OptionError {
    pub fn type_error(option: &'static str, message: impl Into<String>) -> Self {
        OptionError { kind: OptionErrorKind::Type, option, message: message.into() }
    }
    pub fn range_error(option: &'static str, message: impl Into<String>) -> Self {
        OptionError { kind: OptionErrorKind::Range, option, message: message.into() }
    }
    /// The message as thrown: `SocketManager option "x": ...`.
    pub fn full_message(&self) -> String {
        crate::cat!("SocketManager option \"", self.option, "\": ", self.message)
    }
}

/// A named set of coherent defaults; explicit options override it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// The defaults named in the README's options table.
    Default,
    /// Logs every status change and error to the console; never gives up.
    Development,
    /// Gives up after 5 reconnect attempts.
    Production,
    /// Short window, large batches: for feeds of hundreds of frames per second.
    HighThroughput,
}

impl Profile {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "default" => Some(Profile::Default),
            "development" => Some(Profile::Development),
            "production" => Some(Profile::Production),
            "highThroughput" => Some(Profile::HighThroughput),
            _ => None,
        }
    }
}

/// What to do when the offline send queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueOverflow {
    DropOldest,
    RejectNew,
}

/// `number(i)` and `number_mut(i)`: the number option at `i` of [`NUMBERS`].
macro_rules! number_fields {
    ($($i:literal => $field:ident),*) => {
        pub fn number(&self, i: usize) -> f64 {
            match i {
                $($i => self.$field,)*
                _ => f64::NAN,
            }
        }

        pub fn number_mut(&mut self, i: usize) -> &mut f64 {
            match i {
                $($i => &mut self.$field,)*
                _ => &mut self.metrics_interval_ms,
            }
        }
    };
}

/// Every setting of a manager.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub url: String,
    pub protocol: ProtocolKind,
    pub token: Option<String>,
    pub context_ids: Vec<String>,
    pub batch_window_ms: f64,
    pub max_batch_size: f64,
    pub max_batch_wait_ms: f64,
    /// `None`: the chat mapping of the wire doc.
    pub refresh_rules: Option<Vec<(String, Vec<String>)>>,
    pub critical_kinds: Vec<String>,
    pub collect_events: bool,
    pub debug: bool,
    pub reconnect: bool,
    pub reconnect_initial_delay_ms: f64,
    pub reconnect_max_delay_ms: f64,
    pub reconnect_multiplier: f64,
    pub reconnect_min_uptime_ms: f64,
    /// `f64::INFINITY` never gives up.
    pub reconnect_max_attempts: f64,
    pub connect_timeout_ms: f64,
    /// 0 turns the heartbeat off.
    pub heartbeat_interval_ms: f64,
    pub heartbeat_timeout_ms: f64,
    /// json protocol: the ping text sent every `heartbeat_interval_ms`.
    pub ping_message: String,
    /// json protocol: the `type` of the frame that answers a ping.
    pub pong_type: String,
    pub max_queued_messages: f64,
    /// 0: queued messages never expire.
    pub queued_message_ttl_ms: f64,
    pub queue_overflow: QueueOverflow,
    pub max_message_bytes: f64,
    pub timestamp_field: String,
    /// Latency samples kept for percentiles.
    pub latency_sample_size: f64,
    pub latency_warn_ms: f64,
    pub latency_critical_ms: f64,
    /// 0: no `onMetrics` snapshots.
    pub metrics_interval_ms: f64,
}

impl Options {
    /// The defaults of `profile` for a manager of `url`.
    pub fn defaults(url: &str, profile: Profile) -> Self {
        let mut o = Options {
            url: url.to_string(),
            protocol: ProtocolKind::Calimero,
            token: None,
            context_ids: Vec::new(),
            batch_window_ms: 100.0,
            max_batch_size: 10.0,
            max_batch_wait_ms: 300.0,
            refresh_rules: None,
            critical_kinds: Vec::new(),
            collect_events: false,
            debug: false,
            reconnect: true,
            reconnect_initial_delay_ms: 1000.0,
            reconnect_max_delay_ms: 30_000.0,
            reconnect_multiplier: 2.0,
            reconnect_min_uptime_ms: 5000.0,
            reconnect_max_attempts: f64::INFINITY,
            connect_timeout_ms: 10_000.0,
            heartbeat_interval_ms: 15_000.0,
            heartbeat_timeout_ms: 10_000.0,
            ping_message: "{\"type\":\"ping\"}".to_string(),
            pong_type: "pong".to_string(),
            max_queued_messages: 200.0,
            queued_message_ttl_ms: 0.0,
            queue_overflow: QueueOverflow::DropOldest,
            max_message_bytes: 1_048_576.0,
            timestamp_field: "_server_timestamp".to_string(),
            latency_sample_size: 1000.0,
            latency_warn_ms: 50.0,
            latency_critical_ms: 100.0,
            metrics_interval_ms: 0.0,
        };
        match profile {
            Profile::Default => {}
            Profile::Development => o.debug = true,
            Profile::Production => o.reconnect_max_attempts = 5.0,
            Profile::HighThroughput => {
                o.batch_window_ms = 16.0;
                o.max_batch_size = 500.0;
                o.max_batch_wait_ms = 100.0;
                o.max_queued_messages = 1000.0;
            }
        }
        o
    }

    number_fields! {
        0 => batch_window_ms,
        1 => max_batch_size,
        2 => max_batch_wait_ms,
        3 => reconnect_initial_delay_ms,
        4 => reconnect_max_delay_ms,
        5 => reconnect_multiplier,
        6 => reconnect_min_uptime_ms,
        7 => reconnect_max_attempts,
        8 => connect_timeout_ms,
        9 => heartbeat_interval_ms,
        10 => heartbeat_timeout_ms,
        11 => max_queued_messages,
        12 => queued_message_ttl_ms,
        13 => max_message_bytes,
        14 => latency_sample_size,
        15 => latency_warn_ms,
        16 => latency_critical_ms,
        17 => metrics_interval_ms
    }

    /// Checks ranges and the URL.
    pub fn validate(&self) -> Result<(), OptionError> {
        check_url(&self.url)?;
        for (i, rule) in NUMBERS.iter().enumerate() {
            rule.check(self.number(i))?;
        }
        let at_least = |name: &'static str, v: f64, other: &str, min: f64| -> Result<(), OptionError> {
            if v < min {
                return Err(OptionError::range_error(name, crate::cat!("must be at least ", other, " (", num(min), "), got ", num(v))));
            }
            Ok(())
        };
        at_least("maxBatchWaitMs", self.max_batch_wait_ms, "batchWindowMs", self.batch_window_ms)?;
        at_least("reconnectMaxDelayMs", self.reconnect_max_delay_ms, "reconnectInitialDelayMs", self.reconnect_initial_delay_ms)?;
        at_least("latencyCriticalMs", self.latency_critical_ms, "latencyWarnMs", self.latency_warn_ms)?;
        if self.timestamp_field.split('.').any(str::is_empty) {
            return Err(OptionError::type_error("timestampField", "must be a field name or a dotted path such as data.timestamp"));
        }
        Ok(())
    }
}

/// How a number option is checked.
#[derive(Clone, Copy)]
pub enum Range {
    /// Milliseconds from `min` to a day.
    Ms(f64),
    /// A whole number in `min..=max`.
    Whole(f64, f64),
    /// Any number in `min..=max`.
    Within(f64, f64),
}

/// A number option: its key, its range, and the value (0 or `Infinity`) that means
/// "off" or "never" and is always accepted.
pub struct NumberOption {
    pub key: &'static str,
    pub range: Range,
    pub special: Option<f64>,
}

const fn rule(key: &'static str, range: Range, special: Option<f64>) -> NumberOption {
    NumberOption { key, range, special }
}

/// Every number option, in the order [`Options::number`] indexes them.
pub const NUMBERS: [NumberOption; 18] = [
    rule("batchWindowMs", Range::Ms(0.0), None),
    rule("maxBatchSize", Range::Whole(1.0, 1_000_000.0), None),
    rule("maxBatchWaitMs", Range::Ms(0.0), None),
    rule("reconnectInitialDelayMs", Range::Ms(0.0), None),
    rule("reconnectMaxDelayMs", Range::Ms(0.0), None),
    rule("reconnectMultiplier", Range::Within(1.0, 100.0), None),
    rule("reconnectMinUptimeMs", Range::Ms(0.0), None),
    rule("reconnectMaxAttempts", Range::Whole(0.0, 1e9), Some(f64::INFINITY)),
    rule("connectTimeoutMs", Range::Ms(1.0), None),
    rule("heartbeatIntervalMs", Range::Ms(0.0), None),
    rule("heartbeatTimeoutMs", Range::Ms(1.0), None),
    rule("maxQueuedMessages", Range::Whole(0.0, 1_000_000.0), None),
    rule("queuedMessageTtlMs", Range::Ms(0.0), None),
    rule("maxMessageBytes", Range::Whole(64.0, 16.0 * 1024.0 * 1024.0), None),
    rule("latencySampleSize", Range::Whole(1.0, 100_000.0), None),
    rule("latencyWarnMs", Range::Ms(0.0), None),
    rule("latencyCriticalMs", Range::Ms(0.0), None),
    rule("metricsIntervalMs", Range::Ms(10.0), Some(0.0)),
];

impl NumberOption {
    /// A range error naming the option when `v` is outside its range.
    pub fn check(&self, v: f64) -> Result<(), OptionError> {
        if self.special == Some(v) {
            return Ok(());
        }
        let (min, max, whole) = match self.range {
            Range::Ms(min) => (min, 86_400_000.0, false),
            Range::Whole(min, max) => (min, max, true),
            Range::Within(min, max) => (min, max, false),
        };
        if v.is_finite() && (!whole || crate::core::float::fract(v) == 0.0) && v >= min && v <= max {
            return Ok(());
        }
        let what = if whole { "must be a whole number from " } else { "must be from " };
        let unit = if matches!(self.range, Range::Ms(_)) { " ms" } else { "" };
        Err(OptionError::range_error(self.key, crate::cat!(what, num(min), " to ", num(max), unit, ", got ", num(v))))
    }
}

/// A URL must be `ws://` or `wss://` with a host.
pub fn check_url(url: &str) -> Result<(), OptionError> {
    let lower = url.to_ascii_lowercase();
    let rest = lower.strip_prefix("ws://").or_else(|| lower.strip_prefix("wss://"));
    match rest {
        Some(r) if !r.is_empty() && !r.starts_with('/') && !r.contains(char::is_whitespace) => Ok(()),
        _ => Err(OptionError::type_error("url", crate::cat!("must be a ws:// or wss:// URL with a host, got ", quoted(url)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_in_every_profile() {
        for p in [Profile::Default, Profile::Development, Profile::Production, Profile::HighThroughput] {
            assert_eq!(Options::defaults("ws://127.0.0.1:1/ws", p).validate(), Ok(()));
        }
        assert_eq!(Options::defaults("ws://h", Profile::Production).reconnect_max_attempts, 5.0);
        assert!(Options::defaults("ws://h", Profile::Development).debug);
        assert!(Options::defaults("ws://h", Profile::HighThroughput).max_batch_size > 10.0);
    }

    #[test]
    fn urls_must_be_websocket_urls() {
        assert!(check_url("wss://node.example/ws?x=1").is_ok());
        assert!(check_url("WS://h:1").is_ok());
        for bad in ["http://h/ws", "ws://", "ws:///path", "h/ws", "", "ws://a b"] {
            let e = check_url(bad).unwrap_err();
            assert_eq!((e.kind, e.option), (OptionErrorKind::Type, "url"), "{bad}");
        }
    }

    #[test]
    fn out_of_range_numbers_name_the_option() {
        let base = Options::defaults("ws://h", Profile::Default);
        type Edit = Box<dyn Fn(&mut Options)>;
        let cases: Vec<(&str, Edit)> = vec![
            ("batchWindowMs", Box::new(|o| o.batch_window_ms = -1.0)),
            ("batchWindowMs", Box::new(|o| o.batch_window_ms = f64::NAN)),
            ("maxBatchSize", Box::new(|o| o.max_batch_size = 0.0)),
            ("maxBatchSize", Box::new(|o| o.max_batch_size = 2.5)),
            ("maxBatchWaitMs", Box::new(|o| o.max_batch_wait_ms = 50.0)),
            ("reconnectMultiplier", Box::new(|o| o.reconnect_multiplier = 0.5)),
            ("reconnectMaxDelayMs", Box::new(|o| o.reconnect_max_delay_ms = 10.0)),
            ("reconnectMaxAttempts", Box::new(|o| o.reconnect_max_attempts = -1.0)),
            ("connectTimeoutMs", Box::new(|o| o.connect_timeout_ms = 0.0)),
            ("maxQueuedMessages", Box::new(|o| o.max_queued_messages = 1e7)),
            ("maxMessageBytes", Box::new(|o| o.max_message_bytes = 1e9)),
        ];
        for (name, mutate) in cases {
            let mut o = base.clone();
            mutate(&mut o);
            let e = o.validate().unwrap_err();
            assert_eq!((e.kind, e.option), (OptionErrorKind::Range, name));
            assert!(e.full_message().contains(name));
        }
    }
}
