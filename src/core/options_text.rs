//! Reads the options object from JSON text into [`Options`], with the checks a JS
//! caller expects: a value of the wrong type or an unknown key (a typo would otherwise
//! be ignored) is a type error, then [`Options::validate`] checks ranges. Every message
//! names the option.
//!
//! The web layer turns the JS object into this text with one `JSON.stringify` whose
//! replacer marks what JSON cannot carry: a function, symbol or bigint becomes the
//! string `"\u0000function"` (and so on), `NaN` and `±Infinity` become `"\u0000NaN"`,
//! `"\u0000Infinity"`, `"\u0000-Infinity"`, and `undefined` at the top `"\u0000undefined"`. So the rules (and their tests) stay in plain Rust, and
//! the wasm carries one small reader instead of a JS property read per option.

#[allow(unused_imports)]
use crate::prelude::*;

use super::json_reader::{JsonResult, Reader, ValueKind};
use super::options::{OptionError, OptionErrorKind, Options, Profile, QueueOverflow, NUMBERS};
use super::protocol::ProtocolKind;
use super::text::quoted;

/// The marker that starts a value JSON cannot carry.
pub const MARK: char = '\u{0}';

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

/// One option value as read.
enum Val<'a> {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    /// An array or object: its JSON text.
    List(&'a str),
    Object(&'a str),
    /// A value JSON cannot carry, by its JS type name.
    Other(&'a str),
}

impl Val<'_> {
    fn type_name(&self) -> &str {
        match self {
            Val::Str(_) => "string",
            Val::Num(_) => "number",
            Val::Bool(_) => "boolean",
            Val::Null => "null",
            Val::List(_) => "an array",
            Val::Object(_) => "object",
            Val::Other(t) => t,
        }
    }

    fn wrong(&self, key: &'static str, want: &str) -> OptionError {
        OptionError::type_error(key, crate::cat!("must be ", want, ", got ", self.type_name()))
    }

    fn string(self, key: &'static str) -> Result<String, OptionError> {
        match self {
            Val::Str(s) => Ok(s),
            v => Err(v.wrong(key, "a string")),
        }
    }

    fn number(&self, key: &'static str) -> Result<f64, OptionError> {
        match self {
            Val::Num(n) => Ok(*n),
            v => Err(v.wrong(key, "a number")),
        }
    }

    fn boolean(&self, key: &'static str) -> Result<bool, OptionError> {
        match self {
            Val::Bool(b) => Ok(*b),
            v => Err(v.wrong(key, "a boolean")),
        }
    }

    fn strings(&self, key: &'static str) -> Result<Vec<String>, OptionError> {
        match self {
            Val::List(text) => strings_of(text, key),
            v => Err(v.wrong(key, "an array of strings")),
        }
    }
}

/// Reads one value; containers are kept as their text.
fn value<'a>(r: &mut Reader<'a>) -> JsonResult<Val<'a>> {
    Ok(match r.peek_kind()? {
        ValueKind::String => {
            let s = r.string()?.value();
            match s.strip_prefix(MARK) {
                Some("NaN") => Val::Num(f64::NAN),
                Some("Infinity") => Val::Num(f64::INFINITY),
                Some("-Infinity") => Val::Num(f64::NEG_INFINITY),
                Some(t) => Val::Other(KNOWN_TYPES.iter().find(|k| **k == t).copied().unwrap_or("undefined")),
                None => Val::Str(s.into_owned()),
            }
        }
        ValueKind::Number => Val::Num(r.number()?),
        ValueKind::Bool => Val::Bool(r.boolean()?),
        ValueKind::Null => {
            r.null()?;
            Val::Null
        }
        kind => {
            let (a, b) = r.skip()?;
            let text = super::json_reader::slice(r.text(), a, b);
            if kind == ValueKind::Array { Val::List(text) } else { Val::Object(text) }
        }
    })
}

