use aws_sdk_cloudtrail::operation::get_event_selectors::GetEventSelectorsOutput;
use aws_sdk_cloudtrail::operation::get_trail_status::GetTrailStatusOutput;
use aws_sdk_cloudtrail::types::{InsightSelector, Tag, Trail};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::{Value, json};

use crate::context::{ScanContext, client};
use crate::json::{s, tag_list, tag_map};
use crate::def::Def;
use crate::error::{FetchError, absent};
use crate::pages::{Pages, single_page};
use crate::schema::{Call, Kind::*, Scope};
use crate::table::Table;


#[derive(Clone)]
pub struct CloudTrail {
    trail: Trail,
    status: Option<GetTrailStatusOutput>,
    tags: Option<Vec<Tag>>,
    selectors: Option<GetEventSelectorsOutput>,
    /// GetInsightSelectors' answer: Some(None) when Insights is off.
    insight_selectors: Option<Option<Vec<InsightSelector>>>,
}

/// The columns GetTrailStatus fills.
const STATUS_COLUMNS: &[&str] = &[
    "is_logging",
    "start_logging_time",
    "stop_logging_time",
    "latest_delivery_time",
    "latest_delivery_error",
    "latest_cloudwatch_logs_delivery_time",
    "latest_cloudwatch_logs_delivery_error",
    "latest_digest_delivery_time",
    "latest_digest_delivery_error",
    "latest_notification_time",
    "latest_notification_error",
];

