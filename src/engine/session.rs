//! The DataFusion session cove queries run in: opened over the estate, and running SQL
//! text through it.

use std::sync::Arc;

use datafusion::error::{DataFusionError, Result};
use datafusion::execution::SendableRecordBatchStream;
use datafusion::execution::session_state::SessionState;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::{DataFrame, SessionContext};
use datafusion::sql::parser::{DFParser, Statement};
use futures::StreamExt;

use aws_config::SdkConfig;

use super::Engine;
use super::cache::Cache;
use super::copy;
use super::errors_table::{self, ErrorsTable};
use super::estate::{Estate, load_base_config};
use super::guard::Guard;
use super::postgres::{self, dialect};
use super::run::{QueryRun, Summary};
use super::scan::AwsTable;
use crate::output::{Destination, json_values};
use crate::settings::Settings;

/// Resolves the estate the settings describe, from the standard credential chain, and
/// opens a session over it.
pub async fn open(settings: &Settings) -> Result<(Arc<Engine>, SessionContext), String> {
    open_with(load_base_config(settings).await, settings).await
}

/// A session reading SQL as cove reads it with no estate behind it: no AWS table, so no
/// AWS call, and the dialect's answers can be pinned where no AWS is at hand. Its queries
/// run in a `QueryRun::detached`.
pub fn without_estate() -> Result<SessionContext, String> {
    postgres::session().map_err(|e| describe(&e))
}

/// Like [`open`], with the catalog Postgres clients introspect a server through.
pub async fn open_for_clients(settings: &Settings) -> Result<(Arc<Engine>, SessionContext), String> {
    let (engine, ctx) = open(settings).await?;
    postgres::install_pg_catalog(&ctx).map_err(|e| describe(&e))?;
    Ok((engine, ctx))
}

/// Like [`open`], from a given SDK configuration.
pub async fn open_with(base: SdkConfig, settings: &Settings) -> Result<(Arc<Engine>, SessionContext), String> {
    let tables = cove_tables::catalog();
    let guard = Guard::new(cove_tables::calls(&tables));
    let estate = Estate::discover(base, settings, &guard).await?;
    let cache = settings.cache_ttl.map(Cache::new);
    let engine = Arc::new(Engine::new(estate, guard, tables, settings.concurrency, cache));
    let ctx = context(&engine).map_err(|e| describe(&e))?;
    Ok((engine, ctx))
}

fn context(engine: &Arc<Engine>) -> Result<SessionContext> {
    let ctx = postgres::session()?;
    for table in &engine.tables {
        ctx.register_table(table.name, Arc::new(AwsTable::new(table.clone(), engine.clone())))?;
    }
    ctx.register_table(errors_table::NAME, Arc::new(ErrorsTable))?;
    Ok(ctx)
}

/// Parses `sql` into statements without running them. They are planned as parsed: their
/// text form does not always parse back (a COPY's quoted path loses its quotes).
pub fn statements(sql: &str) -> Result<Vec<Statement>, String> {
    let parsed = dialect::parse(sql, |dialect| DFParser::parse_sql_with_dialect(sql, dialect))?;
    let parsed = parsed.map_err(|e| describe(&e))?;
    rewritten(parsed.into())
}

/// Parses `sql` as sqlparser reads Postgres, for the forms DataFusion's parser does not
/// take (COPY ... TO STDOUT).
pub fn sql_statements(sql: &str) -> Result<Vec<datafusion::sql::sqlparser::ast::Statement>, String> {
    let parse = |dialect: &dyn datafusion::sql::sqlparser::dialect::Dialect| {
        datafusion::sql::sqlparser::parser::Parser::parse_sql(dialect, sql)
    };
    dialect::parse(sql, parse)?.map_err(|e| e.to_string())
}

/// `statements` for a Postgres client (`cove serve`): its introspection queries, which read
/// the Postgres catalog, are parsed the catalog's way.
pub fn client_statements(sql: &str) -> Result<Vec<Statement>, String> {
    match postgres::catalog_statements(sql) {
        Some(parsed) => rewritten(parsed.map_err(|e| describe(&e.into()))?),
        None => statements(sql),
    }
}

/// The query `COPY source TO STDOUT` reads (`cove serve`), as cove plans it.
pub fn copy_query(source: datafusion::sql::sqlparser::ast::CopySource) -> Result<Statement, String> {
    let [query] = rewritten(vec![copy::stdout_query(source)])?.try_into().expect("one statement in, one out");
    Ok(query)
}

/// Statements with Postgres's idioms rewritten the way cove plans them.
fn rewritten(mut statements: Vec<Statement>) -> Result<Vec<Statement>, String> {
    for statement in &mut statements {
        let depth = expression_depth(statement);
        if depth > MAX_EXPRESSION_DEPTH {
            return Err(format!(
                "an expression nested {depth} levels deep is more than cove plans ({MAX_EXPRESSION_DEPTH}): \
                 use IN (...) for long lists of values"
            ));
        }
        postgres::rewrite(statement)?;
    }
    Ok(statements)
}

