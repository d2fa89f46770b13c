#![cfg(not(target_arch = "wasm32"))]
//! The connection rules through the whole machine, with a fake clock: subscriptions,
//! reconnect backoff, close and connect, the heartbeat, page and network events, the
//! offline queue and json `seq` checks.

mod common;

use calimero_socket::engine::errors::ErrorCode;
use calimero_socket::engine::machine::{Action, Status, EARLY_CEILING_MS, EARLY_RETRIES, FIRST_PROBE_DELAY_MS, FIRST_SPREAD_MS, FLOOR_MS, RESTART_SPREAD_MS};
use calimero_socket::engine::options::QueueOverflow;
use calimero_socket::engine::delivery::refresh::RESYNC_BIT;
use common::*;

/// A Calimero harness subscribed to `ids`, open at t = 0 with its subscribe answered.
fn open_subscribed(ids: &[String]) -> Harness {
    let mut opts = calimero_opts();
    opts.context_ids = ids.to_vec();
    let mut h = Harness::new(opts);
    h.connect();
    h.on_open();
    let s = sends(&h.take());
    assert_eq!(s.len(), 1);
    h.accept(&s[0]);
    assert!(h.take().is_empty());
    h
}

/// The ceiling of the delay before retry `n` (1-based) with the default backoff.
/// The delay ceiling of retry `n` with the default options (held under the early
/// ceiling for the first retries).
fn ceiling(n: u32) -> f64 {
    let c = (1000.0 * 2f64.powi(n as i32 - 1)).min(30_000.0);
    if n <= EARLY_RETRIES {
        c.min(EARLY_CEILING_MS)
    } else {
        c
    }
}

// ----- subscriptions -----

#[test]
fn subscribe_before_open_is_sent_on_open() {
    // Known defect 1: a subscribe made before the socket was OPEN was silently dropped.
    let (c1, c2, c3) = (ctx(1), ctx(2), ctx(3));
    let mut h = Harness::new(calimero_opts());
    assert!(h.subscribe(&[c1.clone(), c2.clone()]).is_empty());
    assert!(sends(&h.take()).is_empty(), "nothing is sent while idle");
    h.connect();
    h.subscribe(&[c3.clone(), c1.clone()]);
    let acts = h.take();
    assert_eq!(opens(&acts), 1);
    assert!(sends(&acts).is_empty(), "nothing is sent while connecting");
    h.advance_to(30.0);
    h.on_open();
    let s = sends(&h.take());
    assert_eq!(s.len(), 1, "one subscribe with every id: {s:?}");
    assert_eq!(request_method(&s[0]), "subscribe");
    assert_eq!(request_ctx_ids(&s[0]), vec![c1.clone(), c2.clone(), c3.clone()], "in order, without duplicates");
    assert_eq!(h.m.subscriptions(), &[c1, c2, c3]);
}

#[test]
fn subscriptions_are_resent_after_every_reconnect_before_queued_messages() {
    // Known defect 2: subscriptions were never re-sent after a reconnect.
    let (c1, c2) = (ctx(1), ctx(2));
    let mut h = open_subscribed(&[c1.clone(), c2.clone()]);
    let mut ids_seen = Vec::new();
    for round in 0..3 {
        h.advance_by(1000.0);
        h.on_close(1006);
        assert_eq!(h.m.status(), Status::Reconnecting);
        let m1 = format!(r#"{{"round":{round},"n":1}}"#);
        let m2 = format!(r#"{{"round":{round},"n":2}}"#);
        assert!(h.send(&m1));
        assert!(h.send(&m2));
        if round == 2 {
            h.unsubscribe(std::slice::from_ref(&c2));
        }
        // Wait for the retry, then open.
        while opens(&h.take()) == 0 {
            h.next_timer();
        }
        h.advance_by(20.0);
        h.on_open();
        let s = sends(&h.take());
        assert_eq!(s.len(), 3, "round {round}: {s:?}");
        assert_eq!(request_method(&s[0]), "subscribe", "subscriptions go first");
        let want = if round == 2 { vec![c1.clone()] } else { vec![c1.clone(), c2.clone()] };
        assert_eq!(request_ctx_ids(&s[0]), want);
        assert_eq!(&s[1..], &[m1, m2], "then the queued messages, in order");
        ids_seen.push(request_id(&s[0]));
        h.accept(&s[0]);
    }
    ids_seen.dedup();
    assert_eq!(ids_seen.len(), 3, "each subscribe is a new request: {ids_seen:?}");
    assert_eq!(h.m.stats().reconnects, 3);
}

#[test]
fn first_batch_after_a_reconnect_carries_resync() {
    let c = ctx(1);
    let mut h = open_subscribed(std::slice::from_ref(&c));
    h.frame(&message_sent(&c, "before"));
    h.advance_by(100.0);
    let b = batches(&h.take());
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].flags & RESYNC_BIT, 0, "the first connection is not a resync");
    h.settle();

    h.on_close(1006);
    while opens(&h.take()) == 0 {
        h.next_timer();
    }
    h.on_open();
    // Even with no frame at all, the app learns it must refetch.
    h.advance_by(100.0);
    let b = batches(&h.take());
    assert_eq!(b.len(), 1);
    assert_ne!(b[0].flags & RESYNC_BIT, 0);
    assert_eq!(b[0].size, 0);
    assert_eq!(flag_names(&h.m, b[0].flags), vec!["resync".to_string()]);
    h.settle();
    // The one after it is ordinary again.
    h.frame(&message_sent(&c, "after"));
    h.advance_by(100.0);
    let b = batches(&h.take());
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].flags & RESYNC_BIT, 0);

    // A frame arriving right after the reopen shares the resync batch.
    h.settle();
    h.on_close(1006);
    while opens(&h.take()) == 0 {
        h.next_timer();
    }
    h.on_open();
    h.frame(&message_sent(&c, "x"));
    h.advance_by(100.0);
    let b = batches(&h.take());
    assert_eq!(b.len(), 1);
    assert_eq!(flag_names(&h.m, b[0].flags), vec!["changed".to_string(), "messages".to_string(), "resync".to_string()]);
}

