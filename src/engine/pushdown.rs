//! Which WHERE conjuncts a table can take, and what they become: `account_id` and
//! `region` prune targets before any call; key columns become API parameters.

use std::collections::BTreeMap;

use cove_tables::{Quals, Table};
use datafusion::logical_expr::{BinaryExpr, Expr, Operator, TableProviderFilterPushDown};
use datafusion::scalar::ScalarValue;

/// Columns that select targets rather than filter rows.
pub const TARGET_COLUMNS: [&str; 2] = ["account_id", "region"];

/// `column IN values` with literal values, if `expr` says exactly that. `=`, `IN`, OR
/// chains of `=` on one column (the optimizer's rewrite of short IN lists, or a generated
/// WHERE of thousands), and bare boolean columns qualify. OR chains are walked with a
/// stack of their own, not recursion, however long they are.
fn column_values(expr: &Expr) -> Option<(&str, Vec<String>)> {
    let mut column: Option<&str> = None;
    let mut values = Vec::new();
    let mut disjuncts = vec![expr];
    while let Some(disjunct) = disjuncts.pop() {
        if let Expr::BinaryExpr(BinaryExpr { left, op: Operator::Or, right }) = disjunct {
            disjuncts.extend([right.as_ref(), left.as_ref()]);
            continue;
        }
        let (name, more) = disjunct_values(disjunct)?;
        if column.is_some_and(|c| c != name) {
            return None;
        }
        column = Some(name);
        values.extend(more);
    }
    Some((column?, values))
}

/// `column IN values` for one expression that is not an OR.
fn disjunct_values(expr: &Expr) -> Option<(&str, Vec<String>)> {
    match expr {
        // A bare boolean column, as `WHERE is_default` (and `is_default = true` after the
        // optimizer) reaches the table.
        Expr::Column(c) => Some((c.name.as_str(), vec!["true".into()])),
        Expr::Not(inner) => match inner.as_ref() {
            Expr::Column(c) => Some((c.name.as_str(), vec!["false".into()])),
            _ => None,
        },
        Expr::BinaryExpr(BinaryExpr { left, op: Operator::Eq, right }) => match (left.as_ref(), right.as_ref()) {
            (Expr::Column(c), Expr::Literal(v, _)) | (Expr::Literal(v, _), Expr::Column(c)) => {
                Some((c.name.as_str(), vec![literal(v)?]))
            }
            _ => None,
        },
        Expr::InList(list) if !list.negated => {
            let Expr::Column(c) = list.expr.as_ref() else {
                return None;
            };
            let values = list
                .list
                .iter()
                .map(|e| match e {
                    Expr::Literal(v, _) => literal(v),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?;
            Some((c.name.as_str(), values))
        }
        _ => None,
    }
}

/// A non-null string or boolean literal as the API would take it.
fn literal(value: &ScalarValue) -> Option<String> {
    match value {
        ScalarValue::Boolean(Some(b)) => Some(b.to_string()),
        other => other.try_as_str().flatten().map(str::to_string),
    }
}

/// How the table answers `expr`: exactly (targets, exact key columns), approximately
/// (key columns whose API match is looser than SQL's), or not at all.
pub fn support(table: &Table, expr: &Expr) -> TableProviderFilterPushDown {
    match column_values(expr) {
        Some((column, _)) if TARGET_COLUMNS.contains(&column) => TableProviderFilterPushDown::Exact,
        Some((column, _)) => match table.key_column(column) {
            Some(key) if key.exact => TableProviderFilterPushDown::Exact,
            Some(_) => TableProviderFilterPushDown::Inexact,
            None => TableProviderFilterPushDown::Unsupported,
        },
        None => TableProviderFilterPushDown::Unsupported,
    }
}

/// The pushed-down filters of one scan, each column's allowed values intersected.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pushed {
    pub accounts: Option<Vec<String>>,
    pub regions: Option<Vec<String>>,
    /// Key-column values, for the API.
    pub keys: Quals,
}

pub fn pushed(table: &Table, filters: &[Expr]) -> Pushed {
    let mut by_column: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (column, values) in filters.iter().filter_map(column_values) {
        if !TARGET_COLUMNS.contains(&column) && table.key_column(column).is_none() {
            continue;
        }
        let mut values: Vec<String> = values;
        values.sort();
        values.dedup();
        by_column
            .entry(column.to_string())
            .and_modify(|existing| existing.retain(|v| values.contains(v)))
            .or_insert(values);
    }
    let (accounts, regions) = (by_column.remove("account_id"), by_column.remove("region"));
    Pushed { accounts, regions, keys: Quals(by_column.into_iter().collect()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::prelude::{col, lit};

    fn ec2() -> Table {
        cove_tables::catalog().into_iter().find(|t| t.name == "aws_ec2_instance").unwrap()
    }

    #[test]
    fn equality_in_and_or_chains_are_recognised() {
        let table = ec2();
        let or_chain = col("region").eq(lit("a")).or(col("region").eq(lit("b")));
        let in_list = col("instance_id").in_list(vec![lit("i-1"), lit("i-2"), lit("i-3"), lit("i-4")], false);
        let filters = [or_chain.clone(), in_list.clone(), col("region").eq(lit("b")), col("account_id").eq(lit("111"))];
        let p = pushed(&table, &filters);
        assert_eq!(p.regions, Some(vec!["b".to_string()]));
        assert_eq!(p.accounts, Some(vec!["111".to_string()]));
        assert_eq!(p.keys.get("instance_id").map(<[String]>::len), Some(4));
        assert_eq!(support(&table, &or_chain), TableProviderFilterPushDown::Exact);
        assert_eq!(support(&table, &col("instance_type").eq(lit("t3.micro"))), TableProviderFilterPushDown::Inexact);
        let vpc = cove_tables::catalog().into_iter().find(|t| t.name == "aws_vpc").unwrap();
        assert_eq!(pushed(&vpc, &[!col("is_default")]).keys.get("is_default"), Some(&["false".to_string()][..]));
        assert_eq!(pushed(&vpc, &[col("is_default")]).keys.get("is_default"), Some(&["true".to_string()][..]));
    }

    #[test]
    fn long_or_chains_are_walked_without_recursion() {
        let table = ec2();
        let chain = (1..200_000)
            .fold(col("instance_id").eq(lit("i-0")), |chain, i| chain.or(col("instance_id").eq(lit(format!("i-{i}")))));
        assert_eq!(support(&table, &chain), TableProviderFilterPushDown::Exact);
        let p = pushed(&table, std::slice::from_ref(&chain));
        assert_eq!(p.keys.get("instance_id").map(<[String]>::len), Some(200_000));
        // Dropping the expression recurses too: leave that to the process's exit.
        std::mem::forget(chain);
    }

    #[test]
    fn anything_else_is_left_to_datafusion() {
        let table = ec2();
        let unsupported = [
            col("region").not_eq(lit("a")),
            col("region").in_list(vec![lit("a")], true),
            col("region").eq(lit("a")).or(col("account_id").eq(lit("1"))),
            col("launch_time").is_null(),
            col("key_name").eq(lit("k")),
            col("region").eq(lit(ScalarValue::Utf8(None))),
            !col("region").is_null(),
        ];
        for expr in &unsupported {
            assert_eq!(support(&table, expr), TableProviderFilterPushDown::Unsupported, "{expr}");
        }
        assert_eq!(pushed(&table, &unsupported), Pushed::default());
    }
}