/// JS type names a marker may carry (so the error text borrows a static name).
const KNOWN_TYPES: &[&str] = &["function", "symbol", "bigint", "undefined", "string", "number", "boolean", "object", "null", "an array"];

/// The whole text as one value (a malformed text reads as a value JSON cannot carry).
fn top(text: &str) -> Val<'_> {
    let mut r = Reader::new(text);
    match value(&mut r).and_then(|v| r.finish().map(|_| v)) {
        Ok(v) => v,
        Err(_) => Val::Other("undefined"),
    }
}

/// A value (the JSON text described in the module doc) that must be an array of
/// strings, such as the argument of `subscribe`; else a type error naming `key`.
pub fn read_strings(text: &str, key: &'static str) -> Result<Vec<String>, OptionError> {
    top(text).strings(key)
}

/// A JSON array of strings, or a type error naming `key`.
fn strings_of(text: &str, key: &'static str) -> Result<Vec<String>, OptionError> {
    let mut out = Vec::new();
    let mut bad: Option<OptionError> = None;
    let mut r = Reader::new(text);
    let read = r.array(|r| {
        let i = out.len();
        let v = value(r)?;
        match v {
            Val::Str(s) => out.push(s),
            v => {
                bad.get_or_insert_with(|| OptionError::type_error(key, crate::cat!("item ", i, " must be a string, got ", v.type_name())));
                out.push(String::new());
            }
        }
        Ok(())
    });
    if let Some(e) = bad {
        return Err(e);
    }
    read.map_err(|_| OptionError::type_error(key, "must be an array of strings"))?;
    Ok(out)
}

/// The members of the options object, each with its known key.
fn members(text: &str) -> Result<Vec<(&'static str, Val<'_>)>, OptionError> {
    let text = match top(text) {
        Val::Object(t) => t,
        v => return Err(v.wrong("options", "an object")),
    };
    let mut out = Vec::new();
    let mut unknown: Option<String> = None;
    let mut r = Reader::new(text);
    let read = r.object(|r, key| {
        let key = key.value();
        let v = value(r)?;
        match KNOWN.iter().find(|k| **k == key) {
            Some(k) => out.push((*k, v)),
            None => {
                unknown.get_or_insert_with(|| key.into_owned());
            }
        }
        Ok(())
    });
    if let Some(key) = unknown {
        return Err(OptionError { kind: OptionErrorKind::Type, option: "options", message: crate::cat!("unknown option ", quoted(&key)) });
    }
    read.map_err(|_| OptionError::type_error("options", "must be an object"))?;
    Ok(out)
}

/// The `bool` field an option key sets, if it is a flag.
fn bool_field<'o>(o: &'o mut Options, key: &str) -> Option<&'o mut bool> {
    Some(match key {
        "collectEvents" => &mut o.collect_events,
        "debug" => &mut o.debug,
        "reconnect" => &mut o.reconnect,
        _ => return None,
    })
}

