//! Core values as JS values: batches, side events, errors and the stats snapshot.
//! Frames become JS objects only here, when delivered: the core's normalized JSON text
//! of each latest frame goes through one `JSON.parse`.

use crate::core::batcher::Batch;
use crate::core::errors::{ErrorCode, SdkError};
use crate::core::machine::Machine;
use crate::core::alerts::Alert;
use crate::core::health::{Health, Quality};
use crate::core::latency::Summary;
use crate::core::refresh::RESYNC_BIT;
use js_sys::{Array, Object, Reflect, JSON};
use wasm_bindgen::prelude::*;

pub fn set(obj: &Object, key: &str, value: impl Into<JsValue>) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), &value.into());
}

/// A frame as the manager keeps it until delivery: the JS string it arrived as (never
/// copied into wasm unless delivered) and when it arrived.
#[derive(Clone, Debug)]
pub struct Kept {
    pub text: JsValue,
    pub at: f64,
    /// The scanner's id of the frame's context name, -1 when the scanner did not read it.
    pub ctx: i32,
}

/// A server timestamp found while delivering: `(arrived at, stamp, event kind)`.
pub type Stamp = (f64, f64, Option<String>);

/// What delivering found besides the JS values: errors and late timestamps.
#[derive(Default)]
pub struct Found {
    pub errors: Vec<SdkError>,
    pub stamps: Vec<Stamp>,
}

/// Parses a kept frame into the app-facing object.
pub fn frame_value(m: &Machine<Kept>, kept: &Kept, found: &mut Found) -> Option<JsValue> {
    let text = kept.text.as_string().unwrap_or_default();
    match m.protocol().normalize_stamped(&text) {
        Ok((normalized, stamp)) => {
            if let Some((ts, kind)) = stamp {
                found.stamps.push((kept.at, ts, kind));
            }
            match JSON::parse(&normalized) {
                Ok(v) => Some(v),
                Err(_) => {
                    found.errors.push(SdkError::new(ErrorCode::BadFrame, "frame could not be parsed"));
                    None
                }
            }
        }
        Err(e) => {
            found.errors.push(SdkError::new(ErrorCode::BadFrame, e.to_string()));
            None
        }
    }
}

#[wasm_bindgen(module = "/src/web/batch_object.js")]
extern "C" {
    /// Builds batch objects in JS from numbers (see `batch_object.js`).
    pub type BatchBuilder;
    #[wasm_bindgen(constructor)]
    pub fn new(flag_names: &Array, decode: &JsValue, scanner: &JsValue) -> BatchBuilder;
    #[wasm_bindgen(method)]
    fn kind(this: &BatchBuilder, id: u32, name: &str);
    #[wasm_bindgen(method, js_name = kindCount)]
    fn kind_count(this: &BatchBuilder) -> u32;
    #[wasm_bindgen(method)]
    #[allow(clippy::too_many_arguments)]
    fn build(
        this: &BatchBuilder,
        size: u32,
        flags_lo: u32,
        flags_hi: u32,
        resync: bool,
        kinds: &[u32],
        ctx_ids: &[i32],
        other_ids: &Array,
        texts: &Array,
        arrivals: &[f64],
        reason: u32,
    ) -> JsValue;
}

/// A builder for `m`'s batches: its flag names, and `decode` for `latest`.
pub fn batch_builder(m: &Machine<Kept>, decode: &JsValue, scanner: &JsValue) -> BatchBuilder {
    let names: Array = m.rules().flag_names().map(JsValue::from_str).collect();
    BatchBuilder::new(&names, decode, scanner)
}

