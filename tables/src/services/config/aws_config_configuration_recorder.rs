use aws_sdk_config::types::{ConfigurationRecorder, ConfigurationRecorderStatus};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::{Value, json};

use crate::json::{s, time};
use crate::context::{ScanContext, client};
use crate::def::Def;
use crate::error::FetchError;
use crate::pages::{Pages, single_page};
use crate::schema::{Call, Kind::*, Scope};
use crate::table::Table;

#[derive(Clone)]
pub struct Recorder {
    recorder: ConfigurationRecorder,
    status: Option<ConfigurationRecorderStatus>,
}

pub fn table() -> Table {
    Def::new(
        "aws_config_configuration_recorder",
        "AWS Config configuration recorders, at most one per region.",
        Scope::Regional,
        Call::new("config", "DescribeConfigurationRecorders"),
        list,
    )
    .hydrate(
        Call::new("config", "DescribeConfigurationRecorderStatus"),
        &["status", "status_recording", "status_last_status"],
        describe_status,
    )
    .example(
        "SELECT r.account_id, r.name AS region\n\
         FROM aws_region r LEFT JOIN aws_config_configuration_recorder c\n\
           ON c.account_id = r.account_id AND c.region = r.name AND c.status_recording\n\
         WHERE c.name IS NULL",
    )
    .column("name", Text, "The recorder's name.", |r, _| r.recorder.name().into())
    .column("arn", Text, "The ARN of the recorder.", |r, t| {
        r.recorder
            .name()
            .map(|name| format!("arn:{}:config:{}:{}:config-recorder/{name}", t.partition, t.region, t.account_id))
            .into()
    })
    .column("role_arn", Text, "The role the recorder uses.", |r, _| r.recorder.role_arn().into())
    .column(
        "recording_group",
        Json,
        "What it records: {AllSupported, IncludeGlobalResourceTypes, ResourceTypes}.",
        |r, _| {
            r.recorder
                .recording_group()
                .map(|g| {
                    json!({
                        "AllSupported": g.all_supported(),
                        "IncludeGlobalResourceTypes": g.include_global_resource_types(),
                        "ResourceTypes": Value::from_iter(g.resource_types().iter().map(|t| t.as_str().to_string())),
                    })
                })
                .into()
        },
    )
    .column("recording_mode", Text, "How often changes are recorded by default: CONTINUOUS or DAILY.", |r, _| {
        crate::cell::text(r.recorder.recording_mode().map(|m| m.recording_frequency()))
    })
    .column("status_recording", Bool, "Whether it is recording now.", |r, _| {
        r.status.as_ref().map(|s| s.recording()).into()
    })
    .column("status_last_status", Text, "Pending, Success or Failure.", |r, _| {
        crate::cell::text(r.status.as_ref().and_then(|s| s.last_status()))
    })
    .column(
        "status",
        Json,
        "{Recording, LastStatus, LastStartTime, LastStopTime, LastErrorCode, LastErrorMessage}.",
        |r, _| {
            r.status
                .as_ref()
                .map(|st| {
                    json!({
                        "Recording": st.recording(),
                        "LastStatus": s(st.last_status()),
                        "LastStartTime": time(st.last_start_time()),
                        "LastStopTime": time(st.last_stop_time()),
                        "LastErrorCode": st.last_error_code(),
                        "LastErrorMessage": st.last_error_message(),
                    })
                })
                .into()
        },
    )
    .column("title", Text, "The recorder's name.", |r, _| r.recorder.name().into())
    .untagged()
    .build()
}

fn list(scan: ScanContext) -> Pages<Recorder> {
    let config = client!(aws_sdk_config, scan);
    single_page(async move {
        let out = config.describe_configuration_recorders().send().await?;
        let recorders = out.configuration_recorders.unwrap_or_default().into_iter();
        Ok(recorders.map(|recorder| Recorder { recorder, status: None }).collect())
    })
}

fn describe_status(scan: ScanContext, mut recorder: Recorder) -> BoxFuture<'static, Result<Recorder, FetchError>> {
    let config = client!(aws_sdk_config, scan);
    async move {
        if let Some(name) = recorder.recorder.name() {
            let out = config.describe_configuration_recorder_status().configuration_recorder_names(name).send().await?;
            recorder.status = out.configuration_recorders_status.unwrap_or_default().into_iter().next();
        }
        Ok(recorder)
    }
    .boxed()
}
