use std::future::Future;

use aws_sdk_s3::operation::get_bucket_versioning::GetBucketVersioningOutput;
use aws_sdk_s3::types::{
    BucketLocationConstraint, BucketVersioningStatus, Event, LifecycleRule, MfaDeleteStatus,
    NotificationConfigurationFilter, PublicAccessBlockConfiguration, ReplicationRule, Tag,
};
use aws_smithy_types::DateTime;
use futures::FutureExt;
use futures::future::BoxFuture;
use futures::stream::{self, StreamExt, TryStreamExt};
use serde_json::{Value, json};

use crate::json::{s, tag_list, tag_map, time};
use crate::policy;
use crate::context::ScanContext;
use crate::def::Def;
use crate::error::{FetchError, absent};
use crate::pages::{Pages, paginate};
use crate::schema::{Call, Kind::*, Scope};
use crate::table::Table;

#[derive(Clone)]
pub struct Bucket {
    name: String,
    creation_date: Option<DateTime>,
    region: Option<String>,
    policy: Option<String>,
    policy_is_public: Option<bool>,
    acl: Option<Value>,
    versioning: Option<GetBucketVersioningOutput>,
    encryption: Option<Value>,
    public_access_block: Option<PublicAccessBlockConfiguration>,
    logging: Option<Value>,
    tags: Option<Vec<Tag>>,
    notifications: Option<Value>,
    lifecycle_rules: Option<Value>,
    object_lock: Option<Value>,
    ownership_controls: Option<Value>,
    replication: Option<Value>,
    website: Option<Value>,
}

/// Bucket location lookups in flight per account.
const LOCATION_CONCURRENCY: usize = 8;

