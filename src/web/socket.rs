//! The browser WebSocket and its four handlers. The handlers' closures are owned by
//! [`Socket`]; dropping it detaches them first, then closes the socket (if it is still
//! connecting or open) with the code the manager chose, then frees the closures. So a
//! replaced or closed socket can never call back into the manager.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use super::live::{Handle, LiveGuard};
use web_sys::{BinaryType, CloseEvent, Event, MessageEvent, WebSocket};

/// What the socket tells its owner.
pub enum SocketEvent {
    Open,
    /// A text frame (kept as the JS string it arrived as).
    Text(JsValue),
    /// A binary frame: these protocols are text only.
    Binary,
    Close(u16, String),
}

/// An open (or opening) WebSocket with its handlers attached.
#[must_use]
pub struct Socket {
    ws: WebSocket,
    close_with: (u16, &'static str),
    _live: LiveGuard,
    _on_open: Closure<dyn FnMut(Event)>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
    _on_error: Closure<dyn FnMut(Event)>,
}

impl Socket {
    /// Opens `url`; every event is passed to `on`.
    pub fn open(url: &str, on: impl Fn(SocketEvent) + Clone + 'static) -> Result<Socket, JsValue> {
        let ws = WebSocket::new(url)?;
        ws.set_binary_type(BinaryType::Arraybuffer);
        let on_open = {
            let on = on.clone();
            Closure::<dyn FnMut(Event)>::new(move |_| on(SocketEvent::Open))
        };
        let on_message = {
            let on = on.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                let data = e.data();
                if data.is_string() {
                    on(SocketEvent::Text(data));
                } else {
                    on(SocketEvent::Binary);
                }
            })
        };
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |e: CloseEvent| on(SocketEvent::Close(e.code(), e.reason())));
        // An error is always followed by a close event, which is what the manager reads.
        let on_error = Closure::<dyn FnMut(Event)>::new(|_| {});
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        ws.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Socket {
            ws,
            close_with: (1000, ""),
            _live: LiveGuard::new(Handle::Socket),
            _on_open: on_open,
            _on_message: on_message,
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
