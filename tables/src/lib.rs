//! cove's AWS catalog: the table contract, the tables (a folder per service, a file per
//! table), and account discovery. This crate knows AWS and Arrow, not the query engine.
//!
//! A table file declares its table with [`Def`]: columns and their getters over the
//! items its list call returns, key columns the API can filter by, and hydrate calls that
//! fill further columns per row. [`Table::fetch`] scans it in one [`Target`].
//!
//! Errors are typed ([`FetchError`]: an AWS error code and a message) because the engine
//! reports them per target and acts on their codes; it turns them into text for people.

mod batch;
mod cell;
mod context;
mod def;
pub mod discovery;
mod error;
mod fetch;
mod generic;
mod json;
mod model;
mod pages;
mod policy;
mod response;
mod schema;
mod services;
mod spec;
mod table;

use std::collections::BTreeSet;

pub use context::{Quals, ScanContext, Target};
pub use error::FetchError;
pub use response::{MAX_RESPONSE_BYTES, ResponseCheck};
pub use schema::{ColumnInfo, HydrateInfo, JSON_METADATA_KEY, KeyColumn, Kind, Scope};
pub use table::{Events, Request, ScanEvent, Table};

/// Every table cove knows, sorted by name.
pub fn catalog() -> Vec<Table> {
    let mut tables = services::all();
    tables.extend(spec::tables());
    tables.sort_by_key(|t| t.name);
    tables
}

/// The operations the tables and discovery declare they call, by name (`ListBuckets`).
pub fn operations(tables: &[Table]) -> BTreeSet<&'static str> {
    let declared = tables.iter().flat_map(Table::operations).chain(discovery::OPERATIONS.iter().copied());
    declared.filter_map(|call| call.split_once(':').map(|(_, operation)| operation)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads by name that mint credentials or reveal secrets: no table may declare one,
    /// because what a table declares is what the engine's guard lets through.
    const NEVER: &[&str] = &[
        "GetSessionToken",
        "GetFederationToken",
        "GetClusterCredentials",
        "GetClusterCredentialsWithIAM",
        "GetAuthorizationToken",
        "GetId",
        "GetCredentialsForIdentity",
        "GetOpenIdToken",
        "GetRoleCredentials",
        "GetSecretValue",
        "BatchGetSecretValue",
        "GetParameter",
        "GetParameters",
        "GetParametersByPath",
        "GetPasswordData",
        "GetSigninToken",
        "Decrypt",
        "GenerateDataKey",
    ];

    #[test]
    fn tables_declare_only_reads_that_neither_mint_nor_reveal() {
        let tables = catalog();
        for table in &tables {
            for call in table.operations() {
                let (service, operation) = call.split_once(':').unwrap_or_else(|| panic!("{}: {call}", table.name));
                assert!(!service.is_empty() && operation.starts_with(char::is_uppercase), "{}: {call}", table.name);
                assert!(!NEVER.contains(&operation), "{} declares {call}", table.name);
            }
        }
        let declared = operations(&tables);
        assert!(declared.contains("GenerateCredentialReport") && declared.contains("AssumeRole"));
        assert!(NEVER.iter().all(|op| !declared.contains(op)));
    }

    #[test]
    fn every_table_has_steampipes_standard_columns() {
        let standard = ["title", "akas", "tags", "partition", "region", "account_id", "_ctx"];
        let lacking: Vec<String> = catalog()
            .iter()
            .flat_map(|table| {
                let has = |name: &&str| table.columns.iter().any(|c| c.name == *name);
                standard.iter().filter(move |name| !has(name)).map(move |name| format!("{}.{name}", table.name))
            })
            .collect();
        assert!(lacking.is_empty(), "{lacking:?}");
    }
}
