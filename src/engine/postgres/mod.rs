//! The Postgres idioms Steampipe users write, planned by DataFusion: the SQL dialect,
//! `::jsonb` / `::json` casts, which name JSON held as text, the way cove's JSON columns
//! hold it (so `->`, `->>`, `?` apply, and exports nest it), and the submodules' rewrites
//! and functions; and the `pg_catalog` Postgres clients introspect a server through.
//! What they answer is pinned in `tests/slt/dialect/`, a file per feature, run without an
//! estate by `cargo test --test it sqllogic`.

mod boolean_text;
mod correlated;
pub mod dialect;
mod functions;
mod inet;
mod json;
mod json_operators;
mod lateral;
mod syntax;
mod to_char;

pub use syntax::rewrite;

use std::sync::Arc;

use arrow_pg::datatypes::pg_type_for_alias_kind;
use cove_tables::JSON_METADATA_KEY;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::error::Result;
use datafusion::execution::{FunctionRegistry, SessionStateBuilder};
use datafusion::logical_expr::ScalarUDF;
use datafusion::logical_expr::planner::TypePlanner;
use datafusion::optimizer::analyzer::Analyzer;
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion::sql::parser::Statement;
use datafusion::sql::sqlparser::ast;
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::{Parser, ParserError};
use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};
use datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;
use datafusion_pg_catalog::pg_catalog::oid_type_planner::PgOidTypePlanner;
use datafusion_pg_catalog::sql::PostgresCompatibilityParser;

use boolean_text::BooleanText;
use correlated::CorrelatedUnnest;
use lateral::LateralUnnest;
use to_char::PostgresToChar;

/// A session that reads Postgres: its dialect, UTC, JSON functions and operators, and the
/// JSON type names.
pub fn session() -> Result<SessionContext> {
    // The postgres dialect makes `tags ->> 'Name' = 'web'` and the JSON `?` operator parse
    // as Steampipe users write them.
    let config = SessionConfig::new()
        .with_information_schema(true)
        .set_str("datafusion.sql_parser.dialect", "postgres")
        .set_str("datafusion.execution.time_zone", "UTC");
    // Before type coercion, which would refuse `Boolean = Utf8`; unnests once the plan is
    // typed, those reading an outer query's row first, so that the lateral joins they sit
    // in carry their ties along.
    let mut analyzer_rules = Analyzer::new().rules;
    analyzer_rules.insert(0, Arc::new(BooleanText));
    analyzer_rules.push(Arc::new(CorrelatedUnnest));
    analyzer_rules.push(Arc::new(LateralUnnest));
    let state = SessionStateBuilder::new()
        .with_config(config)
        .with_default_features()
        .with_type_planner(Arc::new(PostgresTypes))
        .with_analyzer_rules(analyzer_rules)
        .build();
    let mut ctx = SessionContext::new_with_state(state);
    // Ahead of functions-json's planner, which would read a `'{a,b}'` path as one key.
    ctx.register_expr_planner(Arc::new(json_operators::JsonOperators))?;
    ctx.register_expr_planner(Arc::new(inet::InetOperators))?;
    ctx.register_expr_planner(Arc::new(functions::IntervalArithmetic))?;
    datafusion_functions_json::register_all(&mut ctx)?;
    ctx.register_udf(ScalarUDF::new_from_impl(PostgresToChar { inner: datafusion::functions::datetime::to_char() }));
    for udf in json::functions().into_iter().chain(inet::functions()).chain(functions::functions()) {
        ctx.register_udf(udf);
    }
    Ok(ctx)
}

/// Adds the `pg_catalog` schema and the functions Postgres clients introspect a server
/// with (psql's `\d`, JDBC's metadata). Only a server needs them: they take a tenth of a
/// second to load in a debug build.
pub fn install_pg_catalog(ctx: &SessionContext) -> Result<()> {
    datafusion_pg_catalog::setup_pg_catalog(ctx, CATALOG, EmptyContextProvider).map_err(|e| *e)?;
    // It sets a type planner of its own, which cove's falls back to.
    let state = ctx.state_ref();
    let rebuilt =
        SessionStateBuilder::new_from_existing(state.read().clone()).with_type_planner(Arc::new(PostgresTypes));
    *state.write() = rebuilt.build();
    Ok(())
}

/// The statements of `sql` if it reads the Postgres catalog, as clients' introspection
/// queries do: parsed with the catalog's rewrites (`OPERATOR(pg_catalog.~)`, `'t'::regclass`,
/// psql's `\d` queries DataFusion cannot plan swapped for ones it can). None for any other
/// SQL, which those rewrites would change (`= ANY (...)`).
pub fn catalog_statements(sql: &str) -> Option<Result<Vec<Statement>, ParserError>> {
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize().ok()?;
    let catalog = |word: &str| {
        let word = word.to_ascii_lowercase();
        word.starts_with("pg_") || (word.starts_with("reg") && pg_type_for_alias_kind(&word).is_some())
    };
    tokens.iter().any(|t| matches!(t, Token::Word(w) if catalog(&w.value))).then(|| {
        // The catalog's parser is not bounded: what is too complex for it, counted as its
        // grammar reads it, goes no further (what cove's parser makes of it does not matter).
        let _ = dialect::parse_as_postgres(sql, |dialect| Parser::parse_sql(dialect, sql))
            .map_err(ParserError::ParserError)?;
        let parsed = PostgresCompatibilityParser::new().parse(sql)?;
        Ok(parsed.into_iter().map(|s| Statement::Statement(Box::new(s))).collect())
    })
}

/// The catalog cove's tables are in, as `current_database()` names it.
const CATALOG: &str = "datafusion";

/// `jsonb` and `json` as text holding a JSON document, marked as cove's JSON columns are;
/// `inet` and `cidr` as text, which the network functions read; the catalog's `oid`,
/// `regclass` and other reference types as it reads them.
#[derive(Debug)]
struct PostgresTypes;

impl TypePlanner for PostgresTypes {
    fn plan_type_field(&self, sql_type: &ast::DataType) -> Result<Option<FieldRef>> {
        let named = |name: &str| match sql_type {
            ast::DataType::Custom(object, modifiers) => {
                modifiers.is_empty() && object.to_string().eq_ignore_ascii_case(name)
            }
            _ => false,
        };
        let json = matches!(sql_type, ast::DataType::JSON | ast::DataType::JSONB) || named("jsonb") || named("json");
        if json {
            let metadata = [(JSON_METADATA_KEY.to_string(), "true".to_string())].into();
            return Ok(Some(Arc::new(Field::new("", DataType::Utf8, true).with_metadata(metadata))));
        }
        if named("inet") || named("cidr") {
            return Ok(Some(Arc::new(Field::new("", DataType::Utf8, true))));
        }
        PgOidTypePlanner.plan_type_field(sql_type)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `::jsonb` and `::json` do to answers is pinned in tests/slt/dialect/json.slt;
    /// that the column they give is marked JSON, which exports nest, is not SQL.
    #[tokio::test]
    async fn jsonb_casts_give_a_json_column() {
        let ctx = session().unwrap();
        let frame = ctx.sql(r#"SELECT '{"a": 1}'::jsonb AS doc"#).await.unwrap();
        let field = frame.schema().field(0).clone();
        assert_eq!(field.metadata().get(JSON_METADATA_KEY).map(String::as_str), Some("true"), "{field:?}");
    }
}