pub fn table() -> Table {
    Def::new(
        "aws_s3_bucket",
        "S3 buckets, listed once per account; each row carries the bucket's own region.",
        Scope::GlobalWithRegionColumn,
        Call::new("s3", "ListBuckets").then(Call::new("s3", "GetBucketLocation").note("(when the listing omits the region)")),
        list,
    )
    .key("name", true, "ListBuckets Prefix, then only that bucket's location is looked up")
    .row_region(|b| b.region.as_deref())
    .hydrate(Call::new("s3", "GetBucketPolicy"), &["policy", "policy_std"], get_policy)
    .hydrate(Call::new("s3", "GetBucketPolicyStatus"), &["bucket_policy_is_public"], get_policy_status)
    .hydrate(Call::new("s3", "GetBucketAcl"), &["acl"], get_acl)
    .hydrate(Call::new("s3", "GetBucketVersioning"), &["versioning_enabled", "versioning_mfa_delete"], get_versioning)
    .hydrate(Call::new("s3", "GetBucketEncryption"), &["server_side_encryption_configuration"], get_encryption)
    .hydrate(Call::new("s3", "GetPublicAccessBlock"), &PUBLIC_ACCESS_BLOCK_COLUMNS, get_public_access_block)
    .hydrate(Call::new("s3", "GetBucketLogging"), &["logging"], get_logging)
    .hydrate(Call::new("s3", "GetBucketTagging"), &["tags", "tags_src"], get_tagging)
    .hydrate(Call::new("s3", "GetBucketNotificationConfiguration"), &["event_notification_configuration"], get_notifications)
    .hydrate(Call::new("s3", "GetBucketLifecycleConfiguration"), &["lifecycle_rules"], get_lifecycle)
    .hydrate(Call::new("s3", "GetObjectLockConfiguration"), &["object_lock_configuration"], get_object_lock)
    .hydrate(Call::new("s3", "GetBucketOwnershipControls"), &["object_ownership_controls"], get_ownership_controls)
    .hydrate(Call::new("s3", "GetBucketReplication"), &["replication"], get_replication)
    .hydrate(Call::new("s3", "GetBucketWebsite"), &["website_configuration"], get_website)
    .example(
        "SELECT account_id, region, name FROM aws_s3_bucket\n\
         WHERE NOT coalesce(block_public_acls AND ignore_public_acls AND block_public_policy AND restrict_public_buckets, false)",
    )
    .column("name", Text, "The name of the bucket.", |b, _| b.name.as_str().into())
    .column("arn", Text, "The ARN of the bucket.", |b, t| format!("arn:{}:s3:::{}", t.partition, b.name).into())
    .column("creation_date", Timestamp, "When the bucket was created.", |b, _| b.creation_date.as_ref().into())
    .column("policy", Json, "The bucket policy; null when it has none.", |b, _| b.policy.as_deref().map(policy::document).into())
    .column("policy_std", Json, "The bucket policy in canonical form.", |b, _| {
        b.policy.as_deref().map(|p| policy::canonical(&policy::document(p))).into()
    })
    .column("bucket_policy_is_public", Bool, "S3's verdict on whether the policy makes the bucket public; null without a policy.", |b, _| {
        b.policy_is_public.into()
    })
    .column("acl", Json, "The access control list: {Owner, Grants: [{Grantee: {Type, ID, URI}, Permission}]}.", |b, _| {
        b.acl.clone().into()
    })
    .column("versioning_enabled", Bool, "Whether versioning is Enabled (not Suspended or never set).", |b, _| {
        b.versioning.as_ref().map(|v| v.status() == Some(&BucketVersioningStatus::Enabled)).into()
    })
    .column("versioning_mfa_delete", Bool, "Whether deleting versions requires MFA.", |b, _| {
        b.versioning.as_ref().map(|v| v.mfa_delete() == Some(&MfaDeleteStatus::Enabled)).into()
    })
    .column(
        "server_side_encryption_configuration",
        Json,
        "Default encryption: {Rules: [{ApplyServerSideEncryptionByDefault: {SSEAlgorithm, KMSMasterKeyID}, BucketKeyEnabled}]}; null when off.",
        |b, _| b.encryption.clone().into(),
    )
    .column("block_public_acls", Bool, "Bucket public access block: reject public ACLs. Null without a configuration.", |b, _| {
        b.public_access_block.as_ref().and_then(PublicAccessBlockConfiguration::block_public_acls).into()
    })
    .column("ignore_public_acls", Bool, "Bucket public access block: ignore public ACLs.", |b, _| {
        b.public_access_block.as_ref().and_then(PublicAccessBlockConfiguration::ignore_public_acls).into()
    })
    .column("block_public_policy", Bool, "Bucket public access block: reject public policies.", |b, _| {
        b.public_access_block.as_ref().and_then(PublicAccessBlockConfiguration::block_public_policy).into()
    })
    .column("restrict_public_buckets", Bool, "Bucket public access block: restrict access under public policies.", |b, _| {
        b.public_access_block.as_ref().and_then(PublicAccessBlockConfiguration::restrict_public_buckets).into()
    })
    .column("logging", Json, "Server access logging: {TargetBucket, TargetPrefix}; null when off.", |b, _| b.logging.clone().into())
    .column(
        "event_notification_configuration",
        Json,
        "Event notifications: {TopicConfigurations, QueueConfigurations, LambdaFunctionConfigurations, EventBridgeConfiguration}.",
        |b, _| b.notifications.clone().into(),
    )
    .column("lifecycle_rules", Json, "The lifecycle rules: [{ID, Status, Filter, Expiration, Transitions, ...}]; null when none.", |b, _| {
        b.lifecycle_rules.clone().into()
    })
    .column(
        "object_lock_configuration",
        Json,
        "Object Lock: {ObjectLockEnabled, Rule: {DefaultRetention: {Mode, Days, Years}}}; null when off.",
        |b, _| b.object_lock.clone().into(),
    )
    .column("object_ownership_controls", Json, "Object ownership: {Rules: [{ObjectOwnership}]}; null when not set.", |b, _| {
        b.ownership_controls.clone().into()
    })
    .column("replication", Json, "Replication: {Role, Rules: [{ID, Status, Priority, Filter, Destination, ...}]}; null when off.", |b, _| {
        b.replication.clone().into()
    })
    .column(
        "website_configuration",
        Json,
        "Static website hosting: {IndexDocument, ErrorDocument, RedirectAllRequestsTo, RoutingRules}; null when off.",
        |b, _| b.website.clone().into(),
    )
    .column("tags", Json, "The tags, as an object of key -> value.", |b, _| {
        b.tags.as_ref().map(|t| tag_map(t, |t| (t.key(), Some(t.value())))).into()
    })
    .column("tags_src", Json, "The tags as AWS returns them: [{Key, Value}].", |b, _| {
        b.tags.as_ref().map(|t| tag_list(t, |t| (t.key(), Some(t.value())))).into()
    })
    .column("title", Text, "The bucket name.", |b, _| b.name.as_str().into())
    .build()
}

