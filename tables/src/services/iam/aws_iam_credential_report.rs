use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_iam::config::AsyncSleep;
use aws_sdk_iam::types::ReportStateType;
use aws_smithy_types::DateTime;

use crate::def::akas;
use crate::json::parse_time;
use crate::cell::Cell;
use crate::context::{ScanContext, client};
use crate::def::Def;
use crate::error::FetchError;
use crate::pages::{Pages, single_page};
use crate::schema::{Call, Kind, Scope};
use crate::table::Table;

/// One user's line of the report, by CSV header.
#[derive(Clone)]
pub struct ReportRow {
    fields: HashMap<String, String>,
    generated: Option<DateTime>,
}

/// How long to wait for IAM to finish a report it is generating.
const GENERATION_POLLS: u32 = 30;
const POLL_INTERVAL: Duration = Duration::from_secs(2);

/// (column, CSV field, kind, description). The report names the user `user` and its ARN `arn`.
const COLUMNS: &[(&str, &str, Kind, &str)] = &[
    ("user_name", "user", Kind::Text, "The user's name; the root user is '<root_account>'."),
    ("user_arn", "arn", Kind::Text, "The user's ARN."),
    ("user_creation_time", "user_creation_time", Kind::Timestamp, "When the user was created."),
    ("password_enabled", "password_enabled", Kind::Bool, "Whether the user has a console password."),
    ("password_last_used", "password_last_used", Kind::Timestamp, "When the password last signed in."),
    ("password_last_changed", "password_last_changed", Kind::Timestamp, "When the password was set."),
    ("password_next_rotation", "password_next_rotation", Kind::Timestamp, "When the password must change."),
    ("mfa_active", "mfa_active", Kind::Bool, "Whether the user has an MFA device."),
    ("access_key_1_active", "access_key_1_active", Kind::Bool, "Whether key 1 exists and is active."),
    ("access_key_1_last_rotated", "access_key_1_last_rotated", Kind::Timestamp, "When key 1 was created."),
    ("access_key_1_last_used_date", "access_key_1_last_used_date", Kind::Timestamp, "When key 1 was last used."),
    ("access_key_1_last_used_region", "access_key_1_last_used_region", Kind::Text, "Where key 1 was last used."),
    ("access_key_1_last_used_service", "access_key_1_last_used_service", Kind::Text, "What key 1 last called."),
    ("access_key_2_active", "access_key_2_active", Kind::Bool, "Whether key 2 exists and is active."),
    ("access_key_2_last_rotated", "access_key_2_last_rotated", Kind::Timestamp, "When key 2 was created."),
    ("access_key_2_last_used_date", "access_key_2_last_used_date", Kind::Timestamp, "When key 2 was last used."),
    ("access_key_2_last_used_region", "access_key_2_last_used_region", Kind::Text, "Where key 2 was last used."),
    ("access_key_2_last_used_service", "access_key_2_last_used_service", Kind::Text, "What key 2 last called."),
    ("cert_1_active", "cert_1_active", Kind::Bool, "Whether signing certificate 1 is active."),
    ("cert_1_last_rotated", "cert_1_last_rotated", Kind::Timestamp, "When certificate 1 was created."),
    ("cert_2_active", "cert_2_active", Kind::Bool, "Whether signing certificate 2 is active."),
    ("cert_2_last_rotated", "cert_2_last_rotated", Kind::Timestamp, "When certificate 2 was created."),
];

pub fn table() -> Table {
    let def = Def::new(
        "aws_iam_credential_report",
        "The IAM credential report: one row per user and one for the root user. Generated when missing or stale.",
        Scope::Global,
        Call::new("iam", "GenerateCredentialReport").then(Call::new("iam", "GetCredentialReport")),
        list,
    )
    .example("SELECT account_id, user_name FROM aws_iam_credential_report\nWHERE password_enabled AND NOT mfa_active");
    let def = COLUMNS.iter().fold(def, |def, &(column, field, kind, description)| {
        def.column(column, kind, description, move |row, _| cell(row, field, kind))
    });
    def.column("password_status", Kind::Text, "used, never_used, or not_set (no console password).", |row, _| {
        let field = |name: &str| row.fields.get(name).map(String::as_str);
        match (field("password_enabled"), field("password_last_used")) {
            (Some("false"), _) => "not_set".into(),
            (_, Some("no_information" | "N/A")) => "never_used".into(),
            (_, Some(_)) => "used".into(),
            _ => Cell::Null,
        }
    })
    .column("generated_time", Kind::Timestamp, "When the report was generated.", |row, _| row.generated.as_ref().into())
    .column("title", Kind::Text, "The user's name.", |row, _| cell(row, "user", Kind::Text))
    .column("akas", Kind::Json, "The user's ARN, as a one-element JSON array.", |row, _| akas(cell(row, "arn", Kind::Text)))
    .untagged()
    .build()
}

fn cell<'a>(row: &'a ReportRow, field: &str, kind: Kind) -> Cell<'a> {
    let Some(value) = row.fields.get(field) else { return Cell::Null };
    match kind {
        // Root's password is always on; the report says `not_supported`.
        Kind::Bool => Cell::Bool(matches!(value.as_str(), "true" | "not_supported")),
        // N/A, no_information, not_supported: no date.
        Kind::Timestamp => parse_time(value).as_ref().into(),
        _ if value == "N/A" => Cell::Null,
        _ => value.as_str().into(),
    }
}

fn list(scan: ScanContext) -> Pages<ReportRow> {
    let iam = client!(aws_sdk_iam, scan);
    let sleep = scan.target.config.sleep_impl();
    single_page(async move {
        // Generating is idempotent: IAM returns the current report if it is under four hours old.
        let mut polls = 0;
        loop {
            let state = iam.generate_credential_report().send().await?.state;
            if state == Some(ReportStateType::Complete) {
                break;
            }
            polls += 1;
            match &sleep {
                Some(sleep) if polls < GENERATION_POLLS => sleep.sleep(POLL_INTERVAL).await,
                _ => return Err(FetchError::new("ReportNotReady", "IAM did not finish the credential report in time")),
            }
        }
        let out = iam.get_credential_report().send().await?;
        let generated = out.generated_time;
        let content = out.content.map(|c| c.into_inner()).unwrap_or_default();
        let mut reader = csv::Reader::from_reader(content.as_slice());
        let headers = reader.headers().map_err(|e| FetchError::internal(format!("credential report: {e}")))?.clone();
        reader
            .records()
            .map(|record| {
                let record = record.map_err(|e| FetchError::internal(format!("credential report: {e}")))?;
                let fields = headers.iter().zip(record.iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect();
                Ok(ReportRow { fields, generated })
            })
            .collect()
    })
}
