//! A small zero-copy JSON reader.
//!
//! The hot path only needs a few fields of each frame (context id, type, event kinds,
//! ids, sequence numbers, timestamps) and must reject malformed text, so this reader
//! validates while it walks and hands back borrowed slices instead of building a tree.
//! It is what keeps `serde_json` out of the wasm binary.

#[allow(unused_imports)]
use crate::prelude::*;

use alloc::borrow::Cow;

/// Nesting deeper than this is refused, so hostile input cannot blow the stack.
pub const MAX_DEPTH: u32 = 64;

/// Why a text is not the JSON we expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonError {
    /// Input ended inside a value.
    Eof(usize),
    /// An unexpected byte at this offset.
    Unexpected(usize),
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep(usize),
    /// Valid JSON text followed by more text.
    Trailing(usize),
}

impl JsonError {
    /// Byte offset where the problem was found.
    pub fn offset(self) -> usize {
        match self {
            JsonError::Eof(p) | JsonError::Unexpected(p) | JsonError::TooDeep(p) | JsonError::Trailing(p) => p,
        }
    }
}

/// The error as a message (`crate::cat!` piece; `to_message()` for a `String`).
impl crate::engine::text::Piece for JsonError {
    fn push_to(&self, out: &mut String) {
        let (what, p) = match *self {
            JsonError::Eof(p) => ("JSON ends early at byte ", p),
            JsonError::Unexpected(p) => ("unexpected character at byte ", p),
            JsonError::TooDeep(p) => return crate::engine::text::Piece::push_to(&crate::cat!("JSON nested deeper than ", MAX_DEPTH, " at byte ", p), out),
            JsonError::Trailing(p) => ("extra text after JSON at byte ", p),
        };
        out.push_str(what);
        crate::engine::text::push_digits(out, p as u64);
    }
}

/// The message, for native callers (the wasm keeps `core::fmt` out).
#[cfg(not(target_arch = "wasm32"))]
impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::cat!(self))
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl std::error::Error for JsonError {}

pub type JsonResult<T> = Result<T, JsonError>;

/// A string as it stands in the source, between its quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawStr<'a> {
    /// The text between the quotes, escapes untouched.
    pub raw: &'a str,
    /// Whether `raw` contains a backslash escape.
    pub escaped: bool,
}

impl<'a> RawStr<'a> {
    /// Compares the unescaped value with `lit` (allocates only when escaped).
    pub fn eq_str(&self, lit: &str) -> bool {
        if self.escaped {
            self.value() == lit
        } else {
            self.raw == lit
        }
    }

    /// The unescaped value.
    pub fn value(&self) -> Cow<'a, str> {
        if !self.escaped {
            return Cow::Borrowed(self.raw);
        }
        Cow::Owned(unescape(self.raw))
    }
}

/// Kinds of JSON values, as told by their first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

/// A cursor over JSON text.
pub struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: u32,
}

impl<'a> Reader<'a> {
    pub fn new(text: &'a str) -> Self {
        Reader { text, bytes: text.as_bytes(), pos: 0, depth: 0 }
    }