/// Reads and validates the options (the text described in the module doc).
pub fn read_options(text: &str) -> Result<Options, OptionError> {
    let mut members = members(text)?;
    let mut take = |name: &str| members.iter().position(|(k, _)| *k == name).map(|i| members.remove(i).1);
    let url = match take("url") {
        Some(v) => v.string("url")?,
        None => return Err(OptionError::type_error("url", "is required")),
    };
    let profile = match take("profile") {
        None => Profile::Default,
        Some(v) => {
            let p = v.string("profile")?;
            Profile::parse(&p).ok_or_else(|| {
                OptionError::range_error("profile", crate::cat!("must be \"development\", \"production\" or \"highThroughput\", got ", quoted(&p)))
            })?
        }
    };
    let mut o = Options::defaults(&url, profile);
    for (key, v) in members {
        if let Some(i) = NUMBERS.iter().position(|n| n.key == key) {
            *o.number_mut(i) = v.number(key)?;
        } else if let Some(field) = bool_field(&mut o, key) {
            *field = v.boolean(key)?;
        } else {
            match key {
                "protocol" => {
                    let p = v.string(key)?;
                    o.protocol = ProtocolKind::parse(&p)
                        .ok_or_else(|| OptionError::range_error(key, crate::cat!("must be \"calimero\" or \"json\", got ", quoted(&p))))?;
                }
                "token" => o.token = Some(v.string(key)?),
                "contextIds" => o.context_ids = v.strings(key)?,
                "criticalKinds" => o.critical_kinds = v.strings(key)?,
                "refreshRules" => o.refresh_rules = Some(rules(&v)?),
                "pingMessage" => {
                    o.ping_message = match v {
                        Val::Str(s) => s,
                        Val::Object(text) => text.into(),
                        v => return Err(v.wrong(key, "a string or an object")),
                    }
                }
                "pongType" => o.pong_type = v.string(key)?,
                "timestampField" => o.timestamp_field = v.string(key)?,
                _ => {
                    // "queueOverflow", the last key left.
                    let q = v.string(key)?;
                    o.queue_overflow = match q.as_str() {
                        "dropOldest" => QueueOverflow::DropOldest,
                        "rejectNew" => QueueOverflow::RejectNew,
                        _ => return Err(OptionError::range_error(key, crate::cat!("must be \"dropOldest\" or \"rejectNew\", got ", quoted(&q)))),
                    };
                }
            }
        }
    }
    o.validate()?;
    Ok(o)
}

