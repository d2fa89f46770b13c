//! Wire protocols: how frames are read and requests are written.
//!
//! Two codecs sit behind the [`Protocol`] enum: [`calimero`] (the Calimero node's `/ws`
//! JSON-RPC-like envelope) and [`json`] (one event object per text frame). Both read a
//! frame in one validating pass without building a tree ([`Protocol::decode`]), and
//! produce the app-facing JSON text of a frame only when it is delivered
//! ([`Protocol::normalize`]).

#[allow(unused_imports)]
use crate::prelude::*;

pub mod calimero;
pub mod json;

use super::json_reader::{JsonError, RawStr};
use alloc::borrow::Cow;

/// Which wire protocol a manager speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtocolKind {
    Calimero,
    Json,
}

impl ProtocolKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "calimero" => Some(ProtocolKind::Calimero),
            "json" => Some(ProtocolKind::Json),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ProtocolKind::Calimero => "calimero",
            ProtocolKind::Json => "json",
        }
    }
}

/// Whether a pushed event changes app state (and so goes through the batcher) or is
/// side information delivered on its own path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventClass {
    /// `StateMutation`, legacy `ExecutionEvent`, json events: batched into refresh flags.
    State,
    /// `SyncStatus`, `Ephemeral`, `XCall`, `AppVersionChanged`, group events: `onEvent`.
    Side,
}

/// The fields of a pushed event that the core needs, borrowed from the frame text.
#[derive(Debug, Clone, PartialEq)]
pub struct EventInfo<'a> {
    /// Context id (or group id for group events); empty when the frame names none.
    pub scope: Cow<'a, str>,
    /// Whether `scope` is a group id.
    pub is_group: bool,
    /// The frame's `type`.
    pub event_type: Cow<'a, str>,
    /// The nested event kinds, in order.
    pub kinds: Vec<RawStr<'a>>,
    /// The json protocol's `seq`.
    pub seq: Option<f64>,
    /// The value at the timestamp field, if any (NaN when it is there but no number).
    pub timestamp: Option<f64>,
    pub class: EventClass,
    /// A Calimero `Ephemeral` whose `data` carries `ageMs`: presence the node replays
    /// on a subscribe, not a live update.
    pub replayed: bool,
}

/// A reply to one of our requests.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyInfo<'a> {
    /// The request id; `None` for json-protocol replies, which carry none.
    pub id: Option<u64>,
    /// The ids the server accepted, when the reply lists them.
    pub accepted: Option<Vec<Cow<'a, str>>>,
    /// Whether it answers an unsubscribe (json `unsubscribed`); without an id, this is
    /// what tells which pending request it answers.
    pub unsubscribe: bool,
    /// The raw JSON text of `result.output` (an `execute` reply), if any.
    pub output: Option<&'a str>,
}

/// An error answer from the server.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerError {
    pub id: Option<u64>,
    pub kind: String,
    pub detail: String,
    /// Whether `detail` is JSON text (the node's `data` was not a string).
    pub detail_json: bool,
}

/// One inbound frame, classified.
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound<'a> {
    Event(EventInfo<'a>),
    Reply(ReplyInfo<'a>),
    Error(ServerError),
    /// An answer to a heartbeat ping (json protocol), with its id if echoed and the
    /// server's timestamp if stamped.
    Pong { id: Option<f64>, timestamp: Option<f64> },
}

/// A delivered frame as the app gets it (normalized JSON text), with the server timestamp
/// found in its events and that event's kind.
pub type Stamped = (String, Option<(f64, Option<String>)>);

/// Why a frame could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum FrameError {
    /// Not JSON.
    Malformed(JsonError),
    /// JSON, but not a shape this protocol knows.
    UnknownShape(&'static str),
}

/// The error as a message (a `crate::cat!` piece).
impl crate::core::text::Piece for FrameError {
    fn push_to(&self, out: &mut String) {
        match self {
            FrameError::Malformed(e) => {
                out.push_str("malformed frame: ");
                e.push_to(out);
            }
            FrameError::UnknownShape(what) => {
                out.push_str("frame of unknown shape: ");
                out.push_str(what);
            }
        }
    }
}

/// The message, for native callers (the wasm keeps `core::fmt` out).
#[cfg(not(target_arch = "wasm32"))]
impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::cat!(self))
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl std::error::Error for FrameError {}

