//! Text helpers the codecs share: JSON string arrays, URL encoding, and cutting a member
//! out of a frame's text (the timestamp field) without re-serializing it.

#[allow(unused_imports)]
use crate::prelude::*;

/// Writes `items` as a JSON array of strings.
#[cfg(any(feature = "calimero", feature = "json"))]
pub(crate) fn write_str_array(out: &mut String, items: &[String]) {
    out.push('[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        crate::engine::json::reader::write_string(out, s);
    }
    out.push(']');
}

/// `base` with `token` appended as `?token=` (or `&token=`), URL-encoded.
pub(crate) fn with_token(base: &str, token: Option<&str>) -> String {
    let mut url = base.to_string();
    if let Some(token) = token {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str("token=");
        percent_encode(&mut url, token);
    }
    url
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub(crate) fn percent_encode(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
}

/// A byte offset of `inner` (a slice of `outer`) within `outer`.
pub(crate) fn offset_in(outer: &str, inner: &str) -> usize {
    inner.as_ptr() as usize - outer.as_ptr() as usize
}

/// Removes the member whose key starts at `key_start` and whose value ends at
/// `value_end`, with the comma that joins it to its neighbour.
pub(crate) fn member_removal(text: &str, key_start: usize, value_end: usize) -> (usize, usize) {
    let b = text.as_bytes();
    let mut end = value_end;
    while end < b.len() && b[end].is_ascii_whitespace() {
        end += 1;
    }
    if b.get(end) == Some(&b',') {
        return (key_start, end + 1);
    }
    let mut start = key_start;
    while start > 0 && b[start - 1].is_ascii_whitespace() {
        start -= 1;
    }
    if start > 0 && b[start - 1] == b',' {
        return (start - 1, value_end);
    }
    (key_start, value_end)
}

/// Applies sorted, non-overlapping `(start, end, replacement)` edits to `text[from..to]`.
pub(crate) fn apply_edits(text: &str, from: usize, to: usize, edits: &[(usize, usize, String)]) -> String {
    let mut out = String::with_capacity(to - from);
    let mut at = from;
    for (s, e, rep) in edits {
        out.push_str(crate::engine::json::reader::slice(text, at, *s));
        out.push_str(rep);
        at = *e;
    }
    out.push_str(crate::engine::json::reader::slice(text, at, to));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_removal_takes_one_comma() {
        let t = r#"{"a":1,"b":2,"c":3}"#;
        // remove "b"
        let (s, e) = member_removal(t, 7, 12);
        assert_eq!(format!("{}{}", &t[..s], &t[e..]), r#"{"a":1,"c":3}"#);
        // remove last "c"
        let (s, e) = member_removal(t, 13, 18);
        assert_eq!(format!("{}{}", &t[..s], &t[e..]), r#"{"a":1,"b":2}"#);
        // remove only member
        let t = r#"{"a":1}"#;
        let (s, e) = member_removal(t, 1, 6);
        assert_eq!(format!("{}{}", &t[..s], &t[e..]), "{}");
    }
}
