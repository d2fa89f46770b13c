//! Reads the JS options object into [`Options`]. A value of the wrong type, or an
//! unknown key (a typo would otherwise be ignored silently), is a `TypeError`; a number
//! out of range or an unknown enum value is a `RangeError`. Messages name the option.

use crate::core::options::{OptionError, Options, Profile, QueueOverflow};
use crate::core::protocol::ProtocolKind;
use crate::core::text::quoted;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Every option key, in the README's order.
pub const KNOWN: &[&str] = &[
    "url",
    "protocol",
    "profile",
    "token",
    "contextIds",
    "batchWindowMs",
    "maxBatchSize",
    "maxBatchWaitMs",
    "refreshRules",
    "criticalKinds",
    "collectEvents",
    "debug",
    "reconnect",
    "reconnectInitialDelayMs",
    "reconnectMaxDelayMs",
    "reconnectMultiplier",
    "reconnectMinUptimeMs",
    "reconnectMaxAttempts",
    "connectTimeoutMs",
    "heartbeatIntervalMs",
    "heartbeatTimeoutMs",
    "pingMessage",
    "pongType",
    "maxQueuedMessages",
    "queuedMessageTtlMs",
    "queueOverflow",
    "maxMessageBytes",
    "timestampField",
    "latencySampleSize",
    "latencyWarnMs",
    "latencyCriticalMs",
    "metricsIntervalMs",
];

/// The JS error for an invalid option.
pub fn to_js_error(e: &OptionError) -> JsValue {
    let msg = e.full_message();
    match e.kind {
        crate::core::options::OptionErrorKind::Type => js_sys::TypeError::new(&msg).into(),
        crate::core::options::OptionErrorKind::Range => js_sys::RangeError::new(&msg).into(),
    }
}

struct Reader<'a> {
    obj: &'a Object,
}

fn type_name(v: &JsValue) -> String {
    if v.is_null() {
        "null".into()
    } else if Array::is_array(v) {
        "an array".into()
    } else {
        v.js_typeof().as_string().unwrap_or_default()
    }
}

impl Reader<'_> {
    fn get(&self, key: &str) -> JsValue {
        Reflect::get(self.obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    }

    fn string(&self, key: &'static str) -> Result<Option<String>, OptionError> {
        let v = self.get(key);
        if v.is_undefined() {
            return Ok(None);
        }
        v.as_string().map(Some).ok_or_else(|| OptionError::type_error(key, format!("must be a string, got {}", type_name(&v))))
    }

    fn number(&self, key: &'static str, into: &mut f64) -> Result<(), OptionError> {
        let v = self.get(key);
        if v.is_undefined() {
            return Ok(());
        }
        *into = v.as_f64().ok_or_else(|| OptionError::type_error(key, format!("must be a number, got {}", type_name(&v))))?;
        Ok(())
    }

    fn boolean(&self, key: &'static str, into: &mut bool) -> Result<(), OptionError> {
        let v = self.get(key);
        if v.is_undefined() {
            return Ok(());
        }
        *into = v.as_bool().ok_or_else(|| OptionError::type_error(key, format!("must be a boolean, got {}", type_name(&v))))?;
        Ok(())
    }

    fn strings(&self, key: &'static str) -> Result<Option<Vec<String>>, OptionError> {
        let v = self.get(key);
        if v.is_undefined() {
            return Ok(None);
        }
        strings_of(&v, key).map(Some)
    }
}

/// A JS array of strings, or a `TypeError` naming `what`.
pub fn strings_of(v: &JsValue, what: &'static str) -> Result<Vec<String>, OptionError> {
    if !Array::is_array(v) {
        return Err(OptionError::type_error(what, format!("must be an array of strings, got {}", type_name(v))));
    }
    let arr: &Array = v.unchecked_ref();
    arr.iter()
        .enumerate()
        .map(|(i, s)| {
            s.as_string().ok_or_else(|| OptionError::type_error(what, format!("item {i} must be a string, got {}", type_name(&s))))
        })
        .collect()
}

