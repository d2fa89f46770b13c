//! Reading one WebSocket text message: the Engine.IO packet ([`read_frame`]) and the
//! Socket.IO packet inside an Engine.IO message ([`read_packet`]).
//!
//! A Socket.IO packet is `type [count "-"] ["/nsp" ","] [ack id] [json]`, read left to
//! right the way the reference parser (socket.io-parser 4.2.7) reads it:
//!
//! 1. the type, one digit `0`..=`6`;
//! 2. for BINARY_EVENT and BINARY_ACK, the attachment count: digits worth 1 to 10, then `-`;
//! 3. when a `/` comes next, the namespace: everything up to the first `,` (consumed) or
//!    the end of the text, so a namespace never holds a `,`; `/` otherwise;
//! 4. when a digit comes next, the ack id: every digit that follows, as a JavaScript
//!    number would hold it exactly (at most 2^53-1);
//! 5. the rest, if any, is one JSON value whose type the packet type fixes.
//!
//! Where the reference lets through packets that no server writes and no handler can
//! use, this reader is stricter, and says so: an EVENT, ACK or CONNECT_ERROR must carry
//! its JSON, an ACK its ack id, and CONNECT, DISCONNECT and CONNECT_ERROR no ack id. A
//! binary packet's placeholders must number its attachments exactly
//! ([`super::binary::check_placeholders`]).
//!
//! Everything is borrowed from the text: nothing is unescaped or re-serialized unless
//! the caller asks ([`RawStr::value`]).

#[allow(unused_imports)]
use crate::prelude::*;

use super::binary::check_placeholders;
use super::handshake::{read_open, Handshake};
use super::SioError;
use crate::engine::json::reader::{slice, RawStr, Reader, ValueKind};

/// The largest integer a JavaScript number holds exactly; ack ids above it would not
/// survive the server's `Number()`.
pub const MAX_ACK_ID: u64 = (1 << 53) - 1;

/// At most this many attachments per binary packet (the servers' `maxAttachments`).
pub const MAX_ATTACHMENTS: u8 = 10;

/// One Engine.IO packet, read from a WebSocket text message.
#[derive(Debug, Clone, PartialEq)]
pub enum Engine<'a> {
    /// `0{...}`: the handshake, the first message of every connection.
    Open(Handshake),
    /// `1`: the server closed the session (the WebSocket stays open; close it).
    Close,
    /// `2`: a server ping; answer [`super::write::pong`] at once.
    Ping,
    /// `3`: a pong (only clients send them).
    Pong,
    /// `4...`: a Socket.IO packet.
    Message(Packet<'a>),
    /// `5`: upgrade (long-polling only).
    Upgrade,
    /// `6`: noop (long-polling only).
    Noop,
}

/// Reads one WebSocket text message as an Engine.IO packet. The text after the type of
/// a close, ping, pong, upgrade or noop is ignored, as the reference client ignores it;
/// an open packet must carry its JSON and a message a Socket.IO packet.
pub fn read_frame(text: &str) -> Result<Engine<'_>, SioError> {
    let rest = text.get(1..).unwrap_or("");
    Ok(match text.as_bytes().first() {
        None => return Err(SioError::Empty),
        Some(b'0') => Engine::Open(read_open(rest)?),
        Some(b'1') => Engine::Close,
        Some(b'2') => Engine::Ping,
        Some(b'3') => Engine::Pong,
        Some(b'4') => Engine::Message(read_packet(rest)?),
        Some(b'5') => Engine::Upgrade,
        Some(b'6') => Engine::Noop,
        Some(_) => return Err(SioError::EngineType),
    })
}

/// The Socket.IO packet types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Connect = 0,
    Disconnect = 1,
    Event = 2,
    Ack = 3,
    ConnectError = 4,
    BinaryEvent = 5,
    BinaryAck = 6,
}