impl From<JsonError> for FrameError {
    fn from(e: JsonError) -> Self {
        FrameError::Malformed(e)
    }
}

/// A protocol codec with its settings.
#[derive(Debug, Clone)]
pub struct Protocol {
    pub kind: ProtocolKind,
    /// Path to the timestamp field, split on dots (`["_server_timestamp"]`).
    pub timestamp_path: Vec<String>,
    /// json protocol: the `type` that marks a pong.
    pub pong_type: String,
}

impl Protocol {
    pub fn new(kind: ProtocolKind, timestamp_field: &str) -> Self {
        let timestamp_path = timestamp_field.split('.').filter(|s| !s.is_empty()).map(String::from).collect();
        Protocol { kind, timestamp_path, pong_type: "pong".to_string() }
    }

    /// Reads and classifies a frame.
    pub fn decode<'a>(&self, text: &'a str) -> Result<Inbound<'a>, FrameError> {
        match self.kind {
            ProtocolKind::Calimero => calimero::decode(text),
            ProtocolKind::Json => json::decode(text, &self.timestamp_path, &self.pong_type),
        }
    }

    /// The app-facing JSON text of an event frame: for Calimero the `result` object with
    /// every `events[].data` byte array decoded into the JSON it carries; for json the
    /// frame itself. The timestamp field is removed in both.
    pub fn normalize(&self, text: &str) -> Result<String, FrameError> {
        self.normalize_stamped(text).map(|n| n.0)
    }

    /// [`Protocol::normalize`], plus the server timestamp found only now: Calimero
    /// frames carry none of their own, but an app's events may (inside their byte
    /// arrays), which is read when a frame is delivered. `(timestamp, event kind)`.
    pub fn normalize_stamped(&self, text: &str) -> Result<Stamped, FrameError> {
        match self.kind {
            ProtocolKind::Calimero => calimero::normalize_stamped(text, &self.timestamp_path),
            ProtocolKind::Json => json::normalize(text, &self.timestamp_path).map(|t| (t, None)),
        }
    }

    /// The URL to open: `base` with `token` appended as `?token=` (URL-encoded).
    pub fn connect_url(&self, base: &str, token: Option<&str>) -> String {
        let mut url = base.to_string();
        if let Some(token) = token {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str("token=");
            percent_encode(&mut url, token);
        }
        url
    }

    /// The request that subscribes to `ids`; Calimero requests carry `id`.
    pub fn subscribe(&self, id: u64, ids: &[String]) -> String {
        self.ids_request(id, "subscribe", ids)
    }

    /// The request that unsubscribes from `ids`.
    pub fn unsubscribe(&self, id: u64, ids: &[String]) -> String {
        self.ids_request(id, "unsubscribe", ids)
    }

    fn ids_request(&self, id: u64, method: &str, ids: &[String]) -> String {
        let mut out = String::with_capacity(64 + ids.len() * 48);
        match self.kind {
            ProtocolKind::Calimero => {
                out.push_str("{\"id\":");
                crate::core::text::push_digits(&mut out, id);
                out.push_str(",\"method\":\"");
                out.push_str(method);
                out.push_str("\",\"params\":{\"contextIds\":");
                write_str_array(&mut out, ids);
                out.push_str("}}");
            }
            ProtocolKind::Json => {
                out.push_str("{\"type\":\"");
                out.push_str(method);
                out.push_str("\",\"contextIds\":");
                write_str_array(&mut out, ids);
                out.push('}');
            }
        }
        out
    }

    /// The Calimero `execute` request: `args_json` is JSON text, written as it is.
    pub fn execute(&self, id: u64, context_id: &str, method: &str, args_json: &str) -> String {
        let mut out = String::with_capacity(96 + args_json.len());
        out.push_str("{\"id\":");
        crate::core::text::push_digits(&mut out, id);
        out.push_str(",\"method\":\"execute\",\"params\":{\"contextId\":");
        super::json_reader::write_string(&mut out, context_id);
        out.push_str(",\"method\":");
        super::json_reader::write_string(&mut out, method);
        out.push_str(",\"argsJson\":");
        out.push_str(args_json);
        out.push_str("}}");
        out
    }

    /// Checks that a context id is well formed for this protocol.
    pub fn check_context_id(&self, id: &str) -> Result<(), String> {
        match self.kind {
            ProtocolKind::Calimero => calimero::check_context_id(id),
            ProtocolKind::Json if id.is_empty() => Err("a context id must not be empty".into()),
            ProtocolKind::Json => Ok(()),
        }
    }
}

