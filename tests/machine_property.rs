#![cfg(not(target_arch = "wasm32"))]
//! Property tests: random sequences of app, socket, page and timer inputs at increasing
//! times, checked against three invariants of the machine:
//!
//! 1. never two sockets: no `OpenSocket` follows another without a `CloseSocket` or an
//!    `on_close` in between;
//! 2. nothing is lost silently: every message handed to the offline queue is either sent
//!    or counted in `stats().messages_dropped`;
//! 3. `close()` is final: after it no `OpenSocket` is emitted until `connect()`.
//!
//! The environment is modelled as the web layer behaves: `on_open`/`on_close` may also
//! arrive stray (from a socket already dropped), which the machine must ignore.

mod common;

use calimero_socket::engine::errors::ErrorCode;
use calimero_socket::engine::machine::{Action, Status};
use calimero_socket::engine::options::{Options, QueueOverflow};
use common::*;
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use std::collections::HashSet;

#[derive(Debug, Clone)]
enum Op {
    Connect,
    Close,
    SocketOpen,
    SocketClose(u16),
    Frame(usize),
    Send,
    Tick,
    Online,
    Offline,
    Visible(bool),
    Subscribe(u8),
    ClearQueue,
    Settle,
}

#[derive(Debug, Clone)]
struct Setup {
    json: bool,
    reconnect: bool,
    max_attempts: Option<u8>,
    heartbeat: bool,
    max_queue: u8,
    reject_new: bool,
    ttl: bool,
    seed: u64,
}

fn setup() -> impl Strategy<Value = Setup> {
    (any::<bool>(), prop::bool::weighted(0.85), prop::option::of(0u8..4), any::<bool>(), 0u8..5, any::<bool>(), any::<bool>(), any::<u64>())
        .prop_map(|(json, reconnect, max_attempts, heartbeat, max_queue, reject_new, ttl, seed)| Setup {
            json,
            reconnect,
            max_attempts,
            heartbeat,
            max_queue,
            reject_new,
            ttl,
            seed,
        })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Connect),
        1 => Just(Op::Close),
        4 => Just(Op::SocketOpen),
        3 => prop_oneof![Just(1000u16), Just(1002), Just(1006)].prop_map(Op::SocketClose),
        4 => (0usize..6).prop_map(Op::Frame),
        4 => Just(Op::Send),
        4 => Just(Op::Tick),
        1 => Just(Op::Online),
        1 => Just(Op::Offline),
        1 => any::<bool>().prop_map(Op::Visible),
        1 => (0u8..4).prop_map(Op::Subscribe),
        1 => Just(Op::ClearQueue),
        2 => Just(Op::Settle),
    ]
}

/// Time before each op: mostly short, sometimes long enough for every timer.
fn gap() -> impl Strategy<Value = Gap> {
    let ms = prop_oneof![
        3 => (0u32..50).prop_map(f64::from),
        3 => (0u32..3_000).prop_map(f64::from),
        2 => (0u32..40_000).prop_map(f64::from),
    ];
    (ms, prop::bool::weighted(0.15)).prop_map(|(ms, asleep)| Gap { ms, asleep })
}

/// The time before an op; `asleep`: no timer fires meanwhile (a frozen or sleeping page).
#[derive(Debug, Clone)]
struct Gap {
    ms: f64,
    asleep: bool,
}

fn options(s: &Setup) -> Options {
    let mut o = if s.json { json_opts() } else { calimero_opts() };
    o.reconnect = s.reconnect;
    if let Some(n) = s.max_attempts {
        o.reconnect_max_attempts = n as f64;
    }
    if !s.heartbeat {
        o.heartbeat_interval_ms = 0.0;
    }
    o.max_queued_messages = s.max_queue as f64;
    o.queue_overflow = if s.reject_new { QueueOverflow::RejectNew } else { QueueOverflow::DropOldest };
    o.queued_message_ttl_ms = if s.ttl { 4000.0 } else { 0.0 };
    o
}

