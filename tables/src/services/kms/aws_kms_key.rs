use aws_sdk_kms::types::{AliasListEntry, KeyListEntry, KeyMetadata, Tag};
use futures::future::BoxFuture;
use futures::FutureExt;
use serde_json::{Value, json};

use crate::cell::text;
use crate::context::{ScanContext, client};
use crate::json::{s, tag_map, time};
use crate::policy;
use crate::def::Def;
use crate::error::{FetchError, absent};
use crate::pages::{self, Pages, paginate};
use crate::schema::{Call, Kind::*, Scope};
use crate::table::Table;


#[derive(Clone)]
pub struct KmsKey {
    key: KeyListEntry,
    metadata: Option<KeyMetadata>,
    rotation_enabled: Option<bool>,
    tags: Option<Vec<Tag>>,
    aliases: Option<Vec<AliasListEntry>>,
    policy: Option<String>,
}

/// Every column but the id and ARN needs DescribeKey.
const METADATA_COLUMNS: &[&str] = &[
    "key_manager",
    "key_state",
    "key_usage",
    "key_spec",
    "origin",
    "enabled",
    "description",
    "creation_date",
    "deletion_date",
    "multi_region",
    "multi_region_configuration",
    "aws_account_id",
    "customer_master_key_spec",
    "valid_to",
];

pub fn table() -> Table {
    Def::new("aws_kms_key", "KMS keys, AWS and customer managed.", Scope::Regional, Call::new("kms", "ListKeys"), list)
        .hydrate(Call::new("kms", "DescribeKey"), METADATA_COLUMNS, describe_key)
        .hydrate(Call::new("kms", "GetKeyRotationStatus"), &["key_rotation_enabled"], get_rotation_status)
        .hydrate(Call::new("kms", "ListResourceTags"), &["tags", "tags_src"], list_tags)
        .hydrate(Call::new("kms", "ListAliases"), &["aliases"], list_aliases)
        .hydrate(Call::new("kms", "GetKeyPolicy"), &["policy", "policy_std"], get_policy)
        .example(
            "SELECT account_id, region, id FROM aws_kms_key\n\
             WHERE key_manager = 'CUSTOMER' AND key_state = 'Enabled' AND NOT key_rotation_enabled",
        )
        .column("id", Text, "The key's ID.", |k, _| k.key.key_id().into())
        .column("arn", Text, "The ARN of the key.", |k, _| k.key.key_arn().into())
        .column("key_manager", Text, "AWS or CUSTOMER.", |k, _| text(k.metadata.as_ref().and_then(|m| m.key_manager())))
        .column("key_state", Text, "Enabled, Disabled, PendingDeletion, ...", |k, _| {
            text(k.metadata.as_ref().and_then(|m| m.key_state()))
        })
        .column("key_usage", Text, "ENCRYPT_DECRYPT, SIGN_VERIFY, ...", |k, _| {
            text(k.metadata.as_ref().and_then(|m| m.key_usage()))
        })
        .column("key_spec", Text, "SYMMETRIC_DEFAULT, RSA_2048, ...", |k, _| {
            text(k.metadata.as_ref().and_then(|m| m.key_spec()))
        })
        .column("origin", Text, "AWS_KMS, EXTERNAL, AWS_CLOUDHSM or EXTERNAL_KEY_STORE.", |k, _| {
            text(k.metadata.as_ref().and_then(|m| m.origin()))
        })
        .column("enabled", Bool, "Whether the key is enabled.", |k, _| k.metadata.as_ref().map(|m| m.enabled()).into())
        .column("description", Text, "The key's description.", |k, _| {
            k.metadata.as_ref().and_then(|m| m.description()).into()
        })
        .column("creation_date", Timestamp, "When the key was created.", |k, _| {
            k.metadata.as_ref().and_then(|m| m.creation_date()).into()
        })
        .column("deletion_date", Timestamp, "When the key is scheduled to be deleted.", |k, _| {
            k.metadata.as_ref().and_then(|m| m.deletion_date()).into()
        })
        .column("multi_region", Bool, "Whether it is a multi-Region key.", |k, _| {
            k.metadata.as_ref().and_then(|m| m.multi_region()).into()
        })
        .column("multi_region_configuration", Json, "{MultiRegionKeyType, PrimaryKey: {Arn, Region}, ReplicaKeys}.", |k, _| {
            k.metadata.as_ref().and_then(|m| m.multi_region_configuration()).map(|c| {
                let key = |k: &aws_sdk_kms::types::MultiRegionKey| json!({"Arn": k.arn(), "Region": k.region()});
                json!({
                    "MultiRegionKeyType": s(c.multi_region_key_type()),
                    "PrimaryKey": c.primary_key().map(key),
                    "ReplicaKeys": Value::from_iter(c.replica_keys().iter().map(key)),
                })
            })
            .into()
        })
        .column("aws_account_id", Text, "The account that owns the key.", |k, _| {
            k.metadata.as_ref().and_then(|m| m.aws_account_id()).into()
        })
        .column("customer_master_key_spec", Text, "The key spec under its former name; same as key_spec.", |k, _| {
            // KMS deprecated the field for key_spec but still fills it.
            #[allow(deprecated)]
            text(k.metadata.as_ref().and_then(|m| m.customer_master_key_spec()))
        })
        .column("valid_to", Timestamp, "When imported key material expires.", |k, _| {
            k.metadata.as_ref().and_then(|m| m.valid_to()).into()
        })
        .column("aliases", Json, "The key's aliases: [{AliasName, AliasArn, TargetKeyId, CreationDate, LastUpdatedDate}].", |k, _| {
            k.aliases
                .as_ref()
                .map(|aliases| {
                    Value::from_iter(aliases.iter().map(|a| {
                        json!({
                            "AliasName": a.alias_name(),
                            "AliasArn": a.alias_arn(),
                            "TargetKeyId": a.target_key_id(),
                            "CreationDate": time(a.creation_date()),
                            "LastUpdatedDate": time(a.last_updated_date()),
                        })
                    }))
                })
                .into()
        })
        .column("policy", Json, "The key policy.", |k, _| k.policy.as_deref().map(policy::document).into())
        .column("policy_std", Json, "The key policy in canonical form.", |k, _| {
            k.policy.as_deref().map(|p| policy::canonical(&policy::document(p))).into()
        })
        .column(
            "key_rotation_enabled",
            Bool,
            "Whether automatic rotation is on; null where rotation does not apply (asymmetric keys).",
            |k, _| k.rotation_enabled.into(),
        )
        .column("title", Text, "The key's ID.", |k, _| k.key.key_id().into())
        .column("tags", Json, "The tags, as an object of key -> value.", |k, _| {
            k.tags.as_ref().map(|t| tag_map(t, |t| (t.tag_key(), Some(t.tag_value())))).into()
        })
        .column("tags_src", Json, "The tags as KMS returns them: [{TagKey, TagValue}].", |k, _| {
            k.tags
                .as_ref()
                .map(|t| Value::from_iter(t.iter().map(|t| json!({"TagKey": t.tag_key(), "TagValue": t.tag_value()}))))
                .into()
        })
        .build()
}

