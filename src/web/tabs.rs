//! `shareAcrossTabs` in the browser: the glue between Web Locks, a BroadcastChannel
//! (`TabLink` in `helpers.js`) and the rules of [`crate::engine::tabs`].
//!
//! Every sharing manager has a [`TabShare`]: it queues for the leader lock, says hello
//! to the hub, reads the frames the hub relays (straight into its own scanner, in JS),
//! mirrors the hub's connection into its relayed machine, and sends through the hub.
//! The manager that gets the lock starts a **hub** in its page: a hidden manager
//! ([`HubPart`] on its state) that owns the socket with this manager's options,
//! subscribes the union of what the tabs want, relays every frame, writes the tabs'
//! sends once each, and beats every second. The leader's own manager reads its hub
//! through the channel like any other tab, so leader and follower behave the same.
//!
//! Channel messages are arrays `[kind, from, ...]`, `from` the hub's or the tab's id:
//! the kinds are the `HUB_*` (hub to tabs) and `TAB_*` (tab to hub) constants below.
//!
//! This file and `manager.rs` use each other: the manager's loop hands a hub's status,
//! errors and relayed sends here, and the sharing drives the loop of the tab or hub it
//! serves ([`drive`], [`run_actions`]). It is the manager's sharing half, kept apart so
//! that a manager that does not share reads as before.

#[allow(unused_imports)]
use crate::prelude::*;

use super::manager::{drive, notify, run_actions, Shared, State};
use super::listeners::Kind;
use super::now_ms;
use super::socket::FrameScanner;
use crate::engine::connection::Status;
use crate::engine::errors::{ErrorCode, SdkError};
use crate::engine::tabs::liveness::{Beat, Due, Liveness};
use crate::engine::tabs::registry::Registry;
use crate::engine::tabs::Role;
use crate::engine::time::Instant;
use alloc::rc::{Rc, Weak};
use core::cell::RefCell;
use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

// 1: relayed frames `[1, hub, [data, ...]]`, posted and read in JS (see `TabLink`).
/// A new hub: `[2, hub]`; every tab says hello to it.
const HUB_UP: u32 = 2;
/// The shared connection is open: `[3, hub, handshake | null, joined scopes, tabs]`.
const HUB_OPEN: u32 = 3;
/// It is not: `[4, hub, status number]` (see `STATUSES`).
const HUB_DOWN: u32 = 4;
/// `[5, hub, tabs]`, every second (and after a tab left).
const HUB_BEAT: u32 = 5;
/// `[6, hub, tab, n]`: the tab's sends up to `n` are written.
const HUB_CONFIRM: u32 = 6;
/// `[7, hub, tab, scopes]`: scopes the tab wants that the hub has joined already.
const HUB_JOINED: u32 = 7;
/// `[8, hub, code index, message, ids]`: an error of the shared connection.
const HUB_ERROR: u32 = 8;
/// `[9, hub]`: the hub stops (its tab closed, left, or lost the lock).
const HUB_BYE: u32 = 9;
/// `[10, hub, tab]`: the answer to a tab's probe.
const HUB_PONG: u32 = 10;
/// `[20, tab, wanted]`: a tab joins (or greets a new hub).
const TAB_HELLO: u32 = 20;
/// `[21, tab, wanted]`: the tab's subscriptions changed.
const TAB_WANT: u32 = 21;
/// `[22, tab, n, text, attachments | null]`: a send, numbered per tab.
const TAB_SEND: u32 = 22;
/// `[23, tab]`: is the hub alive?
const TAB_PING: u32 = 23;
/// `[24, tab]`: the tab leaves.
const TAB_LEAVE: u32 = 24;
/// `[25, tab]`: `connect()` in a tab: retry a failed connection.
const TAB_CONNECT: u32 = 25;

/// The hub's errors the tabs are told about: those of the connection itself. The tabs
/// find the errors of frames themselves (each reads every frame).
const FORWARDED: &[ErrorCode] = &[
    ErrorCode::ConnectFailed,
    ErrorCode::HeartbeatTimeout,
    ErrorCode::GaveUp,
    ErrorCode::SubscriptionDenied,
    ErrorCode::ServerError,
    ErrorCode::ConnectError,
    ErrorCode::NamespaceDisconnected,
    ErrorCode::ServerDisconnect,
    ErrorCode::CallbackThrew,
];

