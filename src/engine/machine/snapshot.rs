//! What the app's notices carry, as JSON text: the `stats()` snapshot (also what
//! `onMetrics` receives: counters, latency summaries and histogram, clock offset,
//! health; the README's stats table documents every field), and the `onDegraded`,
//! `onHealth` and `onGap` notices.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::engine::observability::alerts::Alert;
use crate::engine::errors::ErrorCode;
use crate::engine::observability::health::{Health, Quality};
use crate::engine::json::writer::Obj;
use crate::engine::observability::latency::{Summary, HISTOGRAM_BOUNDS};
use crate::engine::machine::Machine;

fn summary(o: &mut Obj<'_>, key: &str, s: &Summary) {
    o.obj(key, |o| {
        o.num("count", s.count as f64).num("min", s.min).num("max", s.max).num("mean", s.mean);
        o.num("p50", s.p50).num("p95", s.p95).num("p99", s.p99);
    });
}

/// The snapshot of `m` at `now`; `memory_bytes` is the wasm memory size the web layer
/// reads.
pub fn stats_json<P: Clone>(m: &mut Machine<P>, now: f64, memory_bytes: f64) -> String {
    let fps = m.frames_per_second(now);
    let m = &*m;
    let s = m.stats();
    let mut out = String::with_capacity(1024);
    let mut o = Obj::start(&mut out);
    o.num("framesPerSecond", fps).str("status", m.status().name());
    o.num("framesReceived", s.frames_received as f64).num("bytesReceived", s.bytes_received as f64);
    o.num("framesBatched", s.frames_batched as f64).num("sideEvents", s.side_events as f64);
    o.num("batchesDelivered", s.batches_delivered as f64);
    let fpb = if s.batches_delivered > 0 { s.frames_batched as f64 / s.batches_delivered as f64 } else { 0.0 };
    o.num("framesPerBatch", fpb).num("largestBatch", s.largest_batch as f64);
    o.num("refreshesSaved", s.refreshes_saved() as f64).num("framesDropped", s.frames_dropped as f64);
    o.num("errors", s.errors as f64);
    o.obj("errorsByCode", |by| {
        for code in ErrorCode::ALL {
            let n = s.errors_by_code[code.index()];
            if n > 0 {
                by.num(code.name(), n as f64);
            }
        }
    });
    o.num("connectAttempts", s.connect_attempts as f64).num("reconnects", s.reconnects as f64);
    o.num("retries", m.retries() as f64).num("messagesSent", s.messages_sent as f64);
    o.num("messagesQueued", s.messages_queued as f64).num("messagesDropped", s.messages_dropped as f64);
    o.num("queued", m.queued() as f64).num("gaps", s.gaps as f64).num("duplicates", s.duplicates as f64);
    o.num("pendingFrames", m.pending_frames() as f64);
    o.num("badTimestamps", s.bad_timestamps as f64).num("probeReplaysDropped", s.probe_replays_dropped as f64);
    o.num("executesPending", m.executes_pending() as f64).num("sharedTabs", m.shared_tabs() as f64);
    o.obj("kindsSeen", |kinds| {
        for (id, n) in s.kinds_seen.iter().enumerate() {
            if *n > 0 {
                kinds.num(m.rules().kind_name(id as u16), *n as f64);
            }
        }
    });
    o.strs("subscriptions", m.subscriptions().iter().map(|s| s.as_str()));
    match m.current_url() {
        Some(url) => o.str("url", url),
        None => o.raw("url", "null"),
    };
    o.obj("urlFailures", |f| {
        for (url, n) in m.url_failures() {
            f.num(url, n as f64);
        }
    });
    o.opt("lastRttMs", m.last_rtt_ms()).num("memoryBytes", memory_bytes);
    let lat = m.latency();
    summary(&mut o, "latency", &lat.corrected.summary());
    summary(&mut o, "latencyRaw", &lat.raw.summary());
    o.obj("latencyByKind", |by| {
        for (kind, sum) in lat.by_kind() {
            summary(by, kind, &sum);
        }
    });
    summary(&mut o, "rtt", &lat.rtt.summary());
    o.obj("latencyHistogram", |h| {
        h.nums("boundsMs", HISTOGRAM_BOUNDS.iter().copied());
        h.nums("counts", lat.corrected.histogram().iter().map(|&c| c as f64));
    });
    o.num("latencyClamped", lat.clamped as f64).num("latencyRawClamped", lat.raw_clamped as f64);
    o.opt("clockOffsetMs", lat.offset.offset()).opt("clockOffsetUncertaintyMs", lat.offset.uncertainty());
    let (health, quality) = m.health();
    o.str("health", health.name()).str("connectionQuality", quality.name());
    o.num("alertsRaised", m.alerts_raised() as f64);
    o.end();
    out
}

