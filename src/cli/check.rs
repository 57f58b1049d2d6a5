//! `cove check`: the selected controls run over the estate, reported, and the run's
//! verdict as the exit code.

use std::process::ExitCode;
use std::time::Duration;

use super::{ALARM, FAILURE};
use crate::check::control::Loaded;
use crate::check::runner::{Status, run_controls};
use crate::check::{self, Request, report};
use crate::engine::session;
use crate::output::{self, Destination, Layout, REPORT_FORMATS};
use crate::settings::{Settings, TargetArgs};

/// Exit 0 when nothing alarms, 1 when something does, 2 when a control could not be
/// evaluated.
pub async fn check(targets: &TargetArgs, request: Request) -> Result<ExitCode, String> {
    let Loaded { controls, notes } = check::select(&request)?;
    for note in notes {
        eprintln!("note: {note}");
    }
    if request.list {
        let text = if request.markdown {
            report::markdown(&controls)
        } else {
            controls.iter().map(|c| format!("{:<48} {:<8} {}\n", c.id, c.severity.to_string(), c.title)).collect()
        };
        output::print(&text);
        return Ok(ExitCode::SUCCESS);
    }
    let mut settings = Settings::resolve(targets)?;
    let (vars, warnings) = check::vars(&request.vars, &settings.vars, &controls)?;
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    let format = request.format();
    // Opened before the first AWS call, so an unwritable path costs nothing.
    let destination = match &request.out {
        Some(path) => Destination::file(path, Some(format), REPORT_FORMATS)?,
        None => Destination::stdout(format, Layout::default())?,
    };
    // Every control of the run shares each scan: the cache lives as long as the run.
    settings.cache_ttl = Some(Duration::from_secs(u64::MAX / 4));
    let (engine, ctx) = session::open(&settings).await?;
    let outcomes = run_controls(&ctx, &engine, controls, &vars).await?;
    destination.publish(&report::render(format, &outcomes)?)?;
    if request.out.is_some() || format != output::Format::Table {
        eprintln!("{}", report::totals(&outcomes));
    }
    let any = |status: Status| outcomes.iter().any(|o| o.count(status) > 0);
    Ok(if any(Status::Alarm) {
        ExitCode::from(ALARM)
    } else if any(Status::Error) {
        ExitCode::from(FAILURE)
    } else {
        ExitCode::SUCCESS
    })
}
