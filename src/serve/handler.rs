//! Statements from the wire. What each may do (read-only: queries, EXPLAIN, SHOW, SET and
//! transaction brackets); a query runs in its own run, its rows stream back until the
//! client cancels, and its target failures follow the rows as a WARNING.

use std::collections::HashMap;
use std::fmt::Debug;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::ParamValues;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionContext;
use datafusion::sql::parser::{ResetStatement, Statement};
use datafusion::sql::sqlparser::ast;
use datafusion::sql::sqlparser::ast::{Expr, Value};
use futures::stream::{self, BoxStream, StreamExt};
use futures::{Sink, SinkExt};
use parking_lot::Mutex;
use pgwire::api::portal::{Format, Portal, PortalExecutionState};
use pgwire::api::query::{
    ExtendedQueryHandler, SimpleQueryHandler, send_execution_response, send_query_response, send_ready_for_query,
};
use pgwire::api::results::{DataRowEncoder, FieldInfo, QueryResponse, Response, Tag};
use pgwire::api::stmt::QueryParser;
use pgwire::api::store::{Entry, PortalStore};
use pgwire::api::{
    ClientInfo, ClientPortalStore, ConnectionGuard, ConnectionHandle, DEFAULT_NAME, PgWireConnectionState, Type,
};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::copy::{CopyData, CopyDone, CopyOutResponse};
use pgwire::messages::extendedquery::{Execute, PortalSuspended};
use pgwire::messages::response::{EmptyQueryResponse, TransactionStatus};
use pgwire::messages::simplequery::Query;

use super::encode::{CopyFormat, CopyRows, DataRows, Encoding};
use super::{encode, errors, settings};
use crate::engine::Engine;
use crate::engine::failures::{Failure, summarize};
use crate::engine::run::QueryRun;
use crate::engine::session;
use crate::output::json_values;

/// One client's connection: how to cancel its query, the settings it started with, and
/// the failures of its queries.
pub struct Connection {
    cancel: Arc<ConnectionHandle>,
    _registered: ConnectionGuard,
    /// What RESET and DISCARD ALL go back to.
    startup: HashMap<String, String>,
    /// The failures of its last query that ran to the end, which `cove_errors` shows it.
    last_failures: Mutex<Vec<Failure>>,
    /// Failures of finished queries not yet told to the client.
    untold: Mutex<Vec<Vec<Failure>>>,
}

impl Connection {
    pub fn new(
        cancel: Arc<ConnectionHandle>,
        registered: ConnectionGuard,
        startup: HashMap<String, String>,
    ) -> Connection {
        Connection {
            cancel,
            _registered: registered,
            startup,
            last_failures: Mutex::default(),
            untold: Mutex::default(),
        }
    }

    fn of<C: ClientInfo>(client: &C) -> PgWireResult<Arc<Connection>> {
        let connection = client.session_extensions().get::<Connection>();
        connection.ok_or_else(|| errors::error(errors::INTERNAL, "the connection was not set up"))
    }
}

/// Answers every connection's statements, on one engine and session.
pub struct Queries {
    engine: Arc<Engine>,
    ctx: SessionContext,
    strict: bool,
    parser: Arc<Parser>,
}

impl Queries {
    pub fn new(engine: Arc<Engine>, ctx: SessionContext, strict: bool) -> Queries {
        Queries { engine, parser: Arc::new(Parser { ctx: ctx.clone() }), ctx, strict }
    }
}

/// A statement as the client sent it, and what answering it takes.
#[derive(Clone, Debug)]
pub struct Prepared {
    sql: String,
    action: Action,
}

#[derive(Clone, Debug)]
enum Action {
    Query(Box<LogicalPlan>),
    /// `COPY (query) TO STDOUT`: the rows as COPY data, which psql's `\copy` saves.
    Copy(Box<LogicalPlan>, CopyFormat),
    Set {
        name: String,
        value: String,
    },
    /// RESET of one setting, or of all (RESET ALL, DISCARD ALL).
    Reset {
        name: Option<String>,
        tag: &'static str,
    },
    Show(String),
    Begin,
    Commit,
    Rollback,
    /// Nothing to do but say it is done (DISCARD PLANS, DEALLOCATE).
    Acknowledge(String),
}

/// What one statement answers.
enum Answer {
    Rows(QueryResponse),
    Copy(CopyOut),
    Done(Tag),
    TransactionStart(Tag),
    TransactionEnd(Tag),
}

/// The COPY data of an answer, its header line first when it has one.
struct CopyOut {
    columns: usize,
    header: Option<CopyData>,
    rows: BoxStream<'static, PgWireResult<CopyData>>,
}

/// What statements that write start with: they are refused as a read-only server does.
const WRITES: [&str; 13] = [
    "INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "CREATE", "DROP", "ALTER", "TRUNCATE", "COPY", "GRANT", "REVOKE",
    "COMMENT",
];

