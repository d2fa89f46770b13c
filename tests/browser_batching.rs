//! Browser tests (headless Chromium, real WebSocket to the local server): connecting,
//! subscribing, batching bursts into refresh flags, backpressure, bad frames, throwing
//! callbacks, close, and option errors.
#![cfg(target_arch = "wasm32")]

mod browser_support;

use browser_support::*;
use js_sys::{Array, Object};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn connects_and_subscribes_on_open() {
    let s = session("connect");
    let c1 = ctx(1);
    let m = manager(&s, &format!(r#""contextIds":["{c1}"]"#));
    let statuses = Recorder::new();
    let _off = m.on_status(statuses.function());
    assert_eq!(m.status(), "idle");
    m.connect();
    m.connect(); // idempotent
    assert!(wait_status(&m, "open", 5000.0).await, "never opened: {:?}", statuses.codes());
    assert_eq!(statuses.codes()[..2], ["connecting".to_string(), "open".to_string()]);
    assert!(wait_until_subscribed(&s, &c1).await, "server never saw the subscription");
    let st = control(&s, "status", "").await;
    assert_eq!(num(&st, "totalConnections"), 1.0, "connect() twice opened two sockets");
    m.close();
}

#[wasm_bindgen_test]
async fn subscribe_before_open_is_never_lost() {
    let s = session("early-sub");
    let m = manager(&s, "");
    let (c2, c3) = (ctx(2), ctx(3));
    m.subscribe(Array::of1(&c2.as_str().into()).into()).unwrap();
    m.connect();
    // Still connecting: this one must not be dropped either.
    m.subscribe(Array::of1(&c3.as_str().into()).into()).unwrap();
    assert!(wait_status(&m, "open", 5000.0).await);
    assert!(wait_until_subscribed(&s, &c2).await, "subscribe before connect() was lost");
    assert!(wait_until_subscribed(&s, &c3).await, "subscribe while connecting was lost");
    m.close();
}

#[wasm_bindgen_test]
async fn malformed_context_id_is_refused_without_costing_the_others() {
    let s = session("bad-id");
    let c1 = ctx(4);
    let m = manager(&s, "");
    let errors = Recorder::new();
    let _off = m.on_error(errors.function());
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    let refused = m.subscribe(Array::of2(&"not-base58-l0O".into(), &c1.as_str().into()).into()).unwrap();
    assert_eq!(refused.length(), 1);
    assert!(wait_until_subscribed(&s, &c1).await, "one bad id cost the good one its subscription");
    assert!(errors.codes().contains(&"invalidContextId".to_string()));
    m.close();
}

#[wasm_bindgen_test]
async fn denied_contexts_are_reported() {
    let s = session("deny");
    let (ok, denied) = (ctx(5), ctx(6));
    control(&s, "deny", &format!("contextId={denied}")).await;
    let m = manager(&s, &format!(r#""contextIds":["{ok}","{denied}"]"#));
    let errors = Recorder::new();
    let _off = m.on_error(errors.function());
    m.connect();
    assert!(wait_until(5000.0, || errors.codes().contains(&"subscriptionDenied".to_string())).await);
    let err = errors.all().into_iter().find(|e| get(e, "code").as_string().as_deref() == Some("subscriptionDenied")).unwrap();
    let ids: Vec<String> = Array::from(&get(&err, "contextIds")).iter().map(|v| v.as_string().unwrap()).collect();
    assert_eq!(ids, vec![denied.clone()]);
    assert_eq!(m.subscriptions().length(), 1);
    m.close();
}

/// Connects a manager on `s` subscribed to `ids`, with `onBatch` recording.
async fn open_with_batches(s: &str, ids: &[&str], extra: &str) -> (calimero_socket::SocketManager, Recorder) {
    let list: Vec<String> = ids.iter().map(|i| format!("\"{i}\"")).collect();
    let sep = if extra.is_empty() { "" } else { "," };
    let m = manager(s, &format!(r#""contextIds":[{}]{sep}{extra}"#, list.join(",")));
    let batches = Recorder::new();
    let _ = m.on_batch(batches.function());
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    for id in ids {
        assert!(wait_until_subscribed(s, id).await);
    }
    (m, batches)
}

#[wasm_bindgen_test]
async fn a_burst_of_ten_is_one_batch_with_every_flag() {
    let s = session("burst10");
    let c = ctx(7);
    let (m, batches) = open_with_batches(&s, &[&c], "").await;
    let mut kinds = ["MessageSent"; 10];
    kinds[2] = "ChannelCreated";
    kinds[6] = "DMCreated";
    let spec: Vec<String> = kinds.iter().map(|k| format!(r#"{{"contextId":"{c}","kinds":["{k}"]}}"#)).collect();
    burst(&s, "ws", &format!("[{}]", spec.join(","))).await;
    assert!(wait_until(3000.0, || batches.len() >= 1).await, "no batch");
    sleep(300).await; // any stray second batch would show by now
    assert_eq!(batches.len(), 1, "a burst of 10 must be exactly one batch");
    let b = &batches.all()[0];
    assert_eq!(num(b, "size"), 10.0);
    assert!(flag(b, "channels"), "ChannelCreated in frame 3 lost: {}", stringify(b));
    assert!(flag(b, "dms"), "DMCreated in frame 7 lost");
    assert!(flag(b, "messages"));
    assert!(!flag(b, "members"));
    assert!(!flag(b, "resync"));
    let k = get(b, "kinds");
    assert_eq!((num(&k, "MessageSent"), num(&k, "ChannelCreated"), num(&k, "DMCreated")), (8.0, 1.0, 1.0));
    m.close();
}

#[wasm_bindgen_test]
async fn two_contexts_in_one_batch_keep_their_latest_decoded() {
    let s = session("two-ctx");
    let (a, b) = (ctx(8), ctx(9));
    let (m, batches) = open_with_batches(&s, &[&a, &b], "").await;
    let spec = format!(
        r#"[{{"contextId":"{a}","events":[{{"kind":"MessageSent","data":{{"n":1}}}}]}},
            {{"contextId":"{b}","events":[{{"kind":"MessageSent","data":{{"n":2}}}}]}},
            {{"contextId":"{a}","events":[{{"kind":"MessageSent","data":{{"n":3}}}}]}}]"#
    );
    burst(&s, "ws", &spec).await;
    assert!(wait_until(3000.0, || batches.len() >= 1).await);
    let batch = &batches.all()[0];
    assert_eq!(num(batch, "size"), 3.0);
    let ids: Vec<String> = Array::from(&get(batch, "contextIds")).iter().map(|v| v.as_string().unwrap()).collect();
    assert_eq!(ids, vec![a.clone(), b.clone()]);
    let latest = get(batch, "latest");
    let la = get(&latest, &a);
    assert_eq!(get(&la, "contextId").as_string().unwrap(), a);
    let ev = Array::from(&get(&get(&la, "data"), "events")).get(0);
    assert_eq!(num(&get(&ev, "data"), "n"), 3.0, "latest of a is its last frame, with data decoded from bytes");
    let lb = Array::from(&get(&get(&get(&latest, &b), "data"), "events")).get(0);
    assert_eq!(num(&get(&lb, "data"), "n"), 2.0);
    m.close();
}

#[wasm_bindgen_test]
async fn twenty_five_fast_frames_never_make_a_batch_over_ten() {
    let s = session("burst25");
    let c = ctx(10);
    let (m, batches) = open_with_batches(&s, &[&c], "").await;
    burst(&s, "ws", &frames(&c, &["MessageSent", "ChannelJoined"], 25)).await;
    assert!(wait_until(3000.0, || batches.all().iter().map(|b| num(b, "size")).sum::<f64>() >= 25.0).await);
    let sizes: Vec<f64> = batches.all().iter().map(|b| num(b, "size")).collect();
    assert!(sizes.iter().all(|&n| n <= 10.0), "{sizes:?}");
    assert_eq!(sizes.iter().sum::<f64>(), 25.0, "{sizes:?}");
    m.close();
}

#[wasm_bindgen_test]
async fn a_slow_async_callback_loses_nothing_and_never_overlaps() {
    let s = session("backpressure");
    let c = ctx(11);
    let m = manager(&s, &format!(r#""contextIds":["{c}"]"#));
    let active = Rc::new(Cell::new(0u32));
    let max_active = Rc::new(Cell::new(0u32));
    let (a2, m2) = (active.clone(), max_active.clone());
    let batches = Recorder::returning(move |_| {
        a2.set(a2.get() + 1);
        m2.set(m2.get().max(a2.get()));
        let a3 = a2.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            sleep(300).await;
            a3.set(a3.get() - 1);
            Ok(JsValue::UNDEFINED)
        })
        .into()
    });
    let _off = m.on_batch(batches.function());
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    assert!(wait_until_subscribed(&s, &c).await);
    for i in 0..3 {
        burst(&s, "ws", &frames(&c, &["MessageSent", "ChannelCreated", "DMDeleted"], 10 + i)).await;
        sleep(60).await;
    }
    let total = 10.0 + 11.0 + 12.0;
    assert!(
        wait_until(5000.0, || batches.all().iter().map(|b| num(b, "size")).sum::<f64>() >= total).await,
        "frames lost: {:?}",
        batches.all().iter().map(|b| num(b, "size")).collect::<Vec<_>>()
    );
    sleep(400).await;
    assert_eq!(batches.all().iter().map(|b| num(b, "size")).sum::<f64>(), total);
    assert_eq!(max_active.get(), 1, "two batch callbacks ran at once");
    assert!(batches.len() < 33, "batching folded nothing");
    m.close();
}

#[wasm_bindgen_test]
async fn a_malformed_frame_is_reported_and_the_stream_goes_on() {
    let s = session("malformed");
    let c = ctx(12);
    let (m, batches) = open_with_batches(&s, &[&c], "").await;
    let errors = Recorder::new();
    let _off = m.on_error(errors.function());
    control(&s, "malformed", "").await;
    burst(&s, "ws", &format!(r#"[{{"raw":"{{\"id\":null,\"result\":{{\"contextId\":\"{c}\"","contextId":"{c}"}}]"#)).await;
    burst(&s, "ws", &frames(&c, &["ChannelCreated"], 3)).await;
    assert!(wait_until(3000.0, || batches.len() >= 1).await, "the stream stopped after a bad frame");
    assert_eq!(num(&batches.all()[0], "size"), 3.0);
    assert!(flag(&batches.all()[0], "channels"));
    let bad = errors.codes().iter().filter(|c| *c == "badFrame").count();
    assert_eq!(bad, 2, "{:?}", errors.codes());
    let st = m.stats();
    assert_eq!(num(&st, "framesDropped"), 2.0);
    m.close();
}

#[wasm_bindgen_test]
async fn a_throwing_callback_does_not_stop_later_batches() {
    let s = session("throws");
    let c = ctx(13);
    let m = manager(&s, &format!(r#""contextIds":["{c}"]"#));
    let thrower = Closure::<dyn FnMut(JsValue)>::new(|_| wasm_bindgen::throw_str("app bug"));
    let _off1 = m.on_batch(thrower.as_ref().unchecked_ref::<js_sys::Function>().clone());
    let batches = Recorder::new();
    let _off2 = m.on_batch(batches.function());
    let errors = Recorder::new();
    let _off3 = m.on_error(errors.function());
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    assert!(wait_until_subscribed(&s, &c).await);
    burst(&s, "ws", &frames(&c, &["MessageSent"], 2)).await;
    assert!(wait_until(3000.0, || batches.len() == 1).await);
    burst(&s, "ws", &frames(&c, &["DMCreated"], 2)).await;
    assert!(wait_until(3000.0, || batches.len() == 2).await, "a throwing callback stopped later batches");
    assert!(flag(&batches.all()[1], "dms"));
    assert_eq!(errors.codes().iter().filter(|c| *c == "callbackThrew").count(), 2);
    m.close();
}

#[wasm_bindgen_test]
async fn unsubscribing_a_callback_stops_it() {
    let s = session("off");
    let c = ctx(14);
    let (m, _batches) = open_with_batches(&s, &[&c], "").await;
    let second = Recorder::new();
    let off = m.on_batch(second.function());
    off.call0(&JsValue::NULL).unwrap();
    burst(&s, "ws", &frames(&c, &["MessageSent"], 1)).await;
    sleep(300).await;
    assert_eq!(second.len(), 0);
    m.close();
}

#[wasm_bindgen_test]
async fn close_does_not_reconnect() {
    let s = session("close");
    let c = ctx(15);
    let m = manager(&s, &format!(r#""contextIds":["{c}"],"reconnectInitialDelayMs":50"#));
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    m.close();
    assert_eq!(m.status(), "closed");
    sleep(1200).await;
    let st = control(&s, "status", "").await;
    assert_eq!(num(&st, "totalConnections"), 1.0);
    assert_eq!(num(&st, "connections"), 0.0, "the socket was not closed");
    assert_eq!(m.status(), "closed");
    assert!(!m.send("hello".into()).unwrap(), "send after close must say it was not sent");
}

#[wasm_bindgen_test]
fn invalid_options_throw_errors_naming_the_option() {
    let cases: &[(&str, &str, &str)] = &[
        (r#"{"url":"http://x/ws"}"#, "TypeError", "url"),
        (r#"{"url":42}"#, "TypeError", "url"),
        (r#"{}"#, "TypeError", "url"),
        (r#"{"url":"ws://h","batchWindowMs":"100"}"#, "TypeError", "batchWindowMs"),
        (r#"{"url":"ws://h","batchWindowMs":-5}"#, "RangeError", "batchWindowMs"),
        (r#"{"url":"ws://h","maxBatchSize":0}"#, "RangeError", "maxBatchSize"),
        (r#"{"url":"ws://h","protocol":"mqtt"}"#, "RangeError", "protocol"),
        (r#"{"url":"ws://h","contextIds":"abc"}"#, "TypeError", "contextIds"),
        (r#"{"url":"ws://h","contextIds":["bad-l"]}"#, "TypeError", "contextIds"),
        (r#"{"url":"ws://h","refreshRules":{"A":"x"}}"#, "TypeError", "refreshRules"),
        (r#"{"url":"ws://h","batchWindow":100}"#, "TypeError", "batchWindow"),
    ];
    for (json, kind, name) in cases {
        let err = match calimero_socket::SocketManager::new(options(json)) {
            Ok(_) => panic!("{json} was accepted"),
            Err(e) => e,
        };
        let ctor = get(&get(&err, "constructor"), "name").as_string().unwrap();
        let msg = get(&err, "message").as_string().unwrap();
        assert_eq!(&ctor, kind, "{json}: {msg}");
        assert!(msg.contains(name), "{json}: message {msg:?} does not name {name}");
    }
    // Values JSON cannot carry still name their type; Infinity is a valid attempt count.
    let with_fn = options(r#"{"url":"ws://h"}"#);
    js_sys::Reflect::set(&with_fn, &"batchWindowMs".into(), &js_sys::Function::new_no_args("")).unwrap();
    let err = calimero_socket::SocketManager::new(with_fn).err().expect("a function was accepted as batchWindowMs");
    let msg = get(&err, "message").as_string().unwrap();
    assert!(msg.contains("batchWindowMs") && msg.contains("got function"), "{msg}");
    let forever = options(r#"{"url":"ws://h"}"#);
    js_sys::Reflect::set(&forever, &"reconnectMaxAttempts".into(), &f64::INFINITY.into()).unwrap();
    assert!(calimero_socket::SocketManager::new(forever).is_ok(), "reconnectMaxAttempts: Infinity was refused");
    // Not an object at all.
    assert!(calimero_socket::SocketManager::new(JsValue::from_str("ws://h")).is_err());
    let _ = Object::new();
}

#[wasm_bindgen_test]
async fn sync_status_frames_do_not_wake_the_batch_callback() {
    let s = session("sync");
    let c = ctx(16);
    let (m, batches) = open_with_batches(&s, &[&c], "").await;
    let events = Recorder::new();
    let _off = m.on_event(events.function());
    control(&s, "syncstatus", "").await;
    control(&s, "syncstatus", "state=waitingForPeers").await;
    assert!(wait_until(3000.0, || events.len() == 2).await);
    sleep(200).await;
    assert_eq!(batches.len(), 0, "SyncStatus woke the batch callback");
    assert_eq!(get(&events.all()[0], "type").as_string().unwrap(), "SyncStatus");
    m.close();
}

#[wasm_bindgen_test]
async fn pre_read_and_fully_read_frames_fold_alike() {
    // The node's own key order goes through the JS pre-reader; any other order, more
    // than four events, or an escaped name goes through the Rust reader. Both count.
    let s = session("paths");
    let c = ctx(17);
    let (m, batches) = open_with_batches(&s, &[&c], "").await;
    let reordered = format!(
        r#"{{\"result\":{{\"type\":\"StateMutation\",\"contextId\":\"{c}\",\"data\":{{\"events\":[{{\"kind\":\"ChannelCreated\",\"data\":[]}}]}}}},\"id\":null}}"#
    );
    let five = r#"{"contextId":"CTX","kinds":["MessageSent","MessageSent","MessageSent","MessageSent","DMCreated"]}"#.replace("CTX", &c);
    let escaped = format!(
        r#"{{\"id\":null,\"result\":{{\"contextId\":\"{c}\",\"type\":\"StateMutation\",\"data\":{{\"events\":[{{\"kind\":\"Chat\\u004aoined\",\"data\":[]}}]}}}}}}"#
    );
    let spec = format!(
        r#"[{{"contextId":"{c}","kinds":["MessageSent"]}},{{"contextId":"{c}","raw":"{reordered}"}},{five},{{"contextId":"{c}","raw":"{escaped}"}}]"#
    );
    burst(&s, "ws", &spec).await;
    assert!(wait_until(3000.0, || batches.len() >= 1).await);
    let b = &batches.all()[0];
    assert_eq!(num(b, "size"), 4.0, "{}", stringify(b));
    let k = get(b, "kinds");
    assert_eq!(num(&k, "MessageSent"), 5.0);
    assert_eq!(num(&k, "ChannelCreated"), 1.0);
    assert_eq!(num(&k, "DMCreated"), 1.0);
    assert_eq!(num(&k, "ChatJoined"), 1.0, "an escaped kind name is unescaped: {}", stringify(&k));
    assert!(flag(b, "channels") && flag(b, "dms") && flag(b, "members") && flag(b, "messages"));
    m.close();
}

#[wasm_bindgen_test]
async fn the_pre_reader_tells_apart_names_that_share_a_prefix() {
    // Same length and first eight characters: one hash bucket in the pre-reader, and
    // the previous kind of the frame is tried first; each must still count as itself.
    let s = session("prefix");
    let c = ctx(19);
    let (m, batches) = open_with_batches(&s, &[&c], "").await;
    let spec = format!(
        r#"[{{"contextId":"{c}","kinds":["MessageSentA","MessageSentB","MessageSentA"]}},{{"contextId":"{c}","kinds":["MessageSentB","MessageSentB"]}},{{"contextId":"{c}","kinds":["MessageSent"]}}]"#
    );
    burst(&s, "ws", &spec).await;
    assert!(wait_until(3000.0, || batches.all().iter().map(|b| num(b, "size")).sum::<f64>() >= 3.0).await);
    let mut counts = std::collections::BTreeMap::new();
    for b in batches.all() {
        for key in Object::keys(&get(&b, "kinds").into()).iter() {
            let key = key.as_string().unwrap();
            *counts.entry(key.clone()).or_insert(0.0) += num(&get(&b, "kinds"), &key);
        }
    }
    let want: std::collections::BTreeMap<String, f64> =
        [("MessageSent".to_string(), 1.0), ("MessageSentA".to_string(), 2.0), ("MessageSentB".to_string(), 3.0)].into_iter().collect();
    assert_eq!(counts, want);
    m.close();
}

#[wasm_bindgen_test]
async fn latest_frames_are_decoded_once_when_read() {
    let s = session("lazy");
    let c = ctx(18);
    let (m, batches) = open_with_batches(&s, &[&c], "").await;
    burst(&s, "ws", &format!(r#"[{{"contextId":"{c}","events":[{{"kind":"MessageSent","data":{{"n":7}}}}]}}]"#)).await;
    assert!(wait_until(3000.0, || batches.len() >= 1).await);
    let latest = get(&batches.all()[0], "latest");
    let keys: Vec<String> = Object::keys(&latest.clone().into()).iter().map(|k| k.as_string().unwrap()).collect();
    assert_eq!(keys, vec![c.clone()], "ids are listed before anything is decoded");
    let first = get(&latest, &c);
    let again = get(&latest, &c);
    assert!(js_sys::Object::is(&first, &again), "a frame is decoded once, then cached");
    let text = stringify(&latest);
    assert!(text.contains(r#""n":7"#), "JSON.stringify reads through the lazy values: {text}");
    // Every way of reading values sees decoded frames, never the pending ones.
    let entries = Object::entries(&latest.clone().into());
    let value = js_sys::Array::from(&entries.get(0)).get(1);
    assert!(js_sys::Object::is(&value, &first), "Object.entries reads the decoded frame");
    let desc = Object::get_own_property_descriptor(&latest.clone().into(), &JsValue::from_str(&c));
    assert!(js_sys::Object::is(&get(&desc, "value"), &first), "a descriptor holds the decoded frame");
    assert!(js_sys::Reflect::has(&latest, &JsValue::from_str(&c)).unwrap());
    assert!(!js_sys::Reflect::has(&latest, &JsValue::from_str("other")).unwrap());
    m.close();
}
