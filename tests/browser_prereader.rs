//! The fast path never disagrees: the JS pre-reader (`src/web/frame_scan.js`) and the
//! Rust decoder read the same frames, in the browser. Whenever the pre-reader takes a
//! frame itself, the decoder must find a valid StateMutation event with the same
//! context id and the same kinds, in order, and be able to deliver it; every other
//! frame is handed to the decoder, which is always right. Frames: generated ones over
//! every kind, Python's `", "` / `": "` white space, pretty-printed, shuffled keys, `\u`
//! escapes, non-ASCII, kinds outside `events[]`, events that are not objects, and
//! truncated and corrupted texts (tests/frame_corpus).
#![cfg(target_arch = "wasm32")]

#[path = "frame_corpus/mod.rs"]
mod frame_corpus;

use calimero_socket::engine::protocols::calimero::{decode, normalize};
use calimero_socket::engine::options::{Options, Profile};
use calimero_socket::engine::protocols::{EventClass, Inbound, Protocol, ProtocolKind};
use calimero_socket::FrameScanner;
use frame_corpus::*;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// What the pre-reader did with the last frame.
#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    None,
    /// Taken: the context id and kind ids it read.
    Fast { ctx: u32, kinds: Vec<u32>, units: u32 },
    /// Handed to the decoder.
    Slow,
}

/// The pre-reader's fast outlet: `(now, ctx | n << 16, units, k0, k1, k2, k3, text)`.
type FastFn = dyn FnMut(f64, u32, u32, u32, u32, u32, u32, JsValue);

struct Probe {
    scanner: FrameScanner,
    last: Rc<RefCell<Verdict>>,
    _fast: Closure<FastFn>,
    _slow: Closure<dyn FnMut(f64, JsValue)>,
}

impl Probe {
    fn new(max_units: f64) -> Probe {
        let scanner = FrameScanner::new();
        let last = Rc::new(RefCell::new(Verdict::None));
        let l = last.clone();
        let fast = Closure::<FastFn>::new(move |_now, packed: u32, units, k0, k1, k2, k3, _text| {
            let n = (packed >> 16) as usize;
            *l.borrow_mut() = Verdict::Fast { ctx: packed & 0xffff, kinds: [k0, k1, k2, k3][..n].to_vec(), units };
        });
        let l = last.clone();
        let slow = Closure::<dyn FnMut(f64, JsValue)>::new(move |_now, _data| *l.borrow_mut() = Verdict::Slow);
        // The reader the Calimero protocol names for itself.
        let reader = Protocol::new(ProtocolKind::Calimero, &Options::defaults("ws://h", Profile::Default).codec_settings()).pre_reader(1e9).expect("calimero has a pre-reader").name;
        scanner.bind(fast.as_ref(), slow.as_ref(), &JsValue::UNDEFINED, reader, max_units);
        Probe { scanner, last, _fast: fast, _slow: slow }
    }

    fn scan(&self, text: &str) -> Verdict {
        *self.last.borrow_mut() = Verdict::None;
        self.scanner.scan(&JsValue::from_str(text));
        self.last.borrow().clone()
    }
}

/// Checks one frame; returns whether the pre-reader took it, or the disagreement.
fn check(p: &Probe, text: &str) -> Result<bool, String> {
    match p.scan(text) {
        Verdict::None => Err("the pre-reader called neither outlet".into()),
        Verdict::Slow => Ok(false),
        Verdict::Fast { ctx, kinds, units } => {
            let names: Vec<String> = kinds.iter().map(|k| p.scanner.name(*k)).collect();
            let scope = p.scanner.name(ctx);
            if units as usize != text.encode_utf16().count() {
                return Err(format!("length {units} reported for {} units", text.encode_utf16().count()));
            }
            match decode(text) {
                Ok(Inbound::Event(e)) => {
                    let rust_kinds: Vec<String> = e.kinds.iter().map(|k| k.value().into_owned()).collect();
                    if e.class != EventClass::State || e.event_type != "StateMutation" || e.is_group {
                        return Err(format!("taken, but the decoder reads a {:?} {:?}", e.class, e.event_type));
                    }
                    if e.scope != scope || rust_kinds != names {
                        return Err(format!("pre-reader {scope:?} {names:?}, decoder {:?} {rust_kinds:?}", e.scope));
                    }
                    normalize(text).map(|_| true).map_err(|e| format!("taken, but it cannot be delivered: {e:?}"))
                }
                other => Err(format!("taken, but the decoder says {other:?}")),
            }
        }
    }
}

fn run(p: &Probe, text: &str) -> bool {
    match check(p, text) {
        Ok(fast) => fast,
        Err(why) => panic!("pre-reader and decoder disagree: {why}\nframe: {text}"),
    }
}

