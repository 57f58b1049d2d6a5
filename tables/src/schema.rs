//! The vocabulary a table is declared in: scopes, column kinds, columns, key columns,
//! the AWS calls it makes and its hydrate calls. Shared by the builder, the docs and the
//! engine.

use std::fmt;

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
/// A table file names it in lowercase (`int`, `timestamp`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
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

/// One AWS operation, as the engine's read-only guard keys what it lets through. The
/// service is its SigV4 signing name (`elasticloadbalancing`, not botocore's `elbv2`):
/// the one name of a service that every client, the SDK's and the generic one, puts in
/// the call's config bag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Call {
    pub service: &'static str,
    pub operation: &'static str,
}

impl Call {
    pub const fn new(service: &'static str, operation: &'static str) -> Call {
        Call { service, operation }
    }

    /// This call, then `next`.
    pub fn then(self, next: impl Into<Calls>) -> Calls {
        Calls::from(self).then(next)
    }

    /// This call, with what the docs say of it (`disableApiTermination`, `per user`).
    pub fn note(self, note: &'static str) -> Calls {
        Calls::from(self).note(note)
    }
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.service, self.operation)
    }
}

/// The calls a list or a hydrate makes, in order, each with what the docs say of it.
#[derive(Debug, Clone)]
pub struct Calls(Vec<(Call, &'static str)>);

impl Calls {
    pub fn first(&self) -> Call {
        // Never empty: every `Calls` starts from a call.
        self.0[0].0
    }

    pub fn iter(&self) -> impl Iterator<Item = Call> + '_ {
        self.0.iter().map(|(call, _)| *call)
    }

    pub fn then(mut self, next: impl Into<Calls>) -> Calls {
        self.0.extend(next.into().0);
        self
    }

    /// Notes the last call.
    pub fn note(mut self, note: &'static str) -> Calls {
        let last = self.0.len() - 1;
        self.0[last].1 = note;
        self
    }
}

impl From<Call> for Calls {
    fn from(call: Call) -> Calls {
        Calls(vec![(call, "")])
    }
}

impl fmt::Display for Calls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, (call, note)) in self.0.iter().enumerate() {
            let separator = if index == 0 { "" } else { ", " };
            let space = if note.is_empty() { "" } else { " " };
            write!(f, "{separator}{call}{space}{note}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub struct HydrateInfo {
    pub calls: Calls,
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
