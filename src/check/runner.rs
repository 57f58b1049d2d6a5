//! Running controls: planned up front (so a malformed one stops the run before any AWS
//! call), then executed concurrently over one engine, whose cache lets every control
//! share each scan.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use cove_tables::Scope;
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionContext;
use futures::TryStreamExt;
use futures::stream::{self, StreamExt};

use super::builtin::VIEWS;
use super::control::{Control, REQUIRED_COLUMNS};
use crate::engine::Engine;
use crate::engine::failures::Failure;
use crate::engine::run::QueryRun;
use crate::engine::session;
use crate::output::json_values;

/// Controls executing at once. Their scans are shared, so this bounds only planning and
/// the DataFusion work, not AWS calls (the engine limits those).
const CONCURRENT_CONTROLS: usize = 8;

/// What a control says of one resource; `muted` is an alarm a suppression matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Alarm,
    Muted,
    Skip,
    Info,
    Error,
}

impl Status {
    pub const ALL: [Status; 6] = [Status::Ok, Status::Alarm, Status::Muted, Status::Skip, Status::Info, Status::Error];
    /// What a control's query may return; muting is the suppressions' to decide.
    const RETURNED: [Status; 5] = [Status::Ok, Status::Alarm, Status::Skip, Status::Info, Status::Error];

    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Alarm => "alarm",
            Status::Muted => "muted",
            Status::Skip => "skip",
            Status::Info => "info",
            Status::Error => "error",
        }
    }

    fn returned(name: &str) -> Option<Status> {
        Status::RETURNED.into_iter().find(|s| s.name() == name)
    }
}

/// Why an alarm is muted: the suppression that matched it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Muted {
    pub reason: String,
    pub expires: String,
    /// Which rule: `file rule N`.
    pub rule: String,
}

/// An alarm against a baseline run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    New,
    Unchanged,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Finding {
    pub resource: String,
    pub status: Status,
    pub reason: String,
    pub account_id: String,
    /// The account's name and where it sits in the organization, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ou_path: Option<String>,
    /// The ids of the account's OU and those above it (suppressions match them).
    #[serde(skip)]
    pub ou_ids: Vec<String>,
    pub region: String,
    /// The resource's tags, when the control returns a `tags` column (suppressions match them).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub muted: Option<Muted>,
    /// Set on alarms (and muted alarms) when the run is compared with a baseline.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
}

impl Finding {
    /// A finding with nothing known beyond what a control's row says.
    pub(super) fn new(resource: String, status: Status, reason: String, account_id: String, region: String) -> Finding {
        Finding {
            resource,
            status,
            reason,
            account_id,
            account_name: None,
            ou_path: None,
            ou_ids: Vec::new(),
            region,
            tags: BTreeMap::new(),
            muted: None,
            change: None,
        }
    }
}

pub struct Outcome {
    pub control: Control,
    pub findings: Vec<Finding>,
    /// The baseline's alarms of this control that no longer alarm.
    pub resolved: Vec<Finding>,
    /// The baseline's alarms of this control where this run could not look.
    pub not_checked: Vec<Finding>,
    /// Where this run read all the control needs.
    pub checked: Checked,
}

impl Outcome {
    pub fn count(&self, status: Status) -> usize {
        self.findings.iter().filter(|f| f.status == status).count()
    }
}

/// Where a control's answer is complete: the accounts and regions scanned, less the
/// targets where a table it reads failed or was skipped. Only there can an alarm be gone.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    accounts: Vec<String>,
    regions: Vec<String>,
    /// Failed (account, region); no region: every region of the account, as a failed
    /// global table's rows could carry any.
    failed: Vec<(String, Option<String>)>,
}

impl Checked {
    pub fn covers(&self, account_id: &str, region: &str) -> bool {
        let region_scanned = region.is_empty() || region == "global" || self.regions.iter().any(|r| r == region);
        self.accounts.iter().any(|a| a == account_id)
            && region_scanned
            && !self.failed.iter().any(|(a, r)| a == account_id && r.as_deref().is_none_or(|r| r == region))
    }
}

/// A control ready to run: its plan, or why it cannot be planned (reported as an error row),
/// and the scans it makes, as (table, hydrate calls).
struct Planned {
    control: Control,
    plan: Result<LogicalPlan, String>,
    scans: BTreeSet<(String, Vec<usize>)>,
}

