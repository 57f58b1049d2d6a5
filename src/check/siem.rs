//! A check run's results for the tools security teams feed: AWS Security Hub's finding
//! format (ASFF, one finding per alarm) and OCSF's Compliance Finding class (one per
//! result), both JSON.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::control::{Control, Severity};
use super::runner::{Finding, Outcome, Status};

/// When and where a run happened, as these formats need to say.
pub struct Stamp {
    pub at: chrono::DateTime<chrono::Utc>,
    pub partition: String,
    /// Where global resources are reported, as a region is required.
    pub home_region: String,
}

/// The version of the AWS Security Finding Format written.
const ASFF_SCHEMA: &str = "2018-10-08";
/// The OCSF schema version written.
const OCSF_VERSION: &str = "1.1.0";

fn label(severity: Severity) -> &'static str {
    match severity {
        Severity::Low => "LOW",
        Severity::Medium => "MEDIUM",
        Severity::High => "HIGH",
        Severity::Critical => "CRITICAL",
    }
}

/// A region Security Hub accepts: global resources are reported in the home region.
fn region<'a>(finding: &'a Finding, stamp: &'a Stamp) -> &'a str {
    match finding.region.as_str() {
        "" | "global" => &stamp.home_region,
        region => region,
    }
}

/// The longest finding `Id` Security Hub takes.
const MAX_ID: usize = 512;
/// The most findings one `BatchImportFindings` call takes.
const MAX_PER_CALL: usize = 100;

/// A finding's `Id`, the same in every run so a re-import updates it: the control, account,
/// region and resource, with a digest in place of the tail when that is too long.
fn finding_id(control: &str, account: &str, region: &str, resource: &str) -> String {
    let id = format!("cove/{control}/{account}/{region}/{resource}");
    if id.len() <= MAX_ID {
        return id;
    }
    let digest = format!("{:x}", Sha256::digest(id.as_bytes()));
    let mut head = MAX_ID - digest.len() - 1;
    while !id.is_char_boundary(head) {
        head -= 1;
    }
    format!("{}#{digest}", &id[..head])
}

/// Security Hub findings for the unmuted alarms, as `batch-import-findings` takes them.
pub fn asff(outcomes: &[Outcome], stamp: &Stamp) -> Value {
    let at = stamp.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let partition = &stamp.partition;
    let findings: Vec<Value> = outcomes
        .iter()
        .flat_map(|o| o.findings.iter().filter(|f| f.status == Status::Alarm).map(move |f| (&o.control, f)))
        .map(|(control, f)| {
            let region = region(f, stamp);
            let account = &f.account_id;
            let mut finding = json!({
                "SchemaVersion": ASFF_SCHEMA,
                "Id": finding_id(&control.id, account, &f.region, &f.resource),
                "ProductArn": format!("arn:{partition}:securityhub:{region}:{account}:product/{account}/default"),
                "GeneratorId": format!("cove/{}", control.id),
                "AwsAccountId": account,
                "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
                "CreatedAt": at,
                "UpdatedAt": at,
                "Severity": {"Label": label(control.severity)},
                "Title": truncate(&control.title, 256),
                "Description": truncate(&f.reason, 1024),
                "Resources": [{"Type": "Other", "Id": f.resource, "Partition": partition, "Region": region}],
                "Compliance": {"Status": "FAILED"},
                "RecordState": "ACTIVE",
                "Workflow": {"Status": "NEW"},
                "ProductFields": {"cove/control": control.id, "cove/source": control.source},
            });
            if let Some(remediation) = &control.remediation {
                finding["Remediation"] = json!({"Recommendation": {"Text": truncate(remediation, 512)}});
            }
            finding
        })
        .collect();
    Value::Array(findings)
}

/// A directory for ASFF batches, made if missing. One left with files is refused: a batch
/// of an earlier run would be imported again with this run's.
pub fn batch_directory(path: &Path) -> Result<PathBuf, String> {
    let cannot = |e: std::io::Error| format!("cannot write ASFF batches into {}: {e}", path.display());
    std::fs::create_dir_all(path).map_err(cannot)?;
    if std::fs::read_dir(path).map_err(cannot)?.next().is_some() {
        return Err(format!(
            "cannot write ASFF batches into {}: it is not empty (an earlier run's batches would be imported again)",
            path.display()
        ));
    }
    Ok(path.to_path_buf())
}

