//! Fuzzes every decoder natively, on stable Rust: a seeded generator and mutator over
//! frames in every shape a server writes (tests/frame_corpus) feed the Calimero and json
//! decoders, their delivery step (normalize), the byte-array decoder, the JSON
//! validator and the options reader. Each input must not panic, and what the zero-copy
//! reader finds must agree with serde_json reading the same text: whether it is JSON at
//! all, and for events their scope, kinds, `seq` and timestamp. A delivered frame must
//! itself be JSON.
//!
//! The test command runs a short pass; `bash scripts/fuzz.sh [inputs]` runs the long one
//! (10 million inputs by default, release build) and prints inputs/s, panics and
//! disagreements (both must be 0). `FUZZ_INPUTS` and `FUZZ_SEED` set the run; a
//! disagreement prints its seed and index, so it replays.
#![cfg(not(target_arch = "wasm32"))]

mod frame_corpus;

use calimero_socket::engine::json::reader::validate;
use calimero_socket::engine::protocols::{calimero, json, EventClass, Inbound};
use frame_corpus::{input, Rng};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

/// A JSON value as serde_json reads it, keeping every member of an object in order
/// (duplicate keys included, so ambiguous texts can be told apart).
#[derive(Debug, Clone, PartialEq)]
enum Tree {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Tree>),
    Obj(Vec<(String, Tree)>),
}

struct TreeVisitor;

