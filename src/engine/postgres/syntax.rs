//! Postgres syntax DataFusion plans differently or not at all, rewritten in the parsed
//! statement before planning, so the query text stays the user's:
//! - set-returning JSON functions in FROM (`, jsonb_array_elements(r.doc -> 'Statement') AS s`,
//!   `CROSS JOIN LATERAL`, `LEFT JOIN LATERAL ... ON true`) become UNNEST over cove's
//!   list-valued functions, which [`super::lateral`] then joins row by row;
//! - the same functions in an expression become `unnest(...)`, and any other function in
//!   FROM one row holding its value;
//! - `x LIKE ANY (ARRAY['a%', 'b%'])` (and ILIKE, NOT LIKE) becomes ORs;
//! - `jsonb_agg(x)` becomes `to_jsonb(array_agg(x))`;
//! - an unaliased function call's column is named after the function (`count`);
//! - `EXISTS (...)` and, in a CASE condition, `x IN (...)` in a select list become counts.

use std::collections::HashSet;
use std::ops::ControlFlow;

use datafusion::sql::parser::{CopyToSource, Statement};
use datafusion::sql::sqlparser::ast::{
    self, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentList, FunctionArguments, Ident, Join,
    JoinConstraint, JoinOperator, ObjectName, Select, SelectItem, TableAlias, TableAliasColumnDef, TableFactor,
    TableWithJoins, VisitMut, VisitorMut,
};

/// Rewrites `statement` in place, or says which construct cove cannot plan.
pub fn rewrite(statement: &mut Statement) -> Result<(), String> {
    let mut rewriter = Rewriter::default();
    let flow = match statement {
        Statement::Statement(s) => s.visit(&mut rewriter),
        Statement::CopyTo(copy) => match &mut copy.source {
            CopyToSource::Query(query) => query.visit(&mut rewriter),
            CopyToSource::Relation(_) => ControlFlow::Continue(()),
        },
        Statement::Explain(explain) => return rewrite(&mut explain.statement),
        _ => ControlFlow::Continue(()),
    };
    match flow {
        ControlFlow::Break(error) => Err(error),
        ControlFlow::Continue(()) => Ok(()),
    }
}

/// A set-returning JSON function: the list-valued functions whose elements are its rows,
/// one per output column, and the column names Postgres gives them.
struct SetReturning {
    lists: &'static [&'static str],
    columns: &'static [&'static str],
}

fn set_returning(name: &str) -> Option<SetReturning> {
    let (lists, columns): (&[&str], &[&str]) = match name.trim_start_matches("jsonb_").trim_start_matches("json_") {
        "array_elements" => (&["cove_json_array_elements"], &["value"]),
        "array_elements_text" => (&["cove_json_array_elements_text"], &["value"]),
        "object_keys" => (&["cove_json_object_keys"], &[]),
        "each" => (&["cove_json_object_keys", "cove_json_each_values"], &["key", "value"]),
        "each_text" => (&["cove_json_object_keys", "cove_json_each_text_values"], &["key", "value"]),
        "path_query" => (&["cove_json_path_query"], &[]),
        _ => return None,
    };
    (name.starts_with("json_") || name.starts_with("jsonb_")).then_some(SetReturning { lists, columns })
}

#[derive(Default)]
struct Rewriter {
    /// Aliases of one-column set-returning functions in FROM, with the function's output
    /// name: Postgres reads both `s` and `s.value` as the element, so `s.value` is
    /// rewritten to the column, named `s`.
    element_aliases: HashSet<(String, String)>,
}

impl VisitorMut for Rewriter {
    type Break = String;

