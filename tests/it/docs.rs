//! Generated docs stay in step with the catalog.

use std::process::Command;

#[test]
fn docs_tables_md_is_current() {
    let out = Command::new(env!("CARGO_BIN_EXE_cove")).args(["tables", "--markdown"]).output().expect("run cove");
    assert!(out.status.success());
    let generated = String::from_utf8(out.stdout).expect("utf-8");
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/tables.md")).unwrap_or_default();
    assert!(generated == committed, "docs/tables.md is stale: run `cargo run -- tables --markdown > docs/tables.md`");
}

#[test]
fn docs_controls_md_is_current() {
    let out =
        Command::new(env!("CARGO_BIN_EXE_cove")).args(["check", "--list", "--markdown"]).output().expect("run cove");
    assert!(out.status.success());
    let generated = String::from_utf8(out.stdout).expect("utf-8");
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/controls.md")).unwrap_or_default();
    assert!(
        generated == committed,
        "docs/controls.md is stale: run `cargo run -- check --list --markdown > docs/controls.md`"
    );
}
