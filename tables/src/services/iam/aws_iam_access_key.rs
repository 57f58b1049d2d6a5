use aws_sdk_iam::types::{AccessKeyLastUsed, AccessKeyMetadata};
use futures::FutureExt;
use futures::future::BoxFuture;
use futures::stream::{self, StreamExt, TryStreamExt};
use crate::def::akas;
use crate::cell::text;
use crate::context::{ScanContext, client};
use crate::def::Def;
use crate::error::FetchError;
use crate::pages::{self, Pages, single_page};
use crate::schema::{Call, Kind::*, Scope};
use crate::table::Table;


#[derive(Clone)]
pub struct AccessKey {
    key: AccessKeyMetadata,
    last_used: Option<AccessKeyLastUsed>,
}

/// Users whose keys are listed at once.
const USER_CONCURRENCY: usize = 8;

pub fn table() -> Table {
    Def::new(
        "aws_iam_access_key",
        "IAM users' access keys: metadata only, never secrets.",
        Scope::Global,
        Call::new("iam", "ListUsers").then(Call::new("iam", "ListAccessKeys").note("per user")),
        list,
    )
    // IAM matches user names case-insensitively, so the engine re-checks the spelling.
    .key("user_name", false, "ListAccessKeys for those users only, without ListUsers")
    .hydrate(
        Call::new("iam", "GetAccessKeyLastUsed"),
        &["access_key_last_used_date", "access_key_last_used_service", "access_key_last_used_region"],
        get_last_used,
    )
    .example(
        "SELECT account_id, user_name, access_key_id, create_date FROM aws_iam_access_key\n\
         WHERE status = 'Active' AND create_date < now() - INTERVAL '90 days'",
    )
    .column("access_key_id", Text, "The access key ID (AKIA...).", |k, _| k.key.access_key_id().into())
    .column("user_name", Text, "The user the key belongs to.", |k, _| k.key.user_name().into())
    .column("status", Text, "Active or Inactive.", |k, _| text(k.key.status()))
    .column("create_date", Timestamp, "When the key was created, its rotation age.", |k, _| k.key.create_date().into())
    .column("access_key_last_used_date", Timestamp, "When the key was last used; null if never.", |k, _| {
        k.last_used.as_ref().and_then(|u| u.last_used_date()).into()
    })
    .column("access_key_last_used_service", Text, "The service it was last used with (N/A if never).", |k, _| {
        k.last_used.as_ref().map(AccessKeyLastUsed::service_name).into()
    })
    .column("access_key_last_used_region", Text, "The region it was last used in (N/A if never).", |k, _| {
        k.last_used.as_ref().map(AccessKeyLastUsed::region).into()
    })
    .column("title", Text, "The access key ID.", |k, _| k.key.access_key_id().into())
    .column("akas", Json, "The key's ARN-style identifier, as a one-element JSON array.", |k, t| {
        let arn = |(user, id)| format!("arn:{}:iam::{}:user/{user}/accesskey/{id}", t.partition, t.account_id);
        akas(k.key.user_name().zip(k.key.access_key_id()).map(arn).into())
    })
    .untagged()
    .build()
}

fn list(scan: ScanContext) -> Pages<AccessKey> {
    let iam = client!(aws_sdk_iam, scan);
    let few = scan.lookups("user_name").map(<[String]>::to_vec);
    let wanted = scan.qual("user_name").map(<[String]>::to_vec);
    single_page(async move {
        let users = match few {
            Some(users) => users,
            None => {
                let users = pages::all(|marker| async {
                    let out = iam.list_users().set_marker(marker).send().await?;
                    Ok((out.users, out.marker))
                })
                .await?;
                let names = users.into_iter().map(|u| u.user_name);
                names.filter(|name| wanted.as_ref().is_none_or(|w| w.contains(name))).collect()
            }
        };
        let keys: Vec<Vec<AccessKeyMetadata>> = stream::iter(users)
            .map(|user| {
                let iam = iam.clone();
                async move {
                    let keys = pages::all(|marker| async {
                        let out = iam.list_access_keys().user_name(&user).set_marker(marker).send().await?;
                        Ok((out.access_key_metadata, out.marker))
                    });
                    match keys.await {
                        // A named user who does not exist has no keys.
                        Err(e) if e.code == "NoSuchEntity" => Ok(Vec::new()),
                        keys => keys,
                    }
                }
            })
            .buffered(USER_CONCURRENCY)
            .try_collect()
            .await?;
        Ok(keys.into_iter().flatten().map(|key| AccessKey { key, last_used: None }).collect())
    })
}

fn get_last_used(scan: ScanContext, mut key: AccessKey) -> BoxFuture<'static, Result<AccessKey, FetchError>> {
    let iam = client!(aws_sdk_iam, scan);
    async move {
        if let Some(id) = key.key.access_key_id() {
            key.last_used = iam.get_access_key_last_used().access_key_id(id).send().await?.access_key_last_used;
        }
        Ok(key)
    }
    .boxed()
}
