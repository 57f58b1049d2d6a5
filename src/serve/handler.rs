//! Statements from the wire, answered: each planned and checked by `policy`, then run. A
//! query runs in its own run, its rows streaming back (`streaming`) as rows or COPY data;
//! its target failures follow them as a WARNING. Every statement is logged once (`log`).

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::ParamValues;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionContext;
use datafusion::sql::parser::Statement;
use futures::stream::{BoxStream, StreamExt};
use futures::{Sink, SinkExt};
use pgwire::api::portal::{Format, Portal, PortalExecutionState};
use pgwire::api::query::{
    ExtendedQueryHandler, SimpleQueryHandler, send_execution_response, send_query_response, send_ready_for_query,
};
use pgwire::api::results::{FieldInfo, QueryResponse, Response, Tag};
use pgwire::api::store::{Entry, PortalStore};
use pgwire::api::{ClientInfo, ClientPortalStore, DEFAULT_NAME, PgWireConnectionState};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::extendedquery::{Execute, PortalSuspended};
use pgwire::messages::response::{EmptyQueryResponse, TransactionStatus};
use pgwire::messages::simplequery::Query;

use super::client::{Client, Connection};
use super::copy::{CopyOut, send_copy};
use super::encode::{CopyRows, DataRows, Encoding};
use super::log::Log;
use super::policy::{Action, Parser, Prepared, statements};
use super::streaming::{Rows, interruption};
use super::{encode, errors, settings};
use crate::engine::Engine;
use crate::engine::failures::{Failure, summarize};
use crate::engine::run::QueryRun;
use crate::engine::session;
use crate::output::json_values;

/// Answers every connection's statements, on one engine and session.
pub struct Queries {
    engine: Arc<Engine>,
    ctx: SessionContext,
    strict: bool,
    parser: Arc<Parser>,
}

impl Queries {
    pub fn new(engine: Arc<Engine>, ctx: SessionContext, strict: bool) -> Queries {
        Queries { engine, parser: Arc::new(Parser::new(ctx.clone())), ctx, strict }
    }
}

/// What one statement answers.
enum Answer {
    Rows(QueryResponse),
    Copy(CopyOut),
    Done(Tag),
    TransactionStart(Tag),
    TransactionEnd(Tag),
}

impl Queries {
    /// Answers one prepared statement for `client`, with `parameters` bound to a query's.
    /// Every statement is logged once: a query when its rows end, any other now.
    async fn answer<C: Client>(
        &self,
        client: &mut C,
        prepared: &Prepared,
        parameters: Option<ParamValues>,
        format: &Format,
        started: Instant,
    ) -> PgWireResult<Answer> {
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
            Action::Set { name, value } => settings::set(client, name, value).await.map(Answer::Done),
            Action::Reset { name, tag } => settings::reset(client, name.as_deref(), tag).await.map(Answer::Done),
            Action::Show(name) => settings::show(client, name, format).map(Answer::Rows),
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
        Ok((fields, rows.stream()))
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
    async fn tell_failures<C: Client>(&self, client: &mut C) -> PgWireResult<()> {
        let untold = std::mem::take(&mut *Connection::of(client)?.untold.lock());
        for failures in untold {
            let mut warning = ErrorInfo::new("WARNING".into(), "01000".into(), failed_scans(&failures));
            warning.detail = Some(summarize(&failures).join("\n"));
            client.wire().send(PgWireBackendMessage::NoticeResponse(warning.into())).await?;
        }
        Ok(())
    }

    /// Sends `answer` (a query's rows with their description when `describe`, as a simple
    /// query wants), and keeps the transaction status it leads to.
    async fn send<C: Client>(&self, client: &mut C, answer: Answer, describe: bool) -> PgWireResult<()> {
        let status = client.transaction_status();
        let (tag, status) = match answer {
            Answer::Rows(rows) => {
                send_query_response(&mut client.wire(), rows, describe).await?;
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
        send_execution_response(&mut client.wire(), tag).await?;
        client.set_transaction_status(status);
        Ok(())
    }

    /// Parses, plans and answers one statement of a simple query.
    async fn answer_statement<C: Client>(
        &self,
        client: &mut C,
        statement: Statement,
        sql: String,
    ) -> PgWireResult<Answer> {
        let started = Instant::now();
        let prepared = self.parser.prepare(client, statement, sql.clone(), started).await;
        let prepared = prepared.map_err(|e| Log::new(client, &sql).failed(e))?;
        self.answer(client, &prepared, None, &Format::UnifiedText, started).await
    }

    /// Answers the statements of a simple query in turn, each sent before the next runs;
    /// the first error ends it.
    async fn answer_all<C: Client>(&self, client: &mut C, sql: &str) -> PgWireResult<()> {
        let statements = statements(sql).map_err(|e| Log::new(client, sql).failed(e))?;
        if statements.is_empty() {
            client.wire().send(PgWireBackendMessage::EmptyQueryResponse(EmptyQueryResponse::new())).await?;
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
    async fn answer_portal<C: Client>(&self, client: &mut C, portal: &Portal<Prepared>) -> PgWireResult<Answer> {
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
