//! A set-returning function over the outer query's columns inside EXISTS, IN or a scalar
//! subquery: `WHERE EXISTS (SELECT 1 FROM jsonb_array_elements(f.layers) AS l WHERE ...)`.
//!
//! DataFusion runs a correlated subquery by joining it to the outer query on the
//! subquery's equality conditions; an UNNEST reading the outer row has none. So the
//! function reads the distinct values of those columns instead (a second scan of the outer
//! side, which the scan cache answers when it holds it), and an equality condition ties each
//! value back to its outer row for DataFusion to decorrelate as usual.

use std::sync::Arc;

use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Column, NullHandling, UnnestOptions};
use datafusion::error::Result;
use datafusion::logical_expr::expr::{Exists, InSubquery};
use datafusion::logical_expr::utils::conjunction;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder, Projection, Subquery, SubqueryAlias, col};
use datafusion::optimizer::analyzer::AnalyzerRule;

#[derive(Debug)]
pub struct CorrelatedUnnest;

impl AnalyzerRule for CorrelatedUnnest {
    fn name(&self) -> &str {
        "cove_correlated_unnest"
    }

    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        plan.transform_up_with_subqueries(|node| {
            let [outer] = node.inputs()[..] else { return Ok(Transformed::no(node)) };
            if !matches!(node, LogicalPlan::Filter(_) | LogicalPlan::Projection(_)) {
                return Ok(Transformed::no(node));
            }
            let outer = Arc::new(outer.clone());
            node.map_expressions(|expr| {
                expr.transform_up(|e| {
                    let rewritten = match &e {
                        Expr::Exists(Exists { subquery, negated }) => {
                            correlate(subquery, &outer)?.map(|s| Expr::Exists(Exists::new(s, *negated)))
                        }
                        Expr::InSubquery(InSubquery { expr, subquery, negated }) => correlate(subquery, &outer)?
                            .map(|s| Expr::InSubquery(InSubquery::new(expr.clone(), s, *negated))),
                        Expr::ScalarSubquery(subquery) => correlate(subquery, &outer)?.map(Expr::ScalarSubquery),
                        _ => None,
                    };
                    Ok(rewritten.map_or_else(|| Transformed::no(e), Transformed::yes))
                })
            })
        })
        .map(|t| t.data)
    }
}

/// `subquery` with its unnests of `outer`'s columns reading their distinct values, tied
/// back by equality; `None` when it has none (or reads columns of a query further out).
fn correlate(subquery: &Subquery, outer: &Arc<LogicalPlan>) -> Result<Option<Subquery>> {
    let Some(plan) = tie(&subquery.subquery, outer)? else { return Ok(None) };
    let plan = Arc::new(plan);
    let outer_ref_columns = plan.all_out_ref_exprs();
    Ok(Some(Subquery { subquery: plan, outer_ref_columns, spans: subquery.spans.clone() }))
}

/// `plan` with each relation unnesting `outer`'s row tied to it; `None` when none does.
fn tie(plan: &LogicalPlan, outer: &Arc<LogicalPlan>) -> Result<Option<LogicalPlan>> {
    // A function in the subquery's FROM is a lateral relation (an aliased wrapper around
    // its plan); in its select list, a bare unnest.
    let relation = match plan {
        LogicalPlan::SubqueryAlias(a) => match a.input.as_ref() {
            LogicalPlan::Subquery(s) => Some((Some(a.alias.clone()), Arc::clone(&s.subquery))),
            _ => None,
        },
        LogicalPlan::Subquery(s) => Some((None, Arc::clone(&s.subquery))),
        LogicalPlan::Unnest(_) => Some((None, Arc::new(plan.clone()))),
        _ => None,
    };
    if let Some((alias, relation)) = relation
        && let Some((rebuilt, ties)) = over_values(&relation, outer)?
    {
        let rebuilt = match alias {
            Some(alias) => LogicalPlan::SubqueryAlias(SubqueryAlias::try_new(Arc::new(rebuilt), alias)?),
            None => rebuilt,
        };
        let tied = ties
            .into_iter()
            .map(|(name, outer_ref)| {
                let (qualifier, _) = rebuilt.schema().qualified_field_with_unqualified_name(&name)?;
                Ok(Expr::Column(Column::new(qualifier.cloned(), name)).eq(outer_ref))
            })
            .collect::<Result<Vec<_>>>()?;
        let tied = conjunction(tied).expect("one column at least");
        return Ok(Some(LogicalPlanBuilder::from(rebuilt).filter(tied)?.build()?));
    }
    // A lateral relation reading the subquery's own FROM (`FROM t, jsonb_array_elements(t.x)`)
    // is the subquery's business, even where `t` is also the outer query's table.
    let own_lateral = |join: &LogicalPlan, right: &LogicalPlan| {
        let read = outer_columns(right);
        !read.is_empty() && read.iter().all(|(c, _)| join.inputs()[0].schema().has_column(c))
    };
    let inputs = plan.inputs();
    let mut changed = false;
    let mut rebuilt = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        let skip = i == 1 && matches!(plan, LogicalPlan::Join(_)) && own_lateral(plan, input);
        match if skip { None } else { tie(input, outer)? } {
            Some(tied) => {
                changed = true;
                rebuilt.push(tied);
            }
            None => rebuilt.push((*input).clone()),
        }
    }
    if !changed {
        return Ok(None);
    }
    Ok(Some(plan.with_new_exprs(plan.expressions(), rebuilt)?))
}