    fn pre_visit_select(&mut self, select: &mut Select) -> ControlFlow<String> {
        // `FROM a, b, f(a.x) AS s JOIN c ON ...`: a function reads the items before it, so
        // the items are joined in one chain (across, as the comma does), which it ends up on
        // the right of, instead of each item being planned apart. The same rows, unless a
        // later item has a right or full join, which is left as it is.
        let later = || select.from.iter().skip(1);
        let right_or_full = |t: &TableWithJoins| {
            t.joins.iter().any(|j| {
                matches!(
                    j.join_operator,
                    JoinOperator::Right(_) | JoinOperator::RightOuter(_) | JoinOperator::FullOuter(_)
                )
            })
        };
        if later().any(|t| is_function(&t.relation)) && !later().any(right_or_full) {
            let mut items = std::mem::take(&mut select.from).into_iter();
            let mut chain = items.next().expect("a FROM item before the function");
            for table in items {
                let across = JoinOperator::CrossJoin(JoinConstraint::None);
                chain.joins.push(Join { relation: table.relation, global: false, join_operator: across });
                chain.joins.extend(table.joins);
            }
            select.from = vec![chain];
        }
        for table in &mut select.from {
            if let Err(e) = self.rewrite_from(table) {
                return ControlFlow::Break(e);
            }
        }
        name_function_columns(&mut select.projection);
        for item in &mut select.projection {
            if let SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } = item {
                subqueries_as_counts(expr, false);
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<String> {
        let rewritten = match expr {
            Expr::CompoundIdentifier(parts)
                if parts.len() == 2
                    && self
                        .element_aliases
                        .contains(&(parts[0].value.to_lowercase(), parts[1].value.to_lowercase())) =>
            {
                Some(Expr::CompoundIdentifier(vec![parts[0].clone(), parts[0].clone()]))
            }
            Expr::Function(f) => match set_returning(&f.name.to_string().to_lowercase()) {
                Some(srf) if srf.lists.len() > 1 => {
                    return ControlFlow::Break(format!(
                        "{} in an expression is not supported: call it in FROM",
                        f.name
                    ));
                }
                Some(srf) => Some(call("unnest", vec![argument(call(srf.lists[0], arguments(f)))])),
                None if ["jsonb_agg", "json_agg"].contains(&f.name.to_string().to_lowercase().as_str()) => {
                    let mut aggregate = f.clone();
                    aggregate.name = ObjectName::from(vec![Ident::new("array_agg")]);
                    Some(call("to_jsonb", vec![argument(Expr::Function(aggregate))]))
                }
                None => None,
            },
            Expr::Like { any: true, .. } | Expr::ILike { any: true, .. } => match like_any(expr) {
                Ok(either) => Some(either),
                Err(e) => return ControlFlow::Break(e),
            },
            _ => None,
        };
        if let Some(rewritten) = rewritten {
            *expr = rewritten;
        }
        ControlFlow::Continue(())
    }
}

impl Rewriter {
    fn rewrite_from(&mut self, table: &mut TableWithJoins) -> Result<(), String> {
        self.rewrite_factor(&mut table.relation)?;
        for join in &mut table.joins {
            self.rewrite_factor(&mut join.relation)?;
        }
        Ok(())
    }

    /// `f(args) [AS alias[(columns)]]`, LATERAL or not, as `UNNEST(list(args), ...) AS alias(columns)`.
    fn rewrite_factor(&mut self, factor: &mut TableFactor) -> Result<(), String> {
        let (name, args, alias, with_ordinality) = match factor {
            TableFactor::Table { name, args: Some(args), alias, with_ordinality, .. } => {
                (name.clone(), args.args.clone(), alias.clone(), *with_ordinality)
            }
            TableFactor::Function { name, args, alias, with_ordinality, .. } => {
                (name.clone(), args.clone(), alias.clone(), *with_ordinality)
            }
            TableFactor::NestedJoin { table_with_joins, .. } => return self.rewrite_from(table_with_joins),
            _ => return Ok(()),
        };
        let function = name.to_string().to_lowercase();
        let tables = datafusion::functions_table::all_default_table_functions();
        let srf = match set_returning(&function) {
            Some(srf) => srf,
            None if tables.iter().any(|t| t.name() == function) => return Ok(()),
            // Postgres reads any other function in FROM as one row holding its value.
            None => {
                let alias = alias.map_or_else(|| Ident::new(&function), |a| a.name);
                let value = call(&function, args);
                *factor = TableFactor::UNNEST {
                    alias: Some(TableAlias {
                        explicit: true,
                        name: alias.clone(),
                        columns: vec![TableAliasColumnDef { name: alias, data_type: None }],
                        at: None,
                    }),
                    array_exprs: vec![call("make_array", vec![argument(value)])],
                    with_offset: false,
                    with_offset_alias: None,
                    with_ordinality: false,
                };
                return Ok(());
            }
        };
        let Some(document) = args.first().cloned() else { return Err(format!("{function} takes a JSON argument")) };
        if with_ordinality && srf.lists == ["cove_json_path_query"] {
            return Err(format!("{function} WITH ORDINALITY is not supported"));
        }
        let alias = alias.unwrap_or_else(|| TableAlias {
            explicit: true,
            name: Ident::new(&function),
            columns: vec![],
            at: None,
        });
        let aliased = alias.name.value != function;
        let mut columns: Vec<TableAliasColumnDef> = match srf.columns {
            _ if !alias.columns.is_empty() => alias.columns.clone(),
            [_, _, ..] => srf.columns.iter().map(|c| TableAliasColumnDef::from_name(*c)).collect(),
            // One column: named after the alias, as Postgres reads a bare `s`; `s.value`
            // (the function's output name) is rewritten to it.
            [out] if aliased => {
                self.element_aliases.insert((alias.name.value.to_lowercase(), out.to_string()));
                vec![TableAliasColumnDef::from_name(alias.name.value.clone())]
            }
            [out] => vec![TableAliasColumnDef::from_name(*out)],
            [] if aliased => vec![TableAliasColumnDef::from_name(alias.name.value.clone())],
            [] => vec![TableAliasColumnDef::from_name(function.clone())],
        };
        let mut lists: Vec<Expr> = srf.lists.iter().map(|list| call(list, args.clone())).collect();
        if with_ordinality {
            // Postgres numbers the rows from 1 in a last column, `ordinality` unless named.
            lists.push(call("cove_json_ordinals", vec![document]));
            if columns.len() < lists.len() {
                columns.push(TableAliasColumnDef::from_name("ordinality"));
            }
        }
        *factor = TableFactor::UNNEST {
            alias: Some(TableAlias { columns, ..alias }),
            array_exprs: lists,
            with_offset: false,
            with_offset_alias: None,
            with_ordinality: false,
        };
        Ok(())
    }
}

/// `EXISTS (q)` and, in a CASE condition, `x IN (q)` as a count of `q`'s rows (matching
/// `x`), which DataFusion plans in a select list as it does not the subqueries themselves.
/// The count is exact for EXISTS; for IN it differs only where Postgres gives null (a null
/// `x`, a null among `q`'s values), which a CASE condition reads as false too. A `q` that
/// groups is left as it is.
fn subqueries_as_counts(expr: &mut Expr, in_condition: bool) {
    let replacement = match expr {
        Expr::Exists { subquery, negated } => counting(subquery, if *negated { "= 0" } else { "> 0" }),
        Expr::InSubquery { expr: value, subquery, negated: false } if in_condition => membership(subquery, value),
        Expr::Case { operand, conditions, else_result, .. } => {
            for when in conditions {
                subqueries_as_counts(&mut when.condition, operand.is_none());
                subqueries_as_counts(&mut when.result, false);
            }
            if let Some(otherwise) = else_result {
                subqueries_as_counts(otherwise, false);
            }
            None
        }
        Expr::BinaryOp { left, op: ast::BinaryOperator::And | ast::BinaryOperator::Or, right } => {
            subqueries_as_counts(left, in_condition);
            subqueries_as_counts(right, in_condition);
            None
        }
        Expr::Nested(inner) => {
            subqueries_as_counts(inner, in_condition);
            None
        }
        _ => None,
    };
    if let Some(replacement) = replacement {
        *expr = replacement;
    }
}

/// `(SELECT count(*) <test> FROM ... WHERE ...)` from `q`.
fn counting(query: &ast::Query, test: &str) -> Option<Expr> {
    let ast::SetExpr::Select(select) = query.body.as_ref() else { return None };
    let grouped = !matches!(&select.group_by, ast::GroupByExpr::Expressions(keys, _) if keys.is_empty());
    if grouped || select.having.is_some() {
        return None;
    }
    let mut select = select.clone();
    select.projection = vec![SelectItem::UnnamedExpr(parse_expr(&format!("count(*) {test}"))?)];
    select.distinct = None;
    let body = Box::new(ast::SetExpr::Select(select));
    Some(Expr::Subquery(Box::new(ast::Query { body, order_by: None, limit_clause: None, ..query.clone() })))
}

/// `(SELECT count(*) > 0 FROM (q) AS __cove_in(__cove_value) WHERE __cove_value = (x))`
/// for `x IN (q)`: `q` kept whole, so that `x` still reads the outer query's columns even
/// where `q`'s table has one of the same name.
fn membership(query: &ast::Query, member: &Expr) -> Option<Expr> {
    let count = format!(
        "(SELECT count(*) > 0 FROM ({query}) AS __cove_in(__cove_value) WHERE __cove_in.__cove_value = ({member}))"
    );
    parse_expr(&count)
}

/// An expression cove writes itself (around users' SQL printed back), in the dialect it
/// parses users' SQL with; `None` leaves the user's SQL as it was.
fn parse_expr(sql: &str) -> Option<Expr> {
    let parse = |dialect: &dyn datafusion::sql::sqlparser::dialect::Dialect| {
        datafusion::sql::sqlparser::parser::Parser::new(dialect).try_with_sql(sql).and_then(|mut p| p.parse_expr())
    };
    super::dialect::parse(sql, parse).ok()?.ok()
}

fn is_function(factor: &TableFactor) -> bool {
    matches!(factor, TableFactor::Table { args: Some(_), .. } | TableFactor::Function { .. })
}

/// Postgres names an unaliased function call's column after the function (`count`, not
/// `count(*)`), which queries then refer to (`cte.count`). Names that would repeat are left
/// as DataFusion has them, which are unique; so is a select list with a `*`.
fn name_function_columns(projection: &mut [SelectItem]) {
    let name = |item: &SelectItem| match item {
        SelectItem::UnnamedExpr(Expr::Function(f)) => f.name.0.last().map(|p| p.to_string().to_lowercase()),
        SelectItem::UnnamedExpr(Expr::Identifier(i)) | SelectItem::ExprWithAlias { alias: i, .. } => {
            Some(i.value.to_lowercase())
        }
        SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts)) => parts.last().map(|i| i.value.to_lowercase()),
        _ => None,
    };
    if projection.iter().any(|item| matches!(item, SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..))) {
        return;
    }
    let names: Vec<Option<String>> = projection.iter().map(name).collect();
    for (item, own) in projection.iter_mut().zip(&names) {
        if let (SelectItem::UnnamedExpr(expr @ Expr::Function(_)), Some(own)) = (&*item, own)
            && names.iter().filter(|n| n.as_ref() == Some(own)).count() == 1
        {
            *item = SelectItem::ExprWithAlias { expr: expr.clone(), alias: Ident::new(own) };
        }
    }
}

