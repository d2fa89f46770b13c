//! Payload encodings an app's server wraps its event arguments in (`payloadEncoding`):
//! `base64json`, an argument that is the base64 text of a JSON value (UTF-8). Decoding
//! yields that JSON's text, validated, so the app receives the value, not the wrapper.

#[allow(unused_imports)]
use crate::prelude::*;

/// The value of one base64 digit (standard or URL-safe alphabet), or `None`.
fn digit(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    } as u32)
}

/// The bytes of base64 `text` (padding optional), or why not.
pub(crate) fn base64(text: &str) -> Result<Vec<u8>, &'static str> {
    let body = text.trim_end_matches('=');
    if text.len() - body.len() > 2 || body.len() % 4 == 1 {
        return Err("not base64 (length)");
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in body.as_bytes() {
        acc = (acc << 6) | digit(c).ok_or("not base64 (a character outside the alphabet)")?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

/// The JSON text a `base64json` argument carries, or why it does not carry one.
pub(crate) fn base64json(text: &str) -> Result<String, &'static str> {
    let bytes = base64(text)?;
    let json = String::from_utf8(bytes).map_err(|_| "base64 of text that is not UTF-8")?;
    crate::engine::json::reader::validate(&json).map_err(|_| "base64 of text that is not JSON")?;
    Ok(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_base64_of_json() {
        // btoa(JSON.stringify({track:"é",n:1}))
        assert_eq!(base64json("eyJ0cmFjayI6IsOpIiwibiI6MX0=").unwrap(), r#"{"track":"é","n":1}"#);
        assert_eq!(base64json("eyJ0cmFjayI6IsOpIiwibiI6MX0").unwrap(), r#"{"track":"é","n":1}"#, "padding is optional");
        assert_eq!(base64("").unwrap(), b"");
        assert!(base64json("not base64!").is_err());
        assert!(base64json("aGVsbG8=").is_err(), "base64 of `hello`: not JSON");
        assert!(base64("a").is_err() && base64("YQ===").is_err());
    }
}
