//! Fuzzes the Socket.IO codec natively: a seeded generator and mutator over captured
//! frames (tests/frame_corpus/socketio/frames.txt) and over frames built from their
//! parts (types, attachment counts, namespaces, ack ids, JSON of every shape) feed
//! every reader: the Engine.IO frame, the Socket.IO packet, the open packet, the
//! placeholder check, and the attachment counter. For each input:
//!
//! - nothing panics (`catch_unwind`);
//! - the reader agrees with an oracle: the packet grammar read again here in a plainer
//!   way, with serde_json for the JSON part. Both must accept or refuse the same texts,
//!   and find the same namespace, ack id, attachment count, event name, arguments,
//!   connect error message and data, and open-packet values. So whenever the reader
//!   accepts, serde_json reads its JSON part, of the type the packet type requires;
//! - what reads Ok and has a writer (CONNECT, DISCONNECT, EVENT, ACK) is written back
//!   with the writers and read again, to the same fields.
//!
//! Texts serde_json cannot judge are counted, not compared: numbers beyond f64 (our
//! reader reads them as infinite, as JSON.parse does) and nesting past our reader's
//! limit. Lone surrogate escapes, which JSON.parse accepts and serde_json refuses, are
//! given to serde_json as `\ufffd`, the character our reader reads them as.
//!
//! `FUZZ_INPUTS` (default 20000) and `FUZZ_SEED` set the run; a disagreement prints its
//! seed and index, so it replays. Prints inputs/s, panics and disagreements (both must
//! be 0).
#![cfg(not(target_arch = "wasm32"))]

use calimero_socket::engine::json::reader::JsonError;
use calimero_socket::engine::protocols::socketio::{self, write, Engine, EventName, Handshake, Kind, Packet, Reassembly, SioError};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

const CORPUS: &str = include_str!("frame_corpus/socketio/frames.txt");

/// xorshift64*, so that a failing input replays from its seed and index.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

// ---------------------------------------------------------------------------------
// Inputs

const NUMBERS: &[&str] = &["0", "-1", "7", "2.5", "1e3", "1E-2", "-0", "25000", "9007199254740991", "9007199254740992", "123456789012345678901234567890", "1.0", "0.5", "3"];
const STRINGS: &[&str] = &["a", "echo", "héllo €", "h\\u00e9llo", "\\\"q\\\"", "\\ud83d\\ude00", "", "\\n", "connect", "disconnect", "\\u0063onnect", "newListener", "removeListener", "connect_error", "disconnecting", "message", "x,y", "/guild"];
const KEYS: &[&str] = &["a", "_placeholder", "num", "message", "data", "sid", "pid", "\\u005fplaceholder", "n\\u0075m", "token"];

/// White space between tokens: none (servers), Python's, or odd.
fn sep(style: u8, token: &str) -> String {
    match style {
        0 => token.to_string(),
        1 => format!("{token} "),
        _ => format!(" {token}\n"),
    }
}

fn value(rng: &mut Rng, depth: u32, style: u8, attachments: u8) -> String {
    let top = if depth >= 3 { 4 } else { 9 };
    match rng.below(top) {
        0 => rng.pick(&["null", "true", "false"]).to_string(),
        1 | 2 => rng.pick(NUMBERS).to_string(),
        3 => format!("\"{}\"", rng.pick(STRINGS)),
        4 | 5 => {
            let n = rng.below(4);
            let items: Vec<String> = (0..n).map(|_| value(rng, depth + 1, style, attachments)).collect();
            format!("[{}]", items.join(&sep(style, ",")))
        }
        6 => placeholder(rng, attachments),
        _ => {
            let n = rng.below(4);
            let items: Vec<String> = (0..n).map(|_| format!("\"{}\"{}{}", rng.pick(KEYS), sep(style, ":"), value(rng, depth + 1, style, attachments))).collect();
            format!("{{{}}}", items.join(&sep(style, ",")))
        }
    }
}

fn placeholder(rng: &mut Rng, attachments: u8) -> String {
    let num = if rng.chance(85) { (rng.below(attachments.max(1) as usize)).to_string() } else { rng.pick(&["-1", "0.5", "\"0\"", "null", "11", "1.0"]).to_string() };
    match rng.below(8) {
        0 => format!("{{\"num\":{num},\"_placeholder\":true}}"),
        1 => format!("{{\"_placeholder\":false,\"num\":{num}}}"),
        2 => format!("{{\"_placeholder\":true,\"num\":{num},\"num\":0}}"),
        _ => format!("{{\"_placeholder\":true,\"num\":{num}}}"),
    }
}

