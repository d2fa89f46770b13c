//! Byte arrays at the edges of the pre-reader's grammar (src/web/frame_scan.js, `BYTES`):
//! each is put in the node's own frame shape, and `tests/browser_prereader.rs` checks the
//! pre-reader agrees with the Rust decoder on every one, and takes exactly the ones
//! marked `true`.
#![allow(dead_code)]

/// `(array text, pre-read?)`.
pub const BYTE_ARRAYS: &[(&str, bool)] = &[
    ("[]", true),
    ("[0]", true),
    ("[0,0]", true),
    ("[9]", true),
    ("[10,200,3]", true),
    ("[255,0,1]", true),
    ("[999]", true),
    ("[1,22,333,0,4]", true),
    ("[1000]", false),
    ("[256,1]", true),
    ("[00]", false),
    ("[01]", false),
    ("[0,01]", false),
    ("[10,020]", false),
    ("[1,]", false),
    ("[,1]", false),
    ("[,]", false),
    ("[1,,2]", false),
    ("[ ]", false),
    ("[1 ,2]", false),
    ("[1, 2]", false),
    ("[-1]", false),
    ("[1.0]", false),
    ("[1e2]", false),
    ("[1/2]", false),
    ("[1-2]", false),
    ("[1.]", false),
    ("[\"a\"]", false),
    ("[[1]]", false),
    ("[1]]", false),
    ("[1", false),
    ("1", false),
    ("null", false),
];

/// The frame around `array`, with `handler` (`null` or a JSON string) and `n` events.
pub fn frame_with(array: &str, handler: &str, n: usize) -> String {
    let ev = format!(r#"{{"kind":"MessageSent","data":{array},"handler":{handler}}}"#);
    let events = vec![ev; n].join(",");
    format!(r#"{{"id":null,"result":{{"contextId":"5rMQrAzDE7zUqB8WQoE1GbNQdWu47yZ3Y5qiHEYrTDhs","type":"StateMutation","data":{{"newRoot":"5NqZ","events":[{events}]}}}}}}"#)
}