/// An event's name: a string, or a number (which the servers let through too), as its
/// JSON text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventName<'a> {
    Str(RawStr<'a>),
    Num(&'a str),
}

/// One Socket.IO packet, borrowed from the message text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Packet<'a> {
    pub kind: Kind,
    /// `/` unless the packet names another namespace.
    pub nsp: &'a str,
    /// The ack id: on an ACK, the id it answers; on an EVENT, the id the sender wants
    /// answered.
    pub id: Option<u64>,
    /// How many binary messages follow (BINARY_EVENT and BINARY_ACK; 0 otherwise).
    pub attachments: u8,
    /// The JSON text after the header, exactly as received (CONNECT: the auth or the
    /// server's `{"sid":...}`; EVENT and ACK: the whole array).
    pub data: Option<&'a str>,
    /// EVENT and BINARY_EVENT: the event name, the array's first element.
    pub name: Option<EventName<'a>>,
    /// EVENT and BINARY_EVENT: the JSON text of the elements after the name, without
    /// the brackets (`"a",1` for `["name","a",1]`, empty for `["name"]`): the handler's
    /// arguments are `[` + `args` + `]`. Empty for other types.
    pub args: &'a str,
    /// CONNECT_ERROR: the message (the bare string, or the object's `message` when it
    /// is a string).
    pub message: Option<RawStr<'a>>,
    /// CONNECT_ERROR: the JSON text of the object's `data`, if any.
    pub error_data: Option<&'a str>,
}

/// The event names the servers and the reference client refuse in an EVENT.
pub const RESERVED_EVENTS: [&str; 6] = ["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];

/// Whether `name` is one of [`RESERVED_EVENTS`].
pub fn is_reserved(name: &str) -> bool {
    RESERVED_EVENTS.contains(&name)
}

/// Reads the Socket.IO packet text (what follows an Engine.IO `4`).
pub fn read_packet(text: &str) -> Result<Packet<'_>, SioError> {
    let b = text.as_bytes();
    let kind = match b.first() {
        Some(b'0') => Kind::Connect,
        Some(b'1') => Kind::Disconnect,
        Some(b'2') => Kind::Event,
        Some(b'3') => Kind::Ack,
        Some(b'4') => Kind::ConnectError,
        Some(b'5') => Kind::BinaryEvent,
        Some(b'6') => Kind::BinaryAck,
        _ => return Err(SioError::PacketType),
    };
    let mut i = 1;
    let mut p = Packet { kind, nsp: "/", id: None, attachments: 0, data: None, name: None, args: "", message: None, error_data: None };
    let binary = matches!(kind, Kind::BinaryEvent | Kind::BinaryAck);
    if binary {
        let mut n: u32 = 0;
        let start = i;
        while let Some(&d @ b'0'..=b'9') = b.get(i) {
            n = n * 10 + (d - b'0') as u32;
            if n > MAX_ATTACHMENTS as u32 {
                return Err(SioError::Attachments);
            }
            i += 1;
        }
        if i == start || n == 0 || b.get(i) != Some(&b'-') {
            return Err(SioError::Attachments);
        }
        p.attachments = n as u8;
        i += 1;
    }
    if b.get(i) == Some(&b'/') {
        let start = i;
        while i < b.len() && b[i] != b',' {
            i += 1;
        }
        p.nsp = slice(text, start, i);
        if i < b.len() {
            i += 1;
        }
    }
    if matches!(b.get(i), Some(b'0'..=b'9')) {
        let mut id: u64 = 0;
        while let Some(&d @ b'0'..=b'9') = b.get(i) {
            id = id * 10 + (d - b'0') as u64;
            if id > MAX_ACK_ID {
                return Err(SioError::AckId);
            }
            i += 1;
        }
        p.id = Some(id);
    }
    let wants_id = match kind {
        Kind::Connect | Kind::Disconnect | Kind::ConnectError => Some(false),
        Kind::Ack | Kind::BinaryAck => Some(true),
        Kind::Event | Kind::BinaryEvent => None,
    };
    if wants_id.is_some_and(|w| w != p.id.is_some()) {
        return Err(SioError::MisplacedAckId);
    }
    let data = slice(text, i, text.len());
    if data.is_empty() {
        return match kind {
            Kind::Connect | Kind::Disconnect => Ok(p),
            Kind::Event | Kind::BinaryEvent => Err(SioError::Payload("an EVENT carries an array")),
            Kind::Ack | Kind::BinaryAck => Err(SioError::Payload("an ACK carries an array")),
            Kind::ConnectError => Err(SioError::Payload("a CONNECT_ERROR carries an object or a string")),
        };
    }
    p.data = Some(data);
    let mut r = Reader::new(data);
    let found = r.peek_kind()?;
    match kind {
        Kind::Connect if found == ValueKind::Object => {
            r.skip()?;
        }
        Kind::Connect => return Err(SioError::Payload("a CONNECT carries an object or nothing")),
        Kind::Disconnect => return Err(SioError::Payload("a DISCONNECT carries nothing")),
        Kind::Event | Kind::BinaryEvent if found == ValueKind::Array => read_event(&mut r, &mut p)?,
        Kind::Event | Kind::BinaryEvent => return Err(SioError::Payload("an EVENT carries an array")),
        Kind::Ack | Kind::BinaryAck if found == ValueKind::Array => {
            r.skip()?;
        }
        Kind::Ack | Kind::BinaryAck => return Err(SioError::Payload("an ACK carries an array")),
        Kind::ConnectError if found == ValueKind::String => p.message = Some(r.string()?),
        Kind::ConnectError if found == ValueKind::Object => {
            // The last of duplicated keys counts, as in JSON.parse.
            r.object(|r, key| {
                if key.eq_str("message") {
                    p.message = r.string_or_skip()?;
                } else if key.eq_str("data") {
                    let (a, b) = r.skip()?;
                    p.error_data = Some(slice(data, a, b));
                } else {
                    r.skip()?;
                }
                Ok(())
            })?;
        }
        Kind::ConnectError => return Err(SioError::Payload("a CONNECT_ERROR carries an object or a string")),
    }
    r.finish()?;
    if binary {
        check_placeholders(data, p.attachments)?;
    }
    Ok(p)
}

