//! The memory bound, alone in its page: after 200 000 frames across 50 contexts with
//! varied kinds, stamps and sequence numbers, wasm memory is within 1 MiB of its size
//! after the first 10 000 frames.
#![cfg(target_arch = "wasm32")]

mod browser_support;

use browser_support::*;
use calimero_socket::SocketManager;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const KINDS: [&str; 8] =
    ["MessageSent", "ChannelCreated", "DMCreated", "ChannelJoined", "ReactionUpdated", "ChatJoined", "AppKind1", "AppKind2"];

#[wasm_bindgen_test]
async fn memory_stays_flat_over_200k_frames() {
    // No socket needed: frames go in through injectFrame, the same path as onmessage.
    let m = SocketManager::new(options(r#"{"url":"ws://127.0.0.1:9/json","protocol":"json","collectEvents":false}"#)).unwrap();
    let batches = Recorder::new();
    let _ = m.on_batch(batches.function());
    let now = js_sys::Date::now() as u64;
    let mut seq = [0u64; 50];
    let mut after_warmup = 0.0;
    for i in 0..200_000usize {
        let c = i % 50;
        seq[c] += 1;
        let frame = format!(
            r#"{{"type":"StateMutation","contextId":"ctx-{c}","data":{{"events":[{{"kind":"{}","data":{{"i":{i}}}}},{{"kind":"{}","data":null}}]}},"seq":{},"_server_timestamp":{}}}"#,
            KINDS[i % 8],
            KINDS[(i / 8) % 8],
            seq[c],
            now + (i % 7) as u64
        );
        m.inject_frame(JsValue::from_str(&frame));
        if i == 9_999 {
            after_warmup = num(&m.stats(), "memoryBytes");
        }
        if i % 20_000 == 0 {
            sleep(0).await; // let pending batch timers run
        }
    }
    sleep(400).await;
    let st = m.stats();
    assert_eq!(num(&st, "framesReceived"), 200_000.0);
    assert_eq!(num(&st, "framesBatched"), 200_000.0, "{}", stringify(&st));
    let delivered: f64 = batches.all().iter().map(|b| num(b, "size")).sum();
    assert_eq!(delivered, 200_000.0);
    batches.values.borrow_mut().clear();
    let grown = num(&st, "memoryBytes") - after_warmup;
    assert!(grown <= 1_048_576.0, "wasm memory grew {grown} bytes after warm-up");
    drop(m);
}
