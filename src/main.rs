use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use cove::cache::Cache;
use cove::check;
use cove::engine::{Engine, summarize};
use cove::estate::{Estate, load_base_config};
use cove::guard::Guard;
use cove::output::{self, Destination, Format, Layout};
use cove::settings::{Settings, TargetArgs};
use cove::shell::{Shell, terminal_width};
use cove::{catalog, session};
use datafusion::prelude::SessionContext;

#[derive(Parser)]
#[command(name = "cove", version, about = "SQL over a whole AWS estate, live. With no command: the interactive shell.")]
struct Cli {
    #[command(flatten)]
    targets: TargetArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run SQL across the accounts and regions in scope and print or export the answer
    Query {
        /// The SQL to run (one or more statements)
        sql: Option<String>,
        /// Read the SQL from a file instead
        #[arg(short, long, conflicts_with = "sql")]
        file: Option<PathBuf>,
        /// Output format (default: table, or what --out's extension implies)
        #[arg(short, long, value_enum)]
        output: Option<Format>,
        /// Write the answer to this file, atomically (.csv, .json, .ndjson, .parquet)
        #[arg(long)]
        out: Option<PathBuf>,
        /// After each statement, print rows, wall time, targets scanned and pruned, API calls
        /// by operation, retries, throttles and cache hits on stderr
        #[arg(long)]
        stats: bool,
    },
    /// List the tables
    Tables {
        /// Print the full reference as Markdown (docs/tables.md)
        #[arg(long)]
        markdown: bool,
    },
    /// Show a table's columns, key columns and API calls
    Inspect { table: String },
    /// Start a local AWS emulator, seed a demo organization, and run example queries
    Demo,
    /// Run compliance controls: exit 0 when nothing alarms, 1 when something does,
    /// 2 when a control could not be evaluated or on usage errors
    Check {
        /// Built-in pack names, .sql control files or folders of them (default: every built-in pack)
        sources: Vec<String>,
        /// Only controls of this severity, or with a trailing + of this severity or worse (high+)
        #[arg(long)]
        severity: Option<cove::check::control::SeverityFilter>,
        /// Only the control with this id (repeatable)
        #[arg(long = "control", value_name = "ID")]
        controls: Vec<String>,
        /// Set a control variable, e.g. --var required_tags=Owner,CostCenter (repeatable)
        #[arg(long = "var", value_name = "NAME=VALUE")]
        vars: Vec<String>,
        /// Report format (default: table, or what --out's extension implies)
        #[arg(short, long, value_enum)]
        output: Option<cove::check::Format>,
        /// Write the report to this file, atomically
        #[arg(long)]
        out: Option<PathBuf>,
        /// List the selected controls instead of running them
        #[arg(long)]
        list: bool,
        /// With --list: the reference as Markdown (docs/controls.md)
        #[arg(long, requires = "list")]
        markdown: bool,
    },
}

/// Exit code for usage errors, fatal errors, and (with --strict) failed targets.
const FAILURE: u8 = 2;
/// Exit code of a check run that found something to fix.
const ALARM: u8 = 1;
/// Exit code after Ctrl-C, as shells report SIGINT.
const INTERRUPTED: u8 = 130;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // Clap's first line names the problem; a list of what is missing follows it.
            let rendered = e.render().to_string();
            let mut lines = rendered.lines().map(str::trim).take_while(|l| !l.is_empty() && !l.starts_with("Usage"));
            let first = lines.next().unwrap_or("invalid arguments");
            let line = if first.ends_with(':') {
                format!("{first} {}", lines.collect::<Vec<_>>().join(", "))
            } else {
                first.to_string()
            };
            eprintln!("{line} (see cove --help)");
            return ExitCode::from(FAILURE);
        }
    };
    if matches!(cli.command, Some(Command::Demo)) {
        // SAFETY: no other thread exists yet. The demo must never reach the instance
        // metadata service, whatever the SDK's chains would otherwise try.
        unsafe { std::env::set_var("AWS_EC2_METADATA_DISABLED", "true") };
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(FAILURE);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(FAILURE)
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, String> {
    let tables = cove_tables::catalog();
    match cli.command {
        Some(Command::Tables { markdown }) => {
            output::print(&if markdown { catalog::markdown(&tables) } else { catalog::list(&tables) });
        }
        Some(Command::Inspect { table }) => {
            let found = tables.iter().find(|t| t.name == table.to_lowercase());
            let table = found.ok_or_else(|| format!("unknown table '{table}' (see `cove tables`)"))?;
            output::print(&catalog::inspect(table));
        }
        Some(Command::Demo) => cove::demo::run().await?,
        Some(Command::Check { sources, severity, controls, vars, output, out, list, markdown }) => {
            let request = check::Request { sources, severity, control_ids: controls, vars, format: output, out };
            return check(&cli.targets, request, list, markdown).await;
        }
        Some(Command::Query { sql, file, output, out, stats }) => {
            return query(&cli.targets, sql, file, output, out, stats).await;
        }
        None => return shell(&cli.targets).await,
    }
    Ok(ExitCode::SUCCESS)
}

async fn check(targets: &TargetArgs, request: check::Request, list: bool, markdown: bool) -> Result<ExitCode, String> {
    let controls = check::select(&request)?;
    if list {
        let text = if markdown {
            check::report::markdown(&controls)
        } else {
            controls.iter().map(|c| format!("{:<48} {:<8} {}\n", c.id, c.severity.to_string(), c.title)).collect()
        };
        output::print(&text);
        return Ok(ExitCode::SUCCESS);
    }
    let mut settings = Settings::resolve(targets)?;
    let vars = check::vars(&request.vars, &settings.vars)?;
    let format = request.format.or_else(|| request.out.as_deref().and_then(check::Format::for_path));
    let format = format.unwrap_or(check::Format::Table);
    let report = check::Report::open(request.out.as_deref())?;
    // Every control of the run shares each scan: the cache lives as long as the run.
    settings.cache_ttl = Some(std::time::Duration::from_secs(u64::MAX / 4));
    let (engine, ctx) = connect(&settings).await?;
    let outcomes = tokio::select! {
        outcomes = check::run::run(&ctx, &engine, controls, &vars) => outcomes?,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("^C check cancelled");
            return Ok(ExitCode::from(INTERRUPTED));
        }
    };
    report.write(&check::report::render(format, &outcomes)?)?;
    if request.out.is_some() || format != check::Format::Table {
        eprintln!("{}", check::report::totals(&outcomes));
    }
    let any = |status: &str| outcomes.iter().any(|o| o.count(status) > 0);
    Ok(if any("alarm") {
        ExitCode::from(ALARM)
    } else if any("error") {
        ExitCode::from(FAILURE)
    } else {
        ExitCode::SUCCESS
    })
}