#[wasm_bindgen(module = "/src/web/helpers.js")]
extern "C" {
    #[wasm_bindgen(js_name = canShare)]
    fn can_share() -> bool;
    type TabLink;
    #[wasm_bindgen(constructor)]
    fn new(key: &str, id: f64, on: &JsValue) -> TabLink;
    #[wasm_bindgen(method)]
    fn post(this: &TabLink, m: &JsValue);
    #[wasm_bindgen(method)]
    fn follow(this: &TabLink, hub: f64, scanner: &FrameScanner);
    #[wasm_bindgen(method)]
    fn tap(this: &TabLink, scanner: &FrameScanner);
    #[wasm_bindgen(method)]
    fn elect(this: &TabLink, steal: bool);
    #[wasm_bindgen(method)]
    fn resign(this: &TabLink);
    #[wasm_bindgen(method, js_name = holdTabLock)]
    fn hold_tab_lock(this: &TabLink, then: &JsValue);
    #[wasm_bindgen(method, js_name = releaseTabLock)]
    fn release_tab_lock(this: &TabLink);
    #[wasm_bindgen(method, js_name = watchTab)]
    fn watch_tab(this: &TabLink, tab: f64);
    #[wasm_bindgen(method, js_name = unwatchTab)]
    fn unwatch_tab(this: &TabLink, tab: f64);
    #[wasm_bindgen(method, js_name = takeHeard)]
    fn take_heard(this: &TabLink) -> bool;
    #[wasm_bindgen(method)]
    fn close(this: &TabLink);
    #[wasm_bindgen(method)]
    fn park(this: &TabLink);
    #[wasm_bindgen(method)]
    fn open(this: &TabLink);
}

/// Whether this page can share (Web Locks and BroadcastChannel exist).
pub(super) fn supported() -> bool {
    can_share()
}

/// A random id (tabs and hubs): an integer below 2^52, exact in JS.
fn random_id() -> f64 {
    ((js_sys::Math::random() * 4_503_599_627_370_496.0) as u64) as f64
}

/// A number of a message (an id, a count), or -1.
fn num_at(m: &Array, i: u32) -> f64 {
    m.get(i).as_f64().unwrap_or(-1.0)
}

/// An index of a message (a status or an error code), if it holds one.
fn index_at(m: &Array, i: u32) -> Option<usize> {
    m.get(i).as_f64().filter(|v| *v >= 0.0).map(|v| v as usize)
}

/// The strings of a message's array (none if it is not one).
fn strings(v: &JsValue) -> Vec<String> {
    super::options_js::strings_of(v, "message").unwrap_or_default()
}

fn string_array(v: &[String]) -> Array {
    v.iter().map(|s| JsValue::from_str(s)).collect()
}

fn msg(parts: &[JsValue]) -> JsValue {
    parts.iter().collect::<Array>().into()
}

/// The statuses a hub reports, by their number in `HUB_DOWN`.
const STATUSES: [Status; 6] = [Status::Idle, Status::Connecting, Status::Open, Status::Reconnecting, Status::Closed, Status::Failed];

fn status_number(status: Status) -> f64 {
    STATUSES.iter().position(|s| *s == status).unwrap_or(3) as f64
}

// ----- a tab's side -----

/// A sharing manager's part: its place in the election and its view of the hub.
pub(super) struct TabShare {
    key: String,
    /// The options' JSON text, for the hub.
    options: String,
    id: f64,
    js: TabLink,
    role: Role,
    /// In the election (after `connect()`, until `close()` or `pagehide`).
    joined: bool,
    /// Left on `pagehide`/`freeze`: joins again on `pageshow`/`resume`.
    parked: bool,
    /// The hub this tab reads (its id).
    hub_id: Option<f64>,
    liveness: Liveness,
    /// The leader: the hub running in this page.
    hub: Option<Shared>,
    _on: Closure<dyn FnMut(u32, JsValue)>,
    hello: Closure<dyn FnMut()>,
}