/// The S3 client for `region`. Against a custom endpoint (an emulator), buckets are
/// addressed by path, since `bucket.localhost` style hosts do not resolve.
pub(crate) fn s3_client(scan: &ScanContext, region: &str) -> aws_sdk_s3::Client {
    let target = &scan.target;
    let mut config = aws_sdk_s3::config::Builder::from(&target.config)
        .region(aws_sdk_s3::config::Region::new(region.to_string()))
        .force_path_style(target.config.endpoint_url().is_some())
        .interceptor(target.interceptor.clone());
    config.set_retry_partition(target.retry_partition.clone());
    aws_sdk_s3::Client::from_conf(config.build())
}

/// ListBuckets is global; it is answered from the partition's first region.
fn home_region(partition: &str) -> &'static str {
    match partition {
        "aws-cn" => "cn-north-1",
        "aws-us-gov" => "us-gov-west-1",
        _ => "us-east-1",
    }
}

fn list(scan: ScanContext) -> Pages<Bucket> {
    let s3 = s3_client(&scan, home_region(&scan.target.partition));
    let wanted: Option<Vec<String>> = scan.qual("name").map(<[String]>::to_vec);
    // One name: ask only for buckets with that prefix, so no other bucket is looked up.
    let prefix = match wanted.as_deref() {
        Some([name]) => Some(name.clone()),
        _ => None,
    };
    let page_size = scan.page_size(1, 10_000);
    paginate(move |token| {
        let request = s3.list_buckets().set_prefix(prefix.clone()).max_buckets(page_size).set_continuation_token(token);
        let (s3, wanted) = (s3.clone(), wanted.clone());
        async move {
            let out = request.send().await?;
            let next = out.continuation_token().map(str::to_string);
            let buckets = out
                .buckets
                .unwrap_or_default()
                .into_iter()
                .filter(|b| wanted.as_ref().is_none_or(|w| b.name().is_some_and(|n| w.iter().any(|x| x == n))));
            let located = stream::iter(buckets)
                .map(|b| locate(s3.clone(), b))
                .buffered(LOCATION_CONCURRENCY)
                .try_collect()
                .await?;
            Ok((located, next))
        }
    })
}

async fn locate(s3: aws_sdk_s3::Client, bucket: aws_sdk_s3::types::Bucket) -> Result<Bucket, FetchError> {
    let name = bucket.name.unwrap_or_default();
    let region = match bucket.bucket_region {
        Some(region) => region,
        None => {
            let out = s3.get_bucket_location().bucket(&name).send().await?;
            match out.location_constraint() {
                None => "us-east-1".to_string(),
                Some(BucketLocationConstraint::Eu) => "eu-west-1".to_string(),
                Some(c) if c.as_str().is_empty() => "us-east-1".to_string(),
                Some(c) => c.as_str().to_string(),
            }
        }
    };
    Ok(Bucket {
        name,
        creation_date: bucket.creation_date,
        region: Some(region),
        policy: None,
        policy_is_public: None,
        acl: None,
        versioning: None,
        encryption: None,
        public_access_block: None,
        logging: None,
        tags: None,
        notifications: None,
        lifecycle_rules: None,
        object_lock: None,
        ownership_controls: None,
        replication: None,
        website: None,
    })
}

