//! Browser tests against the FastAPI json-protocol example (`docs/examples/
//! fastapi_json_server.py`), the server docs/json-protocol.md shows: batches, a `seq` gap,
//! a dropped socket and a stalled one, each through the SDK in a real browser.
//!
//! The server's `host:port` comes at build time from `SDK_FASTAPI_SERVER` (scripts/test.sh
//! starts it with `start_fastapi` from scripts/server.sh). Without it every test fails:
//! nothing is skipped.
#![cfg(target_arch = "wasm32")]

mod browser_support;

use browser_support::*;
use calimero_socket::SocketManager;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn fastapi() -> &'static str {
    match option_env!("SDK_FASTAPI_SERVER") {
        Some(s) if !s.is_empty() => s,
        _ => panic!(
            "SDK_FASTAPI_SERVER is not set at build time: start the FastAPI example \
             (`source scripts/server.sh && start_fastapi`) and build the test with \
             SDK_FASTAPI_SERVER=127.0.0.1:$FASTAPI_PORT (scripts/test.sh does both)"
        ),
    }
}

/// GET `http://<server>/<path_query>`, as JSON (a simple request: no CORS preflight).
async fn api(path_query: &str) -> JsValue {
    let url = format!("http://{}/{path_query}", fastapi());
    let window = web_sys::window().unwrap();
    let resp: web_sys::Response = JsFuture::from(window.fetch_with_str(&url))
        .await
        .unwrap_or_else(|e| panic!("the FastAPI example is not reachable at {url}: {e:?}"))
        .unchecked_into();
    assert!(resp.ok(), "GET {url} failed: {}", resp.status());
    JsFuture::from(resp.json().unwrap()).await.unwrap()
}

/// A context id of its own per test, so tests never see each other's frames or faults.
fn context(name: &str) -> String {
    format!("{name}-{}", (js_sys::Math::random() * 1e12) as u64)
}

