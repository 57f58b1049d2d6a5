use aws_sdk_organizations::types::Organization;
use futures::FutureExt;
use serde_json::{Value, json};

use crate::json::s;
use crate::context::{ScanContext, client};
use crate::def::Def;
use crate::error::FetchError;
use crate::pages::{Pages, single_page};
use crate::schema::{Call, Kind::*, Scope};
use crate::table::Table;

#[derive(Clone)]
pub struct Account {
    aliases: Vec<String>,
    organization: Option<Organization>,
}

pub fn table() -> Table {
    Def::new("aws_account", "One row per AWS account in scope.", Scope::Global, Call::new("iam", "ListAccountAliases"), list)
        .hydrate(
            Call::new("organizations", "DescribeOrganization"),
            &[
                "organization_id",
                "organization_arn",
                "organization_feature_set",
                "organization_master_account_arn",
                "organization_master_account_email",
                "organization_master_account_id",
                "organization_available_policy_types",
            ],
            describe_organization,
        )
        .example("SELECT account_id, account_aliases, organization_id FROM aws_account")
        .column("account_aliases", Json, "The account's IAM aliases.", |a, _| {
            Value::from_iter(a.aliases.iter().cloned()).into()
        })
        .column("arn", Text, "The ARN of the account.", |_, t| format!("arn:{}:::{}", t.partition, t.account_id).into())
        .column("organization_id", Text, "The ID of the organization it belongs to.", |a, _| org(a, Organization::id))
        .column("organization_arn", Text, "The ARN of the organization.", |a, _| org(a, Organization::arn))
        .column("organization_feature_set", Text, "ALL or CONSOLIDATED_BILLING.", |a, _| {
            a.organization.as_ref().and_then(|o| o.feature_set()).map(|f| f.as_str()).into()
        })
        .column("organization_master_account_arn", Text, "The ARN of the management account.", |a, _| {
            org(a, Organization::master_account_arn)
        })
        .column("organization_master_account_email", Text, "The email of the management account.", |a, _| {
            org(a, Organization::master_account_email)
        })
        .column("organization_master_account_id", Text, "The ID of the management account.", |a, _| {
            org(a, Organization::master_account_id)
        })
        .column(
            "organization_available_policy_types",
            Json,
            "The policy types available in the organization.",
            |a, _| {
                a.organization
                    .as_ref()
                    .map(|o| {
                        Value::from_iter(
                            o.available_policy_types()
                                .iter()
                                .map(|p| json!({"Type": s(p.r#type()), "Status": s(p.status())})),
                        )
                    })
                    .into()
            },
        )
        .column("title", Text, "The first alias, else the account ID.", |a, t| {
            a.aliases.first().map_or(t.account_id.as_str(), String::as_str).into()
        })
        .untagged()
        .build()
}

fn org<'a>(account: &'a Account, field: fn(&Organization) -> Option<&str>) -> crate::cell::Cell<'a> {
    account.organization.as_ref().and_then(field).into()
}

fn list(scan: ScanContext) -> Pages<Account> {
    let iam = client!(aws_sdk_iam, scan);
    single_page(async move {
        let out = iam.list_account_aliases().send().await?;
        Ok(vec![Account { aliases: out.account_aliases, organization: None }])
    })
}

fn describe_organization(
    scan: ScanContext,
    mut account: Account,
) -> futures::future::BoxFuture<'static, Result<Account, FetchError>> {
    let organizations = client!(aws_sdk_organizations, scan);
    async move {
        match organizations.describe_organization().send().await {
            Ok(out) => account.organization = out.organization,
            Err(err) if err.as_service_error().is_some_and(|e| e.is_aws_organizations_not_in_use_exception()) => {}
            Err(err) => return Err(err.into()),
        }
        Ok(account)
    }
    .boxed()
}