impl TabShare {
    /// The part of the manager `state` (not borrowed now) for the lock/channel `key`.
    /// `options`: the JSON text of the manager's options (its hub, if it leads, is made
    /// from it).
    pub(super) fn new(state: &Shared, key: String, options: String) -> TabShare {
        let id = random_id();
        let weak = Rc::downgrade(state);
        let on = Closure::<dyn FnMut(u32, JsValue)>::new(move |what: u32, m: JsValue| on_tab_event(&weak, what, m));
        let js = TabLink::new(&key, id, on.as_ref());
        let weak = Rc::downgrade(state);
        let hello = Closure::<dyn FnMut()>::new(move || {
            if let Some(state) = weak.upgrade() {
                say_hello(&state);
            }
        });
        TabShare {
            key,
            options,
            id,
            js,
            role: Role::Follower,
            joined: false,
            parked: false,
            hub_id: None,
            liveness: Liveness::new(js_sys::Math::random()),
            hub: None,
            _on: on,
            hello,
        }
    }

    pub(super) fn role(&self) -> Role {
        if self.joined {
            self.role
        } else {
            Role::Alone
        }
    }

    /// The leader's hub, if this tab leads.
    pub(super) fn hub(&self) -> Option<Shared> {
        self.hub.clone()
    }

    /// The leader's hub, taken out (to stop it).
    pub(super) fn hub_take(&mut self) -> Option<Shared> {
        self.hub.take()
    }

    /// When the liveness watch wants to run.
    pub(super) fn deadline(&self) -> Option<f64> {
        self.liveness.deadline().map(Instant::ms)
    }
}

impl Drop for TabShare {
    fn drop(&mut self) {
        self.js.post(&msg(&[TAB_LEAVE.into(), self.id.into()]));
        self.js.close();
    }
}

/// `connect()` of a sharing manager: joins the election (once), or asks the hub to
/// retry a connection that failed.
pub(super) fn join(state: &Shared) {
    let before = role_of(state);
    {
        let s = state.borrow();
        let Some(t) = s.share.as_ref() else { return };
        if t.joined {
            t.js.post(&msg(&[TAB_CONNECT.into(), t.id.into()]));
            return;
        }
    }
    {
        let mut s = state.borrow_mut();
        let Some(t) = s.share.as_mut() else { return };
        t.joined = true;
        t.parked = false;
        t.js.open();
        t.role = Role::Follower;
        t.liveness.watch(Instant(now_ms()));
        // The hub learns from this tab's own lock when the tab is gone; hello once held.
        t.js.hold_tab_lock(t.hello.as_ref());
        t.js.elect(false);
    }
    // Arms the timer for the liveness watch (no hub may ever answer).
    run_actions(state);
    role_changed(state, before);
}

/// `close()` (`park`: `pagehide`/`freeze`, to join again on `pageshow`/`resume`):
/// leaves the election; a leader hands the socket over (its hub stops, and the lock
/// goes to the next tab in line).
pub(super) fn leave(state: &Shared, park: bool) {
    let before = role_of(state);
    let hub = {
        let mut guard = state.borrow_mut();
        let s = &mut *guard;
        let Some(t) = s.share.as_mut() else { return };
        if !t.joined {
            return;
        }
        t.joined = false;
        t.parked = park;
        t.js.post(&msg(&[TAB_LEAVE.into(), t.id.into()]));
        t.js.resign();
        t.js.release_tab_lock();
        t.liveness.stop();
        t.hub_id = None;
        t.js.follow(-1.0, &s.scanner);
        if park {
            // A message to a page in the back/forward cache would evict it.
            t.js.park();
        }
        t.hub.take()
    };
    if let Some(hub) = hub {
        stop(&hub);
    }
    if park {
        drive(state, |m, now| m.link_down(now, Status::Reconnecting, None));
    }
    role_changed(state, before);
}

/// `pageshow` from the back/forward cache, `resume`: joins again if parked.
pub(super) fn unpark(state: &Shared) {
    let parked = state.borrow().share.as_ref().is_some_and(|t| t.parked);
    if parked {
        join(state);
    }
}

