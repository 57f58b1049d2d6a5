//! Every output format cove writes, by name and file extension, in one place: which
//! names a command takes, and which format a file's extension implies.

use std::path::Path;

use clap::builder::{PossibleValuesParser, TypedValueParser};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Json,
    Ndjson,
    /// One `column | value` block per row, for wide rows.
    Line,
    Parquet,
    /// A check report as JUnit XML, for CI systems.
    Junit,
    /// A check report as one self-contained HTML page.
    Html,
    /// A check report of what needs attention only: alarms and errors.
    Brief,
    /// A check report for a pull request comment or a wiki page.
    Markdown,
    /// Alarms as AWS Security Hub findings (ASFF).
    Asff,
    /// Results as OCSF Compliance Findings, for a SIEM.
    Ocsf,
}

/// What `cove query` and the shell write.
pub const QUERY_FORMATS: &[Format] =
    &[Format::Table, Format::Csv, Format::Json, Format::Ndjson, Format::Line, Format::Parquet];
/// What `cove check` reports in.
pub const REPORT_FORMATS: &[Format] = &[
    Format::Table,
    Format::Brief,
    Format::Csv,
    Format::Json,
    Format::Junit,
    Format::Html,
    Format::Markdown,
    Format::Asff,
    Format::Ocsf,
];

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Csv => "csv",
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::Line => "line",
            Format::Parquet => "parquet",
            Format::Junit => "junit",
            Format::Html => "html",
            Format::Brief => "brief",
            Format::Markdown => "markdown",
            Format::Asff => "asff",
            Format::Ocsf => "ocsf",
        }
    }

    /// File extensions that imply the format, the usual one first.
    fn extensions(self) -> &'static [&'static str] {
        match self {
            Format::Table => &["txt"],
            Format::Csv => &["csv"],
            Format::Json => &["json"],
            Format::Ndjson => &["ndjson", "jsonl"],
            Format::Line => &[],
            Format::Parquet => &["parquet"],
            Format::Junit => &["xml"],
            Format::Html => &["html", "htm"],
            Format::Markdown => &["md"],
            Format::Brief | Format::Asff | Format::Ocsf => &[],
        }
    }

    /// The format named `name` (any case), if it is one of `allowed`.
    pub fn named(name: &str, allowed: &[Format]) -> Result<Format, String> {
        let name = name.to_ascii_lowercase();
        allowed.iter().copied().find(|f| f.name() == name).ok_or_else(|| {
            let names: Vec<&str> = allowed.iter().map(|f| f.name()).collect();
            format!("unknown format '{name}': {}", names.join(", "))
        })
    }

    /// The format of `allowed` that a file name's extension implies.
    pub fn for_path(path: &Path, allowed: &[Format]) -> Option<Format> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        allowed.iter().copied().find(|f| f.extensions().contains(&extension.as_str()))
    }

    /// A clap parser taking the names of `allowed`, listed in `--help`.
    pub fn parser(allowed: &'static [Format]) -> impl TypedValueParser<Value = Format> {
        PossibleValuesParser::new(allowed.iter().map(|f| f.name())).try_map(move |name| Format::named(&name, allowed))
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Format; 12] = [
        Format::Table,
        Format::Csv,
        Format::Json,
        Format::Ndjson,
        Format::Line,
        Format::Parquet,
        Format::Junit,
        Format::Html,
        Format::Brief,
        Format::Markdown,
        Format::Asff,
        Format::Ocsf,
    ];

    #[test]
    fn formats_follow_extensions() {
        assert_eq!(Format::for_path(Path::new("a/b.PARQUET"), QUERY_FORMATS), Some(Format::Parquet));
        assert_eq!(Format::for_path(Path::new("x.jsonl"), QUERY_FORMATS), Some(Format::Ndjson));
        assert_eq!(Format::for_path(Path::new("x.xml"), REPORT_FORMATS), Some(Format::Junit));
        assert_eq!(Format::for_path(Path::new("x.xml"), QUERY_FORMATS), None);
        assert_eq!(Format::for_path(Path::new("x"), QUERY_FORMATS), None);
    }

    #[test]
    fn every_format_has_one_name() {
        for format in ALL {
            assert_eq!(Format::named(format.name(), &ALL), Ok(format));
        }
        assert_eq!(Format::named("HTML", REPORT_FORMATS), Ok(Format::Html));
        assert!(Format::named("junit", QUERY_FORMATS).unwrap_err().contains("table, csv"));
    }
}