fn frames(json: bool) -> Vec<String> {
    let c = ctx(1);
    if json {
        vec![
            json_event("MessageSent", "room", Some(1), &["MessageSent"]),
            json_event("ChannelCreated", "room", Some(3), &["ChannelCreated"]),
            json_event("MessageSent", "other", None, &["MessageSent"]),
            json_pong(),
            json_subscribed(&["room"]),
            "{not json".into(),
        ]
    } else {
        vec![
            message_sent(&c, "m"),
            state_mutation(&c, &[("ChannelCreated", "{}"), ("DMCreated", "")]),
            sync_status(&c, "syncing", 0),
            calimero_reply(1, &[&c]),
            legacy_execution_event(&c, &[("ChatJoined", "[]")]),
            "{not json".into(),
        ]
    }
}

/// What the environment knows, and the invariants' verdicts.
#[derive(Default)]
struct Model {
    /// A socket exists (opened and neither closed by the machine nor reported closed).
    live: bool,
    /// `close()` was called and `connect()` not since.
    closed_by_app: bool,
    /// Messages handed to the queue, or refused by it (and so counted as dropped).
    offered: u64,
    custody: HashSet<String>,
    sent: HashSet<String>,
    sent_from_queue: u64,
    seen: usize,
    two_sockets: Option<String>,
    open_after_close: Option<String>,
    accounting: Option<String>,
}

impl Model {
    /// Reads the actions emitted since the last look.
    fn observe(&mut self, h: &Harness, step: usize) {
        for (t, a) in &h.history[self.seen..] {
            match a {
                Action::OpenSocket(_) => {
                    if self.live && self.two_sockets.is_none() {
                        self.two_sockets = Some(format!("step {step}, t={t}: a second OpenSocket while one is live"));
                    }
                    if self.closed_by_app && self.open_after_close.is_none() {
                        self.open_after_close = Some(format!("step {step}, t={t}: OpenSocket after close()"));
                    }
                    self.live = true;
                }
                Action::CloseSocket(..) => self.live = false,
                Action::Send(text) if text.starts_with("msg-") => {
                    if !self.sent.insert(text.clone()) && self.accounting.is_none() {
                        self.accounting = Some(format!("step {step}: {text} sent twice"));
                    }
                    if self.custody.remove(text) {
                        self.sent_from_queue += 1;
                    }
                }
                _ => {}
            }
        }
        self.seen = h.history.len();
    }

    fn check_accounting(&mut self, h: &Harness, step: usize) {
        let dropped = h.m.stats().messages_dropped;
        let queued = h.m.queued() as u64;
        if self.offered != self.sent_from_queue + dropped + queued && self.accounting.is_none() {
            self.accounting = Some(format!(
                "step {step}: offered {} != sent {} + dropped {dropped} + still queued {queued}",
                self.offered, self.sent_from_queue
            ));
        }
    }
}

