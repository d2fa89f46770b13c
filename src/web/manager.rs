//! The exported `SocketManager`: feeds browser events into the core [`Machine`] and
//! carries out the actions it returns.
//!
//! The rule that keeps this re-entrancy safe: the `RefCell` around the state is
//! borrowed only to hand one input to the machine or to take one action out of it,
//! never while a JS callback runs. A callback may therefore call back into the manager
//! (send, subscribe, close, even free) at any time.

#[allow(unused_imports)]
use crate::prelude::*;

use super::convert::{
    batch_builder, batch_value, error_value, frame_value, set, stats_value, BatchBuilder, Found, Kept,
};
use super::listeners::{after_all, call_all, console_say, Kind, Listeners};
use super::live::live_counts;
use super::timer::Timer;
use super::now_ms;
use super::options_js::{read_options, strings_of, to_js_error};
use super::page_events::{PageEvent, PageEvents};
use super::socket::{FrameScanner, ScanHandlers, Socket, SocketEvent};
use super::tabs::{self, HubPart, TabShare};
use crate::engine::errors::{ErrorCode, SdkError};
use crate::engine::machine::{Action, Machine};
use crate::engine::machine::snapshot;
use js_sys::{Array, Function, Object, Promise};
use core::cell::RefCell;
use alloc::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Everything one manager owns. Dropping it detaches every listener and timer.
pub(super) struct State {
    pub(super) machine: Machine<Kept>,
    pub(super) socket: Option<Socket>,
    pub(super) timer: Option<Timer>,
    page: Option<PageEvents>,
    listeners: Listeners,
    debug: bool,
    /// Pre-reads frames in JS; its interned ids outlive each socket.
    pub(super) scanner: FrameScanner,
    /// Where the scanner sends frames (set right after construction).
    scan_handlers: Option<ScanHandlers>,
    /// Decodes a kept frame's text when the app reads `batch.latest[id]`.
    decoder: Option<Closure<dyn Fn(JsValue, f64) -> JsValue>>,
    /// Called when the thenables a batch callback returned have settled.
    settled: Option<Closure<dyn Fn(Array)>>,
    /// Builds batch objects in JS (holds the decoder and the cached names).
    builder: Option<BatchBuilder>,
    /// Kind names the batch builder has been given.
    known_kinds: usize,
    /// The scanner's names, fetched once per new id.
    names: Vec<Box<str>>,
    /// The core's kind id for each scanner id that was seen as a kind.
    kind_ids: Vec<Option<crate::engine::delivery::refresh::KindId>>,
    /// `(request id, resolve, reject, first)` of each pending `execute()` or
    /// `emitWithAck()` (as many as the machine's pending table: it settles every id
    /// once); `first`: resolve with the answer's first element (an ack's arguments).
    executes: Vec<(u64, Function, Function, bool)>,
    /// socketio: the attachments of binary emits not sent yet, by emit id.
    outgoing: Vec<(u64, Array)>,
    /// socketio: the `auth` option when it is a function, called on every (re)connect,
    /// and what receives its (awaited) result.
    pub(super) auth: Option<Function>,
    authorized: Option<Closure<dyn Fn(JsValue, bool)>>,
    /// `shareAcrossTabs`: this manager's part in the election and the relay.
    pub(super) share: Option<TabShare>,
    /// The hub of a shared socket (a hidden manager in the leader's page).
    pub(super) hub_part: Option<HubPart>,
}

pub(super) type Shared = Rc<RefCell<State>>;

/// A realtime connection: WebSocket, subscriptions, batching, reconnects.
#[wasm_bindgen]
pub struct SocketManager {
    state: Shared,
}