/// The tab's subscriptions changed: tell the hub.
pub(super) fn wanted_changed(state: &Shared) {
    let s = state.borrow();
    if let Some(t) = s.share.as_ref().filter(|t| t.joined) {
        let want = string_array(s.machine.subscriptions());
        t.js.post(&msg(&[TAB_WANT.into(), t.id.into(), want.into()]));
    }
}

/// A relayed send (`n`, with its binary attachments if any) for the hub to write.
pub(super) fn relay_send(state: &Shared, n: u64, text: &str, attachments: Option<Array>) {
    let s = state.borrow();
    if let Some(t) = s.share.as_ref() {
        let att = attachments.map_or(JsValue::NULL, JsValue::from);
        t.js.post(&msg(&[TAB_SEND.into(), t.id.into(), JsValue::from_f64(n as f64), JsValue::from_str(text), att]));
    }
}

fn say_hello(state: &Shared) {
    let s = state.borrow();
    if let Some(t) = s.share.as_ref().filter(|t| t.joined) {
        let want = string_array(s.machine.subscriptions());
        t.js.post(&msg(&[TAB_HELLO.into(), t.id.into(), want.into()]));
    }
}

fn role_of(state: &Shared) -> Role {
    state.borrow().share.as_ref().map_or(Role::Alone, TabShare::role)
}

/// Tells the `onRole` callbacks when the role is no longer `before`.
fn role_changed(state: &Shared, before: Role) {
    let now = role_of(state);
    if now != before {
        notify(state, Kind::Role, &JsValue::from_str(now.name()));
    }
}

/// What the tab's link reports: a channel message (0), the lock got (1) or lost (2).
fn on_tab_event(weak: &Weak<RefCell<State>>, what: u32, m: JsValue) {
    let Some(state) = weak.upgrade() else { return };
    match what {
        0 => on_tab_message(&state, m.unchecked_ref()),
        1 => became_leader(&state),
        2 => lost_lead(&state),
        _ => {}
    }
}

fn became_leader(state: &Shared) {
    let before = role_of(state);
    let ok = {
        let mut s = state.borrow_mut();
        match s.share.as_mut() {
            Some(t) if t.joined && t.hub.is_none() => {
                t.role = Role::Leader;
                true
            }
            _ => false,
        }
    };
    if ok {
        let hub = start_hub(state);
        if let Some(t) = state.borrow_mut().share.as_mut() {
            t.hub = hub;
        }
    }
    role_changed(state, before);
}

/// The lock was taken from this tab (it hung, and a follower stole it): its hub stops,
/// and it queues again as a follower.
fn lost_lead(state: &Shared) {
    let before = role_of(state);
    let hub = {
        let mut s = state.borrow_mut();
        let Some(t) = s.share.as_mut() else { return };
        t.role = Role::Follower;
        if t.joined {
            t.js.elect(false);
            t.liveness.watch(Instant(now_ms()));
        }
        t.hub.take()
    };
    if let Some(hub) = hub {
        stop(&hub);
    }
    role_changed(state, before);
}

