//! Reads the options object from JSON text: each member as a [`Val`], then each
//! declared option's reader turns its value into the field's type, or a type error
//! naming the option.
//!
//! The web layer turns the JS object into this text with one `JSON.stringify` whose
//! replacer marks what JSON cannot carry: a function, symbol or bigint becomes the
//! string `"\u0000function"` (and so on), `NaN` and `±Infinity` become `"\u0000NaN"`,
//! `"\u0000Infinity"`, `"\u0000-Infinity"`, and `undefined` at the top
//! `"\u0000undefined"`. Arrays are read in the same pass as the object that holds them;
//! an object value (`refreshRules`, `pingMessage`) is kept as its text and read by its
//! option's reader.

#[allow(unused_imports)]
use crate::prelude::*;

use super::error::OptionError;
use super::{Auth, Profile, QueueOverflow};
use crate::engine::json::reader::{slice, JsonResult, Reader, ValueKind};
use crate::engine::protocols::ProtocolKind;
use crate::engine::text::quoted;

/// The marker that starts a value JSON cannot carry.
pub const MARK: char = '\u{0}';

/// One option value as read.
pub enum Val<'a> {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    /// An array: its strings, or the index and type of its first item that is not one.
    List(Result<Vec<String>, (usize, &'static str)>),
    /// An object: its JSON text.
    Object(&'a str),
    /// A value JSON cannot carry, by its JS type name.
    Other(&'static str),
}

/// JS type names a marker may carry (so the error text borrows a static name).
const KNOWN_TYPES: &[&str] = &["function", "symbol", "bigint", "undefined", "string", "number", "boolean", "object", "null", "an array"];

impl Val<'_> {
    fn type_name(&self) -> &'static str {
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
}

/// Reads one value; arrays as their strings, objects as their text.
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
        ValueKind::Array => {
            let mut out = Ok(Vec::new());
            let mut i = 0;
            r.array(|r| {
                let item = value(r)?;
                if let Ok(list) = &mut out {
                    match item {
                        Val::Str(s) => list.push(s),
                        other => out = Err((i, other.type_name())),
                    }
                }
                i += 1;
                Ok(())
            })?;
            Val::List(out)
        }
        ValueKind::Object => {
            let (a, b) = r.skip()?;
            Val::Object(slice(r.text(), a, b))
        }
    })
}

/// The whole text as one value (a malformed text reads as a value JSON cannot carry).
fn top(text: &str) -> Val<'_> {
    let mut r = Reader::new(text);
    match value(&mut r).and_then(|v| r.finish().map(|_| v)) {
        Ok(v) => v,
        Err(_) => Val::Other("undefined"),
    }
}

/// The members of the options object, each with its declared key (an unknown key is
/// a type error: a typo would otherwise be ignored).
pub fn members<'a>(text: &'a str, known: &[&'static str]) -> Result<Vec<(&'static str, Val<'a>)>, OptionError> {
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
        match known.iter().find(|k| **k == key) {
            Some(k) => out.push((*k, v)),
            None => {
                unknown.get_or_insert_with(|| key.into_owned());
            }
        }
        Ok(())
    });
    if let Some(key) = unknown {
        return Err(OptionError::type_error("options", crate::cat!("unknown option ", quoted(&key))));
    }
    read.map_err(|_| OptionError::type_error("options", "must be an object"))?;
    Ok(out)
}

// The readers an option declares (src/engine/options/mod.rs): one per kind of value.

pub fn number(v: Val<'_>, key: &'static str) -> Result<f64, OptionError> {
    match v {
        Val::Num(n) => Ok(n),
        v => Err(v.wrong(key, "a number")),
    }
}

pub fn boolean(v: Val<'_>, key: &'static str) -> Result<bool, OptionError> {
    match v {
        Val::Bool(b) => Ok(b),
        v => Err(v.wrong(key, "a boolean")),
    }
}

pub fn string(v: Val<'_>, key: &'static str) -> Result<String, OptionError> {
    match v {
        Val::Str(s) => Ok(s),
        v => Err(v.wrong(key, "a string")),
    }
}

/// `url`: one URL, or a non-empty list of them.
pub fn urls(v: Val<'_>, key: &'static str) -> Result<Vec<String>, OptionError> {
    match v {
        Val::Str(s) => Ok(alloc::vec![s]),
        Val::List(Ok(list)) if !list.is_empty() => Ok(list),
        Val::List(Ok(_)) => Err(OptionError::type_error(key, "must not be an empty list")),
        Val::List(Err((i, t))) => Err(OptionError::type_error(key, crate::cat!("item ", i, " must be a string, got ", t))),
        v => Err(v.wrong(key, "a string or an array of strings")),
    }
}

/// A string option whose default is none.
pub fn some_string(v: Val<'_>, key: &'static str) -> Result<Option<String>, OptionError> {
    string(v, key).map(Some)
}

pub fn strings(v: Val<'_>, key: &'static str) -> Result<Vec<String>, OptionError> {
    match v {
        Val::List(Ok(list)) => Ok(list),
        Val::List(Err((i, t))) => Err(OptionError::type_error(key, crate::cat!("item ", i, " must be a string, got ", t))),
        v => Err(v.wrong(key, "an array of strings")),
    }
}

