//! Issue 12 on a fake clock: server stamps sanitised (`badTimestamp`), the frame error
//! rate of health, presence replayed by a heartbeat probe, presence `state` decoded,
//! the `changed` flag, and `execute()`.

mod common;

use calimero_socket::engine::errors::ErrorCode;
use calimero_socket::engine::observability::health::Health;
use calimero_socket::engine::observability::latency::MAX_STAMP_AHEAD_MS;
use calimero_socket::engine::machine::{Action, ExecFailure, BAD_TIMESTAMP_QUIET_MS, FIRST_REQUEST_ID, MAX_PENDING_EXECUTES, PROBE_REPLAY_WINDOW_MS};
use calimero_socket::engine::options::QueueOverflow;
use calimero_socket::engine::protocols::{Protocol, ProtocolKind};
use common::*;

/// The epoch time the clock of these tests starts at (stamps must be near it).
const T0: f64 = 1.767e12;

fn json_at(ts: &str) -> String {
    format!(r#"{{"type":"StateMutation","contextId":"c","data":{{"events":[{{"kind":"MessageSent"}}]}},"_server_timestamp":{ts}}}"#)
}

/// A json-protocol machine open at epoch time T0.
fn json_open() -> Harness {
    let mut opts = json_opts();
    opts.heartbeat_interval_ms = 0.0;
    let mut h = Harness::new(opts);
    h.now = T0;
    h.connect();
    h.on_open();
    h.take();
    h
}

fn executed(acts: &[Action<String>]) -> Vec<(u64, Result<String, ExecFailure>)> {
    acts.iter()
        .filter_map(|a| match a {
            Action::Executed { id, result } => Some((*id, result.clone())),
            _ => None,
        })
        .collect()
}

fn exec_code(r: &Result<String, ExecFailure>) -> &'static str {
    match r {
        Ok(_) => "ok",
        Err(f) => f.code,
    }
}

#[test]
fn bad_stamps_give_no_sample_and_are_reported_once_per_burst() {
    let mut h = json_open();
    let hour_ahead = (T0 + 3_600_000.0).to_string();
    for ts in [hour_ahead.as_str(), "1e308", r#""soon""#, r#"{"ms":1}"#, "-5", "0", "true"] {
        h.frame(&json_at(ts));
    }
    let acts = h.take();
    assert_eq!(error_codes(&acts), [ErrorCode::BadTimestamp], "one report for the burst");
    assert_eq!(h.m.stats().bad_timestamps, 7, "every bad stamp counted");
    assert_eq!(h.m.stats().errors_by_code[ErrorCode::BadTimestamp.index()], 1);
    let lat = h.m.latency();
    assert_eq!((lat.raw.count(), lat.corrected.count()), (0, 0), "no latency sample from a bad stamp");
    // Frames themselves are still delivered.
    h.advance_by(500.0);
    assert_eq!(batches(&h.take()).iter().map(|b| b.size).sum::<u32>(), 7);
    // A stamp just inside the bound is clock jitter: clamped to 0, not refused.
    h.frame(&json_at(&(h.now + MAX_STAMP_AHEAD_MS - 1000.0).to_string()));
    h.frame(&json_at(&(h.now - 12.0).to_string()));
    assert_eq!(h.m.stats().bad_timestamps, 7);
    let s = h.m.latency().corrected.summary();
    assert_eq!((s.count, s.min, s.max), (2, 0.0, 12.0));
    assert_eq!(h.m.latency().clamped, 1);
    // Bad stamps keep coming less than the quiet time apart: counted, never reported.
    for _ in 0..5 {
        h.advance_by(BAD_TIMESTAMP_QUIET_MS / 2.0);
        h.frame(&json_at("-1"));
    }
    assert!(!error_codes(&h.take()).contains(&ErrorCode::BadTimestamp));
    assert_eq!(h.m.stats().bad_timestamps, 12);
    // After a quiet time without one, the next burst is reported again.
    h.advance_by(BAD_TIMESTAMP_QUIET_MS);
    h.frame(&json_at("-1"));
    assert_eq!(error_codes(&h.take()), [ErrorCode::BadTimestamp]);
    // `null` is no stamp, not a bad one.
    h.frame(&json_at("null"));
    assert_eq!(h.m.stats().bad_timestamps, 13);
}