#[wasm_bindgen]
impl SocketManager {
    /// Creates a manager; throws a `TypeError`/`RangeError` naming a bad option.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<SocketManager, JsValue> {
        let (opts, text) = read_options(&options)?;
        let share = opts.share_across_tabs.then(|| crate::engine::tabs::identity::share_key(&opts)).flatten().filter(|_| tabs::supported());
        let state = new_state(opts, tabs::auth_of(&options))?;
        if let Some(key) = share {
            let part = TabShare::new(&state, key, text);
            let mut s = state.borrow_mut();
            s.machine.relayed((js_sys::Math::random() * 9.0e15) as u64);
            s.share = Some(part);
        }
        Ok(SocketManager { state })
    }

    /// Connects (idempotent: never opens a second socket).
    pub fn connect(&self) {
        {
            let mut s = self.state.borrow_mut();
            if s.page.is_none() {
                let weak = Rc::downgrade(&self.state);
                let sharing = s.share.is_some();
                s.page = Some(PageEvents::attach(move |ev| on_page_event(&weak, ev), sharing));
                let visible = PageEvents::visible();
                s.machine.visibility(now_ms(), visible);
            }
        }
        drive(&self.state, |m, now| m.connect(now));
        tabs::join(&self.state);
    }

    /// Closes with code 1000; nothing reconnects until `connect()` is called again.
    pub fn close(&self) {
        drive(&self.state, |m, now| m.close(now));
        // A leader hands the socket over; only the last tab's close() closes it.
        tabs::leave(&self.state, false);
        let mut s = self.state.borrow_mut();
        s.page = None;
        if let Some(timer) = s.timer.as_mut() {
            timer.set(None, 0.0);
        }
    }

    /// Subscribes to more context ids (sent now if open, else on open; re-sent after
    /// every reconnect). Returns the ids refused as malformed (also reported to onError).
    pub fn subscribe(&self, context_ids: JsValue) -> Result<Array, JsValue> {
        let ids = strings_of(&context_ids, "contextIds")?;
        let mut refused = Vec::new();
        drive(&self.state, |m, now| refused = m.subscribe(now, &ids));
        tabs::wanted_changed(&self.state);
        Ok(refused.iter().map(|s| JsValue::from_str(s)).collect())
    }

    /// Removes subscriptions.
    pub fn unsubscribe(&self, context_ids: JsValue) -> Result<(), JsValue> {
        let ids = strings_of(&context_ids, "contextIds")?;
        drive(&self.state, |m, now| m.unsubscribe(now, &ids));
        tabs::wanted_changed(&self.state);
        Ok(())
    }

    /// Sends a message (objects are JSON-encoded). While not open it is queued.
    /// Returns false when it cannot be sent or queued (closed, failed, queue refused).
    pub fn send(&self, value: JsValue) -> Result<bool, JsValue> {
        let text = match value.as_string() {
            Some(s) => s,
            None => js_sys::JSON::stringify(&value)?.as_string().ok_or_else(|| js_sys::TypeError::new("send: value cannot be JSON-encoded"))?,
        };
        let mut ok = false;
        let is_string = value.is_string();
        drive(&self.state, |m, now| ok = m.send_value(now, text, is_string));
        Ok(ok)
    }

    /// Sends the `sendBatchMs` batch held now (also done on `pagehide` and `close()`).
    pub fn flush(&self) {
        drive(&self.state, |m, now| m.flush(now));
    }

    /// Drops every queued message (each is counted and reported). Returns how many.
    #[wasm_bindgen(js_name = clearQueue)]
    pub fn clear_queue(&self) -> u32 {
        let mut n = 0;
        drive(&self.state, |m, now| n = m.clear_queue(now));
        n as u32
    }

    /// `onBatch(cb)`: `cb(batch)` once per batch; if it returns a Promise, the next
    /// batch waits for it. Returns the function that removes `cb`.
    #[wasm_bindgen(js_name = onBatch)]
    pub fn on_batch(&self, cb: Function) -> Function {
        self.state.borrow().listeners.of(Kind::Batch).add(cb)
    }

    /// `onStatus(cb)`: `cb(status)` on every status change.
    #[wasm_bindgen(js_name = onStatus)]
    pub fn on_status(&self, cb: Function) -> Function {
        self.state.borrow().listeners.of(Kind::Status).add(cb)
    }

    /// `onError(cb)`: `cb(error)` for every non-fatal error (`error.code` says which).
    #[wasm_bindgen(js_name = onError)]
    pub fn on_error(&self, cb: Function) -> Function {
        self.state.borrow().listeners.of(Kind::Error).add(cb)
    }

    /// `onEvent(cb)`: side events (`SyncStatus`, `Ephemeral`, group events...) one by one.
    #[wasm_bindgen(js_name = onEvent)]
    pub fn on_event(&self, cb: Function) -> Function {
        self.state.borrow().listeners.of(Kind::Event).add(cb)
    }

    /// `onGap(cb)`: `cb({contextId, expected, received})` when a `seq` gap is seen.
    #[wasm_bindgen(js_name = onGap)]
    pub fn on_gap(&self, cb: Function) -> Function {
        self.state.borrow().listeners.of(Kind::Gap).add(cb)
    }

    /// `onDegraded(cb)`: `cb({severity, latencyMs, kind})` when latency crosses
    /// `latencyWarnMs` / `latencyCriticalMs`, and `severity: "recovered"` when it is back.
    #[wasm_bindgen(js_name = onDegraded)]
    pub fn on_degraded(&self, cb: Function) -> Function {
        self.state.borrow().listeners.of(Kind::Degraded).add(cb)
    }

    /// `onHealth(cb)`: `cb({health, connectionQuality})` when either changes.
    #[wasm_bindgen(js_name = onHealth)]
    pub fn on_health(&self, cb: Function) -> Function {
        self.state.borrow().listeners.of(Kind::Health).add(cb)
    }

    /// `onMetrics(cb)`: `cb(stats)` every `metricsIntervalMs` while connected.
    #[wasm_bindgen(js_name = onMetrics)]
    pub fn on_metrics(&self, cb: Function) -> Function {
        self.state.borrow().listeners.of(Kind::Metrics).add(cb)
    }

    /// A snapshot of the counters, latency, health and memory.
    pub fn stats(&self) -> JsValue {
        stats_value(&mut self.state.borrow_mut().machine, now_ms())
    }

    /// Feeds `text` as if it had arrived on the socket (tests and benchmarks: the same
    /// path as a real frame, without the network).
    #[wasm_bindgen(js_name = injectFrame)]
    pub fn inject_frame(&self, text: JsValue) {
        let scanner = self.state.borrow().scanner.clone();
        scanner.scan(&text);
    }

    /// Zeroes the counters.
    #[wasm_bindgen(js_name = resetStats)]
    pub fn reset_stats(&self) {
        self.state.borrow_mut().machine.reset_stats();
    }

    /// The current status.
    #[wasm_bindgen(getter)]
    pub fn status(&self) -> String {
        self.state.borrow().machine.status().name().to_string()
    }

    /// Live sockets, page listeners and timers over every manager in this page:
    /// `{sockets, listeners, timers}`. All zero once every manager is closed or freed.
    #[wasm_bindgen(js_name = liveHandles)]
    pub fn live_handles() -> JsValue {
        let (sockets, listeners, timers) = live_counts();
        let o = Object::new();
        set(&o, "sockets", sockets);
        set(&o, "listeners", listeners);
        set(&o, "timers", timers);
        o.into()
    }

    /// `shareAcrossTabs`: `"leader"` (this tab runs the shared socket), `"follower"`
    /// (it reads another tab's), or `"alone"` (its own socket: sharing off, not
    /// possible in this page, or not connected).
    #[wasm_bindgen(getter)]
    pub fn role(&self) -> String {
        let s = self.state.borrow();
        s.share.as_ref().map_or(crate::engine::tabs::Role::Alone, TabShare::role).name().to_string()
    }

    /// `onRole(cb)`: `cb(role)` on every change of [`SocketManager::role`].
    #[wasm_bindgen(js_name = onRole)]
    pub fn on_role(&self, cb: Function) -> Function {
        self.state.borrow().listeners.of(Kind::Role).add(cb)
    }

    /// The current subscriptions.
    #[wasm_bindgen(getter)]
    pub fn subscriptions(&self) -> Array {
        self.state.borrow().machine.subscriptions().iter().map(|s| JsValue::from_str(s)).collect()
    }
}

