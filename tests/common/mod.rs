//! A fake-clock harness around the sans-IO [`Machine`], shared by the integration tests.
//!
//! Time only moves when a test says so. [`Harness::advance_to`] runs every timer the
//! machine asks for on the way (jumping from one `poll_timeout()` to the next, as the
//! web layer's `setTimeout` would), [`Harness::sleep_to`] moves the clock WITHOUT
//! running timers (a laptop lid closed, a frozen tab). Every action the machine emits is
//! drained into a buffer ([`Harness::take`]) and into a timestamped history.
//!
//! The frame builders write what a real Calimero node and a json-protocol server send:
//! the `{"id":null,"result":{..}}` envelope, `events[].data` as byte arrays, replies
//! matched by `id`, and the pre-2025 split `StateMutation` + `ExecutionEvent` frames.
#![allow(dead_code)]

use calimero_socket::engine::delivery::batcher::Batch;
use calimero_socket::engine::errors::{ErrorCode, SdkError};
use calimero_socket::engine::machine::{Action, Machine, Status};
use calimero_socket::engine::options::{Options, Profile};
use calimero_socket::engine::protocols::calimero::encode_base58;
use calimero_socket::engine::protocols::ProtocolKind;

pub const URL: &str = "ws://127.0.0.1:2428/ws";
pub const SEED: u64 = 0x5eed_1234;

/// The defaults, Calimero protocol.
pub fn calimero_opts() -> Options {
    Options::defaults(URL, Profile::Default)
}

/// The defaults, json protocol.
pub fn json_opts() -> Options {
    let mut o = Options::defaults(URL, Profile::Default);
    o.protocol = ProtocolKind::Json;
    o
}

/// A valid Calimero context id (base58 of 32 bytes), distinct per `n`.
pub fn ctx(n: u8) -> String {
    let mut bytes = [n; 32];
    bytes[0] = n.wrapping_add(1) | 1;
    encode_base58(&bytes)
}

// ----- the harness -----

pub struct Harness {
    pub m: Machine<String>,
    pub now: f64,
    out: Vec<Action<String>>,
    /// Every action ever emitted, with the time it was emitted at.
    pub history: Vec<(f64, Action<String>)>,
    /// Call `batch_settled` as soon as a batch is delivered (a fast app).
    pub auto_settle: bool,
    /// How late each timer fires (browsers never fire one early, and seldom on time).
    pub timer_lateness_ms: f64,
    /// `Health` and `Metrics` actions, kept apart from `out`.
    pub health_notices: Vec<(f64, Action<String>)>,
}

impl Harness {
    pub fn new(opts: Options) -> Self {
        Self::with_seed(opts, SEED)
    }

    pub fn with_seed(opts: Options, seed: u64) -> Self {
        assert_eq!(opts.validate(), Ok(()), "test options must be valid");
        let m = Machine::new(opts, seed).expect("machine");
        Harness { m, now: 0.0, out: Vec::new(), history: Vec::new(), auto_settle: false, timer_lateness_ms: 0.0, health_notices: Vec::new() }
    }

    /// A machine connected and open at t = 0, with the opening actions cleared.
    pub fn open(opts: Options) -> Self {
        let mut h = Self::new(opts);
        h.connect();
        h.on_open();
        h.take();
        h
    }

    /// Moves the machine's actions into the buffer (settling batches if asked).
    pub fn pump(&mut self) {
        loop {
            let mut delivered = false;
            while let Some(a) = self.m.poll_action() {
                // Health and metrics notices have tests of their own (machine_health.rs);
                // they would only be noise in the connection and batching scripts.
                if matches!(a, Action::Health(..) | Action::Metrics) {
                    self.health_notices.push((self.now, a));
                    continue;
                }
                delivered |= matches!(a, Action::Batch(_));
                self.history.push((self.now, a.clone()));
                self.out.push(a);
            }
            if delivered && self.auto_settle {
                self.m.batch_settled(self.now);
            } else {
                break;
            }
        }
    }

    /// The actions emitted since the last `take`.
    pub fn take(&mut self) -> Vec<Action<String>> {
        self.pump();
        std::mem::take(&mut self.out)
    }

    /// Runs every timer due up to `t`, then sets the clock to `t`.
    pub fn advance_to(&mut self, t: f64) {
        assert!(t >= self.now, "time goes forward ({} -> {t})", self.now);
        let mut spins = 0;
        while let Some(d) = self.m.poll_timeout() {
            let fire = (d + self.timer_lateness_ms).max(self.now);
            if fire > t {
                break;
            }
            spins = if fire == self.now { spins + 1 } else { 0 };
            assert!(spins < 50, "tick({fire}) does not clear the deadline {d}: the machine would spin");
            self.now = fire;
            self.m.tick(fire);
            self.pump();
        }
        self.now = t;
    }

    pub fn advance_by(&mut self, dt: f64) {
        self.advance_to(self.now + dt);
    }

