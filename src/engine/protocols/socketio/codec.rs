//! Socket.IO behind the protocol seam: how the machine sees the wire.
//!
//! - A namespace is a scope (a context): joined by a CONNECT of its own carrying the
//!   connection's `auth`, answered by a CONNECT reply ([`Control::Joined`]) or a
//!   CONNECT_ERROR ([`Control::Refused`]); the server may leave it (DISCONNECT,
//!   [`Control::Left`]).
//! - An event name is a kind; an event frame is delivered to the app as
//!   `{"<name>":[...args]}`, with the timestamp field taken out of its first argument.
//! - The connection is open at the Engine.IO open packet ([`Control::Handshake`]), and
//!   only the server pings: each ping is answered with a pong at once
//!   ([`Control::Ping`]); the machine's own probe does not apply.
//! - `emitWithAck` answers arrive as [`Control::Answer`]. A binary event or ack holds
//!   placeholders for the attachments the JS pre-reader collected (`socketio` in
//!   `src/web/frame_scan.js`).

#[allow(unused_imports)]
use crate::prelude::*;

use super::packet::{read_frame, Engine, EventName, Kind};
use super::write;
use crate::engine::json::reader::{slice, RawStr, Reader, ValueKind};
use crate::engine::protocols::frame_text::{apply_edits, member_removal, percent_encode, with_token};
use crate::engine::protocols::stamp::split_path;
use crate::engine::protocols::{Codec, Control, EventClass, EventInfo, FrameError, Inbound, PreReader, Probe, Settings, Stamped, Traits};
use alloc::borrow::Cow;

/// The Socket.IO codec: where the Engine.IO endpoint is, the extra query, where the
/// timestamp is.
#[derive(Debug, Clone)]
pub struct SocketIo {
    path: String,
    query: Vec<(String, String)>,
    timestamp_path: Vec<String>,
    /// Events whose first argument is base64 of JSON.
    base64json: Vec<String>,
    /// The event answering the SDK's round-trip probe.
    probe_reply: Option<String>,
}

/// A namespace is `/`, or `/` followed by a name without a comma (the wire ends a
/// namespace at its first comma).
pub fn check_namespace(ns: &str) -> Result<(), String> {
    if !ns.starts_with('/') {
        return Err(crate::cat!("a namespace starts with /, got ", crate::engine::text::quoted(ns)));
    }
    if ns.contains(',') || ns.contains(char::is_control) {
        return Err(crate::cat!("a namespace holds no comma or control character, got ", crate::engine::text::quoted(ns)));
    }
    Ok(())
}

fn malformed(e: super::SioError) -> FrameError {
    FrameError::Invalid(crate::cat!(e))
}

/// The event's first argument, if it is an object: its span in `text`.
fn first_object(text: &str, args: &str) -> Option<(usize, usize)> {
    if args.is_empty() {
        return None;
    }
    let base = crate::engine::protocols::frame_text::offset_in(text, args);
    let mut r = Reader::new(args);
    if r.peek_kind().ok()? != ValueKind::Object {
        return None;
    }
    let (a, b) = r.skip().ok()?;
    Some((base + a, base + b))
}

/// The event's first argument if it is a string: its content and its span in `text`.
fn first_string<'a>(text: &'a str, args: &'a str) -> Option<(RawStr<'a>, usize, usize)> {
    let base = crate::engine::protocols::frame_text::offset_in(text, args);
    let mut r = Reader::new(args);
    if r.peek_kind().ok()? != ValueKind::String {
        return None;
    }
    let start = r.pos();
    let s = r.string().ok()?;
    Some((s, base + start, base + r.pos()))
}

/// The `pid` of a CONNECT reply (`{"sid":..,"pid":..}`): the server's session-recovery id.
fn pid_of(data: &str) -> Option<Cow<'_, str>> {
    let mut pid = None;
    Reader::new(data)
        .object(|r, key| {
            if key.eq_str("pid") && r.peek_kind()? == ValueKind::String {
                pid = Some(r.string()?.value());
                Ok(())
            } else {
                r.skip().map(|_| ())
            }
        })
        .ok()?;
    pid
}

