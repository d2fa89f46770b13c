//! Helpers for the browser tests: the local server's address and control channel,
//! recorders for callbacks, and bounded waits. Every wait has a deadline, so a test
//! that goes wrong fails instead of hanging.
#![allow(dead_code)]

use calimero_socket::engine::protocols::calimero::encode_base58;
use calimero_socket::SocketManager;
use js_sys::{Array, Function, Promise, Reflect, JSON};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// `host:port` of the local event server (set at build time by the test script).
pub const SERVER: &str = match option_env!("SDK_TEST_SERVER") {
    Some(s) => s,
    None => "127.0.0.1:9477",
};

/// A unique session name, so tests never see each other's connections.
pub fn session(name: &str) -> String {
    format!("{name}-{}", (js_sys::Math::random() * 1e12) as u64)
}

/// A Calimero context id (base58 of 32 bytes) made from one byte.
pub fn ctx(n: u8) -> String {
    encode_base58(&[n; 32])
}

pub fn ws_url(path: &str, session: &str) -> String {
    format!("ws://{SERVER}/{path}?session={session}")
}

/// Builds an options object from JSON text.
pub fn options(json: &str) -> JsValue {
    JSON::parse(json).expect("test options are JSON")
}

/// A manager for `session` on `/ws` with extra option members (`"k":v,...`).
pub fn manager(session: &str, extra: &str) -> SocketManager {
    let sep = if extra.is_empty() { "" } else { "," };
    let json = format!(r#"{{"url":"{}"{sep}{extra}}}"#, ws_url("ws", session));
    SocketManager::new(options(&json)).unwrap_or_else(|e| panic!("manager options refused: {e:?}"))
}

pub async fn sleep(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// Polls `f` every 10 ms until it holds or `timeout_ms` passes; returns whether it held.
pub async fn wait_until(timeout_ms: f64, f: impl Fn() -> bool) -> bool {
    let end = js_sys::Date::now() + timeout_ms;
    loop {
        if f() {
            return true;
        }
        if js_sys::Date::now() > end {
            return false;
        }
        sleep(10).await;
    }
}

async fn fetch_json(url: &str, init: Option<&web_sys::RequestInit>) -> JsValue {
    let window = web_sys::window().unwrap();
    let promise = match init {
        Some(init) => window.fetch_with_str_and_init(url, init),
        None => window.fetch_with_str(url),
    };
    let resp: web_sys::Response = JsFuture::from(promise).await.expect("control server reachable").unchecked_into();
    assert!(resp.ok(), "control call {url} failed: {}", resp.status());
    JsFuture::from(resp.json().unwrap()).await.unwrap()
}

/// POST `http://<host>/control/<route>` with a JSON body, answered as JSON (the
/// Socket.IO test servers' control channel).
pub async fn post_control(host: &str, route: &str, body: &str) -> JsValue {
    let url = format!("http://{host}/control/{route}");
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(body));
    let headers = web_sys::Headers::new().unwrap();
    headers.set("content-type", "application/json").unwrap();
    init.set_headers(&headers);
    fetch_json(&url, Some(&init)).await
}

/// A server address given at build time by scripts/test.sh, or a panic naming it.
pub fn server_from(var: Option<&'static str>, name: &str) -> &'static str {
    match var {
        Some(s) if !s.is_empty() => s,
        _ => panic!("{name} is not set at build time: scripts/test.sh starts the servers and sets it"),
    }
}

/// GET `/control/<endpoint>?session=..&<query>`.
pub async fn control(session: &str, endpoint: &str, query: &str) -> JsValue {
    let url = format!("http://{SERVER}/control/{endpoint}?session={session}&{query}");
    fetch_json(&url, None).await
}

/// POST `/control/<endpoint>` with a JSON body.
pub async fn control_post(session: &str, endpoint: &str, body: &str) -> JsValue {
    let url = format!("http://{SERVER}/control/{endpoint}?session={session}");
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(body));
    let headers = web_sys::Headers::new().unwrap();
    headers.set("content-type", "application/json").unwrap();
    init.set_headers(&headers);
    fetch_json(&url, Some(&init)).await
}

/// Sends `frames` (a JSON array of frame specs) in one burst on `path`.
pub async fn burst(session: &str, path: &str, frames: &str) -> JsValue {
    control_post(session, "burst", &format!(r#"{{"path":"{path}","intervalMs":0,"frames":{frames}}}"#)).await
}

pub fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

pub fn num(v: &JsValue, key: &str) -> f64 {
    get(v, key).as_f64().unwrap_or_else(|| panic!("{key} is not a number in {}", stringify(v)))
}

pub fn flag(batch: &JsValue, name: &str) -> bool {
    get(&get(batch, "flags"), name).as_bool().unwrap_or(false)
}

pub fn stringify(v: &JsValue) -> String {
    JSON::stringify(v).ok().and_then(|s| s.as_string()).unwrap_or_else(|| format!("{v:?}"))
}

/// The server's subscriptions of the session's open connections, flattened.
pub async fn server_subscriptions(session: &str) -> Vec<String> {
    let st = control(session, "status", "").await;
    let mut out = Vec::new();
    for conn in Array::from(&get(&st, "subscriptions")).iter() {
        for id in Array::from(&conn).iter() {
            out.push(id.as_string().unwrap());
        }
    }
    out
}

/// Waits (bounded) until the server shows `id` among the session's subscriptions.
pub async fn wait_until_subscribed(session: &str, id: &str) -> bool {
    for _ in 0..150 {
        if server_subscriptions(session).await.iter().any(|x| x == id) {
            return true;
        }
        sleep(20).await;
    }
    false
}

/// Records every value a callback receives. `returning` makes the callback's result.
pub struct Recorder {
    pub values: Rc<RefCell<Vec<JsValue>>>,
    closure: Closure<dyn FnMut(JsValue) -> JsValue>,
}

impl Recorder {
    pub fn new() -> Self {
        Self::returning(|_| JsValue::UNDEFINED)
    }

    pub fn returning(mut f: impl FnMut(&JsValue) -> JsValue + 'static) -> Self {
        let values = Rc::new(RefCell::new(Vec::new()));
        let v2 = values.clone();
        let closure = Closure::<dyn FnMut(JsValue) -> JsValue>::new(move |x: JsValue| {
            v2.borrow_mut().push(x.clone());
            f(&x)
        });
        Recorder { values, closure }
    }

    pub fn function(&self) -> Function {
        self.closure.as_ref().unchecked_ref::<Function>().clone()
    }

    pub fn len(&self) -> usize {
        self.values.borrow().len()
    }

    pub fn all(&self) -> Vec<JsValue> {
        self.values.borrow().clone()
    }

    pub fn clear(&self) {
        self.values.borrow_mut().clear();
    }

    /// String values (statuses), or the `code` of error objects.
    pub fn codes(&self) -> Vec<String> {
        self.values
            .borrow()
            .iter()
            .map(|v| v.as_string().unwrap_or_else(|| get(v, "code").as_string().unwrap_or_default()))
            .collect()
    }
}

/// A Promise that resolves after `ms`.
pub fn delay_promise(ms: u32) -> Promise {
    wasm_bindgen_futures::future_to_promise(async move {
        sleep(ms).await;
        Ok(JsValue::UNDEFINED)
    })
}

/// Waits for `m.status == want`.
pub async fn wait_status(m: &SocketManager, want: &str, timeout_ms: f64) -> bool {
    wait_until(timeout_ms, || m.status() == want).await
}

/// JSON for `n` frames of `ctx` with one kind each (`kinds[i % len]`).
pub fn frames(ctx: &str, kinds: &[&str], n: usize) -> String {
    let items: Vec<String> = (0..n).map(|i| format!(r#"{{"contextId":"{ctx}","kinds":["{}"]}}"#, kinds[i % kinds.len()])).collect();
    format!("[{}]", items.join(","))
}
