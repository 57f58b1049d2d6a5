//! The interactive shell (`cove` with no subcommand), and the same loop over statements
//! piped on stdin (`cove < queries.sql`).

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use datafusion::prelude::SessionContext;
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{Config, Editor};

use super::command::MetaCommand;
use super::completion::ShellHelper;
use super::progress::ProgressLine;
use super::{FAILURE, INTERRUPTED, reference, report};
use crate::engine::Engine;
use crate::engine::failures::{Failure, summarize};
use crate::engine::run::QueryRun;
use crate::engine::session;
use crate::output::{DEFAULT_MAX_ROWS, Destination, Format, Layout};
use crate::settings::{Settings, TargetArgs};

enum Flow {
    Continue,
    Quit,
}

pub struct Shell {
    engine: Arc<Engine>,
    ctx: SessionContext,
    format: Format,
    timing: bool,
    /// Rows a table shows.
    max_rows: usize,
    strict: bool,
    /// Statements or meta commands that failed, for the exit code of a script.
    errors: usize,
    /// The failures of the last query that ran to the end, for `.errors` and `cove_errors`.
    last_failures: Vec<Failure>,
}

/// `cove` with no command: interactive on a terminal, else the statements piped on stdin.
pub async fn start(targets: &TargetArgs) -> Result<ExitCode, String> {
    let settings = Settings::resolve(targets)?;
    // Ctrl-C is the shell's own once it runs (it cancels a query); while it starts, it ends it.
    let (engine, ctx) = tokio::select! {
        opened = session::open(&settings) => opened?,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("^C cancelled");
            return Ok(ExitCode::from(INTERRUPTED));
        }
    };
    let shell = Shell::new(engine, ctx, settings.strict);
    if std::io::stdin().is_terminal() {
        shell.interactive().await?;
        return Ok(ExitCode::SUCCESS);
    }
    let failed = shell.script(std::io::stdin().lock()).await?;
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(FAILURE) })
}

impl Shell {
    fn new(engine: Arc<Engine>, ctx: SessionContext, strict: bool) -> Shell {
        Shell {
            engine,
            ctx,
            format: Format::Table,
            timing: false,
            max_rows: DEFAULT_MAX_ROWS,
            strict,
            errors: 0,
            last_failures: Vec::new(),
        }
    }

    /// Reads statements from the terminal until `.quit` or Ctrl-D.
    async fn interactive(mut self) -> Result<(), String> {
        let config = Config::builder().auto_add_history(false).build();
        let mut editor: Editor<ShellHelper, DefaultHistory> =
            Editor::with_config(config).map_err(|e| format!("cannot start the line editor: {e}"))?;
        editor.set_helper(Some(ShellHelper::new(&self.engine.tables)));
        let history = history_path();
        if let Some(path) = &history {
            let _ = editor.load_history(path);
        }
        println!(
            "cove: {} account(s) x {} region(s). .help for help, Ctrl-D to leave.",
            self.engine.estate.accounts.len(),
            self.engine.estate.regions.len()
        );
        loop {
            match tokio::task::block_in_place(|| editor.readline("cove> ")) {
                Ok(input) => {
                    if input.trim().is_empty() {
                        continue;
                    }
                    let _ = editor.add_history_entry(input.as_str());
                    if let Flow::Quit = self.handle(&input).await {
                        break;
                    }
                }
                Err(ReadlineError::Interrupted) => continue,
                Err(ReadlineError::Eof) => break,
                Err(e) => return Err(format!("cannot read input: {e}")),
            }
        }
        if let Some(path) = &history {
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let _ = editor.save_history(path);
        }
        Ok(())
    }

    /// Runs the statements and meta commands read from `input` in order; returns the
    /// number that failed.
    async fn script(mut self, input: impl BufRead) -> Result<usize, String> {
        let mut statement = String::new();
        for line in input.lines() {
            let line = line.map_err(|e| format!("cannot read input: {e}"))?;
            if statement.trim().is_empty() && line.trim_start().starts_with('.') {
                if let Flow::Quit = self.handle(line.trim()).await {
                    return Ok(self.errors);
                }
                continue;
            }
            statement.push_str(&line);
            statement.push('\n');
            if line.trim_end().ends_with(';') {
                let sql = std::mem::take(&mut statement);
                self.handle(&sql).await;
            }
        }
        if !statement.trim().is_empty() {
            self.handle(&statement).await;
        }
        Ok(self.errors)
    }

