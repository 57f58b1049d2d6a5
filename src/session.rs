//! The DataFusion session cove queries run in, and running SQL text through it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::error::Result;
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion::sql::parser::DFParser;
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;

use crate::engine::{Engine, Failure};
use crate::guard::CallCounts;
use crate::scan::AwsTable;

pub fn context(engine: &Arc<Engine>) -> Result<SessionContext> {
    // The postgres dialect makes `tags ->> 'Name' = 'web'` and the JSON `?` operator parse
    // as Steampipe users write them.
    let config = SessionConfig::new()
        .with_information_schema(true)
        .set_str("datafusion.sql_parser.dialect", "postgres")
        .set_str("datafusion.execution.time_zone", "UTC");
    let mut ctx = SessionContext::new_with_config(config);
    datafusion_functions_json::register_all(&mut ctx)?;
    for table in &engine.tables {
        ctx.register_table(table.name, Arc::new(AwsTable::new(table.clone(), engine.clone())))?;
    }
    Ok(ctx)
}

/// One statement's answer, with what it cost.
pub struct Answer {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
    pub failures: Vec<Failure>,
    pub calls: CallCounts,
    pub elapsed: Duration,
}

impl Answer {
    pub fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// Splits `sql` into statements (quote- and comment-aware) without running them.
pub fn statements(sql: &str) -> Result<Vec<String>> {
    let parsed = DFParser::parse_sql_with_dialect(sql, &PostgreSqlDialect {})?;
    Ok(parsed.into_iter().map(|s| s.to_string()).collect())
}

/// Runs one statement to completion.
pub async fn run(ctx: &SessionContext, engine: &Engine, sql: &str) -> Result<Answer> {
    let started = Instant::now();
    let before = engine.guard.counts();
    engine.take_failures();
    let frame = ctx.sql(sql).await?;
    let schema: SchemaRef = Arc::new(frame.schema().as_arrow().clone());
    let batches = frame.collect().await?;
    Ok(Answer {
        schema,
        batches,
        failures: engine.take_failures(),
        calls: engine.guard.counts().since(&before),
        elapsed: started.elapsed(),
    })
}