/// A Socket.IO packet text built from its parts, each right most of the time.
fn packet_text(rng: &mut Rng) -> String {
    let mut s = String::new();
    let kind = if rng.chance(95) { rng.pick(&['0', '1', '2', '2', '2', '3', '3', '4', '5', '5', '6']) } else { rng.pick(&['7', '9', 'a', '-', '/', ' ']) };
    s.push(kind);
    let mut attachments = 0u8;
    if matches!(kind, '5' | '6') || rng.chance(3) {
        let count = if rng.chance(80) { rng.pick(&["1", "2", "3", "10"]) } else { rng.pick(&["0", "11", "01", "", "99999999999", "1a"]) };
        attachments = count.parse().unwrap_or(0);
        s.push_str(count);
        if rng.chance(95) {
            s.push('-');
        }
    }
    if rng.chance(50) {
        s.push_str(rng.pick(&["/", "/guild/123", "/nope", "/a b", "/é", "/x/y", "/guild/123[\"echo\"]"]));
        if rng.chance(90) {
            s.push(',');
        }
    }
    let wants_id = matches!(kind, '3' | '6') || (matches!(kind, '2' | '5') && rng.chance(40)) || rng.chance(5);
    if wants_id {
        s.push_str(rng.pick(&["0", "7", "999", "9007199254740991", "9007199254740992", "18446744073709551615", "18446744073709551616", "007"]));
    }
    let style = rng.pick(&[0u8, 0, 0, 1, 2]);
    let data = match kind {
        '0' if rng.chance(40) => String::new(),
        '0' => format!("{{\"sid\":\"53nFTvKtWaQ7DIgkAAAA\"{}}}", if rng.chance(30) { ",\"pid\":\"CYITNfy5uuuNS-XTAAAB\"" } else { "" }),
        '1' if rng.chance(90) => String::new(),
        '2' | '5' if rng.chance(85) => event_array(rng, style, attachments),
        '3' | '6' if rng.chance(85) => {
            let n = rng.below(3);
            let mut items: Vec<String> = (0..n).map(|_| value(rng, 1, style, attachments)).collect();
            for k in 0..attachments.min(3) {
                items.push(format!("{{\"_placeholder\":true,\"num\":{k}}}"));
            }
            format!("[{}]", items.join(&sep(style, ",")))
        }
        '4' if rng.chance(40) => format!("\"{}\"", rng.pick(STRINGS)),
        '4' if rng.chance(80) => {
            // `message` and `data` in any order, maybe twice (the last counts), maybe not strings.
            let n = 1 + rng.below(4);
            let members: Vec<String> = (0..n)
                .map(|_| {
                    let key = rng.pick(&["message", "message", "data", "data", "other", "\\u006dessage"]);
                    let v = if rng.chance(70) { format!("\"{}\"", rng.pick(STRINGS)) } else { value(rng, 1, style, 0) };
                    format!("\"{key}\"{}{v}", sep(style, ":"))
                })
                .collect();
            format!("{{{}}}", members.join(&sep(style, ",")))
        }
        _ => value(rng, 0, style, attachments),
    };
    s.push_str(&data);
    s
}

fn event_array(rng: &mut Rng, style: u8, attachments: u8) -> String {
    let name = if rng.chance(85) { format!("\"{}\"", rng.pick(STRINGS)) } else { value(rng, 2, style, 0) };
    let mut items = vec![name];
    for _ in 0..rng.below(4) {
        items.push(value(rng, 1, style, attachments));
    }
    for k in 0..attachments.min(3) {
        if rng.chance(95) {
            items.push(format!("{{\"_placeholder\":true,\"num\":{k}}}"));
        }
    }
    format!("[{}]", items.join(&sep(style, ",")))
}