    /// Current byte offset.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// The source text.
    pub fn text(&self) -> &'a str {
        self.text
    }

    fn skip_ws(&mut self) {
        while let Some(&b) = self.bytes.get(self.pos) {
            if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn expect(&mut self, want: u8) -> JsonResult<()> {
        self.skip_ws();
        match self.bytes.get(self.pos) {
            Some(&b) if b == want => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => Err(JsonError::Unexpected(self.pos)),
            None => Err(JsonError::Eof(self.pos)),
        }
    }

    /// The kind of the next value, without consuming it.
    pub fn peek_kind(&mut self) -> JsonResult<ValueKind> {
        self.skip_ws();
        match self.bytes.get(self.pos) {
            None => Err(JsonError::Eof(self.pos)),
            Some(b'{') => Ok(ValueKind::Object),
            Some(b'[') => Ok(ValueKind::Array),
            Some(b'"') => Ok(ValueKind::String),
            Some(b't' | b'f') => Ok(ValueKind::Bool),
            Some(b'n') => Ok(ValueKind::Null),
            Some(b'-' | b'0'..=b'9') => Ok(ValueKind::Number),
            Some(_) => Err(JsonError::Unexpected(self.pos)),
        }
    }

    /// Checks that nothing but white space follows.
    pub fn finish(&mut self) -> JsonResult<()> {
        self.skip_ws();
        if self.pos == self.bytes.len() {
            Ok(())
        } else {
            Err(JsonError::Trailing(self.pos))
        }
    }

    /// Reads a string value.
    pub fn string(&mut self) -> JsonResult<RawStr<'a>> {
        self.expect(b'"')?;
        let start = self.pos;
        let mut escaped = false;
        loop {
            let Some(&b) = self.bytes.get(self.pos) else {
                return Err(JsonError::Eof(self.pos));
            };
            match b {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    match self.bytes.get(self.pos + 1) {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.pos += 2,
                        Some(b'u') => {
                            let hex = self.bytes.get(self.pos + 2..self.pos + 6).ok_or(JsonError::Eof(self.pos))?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return Err(JsonError::Unexpected(self.pos));
                            }
                            self.pos += 6;
                        }
                        Some(_) => return Err(JsonError::Unexpected(self.pos + 1)),
                        None => return Err(JsonError::Eof(self.pos + 1)),
                    }
                }
                0..=0x1f => return Err(JsonError::Unexpected(self.pos)),
                _ => self.pos += 1,
            }
        }
        let raw = slice(self.text, start, self.pos);
        self.pos += 1;
        Ok(RawStr { raw, escaped })
    }

    /// Reads a number and returns its text.
    pub fn number_text(&mut self) -> JsonResult<&'a str> {
        self.skip_ws();
        let start = self.pos;
        let b = self.bytes;
        if b.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        match b.get(self.pos) {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            Some(_) => return Err(JsonError::Unexpected(self.pos)),
            None => return Err(JsonError::Eof(self.pos)),
        }
        if b.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            self.require_digits()?;
        }
        if matches!(b.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(b.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            self.require_digits()?;
        }
        Ok(slice(self.text, start, self.pos))
    }

    fn digits(&mut self) {
        while matches!(self.bytes.get(self.pos), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }

    fn require_digits(&mut self) -> JsonResult<()> {
        match self.bytes.get(self.pos) {
            Some(b'0'..=b'9') => {
                self.digits();
                Ok(())
            }
            Some(_) => Err(JsonError::Unexpected(self.pos)),
            None => Err(JsonError::Eof(self.pos)),
        }
    }

    /// Reads a number as `f64` (exact for integers up to 2^53; within an ulp or two
    /// otherwise, which is all ids, sequence numbers and timestamps need).
    pub fn number(&mut self) -> JsonResult<f64> {
        let t = self.number_text()?;
        Ok(parse_number(t))
    }

    fn literal(&mut self, word: &[u8]) -> JsonResult<()> {
        self.skip_ws();
        let end = self.pos + word.len();
        match self.bytes.get(self.pos..end) {
            Some(s) if s == word => {
                self.pos = end;
                Ok(())
            }
            Some(_) => Err(JsonError::Unexpected(self.pos)),
            None => Err(JsonError::Eof(self.pos)),
        }
    }

    /// Reads `null` if it is next; returns whether it was.
    pub fn null(&mut self) -> JsonResult<bool> {
        if self.peek_kind()? == ValueKind::Null {
            self.literal(b"null")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// Reads `true` or `false`.
    pub fn boolean(&mut self) -> JsonResult<bool> {
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b't') {
            self.literal(b"true").map(|_| true)
        } else {
            self.literal(b"false").map(|_| false)
        }
    }

    fn enter(&mut self) -> JsonResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(JsonError::TooDeep(self.pos));
        }
        Ok(())
    }

    /// Walks an object, calling `f(reader, key)` for each member; `f` must consume the
    /// member's value (read it, or call [`Reader::skip`]).
    pub fn object(&mut self, mut f: impl FnMut(&mut Self, RawStr<'a>) -> JsonResult<()>) -> JsonResult<()> {
        self.object_dyn(&mut f)
    }

    /// The one (non-generic) body of [`Reader::object`], so each caller's closure does
    /// not get a copy of it.
    fn object_dyn(&mut self, f: &mut dyn FnMut(&mut Self, RawStr<'a>) -> JsonResult<()>) -> JsonResult<()> {
        self.expect(b'{')?;
        self.enter()?;
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(());
        }
        loop {
            let key = self.string()?;
            self.expect(b':')?;
            f(self, key)?;
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                Some(_) => return Err(JsonError::Unexpected(self.pos)),
                None => return Err(JsonError::Eof(self.pos)),
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// Walks an array, calling `f(reader)` for each element; `f` must consume it.
    pub fn array(&mut self, mut f: impl FnMut(&mut Self) -> JsonResult<()>) -> JsonResult<()> {
        self.array_dyn(&mut f)
    }

    fn array_dyn(&mut self, f: &mut dyn FnMut(&mut Self) -> JsonResult<()>) -> JsonResult<()> {
        self.expect(b'[')?;
        self.enter()?;
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b']') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(());
        }
        loop {
            f(self)?;
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                Some(_) => return Err(JsonError::Unexpected(self.pos)),
                None => return Err(JsonError::Eof(self.pos)),
            }
        }
        self.depth -= 1;
        Ok(())
    }

    /// Skips (and validates) any value; returns its byte span. Containers are walked
    /// in a plain loop (no callback per element): skipping is most of the work on
    /// frames with byte-array data.
    pub fn skip(&mut self) -> JsonResult<(usize, usize)> {
        self.skip_ws();
        let start = self.pos;
        match self.peek_kind()? {
            ValueKind::Object => {
                self.expect(b'{')?;
                self.enter()?;
                self.skip_ws();
                if self.bytes.get(self.pos) == Some(&b'}') {
                    self.pos += 1;
                } else {
                    loop {
                        self.string()?;
                        self.expect(b':')?;
                        self.skip()?;
                        if self.list_end(b'}')? {
                            break;
                        }
                    }
                }
                self.depth -= 1;
            }
            ValueKind::Array => {
                self.expect(b'[')?;
                self.enter()?;
                self.skip_ws();
                if self.bytes.get(self.pos) == Some(&b']') {
                    self.pos += 1;
                } else {
                    loop {
                        self.skip_ws();
                        // Whole numbers (byte arrays) take a short cut.
                        if !self.skip_digits() {
                            self.skip()?;
                        }
                        if self.list_end(b']')? {
                            break;
                        }
                    }
                }
                self.depth -= 1;
            }
            ValueKind::String => {
                self.string()?;
            }
            ValueKind::Number => {
                self.number_text()?;
            }
            ValueKind::Bool => {
                self.boolean()?;
            }
            ValueKind::Null => self.literal(b"null")?,
        }
        Ok((start, self.pos))
    }

    /// Skips a plain whole number (`0` or `[1-9][0-9]*` followed by `,`, `]` or white
    /// space); returns false, consuming nothing, for anything else.
    fn skip_digits(&mut self) -> bool {
        let b = self.bytes;
        let start = self.pos;
        let mut i = start;
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                i += 1;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
            }
            _ => return false,
        }
        if matches!(b.get(i), Some(b',' | b']' | b' ' | b'\n' | b'\r' | b'\t')) {
            self.pos = i;
            true
        } else {
            false
        }
    }

    /// Skips an array like [`Reader::skip`] and, when it is a byte array (whole numbers
    /// 0..=255), also returns its bytes, read in the same walk. Anything else in it
    /// (signs, fractions, larger numbers, nesting) falls back to `skip` with no bytes.
    pub fn byte_array(&mut self) -> JsonResult<(usize, usize, Option<Vec<u8>>)> {
        self.skip_ws();
        let start = self.pos;
        if let Some(bytes) = self.bytes_fast() {
            return Ok((start, self.pos, Some(bytes)));
        }
        self.pos = start;
        let (a, b) = self.skip()?;
        Ok((a, b, None))
    }

    /// The fast path of [`Reader::byte_array`]; `None` (position unspecified) when the
    /// array is not a plain byte array.
    fn bytes_fast(&mut self) -> Option<Vec<u8>> {
        let b = self.bytes;
        if b.get(self.pos) != Some(&b'[') || self.depth >= MAX_DEPTH {
            return None;
        }
        self.pos += 1;
        let mut out = Vec::with_capacity((b.len() - self.pos) / 3);
        self.skip_ws();
        if b.get(self.pos) == Some(&b']') {
            self.pos += 1;
            return Some(out);
        }
        loop {
            self.skip_ws();
            let mut i = self.pos;
            let v: u32 = match b.get(i) {
                Some(b'0') => {
                    i += 1;
                    0
                }
                Some(&d @ b'1'..=b'9') => {
                    let mut v = (d - b'0') as u32;
                    i += 1;
                    while let Some(&d @ b'0'..=b'9') = b.get(i) {
                        v = v * 10 + (d - b'0') as u32;
                        i += 1;
                        if v > 255 {
                            return None;
                        }
                    }
                    v
                }
                _ => return None,
            };
            out.push(v as u8);
            self.pos = i;
            self.skip_ws();
            match b.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Some(out);
                }
                _ => return None,
            }
        }
    }

    /// After a member or element: `,` (more follow, `false`) or `close` (`true`).
    fn list_end(&mut self, close: u8) -> JsonResult<bool> {
        self.skip_ws();
        match self.bytes.get(self.pos) {
            Some(b',') => {
                self.pos += 1;
                Ok(false)
            }
            Some(&b) if b == close => {
                self.pos += 1;
                Ok(true)
            }
            Some(_) => Err(JsonError::Unexpected(self.pos)),
            None => Err(JsonError::Eof(self.pos)),
        }
    }

    /// Reads a string if one is next, else skips the value and gives `None`.
    pub fn string_or_skip(&mut self) -> JsonResult<Option<RawStr<'a>>> {
        if self.peek_kind()? == ValueKind::String {
            self.string().map(Some)
        } else {
            self.skip().map(|_| None)
        }
    }

    /// Reads a number if one is next, else skips the value and gives `None`.
    pub fn number_or_skip(&mut self) -> JsonResult<Option<f64>> {
        if self.peek_kind()? == ValueKind::Number {
            self.number().map(Some)
        } else {
            self.skip().map(|_| None)
        }
    }
}

