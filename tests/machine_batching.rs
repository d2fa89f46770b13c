#![cfg(not(target_arch = "wasm32"))]
//! Batching through the whole machine, with a fake clock and real Calimero frames:
//! the flush rules, the flag union across frames, latest per context, backpressure,
//! both Calimero shapes, side events, bad and oversized frames, custom rules.

mod common;

use calimero_socket::engine::delivery::batcher::FlushReason;
use calimero_socket::engine::errors::ErrorCode;
use calimero_socket::engine::machine::{Action, Status};
use calimero_socket::engine::delivery::refresh::RESYNC_BIT;
use common::*;

fn names(v: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

#[test]
fn window_flushes_after_a_quiet_window() {
    let mut h = Harness::open(calimero_opts());
    let a = ctx(1);
    h.frame(&message_sent(&a, "m1"));
    h.advance_to(50.0);
    h.frame(&message_sent(&a, "m2"));
    assert_eq!(h.m.poll_timeout(), Some(150.0), "the window restarts with each frame");
    h.advance_to(149.0);
    assert!(batches(&h.take()).is_empty(), "nothing before the window has passed");
    h.advance_to(150.0);
    let b = batches(&h.take());
    assert_eq!(b.len(), 1);
    assert_eq!((b[0].size, b[0].reason, b[0].opened_at), (2, FlushReason::Window, 0.0));
    assert_eq!(flag_names(&h.m, b[0].flags), names(&["changed", "messages"]));
    assert_eq!(h.history.iter().find(|(_, a)| matches!(a, Action::Batch(_))).unwrap().0, 150.0);
}

#[test]
fn max_size_flushes_at_once() {
    let mut h = Harness::open(calimero_opts());
    for i in 0..9 {
        h.advance_to(i as f64);
        h.frame(&message_sent(&ctx(1), &format!("m{i}")));
    }
    assert!(batches(&h.take()).is_empty(), "9 frames stay pending");
    assert_eq!(h.m.pending_frames(), 9);
    h.advance_to(9.0);
    h.frame(&message_sent(&ctx(1), "m9"));
    let b = batches(&h.take());
    assert_eq!(b.len(), 1, "the 10th frame flushes without waiting for a timer");
    assert_eq!((b[0].size, b[0].reason), (10, FlushReason::MaxSize));
    assert_eq!(h.m.pending_frames(), 0);
}

#[test]
fn max_wait_bounds_a_steady_stream() {
    let mut opts = calimero_opts();
    opts.max_batch_size = 1000.0;
    let mut h = Harness::open(opts);
    h.auto_settle = true;
    // A frame every 50 ms never leaves the 100 ms window quiet.
    for i in 0..=20 {
        h.advance_to(i as f64 * 50.0);
        h.frame(&message_sent(&ctx(1), &format!("m{i}")));
    }
    h.advance_to(2000.0);
    let delivered: Vec<(f64, _)> = h
        .history
        .iter()
        .filter_map(|(t, a)| match a {
            Action::Batch(b) => Some((*t, b.clone())),
            _ => None,
        })
        .collect();
    assert!(delivered.len() >= 3, "a steady stream must not starve the app: {}", delivered.len());
    assert_eq!(delivered[0].0, 300.0, "the first batch goes out max_wait after it opened");
    assert_eq!(delivered[0].1.reason, FlushReason::MaxWait);
    assert_eq!(delivered[0].1.size, 6, "frames at 0..=250 ms");
    for (t, b) in &delivered {
        assert!(t - b.opened_at <= 300.0, "a batch opened at {} waited until {t}", b.opened_at);
    }
    assert_eq!(delivered.iter().map(|(_, b)| b.size).sum::<u32>(), 21, "every frame delivered once");
}

#[test]
fn critical_kind_flushes_at_once() {
    let mut opts = calimero_opts();
    opts.critical_kinds = vec!["ChannelCreated".into()];
    let mut h = Harness::open(opts);
    h.frame(&message_sent(&ctx(1), "m1"));
    h.advance_to(10.0);
    assert!(batches(&h.take()).is_empty());
    h.frame(&state_mutation(&ctx(1), &[("ChannelCreated", r#"{"name":"general"}"#)]));
    let b = batches(&h.take());
    assert_eq!(b.len(), 1, "a critical kind does not wait for the window");
    assert_eq!((b[0].size, b[0].reason), (2, FlushReason::Critical));
    assert_eq!(flag_names(&h.m, b[0].flags), names(&["changed", "channels", "messages"]));
}

#[test]
fn flags_are_the_union_across_all_frames_of_a_burst() {
    // Known defect 3: latest-only batching lost the ChannelCreated of frame 3.
    let mut h = Harness::open(calimero_opts());
    let c = ctx(1);
    for i in 1..=10 {
        let frame = match i {
            3 => state_mutation(&c, &[("MessageSent", r#"{"id":"3"}"#), ("ChannelCreated", r#"{"name":"general"}"#)]),
            7 => state_mutation(&c, &[("MessageSent", r#"{"id":"7"}"#), ("DMCreated", r#"{"peer":"bob"}"#)]),
            _ => message_sent(&c, &i.to_string()),
        };
        h.advance_to(i as f64 * 5.0);
        h.frame(&frame);
    }
    h.advance_to(1000.0);
    let b = batches(&h.take());
    assert_eq!(b.len(), 1, "one burst, one batch");
    assert_eq!(b[0].size, 10);
    assert_eq!(flag_names(&h.m, b[0].flags), names(&["changed", "channels", "dms", "messages"]));
    assert_eq!(
        kind_counts(&h.m, &b[0]),
        vec![("ChannelCreated".to_string(), 1), ("DMCreated".to_string(), 1), ("MessageSent".to_string(), 10)]
    );
    assert_eq!(h.m.stats().frames_batched, 10);
    assert_eq!(h.m.stats().refreshes_saved(), 9);
}

#[test]
fn latest_keeps_only_the_most_recent_frame_per_context() {
    let mut h = Harness::open(calimero_opts());
    let c = ctx(1);
    let frames: Vec<String> = (1..=3).map(|i| message_sent(&c, &format!("m{i}"))).collect();
    for f in &frames {
        h.frame(f);
    }
    h.advance_to(100.0);
    let b = batches(&h.take());
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].size, 3);
    assert_eq!(b[0].latest, vec![(c.clone().into_boxed_str(), frames[2].clone())]);
    assert!(b[0].frames.is_empty(), "frames are only kept with collect_events");
    // The delivered frame normalizes to the app's own event JSON.
    let norm = h.m.normalize_stamped(&b[0].latest[0].1).unwrap().0;
    assert!(norm.contains(r#""data":{"id":"m3","text":"m3"}"#), "{norm}");
    assert!(norm.starts_with(r#"{"contextId":""#), "the result object, without the envelope: {norm}");
}

#[test]
fn two_contexts_share_one_batch() {
    let mut h = Harness::open(calimero_opts());
    let (a, b) = (ctx(1), ctx(2));
    let a1 = message_sent(&a, "a1");
    let b1 = state_mutation(&b, &[("ChannelJoined", r#"{"channel":"x"}"#)]);
    let a2 = message_sent(&a, "a2");
    h.frame(&a1);
    h.advance_to(10.0);
    h.frame(&b1);
    h.advance_to(20.0);
    h.frame(&a2);
    h.advance_to(500.0);
    let out = batches(&h.take());
    assert_eq!(out.len(), 1);
    let batch = &out[0];
    assert_eq!(batch.size, 3);
    assert_eq!(
        batch.latest,
        vec![(a.clone().into_boxed_str(), a2), (b.clone().into_boxed_str(), b1)],
        "one latest frame per context, in order of each context's first frame"
    );
    assert_eq!(flag_names(&h.m, batch.flags), names(&["changed", "channels", "members", "messages"]));
}

#[test]
fn a_fast_burst_of_25_never_gives_a_batch_over_10() {
    let mut h = Harness::open(calimero_opts());
    h.auto_settle = true;
    for i in 0..25 {
        h.advance_to(i as f64);
        h.frame(&message_sent(&ctx(i as u8 % 3), &format!("m{i}")));
    }
    h.advance_to(1000.0);
    let b = batches(&h.take());
    let sizes: Vec<u32> = b.iter().map(|b| b.size).collect();
    assert!(sizes.iter().all(|&s| s <= 10), "sizes {sizes:?}");
    assert_eq!(sizes.iter().sum::<u32>(), 25, "sizes {sizes:?}");
    assert_eq!(sizes, [10, 10, 5]);
    assert_eq!(h.m.stats().largest_batch, 10);
    assert_eq!(h.m.stats().batches_delivered, 3);
}

#[test]
fn backpressure_merges_bursts_into_one_batch_after_settle() {
    // Known defect 4: a batch arriving while the previous one was processed was dropped.
    let mut h = Harness::open(calimero_opts());
    let (a, b) = (ctx(1), ctx(2));
    for i in 0..10 {
        h.frame(&message_sent(&a, &format!("first{i}")));
    }
    let first = batches(&h.take());
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].size, 10);
    // The app is still busy with `first`: three bursts arrive meanwhile.
    let mut last_a = String::new();
    let mut last_b = String::new();
    for (burst, at) in [100.0, 400.0, 700.0].into_iter().enumerate() {
        h.advance_to(at);
        for i in 0..4 {
            let f = if burst == 1 && i == 2 {
                state_mutation(&b, &[("ChannelCreated", r#"{"name":"late"}"#)])
            } else if i % 2 == 0 {
                message_sent(&b, &format!("b{burst}{i}"))
            } else {
                message_sent(&a, &format!("a{burst}{i}"))
            };
            if i % 2 == 0 {
                last_b = f.clone();
            } else {
                last_a = f.clone();
            }
            h.frame(&f);
        }
    }
    h.advance_to(2000.0);
    assert!(batches(&h.take()).is_empty(), "no batch overlaps the one in flight");
    assert_eq!(h.m.pending_frames(), 12, "every frame of the three bursts is kept");
    h.settle();
    let merged = batches(&h.take());
    assert_eq!(merged.len(), 1, "one merged batch as soon as the previous one settles");
    let m = &merged[0];
    assert_eq!(m.size, 12, "nothing lost");
    assert_eq!(m.latest, vec![(b.clone().into_boxed_str(), last_b), (a.clone().into_boxed_str(), last_a)]);
    assert_eq!(flag_names(&h.m, m.flags), names(&["changed", "channels", "messages"]));
    assert_eq!(h.m.stats().frames_batched, 22);
    assert_eq!(first[0].size + m.size, 22);
    // And the next frame starts a fresh batch again.
    h.settle();
    h.frame(&message_sent(&a, "after"));
    h.advance_by(100.0);
    let next = batches(&h.take());
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].size, 1);
}

#[test]
fn reads_the_current_calimero_shape() {
    let mut h = Harness::open(calimero_opts());
    let c = ctx(1);
    let f = state_mutation(&c, &[("MessageSent", r#"{"id":"4f"}"#), ("ChannelJoined", ""), ("Unknown", "{}")]);
    h.frame(&f);
    h.advance_to(100.0);
    let b = batches(&h.take());
    assert_eq!(b.len(), 1);
    assert_eq!(flag_names(&h.m, b[0].flags), names(&["changed", "channels", "members", "messages"]));
    assert_eq!(
        kind_counts(&h.m, &b[0]),
        vec![("ChannelJoined".into(), 1), ("MessageSent".into(), 1), ("Unknown".into(), 1)]
    );
    let norm = h.m.normalize_stamped(&b[0].latest[0].1).unwrap().0;
    assert!(norm.contains(r#""data":{"id":"4f"}"#), "byte arrays decode to JSON: {norm}");
    assert!(norm.contains(r#"{"kind":"ChannelJoined","data":null"#), "[] is a unit variant: {norm}");
}

#[test]
fn reads_the_pre_2025_split_shape() {
    let mut h = Harness::open(calimero_opts());
    let c = ctx(1);
    let sm = legacy_state_mutation(&c, &encode_root(9));
    let ee = legacy_execution_event(&c, &[("ChannelCreated", r#"{"name":"general"}"#), ("MessageSent", "{}")]);
    h.frame(&sm);
    h.advance_to(5.0);
    h.frame(&ee);
    h.advance_to(200.0);
    let acts = h.take();
    assert!(errors(&acts).is_empty(), "both frames are understood: {:?}", errors(&acts));
    let b = batches(&acts);
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].size, 2, "the mutation and its events fold into one batch");
    assert_eq!(flag_names(&h.m, b[0].flags), names(&["changed", "channels", "messages"]));
    assert_eq!(b[0].latest, vec![(c.into_boxed_str(), ee)]);
}

fn encode_root(n: u8) -> String {
    calimero_socket::engine::protocols::calimero::encode_base58(&[n; 32])
}

#[test]
fn sync_status_goes_to_events_and_never_wakes_a_batch() {
    let mut h = Harness::open(calimero_opts());
    let c = ctx(1);
    let frames = [sync_status(&c, "syncing", 0), sync_status(&c, "waitingForPeers", 1), group_event("ab12cd", "MemberJoined")];
    for (i, f) in frames.iter().enumerate() {
        h.advance_to(i as f64 * 1000.0);
        h.frame(f);
    }
    assert_eq!(h.m.pending_frames(), 0, "no batch was opened");
    h.advance_to(3000.0);
    let acts = h.take();
    assert!(batches(&acts).is_empty(), "side events never wake the batch callback");
    let events: Vec<(String, String, String)> = acts
        .iter()
        .filter_map(|a| match a {
            Action::Event { scope, event_type, payload } => Some((scope.clone(), event_type.clone(), payload.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        events,
        vec![
            (c.clone(), "SyncStatus".into(), frames[0].clone()),
            (c.clone(), "SyncStatus".into(), frames[1].clone()),
            ("ab12cd".into(), "MemberJoined".into(), frames[2].clone()),
        ]
    );
    assert_eq!(h.m.stats().side_events, 3);
    assert_eq!(h.m.stats().frames_batched, 0);
    // A state frame among them still batches alone.
    h.frame(&sync_status(&c, "syncing", 0));
    h.frame(&message_sent(&c, "m"));
    h.advance_by(100.0);
    let b = batches(&h.take());
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].size, 1);
}

#[test]
fn bad_frames_are_reported_and_skipped_while_the_stream_goes_on() {
    let mut h = Harness::open(calimero_opts());
    let c = ctx(1);
    let stream = [
        message_sent(&c, "ok1"),
        "{not json".to_string(),
        message_sent(&c, "ok2"),
        r#"{"hello":1}"#.to_string(),
        "[1,2]".to_string(),
        r#"{"id":null,"result":{"contextId":"c"}}"#.to_string(),
        r#"{"id":null,"result":{"contextId":"c","type":"StateMutation","data":{"events":[{"kind":"MessageSent","data":[1,2"#.to_string(),
        message_sent(&c, "ok3"),
    ];
    for (i, f) in stream.iter().enumerate() {
        h.advance_to(i as f64);
        h.frame(f);
    }
    h.advance_to(500.0);
    let acts = h.take();
    let errs = errors(&acts);
    assert_eq!(errs.len(), 5, "{errs:?}");
    assert!(errs.iter().all(|e| e.code == ErrorCode::BadFrame));
    assert!(errs[0].message.contains("{not json"), "the message shows the frame: {}", errs[0].message);
    let b = batches(&acts);
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].size, 3, "the good frames around the bad ones are all batched");
    assert_eq!(b[0].latest[0].1, stream[7]);
    assert_eq!(h.m.stats().frames_received, 8);
    assert_eq!(h.m.stats().frames_dropped, 5);
    assert_eq!(h.m.status(), Status::Open, "a bad frame does not cost the connection");
    assert!(closes(&acts).is_empty());
}

#[test]
fn oversized_frames_are_dropped_unread() {
    let mut opts = calimero_opts();
    opts.max_message_bytes = 512.0;
    let mut h = Harness::open(opts);
    let c = ctx(1);
    let big = message_sent(&c, &"x".repeat(300));
    assert!(big.len() > 512);
    h.frame(&big);
    // Exactly at the limit is fine.
    let mut edge = message_sent(&c, "edge");
    edge.push_str(&" ".repeat(512 - edge.len()));
    assert_eq!(edge.len(), 512);
    h.frame(&edge);
    // The web layer reports a frame it knows is too big without copying it.
    h.m.on_oversized(h.now, 20_000_000);
    h.advance_to(500.0);
    let acts = h.take();
    assert_eq!(error_codes(&acts), vec![ErrorCode::OversizedFrame, ErrorCode::OversizedFrame]);
    assert!(errors(&acts)[0].message.contains(&big.len().to_string()));
    let b = batches(&acts);
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].size, 1);
    assert_eq!(b[0].latest[0].1, edge);
    let s = h.m.stats();
    assert_eq!((s.frames_received, s.frames_dropped), (3, 2));
    assert_eq!(s.bytes_received, (big.len() + 512 + 20_000_000) as u64);
}

#[test]
fn custom_refresh_rules_and_critical_kinds() {
    let mut opts = calimero_opts();
    opts.refresh_rules = Some(vec![
        ("PostAdded".into(), vec!["feed".into()]),
        ("PostLiked".into(), vec!["feed".into(), "likes".into()]),
        ("UserBanned".into(), vec!["members".into(), "resync".into()]),
    ]);
    opts.critical_kinds = vec!["UserBanned".into()];
    let mut h = Harness::open(opts);
    h.auto_settle = true;
    let c = ctx(1);
    h.frame(&state_mutation(&c, &[("PostAdded", r#"{"id":1}"#)]));
    h.frame(&state_mutation(&c, &[("PostLiked", r#"{"id":1}"#)]));
    h.advance_to(100.0);
    let b = batches(&h.take());
    assert_eq!(b.len(), 1);
    assert_eq!((b[0].reason, b[0].size), (FlushReason::Window, 2));
    assert_eq!(flag_names(&h.m, b[0].flags), names(&["changed", "feed", "likes"]));
    // The chat defaults are gone: MessageSent raises nothing now but `changed`, which
    // every state frame raises whatever the rules (and it still counts).
    h.frame(&message_sent(&c, "m"));
    h.advance_to(200.0);
    let b = batches(&h.take());
    assert_eq!(b.len(), 1);
    assert_eq!(flag_names(&h.m, b[0].flags), names(&["changed"]));
    assert_eq!(kind_counts(&h.m, &b[0]), vec![("MessageSent".into(), 1)]);
    // A critical kind goes out at once, with its flags (resync included).
    h.advance_to(300.0);
    h.frame(&state_mutation(&c, &[("PostAdded", "{}")]));
    h.frame(&state_mutation(&c, &[("UserBanned", r#"{"user":"eve"}"#)]));
    let b = batches(&h.take());
    assert_eq!(b.len(), 1);
    assert_eq!((b[0].reason, b[0].size), (FlushReason::Critical, 2));
    assert_eq!(flag_names(&h.m, b[0].flags), names(&["changed", "feed", "members", "resync"]));
    assert_ne!(b[0].flags & RESYNC_BIT, 0);
}

#[test]
fn collect_events_keeps_every_frame_in_order() {
    let mut opts = calimero_opts();
    opts.collect_events = true;
    let mut h = Harness::open(opts);
    let (a, b) = (ctx(1), ctx(2));
    let fs = [message_sent(&a, "a1"), message_sent(&b, "b1"), message_sent(&a, "a2"), message_sent(&a, "a3")];
    for f in &fs {
        h.frame(f);
    }
    // A side event is not a batch frame.
    h.frame(&sync_status(&a, "syncing", 0));
    h.advance_to(100.0);
    let out = batches(&h.take());
    assert_eq!(out.len(), 1);
    let got: Vec<(String, String)> = out[0].frames.iter().map(|(c, p)| (c.to_string(), p.clone())).collect();
    let want: Vec<(String, String)> =
        vec![(a.clone(), fs[0].clone()), (b.clone(), fs[1].clone()), (a.clone(), fs[2].clone()), (a.clone(), fs[3].clone())];
    assert_eq!(got, want);
    assert_eq!(out[0].latest.len(), 2);
    assert!(!out[0].events_truncated);
}
