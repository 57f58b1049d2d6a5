//! What each statement from the wire may do: cove serve is read-only, so it runs queries,
//! EXPLAIN, SHOW, SET and transaction brackets, and refuses what would write as a
//! read-only Postgres server does. A query is planned here, a second time checked to write
//! nothing.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::SessionContext;
use datafusion::sql::parser::{ResetStatement, Statement};
use datafusion::sql::sqlparser::ast;
use datafusion::sql::sqlparser::ast::{Expr, Value};
use pgwire::api::portal::Format;
use pgwire::api::results::FieldInfo;
use pgwire::api::stmt::QueryParser;
use pgwire::api::{ClientInfo, Type};
use pgwire::error::{PgWireError, PgWireResult};

use super::copy::copy_format;
use super::encode::{self, CopyFormat};
use super::log::Log;
use super::streaming::interruption;
use super::{errors, settings};
use crate::engine::session;
use crate::output::json_values;

/// A statement as the client sent it, and what answering it takes.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub sql: String,
    pub action: Action,
}

#[derive(Clone, Debug)]
pub enum Action {
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

/// What statements that write start with: they are refused as a read-only server does.
const WRITES: [&str; 13] = [
    "INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "CREATE", "DROP", "ALTER", "TRUNCATE", "COPY", "GRANT", "REVOKE",
    "COMMENT",
];

/// Reads and plans the statements of every connection.
pub struct Parser {
    ctx: SessionContext,
}

impl Parser {
    pub fn new(ctx: SessionContext) -> Parser {
        Parser { ctx }
    }

    /// Decides what `statement` (`sql` in the client's words) may do, and plans it if it
    /// is a query.
    /// Planning is cut short by a cancel request or the client's statement_timeout, counted
    /// from `started`.
    pub async fn prepare<C: ClientInfo + Sync>(
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
pub fn statements(sql: &str) -> PgWireResult<Vec<Statement>> {
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
            Action::Show(name) => Ok(vec![settings::show_field(name, &format)]),
            _ => Ok(Vec::new()),
        }
    }
}

/// The columns `plan`'s rows are sent with: JSON values as JSON text.
fn answer_schema(plan: &LogicalPlan) -> SchemaRef {
    json_values::schema(&Arc::new(plan.schema().as_arrow().clone()))
}
