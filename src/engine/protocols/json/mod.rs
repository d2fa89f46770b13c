//! The generic JSON event protocol (written down in `docs/json-protocol.md`): one
//! event object per text frame, `{type, contextId?, data, seq?, _server_timestamp?}`,
//! requests `{"type":"subscribe"|"unsubscribe","contextIds":[..]}` without ids, a
//! heartbeat `ping` answered by a frame of type `pongType`.
//!
//! - [`decode`]: reading frames, and the app-facing text of a delivered one.
//!
//! It has no JS pre-reader: every frame goes to [`decode`].

#[allow(unused_imports)]
use crate::prelude::*;

pub mod decode;

pub use decode::{decode, normalize};

use super::frame_text::write_str_array;
use super::stamp::split_path;
use super::{Codec, FrameError, Inbound, Probe, Settings, Stamped};

/// The json codec: where the timestamp is, what a pong is, what the probe sends.
#[derive(Debug, Clone)]
pub struct Json {
    timestamp_path: Vec<String>,
    pong_type: String,
    ping_message: String,
}

/// `{"type":"subscribe"|"unsubscribe","contextIds":[..]}`: json requests carry no id.
fn ids_request(method: &str, ids: &[String]) -> String {
    let mut out = String::with_capacity(48 + ids.len() * 48);
    out.push_str("{\"type\":\"");
    out.push_str(method);
    out.push_str("\",\"contextIds\":");
    write_str_array(&mut out, ids);
    out.push('}');
    out
}

impl Codec for Json {
    fn new(settings: &Settings<'_>) -> Self {
        Json {
            timestamp_path: split_path(settings.timestamp_field),
            pong_type: settings.pong_type.into(),
            ping_message: settings.ping_message.into(),
        }
    }

    #[inline]
    fn decode<'a>(&self, text: &'a str) -> Result<Inbound<'a>, FrameError> {
        decode(text, &self.timestamp_path, &self.pong_type)
    }

    fn normalize_stamped(&self, text: &str) -> Result<Stamped, FrameError> {
        normalize(text, &self.timestamp_path).map(|t| (t, None))
    }

    fn subscribe(&self, _id: u64, ids: &[String], _auth: Option<&str>, out: &mut Vec<String>) {
        out.push(ids_request("subscribe", ids));
    }

    fn unsubscribe(&self, _id: u64, ids: &[String], out: &mut Vec<String>) {
        out.push(ids_request("unsubscribe", ids));
    }

    fn execute(&self, _id: u64, _context_id: &str, _method: &str, _args_json: &str) -> Option<String> {
        None
    }

    fn check_scope(&self, id: &str) -> Result<(), String> {
        if id.is_empty() {
            Err("a context id must not be empty".into())
        } else {
            Ok(())
        }
    }

    fn probe(&self) -> Probe {
        Probe::Ping(self.ping_message.clone())
    }

    /// The same chat mapping as Calimero's: a json server is usually a chat backend
    /// speaking a simpler wire.
    fn default_rules(&self) -> &'static [(&'static str, &'static [&'static str])] {
        super::chat_rules::DEFAULT_RULES
    }
}
