//! Writing the packets a client sends, as whole WebSocket text messages (the Engine.IO
//! `4` included), compact.
//!
//! Every writer checks what it is given, so that it never writes a frame the server
//! would close the connection for: the namespace (`/`, or `/name` without `,`), the JSON
//! parts (their type too), the ack id (at most 2^53-1) and the event name (not reserved).
//! A namespace other than `/` is always followed by its `,`, even when nothing follows:
//! without it, an ack id or JSON would read as part of the name.
//!
//! JSON parts are taken as text the caller already serialized (in the browser,
//! `JSON.stringify` of the app's values), and written as they are:
//!
//! - an event's arguments are the *list* of elements, `"a",1` (no brackets; empty for
//!   none), so that the writer only puts the name in front: `42["name","a",1]`. It is
//!   the form [`super::Packet::args`] reads back;
//! - an ACK's arguments are the whole array, `["a",1]` (its data, as read back).
//!
//! Binary packets are not written: an SDK that sends binary encodes its placeholders
//! where the `ArrayBuffer`s are.

#[allow(unused_imports)]
use crate::prelude::*;

use super::packet::{is_reserved, MAX_ACK_ID};
use super::SioError;
use crate::engine::json::reader::{write_string, Reader, ValueKind};
use crate::engine::text::push_digits;

/// The answer to a server ping.
pub fn pong() -> &'static str {
    "3"
}

/// `40`, `40{auth}`, `40/nsp,`, `40/nsp,{auth}`: joins a namespace; `auth` must be an
/// object.
pub fn connect(nsp: &str, auth: Option<&str>) -> Result<String, SioError> {
    let mut out = header('0', nsp, None)?;
    if let Some(auth) = auth {
        push_json(&mut out, auth, ValueKind::Object, "a CONNECT carries an object or nothing")?;
    }
    Ok(out)
}

/// `41`, `41/nsp,`: leaves a namespace.
pub fn disconnect(nsp: &str) -> Result<String, SioError> {
    header('1', nsp, None)
}

/// `42/nsp,7["name",args]`: an event, asking for an ack when `ack` is given. `args` is
/// the JSON list of the arguments (`"a",1`, or empty), see the module docs.
pub fn event(nsp: &str, ack: Option<u64>, name: &str, args: &str) -> Result<String, SioError> {
    if is_reserved(name) {
        return Err(SioError::ReservedName);
    }
    let mut out = header('2', nsp, ack)?;
    let start = out.len();
    out.push('[');
    write_string(&mut out, name);
    if !args.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r')).is_empty() {
        out.push(',');
        out.push_str(args);
    }
    out.push(']');
    // Checked once written: one array, so `args` was a list of values and nothing else.
    check_json(&out[start..], ValueKind::Array, "an EVENT's arguments are a list of JSON values")?;
    Ok(out)
}

/// `43/nsp,7[args]`: answers the server's event `id`; `args` is the JSON array of the
/// callback's arguments (`[]` for none).
pub fn ack(nsp: &str, id: u64, args: &str) -> Result<String, SioError> {
    let mut out = header('3', nsp, Some(id))?;
    push_json(&mut out, args, ValueKind::Array, "an ACK carries an array")?;
    Ok(out)
}

/// `4`, the type, `/nsp,` unless the namespace is `/`, and the ack id.
fn header(kind: char, nsp: &str, id: Option<u64>) -> Result<String, SioError> {
    if !nsp.starts_with('/') || nsp.contains(',') {
        return Err(SioError::Namespace);
    }
    let mut out = String::with_capacity(32);
    out.push('4');
    out.push(kind);
    if nsp != "/" {
        out.push_str(nsp);
        out.push(',');
    }
    if let Some(id) = id {
        if id > MAX_ACK_ID {
            return Err(SioError::AckId);
        }
        push_digits(&mut out, id);
    }
    Ok(out)
}

/// Appends `json` after checking it is one value of kind `want`.
fn push_json(out: &mut String, json: &str, want: ValueKind, what: &'static str) -> Result<(), SioError> {
    check_json(json, want, what)?;
    out.push_str(json);
    Ok(())
}