fn json_manager(ctx: &str, extra: &str) -> SocketManager {
    let url = format!("ws://{}/json", fastapi());
    let sep = if extra.is_empty() { "" } else { "," };
    let json = format!(r#"{{"url":"{url}","protocol":"json","contextIds":["{ctx}"]{sep}{extra}}}"#);
    SocketManager::new(options(&json)).unwrap_or_else(|e| panic!("manager options refused: {e:?}"))
}

/// Waits (bounded) until `n` live sockets on the server are subscribed to `ctx`.
async fn wait_subscribed(ctx: &str, n: f64) -> bool {
    for _ in 0..150 {
        if num(&api(&format!("status?contextId={ctx}")).await, "subscribed") >= n {
            return true;
        }
        sleep(20).await;
    }
    false
}

async fn publish(ctx: &str, kinds: &str, count: u32) -> JsValue {
    api(&format!("publish?contextId={ctx}&kinds={kinds}&count={count}")).await
}

fn frames_in(batches: &Recorder) -> f64 {
    batches.all().iter().map(|b| num(b, "size")).sum()
}

/// Opens `m` and waits for the server to hold its subscription to `ctx`.
async fn open(m: &SocketManager, ctx: &str) {
    m.connect();
    assert!(wait_status(m, "open", 5000.0).await, "the manager did not open on the FastAPI example");
    assert!(wait_subscribed(ctx, 1.0).await, "the server never saw the subscription to {ctx}");
}

#[wasm_bindgen_test]
async fn frames_become_batches_with_flags_kinds_and_latest() {
    let c = context("batch");
    // A window long enough that the 3 frames of one publish share a batch on a busy machine.
    let m = json_manager(&c, r#""batchWindowMs":200"#);
    let batches = Recorder::new();
    let _ = m.on_batch(batches.function());
    let errors = Recorder::new();
    let _ = m.on_error(errors.function());
    open(&m, &c).await;

    let sent = publish(&c, "ChannelCreated,MessageSent", 3).await;
    assert_eq!(num(&sent, "deliveries"), 3.0, "{}", stringify(&sent));
    assert!(wait_until(3000.0, || frames_in(&batches) >= 3.0).await, "no batch of the 3 frames");
    let b = batches.all()[0].clone();
    assert_eq!(num(&b, "size"), 3.0, "one burst, one batch: {}", stringify(&b));
    assert!(flag(&b, "channels") && flag(&b, "messages") && !flag(&b, "members"), "{}", stringify(&b));
    assert!(!flag(&b, "dms") && !flag(&b, "resync"), "{}", stringify(&b));
    let kinds = get(&b, "kinds");
    assert_eq!((num(&kinds, "ChannelCreated"), num(&kinds, "MessageSent")), (3.0, 3.0));
    let latest = get(&get(&b, "latest"), &c);
    assert_eq!(num(&latest, "seq"), num(&sent, "lastSeq"), "latest is the newest frame: {}", stringify(&latest));
    assert!(get(&latest, "_server_timestamp").is_undefined(), "the timestamp field is removed: {}", stringify(&latest));
    assert_eq!(get(&latest, "contextId").as_string().as_deref(), Some(c.as_str()));

    publish(&c, "DMCreated", 1).await;
    assert!(wait_until(3000.0, || batches.len() >= 2).await, "no second batch");
    let b2 = batches.all()[1].clone();
    assert!(flag(&b2, "dms") && !flag(&b2, "channels") && !flag(&b2, "messages"), "{}", stringify(&b2));

    let st = m.stats();
    assert!(num(&get(&st, "latency"), "count") >= 4.0, "every frame's _server_timestamp is a latency sample: {}", stringify(&st));
    assert_eq!(num(&st, "gaps"), 0.0);
    assert_eq!(errors.len(), 0, "no error expected: {:?}", errors.codes());
    m.close();
}

#[wasm_bindgen_test]
async fn a_skipped_seq_calls_on_gap_and_raises_resync() {
    let c = context("gap");
    let m = json_manager(&c, r#""batchWindowMs":30"#);
    let batches = Recorder::new();
    let _ = m.on_batch(batches.function());
    let gaps = Recorder::new();
    let _ = m.on_gap(gaps.function());
    open(&m, &c).await;

    publish(&c, "MessageSent", 1).await; // seq 1
    assert!(wait_until(3000.0, || batches.len() >= 1).await);
    assert!(!flag(&batches.all()[0], "resync"), "in order: no resync");
    api(&format!("skip?contextId={c}&n=2")).await; // seq 2 and 3 never sent
    publish(&c, "MessageSent", 1).await; // seq 4
    assert!(wait_until(3000.0, || batches.len() >= 2).await, "the frame after the gap was not delivered");
    assert!(flag(&batches.all()[1], "resync"), "a gap raises resync: {}", stringify(&batches.all()[1]));
    assert_eq!(gaps.len(), 1, "one gap");
    let g = gaps.all()[0].clone();
    assert_eq!((num(&g, "expected"), num(&g, "received")), (2.0, 4.0), "{}", stringify(&g));
    assert_eq!(get(&g, "contextId").as_string().as_deref(), Some(c.as_str()));
    assert_eq!(num(&m.stats(), "gaps"), 1.0);

    publish(&c, "MessageSent", 1).await; // seq 5: in order again
    assert!(wait_until(3000.0, || batches.len() >= 3).await);
    assert!(!flag(&batches.all()[2], "resync"), "after the gap numbering goes on");
    m.close();
}

#[wasm_bindgen_test]
async fn a_dropped_socket_reconnects_resubscribes_and_resyncs() {
    let c = context("drop");
    let m = json_manager(&c, r#""batchWindowMs":30,"reconnectMinUptimeMs":0"#);
    let batches = Recorder::new();
    let _ = m.on_batch(batches.function());
    let statuses = Recorder::new();
    let _ = m.on_status(statuses.function());
    let errors = Recorder::new();
    let _ = m.on_error(errors.function());
    open(&m, &c).await;

    publish(&c, "MessageSent", 1).await;
    assert!(wait_until(3000.0, || batches.len() >= 1).await);
    assert!(!flag(&batches.all()[0], "resync"));
    let dropped = api(&format!("drop?contextId={c}&code=1011")).await;
    assert_eq!(num(&dropped, "dropped"), 1.0);
    assert!(wait_until(3000.0, || statuses.codes().contains(&"reconnecting".to_string())).await, "{:?}", statuses.codes());
    assert!(wait_status(&m, "open", 5000.0).await, "did not come back: {:?}", errors.codes());
    assert!(wait_subscribed(&c, 1.0).await, "the subscription was not re-sent after the reconnect");
    assert!(wait_until(3000.0, || batches.len() >= 2).await, "no resync batch");
    assert!(flag(&batches.all()[1], "resync"), "the first batch after a reconnect carries resync");
    let lost = errors.all().into_iter().find(|e| get(e, "code").as_string().as_deref() == Some("connectionLost"));
    let lost = lost.unwrap_or_else(|| panic!("no connectionLost error: {:?}", errors.codes()));
    assert_eq!(num(&lost, "closeCode"), 1011.0);

    publish(&c, "ChannelCreated", 1).await;
    assert!(wait_until(3000.0, || batches.len() >= 3).await, "no frames after the reconnect");
    let b = batches.all()[2].clone();
    assert!(flag(&b, "channels") && !flag(&b, "resync"), "{}", stringify(&b));
    assert_eq!(num(&m.stats(), "reconnects"), 1.0);
    m.close();
}

#[wasm_bindgen_test]
async fn a_stalled_server_is_caught_by_the_heartbeat() {
    let c = context("stall");
    let m = json_manager(
        &c,
        r#""batchWindowMs":30,"heartbeatIntervalMs":200,"heartbeatTimeoutMs":400,"reconnectMinUptimeMs":0"#,
    );
    let batches = Recorder::new();
    let _ = m.on_batch(batches.function());
    let errors = Recorder::new();
    let _ = m.on_error(errors.function());
    open(&m, &c).await;

    // A quiet server that answers pings is alive: pongs are round trips, not timeouts.
    let pongs = || num(&get(&m.stats(), "rtt"), "count");
    assert!(wait_until(3000.0, || pongs() >= 3.0).await, "pongs were not counted: {}", stringify(&m.stats()));
    assert_eq!(m.status(), "open");
    assert!(!errors.codes().contains(&"heartbeatTimeout".to_string()), "{:?}", errors.codes());

    let stalled = api(&format!("stall?contextId={c}")).await;
    assert_eq!(num(&stalled, "stalled"), 1.0);
    assert!(wait_until(2000.0, || errors.codes().contains(&"heartbeatTimeout".to_string())).await, "stall not caught: {:?}", errors.codes());
    assert!(wait_status(&m, "open", 5000.0).await, "did not reconnect after the stall: {:?}", errors.codes());
    assert!(wait_subscribed(&c, 1.0).await, "the new socket did not subscribe");
    assert!(wait_until(3000.0, || batches.all().iter().any(|b| flag(b, "resync"))).await, "no resync batch after the reconnect");

    publish(&c, "MessageSent", 2).await;
    assert!(wait_until(3000.0, || frames_in(&batches) >= 2.0).await, "no frames after the reconnect");
    assert_eq!(num(&m.stats(), "reconnects"), 1.0);
    m.close();
}