pub fn table() -> Table {
    Def::new(
        "aws_cloudtrail_trail",
        "CloudTrail trails, each listed once, in its home region.",
        Scope::Regional,
        Call::new("cloudtrail", "DescribeTrails"),
        list,
    )
    .hydrate(Call::new("cloudtrail", "GetTrailStatus"), STATUS_COLUMNS, get_status)
    .hydrate(Call::new("cloudtrail", "ListTags"), &["tags", "tags_src"], list_tags)
    .hydrate(Call::new("cloudtrail", "GetEventSelectors"), &["event_selectors", "advanced_event_selectors"], get_event_selectors)
    .hydrate(Call::new("cloudtrail", "GetInsightSelectors"), &["insight_selectors"], get_insight_selectors)
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
    .column("log_group_arn", Text, "The CloudWatch Logs group it sends to (as cloudwatch_logs_log_group_arn).", |t, _| {
        t.trail.cloud_watch_logs_log_group_arn().into()
    })
    .column("cloudwatch_logs_role_arn", Text, "The role CloudTrail assumes to write to the log group.", |t, _| {
        t.trail.cloud_watch_logs_role_arn().into()
    })
    .column("has_insight_selectors", Bool, "Whether CloudTrail Insights is on.", |t, _| {
        t.trail.has_insight_selectors().into()
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
    .column("stop_logging_time", Timestamp, "When it last stopped logging.", |t, _| {
        t.status.as_ref().and_then(GetTrailStatusOutput::stop_logging_time).into()
    })
    .column("latest_cloudwatch_logs_delivery_time", Timestamp, "When events were last sent to CloudWatch Logs.", |t, _| {
        t.status.as_ref().and_then(GetTrailStatusOutput::latest_cloud_watch_logs_delivery_time).into()
    })
    .column("latest_cloudwatch_logs_delivery_error", Text, "The last error sending to CloudWatch Logs.", |t, _| {
        t.status.as_ref().and_then(GetTrailStatusOutput::latest_cloud_watch_logs_delivery_error).into()
    })
    .column("latest_digest_delivery_time", Timestamp, "When a digest file was last delivered.", |t, _| {
        t.status.as_ref().and_then(GetTrailStatusOutput::latest_digest_delivery_time).into()
    })
    .column("latest_digest_delivery_error", Text, "The last digest delivery error.", |t, _| {
        t.status.as_ref().and_then(GetTrailStatusOutput::latest_digest_delivery_error).into()
    })
    .column("latest_notification_time", Timestamp, "When the SNS topic was last notified.", |t, _| {
        t.status.as_ref().and_then(GetTrailStatusOutput::latest_notification_time).into()
    })
    .column("latest_notification_error", Text, "The last SNS notification error.", |t, _| {
        t.status.as_ref().and_then(GetTrailStatusOutput::latest_notification_error).into()
    })
    .column(
        "event_selectors",
        Json,
        "[{ReadWriteType, IncludeManagementEvents, DataResources, ExcludeManagementEventSources}]; null with advanced selectors.",
        |t, _| t.selectors.as_ref().filter(|o| o.event_selectors.is_some()).map(event_selectors).into(),
    )
    .column(
        "advanced_event_selectors",
        Json,
        "[{Name, FieldSelectors: [{Field, Equals, StartsWith, ...}]}]; null with basic selectors.",
        |t, _| t.selectors.as_ref().filter(|o| o.advanced_event_selectors.is_some()).map(advanced_event_selectors).into(),
    )
    .column("insight_selectors", Json, "The Insights types logged: [{InsightType, EventCategories}]; null when off.", |t, _| {
        t.insight_selectors.as_ref().and_then(Option::as_ref).map(|selectors| {
            Value::from_iter(selectors.iter().map(|i| {
                let categories = i.event_categories().iter().map(|c| c.as_str());
                json!({"InsightType": s(i.insight_type()), "EventCategories": Value::from_iter(categories)})
            }))
        })
        .into()
    })
    .column("title", Text, "The trail's name.", |t, _| t.trail.name().into())
    .column("tags", Json, "The tags, as an object of key -> value.", |t, _| {
        t.tags.as_ref().map(|tags| tag_map(tags, |t| (t.key(), t.value()))).into()
    })
    .column("tags_src", Json, "The tags as AWS returns them: [{Key, Value}].", |t, _| {
        t.tags.as_ref().map(|tags| tag_list(tags, |t| (t.key(), t.value()))).into()
    })
    .build()
}

fn list(scan: ScanContext) -> Pages<CloudTrail> {
    let cloudtrail = client!(aws_sdk_cloudtrail, scan);
    single_page(async move {
        // Multi-region trails also show in every other region as shadows; one row each.
        let out = cloudtrail.describe_trails().include_shadow_trails(false).send().await?;
        Ok(out.trail_list.unwrap_or_default().into_iter().map(|trail| CloudTrail {
            trail,
            status: None,
            tags: None,
            selectors: None,
            insight_selectors: None,
        }).collect())
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
            trail.tags = Some(tags.unwrap_or_default());
        }
        Ok(trail)
    }
    .boxed()
}

fn event_selectors(out: &GetEventSelectorsOutput) -> Value {
    Value::from_iter(out.event_selectors().iter().map(|e| {
        let resources = e.data_resources().iter().map(|r| json!({"Type": r.r#type(), "Values": r.values()}));
        json!({
            "ReadWriteType": s(e.read_write_type()),
            "IncludeManagementEvents": e.include_management_events(),
            "DataResources": Value::from_iter(resources),
            "ExcludeManagementEventSources": e.exclude_management_event_sources(),
        })
    }))
}

fn advanced_event_selectors(out: &GetEventSelectorsOutput) -> Value {
    Value::from_iter(out.advanced_event_selectors().iter().map(|a| {
        let fields = a.field_selectors().iter().map(|f| {
            json!({
                "Field": f.field(),
                "Equals": f.equals(),
                "StartsWith": f.starts_with(),
                "EndsWith": f.ends_with(),
                "NotEquals": f.not_equals(),
                "NotStartsWith": f.not_starts_with(),
                "NotEndsWith": f.not_ends_with(),
            })
        });
        json!({"Name": a.name(), "FieldSelectors": Value::from_iter(fields)})
    }))
}

fn get_event_selectors(scan: ScanContext, mut trail: CloudTrail) -> BoxFuture<'static, Result<CloudTrail, FetchError>> {
    let cloudtrail = client!(aws_sdk_cloudtrail, scan);
    async move {
        if let Some(arn) = trail.trail.trail_arn() {
            trail.selectors = Some(cloudtrail.get_event_selectors().trail_name(arn).send().await?);
        }
        Ok(trail)
    }
    .boxed()
}

fn get_insight_selectors(scan: ScanContext, mut trail: CloudTrail) -> BoxFuture<'static, Result<CloudTrail, FetchError>> {
    let cloudtrail = client!(aws_sdk_cloudtrail, scan);
    async move {
        if let Some(arn) = trail.trail.trail_arn() {
            let result = cloudtrail.get_insight_selectors().trail_name(arn).send().await;
            let out = absent(result, &["InsightNotEnabledException"])?;
            trail.insight_selectors = Some(out.and_then(|o| o.insight_selectors));
        }
        Ok(trail)
    }
    .boxed()
}
