//! The SQL dialect cove parses with: Postgres's, with a bound on the parser's work.
//!
//! sqlparser backtracks, and some shapes make it backtrack at every level: nested function
//! calls (`abs(abs(abs(...)))`, each argument parsed once as a possible `name => value`
//! and again as a value) or `CAST(CASE (...` chains double or triple the work per level,
//! so 170 bytes take hours, and no signal can stop a parse. The parser asks the dialect
//! at every expression, so the dialect counts those steps and, past a budget linear in the
//! statement's length, fails the parse with the one error sqlparser never backtracks over.

use std::any::TypeId;
use std::cell::Cell;

use datafusion::sql::sqlparser::ast::Expr;
use datafusion::sql::sqlparser::dialect::{Dialect, PostgreSqlDialect, Precedence};
use datafusion::sql::sqlparser::keywords::Keyword;
use datafusion::sql::sqlparser::parser::{Parser, ParserError};

/// Parser steps allowed for any statement, and for each byte of it: real queries take a
/// few steps a byte, the pathological shapes millions for a few hundred bytes.
const BASE_STEPS: usize = 20_000;
const STEPS_PER_BYTE: usize = 20;

/// Runs `parse` over `sql` in the bounded dialect: what it parsed, or why `sql` is refused.
pub fn parse<T>(sql: &str, parse: impl FnOnce(&dyn Dialect) -> T) -> Result<T, String> {
    bounded(sql, false, parse)
}

/// [`parse`] with Postgres's own grammar, every argument read as a possible name too: the
/// budget of a parser cove does not control (the catalog's), which reads `sql` that way.
pub fn parse_as_postgres<T>(sql: &str, parse: impl FnOnce(&dyn Dialect) -> T) -> Result<T, String> {
    bounded(sql, true, parse)
}

fn bounded<T>(sql: &str, expression_names: bool, parse: impl FnOnce(&dyn Dialect) -> T) -> Result<T, String> {
    let dialect = Bounded { steps: Cell::new(0), budget: BASE_STEPS + STEPS_PER_BYTE * sql.len(), expression_names };
    let parsed = parse(&dialect);
    match dialect.exhausted() {
        false => Ok(parsed),
        true => Err(format!(
            "the statement ({} bytes) is too complex to parse: it nests function calls, CASTs or CASEs \
             more deeply than cove parses",
            sql.len()
        )),
    }
}

#[derive(Debug)]
struct Bounded {
    steps: Cell<usize>,
    budget: usize,
    /// Whether an argument may be named by any expression, as Postgres reads one.
    expression_names: bool,
}

impl Bounded {
    fn exhausted(&self) -> bool {
        self.steps.get() > self.budget
    }

    /// Counts a step; past the budget, the error that ends the parse.
    fn step(&self) -> Option<ParserError> {
        self.steps.set(self.steps.get() + 1);
        self.exhausted().then_some(ParserError::RecursionLimitExceeded)
    }
}

const POSTGRES: PostgreSqlDialect = PostgreSqlDialect {};

/// Every answer is Postgres's; each method the parser calls while parsing expressions
/// also counts a step.
macro_rules! postgres {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        $(fn $name(&self, $($arg: $ty),*) -> $ret {
            POSTGRES.$name($($arg),*)
        })*
    };
}

impl Dialect for Bounded {
    /// Postgres's, for the parser's checks of which dialect it parses.
    fn dialect(&self) -> TypeId {
        TypeId::of::<PostgreSqlDialect>()
    }

    fn parse_prefix(&self, _: &mut Parser) -> Option<Result<Expr, ParserError>> {
        self.step().map(Err)
    }

    fn get_next_precedence(&self, parser: &Parser) -> Option<Result<u8, ParserError>> {
        match self.step() {
            Some(exhausted) => Some(Err(exhausted)),
            None => POSTGRES.get_next_precedence(parser),
        }
    }

