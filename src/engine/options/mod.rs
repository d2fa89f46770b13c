//! Manager options, declared once.
//!
//! The [`declare_options!`] table below is the one place an option is named: its key,
//! its field, its Rust type, its default and the profiles that change it, the reader of
//! its JS value, the rule that checks it, its TypeScript type and default as
//! `js/index.d.ts` writes them, and its doc line. The struct, the defaults, the key list,
//! the reading, the range checks and their messages all come from it; a native test
//! (`tests/options_table.rs`) holds `js/index.d.ts` and the README's options table
//! against it.
//!
//! - [`value`]: the JSON text the web layer hands over, read into values, and the
//!   readers that turn them into fields (type errors);
//! - [`check`]: number ranges and the URL (range errors);
//! - [`error`]: the error naming the option.

#[allow(unused_imports)]
use crate::prelude::*;

pub mod check;
pub mod error;
pub mod value;

pub use check::check_url;
use check::{at_least, within, within_or, Check, Range};
pub use error::{OptionError, OptionErrorKind};

use crate::engine::protocols::ProtocolKind;

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

/// The Socket.IO `auth` option: what goes into each namespace's CONNECT.
#[derive(Debug, Clone, PartialEq)]
pub enum Auth {
    None,
    /// An object, as its JSON text.
    Object(String),
    /// A function (sync or async) the web layer calls on every (re)connect.
    Function,
}

/// What to do when the offline send queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueOverflow {
    DropOldest,
    RejectNew,
}

/// One row of the table, as the tests read it.
#[derive(Debug, Clone, Copy)]
pub struct OptionInfo {
    pub key: &'static str,
    /// The TypeScript type `js/index.d.ts` gives it.
    pub ts: &'static str,
    /// The default as the docs write it (`100`, `"pong"`, `none`...).
    pub default: &'static str,
    pub doc: &'static str,
}