/// A plan rebuilt over outer values, and its ties: each carried column's name and the
/// outer reference it stands for.
type OverValues = (LogicalPlan, Vec<(String, Expr)>);

/// `plan`, projections over an unnest of outer columns (over one empty row), rebuilt over
/// those columns' distinct values, each carried through as `__cove_outer_<n>`; with the
/// names and the outer references they stand for. `None` for any other plan.
fn over_values(plan: &LogicalPlan, outer: &Arc<LogicalPlan>) -> Result<Option<OverValues>> {
    match plan {
        LogicalPlan::Projection(p) => {
            let Some((input, ties)) = over_values(&p.input, outer)? else { return Ok(None) };
            let carried = ties.iter().map(|(name, _)| col(name.as_str()));
            let exprs = p.expr.iter().cloned().chain(carried).collect();
            Ok(Some((LogicalPlan::Projection(Projection::try_new(exprs, Arc::new(input))?), ties)))
        }
        LogicalPlan::Unnest(unnest) => {
            let LogicalPlan::Projection(input) = unnest.input.as_ref() else { return Ok(None) };
            let LogicalPlan::EmptyRelation(_) = input.input.as_ref() else { return Ok(None) };
            let columns = outer_columns(&unnest.input);
            if columns.is_empty() || columns.iter().any(|(c, _)| !outer.schema().has_column(c)) {
                return Ok(None);
            }
            let names: Vec<String> = (0..columns.len()).map(|i| format!("__cove_outer_{i}")).collect();
            let values = LogicalPlanBuilder::from(Arc::clone(outer))
                .project(columns.iter().zip(&names).map(|((c, _), name)| Expr::Column(c.clone()).alias(name)))?
                .distinct()?
                .build()?;
            let read = |expr: &Expr| {
                expr.clone()
                    .transform_up(|e| match &e {
                        Expr::OuterReferenceColumn(_, c) => {
                            let at = columns.iter().position(|(known, _)| known == c).expect("collected above");
                            Ok(Transformed::yes(col(names[at].as_str())))
                        }
                        _ => Ok(Transformed::no(e)),
                    })
                    .map(|t| t.data)
            };
            let carried = names.iter().map(|n| col(n.as_str()));
            let own = input.expr.iter().map(read).collect::<Result<Vec<_>>>()?;
            let projected = Projection::try_new(own.into_iter().chain(carried).collect(), Arc::new(values))?;
            let options = UnnestOptions { null_handling: NullHandling::Drop, ..unnest.options.clone() };
            let unnested = LogicalPlanBuilder::from(LogicalPlan::Projection(projected))
                .unnest_columns_with_options(unnest.exec_columns.clone(), options)?
                .build()?;
            let ties = names.into_iter().zip(columns.into_iter().map(|(_, outer_ref)| outer_ref)).collect();
            Ok(Some((unnested, ties)))
        }
        _ => Ok(None),
    }
}

/// The outer query's columns `plan` reads, each with the reference that reads it.
fn outer_columns(plan: &LogicalPlan) -> Vec<(Column, Expr)> {
    let references = plan.all_out_ref_exprs().into_iter();
    references
        .filter_map(|e| match &e {
            Expr::OuterReferenceColumn(_, c) => Some((c.clone(), e)),
            _ => None,
        })
        .collect()
}