#[test]
fn denied_contexts_are_reported_with_their_ids() {
    let (c1, c2, c3) = (ctx(1), ctx(2), ctx(3));
    let mut opts = calimero_opts();
    opts.context_ids = vec![c1.clone(), c2.clone(), c3.clone()];
    let mut h = Harness::new(opts);
    h.connect();
    h.on_open();
    let s = sends(&h.take());
    let id = request_id(&s[0]);
    // Presence may arrive before the reply; it changes nothing.
    h.frame(&format!(r#"{{"id":null,"result":{{"contextId":"{c1}","type":"Ephemeral","data":{{}}}}}}"#));
    h.advance_to(40.0);
    h.frame(&calimero_reply(id, &[&c3, &c1]));
    let errs = errors(&h.take());
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].code, ErrorCode::SubscriptionDenied);
    assert_eq!(errs[0].context_ids, vec![c2.clone()]);
    assert!(errs[0].message.contains(&c2));
    assert_eq!(h.m.subscriptions(), &[c1.clone(), c3.clone()]);
    assert_eq!(h.m.last_rtt_ms(), Some(40.0));
    // A later subscribe accepted in full reports nothing.
    let c4 = ctx(4);
    h.subscribe(std::slice::from_ref(&c4));
    let s = sends(&h.take());
    assert_eq!(request_ctx_ids(&s[0]), vec![c4.clone()]);
    h.frame(&calimero_reply(request_id(&s[0]), &[&c4]));
    assert!(errors(&h.take()).is_empty());
    // A reply to an unknown id is ignored.
    h.frame(&calimero_reply(9999, &[]));
    assert!(errors(&h.take()).is_empty());
    assert_eq!(h.m.subscriptions().len(), 3);
}

#[test]
fn invalid_calimero_ids_are_refused_without_costing_the_others() {
    let (c1, c2) = (ctx(1), ctx(2));
    let bad1 = "9YxHobMl".to_string();
    let bad2 = "abc".to_string();
    let mut h = Harness::open(calimero_opts());
    let refused = h.subscribe(&[c1.clone(), bad1.clone(), c2.clone(), bad2.clone()]);
    assert_eq!(refused, vec![bad1.clone(), bad2.clone()]);
    let acts = h.take();
    let errs = errors(&acts);
    assert_eq!(errs.len(), 2);
    assert!(errs.iter().all(|e| e.code == ErrorCode::InvalidContextId));
    assert_eq!(errs[0].context_ids, vec![bad1.clone()]);
    assert!(errs[0].message.contains("invalid character 'l' at byte 7"), "{}", errs[0].message);
    assert_eq!(errs[1].context_ids, vec![bad2.clone()]);
    let s = sends(&acts);
    assert_eq!(s.len(), 1);
    assert_eq!(request_ctx_ids(&s[0]), vec![c1.clone(), c2.clone()], "the good ids still go out");
    assert_eq!(h.m.subscriptions(), &[c1, c2]);
    // An invalid id among the initial options is refused at creation.
    let mut opts = calimero_opts();
    opts.context_ids = vec![ctx(1), bad1];
    assert!(calimero_socket::engine::machine::Machine::<String>::new(opts, 1).is_err());
}

// ----- reconnect backoff -----

#[test]
fn first_retry_after_a_stable_connection_is_spread_over_a_short_window() {
    let mut waits = Vec::new();
    for seed in 1..200u64 {
        let mut h = Harness::with_seed(calimero_opts(), seed);
        h.connect();
        h.on_open();
        h.take();
        h.advance_to(6000.0);
        assert_eq!(h.m.retries(), 0);
        h.on_close(1006);
        let acts = h.take();
        assert_eq!(error_codes(&acts), vec![ErrorCode::ConnectionLost]);
        assert_eq!(errors(&acts)[0].close_code, Some(1006));
        assert_eq!(h.m.status(), Status::Reconnecting);
        let wait = h.m.poll_timeout().unwrap() - h.now;
        assert!((0.0..FIRST_SPREAD_MS).contains(&wait), "{wait}");
        waits.push(wait);
        // The next failure backs off more: retry 2 since the connection was stable.
        h.next_timer();
        h.take();
        h.on_close(1006);
        let wait2 = h.m.poll_timeout().unwrap() - h.now;
        assert!((FLOOR_MS / 2.0..ceiling(2) * 1.5).contains(&wait2), "retry 2 waits in [{}, {}), got {wait2}", FLOOR_MS / 2.0, ceiling(2) * 1.5);
    }
    waits.sort_by(f64::total_cmp);
    assert!(waits[waits.len() / 2] <= 500.0, "a lone client's blip reopens in half a second or less (p50 {})", waits[waits.len() / 2]);
}

#[test]
fn a_close_announcing_a_restart_spreads_the_first_retry_wider() {
    let mut waits = Vec::new();
    for seed in 1..200u64 {
        let mut h = Harness::with_seed(calimero_opts(), seed);
        h.connect();
        h.on_open();
        h.advance_to(6000.0);
        h.on_close(1012);
        waits.push(h.m.poll_timeout().unwrap() - h.now);
    }
    assert!(waits.iter().all(|w| (0.0..RESTART_SPREAD_MS).contains(w)));
    assert!(waits.iter().any(|&w| w > FIRST_SPREAD_MS * 2.0), "spread over the whole restart window");
}

