//! `cove check`: the selected controls run over the estate, reported, and the run's
//! verdict as the exit code.

use std::process::ExitCode;
use std::time::Duration;

use super::progress::ProgressLine;
use super::{ALARM, FAILURE};
use crate::check::FailOn;
use crate::check::baseline::Baseline;
use crate::check::report::Run;
use crate::check::runner::{Change, Finding, Status, run_controls};
use crate::check::siem::{self, Stamp};
use crate::check::sources::Loaded;
use crate::check::suppress::Suppressions;
use crate::check::{self, Request, report};
use crate::engine::run::QueryRun;
use crate::engine::session;
use crate::output::{self, Destination, Format, Layout, REPORT_FORMATS};
use crate::settings::{Accounts, Settings, TargetArgs};

/// Where a report goes: one file or stdout, or ASFF findings in a directory, a file per
/// `BatchImportFindings` call.
enum Report {
    One(Destination),
    Batches(std::path::PathBuf),
}

/// Exit 0 when nothing alarms (muted alarms do not count), 1 when something does (with
/// `--fail-on new`, something new against the baseline), 2 when a control could not be
/// evaluated.
pub async fn check(targets: &TargetArgs, request: Request) -> Result<ExitCode, String> {
    let Loaded { controls, notes, benchmarks } = check::select(&request)?;
    for note in notes {
        eprintln!("note: {note}");
    }
    if request.list {
        let text = if request.markdown {
            report::markdown(&controls, &check::benchmark::builtin()?)
        } else {
            let everything = request.sources.is_empty()
                && request.severity.is_none()
                && request.control_ids.is_empty()
                && request.tags.is_empty();
            // The whole catalog names the benchmarks too, so that they can be found.
            let benchmarks = match everything {
                true => check::benchmark::builtin()?
                    .iter()
                    .map(|b| format!("benchmark {} ({}): cove check {} --list shows its tree\n", b.id, b.title, b.id))
                    .chain(["\n".to_string()])
                    .collect::<String>(),
                false => benchmarks.iter().map(|b| b.tree() + "\n").collect(),
            };
            let list = controls.iter().map(|c| format!("{:<48} {:<8} {}\n", c.id, c.severity.to_string(), c.title));
            std::iter::once(benchmarks).chain(list).collect()
        };
        output::print(&text);
        return Ok(ExitCode::SUCCESS);
    }
    let mut settings = Settings::resolve(targets)?;
    let (vars, warnings) = check::vars(&request.vars, &settings.vars, &controls)?;
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    let suppressions = Suppressions::load(&[&request.suppressions[..], &settings.suppressions[..]].concat())?;
    let baseline = request.baseline.as_deref().map(Baseline::load).transpose()?;
    let format = request.format();
    // Opened before the first AWS call, so an unwritable path costs nothing.
    let destination = match &request.out {
        Some(path) if format == Format::Asff && (path.is_dir() || path.to_string_lossy().ends_with('/')) => {
            Report::Batches(siem::batch_directory(path)?)
        }
        Some(path) => Report::One(Destination::file(path, Some(format), REPORT_FORMATS)?),
        None => Report::One(Destination::stdout(format, Layout::default())?),
    };
    // Results carry the OU each account sits in.
    settings.ou_paths = settings.accounts == Accounts::Organization;
    // Every control of the run shares each scan: the cache lives as long as the run.
    settings.cache_ttl = Some(Duration::from_secs(u64::MAX / 4));
    let (engine, ctx) = session::open(&settings).await?;
    for note in &engine.estate.notes {
        eprintln!("note: {note}");
    }
    let run = QueryRun::start(&engine, Vec::new());
    let progress = ProgressLine::start(&engine, &run);
    let outcomes = run_controls(&ctx, &engine, &run, controls, &vars).await;
    drop(progress);
    let mut outcomes = outcomes?;
    for warning in suppressions.apply(&mut outcomes, chrono::Utc::now().date_naive()) {
        eprintln!("warning: {warning}");
    }
    if let Some(baseline) = &baseline {
        baseline.apply(&mut outcomes);
    }
    let run = Run {
        outcomes: &outcomes,
        compared: baseline.is_some(),
        stamp: Stamp {
            at: chrono::Utc::now(),
            partition: engine.estate.identity.partition.clone(),
            home_region: engine.estate.regions[0].clone(),
        },
        benchmarks: &benchmarks,
    };
    match destination {
        Report::One(destination) => destination.publish(&report::render(format, &run)?)?,
        Report::Batches(directory) => {
            for (name, batch) in siem::batches(siem::asff(&outcomes, &run.stamp)) {
                let text = serde_json::to_string_pretty(&batch).map_err(|e| e.to_string())? + "\n";
                Destination::file(&directory.join(name), Some(format), REPORT_FORMATS)?.publish(&text)?;
            }
        }
    }
    if request.out.is_some() || format != Format::Table {
        eprintln!("{}", report::totals(&outcomes));
        if baseline.is_some() {
            eprintln!("{}", report::baseline_totals(&outcomes));
        }
    }
    let any = |status: Status| outcomes.iter().any(|o| o.count(status) > 0);
    let failing =
        |f: &Finding| f.status == Status::Alarm && (request.fail_on == FailOn::Any || f.change == Some(Change::New));
    Ok(if outcomes.iter().flat_map(|o| &o.findings).any(failing) {
        ExitCode::from(ALARM)
    } else if any(Status::Error) {
        ExitCode::from(FAILURE)
    } else {
        ExitCode::SUCCESS
    })
}
