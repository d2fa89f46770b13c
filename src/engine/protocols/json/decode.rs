//! Reading json-protocol frames: each text frame is one object
//! `{type, contextId?, data, seq?, _server_timestamp?}`.
//!
//! Event kinds are the nested `data.events[].kind` values; a frame without nested
//! events counts its own `type` as its one kind. `{"type":"pong"}` answers a heartbeat
//! ping and `{"type":"subscribed","contextIds":[..]}` a subscribe; `{"type":"error"}`
//! is a server error. Every other frame is a state event and goes through the batcher.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::engine::protocols::frame_text::{apply_edits, member_removal};
use crate::engine::protocols::stamp::{self, Stamp};
use crate::engine::protocols::{EventClass, EventInfo, FrameError, Inbound, ReplyInfo, ServerError};
use crate::engine::json::reader::{JsonResult, RawStr, Reader, ValueKind};
use alloc::borrow::Cow;

#[derive(Default)]
struct Fields<'a> {
    event_type: Option<RawStr<'a>>,
    context_id: Option<RawStr<'a>>,
    context_ids: Option<Vec<RawStr<'a>>>,
    kinds: Vec<RawStr<'a>>,
    has_events: bool,
    seq: Option<f64>,
    id: Option<f64>,
    message: Option<RawStr<'a>>,
    stamp: Stamp,
}

fn scan<'a>(text: &'a str, ts_path: &[String]) -> Result<Fields<'a>, FrameError> {
    let mut r = Reader::new(text);
    if r.peek_kind()? != ValueKind::Object {
        return Err(FrameError::UnknownShape("not a JSON object"));
    }
    let mut f = Fields::default();
    r.object(|r, key| {
        if ts_path.len() == 1 && key.eq_str(&ts_path[0]) {
            return stamp::read(r, key, &mut f.stamp);
        }
        match &*key.value() {
            "type" => f.event_type = r.string_or_skip()?,
            "contextId" => f.context_id = r.string_or_skip()?,
            "contextIds" => f.context_ids = Some(string_array(r)?),
            "seq" => f.seq = r.number_or_skip()?,
            "id" => f.id = r.number_or_skip()?,
            "message" => f.message = r.string_or_skip()?,
            "data" if r.peek_kind()? == ValueKind::Object => {
                let nested = if ts_path.len() > 1 && ts_path[0] == "data" { &ts_path[1..] } else { &[][..] };
                scan_data(r, &mut f, nested)?;
            }
            _ if ts_path.len() > 1 && key.eq_str(&ts_path[0]) => stamp::find(r, &mut f.stamp, &ts_path[1..])?,
            _ => {
                r.skip()?;
            }
        }
        Ok(())
    })?;
    r.finish()?;
    Ok(f)
}

fn scan_data<'a>(r: &mut Reader<'a>, f: &mut Fields<'a>, ts_path: &[String]) -> JsonResult<()> {
    r.object(|r, key| {
        if ts_path.len() == 1 && key.eq_str(&ts_path[0]) {
            return stamp::read(r, key, &mut f.stamp);
        }
        if key.eq_str("events") && r.peek_kind()? == ValueKind::Array {
            f.has_events = true;
            return r.array(|r| {
                if r.peek_kind()? != ValueKind::Object {
                    return r.skip().map(|_| ());
                }
                r.object(|r, key| {
                    if key.eq_str("kind") {
                        if let Some(k) = r.string_or_skip()? {
                            f.kinds.push(k);
                        }
                        Ok(())
                    } else {
                        r.skip().map(|_| ())
                    }
                })
            });
        }
        if ts_path.len() > 1 && key.eq_str(&ts_path[0]) {
            return stamp::find(r, &mut f.stamp, &ts_path[1..]);
        }
        r.skip().map(|_| ())
    })
}

fn string_array<'a>(r: &mut Reader<'a>) -> JsonResult<Vec<RawStr<'a>>> {
    let mut v = Vec::new();
    if r.peek_kind()? != ValueKind::Array {
        r.skip()?;
        return Ok(v);
    }
    r.array(|r| {
        if let Some(s) = r.string_or_skip()? {
            v.push(s);
        }
        Ok(())
    })?;
    Ok(v)
}

