//! A baseline: a JSON report of an earlier run, against which this run's alarms are new
//! or unchanged, and the baseline's alarms that no longer alarm are resolved, where this
//! run looked; elsewhere (an account or region not scanned, a table that failed there)
//! they are not checked. A schedule that keeps its last report alerts only on change.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;

use super::runner::{Change, Finding, Outcome, Status};

/// The parts of a JSON report a baseline reads.
#[derive(Deserialize)]
struct Report {
    controls: Vec<ReportControl>,
}

#[derive(Deserialize)]
struct ReportControl {
    id: String,
    results: Vec<ReportFinding>,
}

#[derive(Deserialize)]
struct ReportFinding {
    resource: String,
    status: Status,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    account_id: String,
    #[serde(default)]
    region: String,
}

/// What identifies one resource's finding across runs.
type Key = (String, String, String);

fn key(resource: &str, account_id: &str, region: &str) -> Key {
    (resource.to_string(), account_id.to_string(), region.to_string())
}

/// Whether a finding is a problem someone knows of: an alarm, muted or not.
fn alarming(status: Status) -> bool {
    matches!(status, Status::Alarm | Status::Muted)
}

pub struct Baseline {
    /// Per control, its alarming findings in the baseline run.
    alarms: BTreeMap<String, Vec<ReportFinding>>,
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
        let report: Report = serde_json::from_str(&text)
            .map_err(|e| format!("baseline {}: not a JSON report of cove check ({e})", path.display()))?;
        let alarms = report
            .controls
            .into_iter()
            .map(|c| (c.id, c.results.into_iter().filter(|f| alarming(f.status)).collect()))
            .collect();
        Ok(Baseline { alarms })
    }

    /// Marks each alarm new or unchanged, and lists per control the baseline's alarms
    /// that this run no longer has: resolved where it looked, else not checked. Controls
    /// the baseline did not run have only new alarms.
    pub fn apply(&self, outcomes: &mut [Outcome]) {
        for outcome in outcomes {
            let before = self.alarms.get(&outcome.control.id).map(Vec::as_slice).unwrap_or_default();
            let known: BTreeSet<Key> = before.iter().map(|f| key(&f.resource, &f.account_id, &f.region)).collect();
            let mut now = BTreeSet::new();
            for finding in outcome.findings.iter_mut().filter(|f| alarming(f.status)) {
                let k = key(&finding.resource, &finding.account_id, &finding.region);
                finding.change = Some(if known.contains(&k) { Change::Unchanged } else { Change::New });
                now.insert(k);
            }
            let gone = before.iter().filter(|f| !now.contains(&key(&f.resource, &f.account_id, &f.region))).map(|f| {
                let (resource, reason) = (f.resource.clone(), f.reason.clone());
                Finding::new(resource, f.status, reason, f.account_id.clone(), f.region.clone())
            });
            (outcome.resolved, outcome.not_checked) =
                gone.partition(|f| outcome.checked.covers(&f.account_id, &f.region));
        }
    }
}

/// Alarms against the baseline, over all outcomes.
pub struct Changes {
    pub new: usize,
    pub unchanged: usize,
    pub resolved: usize,
    pub not_checked: usize,
}

pub fn changes(outcomes: &[Outcome]) -> Changes {
    let count = |change: Change| outcomes.iter().flat_map(|o| &o.findings).filter(|f| f.change == Some(change)).count();
    Changes {
        new: count(Change::New),
        unchanged: count(Change::Unchanged),
        resolved: outcomes.iter().map(|o| o.resolved.len()).sum(),
        not_checked: outcomes.iter().map(|o| o.not_checked.len()).sum(),
    }
}