#[test]
fn retry_delays_stay_under_the_exponential_ceiling() {
    for seed in [1, 2, 3, 42, 0xdead_beef] {
        let mut h = Harness::with_seed(calimero_opts(), seed);
        h.connect();
        assert_eq!(opens(&h.take()), 1);
        let mut delays = Vec::new();
        for n in 1..=12u32 {
            h.advance_by(10.0);
            h.on_close(1006); // the attempt fails
            assert_eq!(h.m.retries(), n);
            let wait = h.m.poll_timeout().expect("a retry is planned") - h.now;
            assert!(wait >= FLOOR_MS / 2.0 && wait < ceiling(n) * 1.5, "seed {seed}, retry {n}: {wait} not in [{}, {})", FLOOR_MS / 2.0, ceiling(n) * 1.5);
            delays.push(wait);
            let before = h.now;
            h.next_timer();
            let acts = h.take();
            assert_eq!(opens(&acts), 1, "the retry opens one socket");
            assert!((h.now - (before + wait)).abs() < 1e-6, "the retry runs when it was planned");
        }
        assert!(delays[6..].iter().any(|&d| d > 1000.0), "delays grow: {delays:?}");
        assert_eq!(h.m.stats().connect_attempts, 13);
    }
}

#[test]
fn the_retry_counter_resets_only_after_min_uptime() {
    let mut h = Harness::open(calimero_opts());
    // A server that accepts and drops at once keeps being backed off.
    for n in 1..=5u32 {
        h.advance_by(100.0);
        h.on_close(1006);
        assert_eq!(h.m.retries(), n, "flap {n}");
        assert!(h.m.poll_timeout().unwrap() > h.now);
        assert_eq!(opens(&h.take()), 0, "flap {n}: no immediate retry");
        while opens(&h.take()) == 0 {
            h.next_timer();
        }
        h.on_open();
    }
    assert_eq!(h.m.retries(), 5);
    // Staying up min uptime (5 s) makes it stable again.
    h.advance_by(4999.0);
    assert_eq!(h.m.retries(), 5);
    h.advance_by(1.0);
    assert_eq!(h.m.retries(), 0);
    h.on_close(1006);
    let wait = h.m.poll_timeout().unwrap() - h.now;
    assert!(wait < FIRST_SPREAD_MS, "stable again: the short first-retry window ({wait})");
}

#[test]
fn max_attempts_give_up_then_connect_starts_again() {
    let mut opts = calimero_opts();
    opts.reconnect_max_attempts = 3.0;
    let mut h = Harness::new(opts);
    h.connect();
    assert_eq!(opens(&h.take()), 1);
    assert_eq!(h.m.status(), Status::Connecting);
    for _ in 0..3 {
        h.advance_by(5.0);
        h.on_close(1006);
        assert_eq!(h.m.status(), Status::Reconnecting);
        h.next_timer();
        assert_eq!(opens(&h.take()), 1);
    }
    h.advance_by(5.0);
    h.on_close(1006);
    let acts = h.take();
    assert_eq!(h.m.status(), Status::Failed);
    assert_eq!(statuses(&acts).last(), Some(&Status::Failed));
    assert_eq!(error_codes(&acts), vec![ErrorCode::ConnectFailed, ErrorCode::GaveUp]);
    assert!(errors(&acts)[1].message.contains('3'));
    assert_eq!(h.m.poll_timeout(), None, "no timer once failed");
    h.advance_by(3_600_000.0);
    h.online();
    assert_eq!(opens(&h.take()), 0, "nothing reopens by itself");
    assert_eq!(opens(&h.history.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>()), 4, "1 attempt + 3 retries");
    // connect() starts afresh, with the full allowance again.
    h.connect();
    let acts = h.take();
    assert_eq!(opens(&acts), 1);
    assert_eq!(h.m.status(), Status::Connecting);
    assert_eq!(h.m.retries(), 0);
    for _ in 0..3 {
        h.advance_by(5.0);
        h.on_close(1006);
        assert_eq!(h.m.status(), Status::Reconnecting);
        h.next_timer();
    }
    h.on_close(1006);
    assert_eq!(h.m.status(), Status::Failed);
}

#[test]
fn a_connect_timeout_counts_as_a_failure() {
    let mut h = Harness::new(calimero_opts());
    h.connect();
    h.take();
    assert_eq!(h.m.poll_timeout(), Some(10_000.0));
    h.advance_to(9_999.0);
    assert!(h.take().is_empty());
    h.advance_to(10_000.0);
    let acts = h.take();
    assert_eq!(closes(&acts), vec![(4002, "connect timeout")]);
    assert_eq!(error_codes(&acts), vec![ErrorCode::ConnectFailed]);
    assert_eq!(h.m.status(), Status::Reconnecting);
    assert_eq!(h.m.retries(), 1);
    // The timed-out socket was dropped: a late open from it changes nothing.
    h.on_open();
    assert_eq!(h.m.status(), Status::Reconnecting);
    let wait = h.m.poll_timeout().unwrap() - h.now;
    assert!(wait < 1000.0);
    h.next_timer();
    assert_eq!(opens(&h.take()), 1);
}

// ----- close and connect -----