/// The state of a manager (also of a hub: see [`tabs`]), with its timer, scanner and
/// decoder bound to it.
pub(super) fn new_state(opts: crate::engine::options::Options, auth: Option<Function>) -> Result<Shared, JsValue> {
    let debug = opts.debug;
    let seed = (js_sys::Math::random() * 9.007_199_254_740_991e15) as u64;
    let machine = Machine::new(opts, seed).map_err(|e| to_js_error(&e))?;
    let state = Rc::new(RefCell::new(State {
        machine,
        socket: None,
        timer: None,
        page: None,
        listeners: Listeners::default(),
        debug,
        scanner: FrameScanner::new(),
        scan_handlers: None,
        decoder: None,
        settled: None,
        builder: None,
        known_kinds: 0,
        names: Vec::new(),
        kind_ids: Vec::new(),
        executes: Vec::new(),
        auth,
        authorized: None,
        outgoing: Vec::new(),
        share: None,
        hub_part: None,
    }));
    {
        let mut s = state.borrow_mut();
        // The protocol's JS pre-reader, if it has one (else every frame takes the
        // decoder's path).
        let pre = s.machine.pre_reader();
        let weak = Rc::downgrade(&state);
        s.timer = Some(Timer::new(move || {
            let Some(state) = weak.upgrade() else { return };
            if let Some(t) = state.borrow_mut().timer.as_mut() {
                t.fired();
            }
            drive(&state, |m, now| m.tick(now));
            let (share, hub) = {
                let s = state.borrow();
                (s.share.is_some(), s.hub_part.is_some())
            };
            if share {
                tabs::tick(&state);
            }
            if hub {
                tabs::hub_tick(&state);
            }
            rearm_timer(&state);
        }));
        let weak = Rc::downgrade(&state);
        s.scan_handlers = Some(ScanHandlers::bind(&s.scanner, pre, move |ev| on_socket_event(&weak, ev)));
        let weak = Rc::downgrade(&state);
        let decoder = Closure::<dyn Fn(JsValue, f64) -> JsValue>::new(move |text: JsValue, at: f64| decode_late(&weak, text, at));
        s.builder = Some(batch_builder(&s.machine, decoder.as_ref(), &s.scanner));
        s.decoder = Some(decoder);
        let weak = Rc::downgrade(&state);
        s.settled = Some(Closure::new(move |rejected: Array| on_settled(&weak, rejected)));
        #[cfg(feature = "socketio")]
        {
            let weak = Rc::downgrade(&state);
            s.authorized = Some(Closure::new(move |v: JsValue, ok: bool| {
                let Some(state) = weak.upgrade() else { return };
                if !ok {
                    report_auth_failure(&state, &v);
                }
                give_auth(&state, &if ok { v } else { JsValue::UNDEFINED });
            }));
        }
    }
    Ok(state)
}

