#![cfg(not(target_arch = "wasm32"))]
//! Sharing one socket between tabs, with a fake clock: a relayed machine (a tab's own
//! manager) against a hub (the machine that owns the socket), the leader's liveness
//! watch, the union of the tabs' subscriptions and the share key.

mod common;

use calimero_socket::engine::errors::ErrorCode;
use calimero_socket::engine::machine::{Action, Status};
use calimero_socket::engine::options::Auth;
use calimero_socket::engine::tabs::identity::share_key;
use calimero_socket::engine::tabs::liveness::{Beat, Due, Liveness, BEAT_MS, PROBE_WAIT_MS, QUIET_MS, STEAL_SPREAD_MS};
use calimero_socket::engine::tabs::registry::{Registry, RELEASE_DELAY_MS};
use calimero_socket::engine::time::Instant;
use common::*;

/// A relayed Calimero tab wanting `ids`, connected (waiting for the hub).
fn relayed_tab(ids: &[String], draw: u64) -> Harness {
    let mut opts = calimero_opts();
    opts.context_ids = ids.to_vec();
    let mut h = Harness::new(opts);
    h.m.relayed(draw);
    h.connect();
    h
}

fn relays(acts: &[Action<String>]) -> Vec<(u64, String)> {
    acts.iter().filter_map(|a| if let Action::Relay { n, text, .. } = a { Some((*n, text.clone())) } else { None }).collect()
}

fn link_open(h: &mut Harness) {
    h.m.link_open(h.now, None, &[]);
    h.pump();
}

#[test]
fn a_relayed_tab_opens_no_socket_and_writes_no_protocol_frame() {
    let mut h = relayed_tab(&[ctx(1)], 7);
    let acts = h.take();
    assert_eq!(opens(&acts), 0, "no socket of its own: {acts:?}");
    assert_eq!(statuses(&acts), vec![Status::Connecting]);
    link_open(&mut h);
    let acts = h.take();
    assert_eq!(statuses(&acts), vec![Status::Open]);
    assert!(sends(&acts).is_empty() && relays(&acts).is_empty(), "the hub subscribes, not the tab: {acts:?}");
    // No heartbeat of its own either: a long quiet time writes nothing and loses nothing.
    h.advance_by(120_000.0);
    let acts = h.take();
    assert!(sends(&acts).is_empty() && relays(&acts).is_empty() && closes(&acts).is_empty(), "{acts:?}");
    assert_eq!(h.m.status(), Status::Open);
    // Going offline is the hub's business.
    h.offline();
    assert_eq!(h.m.status(), Status::Open);
}

#[test]
fn a_relayed_tab_batches_only_the_scopes_it_subscribed() {
    let (mine, other) = (ctx(1), ctx(2));
    let mut h = relayed_tab(std::slice::from_ref(&mine), 7);
    link_open(&mut h);
    h.take();
    h.frame(&message_sent(&other, "not mine"));
    h.frame(&message_sent(&mine, "mine"));
    h.frame(&calimero_reply(1 << 40, &[other.as_str()]));
    h.advance_by(100.0);
    let acts = h.take();
    let b = batches(&acts);
    assert_eq!(b.len(), 1, "{acts:?}");
    assert_eq!(b[0].size, 1, "the other tab's frame is not in this tab's batch");
    assert!(errors(&acts).is_empty(), "another tab's frames and the hub's replies are no error here: {acts:?}");
}

#[test]
fn relayed_sends_are_numbered_queued_while_no_hub_and_replayed_after_a_handover() {
    let mut h = relayed_tab(&[ctx(1)], 7);
    assert!(h.send("a"), "queued while the hub is not open");
    assert!(relays(&h.take()).is_empty());
    link_open(&mut h);
    assert!(h.send("b"));
    let r = relays(&h.take());
    assert_eq!(r, vec![(1, "a".to_string()), (2, "b".to_string())], "the queue first, in order");
    h.m.link_confirmed(h.now, 1);
    assert!(h.send("c"));
    h.take();
    assert_eq!(h.m.unconfirmed(), 2);
    // The leader tab goes away before confirming b and c: they go back to the queue,
    // before what is sent during the handover.
    h.m.link_down(h.now, Status::Reconnecting, None);
    let acts = h.take();
    assert_eq!(statuses(&acts), vec![Status::Reconnecting]);
    assert_eq!(error_codes(&acts), vec![ErrorCode::ConnectionLost]);
    assert!(h.send("d"));
    assert_eq!(h.m.queued(), 3);
    h.advance_by(300.0);
    link_open(&mut h);
    let acts = h.take();
    let texts: Vec<String> = relays(&acts).into_iter().map(|r| r.1).collect();
    assert_eq!(texts, vec!["b", "c", "d"], "the new leader gets them in order");
    let b = batches(&{
        h.advance_by(100.0);
        h.take()
    });
    assert_eq!(b.len(), 1);
    assert!(b[0].flags & calimero_socket::engine::delivery::refresh::RESYNC_BIT != 0, "one resync after the handover");
}