/// Reads and classifies a json-protocol frame.
pub fn decode<'a>(text: &'a str, ts_path: &[String], pong_type: &str) -> Result<Inbound<'a>, FrameError> {
    let f = scan(text, ts_path)?;
    let Some(event_type) = f.event_type.map(|t| t.value()) else {
        return Err(FrameError::UnknownShape("no type"));
    };
    if *event_type == *pong_type {
        return Ok(Inbound::Pong { id: f.id, timestamp: f.stamp.value });
    }
    match &*event_type {
        "subscribed" | "unsubscribed" => {
            return Ok(Inbound::Reply(ReplyInfo {
                id: None,
                accepted: f.context_ids.map(|v| v.iter().map(|s| s.value()).collect()),
                unsubscribe: &*event_type == "unsubscribed",
                output: None,
            }))
        }
        "error" => {
            return Ok(Inbound::Error(ServerError {
                id: None,
                kind: "error".into(),
                detail: f.message.map(|m| m.value().into_owned()).unwrap_or_default(),
                detail_json: false,
            }))
        }
        _ => {}
    }
    let mut kinds = f.kinds;
    if !f.has_events {
        if let Some(t) = f.event_type {
            kinds.push(t);
        }
    }
    Ok(Inbound::Event(EventInfo {
        scope: f.context_id.map(|c| c.value()).unwrap_or(Cow::Borrowed("")),
        is_group: false,
        event_type,
        kinds,
        seq: f.seq,
        timestamp: f.stamp.value,
        class: EventClass::State,
        replayed: false,
        bad_payload: None,
        position: None,
        attachments: 0,
    }))
}

/// The frame as the app sees it: unchanged but for the timestamp field, removed.
pub fn normalize(text: &str, ts_path: &[String]) -> Result<String, FrameError> {
    let f = scan(text, ts_path)?;
    let edits: Vec<(usize, usize, String)> = match f.stamp.member {
        Some((s, e)) => {
            let (s, e) = member_removal(text, s, e);
            vec![(s, e, String::new())]
        }
        None => Vec::new(),
    };
    Ok(apply_edits(text, 0, text.len(), &edits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::json::reader::validate;

    fn path(s: &str) -> Vec<String> {
        s.split('.').map(String::from).collect()
    }

    #[test]
    fn reads_event_frames() {
        let t = r#"{"type":"StateMutation","contextId":"c1","data":{"events":[{"kind":"MessageSent","data":{"kind":"nested"}},{"kind":"DMCreated"}]},"seq":4,"_server_timestamp":1700000000123}"#;
        let Inbound::Event(e) = decode(t, &path("_server_timestamp"), "pong").unwrap() else { panic!() };
        assert_eq!(e.scope, "c1");
        let kinds: Vec<&str> = e.kinds.iter().map(|k| k.raw).collect();
        assert_eq!(kinds, ["MessageSent", "DMCreated"], "an app's own nested `kind` is not an event kind");
        assert_eq!(e.seq, Some(4.0));
        assert_eq!(e.timestamp, Some(1700000000123.0));
        let n = normalize(t, &path("_server_timestamp")).unwrap();
        assert!(!n.contains("_server_timestamp"));
        assert_eq!(validate(&n), Ok(()));
    }

    #[test]
    fn a_frame_without_events_counts_its_type() {
        let Inbound::Event(e) = decode(r#"{"type":"ChannelCreated","data":{}}"#, &path("ts"), "pong").unwrap() else { panic!() };
        assert_eq!(e.kinds[0].raw, "ChannelCreated");
        assert_eq!(e.scope, "");
    }

    #[test]
    fn dotted_timestamp_paths() {
        let t = r#"{"type":"x","data":{"meta":{"ts":5},"timestamp":42,"events":[]},"seq":1}"#;
        let Inbound::Event(e) = decode(t, &path("data.timestamp"), "pong").unwrap() else { panic!() };
        assert_eq!(e.timestamp, Some(42.0));
        assert_eq!(normalize(t, &path("data.timestamp")).unwrap(), r#"{"type":"x","data":{"meta":{"ts":5},"events":[]},"seq":1}"#);
        let Inbound::Event(e) = decode(t, &path("data.meta.ts"), "pong").unwrap() else { panic!() };
        assert_eq!(e.timestamp, Some(5.0));
        assert_eq!(normalize(t, &path("data.meta.ts")).unwrap(), r#"{"type":"x","data":{"meta":{},"timestamp":42,"events":[]},"seq":1}"#);
    }

    #[test]
    fn control_frames() {
        let p = path("_server_timestamp");
        assert_eq!(decode(r#"{"type":"pong","id":3}"#, &p, "pong").unwrap(), Inbound::Pong { id: Some(3.0), timestamp: None });
        assert_eq!(
            decode(r#"{"type":"pong","_server_timestamp":1700000000000}"#, &p, "pong").unwrap(),
            Inbound::Pong { id: None, timestamp: Some(1.7e12) }
        );
        assert!(matches!(decode(r#"{"type":"ack"}"#, &p, "ack").unwrap(), Inbound::Pong { .. }), "pongType is configurable");
        assert!(matches!(decode(r#"{"type":"ack"}"#, &p, "pong").unwrap(), Inbound::Event(_)));
        assert!(matches!(decode(r#"{"type":"subscribed","contextIds":["a"]}"#, &p, "pong").unwrap(), Inbound::Reply(_)));
        assert!(matches!(decode(r#"{"type":"error","message":"no"}"#, &p, "pong").unwrap(), Inbound::Error(_)));
        assert!(matches!(decode(r#"{"data":1}"#, &p, "pong"), Err(FrameError::UnknownShape(_))));
        assert!(matches!(decode(r#"{"type":"#, &p, "pong"), Err(FrameError::Malformed(_))));
    }
}
