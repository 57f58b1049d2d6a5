//! Postgres's JSON operators, planned onto cove's JSON functions and functions-json's.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DFSchema, ExprSchema};
use datafusion::error::Result;
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::planner::{ExprPlanner, PlannerResult, RawBinaryExpr};
use datafusion::logical_expr::{Expr, ExprSchemable, lit};
use datafusion::sql::sqlparser::ast::BinaryOperator;

use super::json::{Kind, function};

/// The JSON operators as Postgres reads them, beside functions-json's `->`, `->>` and `#>` /
/// `#>>` with an array path: `@>` / `<@` on documents, `?` (an array's string elements
/// too), `?|` / `?&`, and `#>` / `#>>` with Postgres's `'{a,0,b}'` text path. Arrays keep
/// DataFusion's `@>`.
#[derive(Debug)]
pub struct JsonOperators;

impl ExprPlanner for JsonOperators {
    fn plan_binary_op(&self, expr: RawBinaryExpr, schema: &DFSchema) -> Result<PlannerResult<RawBinaryExpr>> {
        let call =
            |name, kind, args| Expr::ScalarFunction(ScalarFunction::new_udf(Arc::new(function(name, kind)), args));
        let is_list = |e: &Expr| matches!(e.get_type(schema as &dyn ExprSchema), Ok(DataType::List(_)));
        let RawBinaryExpr { op, left, right } = expr;
        let planned = match &op {
            BinaryOperator::AtArrow if !is_list(&left) => {
                call("cove_json_contains_document", Kind::Contains, vec![left, right])
            }
            BinaryOperator::ArrowAt if !is_list(&right) => {
                call("cove_json_contains_document", Kind::Contains, vec![right, left])
            }
            BinaryOperator::Question => call("cove_json_exists", Kind::KeyExists, vec![left, right]),
            BinaryOperator::QuestionPipe => call("cove_json_exists_any", Kind::AnyKeyExists, vec![left, right]),
            BinaryOperator::QuestionAnd => call("cove_json_exists_all", Kind::AllKeysExist, vec![left, right]),
            BinaryOperator::HashArrow | BinaryOperator::HashLongArrow => match text_path(&right) {
                Some(steps) => {
                    let function = if op == BinaryOperator::HashArrow {
                        datafusion_functions_json::udfs::json_get_udf()
                    } else {
                        datafusion_functions_json::udfs::json_as_text_udf()
                    };
                    Expr::ScalarFunction(ScalarFunction::new_udf(function, [vec![left], steps].concat()))
                }
                None => return Ok(PlannerResult::Original(RawBinaryExpr { op, left, right })),
            },
            _ => return Ok(PlannerResult::Original(RawBinaryExpr { op, left, right })),
        };
        Ok(PlannerResult::Planned(planned))
    }
}

/// A path as Postgres reads it, from its text form (`'{Statement,0,Effect}'`) or an array
/// of literals, as functions-json's keys: numbers index arrays, anything else names a key.
fn text_path(expr: &Expr) -> Option<Vec<Expr>> {
    let steps: Vec<String> = match expr {
        Expr::Literal(value, _) => {
            let text = value.try_as_str().flatten()?.trim();
            let inner = text.strip_prefix('{')?.strip_suffix('}')?;
            inner.split(',').map(|step| step.trim().trim_matches('"').to_string()).collect()
        }
        Expr::ScalarFunction(f) if f.name() == "make_array" => f
            .args
            .iter()
            .map(|a| match a {
                Expr::Literal(value, _) => value.try_as_str().flatten().map(str::to_string),
                _ => None,
            })
            .collect::<Option<_>>()?,
        _ => return None,
    };
    Some(
        steps
            .into_iter()
            .map(|step| match step.parse::<i64>() {
                Ok(index) => lit(index),
                Err(_) => lit(step),
            })
            .collect(),
    )
}
