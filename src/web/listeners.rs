//! The app's callbacks. Each kind is a JS array of functions; `on*` returns a plain JS
//! function that removes its callback, made by a tiny JS helper, so no Rust closure is
//! created (or leaked) per subscription. Callbacks are always invoked with no Rust
//! borrow of the manager live, and a throwing callback is caught and reported.

use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = "export function remover(list, cb) {
  return () => { const i = list.indexOf(cb); if (i >= 0) list.splice(i, 1); };
}")]
extern "C" {
    fn remover(list: &Array, cb: &Function) -> Function;
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

    /// A snapshot to call (so callbacks may add or remove callbacks meanwhile).
    pub fn snapshot(&self) -> Array {
        self.list.slice(0, self.list.length())
    }

    pub fn clear(&self) {
        self.list.set_length(0);
    }
}

/// Calls every function of `snapshot` with `arg`; returns what each returned, and the
/// errors thrown.
pub fn call_all(snapshot: &Array, arg: &JsValue) -> (Vec<JsValue>, Vec<JsValue>) {
    let mut returned = Vec::new();
    let mut thrown = Vec::new();
    for f in snapshot.iter() {
        let f: Function = f.into();
        match f.call1(&JsValue::UNDEFINED, arg) {
            Ok(v) => returned.push(v),
            Err(e) => thrown.push(e),
        }
    }
    (returned, thrown)
}

/// The app's callbacks, by kind.
#[derive(Default)]
pub struct Listeners {
    pub batch: ListenerList,
    pub status: ListenerList,
    pub error: ListenerList,
    pub event: ListenerList,
    pub gap: ListenerList,
    pub degraded: ListenerList,
    pub health: ListenerList,
    pub metrics: ListenerList,
}

impl Listeners {
    pub fn clear(&self) {
        for l in [&self.batch, &self.status, &self.error, &self.event, &self.gap, &self.degraded, &self.health, &self.metrics] {
            l.clear();
        }
    }
}
