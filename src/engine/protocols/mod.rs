//! The protocol seam: how frames are read and requests written, one folder per protocol.
//!
//! The machine talks to a protocol only through [`Codec`], the narrow interface below:
//! read a frame ([`Codec::decode`]: its scope, kinds and verdict in one validating pass
//! without building a tree), the app-facing text of a delivered frame
//! ([`Codec::normalize_stamped`]), the URL to open, the subscribe/unsubscribe requests,
//! what a context id must look like, the heartbeat probe, the default refresh rules and
//! the optional JS pre-reader. [`Protocol`] is an enum with one variant per protocol and
//! one `match` per call (static dispatch: no vtable in the wasm, and the hot
//! [`Codec::decode`] inlines).
//!
//! Adding a protocol: a new folder beside [`calimero`] and [`json`] with a type that
//! implements [`Codec`], and one line in the `protocols!` registration below (its
//! variant, its option name, its type). The option `protocol`, its error message and
//! every dispatch come from that line.

#[allow(unused_imports)]
use crate::prelude::*;

#[cfg(feature = "calimero")]
pub mod calimero;
pub mod chat_rules;
pub(crate) mod frame_text;
pub(crate) mod stamp;
pub mod inbound;
#[cfg(feature = "json")]
pub mod json;
#[cfg(feature = "socketio")]
pub mod socketio;

pub use inbound::{Control, EventClass, EventInfo, FrameError, Inbound, ReplyInfo, ServerError, Stamped};


/// What a codec is built from: the options it reads (`timestampField`, `pongType`,
/// `pingMessage`), lent by the options (`Options::codec_settings`), so this seam does
/// not depend on the options module.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'a> {
    pub timestamp_field: &'a str,
    pub pong_type: &'a str,
    pub ping_message: &'a str,
    /// socketio: the Engine.IO endpoint's path and the extra query parameters.
    pub path: &'a str,
    pub query: &'a [(String, String)],
    /// socketio: the events whose first argument is base64 of JSON (`payloadEncoding`).
    pub base64json: &'a [String],
    /// socketio: the event answering the SDK's round-trip probe (`probeReplyEvent`), when
    /// `probeEvent` is set: decoded as a [`Inbound::Pong`].
    pub probe_reply: Option<&'a str>,
}

/// How a protocol checks that the connection is alive.
#[derive(Debug, Clone, PartialEq)]
pub enum Probe {
    /// Re-send the subscribe of every context (its reply, or any frame, answers).
    Resubscribe,
    /// Send this text (a ping); the frame the codec decodes as [`Inbound::Pong`] answers.
    Ping(String),
    /// Nothing to send: the server pings ([`Control::Ping`]), and a connection without a
    /// ping for the window its handshake gives is dead.
    ServerPings,
}

/// How a protocol's sessions work, where they differ from a plain request/reply socket.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Traits {
    /// The connection is open only once the server's handshake frame
    /// ([`Control::Handshake`]) arrived, not when the socket opens.
    pub handshake: bool,
    /// Each scope is joined by a request of its own and answered by [`Control::Joined`]
    /// or [`Control::Refused`]; its events wait for the reply, and the app's messages
    /// for it wait in the offline queue until then.
    pub joins: bool,
}

/// A JS pre-reader a protocol offers for its most common frame (see
/// `src/web/frame_scan.js`): the name it is registered under there, and the longest
/// frame (in UTF-16 units) it may take, so that it never takes one the byte limit
/// would refuse.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PreReader {
    pub name: &'static str,
    pub max_units: f64,
}