/// Plans `sql`, one statement, as cove reads it (Postgres's idioms rewritten), for `run`.
pub async fn frame(ctx: &SessionContext, run: &Arc<QueryRun>, sql: &str) -> Result<DataFrame, String> {
    let [statement] = statements(sql)?.try_into().map_err(|_| "expected one statement".to_string())?;
    plan(ctx, run, statement).await.map_err(|e| describe(&e))
}

/// Plans one statement for `run`: DDL runs now (a CREATE TABLE AS scanning for `run`), a
/// query when the frame is collected, its scans reporting to `run`.
pub async fn plan(ctx: &SessionContext, run: &Arc<QueryRun>, statement: Statement) -> Result<DataFrame> {
    let state = run.attach(ctx.state());
    let plan = logical_plan(state.clone(), statement).await?;
    // DDL runs here, not off the workers: a cancelled CREATE TABLE AS drops its scans.
    let frame = match plan {
        // Settings and prepared statements belong to the session, not to this statement.
        LogicalPlan::Statement(_) => ctx.execute_logical_plan(plan).await?,
        // The same catalog, so what DDL creates outlives the statement.
        plan => SessionContext::new_with_state(state).execute_logical_plan(plan).await?,
    };
    let (state, plan) = frame.into_parts();
    Ok(DataFrame::new(run.attach(state), plan))
}

/// The logical plan of one statement, as written: nothing runs, not even DDL.
pub async fn logical_plan(state: SessionState, statement: Statement) -> Result<LogicalPlan> {
    off_workers(async move { state.statement_to_plan(statement).await }).await
}

/// `plan`, from `logical_plan`, as the optimizer leaves it: what its scans read.
pub async fn optimized(state: SessionState, plan: LogicalPlan) -> Result<LogicalPlan> {
    off_workers(async move { state.optimize(&plan) }).await
}

/// Starts `plan`, from `logical_plan`, in `run`: its answer's stream, its scans reporting
/// to `run`.
pub async fn start(ctx: &SessionContext, run: &Arc<QueryRun>, plan: LogicalPlan) -> Result<SendableRecordBatchStream> {
    start_frame(DataFrame::new(run.attach(ctx.state()), plan)).await
}

/// Optimizes and starts `frame`: its answer's stream.
async fn start_frame(frame: DataFrame) -> Result<SendableRecordBatchStream> {
    off_workers(frame.execute_stream()).await
}

/// Runs `planning` on a thread of the blocking pool. Planning is CPU work that never
/// yields (some generated statements take minutes), and on a runtime worker it would hold
/// up the tasks behind it: signals, and a server's other clients. Dropping the future
/// gives up on the answer; the thread finishes the work and drops it.
async fn off_workers<T: Send + 'static>(planning: impl Future<Output = Result<T>> + Send + 'static) -> Result<T> {
    let runtime = tokio::runtime::Handle::current();
    let planned = tokio::task::spawn_blocking(move || runtime.block_on(planning)).await;
    planned.map_err(|e| DataFusionError::Execution(format!("planning failed: {e}")))?
}

/// Whether planning `statement` may scan a table more than once: a table named twice, or a
/// subquery expression (one over a set-returning function of the outer row scans the outer
/// table again, see `postgres::correlated`).
pub fn rereads(statement: &Statement) -> bool {
    use datafusion::sql::sqlparser::ast::{Expr, ObjectName, Visitor};

    #[derive(Default)]
    struct Reads {
        tables: Vec<ObjectName>,
    }
    impl Visitor for Reads {
        type Break = ();
        fn pre_visit_relation(&mut self, name: &ObjectName) -> std::ops::ControlFlow<()> {
            if self.tables.contains(name) {
                return std::ops::ControlFlow::Break(());
            }
            self.tables.push(name.clone());
            std::ops::ControlFlow::Continue(())
        }
        fn pre_visit_expr(&mut self, expr: &Expr) -> std::ops::ControlFlow<()> {
            match expr {
                Expr::Exists { .. } | Expr::InSubquery { .. } | Expr::Subquery(_) => std::ops::ControlFlow::Break(()),
                _ => std::ops::ControlFlow::Continue(()),
            }
        }
    }
    visit(statement, &mut Reads::default()).is_break()
}

/// The deepest expression planning is sure to handle within the planning threads' stack
/// (a chain of ORs or +s is as deep as it is long).
const MAX_EXPRESSION_DEPTH: usize = 5_000;