/// The batch object handed to `onBatch`, and what was found while building it.
pub fn batch_value(m: &Machine<Kept>, b: &Batch<Kept>, builder: &BatchBuilder) -> (JsValue, Found) {
    let mut found = Found::default();
    let rules = m.rules();
    // Kind names reach JS once each.
    let known = builder.kind_count() as usize;
    for id in known..rules.kind_count() {
        builder.kind(id as u32, rules.kind_name(id as u16));
    }
    let mut kinds = Vec::with_capacity(b.kinds.len() * 2);
    for &(id, n) in &b.kinds {
        kinds.push(id as u32);
        kinds.push(n);
    }
    // Context names the scanner read go as its ids (JS has their strings already).
    let mut ctx_ids = Vec::with_capacity(b.latest.len());
    let other_ids = Array::new();
    let texts = Array::new();
    let mut arrivals = Vec::with_capacity(b.latest.len());
    for (ctx, payload) in &b.latest {
        ctx_ids.push(payload.ctx);
        if payload.ctx < 0 {
            other_ids.push(&JsValue::from_str(ctx));
        }
        texts.push(&payload.text);
        arrivals.push(payload.at);
    }
    let resync = b.flags & RESYNC_BIT != 0;
    let value = builder.build(
        b.size,
        b.flags as u32,
        (b.flags >> 32) as u32 & 0x7fff_ffff,
        resync,
        &kinds,
        &ctx_ids,
        &other_ids,
        &texts,
        &arrivals,
        b.reason.index(),
    );
    let obj: &Object = value.unchecked_ref();
    if m.options().collect_events {
        let events = Array::new();
        for (ctx, payload) in &b.frames {
            if let Some(frame) = frame_value(m, payload, &mut found) {
                push_events(&events, ctx, &frame);
            }
        }
        set(obj, "events", events);
        set(obj, "eventsTruncated", b.events_truncated);
    }
    if b.latest_truncated {
        set(obj, "latestTruncated", true);
    }
    (value, found)
}

/// Appends a frame's nested events (or the frame itself when it has none), each with
/// its context id.
fn push_events(out: &Array, ctx: &str, frame: &JsValue) {
    let data = Reflect::get(frame, &"data".into()).unwrap_or(JsValue::UNDEFINED);
    let nested = if data.is_object() { Reflect::get(&data, &"events".into()).unwrap_or(JsValue::UNDEFINED) } else { JsValue::UNDEFINED };
    let frame_type = Reflect::get(frame, &"type".into()).unwrap_or(JsValue::UNDEFINED);
    if Array::is_array(&nested) {
        for ev in Array::from(&nested).iter() {
            let e = Object::new();
            set(&e, "contextId", ctx);
            set(&e, "type", frame_type.clone());
            for key in ["kind", "data", "handler"] {
                let v = Reflect::get(&ev, &key.into()).unwrap_or(JsValue::UNDEFINED);
                if !v.is_undefined() {
                    set(&e, key, v);
                }
            }
            out.push(&e);
        }
    } else {
        let e = Object::new();
        set(&e, "contextId", ctx);
        set(&e, "type", frame_type.clone());
        set(&e, "kind", frame_type);
        set(&e, "data", data);
        out.push(&e);
    }
}

/// An `Error` with `code`, and `contextIds`/`closeCode` when they apply.
pub fn error_value(e: &SdkError) -> JsValue {
    let err = js_sys::Error::new(&e.message);
    let obj: &Object = err.as_ref();
    set(obj, "code", e.code.name());
    if !e.context_ids.is_empty() {
        let ids: Array = e.context_ids.iter().map(|s| JsValue::from_str(s)).collect();
        set(obj, "contextIds", ids);
    }
    if let Some(c) = e.close_code {
        set(obj, "closeCode", c);
    }
    err.into()
}

fn summary_value(s: &Summary) -> Object {
    let o = Object::new();
    set(&o, "count", s.count as f64);
    for (k, v) in [("min", s.min), ("max", s.max), ("mean", s.mean), ("p50", s.p50), ("p95", s.p95), ("p99", s.p99)] {
        set(&o, k, v);
    }
    o
}

/// The `onDegraded` notice.
pub fn alert_value(a: &Alert) -> JsValue {
    let o = Object::new();
    set(&o, "severity", a.severity.name());
    set(&o, "latencyMs", a.latency_ms);
    set(&o, "kind", a.kind.as_deref().map_or(JsValue::NULL, JsValue::from_str));
    o.into()
}

/// The `onHealth` notice.
pub fn health_value(h: Health, q: Quality) -> JsValue {
    let o = Object::new();
    set(&o, "health", h.name());
    set(&o, "connectionQuality", q.name());
    o.into()
}

