//! The browser WebSocket, opened by `Sock` in `helpers.js` with its handlers around one
//! Rust closure owned by [`Socket`]; dropping it detaches the handlers first, then
//! closes the socket (if it is still connecting or open) with the code the manager
//! chose, then frees the closure. So a replaced or closed socket can never call back
//! into the manager. Messages go to the [`FrameScanner`].

#[allow(unused_imports)]
use crate::prelude::*;

use wasm_bindgen::prelude::*;
use super::live::{Handle, LiveGuard};
use crate::engine::protocols::PreReader;

#[wasm_bindgen(module = "/src/web/frame_scan.js")]
extern "C" {
    /// The JS message handler that pre-reads common frames (see `frame_scan.js`).
    #[derive(Clone)]
    pub type FrameScanner;
    #[wasm_bindgen(constructor)]
    pub fn new() -> FrameScanner;
    #[wasm_bindgen(method)]
    pub fn name(this: &FrameScanner, id: u32) -> String;
    #[wasm_bindgen(method)]
    pub fn bind(this: &FrameScanner, fast: &JsValue, slow: &JsValue, attached: &JsValue, reader: &str, max_units: f64);
    #[wasm_bindgen(method)]
    pub fn scan(this: &FrameScanner, text: &JsValue);
    /// The manager's clock (see [`super::now_ms`]).
    #[wasm_bindgen(js_name = clockNow)]
    pub fn clock_now() -> f64;
}

/// What the socket tells its owner.
pub enum SocketEvent {
    Open,
    /// A frame the scanner pre-read: context and kind ids interned by the scanner.
    Scanned { now: f64, ctx: u32, kinds: [u32; 4], n: u32, units: u32, text: JsValue },
    /// Any other text frame (kept as the JS string it arrived as), with its arrival time.
    Text(f64, JsValue),
    /// A binary frame, its byte length.
    Binary(usize),
    /// A binary packet's header text with its attachments (an array of ArrayBuffers).
    Attached(f64, JsValue, js_sys::Array),
    Close(u16, String),
}

pub type FastFn = dyn FnMut(f64, u32, u32, u32, u32, u32, u32, JsValue);
pub type SlowFn = dyn FnMut(f64, JsValue);

/// The scanner's two outlets, owned by the manager (they outlive each socket, and also
/// serve `injectFrame`); dropping them drops the closures.
pub struct ScanHandlers {
    _fast: Closure<FastFn>,
    _slow: Closure<SlowFn>,
    _attached: Closure<AttachedFn>,
}

pub type AttachedFn = dyn FnMut(f64, JsValue, js_sys::Array);

impl ScanHandlers {
    /// Binds `scanner` to `on`, with the protocol's pre-reader (`None`: every frame
    /// goes the slow way, to the decoder).
    pub fn bind(scanner: &FrameScanner, pre: Option<PreReader>, on: impl Fn(SocketEvent) + Clone + 'static) -> Self {
        let on2 = on.clone();
        // `packed` is the context id with the kind count in bits 16 and up.
        let fast = Closure::<FastFn>::new(move |now, packed: u32, units, k0, k1, k2, k3, text| {
            on2(SocketEvent::Scanned { now, ctx: packed & 0xffff, n: packed >> 16, units, kinds: [k0, k1, k2, k3], text })
        });
        let on3 = on.clone();
        let attached = Closure::<AttachedFn>::new(move |now, header: JsValue, buffers: js_sys::Array| on3(SocketEvent::Attached(now, header, buffers)));
        let slow = Closure::<SlowFn>::new(move |now, data: JsValue| {
            if data.is_string() {
                on(SocketEvent::Text(now, data));
            } else {
                let len = js_sys::Reflect::get(&data, &JsValue::from_str("byteLength")).ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
                on(SocketEvent::Binary(len as usize));
            }
        });
        let (reader, max_units) = pre.map_or(("", -1.0), |p| (p.name, p.max_units));
        scanner.bind(fast.as_ref(), slow.as_ref(), attached.as_ref(), reader, max_units);
        ScanHandlers { _fast: fast, _slow: slow, _attached: attached }
    }
}

#[wasm_bindgen(module = "/src/web/helpers.js")]
extern "C" {
    /// A WebSocket with its handlers (see `Sock` in `helpers.js`).
    type Sock;
    #[wasm_bindgen(constructor, catch)]
    fn new(url: &str, scanner: &FrameScanner, on: &JsValue) -> Result<Sock, JsValue>;
    #[wasm_bindgen(method, js_name = send)]
    fn send_text(this: &Sock, text: &str);
    #[wasm_bindgen(method, js_name = send)]
    fn send_value(this: &Sock, data: &JsValue);
    #[wasm_bindgen(method)]
    fn detach(this: &Sock, code: u16, reason: &str);
}

/// An open (or opening) WebSocket with its handlers attached.
#[must_use]
pub struct Socket {
    js: Sock,
    close_with: (u16, &'static str),
    _live: LiveGuard,
    _on: Closure<dyn FnMut(i32, String)>,
}

impl Socket {
    /// Opens `url`; messages go to `scanner`, opening and closing to `on`.
    pub fn open(url: &str, scanner: &FrameScanner, on: impl Fn(SocketEvent) + 'static) -> Result<Socket, JsValue> {
        let closure = Closure::<dyn FnMut(i32, String)>::new(move |code: i32, reason: String| {
            on(if code < 0 { SocketEvent::Open } else { SocketEvent::Close(code as u16, reason) })
        });
        let js = Sock::new(url, scanner, closure.as_ref())?;
        Ok(Socket { js, close_with: (1000, ""), _live: LiveGuard::new(Handle::Socket), _on: closure })
    }

    /// Sends a text frame (dropped if the socket is not open).
    pub fn send(&self, text: &str) {
        self.js.send_text(text)
    }

    /// Sends a binary frame (an ArrayBuffer).
    #[cfg(feature = "socketio")]
    pub fn send_binary(&self, data: &JsValue) {
        self.js.send_value(data)
    }

    /// Closes with `code` (1000 or 3000-4999) and `reason`, detaching every handler.
    pub fn close(mut self, code: u16, reason: &'static str) {
        self.close_with = (code, reason);
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        let (code, reason) = self.close_with;
        self.js.detach(code, reason);
    }
}