/// `onDegraded`: `{severity, latencyMs, kind}` (`kind` null when not per kind).
pub fn alert_json(a: &Alert) -> String {
    let mut out = String::new();
    let mut o = Obj::start(&mut out);
    o.str("severity", a.severity.name()).num("latencyMs", a.latency_ms);
    match &a.kind {
        Some(k) => o.str("kind", k),
        None => o.raw("kind", "null"),
    };
    o.end();
    out
}

/// `onHealth`: `{health, connectionQuality}`.
pub fn health_json(h: Health, q: Quality) -> String {
    let mut out = String::new();
    let mut o = Obj::start(&mut out);
    o.str("health", h.name()).str("connectionQuality", q.name());
    o.end();
    out
}

/// `onGap`: `{contextId, expected, received}`.
pub fn gap_json(scope: &str, expected: f64, received: f64) -> String {
    let mut out = String::new();
    let mut o = Obj::start(&mut out);
    o.str("contextId", scope).num("expected", expected).num("received", received);
    o.end();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::json::reader::{validate, Reader};
    use crate::engine::options::{Options, Profile};

    /// The number at `key` of the top-level object of `json`.
    fn top_num(json: &str, key: &str) -> Option<f64> {
        let mut found = None;
        Reader::new(json)
            .object(|r, k| {
                if k.eq_str(key) {
                    found = r.number_or_skip()?;
                } else {
                    r.skip()?;
                }
                Ok(())
            })
            .unwrap();
        found
    }

    #[test]
    fn notices_are_json() {
        use crate::engine::observability::alerts::Severity;
        let a = Alert { severity: Severity::Critical, latency_ms: 120.5, kind: Some("MessageSent".into()) };
        assert_eq!(alert_json(&a), r#"{"severity":"critical","latencyMs":120.5,"kind":"MessageSent"}"#);
        let r = Alert { severity: Severity::Ok, latency_ms: 3.0, kind: None };
        assert_eq!(alert_json(&r), r#"{"severity":"recovered","latencyMs":3,"kind":null}"#);
        assert_eq!(gap_json("room", 4.0, 7.0), r#"{"contextId":"room","expected":4,"received":7}"#);
        assert!(validate(&health_json(Health::Healthy, Quality::Good)).is_ok());
    }

    #[test]
    fn the_snapshot_is_json_with_every_counter() {
        let mut m: Machine<u32> = Machine::new(Options::defaults("ws://h/ws", Profile::Default), 1).unwrap();
        m.connect(0.0);
        let json = stats_json(&mut m, 10.0, 65536.0);
        assert!(validate(&json).is_ok(), "{json}");
        assert_eq!(top_num(&json, "connectAttempts"), Some(1.0));
        assert_eq!(top_num(&json, "memoryBytes"), Some(65536.0));
        assert_eq!(top_num(&json, "lastRttMs"), None, "no round trip yet: null");
        for key in ["\"latency\":{\"count\":0", "\"latencyHistogram\":{\"boundsMs\":[", "\"status\":\"connecting\"", "\"subscriptions\":[]"] {
            assert!(json.contains(key), "{key} missing in {json}");
        }
    }
}
