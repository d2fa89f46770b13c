//! Socket.IO on a fake clock: the connection opens at the Engine.IO open packet, each
//! namespace is joined with the connection's `auth`, events wait for their join reply,
//! emits wait in the queue until it, the server's pings are answered and their absence
//! kills the connection, acks settle `emitWithAck`, connect errors and server
//! disconnects leave their namespace, and a server that leaves everything and closes
//! is not reconnected to.

mod common;

use calimero_socket::engine::errors::ErrorCode;
use calimero_socket::engine::machine::{Action, Status};
use calimero_socket::engine::options::{read_options, Options};
use common::*;

const OPEN: &str = r#"0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#;

fn sio(extra: &str) -> Options {
    read_options(&format!(r#"{{"url":"http://127.0.0.1:3000","protocol":"socketio","namespaces":["/","/guild/1"],"auth":{{"token":"t"}}{extra}}}"#)).unwrap()
}

/// Connected, handshaken and joined to both namespaces, actions cleared.
fn joined(extra: &str) -> Harness {
    let mut h = Harness::new(sio(extra));
    h.connect();
    h.on_open();
    h.frame(OPEN);
    h.frame(r#"40{"sid":"a"}"#);
    h.frame(r#"40/guild/1,{"sid":"b"}"#);
    h.take();
    h
}

fn executed(acts: &[Action<String>]) -> Vec<(u64, Result<String, &'static str>)> {
    acts.iter()
        .filter_map(|a| match a {
            Action::Executed { id, result } => Some((*id, result.clone().map_err(|f| f.code))),
            _ => None,
        })
        .collect()
}

#[test]
fn opens_at_the_handshake_and_joins_each_namespace_with_auth() {
    let mut h = Harness::new(sio(r#","query":{"v":2}"#));
    h.connect();
    let acts = h.take();
    assert!(acts.contains(&Action::OpenSocket("ws://127.0.0.1:3000/socket.io/?EIO=4&transport=websocket&v=2".into())), "{acts:?}");
    h.on_open();
    assert_eq!(h.m.status(), Status::Connecting, "the socket is up, the session is not");
    assert!(sends(&h.take()).is_empty(), "nothing is sent before the open packet");
    h.frame(OPEN);
    let acts = h.take();
    assert!(statuses(&acts).contains(&Status::Open));
    assert_eq!(sends(&acts), [r#"40{"token":"t"}"#, r#"40/guild/1,{"token":"t"}"#]);
    assert_eq!(h.m.scope_states(), [("/", "joining"), ("/guild/1", "joining")]);
    h.frame(r#"40{"sid":"a"}"#);
    assert_eq!(h.m.scope_states(), [("/", "joined"), ("/guild/1", "joining")]);
}

#[test]
fn events_wait_for_their_join_reply_and_emits_for_it() {
    let mut h = Harness::new(sio(""));
    h.connect();
    assert!(h.m.emit(h.now, "/guild/1", "vote", "[1]"), "queued while offline");
    h.on_open();
    h.frame(OPEN);
    h.take();
    h.frame(r#"42/guild/1,["welcome",{"n":1}]"#);
    h.advance_by(500.0);
    assert!(batches(&h.take()).is_empty(), "an event before the join reply is held");
    h.frame(r#"40/guild/1,{"sid":"b"}"#);
    let acts = h.take();
    assert_eq!(sends(&acts), [r#"42/guild/1,["vote",1]"#], "the queued emit goes out with the join reply");
    h.advance_by(500.0);
    let b = batches(&h.take());
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].latest[0].0.as_ref(), "/guild/1");
    assert_eq!(kind_counts(&h.m, &b[0]), [("welcome".to_string(), 1)]);
    assert_eq!(h.m.normalize_stamped(&b[0].latest[0].1).unwrap().0, r#"{"welcome":[{"n":1}]}"#);
}

#[test]
fn pings_are_answered_and_their_absence_is_a_dead_connection() {
    let mut h = joined("");
    h.advance_by(25_000.0);
    h.frame("2");
    assert_eq!(sends(&h.take()), ["3"], "a pong at once");
    // Events are not heartbeats: with no ping for pingInterval + pingTimeout (+1 s), dead.
    for _ in 0..10 {
        h.advance_by(4_000.0);
        h.frame(r#"42["tick",1]"#);
    }
    h.advance_by(6_001.0);
    let acts = h.take();
    assert!(error_codes(&acts).contains(&ErrorCode::HeartbeatTimeout), "{:?}", error_codes(&acts));
    assert!(closes(&acts).iter().any(|(c, _)| *c == 4000));
}

#[test]
fn acks_settle_emit_with_ack_and_time_out_from_the_call() {
    let mut h = joined("");
    let id = h.m.emit_with_ack(h.now, "/guild/1", "join", r#"[{"room":"r"}]"#, 5000.0);
    let sent = sends(&h.take());
    assert_eq!(sent, [format!(r#"42/guild/1,{id}["join",{{"room":"r"}}]"#)]);
    h.frame(&format!(r#"43/guild/1,{id}[{{"joined":"r"}}]"#));
    assert_eq!(executed(&h.take()), [(id, Ok(r#"[{"joined":"r"}]"#.to_string()))]);
    let late = h.m.emit_with_ack(h.now, "/", "slow", "[]", 5000.0);
    h.advance_by(5000.0);
    assert_eq!(executed(&h.take()), [(late, Err("ackTimeout"))]);
    h.frame(&format!(r#"43{late}[1]"#));
    assert!(executed(&h.take()).is_empty(), "a late ack is ignored");
}

#[test]
fn refused_emits_never_reach_the_wire() {
    let mut h = joined("");
    assert!(!h.m.emit(h.now, "/other", "x", "[]"));
    let acts = h.take();
    assert_eq!(error_codes(&acts), [ErrorCode::NotJoined]);
    assert!(sends(&acts).is_empty());
    let mut h = Harness::new(sio(""));
    h.connect();
    h.on_open();
    h.frame(r#"0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":40}"#);
    h.frame(r#"40{"sid":"a"}"#);
    h.take();
    assert!(h.m.emit(h.now, "/", "x", r#"["0123456789012345678901234567"]"#), "38 bytes: under 40");
    assert!(!h.m.emit(h.now, "/", "x", r#"["012345678901234567890123456789"]"#), "40 bytes: not under");
    assert_eq!(error_codes(&h.take()), [ErrorCode::PayloadTooLarge]);
}

#[test]
fn a_connect_error_leaves_that_namespace_only() {
    let mut h = Harness::new(sio(""));
    h.connect();
    h.on_open();
    h.frame(OPEN);
    h.frame(r#"40{"sid":"a"}"#);
    h.take();
    h.frame(r#"44/guild/1,{"message":"not authorized","data":{"reason":"bad token"}}"#);
    let errs = errors(&h.take());
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].code, ErrorCode::ConnectError);
    assert_eq!(errs[0].context_ids, ["/guild/1"]);
    assert_eq!(errs[0].data.as_deref(), Some(r#"{"reason":"bad token"}"#));
    assert_eq!(h.m.scope_states(), [("/", "joined"), ("/guild/1", "refused")]);
    // After a reconnect only "/" is joined again; subscribe() tries the refused one again.
    h.on_close(1006);
    h.advance_by(30_000.0);
    h.on_open();
    h.frame(OPEN);
    assert_eq!(sends(&h.take()), [r#"40{"token":"t"}"#]);
    h.subscribe(&["/guild/1".to_string()]);
    assert_eq!(sends(&h.take()), [r#"40/guild/1,{"token":"t"}"#]);
}

#[test]
fn a_server_that_leaves_everything_and_closes_is_not_reconnected_to() {
    let mut h = joined("");
    h.frame("41/guild/1,");
    let acts = h.take();
    assert_eq!(error_codes(&acts), [ErrorCode::NamespaceDisconnected]);
    assert_eq!(h.m.status(), Status::Open, "one namespace left: the connection stays");
    h.frame("41");
    h.on_close(1005);
    let acts = h.take();
    assert_eq!(h.m.status(), Status::Closed);
    assert!(error_codes(&acts).contains(&ErrorCode::ServerDisconnect), "{:?}", error_codes(&acts));
    h.advance_by(120_000.0);
    assert_eq!(opens(&h.take()), 0, "no reconnect");
}

#[test]
fn a_lost_connection_rejects_acks_sent_on_it_and_rejoins() {
    let mut h = joined("");
    let id = h.m.emit_with_ack(h.now, "/", "q", "[]", 10_000.0);
    h.take();
    h.on_close(1006);
    assert_eq!(executed(&h.take()), [(id, Err("connectionLost"))]);
    h.advance_by(30_000.0);
    h.on_open();
    h.frame(OPEN);
    assert_eq!(sends(&h.take()), [r#"40{"token":"t"}"#, r#"40/guild/1,{"token":"t"}"#], "every wanted namespace, once");
    h.frame(r#"40{"sid":"c"}"#);
    h.frame(r#"40/guild/1,{"sid":"d"}"#);
    h.advance_by(500.0);
    let b = batches(&h.take());
    assert!(b.iter().any(|b| b.resync()), "a batch after a reconnect has resync");
}

#[test]
fn a_function_auth_is_asked_on_every_connect() {
    let mut h = Harness::new(read_options(r#"{"url":"http://h","protocol":"socketio","auth":"\u0000function"}"#).unwrap());
    h.connect();
    h.on_open();
    h.frame(OPEN);
    let acts = h.take();
    assert!(acts.contains(&Action::Authorize));
    assert!(sends(&acts).is_empty(), "the join waits for auth");
    h.m.authorized(h.now, Some(r#"{"token":"fresh"}"#.into()));
    assert_eq!(sends(&h.take()), [r#"40{"token":"fresh"}"#]);
}

#[test]
fn send_emits_message_and_bad_options_name_their_option() {
    let mut h = joined("");
    assert!(h.m.send_value(h.now, "hi".into(), true));
    assert!(h.m.send_value(h.now, r#"{"a":1}"#.into(), false));
    assert_eq!(sends(&h.take()), [r#"42["message","hi"]"#, r#"42["message",{"a":1}]"#]);
    let err = |t: &str| read_options(t).unwrap_err().full_message();
    assert!(err(r#"{"url":"http://h/chat","protocol":"socketio"}"#).contains("url"));
    assert!(err(r#"{"url":"http://h/chat","protocol":"socketio"}"#).contains("namespaces"));
    assert!(err(r#"{"url":"http://h","protocol":"socketio","contextIds":["a"]}"#).contains("namespaces"));
    assert!(err(r#"{"url":"http://h","protocol":"socketio","namespaces":["guild"]}"#).contains("namespaces"));
    assert!(err(r#"{"url":"ws://h","namespaces":["/a"]}"#).contains("namespaces"));
}

#[test]
fn recovery_resends_pid_and_offset_and_resyncs_only_what_was_not_recovered() {
    let mut h = Harness::new(sio(""));
    h.connect();
    h.on_open();
    h.frame(OPEN);
    h.frame(r#"40{"sid":"a","pid":"P1"}"#);
    h.frame(r#"40/guild/1,{"sid":"b","pid":"P2"}"#);
    h.frame(r#"42["tick",1,"o1"]"#);
    h.frame(r#"42/guild/1,["tick",2,"o2"]"#);
    h.advance_by(500.0);
    let b = batches(&h.take());
    assert_eq!(h.m.normalize_stamped(&b[0].latest[0].1).unwrap().0, r#"{"tick":[1]}"#, "the offset is not the app's data");
    h.settle();
    h.on_close(1006);
    h.advance_by(30_000.0);
    h.on_open();
    h.frame(OPEN);
    assert_eq!(
        sends(&h.take()),
        [r#"40{"pid":"P1","offset":"o1","token":"t"}"#, r#"40/guild/1,{"pid":"P2","offset":"o2","token":"t"}"#]
    );
    // The server replays what "/" missed before its reply, and recovers it; "/guild/1"
    // gets a fresh session (a new pid).
    h.frame(r#"42["tick",3,"o3"]"#);
    h.frame(r#"40{"sid":"a","pid":"P1"}"#);
    h.frame(r#"40/guild/1,{"sid":"c","pid":"P9"}"#);
    h.advance_by(500.0);
    let b = batches(&h.take());
    assert!(b.iter().any(|b| b.resync()), "an unrecovered namespace needs resync");
    let scopes: Vec<&str> = b.iter().flat_map(|b| b.resync_scopes.iter().map(|s| &**s)).collect();
    assert_eq!(scopes, ["/guild/1"], "only the namespace that was not recovered");
    assert_eq!(kind_counts(&h.m, &b[0]), [("tick".to_string(), 1)], "the replayed event was delivered");
    // close() forgets the sessions: the next join carries no pid.
    h.close();
    h.connect();
    h.on_open();
    h.frame(OPEN);
    assert_eq!(sends(&h.take())[0], r#"40{"token":"t"}"#);
}

#[test]
fn binary_events_need_all_their_attachments() {
    let mut h = joined("");
    let header = r#"451-/guild/1,["file",{"name":"a.bin","data":{"_placeholder":true,"num":0}}]"#;
    h.m.on_frame_attached(h.now, header, 1, header.to_string());
    h.advance_by(500.0);
    let b = batches(&h.take());
    assert_eq!(kind_counts(&h.m, &b[0]), [("file".to_string(), 1)], "a binary event is an event");
    h.settle();
    h.m.on_frame_attached(h.now, header, 0, header.to_string());
    let acts = h.take();
    assert_eq!(error_codes(&acts), [ErrorCode::BadFrame], "attachments missing: reported and skipped");
    h.m.on_binary(h.now, 4);
    assert_eq!(error_codes(&h.take()), [ErrorCode::BinaryFrame], "a stray binary frame");
    assert_eq!(h.m.status(), Status::Open);
}

#[test]
fn the_probe_event_gives_round_trips_and_stays_out_of_batches() {
    let mut h = joined(r#","probeEvent":"ping","heartbeatIntervalMs":5000"#);
    h.advance_by(1000.0);
    let sent = sends(&h.take());
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].starts_with(r#"42["ping",{"timestamp":"#), "{}", sent[0]);
    h.advance_by(40.0);
    h.frame(r#"42["pong",{"timestamp":1000,"_server_timestamp":1700000000000}]"#);
    assert_eq!(h.m.last_rtt_ms(), Some(40.0));
    h.advance_by(500.0);
    assert!(batches(&h.take()).is_empty(), "the reply is the SDK's, not the app's");
    h.advance_by(4500.0);
    assert_eq!(sends(&h.take()).len(), 1, "every heartbeatIntervalMs");
}

#[test]
fn binary_emits_go_out_as_a_header_and_their_attachments() {
    let mut h = Harness::new(sio(""));
    h.connect();
    let id = h.m.emit_attached(h.now, "/guild/1", "file", r#"[{"_placeholder":true,"num":0}]"#, &[3]);
    assert!(id > 1, "queued under its id");
    h.on_open();
    h.frame(r#"0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":100}"#);
    h.frame(r#"40/guild/1,{"sid":"b"}"#);
    let acts = h.take();
    assert!(acts.contains(&Action::SendAttached { text: r#"451-/guild/1,["file",{"_placeholder":true,"num":0}]"#.into(), id }), "{acts:?}");
    assert_eq!(h.m.emit_attached(h.now, "/guild/1", "file", "[]", &[100]), 0, "an attachment of maxPayload bytes is refused");
    assert_eq!(error_codes(&h.take()), [ErrorCode::PayloadTooLarge]);
}

#[test]
fn connect_after_close_retries_a_refused_namespace() {
    let mut h = joined("");
    h.frame(r#"44/guild/1,{"message":"not authorized"}"#);
    h.close();
    h.connect();
    h.on_open();
    h.frame(OPEN);
    assert_eq!(sends(&h.take()), [r#"40{"token":"t"}"#, r#"40/guild/1,{"token":"t"}"#]);
}

#[test]
fn send_batch_ms_coalesces_emits_of_one_namespace() {
    let mut h = joined(r#","sendBatchMs":50"#);
    assert!(h.m.emit(h.now, "/guild/1", "a", "[1]"));
    assert!(h.m.emit(h.now, "/guild/1", "b", r#"[{"x":2}]"#));
    assert!(sends(&h.take()).is_empty(), "held for the window");
    h.advance_by(50.0);
    assert_eq!(sends(&h.take()), [r#"42/guild/1,["batch",[["a",1],["b",{"x":2}]]]"#]);
    // Another namespace, or an emit asking an ack, sends the batch first (order kept).
    h.m.emit(h.now, "/guild/1", "c", "[]");
    h.m.emit(h.now, "/", "d", "[]");
    let id = h.m.emit_with_ack(h.now, "/", "e", "[]", 1000.0);
    assert_eq!(sends(&h.take()), [r#"42/guild/1,["batch",[["c"]]]"#.to_string(), r#"42["batch",[["d"]]]"#.to_string(), format!(r#"42{id}["e"]"#)]);
    // flush() and close() send what is held.
    h.m.emit(h.now, "/", "f", "[]");
    h.m.flush(h.now);
    assert_eq!(sends(&h.take()), [r#"42["batch",[["f"]]]"#]);
    h.m.emit(h.now, "/", "g", "[]");
    h.close();
    assert_eq!(sends(&h.take()), [r#"42["batch",[["g"]]]"#], "close() sends the batch before closing");
}