const PUBLIC_ACCESS_BLOCK_COLUMNS: [&str; 4] =
    ["block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets"];

/// Runs one hydrate call against the bucket's own region.
fn with_client<F, Fut>(scan: ScanContext, bucket: Bucket, run: F) -> BoxFuture<'static, Result<Bucket, FetchError>>
where
    F: FnOnce(aws_sdk_s3::Client, Bucket) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Bucket, FetchError>> + Send + 'static,
{
    let region = bucket.region.clone().unwrap_or_else(|| home_region(&scan.target.partition).to_string());
    run(s3_client(&scan, &region), bucket).boxed()
}

fn get_policy(scan: ScanContext, bucket: Bucket) -> BoxFuture<'static, Result<Bucket, FetchError>> {
    with_client(scan, bucket, |s3, mut b| async move {
        let out = absent(s3.get_bucket_policy().bucket(&b.name).send().await, &["NoSuchBucketPolicy"])?;
        b.policy = out.and_then(|o| o.policy);
        Ok(b)
    })
}

fn get_policy_status(scan: ScanContext, bucket: Bucket) -> BoxFuture<'static, Result<Bucket, FetchError>> {
    with_client(scan, bucket, |s3, mut b| async move {
        let out = absent(s3.get_bucket_policy_status().bucket(&b.name).send().await, &["NoSuchBucketPolicy"])?;
        b.policy_is_public = out.and_then(|o| o.policy_status).and_then(|s| s.is_public);
        Ok(b)
    })
}

fn get_acl(scan: ScanContext, bucket: Bucket) -> BoxFuture<'static, Result<Bucket, FetchError>> {
    with_client(scan, bucket, |s3, mut b| async move {
        let out = s3.get_bucket_acl().bucket(&b.name).send().await?;
        let grants = out.grants().iter().map(|g| {
            let grantee = g.grantee().map(|e| {
                json!({"Type": e.r#type().as_str(), "ID": e.id(), "URI": e.uri(), "DisplayName": e.display_name(), "EmailAddress": e.email_address()})
            });
            json!({"Grantee": grantee, "Permission": s(g.permission())})
        });
        let owner = out.owner().map(|o| json!({"ID": o.id(), "DisplayName": o.display_name()}));
        b.acl = Some(json!({"Owner": owner, "Grants": Value::from_iter(grants)}));
        Ok(b)
    })
}

fn get_versioning(scan: ScanContext, bucket: Bucket) -> BoxFuture<'static, Result<Bucket, FetchError>> {
    with_client(scan, bucket, |s3, mut b| async move {
        b.versioning = Some(s3.get_bucket_versioning().bucket(&b.name).send().await?);
        Ok(b)
    })
}

fn get_encryption(scan: ScanContext, bucket: Bucket) -> BoxFuture<'static, Result<Bucket, FetchError>> {
    with_client(scan, bucket, |s3, mut b| async move {
        let result = s3.get_bucket_encryption().bucket(&b.name).send().await;
        let out = absent(result, &["ServerSideEncryptionConfigurationNotFoundError"])?;
        b.encryption = out.and_then(|o| o.server_side_encryption_configuration).map(|c| {
            let rules = c.rules().iter().map(|r| {
                let default = r.apply_server_side_encryption_by_default().map(
                    |d| json!({"SSEAlgorithm": d.sse_algorithm().as_str(), "KMSMasterKeyID": d.kms_master_key_id()}),
                );
                json!({"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": r.bucket_key_enabled()})
            });
            json!({"Rules": Value::from_iter(rules)})
        });
        Ok(b)
    })
}