/// An open packet's JSON: the fields in any order, with good and bad values.
fn open_text(rng: &mut Rng) -> String {
    let mut members = vec![
        ("sid", if rng.chance(90) { "\"dN-7XAK3poDaeiBSAAAA\"".to_string() } else { rng.pick(&["7", "null", "\"\""]).to_string() }),
        ("upgrades", "[]".to_string()),
        ("pingInterval", number_field(rng)),
        ("pingTimeout", number_field(rng)),
        ("maxPayload", number_field(rng)),
    ];
    if rng.chance(10) {
        members.push(("extra", "{\"pingInterval\":\"no\"}".to_string()));
    }
    if rng.chance(5) {
        let dup = members[rng.below(members.len())].clone();
        members.push((dup.0, number_field(rng)));
    }
    for i in (1..members.len()).rev() {
        members.swap(i, rng.below(i + 1));
    }
    if rng.chance(8) {
        members.remove(rng.below(members.len()));
    }
    let style = rng.pick(&[0u8, 0, 1, 2]);
    let body: Vec<String> = members.iter().map(|(k, v)| format!("\"{k}\"{}{v}", sep(style, ":"))).collect();
    format!("{{{}}}", body.join(&sep(style, ",")))
}

fn number_field(rng: &mut Rng) -> String {
    if rng.chance(85) {
        rng.pick(&["25000", "20000", "1000000", "2000", "1000", "1", "2.5e4", "9007199254740991"]).to_string()
    } else {
        rng.pick(&["0", "-1", "1.5", "\"25000\"", "null", "9007199254740992", "1e400", "-0", "[]"]).to_string()
    }
}

/// Truncates, corrupts or extends `text` (on char boundaries).
fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return rng.pick(&["4", "0", "42"]).to_string();
    }
    const NOISE: &[char] = &['/', ',', '-', '0', '1', '9', '[', ']', '{', '}', '"', '\\', 'u', ' ', ':', 'é', '\u{0}', 'e', '.', 'n'];
    let at = rng.below(chars.len());
    match rng.below(6) {
        0 => chars.truncate(at),
        1 => chars[at] = rng.pick(NOISE),
        2 => chars.insert(at, rng.pick(NOISE)),
        3 => {
            chars.remove(at);
        }
        4 => {
            let end = (at + 1 + rng.below(30)).min(chars.len());
            let piece: Vec<char> = chars[at..end].to_vec();
            let pos = rng.below(chars.len() + 1);
            chars.splice(pos..pos, piece);
        }
        _ => chars.push(rng.pick(NOISE)),
    }
    chars.into_iter().collect()
}

fn input(rng: &mut Rng, corpus: &[&str]) -> String {
    let mut text = match rng.below(20) {
        0..=5 => rng.pick(corpus).to_string(),
        6..=8 => format!("0{}", open_text(rng)),
        9 => format!("{}{}", rng.pick(&["", "1", "2", "3", "5", "6", "7", "x", "44"]), packet_text(rng)),
        _ => format!("4{}", packet_text(rng)),
    };
    if rng.chance(45) {
        for _ in 0..1 + rng.below(3) {
            text = mutate(&text, rng);
        }
    }
    text
}

// ---------------------------------------------------------------------------------
// The oracle

/// A JSON value as serde_json reads it, every member of an object kept in order
/// (duplicate keys included: the last one counts, as in JSON.parse).
#[derive(Debug, Clone, PartialEq)]
enum Tree {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Tree>),
    Obj(Vec<(String, Tree)>),
}

struct TreeVisitor;