/// The value of validated JSON number text, without the standard library's float
/// parser (which is large in wasm).
fn parse_number(t: &str) -> f64 {
    let b = t.as_bytes();
    let mut i = 0;
    let neg = b.first() == Some(&b'-');
    if neg {
        i += 1;
    }
    let mut mant: u64 = 0;
    let mut exp10: i32 = 0;
    let digit = |d: u8, frac: bool, mant: &mut u64, exp10: &mut i32| {
        if *mant < 100_000_000_000_000_000 {
            *mant = *mant * 10 + (d - b'0') as u64;
            if frac {
                *exp10 -= 1;
            }
        } else if !frac {
            *exp10 += 1;
        }
    };
    while i < b.len() && b[i].is_ascii_digit() {
        digit(b[i], false, &mut mant, &mut exp10);
        i += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            digit(b[i], true, &mut mant, &mut exp10);
            i += 1;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        let eneg = b.get(i) == Some(&b'-');
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let mut e: i32 = 0;
        while i < b.len() && b[i].is_ascii_digit() {
            e = (e * 10 + (b[i] - b'0') as i32).min(10_000);
            i += 1;
        }
        exp10 += if eneg { -e } else { e };
    }
    let mut v = mant as f64;
    if exp10 > 0 {
        v *= crate::engine::float::powi(10.0, exp10.min(400));
    } else if exp10 < 0 {
        // Dividing by an exact power of ten is more precise than multiplying by 1e-k.
        let k = (-exp10).min(400);
        v = if k <= 22 { v / crate::engine::float::powi(10.0, k) } else { v / 1e22 / crate::engine::float::powi(10.0, k - 22) };
    }
    if neg {
        -v
    } else {
        v
    }
}