pub struct Parser {
    ctx: SessionContext,
}

impl Parser {
    /// Decides what `statement` (`sql` in the client's words) may do, and plans it if it
    /// is a query.
    /// Planning is cut short by a cancel request or the client's statement_timeout, counted
    /// from `started`.
    async fn prepare<C: ClientInfo + Sync>(
        &self,
        client: &C,
        statement: Statement,
        sql: String,
        started: Instant,
    ) -> PgWireResult<Prepared> {
        let plan = |statement| self.plan(client, statement, started);
        let action = match statement {
            Statement::Statement(sql_statement) => match *sql_statement {
                ast::Statement::Set(ast::Set::SingleAssignment { variable, values, .. }) => {
                    let default = |value: &Expr| {
                        matches!(value, Expr::Identifier(word) if word.quote_style.is_none()
                            && word.value.eq_ignore_ascii_case("default"))
                    };
                    match &values[..] {
                        [value] if default(value) => Action::Reset { name: Some(variable.to_string()), tag: "SET" },
                        _ => {
                            let values: Vec<String> = values.iter().map(setting_value).collect();
                            Action::Set { name: variable.to_string(), value: values.join(", ") }
                        }
                    }
                }
                ast::Statement::Set(ast::Set::SetTimeZone { value, .. }) => {
                    Action::Set { name: "TimeZone".into(), value: setting_value(&value) }
                }
                ast::Statement::ShowVariable { variable } => {
                    Action::Show(variable.iter().map(|i| i.value.as_str()).collect::<Vec<_>>().join(" "))
                }
                ast::Statement::StartTransaction { .. } => Action::Begin,
                ast::Statement::Commit { .. } => Action::Commit,
                ast::Statement::Rollback { .. } => Action::Rollback,
                ast::Statement::Discard { object_type: ast::DiscardObject::ALL } => {
                    Action::Reset { name: None, tag: "DISCARD ALL" }
                }
                ast::Statement::Discard { object_type } => Action::Acknowledge(format!("DISCARD {object_type}")),
                ast::Statement::Deallocate { .. } => Action::Acknowledge("DEALLOCATE".into()),
                query @ (ast::Statement::Query(_) | ast::Statement::Explain { .. }) => {
                    Action::Query(plan(Statement::Statement(Box::new(query))).await?)
                }
                ast::Statement::Copy {
                    source,
                    to: true,
                    target: ast::CopyTarget::Stdout,
                    options,
                    legacy_options,
                    ..
                } => {
                    let format = copy_format(&options, &legacy_options)?;
                    let query = session::copy_query(source).map_err(unparsable)?;
                    Action::Copy(plan(query).await?, format)
                }
                ast::Statement::Copy { to: false, .. } => {
                    return Err(read_only("COPY ... FROM would write into a table"));
                }
                other => {
                    let words: Vec<String> = other.to_string().split_whitespace().take(2).map(str::to_string).collect();
                    let kind = words.join(" ");
                    let writes =
                        words.first().is_some_and(|first| WRITES.iter().any(|w| w.eq_ignore_ascii_case(first)));
                    return Err(match writes {
                        true => read_only(&format!("{kind} is not a query")),
                        false => {
                            errors::error(errors::FEATURE_NOT_SUPPORTED, format!("cove serve does not run {kind}"))
                        }
                    });
                }
            },
            explain @ Statement::Explain(_) => Action::Query(plan(explain).await?),
            Statement::Reset(ResetStatement::Variable(name)) => {
                let name = name.to_string();
                Action::Reset { name: (!name.eq_ignore_ascii_case("all")).then_some(name), tag: "RESET" }
            }
            Statement::CopyTo(_) => {
                return Err(read_only(
                    "COPY ... TO a file would write it on the server: COPY ... TO STDOUT sends the rows \
                     to the client (psql's \\copy)",
                ));
            }
            Statement::CreateExternalTable(_) => {
                return Err(read_only("CREATE EXTERNAL TABLE would read files on the server"));
            }
        };
        Ok(Prepared { sql, action })
    }

    async fn plan<C: ClientInfo + Sync>(
        &self,
        client: &C,
        statement: Statement,
        started: Instant,
    ) -> PgWireResult<Box<LogicalPlan>> {
        let mut interrupted = interruption(client, started).await?;
        let planned = tokio::select! {
            biased;
            stop = &mut interrupted => return Err(stop.error()),
            planned = session::logical_plan(self.ctx.state(), statement) => planned,
        };
        let plan = planned.map_err(|e| errors::from_datafusion(&e))?;
        // A second line of defence: whatever the statement was, its plan writes nothing.
        let read_only_plan = datafusion::execution::context::SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .with_allow_statements(false);
        read_only_plan.verify_plan(&plan).map_err(|e| self::read_only(&session::describe(&e)))?;
        Ok(Box::new(plan))
    }
}

