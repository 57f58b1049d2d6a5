use aws_sdk_iam::types::Role;
use futures::FutureExt;
use futures::future::BoxFuture;

use super::{Policies, Principal, policy_columns};
use crate::json::{tag_list, tag_map};
use crate::policy;
use crate::context::{ScanContext, client};
use crate::def::Def;
use crate::error::FetchError;
use crate::pages::{self, Pages};
use crate::schema::{Call, Kind::*, Scope};
use super::{attached_policies, inline_policies, list_principals};
use crate::table::Table;

#[derive(Clone)]
pub struct IamRole {
    role: Role,
    /// GetRole's answer: ListRoles leaves out tags, last use and the boundary.
    detail: Option<Role>,
    instance_profile_arns: Option<Vec<String>>,
    policies: Policies,
}

impl Principal for IamRole {
    fn name(&self) -> &str {
        self.role.role_name()
    }
    fn policies(&mut self) -> &mut Policies {
        &mut self.policies
    }
}

pub fn table() -> Table {
    let def = Def::new("aws_iam_role", "IAM roles, with their trust policies.", Scope::Global, Call::new("iam", "ListRoles"), list)
        .key("path", false, "ListRoles PathPrefix")
        .hydrate(
            Call::new("iam", "GetRole"),
            &[
                "permissions_boundary_arn",
                "permissions_boundary_type",
                "role_last_used_date",
                "role_last_used_region",
                "tags",
                "tags_src",
            ],
            get_role,
        )
        .hydrate(Call::new("iam", "ListInstanceProfilesForRole"), &["instance_profile_arns"], list_instance_profiles)
        .hydrate(
            Call::new("iam", "ListRolePolicies").then(Call::new("iam", "GetRolePolicy")),
            &["inline_policies", "inline_policies_std"],
            inline_policies!(list_role_policies, get_role_policy, role_name),
        )
        .hydrate(
            Call::new("iam", "ListAttachedRolePolicies"),
            &["attached_policy_arns"],
            attached_policies!(list_attached_role_policies, role_name),
        )
        .example(
            "SELECT account_id, name, s ->> 'Effect' AS effect\n\
             FROM (SELECT account_id, name, unnest(json_get_array(assume_role_policy_std, 'Statement')) AS s\n\
                   FROM aws_iam_role)\n\
             WHERE json_get_str(s, 'Principal', 'AWS', 0) = '*'",
        )
        .column("name", Text, "The role's name.", |r, _| r.role.role_name().into())
        .column("role_id", Text, "The stable unique ID of the role (AROA...).", |r, _| r.role.role_id().into())
        .column("arn", Text, "The ARN of the role.", |r, _| r.role.arn().into())
        .column("path", Text, "The IAM path of the role.", |r, _| r.role.path().into())
        .column("description", Text, "The role's description.", |r, _| r.role.description().into())
        .column("create_date", Timestamp, "When the role was created.", |r, _| Some(r.role.create_date()).into())
        .column("max_session_duration", Int, "The longest session, in seconds.", |r, _| {
            r.role.max_session_duration().into()
        })
        .column("assume_role_policy_document", Text, "The trust policy as IAM returns it (URL-encoded).", |r, _| {
            r.role.assume_role_policy_document().into()
        })
        .column("assume_role_policy", Json, "The trust policy.", |r, _| {
            r.role.assume_role_policy_document().map(policy::document).into()
        })
        .column("assume_role_policy_std", Json, "The trust policy in canonical form.", |r, _| {
            r.role.assume_role_policy_document().map(|d| policy::canonical(&policy::document(d))).into()
        })
        .column("permissions_boundary_arn", Text, "The ARN of the permissions boundary policy.", |r, _| {
            detail(r).and_then(|d| d.permissions_boundary()).and_then(|b| b.permissions_boundary_arn()).into()
        })
        .column("permissions_boundary_type", Text, "The type of the permissions boundary.", |r, _| {
            detail(r)
                .and_then(|d| d.permissions_boundary())
                .and_then(|b| b.permissions_boundary_type())
                .map(|t| t.as_str())
                .into()
        })
        .column("role_last_used_date", Timestamp, "When the role was last assumed.", |r, _| {
            detail(r).and_then(|d| d.role_last_used()).and_then(|u| u.last_used_date()).into()
        })
        .column("role_last_used_region", Text, "Where the role was last used.", |r, _| {
            detail(r).and_then(|d| d.role_last_used()).and_then(|u| u.region()).into()
        })
        .column("instance_profile_arns", Json, "The instance profiles that contain the role.", |r, _| {
            r.instance_profile_arns.as_ref().map(|a| serde_json::Value::from_iter(a.iter().cloned())).into()
        });
    policy_columns(def, |r| &r.policies)
        .column("tags", Json, "The tags, as an object of key -> value.", |r, _| {
            detail(r).map(|d| tag_map(d.tags(), |t| (t.key(), Some(t.value())))).into()
        })
        .column("tags_src", Json, "The tags as AWS returns them: [{Key, Value}].", |r, _| {
            detail(r).map(|d| tag_list(d.tags(), |t| (t.key(), Some(t.value())))).into()
        })
        .column("title", Text, "The role's name.", |r, _| r.role.role_name().into())
        .build()
}

fn detail(role: &IamRole) -> Option<&Role> {
    role.detail.as_ref()
}

fn list(scan: ScanContext) -> Pages<IamRole> {
    list_principals!(scan, list_roles, roles, |role| IamRole {
        role,
        detail: None,
        instance_profile_arns: None,
        policies: Policies::default(),
    })
}

fn get_role(scan: ScanContext, mut role: IamRole) -> BoxFuture<'static, Result<IamRole, FetchError>> {
    let iam = client!(aws_sdk_iam, scan);
    async move {
        role.detail = iam.get_role().role_name(role.role.role_name()).send().await?.role;
        Ok(role)
    }
    .boxed()
}

fn list_instance_profiles(scan: ScanContext, mut role: IamRole) -> BoxFuture<'static, Result<IamRole, FetchError>> {
    let iam = client!(aws_sdk_iam, scan);
    async move {
        let profiles = pages::all(|marker| async {
            let request = iam.list_instance_profiles_for_role().role_name(role.role.role_name());
            let out = request.set_marker(marker).send().await?;
            Ok((out.instance_profiles, out.marker))
        })
        .await?;
        role.instance_profile_arns = Some(profiles.into_iter().map(|p| p.arn).collect());
        Ok(role)
    }
    .boxed()
}
