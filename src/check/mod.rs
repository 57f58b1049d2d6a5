//! `cove check`: saved compliance queries (controls) run across the estate, reported for
//! people and CI systems.

pub mod control;
pub mod report;
pub mod run;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use control::{Control, SeverityFilter};
pub use report::Format;

use crate::output::AtomicFile;

/// What `cove check` was asked to do, besides targeting.
pub struct Request {
    pub sources: Vec<String>,
    pub severity: Option<SeverityFilter>,
    pub control_ids: Vec<String>,
    pub vars: Vec<String>,
    pub format: Option<Format>,
    pub out: Option<PathBuf>,
}

/// The controls the request selects, validated: files parse, ids exist.
pub fn select(request: &Request) -> Result<Vec<Control>, String> {
    let controls = control::load(&request.sources)?;
    if let Some(unknown) = request.control_ids.iter().find(|id| !controls.iter().any(|c| &c.id == *id)) {
        return Err(format!("no control has the id {unknown} (see cove check --list)"));
    }
    let selected: Vec<Control> = controls
        .into_iter()
        .filter(|c| request.control_ids.is_empty() || request.control_ids.contains(&c.id))
        .filter(|c| request.severity.is_none_or(|s| s.admits(c.severity)))
        .collect();
    if selected.is_empty() {
        return Err("no control matches the filters".into());
    }
    Ok(selected)
}

/// `--var name=value` flags over the config file's `[vars]`.
pub fn vars(flags: &[String], config: &BTreeMap<String, String>) -> Result<BTreeMap<String, String>, String> {
    let mut vars = config.clone();
    for flag in flags {
        let (name, value) =
            flag.split_once('=').ok_or_else(|| format!("--var {flag}: give a variable as name=value"))?;
        vars.insert(name.trim().to_string(), value.to_string());
    }
    Ok(vars)
}

/// Where a report goes: a file that appears only once complete, or stdout.
pub enum Report {
    File(PathBuf, AtomicFile, File),
    Stdout,
}

impl Report {
    /// Opens `out` now, so an unwritable path fails before any AWS call.
    pub fn open(out: Option<&Path>) -> Result<Report, String> {
        Ok(match out {
            Some(path) => {
                let (atomic, file) = AtomicFile::create(path)?;
                Report::File(path.to_path_buf(), atomic, file)
            }
            None => Report::Stdout,
        })
    }

    pub fn write(self, text: &str) -> Result<(), String> {
        match self {
            Report::File(path, atomic, mut file) => {
                file.write_all(text.as_bytes()).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                atomic.commit(&file)
            }
            Report::Stdout => {
                crate::output::print(text);
                Ok(())
            }
        }
    }
}