impl Drop for SocketManager {
    fn drop(&mut self) {
        // `free()`: close, then drop the socket, timer, page listeners and callbacks.
        // A leader's hub stops (the next tab takes over); the link leaves the election.
        let hub = self.state.try_borrow_mut().ok().and_then(|mut s| s.share.as_mut().and_then(|t| t.hub_take()));
        if let Some(hub) = hub {
            tabs::stop(&hub);
        }
        let Ok(mut s) = self.state.try_borrow_mut() else { return };
        s.share = None;
        let now = now_ms();
        s.machine.close(now);
        while s.machine.poll_action().is_some() {}
        // Pending execute() calls reject (called once the borrow is gone).
        let pending = core::mem::take(&mut s.executes);
        if let Some(sock) = s.socket.take() {
            sock.close(1000, "closed by the app");
        }
        s.timer = None;
        s.page = None;
        s.scan_handlers = None;
        s.builder = None;
        s.decoder = None;
        s.settled = None;
        s.authorized = None;
        s.listeners.clear();
        drop(s);
        let failure = crate::engine::machine::ExecFailure { code: "closed", message: "the manager was freed".into(), server: None };
        for (_, _, reject, _) in pending {
            let _ = reject.call1(&JsValue::UNDEFINED, &exec_error(&failure));
        }
    }
}

/// An emit's event name and its arguments as a JSON array, or the `TypeError`.
#[cfg(feature = "socketio")]
fn emit_parts(m: &Machine<Kept>, event: &JsValue, args: &Array) -> Result<(String, String), JsValue> {
    let Some(name) = event.as_string() else {
        return Err(js_sys::TypeError::new("emit: the event name must be a string").into());
    };
    if let Err(why) = m.check_event_name(&name) {
        return Err(js_sys::TypeError::new(&crate::cat!("emit: ", why)).into());
    }
    let json = js_sys::JSON::stringify(args)?.as_string().ok_or_else(|| js_sys::TypeError::new("emit: the arguments cannot be JSON-encoded"))?;
    Ok((name, json))
}

/// socketio: calls the `auth` function (outside any borrow), awaits it if it returns a
/// Promise, and hands its JSON to the machine, which then joins the namespaces. A
/// throwing or rejecting `auth` is reported (`callbackThrew`) and the joins go out
/// without a payload.
/// The attachments JS extracted from an emit's arguments (an array of ArrayBuffers, or
/// undefined) and their sizes; more than 10 is a `TypeError`.
#[cfg(feature = "socketio")]
fn attachments_of(buffers: &JsValue) -> Result<(Array, Vec<usize>), JsValue> {
    if buffers.is_undefined() || buffers.is_null() {
        return Ok((Array::new(), Vec::new()));
    }
    let list: Array = buffers.clone().dyn_into().map_err(|_| js_sys::TypeError::new("emit: attachments must be an array"))?;
    if list.length() > 10 {
        return Err(js_sys::TypeError::new("emit: at most 10 binary arguments per packet").into());
    }
    let sizes = list
        .iter()
        .map(|b| b.dyn_into::<js_sys::ArrayBuffer>().map(|b| b.byte_length() as usize))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| js_sys::TypeError::new("emit: attachments must be ArrayBuffers"))?;
    Ok((list, sizes))
}

/// Hands an emit to the machine; a binary emit's attachments are kept under the id it
/// returns until sent (or dropped).
#[cfg(feature = "socketio")]
fn drive_kept(state: &Shared, buffers: &Array, input: impl FnOnce(&mut Machine<Kept>, f64) -> u64) {
    {
        let mut s = state.borrow_mut();
        let id = input(&mut s.machine, now_ms());
        if buffers.length() > 0 && id > 1 {
            s.outgoing.push((id, buffers.clone()));
        }
    }
    run_actions(state);
}

#[cfg(feature = "socketio")]
fn authorize(state: &Shared) {
    let (auth, done) = {
        let s = state.borrow();
        (s.auth.clone(), s.authorized.as_ref().map(|c| c.as_ref().clone()))
    };
    let (Some(f), Some(done)) = (auth, done) else {
        return give_auth(state, &JsValue::UNDEFINED);
    };
    match f.call0(&JsValue::UNDEFINED) {
        Ok(v) => super::listeners::when_settled(&v, &done),
        Err(e) => {
            report_auth_failure(state, &e);
            give_auth(state, &JsValue::UNDEFINED);
        }
    }
}

/// Hands an `auth` result (an object, or nothing) to the machine as JSON text.
#[cfg(feature = "socketio")]
fn give_auth(state: &Shared, v: &JsValue) {
    let json = if v.is_undefined() || v.is_null() { None } else { js_sys::JSON::stringify(v).ok().and_then(|s| s.as_string()) };
    drive(state, |m, now| m.authorized(now, json));
}

#[cfg(feature = "socketio")]
fn report_auth_failure(state: &Shared, e: &JsValue) {
    let why = e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_default();
    let err = SdkError::new(ErrorCode::CallbackThrew, crate::cat!("the auth function failed: ", why, "; joining without a payload"));
    drive(state, |m, now| m.report(now, err));
}