/// Plans every control. A query that plans but does not return the required columns is
/// a defect of the control file: the whole run stops, naming it.
async fn plan(
    ctx: &SessionContext,
    engine: &Engine,
    run: &QueryRun,
    controls: Vec<Control>,
    vars: &BTreeMap<String, String>,
) -> Result<Vec<Planned>, String> {
    let mut planned = Vec::with_capacity(controls.len());
    for control in controls {
        let sql = control.render(vars)?;
        let plan = match session::statements(&sql) {
            Ok(statements) if statements.len() == 1 => {
                let statement = statements.into_iter().next().expect("one statement");
                session::logical_plan(ctx.state(), statement).await.map_err(|e| session::describe(&e))
            }
            Ok(_) => Err(format!("{}:{}: a control is exactly one query", control.source, control.query_line)),
            Err(e) => Err(e),
        };
        let mut scans = BTreeSet::new();
        if let Ok(plan) = &plan {
            let columns: BTreeSet<&str> = plan.schema().fields().iter().map(|f| f.name().as_str()).collect();
            let missing: Vec<&str> = REQUIRED_COLUMNS.iter().copied().filter(|c| !columns.contains(c)).collect();
            if !missing.is_empty() {
                return Err(format!(
                    "{}:{}: the query must return {}; it lacks {}",
                    control.source,
                    control.query_line,
                    REQUIRED_COLUMNS.join(", "),
                    missing.join(", ")
                ));
            }
            // The optimized plan's scans project what they read, which decides their calls.
            let optimized = session::optimized(ctx.state(), plan.clone()).await.map_err(|e| session::describe(&e))?;
            let _ = optimized.apply_with_subqueries(|node| {
                if let LogicalPlan::TableScan(scan) = node
                    && let Some(table) = engine.table(scan.table_name.table())
                {
                    let projection = scan.projection.clone().unwrap_or_else(|| (0..table.columns.len()).collect());
                    let hydrates = table.hydrates_for(&projection);
                    run.share_hydrates(table.name, &hydrates);
                    scans.insert((table.name.to_string(), hydrates));
                }
                Ok(TreeNodeRecursion::Continue)
            });
        }
        planned.push(Planned { control, plan, scans });
    }
    Ok(planned)
}

/// Runs `controls` in `run` and returns their findings, in the controls' order. One run
/// for every control, so a failure is reported against each control it spoils.
pub async fn run_controls(
    ctx: &SessionContext,
    engine: &Engine,
    run: &Arc<QueryRun>,
    controls: Vec<Control>,
    vars: &BTreeMap<String, String>,
) -> Result<Vec<Outcome>, String> {
    for (file, sql) in VIEWS {
        session::frame(ctx, run, sql).await.map_err(|e| format!("controls/views/{file}: {e}"))?;
    }
    let planned = plan(ctx, engine, run, controls, vars).await?;
    let results: Vec<Result<Vec<Finding>, String>> = stream::iter(&planned)
        .map(|planned| async move {
            match &planned.plan {
                Ok(plan) => execute(ctx, run, plan.clone()).await,
                Err(e) => Err(e.clone()),
            }
        })
        .buffered(CONCURRENT_CONTROLS)
        .collect()
        .await;
    // A failed list is retried by each control wanting it, and a reused scan reports its
    // failed hydrate calls again: each failure once is enough.
    let once = |mut failures: Vec<Failure>| {
        failures.sort_by(|a, b| {
            (&a.account_id, &a.region, &a.table, a.hydrate).cmp(&(&b.account_id, &b.region, &b.table, b.hydrate))
        });
        failures.dedup_by(|a, b| {
            (&a.account_id, &a.region, &a.table, a.hydrate) == (&b.account_id, &b.region, &b.table, b.hydrate)
        });
        failures
    };
    let skipped = once(run.skipped_targets());
    let failures = once(run.failures());
    Ok(planned
        .into_iter()
        .zip(results)
        .map(|(planned, result)| {
            // A control that could not run checked nothing.
            let accounts = match &result {
                Ok(_) => engine.estate.accounts.iter().map(|a| a.id.clone()).collect(),
                Err(_) => Vec::new(),
            };
            let mut findings = match result {
                Ok(findings) => findings,
                Err(message) => vec![error_row(&planned.control, message)],
            };
            // A table that failed in some targets leaves the answer incomplete there.
            // A failed list spoils every control reading the table; a failed hydrate call only
            // those reading its columns.
            let made = |f: &&Failure| {
                planned
                    .scans
                    .iter()
                    .any(|(table, hydrates)| *table == f.table && f.hydrate.is_none_or(|h| hydrates.contains(&h)))
            };
            let target = |f: &Failure| format!("{}/{}/{}", f.account_id, f.region, f.table);
            for failure in failures.iter().filter(made) {
                findings.push(Finding::new(
                    target(failure),
                    Status::Error,
                    format!("{} could not be read: {}", failure.table, failure.error),
                    failure.account_id.clone(),
                    failure.region.clone(),
                ));
            }
            // Never a silent pass: a region the account has not enabled was not looked at.
            for skip in skipped.iter().filter(made) {
                findings.push(Finding::new(
                    target(skip),
                    Status::Skip,
                    format!(
                        "region {} is not enabled for account {} ({})",
                        skip.region, skip.account_id, skip.error.code
                    ),
                    skip.account_id.clone(),
                    skip.region.clone(),
                ));
            }
            let failed = failures
                .iter()
                .chain(&skipped)
                .filter(made)
                .map(|f| {
                    let regional = engine.table(&f.table).is_none_or(|t| t.scope == Scope::Regional);
                    (f.account_id.clone(), regional.then(|| f.region.clone()))
                })
                .collect();
            let checked = Checked { accounts, regions: engine.estate.regions.clone(), failed };
            for finding in &mut findings {
                if let Some(account) = engine.estate.accounts.iter().find(|a| a.id == finding.account_id) {
                    finding.account_name = account.name.clone();
                    finding.ou_path = account.ou_path.clone();
                    finding.ou_ids = account.ou_ids.clone();
                }
            }
            Outcome { control: planned.control, findings, resolved: Vec::new(), not_checked: Vec::new(), checked }
        })
        .collect())
}