/// `refreshRules`: an object of `kind: [flags]`.
fn rules(v: &Val<'_>) -> Result<Vec<(String, Vec<String>)>, OptionError> {
    let Val::Object(text) = v else {
        return Err(v.wrong("refreshRules", "an object of kind: [flags]"));
    };
    let mut list = Vec::new();
    let mut bad = None;
    let _ = Reader::new(text).object(|r, kind| {
        let flags = match value(r)? {
            Val::List(t) => strings_of(t, "refreshRules"),
            v => Err(v.wrong("refreshRules", "an array of strings")),
        };
        match flags {
            Ok(f) => list.push((kind.value().into_owned(), f)),
            Err(e) => {
                bad.get_or_insert(e);
            }
        }
        Ok(())
    });
    match bad {
        Some(e) => Err(e),
        None => Ok(list),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::options::OptionErrorKind::{Range, Type};

    fn err(text: &str) -> (crate::core::options::OptionErrorKind, &'static str, String) {
        let e = read_options(text).expect_err(text);
        (e.kind, e.option, e.message)
    }

    #[test]
    fn defaults_and_overrides() {
        let o = read_options(r#"{"url":"ws://h/ws","batchWindowMs":50,"debug":true,"contextIds":["a","b"],"queueOverflow":"rejectNew"}"#).unwrap();
        assert_eq!(o.batch_window_ms, 50.0);
        assert!(o.debug);
        assert_eq!(o.context_ids, ["a", "b"]);
        assert_eq!(o.queue_overflow, QueueOverflow::RejectNew);
        assert_eq!(o.max_batch_size, 10.0, "untouched options keep their defaults");
    }

    #[test]
    fn the_profile_applies_before_explicit_options_whatever_the_key_order() {
        let o = read_options(r#"{"maxBatchSize":7,"profile":"highThroughput","url":"ws://h"}"#).unwrap();
        assert_eq!((o.max_batch_size, o.batch_window_ms), (7.0, 16.0));
    }

    #[test]
    fn wrong_types_are_type_errors_naming_the_option_and_the_type() {
        assert_eq!(err(r#"{"url":"ws://h","batchWindowMs":"100"}"#), (Type, "batchWindowMs", "must be a number, got string".into()));
        assert_eq!(err(r#"{"url":"ws://h","debug":1}"#), (Type, "debug", "must be a boolean, got number".into()));
        assert_eq!(err(r#"{"url":"ws://h","contextIds":"abc"}"#), (Type, "contextIds", "must be an array of strings, got string".into()));
        assert_eq!(err(r#"{"url":"ws://h","criticalKinds":["a",3]}"#), (Type, "criticalKinds", "item 1 must be a string, got number".into()));
        assert_eq!(err(r#"{"url":"ws://h","refreshRules":{"A":"x"}}"#), (Type, "refreshRules", "must be an array of strings, got string".into()));
        assert_eq!(err(r#"{"url":"ws://h","refreshRules":[]}"#), (Type, "refreshRules", "must be an object of kind: [flags], got an array".into()));
        assert_eq!(err(r#"{"url":"ws://h","pingMessage":3}"#), (Type, "pingMessage", "must be a string or an object, got number".into()));
        assert_eq!(err(r#"{"url":null}"#), (Type, "url", "must be a string, got null".into()));
        assert_eq!(err(r#"{}"#), (Type, "url", "is required".into()));
    }

    #[test]
    fn values_json_cannot_carry_arrive_as_markers() {
        assert_eq!(err("{\"url\":\"ws://h\",\"batchWindowMs\":\"\\u0000function\"}"), (Type, "batchWindowMs", "must be a number, got function".into()));
        assert_eq!(err("{\"url\":\"\\u0000symbol\"}"), (Type, "url", "must be a string, got symbol".into()));
        let (kind, option, _) = err("{\"url\":\"ws://h\",\"batchWindowMs\":\"\\u0000NaN\"}");
        assert_eq!((kind, option), (Range, "batchWindowMs"));
        let o = read_options("{\"url\":\"ws://h\",\"reconnectMaxAttempts\":\"\\u0000Infinity\"}").unwrap();
        assert_eq!(o.reconnect_max_attempts, f64::INFINITY);
    }

    #[test]
    fn unknown_keys_and_non_objects_are_type_errors() {
        assert_eq!(err(r#"{"url":"ws://h","batchWindow":100}"#), (Type, "options", "unknown option \"batchWindow\"".into()));
        assert_eq!(err("\"ws://h\""), (Type, "options", "must be an object, got string".into()));
        assert_eq!(err("[1]"), (Type, "options", "must be an object, got an array".into()));
        assert_eq!(err("\"\\u0000undefined\""), (Type, "options", "must be an object, got undefined".into()));
        assert_eq!(err("{\"url\":"), (Type, "options", "must be an object, got undefined".into()));
    }

    #[test]
    fn ranges_and_enums_are_range_errors() {
        assert_eq!(err(r#"{"url":"ws://h","protocol":"mqtt"}"#).0, Range);
        assert_eq!(err(r#"{"url":"ws://h","profile":"fast"}"#).1, "profile");
        assert_eq!(err(r#"{"url":"ws://h","maxBatchSize":0}"#).0, Range);
        assert_eq!(err(r#"{"url":"ws://h","queueOverflow":"drop"}"#), (Range, "queueOverflow", "must be \"dropOldest\" or \"rejectNew\", got \"drop\"".into()));
    }

    #[test]
    fn ping_objects_keep_their_json_and_rules_their_order() {
        let o = read_options(r#"{"url":"ws://h","protocol":"json","pingMessage":{"op":"ping"},"refreshRules":{"A":["x"],"B":["y","z"]}}"#).unwrap();
        assert_eq!(o.ping_message, r#"{"op":"ping"}"#);
        let rules = o.refresh_rules.unwrap();
        assert_eq!(rules[1], ("B".to_string(), std::vec!["y".to_string(), "z".to_string()]));
    }

    #[test]
    fn subscribe_lists() {
        assert_eq!(read_strings(r#"["a","b"]"#, "contextIds").unwrap(), ["a", "b"]);
        assert_eq!(read_strings("\"\\u0000undefined\"", "contextIds").unwrap_err().message, "must be an array of strings, got undefined");
    }
}
