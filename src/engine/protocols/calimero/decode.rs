//! Reading Calimero frames: one validating pass over the text (see `docs/calimero-wire.md`).
//!
//! Replies: `{"id":N,"result":{"contextIds":[..]}}` or `{"id":N,"error":{"type","data"}}`.
//! Events: `{"id":null,"result":{"contextId"|"groupId","type","data":{..,"events":[
//! {"kind","data":[bytes],"handler"}]}}}`, and the pre-2025 split `StateMutation` +
//! `ExecutionEvent` frames. Key order is never relied on.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::engine::protocols::frame_text::apply_edits;
use crate::engine::protocols::{EventClass, EventInfo, FrameError, Inbound, ReplyInfo, ServerError, Stamped};
use crate::engine::json::reader::{slice, validate, write_string, JsonResult, RawStr, Reader, ValueKind};
use alloc::borrow::Cow;

/// What the top-level `id` held.
#[derive(Clone, Copy, PartialEq)]
enum Id {
    Absent,
    Null,
    Number(u64),
    Other,
}

/// Fields read from `result`.
#[derive(Default)]
struct ResultFields<'a> {
    context_id: Option<RawStr<'a>>,
    group_id: Option<RawStr<'a>>,
    event_type: Option<RawStr<'a>>,
    context_ids: Option<Vec<RawStr<'a>>>,
    kinds: Vec<RawStr<'a>>,
    /// The `events[].data` arrays (filled when asked for).
    data_spans: Vec<DataSpan<'a>>,
    /// Byte span of the whole `result` value.
    span: (usize, usize),
    /// `result.output` (an `execute` reply), raw.
    output: Option<(usize, usize)>,
    /// `result.data.ageMs` is there (replayed presence).
    has_age: bool,
    /// `result.data.state` as a byte array (presence), when asked for.
    state_span: Option<(usize, usize, Option<Vec<u8>>)>,
}

/// Byte span of one `events[].data` array: `(start, end, its event's kind, its bytes when
/// it is a byte array)`.
type DataSpan<'a> = (usize, usize, Option<RawStr<'a>>, Option<Vec<u8>>);

/// Everything read from one frame.
struct Scan<'a> {
    id: Id,
    result: Option<ResultFields<'a>>,
    error: Option<ServerError>,
}

fn scan<'a>(text: &'a str, want_spans: bool) -> Result<Scan<'a>, FrameError> {
    let mut r = Reader::new(text);
    if r.peek_kind()? != ValueKind::Object {
        return Err(FrameError::UnknownShape("not a JSON object"));
    }
    let mut out = Scan { id: Id::Absent, result: None, error: None };
    r.object(|r, key| {
        if key.eq_str("id") {
            out.id = match r.peek_kind()? {
                ValueKind::Null => {
                    r.null()?;
                    Id::Null
                }
                ValueKind::Number => {
                    let n = r.number()?;
                    if n >= 0.0 && crate::engine::float::fract(n) == 0.0 && n <= 9.007_199_254_740_991e15 {
                        Id::Number(n as u64)
                    } else {
                        Id::Other
                    }
                }
                _ => {
                    r.skip()?;
                    Id::Other
                }
            };
        } else if key.eq_str("result") {
            if r.peek_kind()? == ValueKind::Object {
                out.result = Some(scan_result(r, want_spans)?);
            } else {
                let span = r.skip()?;
                out.result = Some(ResultFields { span, ..Default::default() });
            }
        } else if key.eq_str("error") {
            out.error = Some(scan_error(r)?);
        } else {
            r.skip()?;
        }
        Ok(())
    })?;
    r.finish()?;
    Ok(out)
}

