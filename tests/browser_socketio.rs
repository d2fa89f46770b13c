//! Socket.IO in the browser against real servers: socket.io 4.8.4 (node,
//! tests/socketio-server/server.mjs, started with pingInterval 2000 / pingTimeout 1000,
//! maxPayload 10000 and perMessageDeflate over 1 KB; a second one with connection state
//! recovery) and python-socketio 5.18.1 (python_server.py). Connect with auth,
//! namespaces as contexts, events into batches, emits and acks, connect errors, server
//! disconnects, a dropped socket and stalled pings.
//!
//! The servers' `host:port` come at build time from `SDK_SOCKETIO_SERVER` and
//! `SDK_SOCKETIO_PY_SERVER` (scripts/test.sh starts both with scripts/socketio-server.sh).
//! Without them every test fails: nothing is skipped. Each test joins a `/guild/<n>`
//! namespace of its own, so the server-side faults it asks for touch only its socket.
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

fn node() -> &'static str {
    server_from(option_env!("SDK_SOCKETIO_SERVER"), "SDK_SOCKETIO_SERVER")
}

fn python() -> &'static str {
    server_from(option_env!("SDK_SOCKETIO_PY_SERVER"), "SDK_SOCKETIO_PY_SERVER")
}

/// A namespace of its own per test.
fn guild() -> String {
    format!("/guild/{}", (js_sys::Math::random() * 1e12) as u64)
}

/// POST `http://<host>/control/<route>` with a JSON body, answered as JSON.
async fn sio_control(host: &str, route: &str, body: &str) -> JsValue {
    post_control(host, route, body).await
}

/// GET `http://<host>/control/state`.
async fn sio_state(host: &str) -> JsValue {
    let url = format!("http://{host}/control/state");
    let window = web_sys::window().unwrap();
    let resp: web_sys::Response = JsFuture::from(window.fetch_with_str(&url)).await.expect("the Socket.IO server is reachable").unchecked_into();
    JsFuture::from(resp.json().unwrap()).await.unwrap()
}

