//! The requests the SDK writes to a Calimero node. Every one carries an `id` the SDK
//! allocates (from 2^40 up, see the machine), so the node's reply can be matched.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::engine::json::reader::write_string;
use crate::engine::protocols::frame_text::write_str_array;
use crate::engine::text::push_digits;

/// `{"id":N,"method":"subscribe"|"unsubscribe","params":{"contextIds":[..]}}`.
pub fn ids_request(id: u64, method: &str, ids: &[String]) -> String {
    let mut out = String::with_capacity(64 + ids.len() * 48);
    out.push_str("{\"id\":");
    push_digits(&mut out, id);
    out.push_str(",\"method\":\"");
    out.push_str(method);
    out.push_str("\",\"params\":{\"contextIds\":");
    write_str_array(&mut out, ids);
    out.push_str("}}");
    out
}

/// The `execute` request: `args_json` is JSON text, written as it is.
pub fn execute(id: u64, context_id: &str, method: &str, args_json: &str) -> String {
    let mut out = String::with_capacity(96 + args_json.len());
    out.push_str("{\"id\":");
    push_digits(&mut out, id);
    out.push_str(",\"method\":\"execute\",\"params\":{\"contextId\":");
    write_string(&mut out, context_id);
    out.push_str(",\"method\":");
    write_string(&mut out, method);
    out.push_str(",\"argsJson\":");
    out.push_str(args_json);
    out.push_str("}}");
    out
}