fn read_only(why: &str) -> PgWireError {
    errors::error(errors::READ_ONLY, format!("cove serve is read-only: {why}"))
}

/// A SET's value as the client meant it: `'ISO'` and `ISO` are both ISO.
fn setting_value(expr: &Expr) -> String {
    match expr {
        Expr::Value(value) => match &value.value {
            Value::SingleQuotedString(text) | Value::DoubleQuotedString(text) => text.clone(),
            other => other.to_string(),
        },
        Expr::Identifier(ident) => ident.value.clone(),
        other => other.to_string(),
    }
}

/// Parses `sql`, cove's way: the same dialect and rewrites as the shell.
fn statements(sql: &str) -> PgWireResult<Vec<Statement>> {
    session::client_statements(sql).or_else(|message| {
        // DataFusion reads COPY to a file only; Postgres's forms (TO STDOUT, FROM) are
        // read as Postgres writes them.
        let parsed = session::sql_statements(sql).ok().and_then(|p| <[_; 1]>::try_from(p).ok());
        if let Some([copy @ ast::Statement::Copy { .. }]) = parsed {
            return Ok(vec![Statement::Statement(Box::new(copy))]);
        }
        Err(unparsable(message))
    })
}

/// Why cove cannot read a statement, as Postgres tells it.
fn unparsable(message: String) -> PgWireError {
    let code = if message.contains("not supported") { errors::FEATURE_NOT_SUPPORTED } else { errors::SYNTAX_ERROR };
    errors::error(code, message)
}

/// The format a COPY's options ask for; an option cove cannot honour is an error.
fn copy_format(options: &[ast::CopyOption], legacy: &[ast::CopyLegacyOption]) -> PgWireResult<CopyFormat> {
    let unsupported = |option: &dyn std::fmt::Display| {
        errors::error(errors::FEATURE_NOT_SUPPORTED, format!("cove serve does not COPY with {option}"))
    };
    let (mut csv, mut delimiter, mut null, mut quote, mut escape, mut header) = (false, None, None, None, None, false);
    for option in options {
        match option {
            ast::CopyOption::Format(name) if name.value.eq_ignore_ascii_case("csv") => csv = true,
            ast::CopyOption::Format(name) if name.value.eq_ignore_ascii_case("text") => csv = false,
            ast::CopyOption::Delimiter(c) => delimiter = Some(*c),
            ast::CopyOption::Null(text) => null = Some(text.clone()),
            ast::CopyOption::Header(on) => header = *on,
            ast::CopyOption::Quote(c) => quote = Some(*c),
            ast::CopyOption::Escape(c) => escape = Some(*c),
            ast::CopyOption::Encoding(name) if settings::honoured("client_encoding", name).is_ok() => {}
            other => return Err(unsupported(other)),
        }
    }
    for option in legacy {
        match option {
            ast::CopyLegacyOption::Delimiter(c) => delimiter = Some(*c),
            ast::CopyLegacyOption::Null(text) => null = Some(text.clone()),
            ast::CopyLegacyOption::Header => header = true,
            ast::CopyLegacyOption::Csv(csv_options) => {
                csv = true;
                for option in csv_options {
                    match option {
                        ast::CopyLegacyCsvOption::Header => header = true,
                        ast::CopyLegacyCsvOption::Quote(c) => quote = Some(*c),
                        ast::CopyLegacyCsvOption::Escape(c) => escape = Some(*c),
                        other => return Err(unsupported(other)),
                    }
                }
            }
            other => return Err(unsupported(other)),
        }
    }
    // Postgres's rules, so that what is written reads back.
    let invalid = |why: String| errors::error(errors::INVALID_PARAMETER_VALUE, format!("COPY: {why}"));
    if !csv && (quote.is_some() || escape.is_some()) {
        return Err(invalid("QUOTE and ESCAPE are for the CSV format".into()));
    }
    let byte =
        |c: char| u8::try_from(c).ok().filter(u8::is_ascii).ok_or_else(|| invalid(format!("{c} is not one byte")));
    let delimiter = byte(delimiter.unwrap_or(if csv { ',' } else { '\t' }))?;
    let quote = byte(quote.unwrap_or('"'))?;
    let escape = escape.map_or(Ok(quote), byte)?;
    let null = null.unwrap_or_else(|| if csv { String::new() } else { "\\N".to_string() });
    if [b'\r', b'\n'].contains(&delimiter) || (!csv && delimiter == b'\\') || (csv && delimiter == quote) {
        return Err(invalid("the delimiter cannot be a newline, a backslash (text) or the quote (CSV)".into()));
    }
    if null.contains(['\r', '\n']) || null.as_bytes().contains(&delimiter) {
        return Err(invalid("the NULL string cannot hold a newline or the delimiter".into()));
    }
    Ok(CopyFormat { csv, delimiter, null, quote, escape, header })
}