fn sio_manager(host: &str, extra: &str) -> SocketManager {
    let json = format!(r#"{{"url":"http://{host}","protocol":"socketio","reconnectInitialDelayMs":100,"reconnectMaxDelayMs":300{extra}}}"#);
    SocketManager::new(options(&json)).unwrap_or_else(|e| panic!("manager options refused: {e:?}"))
}

fn namespace_state(m: &SocketManager, ns: &str) -> String {
    get(&m.namespaces(), ns).as_string().unwrap_or_default()
}

async fn wait_joined(m: &SocketManager, ns: &str) -> bool {
    wait_until(5000.0, || namespace_state(m, ns) == "joined").await
}

/// The batches' `latest[ns][event]` arguments seen so far, newest last.
fn latest_args(batches: &Recorder, ns: &str, event: &str) -> Vec<JsValue> {
    batches
        .all()
        .iter()
        .filter_map(|b| {
            let args = get(&get(&get(b, "latest"), ns), event);
            (!args.is_undefined()).then_some(args)
        })
        .collect()
}

async fn await_promise(p: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
}

#[wasm_bindgen_test]
async fn joins_namespaces_with_auth_and_batches_their_events() {
    let ns = guild();
    let m = sio_manager(node(), &format!(r#","namespaces":["/","{ns}"],"auth":{{"token":"t1"}}"#));
    let batches = Recorder::new();
    m.on_batch(batches.function());
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    assert!(wait_joined(&m, "/").await && wait_joined(&m, &ns).await, "{}", stringify(&m.namespaces()));
    // The server greets each namespace: `welcome` arrives as a batch kind, per namespace.
    assert!(wait_until(3000.0, || !latest_args(&batches, &ns, "welcome").is_empty()).await, "no welcome on {ns}");
    let welcome = latest_args(&batches, &ns, "welcome").pop().unwrap();
    assert_eq!(get(&Array::from(&welcome).get(0), "namespace").as_string().as_deref(), Some(ns.as_str()));
    // The server saw the auth on the CONNECT of each namespace.
    let sockets = Array::from(&get(&sio_state(node()).await, "sockets"));
    let ours: Vec<JsValue> = sockets.iter().filter(|s| get(s, "namespace").as_string().as_deref() == Some(ns.as_str())).collect();
    assert_eq!(ours.len(), 1, "one socket on {ns}");
    assert_eq!(get(&get(&ours[0], "auth"), "token").as_string().as_deref(), Some("t1"));
    // A burst of 50 events is folded into batches that count events.
    batches.clear();
    sio_control(node(), "burst", &format!(r#"{{"namespace":"{ns}","event":"queue_updated","count":50,"args":[{{"n":1}}]}}"#)).await;
    assert!(wait_until(3000.0, || batches.all().iter().map(|b| num(b, "size")).sum::<f64>() >= 50.0).await, "events: {}", batches.len());
    assert!(batches.len() < 50, "50 events were batched, not delivered one by one ({} batches)", batches.len());
    m.close();
}

#[wasm_bindgen_test]
async fn emits_reach_the_server_and_acks_resolve() {
    let ns = guild();
    let m = sio_manager(node(), &format!(r#","namespaces":["{ns}"]"#));
    let batches = Recorder::new();
    m.on_batch(batches.function());
    // Emitted before connecting: queued, sent after the join reply.
    assert!(m.emit_on(ns.clone(), JsValue::from_str("echo"), Array::of1(&JsValue::from_str("early")), JsValue::UNDEFINED).unwrap());
    m.connect();
    assert!(wait_until(4000.0, || latest_args(&batches, &ns, "echo").iter().any(|a| Array::from(a).get(0).as_string().as_deref() == Some("early"))).await);
    let reply = await_promise(m.emit_with_ack_on(ns.clone(), JsValue::from_str("join"), Array::of1(&options(r#"{"room":"r1"}"#)), JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap())
        .await
        .expect("the ack resolves");
    assert_eq!(get(&reply, "joined").as_string().as_deref(), Some("r1"));
    // An emit to the room through the server reaches us.
    sio_control(node(), "emit", &format!(r#"{{"namespace":"{ns}","room":"r1","event":"said","args":[{{"text":"hi room"}}]}}"#)).await;
    assert!(wait_until(3000.0, || !latest_args(&batches, &ns, "said").is_empty()).await);
    m.close();
}

#[wasm_bindgen_test]
async fn refused_emits_never_reach_the_wire() {
    let ns = guild();
    let m = sio_manager(node(), &format!(r#","namespaces":["{ns}"]"#));
    let errors = Recorder::new();
    m.on_error(errors.function());
    m.connect();
    assert!(wait_joined(&m, &ns).await);
    assert!(!m.emit_on("/not-joined".into(), JsValue::from_str("echo"), Array::new(), JsValue::UNDEFINED).unwrap());
    let big = "x".repeat(10_000);
    assert!(!m.emit_on(ns.clone(), JsValue::from_str("echo"), Array::of1(&JsValue::from_str(&big)), JsValue::UNDEFINED).unwrap());
    assert!(m.emit_on(ns.clone(), JsValue::from_str("echo"), Array::of1(&JsValue::from_str("small")), JsValue::UNDEFINED).unwrap());
    assert_eq!(errors.codes(), ["notJoined", "payloadTooLarge"]);
    assert!(m.emit_on(ns.clone(), JsValue::from_str("disconnect"), Array::new(), JsValue::UNDEFINED).is_err(), "a reserved name throws");
    sleep(300).await;
    assert_eq!(m.status(), "open", "nothing refused reached the server to get us kicked");
    m.close();
}

#[wasm_bindgen_test]
async fn a_connect_error_leaves_that_namespace_only() {
    let ns = guild();
    let m = sio_manager(node(), &format!(r#","namespaces":["{ns}","/private"],"auth":{{"token":"bad"}}"#));
    let errors = Recorder::new();
    m.on_error(errors.function());
    m.connect();
    assert!(wait_joined(&m, &ns).await);
    assert!(wait_until(3000.0, || errors.codes().contains(&"connectError".to_string())).await, "{:?}", errors.codes());
    let e = errors.all().into_iter().find(|e| get(e, "code").as_string().as_deref() == Some("connectError")).unwrap();
    assert_eq!(stringify(&get(&e, "contextIds")), r#"["/private"]"#);
    assert_eq!(get(&get(&e, "data"), "reason").as_string().as_deref(), Some("bad token"));
    assert_eq!(namespace_state(&m, "/private"), "refused");
    assert_eq!(namespace_state(&m, &ns), "joined");
    m.close();
}

#[wasm_bindgen_test]
async fn a_function_auth_is_called_on_every_connect() {
    let ns = guild();
    let calls = Recorder::returning(|_| options(r#"{"token":"good"}"#));
    let opts = options(&format!(r#"{{"url":"http://{}","protocol":"socketio","namespaces":["{ns}","/private"]}}"#, node()));
    js_sys::Reflect::set(&opts, &"auth".into(), &calls.function()).unwrap();
    let m = SocketManager::new(opts).unwrap();
    m.connect();
    assert!(wait_joined(&m, "/private").await, "the function's token let us into /private: {}", stringify(&m.namespaces()));
    assert_eq!(calls.len(), 1);
    sio_control(node(), "kill-engine", &format!(r#"{{"namespace":"{ns}"}}"#)).await;
    assert!(wait_until(5000.0, || calls.len() == 2).await, "auth asked again on the reconnect");
    assert!(wait_joined(&m, "/private").await);
    m.close();
}

#[wasm_bindgen_test]
async fn a_dropped_socket_reconnects_rejoins_and_resyncs() {
    let ns = guild();
    let m = sio_manager(node(), &format!(r#","namespaces":["{ns}"]"#));
    let batches = Recorder::new();
    m.on_batch(batches.function());
    m.connect();
    assert!(wait_joined(&m, &ns).await);
    sio_control(node(), "kill-engine", &format!(r#"{{"namespace":"{ns}"}}"#)).await;
    assert!(wait_until(5000.0, || batches.all().iter().any(|b| get(b, "resync").as_bool() == Some(true))).await, "a resync batch after the reconnect");
    assert!(wait_joined(&m, &ns).await);
    sio_control(node(), "emit", &format!(r#"{{"namespace":"{ns}","event":"after","args":[1]}}"#)).await;
    assert!(wait_until(3000.0, || !latest_args(&batches, &ns, "after").is_empty()).await);
    m.close();
}

#[wasm_bindgen_test]
async fn stalled_pings_are_a_dead_connection() {
    let ns = guild();
    let m = sio_manager(node(), &format!(r#","namespaces":["{ns}"]"#));
    let errors = Recorder::new();
    m.on_error(errors.function());
    m.connect();
    assert!(wait_joined(&m, &ns).await);
    // pingInterval 2000: staying open 3 s means our pongs answered the server's pings.
    sleep(3000).await;
    assert_eq!(m.status(), "open");
    assert!(errors.codes().is_empty(), "{:?}", errors.codes());
    sio_control(node(), "stop-pings", &format!(r#"{{"namespace":"{ns}"}}"#)).await;
    // No ping for pingInterval + pingTimeout (+1 s): dead, then a new connection.
    assert!(wait_until(6000.0, || errors.codes().contains(&"heartbeatTimeout".to_string())).await, "{:?}", errors.codes());
    assert!(wait_joined(&m, &ns).await, "reconnected");
    m.close();
}

#[wasm_bindgen_test]
async fn server_disconnects_are_reported_and_a_full_one_is_final() {
    let ns = guild();
    let m = sio_manager(node(), &format!(r#","namespaces":["/","{ns}"]"#));
    let errors = Recorder::new();
    m.on_error(errors.function());
    m.connect();
    assert!(wait_joined(&m, &ns).await);
    sio_control(node(), "disconnect", &format!(r#"{{"namespace":"{ns}"}}"#)).await;
    assert!(wait_until(3000.0, || errors.codes().contains(&"namespaceDisconnected".to_string())).await, "{:?}", errors.codes());
    assert_eq!(namespace_state(&m, &ns), "kicked");
    assert_eq!(m.status(), "open", "the other namespace keeps the connection");
    // Leaving every namespace and closing: the manager does not reconnect.
    let sockets = get(&sio_control(node(), "reset", "{}").await, "ok");
    assert!(sockets.as_bool().unwrap_or(false));
    let all = errors.len();
    sio_control(node(), "disconnect", r#"{"namespace":"/","close":true}"#).await;
    assert!(wait_status(&m, "closed", 3000.0).await, "status {}", m.status());
    assert!(errors.codes()[all..].contains(&"serverDisconnect".to_string()), "{:?}", errors.codes());
    sleep(800).await;
    assert_eq!(m.status(), "closed", "no reconnect after the server's disconnect");
    m.close();
}

#[wasm_bindgen_test]
async fn python_socketio_connects_emits_acks_and_refuses() {
    let ns = guild();
    let m = sio_manager(python(), &format!(r#","namespaces":["/","{ns}","/private"],"auth":{{"token":"bad"}}"#));
    let batches = Recorder::new();
    let errors = Recorder::new();
    m.on_batch(batches.function());
    m.on_error(errors.function());
    m.connect();
    assert!(wait_joined(&m, &ns).await, "{}", stringify(&m.namespaces()));
    // python sends `welcome` before its CONNECT reply: held, then delivered.
    assert!(wait_until(3000.0, || !latest_args(&batches, &ns, "welcome").is_empty()).await, "welcome before the join reply was lost");
    let reply = await_promise(m.emit_with_ack_on(ns.clone(), JsValue::from_str("join"), Array::of1(&options(r#"{"room":"p1"}"#)), JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap())
        .await
        .expect("the ack resolves");
    assert_eq!(get(&reply, "joined").as_string().as_deref(), Some("p1"));
    assert!(m.emit_on(ns.clone(), JsValue::from_str("echo"), Array::of1(&JsValue::from_str("py")), JsValue::UNDEFINED).unwrap());
    assert!(wait_until(3000.0, || latest_args(&batches, &ns, "echo").iter().any(|a| Array::from(a).get(0).as_string().as_deref() == Some("py"))).await);
    assert!(wait_until(3000.0, || namespace_state(&m, "/private") == "refused").await);
    assert!(errors.codes().contains(&"connectError".to_string()), "{:?}", errors.codes());
    // A binary event from python-socketio: its attachment arrives as an ArrayBuffer.
    sio_control(python(), "emit", &format!(r#"{{"namespace":"{ns}","event":"file","args":[{{"n":1}}],"binary":true,"bytes":[5,6]}}"#)).await;
    assert!(wait_until(3000.0, || !latest_args(&batches, &ns, "file").is_empty()).await, "{:?}", errors.codes());
    let args = Array::from(&latest_args(&batches, &ns, "file").pop().unwrap());
    assert_eq!(js_sys::Uint8Array::new(&args.get(1)).to_vec(), [5, 6], "{}", stringify(&args));
    m.close();
}

#[wasm_bindgen_test]
async fn base64json_payloads_are_unwrapped_or_reported() {
    let ns = guild();
    let m = sio_manager(node(), &format!(r#","namespaces":["{ns}"],"payloadEncoding":{{"track_started":"base64json"}}"#));
    let batches = Recorder::new();
    let errors = Recorder::new();
    m.on_batch(batches.function());
    m.on_error(errors.function());
    m.connect();
    assert!(wait_joined(&m, &ns).await);
    sio_control(node(), "emit-base64json", &format!(r#"{{"namespace":"{ns}","event":"track_started","value":{{"track":"é","n":1}}}}"#)).await;
    assert!(wait_until(3000.0, || !latest_args(&batches, &ns, "track_started").is_empty()).await);
    let arg = Array::from(&latest_args(&batches, &ns, "track_started").pop().unwrap()).get(0);
    assert_eq!(stringify(&arg), r#"{"track":"é","n":1}"#, "the app gets the value, not the base64");
    batches.clear();
    sio_control(node(), "emit", &format!(r#"{{"namespace":"{ns}","event":"track_started","args":["%%%"]}}"#)).await;
    assert!(wait_until(3000.0, || errors.codes().contains(&"badPayload".to_string())).await, "{:?}", errors.codes());
    assert!(wait_until(3000.0, || !latest_args(&batches, &ns, "track_started").is_empty()).await, "delivered as received");
    let arg = Array::from(&latest_args(&batches, &ns, "track_started").pop().unwrap()).get(0);
    assert_eq!(arg.as_string().as_deref(), Some("%%%"));
    m.close();
}

fn recovering() -> &'static str {
    server_from(option_env!("SDK_SOCKETIO_RECOVERY_SERVER"), "SDK_SOCKETIO_RECOVERY_SERVER")
}

#[wasm_bindgen_test]
async fn a_recovered_session_gets_its_missed_events_and_no_resync() {
    let ns = guild();
    let m = sio_manager(recovering(), &format!(r#","namespaces":["{ns}"]"#));
    let batches = Recorder::new();
    m.on_batch(batches.function());
    m.connect();
    assert!(wait_joined(&m, &ns).await);
    sio_control(recovering(), "emit", &format!(r#"{{"namespace":"{ns}","event":"tick","args":[1]}}"#)).await;
    assert!(wait_until(3000.0, || !latest_args(&batches, &ns, "tick").is_empty()).await);
    let first = latest_args(&batches, &ns, "tick").pop().unwrap();
    assert_eq!(stringify(&first), "[1]", "the server's recovery offset is not in the app's arguments");
    batches.clear();
    // The network drops; an event is emitted while the client is away.
    sio_control(recovering(), "kill-engine", &format!(r#"{{"namespace":"{ns}"}}"#)).await;
    sio_control(recovering(), "emit", &format!(r#"{{"namespace":"{ns}","event":"tick","args":[2]}}"#)).await;
    assert!(wait_until(5000.0, || latest_args(&batches, &ns, "tick").iter().any(|a| stringify(a) == "[2]")).await, "the missed event was replayed");
    assert!(wait_joined(&m, &ns).await);
    sleep(300).await;
    assert!(batches.all().iter().all(|b| get(b, "resync").as_bool() != Some(true)), "a recovered namespace gets no resync");
    m.close();
}

#[wasm_bindgen_test]
async fn binary_attachments_arrive_as_array_buffers() {
    let ns = guild();
    let m = sio_manager(node(), &format!(r#","namespaces":["{ns}"]"#));
    let batches = Recorder::new();
    let errors = Recorder::new();
    m.on_batch(batches.function());
    m.on_error(errors.function());
    m.connect();
    assert!(wait_joined(&m, &ns).await);
    sio_control(node(), "emit", &format!(r#"{{"namespace":"{ns}","event":"file","args":[{{"name":"a.bin"}}],"binary":true,"bytes":[1,2,3,250]}}"#)).await;
    assert!(wait_until(3000.0, || !latest_args(&batches, &ns, "file").is_empty()).await, "{:?}", errors.codes());
    let args = Array::from(&latest_args(&batches, &ns, "file").pop().unwrap());
    assert_eq!(get(&args.get(0), "name").as_string().as_deref(), Some("a.bin"));
    let buf = args.get(1);
    assert!(buf.is_instance_of::<js_sys::ArrayBuffer>(), "the attachment in place of its placeholder: {}", stringify(&args));
    assert_eq!(js_sys::Uint8Array::new(&buf).to_vec(), [1, 2, 3, 250]);
    assert!(errors.codes().is_empty(), "{:?}", errors.codes());
    // The stream goes on after it.
    sio_control(node(), "emit", &format!(r#"{{"namespace":"{ns}","event":"after","args":[1]}}"#)).await;
    assert!(wait_until(3000.0, || !latest_args(&batches, &ns, "after").is_empty()).await);
    m.close();
}

#[wasm_bindgen_test]
async fn the_probe_event_measures_round_trips() {
    let ns = guild();
    let m = sio_manager(node(), &format!(r#","namespaces":["/","{ns}"],"probeEvent":"ping","heartbeatIntervalMs":1000"#));
    let batches = Recorder::new();
    m.on_batch(batches.function());
    m.connect();
    assert!(wait_joined(&m, "/").await);
    assert!(wait_until(4000.0, || num(&get(&m.stats(), "rtt"), "count") >= 2.0).await, "{}", stringify(&get(&m.stats(), "rtt")));
    assert!(batches.all().iter().all(|b| get(&get(b, "latest"), "/").is_undefined() || get(&get(&get(b, "latest"), "/"), "pong").is_undefined()), "no pong reached the app");
    m.close();
}

#[wasm_bindgen_test]
async fn binary_arguments_are_emitted_as_attachments() {
    let ns = guild();
    let m = sio_manager(node(), &format!(r#","namespaces":["{ns}"]"#));
    let batches = Recorder::new();
    m.on_batch(batches.function());
    // Queued before connecting, with its attachment kept until the join reply.
    let bytes = js_sys::Uint8Array::from(&[9u8, 8, 7][..]);
    let placeholder = options(r#"{"_placeholder":true,"num":0}"#);
    assert!(m.emit_on(ns.clone(), JsValue::from_str("echo"), Array::of2(&JsValue::from_str("file"), &placeholder), Array::of1(&bytes.buffer()).into()).unwrap());
    m.connect();
    assert!(wait_until(4000.0, || !latest_args(&batches, &ns, "echo").is_empty()).await, "the server echoed the binary event");
    let args = Array::from(&latest_args(&batches, &ns, "echo").pop().unwrap());
    assert_eq!(js_sys::Uint8Array::new(&args.get(1)).to_vec(), [9, 8, 7], "{}", stringify(&args));
    // emitWithAck with an attachment: the server's ack lists what it received.
    let reply = await_promise(
        m.emit_with_ack_on(ns.clone(), JsValue::from_str("upload"), Array::of1(&placeholder), Array::of1(&bytes.buffer()).into(), JsValue::UNDEFINED).unwrap(),
    )
    .await
    .expect("the ack resolves");
    // The server acks with what it received, the bytes included: a binary ack, whose
    // attachment arrives as an ArrayBuffer too.
    let back = Array::from(&get(&reply, "args")).get(0);
    assert!(back.is_instance_of::<js_sys::ArrayBuffer>(), "{}", stringify(&reply));
    assert_eq!(js_sys::Uint8Array::new(&back).to_vec(), [9, 8, 7]);
    // More than 10 attachments is a TypeError.
    let many = Array::new();
    for _ in 0..11 {
        many.push(&bytes.buffer());
    }
    assert!(m.emit_on(ns.clone(), JsValue::from_str("echo"), Array::new(), many.into()).is_err());
    m.close();
}

#[wasm_bindgen_test]
async fn collect_events_lists_every_event_with_its_namespace_and_arguments() {
    let ns = guild();
    let m = sio_manager(node(), &format!(r#","namespaces":["{ns}"],"collectEvents":true"#));
    let batches = Recorder::new();
    m.on_batch(batches.function());
    m.connect();
    assert!(wait_joined(&m, &ns).await);
    batches.clear();
    sio_control(node(), "burst", &format!(r#"{{"namespace":"{ns}","event":"queue_updated","count":3,"args":["a"],"seq":true}}"#)).await;
    assert!(wait_until(3000.0, || batches.all().iter().map(|b| num(b, "size")).sum::<f64>() >= 3.0).await);
    let events: Vec<JsValue> = batches.all().iter().flat_map(|b| Array::from(&get(b, "events")).iter().collect::<Vec<_>>()).collect();
    let seen: Vec<String> = events.iter().filter(|e| get(e, "kind").as_string().as_deref() == Some("queue_updated")).map(|e| format!("{} {} {}", get(e, "contextId").as_string().unwrap_or_default(), get(e, "kind").as_string().unwrap_or_default(), stringify(&get(e, "args")))).collect();
    assert_eq!(seen, [format!(r#"{ns} queue_updated ["a",0]"#), format!(r#"{ns} queue_updated ["a",1]"#), format!(r#"{ns} queue_updated ["a",2]"#)]);
    m.close();
}

#[wasm_bindgen_test]
async fn malformed_packets_are_reported_and_skipped_without_a_reconnect() {
    let ns = guild();
    let m = sio_manager(node(), &format!(r#","namespaces":["{ns}"]"#));
    let batches = Recorder::new();
    let errors = Recorder::new();
    let statuses = Recorder::new();
    m.on_batch(batches.function());
    m.on_error(errors.function());
    m.on_status(statuses.function());
    m.connect();
    assert!(wait_joined(&m, &ns).await);
    let frames = format!(r#"["42{{}}","4abc","49","7hello","42/{n},[]","42/{n},[\"disconnect\"]","451-/{n},[\"f\",{{\"_placeholder\":true,\"num\":3}}]","43999[\"x\"]"]"#, n = &ns[1..]);
    sio_control(node(), "raw", &format!(r#"{{"namespace":"{ns}","frames":{frames},"binary":[[1,2]]}}"#)).await;
    sio_control(node(), "emit", &format!(r#"{{"namespace":"{ns}","event":"after","args":[1]}}"#)).await;
    assert!(wait_until(3000.0, || !latest_args(&batches, &ns, "after").is_empty()).await, "the stream goes on");
    let codes = errors.codes();
    assert!(codes.iter().filter(|c| *c == "badFrame").count() >= 7, "{codes:?}");
    assert!(codes.contains(&"binaryFrame".to_string()), "the stray binary frame: {codes:?}");
    assert_eq!(m.status(), "open");
    assert!(!statuses.codes().contains(&"reconnecting".to_string()), "no reconnect: {:?}", statuses.codes());
    m.close();
}

#[wasm_bindgen_test]
async fn ack_timeouts_run_from_the_call_also_offline() {
    let ns = guild();
    let m = sio_manager(node(), &format!(r#","namespaces":["{ns}"]"#));
    // Not connected: the call waits in the queue, and its timeout runs meanwhile.
    let p = m.emit_with_ack_on(ns.clone(), JsValue::from_str("join"), Array::new(), JsValue::UNDEFINED, JsValue::from_f64(300.0)).unwrap();
    let started = js_sys::Date::now();
    let err = await_promise(p).await.expect_err("no connection, no ack");
    assert_eq!(get(&err, "code").as_string().as_deref(), Some("ackTimeout"));
    let waited = js_sys::Date::now() - started;
    assert!((250.0..3000.0).contains(&waited), "rejected after {waited} ms");
    // A refused namespace is tried again by subscribe().
    let errors = Recorder::new();
    m.on_error(errors.function());
    m.subscribe(Array::of1(&JsValue::from_str("/private")).into()).unwrap();
    m.connect();
    assert!(wait_until(3000.0, || namespace_state(&m, "/private") == "refused").await);
    m.subscribe(Array::of1(&JsValue::from_str("/private")).into()).unwrap();
    assert!(wait_until(3000.0, || errors.codes().iter().filter(|c| *c == "connectError").count() == 2).await, "tried again: {:?}", errors.codes());
    m.close();
}

#[wasm_bindgen_test]
async fn send_batch_ms_sends_one_event_per_window() {
    let ns = guild();
    let m = sio_manager(node(), &format!(r#","namespaces":["{ns}"],"sendBatchMs":50"#));
    m.connect();
    assert!(wait_joined(&m, &ns).await);
    assert!(m.emit_on(ns.clone(), JsValue::from_str("a"), Array::of1(&JsValue::from_f64(1.0)), JsValue::UNDEFINED).unwrap());
    assert!(m.emit_on(ns.clone(), JsValue::from_str("b"), Array::of1(&JsValue::from_f64(2.0)), JsValue::UNDEFINED).unwrap());
    let received = || async {
        let st = sio_state(node()).await;
        Array::from(&get(&st, "received")).iter().filter(|r| get(r, "namespace").as_string().as_deref() == Some(ns.as_str())).collect::<Vec<_>>()
    };
    let mut got = Vec::new();
    for _ in 0..100 {
        got = received().await;
        if !got.is_empty() {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(got.len(), 1, "one event for the window");
    assert_eq!(get(&got[0], "event").as_string().as_deref(), Some("batch"));
    assert_eq!(stringify(&get(&got[0], "args")), r#"[[["a",1],["b",2]]]"#);
    m.close();
}