fn get_public_access_block(scan: ScanContext, bucket: Bucket) -> BoxFuture<'static, Result<Bucket, FetchError>> {
    with_client(scan, bucket, |s3, mut b| async move {
        let result = s3.get_public_access_block().bucket(&b.name).send().await;
        let out = absent(result, &["NoSuchPublicAccessBlockConfiguration"])?;
        b.public_access_block = out.and_then(|o| o.public_access_block_configuration);
        Ok(b)
    })
}

fn get_logging(scan: ScanContext, bucket: Bucket) -> BoxFuture<'static, Result<Bucket, FetchError>> {
    with_client(scan, bucket, |s3, mut b| async move {
        let out = s3.get_bucket_logging().bucket(&b.name).send().await?;
        b.logging = out
            .logging_enabled()
            .map(|l| json!({"TargetBucket": l.target_bucket(), "TargetPrefix": l.target_prefix()}));
        Ok(b)
    })
}

fn get_tagging(scan: ScanContext, bucket: Bucket) -> BoxFuture<'static, Result<Bucket, FetchError>> {
    with_client(scan, bucket, |s3, mut b| async move {
        let out = absent(s3.get_bucket_tagging().bucket(&b.name).send().await, &["NoSuchTagSet"])?;
        b.tags = out.map(|o| o.tag_set);
        Ok(b)
    })
}

fn get_notifications(scan: ScanContext, bucket: Bucket) -> BoxFuture<'static, Result<Bucket, FetchError>> {
    with_client(scan, bucket, |s3, mut b| async move {
        let out = s3.get_bucket_notification_configuration().bucket(&b.name).send().await?;
        let filter = |f: Option<&NotificationConfigurationFilter>| {
            f.map(|f| {
                let rules = f.key().map(|k| k.filter_rules()).unwrap_or_default();
                let rules = rules.iter().map(|r| json!({"Name": s(r.name()), "Value": r.value()}));
                json!({"Key": {"FilterRules": Value::from_iter(rules)}})
            })
        };
        let events = |events: &[Event]| Value::from_iter(events.iter().map(|e| e.as_str()));
        let topics = out.topic_configurations().iter().map(|c| {
            json!({"Id": c.id(), "TopicArn": c.topic_arn(), "Events": events(c.events()), "Filter": filter(c.filter())})
        });
        let queues = out.queue_configurations().iter().map(|c| {
            json!({"Id": c.id(), "QueueArn": c.queue_arn(), "Events": events(c.events()), "Filter": filter(c.filter())})
        });
        let lambdas = out.lambda_function_configurations().iter().map(|c| {
            json!({
                "Id": c.id(),
                "LambdaFunctionArn": c.lambda_function_arn(),
                "Events": events(c.events()),
                "Filter": filter(c.filter()),
            })
        });
        b.notifications = Some(json!({
            "TopicConfigurations": Value::from_iter(topics),
            "QueueConfigurations": Value::from_iter(queues),
            "LambdaFunctionConfigurations": Value::from_iter(lambdas),
            "EventBridgeConfiguration": out.event_bridge_configuration().map(|_| json!({})),
        }));
        Ok(b)
    })
}

fn get_lifecycle(scan: ScanContext, bucket: Bucket) -> BoxFuture<'static, Result<Bucket, FetchError>> {
    with_client(scan, bucket, |s3, mut b| async move {
        let result = s3.get_bucket_lifecycle_configuration().bucket(&b.name).send().await;
        let out = absent(result, &["NoSuchLifecycleConfiguration"])?;
        b.lifecycle_rules = out.map(|o| Value::from_iter(o.rules().iter().map(lifecycle_rule)));
        Ok(b)
    })
}