    async fn handle(&mut self, input: &str) -> Flow {
        let input = input.trim();
        let result = match input.starts_with('.') {
            true => MetaCommand::parse(input).and_then(|command| self.meta(command)),
            false => self.sql(input).await.map(|_| Flow::Continue),
        };
        result.unwrap_or_else(|message| {
            eprintln!("error: {message}");
            self.errors += 1;
            Flow::Continue
        })
    }

    async fn sql(&mut self, input: &str) -> Result<(), String> {
        let layout = Layout { max_rows: self.max_rows, ..Layout::stdout() };
        for statement in session::statements(input)? {
            let destination = Destination::stdout(self.format, layout)?;
            let run = QueryRun::start(&self.engine, self.last_failures.clone());
            let progress = ProgressLine::start(&self.engine, &run);
            let outcome = tokio::select! {
                outcome = session::execute(&self.ctx, &self.engine, &run, &statement, &destination) => Some(outcome),
                _ = tokio::signal::ctrl_c() => None,
            };
            drop(progress);
            let Some(outcome) = outcome else {
                // Dropping the query's future dropped its stream and every API call in flight.
                eprintln!("^C query cancelled");
                return Ok(());
            };
            let summary = outcome?;
            if report(&summary, self.timing, self.strict) {
                self.errors += 1;
            }
            self.last_failures = summary.failures;
        }
        Ok(())
    }

    fn meta(&mut self, command: MetaCommand) -> Result<Flow, String> {
        let text = match command {
            MetaCommand::Quit => return Ok(Flow::Quit),
            MetaCommand::Help => MetaCommand::help(),
            MetaCommand::Tables(filter) => {
                let tables: Vec<_> = self
                    .engine
                    .tables
                    .iter()
                    .filter(|t| filter.as_ref().is_none_or(|f| t.name.contains(f.as_str())))
                    .cloned()
                    .collect();
                reference::list(&tables)
            }
            MetaCommand::Inspect(name) => {
                let table = self.engine.table(&name).ok_or_else(|| format!("unknown table '{name}' (see .tables)"))?;
                reference::inspect(table)
            }
            MetaCommand::Output(format) => {
                self.format = format;
                String::new()
            }
            MetaCommand::MaxRows(n) => {
                self.max_rows = n;
                String::new()
            }
            MetaCommand::Timing(on) => {
                self.timing = on;
                String::new()
            }
            MetaCommand::Targets => self.targets(),
            MetaCommand::Errors => match summarize(&self.last_failures) {
                lines if lines.is_empty() => "no failures in the last query\n".to_string(),
                lines => lines.iter().map(|l| format!("{l}\n")).collect(),
            },
            MetaCommand::CacheClear => match &self.engine.cache {
                Some(cache) => format!("forgot {} cached scan(s)\n", cache.clear()),
                None => "caching is off (--no-cache)\n".to_string(),
            },
        };
        std::io::stdout().lock().write_all(text.as_bytes()).map_err(|e| e.to_string())?;
        Ok(Flow::Continue)
    }

    fn targets(&self) -> String {
        let estate = &self.engine.estate;
        let mut text = format!("{}\n", estate.describe_identity());
        text.push_str(&format!("accounts ({}): {}\n", estate.sources.0, estate.accounts.len()));
        for account in &estate.accounts {
            let via = if account.id == estate.identity.account_id { "caller's credentials" } else { "AssumeRole" };
            let name = account.name.as_deref().unwrap_or("");
            let path = account.ou_path.as_deref().unwrap_or("");
            let line = format!("  {}  {name:20}  {via}  {path}", account.id);
            text.push_str(line.trim_end());
            text.push('\n');
        }
        for note in &estate.notes {
            text.push_str(&format!("  note: {note}\n"));
        }
        text.push_str(&format!("regions ({}): {}\n", estate.sources.1, estate.regions.join(", ")));
        text.push_str(&format!(
            "targets: {} regional, {} per global table\n",
            estate.accounts.len() * estate.regions.len(),
            estate.accounts.len()
        ));
        text
    }
}

fn history_path() -> Option<PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local").join("state")))?;
    Some(state.join("cove").join("history"))
}
