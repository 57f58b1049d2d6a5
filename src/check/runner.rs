//! Running controls: planned up front (so a malformed one stops the run before any AWS
//! call), then executed concurrently over one engine, whose cache lets every control
//! share each scan.

use std::collections::{BTreeMap, BTreeSet};

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionContext;
use futures::stream::{self, StreamExt};

use super::control::{Control, REQUIRED_COLUMNS};
use crate::engine::Engine;
use crate::engine::failures::Failure;
use crate::engine::session;
use crate::output::json_values;

/// Controls executing at once. Their scans are shared, so this bounds only planning and
/// the DataFusion work, not AWS calls (the engine limits those).
const CONCURRENT_CONTROLS: usize = 8;

/// What a control says of one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Alarm,
    Skip,
    Info,
    Error,
}

impl Status {
    pub const ALL: [Status; 5] = [Status::Ok, Status::Alarm, Status::Skip, Status::Info, Status::Error];

    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Alarm => "alarm",
            Status::Skip => "skip",
            Status::Info => "info",
            Status::Error => "error",
        }
    }

    fn named(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.name() == name)
    }
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
    pub region: String,
}

pub struct Outcome {
    pub control: Control,
    pub findings: Vec<Finding>,
}

impl Outcome {
    pub fn count(&self, status: Status) -> usize {
        self.findings.iter().filter(|f| f.status == status).count()
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
    controls: Vec<Control>,
    vars: &BTreeMap<String, String>,
) -> Result<Vec<Planned>, String> {
    let mut planned = Vec::with_capacity(controls.len());
    for control in controls {
        let sql = control.render(vars)?;
        let plan = match session::statements(&sql) {
            Ok(statements) if statements.len() == 1 => {
                let statement = statements.into_iter().next().expect("one statement");
                ctx.state().statement_to_plan(statement).await.map_err(|e| session::describe(&e))
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
            let optimized = ctx.state().optimize(plan).map_err(|e| session::describe(&e))?;
            let _ = optimized.apply_with_subqueries(|node| {
                if let LogicalPlan::TableScan(scan) = node
                    && let Some(table) = engine.table(scan.table_name.table())
                {
                    let projection = scan.projection.clone().unwrap_or_else(|| (0..table.columns.len()).collect());
                    let hydrates = table.hydrates_for(&projection);
                    engine.share_hydrates(table.name, &hydrates);
                    scans.insert((table.name.to_string(), hydrates));
                }
                Ok(TreeNodeRecursion::Continue)
            });
        }
        planned.push(Planned { control, plan, scans });
    }
    Ok(planned)
}

/// Runs `controls` and returns their findings, in the controls' order.
pub async fn run_controls(
    ctx: &SessionContext,
    engine: &Engine,
    controls: Vec<Control>,
    vars: &BTreeMap<String, String>,
) -> Result<Vec<Outcome>, String> {
    let planned = plan(ctx, engine, controls, vars).await?;
    engine.begin_query();
    let results: Vec<Result<Vec<Finding>, String>> = stream::iter(&planned)
        .map(|planned| async move {
            match &planned.plan {
                Ok(plan) => execute(ctx, plan.clone()).await,
                Err(e) => Err(e.clone()),
            }
        })
        .buffered(CONCURRENT_CONTROLS)
        .collect()
        .await;
    let mut failures = engine.finish_query();
    // A failed list is retried by each control wanting it, and a reused scan reports its
    // failed hydrate calls again: each failure once is enough.
    failures.sort_by(|a, b| {
        (&a.account_id, &a.region, &a.table, a.hydrate).cmp(&(&b.account_id, &b.region, &b.table, b.hydrate))
    });
    failures.dedup_by(|a, b| {
        (&a.account_id, &a.region, &a.table, a.hydrate) == (&b.account_id, &b.region, &b.table, b.hydrate)
    });
    Ok(planned
        .into_iter()
        .zip(results)
        .map(|(planned, result)| {
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
            for failure in failures.iter().filter(made) {
                findings.push(Finding {
                    resource: format!("{}/{}/{}", failure.account_id, failure.region, failure.table),
                    status: Status::Error,
                    reason: format!("{} could not be read: {}", failure.table, failure.error),
                    account_id: failure.account_id.clone(),
                    region: failure.region.clone(),
                });
            }
            Outcome { control: planned.control, findings }
        })
        .collect())
}

fn error_row(control: &Control, message: String) -> Finding {
    Finding {
        resource: control.id.clone(),
        status: Status::Error,
        reason: message,
        account_id: String::new(),
        region: String::new(),
    }
}

async fn execute(ctx: &SessionContext, plan: LogicalPlan) -> Result<Vec<Finding>, String> {
    let frame = ctx.execute_logical_plan(plan).await.map_err(|e| session::describe(&e))?;
    let batches = frame.collect().await.map_err(|e| session::describe(&e))?;
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
    Ok((0..batch.num_rows())
        .map(|i| {
            let named = Status::named(&status[i]);
            Finding {
                resource: resource[i].clone(),
                status: named.unwrap_or(Status::Error),
                reason: match named {
                    Some(_) => reason[i].clone(),
                    None => {
                        let names: Vec<&str> = Status::ALL.iter().map(|s| s.name()).collect();
                        format!("the control returned status '{}', not one of {}", status[i], names.join(", "))
                    }
                },
                account_id: account_id[i].clone(),
                region: region[i].clone(),
            }
        })
        .collect())
}
