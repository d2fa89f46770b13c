//! Why a Socket.IO frame could not be read or written: one small enum for every layer
//! (Engine.IO type, Socket.IO header, JSON payload, open packet, attachments, writer
//! input), each variant with a fixed message.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::engine::json::reader::JsonError;

/// What went wrong with a Socket.IO frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SioError {
    /// An empty text message: it has no Engine.IO type.
    Empty,
    /// The first character is not an Engine.IO packet type (`0` to `6`).
    EngineType,
    /// The Socket.IO type is missing or not `0` to `6`.
    PacketType,
    /// A binary packet's attachment count is not 1 to 10 followed by `-`.
    Attachments,
    /// The ack id is beyond 2^53-1 (JavaScript's largest exact integer).
    AckId,
    /// An ack id where the type takes none (CONNECT, DISCONNECT, CONNECT_ERROR), or
    /// none on an ACK.
    MisplacedAckId,
    /// The JSON part is not JSON (or nests too deep).
    Json(JsonError),
    /// The JSON part is JSON but not what the packet type requires (the text says what).
    Payload(&'static str),
    /// An event named after one of the reserved events (`connect`, `disconnect`, ...).
    ReservedName,
    /// The open packet lacks this field or holds something else in it.
    Handshake(&'static str),
    /// The `{"_placeholder":true,"num":k}` objects of a binary packet do not number its
    /// attachments 0..N exactly once each.
    Placeholders,
    /// A text message arrived while a binary packet still waited for attachments.
    TextDuringAttachments,
    /// A binary message arrived with no binary packet waiting for it.
    UnexpectedBinary,
    /// A writer was given a namespace that is neither `/` nor `/name` without `,`.
    Namespace,
}

impl From<JsonError> for SioError {
    fn from(e: JsonError) -> Self {
        SioError::Json(e)
    }
}

/// The error as a message (a `crate::cat!` piece).
impl crate::engine::text::Piece for SioError {
    fn push_to(&self, out: &mut String) {
        let text = match self {
            SioError::Empty => "empty message",
            SioError::EngineType => "unknown Engine.IO packet type",
            SioError::PacketType => "unknown Socket.IO packet type",
            SioError::Attachments => "illegal attachment count (1 to 10, then '-')",
            SioError::AckId => "ack id beyond 2^53-1",
            SioError::MisplacedAckId => "ack id missing on an ACK, or on a packet that takes none",
            SioError::Json(e) => {
                out.push_str("payload is not JSON: ");
                return e.push_to(out);
            }
            SioError::Payload(what) => {
                out.push_str("invalid payload: ");
                what
            }
            SioError::ReservedName => "reserved event name",
            SioError::Handshake(field) => {
                out.push_str("open packet: missing or invalid ");
                field
            }
            SioError::Placeholders => "attachment placeholders do not number the attachments once each",
            SioError::TextDuringAttachments => "text message while binary attachments are pending",
            SioError::UnexpectedBinary => "binary message with no packet awaiting attachments",
            SioError::Namespace => "a namespace is \"/\" or starts with '/' and holds no ','",
        };
        out.push_str(text)
    }
}

/// The message, for native callers (the wasm keeps `core::fmt` out).
#[cfg(not(target_arch = "wasm32"))]
impl std::fmt::Display for SioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::cat!(self))
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl std::error::Error for SioError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_problem() {
        assert_eq!(crate::cat!(SioError::Payload("x")), "invalid payload: x");
        assert_eq!(crate::cat!(SioError::Handshake("pingInterval")), "open packet: missing or invalid pingInterval");
        assert_eq!(crate::cat!(SioError::Json(JsonError::Eof(3))), "payload is not JSON: JSON ends early at byte 3");
        #[cfg(not(target_arch = "wasm32"))]
        assert_eq!(SioError::ReservedName.to_string(), "reserved event name");
    }
}