fn arguments(function: &Function) -> Vec<FunctionArg> {
    match &function.args {
        FunctionArguments::List(list) => list.args.clone(),
        _ => Vec::new(),
    }
}

fn argument(expr: Expr) -> FunctionArg {
    FunctionArg::Unnamed(FunctionArgExpr::Expr(expr))
}

fn call(name: &str, args: Vec<FunctionArg>) -> Expr {
    Expr::Function(Function {
        name: ObjectName::from(vec![Ident::new(name)]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList { duplicate_treatment: None, args, clauses: vec![] }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    })
}

/// `x [NOT] [I]LIKE ANY (ARRAY[p, ...])` as `(x [NOT] [I]LIKE p OR ...)`.
fn like_any(expr: &Expr) -> Result<Expr, String> {
    let (Expr::Like { negated, expr: value, pattern, escape_char, .. }
    | Expr::ILike { negated, expr: value, pattern, escape_char, .. }) = expr
    else {
        unreachable!("called on LIKE and ILIKE only")
    };
    let insensitive = matches!(expr, Expr::ILike { .. });
    let Some(patterns) = pattern_list(pattern) else {
        let like = if insensitive { "ILIKE" } else { "LIKE" };
        return Err(format!("{like} ANY needs a list of patterns: ARRAY['a%', ...]"));
    };
    let each = patterns.into_iter().map(|p| {
        let (negated, any, expr, pattern, escape_char) =
            (*negated, false, value.clone(), Box::new(p), escape_char.clone());
        if insensitive {
            Expr::ILike { negated, any, expr, pattern, escape_char }
        } else {
            Expr::Like { negated, any, expr, pattern, escape_char }
        }
    });
    Ok(any_of(each))
}

/// The patterns of `ANY (ARRAY[...])` or `ANY (('a', 'b'))`.
fn pattern_list(pattern: &Expr) -> Option<Vec<Expr>> {
    match pattern {
        Expr::Nested(inner) => pattern_list(inner),
        Expr::Array(ast::Array { elem, .. }) | Expr::Tuple(elem) => Some(elem.clone()),
        _ => None,
    }
}

fn any_of(each: impl Iterator<Item = Expr>) -> Expr {
    let either = each
        .reduce(|a, b| Expr::BinaryOp { left: Box::new(a), op: ast::BinaryOperator::Or, right: Box::new(b) })
        .unwrap_or(Expr::Value(ast::Value::Boolean(false).into()));
    Expr::Nested(Box::new(either))
}