/// How deeply the expressions of a statement nest.
fn expression_depth(statement: &Statement) -> usize {
    use datafusion::sql::sqlparser::ast::{Expr, Visitor};

    #[derive(Default)]
    struct Depth {
        now: usize,
        max: usize,
    }
    impl Visitor for Depth {
        type Break = ();
        fn pre_visit_expr(&mut self, _: &Expr) -> std::ops::ControlFlow<()> {
            self.now += 1;
            self.max = self.max.max(self.now);
            // Deep enough to refuse: no need to walk (and recurse) further.
            if self.now > MAX_EXPRESSION_DEPTH {
                std::ops::ControlFlow::Break(())
            } else {
                std::ops::ControlFlow::Continue(())
            }
        }
        fn post_visit_expr(&mut self, _: &Expr) -> std::ops::ControlFlow<()> {
            self.now -= 1;
            std::ops::ControlFlow::Continue(())
        }
    }
    let mut depth = Depth::default();
    let _ = visit(statement, &mut depth);
    depth.max
}

/// Walks the SQL of `statement` (a COPY's query, an EXPLAIN's statement) with `visitor`.
fn visit<V: datafusion::sql::sqlparser::ast::Visitor>(
    statement: &Statement,
    visitor: &mut V,
) -> std::ops::ControlFlow<V::Break> {
    use datafusion::sql::sqlparser::ast::Visit;
    match statement {
        Statement::Statement(statement) => statement.visit(visitor),
        Statement::CopyTo(copy) => match &copy.source {
            datafusion::sql::parser::CopyToSource::Query(query) => query.visit(visitor),
            datafusion::sql::parser::CopyToSource::Relation(_) => std::ops::ControlFlow::Continue(()),
        },
        Statement::Explain(explain) => visit(&explain.statement, visitor),
        _ => std::ops::ControlFlow::Continue(()),
    }
}

/// Rows written between two chances to be cancelled: milliseconds of work in any format.
const ROWS_PER_WRITE: usize = 8192;

/// Runs one statement for `run`, streaming its answer into `destination` as it arrives.
pub async fn execute(
    ctx: &SessionContext,
    engine: &Engine,
    run: &Arc<QueryRun>,
    statement: &Statement,
    destination: &Destination,
) -> Result<Summary, String> {
    let copy = copy::redirect(statement)?;
    let statement = copy.as_ref().map_or(statement, |c| &c.statement);
    let frame = plan(ctx, run, statement.clone()).await.map_err(|e| describe(&e))?;
    let mut stream = start_frame(frame).await.map_err(|e| describe(&e))?;
    let schema = json_values::schema(&stream.schema());
    let mut sink = destination.sink(schema.clone())?;
    let mut rows = 0;
    while let Some(batch) = stream.next().await {
        let batch = batch.map_err(|e| describe(&e))?;
        let batch = json_values::batch(batch, &schema).map_err(|e| format!("cannot write the output: {e}"))?;
        rows += batch.num_rows();
        // A ready stream never makes this future wait, and only a waiting future sees a
        // signal: each slice ends with a yield, so Ctrl-C ends an export within a slice.
        for offset in (0..batch.num_rows()).step_by(ROWS_PER_WRITE) {
            let slice = batch.slice(offset, ROWS_PER_WRITE.min(batch.num_rows() - offset));
            sink.write(&slice).map_err(|e| format!("cannot write the output: {e}"))?;
            tokio::task::yield_now().await;
        }
    }
    sink.finish().map_err(|e| format!("cannot write the output: {e}"))?;
    let summary = run.summary(engine, rows);
    // A COPY over a table no target answered for leaves the file the user had.
    if let Some(copy) = copy.filter(|_| summary.failed_tables.is_empty()) {
        copy.file.commit()?;
    }
    Ok(summary)
}

/// A DataFusion error as one line a user can act on.
pub fn describe(error: &DataFusionError) -> String {
    // An optimizer or analyzer rule's name in front of its error says nothing to a user.
    let error = match error {
        DataFusionError::Context(_, inner) => inner.find_root(),
        other => other,
    };
    let message = error.to_string().replace("table 'datafusion.public.", "table '");
    let message = message.lines().map(str::trim).collect::<Vec<_>>().join(" ");
    let message = match message.split_once(" Valid fields are") {
        Some((head, _)) => format!("{head} (see `cove inspect TABLE` for the columns)"),
        None => message,
    };
    if message.contains("not found") && message.contains("table '") {
        format!("{message} (see `cove tables`)")
    } else {
        message
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn errors_are_one_short_line() {
        let ctx = SessionContext::new();
        ctx.sql("CREATE TABLE t (a INT)").await.unwrap();
        let err = ctx.sql("SELECT b FROM t").await.unwrap_err();
        let message = describe(&err);
        assert_eq!(message, "Schema error: No field named b. (see `cove inspect TABLE` for the columns)");
        let err = ctx.sql("SELECT * FROM nope").await.unwrap_err();
        assert_eq!(describe(&err), "Error during planning: table 'nope' not found (see `cove tables`)");
    }
}