fn assert_dead_quiet(h: &mut Harness) {
    assert_eq!(h.m.poll_timeout(), None, "no timer of any kind after close()");
    h.advance_by(3_600_000.0);
    h.online();
    h.visible(false);
    h.visible(true);
    h.on_open(); // a stray event from the dropped socket
    h.on_close(1006);
    let acts = h.take();
    assert_eq!(opens(&acts), 0, "nothing ever reopens after close(): {acts:?}");
    assert!(sends(&acts).is_empty());
    assert_eq!(h.m.status(), Status::Closed);
}

#[test]
fn close_while_connecting_cancels_everything() {
    let mut h = Harness::new(calimero_opts());
    h.connect();
    h.take();
    h.advance_to(100.0);
    h.close();
    let acts = h.take();
    assert_eq!(closes(&acts), vec![(1000, "closed by the app")]);
    assert_eq!(statuses(&acts), vec![Status::Closed]);
    assert!(errors(&acts).is_empty(), "closing is not an error");
    assert_dead_quiet(&mut h);
    h.connect();
    assert_eq!(opens(&h.take()), 1, "connect() works again");
}

#[test]
fn close_while_waiting_cancels_the_retry() {
    let mut h = Harness::open(calimero_opts());
    h.advance_by(100.0);
    h.on_close(1006);
    assert!(h.m.poll_timeout().unwrap() > h.now, "waiting to retry");
    h.take();
    h.close();
    let acts = h.take();
    assert!(closes(&acts).is_empty(), "there is no socket to close");
    assert_eq!(statuses(&acts), vec![Status::Closed]);
    assert_dead_quiet(&mut h);
}

#[test]
fn close_while_open_delivers_the_pending_batch_then_goes_quiet() {
    let mut h = Harness::open(calimero_opts());
    h.frame(&message_sent(&ctx(1), "m"));
    h.close();
    let acts = h.take();
    assert_eq!(closes(&acts), vec![(1000, "closed by the app")]);
    let b = batches(&acts);
    assert_eq!(b.len(), 1, "nothing left behind");
    assert_eq!(b[0].size, 1);
    h.settle();
    assert_dead_quiet(&mut h);
}

#[test]
fn connect_twice_never_opens_two_sockets() {
    let mut h = Harness::new(calimero_opts());
    h.connect();
    h.connect();
    assert_eq!(opens(&h.take()), 1);
    h.on_open();
    h.connect();
    assert_eq!(opens(&h.take()), 0, "connect() while open is a no-op");
    // While waiting, connect() retries at once, and the backoff timer is gone.
    h.advance_by(100.0);
    h.on_close(1006);
    h.take();
    h.connect();
    h.connect();
    assert_eq!(opens(&h.take()), 1);
    assert_eq!(h.m.poll_timeout(), Some(h.now + 10_000.0), "only the connect timeout is armed");
    h.advance_by(9_000.0);
    assert_eq!(opens(&h.take()), 0);
}

// ----- heartbeat -----

/// Fires timers until the machine sends something; returns it with the time.
fn next_send(h: &mut Harness) -> (f64, String) {
    loop {
        h.next_timer();
        let s = sends(&h.take());
        if let Some(t) = s.into_iter().next() {
            return (h.now, t);
        }
    }
}

#[test]
fn calimero_probe_is_a_subscribe_request_soon_after_open_then_every_interval() {
    let c = ctx(1);
    let mut h = open_subscribed(std::slice::from_ref(&c));
    let (t, probe) = next_send(&mut h);
    assert_eq!(t, FIRST_PROBE_DELAY_MS, "the first probe a second after open, not one interval later");
    assert_eq!(request_method(&probe), "subscribe");
    assert_eq!(request_ctx_ids(&probe), vec![c.clone()]);
    h.advance_by(40.0);
    h.accept(&probe);
    assert_eq!(h.m.last_rtt_ms(), Some(40.0));
    let (t2, probe2) = next_send(&mut h);
    assert_eq!(t2, 1_040.0 + 15_000.0, "the next probe one interval after the reply");
    assert_ne!(request_id(&probe2), request_id(&probe));
    h.advance_by(10.0);
    h.accept(&probe2);
    let (t3, _) = next_send(&mut h);
    assert_eq!(t3, 16_050.0 + 15_000.0, "and so on, one interval after each reply");
    assert!(h.take().is_empty());
}

#[test]
fn the_first_probe_waits_the_interval_when_it_is_shorter() {
    let mut opts = json_opts();
    opts.heartbeat_interval_ms = 300.0;
    let mut h = Harness::open(opts);
    let (t, _) = next_send(&mut h);
    assert_eq!(t, 300.0);
}