// Rules written before filters existed still carry their bare, now deprecated, Prefix.
#[allow(deprecated)]
fn lifecycle_rule(rule: &LifecycleRule) -> Value {
    let filter = rule.filter().map(|f| {
        json!({
            "Prefix": f.prefix(),
            "Tag": f.tag().map(|t| json!({"Key": t.key(), "Value": t.value()})),
            "ObjectSizeGreaterThan": f.object_size_greater_than(),
            "ObjectSizeLessThan": f.object_size_less_than(),
            "And": f.and().map(|a| json!({
                "Prefix": a.prefix(),
                "Tags": tag_list(a.tags(), |t| (t.key(), Some(t.value()))),
                "ObjectSizeGreaterThan": a.object_size_greater_than(),
                "ObjectSizeLessThan": a.object_size_less_than(),
            })),
        })
    });
    let transitions = rule.transitions().iter().map(|t| {
        json!({"Date": time(t.date()), "Days": t.days(), "StorageClass": s(t.storage_class())})
    });
    let noncurrent_transitions = rule.noncurrent_version_transitions().iter().map(|t| {
        json!({
            "NoncurrentDays": t.noncurrent_days(),
            "NewerNoncurrentVersions": t.newer_noncurrent_versions(),
            "StorageClass": s(t.storage_class()),
        })
    });
    json!({
        "ID": rule.id(),
        "Status": rule.status().as_str(),
        "Prefix": rule.prefix(),
        "Filter": filter,
        "Expiration": rule.expiration().map(|e| json!({
            "Date": time(e.date()),
            "Days": e.days(),
            "ExpiredObjectDeleteMarker": e.expired_object_delete_marker(),
        })),
        "Transitions": Value::from_iter(transitions),
        "NoncurrentVersionTransitions": Value::from_iter(noncurrent_transitions),
        "NoncurrentVersionExpiration": rule.noncurrent_version_expiration().map(|e| json!({
            "NoncurrentDays": e.noncurrent_days(),
            "NewerNoncurrentVersions": e.newer_noncurrent_versions(),
        })),
        "AbortIncompleteMultipartUpload": rule.abort_incomplete_multipart_upload().map(|a| json!({
            "DaysAfterInitiation": a.days_after_initiation(),
        })),
    })
}

fn get_object_lock(scan: ScanContext, bucket: Bucket) -> BoxFuture<'static, Result<Bucket, FetchError>> {
    with_client(scan, bucket, |s3, mut b| async move {
        let result = s3.get_object_lock_configuration().bucket(&b.name).send().await;
        let out = absent(result, &["ObjectLockConfigurationNotFoundError"])?;
        b.object_lock = out.and_then(|o| o.object_lock_configuration).map(|c| {
            let retention = c.rule().and_then(|r| r.default_retention()).map(|d| {
                json!({"Mode": s(d.mode()), "Days": d.days(), "Years": d.years()})
            });
            json!({
                "ObjectLockEnabled": s(c.object_lock_enabled()),
                "Rule": c.rule().map(|_| json!({"DefaultRetention": retention})),
            })
        });
        Ok(b)
    })
}

fn get_ownership_controls(scan: ScanContext, bucket: Bucket) -> BoxFuture<'static, Result<Bucket, FetchError>> {
    with_client(scan, bucket, |s3, mut b| async move {
        let result = s3.get_bucket_ownership_controls().bucket(&b.name).send().await;
        let out = absent(result, &["OwnershipControlsNotFoundError"])?;
        b.ownership_controls = out.and_then(|o| o.ownership_controls).map(|c| {
            let rules = c.rules().iter().map(|r| json!({"ObjectOwnership": r.object_ownership().as_str()}));
            json!({"Rules": Value::from_iter(rules)})
        });
        Ok(b)
    })
}

fn get_replication(scan: ScanContext, bucket: Bucket) -> BoxFuture<'static, Result<Bucket, FetchError>> {
    with_client(scan, bucket, |s3, mut b| async move {
        let result = s3.get_bucket_replication().bucket(&b.name).send().await;
        let out = absent(result, &["ReplicationConfigurationNotFoundError"])?;
        b.replication = out.and_then(|o| o.replication_configuration).map(|c| {
            json!({"Role": c.role(), "Rules": Value::from_iter(c.rules().iter().map(replication_rule))})
        });
        Ok(b)
    })
}

