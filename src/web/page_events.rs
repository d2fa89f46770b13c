//! Page-level listeners (`online`, `offline`, `visibilitychange`). Each listener is
//! owned by an [`EventListener`] whose `Drop` removes it, then frees its closure.

#[allow(unused_imports)]
use crate::prelude::*;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use super::live::{Handle, LiveGuard};
use web_sys::{Event, EventTarget};

/// One `addEventListener` registration, removed when dropped.
#[must_use]
pub struct EventListener {
    target: EventTarget,
    kind: &'static str,
    closure: Closure<dyn FnMut(Event)>,
    _live: LiveGuard,
}

impl EventListener {
    pub fn new(target: &EventTarget, kind: &'static str, f: impl FnMut(Event) + 'static) -> Option<Self> {
        let closure = Closure::<dyn FnMut(Event)>::new(f);
        target.add_event_listener_with_callback(kind, closure.as_ref().unchecked_ref()).ok()?;
        Some(EventListener { target: target.clone(), kind, closure, _live: LiveGuard::new(Handle::Listener) })
    }
}

impl Drop for EventListener {
    fn drop(&mut self) {
        let _ = self.target.remove_event_listener_with_callback(self.kind, self.closure.as_ref().unchecked_ref());
    }
}

/// What a page event means to the manager.
#[derive(Clone, Copy, Debug)]
pub enum PageEvent {
    Online,
    Offline,
    Visibility(bool),
}

/// The page listeners of one manager.
#[must_use]
pub struct PageEvents {
    _listeners: Vec<EventListener>,
}

impl PageEvents {
    /// Listens on `window` and `document`; `on` is called with what happened.
    pub fn attach(on: impl Fn(PageEvent) + Clone + 'static) -> Self {
        let mut listeners = Vec::new();
        if let Some(window) = web_sys::window() {
            let on1 = on.clone();
            listeners.extend(EventListener::new(&window, "online", move |_| on1(PageEvent::Online)));
            let on2 = on.clone();
            listeners.extend(EventListener::new(&window, "offline", move |_| on2(PageEvent::Offline)));
            if let Some(doc) = window.document() {
                let doc2 = doc.clone();
                listeners.extend(EventListener::new(&doc, "visibilitychange", move |_| {
                    on(PageEvent::Visibility(!doc2.hidden()))
                }));
            }
        }
        PageEvents { _listeners: listeners }
    }

    /// Whether the page is visible now.
    pub fn visible() -> bool {
        web_sys::window().and_then(|w| w.document()).map_or(true, |d| !d.hidden())
    }
}
