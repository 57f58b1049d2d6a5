//! Embeds the compact service models (`models/<service>.json`) and the declared table
//! files (`declared/<service>/<table>.toml`), so that adding a table is adding a file.

use std::fmt::Write;
use std::path::{Path, PathBuf};

fn main() {
    println!("cargo::rerun-if-changed=models");
    println!("cargo::rerun-if-changed=declared");
    let mut out = String::from("pub(crate) const MODELS: &[(&str, &str)] = &[\n");
    for file in files(Path::new("models"), "json") {
        let service = file.file_stem().unwrap_or_default().to_string_lossy().into_owned();
        writeln!(out, "    ({service:?}, include_str!({:?})),", absolute(&file)).unwrap();
    }
    out.push_str("];\npub(crate) const DECLARED: &[(&str, &str)] = &[\n");
    for folder in files(Path::new("declared"), "") {
        println!("cargo::rerun-if-changed={}", folder.display());
        for file in files(&folder, "toml") {
            let name = file.strip_prefix("declared").unwrap_or(&file).to_string_lossy().into_owned();
            writeln!(out, "    ({name:?}, include_str!({:?})),", absolute(&file)).unwrap();
        }
    }
    out.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("embedded.rs");
    std::fs::write(target, out).expect("write embedded.rs");
}

/// The entries of `folder` with the extension `extension` (folders when it is empty), sorted.
fn files(folder: &Path, extension: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> =
        std::fs::read_dir(folder).map(|entries| entries.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    found.retain(|p| if extension.is_empty() { p.is_dir() } else { p.extension().is_some_and(|e| e == extension) });
    found.sort();
    found
}

fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).expect("embedded file")
}