#[test]
fn a_bad_pong_stamp_gives_no_offset() {
    let mut opts = json_opts();
    opts.heartbeat_interval_ms = 1000.0;
    let mut h = Harness::new(opts);
    h.now = T0;
    h.connect();
    h.on_open();
    h.advance_by(1000.0);
    assert_eq!(sends(&h.take()).len(), 1, "the first probe");
    h.advance_by(5.0);
    h.frame(&format!(r#"{{"type":"pong","_server_timestamp":{}}}"#, h.now + 3_600_000.0));
    assert_eq!(h.m.latency().offset.offset(), None, "an hour ahead: no offset sample");
    assert_eq!(h.m.stats().bad_timestamps, 1);
    assert_eq!(h.m.latency().rtt.count(), 1, "the round trip still counts");
    assert_eq!(error_codes(&h.take()), [ErrorCode::BadTimestamp]);
    h.advance_by(1000.0);
    h.take();
    h.advance_by(5.0);
    h.frame(&format!(r#"{{"type":"pong","_server_timestamp":{}}}"#, h.now + 20.0));
    assert!(h.m.latency().offset.offset().is_some(), "a sane stamp gives one");
}

#[test]
fn a_bad_stamp_inside_calimero_event_data_is_refused() {
    let mut h = Harness::open(calimero_opts());
    h.now = T0;
    h.m.delivered_stamp(T0, T0 + 2.0 * MAX_STAMP_AHEAD_MS, Some("MessageSent"));
    h.m.delivered_stamp(T0, f64::NAN, Some("MessageSent"));
    h.m.delivered_stamp(T0, T0 - 40.0, Some("MessageSent"));
    assert_eq!(h.m.stats().bad_timestamps, 2);
    let s = h.m.latency().corrected.summary();
    assert_eq!((s.count, s.min), (1, 40.0));
    assert_eq!(error_codes(&h.take()), [ErrorCode::BadTimestamp]);
    // The decoder hands a string stamp over as NaN, so it is refused, not skipped.
    let p = Protocol::new(ProtocolKind::Calimero, &calimero_opts().codec_settings());
    let f = state_mutation(&ctx(1), &[("MessageSent", r#"{"id":"m","_server_timestamp":"later"}"#)]);
    let (_, stamp) = p.normalize_stamped(&f).unwrap();
    assert!(stamp.unwrap().0.is_nan());
}

#[test]
fn connection_failures_and_local_refusals_are_not_frame_errors() {
    // The node restart seen on a real node: 34 frames, then 2 connections lost, 3 failed
    // attempts and one malformed id of the app's own, then open again.
    let mut opts = calimero_opts();
    opts.heartbeat_interval_ms = 0.0;
    let mut h = Harness::open(opts);
    let c = ctx(1);
    for i in 0..34 {
        h.frame(&message_sent(&c, &format!("m{i}")));
    }
    h.subscribe(&["not-an-id".to_string()]);
    h.on_close(1006);
    for _ in 0..3 {
        h.online();
        h.on_close(1006);
    }
    h.online();
    h.on_open();
    h.on_close(1006);
    h.online();
    h.on_open();
    h.advance_by(1500.0);
    let by = &h.m.stats().errors_by_code;
    assert_eq!((by[ErrorCode::ConnectionLost.index()], by[ErrorCode::ConnectFailed.index()]), (2, 3));
    assert_eq!(h.m.stats().errors, 6);
    assert_eq!(h.m.health().0, Health::Healthy, "6 errors over 34 frames, none about a frame");
    // Errors about frames do count: 2 bad frames over 36 is over 5%.
    let mut h = Harness::open(calimero_opts());
    for i in 0..34 {
        h.frame(&message_sent(&c, &format!("m{i}")));
    }
    h.frame("{not json");
    h.frame(r#"{"id":null,"result":{"contextId":"x"}}"#);
    h.advance_by(1500.0);
    assert_eq!(h.m.health().0, Health::Critical);
}

fn ephemeral(context: &str, age: Option<u32>) -> String {
    let age = age.map(|a| format!(r#","ageMs":{a}"#)).unwrap_or_default();
    format!(r#"{{"id":null,"result":{{"contextId":"{context}","type":"Ephemeral","data":{{"author":"alice","state":{}{age}}}}}}}"#, bytes_of(r#"{"typing":true}"#))
}

fn side_events(acts: &[Action<String>]) -> usize {
    acts.iter().filter(|a| matches!(a, Action::Event { .. })).count()
}

#[test]
fn presence_a_probe_makes_the_node_replay_is_dropped() {
    let (c1, c2) = (ctx(1), ctx(2));
    let mut opts = calimero_opts();
    opts.context_ids = vec![c1.clone()];
    opts.heartbeat_interval_ms = 5000.0;
    let mut h = Harness::new(opts);
    h.connect();
    h.on_open();
    let open_sub = sends(&h.take()).remove(0);
    // The replay a real subscribe causes reaches the app: it is the current presence.
    h.frame(&ephemeral(&c1, Some(900)));
    h.accept(&open_sub);
    assert_eq!(side_events(&h.take()), 1);
    // The first probe, 1 s after open: the node replays again, before and after its reply.
    h.advance_to(1000.0);
    let probe = sends(&h.take()).remove(0);
    assert!(is_subscribe(&probe));
    h.advance_by(3.0);
    h.frame(&ephemeral(&c1, Some(1900)));
    h.accept(&probe);
    h.advance_by(PROBE_REPLAY_WINDOW_MS - 10.0);
    h.frame(&ephemeral(&c1, Some(2900)));
    assert_eq!(side_events(&h.take()), 0, "a probe has no visible effect");
    assert_eq!(h.m.stats().probe_replays_dropped, 2);
    // Live presence (no ageMs) always passes, and so does another context's replay.
    h.frame(&ephemeral(&c1, None));
    h.frame(&ephemeral(&c2, Some(5)));
    assert_eq!(side_events(&h.take()), 2);
    // The window closes PROBE_REPLAY_WINDOW_MS after the reply.
    h.advance_by(20.0);
    h.frame(&ephemeral(&c1, Some(4000)));
    assert_eq!(side_events(&h.take()), 1);
    assert_eq!(h.m.stats().probe_replays_dropped, 2);
    // An app subscribe still unanswered when the next probe goes out: its replay is the
    // app's presence and passes, though the probe re-subscribed that context too.
    h.subscribe(std::slice::from_ref(&c2));
    let sub = sends(&h.take()).remove(0);
    h.advance_by(5000.0);
    let probe = sends(&h.take()).remove(0);
    assert!(request_ctx_ids(&probe).contains(&c2));
    h.frame(&ephemeral(&c2, Some(3)));
    h.frame(&ephemeral(&c1, Some(3)));
    assert_eq!(side_events(&h.take()), 1, "c2's replay passes, c1's is the probe's");
    h.accept(&sub);
    h.accept(&probe);
}

#[test]
fn presence_state_bytes_are_decoded() {
    let p = Protocol::new(ProtocolKind::Calimero, &calimero_opts().codec_settings());
    let out = p.normalize(&ephemeral(&ctx(1), Some(7))).unwrap();
    assert!(out.contains(r#""state":{"typing":true}"#), "{out}");
    assert!(out.contains(r#""ageMs":7"#), "{out}");
    // With events too, both are decoded, in place.
    let f = format!(
        r#"{{"id":null,"result":{{"contextId":"{}","type":"XCall","data":{{"state":{},"events":[{{"kind":"K","data":{}}}]}}}}}}"#,
        ctx(1),
        bytes_of("[1,2]"),
        bytes_of(r#"{"a":1}"#)
    );
    assert_eq!(p.normalize(&f).unwrap(), format!(r#"{{"contextId":"{}","type":"XCall","data":{{"state":[1,2],"events":[{{"kind":"K","data":{{"a":1}}}}]}}}}"#, ctx(1)));
}

#[test]
fn a_mutation_without_events_raises_changed() {
    let mut h = Harness::open(calimero_opts());
    h.auto_settle = true;
    h.frame(&state_mutation(&ctx(1), &[]));
    h.advance_by(500.0);
    let b = batches(&h.take());
    assert_eq!(b.len(), 1);
    assert_eq!(flag_names(&h.m, b[0].flags), ["changed"]);
    // The legacy split too: its StateMutation has no events at all.
    h.frame(&legacy_state_mutation(&ctx(1), "root"));
    h.advance_by(500.0);
    let b = batches(&h.take());
    assert_eq!(flag_names(&h.m, b[0].flags), ["changed"]);
}

#[test]
fn execute_resolves_with_the_output_and_shares_the_request_ids() {
    let c = ctx(1);
    let mut opts = calimero_opts();
    opts.context_ids = vec![c.clone()];
    opts.heartbeat_interval_ms = 0.0;
    let mut h = Harness::new(opts);
    h.connect();
    h.on_open();
    let sub = sends(&h.take()).remove(0);
    assert_eq!(request_id(&sub), FIRST_REQUEST_ID, "the SDK's ids start at 2^40");
    let id = h.m.execute(h.now, &c, "set", r#"{"key":"k"}"#, 1000.0);
    let sent = sends(&h.take());
    assert_eq!(sent, [format!(r#"{{"id":{id},"method":"execute","params":{{"contextId":"{c}","method":"set","argsJson":{{"key":"k"}}}}}}"#)]);
    assert_eq!(id, FIRST_REQUEST_ID + 1, "the same counter as subscribes");
    h.subscribe(&[ctx(2)]);
    assert_eq!(request_id(&sends(&h.take())[0]), id + 1);
    // An app's own raw request with a small id is not taken for the SDK's.
    h.frame(r#"{"id":1,"result":{"output":"app"}}"#);
    assert!(executed(&h.take()).is_empty());
    h.frame(&format!(r#"{{"id":{id},"result":{{"output":{{"v":[1,2]}}}}}}"#));
    let done = executed(&h.take());
    assert_eq!(done, [(id, Ok(r#"{"v":[1,2]}"#.to_string()))]);
    assert_eq!(h.m.executes_pending(), 0);
    assert_eq!(h.m.stats().messages_sent, 3);
}

#[test]
fn execute_rejects_on_error_timeout_loss_and_close() {
    let c = ctx(1);
    let mut opts = calimero_opts();
    opts.heartbeat_interval_ms = 0.0;
    let mut h = Harness::open(opts);
    // An error reply rejects the call; it is the app's, not an onError report.
    let id = h.m.execute(h.now, &c, "fail", "{}", 1000.0);
    h.take();
    h.frame(&format!(r#"{{"id":{id},"error":{{"type":"FunctionCallError","data":{{"why":"no"}}}}}}"#));
    let acts = h.take();
    assert!(errors(&acts).is_empty());
    let done = executed(&acts);
    let Err(f) = &done[0].1 else { panic!("{done:?}") };
    assert_eq!(f.code, "serverError");
    let se = f.server.as_ref().unwrap();
    assert_eq!((se.kind.as_str(), se.detail.as_str(), se.detail_json), ("FunctionCallError", r#"{"why":"no"}"#, true));
    // No reply: rejected at its deadline, which poll_timeout names.
    let id = h.m.execute(h.now, &c, "slow", "{}", 300.0);
    h.take();
    assert_eq!(h.m.poll_timeout(), Some(h.now + 300.0));
    h.advance_by(299.0);
    assert!(executed(&h.take()).is_empty());
    h.advance_by(1.0);
    assert_eq!(executed(&h.take()).iter().map(|(i, r)| (*i, exec_code(r))).collect::<Vec<_>>(), [(id, "executeTimeout")]);
    // A late reply is ignored.
    h.frame(&format!(r#"{{"id":{id},"result":{{"output":1}}}}"#));
    assert!(executed(&h.take()).is_empty());
    // The socket dies first.
    let id = h.m.execute(h.now, &c, "slow", "{}", 5000.0);
    h.on_close(1006);
    assert_eq!(executed(&h.take()).iter().map(|(i, r)| (*i, exec_code(r))).collect::<Vec<_>>(), [(id, "connectionLost")]);
    // Queued while reconnecting, then close(): rejected `closed`, never sent.
    let id = h.m.execute(h.now, &c, "later", "{}", 5000.0);
    assert_eq!(h.m.queued(), 1);
    h.close();
    let acts = h.take();
    assert_eq!(executed(&acts).iter().map(|(i, r)| (*i, exec_code(r))).collect::<Vec<_>>(), [(id, "closed")]);
    assert_eq!(h.m.queued(), 0);
    let id = h.m.execute(h.now, &c, "x", "{}", 5000.0);
    assert_eq!(executed(&h.take()).iter().map(|(i, r)| (*i, exec_code(r))).collect::<Vec<_>>(), [(id, "closed")]);
    assert_eq!(h.m.executes_pending(), 0);
    // Bad input is refused at once.
    let mut h = Harness::open(calimero_opts());
    let id = h.m.execute(h.now, "nope", "m", "{}", 5000.0);
    assert_eq!(executed(&h.take()).iter().map(|(i, r)| (*i, exec_code(r))).collect::<Vec<_>>(), [(id, "invalidContextId")]);
    let mut h = json_open();
    let id = h.m.execute(h.now, "c", "m", "{}", 5000.0);
    assert_eq!(executed(&h.take()).iter().map(|(i, r)| (*i, exec_code(r))).collect::<Vec<_>>(), [(id, "unsupported")]);
}

#[test]
fn execute_is_queued_offline_like_send() {
    let c = ctx(1);
    let mut opts = calimero_opts();
    opts.context_ids = vec![c.clone()];
    opts.heartbeat_interval_ms = 0.0;
    opts.max_queued_messages = 2.0;
    opts.queue_overflow = QueueOverflow::RejectNew;
    let mut h = Harness::new(opts);
    let a = h.m.execute(h.now, &c, "a", "{}", 10_000.0);
    h.send("raw");
    let b = h.m.execute(h.now, &c, "b", "{}", 10_000.0);
    let acts = h.take();
    assert_eq!(executed(&acts).iter().map(|(i, r)| (*i, exec_code(r))).collect::<Vec<_>>(), [(b, "messageDropped")]);
    assert_eq!(error_codes(&acts), [ErrorCode::MessageDropped], "reported as for send");
    assert_eq!((h.m.stats().messages_queued, h.m.stats().messages_dropped), (2, 1));
    h.connect();
    h.on_open();
    let sent = sends(&h.take());
    assert_eq!(sent.len(), 3, "subscribe, then the queue in order: {sent:?}");
    assert_eq!((request_id(&sent[1]), request_method(&sent[1])), (a, "execute".into()));
    assert_eq!(sent[2], "raw");
    h.frame(&format!(r#"{{"id":{a},"result":{{}}}}"#));
    assert_eq!(executed(&h.take()), [(a, Ok("null".to_string()))], "no output: null");
    // A call that times out while queued leaves the queue: it never runs late.
    h.on_close(1006);
    h.take();
    let late = h.m.execute(h.now, &c, "late", "{}", 50.0);
    h.advance_by(50.0);
    assert_eq!(executed(&h.take()).iter().map(|(i, r)| (*i, exec_code(r))).collect::<Vec<_>>(), [(late, "executeTimeout")]);
    assert_eq!(h.m.queued(), 0);
    // clearQueue() rejects queued calls too.
    let q = h.m.execute(h.now, &c, "q", "{}", 5000.0);
    assert_eq!(h.clear_queue(), 1);
    assert_eq!(executed(&h.take()).iter().map(|(i, r)| (*i, exec_code(r))).collect::<Vec<_>>(), [(q, "messageDropped")]);
}

#[test]
fn pending_executes_are_bounded() {
    let mut opts = calimero_opts();
    opts.heartbeat_interval_ms = 0.0;
    let mut h = Harness::open(opts);
    let c = ctx(1);
    for _ in 0..MAX_PENDING_EXECUTES {
        h.m.execute(h.now, &c, "m", "{}", 60_000.0);
    }
    assert!(executed(&h.take()).is_empty());
    let over = h.m.execute(h.now, &c, "m", "{}", 60_000.0);
    assert_eq!(executed(&h.take()).iter().map(|(i, r)| (*i, exec_code(r))).collect::<Vec<_>>(), [(over, "messageDropped")]);
    assert_eq!(h.m.executes_pending(), MAX_PENDING_EXECUTES);
    h.advance_by(60_000.0);
    assert_eq!(executed(&h.take()).len(), MAX_PENDING_EXECUTES, "every one settles");
    assert_eq!(h.m.executes_pending(), 0);
}