fn check_json(json: &str, want: ValueKind, what: &'static str) -> Result<(), SioError> {
    let mut r = Reader::new(json);
    if r.peek_kind()? != want {
        return Err(SioError::Payload(what));
    }
    r.skip()?;
    r.finish()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::packet::{read_frame, Engine, EventName, Kind, RESERVED_EVENTS};
    use super::*;

    #[test]
    fn writes_what_the_reference_client_writes() {
        assert_eq!(connect("/", None).unwrap(), "40");
        assert_eq!(connect("/", Some(r#"{"token":"good"}"#)).unwrap(), r#"40{"token":"good"}"#);
        assert_eq!(connect("/guild/123", None).unwrap(), "40/guild/123,");
        assert_eq!(connect("/guild/123", Some(r#"{"token":"good","call":1}"#)).unwrap(), r#"40/guild/123,{"token":"good","call":1}"#);
        assert_eq!(disconnect("/").unwrap(), "41");
        assert_eq!(disconnect("/guild/123").unwrap(), "41/guild/123,");
        assert_eq!(event("/guild/123", Some(7), "ask", r#""guild ack""#).unwrap(), r#"42/guild/123,7["ask","guild ack"]"#);
        assert_eq!(event("/", None, "echo", r#""still on main""#).unwrap(), r#"42["echo","still on main"]"#);
        assert_eq!(event("/", Some(0), "ask", r#"{"x":1}"#).unwrap(), r#"420["ask",{"x":1}]"#);
        assert_eq!(event("/guild/123", Some(0), "ask", r#""guild""#).unwrap(), r#"42/guild/123,0["ask","guild"]"#);
        assert_eq!(event("/", None, "server_ask", "").unwrap(), r#"42["server_ask"]"#);
        assert_eq!(event("/", None, "server_ask", " ").unwrap(), r#"42["server_ask"]"#);
        assert_eq!(event("/", None, "a\"b\\\n", "1,[2]").unwrap(), r#"42["a\"b\\\n",1,[2]]"#);
        assert_eq!(ack("/", 0, r#"["yes, here"]"#).unwrap(), r#"430["yes, here"]"#);
        assert_eq!(ack("/", 1, r#"["yes from client"]"#).unwrap(), r#"431["yes from client"]"#);
        assert_eq!(ack("/guild/123", 9, "[]").unwrap(), "43/guild/123,9[]");
        assert_eq!(ack("/", MAX_ACK_ID, "[]").unwrap(), "439007199254740991[]");
        assert_eq!(pong(), "3");
    }

    #[test]
    fn refuses_what_a_server_would_close_the_connection_for() {
        for name in RESERVED_EVENTS {
            assert_eq!(event("/", None, name, ""), Err(SioError::ReservedName));
        }
        for nsp in ["", "guild", "/a,b", ","] {
            assert_eq!(connect(nsp, None), Err(SioError::Namespace), "{nsp:?}");
            assert_eq!(disconnect(nsp), Err(SioError::Namespace));
            assert_eq!(event(nsp, None, "a", ""), Err(SioError::Namespace));
            assert_eq!(ack(nsp, 1, "[]"), Err(SioError::Namespace));
        }
        assert_eq!(event("/", Some(MAX_ACK_ID + 1), "a", ""), Err(SioError::AckId));
        assert_eq!(ack("/", u64::MAX, "[]"), Err(SioError::AckId));
        for args in ["1],[2", ",1", "1,", "1 2", "]", "[", "\"a"] {
            assert!(event("/", None, "a", args).is_err(), "{args}");
        }
        assert!(matches!(connect("/", Some("[]")), Err(SioError::Payload(_))));
        assert!(matches!(connect("/", Some("")), Err(SioError::Json(_))));
        assert!(matches!(connect("/", Some("{}{}")), Err(SioError::Json(_))));
        assert!(matches!(ack("/", 1, "{}"), Err(SioError::Payload(_))));
        assert!(matches!(ack("/", 1, "[1]]"), Err(SioError::Json(_))));
    }

    #[test]
    fn what_is_written_reads_back() {
        let read = |frame: &str| match read_frame(frame) {
            Ok(Engine::Message(p)) => (p.kind, p.nsp.to_string(), p.id, p.data.map(String::from), p.args.to_string(), p.name.map(|n| match n {
                EventName::Str(s) => s.value().into_owned(),
                EventName::Num(n) => n.into(),
            })),
            other => panic!("{frame}: {other:?}"),
        };
        let e = read(&event("/g", Some(3), "n\u{e9}\"", "{\"a\":[1]}, null").unwrap());
        assert_eq!((e.0, &*e.1, e.2, &*e.4, e.5.as_deref()), (Kind::Event, "/g", Some(3), "{\"a\":[1]}, null", Some("n\u{e9}\"")));
        let a = read(&ack("/g", 3, "[null]").unwrap());
        assert_eq!((a.0, &*a.1, a.2, a.3.as_deref()), (Kind::Ack, "/g", Some(3), Some("[null]")));
        let c = read(&connect("/g", Some("{}")).unwrap());
        assert_eq!((c.0, &*c.1, c.3.as_deref()), (Kind::Connect, "/g", Some("{}")));
        assert_eq!(read(&disconnect("/g").unwrap()).0, Kind::Disconnect);
    }
}