/// Resolves the estate and opens a session over it.
async fn connect(settings: &Settings) -> Result<(Arc<Engine>, SessionContext), String> {
    let guard = Guard::default();
    let base = load_base_config(settings).await;
    let estate = Estate::discover(base, settings, guard.clone()).await?;
    let engine = Arc::new(Engine::new(estate, guard, settings.concurrency, settings.cache_ttl.map(Cache::new)));
    let ctx = session::context(&engine).map_err(|e| session::describe(&e))?;
    Ok((engine, ctx))
}

async fn shell(targets: &TargetArgs) -> Result<ExitCode, String> {
    let settings = Settings::resolve(targets)?;
    let (engine, ctx) = connect(&settings).await?;
    let shell = Shell::new(engine, ctx, settings.strict);
    if std::io::stdin().is_terminal() {
        shell.interactive().await?;
        return Ok(ExitCode::SUCCESS);
    }
    let failed = shell.script(std::io::stdin().lock()).await?;
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(FAILURE) })
}

async fn query(
    targets: &TargetArgs,
    sql: Option<String>,
    file: Option<PathBuf>,
    format: Option<Format>,
    out: Option<PathBuf>,
    stats: bool,
) -> Result<ExitCode, String> {
    let settings = Settings::resolve(targets)?;
    let sql = match (sql, file) {
        (Some(sql), None) => sql,
        (None, Some(path)) => {
            std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?
        }
        _ => return Err("give the SQL to run, or -f FILE".into()),
    };
    // Parse everything, and open the output file, before the first AWS call: a typo or
    // an unwritable path costs nothing.
    let statements = session::statements(&sql)?;
    if statements.is_empty() {
        return Err("no SQL statement given".into());
    }
    let destination = match &out {
        Some(path) => Destination::file(path, format)?,
        None => Destination::stdout(format.unwrap_or(Format::Table), Layout { width: terminal_width() })?,
    };
    if out.is_some() && statements.len() > 1 {
        return Err("--out takes one statement".into());
    }
    // A cache pays off only across statements; for one it would just hold every scanned
    // batch until exit, and a large export's memory would grow with its size.
    let mut settings = settings;
    if statements.len() == 1 {
        settings.cache_ttl = None;
    }
    let (engine, ctx) = connect(&settings).await?;
    let mut code = ExitCode::SUCCESS;
    for statement in &statements {
        let summary = tokio::select! {
            summary = session::run(&ctx, &engine, statement, &destination) => summary?,
            _ = tokio::signal::ctrl_c() => {
                eprintln!("^C query cancelled");
                return Ok(ExitCode::from(INTERRUPTED));
            }
        };
        for line in summarize(&summary.failures) {
            eprintln!("warning: {line}");
        }
        if stats {
            eprintln!("{}", summary.describe());
        }
        if !summary.failures.is_empty() && (settings.strict || summary.rows == 0) {
            let n = summary.failures.len();
            let why = if settings.strict { " (--strict)" } else { " and no rows came back" };
            eprintln!("error: {n} target scan{} failed{why}", if n == 1 { "" } else { "s" });
            code = ExitCode::from(FAILURE);
        }
    }
    // A failed answer never replaces what the user had at the destination.
    if code == ExitCode::SUCCESS {
        destination.commit()?;
    } else if let Some(path) = &out {
        eprintln!("error: {} was not written", path.display());
    }
    Ok(code)
}
