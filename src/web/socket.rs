//! The browser WebSocket and its four handlers. The handlers' closures are owned by
//! [`Socket`]; dropping it detaches them first, then closes the socket (if it is still
//! connecting or open) with the code the manager chose, then frees the closures. So a
//! replaced or closed socket can never call back into the manager.

#[allow(unused_imports)]
use crate::prelude::*;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use super::live::{Handle, LiveGuard};
use web_sys::{BinaryType, CloseEvent, Event, WebSocket};

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
    pub fn bind(this: &FrameScanner, fast: &JsValue, slow: &JsValue, max_units: f64);
    #[wasm_bindgen(method)]
    fn attach(this: &FrameScanner, ws: &WebSocket);
    #[wasm_bindgen(method)]
    pub fn scan(this: &FrameScanner, text: &JsValue);
}

/// What the socket tells its owner.
pub enum SocketEvent {
    Open,
    /// A frame the scanner pre-read: context and kind ids interned by the scanner.
    Scanned { now: f64, ctx: u32, kinds: [u32; 4], n: u32, units: u32, text: JsValue },
    /// Any other text frame (kept as the JS string it arrived as), with its arrival time.
    Text(f64, JsValue),
    /// A binary frame: these protocols are text only.
    Binary,
    Close(u16, String),
}

pub type FastFn = dyn FnMut(f64, u32, u32, u32, u32, u32, u32, JsValue);
pub type SlowFn = dyn FnMut(f64, JsValue);

/// The scanner's two outlets, owned by the manager (they outlive each socket, and also
/// serve `injectFrame`); dropping them drops the closures.
pub struct ScanHandlers {
    _fast: Closure<FastFn>,
    _slow: Closure<SlowFn>,
}

impl ScanHandlers {
    /// Binds `scanner` to `on`; `max_units` < 0 sends every frame the slow way.
    pub fn bind(scanner: &FrameScanner, max_units: f64, on: impl Fn(SocketEvent) + Clone + 'static) -> Self {
        let on2 = on.clone();
        // `packed` is the context id with the kind count in bits 16 and up.
        let fast = Closure::<FastFn>::new(move |now, packed: u32, units, k0, k1, k2, k3, text| {
            on2(SocketEvent::Scanned { now, ctx: packed & 0xffff, n: packed >> 16, units, kinds: [k0, k1, k2, k3], text })
        });
        let slow = Closure::<SlowFn>::new(move |now, data: JsValue| {
            if data.is_string() {
                on(SocketEvent::Text(now, data));
            } else {
                on(SocketEvent::Binary);
            }
        });
        scanner.bind(fast.as_ref(), slow.as_ref(), max_units);
        ScanHandlers { _fast: fast, _slow: slow }
    }
}

/// An open (or opening) WebSocket with its handlers attached.
#[must_use]
pub struct Socket {
    ws: WebSocket,
    close_with: (u16, &'static str),
    _live: LiveGuard,
    _on_open: Closure<dyn FnMut(Event)>,

    _on_close: Closure<dyn FnMut(CloseEvent)>,
    _on_error: Closure<dyn FnMut(Event)>,
}

impl Socket {
    /// Opens `url`; messages go to `scanner`, every other event to `on`.
    pub fn open(url: &str, scanner: &FrameScanner, on: impl Fn(SocketEvent) + Clone + 'static) -> Result<Socket, JsValue> {
        let ws = WebSocket::new(url)?;
        ws.set_binary_type(BinaryType::Arraybuffer);
        let on_open = {
            let on = on.clone();
            Closure::<dyn FnMut(Event)>::new(move |_| on(SocketEvent::Open))
        };
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |e: CloseEvent| on(SocketEvent::Close(e.code(), e.reason())));
        // An error is always followed by a close event, which is what the manager reads.
        let on_error = Closure::<dyn FnMut(Event)>::new(|_| {});
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        scanner.attach(&ws);
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        ws.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Socket {
            ws,
            close_with: (1000, ""),
            _live: LiveGuard::new(Handle::Socket),
            _on_open: on_open,

            _on_close: on_close,
            _on_error: on_error,
        })
    }

    /// Sends a text frame.
    pub fn send(&self, text: &str) -> Result<(), JsValue> {
        self.ws.send_with_str(text)
    }

    /// Closes with `code` (1000 or 3000-4999) and `reason`, detaching every handler.
    pub fn close(mut self, code: u16, reason: &'static str) {
        self.close_with = (code, reason);
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        self.ws.set_onerror(None);
        let state = self.ws.ready_state();
        if state == WebSocket::CONNECTING || state == WebSocket::OPEN {
            let (code, reason) = self.close_with;
            let _ = self.ws.close_with_code_and_reason(code, reason);
        }
    }
}
