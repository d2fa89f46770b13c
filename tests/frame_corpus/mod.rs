//! Frames for the differential and fuzz tests: a seeded generator of Calimero (and json
//! protocol) frames in every shape a server may write them, and a mutator that
//! truncates and corrupts them. Shared by `tests/browser_prereader.rs` (the JS
//! pre-reader against the Rust decoder, in a browser) and `tests/fuzz_decoders.rs`
//! (every decoder natively, against serde_json).
#![allow(dead_code)]

/// A small deterministic generator (xorshift64*), so a failing input can be replayed
/// from its seed and index.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A draw in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// Every event kind the default refresh rules know, plus kinds they do not.
pub const KINDS: &[&str] = &[
    "MessageSent", "MessageReceived", "ReactionUpdated", "MessageSentThread", "ChannelCreated", "ChannelJoined",
    "ChannelLeft", "ChannelInvited", "DMCreated", "DMDeleted", "InvitationAccepted", "NewIdentityUpdated",
    "InvitationPayloadUpdated", "ChatInitialized", "ChatJoined", "Unknown", "", "K", "VeryLongKindNameThatNoRuleNames",
];

/// Context ids: base58 of 32 bytes, as the node writes them, and a few odd ones.
pub const CONTEXTS: &[&str] = &[
    "29d2S7vB453rNYFdR5Ycwt7y9haRT5fwVwL9zTmBhfV2",
    "3JF3sEqM796hk5WFqA6EtmEwJQ9quALszsfJyvXNQKy3",
    "9YxHobM9hKQFzHHjg3FDtXmCreJWS7Epe1gG1t4jodi",
    "29d2S7vB453rNYFdR5Ycwt7y9haRT5fwVwL9zTmBhfV3", // shares a prefix with the first
    "short",
];

/// A JSON value to write out in one of several styles.
#[derive(Clone, Debug)]
pub enum J {
    Null,
    Bool(bool),
    /// A number, written as given.
    Num(String),
    /// A string, written with the style's escaping.
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

/// How a value is written.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Style {
    /// No white space (`JSON.stringify`, serde_json, the node).
    Compact,
    /// Python's `json.dumps` default: `", "` and `": "`, non-ASCII as `\u` escapes.
    Python,
    /// Indented by two spaces.
    Pretty,
}

fn write_str(out: &mut String, s: &str, style: Style, escape_all: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 || escape_all || (style == Style::Python && !c.is_ascii()) => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{:04x}", u));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl J {
    pub fn obj(members: &[(&str, J)]) -> J {
        J::Obj(members.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }
    pub fn s(v: &str) -> J {
        J::Str(v.to_string())
    }

    /// The value as text; `escape_names` writes every string as `\u` escapes.
    pub fn write(&self, style: Style, escape_names: bool) -> String {
        let mut out = String::new();
        self.write_to(&mut out, style, escape_names, 0);
        out
    }

    fn write_to(&self, out: &mut String, style: Style, esc: bool, depth: usize) {
        let (comma, colon) = match style {
            Style::Compact => (",", ":"),
            Style::Python => (", ", ": "),
            Style::Pretty => (",", ": "),
        };
        let newline = |out: &mut String, d: usize| {
            if style == Style::Pretty {
                out.push('\n');
                out.push_str(&"  ".repeat(d));
            }
        };
        match self {
            J::Null => out.push_str("null"),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Num(n) => out.push_str(n),
            J::Str(s) => write_str(out, s, style, esc),
            J::Arr(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(comma);
                    }
                    newline(out, depth + 1);
                    v.write_to(out, style, esc, depth + 1);
                }
                if !items.is_empty() {
                    newline(out, depth);
                }
                out.push(']');
            }
            J::Obj(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push_str(comma);
                    }
                    newline(out, depth + 1);
                    write_str(out, k, style, esc);
                    out.push_str(colon);
                    v.write_to(out, style, esc, depth + 1);
                }
                if !members.is_empty() {
                    newline(out, depth);
                }
                out.push('}');
            }
        }
    }

    /// Shuffles the keys of every object (a server that writes another key order).
    pub fn shuffle(&mut self, rng: &mut Rng) {
        match self {
            J::Arr(items) => items.iter_mut().for_each(|v| v.shuffle(rng)),
            J::Obj(members) => {
                for i in (1..members.len()).rev() {
                    members.swap(i, rng.below(i + 1));
                }
                members.iter_mut().for_each(|(_, v)| v.shuffle(rng));
            }
            _ => {}
        }
    }
}