fn simulate(setup: &Setup, ops: &[(Gap, Op)]) -> Model {
    let mut h = Harness::with_seed(options(setup), setup.seed);
    let frames = frames(setup.json);
    let mut model = Model::default();
    let mut next_msg = 0;
    for (step, (gap, op)) in ops.iter().enumerate() {
        if gap.asleep {
            h.sleep_to(h.now + gap.ms);
        } else {
            h.advance_by(gap.ms);
        }
        model.observe(&h, step);
        match op {
            Op::Connect => {
                model.closed_by_app = false;
                h.connect();
            }
            Op::Close => {
                h.close();
                model.observe(&h, step);
                model.closed_by_app = true;
            }
            Op::SocketOpen => h.on_open(),
            Op::SocketClose(code) => {
                // The socket is gone before the machine hears of it.
                model.live = false;
                h.on_close(*code);
            }
            Op::Frame(i) => h.frame(&frames[*i]),
            Op::Send => {
                let text = format!("msg-{next_msg}");
                next_msg += 1;
                let seen = h.history.len();
                let ok = h.send(&text);
                let new = &h.history[seen..];
                let direct = new.iter().any(|(_, a)| matches!(a, Action::Send(t) if *t == text));
                // Refused by a full queue (as opposed to refused after close()): counted
                // as dropped. The same call may also expire older messages.
                let rejected = new.iter().any(|(_, a)| {
                    matches!(a, Action::Error(e) if e.code == ErrorCode::MessageDropped && e.message.contains("rejectNew"))
                });
                if !direct && ok {
                    model.offered += 1;
                    model.custody.insert(text);
                } else if rejected {
                    assert!(!ok && !direct);
                    model.offered += 1;
                }
            }
            Op::Tick => {
                let now = h.now;
                h.m.tick(now);
                h.pump();
            }
            Op::Online => h.online(),
            Op::Offline => h.offline(),
            Op::Visible(v) => h.visible(*v),
            Op::Subscribe(n) => {
                h.subscribe(&[if setup.json { format!("room-{n}") } else { ctx(10 + n) }]);
            }
            Op::ClearQueue => {
                h.clear_queue();
            }
            Op::Settle => h.settle(),
        }
        model.observe(&h, step);
        model.check_accounting(&h, step);
        let last_status = h.history.iter().rev().find_map(|(_, a)| match a {
            Action::Status(s) => Some(*s),
            _ => None,
        });
        assert_eq!(last_status.unwrap_or(Status::Idle), h.m.status(), "the reported status is the machine's");
        if let Some(d) = h.m.poll_timeout() {
            assert!(d.is_finite(), "deadline {d}");
        }
    }
    // Finally reconnect once more: whatever is still queued must go out now.
    let end = ops.len();
    model.closed_by_app = false;
    h.visible(true);
    h.connect();
    model.observe(&h, end);
    if h.m.status() != Status::Open {
        assert!(model.live, "connect() leaves a socket opening (status {:?})", h.m.status());
        h.on_open();
    }
    model.observe(&h, end);
    model.check_accounting(&h, end);
    if h.m.queued() != 0 && model.accounting.is_none() {
        model.accounting = Some(format!("{} message(s) still queued after the final open", h.m.queued()));
    }
    model
}

/// 300 cases by default (well under a second); `PROPTEST_CASES=100000` searches harder.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn never_two_sockets(setup in setup(), ops in prop::collection::vec((gap(), op()), 1..80)) {
        let model = simulate(&setup, &ops);
        prop_assert!(model.two_sockets.is_none(), "{}", model.two_sockets.unwrap());
    }

    #[test]
    fn every_queued_message_is_sent_or_counted_as_dropped(setup in setup(), ops in prop::collection::vec((gap(), op()), 1..80)) {
        let model = simulate(&setup, &ops);
        prop_assert!(model.accounting.is_none(), "{}", model.accounting.unwrap());
    }

    #[test]
    fn nothing_reopens_after_close_until_connect(setup in setup(), ops in prop::collection::vec((gap(), op()), 1..80)) {
        let model = simulate(&setup, &ops);
        prop_assert!(model.open_after_close.is_none(), "{}", model.open_after_close.unwrap());
    }
}

/// The property's checker is itself checked: a scripted run that must pass, so a
/// model that never looks would not go unnoticed.
#[test]
fn the_model_sees_opens_sends_and_drops() {
    let setup = Setup { json: false, reconnect: true, max_attempts: None, heartbeat: true, max_queue: 1, reject_new: false, ttl: false, seed: 3 };
    let at = |ms: f64| Gap { ms, asleep: false };
    let ops = vec![
        (at(0.0), Op::Send),
        (at(0.0), Op::Send), // drops the first (dropOldest, capacity 1)
        (at(0.0), Op::Connect),
        (at(10.0), Op::SocketOpen), // sends the second
        (at(10.0), Op::Send),       // direct
        (at(10.0), Op::Close),
        (at(10.0), Op::Send), // refused: closed
        (at(50_000.0), Op::Tick),
    ];
    let model = simulate(&setup, &ops);
    assert!(model.two_sockets.is_none() && model.open_after_close.is_none() && model.accounting.is_none());
    assert_eq!((model.offered, model.sent_from_queue), (2, 1));
    assert_eq!(model.sent.len(), 2);
}