    /// Fires the next timer; returns when it fired. Panics if the machine wants none.
    pub fn next_timer(&mut self) -> f64 {
        let d = self.m.poll_timeout().expect("the machine asked for no timer");
        let fire = (d + self.timer_lateness_ms).max(self.now);
        self.now = fire;
        self.m.tick(fire);
        self.pump();
        fire
    }

    /// Moves the clock to `t` with no timer firing meanwhile (the page slept).
    pub fn sleep_to(&mut self, t: f64) {
        assert!(t >= self.now);
        self.now = t;
    }

    // ----- inputs, at `self.now` -----

    pub fn connect(&mut self) {
        self.m.connect(self.now);
        self.pump();
    }

    pub fn close(&mut self) {
        self.m.close(self.now);
        self.pump();
    }

    pub fn on_open(&mut self) {
        self.m.on_open(self.now);
        self.pump();
    }

    pub fn on_close(&mut self, code: u16) {
        self.m.on_close(self.now, code, "");
        self.pump();
    }

    /// A text frame; the payload kept for delivery is the frame text itself.
    pub fn frame(&mut self, text: &str) {
        self.m.on_frame(self.now, text, text.to_string());
        self.pump();
    }

    pub fn send(&mut self, text: &str) -> bool {
        let ok = self.m.send(self.now, text.to_string());
        self.pump();
        ok
    }

    pub fn subscribe(&mut self, ids: &[String]) -> Vec<String> {
        let bad = self.m.subscribe(self.now, ids);
        self.pump();
        bad
    }

    pub fn unsubscribe(&mut self, ids: &[String]) {
        self.m.unsubscribe(self.now, ids);
        self.pump();
    }

    pub fn settle(&mut self) {
        self.m.batch_settled(self.now);
        self.pump();
    }

    pub fn online(&mut self) {
        self.m.online(self.now);
        self.pump();
    }

    pub fn offline(&mut self) {
        self.m.offline(self.now);
        self.pump();
    }

    pub fn visible(&mut self, visible: bool) {
        self.m.visibility(self.now, visible);
        self.pump();
    }

    pub fn clear_queue(&mut self) -> usize {
        let n = self.m.clear_queue(self.now);
        self.pump();
        n
    }

    /// Answers a Calimero subscribe request (or probe) accepting every id it asked for.
    pub fn accept(&mut self, request: &str) {
        let ids = request_ctx_ids(request);
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        self.frame(&calimero_reply(request_id(request), &refs));
    }

    /// The history's actions between two times (inclusive).
    pub fn history_between(&self, from: f64, to: f64) -> Vec<Action<String>> {
        self.history.iter().filter(|(t, _)| *t >= from && *t <= to).map(|(_, a)| a.clone()).collect()
    }
}

// ----- reading actions -----

pub fn batches(acts: &[Action<String>]) -> Vec<Batch<String>> {
    acts.iter()
        .filter_map(|a| match a {
            Action::Batch(b) => Some(b.clone()),
            _ => None,
        })
        .collect()
}

pub fn errors(acts: &[Action<String>]) -> Vec<SdkError> {
    acts.iter()
        .filter_map(|a| match a {
            Action::Error(e) => Some(e.clone()),
            _ => None,
        })
        .collect()
}

pub fn error_codes(acts: &[Action<String>]) -> Vec<ErrorCode> {
    errors(acts).into_iter().map(|e| e.code).collect()
}

