//! What a decoded frame is, whatever the protocol: the values every codec returns to
//! the machine through the seam.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::engine::json::reader::{JsonError, RawStr};
use alloc::borrow::Cow;

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
impl crate::engine::text::Piece for FrameError {
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

