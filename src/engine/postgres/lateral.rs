//! Lateral UNNEST: `FROM r, UNNEST(f(r.doc)) AS s` (what [`super::syntax`] makes of
//! `jsonb_array_elements` and friends) joined row by row.
//!
//! DataFusion plans such a relation as a join with a subquery whose UNNEST reads the outer
//! row, and cannot run it. When the subquery is only projections and unnests over no
//! table, it is the left side's rows unnested: the subquery's plan is rebuilt over the left
//! side, carrying its columns through, with the join's kind deciding what an empty or null
//! list gives (no row for a cross or inner join, one row of nulls for a left join).

use std::sync::Arc;

use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{NullHandling, TableReference, UnnestOptions, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::expr_rewriter::strip_outer_reference;
use datafusion::logical_expr::{Expr, JoinType, LogicalPlan, LogicalPlanBuilder, Projection, Subquery};
use datafusion::optimizer::analyzer::AnalyzerRule;
use datafusion::scalar::ScalarValue;

#[derive(Debug)]
pub struct LateralUnnest;

impl AnalyzerRule for LateralUnnest {
    fn name(&self) -> &str {
        "cove_lateral_unnest"
    }

    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        let plan = plan
            .transform_up_with_subqueries(|node| {
                let LogicalPlan::Join(join) = &node else { return Ok(Transformed::no(node)) };
                let Some((subquery, alias)) = lateral_unnest(&join.right) else { return Ok(Transformed::no(node)) };
                let null_handling = match join.join_type {
                    JoinType::Inner => NullHandling::Drop,
                    JoinType::Left if is_true(join.filter.as_ref()) => NullHandling::PreserveAndExpandEmpty,
                    JoinType::Left => {
                        return plan_err!(
                            "LEFT JOIN LATERAL over a set-returning function takes ON true: put the condition in WHERE"
                        );
                    }
                    kind => return plan_err!("{kind} JOIN LATERAL over a set-returning function is not supported"),
                };
                // A condition tying the left side to an outer query (see `correlated`) moves above
                // the unnest, where DataFusion's decorrelation can pull it further up.
                let (left, tie) = match join.left.as_ref() {
                    LogicalPlan::Filter(f) if f.predicate.contains_outer() => {
                        (Arc::clone(&f.input), Some(&f.predicate))
                    }
                    _ => (Arc::clone(&join.left), None),
                };
                let Some(unnested) = graft(&subquery.subquery, &left, null_handling)? else {
                    return plan_err!("this lateral subquery is not supported: only set-returning functions are");
                };
                let LogicalPlan::Projection(top) = unnested else {
                    return plan_err!("this lateral subquery is not supported: only set-returning functions are");
                };
                // The subquery's own columns take the alias's name; the left side keeps its own.
                let carried = left.schema().columns().len();
                let exprs = top
                    .expr
                    .iter()
                    .enumerate()
                    .map(|(i, e)| match (&alias, i >= carried) {
                        (Some(alias), true) => {
                            let (_, field) = top.schema.qualified_field(i);
                            e.clone().unalias().alias_qualified(Some(alias.clone()), field.name())
                        }
                        _ => e.clone(),
                    })
                    .collect();
                let mut joined =
                    LogicalPlanBuilder::from(LogicalPlan::Projection(Projection::try_new(exprs, top.input)?));
                if let (JoinType::Inner, Some(filter)) = (join.join_type, &join.filter) {
                    joined = joined.filter(filter.clone())?;
                }
                if let Some(tie) = tie {
                    joined = joined.filter(tie.clone())?;
                }
                Ok(Transformed::yes(joined.build()?))
            })?
            .data;
        // What is left reads an outer query's row from an UNNEST, which DataFusion cannot
        // run: say so rather than fail in the physical planner.
        plan.apply_with_subqueries(|node| match node {
            LogicalPlan::Unnest(u) if u.input.contains_outer_reference() => plan_err!(
                "a set-returning function over the columns of a query further out than the \
                 subquery's own is not supported: join it in FROM instead (FROM t, jsonb_array_elements(t.doc) AS s)"
            ),
            _ => Ok(TreeNodeRecursion::Continue),
        })?;
        Ok(plan)
    }
}

/// No join condition, or `ON true`.
fn is_true(filter: Option<&Expr>) -> bool {
    matches!(filter, None | Some(Expr::Literal(ScalarValue::Boolean(Some(true)), _)))
}

/// The subquery on the right of a lateral join, and its alias, when it unnests.
fn lateral_unnest(right: &LogicalPlan) -> Option<(Subquery, Option<TableReference>)> {
    let (subquery, alias) = match right {
        LogicalPlan::SubqueryAlias(a) => match a.input.as_ref() {
            LogicalPlan::Subquery(s) => (s.clone(), Some(a.alias.clone())),
            _ => return None,
        },
        LogicalPlan::Subquery(s) => (s.clone(), None),
        _ => return None,
    };
    let unnests = subquery.subquery.exists(|p| Ok(matches!(p, LogicalPlan::Unnest(_)))).unwrap_or(false);
    unnests.then_some((subquery, alias))
}

/// `plan` (projections and unnests over one empty row) rebuilt over `left`, with the
/// left's columns carried through every projection; `None` when `plan` is anything else.
fn graft(plan: &LogicalPlan, left: &Arc<LogicalPlan>, null_handling: NullHandling) -> Result<Option<LogicalPlan>> {
    Ok(Some(match plan {
        LogicalPlan::EmptyRelation(empty) if empty.produce_one_row => left.as_ref().clone(),
        LogicalPlan::Projection(p) => {
            let Some(input) = graft(&p.input, left, null_handling)? else { return Ok(None) };
            let carried = left.schema().columns().into_iter().map(Expr::Column);
            let own = p.expr.iter().cloned().map(strip_outer_reference);
            LogicalPlan::Projection(Projection::try_new(carried.chain(own).collect(), Arc::new(input))?)
        }
        LogicalPlan::Unnest(u) => {
            let Some(input) = graft(&u.input, left, null_handling)? else { return Ok(None) };
            let options = UnnestOptions { null_handling, ..u.options.clone() };
            LogicalPlanBuilder::from(input).unnest_columns_with_options(u.exec_columns.clone(), options)?.build()?
        }
        _ => return Ok(None),
    }))
}
