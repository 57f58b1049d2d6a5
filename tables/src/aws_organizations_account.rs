use aws_sdk_organizations::types::Account;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures::FutureExt;
use futures::future::BoxFuture;

use crate::call::{Call, FetchError, paginate};
use crate::json::{tag_list, tag_map};
use crate::table::{Def, Kind::*, Pages, Scope, Table, text};

#[derive(Clone)]
pub struct OrgAccount {
    account: Account,
    tags: Option<Vec<aws_sdk_organizations::types::Tag>>,
}

pub fn table() -> Table {
    Def::new(
        "aws_organizations_account",
        "The accounts of the organization, listed by its management account; member accounts that may not list them add no rows.",
        Scope::Global,
        "organizations:ListAccounts",
        list,
    )
    .hydrate("organizations:ListTagsForResource", &["tags", "tags_src"], list_tags)
    .example("SELECT id, name, email, state, joined_timestamp FROM aws_organizations_account ORDER BY name")
    .column("id", Text, "The 12-digit account ID.", |a, _| a.account.id().into())
    .column("name", Text, "The account name.", |a, _| a.account.name().into())
    .column("arn", Text, "The ARN of the account within the organization.", |a, _| a.account.arn().into())
    .column("email", Text, "The email of the account's root user.", |a, _| a.account.email().into())
    .column("state", Text, "PENDING_ACTIVATION, ACTIVE, SUSPENDED, PENDING_CLOSURE or CLOSED.", |a, _| {
        text(a.account.state())
    })
    .column("status", Text, "ACTIVE, SUSPENDED or PENDING_CLOSURE (superseded by state).", |a, _| {
        text(a.account.status())
    })
    .column("joined_method", Text, "INVITED or CREATED.", |a, _| text(a.account.joined_method()))
    .column("joined_timestamp", Timestamp, "When the account joined.", |a, _| a.account.joined_timestamp().into())
    .column("tags", Json, "The tags, as an object of key -> value.", |a, _| {
        a.tags.as_ref().map(|t| tag_map(t, |t| (t.key(), Some(t.value())))).into()
    })
    .column("tags_src", Json, "The tags as AWS returns them: [{Key, Value}].", |a, _| {
        a.tags.as_ref().map(|t| tag_list(t, |t| (t.key(), Some(t.value())))).into()
    })
    .column("title", Text, "The account name.", |a, _| a.account.name().into())
    .build()
}

fn list(call: Call) -> Pages<OrgAccount> {
    let organizations = crate::client!(aws_sdk_organizations, call);
    let account_id = call.target.account_id.clone();
    let page_size = call.page_size(1, 20);
    paginate(move |token| {
        let request = organizations.list_accounts().max_results(page_size).set_next_token(token);
        let (organizations, account_id) = (organizations.clone(), account_id.clone());
        async move {
            let out = match request.send().await {
                Ok(out) => out,
                Err(err) if err.code() == Some("AWSOrganizationsNotInUseException") => return Ok((Vec::new(), None)),
                // Scanning a whole org, member accounts are denied: the management account answers for them.
                Err(err) if err.code() == Some("AccessDeniedException") => {
                    let org = organizations.describe_organization().send().await?.organization;
                    if org.and_then(|o| o.master_account_id).is_some_and(|m| m != account_id) {
                        return Ok((Vec::new(), None));
                    }
                    return Err(err.into());
                }
                Err(err) => return Err(err.into()),
            };
            let next = out.next_token().map(str::to_string);
            let accounts = out.accounts.unwrap_or_default().into_iter();
            Ok((accounts.map(|account| OrgAccount { account, tags: None }).collect(), next))
        }
    })
}

fn list_tags(call: Call, mut account: OrgAccount) -> BoxFuture<'static, Result<OrgAccount, FetchError>> {
    let organizations = crate::client!(aws_sdk_organizations, call);
    async move {
        if let Some(id) = account.account.id() {
            let request = organizations.list_tags_for_resource().resource_id(id);
            account.tags = Some(request.into_paginator().items().send().try_collect().await?);
        }
        Ok(account)
    }
    .boxed()
}
