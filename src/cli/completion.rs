//! The shell's line editor helper: Tab completion of keywords, tables, the columns of the
//! tables in the statement, and meta commands; statements span lines until `;`.

use rustyline::completion::{Completer, Pair};
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper, Highlighter, Hinter};

use cove_tables::Table;

use super::command::MetaCommand;

const KEYWORDS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "NOT",
    "IN",
    "IS",
    "NULL",
    "LIKE",
    "ILIKE",
    "BETWEEN",
    "GROUP",
    "BY",
    "ORDER",
    "ASC",
    "DESC",
    "LIMIT",
    "OFFSET",
    "HAVING",
    "JOIN",
    "LEFT",
    "RIGHT",
    "FULL",
    "INNER",
    "OUTER",
    "CROSS",
    "ON",
    "USING",
    "AS",
    "DISTINCT",
    "COUNT",
    "SUM",
    "MIN",
    "MAX",
    "AVG",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "WITH",
    "UNION",
    "ALL",
    "EXCEPT",
    "INTERSECT",
    "EXISTS",
    "CAST",
    "TRUE",
    "FALSE",
    "EXPLAIN",
    "COPY",
    "TO",
    "STORED",
    "SHOW",
    "TABLES",
    "COLUMNS",
    "DESCRIBE",
    "NOW",
    "INTERVAL",
    "TIMESTAMP",
    "JSON_GET_STR",
];

#[derive(Helper, Highlighter, Hinter)]
pub struct ShellHelper {
    tables: Vec<(String, Vec<String>)>,
}

impl ShellHelper {
    pub fn new(tables: &[Table]) -> Self {
        let tables = tables
            .iter()
            .map(|t| (t.name.to_string(), t.columns.iter().map(|c| c.name.to_string()).collect()))
            .collect();
        ShellHelper { tables }
    }

    pub fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let start = line[..pos].rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')).map_or(0, |i| i + 1);
        let word = &line[start..pos];
        let before = line[..start].trim();
        if before.is_empty() && word.starts_with('.') {
            return (start, MetaCommand::names().filter(|m| m.starts_with(word)).map(str::to_string).collect());
        }
        let table_names = self.tables.iter().map(|(name, _)| name);
        if before == ".inspect" {
            return (start, table_names.filter(|n| n.starts_with(word)).cloned().collect());
        }
        let lower = word.to_lowercase();
        let mentioned: Vec<&Vec<String>> = self
            .tables
            .iter()
            .filter(|(name, _)| line.split(|c: char| !(c.is_alphanumeric() || c == '_')).any(|w| w == name))
            .map(|(_, columns)| columns)
            .collect();
        let mut found: Vec<String> = table_names.filter(|n| n.starts_with(&lower)).cloned().collect();
        found.extend(mentioned.into_iter().flatten().filter(|c| c.starts_with(&lower)).cloned());
        found.extend(KEYWORDS.iter().filter(|k| k.to_lowercase().starts_with(&lower)).map(|k| k.to_string()));
        found.sort();
        found.dedup();
        (start, found)
    }
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, _ctx: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        let (start, found) = self.candidates(line, pos);
        Ok((start, found.into_iter().map(|c| Pair { display: c.clone(), replacement: c }).collect()))
    }
}

impl Validator for ShellHelper {
    fn validate(&self, ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        let input = ctx.input().trim();
        Ok(if input.is_empty() || input.starts_with('.') || input.ends_with(';') {
            ValidationResult::Valid(None)
        } else {
            ValidationResult::Incomplete
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn helper() -> ShellHelper {
        ShellHelper::new(&cove_tables::catalog())
    }

    #[test]
    fn completes_tables_columns_keywords_and_meta_commands() {
        let h = helper();
        assert_eq!(h.candidates("SELECT * FROM aws_ec2_i", 23), (14, vec!["aws_ec2_instance".to_string()]));
        let (_, found) = h.candidates("SELECT instance_ty FROM aws_ec2_instance", 18);
        assert_eq!(found, vec!["instance_type"]);
        let (_, found) = h.candidates("sel", 3);
        assert_eq!(found, vec!["SELECT"]);
        let (_, found) = h.candidates(".ti", 3);
        assert_eq!(found, vec![".timing"]);
        let (start, found) = h.candidates(".inspect aws_iam_u", 18);
        assert_eq!((start, found), (9, vec!["aws_iam_user".to_string()]));
    }
}
