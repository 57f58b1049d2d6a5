use aws_sdk_organizations::types::Account;
use futures::FutureExt;
use futures::future::BoxFuture;
use futures::stream::{StreamExt, TryStreamExt};

use crate::json::{tag_list, tag_map};
use crate::cell::text;
use crate::context::{ScanContext, client};
use crate::def::Def;
use crate::error::FetchError;
use crate::pages::{self, Pages, paginate};
use crate::schema::{Call, Kind::*, Scope};
use crate::table::Table;

#[derive(Clone)]
pub struct OrgAccount {
    account: Account,
    tags: Option<Vec<aws_sdk_organizations::types::Tag>>,
    parent_id: Option<String>,
}

pub fn table() -> Table {
    Def::new(
        "aws_organizations_account",
        "The accounts of the organization, listed by its management account; member accounts that may not list them add no rows.",
        Scope::Global,
        Call::new("organizations", "ListAccounts").then(Call::new("organizations", "DescribeOrganization").note("(from a member account)")),
        list,
    )
    .hydrate(Call::new("organizations", "ListTagsForResource"), &["tags", "tags_src"], list_tags)
    .hydrate(Call::new("organizations", "ListParents"), &["parent_id"], list_parents)
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
    .column("parent_id", Text, "The root or organizational unit the account sits in.", |a, _| {
        a.parent_id.as_deref().into()
    })
    .column("tags", Json, "The tags, as an object of key -> value.", |a, _| {
        a.tags.as_ref().map(|t| tag_map(t, |t| (t.key(), Some(t.value())))).into()
    })
    .column("tags_src", Json, "The tags as AWS returns them: [{Key, Value}].", |a, _| {
        a.tags.as_ref().map(|t| tag_list(t, |t| (t.key(), Some(t.value())))).into()
    })
    .column("title", Text, "The account name.", |a, _| a.account.name().into())
    .build()
}

/// The organization's accounts, as ListAccounts pages them. The table and account
/// discovery share it; only the table forgives an account that may not list them.
pub(crate) fn list_accounts(scan: &ScanContext) -> Pages<Account> {
    let organizations = client!(aws_sdk_organizations, scan);
    let page_size = scan.page_size(1, 20);
    paginate(move |token| {
        let request = organizations.list_accounts().max_results(page_size).set_next_token(token);
        async move {
            let out = request.send().await?;
            let next = out.next_token().map(str::to_string);
            Ok((out.accounts.unwrap_or_default(), next))
        }
    })
}

fn list(scan: ScanContext) -> Pages<OrgAccount> {
    let organizations = client!(aws_sdk_organizations, scan);
    let account_id = scan.target.account_id.clone();
    list_accounts(&scan)
        .then(move |page| {
            let (organizations, account_id) = (organizations.clone(), account_id.clone());
            async move {
                match page {
                    Ok(accounts) => Ok(Some(accounts.into_iter().map(|account| OrgAccount { account, tags: None, parent_id: None }))),
                    Err(err) if err.code == NOT_IN_USE => Ok(None),
                    // Scanning a whole org, member accounts are denied: the management account answers for them.
                    Err(err) if err.code == ACCESS_DENIED => {
                        let org = organizations.describe_organization().send().await?.organization;
                        match org.and_then(|o| o.master_account_id).is_some_and(|m| m != account_id) {
                            true => Ok(None),
                            false => Err(err),
                        }
                    }
                    Err(err) => Err(err),
                }
            }
        })
        .try_filter_map(|accounts| futures::future::ready(Ok(accounts.map(Iterator::collect))))
        .boxed()
}

/// The error code of an account that belongs to no organization.
pub(crate) const NOT_IN_USE: &str = "AWSOrganizationsNotInUseException";
/// The error code of an account that may not list the organization's accounts.
pub(crate) const ACCESS_DENIED: &str = "AccessDeniedException";

fn list_tags(scan: ScanContext, mut account: OrgAccount) -> BoxFuture<'static, Result<OrgAccount, FetchError>> {
    let organizations = client!(aws_sdk_organizations, scan);
    async move {
        if let Some(id) = account.account.id() {
            let tags = pages::all(|token| async {
                let out = organizations.list_tags_for_resource().resource_id(id).set_next_token(token).send().await?;
                Ok((out.tags.unwrap_or_default(), out.next_token))
            });
            account.tags = Some(tags.await?);
        }
        Ok(account)
    }
    .boxed()
}

fn list_parents(scan: ScanContext, mut account: OrgAccount) -> BoxFuture<'static, Result<OrgAccount, FetchError>> {
    let organizations = client!(aws_sdk_organizations, scan);
    async move {
        if let Some(id) = account.account.id() {
            // An account has exactly one parent.
            let out = organizations.list_parents().child_id(id).send().await?;
            account.parent_id = out.parents.unwrap_or_default().into_iter().next().and_then(|p| p.id);
        }
        Ok(account)
    }
    .boxed()
}