/// Reads and validates the options object.
pub fn read_options(value: &JsValue) -> Result<Options, OptionError> {
    if !value.is_object() || Array::is_array(value) {
        return Err(OptionError::type_error("options", format!("must be an object, got {}", type_name(value))));
    }
    let obj: &Object = value.unchecked_ref();
    for key in Object::keys(obj).iter() {
        let key = key.as_string().unwrap_or_default();
        if !KNOWN.contains(&key.as_str()) {
            return Err(OptionError {
                kind: crate::core::options::OptionErrorKind::Type,
                option: "options",
                message: format!("unknown option {}", quoted(&key)),
            });
        }
    }
    let r = Reader { obj };
    let url = r.string("url")?.ok_or_else(|| OptionError::type_error("url", "is required"))?;
    let profile = match r.string("profile")? {
        None => Profile::Default,
        Some(p) => Profile::parse(&p).ok_or_else(|| {
            OptionError::range_error("profile", format!("must be \"development\", \"production\" or \"highThroughput\", got {}", quoted(&p)))
        })?,
    };
    let mut o = Options::defaults(&url, profile);
    if let Some(p) = r.string("protocol")? {
        o.protocol = ProtocolKind::parse(&p)
            .ok_or_else(|| OptionError::range_error("protocol", format!("must be \"calimero\" or \"json\", got {}", quoted(&p))))?;
    }
    o.token = r.string("token")?;
    if let Some(ids) = r.strings("contextIds")? {
        o.context_ids = ids;
    }
    r.number("batchWindowMs", &mut o.batch_window_ms)?;
    r.number("maxBatchSize", &mut o.max_batch_size)?;
    r.number("maxBatchWaitMs", &mut o.max_batch_wait_ms)?;
    let rules = r.get("refreshRules");
    if !rules.is_undefined() {
        if !rules.is_object() || Array::is_array(&rules) {
            return Err(OptionError::type_error("refreshRules", format!("must be an object of kind: [flags], got {}", type_name(&rules))));
        }
        let rules_obj: &Object = rules.unchecked_ref();
        let mut list = Vec::new();
        for entry in Object::entries(rules_obj).iter() {
            let pair: Array = entry.unchecked_into();
            let kind = pair.get(0).as_string().unwrap_or_default();
            list.push((kind, strings_of(&pair.get(1), "refreshRules")?));
        }
        o.refresh_rules = Some(list);
    }
    if let Some(k) = r.strings("criticalKinds")? {
        o.critical_kinds = k;
    }
    r.boolean("collectEvents", &mut o.collect_events)?;
    r.boolean("debug", &mut o.debug)?;
    r.boolean("reconnect", &mut o.reconnect)?;
    r.number("reconnectInitialDelayMs", &mut o.reconnect_initial_delay_ms)?;
    r.number("reconnectMaxDelayMs", &mut o.reconnect_max_delay_ms)?;
    r.number("reconnectMultiplier", &mut o.reconnect_multiplier)?;
    r.number("reconnectMinUptimeMs", &mut o.reconnect_min_uptime_ms)?;
    r.number("reconnectMaxAttempts", &mut o.reconnect_max_attempts)?;
    r.number("connectTimeoutMs", &mut o.connect_timeout_ms)?;
    r.number("heartbeatIntervalMs", &mut o.heartbeat_interval_ms)?;
    r.number("heartbeatTimeoutMs", &mut o.heartbeat_timeout_ms)?;
    let ping = r.get("pingMessage");
    if !ping.is_undefined() {
        o.ping_message = match ping.as_string() {
            Some(s) => s,
            None if ping.is_object() => js_sys::JSON::stringify(&ping).ok().and_then(|s| s.as_string()).unwrap_or_default(),
            None => return Err(OptionError::type_error("pingMessage", "must be a string or an object")),
        };
    }
    if let Some(t) = r.string("pongType")? {
        o.pong_type = t;
    }
    r.number("maxQueuedMessages", &mut o.max_queued_messages)?;
    r.number("queuedMessageTtlMs", &mut o.queued_message_ttl_ms)?;
    if let Some(q) = r.string("queueOverflow")? {
        o.queue_overflow = match q.as_str() {
            "dropOldest" => QueueOverflow::DropOldest,
            "rejectNew" => QueueOverflow::RejectNew,
            _ => return Err(OptionError::range_error("queueOverflow", format!("must be \"dropOldest\" or \"rejectNew\", got {}", quoted(&q)))),
        };
    }
    r.number("maxMessageBytes", &mut o.max_message_bytes)?;
    if let Some(t) = r.string("timestampField")? {
        o.timestamp_field = t;
    }
    r.number("latencySampleSize", &mut o.latency_sample_size)?;
    r.number("latencyWarnMs", &mut o.latency_warn_ms)?;
    r.number("latencyCriticalMs", &mut o.latency_critical_ms)?;
    r.number("metricsIntervalMs", &mut o.metrics_interval_ms)?;
    o.validate()?;
    Ok(o)
}