/// The rejection of an `execute()`: an `Error` with `code` (and the node's `type` and
/// `data` on `serverError`).
fn exec_error(f: &crate::engine::machine::ExecFailure) -> JsValue {
    let err = js_sys::Error::new(&f.message);
    let obj: &Object = err.as_ref();
    set(obj, "code", f.code);
    if let Some(e) = &f.server {
        set(obj, "type", e.kind.as_str());
        set(obj, "data", if e.detail_json { parse(&e.detail) } else { JsValue::from_str(&e.detail) });
    }
    err.into()
}

fn on_page_event(weak: &Weak<RefCell<State>>, ev: PageEvent) {
    let Some(state) = weak.upgrade() else { return };
    drive(&state, |m, now| match ev {
        PageEvent::Online => m.online(now),
        PageEvent::Offline => m.offline(now),
        PageEvent::Visibility(v) => m.visibility(now, v),
        PageEvent::Hide => m.flush(now),
        PageEvent::Show | PageEvent::Freeze | PageEvent::Resume => {}
    });
    // shareAcrossTabs: a page that is left or frozen leaves the election (a leader hands
    // the socket over; a held lock or a queued request would also keep the page out
    // of the back/forward cache), and joins again when it is shown or resumed.
    match ev {
        PageEvent::Hide | PageEvent::Freeze => tabs::leave(&state, true),
        PageEvent::Show | PageEvent::Resume => tabs::unpark(&state),
        // The leader's hub has no page listeners of its own: it hears the network here.
        PageEvent::Online | PageEvent::Offline => {
            let hub = state.borrow().share.as_ref().and_then(TabShare::hub);
            if let Some(hub) = hub {
                drive(&hub, |m, now| if matches!(ev, PageEvent::Online) { m.online(now) } else { m.offline(now) });
            }
        }
        PageEvent::Visibility(_) => {}
    }
}

fn on_socket_event(weak: &Weak<RefCell<State>>, ev: SocketEvent) {
    let Some(state) = weak.upgrade() else { return };
    match ev {
        SocketEvent::Open => drive(&state, |m, now| m.on_open(now)),
        SocketEvent::Close(code, reason) => {
            state.borrow_mut().socket = None;
            drive(&state, |m, now| m.on_close(now, code, &reason));
        }
        SocketEvent::Binary(len) => drive(&state, |m, now| m.on_binary(now, len)),
        SocketEvent::Attached(now, header, buffers) => {
            let text = header.as_string().unwrap_or_default();
            let n = buffers.length() as usize;
            drive_at(&state, now, |m, now| m.on_frame_attached(now, &text, n, Kept { text: header, at: now, ctx: -1, attachments: buffers.into() }));
        }
        SocketEvent::Scanned { now, ctx, kinds, n, units, text } => {
            {
                let mut guard = state.borrow_mut();
                let s = &mut *guard;
                let mut ids = [0u16; 4];
                for (i, &k) in kinds.iter().take(n as usize).enumerate() {
                    ids[i] = s.kind_id(k);
                }
                let ctx = ctx as usize;
                s.learn_names(ctx);
                let scope: &str = &s.names[ctx];
                s.machine.on_scanned_frame(now, scope, &ids[..n as usize], units as usize, Kept { text, at: now, ctx: ctx as i32, attachments: JsValue::UNDEFINED });
            }
            run_actions(&state);
        }
        SocketEvent::Text(now, data) => {
            let max = state.borrow().machine.options().max_message_bytes;
            let js: &js_sys::JsString = data.unchecked_ref();
            let units = js.length() as f64;
            // UTF-8 takes at least one byte per UTF-16 unit: too long here is too long.
            if units > max {
                drive_at(&state, now, |m, now| m.on_oversized(now, units as usize));
                return;
            }
            let text = data.as_string().unwrap_or_default();
            drive_at(&state, now, |m, now| m.on_frame(now, &text, Kept { text: data, at: now, ctx: -1, attachments: JsValue::UNDEFINED }));
        }
    }
}

/// Hands one input to the machine, then carries out what it asks.
pub(super) fn drive(state: &Shared, input: impl FnOnce(&mut Machine<Kept>, f64)) {
    drive_at(state, now_ms(), input)
}

/// [`drive`] with the time the input happened.
fn drive_at(state: &Shared, now: f64, input: impl FnOnce(&mut Machine<Kept>, f64)) {
    {
        let mut s = state.borrow_mut();
        input(&mut s.machine, now);
    }
    run_actions(state);
}

impl State {
    /// The attachments of the binary emit `id`, taken out of those kept until sent.
    fn take_outgoing(&mut self, id: u64) -> Option<Array> {
        let i = self.outgoing.iter().position(|o| o.0 == id)?;
        Some(self.outgoing.swap_remove(i).1)
    }

    /// Fetches the scanner's names up to `id` (once per id).
    fn learn_names(&mut self, id: usize) {
        while self.names.len() <= id {
            let name = self.scanner.name(self.names.len() as u32);
            self.names.push(name.into_boxed_str());
        }
    }

