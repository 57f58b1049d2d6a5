//! COPY statements. `COPY (...) TO 'file'` is written like `--out`: to a temporary file
//! beside the target, created exclusively before any work (so an unwritable path fails at
//! once, naming the OS error), and renamed over the target only when DataFusion has written
//! all of it. `COPY ... TO STDOUT` (`cove serve`) is the query it reads.

use datafusion::sql::parser::{CopyToStatement, Statement};
use datafusion::sql::sqlparser::ast;
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::parser::Parser;

use crate::output::OutputFile;

/// File formats DataFusion's COPY writes, by the name `STORED AS` takes.
const FORMATS: [&str; 4] = ["csv", "json", "parquet", "arrow"];

/// A COPY statement, redirected to a temporary file, and the file to publish after it.
pub struct Copy {
    pub statement: Statement,
    pub file: OutputFile,
}

/// `statement` redirected to a temporary file, when it is a COPY TO; None otherwise.
pub fn redirect(statement: &Statement) -> Result<Option<Copy>, String> {
    let Statement::CopyTo(copy) = statement else { return Ok(None) };
    let target = copy.target.as_str();
    if target.contains("://") {
        return Err(format!("COPY writes local files only, not {target}"));
    }
    if !copy.partitioned_by.is_empty() {
        return Err("COPY writes one file: PARTITIONED BY is not supported".into());
    }
    let format = match &copy.stored_as {
        Some(format) => format.to_ascii_lowercase(),
        None => implied_format(target).ok_or_else(|| {
            format!("COPY cannot tell the format of {target}: add STORED AS {}", FORMATS.join(" | ").to_uppercase())
        })?,
    };
    let file = OutputFile::open(std::path::Path::new(target))?;
    let OutputFile::Atomic(atomic) = &file else {
        return Err(format!("COPY writes regular files; for {target} use `cove query --out`"));
    };
    // The temporary name has an extension, so DataFusion writes it as one file.
    let statement = Statement::CopyTo(CopyToStatement {
        source: copy.source.clone(),
        target: atomic.temporary_path().to_string_lossy().into_owned(),
        partitioned_by: Vec::new(),
        stored_as: Some(format),
        options: copy.options.clone(),
    });
    Ok(Some(Copy { statement, file }))
}

/// The query `COPY source TO STDOUT` reads. Built from the parsed COPY, never from its
/// text: a statement's text form does not always parse back.
pub fn stdout_query(source: ast::CopySource) -> Statement {
    let query = match source {
        ast::CopySource::Query(query) => query,
        ast::CopySource::Table { table_name, columns } => select(table_name, columns),
    };
    Statement::Statement(Box::new(ast::Statement::Query(query)))
}

/// `SELECT columns FROM table`, every column when `columns` is empty.
fn select(table: ast::ObjectName, columns: Vec<ast::Ident>) -> Box<ast::Query> {
    // A query of that shape, filled in: sqlparser's AST gains fields with every release.
    let parsed = Parser::parse_sql(&PostgreSqlDialect {}, "SELECT * FROM t").expect("a constant query parses");
    let Some(ast::Statement::Query(mut query)) = parsed.into_iter().next() else { unreachable!("parsed a query") };
    if let ast::SetExpr::Select(select) = query.body.as_mut()
        && let ast::TableFactor::Table { name, .. } = &mut select.from[0].relation
    {
        *name = table;
        if !columns.is_empty() {
            select.projection =
                columns.into_iter().map(|c| ast::SelectItem::UnnamedExpr(ast::Expr::Identifier(c))).collect();
        }
    }
    query
}

/// The format a file name implies: the first of its extensions DataFusion writes
/// (`out.csv.gz` is CSV).
fn implied_format(target: &str) -> Option<String> {
    let name = std::path::Path::new(target).file_name()?.to_str()?.to_ascii_lowercase();
    name.split('.').skip(1).find(|ext| FORMATS.contains(ext)).map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_come_from_the_first_known_extension() {
        assert_eq!(implied_format("a/out.csv.gz").as_deref(), Some("csv"));
        assert_eq!(implied_format("out.PARQUET").as_deref(), Some("parquet"));
        assert_eq!(implied_format("out"), None);
    }
}
