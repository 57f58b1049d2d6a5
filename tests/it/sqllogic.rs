//! SQL behaviour pinned in sqllogictest files. `tests/slt/*.slt` run in a session over the
//! seeded organization opened as `cove query --org` opens it: the same parsing, rewrites,
//! functions and tables. `tests/slt/dialect/*.slt`, cove's Postgres dialect on literal
//! values, run in a session without an estate, so they need no AWS and no emulator.
//! `COVE_SLT_COMPLETE=1 cargo test sqllogic` rewrites the files' expected results with
//! what cove answers, for review in the diff.

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use cove::engine::Engine;
use cove::engine::run::QueryRun;
use cove::engine::session;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::prelude::SessionContext;
use sqllogictest::{DBOutput, DefaultColumnType};

use crate::harness::org;

#[derive(Debug)]
struct SqlError(String);

impl std::fmt::Display for SqlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SqlError {}

#[derive(Clone)]
struct Cove {
    /// None for a session without an estate.
    engine: Option<Arc<Engine>>,
    ctx: SessionContext,
}

#[async_trait]
impl sqllogictest::AsyncDB for Cove {
    type Error = SqlError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SqlError> {
        let run = self.engine.as_ref().map_or_else(QueryRun::detached, |engine| QueryRun::start(engine, Vec::new()));
        let frame = session::frame(&self.ctx, &run, sql).await.map_err(SqlError)?;
        let schema = frame.schema().as_arrow().clone();
        let batches = frame.collect().await.map_err(|e| SqlError(session::describe(&e)))?;
        // An answer with targets missing is not the answer the file pins.
        if let Some(failure) = run.failures().first() {
            return Err(SqlError(format!(
                "{} failed in {}/{}: {}",
                failure.table, failure.account_id, failure.region, failure.error
            )));
        }
        if schema.fields().is_empty() {
            return Ok(DBOutput::StatementComplete(0));
        }
        let types = schema
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                t if t.is_integer() => DefaultColumnType::Integer,
                t if t.is_floating() || matches!(t, DataType::Decimal128(..)) => DefaultColumnType::FloatingPoint,
                _ => DefaultColumnType::Text,
            })
            .collect();
        let options = FormatOptions::default().with_null("NULL");
        let mut rows = Vec::new();
        for batch in &batches {
            let formatters = batch
                .columns()
                .iter()
                .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| SqlError(e.to_string()))?;
            for row in 0..batch.num_rows() {
                rows.push(
                    formatters
                        .iter()
                        .map(|f| match f.value(row).to_string() {
                            empty if empty.is_empty() => "(empty)".to_string(),
                            cell => cell,
                        })
                        .collect(),
                );
            }
        }
        Ok(DBOutput::Rows { types, rows })
    }

    async fn shutdown(&mut self) {}
}

#[tokio::test(flavor = "multi_thread")]
async fn sql_files_pass() {
    let org = org();
    run_files("tests/slt", async || {
        let (engine, ctx) = org.moto.open_org().await.expect("a session over the seeded organization");
        Cove { engine: Some(engine), ctx }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn dialect_files_pass() {
    run_files("tests/slt/dialect", async || Cove {
        engine: None,
        ctx: session::without_estate().expect("a session without an estate"),
    })
    .await;
}

/// Runs every `.slt` file of `dir`, each in its own session.
async fn run_files(dir: &str, open: impl AsyncFn() -> Cove) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(&dir).expect("a folder of .slt files").map(|e| e.expect("entry").path()).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "slt"));
    files.sort();
    assert!(!files.is_empty(), "no .slt files in {}", dir.display());
    let mut failures = Vec::new();
    for file in &files {
        let cove = open().await;
        let mut runner = sqllogictest::Runner::new(move || {
            let cove = cove.clone();
            async move { Ok(cove) }
        });
        // Cells are compared as cove writes them: a doubled or padding space is part of an
        // answer (to_char pads), not noise to squeeze out.
        runner.with_normalizer(String::clone);
        if std::env::var_os("COVE_SLT_COMPLETE").is_some() {
            use sqllogictest::{default_column_validator, default_validator};
            let completed =
                runner.update_test_file(file, " ", default_validator, String::clone, default_column_validator).await;
            completed.unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        } else if let Err(e) = runner.run_file_async(file).await {
            failures.push(format!("{}", e.display(false)));
        }
    }
    assert!(failures.is_empty(), "{} of {} files failed:\n{}", failures.len(), files.len(), failures.join("\n\n"));
}