    /// The core's kind id for the scanner's id `k`.
    fn kind_id(&mut self, k: u32) -> crate::engine::delivery::refresh::KindId {
        let k = k as usize;
        if let Some(Some(id)) = self.kind_ids.get(k) {
            return *id;
        }
        self.learn_names(k);
        let id = self.machine.intern_kind(&self.names[k]);
        if self.kind_ids.len() <= k {
            self.kind_ids.resize(k + 1, None);
        }
        self.kind_ids[k] = Some(id);
        id
    }
}

/// Calimero's `execute()`, only in the build that has the protocol.
#[cfg(feature = "calimero")]
#[wasm_bindgen]
impl SocketManager {
    /// `execute(contextId, method, args, {timeoutMs})`: calls `method` on the node
    /// (Calimero `execute`, `args` JSON-encoded as `argsJson`, `{}` when absent); the
    /// Promise resolves to the reply's `output` or rejects with an `Error` with `code`.
    pub fn execute(&self, context_id: JsValue, method: JsValue, args: JsValue, options: JsValue) -> Result<Promise, JsValue> {
        let (Some(ctx), Some(method)) = (context_id.as_string(), method.as_string()) else {
            return Err(js_sys::TypeError::new("execute: contextId and method must be strings").into());
        };
        let args_json = if args.is_undefined() {
            String::from("{}")
        } else {
            js_sys::JSON::stringify(&args)?.as_string().ok_or_else(|| js_sys::TypeError::new("execute: args cannot be JSON-encoded"))?
        };
        let mut timeout = crate::engine::machine::DEFAULT_EXECUTE_TIMEOUT_MS;
        if options.is_object() {
            let t = js_sys::Reflect::get(&options, &"timeoutMs".into())?;
            if !t.is_undefined() {
                match t.as_f64() {
                    Some(v) if v > 0.0 && v.is_finite() => timeout = v,
                    _ => return Err(js_sys::RangeError::new("execute: timeoutMs must be a positive number").into()),
                }
            }
        }
        let mut slot = None;
        let promise = Promise::new(&mut |resolve, reject| slot = Some((resolve, reject)));
        let (resolve, reject) = slot.ok_or_else(|| JsValue::from_str("execute: no resolvers"))?;
        {
            let mut s = self.state.borrow_mut();
            let id = s.machine.execute(now_ms(), &ctx, &method, &args_json, timeout);
            s.executes.push((id, resolve, reject, false));
        }
        run_actions(&self.state);
        Ok(promise)
    }
}

/// socketio's emitters and namespace states, only in the build that has the protocol
/// (`calimero-socket/socketio`): elsewhere they would only keep its code in the wasm.
#[cfg(feature = "socketio")]
#[wasm_bindgen]
impl SocketManager {
    /// socketio: `emit(event, ...args)` on namespace `ns` (`m.emit`, `m.of(ns).emit`
    /// call it). Returns false when refused (not joined, too large: `onError` says) or
    /// dropped; throws a `TypeError` for a reserved or non-string event name and for
    /// arguments JSON cannot carry.
    #[wasm_bindgen(js_name = emitOn)]
    pub fn emit_on(&self, ns: String, event: JsValue, args: Array, buffers: JsValue) -> Result<bool, JsValue> {
        let (event, args_json) = emit_parts(&self.state.borrow().machine, &event, &args)?;
        let (buffers, sizes) = attachments_of(&buffers)?;
        let mut id = 0;
        drive_kept(&self.state, &buffers, |m, now| {
            id = m.emit_attached(now, &ns, &event, &args_json, &sizes);
            id
        });
        Ok(id != 0)
    }

    /// socketio: `emitWithAck(event, ...args)` on `ns`, resolving with the ack's first
    /// argument; `timeout_ms` (undefined: `ackTimeoutMs`) runs from now, also offline.
    #[wasm_bindgen(js_name = emitWithAckOn)]
    pub fn emit_with_ack_on(&self, ns: String, event: JsValue, args: Array, buffers: JsValue, timeout_ms: JsValue) -> Result<Promise, JsValue> {
        let (event, args_json) = emit_parts(&self.state.borrow().machine, &event, &args)?;
        let (buffers, sizes) = attachments_of(&buffers)?;
        let timeout = match timeout_ms.as_f64() {
            None if timeout_ms.is_undefined() => self.state.borrow().machine.options().ack_timeout_ms,
            Some(v) if v > 0.0 && v.is_finite() => v,
            _ => return Err(js_sys::RangeError::new("timeout: ms must be a positive number").into()),
        };
        let mut slot = None;
        let promise = Promise::new(&mut |resolve, reject| slot = Some((resolve, reject)));
        let (resolve, reject) = slot.ok_or_else(|| JsValue::from_str("emitWithAck: no resolvers"))?;
        {
            let mut s = self.state.borrow_mut();
            let id = s.machine.emit_with_ack_attached(now_ms(), &ns, &event, &args_json, &sizes, timeout);
            s.executes.push((id, resolve, reject, true));
            if !sizes.is_empty() {
                s.outgoing.push((id, buffers));
            }
        }
        run_actions(&self.state);
        Ok(promise)
    }