/// A string, or an object sent as its JSON text (`pingMessage`).
pub fn string_or_object(v: Val<'_>, key: &'static str) -> Result<String, OptionError> {
    match v {
        Val::Str(s) => Ok(s),
        Val::Object(text) => Ok(text.into()),
        v => Err(v.wrong(key, "a string or an object")),
    }
}

pub fn protocol(v: Val<'_>, key: &'static str) -> Result<ProtocolKind, OptionError> {
    let p = string(v, key)?;
    ProtocolKind::parse(&p).ok_or_else(|| {
        // "must be one of "calimero", "json", got ..." from the compiled-in protocols.
        let mut names = String::new();
        for (i, n) in ProtocolKind::NAMES.iter().enumerate() {
            names.push_str(if i > 0 { ", " } else { "one of " });
            names.push_str(&quoted(n));
        }
        OptionError::range_error(key, crate::cat!("must be ", names, ", got ", quoted(&p)))
    })
}

pub fn overflow(v: Val<'_>, key: &'static str) -> Result<QueueOverflow, OptionError> {
    let q = string(v, key)?;
    match q.as_str() {
        "dropOldest" => Ok(QueueOverflow::DropOldest),
        "rejectNew" => Ok(QueueOverflow::RejectNew),
        _ => Err(OptionError::range_error(key, crate::cat!("must be \"dropOldest\" or \"rejectNew\", got ", quoted(&q)))),
    }
}

pub fn profile(v: Val<'_>, key: &'static str) -> Result<Profile, OptionError> {
    let p = string(v, key)?;
    Profile::parse(&p).ok_or_else(|| OptionError::range_error(key, crate::cat!("must be \"development\", \"production\" or \"highThroughput\", got ", quoted(&p))))
}

/// An object of string, number or boolean values as `(key, value text)` (`query`).
pub fn string_map(v: Val<'_>, key: &'static str) -> Result<Vec<(String, String)>, OptionError> {
    let Val::Object(text) = v else {
        return Err(v.wrong(key, "an object of strings"));
    };
    let mut out = Vec::new();
    let mut bad: Option<OptionError> = None;
    let _ = Reader::new(text).object(|r, k| {
        let k = k.value().into_owned();
        let text = match value(r)? {
            Val::Str(s) => Some(s),
            Val::Bool(b) => Some(String::from(if b { "true" } else { "false" })),
            Val::Num(n) if n.is_finite() => Some(crate::cat!(crate::engine::text::num(n))),
            other => {
                bad.get_or_insert(OptionError::type_error(key, crate::cat!("value of ", quoted(&k), " must be a string, number or boolean, got ", other.type_name())));
                None
            }
        };
        if let Some(t) = text {
            out.push((k, t));
        }
        Ok(())
    });
    match bad {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// `payloadEncoding`: an object of `event: "base64json"` (the only encoding); the events.
pub fn encodings(v: Val<'_>, key: &'static str) -> Result<Vec<String>, OptionError> {
    let Val::Object(text) = v else {
        return Err(v.wrong(key, "an object of event: \"base64json\""));
    };
    let mut out = Vec::new();
    let mut bad: Option<OptionError> = None;
    let _ = Reader::new(text).object(|r, event| {
        let event = event.value().into_owned();
        match value(r)? {
            Val::Str(s) if s == "base64json" => out.push(event),
            Val::Str(s) => {
                bad.get_or_insert(OptionError::range_error(key, crate::cat!("encoding of ", quoted(&event), " must be \"base64json\", got ", quoted(&s))));
            }
            other => {
                bad.get_or_insert(OptionError::type_error(key, crate::cat!("encoding of ", quoted(&event), " must be a string, got ", other.type_name())));
            }
        }
        Ok(())
    });
    match bad {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// `auth`: an object (kept as its text), a function, or null (none).
pub fn auth(v: Val<'_>, key: &'static str) -> Result<Auth, OptionError> {
    match v {
        Val::Object(text) => Ok(Auth::Object(text.into())),
        Val::Other("function") => Ok(Auth::Function),
        Val::Null => Ok(Auth::None),
        v => Err(v.wrong(key, "an object or a function")),
    }
}

/// Refresh rules as read: `(kind, flags)` in the object's order.
pub type Rules = Vec<(String, Vec<String>)>;

/// `refreshRules`: an object of `kind: [flags]`.
pub fn rules(v: Val<'_>, key: &'static str) -> Result<Option<Rules>, OptionError> {
    let Val::Object(text) = v else {
        return Err(v.wrong(key, "an object of kind: [flags]"));
    };
    let mut list = Vec::new();
    let mut bad = None;
    let _ = Reader::new(text).object(|r, kind| {
        match strings(value(r)?, key) {
            Ok(f) => list.push((kind.value().into_owned(), f)),
            Err(e) => {
                bad.get_or_insert(e);
            }
        }
        Ok(())
    });
    match bad {
        Some(e) => Err(e),
        None => Ok(Some(list)),
    }
}
