//! Socket.IO over WebSocket: the wire codec, sans-IO (no socket, no clock). It speaks
//! Engine.IO protocol 4 with Socket.IO protocol 5 inside (what Socket.IO 3 and 4 servers
//! speak, Node's and python-socketio alike), over the WebSocket transport only: no
//! long-polling, no upgrade, the default parser (JSON, not msgpack).
//!
//! Layers: each WebSocket text message is one Engine.IO packet, a type digit and its
//! payload (`0` open, `1` close, `2` ping, `3` pong, `4` message, `5` upgrade, `6`
//! noop); the payload of a `4` is one Socket.IO packet (`2["name",...]`). A binary
//! WebSocket message has no type: it is an attachment of the binary packet just read.
//!
//! - [`packet`]: reading a text message ([`read_frame`]) and a Socket.IO packet
//!   ([`read_packet`]), borrowed from the text;
//! - [`write`]: the packets a client sends (CONNECT, DISCONNECT, EVENT, ACK, pong);
//! - [`handshake`]: the open packet, and the heartbeat deadline and frame limit it sets;
//! - [`binary`]: counting a binary packet's attachments, and checking its placeholders;
//! - [`error`]: [`SioError`], why a frame could not be read or written.
//!
//! Only servers ping: the client answers each `2` with `3` at once, and deems the
//! connection lost [`Handshake::heartbeat_deadline`] after the open packet or the
//! last ping. Ack ids belong to their sender and are echoed, never inferred.

#[allow(unused_imports)]
use crate::prelude::*;

pub mod binary;
pub mod error;
pub mod handshake;
pub mod packet;
pub mod write;

pub use binary::{check_placeholders, Attachment, Reassembly};
pub use error::SioError;
pub use handshake::{read_open, Handshake};
pub use packet::{read_frame, read_packet, Engine, EventName, Kind, Packet};

pub mod codec;
pub(crate) mod payload;
pub use codec::{check_namespace, SocketIo};