#[async_trait]
impl QueryParser for Parser {
    type Statement = Prepared;

    async fn parse_sql<C>(&self, client: &C, sql: &str, _types: &[Option<Type>]) -> PgWireResult<Option<Prepared>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        let prepared = match statements(sql) {
            Ok(statements) if statements.is_empty() => return Ok(None),
            Ok(mut statements) if statements.len() == 1 => {
                self.prepare(client, statements.remove(0), sql.to_string(), Instant::now()).await
            }
            Ok(_) => Err(errors::error(errors::SYNTAX_ERROR, "a prepared statement is one statement")),
            Err(e) => Err(e),
        };
        prepared.map(Some).map_err(|e| Log::new(client, sql).failed(e))
    }

    fn get_parameter_types(&self, prepared: &Prepared) -> PgWireResult<Vec<Type>> {
        match &prepared.action {
            Action::Query(plan) | Action::Copy(plan, _) => encode::parameter_types(plan),
            _ => Ok(Vec::new()),
        }
    }

    fn get_result_schema(&self, prepared: &Prepared, format: Option<&Format>) -> PgWireResult<Vec<FieldInfo>> {
        let format = format.cloned().unwrap_or_default();
        match &prepared.action {
            Action::Query(plan) => encode::fields(&answer_schema(plan), &format),
            Action::Show(name) => Ok(vec![show_field(name, &format)]),
            _ => Ok(Vec::new()),
        }
    }
}

/// The columns `plan`'s rows are sent with: JSON values as JSON text.
fn answer_schema(plan: &LogicalPlan) -> SchemaRef {
    json_values::schema(&Arc::new(plan.schema().as_arrow().clone()))
}

fn show_field(name: &str, format: &Format) -> FieldInfo {
    FieldInfo::new(name.to_string(), None, None, Type::TEXT, format.format_for(0))
}

