//! The engine's folders depend on each other without a cycle: each top-level part of
//! `src/engine` names (`crate::engine::<part>`) only parts below it, so the tree reads
//! from the leaves (float, text, time, json) up to the machine. Test code and comments
//! are not counted.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// `part -> parts it names`, from the sources.
fn dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/engine");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let rel = f.strip_prefix(&root).unwrap();
        let part = rel.iter().next().unwrap().to_string_lossy().trim_end_matches(".rs").to_string();
        if part == "mod" {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        let code = text.split("#[cfg(test)]\nmod tests").next().unwrap();
        for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for (i, _) in line.match_indices("crate::engine::") {
                let name: String = line[i + 15..].chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').collect();
                if !name.is_empty() && name != part {
                    deps.entry(part.clone()).or_default().insert(name);
                }
            }
        }
        deps.entry(part).or_default();
    }
    deps
}

#[test]
fn the_engine_parts_have_no_import_cycle() {
    let deps = dependencies();
    assert!(deps.contains_key("machine") && deps.contains_key("protocols"), "the engine's parts were found: {deps:?}");
    // Depth-first search for a path back to where it started.
    fn visit(n: &str, deps: &BTreeMap<String, BTreeSet<String>>, path: &mut Vec<String>) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == n) {
            let mut cycle = path[i..].to_vec();
            cycle.push(n.to_string());
            return Some(cycle);
        }
        path.push(n.to_string());
        for d in deps.get(n).into_iter().flatten() {
            if let Some(c) = visit(d, deps, path) {
                return Some(c);
            }
        }
        path.pop();
        None
    }
    for part in deps.keys() {
        if let Some(cycle) = visit(part, &deps, &mut Vec::new()) {
            panic!("import cycle in src/engine: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn only_the_machine_ties_the_parts_together() {
    let deps = dependencies();
    for (part, uses) in &deps {
        assert!(part == "machine" || !uses.contains("machine"), "{part} depends on the machine");
    }
    for leaf in ["float", "time"] {
        assert!(deps.get(leaf).is_none_or(|d| d.is_empty()), "{leaf} is a leaf: {:?}", deps.get(leaf));
    }
}