/// `&text[a..b]`, or `""` when that is not a slice of `text`. Every slice the reader
/// takes is on char boundaries; using `get` keeps the panic path (and the `Debug`
/// formatting and Unicode tables it drags in) out of the wasm.
pub fn slice(text: &str, a: usize, b: usize) -> &str {
    text.get(a..b).unwrap_or("")
}

/// Checks that `text` is exactly one JSON value.
pub fn validate(text: &str) -> JsonResult<()> {
    let mut r = Reader::new(text);
    r.skip()?;
    r.finish()
}

/// Unescapes the inside of a JSON string that the [`Reader`] has validated.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hi = hex4(&mut chars);
                let code = if (0xD800..0xDC00).contains(&hi) {
                    // A surrogate pair: the low half must follow as another \u escape.
                    let mut look = chars.clone();
                    if look.next() == Some('\\') && look.next() == Some('u') {
                        let lo = hex4(&mut look);
                        if (0xDC00..0xE000).contains(&lo) {
                            chars = look;
                            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                        } else {
                            0xFFFD
                        }
                    } else {
                        0xFFFD
                    }
                } else {
                    hi
                };
                out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

fn hex4(chars: &mut ::core::str::Chars<'_>) -> u32 {
    let mut v = 0;
    for _ in 0..4 {
        v = v * 16 + chars.next().and_then(|c| c.to_digit(16)).unwrap_or(0);
    }
    v
}