fn on_tab_message(state: &Shared, m: &Array) {
    let kind = m.get(0).as_f64().unwrap_or(0.0) as u32;
    if kind >= TAB_HELLO {
        return;
    }
    let from = num_at(m, 1);
    let now = now_ms();
    let (me, current, joined) = {
        let s = state.borrow();
        let Some(t) = s.share.as_ref() else { return };
        (t.id, t.hub_id, t.joined)
    };
    if !joined {
        return;
    }
    let is_current = current == Some(from);
    // A hub this tab does not follow: a new one announcing itself (after a handover), or,
    // when this tab follows none (it just joined, or missed the announcement while its
    // page was paused), one that is already running. Follow it and say hello. A hub
    // that lost its lock may still beat once before it learns so: while this tab
    // follows a hub, only an announcement moves it.
    let adopt = kind == HUB_UP || current.is_none() && matches!(kind, HUB_OPEN | HUB_DOWN | HUB_BEAT);
    if !is_current && adopt {
        if current.is_some() {
            drive(state, |m, now| m.link_down(now, Status::Reconnecting, None));
        }
        {
            let mut s = state.borrow_mut();
            let s = &mut *s;
            if let Some(t) = s.share.as_mut() {
                t.hub_id = Some(from);
                t.js.follow(from, &s.scanner);
                t.liveness.heard(Instant(now));
            }
        }
        say_hello(state);
        if kind == HUB_UP {
            return;
        }
    } else if !is_current {
        return;
    }
    if let Some(t) = state.borrow_mut().share.as_mut() {
        t.liveness.heard(Instant(now));
    }
    let to_me = || num_at(m, 2) == me;
    match kind {
        HUB_OPEN => {
            let handshake = m.get(2).as_string();
            let scopes = strings(&m.get(3));
            let tabs = m.get(4).as_f64().unwrap_or(1.0) as u32;
            drive(state, |mc, now| {
                mc.set_shared_tabs(tabs);
                mc.link_open(now, handshake.as_deref(), &scopes)
            });
        }
        HUB_DOWN => {
            let status = index_at(m, 2).and_then(|i| STATUSES.get(i)).copied().unwrap_or(Status::Reconnecting);
            drive(state, |mc, now| mc.link_down(now, status, None));
        }
        HUB_BEAT => {
            let tabs = m.get(2).as_f64().unwrap_or(1.0) as u32;
            state.borrow_mut().machine.set_shared_tabs(tabs);
        }
        HUB_CONFIRM if to_me() => {
            let n = m.get(3).as_f64().unwrap_or(0.0) as u64;
            drive(state, |mc, now| mc.link_confirmed(now, n));
        }
        HUB_JOINED if to_me() => {
            let scopes = strings(&m.get(3));
            drive(state, |mc, now| mc.link_joined(now, &scopes));
        }
        HUB_ERROR => {
            let code = index_at(m, 2).and_then(|i| ErrorCode::ALL.get(i)).copied();
            let ids = strings(&m.get(4));
            // An error about scopes goes only to the tabs that want one of them.
            let mine = ids.is_empty() || ids.iter().any(|id| state.borrow().machine.subscriptions().contains(id));
            if let (Some(code), true) = (code, mine) {
                let err = SdkError::new(code, m.get(3).as_string().unwrap_or_default()).with_ids(ids);
                drive(state, |mc, now| mc.report(now, err));
            }
        }
        HUB_BYE => {
            if let Some(t) = state.borrow_mut().share.as_mut() {
                t.hub_id = None;
                t.liveness.watch(Instant(now));
            }
            let why = SdkError::new(ErrorCode::ConnectionLost, "the tab that held the shared connection left; another tab takes it over");
            drive(state, |mc, now| mc.link_down(now, Status::Reconnecting, Some(why)));
        }
        _ => {}
    }
}

/// The tab's timer: the liveness watch (probe a quiet hub, take over a hung one).
pub(super) fn tick(state: &Shared) {
    let now = Instant(now_ms());
    let due = {
        let mut s = state.borrow_mut();
        let Some(t) = s.share.as_mut() else { return };
        if t.liveness.deadline().is_some_and(|d| d.reached(now)) && t.js.take_heard() {
            // Relayed frames came meanwhile: the hub is alive.
            t.liveness.heard(now);
        }
        match t.liveness.due(now) {
            Due::Probe => {
                t.js.post(&msg(&[TAB_PING.into(), t.id.into()]));
                Due::Probe
            }
            Due::Steal if t.joined && t.role == Role::Follower => {
                t.js.elect(true);
                Due::Steal
            }
            d => d,
        }
    };
    let _ = due;
}

// ----- the hub -----

/// What makes a hidden manager the hub of a shared socket.
pub(super) struct HubPart {
    id: f64,
    js: TabLink,
    registry: Registry,
    beat: Beat,
    _on: Closure<dyn FnMut(u32, JsValue)>,
}

impl HubPart {
    /// When the hub's own rules want to run (releases, the beat).
    pub(super) fn deadline(&self) -> Option<f64> {
        match (self.registry.deadline(), self.beat.deadline()) {
            (Some(a), Some(b)) => Some(if a < b { a.ms() } else { b.ms() }),
            (a, b) => a.or(b).map(Instant::ms),
        }
    }
}

impl Drop for HubPart {
    fn drop(&mut self) {
        self.js.close();
    }
}