impl Queries {
    /// Answers one prepared statement for `client`, with `parameters` bound to a query's.
    /// Every statement is logged once: a query when its rows end, any other now.
    async fn answer<C>(
        &self,
        client: &mut C,
        prepared: &Prepared,
        parameters: Option<ParamValues>,
        format: &Format,
        started: Instant,
    ) -> PgWireResult<Answer>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let mut log = Log::new(client, &prepared.sql);
        let failed_transaction = matches!(client.transaction_status(), TransactionStatus::Error);
        if failed_transaction && !matches!(prepared.action, Action::Commit | Action::Rollback) {
            return Err(log.failed(aborted()));
        }
        let answer = match &prepared.action {
            Action::Query(plan) => {
                let (fields, rows) = self.query(client, plan, parameters, format, started, log, DataRows).await?;
                return Ok(Answer::Rows(QueryResponse::new(fields, rows)));
            }
            Action::Copy(plan, copy) => {
                let text = &Format::UnifiedText;
                let copy_rows = |fields| CopyRows::new(fields, copy.clone());
                let (fields, rows) = self.query(client, plan, parameters, text, started, log, copy_rows).await?;
                return Ok(Answer::Copy(CopyOut { columns: fields.len(), header: copy.header(&fields), rows }));
            }
            Action::Set { name, value } => set(client, name, value).await,
            Action::Reset { name, tag } => reset(client, name.as_deref(), tag).await,
            Action::Show(name) => show(client, name, format).map(Answer::Rows),
            Action::Begin => Ok(Answer::TransactionStart(Tag::new("BEGIN"))),
            // COMMIT of a failed transaction rolls it back, as in Postgres.
            Action::Commit if failed_transaction => Ok(Answer::TransactionEnd(Tag::new("ROLLBACK"))),
            Action::Commit => Ok(Answer::TransactionEnd(Tag::new("COMMIT"))),
            Action::Rollback => Ok(Answer::TransactionEnd(Tag::new("ROLLBACK"))),
            Action::Acknowledge(tag) => Ok(Answer::Done(Tag::new(tag))),
        };
        match answer {
            Ok(answer) => {
                log.finish("ok");
                Ok(answer)
            }
            Err(e) => Err(log.failed(e)),
        }
    }

    /// Starts `plan` in a run of its own: its columns, and its rows, encoded as `encoding`
    /// makes of the columns, streaming as the client reads them until it cancels or its
    /// statement_timeout, counted from `started`, passes.
    #[allow(clippy::too_many_arguments)]
    async fn query<C: ClientInfo, E: Encoding>(
        &self,
        client: &C,
        plan: &LogicalPlan,
        parameters: Option<ParamValues>,
        format: &Format,
        started: Instant,
        log: Log,
        encoding: impl FnOnce(Arc<Vec<FieldInfo>>) -> E + Send,
    ) -> PgWireResult<(Arc<Vec<FieldInfo>>, BoxStream<'static, PgWireResult<E::Item>>)> {
        let connection = match Connection::of(client) {
            Ok(connection) => connection,
            Err(e) => return Err(log.failed(e)),
        };
        // Listening for a cancel request first: one sent while the query plans cancels it.
        let mut interrupted = match interruption(client, started).await {
            Ok(interrupted) => interrupted,
            Err(e) => return Err(log.failed(e)),
        };
        let run = QueryRun::start(&self.engine, connection.last_failures.lock().clone());
        let started = tokio::select! {
            biased;
            stop = &mut interrupted => Err(stop.error()),
            started = self.start(&run, plan, parameters, format) => started,
        };
        let (batches, schema, fields) = match started {
            Ok(started) => started,
            Err(e) => return Err(log.failed(e)),
        };
        let rows = Rows {
            batches: Some(batches),
            schema,
            encoding: encoding(fields.clone()),
            interrupted,
            engine: self.engine.clone(),
            run,
            connection,
            strict: self.strict,
            rows: 0,
            log,
        };
        Ok((fields, stream::unfold(rows, Rows::next).flat_map(stream::iter).boxed()))
    }

    /// Binds `parameters` to `plan` and starts it in `run`: its stream, and its columns
    /// as they are sent.
    async fn start(
        &self,
        run: &Arc<QueryRun>,
        plan: &LogicalPlan,
        parameters: Option<ParamValues>,
        format: &Format,
    ) -> PgWireResult<(SendableRecordBatchStream, SchemaRef, Arc<Vec<FieldInfo>>)> {
        let plan = match parameters {
            Some(parameters) => plan.clone().with_param_values(parameters),
            None => Ok(plan.clone()),
        };
        let plan = plan.map_err(|e| errors::from_datafusion(&e))?;
        let batches = session::start(&self.ctx, run, plan).await.map_err(|e| errors::from_datafusion(&e))?;
        let schema = json_values::schema(&batches.schema());
        let fields = Arc::new(encode::fields(&schema, format)?);
        Ok((batches, schema, fields))
    }

    /// Tells the client of the target failures of its queries that have finished.
    async fn tell_failures<C>(&self, client: &mut C) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let untold = std::mem::take(&mut *Connection::of(client)?.untold.lock());
        for failures in untold {
            let mut warning = ErrorInfo::new("WARNING".into(), "01000".into(), failed_scans(&failures));
            warning.detail = Some(summarize(&failures).join("\n"));
            client.send(PgWireBackendMessage::NoticeResponse(warning.into())).await?;
        }
        Ok(())
    }

    /// Sends `answer` (a query's rows with their description when `describe`, as a simple
    /// query wants), and keeps the transaction status it leads to.
    async fn send<C>(&self, client: &mut C, answer: Answer, describe: bool) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let status = client.transaction_status();
        let (tag, status) = match answer {
            Answer::Rows(rows) => {
                send_query_response(client, rows, describe).await?;
                return self.tell_failures(client).await;
            }
            Answer::Copy(copy) => {
                send_copy(client, copy).await?;
                return self.tell_failures(client).await;
            }
            Answer::Done(tag) => (tag, status),
            Answer::TransactionStart(tag) => (tag, status.to_in_transaction_state()),
            Answer::TransactionEnd(tag) => {
                // As in Postgres, a transaction's portals end with it.
                client.portal_store().clear_portals();
                (tag, TransactionStatus::Idle)
            }
        };
        send_execution_response(client, tag).await?;
        client.set_transaction_status(status);
        Ok(())
    }

    /// Parses, plans and answers one statement of a simple query.
    async fn answer_statement<C>(&self, client: &mut C, statement: Statement, sql: String) -> PgWireResult<Answer>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let started = Instant::now();
        let prepared = self.parser.prepare(client, statement, sql.clone(), started).await;
        let prepared = prepared.map_err(|e| Log::new(client, &sql).failed(e))?;
        self.answer(client, &prepared, None, &Format::UnifiedText, started).await
    }

    /// Answers the statements of a simple query in turn, each sent before the next runs;
    /// the first error ends it.
    async fn answer_all<C>(&self, client: &mut C, sql: &str) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let statements = statements(sql).map_err(|e| Log::new(client, sql).failed(e))?;
        if statements.is_empty() {
            client.send(PgWireBackendMessage::EmptyQueryResponse(EmptyQueryResponse::new())).await?;
        }
        let one = statements.len() == 1;
        for statement in statements {
            let text = if one { sql.to_string() } else { statement.to_string() };
            let answer = self.answer_statement(client, statement, text).await?;
            self.send(client, answer, true).await?;
        }
        Ok(())
    }
}

