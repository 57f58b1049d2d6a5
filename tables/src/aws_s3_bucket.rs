use aws_sdk_s3::types::BucketLocationConstraint;
use aws_smithy_types::DateTime;
use futures::stream::{self, StreamExt, TryStreamExt};

use crate::call::{Call, FetchError, paginate};
use crate::table::{Def, Kind::*, Pages, Scope, Table};

pub struct Bucket {
    name: String,
    creation_date: Option<DateTime>,
    region: Option<String>,
}

/// Bucket location lookups in flight per account.
const LOCATION_CONCURRENCY: usize = 8;

pub fn table() -> Table {
    Def::new(
        "aws_s3_bucket",
        "S3 buckets, listed once per account; each row carries the bucket's own region.",
        Scope::GlobalWithRegionColumn,
        "s3:ListBuckets, s3:GetBucketLocation (when the listing omits the region)",
        list,
    )
    .key("name", true, "ListBuckets Prefix, then only that bucket's location is looked up")
    .row_region(|b| b.region.as_deref())
    .example("SELECT account_id, region, name, creation_date FROM aws_s3_bucket ORDER BY creation_date")
    .column("name", Text, "The name of the bucket.", |b, _| b.name.as_str().into())
    .column("arn", Text, "The ARN of the bucket.", |b, t| format!("arn:{}:s3:::{}", t.partition, b.name).into())
    .column("creation_date", Timestamp, "When the bucket was created.", |b, _| b.creation_date.as_ref().into())
    .column("title", Text, "The bucket name.", |b, _| b.name.as_str().into())
    .build()
}

/// The S3 client for `region`. Against a custom endpoint (an emulator), buckets are
/// addressed by path, since `bucket.localhost` style hosts do not resolve.
pub(crate) fn s3_client(call: &Call, region: &str) -> aws_sdk_s3::Client {
    let target = &call.target;
    let config = aws_sdk_s3::config::Builder::from(&target.config)
        .region(aws_sdk_s3::config::Region::new(region.to_string()))
        .force_path_style(target.config.endpoint_url().is_some())
        .interceptor(target.interceptor.clone())
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// ListBuckets is global; it is answered from the partition's first region.
fn home_region(partition: &str) -> &'static str {
    match partition {
        "aws-cn" => "cn-north-1",
        "aws-us-gov" => "us-gov-west-1",
        _ => "us-east-1",
    }
}

fn list(call: Call) -> Pages<Bucket> {
    let s3 = s3_client(&call, home_region(&call.target.partition));
    let wanted: Option<Vec<String>> = call.qual("name").map(<[String]>::to_vec);
    // One name: ask only for buckets with that prefix, so no other bucket is looked up.
    let prefix = match wanted.as_deref() {
        Some([name]) => Some(name.clone()),
        _ => None,
    };
    let page_size = call.page_size(1, 10_000);
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
    Ok(Bucket { name, creation_date: bucket.creation_date, region: Some(region) })
}
