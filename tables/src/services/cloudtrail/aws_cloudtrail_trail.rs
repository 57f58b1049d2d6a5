use aws_sdk_cloudtrail::operation::get_trail_status::GetTrailStatusOutput;
use aws_sdk_cloudtrail::types::Trail;
use futures::FutureExt;
use futures::future::BoxFuture;
use crate::context::{ScanContext, client};
use crate::json::tag_map;
use crate::def::Def;
use crate::error::FetchError;
use crate::pages::{Pages, single_page};
use crate::schema::{Kind::*, Scope};
use crate::table::Table;


#[derive(Clone)]
pub struct CloudTrail {
    trail: Trail,
    status: Option<GetTrailStatusOutput>,
    tags: Option<serde_json::Value>,
}

pub fn table() -> Table {
    Def::new(
        "aws_cloudtrail_trail",
        "CloudTrail trails, each listed once, in its home region.",
        Scope::Regional,
        "cloudtrail:DescribeTrails",
        list,
    )
    .hydrate(
        "cloudtrail:GetTrailStatus",
        &["is_logging", "latest_delivery_time", "latest_delivery_error", "start_logging_time"],
        get_status,
    )
    .hydrate("cloudtrail:ListTags", &["tags"], list_tags)
    .example("SELECT account_id, name, is_multi_region_trail, is_logging FROM aws_cloudtrail_trail")
    .column("name", Text, "The trail's name.", |t, _| t.trail.name().into())
    .column("arn", Text, "The ARN of the trail.", |t, _| t.trail.trail_arn().into())
    .column("home_region", Text, "The region the trail was created in.", |t, _| t.trail.home_region().into())
    .column("is_multi_region_trail", Bool, "Whether it logs every region.", |t, _| {
        t.trail.is_multi_region_trail().into()
    })
    .column("is_organization_trail", Bool, "Whether it logs the whole organization.", |t, _| {
        t.trail.is_organization_trail().into()
    })
    .column("include_global_service_events", Bool, "Whether it logs IAM and other global services.", |t, _| {
        t.trail.include_global_service_events().into()
    })
    .column("log_file_validation_enabled", Bool, "Whether log files are signed for validation.", |t, _| {
        t.trail.log_file_validation_enabled().into()
    })
    .column("s3_bucket_name", Text, "The bucket logs are delivered to.", |t, _| t.trail.s3_bucket_name().into())
    .column("s3_key_prefix", Text, "The key prefix in that bucket.", |t, _| t.trail.s3_key_prefix().into())
    .column("kms_key_id", Text, "The KMS key that encrypts the logs.", |t, _| t.trail.kms_key_id().into())
    .column("sns_topic_arn", Text, "The SNS topic notified of deliveries.", |t, _| t.trail.sns_topic_arn().into())
    .column("cloudwatch_logs_log_group_arn", Text, "The CloudWatch Logs group it sends to.", |t, _| {
        t.trail.cloud_watch_logs_log_group_arn().into()
    })
    .column("has_custom_event_selectors", Bool, "Whether it has custom event selectors.", |t, _| {
        t.trail.has_custom_event_selectors().into()
    })
    .column("is_logging", Bool, "Whether the trail is recording now.", |t, _| {
        t.status.as_ref().and_then(GetTrailStatusOutput::is_logging).into()
    })
    .column("start_logging_time", Timestamp, "When it last started logging.", |t, _| {
        t.status.as_ref().and_then(GetTrailStatusOutput::start_logging_time).into()
    })
    .column("latest_delivery_time", Timestamp, "When logs were last delivered.", |t, _| {
        t.status.as_ref().and_then(GetTrailStatusOutput::latest_delivery_time).into()
    })
    .column("latest_delivery_error", Text, "The last delivery error.", |t, _| {
        t.status.as_ref().and_then(GetTrailStatusOutput::latest_delivery_error).into()
    })
    .column("title", Text, "The trail's name.", |t, _| t.trail.name().into())
    .column("tags", Json, "The tags, as an object of key -> value.", |t, _| t.tags.clone().into())
    .build()
}

fn list(scan: ScanContext) -> Pages<CloudTrail> {
    let cloudtrail = client!(aws_sdk_cloudtrail, scan);
    single_page(async move {
        // Multi-region trails also show in every other region as shadows; one row each.
        let out = cloudtrail.describe_trails().include_shadow_trails(false).send().await?;
        Ok(out.trail_list.unwrap_or_default().into_iter().map(|trail| CloudTrail { trail, status: None, tags: None }).collect())
    })
}

fn get_status(scan: ScanContext, mut trail: CloudTrail) -> BoxFuture<'static, Result<CloudTrail, FetchError>> {
    let cloudtrail = client!(aws_sdk_cloudtrail, scan);
    async move {
        if let Some(arn) = trail.trail.trail_arn() {
            trail.status = Some(cloudtrail.get_trail_status().name(arn).send().await?);
        }
        Ok(trail)
    }
    .boxed()
}

fn list_tags(scan: ScanContext, mut trail: CloudTrail) -> BoxFuture<'static, Result<CloudTrail, FetchError>> {
    let cloudtrail = client!(aws_sdk_cloudtrail, scan);
    async move {
        if let Some(arn) = trail.trail.trail_arn() {
            let out = cloudtrail.list_tags().resource_id_list(arn).send().await?;
            let tags = out.resource_tag_list.unwrap_or_default().into_iter().next().and_then(|r| r.tags_list);
            trail.tags = Some(tag_map(&tags.unwrap_or_default(), |t| (t.key(), t.value())));
        }
        Ok(trail)
    }
    .boxed()
}
