//! The Calimero node's `/ws` protocol (the wire is written down in
//! `docs/calimero-wire.md`): JSON-RPC-like requests with ids, state events
//! (`StateMutation`) whose `events[].data` are byte arrays of JSON, side events.
//!
//! - [`decode`]: reading frames, and the app-facing text of a delivered one;
//! - [`requests`]: subscribe, unsubscribe and `execute` requests;
//! - [`context_id`]: what a context id must be.
//!
//! Its default refresh rules are the chat app's ([`super::chat_rules`]).
//!
//! Its heartbeat probe is a re-subscribe of every context (the node has no ping), and
//! its JS pre-reader (`calimero` in `src/web/frame_scan.js`) takes the node's exact
//! `StateMutation` text; `tests/browser_prereader.rs` proves the two agree.

#[allow(unused_imports)]
use crate::prelude::*;

pub mod context_id;
pub mod decode;
pub mod requests;

pub use context_id::{check_context_id, encode_base58};
pub use decode::{decode, decode_byte_array, normalize, normalize_stamped};

use super::{Codec, FrameError, Inbound, PreReader, Probe, Settings, Stamped};

/// The Calimero codec: the timestamp path looked for inside delivered events' data.
#[derive(Debug, Clone)]
pub struct Calimero {
    timestamp_path: Vec<String>,
}

impl Codec for Calimero {
    fn new(settings: &Settings<'_>) -> Self {
        Calimero { timestamp_path: crate::engine::protocols::stamp::split_path(settings.timestamp_field) }
    }

    #[inline]
    fn decode<'a>(&self, text: &'a str) -> Result<Inbound<'a>, FrameError> {
        decode(text)
    }

    fn normalize_stamped(&self, text: &str) -> Result<Stamped, FrameError> {
        normalize_stamped(text, &self.timestamp_path)
    }

    fn subscribe(&self, id: u64, ids: &[String], _auth: Option<&str>, out: &mut Vec<String>) {
        out.push(requests::ids_request(id, "subscribe", ids));
    }

    fn unsubscribe(&self, id: u64, ids: &[String], out: &mut Vec<String>) {
        out.push(requests::ids_request(id, "unsubscribe", ids));
    }

    fn execute(&self, id: u64, context_id: &str, method: &str, args_json: &str) -> Option<String> {
        Some(requests::execute(id, context_id, method, args_json))
    }

    fn check_scope(&self, id: &str) -> Result<(), String> {
        check_context_id(id)
    }

    fn probe(&self) -> Probe {
        Probe::Resubscribe
    }

    fn default_rules(&self) -> &'static [(&'static str, &'static [&'static str])] {
        super::chat_rules::DEFAULT_RULES
    }

    /// Frames of at most a third of `maxMessageBytes` in UTF-16 units (a unit is at most
    /// 3 UTF-8 bytes), so the pre-reader never takes a frame the byte limit would
    /// refuse; longer ones are measured exactly by the decoder's path.
    fn pre_reader(&self, max_message_bytes: f64) -> Option<PreReader> {
        Some(PreReader { name: "calimero", max_units: crate::engine::float::floor(max_message_bytes / 3.0) })
    }
}
