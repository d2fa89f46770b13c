//! Page-level listeners (`online`, `offline`, `pagehide`, `visibilitychange`; with shareAcrossTabs also `pageshow`, `freeze`, `resume`), added and removed by
//! `PageListeners` in `helpers.js` around one Rust closure. [`PageEvents`] owns both;
//! its `Drop` removes the listeners first, then frees the closure.

#[allow(unused_imports)]
use crate::prelude::*;

use super::live::{Handle, LiveGuard};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/web/helpers.js")]
extern "C" {
    type PageListeners;
    #[wasm_bindgen(constructor)]
    fn new(on: &JsValue, sharing: bool) -> PageListeners;
    #[wasm_bindgen(method, getter)]
    fn count(this: &PageListeners) -> u32;
    #[wasm_bindgen(method)]
    fn detach(this: &PageListeners);
    #[wasm_bindgen(js_name = pageVisible)]
    fn page_visible() -> bool;
}

/// What a page event means to the manager.
#[derive(Clone, Copy, Debug)]
pub enum PageEvent {
    Online,
    Offline,
    Visibility(bool),
    /// The page is being left (or frozen for the back/forward cache).
    Hide,
    /// Back from the back/forward cache.
    Show,
    /// The page is frozen (Page Lifecycle), or resumed.
    Freeze,
    Resume,
}

/// The page listeners of one manager.
#[must_use]
pub struct PageEvents {
    js: PageListeners,
    _closure: Closure<dyn FnMut(u32)>,
    _live: Vec<LiveGuard>,
}

impl PageEvents {
    /// Listens on `window` and `document`; `on` is called with what happened. `sharing`
    /// (shareAcrossTabs) adds `pageshow`, `freeze` and `resume`.
    pub fn attach(on: impl Fn(PageEvent) + 'static, sharing: bool) -> Self {
        let closure = Closure::<dyn FnMut(u32)>::new(move |code: u32| {
            on(match code {
                1 => PageEvent::Online,
                2 => PageEvent::Offline,
                5 => PageEvent::Hide,
                6 => PageEvent::Show,
                7 => PageEvent::Freeze,
                8 => PageEvent::Resume,
                c => PageEvent::Visibility(c == 3),
            })
        });
        let js = PageListeners::new(closure.as_ref(), sharing);
        let live = (0..js.count()).map(|_| LiveGuard::new(Handle::Listener)).collect();
        PageEvents { js, _closure: closure, _live: live }
    }

    /// Whether the page is visible now.
    pub fn visible() -> bool {
        page_visible()
    }
}

impl Drop for PageEvents {
    fn drop(&mut self) {
        self.js.detach();
    }
}
