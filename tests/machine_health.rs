#![cfg(not(target_arch = "wasm32"))]
//! Latency, round trips, alerts, health and metrics through the whole machine, with a
//! fake clock.

mod common;

use calimero_socket::engine::observability::alerts::Severity;
use calimero_socket::engine::observability::health::{Health, Quality};
use calimero_socket::engine::observability::latency::{CLIENT_CLOCK_STEP_MS, MAX_KIND_WINDOWS};
use calimero_socket::engine::machine::snapshot::stats_json;
use calimero_socket::engine::machine::{Action, Status};
use common::*;

/// Wall-clock-like start, so stamps in ms since the epoch make sense.
const T: f64 = 1_767_225_600_000.0;

fn stamped(ctx: &str, seq: u64, kind: &str, stamp: f64) -> String {
    format!(
        r#"{{"type":"StateMutation","contextId":"{ctx}","data":{{"events":[{{"kind":"{kind}","data":{{}}}}]}},"seq":{seq},"_server_timestamp":{stamp}}}"#
    )
}

fn open_json_at_t() -> Harness {
    let mut h = Harness::new(json_opts());
    h.advance_to(T);
    h.connect();
    h.on_open();
    h.take();
    h
}

fn alerts(acts: &[Action<String>]) -> Vec<Severity> {
    acts.iter()
        .filter_map(|a| match a {
            Action::Degraded(al) => Some(al.severity),
            _ => None,
        })
        .collect()
}

#[test]
fn stamped_frames_feed_the_latency_windows() {
    let mut h = open_json_at_t();
    for i in 0..20 {
        h.advance_to(T + 1000.0 + i as f64 * 10.0);
        let now = h.now;
        h.frame(&stamped("room", i + 1, if i % 2 == 0 { "A" } else { "B" }, now - 30.0));
    }
    let lat = h.m.latency();
    let s = lat.raw.summary();
    assert_eq!((s.count, s.min, s.max, s.p50), (20, 30.0, 30.0, 30.0));
    let kinds: Vec<(String, u64)> = lat.by_kind().map(|(k, s)| (k.to_string(), s.count)).collect();
    assert_eq!(kinds, [("A".to_string(), 10), ("B".to_string(), 10)]);
}

