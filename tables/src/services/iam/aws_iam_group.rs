use aws_sdk_iam::types::{Group, User};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::{Value, json};

use super::{Policies, Principal, policy_columns};
use crate::json::time;
use crate::context::{ScanContext, client};
use crate::def::Def;
use crate::error::FetchError;
use crate::pages::{self, Pages};
use crate::schema::{Call, Kind::*, Scope};
use super::{attached_policies, inline_policies, list_principals};
use crate::table::Table;

#[derive(Clone)]
pub struct IamGroup {
    group: Group,
    users: Option<Vec<User>>,
    policies: Policies,
}

impl Principal for IamGroup {
    fn name(&self) -> &str {
        self.group.group_name()
    }
    fn policies(&mut self) -> &mut Policies {
        &mut self.policies
    }
}

pub fn table() -> Table {
    let def = Def::new("aws_iam_group", "IAM groups, with their members and policies.", Scope::Global, Call::new("iam", "ListGroups"), list)
        .key("path", false, "ListGroups PathPrefix")
        .hydrate(Call::new("iam", "GetGroup"), &["users"], get_group)
        .hydrate(
            Call::new("iam", "ListGroupPolicies").then(Call::new("iam", "GetGroupPolicy")),
            &["inline_policies", "inline_policies_std"],
            inline_policies!(list_group_policies, get_group_policy, group_name),
        )
        .hydrate(
            Call::new("iam", "ListAttachedGroupPolicies"),
            &["attached_policy_arns"],
            attached_policies!(list_attached_group_policies, group_name),
        )
        .example("SELECT account_id, name, json_length(users) AS members FROM aws_iam_group")
        .column("name", Text, "The group's name.", |g, _| g.group.group_name().into())
        .column("group_id", Text, "The stable unique ID of the group (AGPA...).", |g, _| g.group.group_id().into())
        .column("arn", Text, "The ARN of the group.", |g, _| g.group.arn().into())
        .column("path", Text, "The IAM path of the group.", |g, _| g.group.path().into())
        .column("create_date", Timestamp, "When the group was created.", |g, _| Some(g.group.create_date()).into())
        .column("users", Json, "The members: [{UserName, UserId, Arn, CreateDate}].", |g, _| {
            g.users
                .as_ref()
                .map(|users| {
                    Value::from_iter(users.iter().map(|u| {
                        json!({"UserName": u.user_name(), "UserId": u.user_id(), "Arn": u.arn(), "CreateDate": time(Some(u.create_date()))})
                    }))
                })
                .into()
        });
    policy_columns(def, |g| &g.policies)
        .column("title", Text, "The group's name.", |g, _| g.group.group_name().into())
        .untagged()
        .build()
}

fn list(scan: ScanContext) -> Pages<IamGroup> {
    list_principals!(scan, list_groups, groups, |group| IamGroup {
        group,
        users: None,
        policies: Policies::default()
    })
}

fn get_group(scan: ScanContext, mut group: IamGroup) -> BoxFuture<'static, Result<IamGroup, FetchError>> {
    let iam = client!(aws_sdk_iam, scan);
    async move {
        let users = pages::all(|marker| async {
            let out = iam.get_group().group_name(group.group.group_name()).set_marker(marker).send().await?;
            Ok((out.users, out.marker))
        });
        group.users = Some(users.await?);
        Ok(group)
    }
    .boxed()
}
