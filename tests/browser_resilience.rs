//! Browser tests of connection resilience against the local server's fault controls:
//! drops, refusals, stalls, offline/online, the offline queue and json `seq` checks.
#![cfg(target_arch = "wasm32")]

mod browser_support;

use browser_support::*;
use calimero_socket::SocketManager;
use js_sys::Array;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn an_abrupt_drop_reconnects_resubscribes_and_raises_resync() {
    let s = session("drop");
    let c = ctx(21);
    let m = manager(&s, &format!(r#""contextIds":["{c}"],"reconnectMinUptimeMs":0"#));
    let batches = Recorder::new();
    let _ = m.on_batch(batches.function());
    let statuses = Recorder::new();
    let _ = m.on_status(statuses.function());
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    assert!(wait_until_subscribed(&s, &c).await);
    control(&s, "drop", "").await; // terminate: no close frame, the browser sees 1006
    assert!(wait_until(3000.0, || statuses.codes().contains(&"reconnecting".to_string())).await);
    assert!(wait_status(&m, "open", 5000.0).await, "did not come back");
    assert!(wait_until_subscribed(&s, &c).await, "subscriptions were not re-sent after the reconnect");
    assert!(wait_until(3000.0, || batches.len() >= 1).await, "no resync batch");
    assert!(flag(&batches.all()[0], "resync"), "first batch after a reconnect must carry resync");
    burst(&s, "ws", &frames(&c, &["MessageSent"], 2)).await;
    assert!(wait_until(3000.0, || batches.len() >= 2).await);
    assert!(!flag(&batches.all()[1], "resync"), "only the first batch after a reconnect carries resync");
    let st = control(&s, "status", "").await;
    assert_eq!(num(&st, "totalConnections"), 2.0);
    assert_eq!(num(&m.stats(), "reconnects"), 1.0);
    m.close();
}

#[wasm_bindgen_test]
async fn a_server_away_for_three_seconds_is_rejoined() {
    let s = session("away");
    let c = ctx(22);
    let m = manager(&s, &format!(r#""contextIds":["{c}"],"reconnectInitialDelayMs":200,"reconnectMaxDelayMs":800"#));
    let errors = Recorder::new();
    let _ = m.on_error(errors.function());
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    let t0 = js_sys::Date::now();
    control(&s, "refuse", "ms=3000").await;
    control(&s, "drop", "").await;
    assert!(wait_until(2000.0, || m.status() == "reconnecting").await);
    assert!(wait_status(&m, "open", 8000.0).await, "never came back: {:?}", errors.codes());
    assert!(js_sys::Date::now() - t0 >= 2900.0, "opened while the server refused");
    assert!(wait_until_subscribed(&s, &c).await);
    let st = control(&s, "status", "").await;
    assert!(num(&st, "refused") >= 2.0, "it should have kept trying: {}", stringify(&st));
    assert!(num(&st, "refused") <= 20.0, "it hammered the server: {}", stringify(&st));
    assert!(errors.codes().iter().filter(|c| *c == "connectFailed").count() >= 2, "each failed attempt is reported");
    m.close();
}

#[wasm_bindgen_test]
async fn max_attempts_end_in_failed_and_connect_starts_again() {
    let s = session("gaveup");
    let c = ctx(23);
    let m = manager(
        &s,
        &format!(r#""contextIds":["{c}"],"reconnectInitialDelayMs":30,"reconnectMaxDelayMs":60,"reconnectMaxAttempts":3"#),
    );
    let errors = Recorder::new();
    let _ = m.on_error(errors.function());
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    control(&s, "refuse", "ms=60000").await;
    control(&s, "drop", "").await;
    assert!(wait_status(&m, "failed", 5000.0).await, "never gave up: {:?}", errors.codes());
    assert!(errors.codes().contains(&"gaveUp".to_string()));
    let attempts = num(&control(&s, "status", "").await, "attempts");
    sleep(300).await;
    assert_eq!(num(&control(&s, "status", "").await, "attempts"), attempts, "retried after failed");
    assert_eq!(attempts, 4.0, "1 first connection + 3 retries");
    control(&s, "refuse", "ms=0").await;
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await, "manual connect() after failed");
    assert!(wait_until_subscribed(&s, &c).await);
    m.close();
}

#[wasm_bindgen_test]
async fn close_while_reconnecting_stops_every_retry() {
    let s = session("close-retry");
    let m = manager(&s, r#""reconnectInitialDelayMs":50,"reconnectMaxDelayMs":100"#);
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    control(&s, "refuse", "ms=60000").await;
    control(&s, "drop", "").await;
    assert!(wait_until(3000.0, || num(&m.stats(), "connectAttempts") >= 3.0).await);
    m.close();
    assert_eq!(m.status(), "closed");
    // The SDK's own count: an attempt made just before close() may still reach the
    // server after it (the browser had sent its upgrade request), so the server's count
    // may catch up by that one, never beyond what the SDK made.
    let made = num(&m.stats(), "connectAttempts");
    sleep(600).await;
    assert_eq!(num(&m.stats(), "connectAttempts"), made, "a retry ran after close()");
    assert!(num(&control(&s, "status", "").await, "attempts") <= made, "the server saw more attempts than the SDK made");
    assert_eq!(m.status(), "closed");
}

#[wasm_bindgen_test]
async fn close_while_connecting_leaves_no_socket() {
    let s = session("close-connecting");
    let m = manager(&s, "");
    m.connect();
    m.close();
    sleep(500).await;
    let st = control(&s, "status", "").await;
    assert_eq!(num(&st, "connections"), 0.0);
    assert_eq!(m.status(), "closed");
}

fn received_texts(v: &JsValue) -> Vec<String> {
    Array::from(&get(v, "frames")).iter().map(|f| f.as_string().unwrap()).collect()
}

#[wasm_bindgen_test]
async fn the_offline_queue_flushes_in_order_after_the_subscriptions() {
    let s = session("queue");
    let c = ctx(24);
    let m = manager(&s, &format!(r#""contextIds":["{c}"],"maxQueuedMessages":3"#));
    let errors = Recorder::new();
    let _ = m.on_error(errors.function());
    for i in 1..=5 {
        assert!(m.send(JsValue::from_str(&format!("m{i}"))).unwrap(), "dropOldest always queues the new one");
    }
    let st = m.stats();
    assert_eq!((num(&st, "queued"), num(&st, "messagesDropped")), (3.0, 2.0));
    assert_eq!(errors.codes().iter().filter(|c| *c == "messageDropped").count(), 2, "every drop is reported");
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    assert!(wait_until(3000.0, || num(&m.stats(), "queued") == 0.0).await);
    let mut texts = Vec::new();
    for _ in 0..100 {
        texts = received_texts(&control(&s, "received", "").await);
        if texts.len() >= 4 {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(texts.len(), 4, "{texts:?}");
    assert!(texts[0].contains("\"subscribe\""), "the subscription goes first: {texts:?}");
    assert_eq!(texts[1..], ["m3", "m4", "m5"]);
    m.close();
}

#[wasm_bindgen_test]
async fn reject_new_keeps_the_oldest_and_clear_queue_reports() {
    let s = session("queue-reject");
    let m = manager(&s, r#""maxQueuedMessages":2,"queueOverflow":"rejectNew""#);
    let errors = Recorder::new();
    let _ = m.on_error(errors.function());
    assert!(m.send(JsValue::from_str("a")).unwrap());
    assert!(m.send(JsValue::from_str("b")).unwrap());
    assert!(!m.send(JsValue::from_str("c")).unwrap(), "a refused message must return false");
    assert_eq!(m.clear_queue(), 2);
    assert_eq!(num(&m.stats(), "messagesDropped"), 3.0);
    assert_eq!(errors.codes().iter().filter(|c| *c == "messageDropped").count(), 2);
}

#[wasm_bindgen_test]
async fn a_stalled_server_is_detected_by_the_heartbeat() {
    let s = session("stall");
    let c = ctx(25);
    let m = manager(
        &s,
        &format!(r#""contextIds":["{c}"],"heartbeatIntervalMs":200,"heartbeatTimeoutMs":400,"reconnectInitialDelayMs":100"#),
    );
    let errors = Recorder::new();
    let _ = m.on_error(errors.function());
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    // Silence from the app is not death while probes are answered.
    sleep(1200).await;
    assert_eq!(m.status(), "open");
    assert!(!errors.codes().contains(&"heartbeatTimeout".to_string()), "{:?}", errors.codes());
    assert!(get(&m.stats(), "lastRttMs").as_f64().is_some(), "probe replies give round trips");
    control(&s, "stall", "ms=1500").await;
    assert!(wait_until(2000.0, || errors.codes().contains(&"heartbeatTimeout".to_string())).await, "stall not detected");
    assert!(wait_status(&m, "open", 6000.0).await, "did not recover after the stall");
    assert!(wait_until_subscribed(&s, &c).await);
    m.close();
}

#[wasm_bindgen_test]
async fn offline_and_online_events() {
    let s = session("offline");
    let m = manager(&s, r#""reconnectInitialDelayMs":20000,"reconnectMaxDelayMs":20000"#);
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    let window = web_sys::window().unwrap();
    window.dispatch_event(&web_sys::Event::new("offline").unwrap()).unwrap();
    assert_eq!(m.status(), "reconnecting");
    // The server counts the socket until the closing handshake ends: wait for it (bounded;
    // seen to take over 3 s on a loaded 2-core machine).
    let mut given_up = false;
    for _ in 0..300 {
        if num(&control(&s, "status", "").await, "connections") == 0.0 {
            given_up = true;
            break;
        }
        sleep(20).await;
    }
    assert!(given_up, "the socket was not given up within 6 s");
    assert_eq!(m.status(), "reconnecting", "offline must wait for online, not reconnect");
    window.dispatch_event(&web_sys::Event::new("online").unwrap()).unwrap();
    assert!(wait_status(&m, "open", 3000.0).await, "online must reconnect at once, skipping the backoff wait");
    m.close();
}

#[wasm_bindgen_test]
async fn json_seq_gaps_and_duplicates() {
    let s = session("seq");
    let url = ws_url("json", &s);
    let m = calimero_socket::SocketManager::new(options(&format!(r#"{{"url":"{url}","protocol":"json"}}"#))).unwrap();
    let batches = Recorder::new();
    let _ = m.on_batch(batches.function());
    let gaps = Recorder::new();
    let _ = m.on_gap(gaps.function());
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    let seqs = [1, 2, 5, 5, 3, 6];
    let spec: Vec<String> = seqs.iter().map(|n| format!(r#"{{"contextId":"room","kinds":["MessageSent"],"seq":{n}}}"#)).collect();
    burst(&s, "json", &format!("[{}]", spec.join(","))).await;
    assert!(wait_until(3000.0, || batches.all().iter().map(|b| num(b, "size")).sum::<f64>() >= 4.0).await);
    sleep(200).await;
    assert_eq!(batches.all().iter().map(|b| num(b, "size")).sum::<f64>(), 4.0, "duplicates must be dropped");
    assert_eq!(gaps.len(), 1);
    let g = &gaps.all()[0];
    assert_eq!((num(g, "expected"), num(g, "received")), (3.0, 5.0));
    assert_eq!(get(g, "contextId").as_string().unwrap(), "room");
    assert!(flag(&batches.all()[0], "resync"), "a gap raises resync");
    assert_eq!(num(&m.stats(), "duplicates"), 2.0);
    m.close();
}

#[wasm_bindgen_test]
async fn oversized_frames_are_dropped_unread() {
    let s = session("oversized");
    let c = ctx(26);
    let m = manager(&s, &format!(r#""contextIds":["{c}"],"maxMessageBytes":2000"#));
    let batches = Recorder::new();
    let _ = m.on_batch(batches.function());
    let errors = Recorder::new();
    let _ = m.on_error(errors.function());
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    assert!(wait_until_subscribed(&s, &c).await);
    let big = "x".repeat(3000);
    let spec = format!(
        r#"[{{"contextId":"{c}","events":[{{"kind":"ChannelCreated","data":{{"pad":"{big}"}}}}]}},{{"contextId":"{c}","kinds":["DMCreated"]}}]"#
    );
    burst(&s, "ws", &spec).await;
    assert!(wait_until(3000.0, || batches.len() >= 1).await);
    let b = &batches.all()[0];
    assert_eq!(num(b, "size"), 1.0);
    assert!(flag(b, "dms") && !flag(b, "channels"));
    assert!(errors.codes().contains(&"oversizedFrame".to_string()));
    m.close();
}

#[wasm_bindgen_test]
async fn send_batch_ms_sends_a_json_array_frame_and_flush_sends_at_once() {
    let s = session("send-batch");
    let json = format!(r#"{{"url":"{}","protocol":"json","sendBatchMs":80}}"#, ws_url("json", &s));
    let m = SocketManager::new(options(&json)).unwrap();
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    control(&s, "received", "clear=1").await;
    assert!(m.send(options(r#"{"a":1}"#)).unwrap());
    assert!(m.send(JsValue::from_f64(2.0)).unwrap());
    let frames = || async { Array::from(&get(&control(&s, "received", "").await, "frames")).iter().filter_map(|f| f.as_string()).filter(|f| !f.contains("\"ping\"")).collect::<Vec<_>>() };
    let mut got = Vec::new();
    for _ in 0..100 {
        got = frames().await;
        if !got.is_empty() {
            break;
        }
        sleep(10).await;
    }
    assert_eq!(got, [r#"[{"a":1},2]"#], "one array frame for the window");
    control(&s, "received", "clear=1").await;
    assert!(m.send(options(r#"{"b":3}"#)).unwrap());
    m.flush();
    sleep(30).await;
    assert_eq!(frames().await, [r#"[{"b":3}]"#], "flush() sends at once, before the window ends");
    m.close();
}