/// The last of the event's arguments if it is a string: its content and the span to cut
/// for it in `text` (from the end of the argument before it, so with its comma).
fn last_string(text: &str, args: &str) -> Option<(String, usize, usize)> {
    if args.is_empty() {
        return None;
    }
    let base = crate::engine::protocols::frame_text::offset_in(text, args);
    let wrapped = crate::cat!("[", args, "]");
    let mut r = Reader::new(&wrapped);
    let mut prev_end = 1;
    let mut last: Option<(String, usize, usize)> = None;
    r.array(|r| {
        last = if r.peek_kind()? == ValueKind::String {
            let s = r.string()?.value().into_owned();
            Some((s, prev_end, r.pos()))
        } else {
            r.skip()?;
            None
        };
        prev_end = r.pos();
        Ok(())
    })
    .ok()?;
    last.map(|(s, a, b)| (s, base + a - 1, base + b - 1))
}

impl SocketIo {
    /// For an event whose payload is wrapped (`payloadEncoding`): the unwrapped first
    /// argument's JSON and its span, or why it cannot be unwrapped.
    /// The delivered text of an event frame, without its recovery offset if asked.
    fn delivered(&self, text: &str, strip_offset: bool) -> Result<Stamped, FrameError> {
        let Engine::Message(p) = read_frame(text).map_err(malformed)? else {
            return Err(FrameError::UnknownShape("not an event"));
        };
        let name = match p.name {
            Some(EventName::Str(s)) => s.value(),
            Some(EventName::Num(n)) => Cow::Borrowed(n),
            None => return Err(FrameError::UnknownShape("not an event")),
        };
        let mut out = String::with_capacity(p.args.len() + name.len() + 8);
        out.push('{');
        crate::engine::json::reader::write_string(&mut out, &name);
        out.push_str(":[");
        let start = crate::engine::protocols::frame_text::offset_in(text, p.args);
        let mut edits: Vec<(usize, usize, String)> = Vec::new();
        if let Some(Ok((json, a, b))) = self.unwrapped(&name, text, p.args) {
            edits.push((a, b, json));
        } else if let Some((_, ka, vb)) = self.stamp(text, p.args) {
            let (a, b) = member_removal(text, ka, vb);
            edits.push((a, b, String::new()));
        }
        if strip_offset && p.id.is_none() {
            if let Some((_, a, b)) = last_string(text, p.args) {
                // After a first-argument edit only if they do not overlap (one argument).
                if edits.first().is_none_or(|e| e.1 <= a) {
                    edits.push((a, b, String::new()));
                }
            }
        }
        out.push_str(&apply_edits(text, start, start + p.args.len(), &edits));
        out.push_str("]}");
        Ok((out, None))
    }

    fn unwrapped(&self, name: &str, text: &str, args: &str) -> Option<Result<(String, usize, usize), &'static str>> {
        if !self.base64json.iter().any(|e| e == name) {
            return None;
        }
        let Some((s, a, b)) = first_string(text, args) else {
            return Some(Err("payloadEncoding base64json: the first argument is not a string"));
        };
        Some(super::payload::base64json(&s.value()).map(|json| (json, a, b)))
    }

    /// The timestamp in the event's first argument: `(value, member start, member end)`
    /// in `text`.
    fn stamp(&self, text: &str, args: &str) -> Option<(f64, usize, usize)> {
        if self.timestamp_path.is_empty() {
            return None;
        }
        let (a, b) = first_object(text, args)?;
        let (ts, ka, vb) = crate::engine::protocols::stamp::locate(slice(text, a, b), &self.timestamp_path)?;
        Some((ts, a + ka, a + vb))
    }
}

impl Codec for SocketIo {
    fn new(settings: &Settings<'_>) -> Self {
        SocketIo {
            path: settings.path.into(),
            query: settings.query.to_vec(),
            timestamp_path: split_path(settings.timestamp_field),
            base64json: settings.base64json.to_vec(),
            probe_reply: settings.probe_reply.map(String::from),
        }
    }

