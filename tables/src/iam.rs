//! What IAM's principal tables (users, roles, groups) share: their inline and attached
//! policies, fetched per row only when those columns are asked for.

use serde_json::{Value, json};

use crate::policy;
use crate::table::{Def, Kind};

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
#[macro_export]
macro_rules! inline_policies {
    ($list:ident, $get:ident, $param:ident) => {
        |call, mut item| {
            use futures::FutureExt;
            let iam = $crate::client!(aws_sdk_iam, call);
            async move {
                let name = $crate::iam::Principal::name(&item).to_string();
                let names = iam.$list().$param(&name).into_paginator().items().send().try_collect().await?;
                let mut documents = Vec::with_capacity(names.len());
                for policy in names {
                    let out = iam.$get().$param(&name).policy_name(&policy).send().await?;
                    documents.push((policy, out.policy_document));
                }
                $crate::iam::Principal::policies(&mut item).inline = Some(documents);
                Ok::<_, $crate::FetchError>(item)
            }
            .boxed()
        }
    };
}

/// Hydrates `attached`: `attached_policies!(list_attached_user_policies, user_name)`.
#[macro_export]
macro_rules! attached_policies {
    ($list:ident, $param:ident) => {
        |call, mut item| {
            use futures::FutureExt;
            let iam = $crate::client!(aws_sdk_iam, call);
            async move {
                let name = $crate::iam::Principal::name(&item).to_string();
                let attached = iam.$list().$param(&name).into_paginator().items().send().try_collect().await?;
                let arns = attached.into_iter().filter_map(|p| p.policy_arn).collect();
                $crate::iam::Principal::policies(&mut item).attached = Some(arns);
                Ok::<_, $crate::FetchError>(item)
            }
            .boxed()
        }
    };
}

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

/// A ListUsers / ListRoles / ListGroups scan, with the `path` key column sent as PathPrefix:
/// `list_principals!(call, list_roles, roles, wrap)`.
#[macro_export]
macro_rules! list_principals {
    ($call:expr, $operation:ident, $items:ident, $wrap:expr) => {{
        let iam = $crate::client!(aws_sdk_iam, $call);
        let path_prefix = match $call.qual("path") {
            Some([path]) => Some(path.clone()),
            _ => None,
        };
        let page_size = $call.page_size(1, 1000);
        $crate::call::paginate(move |marker| {
            let request = iam.$operation().set_path_prefix(path_prefix.clone()).max_items(page_size).set_marker(marker);
            async move {
                let out = request.send().await?;
                let next = out.is_truncated.then(|| out.marker().map(str::to_string)).flatten();
                Ok((out.$items.into_iter().map($wrap).collect(), next))
            }
        })
    }};
}
