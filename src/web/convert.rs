//! Core values as JS values: batches, side events, errors and the stats snapshot.
//! Frames become JS objects only here, when delivered: the core's normalized JSON text
//! of each latest frame goes through one `JSON.parse`.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::engine::delivery::batcher::Batch;
use crate::engine::errors::{ErrorCode, SdkError};
use crate::engine::machine::Machine;
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
    /// A binary packet's attachments (an array of ArrayBuffers), else undefined.
    pub attachments: JsValue,
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
    match m.normalize_stamped(&text) {
        Ok((normalized, stamp)) => {
            if let Some((ts, kind)) = stamp {
                found.stamps.push((kept.at, ts, kind));
            }
            match JSON::parse(&normalized) {
                Ok(v) if !kept.attachments.is_undefined() => Some(fill_placeholders(&v, &kept.attachments)),
                Ok(v) => Some(v),
                Err(_) => {
                    found.errors.push(SdkError::new(ErrorCode::BadFrame, "frame could not be parsed"));
                    None
                }
            }
        }
        Err(e) => {
            found.errors.push(SdkError::new(ErrorCode::BadFrame, crate::cat!(e)));
            None
        }
    }
}

#[wasm_bindgen(module = "/src/web/batch_object.js")]
extern "C" {
    /// Builds batch objects in JS from numbers (see `batch_object.js`).
    pub type BatchBuilder;
    /// Puts `buffers[k]` in place of each `{"_placeholder":true,"num":k}` in `value`.
    #[wasm_bindgen(js_name = fillPlaceholders)]
    fn fill_placeholders(value: &JsValue, buffers: &JsValue) -> JsValue;
    #[wasm_bindgen(constructor)]
    pub fn new(flag_names: &Array, decode: &JsValue, scanner: &JsValue) -> BatchBuilder;
    #[wasm_bindgen(method)]
    fn kind(this: &BatchBuilder, id: u32, name: &str);
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
        other_ids: JsValue,
        texts: Vec<JsValue>,
        arrivals: &[f64],
        attachments: Vec<JsValue>,
        reason: u32,
    ) -> JsValue;
}

/// `value` with the attachments (an array of ArrayBuffers) in place of its placeholders.
#[cfg(feature = "socketio")]
pub fn with_attachments(value: &JsValue, attachments: &JsValue) -> JsValue {
    fill_placeholders(value, attachments)
}

/// A builder for `m`'s batches: its flag names, and `decode` for `latest`.
pub fn batch_builder(m: &Machine<Kept>, decode: &JsValue, scanner: &JsValue) -> BatchBuilder {
    let names: Array = m.rules().flag_names().map(JsValue::from_str).collect();
    BatchBuilder::new(&names, decode, scanner)
}

/// The batch object handed to `onBatch`, and what was found while building it.
/// `known_kinds` counts the kind names the builder has (each reaches JS once).
pub fn batch_value(m: &Machine<Kept>, b: &Batch<Kept>, builder: &BatchBuilder, known_kinds: &mut usize) -> (JsValue, Found) {
    let mut found = Found::default();
    let rules = m.rules();
    for id in *known_kinds..rules.kind_count() {
        builder.kind(id as u32, rules.kind_name(id as u16));
    }
    *known_kinds = rules.kind_count();
    let mut kinds = Vec::with_capacity(b.kinds.len() * 2);
    for &(id, n) in &b.kinds {
        kinds.push(id as u32);
        kinds.push(n);
    }
    // Context names the scanner read go as its ids (JS has their strings already).
    let mut ctx_ids = Vec::with_capacity(b.latest.len());
    let mut other_ids: Vec<JsValue> = Vec::new();
    let mut texts = Vec::with_capacity(b.latest.len());
    let mut arrivals = Vec::with_capacity(b.latest.len());
    let mut attachments: Vec<JsValue> = Vec::new();
    for (i, (ctx, payload)) in b.latest.iter().enumerate() {
        if !payload.attachments.is_undefined() {
            attachments.resize(i, JsValue::UNDEFINED);
            attachments.push(payload.attachments.clone());
        }
        ctx_ids.push(payload.ctx);
        if payload.ctx < 0 {
            other_ids.push(JsValue::from_str(ctx));
        }
        texts.push(payload.text.clone());
        arrivals.push(payload.at);
    }
    let resync = b.resync();
    let value = builder.build(
        b.size,
        b.flags as u32,
        (b.flags >> 32) as u32 & 0x7fff_ffff,
        resync,
        &kinds,
        &ctx_ids,
        // Names the scanner did not read (rare): an array only when there are some.
        if other_ids.is_empty() { JsValue::UNDEFINED } else { other_ids.into_iter().collect::<Array>().into() },
        texts,
        &arrivals,
        attachments,
        b.reason.index(),
    );
    let obj: &Object = value.unchecked_ref();
    if !b.resync_scopes.is_empty() {
        // socketio: the namespaces whose session was not recovered.
        let scopes: Array = b.resync_scopes.iter().map(|s| JsValue::from_str(s)).collect();
        set(obj, "resyncContexts", scopes);
    }
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
    let frame_type = Reflect::get(frame, &"type".into()).unwrap_or(JsValue::UNDEFINED);
    if frame_type.is_undefined() && frame.is_object() {
        // An event frame delivered as `{name: [...args]}` (socketio): one event per name.
        let obj: &Object = frame.unchecked_ref();
        for key in Object::keys(obj).iter() {
            let e = Object::new();
            set(&e, "contextId", ctx);
            set(&e, "kind", key.clone());
            set(&e, "args", Reflect::get(frame, &key).unwrap_or(JsValue::UNDEFINED));
            out.push(&e);
        }
        return;
    }
    let data = Reflect::get(frame, &"data".into()).unwrap_or(JsValue::UNDEFINED);
    let nested = if data.is_object() { Reflect::get(&data, &"events".into()).unwrap_or(JsValue::UNDEFINED) } else { JsValue::UNDEFINED };
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

/// An `Error` with `code`, and `contextIds`/`closeCode`/`data` when they apply.
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
    if let Some(d) = &e.data {
        set(obj, "data", JSON::parse(d).unwrap_or(JsValue::NULL));
    }
    err.into()
}

/// The `stats()` snapshot (written by the core as JSON text).
pub fn stats_value(m: &mut Machine<Kept>, now: f64) -> JsValue {
    let text = crate::engine::machine::snapshot::stats_json(m, now, memory_bytes());
    JSON::parse(&text).unwrap_or(JsValue::NULL)
}

/// Bytes of wasm linear memory in use (its current size).
pub fn memory_bytes() -> f64 {
    let mem: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    let buf: js_sys::ArrayBuffer = mem.buffer().unchecked_into();
    buf.byte_length() as f64
}

use wasm_bindgen::JsCast;