/// What every protocol provides. Each method is called by the machine (or, for
/// [`Codec::normalize_stamped`], by the web layer when it delivers a frame).
pub trait Codec: Sized {
    /// The codec for validated options.
    fn new(settings: &Settings<'_>) -> Self;
    /// Reads and classifies a frame.
    fn decode<'a>(&self, text: &'a str) -> Result<Inbound<'a>, FrameError>;
    /// The app-facing JSON text of an event frame, and a server timestamp found only
    /// now (inside an event's data), with that event's kind.
    fn normalize_stamped(&self, text: &str) -> Result<Stamped, FrameError>;
    /// [`Codec::normalize_stamped`] for a frame of a resumable stream: without the
    /// position it carries ([`EventInfo::position`]), which is not the app's data.
    fn normalize_resumed(&self, text: &str) -> Result<Stamped, FrameError> {
        self.normalize_stamped(text)
    }
    /// The URL to open for `base` (the `url` option) and the `token` option.
    fn connect_url(&self, base: &str, token: Option<&str>) -> String {
        frame_text::with_token(base, token)
    }
    /// The requests that subscribe to `ids` (`id`: the SDK's request id; `auth`: the
    /// connection's credentials as JSON text, for protocols whose joins carry them),
    /// pushed onto `out`.
    fn subscribe(&self, id: u64, ids: &[String], auth: Option<&str>, out: &mut Vec<String>);
    /// The requests that unsubscribe from `ids`, pushed onto `out`.
    fn unsubscribe(&self, id: u64, ids: &[String], out: &mut Vec<String>);
    /// An app event `event` with `args_json` (a JSON array of its arguments) in `scope`,
    /// asking for an answer with `ack`; why not (the protocol has no events, a reserved
    /// name...).
    fn emit(&self, scope: &str, event: &str, args_json: &str, ack: Option<u64>) -> Result<String, String> {
        let _ = (scope, event, args_json, ack);
        Err("emit() is for protocol \"socketio\"".into())
    }
    /// Whether the app may emit an event of this name (a caller error otherwise: the web
    /// layer throws a `TypeError` with the reason).
    fn check_event_name(&self, name: &str) -> Result<(), String> {
        let _ = name;
        Err("emit() is for protocol \"socketio\"".into())
    }
    /// How the protocol's sessions work (see [`Traits`]).
    fn traits(&self) -> Traits {
        Traits::default()
    }
    /// An app call (`execute()`), or `None` when the protocol has none.
    fn execute(&self, id: u64, context_id: &str, method: &str, args_json: &str) -> Option<String>;
    /// Checks that a context id is well formed.
    fn check_scope(&self, id: &str) -> Result<(), String>;
    /// The heartbeat probe.
    fn probe(&self) -> Probe;
    /// The refresh rules used when the app gives none.
    fn default_rules(&self) -> &'static [(&'static str, &'static [&'static str])];
    /// The JS pre-reader for frames of at most `max_message_bytes`, if the protocol has one.
    fn pre_reader(&self, max_message_bytes: f64) -> Option<PreReader> {
        let _ = max_message_bytes;
        None
    }
}