#[test]
fn relayed_queue_bounds_and_drop_reports_hold() {
    let mut opts = calimero_opts();
    opts.max_queued_messages = 2.0;
    let mut h = Harness::new(opts);
    h.m.relayed(3);
    h.connect();
    for t in ["1", "2", "3"] {
        h.send(t);
    }
    let acts = h.take();
    assert_eq!(error_codes(&acts), vec![ErrorCode::MessageDropped], "the bounded queue reports its drop: {acts:?}");
    assert_eq!(h.m.queued(), 2);
}

#[test]
fn executes_settle_only_in_the_tab_that_made_them() {
    let c = ctx(1);
    let mut a = relayed_tab(std::slice::from_ref(&c), 1);
    let mut b = relayed_tab(std::slice::from_ref(&c), 2);
    link_open(&mut a);
    link_open(&mut b);
    let id = a.m.execute(a.now, &c, "get", "{}", 5000.0);
    let sent = relays(&a.take());
    assert_eq!(sent.len(), 1);
    assert_eq!(request_id(&sent[0].1), id);
    let reply = format!(r#"{{"id":{id},"result":{{"output":42}}}}"#);
    // The hub relays the reply to every tab.
    b.frame(&reply);
    a.frame(&reply);
    let done = |acts: &[Action<String>]| acts.iter().filter(|x| matches!(x, Action::Executed { .. })).count();
    assert_eq!(done(&b.take()), 0, "not b's call");
    assert_eq!(done(&a.take()), 1);
    // An error reply to a request of another tab is not reported here.
    b.frame(&calimero_error(id, "FunctionCallError", "x"));
    let e = errors(&b.take());
    assert!(e.is_empty(), "{e:?}");
}

#[test]
fn two_tabs_draw_different_id_ranges() {
    let c = ctx(1);
    let mut ids = std::collections::BTreeSet::new();
    for draw in 0..200u64 {
        let mut h = relayed_tab(std::slice::from_ref(&c), draw.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        link_open(&mut h);
        let id = h.m.execute(h.now, &c, "m", "{}", 1000.0);
        assert!((1 << 40..1 << 53).contains(&id), "{id}");
        assert!(ids.insert(id >> 32), "range drawn twice");
    }
}

#[test]
fn an_execute_sent_to_a_leader_that_left_is_replayed_not_failed() {
    let c = ctx(1);
    let mut h = relayed_tab(std::slice::from_ref(&c), 9);
    link_open(&mut h);
    let id = h.m.execute(h.now, &c, "get", "{}", 5000.0);
    h.take();
    h.m.link_down(h.now, Status::Reconnecting, None);
    let acts = h.take();
    assert!(!acts.iter().any(|a| matches!(a, Action::Executed { .. })), "not confirmed: it waits in the queue: {acts:?}");
    link_open(&mut h);
    let r = relays(&h.take());
    assert_eq!(r.len(), 1);
    assert_eq!(request_id(&r[0].1), id);
    h.frame(&format!(r#"{{"id":{id},"result":{{"output":1}}}}"#));
    assert!(h.take().iter().any(|a| matches!(a, Action::Executed { result: Ok(_), .. })));
}

#[test]
fn a_confirmed_execute_fails_with_connection_lost_when_the_hub_loses_the_socket() {
    let c = ctx(1);
    let mut h = relayed_tab(std::slice::from_ref(&c), 9);
    link_open(&mut h);
    h.m.execute(h.now, &c, "get", "{}", 5000.0);
    h.take();
    h.m.link_confirmed(h.now, 1);
    h.m.link_down(h.now, Status::Reconnecting, None);
    let acts = h.take();
    let failed = acts.iter().any(|a| matches!(a, Action::Executed { result: Err(f), .. } if f.code == "connectionLost"));
    assert!(failed, "{acts:?}");
}

#[test]
fn the_hub_delivers_nothing_but_keeps_its_socket() {
    let c = ctx(1);
    let mut opts = calimero_opts();
    opts.context_ids = vec![c.clone()];
    let mut h = Harness::new(opts);
    h.m.hub(5);
    h.connect();
    assert_eq!(opens(&h.take()), 1);
    h.on_open();
    let s = sends(&h.take());
    assert_eq!(s.len(), 1, "the hub subscribes");
    assert!(request_id(&s[0]) >= 1 << 40);
    h.accept(&s[0]);
    h.frame(&message_sent(&c, "x"));
    h.advance_by(200.0);
    let acts = h.take();
    assert!(batches(&acts).is_empty(), "{acts:?}");
    // The hub still runs the heartbeat of the shared socket.
    h.advance_by(60_000.0);
    assert!(!sends(&h.take()).is_empty(), "heartbeat probes");
}

#[test]
fn a_failed_hub_fails_the_tabs_and_connect_waits_again() {
    let mut h = relayed_tab(&[ctx(1)], 4);
    link_open(&mut h);
    h.m.link_down(h.now, Status::Failed, None);
    assert_eq!(h.m.status(), Status::Failed);
    assert!(!h.send("x"), "failed: nothing is queued");
    h.connect();
    assert_eq!(h.m.status(), Status::Reconnecting);
}

// ----- the rules on their own -----

#[test]
fn liveness_probes_after_quiet_and_steals_without_an_answer() {
    let mut l = Liveness::new(0.5);
    assert_eq!(l.deadline(), None);
    l.watch(Instant(0.0));
    assert_eq!(l.deadline(), Some(Instant(QUIET_MS)));
    assert_eq!(l.due(Instant(QUIET_MS - 1.0)), Due::Nothing);
    assert_eq!(l.due(Instant(QUIET_MS)), Due::Probe);
    // A throttled leader answers the probe from its message handler.
    l.heard(Instant(QUIET_MS + 20.0));
    assert_eq!(l.deadline(), Some(Instant(2.0 * QUIET_MS + 20.0)));
    // A hung one does not.
    let t = 2.0 * QUIET_MS + 20.0;
    assert_eq!(l.due(Instant(t)), Due::Probe);
    let steal_at = t + PROBE_WAIT_MS + 0.5 * STEAL_SPREAD_MS;
    assert_eq!(l.due(Instant(steal_at - 1.0)), Due::Nothing);
    assert_eq!(l.due(Instant(steal_at)), Due::Steal);
    assert!(!l.watching(), "stops after a steal");
    const { assert!(QUIET_MS + PROBE_WAIT_MS + STEAL_SPREAD_MS <= 5500.0, "the README's bound") };
}

#[test]
fn the_leader_beats_once_per_interval_of_silence() {
    let mut b = Beat::default();
    assert_eq!(b.deadline(), None);
    b.posted(Instant(0.0));
    assert!(!b.due(Instant(BEAT_MS - 1.0)));
    b.posted(Instant(500.0));
    assert!(!b.due(Instant(BEAT_MS)), "a relayed frame counts as a beat");
    assert!(b.due(Instant(500.0 + BEAT_MS)));
    assert_eq!(b.deadline(), Some(Instant(500.0 + 2.0 * BEAT_MS)));
}

#[test]
fn the_union_subscribes_each_scope_once_and_releases_it_after_the_delay() {
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let mut r = Registry::default();
    assert_eq!(r.set(Instant(0.0), 1, &s(&["x", "y"])).subscribe, s(&["x", "y"]));
    assert_eq!(r.set(Instant(0.0), 2, &s(&["y", "z", "z"])).subscribe, s(&["z"]));
    assert_eq!(r.len(), 2);
    // a drops y: b still wants it. b leaves: y and z are released after the delay.
    r.set(Instant(10.0), 1, &s(&["x"]));
    assert_eq!(r.deadline(), None);
    r.remove(Instant(20.0), 2);
    assert_eq!(r.deadline(), Some(Instant(20.0 + RELEASE_DELAY_MS)));
    assert_eq!(r.subscribed(), s(&["x", "y", "z"]), "still held during the delay");
    // z is wanted again in time: kept, and not subscribed a second time.
    assert!(r.set(Instant(30.0), 3, &s(&["z"])).subscribe.is_empty());
    assert!(r.due(Instant(20.0 + RELEASE_DELAY_MS - 1.0)).is_empty());
    assert_eq!(r.due(Instant(20.0 + RELEASE_DELAY_MS)), s(&["y"]));
    assert_eq!(r.subscribed(), s(&["x", "z"]));
}

#[test]
fn relayed_sends_are_written_once_per_tab() {
    let mut r = Registry::default();
    r.set(Instant(0.0), 1, &[]);
    assert!(r.accept_send(1, 1));
    assert!(r.accept_send(1, 2));
    assert!(!r.accept_send(1, 2), "a replay");
    assert!(!r.accept_send(1, 1));
    assert!(r.accept_send(1, 3));
}

#[test]
fn the_share_key_separates_tokens_urls_and_protocols() {
    let base = calimero_opts();
    let key = share_key(&base).expect("shares");
    assert!(key.starts_with("calimero-socket:"));
    assert_eq!(share_key(&base.clone()), Some(key.clone()), "the same identity, the same key");
    let mut t = base.clone();
    t.token = Some("other".into());
    assert_ne!(share_key(&t), Some(key.clone()));
    let mut u = base.clone();
    u.url = vec!["ws://127.0.0.1:2/ws".into()];
    assert_ne!(share_key(&u), Some(key.clone()));
    let mut p = json_opts();
    p.url = base.url.clone();
    assert_ne!(share_key(&p), Some(key.clone()));
    let mut f = base.clone();
    f.auth = Auth::Function;
    assert_eq!(share_key(&f), None, "an auth function cannot be compared: no sharing");
    let mut batch = base.clone();
    batch.batch_window_ms = 5.0;
    assert_eq!(share_key(&batch), Some(key), "delivery options are each tab's own");
}

// ----- Socket.IO, relayed -----

fn sio_tab(namespaces: &str) -> Harness {
    let opts = calimero_socket::engine::options::read_options(&format!(r#"{{"url":"http://127.0.0.1:3000","protocol":"socketio","namespaces":{namespaces}}}"#)).unwrap();
    let mut h = Harness::new(opts);
    h.m.relayed(11);
    h.connect();
    h
}

const SIO_OPEN: &str = r#"0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":100}"#;

#[test]
fn a_relayed_socketio_tab_waits_for_the_hubs_join_and_answers_no_ping() {
    let mut h = sio_tab(r#"["/a"]"#);
    h.frame(SIO_OPEN);
    h.m.link_open(h.now, Some(SIO_OPEN), &[]);
    h.pump();
    assert!(h.m.emit(h.now, "/a", "hi", "[1]"), "queued until the join");
    let acts = h.take();
    assert!(relays(&acts).is_empty() && sends(&acts).is_empty(), "{acts:?}");
    assert_eq!(h.m.scope_states(), [("/a", "joining")]);
    // The hub's join reply, relayed: the tab's emit goes out through the hub.
    h.frame(r#"40/a,{"sid":"x"}"#);
    let r = relays(&h.take());
    assert_eq!(r.len(), 1, "{r:?}");
    assert!(r[0].1.starts_with("42/a,"), "{r:?}");
    // The server's ping is the hub's to answer.
    h.frame("2");
    assert!(sends(&h.take()).is_empty());
    // maxPayload came with the handshake the hub relayed.
    let big = format!("[\"{}\"]", "x".repeat(200));
    assert!(!h.m.emit(h.now, "/a", "big", &big));
    assert_eq!(error_codes(&h.take()), vec![ErrorCode::PayloadTooLarge]);
}

#[test]
fn a_relayed_socketio_tab_takes_the_hubs_joined_list_and_skips_other_namespaces() {
    let mut h = sio_tab(r#"["/a"]"#);
    h.m.link_open(h.now, Some(SIO_OPEN), &["/a".to_string(), "/b".to_string()]);
    h.pump();
    assert_eq!(h.m.scope_states(), [("/a", "joined")]);
    h.frame(r#"42/b,["news",{"n":1}]"#);
    h.frame(r#"42/a,["news",{"n":2}]"#);
    h.advance_by(200.0);
    let acts = h.take();
    let b = batches(&acts);
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].size, 1, "only /a's event");
    assert!(errors(&acts).is_empty(), "{acts:?}");
    // An ack of another tab's emitWithAck is not this tab's.
    let id = h.m.emit_with_ack(h.now, "/a", "q", "[]", 1000.0);
    let r = relays(&h.take());
    assert_eq!(r.len(), 1);
    h.frame(&format!(r#"43/a,{}["other"]"#, id + 1));
    assert!(!h.take().iter().any(|a| matches!(a, Action::Executed { .. })));
    h.frame(&format!(r#"43/a,{id}["mine"]"#));
    assert!(h.take().iter().any(|a| matches!(a, Action::Executed { result: Ok(_), .. })));
}

#[test]
fn close_forgets_unconfirmed_relayed_sends() {
    let mut h = relayed_tab(&[ctx(1)], 2);
    link_open(&mut h);
    h.send("before close");
    h.take();
    assert_eq!(h.m.unconfirmed(), 1);
    h.close();
    assert_eq!(h.m.unconfirmed(), 0);
    h.connect();
    link_open(&mut h);
    assert!(relays(&h.take()).is_empty(), "nothing from before close() is sent again");
}

#[test]
fn a_send_that_outlived_its_ttl_is_dropped_not_relayed_when_the_hub_opens() {
    let mut opts = calimero_opts();
    opts.queued_message_ttl_ms = 1000.0;
    let mut h = Harness::new(opts);
    h.m.relayed(5);
    h.connect();
    assert!(h.send("stale"));
    h.take();
    // The page slept: no timer ran, then the hub's open comes.
    h.sleep_to(5000.0);
    link_open(&mut h);
    let acts = h.take();
    assert!(relays(&acts).is_empty(), "{acts:?}");
    assert_eq!(error_codes(&acts), vec![ErrorCode::MessageDropped]);
}