    /// socketio: each namespace's state, `{ "/": "joined", "/guild/1": "joining",
    /// "/private": "refused", ... }` (`kicked`: the server left it).
    #[wasm_bindgen(getter)]
    pub fn namespaces(&self) -> Object {
        let out = Object::new();
        for (ns, state) in self.state.borrow().machine.scope_states() {
            set(&out, ns, state);
        }
        out
    }
}

pub(super) fn run_actions(state: &Shared) {
    loop {
        let action = match state.try_borrow_mut() {
            Ok(mut s) => s.machine.poll_action(),
            Err(_) => return,
        };
        let Some(action) = action else { break };
        match action {
            Action::OpenSocket(url) => {
                let old = state.borrow_mut().socket.take();
                drop(old);
                let weak = Rc::downgrade(state);
                let opened = {
                    let s = state.borrow();
                    Socket::open(&url, &s.scanner, move |ev| on_socket_event(&weak, ev))
                };
                match opened {
                    Ok(sock) => state.borrow_mut().socket = Some(sock),
                    Err(e) => {
                        let why = e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).unwrap_or_default();
                        state.borrow_mut().machine.on_close(now_ms(), 1006, &why);
                    }
                }
            }
            Action::Send(text) => {
                let s = state.borrow();
                if let Some(sock) = &s.socket {
                    sock.send(&text);
                }
            }
            #[cfg(not(feature = "socketio"))]
            Action::SendAttached { .. } | Action::AnsweredAttached { .. } => {}
            #[cfg(feature = "socketio")]
            Action::SendAttached { text, id } => {
                let mut s = state.borrow_mut();
                let buffers = s.take_outgoing(id);
                if let (Some(sock), Some(buffers)) = (&s.socket, buffers) {
                    sock.send(&text);
                    for b in buffers.iter() {
                        sock.send_binary(&b);
                    }
                }
            }
            Action::CloseSocket(code, reason) => {
                let old = state.borrow_mut().socket.take();
                if let Some(sock) = old {
                    sock.close(code, reason);
                }
            }
            Action::Status(status) if state.borrow().hub_part.is_some() => tabs::hub_status(state, status),
            Action::Error(err) if state.borrow().hub_part.is_some() => tabs::hub_error(state, &err),
            Action::Batch(_) if state.borrow().hub_part.is_some() => state.borrow_mut().machine.batch_settled(now_ms()),
            Action::Relay { n, text, attached } => {
                let buffers = if attached != 0 { state.borrow_mut().take_outgoing(attached) } else { None };
                tabs::relay_send(state, n, &text, buffers);
            }
            Action::Status(status) => {
                if state.borrow().debug {
                    console_say("log", "[socket-manager] status", &status.name().into());
                }
                notify(state, Kind::Status, &JsValue::from_str(status.name()));
            }
            Action::Error(err) => deliver_error(state, &err),
            Action::Batch(batch) => {
                let (value, found, snapshot) = {
                    let mut guard = state.borrow_mut();
                    let s = &mut *guard;
                    let (v, found) = match &s.builder {
                        Some(builder) => batch_value(&s.machine, &batch, builder, &mut s.known_kinds),
                        None => (JsValue::UNDEFINED, Found::default()),
                    };
                    (v, found, s.listeners.of(Kind::Batch).snapshot())
                };
                drop(batch);
                apply_found(state, found);
                let (promises, thrown) = call_all(&snapshot, &value);
                report_thrown(state, Kind::Batch.method(), thrown);
                match promises.filter(|p| p.length() > 0) {
                    Some(promises) => settle_after(state, promises),
                    None => state.borrow_mut().machine.batch_settled(now_ms()),
                }
            }
            Action::Event { payload, .. } => {
                let mut found = Found::default();
                let value = frame_value(&state.borrow().machine, &payload, &mut found);
                apply_found(state, found);
                if let Some(v) = value {
                    notify(state, Kind::Event, &v);
                }
            }
            Action::Degraded(alert) => notify(state, Kind::Degraded, &parse(&snapshot::alert_json(&alert))),
            Action::Health(h, q) => notify(state, Kind::Health, &parse(&snapshot::health_json(h, q))),
            Action::Metrics => {
                let value = stats_value(&mut state.borrow_mut().machine, now_ms());
                notify(state, Kind::Metrics, &value);
            }
            Action::Executed { id, result } => {
                let entry = {
                    let mut s = state.borrow_mut();
                    if result.is_err() {
                        // A dropped binary emit's attachments go with it.
                        s.outgoing.retain(|o| o.0 != id);
                    }
                    s.executes.iter().position(|e| e.0 == id).map(|i| s.executes.swap_remove(i))
                };
                if let Some((_, resolve, reject, first)) = entry {
                    let _ = match result {
                        Ok(output) if first => resolve.call1(&JsValue::UNDEFINED, &Array::from(&parse(&output)).get(0)),
                        Ok(output) => resolve.call1(&JsValue::UNDEFINED, &parse(&output)),
                        Err(f) => reject.call1(&JsValue::UNDEFINED, &exec_error(&f)),
                    };
                }
            }
            #[cfg(feature = "socketio")]
            Action::AnsweredAttached { id, args, payload } => {
                let entry = {
                    let mut s = state.borrow_mut();
                    s.executes.iter().position(|e| e.0 == id).map(|i| s.executes.swap_remove(i))
                };
                if let Some((_, resolve, _, _)) = entry {
                    let value = super::convert::with_attachments(&parse(&args), &payload.attachments);
                    let _ = resolve.call1(&JsValue::UNDEFINED, &Array::from(&value).get(0));
                }
            }
            Action::Gap { scope, expected, received } => notify(state, Kind::Gap, &parse(&snapshot::gap_json(&scope, expected, received))),
            #[cfg(feature = "socketio")]
            Action::Authorize => authorize(state),
            #[cfg(not(feature = "socketio"))]
            Action::Authorize => {}
        }
    }
    rearm_timer(state);
}