impl<'de> Visitor<'de> for TreeVisitor {
    type Value = Tree;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_unit<E>(self) -> Result<Tree, E> {
        Ok(Tree::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Tree, E> {
        Ok(Tree::Bool(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Tree, E> {
        Ok(Tree::Num(v as f64))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Tree, E> {
        Ok(Tree::Num(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Tree, E> {
        Ok(Tree::Num(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Tree, E> {
        Ok(Tree::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Tree, E> {
        Ok(Tree::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tree, A::Error> {
        let mut v = Vec::new();
        while let Some(x) = seq.next_element()? {
            v.push(x);
        }
        Ok(Tree::Arr(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tree, A::Error> {
        let mut v = Vec::new();
        while let Some((k, x)) = map.next_entry::<String, Tree>()? {
            v.push((k, x));
        }
        Ok(Tree::Obj(v))
    }
}

impl<'de> Deserialize<'de> for Tree {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Tree, D::Error> {
        d.deserialize_any(TreeVisitor)
    }
}

impl Tree {
    /// The member `key`; `Err` when the key stands more than once (ambiguous).
    fn get(&self, key: &str) -> Result<Option<&Tree>, ()> {
        let Tree::Obj(m) = self else { return Ok(None) };
        let mut found = m.iter().filter(|(k, _)| k == key).map(|(_, v)| v);
        let first = found.next();
        if found.next().is_some() {
            return Err(());
        }
        Ok(first)
    }
    fn str(&self) -> Option<&str> {
        match self {
            Tree::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// What the oracle expects of an event: scope and kinds (`None`: the text is ambiguous
/// for the fields the decoder reads, duplicate keys).
fn kinds_of(data: Option<&Tree>) -> Result<Vec<String>, ()> {
    let mut kinds = Vec::new();
    if let Some(Tree::Obj(_)) = data {
        if let Some(Tree::Arr(events)) = data.unwrap().get("events")? {
            for e in events {
                if let Some(Tree::Str(k)) = e.get("kind")? {
                    kinds.push(k.clone());
                }
            }
        }
    }
    Ok(kinds)
}

/// One disagreement, described.
type Finding = String;

fn check_calimero(text: &str, tree: &Option<Tree>) -> Result<(), Finding> {
    let decoded = calimero::decode(text);
    // Delivery is asked of event frames only, but must never panic on anything.
    let normalized = calimero::normalize_stamped(text, &["_server_timestamp".to_string()]);
    let Some(tree) = tree else {
        return match decoded {
            Ok(i) => Err(format!("not JSON to serde_json, but decoded as {i:?}")),
            Err(_) => Ok(()),
        };
    };
    let Ok(Some(result)) = tree.get("result") else { return Ok(()) };
    let Ok(Inbound::Event(e)) = decoded else {
        // serde_json sees an event (a result naming a context or group, and a type) where
        // the decoder does not: a key written with escapes, say.
        let named = |k| matches!(result.get(k), Ok(Some(Tree::Str(_))));
        let typed = matches!(result.get("type"), Ok(Some(Tree::Str(t))) if !t.is_empty());
        let plain_id = matches!(tree.get("error"), Ok(None));
        if plain_id && typed && (named("contextId") || named("groupId")) {
            return Err(format!("serde_json reads an event, the decoder {decoded:?}"));
        }
        return Ok(());
    };
    let (Ok(ctx), Ok(group), Ok(data)) = (result.get("contextId"), result.get("groupId"), result.get("data")) else { return Ok(()) };
    let scope = ctx.and_then(Tree::str).map(|s| (s, false)).or(group.and_then(Tree::str).map(|s| (s, true)));
    let Some((scope, is_group)) = scope else {
        return Err(format!("event with scope {:?}, serde_json finds none", e.scope));
    };
    if e.scope != scope || e.is_group != is_group {
        return Err(format!("scope {:?} (group {}), serde_json {scope:?} (group {is_group})", e.scope, e.is_group));
    }
    let Ok(kinds) = kinds_of(data) else { return Ok(()) };
    let ours: Vec<String> = e.kinds.iter().map(|k| k.value().into_owned()).collect();
    if ours != kinds {
        return Err(format!("kinds {ours:?}, serde_json {kinds:?}"));
    }
    if e.class == EventClass::State {
        match normalized {
            Ok((out, _)) if serde_json::from_str::<Tree>(&out).is_ok() => {}
            Ok((out, _)) => return Err(format!("delivered text is not JSON: {out}")),
            Err(err) => return Err(format!("event cannot be delivered: {err:?}")),
        }
    }
    Ok(())
}

fn check_json(text: &str, tree: &Option<Tree>) -> Result<(), Finding> {
    let path = ["_server_timestamp".to_string()];
    let decoded = json::decode(text, &path, "pong");
    let _ = json::normalize(text, &path);
    let Some(tree) = tree else {
        return match decoded {
            Ok(i) => Err(format!("not JSON to serde_json, but decoded as {i:?}")),
            Err(_) => Ok(()),
        };
    };
    let Ok(Inbound::Event(e)) = decoded else {
        // Every object with a string `type` is an event, but for the reply types.
        let event = matches!(tree.get("type"), Ok(Some(Tree::Str(t))) if !["pong", "subscribed", "unsubscribed", "error"].contains(&t.as_str()));
        if event && decoded.is_err() {
            return Err(format!("serde_json reads an event, the decoder {decoded:?}"));
        }
        return Ok(());
    };
    let (Ok(ty), Ok(ctx), Ok(seq), Ok(ts), Ok(data)) = (tree.get("type"), tree.get("contextId"), tree.get("seq"), tree.get("_server_timestamp"), tree.get("data")) else {
        return Ok(());
    };
    let want_scope = ctx.and_then(Tree::str).unwrap_or("");
    if e.scope != want_scope {
        return Err(format!("scope {:?}, serde_json {want_scope:?}", e.scope));
    }
    if e.event_type != ty.and_then(Tree::str).unwrap_or("") {
        return Err(format!("type {:?}, serde_json {ty:?}", e.event_type));
    }
    let num = |t: Option<&Tree>| match t {
        Some(Tree::Num(n)) => Some(*n),
        _ => None,
    };
    // The reader parses numbers itself (no core::float parsing in the wasm): exact for
    // integers up to 2^53, within a few units in the last place otherwise.
    let close = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs()),
        (a, b) => a == b,
    };
    if !close(e.seq, num(seq)) {
        return Err(format!("seq {:?}, serde_json {seq:?}", e.seq));
    }
    // A stamp that is there but no number reads as NaN (a bad stamp the machine reports);
    // `null` as no stamp.
    let stamp = match ts {
        Some(Tree::Num(n)) => Some(*n),
        None | Some(Tree::Null) => None,
        Some(_) => Some(f64::NAN),
    };
    let same_stamp = match (e.timestamp, stamp) {
        (Some(a), Some(b)) if a.is_nan() || b.is_nan() => a.is_nan() && b.is_nan(),
        (a, b) => close(a, b),
    };
    if !same_stamp {
        return Err(format!("timestamp {:?}, serde_json {ts:?}", e.timestamp));
    }
    let Ok(mut kinds) = kinds_of(data) else { return Ok(()) };
    let has_events = matches!(data, Some(d @ Tree::Obj(_)) if matches!(d.get("events"), Ok(Some(Tree::Arr(_)))));
    if !has_events {
        kinds = ty.and_then(Tree::str).map(|t| vec![t.to_string()]).unwrap_or_default();
    }
    let ours: Vec<String> = e.kinds.iter().map(|k| k.value().into_owned()).collect();
    if ours != kinds {
        return Err(format!("kinds {ours:?}, serde_json {kinds:?}"));
    }
    Ok(())
}

/// What serde_json makes of `text`: `Ok(Some)` a tree, `Ok(None)` not JSON, `Err` a text
/// the oracle cannot judge (a number beyond f64, which our reader reads as infinite).
fn oracle(text: &str) -> Result<Option<Tree>, ()> {
    match serde_json::from_str::<Tree>(text) {
        Ok(t) => Ok(Some(t)),
        Err(e) if e.to_string().contains("number out of range") => Err(()),
        Err(_) => Ok(None),
    }
}

struct Report {
    inputs: u64,
    panics: u64,
    disagreements: Vec<String>,
    unjudged: u64,
    secs: f64,
}

fn run(inputs: u64, seed: u64) -> Report {
    let mut rng = Rng::new(seed);
    let mut report = Report { inputs, panics: 0, disagreements: Vec::new(), unjudged: 0, secs: 0.0 };
    let started = Instant::now();
    for i in 0..inputs {
        let as_json = i % 3 == 2;
        let text = input(&mut rng, as_json);
        let outcome = catch_unwind(AssertUnwindSafe(|| -> Result<bool, Finding> {
            let tree = match oracle(&text) {
                Ok(t) => t,
                Err(()) => return Ok(false),
            };
            if validate(&text).is_ok() != tree.is_some() {
                return Err(format!("validate says {:?}, serde_json {}", validate(&text), if tree.is_some() { "JSON" } else { "not JSON" }));
            }
            let _ = calimero_socket::engine::options::read_options(&text);
            if text.starts_with('[') {
                let _ = calimero::decode_byte_array(&text);
            }
            if as_json { check_json(&text, &tree) } else { check_calimero(&text, &tree) }?;
            Ok(true)
        }));
        match outcome {
            Err(_) => {
                report.panics += 1;
                report.disagreements.push(format!("panic at seed {seed} input {i}: {text}"));
            }
            Ok(Err(why)) => report.disagreements.push(format!("seed {seed} input {i}: {why}\n  frame: {text}")),
            Ok(Ok(false)) => report.unjudged += 1,
            Ok(Ok(true)) => {}
        }
    }
    report.secs = started.elapsed().as_secs_f64();
    report
}

#[test]
fn every_decoder_agrees_with_serde_json_and_never_panics() {
    let inputs: u64 = std::env::var("FUZZ_INPUTS").ok().and_then(|v| v.parse().ok()).unwrap_or(30_000);
    let seed: u64 = std::env::var("FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(7);
    // Panics are caught and counted; keep their messages off the output.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let r = run(inputs, seed);
    std::panic::set_hook(hook);
    println!(
        "fuzz: {} inputs in {:.1} s ({:.0} inputs/s), panics {}, disagreements {}, not judged (numbers beyond f64) {}",
        r.inputs,
        r.secs,
        r.inputs as f64 / r.secs,
        r.panics,
        r.disagreements.len() as u64 - r.panics,
        r.unjudged
    );
    for d in r.disagreements.iter().take(std::env::var("FUZZ_SHOW").ok().and_then(|v| v.parse().ok()).unwrap_or(5)) {
        println!("  {d}");
    }
    assert!(r.disagreements.is_empty(), "{} findings (first above)", r.disagreements.len());
}

#[test]
fn keys_written_with_escapes_are_the_same_keys() {
    // `\u0063ontextId` is `contextId`, `\u006bind` is `kind`: found by this fuzzer.
    let plain = r#"{"id":null,"result":{"contextId":"c1","type":"StateMutation","data":{"events":[{"kind":"MessageSent","data":[]}]}}}"#;
    let escaped = r#"{"id":null,"result":{"\u0063ontextId":"c1","\u0074ype":"StateMutation","data":{"\u0065vents":[{"\u006bind":"MessageSent","data":[]}]}}}"#;
    assert_eq!(calimero::decode(plain), calimero::decode(escaped));
    let path = ["_server_timestamp".to_string()];
    let plain = r#"{"type":"ChatJoined","contextId":"c","seq":3,"_server_timestamp":1764590000123}"#;
    let escaped = r#"{"\u0074ype":"ChatJoined","contextI\u0064":"c","se\u0071":3,"_server_timestamp":1764590000123}"#;
    assert_eq!(json::decode(plain, &path, "pong"), json::decode(escaped, &path, "pong"));
}