fn scan_result<'a>(r: &mut Reader<'a>, want_spans: bool) -> JsonResult<ResultFields<'a>> {
    let start = r.pos();
    let mut f = ResultFields::default();
    r.object(|r, key| {
        match &*key.value() {
            "contextId" => f.context_id = r.string_or_skip()?,
            "groupId" => f.group_id = r.string_or_skip()?,
            "type" => f.event_type = r.string_or_skip()?,
            "contextIds" => f.context_ids = Some(string_array(r)?),
            "data" if r.peek_kind()? == ValueKind::Object => scan_data(r, &mut f, want_spans)?,
            "output" => f.output = Some(r.skip()?),
            _ => {
                r.skip()?;
            }
        }
        Ok(())
    })?;
    f.span = (start, r.pos());
    Ok(f)
}

fn scan_data<'a>(r: &mut Reader<'a>, f: &mut ResultFields<'a>, want_spans: bool) -> JsonResult<()> {
    r.object(|r, key| {
        if key.eq_str("events") && r.peek_kind()? == ValueKind::Array {
            r.array(|r| {
                if r.peek_kind()? != ValueKind::Object {
                    return r.skip().map(|_| ());
                }
                let mut kind = None;
                let mut span = None;
                let mut bytes = None;
                r.object(|r, key| {
                    match &*key.value() {
                        "kind" => {
                            if let Some(k) = r.string_or_skip()? {
                                f.kinds.push(k);
                                kind = Some(k);
                            }
                        }
                        "data" if want_spans && r.peek_kind()? == ValueKind::Array => {
                            let (a, b, v) = r.byte_array()?;
                            span = Some((a, b));
                            bytes = v;
                        }
                        _ => {
                            r.skip()?;
                        }
                    }
                    Ok(())
                })?;
                if let Some((a, b)) = span {
                    f.data_spans.push((a, b, kind, bytes));
                }
                Ok(())
            })
        } else if key.eq_str("state") && want_spans && r.peek_kind()? == ValueKind::Array {
            let (a, b, v) = r.byte_array()?;
            f.state_span = Some((a, b, v));
            Ok(())
        } else {
            f.has_age |= key.eq_str("ageMs");
            r.skip().map(|_| ())
        }
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

fn scan_error(r: &mut Reader<'_>) -> JsonResult<ServerError> {
    let mut e = ServerError { id: None, kind: String::new(), detail: String::new(), detail_json: false };
    if r.peek_kind()? != ValueKind::Object {
        let (s, end) = r.skip()?;
        e.kind = "Error".into();
        e.detail = slice(r.text(), s, end).to_string();
        e.detail_json = true;
        return Ok(e);
    }
    r.object(|r, key| {
        if key.eq_str("type") {
            if let Some(s) = r.string_or_skip()? {
                e.kind = s.value().into_owned();
            }
        } else if key.eq_str("data") {
            if r.peek_kind()? == ValueKind::String {
                e.detail = r.string()?.value().into_owned();
            } else {
                let (s, end) = r.skip()?;
                e.detail = slice(r.text(), s, end).to_string();
                e.detail_json = true;
            }
        } else {
            r.skip()?;
        }
        Ok(())
    })?;
    Ok(e)
}

/// Reads and classifies a Calimero frame.
pub fn decode(text: &str) -> Result<Inbound<'_>, FrameError> {
    let s = scan(text, false)?;
    if let Some(mut e) = s.error {
        e.id = match s.id {
            Id::Number(n) => Some(n),
            _ => None,
        };
        return Ok(Inbound::Error(e));
    }
    let Some(res) = s.result else {
        return Err(FrameError::UnknownShape("neither result nor error"));
    };
    let scope = res.context_id.map(|c| (c, false)).or(res.group_id.map(|g| (g, true)));
    if let Some((scope, is_group)) = scope {
        let event_type = res.event_type.map(|t| t.value()).unwrap_or(Cow::Borrowed(""));
        if event_type.is_empty() {
            return Err(FrameError::UnknownShape("event without type"));
        }
        let class = if !is_group && matches!(&*event_type, "StateMutation" | "ExecutionEvent") {
            EventClass::State
        } else {
            EventClass::Side
        };
        let replayed = res.has_age && &*event_type == "Ephemeral";
        return Ok(Inbound::Event(EventInfo {
            scope: scope.value(),
            is_group,
            event_type,
            kinds: res.kinds,
            seq: None,
            timestamp: None,
            class,
            replayed,
            bad_payload: None,
            position: None,
            attachments: 0,
        }));
    }
    match s.id {
        Id::Number(n) => Ok(Inbound::Reply(ReplyInfo {
            id: Some(n),
            accepted: res.context_ids.map(|v| v.iter().map(|s| s.value()).collect()),
            unsubscribe: false,
            output: res.output.map(|(a, b)| slice(text, a, b)),
        })),
        _ => Err(FrameError::UnknownShape("result without id or contextId")),
    }
}

/// The `result` object of an event frame, with byte-array event data decoded.
pub fn normalize(text: &str) -> Result<String, FrameError> {
    normalize_stamped(text, &[]).map(|n| n.0)
}

/// [`normalize`], also taking the app's server timestamp out of the events' data:
/// the first event whose decoded data is an object with a number at `ts_path` gives
/// `(timestamp, that event's kind)`, and the field is removed from every event.
pub fn normalize_stamped(text: &str, ts_path: &[String]) -> Result<Stamped, FrameError> {
    let s = scan(text, true)?;
    let res = s.result.ok_or(FrameError::UnknownShape("no result"))?;
    let mut edits = Vec::with_capacity(res.data_spans.len());
    let mut stamp = None;
    for (a, b, kind, bytes) in res.data_spans {
        if let Some(mut rep) = bytes.and_then(decode_bytes) {
            if let Some((ts, ka, vb)) = crate::engine::protocols::stamp::locate(&rep, ts_path) {
                if stamp.is_none() {
                    stamp = Some((ts, kind.map(|k| k.value().into_owned())));
                }
                let (ka, vb) = crate::engine::protocols::frame_text::member_removal(&rep, ka, vb);
                rep = [slice(&rep, 0, ka), slice(&rep, vb, rep.len())].concat();
            }
            edits.push((a, b, rep));
        }
    }
    // A side event's `state` (presence) is bytes of JSON too: decoded the same way.
    if let Some((a, b, Some(bytes))) = res.state_span {
        if let Some(rep) = decode_bytes(bytes) {
            let at = edits.partition_point(|e| e.0 < a);
            edits.insert(at, (a, b, rep));
        }
    }
    Ok((apply_edits(text, res.span.0, res.span.1, &edits), stamp))
}

/// Turns `[123,34,...]` (UTF-8 bytes of JSON) into that JSON text. `[]` becomes `null`
/// (a unit variant); bytes that are UTF-8 but not JSON become a JSON string; anything
/// else (not bytes, not UTF-8) is left as it is (`None`).
pub fn decode_byte_array(array_text: &str) -> Option<String> {
    decode_bytes(parse_byte_array(array_text)?)
}

/// [`decode_byte_array`] for bytes already read.
fn decode_bytes(bytes: Vec<u8>) -> Option<String> {
    if bytes.is_empty() {
        return Some("null".into());
    }
    let s = String::from_utf8(bytes).ok()?;
    if validate(&s).is_ok() {
        Some(s)
    } else {
        let mut out = String::with_capacity(s.len() + 2);
        write_string(&mut out, &s);
        Some(out)
    }
}

/// `[1,2,3]` (whole numbers 0..=255, JSON white space allowed) as bytes, in one loop.
fn parse_byte_array(text: &str) -> Option<Vec<u8>> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len() / 3);
    let mut i = 0;
    let ws = |i: &mut usize| {
        while *i < b.len() && matches!(b[*i], b' ' | b'\n' | b'\r' | b'\t') {
            *i += 1;
        }
    };
    ws(&mut i);
    if b.get(i) != Some(&b'[') {
        return None;
    }
    i += 1;
    ws(&mut i);
    if b.get(i) == Some(&b']') {
        i += 1;
        ws(&mut i);
        return (i == b.len()).then_some(out);
    }
    loop {
        ws(&mut i);
        let start = i;
        let mut v: u32 = 0;
        while i < b.len() && b[i].is_ascii_digit() {
            v = v * 10 + (b[i] - b'0') as u32;
            i += 1;
            if v > 255 {
                return None;
            }
        }
        // No digits, or a leading zero on a longer number: not a byte.
        if i == start || (b[start] == b'0' && i - start > 1) {
            return None;
        }
        out.push(v as u8);
        ws(&mut i);
        match b.get(i) {
            Some(b',') => i += 1,
            Some(b']') => {
                i += 1;
                ws(&mut i);
                return (i == b.len()).then_some(out);
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CTX: &str = "9YxHobM9hKQFzHHjg3FDtXmCreJWS7Epe1gG1t4jodi";

    fn bytes_of(s: &str) -> String {
        let v: Vec<String> = s.bytes().map(|b| b.to_string()).collect();
        format!("[{}]", v.join(","))
    }

    #[test]
    fn reads_a_real_node_state_mutation() {
        let frame = format!(
            r#"{{"id":null,"result":{{"contextId":"{CTX}","type":"StateMutation","data":{{"newRoot":"5rMQ","events":[{{"kind":"MessageSent","data":{},"handler":null}},{{"kind":"ChannelCreated","data":[],"handler":"h"}}]}}}}}}"#,
            bytes_of(r#"{"id":"4f"}"#)
        );
        let Inbound::Event(e) = decode(&frame).unwrap() else { panic!("not an event") };
        assert_eq!(e.scope, CTX);
        assert!(!e.is_group);
        assert_eq!(e.event_type, "StateMutation");
        assert_eq!(e.class, EventClass::State);
        let kinds: Vec<&str> = e.kinds.iter().map(|k| k.raw).collect();
        assert_eq!(kinds, ["MessageSent", "ChannelCreated"]);

        let norm = normalize(&frame).unwrap();
        assert_eq!(
            norm,
            format!(
                r#"{{"contextId":"{CTX}","type":"StateMutation","data":{{"newRoot":"5rMQ","events":[{{"kind":"MessageSent","data":{{"id":"4f"}},"handler":null}},{{"kind":"ChannelCreated","data":null,"handler":"h"}}]}}}}"#
            )
        );
        assert_eq!(validate(&norm), Ok(()));
    }

    #[test]
    fn app_stamps_inside_event_data_are_taken_out() {
        let frame = format!(
            r#"{{"id":null,"result":{{"contextId":"c","type":"StateMutation","data":{{"events":[{{"kind":"A","data":{}}},{{"kind":"B","data":{}}}]}}}}}}"#,
            bytes_of(r#"{"x":1}"#),
            bytes_of(r#"{"text":"hi","_server_timestamp":1763900000123}"#)
        );
        let path = vec!["_server_timestamp".to_string()];
        let (norm, stamp) = normalize_stamped(&frame, &path).unwrap();
        assert_eq!(stamp, Some((1763900000123.0, Some("B".to_string()))));
        assert!(!norm.contains("_server_timestamp"), "{norm}");
        assert!(norm.contains(r#""data":{"text":"hi"}"#), "{norm}");
        assert_eq!(validate(&norm), Ok(()));
        assert_eq!(normalize_stamped(&frame, &[]).unwrap().1, None);
    }

    #[test]
    fn key_order_does_not_matter() {
        let frame = r#"{"result":{"data":{"events":[{"data":[],"kind":"DMCreated"}]},"type":"StateMutation","contextId":"c"},"id":null}"#;
        let Inbound::Event(e) = decode(frame).unwrap() else { panic!() };
        assert_eq!(e.scope, "c");
        assert_eq!(e.kinds[0].raw, "DMCreated");
    }

    #[test]
    fn reads_the_pre_2025_split_frames() {
        let sm = r#"{"id":null,"result":{"contextId":"c","type":"StateMutation","data":{"newRoot":"r"}}}"#;
        let Inbound::Event(e) = decode(sm).unwrap() else { panic!() };
        assert_eq!((e.class, e.kinds.len()), (EventClass::State, 0));
        let ee = r#"{"id":null,"result":{"contextId":"c","type":"ExecutionEvent","data":{"events":[{"kind":"ChannelJoined","data":[91,93]}]}}}"#;
        let Inbound::Event(e) = decode(ee).unwrap() else { panic!() };
        assert_eq!(e.class, EventClass::State);
        assert_eq!(e.kinds[0].raw, "ChannelJoined");
        assert!(normalize(ee).unwrap().contains(r#""data":[]"#));
    }

    #[test]
    fn side_events_and_group_events_are_not_state() {
        let s = r#"{"id":null,"result":{"contextId":"c","type":"SyncStatus","data":{"syncState":{"state":"syncing"},"failureCount":0}}}"#;
        let Inbound::Event(e) = decode(s).unwrap() else { panic!() };
        assert_eq!(e.class, EventClass::Side);
        let g = r#"{"id":null,"result":{"groupId":"ab12","type":"MemberJoined","data":{}}}"#;
        let Inbound::Event(e) = decode(g).unwrap() else { panic!() };
        assert!(e.is_group);
        assert_eq!(e.scope, "ab12");
        assert_eq!(e.class, EventClass::Side);
    }

    #[test]
    fn reads_replies_and_errors() {
        let r = decode(r#"{"id":3,"result":{"contextIds":["a","b"]}}"#).unwrap();
        assert_eq!(r, Inbound::Reply(ReplyInfo { id: Some(3), accepted: Some(vec!["a".into(), "b".into()]), unsubscribe: false, output: None }));
        let e = decode(r#"{"id":4,"error":{"type":"ParseError","data":"missing field `params`"}}"#).unwrap();
        assert_eq!(
            e,
            Inbound::Error(ServerError { id: Some(4), kind: "ParseError".into(), detail: "missing field `params`".into(), detail_json: false })
        );
        let e = decode(r#"{"id":null,"error":{"type":"InternalError","data":{}}}"#).unwrap();
        assert_eq!(e, Inbound::Error(ServerError { id: None, kind: "InternalError".into(), detail: "{}".into(), detail_json: true }));
    }

    #[test]
    fn rejects_bad_frames() {
        assert!(matches!(decode("{not json"), Err(FrameError::Malformed(_))));
        assert!(matches!(decode(r#"{"id":null,"result":"#), Err(FrameError::Malformed(_))));
        assert!(matches!(decode("[1,2]"), Err(FrameError::UnknownShape(_))));
        assert!(matches!(decode(r#"{"hello":1}"#), Err(FrameError::UnknownShape(_))));
        assert!(matches!(decode(r#"{"id":null,"result":{"contextId":"c"}}"#), Err(FrameError::UnknownShape(_))));
    }

    #[test]
    fn byte_arrays_decode_to_json() {
        assert_eq!(decode_byte_array(&bytes_of(r#"{"a":[1,2]}"#)).as_deref(), Some(r#"{"a":[1,2]}"#));
        assert_eq!(decode_byte_array("[]").as_deref(), Some("null"));
        assert_eq!(decode_byte_array(&bytes_of("héllo")).as_deref(), Some("\"héllo\""));
        assert_eq!(decode_byte_array("[255,254]"), None, "not UTF-8");
        assert_eq!(decode_byte_array("[256]"), None);
        assert_eq!(decode_byte_array("[1.5]"), None);
        assert_eq!(decode_byte_array("[ 104 , 105 ]").as_deref(), Some("\"hi\""));
        assert_eq!(decode_byte_array("[01]"), None);
        assert_eq!(decode_byte_array("[1,]"), None);
        assert_eq!(decode_byte_array("[-1]"), None);
    }

}