/// Calls the `kind` callbacks with `value` (no borrow is live then); throws are reported.
pub(super) fn notify(state: &Shared, kind: Kind, value: &JsValue) {
    let snapshot = state.borrow().listeners.of(kind).snapshot();
    let (_, thrown) = call_all(&snapshot, value);
    report_thrown(state, kind.method(), thrown);
}

/// A JS value from JSON the core wrote.
fn parse(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap_or(JsValue::NULL)
}

/// Decodes a frame of `batch.latest` when the app first reads it (no borrow is live
/// then: the app runs outside the manager). `null` once the manager is gone.
fn decode_late(weak: &Weak<RefCell<State>>, text: JsValue, at: f64) -> JsValue {
    let Some(state) = weak.upgrade() else { return JsValue::NULL };
    let mut found = Found::default();
    let value = match state.try_borrow() {
        Ok(s) => frame_value(&s.machine, &Kept { text, at, ctx: -1, attachments: JsValue::UNDEFINED }, &mut found),
        Err(_) => None,
    };
    apply_found(&state, found);
    run_actions(&state);
    value.unwrap_or(JsValue::NULL)
}

/// Hands what delivery found back to the machine: errors, and server timestamps read
/// from delivered frames (their latency samples).
fn apply_found(state: &Shared, found: Found) {
    let mut s = state.borrow_mut();
    let now = now_ms();
    for e in found.errors {
        s.machine.report(now, e);
    }
    for (at, ts, kind) in found.stamps {
        s.machine.delivered_stamp(at, ts, kind.as_deref());
    }
}

/// The batch callbacks returned these thenables: the next batch waits until all have
/// settled (the `settled` closure runs then); rejections are reported like throws.
fn settle_after(state: &Shared, promises: Array) {
    let s = state.borrow();
    if let Some(done) = &s.settled {
        after_all(&promises, done.as_ref());
    }
}

fn on_settled(weak: &Weak<RefCell<State>>, rejected: Array) {
    let Some(state) = weak.upgrade() else { return };
    report_thrown(&state, Kind::Batch.method(), rejected.iter().collect());
    drive(&state, |m, now| m.batch_settled(now));
}

/// Reports callbacks that threw as `callbackThrew` errors.
fn report_thrown(state: &Shared, which: &str, thrown: Vec<JsValue>) {
    for t in thrown {
        let detail = t
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .or_else(|| t.as_string())
            .unwrap_or_else(|| "a non-Error value".into());
        let err = SdkError::new(ErrorCode::CallbackThrew, crate::cat!(which, " callback threw: ", detail));
        if let Ok(mut s) = state.try_borrow_mut() {
            s.machine.report(now_ms(), err);
        }
    }
}

/// Calls the error listeners; an error listener that throws is only logged, so that
/// reporting can never loop.
fn deliver_error(state: &Shared, err: &SdkError) {
    let (snapshot, debug) = {
        let s = state.borrow();
        (s.listeners.of(Kind::Error).snapshot(), s.debug)
    };
    let value = error_value(err);
    if debug || snapshot.length() == 0 && err.code == ErrorCode::CallbackThrew {
        console_say("warn", "[socket-manager]", &value);
    }
    let (_, thrown) = call_all(&snapshot, &value);
    for t in thrown {
        console_say("error", "[socket-manager] onError callback threw", &t);
    }
}

/// Points the one timer at the machine's next deadline.
fn rearm_timer(state: &Shared) {
    let Ok(mut guard) = state.try_borrow_mut() else { return };
    let s = &mut *guard;
    let mut next = s.machine.poll_timeout();
    for extra in [s.share.as_ref().and_then(TabShare::deadline), s.hub_part.as_ref().and_then(HubPart::deadline)] {
        next = match (next, extra) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    if let Some(timer) = s.timer.as_mut() {
        // The clock is read only when a timeout is actually set. With no deadline left
        // (a batch was just delivered, say) a pending timeout is kept: it fires once and
        // finds nothing due, which is cheaper than a clearTimeout now and a setTimeout
        // for the next batch. `close()` and `free()` do clear it.
        if let Some(at) = next {
            if !timer.covers(at) {
                timer.set(Some(at), now_ms());
            }
        }
    }
}