#[wasm_bindgen_test]
fn the_nodes_own_frames_take_the_fast_path() {
    let p = Probe::new(1e6);
    let mut rng = Rng::new(1);
    let mut taken = 0;
    for kind in KINDS {
        let mut f = state_mutation(&mut rng);
        // The canonical shape: one event of this kind, byte data, compact, node key order.
        f = match f {
            J::Obj(mut top) => {
                let J::Obj(result) = &mut top[1].1 else { unreachable!() };
                result.retain(|(k, _)| k != "kind");
                result[0].1 = J::s(CONTEXTS[0]);
                result[2].1 = J::obj(&[
                    ("newRoot", J::s("5rMQrAzDE7zUqB8WQoE1GbNQdWu47yZ3Y5qiHEYrTDhs")),
                    ("events", J::Arr(vec![J::obj(&[("kind", J::s(kind)), ("data", bytes("{\"a\":1}")), ("handler", J::Null)])])),
                ]);
                J::Obj(top)
            }
            _ => unreachable!(),
        };
        taken += run(&p, &f.write(Style::Compact, false)) as usize;
    }
    assert_eq!(taken, KINDS.len(), "every kind in the node's own shape is pre-read");
    // No events (the root changed), four events, a string handler: still pre-read.
    let ctx = CONTEXTS[1];
    for events in [
        "[]".to_string(),
        ["MessageSent", "DMCreated", "ChatJoined", "MessageSent"].map(|k| format!(r#"{{"kind":"{k}","data":[123,125],"handler":null}}"#)).join(","),
        r#"{"kind":"MessageSent","data":[],"handler":"onMessage"}"#.to_string(),
    ] {
        let events = if events.starts_with('[') { events } else { format!("[{events}]") };
        let text = format!(r#"{{"id":null,"result":{{"contextId":"{ctx}","type":"StateMutation","data":{{"newRoot":"5NqZ","events":{events}}}}}}}"#);
        assert!(run(&p, &text), "pre-read: {text}");
    }
}

#[wasm_bindgen_test]
fn a_kind_outside_events_is_never_a_kind() {
    let p = Probe::new(1e6);
    let ctx = CONTEXTS[0];
    // The case seen on main: `data.meta.kind` was read as an event kind (dms: true).
    let meta = format!(r#"{{"id":null,"result":{{"contextId":"{ctx}","type":"StateMutation","data":{{"newRoot":"5NqZ","events":[{{"kind":"MessageSent","data":[1],"handler":null}}],"meta":{{"kind":"DMCreated"}}}}}}}}"#);
    assert!(!run(&p, &meta), "handed to the decoder");
    assert_eq!(decode(&meta).map(|i| match i {
        Inbound::Event(e) => e.kinds.iter().map(|k| k.value().into_owned()).collect::<Vec<_>>(),
        _ => vec![],
    }), Ok(vec!["MessageSent".to_string()]));
    // Garbage between the head and the tail was taken as a frame.
    let garbage = format!(r#"{{"id":null,"result":{{"contextId":"{ctx}","type":"StateMutation","data":{{"newRoot":"x","events":[{{"kind":"MessageSent","data":[1,,2],"handler":null}}]}}}}}}"#);
    assert!(!run(&p, &garbage));
}

#[wasm_bindgen_test]
fn generated_and_corrupted_frames_never_disagree() {
    let p = Probe::new(1e6);
    let (mut fast, mut slow) = (0u32, 0u32);
    for seed in 0..4u64 {
        let mut rng = Rng::new(100 + seed);
        for _ in 0..5000 {
            let text = input(&mut rng, false);
            if run(&p, &text) {
                fast += 1;
            } else {
                slow += 1;
            }
        }
    }
    // Both outlets were exercised: the check above was not vacuous.
    assert!(fast > 1000 && slow > 1000, "fast {fast}, slow {slow}");
}

#[wasm_bindgen_test]
fn frames_over_a_third_of_the_byte_limit_are_measured_by_the_decoder() {
    // A non-ASCII frame may be longer in UTF-8 bytes than in UTF-16 units: the
    // pre-reader takes only frames that fit even at three bytes per unit.
    let ctx = CONTEXTS[0];
    let text = format!(r#"{{"id":null,"result":{{"contextId":"{ctx}","type":"StateMutation","data":{{"newRoot":"5NqZ","events":[]}}}}}}"#);
    let units = text.encode_utf16().count() as f64;
    assert!(run(&Probe::new(units), &text));
    assert!(!run(&Probe::new(units - 1.0), &text));
}

#[path = "frame_corpus/byte_arrays.rs"]
mod byte_arrays;

#[wasm_bindgen_test]
fn byte_arrays_at_the_edges_of_the_grammar() {
    let p = Probe::new(1e6);
    for &(array, fast) in byte_arrays::BYTE_ARRAYS {
        for (handler, n) in [("null", 1), ("\"h\"", 1), ("null", 4), ("\"h\"", 3)] {
            let text = byte_arrays::frame_with(array, handler, n);
            assert_eq!(run(&p, &text), fast, "pre-read? {text}");
        }
        // The array in the last of four events only, after three plain ones.
        let plain = byte_arrays::frame_with("[1,2]", "null", 3);
        let text = format!("{},{{\"kind\":\"DMCreated\",\"data\":{array},\"handler\":null}}]}}}}}}", &plain[..plain.len() - 4]);
        assert_eq!(run(&p, &text), fast, "pre-read? {text}");
    }
    // Five events are never pre-read, whatever their data.
    assert!(!run(&p, &byte_arrays::frame_with("[1]", "null", 5)));
}