/// Declares the protocols: the [`ProtocolKind`] names, the [`Protocol`] enum and its
/// dispatch, from one line per protocol.
macro_rules! protocols {
    ($($feature:literal $variant:ident = $name:literal => $codec:ty,)+) => {
        /// Which wire protocol a manager speaks (the `protocol` option).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ProtocolKind {
            $(#[cfg(feature = $feature)] $variant,)+
        }

        impl ProtocolKind {
            /// Every compiled-in protocol's option name, in registration order.
            pub const NAMES: &'static [&'static str] = &[$(#[cfg(feature = $feature)] $name),+];

            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $(#[cfg(feature = $feature)] $name => Some(ProtocolKind::$variant),)+
                    _ => None,
                }
            }

            pub fn name(self) -> &'static str {
                match self {
                    $(#[cfg(feature = $feature)] ProtocolKind::$variant => $name,)+
                }
            }
        }

        /// A manager's protocol codec with its settings.
        #[derive(Debug, Clone)]
        pub enum Protocol {
            $(#[cfg(feature = $feature)] $variant($codec),)+
        }

        impl Protocol {
            /// The codec of `kind`.
            pub fn new(kind: ProtocolKind, settings: &Settings<'_>) -> Self {
                match kind {
                    $(#[cfg(feature = $feature)] ProtocolKind::$variant => Protocol::$variant(<$codec as Codec>::new(settings)),)+
                }
            }

            pub fn kind(&self) -> ProtocolKind {
                match self {
                    $(#[cfg(feature = $feature)] Protocol::$variant(_) => ProtocolKind::$variant,)+
                }
            }
        }

        /// Forwards each [`Codec`] call to the variant's codec.
        macro_rules! dispatch {
            ($self:ident, $p:ident => $call:expr) => {
                match $self {
                    $(#[cfg(feature = $feature)] Protocol::$variant($p) => $call,)+
                }
            };
        }
    };
}

// The registration: one line per protocol (the cargo feature that compiles it in, its
// variant, its `protocol` option name, its codec). The first compiled-in one is the
// default.
protocols! {
    "calimero" Calimero = "calimero" => calimero::Calimero,
    "json" Json = "json" => json::Json,
    "socketio" Socketio = "socketio" => socketio::SocketIo,
}

impl ProtocolKind {
    /// The default protocol: the first compiled in.
    pub fn first() -> Self {
        ProtocolKind::parse(ProtocolKind::NAMES[0]).expect("a protocol is compiled in")
    }
}

impl Protocol {
    /// See [`Codec::decode`].
    #[inline]
    pub fn decode<'a>(&self, text: &'a str) -> Result<Inbound<'a>, FrameError> {
        dispatch!(self, p => p.decode(text))
    }

    /// The app-facing JSON text of an event frame (see [`Codec::normalize_stamped`]).
    pub fn normalize(&self, text: &str) -> Result<String, FrameError> {
        self.normalize_stamped(text).map(|n| n.0)
    }

    /// See [`Codec::normalize_stamped`].
    pub fn normalize_stamped(&self, text: &str) -> Result<Stamped, FrameError> {
        dispatch!(self, p => p.normalize_stamped(text))
    }

    /// See [`Codec::normalize_resumed`].
    pub fn normalize_resumed(&self, text: &str) -> Result<Stamped, FrameError> {
        dispatch!(self, p => p.normalize_resumed(text))
    }

    /// See [`Codec::connect_url`].
    pub fn connect_url(&self, base: &str, token: Option<&str>) -> String {
        dispatch!(self, p => p.connect_url(base, token))
    }

    /// See [`Codec::subscribe`].
    pub fn subscribe(&self, id: u64, ids: &[String], auth: Option<&str>, out: &mut Vec<String>) {
        dispatch!(self, p => p.subscribe(id, ids, auth, out))
    }

    /// See [`Codec::unsubscribe`].
    pub fn unsubscribe(&self, id: u64, ids: &[String], out: &mut Vec<String>) {
        dispatch!(self, p => p.unsubscribe(id, ids, out))
    }

    /// See [`Codec::emit`].
    pub fn emit(&self, scope: &str, event: &str, args_json: &str, ack: Option<u64>) -> Result<String, String> {
        dispatch!(self, p => p.emit(scope, event, args_json, ack))
    }

    /// See [`Codec::check_event_name`].
    pub fn check_event_name(&self, name: &str) -> Result<(), String> {
        dispatch!(self, p => p.check_event_name(name))
    }

    /// See [`Codec::traits`].
    pub fn traits(&self) -> Traits {
        dispatch!(self, p => p.traits())
    }

    /// See [`Codec::execute`].
    pub fn execute(&self, id: u64, context_id: &str, method: &str, args_json: &str) -> Option<String> {
        dispatch!(self, p => p.execute(id, context_id, method, args_json))
    }

    /// See [`Codec::check_scope`].
    pub fn check_context_id(&self, id: &str) -> Result<(), String> {
        dispatch!(self, p => p.check_scope(id))
    }

    /// See [`Codec::probe`].
    pub fn probe(&self) -> Probe {
        dispatch!(self, p => p.probe())
    }

    /// See [`Codec::default_rules`].
    pub fn default_rules(&self) -> &'static [(&'static str, &'static [&'static str])] {
        dispatch!(self, p => p.default_rules())
    }

    /// See [`Codec::pre_reader`].
    pub fn pre_reader(&self, max_message_bytes: f64) -> Option<PreReader> {
        dispatch!(self, p => p.pre_reader(max_message_bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SETTINGS: Settings<'static> = Settings { timestamp_field: "_server_timestamp", pong_type: "pong", ping_message: "{}", path: "/socket.io/", query: &[], base64json: &[], probe_reply: None };

    #[test]
    fn token_is_url_encoded_and_appended() {
        let p = Protocol::new(ProtocolKind::Calimero, &SETTINGS);
        assert_eq!(p.connect_url("ws://h/ws", None), "ws://h/ws");
        assert_eq!(p.connect_url("ws://h/ws", Some("a b+c/=")), "ws://h/ws?token=a%20b%2Bc%2F%3D");
        assert_eq!(p.connect_url("ws://h/ws?session=1", Some("t")), "ws://h/ws?session=1&token=t");
    }

    #[test]
    fn requests_are_numbered_and_escaped() {
        let p = Protocol::new(ProtocolKind::Calimero, &SETTINGS);
        let mut out = Vec::new();
        p.subscribe(7, &["a".into(), "b\"".into()], None, &mut out);
        p.unsubscribe(8, &[], &mut out);
        assert_eq!(
            out,
            [r#"{"id":7,"method":"subscribe","params":{"contextIds":["a","b\""]}}"#, r#"{"id":8,"method":"unsubscribe","params":{"contextIds":[]}}"#]
        );
        let j = Protocol::new(ProtocolKind::Json, &SETTINGS);
        out.clear();
        j.subscribe(1, &["c".into()], None, &mut out);
        assert_eq!(out, [r#"{"type":"subscribe","contextIds":["c"]}"#]);
    }

    #[test]
    fn every_registered_name_parses_back() {
        for name in ProtocolKind::NAMES {
            assert_eq!(ProtocolKind::parse(name).map(ProtocolKind::name), Some(*name));
        }
        assert_eq!(ProtocolKind::parse("mqtt"), None);

    }
}
