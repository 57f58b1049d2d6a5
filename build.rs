//! Embeds the built-in control packs (every `controls/<pack>/*.sql` file), benchmarks
//! (every `controls/benchmarks/*.toml`) and the views controls share (every
//! `controls/views/*.sql`), so that adding any of them is adding a file.

use std::fmt::Write;
use std::path::Path;

fn main() {
    println!("cargo::rerun-if-changed=controls");
    let mut packs: Vec<_> = std::fs::read_dir("controls").expect("controls/").flatten().map(|e| e.path()).collect();
    packs.sort();
    let mut out = String::from("pub const BUILTIN: &[(&str, &str, &str)] = &[\n");
    let benchmarks = Path::new("controls").join("benchmarks");
    let views = Path::new("controls").join("views");
    for pack in packs.iter().filter(|p| p.is_dir() && **p != benchmarks && **p != views) {
        let mut files: Vec<_> = std::fs::read_dir(pack).expect("pack").flatten().map(|e| e.path()).collect();
        files.sort();
        for file in files.iter().filter(|f| f.extension().is_some_and(|e| e == "sql")) {
            let absolute = std::fs::canonicalize(file).expect("control path");
            let name = |p: &Path| p.file_name().unwrap_or_default().to_string_lossy().into_owned();
            writeln!(out, "    ({:?}, {:?}, include_str!({:?})),", name(pack), name(file), absolute).unwrap();
        }
    }
    out.push_str("];\n");
    embed_folder(&mut out, "BENCHMARKS", &benchmarks, "toml");
    embed_folder(&mut out, "VIEWS", &views, "sql");
    let target = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("controls.rs");
    std::fs::write(target, out).expect("write controls.rs");
}

/// `pub const NAME: &[(file name, text)]` of the `extension` files in `folder`.
fn embed_folder(out: &mut String, name: &str, folder: &Path, extension: &str) {
    writeln!(out, "pub const {name}: &[(&str, &str)] = &[").unwrap();
    let mut files: Vec<_> = std::fs::read_dir(folder).expect("controls folder").flatten().map(|e| e.path()).collect();
    files.sort();
    for file in files.iter().filter(|f| f.extension().is_some_and(|e| e == extension)) {
        let absolute = std::fs::canonicalize(file).expect("embedded file path");
        let file_name = file.file_name().unwrap_or_default().to_string_lossy().into_owned();
        writeln!(out, "    ({file_name:?}, include_str!({absolute:?})),").unwrap();
    }
    out.push_str("];\n");
}