/// COPY data as Postgres sends it: the columns, the rows, done. pgwire's own sender
/// answers an error with CopyFail, which only a client may send, and counts the header
/// line as a row.
async fn send_copy<C>(client: &mut C, copy: CopyOut) -> PgWireResult<()>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    let CopyOut { columns, header, mut rows } = copy;
    let count = i16::try_from(columns).map_err(|_| errors::error(errors::PROGRAM_LIMIT, "too many columns to COPY"))?;
    let started = CopyOutResponse::new(0, count, vec![0; columns]);
    client.send(PgWireBackendMessage::CopyOutResponse(started)).await?;
    if let Some(header) = header {
        client.feed(PgWireBackendMessage::CopyData(header)).await?;
    }
    let mut sent = 0;
    while let Some(row) = rows.next().await {
        client.feed(PgWireBackendMessage::CopyData(row?)).await?;
        sent += 1;
    }
    client.feed(PgWireBackendMessage::CopyDone(CopyDone::new())).await?;
    let done = Tag::new("COPY").with_rows(sent);
    client.send(PgWireBackendMessage::CommandComplete(done.into())).await?;
    Ok(())
}

fn aborted() -> PgWireError {
    errors::error(
        errors::IN_FAILED_TRANSACTION,
        "current transaction is aborted, commands ignored until end of transaction block",
    )
}

fn failed_scans(failures: &[Failure]) -> String {
    let n = failures.len();
    format!(
        "{n} target scan{} failed: the answer lacks their rows (SELECT * FROM cove_errors)",
        if n == 1 { "" } else { "s" }
    )
}

/// `SET name = value`, for the values cove can honour.
async fn set<C>(client: &mut C, name: &str, value: &str) -> PgWireResult<Answer>
where
    C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    let name = settings::known_name(name);
    let value = settings::honoured(&name, value)?;
    client.metadata_mut().insert(name.clone(), value);
    settings::report(client, [name]).await?;
    Ok(Answer::Done(Tag::new("SET")))
}

/// `RESET name`, or every setting (`name` None): back to what the connection started with.
async fn reset<C>(client: &mut C, name: Option<&str>, tag: &str) -> PgWireResult<Answer>
where
    C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
    C::Error: Debug,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
{
    let connection = Connection::of(client)?;
    if tag == "DISCARD ALL" && matches!(client.transaction_status(), TransactionStatus::Transaction) {
        return Err(errors::error(errors::ACTIVE_TRANSACTION, "DISCARD ALL cannot run inside a transaction block"));
    }
    let names: Vec<String> = match name {
        Some(name) if settings::value(client, name).is_none() => return Err(settings::unknown(name)),
        Some(name) => vec![settings::known_name(name)],
        None => client.metadata().keys().chain(connection.startup.keys()).cloned().collect(),
    };
    for name in &names {
        match connection.startup.get(name) {
            Some(value) => client.metadata_mut().insert(name.clone(), value.clone()),
            None => client.metadata_mut().remove(name),
        };
    }
    settings::report(client, names).await?;
    Ok(Answer::Done(Tag::new(tag)))
}

/// `SHOW name`: what the client set, or cove's value.
fn show<C: ClientInfo>(client: &C, name: &str, format: &Format) -> PgWireResult<QueryResponse> {
    let value = settings::value(client, name).ok_or_else(|| settings::unknown(name))?;
    let fields = Arc::new(vec![show_field(name, format)]);
    let mut row = DataRowEncoder::new(fields.clone());
    row.encode_field(&value)?;
    Ok(QueryResponse::new(fields, stream::iter([Ok(row.take_row())])))
}

/// Why a statement ended before its answer did.
enum Interrupted {
    Cancelled,
    TimedOut,
}

impl Interrupted {
    fn error(&self) -> PgWireError {
        match self {
            Interrupted::Cancelled => errors::canceled(),
            Interrupted::TimedOut => {
                errors::error(errors::QUERY_CANCELED, "canceling statement due to statement timeout")
            }
        }
    }

    /// For the log.
    fn describe(&self) -> &'static str {
        match self {
            Interrupted::Cancelled => "cancelled",
            Interrupted::TimedOut => "timed out (statement_timeout)",
        }
    }
}

type Interruption = Pin<Box<dyn Future<Output = Interrupted> + Send>>;

/// Resolves when the client's cancel request for its current statement arrives, or when
/// its statement_timeout, counted from `started`, passes.
async fn interruption<C: ClientInfo>(client: &C, started: Instant) -> PgWireResult<Interruption> {
    let cancel = Connection::of(client)?.cancel.start_query().await;
    let timeout = settings::statement_timeout(client);
    Ok(Box::pin(async move {
        let cancelled = async {
            // Only a cancel request cancels: the sender is also dropped when the next
            // statement starts.
            if cancel.await.is_err() {
                std::future::pending::<()>().await
            }
            Interrupted::Cancelled
        };
        let Some(timeout) = timeout else { return cancelled.await };
        tokio::select! {
            interrupted = cancelled => interrupted,
            () = tokio::time::sleep_until((started + timeout).into()) => Interrupted::TimedOut,
        }
    }))
}

