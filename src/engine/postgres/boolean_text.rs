//! A boolean compared with a text literal (`is_default = 'true'`), which Postgres reads as
//! a boolean literal.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DFSchema, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::{BinaryExpr, Expr, ExprSchemable, LogicalPlan, Operator, lit};
use datafusion::optimizer::analyzer::AnalyzerRule;

/// `boolean_expr = 'true'` (and `<>`, `'t'`, `'yes'`, `'off'`, ...) as Postgres reads it: the
/// text literal is a boolean literal.
#[derive(Debug)]
pub struct BooleanText;

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