    /// Postgres reads any expression as an argument's name (`f('a' : 1)`), and so parses
    /// every argument twice, at every level of nesting; DataFusion plans only identifiers
    /// as names (`f(a => 1)`), which the parser reads without backtracking.
    fn supports_named_fn_args_with_expr_name(&self) -> bool {
        self.expression_names
    }

    postgres! {
        identifier_quote_style(identifier: &str) -> Option<char>;
        is_delimited_identifier_start(ch: char) -> bool;
        is_identifier_start(ch: char) -> bool;
        is_identifier_part(ch: char) -> bool;
        supports_unicode_string_literal() -> bool;
        is_reserved_for_identifier(keyword: Keyword) -> bool;
        is_custom_operator_part(ch: char) -> bool;
        supports_filter_during_aggregation() -> bool;
        supports_group_by_expr() -> bool;
        prec_value(precedence: Precedence) -> u8;
        allow_extract_custom() -> bool;
        allow_extract_single_quotes() -> bool;
        supports_create_index_with_clause() -> bool;
        supports_explain_with_utility_options() -> bool;
        supports_listen_notify() -> bool;
        supports_factorial_operator() -> bool;
        supports_bitwise_shift_operators() -> bool;
        supports_comment_on() -> bool;
        supports_load_extension() -> bool;
        supports_named_fn_args_with_colon_operator() -> bool;
        supports_empty_projections() -> bool;
        supports_nested_comments() -> bool;
        supports_string_escape_constant() -> bool;
        supports_numeric_literal_underscores() -> bool;
        supports_array_typedef_with_brackets() -> bool;
        supports_geometric_types() -> bool;
        supports_set_names() -> bool;
        supports_alter_column_type_using() -> bool;
        supports_notnull_operator() -> bool;
        supports_interval_options() -> bool;
        supports_insert_table_alias() -> bool;
        supports_create_table_like_parenthesized() -> bool;
        supports_select_wildcard_with_alias() -> bool;
        supports_comma_separated_trim() -> bool;
        supports_xml_expressions() -> bool;
        supports_comment_optimizer_hint() -> bool;
    }
}

#[cfg(test)]
mod tests {
    use datafusion::sql::sqlparser::parser::Parser;

    use super::*;

    /// Every built-in control and every SQL example in the tests reads exactly as
    /// Postgres's dialect reads it.
    #[test]
    fn real_statements_parse_as_in_postgres() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["controls/aws", "tests/slt", "tests/slt/dialect"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                files.push(entry.unwrap().path());
            }
        }
        files.retain(|file| file.is_file());
        let mut statements = 0;
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            // The statements of a control, or of a sqllogictest record.
            for sql in text.split("\n\n").filter(|s| s.contains("SELECT")) {
                let postgres = Parser::parse_sql(&PostgreSqlDialect {}, sql);
                let bounded = parse(sql, |dialect| Parser::parse_sql(dialect, sql)).unwrap();
                assert_eq!(format!("{bounded:?}"), format!("{postgres:?}"), "{}: {sql}", file.display());
                statements += usize::from(postgres.is_ok());
            }
        }
        assert!(statements > 100, "{statements} statements parsed");
    }

    #[test]
    fn backtracking_is_bounded_and_nesting_is_not_refused() {
        let sql = format!("SELECT {}1{}", "CAST(CASE (".repeat(20), ")".repeat(60));
        let refused = parse(&sql, |dialect| Parser::parse_sql(dialect, &sql)).unwrap_err();
        assert!(refused.contains("too complex to parse"), "{refused}");
        let sql = format!("SELECT {}x{}", "json_get_str(".repeat(40), ", 'a')".repeat(40));
        assert!(parse(&sql, |dialect| Parser::parse_sql(dialect, &sql)).unwrap().is_ok());
        // The catalog's parser reads every argument twice: its budget is counted that way.
        assert!(parse_as_postgres(&sql, |dialect| Parser::parse_sql(dialect, &sql)).is_err());
    }
}