/// A query's rows as they come, ended early by a cancel request or the statement timeout.
struct Rows<E> {
    /// None once the rows have ended.
    batches: Option<SendableRecordBatchStream>,
    schema: SchemaRef,
    encoding: E,
    interrupted: Interruption,
    engine: Arc<Engine>,
    run: Arc<QueryRun>,
    connection: Arc<Connection>,
    strict: bool,
    rows: usize,
    log: Log,
}

impl<E: Encoding> Rows<E> {
    async fn next(mut self) -> Option<(Vec<PgWireResult<E::Item>>, Self)> {
        let batches = self.batches.as_mut()?;
        let batch = tokio::select! {
            biased;
            stop = &mut self.interrupted => Err(stop),
            batch = batches.next() => Ok(batch),
        };
        let batch = match batch {
            Ok(batch) => batch,
            Err(stop) => {
                // Dropping the stream drops the API calls in flight.
                self.batches = None;
                let summary = self.run.summary(&self.engine, self.rows).describe();
                self.log.finish(&format!("{}: {summary}", stop.describe()));
                return Some((vec![Err(stop.error())], self));
            }
        };
        // The error that ends the rows, and its message for the log.
        let error = match batch {
            Some(Ok(batch)) => match json_values::batch(batch, &self.schema) {
                Ok(batch) => {
                    let mut rows = self.encoding.encode(batch);
                    let Some(bad) = rows.iter().position(Result::is_err) else {
                        self.rows += rows.len();
                        return Some((rows, self));
                    };
                    // A value the wire cannot carry ends the answer after the rows before it.
                    self.rows += bad;
                    rows.truncate(bad + 1);
                    self.batches = None;
                    if let Some(Err(e)) = rows.last() {
                        self.log.finish(&format!("error: cannot send the answer: {e}"));
                    }
                    return Some((rows, self));
                }
                Err(e) => {
                    let message = format!("cannot send the answer: {e}");
                    Some((errors::error(errors::INTERNAL, message.clone()), message))
                }
            },
            Some(Err(e)) => Some((errors::from_datafusion(&e), session::describe(&e))),
            None => None,
        };
        self.batches = None;
        let summary = self.run.summary(&self.engine, self.rows);
        let failed = summary.failed(self.strict);
        let outcome = match (&error, &failed) {
            (Some((_, message)), _) => format!("error: {message}"),
            (None, Some(why)) => format!("error: {why}"),
            (None, None) => "ok".to_string(),
        };
        self.log.finish(&format!("{outcome}: {}", summary.describe()));
        let answer = match (error, failed) {
            (Some((error, _)), _) => Err(error),
            (None, Some(why)) => {
                *self.connection.last_failures.lock() = summary.failures.clone();
                let mut info = ErrorInfo::new("ERROR".into(), errors::EXTERNAL_FAILURE.into(), why);
                info.detail = Some(summarize(&summary.failures).join("\n"));
                Err(PgWireError::UserError(Box::new(info)))
            }
            (None, None) => {
                *self.connection.last_failures.lock() = summary.failures.clone();
                Ok(())
            }
        };
        match answer {
            Err(e) => Some((vec![Err(e)], self)),
            Ok(()) => {
                if !summary.failures.is_empty() {
                    self.connection.untold.lock().push(summary.failures);
                }
                None
            }
        }
    }
}

/// The stderr line of one query: who asked, how it went, what it cost. A query dropped
/// before its end (the client went away, or closed its portal) is logged as abandoned.
struct Log {
    who: String,
    sql: String,
    done: bool,
}

impl Log {
    fn new<C: ClientInfo>(client: &C, sql: &str) -> Log {
        // The client names itself: no control characters, so it cannot forge log lines.
        let app = client.metadata().get("application_name").map(|a| a.replace(char::is_control, "?"));
        let who = match app.filter(|a| !a.is_empty()) {
            Some(app) => format!("{} {app}", client.socket_addr()),
            None => client.socket_addr().to_string(),
        };
        let sql = sql.split_whitespace().collect::<Vec<_>>().join(" ").replace(char::is_control, "?");
        let sql = match sql.char_indices().nth(100) {
            Some((cut, _)) => format!("{}...", &sql[..cut]),
            None => sql,
        };
        Log { who, sql, done: false }
    }

    fn finish(&mut self, outcome: &str) {
        self.done = true;
        eprintln!("serve: {}: {outcome} | {}", self.who, self.sql);
    }

