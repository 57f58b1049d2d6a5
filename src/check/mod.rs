//! `cove check`: saved compliance queries (controls) run across the estate, reported for
//! people and CI systems.

pub mod baseline;
pub mod benchmark;
mod builtin;
pub mod control;
pub mod report;
pub mod runner;
pub mod siem;
pub mod sources;
pub mod suppress;

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Args;
use control::{Control, SeverityFilter};
use sources::Loaded;

use crate::output::{Format, REPORT_FORMATS};

/// What `cove check` was asked to do, besides targeting.
#[derive(Debug, Clone, Default, Args)]
pub struct Request {
    /// Built-in packs (aws) or benchmarks (cis_v300), .sql control files or folders of them
    /// (default: every built-in pack)
    pub sources: Vec<String>,
    /// Only controls of this severity, or with a trailing + of this severity or worse (high+)
    #[arg(long)]
    pub severity: Option<SeverityFilter>,
    /// Only the control with this id (repeatable)
    #[arg(long = "control", value_name = "ID")]
    pub control_ids: Vec<String>,
    /// Only controls tagged so: `--tag service=s3` matches the tag `service:s3`, `--tag public`
    /// the tag `public` (repeatable: the same key ORed, different keys ANDed)
    #[arg(long = "tag", value_name = "KEY[=VALUE]")]
    pub tags: Vec<String>,
    /// Set a control variable, e.g. --var required_tags=Owner,CostCenter (repeatable)
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,
    /// Report format (default: table, or what --out's extension implies)
    #[arg(short = 'o', long = "output", value_parser = Format::parser(REPORT_FORMATS))]
    pub format: Option<Format>,
    /// Write the report to this file, atomically (-o asff and a directory, DIR/: a file per
    /// Security Hub import call, one account and region and at most 100 findings each)
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Mute the alarms matched by this file's rules (repeatable; see docs/compliance.md)
    #[arg(long = "suppress", value_name = "FILE")]
    pub suppressions: Vec<PathBuf>,
    /// Compare with an earlier JSON report: alarms are new or unchanged, the report's
    /// alarms that are gone are resolved
    #[arg(long, value_name = "REPORT.json")]
    pub baseline: Option<PathBuf>,
    /// Which alarms make the run exit 1: any, or only those new against --baseline
    #[arg(long, value_enum, default_value = "any", requires = "baseline")]
    pub fail_on: FailOn,
    /// List the selected controls instead of running them
    #[arg(long)]
    pub list: bool,
    /// With --list: the reference as Markdown (docs/controls.md)
    #[arg(long, requires = "list")]
    pub markdown: bool,
}

/// Which alarms fail a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    #[default]
    Any,
    New,
}

impl Request {
    /// The report format: as asked, else what --out's extension implies, else a table.
    pub fn format(&self) -> Format {
        let implied = || self.out.as_deref().and_then(|path| Format::for_path(path, REPORT_FORMATS));
        self.format.or_else(implied).unwrap_or(Format::Table)
    }
}

/// The controls the request selects, validated: files parse, ids exist; and notes on
/// where they came from.
pub fn select(request: &Request) -> Result<Loaded, String> {
    let Loaded { controls, notes, benchmarks } = sources::load(&request.sources)?;
    if let Some(unknown) = request.control_ids.iter().find(|id| !controls.iter().any(|c| &c.id == *id)) {
        return Err(format!("no control has the id {unknown} (see cove check --list)"));
    }
    let selected: Vec<Control> = controls
        .into_iter()
        .filter(|c| request.control_ids.is_empty() || request.control_ids.contains(&c.id))
        .filter(|c| request.severity.is_none_or(|s| s.admits(c.severity)))
        .filter(|c| tagged(c, &request.tags))
        .collect();
    if selected.is_empty() {
        return Err("no control matches the filters".into());
    }
    Ok(Loaded { controls: selected, notes, benchmarks })
}

/// Whether the control carries the tags asked for: for each key asked, one of the values
/// asked (a key alone: any value, or none).
fn tagged(control: &Control, filters: &[String]) -> bool {
    let split = |text: &str, on: char| match text.split_once(on) {
        Some((key, value)) => (key.trim().to_string(), Some(value.trim().to_string())),
        None => (text.trim().to_string(), None),
    };
    let tags: Vec<(String, Option<String>)> = control.tags.iter().map(|t| split(t, ':')).collect();
    let mut by_key: BTreeMap<String, Vec<Option<String>>> = BTreeMap::new();
    for (key, value) in filters.iter().map(|f| split(f, '=')) {
        by_key.entry(key).or_default().push(value);
    }
    by_key.iter().all(|(key, values)| {
        values.iter().any(|wanted| tags.iter().any(|(k, v)| k == key && (wanted.is_none() || v == wanted)))
    })
}

/// `--var name=value` flags over the config file's `[vars]`, and a warning for each flag
/// no control of `controls` uses (a misspelt name would otherwise change nothing, silently).
pub fn vars(
    flags: &[String],
    config: &BTreeMap<String, String>,
    controls: &[Control],
) -> Result<(BTreeMap<String, String>, Vec<String>), String> {
    let mut vars = config.clone();
    let mut warnings = Vec::new();
    for flag in flags {
        let (name, value) =
            flag.split_once('=').ok_or_else(|| format!("--var {flag}: give a variable as name=value"))?;
        let name = name.trim();
        if !controls.iter().any(|c| c.uses(name)) {
            warnings.push(format!("--var {name}: no selected control uses it"));
        }
        vars.insert(name.to_string(), value.to_string());
    }
    Ok((vars, warnings))
}
