use std::collections::HashMap;

use aws_sdk_iam::types::SummaryKeyType;
use crate::cell::Cell;
use crate::context::{ScanContext, client};
use crate::def::Def;
use crate::pages::{Pages, single_page};
use crate::schema::{Call, Kind, Scope};
use crate::table::Table;


type Summary = HashMap<SummaryKeyType, i32>;

/// (column, SummaryMap key, description) for the counts and quotas.
const COUNTS: &[(&str, &str, &str)] = &[
    ("account_access_keys_present", "AccountAccessKeysPresent", "How many access keys the root user has."),
    (
        "account_signing_certificates_present",
        "AccountSigningCertificatesPresent",
        "The root user's signing certificates.",
    ),
    ("global_endpoint_token_version", "GlobalEndpointTokenVersion", "The STS global endpoint token version."),
    ("users", "Users", "How many users the account has."),
    ("groups", "Groups", "How many groups."),
    ("roles", "Roles", "How many roles."),
    ("policies", "Policies", "How many customer managed policies."),
    ("policy_versions_in_use", "PolicyVersionsInUse", "How many policy versions are attached."),
    ("instance_profiles", "InstanceProfiles", "How many instance profiles."),
    ("mfa_devices", "MFADevices", "How many MFA devices."),
    ("mfa_devices_in_use", "MFADevicesInUse", "How many MFA devices are assigned."),
    ("providers", "Providers", "How many identity providers."),
    ("server_certificates", "ServerCertificates", "How many server certificates."),
    ("users_quota", "UsersQuota", "The most users allowed."),
    ("groups_quota", "GroupsQuota", "The most groups allowed."),
    ("roles_quota", "RolesQuota", "The most roles allowed."),
    ("policies_quota", "PoliciesQuota", "The most customer managed policies allowed."),
    ("access_keys_per_user_quota", "AccessKeysPerUserQuota", "The most access keys per user."),
    ("groups_per_user_quota", "GroupsPerUserQuota", "The most groups per user."),
    ("attached_policies_per_user_quota", "AttachedPoliciesPerUserQuota", "The most policies per user."),
    ("attached_policies_per_group_quota", "AttachedPoliciesPerGroupQuota", "The most policies per group."),
    ("attached_policies_per_role_quota", "AttachedPoliciesPerRoleQuota", "The most policies per role."),
    ("policy_size_quota", "PolicySizeQuota", "The largest managed policy, in characters."),
    ("versions_per_policy_quota", "VersionsPerPolicyQuota", "The most versions per policy."),
    ("instance_profiles_quota", "InstanceProfilesQuota", "The most instance profiles allowed."),
    ("server_certificates_quota", "ServerCertificatesQuota", "The most server certificates allowed."),
    ("policy_versions_in_use_quota", "PolicyVersionsInUseQuota", "The most attached policy versions allowed."),
    ("signing_certificates_per_user_quota", "SigningCertificatesPerUserQuota", "The most signing certificates per user."),
    ("user_policy_size_quota", "UserPolicySizeQuota", "The largest inline user policy, in characters."),
    ("group_policy_size_quota", "GroupPolicySizeQuota", "The largest inline group policy, in characters."),
    ("role_policy_size_quota", "RolePolicySizeQuota", "The largest inline role policy, in characters."),
    ("assume_role_policy_size_quota", "AssumeRolePolicySizeQuota", "The largest role trust policy, in characters."),
];

pub fn table() -> Table {
    let def = Def::new(
        "aws_iam_account_summary",
        "IAM usage and quotas of the account, and whether its root user has MFA, a password or keys.",
        Scope::Global,
        Call::new("iam", "GetAccountSummary"),
        list,
    )
    .example("SELECT account_id, account_mfa_enabled, account_access_keys_present FROM aws_iam_account_summary")
    .column("account_mfa_enabled", Kind::Bool, "Whether the root user has MFA.", |s, _| flag(s, "AccountMFAEnabled"))
    .column("account_password_present", Kind::Bool, "Whether the root user has a password.", |s, _| {
        flag(s, "AccountPasswordPresent")
    });
    COUNTS
        .iter()
        .fold(def, |def, &(column, key, description)| {
            def.column(column, Kind::Int, description, move |s, _| s.get(&SummaryKeyType::from(key)).copied().into())
        })
        .column("title", Kind::Text, "The account's ID.", |_, t| t.account_id.as_str().into())
        .column("akas", Kind::Json, "Always null: the account's summary has no ARN.", |_, _| Cell::Null)
        .untagged()
        .build()
}

fn flag<'a>(summary: &Summary, key: &str) -> Cell<'a> {
    summary.get(&SummaryKeyType::from(key)).map(|v| *v > 0).into()
}

fn list(scan: ScanContext) -> Pages<Summary> {
    let iam = client!(aws_sdk_iam, scan);
    single_page(async move { Ok(iam.get_account_summary().send().await?.summary_map.into_iter().collect()) })
}
