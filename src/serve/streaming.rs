//! A query's rows streaming to the client, and what ends them early: a cancel request or
//! the client's statement_timeout. Its target failures are told once the rows end.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::execution::SendableRecordBatchStream;
use futures::stream::{self, BoxStream, StreamExt};
use pgwire::api::ClientInfo;
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};

use super::client::Connection;
use super::encode::Encoding;
use super::log::Log;
use super::{errors, settings};
use crate::engine::Engine;
use crate::engine::failures::summarize;
use crate::engine::run::QueryRun;
use crate::engine::session;
use crate::output::json_values;

/// Why a statement ended before its answer did.
pub enum Interrupted {
    Cancelled,
    TimedOut,
}

impl Interrupted {
    pub fn error(&self) -> PgWireError {
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

pub type Interruption = Pin<Box<dyn Future<Output = Interrupted> + Send>>;

/// Resolves when the client's cancel request for its current statement arrives, or when
/// its statement_timeout, counted from `started`, passes.
pub async fn interruption<C: ClientInfo>(client: &C, started: Instant) -> PgWireResult<Interruption> {
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
pub struct Rows<E> {
    /// None once the rows have ended.
    pub batches: Option<SendableRecordBatchStream>,
    pub schema: SchemaRef,
    pub encoding: E,
    pub interrupted: Interruption,
    pub engine: Arc<Engine>,
    pub run: Arc<QueryRun>,
    pub connection: Arc<Connection>,
    pub strict: bool,
    pub rows: usize,
    pub log: Log,
}

impl<E: Encoding> Rows<E> {
    pub fn stream(self) -> BoxStream<'static, PgWireResult<E::Item>> {
        stream::unfold(self, Rows::next).flat_map(stream::iter).boxed()
    }

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
