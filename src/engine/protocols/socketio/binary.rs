//! Binary attachments. A BINARY_EVENT or BINARY_ACK header announces N attachments
//! (1 to 10); the next N WebSocket messages are binary and belong to it, in order.
//! Binary messages carry no Engine.IO type: every one of them is an attachment.
//!
//! [`Reassembly`] is the sans-IO state for that: it counts, and says which attachment a
//! binary message is and when the packet is complete. The bytes stay with the caller
//! (in the browser they are `ArrayBuffer`s that need never cross into the wasm).
//!
//! Both violations are protocol errors the Node server closes the connection for: a
//! text message before every attachment arrived (the partial packet is dropped), and a
//! binary message with no header waiting for it.
//!
//! [`check_placeholders`] checks the header's JSON: each attachment stands in it as a
//! `{"_placeholder":true,"num":k}` object, and the `num`s must be 0..N, each once.

#[allow(unused_imports)]
use crate::prelude::*;

use super::SioError;
use crate::engine::json::reader::{JsonResult, Reader, ValueKind};

/// Attachment reassembly: idle, or waiting for the rest of a packet's attachments.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reassembly {
    /// Attachments the pending packet announced (0: none pending).
    total: u8,
    /// Attachments received so far.
    got: u8,
}

/// Where a binary message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attachment {
    /// Its index in the pending packet: the `num` of the placeholder it replaces.
    pub index: u8,
    /// Whether it was the last one: the packet is complete.
    pub complete: bool,
}

impl Reassembly {
    pub fn new() -> Self {
        Reassembly::default()
    }

    /// Whether a packet waits for attachments.
    pub fn pending(&self) -> bool {
        self.total != 0
    }

    /// A text message arrived: call before reading it. An error if attachments were
    /// still pending; the partial packet is then dropped and the state is idle again.
    pub fn text(&mut self) -> Result<(), SioError> {
        if self.pending() {
            *self = Reassembly::new();
            return Err(SioError::TextDuringAttachments);
        }
        Ok(())
    }

    /// A packet announcing `attachments` (its [`super::Packet::attachments`]) was read
    /// from that text: wait for that many binary messages (none: nothing to do).
    pub fn header(&mut self, attachments: u8) {
        *self = Reassembly { total: attachments, got: 0 };
    }

    /// A binary message arrived: which attachment it is, or an error when no packet
    /// waits for one.
    pub fn binary(&mut self) -> Result<Attachment, SioError> {
        if !self.pending() {
            return Err(SioError::UnexpectedBinary);
        }
        let index = self.got;
        self.got += 1;
        let complete = self.got == self.total;
        if complete {
            *self = Reassembly::new();
        }
        Ok(Attachment { index, complete })
    }

    /// Forgets a pending packet (the WebSocket closed).
    pub fn reset(&mut self) {
        *self = Reassembly::new();
    }
}

/// Placeholders found in a part of the JSON: a bit per `num` seen, and whether one was
/// invalid (out of range, not a whole number, or seen twice).
#[derive(Default)]
struct Found {
    seen: u16,
    bad: bool,
}

impl Found {
    fn add(&mut self, bits: u16) {
        self.bad |= self.seen & bits != 0;
        self.seen |= bits;
    }
}

/// Checks that the placeholders in `json` (valid JSON, a binary packet's data) number
/// `attachments` exactly: each `num` in `0..attachments`, each once. A placeholder is
/// any object whose `_placeholder` is `true` (the last such key counts, as in
/// JSON.parse); it replaces the whole object, so nothing inside it is looked at.
pub fn check_placeholders(json: &str, attachments: u8) -> Result<(), SioError> {
    if attachments == 0 || attachments > super::packet::MAX_ATTACHMENTS {
        return Err(SioError::Attachments);
    }
    let mut found = Found::default();
    walk(&mut Reader::new(json), attachments, &mut found)?;
    let all = (1u32 << attachments) as u16 - 1;
    if found.bad || found.seen != all {
        return Err(SioError::Placeholders);
    }
    Ok(())
}

