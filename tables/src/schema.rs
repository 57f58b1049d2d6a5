//! The vocabulary a table is declared in: scopes, column kinds, columns, key columns
//! and hydrate calls. Shared by the builder, the docs and the engine.

use arrow::datatypes::{DataType, Field, TimeUnit};

/// How a table fans out over a target's regions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One call set per account and region.
    Regional,
    /// One call set per account; rows carry the region `global` (IAM).
    Global,
    /// One call set per account; each row carries its own region (S3 buckets).
    /// Rows outside the regions in scope are dropped.
    GlobalWithRegionColumn,
}

impl Scope {
    pub fn describe(self) -> &'static str {
        match self {
            Scope::Regional => "regional: one call set per account and region",
            Scope::Global => "global: one call set per account, region is 'global'",
            Scope::GlobalWithRegionColumn => {
                "global with region column: listed once per account, each row has its own region"
            }
        }
    }
}

/// The logical type of a column. JSON columns are UTF-8 text holding a JSON document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Int,
    Float,
    Bool,
    Timestamp,
    Json,
}

impl Kind {
    pub fn arrow_type(self) -> DataType {
        match self {
            Kind::Text | Kind::Json => DataType::Utf8,
            Kind::Int => DataType::Int64,
            Kind::Float => DataType::Float64,
            Kind::Bool => DataType::Boolean,
            Kind::Timestamp => DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Int => "bigint",
            Kind::Float => "double",
            Kind::Bool => "boolean",
            Kind::Timestamp => "timestamp (UTC)",
            Kind::Json => "json",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ColumnInfo {
    pub name: &'static str,
    pub kind: Kind,
    pub description: &'static str,
}

/// Field metadata marking a text column that holds JSON documents, so exports can emit
/// them as nested JSON rather than as strings.
pub const JSON_METADATA_KEY: &str = "cove.json";

impl ColumnInfo {
    pub fn field(&self) -> Field {
        let field = Field::new(self.name, self.kind.arrow_type(), true);
        if self.kind == Kind::Json {
            field.with_metadata([(JSON_METADATA_KEY.to_string(), "true".to_string())].into())
        } else {
            field
        }
    }
}

/// A column whose `=` / `IN` filters the table's API can take.
#[derive(Debug, Clone)]
pub struct KeyColumn {
    pub column: &'static str,
    /// True when the API returns exactly the matching rows, so the engine need not re-filter.
    pub exact: bool,
    /// How the filter reaches the API, for the docs (e.g. `DescribeInstances InstanceIds`).
    pub api: &'static str,
}

#[derive(Debug, Clone)]
pub struct HydrateInfo {
    pub api: &'static str,
    pub columns: Vec<&'static str>,
}

/// The hydrate calls (by index) that fill any of the `projected` columns.
pub(crate) fn hydrates_needed<'a>(hydrates: impl Iterator<Item = &'a HydrateInfo>, projected: &[&str]) -> Vec<usize> {
    let needed = |h: &HydrateInfo| h.columns.iter().any(|c| projected.contains(c));
    hydrates.enumerate().filter(|(_, h)| needed(h)).map(|(i, _)| i).collect()
}

/// The columns every table has after its own, filled from the target (and, for tables
/// whose rows carry their own region, from the row).
pub(crate) const COMMON_COLUMNS: [ColumnInfo; 4] = [
    ColumnInfo { name: "partition", kind: Kind::Text, description: "The AWS partition (aws, aws-cn, aws-us-gov)." },
    ColumnInfo { name: "region", kind: Kind::Text, description: "The region the resource lives in, or 'global'." },
    ColumnInfo { name: "account_id", kind: Kind::Text, description: "The AWS account that owns the resource." },
    ColumnInfo {
        name: "_ctx",
        kind: Kind::Json,
        description: "Steampipe's connection context: {\"connection_name\": the account id}.",
    },
];
