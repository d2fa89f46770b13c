//! A fleet of servers in the browser: `url` as a list, failing over when the server in
//! use goes away. A Calimero pair (two local event servers: `SDK_TEST_SERVER` and
//! `SDK_TEST_SERVER2`) and a socket.io cluster (two socket.io servers sharing a real
//! `redis-server` through the Redis adapter: `SDK_CLUSTER_A`, `SDK_CLUSTER_B`), all
//! started by scripts/test.sh. Without them every test fails: nothing is skipped.
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

fn second_server() -> &'static str {
    server_from(option_env!("SDK_TEST_SERVER2"), "SDK_TEST_SERVER2")
}

/// GET `http://<host>/control/<endpoint>?session=..&<query>` (the local event server).
async fn control_at(host: &str, session: &str, endpoint: &str, query: &str) -> JsValue {
    let url = format!("http://{host}/control/{endpoint}?session={session}&{query}");
    let window = web_sys::window().unwrap();
    let resp: web_sys::Response = JsFuture::from(window.fetch_with_str(&url)).await.expect("the server is reachable").unchecked_into();
    assert!(resp.ok(), "control call {url} failed: {}", resp.status());
    JsFuture::from(resp.json().unwrap()).await.unwrap()
}

async fn subscribed_at(host: &str, session: &str, id: &str) -> bool {
    let st = control_at(host, session, "status", "").await;
    Array::from(&get(&st, "subscriptions")).iter().any(|conn| Array::from(&conn).iter().any(|x| x.as_string().as_deref() == Some(id)))
}

#[wasm_bindgen_test]
async fn a_calimero_pair_fails_over_with_resubscribe_and_resync() {
    let s = session("pair");
    let c = ctx(41);
    let (a, b) = (SERVER, second_server());
    let json = format!(r#"{{"url":["ws://{a}/ws?session={s}","ws://{b}/ws?session={s}"],"contextIds":["{c}"]}}"#);
    let m = SocketManager::new(options(&json)).unwrap();
    let batches = Recorder::new();
    m.on_batch(batches.function());
    m.connect();
    assert!(wait_status(&m, "open", 5000.0).await);
    assert_eq!(get(&m.stats(), "url").as_string(), Some(format!("ws://{a}/ws?session={s}")), "the first URL first");
    // Server A goes away: it refuses new connections and drops the one it has.
    control_at(a, &s, "refuse", "ms=20000").await;
    control_at(a, &s, "drop", "").await;
    assert!(wait_until(5000.0, || get(&m.stats(), "url").as_string() == Some(format!("ws://{b}/ws?session={s}")) && m.status() == "open").await, "failed over to B: {}", stringify(&m.stats()));
    let mut on_b = false;
    for _ in 0..100 {
        if subscribed_at(b, &s, &c).await {
            on_b = true;
            break;
        }
        sleep(20).await;
    }
    assert!(on_b, "the subscription was re-sent on B");
    assert!(wait_until(3000.0, || batches.all().iter().any(|b| get(b, "resync").as_bool() == Some(true))).await, "resync after the failover");
    assert!(num(&get(&m.stats(), "urlFailures"), &format!("ws://{a}/ws?session={s}")) >= 1.0, "{}", stringify(&m.stats()));
    m.close();
}

fn cluster_a() -> &'static str {
    server_from(option_env!("SDK_CLUSTER_A"), "SDK_CLUSTER_A")
}

fn cluster_b() -> &'static str {
    server_from(option_env!("SDK_CLUSTER_B"), "SDK_CLUSTER_B")
}

fn latest_of(batches: &Recorder, ns: &str, event: &str) -> bool {
    batches.all().iter().any(|b| !get(&get(&get(b, "latest"), ns), event).is_undefined())
}

#[wasm_bindgen_test]
async fn a_socketio_cluster_on_redis_delivers_across_servers_and_fails_over() {
    let ns = format!("/guild/{}", (js_sys::Math::random() * 1e12) as u64);
    let (a, b) = (cluster_a(), cluster_b());
    // B first: the client lands on B.
    let json = format!(r#"{{"url":["http://{b}","http://{a}"],"protocol":"socketio","namespaces":["{ns}"]}}"#);
    let m = SocketManager::new(options(&json)).unwrap();
    let batches = Recorder::new();
    m.on_batch(batches.function());
    m.connect();
    assert!(wait_until(5000.0, || get(&m.namespaces(), &ns).as_string().as_deref() == Some("joined")).await);
    let join: Promise = m.emit_with_ack_on(ns.clone(), JsValue::from_str("join"), Array::of1(&options(r#"{"room":"r1"}"#)), JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap();
    JsFuture::from(join).await.expect("joined the room on B");
    // An event emitted to the room on server A reaches the client on server B (Redis).
    post_control(a, "emit", &format!(r#"{{"namespace":"{ns}","room":"r1","event":"from_a","args":[1]}}"#)).await;
    assert!(wait_until(3000.0, || latest_of(&batches, &ns, "from_a")).await, "A's room event reached the client on B");
    // B goes down: the client fails over to A, re-joins, gets resync.
    post_control(b, "restart", r#"{"downMs":15000,"graceful":false}"#).await;
    let started = js_sys::Date::now();
    assert!(wait_until(6000.0, || get(&m.stats(), "url").as_string() == Some(format!("http://{a}")) && get(&m.namespaces(), &ns).as_string().as_deref() == Some("joined")).await, "failed over to A: {}", stringify(&m.stats()));
    let took = js_sys::Date::now() - started;
    assert!(took < 3000.0, "failover within the first-retry window and one refused attempt: {took} ms");
    assert!(wait_until(3000.0, || batches.all().iter().any(|b| get(b, "resync").as_bool() == Some(true))).await, "resync after the failover");
    post_control(a, "emit", &format!(r#"{{"namespace":"{ns}","event":"after","args":[2]}}"#)).await;
    assert!(wait_until(3000.0, || latest_of(&batches, &ns, "after")).await, "the next event arrives on A");
    m.close();
}