/// The `stats()` snapshot.
pub fn stats_value(m: &mut Machine<Kept>, now: f64) -> JsValue {
    let fps = m.frames_per_second(now);
    let m = &*m;
    let s = m.stats();
    let o = Object::new();
    set(&o, "framesPerSecond", fps);
    set(&o, "status", m.status().name());
    set(&o, "framesReceived", s.frames_received as f64);
    set(&o, "bytesReceived", s.bytes_received as f64);
    set(&o, "framesBatched", s.frames_batched as f64);
    set(&o, "sideEvents", s.side_events as f64);
    set(&o, "batchesDelivered", s.batches_delivered as f64);
    let fpb = if s.batches_delivered > 0 { s.frames_batched as f64 / s.batches_delivered as f64 } else { 0.0 };
    set(&o, "framesPerBatch", fpb);
    set(&o, "largestBatch", s.largest_batch);
    set(&o, "refreshesSaved", s.refreshes_saved() as f64);
    set(&o, "framesDropped", s.frames_dropped as f64);
    set(&o, "errors", s.errors as f64);
    let by = Object::new();
    for code in ErrorCode::ALL {
        let n = s.errors_by_code[code.index()];
        if n > 0 {
            set(&by, code.name(), n as f64);
        }
    }
    set(&o, "errorsByCode", by);
    set(&o, "connectAttempts", s.connect_attempts as f64);
    set(&o, "reconnects", s.reconnects as f64);
    set(&o, "retries", m.retries());
    set(&o, "messagesSent", s.messages_sent as f64);
    set(&o, "messagesQueued", s.messages_queued as f64);
    set(&o, "messagesDropped", s.messages_dropped as f64);
    set(&o, "queued", m.queued() as u32);
    set(&o, "gaps", s.gaps as f64);
    set(&o, "duplicates", s.duplicates as f64);
    set(&o, "pendingFrames", m.pending_frames());
    let kinds = Object::new();
    for (id, n) in s.kinds_seen.iter().enumerate() {
        if *n > 0 {
            set(&kinds, m.rules().kind_name(id as u16), *n as f64);
        }
    }
    set(&o, "kindsSeen", kinds);
    let subs: Array = m.subscriptions().iter().map(|s| JsValue::from_str(s)).collect();
    set(&o, "subscriptions", subs);
    set(&o, "lastRttMs", m.last_rtt_ms().map_or(JsValue::NULL, JsValue::from_f64));
    set(&o, "memoryBytes", memory_bytes());
    let lat = m.latency();
    set(&o, "latency", summary_value(&lat.corrected.summary()));
    set(&o, "latencyRaw", summary_value(&lat.raw.summary()));
    let by_kind = Object::new();
    for (kind, sum) in lat.by_kind() {
        set(&by_kind, kind, summary_value(&sum));
    }
    set(&o, "latencyByKind", by_kind);
    set(&o, "rtt", summary_value(&lat.rtt.summary()));
    let hist = Object::new();
    let bounds: Array = crate::core::latency::HISTOGRAM_BOUNDS.iter().map(|&b| JsValue::from_f64(b)).collect();
    let counts: Array = lat.corrected.histogram().iter().map(|&c| JsValue::from(c)).collect();
    set(&hist, "boundsMs", bounds);
    set(&hist, "counts", counts);
    set(&o, "latencyHistogram", hist);
    set(&o, "clockOffsetMs", lat.offset.offset().map_or(JsValue::NULL, JsValue::from_f64));
    set(&o, "clockOffsetUncertaintyMs", lat.offset.uncertainty().map_or(JsValue::NULL, JsValue::from_f64));
    let (health, quality) = m.health();
    set(&o, "health", health.name());
    set(&o, "connectionQuality", quality.name());
    set(&o, "alertsRaised", m.alerts_raised() as f64);
    o.into()
}

/// Bytes of wasm linear memory in use (its current size).
pub fn memory_bytes() -> f64 {
    let mem: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let buf: js_sys::ArrayBuffer = mem.buffer().unchecked_into();
    buf.byte_length() as f64
}

use wasm_bindgen::JsCast;