fn list(scan: ScanContext) -> Pages<KmsKey> {
    let kms = client!(aws_sdk_kms, scan);
    let page_size = scan.page_size(1, 1000);
    paginate(move |marker| {
        let request = kms.list_keys().limit(page_size).set_marker(marker);
        async move {
            let out = request.send().await?;
            let next = if out.truncated { out.next_marker } else { None };
            let keys = out.keys.unwrap_or_default().into_iter();
            Ok((keys.map(|key| KmsKey { key, metadata: None, rotation_enabled: None, tags: None, aliases: None, policy: None }).collect(), next))
        }
    })
}

fn describe_key(scan: ScanContext, mut key: KmsKey) -> BoxFuture<'static, Result<KmsKey, FetchError>> {
    let kms = client!(aws_sdk_kms, scan);
    async move {
        if let Some(id) = key.key.key_id() {
            key.metadata = kms.describe_key().key_id(id).send().await?.key_metadata;
        }
        Ok(key)
    }
    .boxed()
}

fn get_rotation_status(scan: ScanContext, mut key: KmsKey) -> BoxFuture<'static, Result<KmsKey, FetchError>> {
    let kms = client!(aws_sdk_kms, scan);
    async move {
        if let Some(id) = key.key.key_id() {
            let result = kms.get_key_rotation_status().key_id(id).send().await;
            // Asymmetric and HMAC keys do not rotate; keys pending deletion cannot say.
            let out = absent(result, &["UnsupportedOperationException", "KMSInvalidStateException"])?;
            key.rotation_enabled = out.map(|o| o.key_rotation_enabled);
        }
        Ok(key)
    }
    .boxed()
}

fn list_tags(scan: ScanContext, mut key: KmsKey) -> BoxFuture<'static, Result<KmsKey, FetchError>> {
    let kms = client!(aws_sdk_kms, scan);
    async move {
        if let Some(id) = key.key.key_id() {
            let out = kms.list_resource_tags().key_id(id).send().await?;
            key.tags = out.tags;
        }
        Ok(key)
    }
    .boxed()
}

fn list_aliases(scan: ScanContext, mut key: KmsKey) -> BoxFuture<'static, Result<KmsKey, FetchError>> {
    let kms = client!(aws_sdk_kms, scan);
    async move {
        if let Some(id) = key.key.key_id() {
            let aliases = pages::all(|marker| async {
                let out = kms.list_aliases().key_id(id).set_marker(marker).send().await?;
                Ok((out.aliases.unwrap_or_default(), out.next_marker))
            });
            key.aliases = Some(aliases.await?);
        }
        Ok(key)
    }
    .boxed()
}

fn get_policy(scan: ScanContext, mut key: KmsKey) -> BoxFuture<'static, Result<KmsKey, FetchError>> {
    let kms = client!(aws_sdk_kms, scan);
    async move {
        if let Some(id) = key.key.key_id() {
            // "default" is the only policy name a key has.
            key.policy = kms.get_key_policy().key_id(id).policy_name("default").send().await?.policy;
        }
        Ok(key)
    }
    .boxed()
}
