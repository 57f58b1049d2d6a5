//! The layout's promises, checked from the source: no import cycle between the modules
//! of either crate, the engine depends on no service SDK, the catalog not on DataFusion,
//! and the emulator leaves nothing in the checkout.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module path (`engine::scan`; the crate root is ``) -> the source of that module.
fn modules(root: &Path) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("source folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") || path == root.join("main.rs") {
                continue;
            }
            let relative = path.strip_prefix(root).expect("under root").with_extension("");
            let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
            if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
                parts.pop();
            }
            found.insert(parts.join("::"), std::fs::read_to_string(&path).expect("source file"));
        }
    }
    found
}

/// The flattened paths of every `use` statement in `source`, and every `crate::` or `super::` path in
/// code. Unit tests (a `#[cfg(test)]` module, last in the file) are not the structure.
fn referenced_paths(source: &str) -> Vec<String> {
    let source = source.split("#[cfg(test)]").next().unwrap_or(source);
    let code: String =
        source.lines().map(|l| if l.trim_start().starts_with("//") { "" } else { l }).collect::<Vec<_>>().join("\n");
    let mut paths = Vec::new();
    let mut lines = code.lines();
    while let Some(line) = lines.next() {
        let line = line.trim_start();
        let Some(tree) = ["use ", "pub use ", "pub(crate) use "].iter().find_map(|p| line.strip_prefix(p)) else {
            continue;
        };
        let mut statement = tree.to_string();
        while !statement.contains(';') {
            let Some(more) = lines.next() else { break };
            statement.push_str(more);
        }
        flatten("", statement.split(';').next().unwrap_or_default(), &mut paths);
    }
    for prefix in ["crate::", "super::"] {
        for (i, _) in code.match_indices(prefix) {
            let preceded =
                code[..i].chars().next_back().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':');
            if preceded {
                continue;
            }
            let tail: String =
                code[i..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':').collect();
            paths.push(tail.trim_end_matches(':').to_string());
        }
    }
    paths
}

/// `a::{b, c::{d}}` as `a::b`, `a::c::d`.
fn flatten(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    match tree.find('{') {
        Some(open) => {
            let head = format!("{prefix}{}", &tree[..open]);
            let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            let mut depth = 0;
            let mut item = String::new();
            for c in inner.chars().chain([',']) {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        if !item.trim().is_empty() {
                            flatten(&head, &item, out);
                        }
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
        }
        None => out.push(format!("{prefix}{}", tree.split(" as ").next().unwrap_or(tree).trim())),
    }
}

/// The module a path used in `module` names: the longest known module it starts with.
fn resolve(module: &str, path: &str, known: &BTreeMap<String, String>) -> Option<String> {
    let mut segments: Vec<&str> = Vec::new();
    let parts: Vec<&str> = path.split("::").collect();
    let own: Vec<&str> = if module.is_empty() { Vec::new() } else { module.split("::").collect() };
    let rest = match parts.first().copied() {
        Some("crate" | "$crate") => &parts[1..],
        Some("super") => {
            segments.extend(&own[..own.len().saturating_sub(1)]);
            &parts[1..]
        }
        Some("self") => {
            segments.extend(&own);
            &parts[1..]
        }
        Some(first) if known.contains_key(&[own.as_slice(), &[first]].concat().join("::")) => {
            segments.extend(&own);
            &parts[..]
        }
        _ => return None,
    };
    segments.extend(rest);
    (0..=segments.len()).rev().map(|n| segments[..n].join("::")).find(|m| known.contains_key(m))
}

fn cycles(root: &Path) -> Vec<Vec<String>> {
    let known = modules(root);
    let edges: BTreeMap<&String, BTreeSet<String>> = known
        .iter()
        .map(|(module, source)| {
            let targets = referenced_paths(source)
                .iter()
                .filter_map(|path| resolve(module, path, &known))
                .filter(|target| target != module)
                .collect();
            (module, targets)
        })
        .collect();
    let mut found = Vec::new();
    for start in known.keys() {
        // Depth-first from each module, looking for a way back to it.
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((at, trail)) = stack.pop() {
            for next in edges.get(&at).into_iter().flatten() {
                if next == start {
                    found.push(trail.clone());
                } else if seen.insert(next.clone()) {
                    stack.push((next.clone(), [trail.clone(), vec![next.clone()]].concat()));
                }
            }
        }
    }
    found
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn no_module_imports_its_way_back_to_itself() {
    for root in ["src", "tables/src"] {
        let found = cycles(&manifest_dir().join(root));
        let shown: Vec<String> = found.iter().map(|c| c.join(" -> ")).collect();
        assert!(found.is_empty(), "import cycles in {root}:\n{}", shown.join("\n"));
    }
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let dir = std::env::temp_dir().join(format!("cove-structure-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("b")).unwrap();
    std::fs::write(dir.join("lib.rs"), "mod a;\nmod b;\n").unwrap();
    std::fs::write(dir.join("a.rs"), "use crate::b::{X, c::Y};\n").unwrap();
    std::fs::write(dir.join("b/mod.rs"), "mod c;\npub struct X;\n").unwrap();
    std::fs::write(dir.join("b/c.rs"), "// use crate::a;\npub fn f() { crate::a::g() }\n").unwrap();
    let found = cycles(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(found, [vec!["a".to_string(), "b::c".to_string()], vec!["b::c".to_string(), "a".to_string()]]);
}

/// The names of the dependencies a manifest's `[dependencies]` table declares.
fn dependencies(manifest: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(manifest).expect("manifest");
    let table = text.split("\n[dependencies]\n").nth(1).expect("a [dependencies] table");
    let table = table.split("\n[").next().unwrap_or(table);
    table.lines().filter_map(|l| l.split(['=', '.']).next()).map(|n| n.trim().to_string()).collect()
}

#[test]
fn the_engine_knows_no_service_and_the_catalog_no_planner() {
    let engine = dependencies(&manifest_dir().join("Cargo.toml"));
    assert!(engine.iter().any(|d| d == "datafusion"), "{engine:?}");
    let sdks: Vec<&String> = engine.iter().filter(|d| d.starts_with("aws-sdk-")).collect();
    assert!(sdks.is_empty(), "the engine depends on service SDKs: {sdks:?}");
    let catalog = dependencies(&manifest_dir().join("tables/Cargo.toml"));
    assert!(catalog.iter().any(|d| d == "aws-sdk-ec2"), "{catalog:?}");
    assert!(!catalog.iter().any(|d| d.starts_with("datafusion")), "the catalog depends on DataFusion");
}

#[test]
fn the_emulator_records_outside_the_checkout() {
    crate::harness::cove(&["query", "SELECT count(*) FROM aws_vpc"]).assert_ok();
    assert!(!manifest_dir().join("moto_recording").exists(), "moto wrote its recording into the checkout");
}