fn walk(r: &mut Reader<'_>, n: u8, found: &mut Found) -> JsonResult<()> {
    match r.peek_kind()? {
        ValueKind::Array => r.array(|r| walk(r, n, found)),
        ValueKind::Object => {
            // What the members hold counts only if this object is no placeholder.
            let mut inner = Found::default();
            let (mut placeholder, mut num) = (false, None);
            r.object(|r, key| {
                let kind = r.peek_kind()?;
                if key.eq_str("_placeholder") && kind == ValueKind::Bool {
                    placeholder = r.boolean()?;
                } else if key.eq_str("num") && kind == ValueKind::Number {
                    num = Some(r.number()?);
                } else {
                    if key.eq_str("_placeholder") {
                        placeholder = false;
                    } else if key.eq_str("num") {
                        num = None;
                    }
                    walk(r, n, &mut inner)?;
                }
                Ok(())
            })?;
            if !placeholder {
                found.bad |= inner.bad;
                found.add(inner.seen);
            } else {
                match num {
                    Some(k) if k >= 0.0 && k < n as f64 && crate::engine::float::fract(k) == 0.0 => found.add(1 << k as u32),
                    _ => found.bad = true,
                }
            }
            Ok(())
        }
        _ => r.skip().map(|_| ()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_the_attachments_of_a_header() {
        // 452-/guild/123,["echo",<0>,<1>] then <01 02>, <03 04>.
        let mut s = Reassembly::new();
        s.text().unwrap();
        s.header(2);
        assert!(s.pending());
        assert_eq!(s.binary(), Ok(Attachment { index: 0, complete: false }));
        assert_eq!(s.binary(), Ok(Attachment { index: 1, complete: true }));
        assert!(!s.pending());
        assert_eq!(s.text(), Ok(()));
        // A header without attachments waits for nothing.
        s.header(0);
        assert_eq!(s.binary(), Err(SioError::UnexpectedBinary));
    }

    #[test]
    fn text_before_the_last_attachment_drops_the_packet() {
        let mut s = Reassembly::new();
        s.header(2);
        s.binary().unwrap();
        assert_eq!(s.text(), Err(SioError::TextDuringAttachments));
        assert!(!s.pending());
        assert_eq!(s.text(), Ok(()));
        assert_eq!(s.binary(), Err(SioError::UnexpectedBinary));
        s.header(1);
        s.reset();
        assert_eq!(s.binary(), Err(SioError::UnexpectedBinary));
    }

    #[test]
    fn placeholders_number_the_attachments_once_each() {
        let one = r#"["file",{"name":"hello.bin","data":{"_placeholder":true,"num":0}}]"#;
        assert_eq!(check_placeholders(one, 1), Ok(()));
        let two = r#"["echo",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#;
        assert_eq!(check_placeholders(two, 2), Ok(()));
        assert_eq!(check_placeholders(r#"[{"num":1,"_placeholder":true},[[{"_placeholder":true,"num":0.0}]]]"#, 2), Ok(()));
        let ten: String = (0..10).map(|k| crate::cat!(r#"{"_placeholder":true,"num":"#, k as u32, "},")).collect();
        assert_eq!(check_placeholders(&crate::cat!("[", &ten, "1]"), 10), Ok(()));
        for (json, n) in [
            (one, 2),                                                            // one missing
            (two, 1),                                                            // num 1 out of range
            (r#"[{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}]"#, 2), // twice
            (r#"[{"_placeholder":true,"num":0.5}]"#, 1),
            (r#"[{"_placeholder":true,"num":-1}]"#, 1),
            (r#"[{"_placeholder":true,"num":"0"}]"#, 1),
            (r#"[{"_placeholder":true}]"#, 1),
            (r#"[{"_placeholder":true,"num":0,"num":null}]"#, 1),
            (r#"["x"]"#, 1),
        ] {
            assert_eq!(check_placeholders(json, n), Err(SioError::Placeholders), "{json} with {n}");
        }
        // Not placeholders: ordinary data.
        for json in [r#"[{"_placeholder":false,"num":0}]"#, r#"[{"_placeholder":"true","num":0}]"#, r#"[{"_placeholder":true,"_placeholder":false,"num":0}]"#] {
            assert_eq!(check_placeholders(json, 1), Err(SioError::Placeholders), "{json}");
            assert_eq!(check_placeholders(&json.replace("\"num\":0", "\"x\":{\"_placeholder\":true,\"num\":0}"), 1), Ok(()), "{json}");
        }
        // An escaped key is the same key; what a placeholder holds is not looked at.
        assert_eq!(check_placeholders(r#"[{"\u005fplaceholder":true,"n\u0075m":0}]"#, 1), Ok(()));
        assert_eq!(check_placeholders(r#"[{"_placeholder":true,"num":0,"x":{"_placeholder":true,"num":0}}]"#, 1), Ok(()));
    }
}