#[test]
fn the_first_probe_comes_soon_after_every_reconnect() {
    let mut h = Harness::open(json_opts());
    let (t, _) = next_send(&mut h);
    assert_eq!(t, 1000.0);
    h.advance_by(5.0);
    h.frame(&json_pong());
    h.advance_by(100.0);
    h.on_close(1006);
    while opens(&h.take()) == 0 {
        h.next_timer();
    }
    h.advance_by(20.0);
    h.on_open();
    let opened = h.now;
    h.take();
    let (t, ping) = next_send(&mut h);
    assert!((t - opened - FIRST_PROBE_DELAY_MS).abs() < 1e-6, "the first probe {} ms after open", t - opened);
    assert_eq!(ping, r#"{"type":"ping"}"#);
}

#[test]
fn a_pong_of_the_old_connection_is_not_timed_on_the_new_one() {
    let mut h = Harness::open(json_opts());
    next_send(&mut h); // a ping, never answered
    h.advance_by(100.0);
    h.on_close(1006);
    while opens(&h.take()) == 0 {
        h.next_timer();
    }
    h.on_open();
    h.take();
    // The server answers the old ping late, before the new connection's first ping.
    h.advance_by(300.0);
    h.frame(&json_pong());
    assert_eq!(h.m.last_rtt_ms(), None, "no round trip from a ping of the previous socket");
}

#[test]
fn json_probe_is_the_ping_message() {
    let mut opts = json_opts();
    opts.ping_message = r#"{"op":"ping"}"#.into();
    let mut h = Harness::open(opts);
    let (t, ping) = next_send(&mut h);
    assert_eq!((t, ping.as_str()), (FIRST_PROBE_DELAY_MS, r#"{"op":"ping"}"#));
    h.advance_by(25.0);
    h.frame(&json_pong());
    assert_eq!(h.m.last_rtt_ms(), Some(25.0));
    assert!(batches(&h.take()).is_empty(), "a pong is not an event");
    let (t, ping) = next_send(&mut h);
    assert_eq!((t, ping.as_str()), (16_025.0, r#"{"op":"ping"}"#));
}

#[test]
fn an_unanswered_probe_declares_the_socket_dead() {
    let mut h = open_subscribed(&[ctx(1)]);
    // Real timers fire a little late, never early.
    h.timer_lateness_ms = 4.0;
    let (t, _probe) = next_send(&mut h);
    assert_eq!(t, 1_004.0, "the first probe, a second after open");
    h.advance_to(t + 10_000.0 + 4.0);
    let acts = h.take();
    assert_eq!(closes(&acts), vec![(4000, "heartbeat timeout")], "dead at the timeout, not after a second probe");
    assert_eq!(error_codes(&acts), vec![ErrorCode::HeartbeatTimeout]);
    assert!(statuses(&acts).contains(&Status::Reconnecting));
    assert_eq!(sends(&acts).len(), 0, "no second probe");
    // It was stable, so the retry comes within the short first-retry window.
    assert!(h.m.poll_timeout().unwrap() - h.now < FIRST_SPREAD_MS);
    h.next_timer();
    assert_eq!(opens(&h.take()), 1);
}

#[test]
fn silence_of_app_events_is_not_death_while_probes_are_answered() {
    // Known defect 5: "no app events for 60 s" was treated as a dead connection.
    let mut h = open_subscribed(&[ctx(1)]);
    h.timer_lateness_ms = 2.0;
    let mut probes = 0;
    while h.now < 600_000.0 {
        let (_, probe) = next_send(&mut h);
        probes += 1;
        h.advance_by(30.0);
        h.accept(&probe);
    }
    let all: Vec<Action<String>> = h.history.iter().map(|(_, a)| a.clone()).collect();
    assert!(closes(&all).is_empty());
    assert!(errors(&all).is_empty(), "{:?}", errors(&all));
    assert_eq!(h.m.status(), Status::Open);
    assert!(probes >= 35, "a probe every ~15 s: {probes}");
    assert_eq!(h.m.stats().frames_batched, 0);
}

#[test]
fn a_json_pong_keeps_the_connection_alive() {
    let mut h = Harness::open(json_opts());
    for _ in 0..10 {
        let (_, ping) = next_send(&mut h);
        assert_eq!(ping, r#"{"type":"ping"}"#);
        h.advance_by(9_999.0);
        h.frame(&json_pong());
    }
    assert_eq!(h.m.status(), Status::Open);
    // Then the server stops answering.
    let (t, _) = next_send(&mut h);
    h.advance_to(t + 10_000.0);
    assert_eq!(closes(&h.take()), vec![(4000, "heartbeat timeout")]);
}

#[test]
fn a_clock_jump_reprobes_once_instead_of_declaring_death() {
    let mut h = open_subscribed(&[ctx(1)]);
    let (t, _) = next_send(&mut h);
    // The laptop sleeps for a minute right after the probe went out.
    h.sleep_to(t + 60_000.0);
    h.m.tick(h.now);
    let acts = h.take();
    assert!(closes(&acts).is_empty(), "a reply could not have been read while asleep");
    let s = sends(&acts);
    assert_eq!(s.len(), 1, "one fresh probe");
    assert_eq!(request_method(&s[0]), "subscribe");
    // The server answers: all is well.
    h.advance_by(50.0);
    h.accept(&s[0]);
    h.advance_by(14_000.0);
    assert!(closes(&h.take()).is_empty());
    assert_eq!(h.m.status(), Status::Open);
}

#[test]
fn a_dead_socket_is_still_caught_after_a_clock_jump() {
    let mut h = open_subscribed(&[ctx(1)]);
    let (t, _) = next_send(&mut h);
    h.sleep_to(t + 60_000.0);
    h.m.tick(h.now);
    assert_eq!(sends(&h.take()).len(), 1);
    let reprobe_at = h.now;
    h.advance_to(reprobe_at + 9_999.0);
    assert!(closes(&h.take()).is_empty());
    h.advance_to(reprobe_at + 10_000.0);
    let acts = h.take();
    assert_eq!(closes(&acts), vec![(4000, "heartbeat timeout")]);
    assert_eq!(error_codes(&acts), vec![ErrorCode::HeartbeatTimeout]);
}

#[test]
fn a_second_jump_during_the_grace_probe_is_death() {
    let mut h = open_subscribed(&[ctx(1)]);
    let (t, _) = next_send(&mut h);
    h.sleep_to(t + 60_000.0);
    h.m.tick(h.now);
    assert_eq!(sends(&h.take()).len(), 1);
    h.sleep_to(h.now + 60_000.0);
    h.m.tick(h.now);
    let acts = h.take();
    assert_eq!(closes(&acts), vec![(4000, "heartbeat timeout")], "re-probes once, not forever");
}

// ----- page and network events -----

/// A harness whose first attempt failed: waiting to retry, with a delay > 0.
fn waiting() -> Harness {
    let mut h = Harness::new(calimero_opts());
    h.connect();
    h.advance_by(10.0);
    h.on_close(1006);
    h.take();
    assert!(h.m.poll_timeout().unwrap() > h.now);
    h
}

#[test]
fn online_retries_at_once_while_waiting() {
    let mut h = waiting();
    h.online();
    let acts = h.take();
    assert_eq!(opens(&acts), 1);
    assert_eq!(h.m.poll_timeout(), Some(h.now + 10_000.0), "the backoff timer is replaced by the connect timeout");
    h.online();
    assert_eq!(opens(&h.take()), 0, "online() while connecting is a no-op");
    h.on_open();
    h.online();
    assert_eq!(opens(&h.take()), 0, "online() while open is a no-op");
}

#[test]
fn offline_closes_and_waits() {
    let mut h = open_subscribed(&[ctx(1)]);
    // Long enough to count as stable.
    let (_, probe) = next_send(&mut h);
    h.accept(&probe);
    h.advance_by(1000.0);
    h.offline();
    let acts = h.take();
    assert_eq!(closes(&acts), vec![(4001, "browser offline")]);
    assert_eq!(error_codes(&acts), vec![ErrorCode::ConnectionLost]);
    assert_eq!(h.m.status(), Status::Reconnecting);
    assert_eq!(opens(&acts), 0, "no attempt while the browser is offline");
    let until = h.m.poll_timeout().expect("a retry is still planned, with backoff");
    assert!(until > h.now && until - h.now < 1000.0, "{until}");
    // Back online: at once.
    h.advance_by(5.0);
    h.online();
    assert_eq!(opens(&h.take()), 1);
    // offline() while connecting gives the attempt up as well.
    h.offline();
    let acts = h.take();
    assert_eq!(closes(&acts), vec![(4001, "browser offline")]);
    assert_eq!(opens(&acts), 0);
}

#[test]
fn a_hidden_page_makes_no_retry_until_visible() {
    let mut h = waiting();
    h.visible(false);
    assert_eq!(h.m.poll_timeout(), None, "no retry timer while hidden");
    h.advance_by(600_000.0);
    assert_eq!(opens(&h.take()), 0);
    h.visible(true);
    assert_eq!(opens(&h.take()), 1, "the overdue retry runs on becoming visible");
    // Becoming hidden while open changes nothing.
    h.on_open();
    h.visible(false);
    assert!(h.take().iter().all(|a| matches!(a, Action::Status(_) | Action::Send(_) | Action::Batch(_))));
    assert_eq!(h.m.status(), Status::Open);
}

#[test]
fn a_retry_not_yet_due_when_visible_again_keeps_its_time() {
    let mut h = waiting();
    let due = h.m.poll_timeout().unwrap();
    h.visible(false);
    h.visible(true);
    assert_eq!(opens(&h.take()), 0);
    assert_eq!(h.m.poll_timeout(), Some(due));
}

// ----- offline queue -----

#[test]
fn the_offline_queue_keeps_order() {
    let mut h = waiting();
    let msgs: Vec<String> = (0..5).map(|i| format!(r#"{{"n":{i}}}"#)).collect();
    for m in &msgs {
        assert!(h.send(m));
    }
    assert_eq!(h.m.queued(), 5);
    assert!(sends(&h.take()).is_empty());
    h.online();
    h.on_open();
    assert_eq!(sends(&h.take()), msgs);
    assert_eq!(h.m.queued(), 0);
    assert_eq!(h.m.stats().messages_queued, 5);
    assert_eq!(h.m.stats().messages_sent, 5);
    // Open: sent at once.
    assert!(h.send("direct"));
    assert_eq!(sends(&h.take()), vec!["direct".to_string()]);
}

#[test]
fn queue_overflow_drop_oldest_is_counted_and_reported() {
    let mut opts = calimero_opts();
    opts.max_queued_messages = 3.0;
    let mut h = Harness::new(opts);
    for i in 1..=5 {
        assert!(h.send(&format!("m{i}")), "dropOldest always takes the new one");
    }
    let acts = h.take();
    assert_eq!(error_codes(&acts), vec![ErrorCode::MessageDropped, ErrorCode::MessageDropped]);
    assert!(errors(&acts)[0].message.contains("dropOldest"));
    assert_eq!(h.m.stats().messages_dropped, 2);
    h.connect();
    h.on_open();
    assert_eq!(sends(&h.take()), vec!["m3", "m4", "m5"]);
}

#[test]
fn queue_overflow_reject_new_is_counted_and_reported() {
    let mut opts = calimero_opts();
    opts.max_queued_messages = 3.0;
    opts.queue_overflow = QueueOverflow::RejectNew;
    let mut h = Harness::new(opts);
    let accepted: Vec<bool> = (1..=5).map(|i| h.send(&format!("m{i}"))).collect();
    assert_eq!(accepted, [true, true, true, false, false]);
    let acts = h.take();
    assert_eq!(error_codes(&acts), vec![ErrorCode::MessageDropped, ErrorCode::MessageDropped]);
    assert!(errors(&acts)[0].message.contains("rejectNew"));
    assert_eq!(h.m.stats().messages_dropped, 2);
    h.connect();
    h.on_open();
    assert_eq!(sends(&h.take()), vec!["m1", "m2", "m3"]);
}

#[test]
fn queued_messages_expire_after_their_ttl() {
    let mut opts = calimero_opts();
    opts.queued_message_ttl_ms = 5000.0;
    let mut h = Harness::new(opts);
    h.send("old");
    h.advance_to(3000.0);
    h.send("young");
    assert_eq!(h.m.poll_timeout(), Some(5000.0), "the expiry is a timer");
    h.advance_to(5000.0);
    let acts = h.take();
    assert_eq!(error_codes(&acts), vec![ErrorCode::MessageDropped]);
    assert!(errors(&acts)[0].message.contains("queuedMessageTtlMs"));
    assert_eq!((h.m.queued(), h.m.stats().messages_dropped), (1, 1));
    // "young" still has 1 ms to live when the socket opens.
    h.connect();
    h.advance_to(7999.0);
    h.on_open();
    assert_eq!(sends(&h.take()), vec!["young"]);

    let mut opts = calimero_opts();
    opts.queued_message_ttl_ms = 5000.0;
    let mut h = Harness::new(opts);
    h.send("late");
    h.connect();
    h.sleep_to(5000.0);
    h.on_open();
    let acts = h.take();
    assert!(sends(&acts).is_empty(), "an expired message is never sent");
    assert_eq!(h.m.stats().messages_dropped, 1);
}

#[test]
fn clear_queue_drops_and_reports_everything() {
    let mut h = waiting();
    for i in 0..3 {
        h.send(&format!("m{i}"));
    }
    h.take();
    assert_eq!(h.clear_queue(), 3);
    let errs = errors(&h.take());
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].code, ErrorCode::MessageDropped);
    assert!(errs[0].message.starts_with("3 queued message(s) dropped"), "{}", errs[0].message);
    assert_eq!(h.m.stats().messages_dropped, 3);
    assert_eq!(h.clear_queue(), 0);
    assert!(errors(&h.take()).is_empty(), "clearing an empty queue reports nothing");
    h.online();
    h.on_open();
    assert!(sends(&h.take()).is_empty());
}

#[test]
fn send_after_close_is_refused() {
    let mut h = Harness::open(calimero_opts());
    h.close();
    h.take();
    assert!(!h.send("late"));
    assert!(sends(&h.take()).is_empty());
    assert_eq!(h.m.queued(), 0);
}

// ----- json sequence checks -----

#[test]
fn json_seq_gap_raises_gap_and_resync() {
    let mut h = Harness::open(json_opts());
    h.frame(&json_event("MessageSent", "room", Some(1), &["MessageSent"]));
    h.frame(&json_event("MessageSent", "room", Some(2), &["MessageSent"]));
    h.frame(&json_event("MessageSent", "other", Some(40), &["MessageSent"]));
    h.advance_by(100.0);
    let b = batches(&h.take());
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].flags & RESYNC_BIT, 0);
    h.settle();
    h.frame(&json_event("ChannelCreated", "room", Some(5), &["ChannelCreated"]));
    let acts = h.take();
    let gaps: Vec<_> = acts
        .iter()
        .filter_map(|a| match a {
            Action::Gap { scope, expected, received } => Some((scope.clone(), *expected, *received)),
            _ => None,
        })
        .collect();
    assert_eq!(gaps, vec![("room".to_string(), 3.0, 5.0)]);
    assert_eq!(h.m.stats().gaps, 1);
    h.advance_by(100.0);
    let b = batches(&h.take());
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].size, 1, "the frame after the gap is still delivered");
    assert_eq!(flag_names(&h.m, b[0].flags), vec!["changed".to_string(), "channels".to_string(), "resync".to_string()]);
}

#[test]
fn json_duplicates_are_dropped_and_counted() {
    let mut h = Harness::open(json_opts());
    h.auto_settle = true;
    for seq in [1, 2, 2, 3, 1, 4] {
        h.frame(&json_event("MessageSent", "room", Some(seq), &["MessageSent"]));
    }
    h.advance_by(100.0);
    let acts = h.take();
    let b = batches(&acts);
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].size, 4, "1, 2, 3, 4 once each");
    assert!(acts.iter().all(|a| !matches!(a, Action::Gap { .. })));
    let s = h.m.stats();
    assert_eq!((s.duplicates, s.frames_dropped, s.frames_batched), (2, 2, 4));
    assert_eq!(s.frames_received, 6);
}

