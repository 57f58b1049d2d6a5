use aws_sdk_iam::types::{Group, LoginProfile, MfaDevice, User};
use futures::FutureExt;
use futures::future::BoxFuture;
use futures::stream::{self, StreamExt, TryStreamExt};
use serde_json::{Value, json};

use super::{Policies, Principal, policy_columns};
use crate::json::{tag_list, tag_map, time};
use crate::context::{ScanContext, client};
use crate::def::Def;
use crate::error::{FetchError, absent};
use crate::pages::{self, Pages};
use crate::schema::{Call, Kind::*, Scope};
use super::{attached_policies, inline_policies, list_principals};
use crate::table::Table;

#[derive(Clone)]
pub struct IamUser {
    user: User,
    /// GetUser's answer, which alone carries tags and the permissions boundary.
    detail: Option<User>,
    mfa_devices: Option<Vec<MfaDevice>>,
    login_profile: Option<Option<LoginProfile>>,
    groups: Option<Vec<Group>>,
    policies: Policies,
}

impl Principal for IamUser {
    fn name(&self) -> &str {
        self.user.user_name()
    }
    fn policies(&mut self) -> &mut Policies {
        &mut self.policies
    }
}

pub fn table() -> Table {
    let def = Def::new("aws_iam_user", "IAM users.", Scope::Global, Call::new("iam", "ListUsers"), list)
        // IAM names are unique case-insensitively and GetUser matches that way, so the
        // engine re-checks the exact spelling.
        .key("name", false, "GetUser per name instead of ListUsers")
        .key("path", false, "ListUsers PathPrefix")
        .hydrate(Call::new("iam", "GetUser"), &["permissions_boundary_arn", "permissions_boundary_type", "tags", "tags_src"], get_user)
        .hydrate(Call::new("iam", "ListMFADevices"), &["mfa_enabled", "mfa_devices"], list_mfa_devices)
        .hydrate(Call::new("iam", "GetLoginProfile"), &["login_profile"], get_login_profile)
        .hydrate(Call::new("iam", "ListGroupsForUser"), &["groups"], list_groups)
        .hydrate(
            Call::new("iam", "ListUserPolicies").then(Call::new("iam", "GetUserPolicy")),
            &["inline_policies", "inline_policies_std"],
            inline_policies!(list_user_policies, get_user_policy, user_name),
        )
        .hydrate(
            Call::new("iam", "ListAttachedUserPolicies"),
            &["attached_policy_arns"],
            attached_policies!(list_attached_user_policies, user_name),
        )
        .example(
            "SELECT account_id, name FROM aws_iam_user\nWHERE login_profile IS NOT NULL AND NOT mfa_enabled",
        )
        .column("name", Text, "The user's name.", |u, _| u.user.user_name().into())
        .column("user_id", Text, "The stable unique ID of the user (AIDA...).", |u, _| u.user.user_id().into())
        .column("path", Text, "The IAM path of the user.", |u, _| u.user.path().into())
        .column("arn", Text, "The ARN of the user.", |u, _| u.user.arn().into())
        .column("create_date", Timestamp, "When the user was created.", |u, _| Some(u.user.create_date()).into())
        .column("password_last_used", Timestamp, "When the user's password was last used to sign in.", |u, _| {
            u.user.password_last_used().into()
        })
        .column("permissions_boundary_arn", Text, "The ARN of the permissions boundary policy.", |u, _| {
            boundary(u).and_then(|b| b.permissions_boundary_arn()).into()
        })
        .column("permissions_boundary_type", Text, "The type of the permissions boundary.", |u, _| {
            boundary(u).and_then(|b| b.permissions_boundary_type()).map(|t| t.as_str()).into()
        })
        .column("mfa_enabled", Bool, "Whether the user has an MFA device.", |u, _| {
            u.mfa_devices.as_ref().map(|d| !d.is_empty()).into()
        })
        .column("mfa_devices", Json, "The user's MFA devices: [{SerialNumber, EnableDate, UserName}].", |u, _| {
            u.mfa_devices
                .as_ref()
                .map(|devices| {
                    Value::from_iter(devices.iter().map(|d| {
                        json!({"SerialNumber": d.serial_number(), "EnableDate": time(Some(d.enable_date())), "UserName": d.user_name()})
                    }))
                })
                .into()
        })
        .column(
            "login_profile",
            Json,
            "The console password profile: {UserName, CreateDate, PasswordResetRequired}; null without console access.",
            |u, _| {
                u.login_profile.as_ref().and_then(Option::as_ref).map(|p| {
                    json!({"UserName": p.user_name(), "CreateDate": time(Some(p.create_date())), "PasswordResetRequired": p.password_reset_required()})
                })
                .into()
            },
        )
        .column("groups", Json, "The groups the user is in: [{GroupName, GroupId, Arn, Path, CreateDate}].", |u, _| {
            u.groups
                .as_ref()
                .map(|groups| {
                    Value::from_iter(groups.iter().map(|g| {
                        json!({"GroupName": g.group_name(), "GroupId": g.group_id(), "Arn": g.arn(), "Path": g.path(), "CreateDate": time(Some(g.create_date()))})
                    }))
                })
                .into()
        });
    policy_columns(def, |u| &u.policies)
        .column("tags", Json, "The tags, as an object of key -> value.", |u, _| {
            u.detail.as_ref().map(|d| tag_map(d.tags(), |t| (t.key(), Some(t.value())))).into()
        })
        .column("tags_src", Json, "The tags as AWS returns them: [{Key, Value}].", |u, _| {
            u.detail.as_ref().map(|d| tag_list(d.tags(), |t| (t.key(), Some(t.value())))).into()
        })
        .column("title", Text, "The user's name.", |u, _| u.user.user_name().into())
        .build()
}