/// Starts the hub in the leader's page, with the options of `tab` (the leader's own
/// manager): a hidden manager whose machine owns the socket.
fn start_hub(tab: &Shared) -> Option<Shared> {
    let (mut opts, auth, key) = {
        let s = tab.borrow();
        let t = s.share.as_ref()?;
        let opts = crate::engine::options::read_options(&t.options).ok()?;
        (opts, s.auth.clone(), t.key.clone())
    };
    // The hub subscribes what the tabs ask for, nothing of its own.
    opts.context_ids.clear();
    opts.namespaces.clear();
    let hub = super::manager::new_state(opts, auth).ok()?;
    let id = random_id();
    {
        let weak = Rc::downgrade(&hub);
        let on = Closure::<dyn FnMut(u32, JsValue)>::new(move |what: u32, m: JsValue| on_hub_event(&weak, what, m));
        let js = TabLink::new(&key, id, on.as_ref());
        let mut s = hub.borrow_mut();
        js.tap(&s.scanner);
        let draw = (js_sys::Math::random() * 9.0e15) as u64;
        s.machine.hub(draw);
        let mut beat = Beat::default();
        beat.posted(Instant(now_ms()));
        js.post(&msg(&[HUB_UP.into(), id.into()]));
        s.hub_part = Some(HubPart { id, js, registry: Registry::default(), beat, _on: on });
    }
    drive(&hub, |m, now| m.connect(now));
    Some(hub)
}

/// Stops a hub: says goodbye (the tabs wait for the next leader) and closes its socket.
pub(super) fn stop(hub: &Shared) {
    // Taken out first: the close below must not reach the tabs as the hub's status.
    let part = hub.borrow_mut().hub_part.take();
    if let Some(h) = part {
        h.js.post(&msg(&[HUB_BYE.into(), h.id.into()]));
    }
    drive(hub, |m, now| m.close(now));
    let mut s = hub.borrow_mut();
    s.socket = None;
    s.timer = None;
}

/// The hub's machine changed status: the tabs mirror it.
pub(super) fn hub_status(hub: &Shared, status: Status) {
    let s = hub.borrow();
    let Some(h) = s.hub_part.as_ref() else { return };
    h.js.post(&open_or_down(&s, h, status));
}

fn open_or_down(s: &State, h: &HubPart, status: Status) -> JsValue {
    let id = JsValue::from_f64(h.id);
    if status == Status::Open {
        let handshake = s.machine.handshake().map_or(JsValue::NULL, JsValue::from_str);
        let joined = joined_scopes(s, |_| true);
        msg(&[HUB_OPEN.into(), id, handshake, string_array(&joined).into(), JsValue::from_f64(h.registry.len() as f64)])
    } else {
        msg(&[HUB_DOWN.into(), id, status_number(status).into()])
    }
}

/// The scopes the hub's machine has joined, of those `keep` says.
fn joined_scopes(s: &State, keep: impl Fn(&str) -> bool) -> Vec<String> {
    s.machine.scope_states().into_iter().filter(|(n, st)| *st == "joined" && keep(n)).map(|(n, _)| n.to_string()).collect()
}

/// An error of the hub's machine: the tabs hear about those of the connection.
pub(super) fn hub_error(hub: &Shared, err: &SdkError) {
    if !FORWARDED.contains(&err.code) {
        return;
    }
    let s = hub.borrow();
    if let Some(h) = s.hub_part.as_ref() {
        let ids = string_array(&err.context_ids);
        h.js.post(&msg(&[HUB_ERROR.into(), h.id.into(), JsValue::from_f64(err.code.index() as f64), JsValue::from_str(&err.message), ids.into()]));
    }
}

fn on_hub_event(weak: &Weak<RefCell<State>>, what: u32, m: JsValue) {
    let Some(hub) = weak.upgrade() else { return };
    match what {
        0 => on_hub_message(&hub, m.unchecked_ref()),
        3 => {
            if let Some(tab) = m.as_f64() {
                tab_gone(&hub, tab as u64);
            }
        }
        _ => {}
    }
}