/// The UTF-8 bytes of `text` as a JSON byte array, as the node writes event data.
pub fn bytes(text: &str) -> J {
    J::Arr(text.bytes().map(|b| J::Num(b.to_string())).collect())
}

/// What an event's application data may be.
fn event_data(rng: &mut Rng) -> J {
    match rng.below(10) {
        0 => J::Arr(vec![]),
        1 => bytes("{\"kind\":\"DMCreated\",\"text\":\"a nested kind inside the bytes\"}"),
        2 => bytes("{\"text\":\"héllo ✓\",\"_server_timestamp\":1764590000123}"),
        3 => J::obj(&[("kind", J::s("ChannelCreated"))]), // data as an object holding a kind
        4 => J::Arr(vec![J::Num("1".into()), J::Num("-2".into())]),
        5 => J::Arr(vec![J::Num("300".into()), J::Num("1.5".into()), J::Num("1e2".into())]),
        _ => bytes(&format!("{{\"id\":\"{}\",\"text\":\"message {}\"}}", rng.next() % 100_000, rng.next() % 1000)),
    }
}

/// An event object of `events[]`.
fn event(rng: &mut Rng, kind: &str) -> J {
    let handler = if rng.chance(80) { J::Null } else { J::s(rng.pick(&["onMessage", "handler\"q", "hé"])) };
    J::obj(&[("kind", J::s(kind)), ("data", event_data(rng)), ("handler", handler)])
}

fn random_event(rng: &mut Rng) -> J {
    let kind = rng_kind(rng);
    event(rng, kind)
}

/// A StateMutation frame (as a value), with the oddities that must not fool a reader.
pub fn state_mutation(rng: &mut Rng) -> J {
    let n = rng.pick(&[0usize, 1, 1, 2, 3, 3, 4, 5, 7]);
    let mut events: Vec<J> = (0..n).map(|_| random_event(rng)).collect();
    if rng.chance(5) {
        events.push(J::s("{\"kind\":\"DMCreated\"}")); // an event that is not an object
    }
    if rng.chance(5) {
        events.push(J::Num("7".into()));
    }
    if rng.chance(4) {
        events.push(J::obj(&[("kind", J::Num("3".into()))])); // a kind that is not a string
    }
    let mut data = vec![("newRoot".to_string(), J::s("5rMQrAzDE7zUqB8WQoE1GbNQdWu47yZ3Y5qiHEYrTDhs")), ("events".to_string(), J::Arr(events))];
    if rng.chance(8) {
        data.push(("meta".into(), J::obj(&[("kind", J::s("DMCreated"))]))); // a kind outside events[]
    }
    if rng.chance(3) {
        data.retain(|(k, _)| k != "newRoot");
    }
    let mut result = vec![("contextId".to_string(), J::s(rng.pick(CONTEXTS))), ("type".to_string(), J::s("StateMutation")), ("data".to_string(), J::Obj(data))];
    if rng.chance(3) {
        result.push(("kind".into(), J::s("ChatJoined"))); // a kind beside the envelope
    }
    J::obj(&[("id", J::Null), ("result", J::Obj(result))])
}

fn rng_kind(rng: &mut Rng) -> &'static str {
    if rng.chance(3) {
        return rng.pick(&["Messagé", "Kind\"Quoted", "Kind\\Back"]);
    }
    rng.pick(KINDS)
}