fn write_str_array(out: &mut String, items: &[String]) {
    out.push('[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        super::json_reader::write_string(out, s);
    }
    out.push(']');
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn percent_encode(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
}

/// A byte offset of `inner` (a slice of `outer`) within `outer`.
pub(crate) fn offset_in(outer: &str, inner: &str) -> usize {
    inner.as_ptr() as usize - outer.as_ptr() as usize
}

/// Removes the member whose key starts at `key_start` and whose value ends at
/// `value_end`, with the comma that joins it to its neighbour.
pub(crate) fn member_removal(text: &str, key_start: usize, value_end: usize) -> (usize, usize) {
    let b = text.as_bytes();
    let mut end = value_end;
    while end < b.len() && b[end].is_ascii_whitespace() {
        end += 1;
    }
    if b.get(end) == Some(&b',') {
        return (key_start, end + 1);
    }
    let mut start = key_start;
    while start > 0 && b[start - 1].is_ascii_whitespace() {
        start -= 1;
    }
    if start > 0 && b[start - 1] == b',' {
        return (start - 1, value_end);
    }
    (key_start, value_end)
}

/// Applies sorted, non-overlapping `(start, end, replacement)` edits to `text[from..to]`.
pub(crate) fn apply_edits(text: &str, from: usize, to: usize, edits: &[(usize, usize, String)]) -> String {
    let mut out = String::with_capacity(to - from);
    let mut at = from;
    for (s, e, rep) in edits {
        out.push_str(super::json_reader::slice(text, at, *s));
        out.push_str(rep);
        at = *e;
    }
    out.push_str(super::json_reader::slice(text, at, to));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_url_encoded_and_appended() {
        let p = Protocol::new(ProtocolKind::Calimero, "_server_timestamp");
        assert_eq!(p.connect_url("ws://h/ws", None), "ws://h/ws");
        assert_eq!(p.connect_url("ws://h/ws", Some("a b+c/=")), "ws://h/ws?token=a%20b%2Bc%2F%3D");
        assert_eq!(p.connect_url("ws://h/ws?session=1", Some("t")), "ws://h/ws?session=1&token=t");
    }

    #[test]
    fn requests_are_numbered_and_escaped() {
        let p = Protocol::new(ProtocolKind::Calimero, "_server_timestamp");
        assert_eq!(
            p.subscribe(7, &["a".into(), "b\"".into()]),
            r#"{"id":7,"method":"subscribe","params":{"contextIds":["a","b\""]}}"#
        );
        assert_eq!(p.unsubscribe(8, &[]), r#"{"id":8,"method":"unsubscribe","params":{"contextIds":[]}}"#);
        let j = Protocol::new(ProtocolKind::Json, "_server_timestamp");
        assert_eq!(j.subscribe(1, &["c".into()]), r#"{"type":"subscribe","contextIds":["c"]}"#);
    }

    #[test]
    fn member_removal_takes_one_comma() {
        let t = r#"{"a":1,"b":2,"c":3}"#;
        // remove "b"
        let (s, e) = member_removal(t, 7, 12);
        assert_eq!(format!("{}{}", &t[..s], &t[e..]), r#"{"a":1,"c":3}"#);
        // remove last "c"
        let (s, e) = member_removal(t, 13, 18);
        assert_eq!(format!("{}{}", &t[..s], &t[e..]), r#"{"a":1,"b":2}"#);
        // remove only member
        let t = r#"{"a":1}"#;
        let (s, e) = member_removal(t, 1, 6);
        assert_eq!(format!("{}{}", &t[..s], &t[e..]), "{}");
    }
}
