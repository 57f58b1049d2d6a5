//! The Postgres idioms Steampipe users write, planned by DataFusion: the SQL dialect;
//! `::jsonb` / `::json` casts, which name JSON held as text, the way cove's JSON columns
//! hold it (so `->`, `->>`, `?` apply, and exports nest it); and a boolean compared with a
//! text literal (`is_default = 'true'`), which Postgres reads as a boolean literal; and
//! `to_char` with Postgres's patterns (`YYYY-MM-DD HH24:MI`).

use std::sync::Arc;

use cove_tables::JSON_METADATA_KEY;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DFSchema, plan_err};
use datafusion::error::Result;
use datafusion::execution::SessionStateBuilder;
use datafusion::logical_expr::planner::TypePlanner;
use datafusion::logical_expr::{
    BinaryExpr, ColumnarValue, Expr, ExprSchemable, LogicalPlan, Operator, ScalarFunctionArgs, ScalarUDF,
    ScalarUDFImpl, Signature, lit,
};
use datafusion::optimizer::analyzer::{Analyzer, AnalyzerRule};
use datafusion::prelude::{SessionConfig, SessionContext};
use datafusion::scalar::ScalarValue;
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
    // Before type coercion, which would refuse `Boolean = Utf8`.
    let mut analyzer_rules = Analyzer::new().rules;
    analyzer_rules.insert(0, Arc::new(BooleanText));
    let state = SessionStateBuilder::new()
        .with_config(config)
        .with_default_features()
        .with_type_planner(Arc::new(JsonTypes))
        .with_analyzer_rules(analyzer_rules)
        .build();
    let mut ctx = SessionContext::new_with_state(state);
    datafusion_functions_json::register_all(&mut ctx)?;
    ctx.register_udf(ScalarUDF::new_from_impl(PostgresToChar { inner: datafusion::functions::datetime::to_char() }));
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

/// `boolean_expr = 'true'` (and `<>`, `'t'`, `'yes'`, `'off'`, ...) as Postgres reads it: the
/// text literal is a boolean literal.
#[derive(Debug)]
struct BooleanText;

impl AnalyzerRule for BooleanText {
    fn name(&self) -> &str {
        "cove_boolean_text"
    }

    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        plan.transform_up_with_subqueries(|node| {
            let mut schema = DFSchema::empty();
            for input in node.inputs() {
                schema.merge(input.schema());
            }
            node.map_expressions(|expr| expr.transform_up(|e| boolean_literal(e, &schema)))
        })
        .map(|rewritten| rewritten.data)
    }
}

fn boolean_literal(expr: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    let Expr::BinaryExpr(BinaryExpr { left, op, right }) = &expr else { return Ok(Transformed::no(expr)) };
    if !matches!(op, Operator::Eq | Operator::NotEq | Operator::IsDistinctFrom | Operator::IsNotDistinctFrom) {
        return Ok(Transformed::no(expr));
    }
    let boolean = |e: &Expr| e.get_type(schema).is_ok_and(|t| t == DataType::Boolean);
    let text = |e: &Expr| match e {
        Expr::Literal(value, _) => value.try_as_str().flatten().map(str::to_string),
        _ => None,
    };
    let (left, right) = match (text(left), text(right)) {
        (None, Some(t)) if boolean(left) => (left.as_ref().clone(), lit(parse_boolean(&t)?)),
        (Some(t), None) if boolean(right) => (lit(parse_boolean(&t)?), right.as_ref().clone()),
        _ => return Ok(Transformed::no(expr)),
    };
    Ok(Transformed::yes(Expr::BinaryExpr(BinaryExpr::new(Box::new(left), *op, Box::new(right)))))
}

/// A boolean as Postgres spells it in text.
fn parse_boolean(text: &str) -> Result<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "t" | "true" | "y" | "yes" | "on" | "1" => Ok(true),
        "f" | "false" | "n" | "no" | "off" | "0" => Ok(false),
        _ => plan_err!("invalid input syntax for type boolean: {text:?}"),
    }
}

/// `to_char` that reads Postgres's patterns (`YYYY-MM-DD HH24:MI:SS`), which DataFusion's
/// own (chrono's `%Y-%m-%d`) would print as they are. A format with a `%` is chrono's and
/// passes unchanged.
#[derive(Debug, PartialEq, Eq, Hash)]
struct PostgresToChar {
    inner: Arc<ScalarUDF>,
}

