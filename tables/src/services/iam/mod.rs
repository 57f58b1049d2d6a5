//! IAM and the account itself. What the principal tables (users, roles, groups) share:
//! their inline and attached policies, fetched per row only when those columns are asked for.

use serde_json::{Value, json};

use crate::def::Def;
use crate::policy;
use crate::schema::Kind;

tables! {
    aws_account,
    aws_iam_access_key,
    aws_iam_account_password_policy,
    aws_iam_account_summary,
    aws_iam_credential_report,
    aws_iam_group,
    aws_iam_policy,
    aws_iam_role,
    aws_iam_user,
    aws_iam_virtual_mfa_device,
}

/// A principal's policies, as far as they have been hydrated.
#[derive(Debug, Clone, Default)]
pub struct Policies {
    /// (name, document as returned) per inline policy.
    pub inline: Option<Vec<(String, String)>>,
    pub attached: Option<Vec<String>>,
}

/// An IAM principal whose policies can be hydrated.
pub trait Principal: Send + 'static {
    fn name(&self) -> &str;
    fn policies(&mut self) -> &mut Policies;
}

/// Hydrates `inline`: `inline_policies!(list_user_policies, get_user_policy, user_name)`.
macro_rules! inline_policies {
    ($list:ident, $get:ident, $param:ident) => {
        |scan, mut item| {
            use futures::FutureExt;
            let iam = $crate::context::client!(aws_sdk_iam, scan);
            async move {
                let name = $crate::services::iam::Principal::name(&item).to_string();
                let names = $crate::pages::all(|marker| async {
                    let out = iam.$list().$param(&name).set_marker(marker).send().await?;
                    Ok((out.policy_names, out.marker))
                })
                .await?;
                let mut documents = Vec::with_capacity(names.len());
                for policy in names {
                    let out = iam.$get().$param(&name).policy_name(&policy).send().await?;
                    documents.push((policy, out.policy_document));
                }
                $crate::services::iam::Principal::policies(&mut item).inline = Some(documents);
                Ok::<_, $crate::error::FetchError>(item)
            }
            .boxed()
        }
    };
}

/// Hydrates `attached`: `attached_policies!(list_attached_user_policies, user_name)`.
macro_rules! attached_policies {
    ($list:ident, $param:ident) => {
        |scan, mut item| {
            use futures::FutureExt;
            let iam = $crate::context::client!(aws_sdk_iam, scan);
            async move {
                let name = $crate::services::iam::Principal::name(&item).to_string();
                let attached = $crate::pages::all(|marker| async {
                    let out = iam.$list().$param(&name).set_marker(marker).send().await?;
                    Ok((out.attached_policies.unwrap_or_default(), out.marker))
                })
                .await?;
                let arns = attached.into_iter().filter_map(|p| p.policy_arn).collect();
                $crate::services::iam::Principal::policies(&mut item).attached = Some(arns);
                Ok::<_, $crate::error::FetchError>(item)
            }
            .boxed()
        }
    };
}

pub(crate) use {attached_policies, inline_policies};

/// The `inline_policies`, `inline_policies_std` and `attached_policy_arns` columns.
/// Like Steampipe's, they are null when the principal has no such policies.
pub fn policy_columns<T: Principal + Clone + Sync>(def: Def<T>, policies: fn(&T) -> &Policies) -> Def<T> {
    def.column("inline_policies", Kind::Json, "Embedded policies: [{PolicyName, PolicyDocument}].", move |r, _| {
        inline(policies(r), Value::clone).into()
    })
    .column("inline_policies_std", Kind::Json, "The inline policies in canonical form.", move |r, _| {
        inline(policies(r), policy::canonical).into()
    })
    .column("attached_policy_arns", Kind::Json, "The ARNs of the attached managed policies.", move |r, _| {
        policies(r).attached.as_ref().filter(|a| !a.is_empty()).map(|a| Value::from_iter(a.iter().cloned())).into()
    })
}

fn inline(policies: &Policies, shape: impl Fn(&Value) -> Value) -> Option<Value> {
    let inline = policies.inline.as_ref().filter(|i| !i.is_empty())?;
    Some(Value::from_iter(
        inline
            .iter()
            .map(|(name, document)| json!({"PolicyName": name, "PolicyDocument": shape(&policy::document(document))})),
    ))
}

/// A ListUsers / ListRoles / ListGroups call, with the `path` key column sent as PathPrefix:
/// `list_principals!(scan, list_roles, roles, wrap)`.
macro_rules! list_principals {
    ($scan:expr, $operation:ident, $items:ident, $wrap:expr) => {{
        let iam = $crate::context::client!(aws_sdk_iam, $scan);
        let path_prefix = match $scan.qual("path") {
            Some([path]) => Some(path.clone()),
            _ => None,
        };
        let page_size = $scan.page_size(1, 1000);
        $crate::pages::paginate(move |marker| {
            let request = iam.$operation().set_path_prefix(path_prefix.clone()).max_items(page_size).set_marker(marker);
            async move {
                let out = request.send().await?;
                let next = out.is_truncated.then(|| out.marker().map(str::to_string)).flatten();
                Ok((out.$items.into_iter().map($wrap).collect(), next))
            }
        })
    }};
}
pub(crate) use list_principals;