/// Reads an EVENT's array: its name (first element) and the span of the rest.
fn read_event<'a>(r: &mut Reader<'a>, p: &mut Packet<'a>) -> Result<(), SioError> {
    let text = r.text();
    let mut index = 0usize;
    let mut name = None;
    let mut reserved = false;
    let (mut args_start, mut args_end) = (0, 0);
    r.array(|r| {
        if index == 0 {
            name = match r.peek_kind()? {
                ValueKind::String => {
                    let s = r.string()?;
                    reserved = is_reserved(&s.value());
                    Some(EventName::Str(s))
                }
                ValueKind::Number => Some(EventName::Num(r.number_text()?)),
                _ => {
                    r.skip()?;
                    None
                }
            };
        } else {
            let (a, b) = r.skip()?;
            if index == 1 {
                args_start = a;
            }
            args_end = b;
        }
        index += 1;
        Ok(())
    })?;
    if reserved {
        return Err(SioError::ReservedName);
    }
    p.name = Some(name.ok_or(SioError::Payload("an EVENT's array starts with its name, a string or a number"))?);
    p.args = slice(text, args_start, args_end);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(frame: &str) -> Packet<'_> {
        match read_frame(frame) {
            Ok(Engine::Message(p)) => p,
            other => panic!("{frame}: {other:?}"),
        }
    }

    fn name<'a>(p: &Packet<'a>) -> alloc::borrow::Cow<'a, str> {
        match p.name {
            Some(EventName::Str(s)) => s.value(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reads_engine_io_packets() {
        let open = read_frame(r#"0{"sid":"dN-7XAK3poDaeiBSAAAA","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#);
        assert_eq!(open, Ok(Engine::Open(Handshake { ping_interval: 25000, ping_timeout: 20000, max_payload: 1_000_000 })));
        let python = read_frame(r#"0{"sid":"iDodESvO9uUP37I5AAAA","upgrades":[],"pingTimeout":20000,"pingInterval":25000,"maxPayload":1000000}"#);
        assert_eq!(python, open);
        assert_eq!(read_frame("1"), Ok(Engine::Close));
        assert_eq!(read_frame("2"), Ok(Engine::Ping));
        assert_eq!(read_frame("2probe"), Ok(Engine::Ping));
        assert_eq!(read_frame("3"), Ok(Engine::Pong));
        assert_eq!(read_frame("5"), Ok(Engine::Upgrade));
        assert_eq!(read_frame("6"), Ok(Engine::Noop));
        assert_eq!(read_frame(""), Err(SioError::Empty));
        assert_eq!(read_frame("7hello"), Err(SioError::EngineType));
        assert_eq!(read_frame("x"), Err(SioError::EngineType));
        assert_eq!(read_frame("é"), Err(SioError::EngineType));
        assert_eq!(read_frame("4"), Err(SioError::PacketType));
        assert_eq!(read_frame("0"), Err(SioError::Json(crate::engine::json::reader::JsonError::Eof(0))));
    }

    #[test]
    fn reads_connect_packets_both_ways() {
        for (frame, nsp, data) in [
            ("40", "/", None),
            (r#"40{"token":"good"}"#, "/", Some(r#"{"token":"good"}"#)),
            ("40/guild/123,", "/guild/123", None),
            (r#"40/guild/123,{"token":"good"}"#, "/guild/123", Some(r#"{"token":"good"}"#)),
            (r#"40{"sid":"53nFTvKtWaQ7DIgkAAAA"}"#, "/", Some(r#"{"sid":"53nFTvKtWaQ7DIgkAAAA"}"#)),
            (r#"40/guild/123,{"sid":"3Oj74wabLOkSQ42YAAAD"}"#, "/guild/123", Some(r#"{"sid":"3Oj74wabLOkSQ42YAAAD"}"#)),
            (r#"40{"sid":"cxUAkIBCEKmaA8cdAAAA","pid":"CYITNfy5uuuNS-XTAAAB"}"#, "/", Some(r#"{"sid":"cxUAkIBCEKmaA8cdAAAA","pid":"CYITNfy5uuuNS-XTAAAB"}"#)),
            // No comma: the namespace runs to the end.
            ("40/nope", "/nope", None),
        ] {
            let p = packet(frame);
            assert_eq!((p.kind, p.nsp, p.id, p.attachments, p.data), (Kind::Connect, nsp, None, 0, data), "{frame}");
        }
        let p = packet("41/guild/123,");
        assert_eq!((p.kind, p.nsp, p.data), (Kind::Disconnect, "/guild/123", None));
        assert_eq!(packet("41").nsp, "/");
    }

    #[test]
    fn reads_events_with_their_name_and_arguments() {
        let p = packet(r#"42/guild/123,7["ask","guild ack"]"#);
        assert_eq!((p.kind, p.nsp, p.id, p.data), (Kind::Event, "/guild/123", Some(7), Some(r#"["ask","guild ack"]"#)));
        assert_eq!((name(&p), p.args), ("ask".into(), r#""guild ack""#));
        let p = packet(r#"42/guild/123,["echo","on guild"]"#);
        assert_eq!((p.nsp, p.id, name(&p), p.args), ("/guild/123", None, "echo".into(), r#""on guild""#));
        let p = packet(r#"42["echo",{"a":1,"s":"héllo €","n":null,"arr":[1,2.5,true]}]"#);
        assert_eq!((p.nsp, name(&p), p.args), ("/", "echo".into(), r#"{"a":1,"s":"héllo €","n":null,"arr":[1,2.5,true]}"#));
        let p = packet(r#"420["question",{"q":"are you there?"}]"#);
        assert_eq!((p.id, name(&p), p.args), (Some(0), "question".into(), r#"{"q":"are you there?"}"#));
        let p = packet(r#"42["tick",157,"Q8mjXPS"]"#);
        assert_eq!(p.args, r#"157,"Q8mjXPS""#);
        let p = packet(r#"42["server_ask"]"#);
        assert_eq!((name(&p), p.args), ("server_ask".into(), ""));
        let p = packet("42[ \"spaced\" , 1 , [2] ]");
        assert_eq!((name(&p), p.args), ("spaced".into(), "1 , [2]"));
        // Numeric names pass, as on the servers; escaped names are unescaped on demand.
        let p = packet(r#"42[7,"x"]"#);
        assert_eq!((p.name, p.args), (Some(EventName::Num("7")), r#""x""#));
        assert_eq!(name(&packet(r#"42["h\u00e9llo"]"#)), "héllo");
        assert_eq!(packet(r#"42["newListeners"]"#).kind, Kind::Event);
    }

    #[test]
    fn reads_acks_and_connect_errors() {
        let p = packet(r#"430[{"ok":true,"got":{"x":1}}]"#);
        assert_eq!((p.kind, p.nsp, p.id, p.data), (Kind::Ack, "/", Some(0), Some(r#"[{"ok":true,"got":{"x":1}}]"#)));
        let p = packet(r#"43/guild/123,7[{"ok":true,"got":"guild ack"}]"#);
        assert_eq!((p.nsp, p.id), ("/guild/123", Some(7)));
        assert_eq!(packet(r#"433[["53nFTvKtWaQ7DIgkAAAA","lobby","room-a"]]"#).id, Some(3));
        assert_eq!(packet(r#"43999["x"]"#).id, Some(999));
        assert_eq!(packet("431[]").data, Some("[]"));
        assert_eq!(packet("429007199254740991[\"a\"]").id, Some(MAX_ACK_ID));

        let p = packet(r#"44{"message":"unauthorized","data":{"reason":"bad token","code":4001}}"#);
        assert_eq!((p.kind, p.nsp), (Kind::ConnectError, "/"));
        assert_eq!((p.message.map(|m| m.raw), p.error_data), (Some("unauthorized"), Some(r#"{"reason":"bad token","code":4001}"#)));
        let p = packet(r#"44/guild/123,{"message":"unauthorized"}"#);
        assert_eq!((p.nsp, p.message.map(|m| m.raw), p.error_data), ("/guild/123", Some("unauthorized"), None));
        let p = packet(r#"44/nope,{"message":"Invalid namespace"}"#);
        assert_eq!(p.message.map(|m| m.raw), Some("Invalid namespace"));
        // python-socketio answers with a bare string.
        let p = packet(r#"44/nope,"Unable to connect""#);
        assert_eq!((p.nsp, p.message.map(|m| m.raw), p.data), ("/nope", Some("Unable to connect"), Some(r#""Unable to connect""#)));
        assert_eq!(packet(r#"44"Unable to connect""#).nsp, "/");
        // An object without a string message is still a CONNECT_ERROR (the reference reads "").
        assert_eq!(packet(r#"44{"message":5}"#).message, None);
    }

    #[test]
    fn reads_binary_headers() {
        let p = packet(r#"451-["file",{"name":"hello.bin","data":{"_placeholder":true,"num":0}}]"#);
        assert_eq!((p.kind, p.attachments, p.nsp, p.id), (Kind::BinaryEvent, 1, "/", None));
        assert_eq!((name(&p), p.args), ("file".into(), r#"{"name":"hello.bin","data":{"_placeholder":true,"num":0}}"#));
        let p = packet(r#"451-0["upload",{"name":"a.bin","data":{"_placeholder":true,"num":0}}]"#);
        assert_eq!((p.attachments, p.id, name(&p)), (1, Some(0), "upload".into()));
        let p = packet(r#"461-0[{"size":3,"back":{"_placeholder":true,"num":0}}]"#);
        assert_eq!((p.kind, p.attachments, p.id), (Kind::BinaryAck, 1, Some(0)));
        let p = packet(r#"452-/guild/123,["echo",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#);
        assert_eq!((p.attachments, p.nsp, p.args), (2, "/guild/123", r#"{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}"#));
        let p = packet(r#"451-/guild/123,9["upload",{"name":"g.bin","data":{"_placeholder":true,"num":0}}]"#);
        assert_eq!((p.attachments, p.nsp, p.id), (1, "/guild/123", Some(9)));
        let p = packet(r#"461-/guild/123,9[{"size":2,"back":{"_placeholder":true,"num":0}}]"#);
        assert_eq!((p.kind, p.nsp, p.id), (Kind::BinaryAck, "/guild/123", Some(9)));
        let ten: String = (0..10).map(|k| crate::cat!(",{\"_placeholder\":true,\"num\":", k as u32, "}")).collect();
        assert_eq!(packet(&crate::cat!("4510-[\"many\"", &ten, "]")).attachments, 10);
        assert_eq!(packet(&crate::cat!("4501-[\"lead\"", &ten[..30], "]")).attachments, 1);
        // A placeholder in a plain EVENT is ordinary data.
        assert_eq!(packet(r#"42["x",{"_placeholder":true,"num":3}]"#).kind, Kind::Event);
    }

    #[test]
    fn refuses_what_the_servers_refuse() {
        use SioError::*;
        fn invalid(frame: &str) -> Option<SioError> {
            read_frame(frame).err()
        }
        for frame in ["42{}", "42[]", "42[{}]", "42[null]", "42[[\"a\"]]", "42\"echo\""] {
            assert!(matches!(invalid(frame), Some(Payload(_))), "{frame}: {:?}", invalid(frame));
        }
        for frame in ["42[\"echo\",]", "42abc[\"echo\",1]", "42[\"a\"]x", "42[\"a\"", "40{", "42,[\"a\"]", "44/nope,Unable"] {
            assert!(matches!(invalid(frame), Some(Json(_))), "{frame}: {:?}", invalid(frame));
        }
        // `-` after a plain type is the start of the JSON: a number, not an array.
        assert!(matches!(invalid("421-[\"a\"]"), Some(Payload(_))));
        assert_eq!(invalid("4abc"), Some(PacketType));
        assert_eq!(invalid("49"), Some(PacketType));
        assert_eq!(invalid("4-"), Some(PacketType));
        for frame in ["450-[\"a\"]", "4511-[\"a\"]", "4599999999999999999999-[\"a\"]", "45-[\"a\"]", "451[\"a\"]", "45[\"a\"]", "45", "461"] {
            assert_eq!(invalid(frame), Some(Attachments), "{frame}");
        }
        for name in RESERVED_EVENTS {
            assert_eq!(invalid(&crate::cat!("42[\"", name, "\",1]")), Some(ReservedName), "{name}");
            assert_eq!(invalid(&crate::cat!("451-[\"", name, "\",{\"_placeholder\":true,\"num\":0}]")), Some(ReservedName), "{name}");
        }
        assert_eq!(invalid(r#"42["disconnect"]"#), Some(ReservedName));
        assert_eq!(invalid(r#"42["\u0063onnect"]"#), Some(ReservedName));
        // Ack ids: u64 overflow, and past 2^53-1.
        assert_eq!(invalid("4218446744073709551616[\"a\"]"), Some(AckId));
        assert_eq!(invalid("429007199254740992[\"a\"]"), Some(AckId));
        assert_eq!(invalid("43999999999999999999999999[]"), Some(AckId));
        // Ack ids where they make no sense, or missing on an ACK.
        for frame in ["401{}", "401", "41/a,2", "441\"x\"", "43[]", "461-[{\"_placeholder\":true,\"num\":0}]"] {
            assert_eq!(invalid(frame), Some(MisplacedAckId), "{frame}");
        }
        // Data where none goes, none where some must.
        for frame in ["41{}", "41/guild/123,{}", "40[]", "40\"x\"", "42", "42/guild/123,", "43/a,1", "44", "44/nope,", "44[\"x\"]", "431{}", "461-0{}"] {
            assert!(matches!(invalid(frame), Some(Payload(_))), "{frame}: {:?}", invalid(frame));
        }
        // Without the comma the namespace swallows the rest, up to a comma in the JSON.
        assert_eq!(packet("41/guild/123[\"echo\"]").nsp, "/guild/123[\"echo\"]");
        assert!(matches!(invalid("42/guild/123[\"echo\"]"), Some(Payload(_))));
        assert!(matches!(invalid("42/guild/123[\"echo\",1]"), Some(Json(_))));
        assert_eq!(invalid("41/guild/123[\"echo\",1]"), Some(MisplacedAckId));
        // Placeholders out of range or missing.
        assert_eq!(invalid(r#"451-["f",{"_placeholder":true,"num":1}]"#), Some(Placeholders));
        assert_eq!(invalid(r#"452-["f",{"_placeholder":true,"num":0}]"#), Some(Placeholders));
        // Nesting past the reader's limit.
        let deep = crate::cat!("42[\"d\",", &"[".repeat(80), &"]".repeat(80), "]");
        assert!(matches!(invalid(&deep), Some(Json(crate::engine::json::reader::JsonError::TooDeep(_)))));
    }
}