fn error_row(control: &Control, message: String) -> Finding {
    Finding::new(control.id.clone(), Status::Error, message, String::new(), String::new())
}

async fn execute(ctx: &SessionContext, run: &Arc<QueryRun>, plan: LogicalPlan) -> Result<Vec<Finding>, String> {
    let batches = session::start(ctx, run, plan).await.map_err(|e| session::describe(&e))?;
    let batches: Vec<RecordBatch> = batches.try_collect().await.map_err(|e| session::describe(&e))?;
    let mut findings = Vec::new();
    for batch in &batches {
        findings.extend(rows(batch)?);
    }
    Ok(findings)
}

fn rows(batch: &RecordBatch) -> Result<Vec<Finding>, String> {
    let column = |name: &str| -> Result<Vec<String>, String> {
        let array = batch.column_by_name(name).ok_or_else(|| format!("no column {name}"))?;
        let array = match array.as_union_opt() {
            Some(union) => json_values::as_text(union).map_err(|e| format!("column {name}: {e}"))?,
            None => array.clone(),
        };
        let text = cast(&array, &DataType::Utf8).map_err(|e| format!("column {name}: {e}"))?;
        let text = text.as_string::<i32>();
        Ok((0..text.len()).map(|i| if text.is_null(i) { String::new() } else { text.value(i).to_string() }).collect())
    };
    let [resource, status, reason, account_id, region] = REQUIRED_COLUMNS.map(column);
    let (resource, status, reason, account_id, region) = (resource?, status?, reason?, account_id?, region?);
    // Optional: a JSON object of the resource's tags.
    let tags = batch.column_by_name("tags").map(|_| column("tags")).transpose()?;
    Ok((0..batch.num_rows())
        .map(|i| {
            let returned = Status::returned(&status[i]);
            let reason = match returned {
                Some(_) => reason[i].clone(),
                None => {
                    let names: Vec<&str> = Status::RETURNED.iter().map(|s| s.name()).collect();
                    format!("the control returned status '{}', not one of {}", status[i], names.join(", "))
                }
            };
            let status = returned.unwrap_or(Status::Error);
            let mut finding =
                Finding::new(resource[i].clone(), status, reason, account_id[i].clone(), region[i].clone());
            if let Some(tags) = &tags {
                finding.tags = tag_map(&tags[i]);
            }
            finding
        })
        .collect())
}

/// A `tags` cell (`{"Owner": "me"}`) as key -> text; anything else as no tags.
fn tag_map(cell: &str) -> BTreeMap<String, String> {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str(cell) else { return BTreeMap::new() };
    map.into_iter()
        .map(|(key, value)| match value {
            serde_json::Value::String(text) => (key, text),
            other => (key, other.to_string()),
        })
        .collect()
}
