use aws_sdk_iam::types::{Policy, PolicyScopeType};
use futures::FutureExt;
use futures::future::BoxFuture;

use crate::json::{tag_list, tag_map};
use crate::policy;
use crate::context::{ScanContext, client};
use crate::def::Def;
use crate::error::FetchError;
use crate::pages::{Pages, paginate};
use crate::schema::{Call, Kind::*, Scope};
use crate::table::Table;

#[derive(Clone)]
pub struct IamPolicy {
    policy: Policy,
    /// The default version's document, as returned.
    document: Option<String>,
    /// GetPolicy's answer, which alone carries tags.
    detail: Option<Policy>,
}

pub fn table() -> Table {
    Def::new(
        "aws_iam_policy",
        "IAM managed policies. Customer managed ones unless the query asks for is_aws_managed.",
        Scope::Global,
        Call::new("iam", "ListPolicies"),
        list,
    )
    .key("is_aws_managed", true, "ListPolicies Scope: AWS, Local or both")
    .key("is_attached", false, "ListPolicies OnlyAttached")
    .key("path", false, "ListPolicies PathPrefix")
    .hydrate(Call::new("iam", "GetPolicyVersion"), &["policy", "policy_std"], get_policy_version)
    .hydrate(Call::new("iam", "GetPolicy"), &["tags", "tags_src"], get_policy)
    .example(
        "SELECT account_id, name FROM aws_iam_policy\n\
         WHERE is_attached AND json_get_str(policy_std, 'Statement', 0, 'Action', 0) = '*'",
    )
    .column("name", Text, "The policy's name.", |p, _| p.policy.policy_name().into())
    .column("policy_id", Text, "The stable unique ID of the policy (ANPA...).", |p, _| p.policy.policy_id().into())
    .column("arn", Text, "The ARN of the policy.", |p, _| p.policy.arn().into())
    .column("path", Text, "The IAM path of the policy.", |p, _| p.policy.path().into())
    .column("description", Text, "The policy's description.", |p, _| p.policy.description().into())
    .column("is_aws_managed", Bool, "Whether AWS maintains the policy.", |p, t| {
        p.policy.arn().map(|arn| arn.starts_with(&format!("arn:{}:iam::aws:policy", t.partition))).into()
    })
    .column("is_attachable", Bool, "Whether the policy can be attached.", |p, _| Some(p.policy.is_attachable).into())
    .column("is_attached", Bool, "Whether the policy is attached to any user, group or role.", |p, _| {
        p.policy.attachment_count().map(|n| n > 0).into()
    })
    .column("attachment_count", Int, "How many users, groups and roles it is attached to.", |p, _| {
        p.policy.attachment_count().into()
    })
    .column("permissions_boundary_usage_count", Int, "How many principals use it as their boundary.", |p, _| {
        p.policy.permissions_boundary_usage_count().into()
    })
    .column("default_version_id", Text, "The default version (v1, v2, ...).", |p, _| {
        p.policy.default_version_id().into()
    })
    .column("create_date", Timestamp, "When the policy was created.", |p, _| p.policy.create_date().into())
    .column("update_date", Timestamp, "When the policy was last updated.", |p, _| p.policy.update_date().into())
    .column("policy", Json, "The default version's document.", |p, _| {
        p.document.as_deref().map(policy::document).into()
    })
    .column("policy_std", Json, "The default version's document in canonical form.", |p, _| {
        p.document.as_deref().map(|d| policy::canonical(&policy::document(d))).into()
    })
    .column("tags", Json, "The tags, as an object of key -> value.", |p, _| {
        p.detail.as_ref().map(|d| tag_map(d.tags(), |t| (t.key(), Some(t.value())))).into()
    })
    .column("tags_src", Json, "The tags as AWS returns them: [{Key, Value}].", |p, _| {
        p.detail.as_ref().map(|d| tag_list(d.tags(), |t| (t.key(), Some(t.value())))).into()
    })
    .column("title", Text, "The policy's name.", |p, _| p.policy.policy_name().into())
    .build()
}

fn list(scan: ScanContext) -> Pages<IamPolicy> {
    let iam = client!(aws_sdk_iam, scan);
    let managed = scan.qual("is_aws_managed").unwrap_or_default();
    let scope = match (managed.iter().any(|v| v == "true"), managed.iter().any(|v| v == "false")) {
        (true, true) => PolicyScopeType::All,
        (true, false) => PolicyScopeType::Aws,
        // Without a filter, customer managed: AWS's own are the same thousand in every account.
        _ => PolicyScopeType::Local,
    };
    let only_attached = matches!(scan.qual("is_attached"), Some([v]) if v == "true");
    let path_prefix = match scan.qual("path") {
        Some([path]) => Some(path.clone()),
        _ => None,
    };
    let page_size = scan.page_size(1, 1000);
    paginate(move |marker| {
        let request = iam
            .list_policies()
            .scope(scope.clone())
            .only_attached(only_attached)
            .set_path_prefix(path_prefix.clone())
            .max_items(page_size)
            .set_marker(marker);
        async move {
            let out = request.send().await?;
            let next = out.is_truncated.then(|| out.marker().map(str::to_string)).flatten();
            let policies = out.policies.unwrap_or_default().into_iter();
            Ok((policies.map(|policy| IamPolicy { policy, document: None, detail: None }).collect(), next))
        }
    })
}

fn get_policy_version(scan: ScanContext, mut policy: IamPolicy) -> BoxFuture<'static, Result<IamPolicy, FetchError>> {
    let iam = client!(aws_sdk_iam, scan);
    async move {
        let (Some(arn), Some(version)) = (policy.policy.arn(), policy.policy.default_version_id()) else {
            return Ok(policy);
        };
        let out = iam.get_policy_version().policy_arn(arn).version_id(version).send().await?;
        policy.document = out.policy_version.and_then(|v| v.document);
        Ok(policy)
    }
    .boxed()
}

fn get_policy(scan: ScanContext, mut policy: IamPolicy) -> BoxFuture<'static, Result<IamPolicy, FetchError>> {
    let iam = client!(aws_sdk_iam, scan);
    async move {
        if let Some(arn) = policy.policy.arn() {
            policy.detail = iam.get_policy().policy_arn(arn).send().await?.policy;
        }
        Ok(policy)
    }
    .boxed()
}