/// Any Calimero frame: events of every type, replies and errors.
pub fn calimero_frame(rng: &mut Rng) -> J {
    match rng.below(12) {
        0 => J::obj(&[("id", J::Num((rng.next() % 100).to_string())), ("result", J::obj(&[("contextIds", J::Arr(vec![J::s(rng.pick(CONTEXTS))]))]))]),
        1 => J::obj(&[("id", J::Num("2".into())), ("error", J::obj(&[("type", J::s("ParseError")), ("data", J::s("invalid length 3"))]))]),
        2 => J::obj(&[("id", J::Null), ("result", J::obj(&[("contextId", J::s(rng.pick(CONTEXTS))), ("type", J::s("Ephemeral")), ("data", J::obj(&[("author", J::s("a")), ("state", bytes("{\"typing\":true}")), ("ageMs", J::Num("900".into()))]))]))]),
        3 => J::obj(&[("id", J::Null), ("result", J::obj(&[("contextId", J::s(rng.pick(CONTEXTS))), ("type", J::s("ExecutionEvent")), ("data", J::obj(&[("events", J::Arr(vec![random_event(rng)]))]))]))]),
        4 => J::obj(&[("id", J::Null), ("result", J::obj(&[("groupId", J::s("ab".repeat(32).as_str())), ("type", J::s("MemberJoined")), ("data", J::obj(&[]))]))]),
        _ => state_mutation(rng),
    }
}

/// A json-protocol frame.
pub fn json_frame(rng: &mut Rng) -> J {
    let mut m = vec![("type".to_string(), J::s(rng_kind(rng)))];
    if rng.chance(70) {
        m.push(("contextId".into(), J::s(rng.pick(CONTEXTS))));
    }
    if rng.chance(60) {
        m.push(("seq".into(), J::Num((rng.next() % 1000).to_string())));
    }
    if rng.chance(50) {
        let stamp = rng.pick(&["1764590000123", "1764590000.5", "1e308", "-5", "\"soon\"", "{}", "null", "1764590000123456"]);
        // Written as raw JSON text: numbers of every unit, and garbage stamps.
        m.push(("_server_timestamp".into(), J::Num(stamp.to_string())));
    }
    if rng.chance(50) {
        m.push(("data".into(), J::obj(&[("text", J::s("hé")), ("kind", J::s("DMCreated"))])));
    }
    if rng.chance(10) {
        return J::obj(&[("type", J::s("pong")), ("id", J::Num("1".into()))]);
    }
    J::Obj(m)
}

/// Writes `v` in a random style, key order and escaping.
pub fn write_random(v: &J, rng: &mut Rng) -> String {
    let mut v = v.clone();
    if rng.chance(15) {
        v.shuffle(rng);
    }
    let style = match rng.below(10) {
        0 => Style::Python,
        1 => Style::Pretty,
        _ => Style::Compact,
    };
    v.write(style, rng.chance(5))
}

/// Truncates, corrupts or extends `text` (on char boundaries, so it stays a string).
pub fn mutate(text: &str, rng: &mut Rng) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return "{".into();
    }
    let at = rng.below(chars.len());
    const NOISE: &[char] = &['"', '\\', '{', '}', '[', ']', ',', ':', '0', '9', '-', 'e', ' ', '\u{0}', 'é', '\u{2028}', 'n'];
    let mut out: Vec<char> = chars.clone();
    match rng.below(6) {
        0 => out.truncate(at),
        1 => out[at] = rng.pick(NOISE),
        2 => out.insert(at, rng.pick(NOISE)),
        3 => {
            out.remove(at);
        }
        4 => {
            // Repeat a slice (duplicated keys, doubled events).
            let end = (at + 1 + rng.below(40)).min(chars.len());
            let piece: Vec<char> = chars[at..end].to_vec();
            let pos = rng.below(out.len() + 1);
            out.splice(pos..pos, piece);
        }
        _ => out.push(rng.pick(NOISE)),
    }
    out.into_iter().collect()
}

/// One input of the stream `seed`: a well-formed frame most of the time, else a
/// mutated one (several mutations now and then).
pub fn input(rng: &mut Rng, json: bool) -> String {
    let v = if json { json_frame(rng) } else { calimero_frame(rng) };
    let mut text = write_random(&v, rng);
    if rng.chance(40) {
        for _ in 0..1 + rng.below(3) {
            text = mutate(&text, rng);
        }
    }
    text
}