#[test]
fn a_pong_with_a_stamp_sets_the_clock_offset_and_corrects_latency() {
    let mut opts = json_opts();
    opts.heartbeat_interval_ms = 1000.0;
    let mut h = Harness::new(opts);
    h.advance_to(T);
    h.connect();
    h.on_open();
    h.take();
    h.advance_to(T + 1000.0); // the ping goes out
    assert!(sends(&h.take()).iter().any(|s| s.contains("ping")));
    // The server's clock is 500 ms behind; the pong comes back 20 ms later.
    h.advance_to(T + 1020.0);
    h.frame(&format!(r#"{{"type":"pong","_server_timestamp":{}}}"#, T + 1010.0 - 500.0));
    assert_eq!(h.m.latency().offset.offset(), Some(-500.0));
    assert_eq!(h.m.latency().rtt.summary().count, 1);
    // A frame stamped 540 ms "ago" by the slow server clock took 40 ms.
    h.advance_to(T + 2000.0);
    h.frame(&stamped("room", 1, "A", T + 2000.0 - 540.0));
    assert_eq!(h.m.latency().raw.summary().max, 540.0);
    assert_eq!(h.m.latency().corrected.summary().max, 40.0);
}

#[test]
fn a_slow_burst_is_one_critical_alert_then_one_recovery() {
    let mut h = open_json_at_t();
    let mut seq = 0;
    let mut frame = |h: &mut Harness, dt: f64, delay: f64| {
        seq += 1;
        h.advance_to(h.now + dt);
        let now = h.now;
        h.frame(&stamped("room", seq, "MessageSent", now - delay));
    };
    for _ in 0..500 {
        frame(&mut h, 5.0, 250.0);
    }
    for _ in 0..30 {
        frame(&mut h, 50.0, 5.0);
    }
    let acts: Vec<Action<String>> = h.history.iter().map(|(_, a)| a.clone()).collect();
    assert_eq!(alerts(&acts), [Severity::Critical, Severity::Ok]);
}

#[test]
fn health_follows_status_errors_and_reconnects() {
    let mut opts = calimero_opts();
    opts.reconnect_max_attempts = 1.0;
    let mut h = Harness::new(opts);
    h.advance_to(T);
    h.connect();
    h.on_open();
    h.advance_to(T + 10.0);
    h.take();
    assert_eq!(h.m.health(), (Health::Healthy, Quality::Excellent));
    // Bad frames: more than 5% of the last minute's frames.
    for i in 0..20 {
        h.advance_to(T + 2000.0 + i as f64);
        h.frame(if i % 4 == 0 { "{broken" } else { "{\"id\":99,\"result\":{}}" });
    }
    h.advance_to(T + 3100.0);
    h.frame("{\"id\":98,\"result\":{}}");
    assert_eq!(h.m.health().0, Health::Critical, "error rate over 5%");
    // Giving up is critical too, and the notice says so.
    h.on_close(1006);
    h.advance_to(T + 10_000.0);
    h.on_close(1006);
    h.advance_to(T + 20_000.0);
    assert_eq!(h.m.status(), Status::Failed);
    assert_eq!(h.m.health(), (Health::Critical, Quality::Poor));
    assert!(h.health_notices.iter().any(|(_, a)| matches!(a, Action::Health(Health::Critical, Quality::Poor))));
}

#[test]
fn metrics_come_every_interval_while_connected_only() {
    let mut opts = calimero_opts();
    opts.metrics_interval_ms = 250.0;
    opts.heartbeat_interval_ms = 0.0;
    let mut h = Harness::new(opts);
    h.advance_to(1000.0);
    assert_eq!(h.m.poll_timeout(), None, "no metrics timer before connect()");
    h.connect();
    h.on_open();
    h.advance_to(2000.0);
    let ticks = h.health_notices.iter().filter(|(_, a)| matches!(a, Action::Metrics)).count();
    assert_eq!(ticks, 4);
    h.close();
    h.advance_to(5000.0);
    let after = h.health_notices.iter().filter(|(_, a)| matches!(a, Action::Metrics)).count();
    assert_eq!(after, 4, "metrics after close()");
    assert_eq!(h.m.poll_timeout(), None);
}

#[test]
fn memory_is_bounded_over_200k_frames_of_many_kinds() {
    let mut h = open_json_at_t();
    h.auto_settle = true;
    let mut seq = [0u64; 50];
    for i in 0..200_000usize {
        let c = i % 50;
        seq[c] += 1;
        let now = T + 1.0 + i as f64 * 0.05;
        h.advance_to(now);
        h.frame(&stamped(&format!("ctx-{c}"), seq[c], &format!("Kind{}", i % 300), now - 10.0));
        if i % 1000 == 0 {
            h.take();
            h.history.clear();
        }
    }
    let lat = h.m.latency();
    assert_eq!(lat.raw.summary().count, 200_000);
    assert_eq!(lat.by_kind().count(), MAX_KIND_WINDOWS);
    assert_eq!(h.m.stats().frames_batched, 200_000);
    assert!(h.m.stats().largest_batch <= 10, "a fast app never sees a batch over maxBatchSize");
}

/// The number at `key` of the top-level object of a stats snapshot.
fn stat(json: &str, key: &str) -> Option<f64> {
    let at = json.find(&format!("\"{key}\":"))? + key.len() + 3;
    let end = json[at..].find([',', '}']).map(|e| at + e)?;
    json[at..end].parse().ok()
}

#[test]
fn the_clock_offset_is_known_a_second_after_open_with_the_default_interval() {
    let mut h = open_json_at_t();
    h.advance_to(T + 999.0);
    assert!(sends(&h.take()).is_empty());
    h.advance_to(T + 1000.0);
    assert_eq!(sends(&h.take()), vec![r#"{"type":"ping"}"#.to_string()]);
    // A sub-millisecond round trip; the server stamps in whole microseconds, 3 ms ahead.
    h.advance_to(T + 1000.4);
    h.frame(&format!(r#"{{"type":"pong","_server_timestamp":{}}}"#, (T + 1000.2 + 3.0) * 1000.0));
    let rtt = h.m.last_rtt_ms().unwrap();
    assert!((rtt - 0.4).abs() < 1e-3, "sub-millisecond round trips are kept: {rtt}");
    let off = h.m.latency().offset.offset().unwrap();
    assert!((off - 3.0).abs() < 1e-3, "{off}");
    let u = h.m.latency().offset.uncertainty().unwrap();
    assert!((u - (0.2 + CLIENT_CLOCK_STEP_MS)).abs() < 1e-3, "half the round trip plus the client clock's step: {u}");
}

#[test]
fn whole_millisecond_stamps_never_give_a_zero_uncertainty() {
    let mut h = open_json_at_t();
    h.advance_to(T + 1000.0);
    h.take();
    // Sent and answered within one client clock step, stamped in whole milliseconds.
    h.frame(&format!(r#"{{"type":"pong","_server_timestamp":{}}}"#, T + 1000.0));
    assert_eq!(h.m.last_rtt_ms(), Some(0.0));
    assert_eq!(h.m.latency().offset.uncertainty(), Some(1.0));
    // Whole seconds: the step is a second.
    h.advance_to(T + 16_000.0);
    h.take();
    h.advance_to(T + 16_002.0);
    h.frame(&format!(r#"{{"type":"pong","_server_timestamp":{}}}"#, (T + 16_000.0) / 1000.0));
    assert_eq!(h.m.latency().offset.uncertainty(), Some(1.0), "the earlier, tighter sample is kept");
    let json = stats_json(&mut h.m, h.now, 0.0);
    assert_eq!(stat(&json, "clockOffsetUncertaintyMs"), Some(1.0), "{json}");
}

#[test]
fn a_negative_one_way_sample_enters_as_zero_is_counted_and_stats_stay_clean() {
    let mut h = open_json_at_t();
    h.advance_to(T + 1000.0);
    h.take();
    // The server clock is 2 ms ahead; the offset is measured within 0.5 ms.
    h.advance_to(T + 1001.0);
    h.frame(&format!(r#"{{"type":"pong","_server_timestamp":{}}}"#, T + 1000.0 + 2.5));
    assert_eq!(h.m.latency().offset.offset(), Some(2.0));
    // A frame stamped "in the future" by more than the offset explains: -0.77 ms.
    h.advance_to(T + 2000.0);
    h.frame(&stamped("room", 1, "A", T + 2000.0 + 2.77));
    // And a normal one, 5 ms.
    h.advance_to(T + 2010.0);
    h.frame(&stamped("room", 2, "A", T + 2005.0 + 2.0));
    let lat = h.m.latency();
    assert_eq!((lat.clamped, lat.raw_clamped), (1, 1));
    let s = lat.corrected.summary();
    assert_eq!((s.count, s.min, s.max), (2, 0.0, 5.0), "entered as 0, not averaged in negative: {s:?}");
    assert_eq!(s.mean, 2.5);
    let json = stats_json(&mut h.m, h.now, 0.0);
    assert_eq!(stat(&json, "latencyClamped"), Some(1.0), "{json}");
    assert_eq!(stat(&json, "latencyRawClamped"), Some(1.0));
    assert!(!json.contains(":-") && !json.contains(",-") && !json.contains("[-"), "no negative number in {json}");
    assert!(!json.contains("NaN") && !json.contains("Infinity"));
}

#[test]
fn absurd_inputs_never_reach_the_snapshot() {
    let mut h = open_json_at_t();
    h.advance_to(T + 1000.0);
    h.take();
    h.advance_to(T + 1001.0);
    h.frame(r#"{"type":"pong","_server_timestamp":1e300}"#);
    assert_eq!(h.m.latency().offset.offset(), None, "a stamp past the year 5138 in ns is no stamp");
    h.frame(&stamped("room", 1, "A", 1e300));
    h.frame(&stamped("room", 2, "A", 1e19));
    h.frame(&stamped("room", 3, "A", 0.000001));
    let json = stats_json(&mut h.m, h.now, 0.0);
    assert!(!json.contains(":-") && !json.contains(",-") && !json.contains("[-"), "{json}");
    let lat = h.m.latency().corrected.summary();
    assert!(lat.max.is_finite() && lat.mean.is_finite() && lat.min >= 0.0, "{lat:?}");
    for v in [lat.max, lat.mean, lat.p99] {
        assert!(v < 1e13, "{lat:?}");
    }
}