    /// A statement refused or failed before it ran; the error, for the client.
    fn failed(mut self, error: PgWireError) -> PgWireError {
        let message = match &error {
            PgWireError::UserError(info) => info.message.clone(),
            other => other.to_string(),
        };
        self.finish(&format!("error: {message}"));
        error
    }
}

impl Drop for Log {
    fn drop(&mut self) {
        if !self.done {
            eprintln!("serve: {}: abandoned (the client went away or closed the query) | {}", self.who, self.sql);
        }
    }
}

#[async_trait]
impl SimpleQueryHandler for Queries {
    async fn on_query<C>(&self, client: &mut C, query: Query) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if !matches!(client.state(), PgWireConnectionState::ReadyForQuery) {
            return Err(PgWireError::NotReadyForQuery);
        }
        client.set_state(PgWireConnectionState::QueryInProgress);
        let answered = self.answer_all(client, &query.query).await;
        // On an error pgwire sends it, then ReadyForQuery.
        client.set_state(PgWireConnectionState::ReadyForQuery);
        answered?;
        send_ready_for_query(client, client.transaction_status()).await
    }

    /// Unused: pgwire calls it from its own `on_query`, which cove's replaces to send each
    /// statement's answer before running the next.
    async fn do_query<C>(&self, _client: &mut C, _sql: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        Err(errors::error(errors::INTERNAL, "cove serve answers simple queries in on_query"))
    }
}

impl Queries {
    /// Answers the statement of `portal` with the parameters bound to it.
    async fn answer_portal<C>(&self, client: &mut C, portal: &Portal<Prepared>) -> PgWireResult<Answer>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let prepared = &portal.statement.statement;
        let parameters = match &prepared.action {
            Action::Query(plan) | Action::Copy(plan, _) => {
                let parameters = encode::parameters(portal, plan);
                Some(parameters.map_err(|e| Log::new(client, &prepared.sql).failed(e))?)
            }
            _ => None,
        };
        self.answer(client, prepared, parameters, &portal.result_column_format, Instant::now()).await
    }
}

#[async_trait]
impl ExtendedQueryHandler for Queries {
    type Statement = Prepared;
    type QueryParser = Parser;

    fn query_parser(&self) -> Arc<Parser> {
        self.parser.clone()
    }

    /// As pgwire's, but a whole answer (no row limit, as most clients ask) streams to the
    /// client as it comes instead of being gathered in the portal first.
    async fn on_execute<C>(&self, client: &mut C, message: Execute) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Prepared>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if !matches!(client.state(), PgWireConnectionState::ReadyForQuery) {
            return Err(PgWireError::NotReadyForQuery);
        }
        let name = message.name.as_deref().unwrap_or(DEFAULT_NAME);
        let portal = match client.portal_store().get_portal(name) {
            Some(Entry::Value(portal)) => portal,
            Some(Entry::Empty) => {
                client.send(PgWireBackendMessage::EmptyQueryResponse(EmptyQueryResponse::new())).await?;
                return Ok(());
            }
            None => return Err(PgWireError::PortalNotFound(name.to_string())),
        };
        client.set_state(PgWireConnectionState::QueryInProgress);
        let max_rows = message.max_rows as usize;
        if matches!(*portal.state().lock().await, PortalExecutionState::Initial) {
            match self.answer_portal(client, &portal).await? {
                Answer::Rows(rows) if max_rows > 0 => portal.start(rows).await,
                answer => {
                    *portal.state().lock().await = PortalExecutionState::Finished;
                    self.send(client, answer, false).await?;
                    client.set_state(PgWireConnectionState::ReadyForQuery);
                    return Ok(());
                }
            }
        }
        if matches!(client.transaction_status(), TransactionStatus::Error) {
            return Err(aborted());
        }
        let mut fetched = portal.fetch(max_rows).await?;
        let mut sent = 0;
        while let Some(row) = fetched.response.data_rows().next().await {
            client.feed(PgWireBackendMessage::DataRow(row?)).await?;
            sent += 1;
        }
        match fetched.suspended {
            true => client.send(PgWireBackendMessage::PortalSuspended(PortalSuspended::new())).await?,
            false => {
                let tag = Tag::new(fetched.response.command_tag()).with_rows(sent);
                client.send(PgWireBackendMessage::CommandComplete(tag.into())).await?;
                self.tell_failures(client).await?;
            }
        }
        client.set_state(PgWireConnectionState::ReadyForQuery);
        Ok(())
    }

    /// Unused: pgwire calls it from its own `on_execute`, which cove's replaces to stream
    /// whole answers.
    async fn do_query<C>(&self, _client: &mut C, _portal: &Portal<Prepared>, _max_rows: usize) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Prepared>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        Err(errors::error(errors::INTERNAL, "cove serve answers portals in on_execute"))
    }
}
