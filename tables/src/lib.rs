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
mod declared;
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
mod table;

use std::collections::BTreeSet;

pub use context::{Quals, ScanContext, Target, retry_partition};
pub use error::FetchError;
pub use response::{MAX_RESPONSE_BYTES, ResponseCheck};
pub use schema::{Call, Calls, ColumnInfo, HydrateInfo, JSON_METADATA_KEY, KeyColumn, Kind, Scope};
pub use table::{Events, Request, ScanEvent, Table};

/// Every table cove knows, sorted by name.
pub fn catalog() -> Vec<Table> {
    let mut tables = services::all();
    tables.extend(declared::tables());
    tables.sort_by_key(|t| t.name);
    tables
}

/// The calls the tables and discovery declare they make.
pub fn calls(tables: &[Table]) -> BTreeSet<Call> {
    tables.iter().flat_map(Table::calls).chain(discovery::CALLS.iter().copied()).collect()
}

#[cfg(test)]
mod tests {

    use std::sync::Arc;

    use aws_smithy_runtime_api::client::interceptors::SharedInterceptor;
    use futures::StreamExt;

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
            for call in table.calls() {
                let Call { service, operation } = call;
                assert!(!service.is_empty() && operation.starts_with(char::is_uppercase), "{}: {call}", table.name);
                assert!(!NEVER.contains(&operation), "{} declares {call}", table.name);
            }
        }
        let declared = calls(&tables);
        assert!(declared.contains(&Call::new("iam", "GenerateCredentialReport")));
        assert!(declared.contains(&Call::new("sts", "AssumeRole")));
        assert!(declared.iter().all(|call| !NEVER.contains(&call.operation)));
    }

    #[tokio::test]
    async fn every_tables_first_call_is_one_it_declares_as_the_guard_sees_it() {
        for table in catalog() {
            let refuse = context::testing::RefuseAll::default();
            // Nothing listens there: a call that got past the interceptor would fail to connect.
            let interceptor = SharedInterceptor::new(refuse.clone());
            let target = context::testing::target("aws", "us-east-1", Some("http://127.0.0.1:9"), Some(interceptor));
            let scan = ScanContext { target: Arc::new(target), quals: Arc::default(), limit: None };
            let request = Request { projection: (0..table.columns.len()).collect(), limit: None };
            let _ = table.fetch(scan, request).collect::<Vec<_>>().await;
            let made = refuse.calls();
            assert!(!made.is_empty(), "{} made no call", table.name);
            for (service, operation) in made {
                let declared = table.calls().any(|call| call.service == service && call.operation == operation);
                assert!(declared, "{} calls {service}:{operation} but does not declare it", table.name);
            }
        }
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
