//! The `cove` command line: arguments parsed, the command dispatched.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use cove::check;
use cove::cli::{self, FAILURE, query::QueryArgs, reference, serve::ServeArgs};
use cove::output;
use cove::settings::TargetArgs;

#[derive(Parser)]
#[command(name = "cove", version, about = "SQL over a whole AWS estate, live. With no command: the interactive shell.")]
struct Args {
    #[command(flatten)]
    targets: TargetArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run SQL across the accounts and regions in scope and print or export the answer
    Query(QueryArgs),
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
    Check(check::Request),
    /// Answer Postgres clients (psql, notebooks, BI tools) over the wire protocol, read-only
    Serve(ServeArgs),
}

fn main() -> ExitCode {
    let args = match Args::try_parse() {
        Ok(args) => args,
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
    if matches!(args.command, Some(Command::Demo)) {
        // SAFETY: no other thread exists yet. The demo must never reach the instance
        // metadata service, whatever the SDK's chains would otherwise try.
        unsafe { std::env::set_var("AWS_EC2_METADATA_DISABLED", "true") };
    }
    // Planning recurses over the expression tree: a generated WHERE with thousands of ORs
    // needs more stack than a thread's default, on whichever thread plans it.
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().thread_stack_size(STACK_SIZE).build();
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(FAILURE);
        }
    };
    let worker = std::thread::Builder::new().stack_size(STACK_SIZE).spawn(move || {
        let outcome = runtime.block_on(run(args));
        // A blocking task still writing (an abandoned COPY) must not hold the exit up.
        runtime.shutdown_background();
        outcome
    });
    match worker.map(|thread| thread.join()) {
        Ok(Ok(Ok(code))) => code,
        Ok(Ok(Err(message))) => {
            eprintln!("error: {message}");
            ExitCode::from(FAILURE)
        }
        Ok(Err(_)) => ExitCode::from(FAILURE),
        Err(e) => {
            eprintln!("error: cannot start the main thread: {e}");
            ExitCode::from(FAILURE)
        }
    }
}

/// Stack of the threads that plan and run queries.
const STACK_SIZE: usize = 64 << 20;

/// The command, until it ends or a signal ends it. The interactive shell takes Ctrl-C
/// itself (it cancels the running query), once it has started.
async fn run(args: Args) -> Result<ExitCode, String> {
    let interactive = args.command.is_none() && std::io::stdin().is_terminal();
    let mut signals = cli::Signals::listen(!interactive);
    tokio::select! {
        outcome = dispatch(args) => outcome,
        code = signals.received() => {
            eprintln!("{}", if code == cli::INTERRUPTED { "^C cancelled" } else { "cancelled by a signal" });
            Ok(ExitCode::from(code))
        }
    }
}

async fn dispatch(args: Args) -> Result<ExitCode, String> {
    match args.command {
        Some(Command::Query(query)) => cli::query::query(&args.targets, query).await,
        Some(Command::Check(request)) => cli::check::check(&args.targets, request).await,
        Some(Command::Serve(serve)) => cli::serve::serve(&args.targets, serve).await,
        Some(Command::Tables { markdown }) => {
            let tables = cove_tables::catalog();
            output::print(&if markdown { reference::markdown(&tables) } else { reference::list(&tables) });
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Inspect { table }) => {
            let tables = cove_tables::catalog();
            let found = tables.iter().find(|t| t.name == table.to_lowercase());
            let table = found.ok_or_else(|| format!("unknown table '{table}' (see `cove tables`)"))?;
            output::print(&reference::inspect(table));
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Demo) => cli::demo::demo().await.map(|()| ExitCode::SUCCESS),
        None => cli::shell::start(&args.targets).await,
    }
}
