//! Embeds the built-in control packs (every `controls/<pack>/*.sql` file) and benchmarks
//! (every `controls/benchmarks/*.toml`), so that adding either is adding a file.

use std::fmt::Write;
use std::path::Path;

fn main() {
    println!("cargo::rerun-if-changed=controls");
    let mut packs: Vec<_> = std::fs::read_dir("controls").expect("controls/").flatten().map(|e| e.path()).collect();
    packs.sort();
    let mut out = String::from("pub const BUILTIN: &[(&str, &str, &str)] = &[\n");
    let benchmarks = Path::new("controls").join("benchmarks");
    for pack in packs.iter().filter(|p| p.is_dir() && **p != benchmarks) {
        let mut files: Vec<_> = std::fs::read_dir(pack).expect("pack").flatten().map(|e| e.path()).collect();
        files.sort();
        for file in files.iter().filter(|f| f.extension().is_some_and(|e| e == "sql")) {
            let absolute = std::fs::canonicalize(file).expect("control path");
            let name = |p: &Path| p.file_name().unwrap_or_default().to_string_lossy().into_owned();
            writeln!(out, "    ({:?}, {:?}, include_str!({:?})),", name(pack), name(file), absolute).unwrap();
        }
    }
    out.push_str("];\n");
    out.push_str("pub const BENCHMARKS: &[(&str, &str)] = &[\n");
    let mut files: Vec<_> = std::fs::read_dir(&benchmarks).expect("benchmarks").flatten().map(|e| e.path()).collect();
    files.sort();
    for file in files.iter().filter(|f| f.extension().is_some_and(|e| e == "toml")) {
        let absolute = std::fs::canonicalize(file).expect("benchmark path");
        let name = file.file_name().unwrap_or_default().to_string_lossy().into_owned();
        writeln!(out, "    ({name:?}, include_str!({absolute:?})),").unwrap();
    }
    out.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("controls.rs");
    std::fs::write(target, out).expect("write controls.rs");
}