fn boundary(user: &IamUser) -> Option<&aws_sdk_iam::types::AttachedPermissionsBoundary> {
    user.detail.as_ref().and_then(User::permissions_boundary)
}

fn wrap(user: User) -> IamUser {
    IamUser { user, detail: None, mfa_devices: None, login_profile: None, groups: None, policies: Policies::default() }
}

fn list(scan: ScanContext) -> Pages<IamUser> {
    let iam = client!(aws_sdk_iam, scan);
    if let Some(names) = scan.lookups("name") {
        let names = names.to_vec();
        return stream::once(async move {
            stream::iter(names)
                .then(|name| fetch_user(iam.clone(), name))
                .try_filter_map(|user| futures::future::ready(Ok(user.map(wrap))))
                .try_collect()
                .await
        })
        .boxed();
    }
    list_principals!(scan, list_users, users, wrap)
}

async fn fetch_user(iam: aws_sdk_iam::Client, name: String) -> Result<Option<User>, FetchError> {
    // A name IAM would never accept cannot match a user either.
    let out = absent(iam.get_user().user_name(name).send().await, &["NoSuchEntity", "ValidationError"])?;
    Ok(out.and_then(|o| o.user))
}

fn get_user(scan: ScanContext, mut user: IamUser) -> BoxFuture<'static, Result<IamUser, FetchError>> {
    let iam = client!(aws_sdk_iam, scan);
    async move {
        user.detail = fetch_user(iam, user.user.user_name().to_string()).await?;
        Ok(user)
    }
    .boxed()
}

fn list_mfa_devices(scan: ScanContext, mut user: IamUser) -> BoxFuture<'static, Result<IamUser, FetchError>> {
    let iam = client!(aws_sdk_iam, scan);
    async move {
        let devices = pages::all(|marker| async {
            let out = iam.list_mfa_devices().user_name(user.user.user_name()).set_marker(marker).send().await?;
            Ok((out.mfa_devices, out.marker))
        });
        user.mfa_devices = Some(devices.await?);
        Ok(user)
    }
    .boxed()
}

fn get_login_profile(scan: ScanContext, mut user: IamUser) -> BoxFuture<'static, Result<IamUser, FetchError>> {
    let iam = client!(aws_sdk_iam, scan);
    async move {
        let out = absent(iam.get_login_profile().user_name(user.user.user_name()).send().await, &["NoSuchEntity"])?;
        user.login_profile = Some(out.and_then(|o| o.login_profile));
        Ok(user)
    }
    .boxed()
}

fn list_groups(scan: ScanContext, mut user: IamUser) -> BoxFuture<'static, Result<IamUser, FetchError>> {
    let iam = client!(aws_sdk_iam, scan);
    async move {
        let groups = pages::all(|marker| async {
            let out = iam.list_groups_for_user().user_name(user.user.user_name()).set_marker(marker).send().await?;
            Ok((out.groups, out.marker))
        });
        user.groups = Some(groups.await?);
        Ok(user)
    }
    .boxed()
}