pub fn sends(acts: &[Action<String>]) -> Vec<String> {
    acts.iter()
        .filter_map(|a| match a {
            Action::Send(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

pub fn opens(acts: &[Action<String>]) -> usize {
    acts.iter().filter(|a| matches!(a, Action::OpenSocket(_))).count()
}

pub fn closes(acts: &[Action<String>]) -> Vec<(u16, &'static str)> {
    acts.iter()
        .filter_map(|a| match a {
            Action::CloseSocket(c, r) => Some((*c, *r)),
            _ => None,
        })
        .collect()
}

pub fn statuses(acts: &[Action<String>]) -> Vec<Status> {
    acts.iter()
        .filter_map(|a| match a {
            Action::Status(s) => Some(*s),
            _ => None,
        })
        .collect()
}

/// The names of the flags set in `flags`, sorted (with `resync`).
pub fn flag_names(m: &Machine<String>, flags: u64) -> Vec<String> {
    let mut v: Vec<String> = m.rules().names_in(flags).into_iter().map(String::from).collect();
    v.sort();
    v
}

/// A batch's kind counts by name, sorted.
pub fn kind_counts(m: &Machine<String>, b: &Batch<String>) -> Vec<(String, u32)> {
    let mut v: Vec<(String, u32)> = b.kinds.iter().map(|(id, n)| (m.rules().kind_name(*id).to_string(), *n)).collect();
    v.sort();
    v
}

// ----- reading our requests -----

/// The `id` of a Calimero request we sent.
pub fn request_id(text: &str) -> u64 {
    let rest = text.strip_prefix("{\"id\":").unwrap_or_else(|| panic!("not a Calimero request: {text}"));
    let end = rest.find(',').expect("id");
    rest[..end].parse().expect("numeric id")
}

/// The `method` of a Calimero request, or the `type` of a json one.
pub fn request_method(text: &str) -> String {
    for key in ["\"method\":\"", "\"type\":\""] {
        if let Some(i) = text.find(key) {
            let rest = &text[i + key.len()..];
            return rest[..rest.find('"').unwrap()].to_string();
        }
    }
    panic!("no method in {text}")
}

/// The `contextIds` of a subscribe or unsubscribe request.
pub fn request_ctx_ids(text: &str) -> Vec<String> {
    let key = "\"contextIds\":[";
    let i = text.find(key).unwrap_or_else(|| panic!("no contextIds in {text}")) + key.len();
    let rest = &text[i..];
    let list = &rest[..rest.find(']').unwrap()];
    list.split(',').filter(|s| !s.is_empty()).map(|s| s.trim_matches('"').to_string()).collect()
}

pub fn is_subscribe(text: &str) -> bool {
    text.contains("\"subscribe\"")
}

// ----- Calimero frames -----

/// `[123,34,...]`: the UTF-8 bytes of `json`, as the node writes `events[].data`.
/// An empty `json` is a unit variant: `[]`.
pub fn bytes_of(json: &str) -> String {
    let v: Vec<String> = json.bytes().map(|b| b.to_string()).collect();
    format!("[{}]", v.join(","))
}

fn events_array(events: &[(&str, &str)]) -> String {
    let items: Vec<String> = events
        .iter()
        .map(|(kind, data)| format!(r#"{{"kind":"{kind}","data":{},"handler":null}}"#, bytes_of(data)))
        .collect();
    format!("[{}]", items.join(","))
}

/// A current node's `StateMutation` frame carrying `events` (kind, app-event JSON).
pub fn state_mutation(context: &str, events: &[(&str, &str)]) -> String {
    let root = encode_base58(&[events.len() as u8 + 3; 32]);
    format!(
        r#"{{"id":null,"result":{{"contextId":"{context}","type":"StateMutation","data":{{"newRoot":"{root}","events":{}}}}}}}"#,
        events_array(events)
    )
}

/// A `StateMutation` with one `MessageSent` event whose data names `text`.
pub fn message_sent(context: &str, text: &str) -> String {
    state_mutation(context, &[("MessageSent", &format!(r#"{{"id":"{text}","text":"{text}"}}"#))])
}

/// The pre-2025 split: `StateMutation` with only the new root...
pub fn legacy_state_mutation(context: &str, root: &str) -> String {
    format!(r#"{{"id":null,"result":{{"contextId":"{context}","type":"StateMutation","data":{{"newRoot":"{root}"}}}}}}"#)
}

/// ...and, separately, `ExecutionEvent` with the events.
pub fn legacy_execution_event(context: &str, events: &[(&str, &str)]) -> String {
    format!(
        r#"{{"id":null,"result":{{"contextId":"{context}","type":"ExecutionEvent","data":{{"events":{}}}}}}}"#,
        events_array(events)
    )
}

/// The `SyncStatus` a syncing node pushes unprompted.
pub fn sync_status(context: &str, state: &str, failures: u32) -> String {
    format!(
        r#"{{"id":null,"result":{{"contextId":"{context}","type":"SyncStatus","data":{{"syncState":{{"state":"{state}"}},"failureCount":{failures}}}}}}}"#
    )
}

/// A group event (keyed by `groupId`).
pub fn group_event(group: &str, event_type: &str) -> String {
    format!(r#"{{"id":null,"result":{{"groupId":"{group}","type":"{event_type}","data":{{}}}}}}"#)
}

/// A subscribe reply listing the accepted ids.
pub fn calimero_reply(id: u64, accepted: &[&str]) -> String {
    let ids: Vec<String> = accepted.iter().map(|s| format!("\"{s}\"")).collect();
    format!(r#"{{"id":{id},"result":{{"contextIds":[{}]}}}}"#, ids.join(","))
}

/// An error reply.
pub fn calimero_error(id: u64, kind: &str, data: &str) -> String {
    format!(r#"{{"id":{id},"error":{{"type":"{kind}","data":"{data}"}}}}"#)
}

// ----- json-protocol frames -----

/// `{"type":..,"contextId":..,"data":{"events":[{"kind"}..]},"seq":..}`.
pub fn json_event(event_type: &str, context: &str, seq: Option<u64>, kinds: &[&str]) -> String {
    let mut s = format!(r#"{{"type":"{event_type}","contextId":"{context}","data":{{"events":["#);
    for (i, k) in kinds.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!(r#"{{"kind":"{k}","data":{{"n":{i}}}}}"#));
    }
    s.push_str("]}");
    if let Some(n) = seq {
        s.push_str(&format!(r#","seq":{n}"#));
    }
    s.push_str(r#","_server_timestamp":1767225600000}"#);
    s
}

pub fn json_pong() -> String {
    r#"{"type":"pong"}"#.to_string()
}

pub fn json_subscribed(ids: &[&str]) -> String {
    let ids: Vec<String> = ids.iter().map(|s| format!("\"{s}\"")).collect();
    format!(r#"{{"type":"subscribed","contextIds":[{}]}}"#, ids.join(","))
}
