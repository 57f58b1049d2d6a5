//! `cove query`: SQL across the estate, printed or exported.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::progress::ProgressLine;
use super::{FAILURE, report};
use crate::engine::run::QueryRun;
use crate::engine::session;
use crate::output::{DEFAULT_MAX_ROWS, Destination, Format, Layout, QUERY_FORMATS};
use crate::settings::{Settings, TargetArgs};

#[derive(Debug, Clone, Args)]
pub struct QueryArgs {
    /// The SQL to run (one or more statements)
    sql: Option<String>,
    /// Read the SQL from a file instead
    #[arg(short, long, conflicts_with = "sql")]
    file: Option<PathBuf>,
    /// Output format (default: table, or what --out's extension implies)
    #[arg(short, long, value_parser = Format::parser(QUERY_FORMATS))]
    output: Option<Format>,
    /// Write the answer to this file, atomically (.csv, .json, .ndjson, .parquet)
    #[arg(long)]
    out: Option<PathBuf>,
    /// Rows a table shows; the rest are counted, not held (other formats write every row)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_ROWS, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    maxrows: usize,
    /// After each statement, print rows, wall time, targets scanned and pruned, API calls
    /// by operation, retries, throttles and cache hits on stderr
    #[arg(long)]
    stats: bool,
}

pub async fn query(targets: &TargetArgs, args: QueryArgs) -> Result<ExitCode, String> {
    let mut settings = Settings::resolve(targets)?;
    let sql = match (args.sql, &args.file) {
        (Some(sql), None) => sql,
        (None, Some(path)) => {
            std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?
        }
        _ => return Err("give the SQL to run, or -f FILE".into()),
    };
    // Parse everything, and open the output file, before the first AWS call: a typo or
    // an unwritable path costs nothing.
    let statements = session::statements(&sql)?;
    if statements.is_empty() {
        return Err("no SQL statement given".into());
    }
    let destination = match &args.out {
        Some(path) => Destination::file(path, args.output, QUERY_FORMATS)?,
        None => {
            let layout = Layout { max_rows: args.maxrows, ..Layout::stdout() };
            Destination::stdout(args.output.unwrap_or(Format::Table), layout)?
        }
    };
    if args.out.is_some() && statements.len() > 1 {
        return Err("--out takes one statement".into());
    }
    // A cache pays off only across statements, or within one that reads a table twice; for
    // any other it would just hold every scanned batch until exit, and a large export's
    // memory would grow with its size.
    if let [statement] = &statements[..]
        && !session::rereads(statement)
    {
        settings.cache_ttl = None;
    }
    let (engine, ctx) = session::open(&settings).await?;
    if args.stats {
        eprintln!("{}", engine.estate.describe_identity());
        for note in &engine.estate.notes {
            eprintln!("note: {note}");
        }
    }
    let mut code = ExitCode::SUCCESS;
    let mut previous_failures = Vec::new();
    for statement in &statements {
        let run = QueryRun::start(&engine, previous_failures);
        let progress = ProgressLine::start(&engine, &run);
        let summary = session::execute(&ctx, &engine, &run, statement, &destination).await;
        drop(progress);
        let summary = summary?;
        if report(&summary, args.stats, settings.strict) {
            code = ExitCode::from(FAILURE);
        }
        previous_failures = summary.failures;
    }
    // A failed answer never replaces what the user had at the destination.
    if code == ExitCode::SUCCESS {
        destination.commit()?;
    } else if let Some(path) = &args.out {
        eprintln!("error: {} was not written", path.display());
    }
    Ok(code)
}