/// Declares the options: see the module doc. Each row:
/// `"key" field: Type = default [, Profile = value ...], read reader, check rule,
/// ts "TypeScript type", default "as documented"; "doc line"`.
macro_rules! declare_options {
    ($(
        $key:literal $field:ident: $ty:ty = $default:expr $(, $profile:ident = $pval:expr)*;
            read $read:ident, check $rule:expr, ts $ts:literal, default $shown:literal;
            $doc:literal
    )*) => {
        /// Every setting of a manager (one field per row of the options table).
        #[derive(Debug, Clone, PartialEq)]
        pub struct Options {
            $( #[doc = $doc] pub $field: $ty, )*
        }

        /// Every option key the JS object may carry: `profile` (no field: it picks the
        /// defaults) and one per row, in the README's order.
        pub const KNOWN: &[&str] = &["profile", $($key),*];

        /// The rows, for the tests that hold the docs against them.
        pub const TABLE: &[OptionInfo] = &[$( OptionInfo { key: $key, ts: $ts, default: $shown, doc: $doc } ),*];

        impl Options {
            /// The defaults of `profile` for a manager of `url`.
            pub fn defaults(url: &str, profile: Profile) -> Self {
                #[allow(unused_mut)]
                let mut o = Options { $( $field: $default, )* };
                o.url = alloc::vec![url.to_string()];
                $( $( if profile == Profile::$profile { o.$field = $pval; } )* )*
                o
            }

            /// Reads the option `key` into its own field; `false` for a key no row declares.
            fn set(&mut self, key: &'static str, v: value::Val<'_>) -> Result<bool, OptionError> {
                $( if key == $key { self.$field = value::$read(v, $key)?; return Ok(true); } )*
                Ok(false)
            }

            /// Each field by its key, as `Debug` text (native builds: for the tests).
            #[cfg(not(target_arch = "wasm32"))]
            pub fn fields(&self) -> Vec<(&'static str, String)> {
                alloc::vec![$( ($key, std::format!("{:?}", self.$field)) ),*]
            }

            /// Checks every field against its row's rule.
            fn check_each(&self) -> Result<(), OptionError> {
                $( Check::check(&$rule, &self.$field, $key)?; )*
                Ok(())
            }
        }
    };
}

declare_options! {
    "url" url: Vec<String> = Vec::new();
        read urls, check (), ts "string | readonly string[]", default "required";
        "`ws://` or `wss://` URL, or a list of them (failover)."
    "protocol" protocol: ProtocolKind = ProtocolKind::first();
        read protocol, check (), ts "Protocol", default "\"calimero\"";
        "Wire protocol: `\"calimero\"` or `\"json\"`."
    "token" token: Option<String> = None;
        read some_string, check (), ts "string", default "none";
        "Appended to the URL as `?token=` (URL-encoded)."
    "contextIds" context_ids: Vec<String> = Vec::new();
        read strings, check (), ts "readonly string[]", default "[]";
        "Subscribed on every open; Calimero ids must be base58 of 32 bytes."
    "namespaces" namespaces: Vec<String> = alloc::vec![String::from("/")];
        read strings, check (), ts "readonly string[]", default "[\"/\"]";
        "socketio: namespaces joined on open and re-joined after reconnects."
    "path" path: String = String::from("/socket.io/");
        read string, check (), ts "string", default "\"/socket.io/\"";
        "socketio: the Engine.IO endpoint's path (with its trailing slash)."
    "query" query: Vec<(String, String)> = Vec::new();
        read string_map, check (), ts "{ readonly [key: string]: string | number | boolean }", default "{}";
        "socketio: extra query parameters of the connect URL."
    "auth" auth: Auth = Auth::None;
        read auth, check (), ts "AuthOption", default "none";
        "socketio: the CONNECT payload: an object, or a function (may be async) called on every (re)connect."
    "payloadEncoding" payload_encoding: Vec<String> = Vec::new();
        read encodings, check (), ts "{ readonly [event: string]: \"base64json\" }", default "{}";
        "socketio: events whose first argument is base64 of JSON, unwrapped before delivery."
    "probeEvent" probe_event: Option<String> = None;
        read some_string, check (), ts "string", default "none";
        "socketio: an event emitted on `/` every `heartbeatIntervalMs` with `{timestamp}` for round trips."
    "probeReplyEvent" probe_reply_event: String = String::from("pong");
        read string, check (), ts "string", default "\"pong\"";
        "socketio: the event that answers `probeEvent` (its `_server_timestamp` gives the clock offset)."
    "ackTimeoutMs" ack_timeout_ms: f64 = 10_000.0;
        read number, check within(Range::Ms(1.0)), ts "number", default "10000";
        "socketio: `emitWithAck` rejects (`ackTimeout`) after this long (ms)."
    "batchWindowMs" batch_window_ms: f64 = 100.0, HighThroughput = 16.0;
        read number, check within(Range::Ms(0.0)), ts "number", default "100";
        "Quiet time (ms) that closes a batch."
    "maxBatchSize" max_batch_size: f64 = 10.0, HighThroughput = 500.0;
        read number, check within(Range::Whole(1.0, 1_000_000.0)), ts "number", default "10";
        "Frames that close a batch at once."
    "maxBatchWaitMs" max_batch_wait_ms: f64 = 300.0, HighThroughput = 100.0;
        read number, check within(Range::Ms(0.0)), ts "number", default "300";
        "Longest time (ms) a batch stays open (at least `batchWindowMs`)."
    "refreshRules" refresh_rules: Option<Vec<(String, Vec<String>)>> = None;
        read rules, check (), ts "{ readonly [kind: string]: readonly Flag[] }", default "the chat rules";
        "`{ Kind: [\"flag\", ...] }`, replaces the default chat mapping."
    "criticalKinds" critical_kinds: Vec<String> = Vec::new();
        read strings, check (), ts "readonly string[]", default "[]";
        "Kinds whose frame flushes the batch at once."
    "collectEvents" collect_events: bool = false;
        read boolean, check (), ts "boolean", default "false";
        "Add `events` (every nested event, decoded) to each batch."
    "shareAcrossTabs" share_across_tabs: bool = false;
        read boolean, check (), ts "boolean", default "false";
        "One socket for every tab of the origin with the same connection identity: a leader tab owns it, every tab gets its own batches."
    "debug" debug: bool = false, Development = true;
        read boolean, check (), ts "boolean", default "false";
        "Log status changes and errors to the console."
    "reconnect" reconnect: bool = true;
        read boolean, check (), ts "boolean", default "true";
        "Reconnect after closes the app did not ask for."
    "reconnectInitialDelayMs" reconnect_initial_delay_ms: f64 = 1000.0;
        read number, check within(Range::Ms(0.0)), ts "number", default "1000";
        "Backoff ceiling (ms) of the first delayed retry."
    "reconnectMaxDelayMs" reconnect_max_delay_ms: f64 = 30_000.0;
        read number, check within(Range::Ms(0.0)), ts "number", default "30000";
        "Backoff ceiling cap (ms)."
    "reconnectMultiplier" reconnect_multiplier: f64 = 2.0;
        read number, check within(Range::Within(1.0, 100.0)), ts "number", default "2";
        "Ceiling growth per retry."
    "reconnectMinUptimeMs" reconnect_min_uptime_ms: f64 = 5000.0;
        read number, check within(Range::Ms(0.0)), ts "number", default "5000";
        "Uptime (ms) after which the retry counter resets."
    "reconnectMaxAttempts" reconnect_max_attempts: f64 = f64::INFINITY, Production = 5.0;
        read number, check within_or(Range::Whole(0.0, 1e9), f64::INFINITY), ts "number", default "Infinity";
        "Retries before status `failed` (`Infinity` never gives up)."
    "connectTimeoutMs" connect_timeout_ms: f64 = 10_000.0;
        read number, check within(Range::Ms(1.0)), ts "number", default "10000";
        "A connect attempt not open by then (ms) counts as failed."
    "heartbeatIntervalMs" heartbeat_interval_ms: f64 = 15_000.0;
        read number, check within(Range::Ms(0.0)), ts "number", default "15000";
        "Heartbeat probe period (ms); `0` turns probes off."
    "heartbeatTimeoutMs" heartbeat_timeout_ms: f64 = 10_000.0;
        read number, check within(Range::Ms(1.0)), ts "number", default "10000";
        "No reply (ms) after a probe: the connection is dead."
    "pingMessage" ping_message: String = String::from("{\"type\":\"ping\"}");
        read string_or_object, check (), ts "string | { readonly [key: string]: JsonValue }", default "{\"type\":\"ping\"}";
        "json protocol: the probe sent (an object is JSON-encoded)."
    "pongType" pong_type: String = String::from("pong");
        read string, check (), ts "string", default "\"pong\"";
        "json protocol: the `type` of the frame that answers the probe."
    "maxQueuedMessages" max_queued_messages: f64 = 200.0, HighThroughput = 1000.0;
        read number, check within(Range::Whole(0.0, 1_000_000.0)), ts "number", default "200";
        "Offline send queue bound."
    "queuedMessageTtlMs" queued_message_ttl_ms: f64 = 0.0;
        read number, check within(Range::Ms(0.0)), ts "number", default "0";
        "Queued messages older than this (ms) are dropped; `0` = never."
    "queueOverflow" queue_overflow: QueueOverflow = QueueOverflow::DropOldest;
        read overflow, check (), ts "QueueOverflow", default "\"dropOldest\"";
        "What a full queue does: `\"dropOldest\"` or `\"rejectNew\"`."
    "sendBatchMs" send_batch_ms: f64 = 0.0;
        read number, check within(Range::Ms(0.0)), ts "number", default "0";
        "Coalesce the sends of this window (ms) into one frame (json: an array; socketio: one `sendBatchEvent`); `0` = off."
    "sendBatchEvent" send_batch_event: String = String::from("batch");
        read string, check (), ts "string", default "\"batch\"";
        "socketio: the event that carries a batch of emits (`[[event, ...args], ...]`)."
    "maxMessageBytes" max_message_bytes: f64 = 1_048_576.0;
        read number, check within(Range::Whole(64.0, 16.0 * 1024.0 * 1024.0)), ts "number", default "1048576";
        "Larger frames are dropped unread."
    "timestampField" timestamp_field: String = String::from("_server_timestamp");
        read string, check (), ts "string", default "\"_server_timestamp\"";
        "Server timestamp field (dotted path allowed); removed from delivered data."
    "latencySampleSize" latency_sample_size: f64 = 1000.0;
        read number, check within(Range::Whole(1.0, 100_000.0)), ts "number", default "1000";
        "Latency samples kept for percentiles (and round trips)."
    "latencyWarnMs" latency_warn_ms: f64 = 50.0;
        read number, check within(Range::Ms(0.0)), ts "number", default "50";
        "`onDegraded` warning threshold (ms)."
    "latencyCriticalMs" latency_critical_ms: f64 = 100.0;
        read number, check within(Range::Ms(0.0)), ts "number", default "100";
        "`onDegraded` critical threshold (ms), at least `latencyWarnMs`."
    "metricsIntervalMs" metrics_interval_ms: f64 = 0.0;
        read number, check within_or(Range::Ms(10.0), 0.0), ts "number", default "0";
        "`onMetrics(stats)` period (ms) while connected; `0` = off."
}

impl Options {
    /// What the protocol's codec reads of these options.
    pub fn codec_settings(&self) -> crate::engine::protocols::Settings<'_> {
        crate::engine::protocols::Settings {
            timestamp_field: &self.timestamp_field,
            pong_type: &self.pong_type,
            ping_message: &self.ping_message,
            path: &self.path,
            query: &self.query,
            base64json: &self.payload_encoding,
            probe_reply: self.probe_event.as_ref().map(|_| self.probe_reply_event.as_str()),
        }
    }

    /// What the manager subscribes to at first, and the option that names it: the
    /// namespaces for socketio, else the context ids.
    pub fn initial_scopes(&self) -> (&'static str, &[String]) {
        if self.protocol.name() == "socketio" {
            ("namespaces", &self.namespaces)
        } else {
            ("contextIds", &self.context_ids)
        }
    }

    /// Checks every field's rule, the URL, and the rules that tie two options.
    pub fn validate(&self) -> Result<(), OptionError> {
        #[cfg(feature = "socketio")]
        let socketio = self.protocol == ProtocolKind::Socketio;
        #[cfg(not(feature = "socketio"))]
        let socketio = false;
        if socketio {
            #[cfg(feature = "socketio")]
            check::check_socketio(self)?;
        } else {
            for url in &self.url {
                check_url(url)?;
            }
            if self.namespaces.len() != 1 || self.namespaces[0] != "/" {
                return Err(OptionError::type_error("namespaces", "is for protocol \"socketio\"; this protocol subscribes to contextIds"));
            }
        }
        self.check_each()?;
        at_least("maxBatchWaitMs", self.max_batch_wait_ms, "batchWindowMs", self.batch_window_ms)?;
        if self.send_batch_ms > 0.0 && self.protocol.name() == "calimero" {
            return Err(OptionError::range_error("sendBatchMs", "does not apply to protocol \"calimero\": each request is a JSON-RPC call of its own frame (leave it 0)"));
        }
        at_least("reconnectMaxDelayMs", self.reconnect_max_delay_ms, "reconnectInitialDelayMs", self.reconnect_initial_delay_ms)?;
        at_least("latencyCriticalMs", self.latency_critical_ms, "latencyWarnMs", self.latency_warn_ms)?;
        if self.timestamp_field.split('.').any(str::is_empty) {
            return Err(OptionError::type_error("timestampField", "must be a field name or a dotted path such as data.timestamp"));
        }
        Ok(())
    }
}

/// Reads and validates the options (the JSON text described in [`value`]): `url` and
/// `profile` first (the profile's defaults apply before explicit options whatever the
/// key order), then every other member through its row's reader.
pub fn read_options(text: &str) -> Result<Options, OptionError> {
    let mut members = value::members(text, KNOWN)?;
    let mut take = |name: &str| members.iter().position(|(k, _)| *k == name).map(|i| members.remove(i).1);
    let urls = match take("url") {
        Some(v) => value::urls(v, "url")?,
        None => return Err(OptionError::type_error("url", "is required")),
    };
    let profile = match take("profile") {
        None => Profile::Default,
        Some(v) => value::profile(v, "profile")?,
    };
    let mut o = Options::defaults(&urls[0], profile);
    o.url = urls;
    for (key, v) in members {
        o.set(key, v)?;
    }
    o.validate()?;
    Ok(o)
}

#[cfg(test)]
mod tests;