    fn decode<'a>(&self, text: &'a str) -> Result<Inbound<'a>, FrameError> {
        let packet = match read_frame(text).map_err(malformed)? {
            Engine::Open(h) => {
                return Ok(Inbound::Control(Control::Handshake {
                    ping_interval_ms: h.ping_interval as f64,
                    ping_timeout_ms: h.ping_timeout as f64,
                    max_payload: h.max_payload as f64,
                }))
            }
            Engine::Close => return Ok(Inbound::Control(Control::Close)),
            Engine::Ping => return Ok(Inbound::Control(Control::Ping { reply: write::pong() })),
            Engine::Pong | Engine::Upgrade | Engine::Noop => return Ok(Inbound::Control(Control::Ignored)),
            Engine::Message(p) => p,
        };
        let scope = Cow::Borrowed(packet.nsp);
        let control = match packet.kind {
            Kind::Connect => Control::Joined { scope, pid: packet.data.and_then(pid_of) },
            Kind::Disconnect => Control::Left { scope },
            Kind::ConnectError => Control::Refused {
                scope,
                message: packet.message.map(|m| m.value().into_owned()).unwrap_or_default(),
                data: packet.error_data,
            },
            Kind::Ack | Kind::BinaryAck => match packet.id {
                Some(id) => Control::Answer { id, args: packet.data.unwrap_or("[]"), attachments: packet.attachments },
                None => return Err(FrameError::UnknownShape("an ACK without an id")),
            },
            Kind::Event | Kind::BinaryEvent => {
                let name = match packet.name {
                    Some(EventName::Str(s)) => s,
                    Some(EventName::Num(n)) => RawStr { raw: n, escaped: false },
                    None => return Err(FrameError::UnknownShape("an EVENT without a name")),
                };
                if self.probe_reply.as_deref().is_some_and(|r| name.eq_str(r)) && scope == "/" {
                    // The answer to the SDK's own probe: a round trip, not the app's event.
                    return Ok(Inbound::Pong { id: None, timestamp: self.stamp(text, packet.args).map(|s| s.0) });
                }
                let bad_payload = self.unwrapped(&name.value(), text, packet.args).and_then(|r| r.err());
                let position = if packet.id.is_none() { last_string(text, packet.args).map(|p| Cow::Owned(p.0)) } else { None };
                return Ok(Inbound::Event(EventInfo {
                    attachments: packet.attachments,
                    bad_payload,
                    position,
                    scope,
                    is_group: false,
                    event_type: name.value(),
                    kinds: alloc::vec![name],
                    seq: None,
                    timestamp: self.stamp(text, packet.args).map(|s| s.0),
                    class: EventClass::State,
                    replayed: false,
                }));
            }
        };
        Ok(Inbound::Control(control))
    }

    /// `{"<event name>":[...args]}`, the timestamp member taken out of the first argument.
    fn normalize_stamped(&self, text: &str) -> Result<Stamped, FrameError> {
        self.delivered(text, false)
    }

    /// [`Codec::normalize_stamped`] without the recovery offset (the last argument, a
    /// string, of an event that asks no ack) the server appends when it keeps sessions.
    fn normalize_resumed(&self, text: &str) -> Result<Stamped, FrameError> {
        self.delivered(text, true)
    }

    /// `ws(s)://host` + `path` + `?EIO=4&transport=websocket` + the `query` + `token`.
    fn connect_url(&self, base: &str, token: Option<&str>) -> String {
        let mut url = String::with_capacity(base.len() + self.path.len() + 48);
        let rest = if let Some(r) = base.strip_prefix("http://") {
            url.push_str("ws://");
            r
        } else if let Some(r) = base.strip_prefix("https://") {
            url.push_str("wss://");
            r
        } else {
            ""
        };
        url.push_str(if rest.is_empty() { base } else { rest });
        while url.ends_with('/') {
            url.pop();
        }
        url.push_str(&self.path);
        if !self.path.ends_with('/') {
            url.push('/');
        }
        url.push_str("?EIO=4&transport=websocket");
        for (k, v) in &self.query {
            url.push('&');
            percent_encode(&mut url, k);
            url.push('=');
            percent_encode(&mut url, v);
        }
        with_token(&url, token)
    }

    fn subscribe(&self, _id: u64, ids: &[String], auth: Option<&str>, out: &mut Vec<String>) {
        out.extend(ids.iter().filter_map(|ns| write::connect(ns, auth).ok()));
    }

    fn unsubscribe(&self, _id: u64, ids: &[String], out: &mut Vec<String>) {
        out.extend(ids.iter().filter_map(|ns| write::disconnect(ns).ok()));
    }

    fn emit(&self, scope: &str, event: &str, args_json: &str, ack: Option<u64>) -> Result<String, String> {
        let inner = args_json.trim().strip_prefix('[').and_then(|a| a.strip_suffix(']')).ok_or_else(|| String::from("the arguments must be a JSON array"))?;
        write::event(scope, ack, event, inner).map_err(|e| crate::cat!(e))
    }

    fn execute(&self, _id: u64, _context_id: &str, _method: &str, _args_json: &str) -> Option<String> {
        None
    }

    fn check_scope(&self, id: &str) -> Result<(), String> {
        check_namespace(id)
    }

    fn probe(&self) -> Probe {
        Probe::ServerPings
    }

    fn default_rules(&self) -> &'static [(&'static str, &'static [&'static str])] {
        &[]
    }

    fn check_event_name(&self, name: &str) -> Result<(), String> {
        if super::packet::is_reserved(name) {
            return Err(crate::cat!(crate::engine::text::quoted(name), " is a reserved event name"));
        }
        Ok(())
    }

    /// The JS pre-reader that collects a binary packet's attachments (frames of at most a
    /// third of `maxMessageBytes` in UTF-16 units can be held; longer ones are measured
    /// by the decoder's path).
    fn pre_reader(&self, max_message_bytes: f64) -> Option<PreReader> {
        Some(PreReader { name: "socketio", max_units: crate::engine::float::floor(max_message_bytes / 3.0) })
    }

    fn traits(&self) -> Traits {
        Traits { handshake: true, joins: true }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codec() -> SocketIo {
        let query = [(String::from("v"), String::from("2 x"))];
        let wrapped = [String::from("track_started")];
        SocketIo::new(&Settings { timestamp_field: "_server_timestamp", pong_type: "", ping_message: "", path: "/socket.io/", query: &query, base64json: &wrapped, probe_reply: Some("pong") })
    }

    #[test]
    fn the_url_gets_the_endpoint_and_its_query() {
        let c = codec();
        assert_eq!(c.connect_url("https://api.example.com", None), "wss://api.example.com/socket.io/?EIO=4&transport=websocket&v=2%20x");
        assert_eq!(c.connect_url("http://h:3000/", Some("t")), "ws://h:3000/socket.io/?EIO=4&transport=websocket&v=2%20x&token=t");
    }

    #[test]
    fn frames_become_controls_and_events() {
        let c = codec();
        let open = r#"0{"sid":"x","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;
        assert_eq!(
            c.decode(open).unwrap(),
            Inbound::Control(Control::Handshake { ping_interval_ms: 25000.0, ping_timeout_ms: 20000.0, max_payload: 1e6 })
        );
        assert_eq!(c.decode("2").unwrap(), Inbound::Control(Control::Ping { reply: "3" }));
        assert_eq!(c.decode(r#"40/guild/1,{"sid":"a"}"#).unwrap(), Inbound::Control(Control::Joined { scope: "/guild/1".into(), pid: None }));
        assert_eq!(
            c.decode(r#"44/p,{"message":"not authorized","data":{"reason":"bad token"}}"#).unwrap(),
            Inbound::Control(Control::Refused { scope: "/p".into(), message: "not authorized".into(), data: Some(r#"{"reason":"bad token"}"#) })
        );
        assert_eq!(c.decode(r#"437[{"ok":true}]"#).unwrap(), Inbound::Control(Control::Answer { id: 7, args: r#"[{"ok":true}]"#, attachments: 0 }));
        let Inbound::Event(e) = c.decode(r#"42/g,["queue_updated",{"n":1,"_server_timestamp":1700000000000},2]"#).unwrap() else { panic!() };
        assert_eq!((e.scope.as_ref(), e.kinds[0].raw, e.timestamp), ("/g", "queue_updated", Some(1.7e12)));
        assert!(c.decode("42[]").is_err() && c.decode("").is_err());
    }

    #[test]
    fn delivered_events_are_name_to_arguments_without_the_stamp() {
        let c = codec();
        let (text, _) = c.normalize_stamped(r#"42/g,["queue_updated",{"n":1,"_server_timestamp":1700000000000},2]"#).unwrap();
        assert_eq!(text, r#"{"queue_updated":[{"n":1},2]}"#);
        assert_eq!(c.normalize_stamped(r#"42["tick"]"#).unwrap().0, r#"{"tick":[]}"#);
    }

    #[test]
    fn recovery_ids_and_offsets_are_read_and_the_offset_stripped() {
        let c = codec();
        assert_eq!(
            c.decode(r#"40{"sid":"a","pid":"P1"}"#).unwrap(),
            Inbound::Control(Control::Joined { scope: "/".into(), pid: Some("P1".into()) })
        );
        let Inbound::Event(e) = c.decode(r#"42["tick",157,"Q8mjXPS"]"#).unwrap() else { panic!() };
        assert_eq!(e.position.as_deref(), Some("Q8mjXPS"));
        let Inbound::Event(e) = c.decode(r#"421["tick",157,"Q8mjXPS"]"#).unwrap() else { panic!() };
        assert_eq!(e.position, None, "events asking an ack carry no offset");
        assert_eq!(c.normalize_resumed(r#"42["tick",157,"Q8mjXPS"]"#).unwrap().0, r#"{"tick":[157]}"#);
        assert_eq!(c.normalize_resumed(r#"42["tick","only"]"#).unwrap().0, r#"{"tick":[]}"#);
        assert_eq!(c.normalize_stamped(r#"42["tick",157,"Q8mjXPS"]"#).unwrap().0, r#"{"tick":[157,"Q8mjXPS"]}"#);
    }

    #[test]
    fn the_probe_reply_is_a_pong() {
        let c = codec();
        assert_eq!(c.decode(r#"42["pong",{"timestamp":5,"_server_timestamp":1700000000000}]"#).unwrap(), Inbound::Pong { id: None, timestamp: Some(1.7e12) });
        assert!(matches!(c.decode(r#"42/g,["pong",{}]"#).unwrap(), Inbound::Event(_)), "only on /");
    }

    #[test]
    fn wrapped_payloads_are_unwrapped_or_reported() {
        let c = codec();
        let ok = r#"42/g,["track_started","eyJ0cmFjayI6IsOpIiwibiI6MX0=",2]"#;
        let Inbound::Event(e) = c.decode(ok).unwrap() else { panic!() };
        assert_eq!(e.bad_payload, None);
        assert_eq!(c.normalize_stamped(ok).unwrap().0, r#"{"track_started":[{"track":"é","n":1},2]}"#);
        let bad = r#"42/g,["track_started","%%%"]"#;
        let Inbound::Event(e) = c.decode(bad).unwrap() else { panic!() };
        assert!(e.bad_payload.is_some());
        assert_eq!(c.normalize_stamped(bad).unwrap().0, r#"{"track_started":["%%%"]}"#, "delivered as received");
        let Inbound::Event(e) = c.decode(r#"42["other","%%%"]"#).unwrap() else { panic!() };
        assert_eq!(e.bad_payload, None, "only the events listed are unwrapped");
    }

    #[test]
    fn emits_and_joins_are_written_for_their_namespace() {
        let c = codec();
        assert_eq!(c.emit("/", "chat", r#"[{"text":"hi"}]"#, None).unwrap(), r#"42["chat",{"text":"hi"}]"#);
        assert_eq!(c.emit("/g/1", "vote", "[1]", Some(9)).unwrap(), r#"42/g/1,9["vote",1]"#);
        assert!(c.emit("/", "disconnect", "[]", None).is_err(), "reserved names are refused");
        let mut out = Vec::new();
        c.subscribe(0, &["/".into(), "/g".into()], Some(r#"{"token":"t"}"#), &mut out);
        c.unsubscribe(0, &["/g".into()], &mut out);
        assert_eq!(out, [r#"40{"token":"t"}"#, r#"40/g,{"token":"t"}"#, "41/g,"]);
        assert!(check_namespace("/a,b").is_err() && check_namespace("a").is_err() && check_namespace("/guild/1").is_ok());
    }
}