impl ScalarUDFImpl for PostgresToChar {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn signature(&self) -> &Signature {
        self.inner.signature()
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        self.inner.return_type(arg_types)
    }

    fn invoke_with_args(&self, mut args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        if let Some(ColumnarValue::Scalar(format)) = args.args.get_mut(1) {
            let translated = match &*format {
                ScalarValue::Utf8(Some(f)) => Some(ScalarValue::Utf8(Some(chrono_format(f)))),
                ScalarValue::Utf8View(Some(f)) => Some(ScalarValue::Utf8View(Some(chrono_format(f)))),
                ScalarValue::LargeUtf8(Some(f)) => Some(ScalarValue::LargeUtf8(Some(chrono_format(f)))),
                _ => None,
            };
            if let Some(translated) = translated {
                *format = translated;
            }
        }
        self.inner.invoke_with_args(args)
    }
}

/// Postgres's `to_char` patterns, longest first, and chrono's equivalents.
const PATTERNS: [(&str, &str); 22] = [
    ("HH24", "%H"),
    ("HH12", "%I"),
    ("YYYY", "%Y"),
    ("MONTH", "%B"),
    ("Month", "%B"),
    ("month", "%B"),
    ("DAY", "%A"),
    ("Day", "%A"),
    ("MON", "%b"),
    ("Mon", "%b"),
    ("HH", "%I"),
    ("YY", "%y"),
    ("MM", "%m"),
    ("DD", "%d"),
    ("DY", "%a"),
    ("Dy", "%a"),
    ("MI", "%M"),
    ("SS", "%S"),
    ("MS", "%3f"),
    ("US", "%6f"),
    ("AM", "%p"),
    ("PM", "%p"),
];

/// A Postgres `to_char` format as chrono's: patterns replaced, `"quoted"` text and other
/// characters kept literally.
fn chrono_format(postgres: &str) -> String {
    if postgres.contains('%') {
        return postgres.to_string();
    }
    let mut out = String::with_capacity(postgres.len() * 2);
    let mut rest = postgres;
    while let Some(c) = rest.chars().next() {
        if c == '"' {
            let quoted = &rest[1..];
            let end = quoted.find('"').unwrap_or(quoted.len());
            out.push_str(&quoted[..end]);
            rest = quoted.get(end + 1..).unwrap_or("");
        } else if let Some((pattern, chrono)) = PATTERNS.iter().find(|(p, _)| rest.starts_with(p)) {
            out.push_str(chrono);
            rest = &rest[pattern.len()..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
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

    #[tokio::test]
    async fn to_char_reads_postgres_patterns() {
        let at = "TIMESTAMP '2026-03-04 05:06:07.891'";
        assert_eq!(one(&format!("SELECT to_char({at}, 'YYYY-MM-DD HH24:MI:SS')")).await, "2026-03-04 05:06:07");
        assert_eq!(one(&format!("SELECT to_char({at}, 'DD Mon YYYY, HH12 AM')")).await, "04 Mar 2026, 05 AM");
        assert_eq!(one(&format!(r#"SELECT to_char({at}, 'YYYY"Q"MM.MS')"#)).await, "2026Q03.891");
        assert_eq!(one(&format!("SELECT to_char({at}, '%Y/%m')")).await, "2026/03", "chrono's own formats still work");
    }

    #[tokio::test]
    async fn booleans_compare_with_text_literals_as_in_postgres() {
        let count = |condition: &str| {
            format!("SELECT count(*) FROM (VALUES (true), (false), (NULL)) AS t(b) WHERE {condition}")
        };
        assert_eq!(one(&count("b = 'true'")).await, "1");
        assert_eq!(one(&count("'f' = b")).await, "1");
        assert_eq!(one(&count("b <> 'yes'")).await, "1");
        assert_eq!(one(&count("b IS DISTINCT FROM 'on'")).await, "2");
        let ctx = session().unwrap();
        let frame = ctx.sql(&count("b = 'maybe'")).await.unwrap();
        let err = frame.collect().await.unwrap_err().to_string();
        assert!(err.contains(r#"invalid input syntax for type boolean: "maybe""#), "{err}");
        // Text compared with text is left alone.
        assert_eq!(one("SELECT count(*) FROM (VALUES ('true')) AS t(s) WHERE s = 'true'").await, "1");
    }
}
