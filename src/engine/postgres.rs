//! The Postgres idioms Steampipe users write, planned by DataFusion: the SQL dialect, and
//! `::jsonb` / `::json` casts, which name JSON held as text, the way cove's JSON columns
//! hold it (so `->`, `->>`, `?` apply, and exports nest it).

use std::sync::Arc;

use cove_tables::JSON_METADATA_KEY;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::error::Result;
use datafusion::execution::SessionStateBuilder;
use datafusion::logical_expr::planner::TypePlanner;
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion::sql::sqlparser::ast;

/// A session that reads Postgres: its dialect, UTC, JSON functions and operators, and the
/// JSON type names.
pub fn session() -> Result<SessionContext> {
    // The postgres dialect makes `tags ->> 'Name' = 'web'` and the JSON `?` operator parse
    // as Steampipe users write them.
    let config = SessionConfig::new()
        .with_information_schema(true)
        .set_str("datafusion.sql_parser.dialect", "postgres")
        .set_str("datafusion.execution.time_zone", "UTC");
    let state = SessionStateBuilder::new()
        .with_config(config)
        .with_default_features()
        .with_type_planner(Arc::new(JsonTypes))
        .build();
    let mut ctx = SessionContext::new_with_state(state);
    datafusion_functions_json::register_all(&mut ctx)?;
    Ok(ctx)
}

/// `jsonb` and `json` as text holding a JSON document, marked as cove's JSON columns are.
#[derive(Debug)]
struct JsonTypes;

impl TypePlanner for JsonTypes {
    fn plan_type_field(&self, sql_type: &ast::DataType) -> Result<Option<FieldRef>> {
        let named = |name: &str| match sql_type {
            ast::DataType::Custom(object, modifiers) => {
                modifiers.is_empty() && object.to_string().eq_ignore_ascii_case(name)
            }
            _ => false,
        };
        let json = matches!(sql_type, ast::DataType::JSON | ast::DataType::JSONB) || named("jsonb") || named("json");
        Ok(json.then(|| {
            let metadata = [(JSON_METADATA_KEY.to_string(), "true".to_string())].into();
            Arc::new(Field::new("", DataType::Utf8, true).with_metadata(metadata))
        }))
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::AsArray;

    use super::*;

    async fn one(sql: &str) -> String {
        let ctx = session().unwrap();
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        let column = datafusion::arrow::compute::cast(batches[0].column(0), &DataType::Utf8).unwrap();
        column.as_string::<i32>().value(0).to_string()
    }

    #[tokio::test]
    async fn jsonb_casts_are_json_text_the_operators_apply_to() {
        assert_eq!(one(r#"SELECT '{"a": [1, 2]}'::jsonb ->> 'a'"#).await, "[1, 2]");
        assert_eq!(one(r#"SELECT '{"a": 1}'::jsonb ? 'a'"#).await, "true");
        assert_eq!(one(r#"SELECT CAST('{"b": "x"}' AS json) ->> 'b'"#).await, "x");
        let ctx = session().unwrap();
        let frame = ctx.sql(r#"SELECT '{"a": 1}'::jsonb AS doc"#).await.unwrap();
        let field = frame.schema().field(0).clone();
        assert_eq!(field.metadata().get(JSON_METADATA_KEY).map(String::as_str), Some("true"), "{field:?}");
    }
}