// Rules written before filters existed still carry their bare, now deprecated, Prefix.
#[allow(deprecated)]
fn replication_rule(rule: &ReplicationRule) -> Value {
    let filter = rule.filter().map(|f| {
        json!({
            "Prefix": f.prefix(),
            "Tag": f.tag().map(|t| json!({"Key": t.key(), "Value": t.value()})),
            "And": f.and().map(|a| json!({
                "Prefix": a.prefix(),
                "Tags": tag_list(a.tags(), |t| (t.key(), Some(t.value()))),
            })),
        })
    });
    let destination = rule.destination().map(|d| {
        json!({
            "Bucket": d.bucket(),
            "Account": d.account(),
            "StorageClass": s(d.storage_class()),
            "AccessControlTranslation": d.access_control_translation().map(|a| json!({"Owner": a.owner().as_str()})),
            "EncryptionConfiguration": d.encryption_configuration().map(|e| json!({"ReplicaKmsKeyID": e.replica_kms_key_id()})),
            "ReplicationTime": d.replication_time().map(|r| json!({
                "Status": r.status().as_str(),
                "Time": r.time().map(|t| json!({"Minutes": t.minutes()})),
            })),
            "Metrics": d.metrics().map(|m| json!({
                "Status": m.status().as_str(),
                "EventThreshold": m.event_threshold().map(|t| json!({"Minutes": t.minutes()})),
            })),
        })
    });
    let criteria = rule.source_selection_criteria().map(|c| {
        json!({
            "SseKmsEncryptedObjects": c.sse_kms_encrypted_objects().map(|o| json!({"Status": o.status().as_str()})),
            "ReplicaModifications": c.replica_modifications().map(|m| json!({"Status": m.status().as_str()})),
        })
    });
    json!({
        "ID": rule.id(),
        "Priority": rule.priority(),
        "Prefix": rule.prefix(),
        "Status": rule.status().as_str(),
        "Filter": filter,
        "Destination": destination,
        "SourceSelectionCriteria": criteria,
        "ExistingObjectReplication": rule.existing_object_replication().map(|e| json!({"Status": e.status().as_str()})),
        "DeleteMarkerReplication": rule.delete_marker_replication().map(|d| json!({"Status": s(d.status())})),
    })
}

fn get_website(scan: ScanContext, bucket: Bucket) -> BoxFuture<'static, Result<Bucket, FetchError>> {
    with_client(scan, bucket, |s3, mut b| async move {
        let out = absent(s3.get_bucket_website().bucket(&b.name).send().await, &["NoSuchWebsiteConfiguration"])?;
        b.website = out.map(|o| {
            let rules = o.routing_rules().iter().map(|r| {
                json!({
                    "Condition": r.condition().map(|c| json!({
                        "HttpErrorCodeReturnedEquals": c.http_error_code_returned_equals(),
                        "KeyPrefixEquals": c.key_prefix_equals(),
                    })),
                    "Redirect": r.redirect().map(|d| json!({
                        "HostName": d.host_name(),
                        "HttpRedirectCode": d.http_redirect_code(),
                        "Protocol": s(d.protocol()),
                        "ReplaceKeyPrefixWith": d.replace_key_prefix_with(),
                        "ReplaceKeyWith": d.replace_key_with(),
                    })),
                })
            });
            json!({
                "IndexDocument": o.index_document().map(|d| json!({"Suffix": d.suffix()})),
                "ErrorDocument": o.error_document().map(|d| json!({"Key": d.key()})),
                "RedirectAllRequestsTo": o.redirect_all_requests_to().map(|r| json!({
                    "HostName": r.host_name(),
                    "Protocol": s(r.protocol()),
                })),
                "RoutingRules": Value::from_iter(rules),
            })
        });
        Ok(b)
    })
}
