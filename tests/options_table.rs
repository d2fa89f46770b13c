//! The options table (src/engine/options/mod.rs) is the one declaration of every option;
//! the TypeScript types and the README must say the same: every option, its type and
//! its default, and no option that does not exist.
#![cfg(not(target_arch = "wasm32"))]

use calimero_socket::engine::options::{read_options, Options, Profile, KNOWN, TABLE};
use std::collections::BTreeMap;

fn read(path: &str) -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/").to_string() + path).unwrap()
}

/// `name -> (type, doc)` of every member of `interface SocketManagerOptions`.
fn ts_options() -> BTreeMap<String, (String, String)> {
    let dts = read("js/index.d.ts");
    let start = dts.find("export interface SocketManagerOptions").expect("SocketManagerOptions in js/index.d.ts");
    let body = &dts[start..];
    let body = &body[body.find('{').unwrap() + 1..body.find("\n}").unwrap()];
    let mut out = BTreeMap::new();
    let mut doc = String::new();
    let mut in_doc = false;
    for line in body.lines().map(str::trim) {
        if line.starts_with("/**") {
            in_doc = true;
            doc.clear();
        }
        if in_doc {
            doc.push_str(line.trim_start_matches("/**").trim_start_matches('*').trim_end_matches("*/").trim());
            doc.push(' ');
            in_doc = !line.ends_with("*/");
            continue;
        }
        if let Some((name, ty)) = line.split_once(':') {
            let name = name.trim().trim_end_matches('?').to_string();
            let ty = ty.trim().trim_end_matches(';').trim().to_string();
            out.insert(name, (ty, std::mem::take(&mut doc)));
        }
    }
    out
}

#[test]
fn js_index_d_ts_declares_every_option_with_its_type_and_default() {
    let ts = ts_options();
    let keys: Vec<&str> = ts.keys().map(String::as_str).collect();
    let mut known: Vec<&str> = KNOWN.to_vec();
    known.sort();
    assert_eq!(keys, known, "the options in js/index.d.ts and in the table");
    for row in TABLE {
        let (ty, doc) = &ts[row.key];
        assert_eq!(ty, row.ts, "TypeScript type of {}", row.key);
        let phrase = match row.default {
            "required" => "Required.".to_string(),
            d if d.chars().next().is_some_and(|c| c.is_ascii_lowercase()) && d != "false" && d != "true" => format!("Default {d}."),
            d => format!("Default `{d}`."),
        };
        assert!(doc.contains(&phrase), "js/index.d.ts documents {} as {doc:?}; the table's default is {phrase:?}", row.key);
    }
}

#[test]
fn the_readme_options_table_lists_every_option_with_its_default() {
    let readme = read("README.md");
    let start = readme.find("| option | default | meaning |").expect("the README's options table");
    let mut rows = BTreeMap::new();
    for line in readme[start..].lines().skip(2) {
        if !line.starts_with('|') {
            break;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        rows.insert(cells[1].trim_matches('`').to_string(), cells[2].to_string());
    }
    let mut keys: Vec<&str> = rows.keys().map(String::as_str).collect();
    keys.sort();
    let mut known: Vec<&str> = KNOWN.to_vec();
    known.sort();
    assert_eq!(keys, known, "the options in the README and in the table");
    for row in TABLE {
        let cell = rows[row.key].replace('`', "");
        assert!(cell.starts_with(row.default), "README gives {} the default {cell:?}; the table {:?}", row.key, row.default);
    }
}

#[test]
fn every_row_is_read_into_its_own_field() {
    // A value for one option changes that option's field and no other: each row's
    // reader writes its own field (no arm can write another).
    let base = Options::defaults("ws://h", Profile::Default).fields();
    // socketio's own options are read with a socketio manager as the base.
    let sio_base = read_options(r#"{"url":"http://h","protocol":"socketio"}"#).unwrap().fields();
    // sendBatchMs does not apply to calimero (the default protocol): read with json.
    let json_base = read_options(r#"{"url":"ws://h","protocol":"json"}"#).unwrap().fields();
    let samples: &[(&str, &str)] = &[
        ("protocol", "\"json\""),
        ("token", "\"t\""),
        ("contextIds", "[\"a\"]"),
        ("refreshRules", "{\"K\":[\"f\"]}"),
        ("criticalKinds", "[\"K\"]"),
        ("collectEvents", "true"),
        ("shareAcrossTabs", "true"),
        ("debug", "true"),
        ("reconnect", "false"),
        ("pingMessage", "\"p\""),
        ("pongType", "\"q\""),
        ("queueOverflow", "\"rejectNew\""),
        ("timestampField", "\"ts\""),
        ("namespaces", "[\"/guild/1\"]"),
        ("path", "\"/io/\""),
        ("query", "{\"v\":2}"),
        ("auth", "{\"token\":\"t\"}"),
        ("payloadEncoding", "{\"e\":\"base64json\"}"),
        ("probeEvent", "\"ping\""),
        ("probeReplyEvent", "\"p2\""),
        ("sendBatchEvent", "\"b2\""),
    ];
    for row in TABLE.iter().filter(|r| r.key != "url") {
        // Numbers: the first candidate inside the option's range and the others' rules.
        let candidates: Vec<String> = match samples.iter().find(|(k, _)| *k == row.key) {
            Some((_, v)) => vec![v.to_string()],
            None => ["300000", "7", "2.5", "64000"].map(String::from).to_vec(),
        };
        let (prefix, base) = if row.doc.starts_with("socketio:") {
            (r#""url":"http://h","protocol":"socketio""#, &sio_base)
        } else if row.key == "sendBatchMs" {
            (r#""url":"ws://h","protocol":"json""#, &json_base)
        } else {
            (r#""url":"ws://h""#, &base)
        };
        let o = candidates
            .iter()
            .find_map(|v| read_options(&format!(r#"{{{prefix},"{}":{v}}}"#, row.key)).ok())
            .unwrap_or_else(|| panic!("no sample value for {}", row.key));
        let changed: Vec<&str> = o.fields().iter().zip(base).filter(|(a, b)| a != b).map(|(a, _)| a.0).collect();
        assert_eq!(changed, [row.key], "setting {} changed {changed:?}", row.key);
    }
}