impl<'de> Visitor<'de> for TreeVisitor {
    type Value = Tree;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_unit<E>(self) -> Result<Tree, E> {
        Ok(Tree::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Tree, E> {
        Ok(Tree::Bool(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Tree, E> {
        Ok(Tree::Num(v as f64))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Tree, E> {
        Ok(Tree::Num(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Tree, E> {
        Ok(Tree::Num(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Tree, E> {
        Ok(Tree::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Tree, E> {
        Ok(Tree::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tree, A::Error> {
        let mut v = Vec::new();
        while let Some(x) = seq.next_element()? {
            v.push(x);
        }
        Ok(Tree::Arr(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tree, A::Error> {
        let mut v = Vec::new();
        while let Some((k, x)) = map.next_entry::<String, Tree>()? {
            v.push((k, x));
        }
        Ok(Tree::Obj(v))
    }
}

impl<'de> Deserialize<'de> for Tree {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Tree, D::Error> {
        d.deserialize_any(TreeVisitor)
    }
}

impl Tree {
    /// The last member `key` (JSON.parse keeps the last of duplicated keys).
    fn last(&self, key: &str) -> Option<&Tree> {
        let Tree::Obj(m) = self else { return None };
        m.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// The oracle could not judge this text (see the module docs).
struct Unjudged;

/// `text` with each lone surrogate escape (`\ud800` without its pair) written as
/// `\ufffd`: JSON.parse (and our reader) accept them, serde_json refuses them, and our
/// reader reads them as U+FFFD.
fn fix_surrogates(text: &str) -> String {
    let b = text.as_bytes();
    let hex = |i: usize| b.get(i..i + 4).filter(|h| h.iter().all(u8::is_ascii_hexdigit)).map(|h| u32::from_str_radix(std::str::from_utf8(h).unwrap(), 16).unwrap());
    let unit = |i: usize| if b.get(i) == Some(&b'\\') && b.get(i + 1) == Some(&b'u') { hex(i + 2) } else { None };
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        match unit(i) {
            Some(0xD800..=0xDBFF) if matches!(unit(i + 6), Some(0xDC00..=0xDFFF)) => {
                out.push_str(&text[i..i + 12]);
                i += 12;
            }
            Some(0xD800..=0xDFFF) => {
                out.push_str("\\ufffd");
                i += 6;
            }
            _ if b[i] == b'\\' && i + 1 < b.len() && b[i + 1].is_ascii() => {
                out.push_str(&text[i..i + 2]);
                i += 2;
            }
            _ => {
                let c = text[i..].chars().next().unwrap();
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    out
}

/// What serde_json makes of `text`: a tree, `None` (not JSON), or unjudged.
fn json(text: &str) -> Result<Option<Tree>, Unjudged> {
    match serde_json::from_str::<Tree>(&fix_surrogates(text)) {
        Ok(t) => Ok(Some(t)),
        Err(e) => {
            let m = e.to_string();
            if m.contains("number out of range") || m.contains("recursion limit") {
                Err(Unjudged)
            } else {
                Ok(None)
            }
        }
    }
}

#[derive(Debug, PartialEq)]
enum Name {
    Str(String),
    Num(f64),
}

/// A packet as the oracle reads it.
#[derive(Debug, PartialEq)]
struct Model {
    kind: u8,
    nsp: String,
    id: Option<u64>,
    attachments: u8,
    data: Option<String>,
    name: Option<Name>,
    args: Vec<Tree>,
    message: Option<String>,
    error_data: Option<Tree>,
}

const RESERVED: &[&str] = &["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"];

/// The packet grammar, read with string searches: `Ok(None)` when the packet is to be
/// refused. It is the reference parser's reading, with the codec's documented
/// tightenings (JSON required on EVENT, ACK and CONNECT_ERROR; an ack id on ACKs only
/// and never on CONNECT, DISCONNECT, CONNECT_ERROR; placeholders numbered exactly).
fn model(text: &str) -> Result<Option<Model>, Unjudged> {
    let Some(kind) = text.chars().next().and_then(|c| c.to_digit(10)).filter(|d| *d <= 6) else { return Ok(None) };
    let kind = kind as u8;
    let mut rest = &text[1..];
    let mut attachments = 0;
    if kind == 5 || kind == 6 {
        let Some(dash) = rest.find('-') else { return Ok(None) };
        let count = &rest[..dash];
        if count.is_empty() || !count.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(None);
        }
        let trimmed = count.trim_start_matches('0');
        if trimmed.is_empty() || trimmed.len() > 2 || trimmed.parse::<u8>().unwrap() > 10 {
            return Ok(None);
        }
        attachments = trimmed.parse().unwrap();
        rest = &rest[dash + 1..];
    }
    let mut nsp = "/";
    if rest.starts_with('/') {
        match rest.find(',') {
            Some(k) => {
                nsp = &rest[..k];
                rest = &rest[k + 1..];
            }
            None => {
                nsp = rest;
                rest = "";
            }
        }
    }
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    let mut id = None;
    if digits > 0 {
        let trimmed = rest[..digits].trim_start_matches('0');
        if trimmed.len() > 16 {
            return Ok(None);
        }
        let v: u64 = if trimmed.is_empty() { 0 } else { trimmed.parse().unwrap() };
        if v > (1 << 53) - 1 {
            return Ok(None);
        }
        id = Some(v);
        rest = &rest[digits..];
    }
    match kind {
        0 | 1 | 4 if id.is_some() => return Ok(None),
        3 | 6 if id.is_none() => return Ok(None),
        _ => {}
    }
    let mut m = Model { kind, nsp: nsp.to_string(), id, attachments, data: None, name: None, args: Vec::new(), message: None, error_data: None };
    if rest.is_empty() {
        return Ok(if kind <= 1 { Some(m) } else { None });
    }
    m.data = Some(rest.to_string());
    let Some(tree) = json(rest)? else { return Ok(None) };
    let ok = match (kind, &tree) {
        (0, Tree::Obj(_)) => true,
        (2 | 5, Tree::Arr(items)) => match items.first() {
            Some(Tree::Str(s)) if !RESERVED.contains(&s.as_str()) => {
                m.name = Some(Name::Str(s.clone()));
                m.args = items[1..].to_vec();
                true
            }
            Some(Tree::Num(n)) => {
                m.name = Some(Name::Num(*n));
                m.args = items[1..].to_vec();
                true
            }
            _ => false,
        },
        (3 | 6, Tree::Arr(_)) => true,
        (4, Tree::Str(s)) => {
            m.message = Some(s.clone());
            true
        }
        (4, Tree::Obj(_)) => {
            m.message = match tree.last("message") {
                Some(Tree::Str(s)) => Some(s.clone()),
                _ => None,
            };
            m.error_data = tree.last("data").cloned();
            true
        }
        _ => false,
    };
    if !ok || (attachments > 0 && !placeholders_ok(&tree, attachments)) {
        return Ok(None);
    }
    Ok(Some(m))
}

/// Placeholders number `0..n` once each; an object is one when its last `_placeholder`
/// is `true`, and then nothing inside it counts.
fn placeholders_ok(tree: &Tree, n: u8) -> bool {
    fn walk(t: &Tree, n: u8, seen: &mut Vec<u32>) -> bool {
        match t {
            Tree::Arr(items) => items.iter().all(|v| walk(v, n, seen)),
            Tree::Obj(members) if t.last("_placeholder") == Some(&Tree::Bool(true)) => {
                let _ = members;
                match t.last("num") {
                    Some(Tree::Num(k)) if *k >= 0.0 && *k < n as f64 && k.fract() == 0.0 => {
                        seen.push(*k as u32);
                        true
                    }
                    _ => false,
                }
            }
            Tree::Obj(members) => members.iter().all(|(_, v)| walk(v, n, seen)),
            _ => true,
        }
    }
    let mut seen = Vec::new();
    if !walk(tree, n, &mut seen) {
        return false;
    }
    seen.sort_unstable();
    seen == (0..n as u32).collect::<Vec<_>>()
}

/// The codec's packet in the oracle's terms.
fn as_model(p: &Packet<'_>) -> Result<Model, String> {
    let parse = |t: &str| serde_json::from_str::<Tree>(&fix_surrogates(t)).map_err(|e| format!("serde_json cannot read {t:?} the reader accepted: {e}"));
    let name = match p.name {
        None => None,
        Some(EventName::Str(s)) => Some(Name::Str(s.value().into_owned())),
        Some(EventName::Num(n)) => Some(Name::Num(serde_json::from_str::<f64>(n).map_err(|e| format!("name {n}: {e}"))?)),
    };
    let args = match (&name, parse(&format!("[{}]", p.args))?) {
        (Some(_), Tree::Arr(v)) => v,
        (None, Tree::Arr(v)) if v.is_empty() => v,
        (_, other) => return Err(format!("args {:?} read as {other:?}", p.args)),
    };
    Ok(Model {
        kind: p.kind as u8,
        nsp: p.nsp.to_string(),
        id: p.id,
        attachments: p.attachments,
        data: p.data.map(String::from),
        name,
        args,
        message: p.message.map(|m| m.value().into_owned()),
        error_data: p.error_data.map(parse).transpose()?,
    })
}

/// Whether the codec's error is one the oracle cannot judge (nesting past its limit).
fn too_deep(e: &SioError) -> bool {
    matches!(e, SioError::Json(JsonError::TooDeep(_)))
}

/// What the oracle expects of an open packet's JSON.
fn model_open(text: &str) -> Result<Option<Handshake>, Unjudged> {
    let Some(tree @ Tree::Obj(_)) = json(text)? else { return Ok(None) };
    if !matches!(tree.last("sid"), Some(Tree::Str(_))) {
        return Ok(None);
    }
    let field = |k| match tree.last(k) {
        Some(Tree::Num(n)) if *n >= 1.0 && *n <= 9007199254740991.0 && n.fract() == 0.0 => Some(*n as u64),
        _ => None,
    };
    Ok(match (field("pingInterval"), field("pingTimeout"), field("maxPayload")) {
        (Some(ping_interval), Some(ping_timeout), Some(max_payload)) => Some(Handshake { ping_interval, ping_timeout, max_payload }),
        _ => None,
    })
}

// ---------------------------------------------------------------------------------
// Checks

#[derive(Default)]
struct Counts {
    accepted: u64,
    round_trips: u64,
    unjudged: u64,
    opens: u64,
}

/// Writes `p` back with the writers and reads it again: `None` for kinds without a
/// writer (the client never sends them) and numeric event names (the writer takes a
/// string name).
fn round_trip(p: &Packet<'_>) -> Result<bool, String> {
    let written = match p.kind {
        Kind::Connect => write::connect(p.nsp, p.data),
        Kind::Disconnect => write::disconnect(p.nsp),
        Kind::Event => match p.name {
            Some(EventName::Str(s)) => write::event(p.nsp, p.id, &s.value(), p.args),
            _ => return Ok(false),
        },
        Kind::Ack => write::ack(p.nsp, p.id.ok_or("ACK without id")?, p.data.ok_or("ACK without data")?),
        _ => return Ok(false),
    };
    let frame = written.map_err(|e| format!("read Ok but the writer refuses it: {e}"))?;
    let Ok(Engine::Message(back)) = socketio::read_frame(&frame) else {
        return Err(format!("written as {frame:?}, which reads as {:?}", socketio::read_frame(&frame)));
    };
    let same_name = match (p.name, back.name) {
        (Some(EventName::Str(a)), Some(EventName::Str(b))) => a.value() == b.value(),
        (a, b) => a == b,
    };
    let same_data = p.kind == Kind::Event || p.data == back.data;
    if (p.kind, p.nsp, p.id, p.attachments, p.args) != (back.kind, back.nsp, back.id, back.attachments, back.args) || !same_name || !same_data {
        return Err(format!("written as {frame:?}, read back as {back:?}"));
    }
    Ok(true)
}

fn check(text: &str, counts: &mut Counts) -> Result<(), String> {
    let frame = socketio::read_frame(text);
    if let Some(sio) = text.strip_prefix('4') {
        let packet = socketio::read_packet(sio);
        let same = match (&frame, &packet) {
            (Ok(Engine::Message(a)), Ok(b)) => a == b,
            (Err(a), Err(b)) => a == b,
            _ => false,
        };
        if !same {
            return Err(format!("read_frame {frame:?} but read_packet {packet:?}"));
        }
        let expected = match model(sio) {
            Ok(m) => m,
            Err(Unjudged) => {
                counts.unjudged += 1;
                return Ok(());
            }
        };
        match (packet, expected) {
            (Ok(p), Some(m)) => {
                counts.accepted += 1;
                let ours = as_model(&p)?;
                let close_names = match (&ours.name, &m.name) {
                    (Some(Name::Num(a)), Some(Name::Num(b))) => a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs()),
                    (a, b) => a == b,
                };
                if !close_names || (Model { name: None, ..ours }) != (Model { name: None, ..m }) {
                    return Err(format!("the reader finds {p:?}, the oracle another packet"));
                }
                if p.attachments > 0 {
                    socketio::check_placeholders(p.data.unwrap_or(""), p.attachments).map_err(|e| format!("placeholders: {e}"))?;
                }
                if round_trip(&p)? {
                    counts.round_trips += 1;
                }
            }
            (Err(e), Some(m)) if !too_deep(&e) => return Err(format!("refused ({e}), the oracle reads {m:?}")),
            (Ok(p), None) => return Err(format!("accepted as {p:?}, the oracle refuses it")),
            _ => {}
        }
    } else if let Some(open) = text.strip_prefix('0') {
        counts.opens += 1;
        let Ok(expected) = model_open(open) else {
            counts.unjudged += 1;
            return Ok(());
        };
        let ours = socketio::read_open(open);
        match (&ours, expected) {
            (Ok(h), Some(m)) if *h == m => {
                if frame != Ok(Engine::Open(*h)) {
                    return Err(format!("read_open {h:?}, read_frame {frame:?}"));
                }
            }
            (Err(e), None) if frame == Err(*e) => {}
            (Err(e), None) if too_deep(e) => {}
            (ours, m) => return Err(format!("open packet: the reader {ours:?}, the oracle {m:?}")),
        }
    } else {
        let want = match text.as_bytes().first() {
            None => Err(SioError::Empty),
            Some(b'1') => Ok(Engine::Close),
            Some(b'2') => Ok(Engine::Ping),
            Some(b'3') => Ok(Engine::Pong),
            Some(b'5') => Ok(Engine::Upgrade),
            Some(b'6') => Ok(Engine::Noop),
            Some(_) => Err(SioError::EngineType),
        };
        if frame != want {
            return Err(format!("read {frame:?}, expected {want:?}"));
        }
    }
    Ok(())
}

struct Report {
    inputs: u64,
    panics: u64,
    findings: Vec<String>,
    counts: Counts,
    secs: f64,
}

fn run(inputs: u64, seed: u64) -> Report {
    let corpus: Vec<&str> = CORPUS.lines().filter(|l| !l.is_empty()).collect();
    let mut rng = Rng::new(seed);
    let mut report = Report { inputs, panics: 0, findings: Vec::new(), counts: Counts::default(), secs: 0.0 };
    let started = Instant::now();
    for i in 0..inputs {
        let text = input(&mut rng, &corpus);
        let counts = &mut report.counts;
        match catch_unwind(AssertUnwindSafe(|| check(&text, counts))) {
            Err(_) => {
                report.panics += 1;
                report.findings.push(format!("panic at seed {seed} input {i}: {text:?}"));
            }
            Ok(Err(why)) => report.findings.push(format!("seed {seed} input {i}: {why}\n  frame: {text:?}")),
            Ok(Ok(())) => {}
        }
    }
    report.secs = started.elapsed().as_secs_f64();
    report
}

#[test]
fn every_socketio_reader_agrees_with_the_oracle_and_never_panics() {
    let inputs: u64 = std::env::var("FUZZ_INPUTS").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let seed: u64 = std::env::var("FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(11);
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let r = run(inputs, seed);
    std::panic::set_hook(hook);
    let c = &r.counts;
    println!(
        "fuzz socketio: {} inputs in {:.1} s ({:.0} inputs/s), panics {}, disagreements {}; packets accepted {}, round trips {}, open packets {}, not judged {}",
        r.inputs,
        r.secs,
        r.inputs as f64 / r.secs,
        r.panics,
        r.findings.len() as u64 - r.panics,
        c.accepted,
        c.round_trips,
        c.opens,
        c.unjudged
    );
    for f in r.findings.iter().take(std::env::var("FUZZ_SHOW").ok().and_then(|v| v.parse().ok()).unwrap_or(5)) {
        println!("  {f}");
    }
    assert!(r.findings.is_empty(), "{} findings (first above)", r.findings.len());
    // The run reached the interesting paths.
    assert!(c.accepted > inputs / 10 && c.round_trips > inputs / 20 && c.opens > inputs / 20, "too few accepted inputs");
}

#[test]
fn the_corpus_reads_as_captured() {
    let mut ok = 0;
    for line in CORPUS.lines() {
        let mut counts = Counts::default();
        check(line, &mut counts).unwrap_or_else(|e| panic!("{line}: {e}"));
        ok += socketio::read_frame(line).is_ok() as u32;
    }
    // 93 frames, of which these are refused: 7hello, 4, 4abc, 49, 42{}, 42[], 42abc[..],
    // 42["disconnect"], 42["echo",], 450-, 4511-, a placeholder out of range.
    assert_eq!(CORPUS.lines().count() - ok as usize, 12);
}

/// The attachment counter against a plain model, over random message sequences.
#[test]
fn reassembly_matches_a_counter() {
    let mut rng = Rng::new(5);
    let mut state = Reassembly::new();
    let mut left = 0u8;
    let mut index = 0u8;
    for step in 0..200_000 {
        match rng.below(3) {
            0 => {
                // A text message, maybe a binary header.
                let got = state.text();
                assert_eq!(got.is_err(), left > 0, "step {step}");
                let n = if rng.chance(40) { 1 + rng.below(10) as u8 } else { 0 };
                state.header(n);
                (left, index) = (n, 0);
            }
            1 | 2 => {
                let got = state.binary();
                if left == 0 {
                    assert_eq!(got, Err(SioError::UnexpectedBinary), "step {step}");
                } else {
                    let a = got.unwrap();
                    assert_eq!((a.index, a.complete), (index, left == 1), "step {step}");
                    left -= 1;
                    index += 1;
                }
            }
            _ => unreachable!(),
        }
        assert_eq!(state.pending(), left > 0);
    }
}
