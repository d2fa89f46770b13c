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
    /// Why the event's payload could not be unwrapped (socketio `payloadEncoding`): it
    /// is delivered as received and reported (`badPayload`).
    pub bad_payload: Option<&'static str>,
    /// Where the stream stands, for resuming it after a reconnect: Socket.IO's recovery
    /// offset (the last argument of an event that asks no ack, when it is a string).
    pub position: Option<Cow<'a, str>>,
    /// Binary attachments the event's arguments point to (Socket.IO binary events).
    pub attachments: u8,
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
    /// A session-level frame of a protocol with handshakes and joins (Socket.IO).
    Control(Control<'a>),
}

/// Session-level frames: what a protocol with a handshake, per-scope joins and
/// server-driven pings tells the machine.
#[derive(Debug, Clone, PartialEq)]
pub enum Control<'a> {
    /// The server's session parameters: the connection is open. The server pings every
    /// `ping_interval_ms` and gives up `ping_timeout_ms` after a ping; every frame sent
    /// must be under `max_payload` bytes.
    Handshake { ping_interval_ms: f64, ping_timeout_ms: f64, max_payload: f64 },
    /// The server's heartbeat: send `reply` at once.
    Ping { reply: &'static str },
    /// The server ends the session (the socket must be closed by us).
    Close,
    /// `scope` is joined; `pid` is the server's session-recovery id, if it keeps one.
    Joined { scope: Cow<'a, str>, pid: Option<Cow<'a, str>> },
    /// The server refused to join `scope`: its message, and its `data` as JSON text.
    Refused { scope: Cow<'a, str>, message: String, data: Option<&'a str> },
    /// The server left `scope` on its own.
    Left { scope: Cow<'a, str> },
    /// The answer to the app's request `id`, its arguments as JSON array text (with
    /// placeholders for `attachments` binary attachments, a Socket.IO binary ack).
    Answer { id: u64, args: &'a str, attachments: u8 },
    /// A packet whose `count` binary attachments follow as binary frames.
    Attachments { count: u8 },
    /// A frame with nothing to do (a noop, an unsolicited pong).
    Ignored,
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
    /// Not a packet of this protocol: why (its codec's message).
    Invalid(String),
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
            FrameError::Invalid(why) => {
                out.push_str("invalid frame: ");
                out.push_str(why);
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

