//! Browser tests of issue 12 against the local server: bad server stamps, health through
//! a node restart, presence replayed by heartbeat probes, presence `state` decoded, the
//! `changed` flag and `execute()`.
#![cfg(target_arch = "wasm32")]

mod browser_support;

use browser_support::*;
use calimero_socket::SocketManager;
use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn json_manager(s: &str) -> SocketManager {
    let url = ws_url("json", s);
    SocketManager::new(options(&format!(r#"{{"url":"{url}","protocol":"json","heartbeatIntervalMs":0}}"#))).unwrap()
}

fn count_code(r: &Recorder, code: &str) -> usize {
    r.codes().iter().filter(|c| *c == code).count()
}

#[wasm_bindgen_test]
async fn bad_server_stamps_give_no_sample_and_one_report() {
    let s = session("badstamps");
    let m = json_manager(&s);
    let batches = Recorder::new();
    let errors = Recorder::new();
    let _ = m.on_batch(batches.function());
    let _ = m.on_error(errors.function());
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    let now = js_sys::Date::now().round();
    let stamps = [
        format!("{}", now + 3_600_000.0),
        "1e308".to_string(),
        r#""soon""#.to_string(),
        r#"{"ms":1}"#.to_string(),
        "-5".to_string(),
        format!("{}", now - 20.0),
        format!("{}", now - 30.0),
        format!("{}", now - 25.0),
    ];
    let frames: Vec<String> = stamps
        .iter()
        .map(|ts| {
            let raw = format!(r#"{{"type":"StateMutation","contextId":"room","data":{{"events":[{{"kind":"MessageSent"}}]}},"_server_timestamp":{ts}}}"#);
            format!(r#"{{"raw":{}}}"#, js_sys::JSON::stringify(&JsValue::from_str(&raw)).unwrap().as_string().unwrap())
        })
        .collect();
    burst(&s, "json", &format!("[{}]", frames.join(","))).await;
    assert!(wait_until(3000.0, || batches.all().iter().map(|b| num(b, "size")).sum::<f64>() >= 8.0).await, "every frame is still delivered");
    let st = m.stats();
    assert_eq!(num(&st, "badTimestamps"), 5.0, "{}", stringify(&st));
    assert_eq!(count_code(&errors, "badTimestamp"), 1, "one report for the burst: {:?}", errors.codes());
    assert_eq!(num(&get(&st, "errorsByCode"), "badTimestamp"), 1.0);
    for key in ["latency", "latencyRaw"] {
        let lat = get(&st, key);
        assert_eq!(num(&lat, "count"), 3.0, "only the good stamps: {}", stringify(&lat));
        for f in ["min", "mean", "p50", "max"] {
            let v = num(&lat, f);
            assert!(v.is_finite() && (0.0..5000.0).contains(&v), "{key}.{f} = {v}: {}", stringify(&lat));
        }
    }
    m.close();
}

#[wasm_bindgen_test]
async fn health_is_not_critical_after_a_node_restart() {
    let s = session("restart");
    let c = ctx(1);
    let m = manager(
        &s,
        &format!(r#""contextIds":["{c}"],"reconnectInitialDelayMs":50,"reconnectMaxDelayMs":150,"reconnectMultiplier":1.5"#),
    );
    let errors = Recorder::new();
    let _ = m.on_error(errors.function());
    m.connect();
    assert!(wait_until_subscribed(&s, &c).await);
    burst(&s, "ws", &frames(&c, &["MessageSent"], 34)).await;
    assert!(wait_until(3000.0, || num(&m.stats(), "framesReceived") >= 34.0).await);
    // The app's own malformed id, then the node goes down and refuses for a while.
    let refused = m.subscribe(options(r#"["not-an-id"]"#)).unwrap();
    assert_eq!(refused.length(), 1);
    control(&s, "refuse", "ms=1200").await;
    control(&s, "drop", "").await;
    assert!(wait_until(3000.0, || count_code(&errors, "connectFailed") >= 2).await, "{:?}", errors.codes());
    assert!(wait_status(&m, "open", 8000.0).await, "reopened after the refusals");
    sleep(1200).await;
    let st = m.stats();
    assert!(count_code(&errors, "connectionLost") >= 1, "{:?}", errors.codes());
    assert!(num(&st, "errors") >= 4.0, "{}", stringify(&st));
    assert_ne!(get(&st, "health").as_string().unwrap(), "critical", "connection failures are no frame errors: {}", stringify(&st));
    m.close();
}

#[wasm_bindgen_test]
async fn a_probe_replays_no_presence_and_presence_state_is_decoded() {
    let s = session("presence");
    let (c1, c2) = (ctx(1), ctx(2));
    let m = manager(&s, &format!(r#""contextIds":["{c1}"],"heartbeatIntervalMs":300"#));
    let events = Recorder::new();
    let _ = m.on_event(events.function());
    m.connect();
    assert!(wait_until_subscribed(&s, &c1).await);
    control(&s, "presence", &format!(r#"contextId={c1}&author=bob&state=%7B%22typing%22%3Atrue%7D"#)).await;
    assert!(wait_until(3000.0, || events.len() >= 1).await, "the live presence");
    let live = events.all()[0].clone();
    assert_eq!(get(&live, "type").as_string().unwrap(), "Ephemeral");
    let state = get(&get(&live, "data"), "state");
    assert_eq!(get(&state, "typing").as_bool(), Some(true), "state decoded: {}", stringify(&live));
    // A real subscribe's replay is the current presence: it reaches the app.
    control(&s, "presence", &format!(r#"contextId={c2}&author=carol&state=%5B1%2C2%5D"#)).await;
    let _ = m.subscribe(options(&format!(r#"["{c2}"]"#))).unwrap();
    assert!(wait_until(3000.0, || events.len() >= 2).await, "the replay of a real subscribe");
    let replay = events.all()[1].clone();
    assert!(get(&get(&replay, "data"), "ageMs").as_f64().is_some(), "{}", stringify(&replay));
    assert_eq!(stringify(&get(&get(&replay, "data"), "state")), "[1,2]");
    // Now probes go out every 300 ms, and the server replays both presences after each.
    control(&s, "received", "clear=1").await;
    sleep(2000).await;
    let received = control(&s, "received", "").await;
    let probes = Array::from(&get(&received, "frames")).iter().filter(|f| f.as_string().unwrap().contains("\"subscribe\"")).count();
    assert!(probes >= 3, "probes sent: {probes}");
    assert_eq!(events.len(), 2, "a probe has no visible side effect: {}", stringify(&events.all().into_iter().collect::<Array>()));
    assert!(num(&m.stats(), "probeReplaysDropped") >= 2.0 * (probes as f64 - 1.0));
    m.close();
}

#[wasm_bindgen_test]
async fn a_mutation_without_events_raises_changed() {
    let s = session("changed");
    let c = ctx(3);
    let m = manager(&s, &format!(r#""contextIds":["{c}"]"#));
    let batches = Recorder::new();
    let _ = m.on_batch(batches.function());
    m.connect();
    assert!(wait_until_subscribed(&s, &c).await);
    burst(&s, "ws", &format!(r#"[{{"contextId":"{c}","events":[]}}]"#)).await;
    assert!(wait_until(3000.0, || batches.all().iter().any(|b| num(b, "size") >= 1.0)).await);
    let b = batches.all().into_iter().find(|b| num(b, "size") >= 1.0).unwrap();
    assert!(flag(&b, "changed"), "{}", stringify(&b));
    assert!(!flag(&b, "messages"));
    m.close();
}

async fn settle(p: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
}

fn code_of(e: &JsValue) -> String {
    get(e, "code").as_string().unwrap_or_default()
}

#[wasm_bindgen_test]
async fn execute_resolves_rejects_and_queues() {
    let s = session("execute");
    let c = ctx(4);
    let m = manager(&s, &format!(r#""contextIds":["{c}"]"#));
    let errors = Recorder::new();
    let _ = m.on_error(errors.function());
    // Called before connect: queued, sent on open, answered with argsJson echoed.
    let early = m.execute(c.clone().into(), "set".into(), options(r#"{"key":"k","n":1}"#), JsValue::UNDEFINED).unwrap();
    m.connect();
    let out = settle(early).await.expect("resolves");
    assert_eq!(stringify(&out), r#"{"key":"k","n":1}"#);
    let received = control(&s, "received", "").await;
    let exec = Array::from(&get(&received, "frames")).iter().map(|f| f.as_string().unwrap()).find(|f| f.contains("\"execute\"")).unwrap();
    let id: f64 = js_sys::JSON::parse(&exec).map(|v| num(&v, "id")).unwrap();
    assert!(id >= 2f64.powi(40), "the SDK's ids start at 2^40: {exec}");
    // The node's configured output.
    control(&s, "execute", "output=%7B%22v%22%3A42%7D").await;
    let out = settle(m.execute(c.clone().into(), "get".into(), JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap()).await.unwrap();
    assert_eq!(num(&out, "v"), 42.0);
    // An error reply rejects with the node's type and data.
    let e = settle(m.execute(c.clone().into(), "fail".into(), options(r#"{"x":1}"#), JsValue::UNDEFINED).unwrap()).await.unwrap_err();
    assert_eq!(code_of(&e), "serverError");
    assert_eq!(get(&e, "type").as_string().unwrap(), "FunctionCallError");
    assert_eq!(get(&get(&e, "data"), "method").as_string().unwrap(), "fail");
    assert!(e.is_instance_of::<js_sys::Error>());
    // No reply in time.
    control(&s, "replydelay", "ms=1500").await;
    let e = settle(m.execute(c.clone().into(), "get".into(), JsValue::UNDEFINED, options(r#"{"timeoutMs":200}"#)).unwrap()).await.unwrap_err();
    assert_eq!(code_of(&e), "executeTimeout");
    // The socket dies before the reply.
    let p = m.execute(c.clone().into(), "get".into(), JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap();
    sleep(100).await;
    control(&s, "drop", "").await;
    assert_eq!(code_of(&settle(p).await.unwrap_err()), "connectionLost");
    // close() first.
    assert!(wait_status(&m, "open", 5000.0).await);
    let p = m.execute(c.clone().into(), "get".into(), JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap();
    m.close();
    assert_eq!(code_of(&settle(p).await.unwrap_err()), "closed");
    assert_eq!(num(&m.stats(), "executesPending"), 0.0);
    assert!(errors.codes().iter().all(|c| c != "serverError"), "an execute's error is its Promise's: {:?}", errors.codes());
    // Bad arguments throw at once.
    assert!(m.execute(JsValue::from_f64(1.0), "get".into(), JsValue::UNDEFINED, JsValue::UNDEFINED).is_err());
    assert!(m.execute(c.clone().into(), "get".into(), JsValue::UNDEFINED, options(r#"{"timeoutMs":-1}"#)).is_err());
}