#[test]
fn json_seq_restarts_after_a_reconnect() {
    let mut h = Harness::open(json_opts());
    h.auto_settle = true;
    h.frame(&json_event("MessageSent", "room", Some(7), &["MessageSent"]));
    h.on_close(1006);
    while opens(&h.take()) == 0 {
        h.next_timer();
    }
    h.on_open();
    h.frame(&json_event("MessageSent", "room", Some(1), &["MessageSent"]));
    h.advance_by(100.0);
    assert_eq!(h.m.stats().duplicates, 0, "the server's numbering may restart");
    assert_eq!(h.m.stats().frames_batched, 2);
}

#[test]
fn json_subscribe_reply_reports_denied_contexts() {
    let mut opts = json_opts();
    opts.context_ids = vec!["room-a".into(), "room-b".into()];
    let mut h = Harness::new(opts);
    h.connect();
    h.on_open();
    let s = sends(&h.take());
    assert_eq!(s, vec![r#"{"type":"subscribe","contextIds":["room-a","room-b"]}"#.to_string()]);
    h.frame(&json_subscribed(&["room-b"]));
    let errs = errors(&h.take());
    assert_eq!(errs.len(), 1);
    assert_eq!((errs[0].code, errs[0].context_ids.clone()), (ErrorCode::SubscriptionDenied, vec!["room-a".to_string()]));
    assert_eq!(h.m.subscriptions(), &["room-b".to_string()]);
}

#[test]
fn json_unsubscribed_reply_is_not_taken_for_a_subscribe_reply() {
    let mut h = Harness::open(json_opts());
    h.subscribe(&["room-a".to_string()]);
    h.frame(&json_subscribed(&["room-a"]));
    h.take();
    // Switch rooms quickly: both requests are in flight when the replies come, in order.
    h.unsubscribe(&["room-a".to_string()]);
    h.subscribe(&["room-b".to_string()]);
    let s = sends(&h.take());
    assert_eq!(
        s,
        vec![
            r#"{"type":"unsubscribe","contextIds":["room-a"]}"#.to_string(),
            r#"{"type":"subscribe","contextIds":["room-b"]}"#.to_string(),
        ]
    );
    h.frame(r#"{"type":"unsubscribed","contextIds":["room-a"]}"#);
    h.frame(&json_subscribed(&["room-b"]));
    let errs = errors(&h.take());
    assert!(errs.is_empty(), "room-b was accepted: {errs:?}");
    assert_eq!(h.m.subscriptions(), &["room-b".to_string()]);
    // A later denial is still seen for what it is.
    h.subscribe(&["room-c".to_string()]);
    h.frame(&json_subscribed(&[]));
    let errs = errors(&h.take());
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].context_ids, vec!["room-c".to_string()]);
}

/// The timers table: in each state the next deadline belongs to the rule that owns it.
#[test]
fn the_next_deadline_names_its_timer() {
    use calimero_socket::engine::machine::timers::Timer;
    let mut o = calimero_opts();
    o.metrics_interval_ms = 0.0;
    let mut h = Harness::new(o.clone());
    h.connect();
    let connect = o.connect_timeout_ms;
    assert_eq!(h.m.next_timer().map(|(t, at)| (t, at.ms())), Some((Timer::ConnectTimeout, connect)));
    h.on_open();
    assert_eq!(h.m.next_timer().map(|(t, at)| (t, at.ms())), Some((Timer::Heartbeat, FIRST_PROBE_DELAY_MS)));
    h.frame(&state_mutation(&ctx(1), &[("MessageSent", "{}")]));
    assert_eq!(h.m.next_timer().map(|(t, _)| t), Some(Timer::Batch), "the batch window is the earliest");
    h.advance_by(o.batch_window_ms);
    h.on_close(1006);
    let (t, at) = h.m.next_timer().expect("a retry is planned");
    assert!(t == Timer::Retry && at.ms() >= h.now, "{t:?} at {}", at.ms());
    h.visible(false);
    assert_ne!(h.m.next_timer().map(|(t, _)| t), Some(Timer::Retry), "no retry while hidden");
    h.close();
    assert_eq!(h.m.next_timer(), None, "closed: no timer");
}

// ----- several URLs -----

#[test]
fn a_url_list_fails_over_within_a_pass_and_backs_off_between_passes() {
    let mut o = calimero_opts();
    o.url = vec!["ws://a/ws".into(), "ws://b/ws".into(), "ws://c/ws".into()];
    let mut h = Harness::new(o);
    h.connect();
    assert_eq!(h.take().iter().filter_map(|a| if let Action::OpenSocket(u) = a { Some(u.clone()) } else { None }).collect::<Vec<_>>(), ["ws://a/ws"]);
    h.on_close(1006);
    assert_eq!(opens_to(&h.take()), ["ws://b/ws"], "the next URL at once, no backoff");
    h.on_close(1006);
    assert_eq!(opens_to(&h.take()), ["ws://c/ws"]);
    h.on_close(1006);
    assert!(opens_to(&h.take()).is_empty(), "the pass is over: the backoff applies");
    assert_eq!(h.m.retries(), 1, "one pass, one retry");
    h.next_timer();
    let next = opens_to(&h.take());
    assert_eq!(next.len(), 1, "a new pass (every URL set aside: all are tried again)");
    h.on_open();
    let good = next[0].clone();
    assert_eq!(h.m.current_url(), Some(good.as_str()));
    assert_eq!(h.m.url_failures().map(|(_, n)| n).sum::<u64>(), 3);
    // A drop: the next pass starts with the URL that worked.
    h.advance_by(6000.0);
    h.on_close(1006);
    while opens_to(&h.take()).is_empty() {
        h.next_timer();
        if let Some(Action::OpenSocket(u)) = h.history.last().map(|(_, a)| a.clone()) {
            assert_eq!(u, good, "the last good URL first");
            break;
        }
    }
}

fn opens_to(acts: &[Action<String>]) -> Vec<String> {
    acts.iter().filter_map(|a| if let Action::OpenSocket(u) = a { Some(u.clone()) } else { None }).collect()
}

#[test]
fn send_batch_ms_coalesces_json_sends_into_an_array_frame() {
    let mut o = json_opts();
    o.send_batch_ms = 50.0;
    let mut h = Harness::open(o);
    assert!(h.send(r#"{"a":1}"#));
    assert!(h.send("2"));
    assert!(sends(&h.take()).is_empty());
    h.advance_by(50.0);
    assert_eq!(sends(&h.take()), [r#"[{"a":1},2]"#]);
    // A send that is not JSON goes alone, after the batch.
    h.send("3");
    h.send("not json");
    assert_eq!(sends(&h.take()), ["[3]", "not json"]);
    // Offline, the batch goes to the queue as one message when its window ends.
    h.offline();
    h.send("4");
    h.send("5");
    h.advance_by(50.0);
    assert_eq!(h.m.queued(), 1);
    let err = calimero_socket::engine::options::read_options(r#"{"url":"ws://h","sendBatchMs":50}"#).unwrap_err();
    assert_eq!(err.option, "sendBatchMs", "not for calimero");
}