/// Appends `s` to `out` as a quoted JSON string (lives in [`crate::engine::text`], the
/// lowest layer, so that text and the reader do not import each other).
pub use crate::engine::text::write_string;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_arrays_are_read_in_the_walk_and_anything_else_is_skipped() {
        let bytes = |t: &str| {
            let mut r = Reader::new(t);
            r.byte_array().map(|(a, b, v)| (a, b, v, r.finish().is_ok()))
        };
        assert_eq!(bytes(" [1, 0,255 ]"), Ok((1, 12, Some(std::vec![1, 0, 255]), true)));
        assert_eq!(bytes("[]"), Ok((0, 2, Some(std::vec![]), true)));
        for not_bytes in ["[256]", "[-1]", "[1.5]", "[1e2]", "[[1]]", "[\"a\"]", "[1,null]"] {
            let (a, b, v, done) = bytes(not_bytes).unwrap();
            assert_eq!((a, b, v, done), (0, not_bytes.len(), None, true), "{not_bytes}");
        }
        for bad in ["[01]", "[1,]", "[1 2]", "[1", "[,1]"] {
            assert!(bytes(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn validates_good_and_bad_text() {
        for good in ["{}", "[]", "0", "-1.5e+3", "\"a\\u00e9\\n\"", "{\"a\":[1,{\"b\":null}],\"c\":true}", " [ 1 , 2 ] "] {
            assert_eq!(validate(good), Ok(()), "{good}");
        }
        for bad in ["", "{", "{\"a\"}", "[1,]", "01", "1.", "tru", "\"a", "{\"a\":1}x", "{'a':1}", "\"\\x\"", "[1 2]"] {
            assert!(validate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn numbers_parse_without_the_float_parser() {
        for (t, v) in [("0", 0.0), ("-12", -12.0), ("1.5", 1.5), ("1763900000123", 1763900000123.0), ("1e3", 1000.0),
            ("2.5E-2", 0.025), ("9007199254740991", 9007199254740991.0), ("1763900000.123", 1763900000.123), ("-0.5", -0.5)]
        {
            let mut r = Reader::new(t);
            let got = r.number().unwrap();
            assert!((got - v).abs() <= v.abs() * 1e-15, "{t}: {got} != {v}");
        }
        let mut r = Reader::new("1763900000123456789");
        assert!((r.number().unwrap() - 1.763_900_000_123_456_8e18).abs() < 1e4);
    }

    #[test]
    fn refuses_deep_nesting() {
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert!(matches!(validate(&deep), Err(JsonError::TooDeep(_))));
        let ok = "[".repeat(60) + &"]".repeat(60);
        assert_eq!(validate(&ok), Ok(()));
    }

    #[test]
    fn unescapes_strings() {
        let mut r = Reader::new(r#""a\"b\\c\u00e9\ud83d\ude00""#);
        let s = r.string().unwrap();
        assert!(s.escaped);
        assert_eq!(s.value(), "a\"b\\cé😀");
        assert!(s.eq_str("a\"b\\cé😀"));
    }

    #[test]
    fn walks_objects_with_borrowed_keys() {
        let mut r = Reader::new(r#"{"x": 1, "y": "two", "z": [3]}"#);
        let mut seen = Vec::new();
        r.object(|r, k| {
            seen.push(k.raw.to_string());
            r.skip().map(|_| ())
        })
        .unwrap();
        assert_eq!(seen, ["x", "y", "z"]);
    }

    #[test]
    fn writes_escaped_strings() {
        let mut out = String::new();
        write_string(&mut out, "a\"b\n\u{1}");
        assert_eq!(out, r#""a\"b\n\u0001""#);
        assert_eq!(validate(&out), Ok(()));
    }
}
