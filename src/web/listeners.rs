//! The app's callbacks. Each kind is a JS array of functions; `on*` returns a plain JS
//! function that removes its callback, made by a tiny JS helper, so no Rust closure is
//! created (or leaked) per subscription. Callbacks are always invoked with no Rust
//! borrow of the manager live, and a throwing callback is caught and reported.

#[allow(unused_imports)]
use crate::prelude::*;

use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(module = "/src/web/helpers.js")]
extern "C" {
    fn remover(list: &Array, cb: &Function) -> Function;
    #[wasm_bindgen(js_name = callAll)]
    fn call_all_js(list: &Array, arg: &JsValue) -> JsValue;
    /// Calls `done(reasons)` once every thenable has settled, with the rejections.
    #[wasm_bindgen(js_name = afterAll)]
    pub fn after_all(promises: &Array, done: &JsValue);
    /// Calls `done(value, true)` or `done(reason, false)` once `v` settles.
    #[wasm_bindgen(js_name = whenSettled)]
    pub fn when_settled(v: &JsValue, done: &JsValue);
    /// `console[level](what, value)`.
    #[wasm_bindgen(js_name = consoleSay)]
    pub fn console_say(level: &str, what: &str, value: &JsValue);
}

/// One kind of callback.
#[derive(Default)]
pub struct ListenerList {
    list: Array,
}

impl ListenerList {
    /// Adds `cb`; returns the function that removes it.
    pub fn add(&self, cb: Function) -> Function {
        self.list.push(&cb);
        remover(&self.list, &cb)
    }

    /// The list itself, to call with [`call_all`] once no borrow is live (the call
    /// takes a snapshot, so callbacks may add or remove callbacks meanwhile).
    pub fn snapshot(&self) -> Array {
        self.list.clone()
    }

    pub fn clear(&self) {
        self.list.set_length(0);
    }
}

/// Calls every function of `list` with `arg`, in one call into JS; returns the
/// thenables they returned (as an array, if any) and the errors they threw.
pub fn call_all(list: &Array, arg: &JsValue) -> (Option<Array>, Vec<JsValue>) {
    let out = call_all_js(list, arg);
    if out.is_null() {
        return (None, Vec::new());
    }
    let pair: &Array = out.unchecked_ref();
    let promises = pair.get(0);
    let thrown = pair.get(1);
    let thrown = if thrown.is_null() { Vec::new() } else { Array::from(&thrown).iter().collect() };
    (if promises.is_null() { None } else { Some(promises.unchecked_into()) }, thrown)
}

/// Which callbacks: the index of their list in [`Listeners`].
#[derive(Clone, Copy)]
pub enum Kind {
    Batch,
    Status,
    Error,
    Event,
    Gap,
    Degraded,
    Health,
    Metrics,
    Role,
}

impl Kind {
    /// The method that registers them (named in `callbackThrew` messages).
    pub fn method(self) -> &'static str {
        ["onBatch", "onStatus", "onError", "onEvent", "onGap", "onDegraded", "onHealth", "onMetrics", "onRole"][self as usize]
    }
}

/// The app's callbacks, one list per [`Kind`].
#[derive(Default)]
pub struct Listeners([ListenerList; 9]);

impl Listeners {
    pub fn of(&self, kind: Kind) -> &ListenerList {
        &self.0[kind as usize]
    }

    pub fn clear(&self) {
        for l in &self.0 {
            l.clear();
        }
    }
}