/// `findings` as `BatchImportFindings` calls can take them: one account and region per
/// batch (a default product ARN imports only the caller's own findings, in its region),
/// at most 100 findings each, named `ACCOUNT.REGION.N.json`.
pub fn batches(findings: Value) -> Vec<(String, Value)> {
    let mut groups: std::collections::BTreeMap<(String, String), Vec<Value>> = Default::default();
    for finding in findings.as_array().into_iter().flatten() {
        let text = |value: &Value| value.as_str().unwrap_or_default().to_string();
        let region = text(&finding["ProductArn"]).split(':').nth(3).unwrap_or_default().to_string();
        groups.entry((text(&finding["AwsAccountId"]), region)).or_default().push(finding.clone());
    }
    groups
        .into_iter()
        .flat_map(|((account, region), findings)| {
            let chunks: Vec<Value> = findings.chunks(MAX_PER_CALL).map(|c| Value::from(c.to_vec())).collect();
            chunks.into_iter().enumerate().map(move |(n, c)| (format!("{account}.{region}.{}.json", n + 1), c))
        })
        .collect()
}

fn truncate(text: &str, chars: usize) -> String {
    text.chars().take(chars).collect()
}

/// OCSF Compliance Findings (class 2003), one per result.
pub fn ocsf(outcomes: &[Outcome], stamp: &Stamp) -> Value {
    let findings: Vec<Value> = outcomes
        .iter()
        .flat_map(|o| o.findings.iter().map(move |f| (&o.control, f)))
        .map(|(control, f)| ocsf_finding(control, f, stamp))
        .collect();
    Value::Array(findings)
}

fn ocsf_finding(control: &Control, f: &Finding, stamp: &Stamp) -> Value {
    // compliance.status_id: 1 Pass, 2 Warning, 3 Fail, 0 Unknown.
    let (compliance, compliance_id) = match f.status {
        Status::Ok => ("Pass", 1),
        Status::Alarm | Status::Muted => ("Fail", 3),
        Status::Info => ("Warning", 2),
        Status::Skip | Status::Error => ("Unknown", 0),
    };
    // status_id: 1 New, 3 Suppressed.
    let (status, status_id) = if f.status == Status::Muted { ("Suppressed", 3) } else { ("New", 1) };
    let (severity, severity_id) = match control.severity {
        Severity::Low => ("Low", 2),
        Severity::Medium => ("Medium", 3),
        Severity::High => ("High", 4),
        Severity::Critical => ("Critical", 5),
    };
    json!({
        "activity_id": 1,
        "activity_name": "Create",
        "category_uid": 2,
        "category_name": "Findings",
        "class_uid": 2003,
        "class_name": "Compliance Finding",
        "type_uid": 200301,
        "type_name": "Compliance Finding: Create",
        "time": stamp.at.timestamp_millis(),
        "severity_id": severity_id,
        "severity": severity,
        "status_id": status_id,
        "status": status,
        "message": f.reason,
        "finding_info": {
            "uid": format!("cove/{}/{}/{}/{}", control.id, f.account_id, f.region, f.resource),
            "title": control.title,
            "desc": f.reason,
        },
        "compliance": {
            "control": control.id,
            "standards": control.tags,
            "status": compliance,
            "status_id": compliance_id,
        },
        "metadata": {
            "version": OCSF_VERSION,
            "product": {"name": "cove", "vendor_name": "cove", "version": env!("CARGO_PKG_VERSION")},
        },
        "cloud": {"provider": "AWS", "account": {"uid": f.account_id}, "region": region(f, stamp)},
        "resources": [{"uid": f.resource}],
        "unmapped": {"cove_status": f.status.name()},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_id_keeps_its_head_and_ends_in_a_digest_of_the_whole() {
        let role = |tail: &str| format!("arn:aws:iam::111111111111:role/{}{tail}", "é/".repeat(200));
        let (a, b) = (
            finding_id("c", "111111111111", "global", &role("a")),
            finding_id("c", "111111111111", "global", &role("b")),
        );
        assert!(a.len() <= MAX_ID && b.len() <= MAX_ID, "{} {}", a.len(), b.len());
        assert!(a.starts_with("cove/c/111111111111/global/arn:aws:iam::111111111111:role/é/"));
        assert_ne!(a, b, "the digest tells ids apart that differ past the cut");
        assert_eq!(a, finding_id("c", "111111111111", "global", &role("a")), "the same in every run");
        assert_eq!(finding_id("c", "1", "r", "x"), "cove/c/1/r/x");
    }
}
