//! The manager's one timer: a JS `setTimeout` driven by `helpers.js`, with one callback
//! closure for the manager's whole life. Dropping [`Timer`] clears the pending timeout
//! first, then frees the closure.

#[allow(unused_imports)]
use crate::prelude::*;

use super::live::{Handle, LiveGuard};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/web/helpers.js")]
extern "C" {
    #[wasm_bindgen(js_name = Timer)]
    type JsTimer;
    #[wasm_bindgen(constructor, js_class = "Timer")]
    fn new(cb: &JsValue) -> JsTimer;
    #[wasm_bindgen(method, js_class = "Timer")]
    fn schedule(this: &JsTimer, at: f64, now: f64);
    #[wasm_bindgen(method, js_class = "Timer")]
    fn cancel(this: &JsTimer);
}

/// A re-armable timer calling `on_fire` at the deadlines it is given.
#[must_use]
pub struct Timer {
    js: JsTimer,
    /// When the pending timeout fires, if one is set (mirrors the JS side, so that a
    /// later deadline costs no call into JS at all).
    armed: Option<(f64, LiveGuard)>,
    _closure: Closure<dyn FnMut()>,
}

impl Timer {
    pub fn new(on_fire: impl FnMut() + 'static) -> Self {
        let closure = Closure::<dyn FnMut()>::new(on_fire);
        let js = JsTimer::new(closure.as_ref());
        Timer { js, armed: None, _closure: closure }
    }

    /// Makes sure the timer fires no later than `at` (`None`: no deadline).
    pub fn set(&mut self, at: Option<f64>, now: f64) {
        match (at, &self.armed) {
            (None, None) => {}
            (None, Some(_)) => {
                self.js.cancel();
                self.armed = None;
            }
            (Some(at), Some((armed, _))) if *armed <= at => {}
            (Some(at), _) => {
                self.js.schedule(at, now);
                self.armed = Some((at, LiveGuard::new(Handle::Timer)));
            }
        }
    }

    /// Whether a timeout is set to fire no later than `at` already.
    pub fn covers(&self, at: f64) -> bool {
        self.armed.as_ref().is_some_and(|(armed, _)| *armed <= at)
    }

    /// The pending timeout fired.
    pub fn fired(&mut self) {
        self.armed = None;
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        self.js.cancel();
    }
}