fn on_hub_message(hub: &Shared, m: &Array) {
    let kind = m.get(0).as_f64().unwrap_or(0.0) as u32;
    let tab_id = num_at(m, 1);
    if tab_id < 0.0 {
        return;
    }
    let tab = tab_id as u64;
    let now = Instant(now_ms());
    match kind {
        TAB_HELLO | TAB_WANT => {
            let wanted = strings(&m.get(2));
            let fresh = {
                let mut s = hub.borrow_mut();
                let Some(h) = s.hub_part.as_mut() else { return };
                let change = h.registry.set(now, tab, &wanted);
                if kind == TAB_HELLO {
                    h.js.watch_tab(tab_id);
                }
                change.subscribe
            };
            if !fresh.is_empty() {
                drive(hub, |mc, now| {
                    mc.subscribe(now, &fresh);
                });
            }
            {
                let s = hub.borrow();
                let Some(h) = s.hub_part.as_ref() else { return };
                if kind == TAB_HELLO {
                    // Everyone learns the new count; the new tab, the connection's state.
                    h.js.post(&open_or_down(&s, h, s.machine.status()));
                } else {
                    let joined = joined_scopes(&s, |n| wanted.iter().any(|w| w == n));
                    if !joined.is_empty() {
                        h.js.post(&msg(&[HUB_JOINED.into(), h.id.into(), tab_id.into(), string_array(&joined).into()]));
                    }
                }
            }
            // A release may have started: its deadline goes into the timer.
            run_actions(hub);
        }
        TAB_SEND => {
            let n = m.get(2).as_f64().unwrap_or(0.0) as u64;
            let text = m.get(3).as_string().unwrap_or_default();
            let attachments = m.get(4);
            let mut s = hub.borrow_mut();
            let s = &mut *s;
            if s.machine.status() != Status::Open {
                // Not confirmed: the tab sends it again once the connection is back.
                return;
            }
            let Some(h) = s.hub_part.as_mut() else { return };
            if h.registry.accept_send(tab, n) {
                if let Some(sock) = &s.socket {
                    sock.send(&text);
                    #[cfg(feature = "socketio")]
                    if Array::is_array(&attachments) {
                        for b in Array::from(&attachments).iter() {
                            sock.send_binary(&b);
                        }
                    }
                }
            }
            #[cfg(not(feature = "socketio"))]
            let _ = attachments;
            h.js.post(&msg(&[HUB_CONFIRM.into(), h.id.into(), tab_id.into(), JsValue::from_f64(n as f64)]));
        }
        TAB_PING => {
            let s = hub.borrow();
            if let Some(h) = s.hub_part.as_ref() {
                h.js.post(&msg(&[HUB_PONG.into(), h.id.into(), tab_id.into()]));
            }
        }
        TAB_LEAVE => tab_gone(hub, tab),
        TAB_CONNECT => drive(hub, |mc, now| mc.connect(now)),
        _ => {}
    }
}

/// A tab left or its page is gone: what only it wanted is released after the delay.
fn tab_gone(hub: &Shared, tab: u64) {
    let mut s = hub.borrow_mut();
    let Some(h) = s.hub_part.as_mut() else { return };
    if !h.registry.knows(tab) {
        return;
    }
    h.registry.remove(Instant(now_ms()), tab);
    h.js.unwatch_tab(tab as f64);
    h.js.post(&msg(&[HUB_BEAT.into(), h.id.into(), JsValue::from_f64(h.registry.len() as f64)]));
    drop(s);
    run_actions(hub);
}

/// The hub's own rules: scopes whose release delay is over, and the beat.
pub(super) fn hub_tick(hub: &Shared) {
    let now = Instant(now_ms());
    let released = {
        let mut s = hub.borrow_mut();
        let Some(h) = s.hub_part.as_mut() else { return };
        if h.beat.due(now) {
            h.js.post(&msg(&[HUB_BEAT.into(), h.id.into(), JsValue::from_f64(h.registry.len() as f64)]));
        }
        h.registry.due(now)
    };
    if !released.is_empty() {
        drive(hub, |m, now| m.unsubscribe(now, &released));
    } else {
        run_actions(hub);
    }
}

/// The auth function of a manager, for its hub (called by the hub on every connect).
pub(super) fn auth_of(options: &JsValue) -> Option<Function> {
    js_sys::Reflect::get(options, &JsValue::from_str("auth")).ok().and_then(|f| f.dyn_into::<Function>().ok())
}
