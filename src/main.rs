use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use cove::engine::Engine;
use cove::estate::{Estate, load_base_config};
use cove::guard::Guard;
use cove::output::{self, Format};
use cove::settings::{Settings, TargetArgs};
use cove::{catalog, session};
use datafusion::error::DataFusionError;

#[derive(Parser)]
#[command(name = "cove", version, about = "SQL over a whole AWS estate, live", arg_required_else_help = true)]
struct Cli {
    #[command(flatten)]
    targets: TargetArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run SQL across the accounts and regions in scope and print the answer
    Query {
        /// The SQL to run (one or more statements)
        sql: Option<String>,
        /// Read the SQL from a file instead
        #[arg(short, long, conflicts_with = "sql")]
        file: Option<PathBuf>,
        /// Output format
        #[arg(short, long, value_enum, default_value_t = Format::Table)]
        output: Format,
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
}

/// Exit code for usage errors, fatal errors, and (with --strict) failed targets.
const FAILURE: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let rendered = e.render().to_string();
            eprintln!("{} (see cove --help)", rendered.lines().next().unwrap_or("invalid arguments"));
            return ExitCode::from(FAILURE);
        }
    };
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
        Command::Tables { markdown } => {
            print!("{}", if markdown { catalog::markdown(&tables) } else { catalog::list(&tables) });
        }
        Command::Inspect { table } => {
            let found = tables.iter().find(|t| t.name == table.to_lowercase());
            let table = found.ok_or_else(|| format!("unknown table '{table}' (see `cove tables`)"))?;
            print!("{}", catalog::inspect(table));
        }
        Command::Demo => cove::demo::run().await?,
        Command::Query { sql, file, output } => {
            return query(&cli.targets, sql, file, output).await;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn query(
    targets: &TargetArgs,
    sql: Option<String>,
    file: Option<PathBuf>,
    format: Format,
) -> Result<ExitCode, String> {
    let settings = Settings::resolve(targets)?;
    let sql = match (sql, file) {
        (Some(sql), None) => sql,
        (None, Some(path)) => {
            std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?
        }
        _ => return Err("give the SQL to run, or -f FILE".into()),
    };
    // Parse everything before the first AWS call, so a typo costs nothing.
    let statements = session::statements(&sql).map_err(|e| describe(&e))?;
    if statements.is_empty() {
        return Err("no SQL statement given".into());
    }
    let guard = Guard::default();
    let base = load_base_config(&settings).await;
    let estate = Estate::discover(base, &settings, guard.clone()).await?;
    let engine = Arc::new(Engine::new(estate, guard, settings.concurrency));
    let ctx = session::context(&engine).map_err(|e| describe(&e))?;
    let mut stdout = std::io::stdout().lock();
    let mut code = ExitCode::SUCCESS;
    for statement in statements {
        let answer = session::run(&ctx, &engine, &statement).await.map_err(|e| describe(&e))?;
        output::write(format, &answer, &mut stdout).map_err(|e| format!("cannot write the output: {e}"))?;
        stdout.flush().map_err(|e| format!("cannot write the output: {e}"))?;
        for failure in &answer.failures {
            eprintln!("warning: {failure}");
        }
        if !answer.failures.is_empty() && (settings.strict || answer.rows() == 0) {
            let n = answer.failures.len();
            eprintln!(
                "error: {n} target scan{} failed{}",
                if n == 1 { "" } else { "s" },
                if settings.strict { " (--strict)" } else { " and no rows came back" }
            );
            code = ExitCode::from(FAILURE);
        }
    }
    Ok(code)
}

/// A DataFusion error as one line a user can act on.
fn describe(error: &DataFusionError) -> String {
    let message = error.to_string().replace("table 'datafusion.public.", "table '");
    let message = match message.split_once(". Valid fields are") {
        Some((head, _)) => format!("{head} (see `cove inspect TABLE` for the columns)"),
        None => message,
    };
    let message = if message.contains("not found") && message.contains("table '") {
        format!("{message} (see `cove tables`)")
    } else {
        message
    };
    message.lines().map(str::trim).collect::<Vec<_>>().join(" ")
}
