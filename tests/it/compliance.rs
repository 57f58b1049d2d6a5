//! Suppressions and baselines on the seeded org: muted alarms do not fail a run, expired
//! and unused rules are said, and a run against an earlier report tells new from known.

use serde_json::Value;

use crate::harness::{Faults, Run, cove, cove_with_env, faulty_endpoint, org};

const ORG: [&str; 3] = ["--org", "--regions", "us-east-1,eu-west-1"];

fn check(args: &[&str]) -> Run {
    cove(&[&ORG[..], &["check"], args].concat())
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("cove-compliance-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn report(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stderr))
}

/// (status, resource, change) of one control's results.
fn results(report: &Value, control: &str) -> Vec<(String, String, String)> {
    let control = report["controls"].as_array().unwrap().iter().find(|c| c["id"] == control).expect("control");
    let mut rows: Vec<_> = control["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let text = |key: &str| r[key].as_str().unwrap_or_default().to_string();
            (text("status"), text("resource"), text("change"))
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn suppressed_alarms_are_muted_with_their_reason_and_do_not_fail_the_run() {
    let dir = scratch("suppress");
    let rules = dir.join("suppress.toml");
    std::fs::write(
        &rules,
        r#"
[[suppress]]
control = "ec2_ami_*"
reason = "golden images are shared on purpose"
expires = "2999-12-31"

[[suppress]]
control = "ec2_ami_public"
reason = "an old exception"
expires = "2001-01-01"

[[suppress]]
resource = "arn:aws:s3:::no-such-bucket-*"
reason = "gone long ago"
expires = "2999-12-31"
"#,
    )
    .unwrap();
    let plain = check(&["-o", "json", "--control", "ec2_ami_public"]);
    assert_eq!(plain.code, 1, "the AMI alarms: {}", plain.stderr);
    let alarms: Vec<_> = results(&report(&plain), "ec2_ami_public").into_iter().filter(|r| r.0 == "alarm").collect();
    assert!(!alarms.is_empty());

    let muted = check(&["-o", "json", "--control", "ec2_ami_public", "--suppress", rules.to_str().unwrap()]);
    assert_eq!(muted.code, 0, "muted alarms do not fail the run: {}", muted.stderr);
    let rows = results(&report(&muted), "ec2_ami_public");
    assert!(rows.iter().all(|r| r.0 != "alarm"), "{rows:?}");
    assert_eq!(rows.iter().filter(|r| r.0 == "muted").count(), alarms.len());
    assert!(muted.stdout.contains("golden images are shared on purpose"), "the reason is reported");
    assert!(muted.stderr.contains("rule 2 expired on 2001-01-01 and no longer applies"), "{}", muted.stderr);
    assert!(muted.stderr.contains("rule 3 matched no alarm"), "{}", muted.stderr);
    assert!(!muted.stderr.contains("rule 1 matched no alarm"), "{}", muted.stderr);

    let table = check(&["--control", "ec2_ami_public", "--suppress", rules.to_str().unwrap()]);
    assert!(table.stdout.contains("MUTED") && table.stdout.contains("[muted until 2999-12-31: golden images"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_baseline_tells_new_alarms_from_known_ones_and_lists_the_resolved() {
    let dir = scratch("baseline");
    let before = dir.join("before.json");
    let control = ["--control", "iam_access_key_rotated"];
    let quiet = check(&[&control[..], &["--out", before.to_str().unwrap()]].concat());
    assert_eq!(quiet.code, 0, "no key is older than 90 days: {}", quiet.stderr);

    // Every key alarms when none may be older than 0 days: all new against the quiet run.
    let aged = [&control[..], &["--var", "max_key_age_days=0", "-o", "json"]].concat();
    let run = check(&[&aged[..], &["--baseline", before.to_str().unwrap()]].concat());
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = report(&run);
    let rows = results(&doc, "iam_access_key_rotated");
    assert_eq!(rows.len(), 6);
    assert!(rows.iter().all(|r| r.0 == "alarm" && r.2 == "new"), "{rows:?}");
    assert_eq!(
        doc["summary"]["baseline"],
        serde_json::json!({"new": 6, "unchanged": 0, "resolved": 0, "not_checked": 0})
    );

    // The same alarms against a report that had them: nothing new, and --fail-on new passes.
    let after = dir.join("after.json");
    std::fs::write(&after, &run.stdout).unwrap();
    let again = [&aged[..], &["--baseline", after.to_str().unwrap()]].concat();
    let run = check(&[&again[..], &["--fail-on", "new"]].concat());
    assert_eq!(run.code, 0, "no new alarm: {}", run.stderr);
    assert!(results(&report(&run), "iam_access_key_rotated").iter().all(|r| r.2 == "unchanged"));
    assert_eq!(check(&again).code, 1, "--fail-on any still fails on known alarms");

    // Back to the quiet run: the six are resolved.
    let run = check(&[&control[..], &["--baseline", after.to_str().unwrap()]].concat());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.matches("RESOLVED").count(), 6, "{}", run.stdout);
    assert!(
        run.stdout.contains("against the baseline: new 0, unchanged 0, resolved 6, not checked 0"),
        "{}",
        run.stdout
    );

    let broken = dir.join("broken.json");
    std::fs::write(&broken, "{}").unwrap();
    let run = check(&[&control[..], &["--baseline", broken.to_str().unwrap()]].concat());
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not a JSON report of cove check"), "{}", run.stderr);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn results_carry_the_account_name_and_ou_path() {
    let org = crate::harness::org();
    let run = check(&["-o", "json", "--control", "ec2_ami_public"]);
    let doc = report(&run);
    let control = doc["controls"].as_array().unwrap().iter().find(|c| c["id"] == "ec2_ami_public").unwrap();
    let prod = org.id("prod");
    let results: Vec<&Value> =
        control["results"].as_array().unwrap().iter().filter(|r| r["account_id"] == prod.as_str()).collect();
    assert!(!results.is_empty());
    for result in results {
        assert_eq!(
            (result["account_name"].as_str(), result["ou_path"].as_str()),
            (Some("prod"), Some("Root/Workloads/Prod"))
        );
    }
    let suspended = org.manifest["suspended"].as_str().expect("a suspended account");
    let note = format!("note: 1 account not ACTIVE, not scanned: {suspended} (SUSPENDED)");
    assert!(run.stderr.contains(&note), "{}", run.stderr);
    assert!(!run.stdout.contains(suspended), "the suspended account is not scanned");
}

#[test]
fn a_region_not_enabled_is_a_skip_never_a_silent_pass() {
    // Calls signed for eu-west-1 fail as they do in a region the account has not enabled.
    let endpoint = crate::harness::faulty_endpoint(crate::harness::Faults {
        failing_region: Some("eu-west-1".into()),
        ..Default::default()
    });
    let args = ["--org", "--regions", "all", "check", "-o", "json", "--control", "ec2_ami_public"];
    let run = crate::harness::cove_with_env(&args, &[("AWS_ENDPOINT_URL", &endpoint)]);
    let doc = report(&run);
    let rows = results(&doc, "ec2_ami_public");
    let skipped: Vec<_> = rows.iter().filter(|r| r.0 == "skip").collect();
    assert_eq!(skipped.len(), 4, "one per account in eu-west-1: {rows:?}");
    assert!(skipped.iter().all(|r| r.1.contains("/eu-west-1/aws_ec2_ami")), "{skipped:?}");
    assert!(rows.iter().all(|r| r.0 != "error"), "not an error either: {rows:?}");
    assert!(run.stdout.contains("region eu-west-1 is not enabled for account"), "{}", run.stdout);
}

/// Runs two controls with alarms in the seeded org in `format`.
fn two_controls(format: &str) -> Run {
    check(&["-o", format, "--control", "ec2_ami_public", "--control", "vpc_security_group_open_ssh"])
}

#[test]
fn security_hub_and_ocsf_reports_fill_their_required_fields() {
    let doc = report(&two_controls("json"));
    let all: Vec<&Value> =
        doc["controls"].as_array().unwrap().iter().flat_map(|c| c["results"].as_array().unwrap()).collect();
    let alarms = all.iter().filter(|r| r["status"] == "alarm").count();
    assert!(alarms >= 2);

    // ASFF: the attributes Security Hub's BatchImportFindings requires.
    let asff: Value = serde_json::from_str(&two_controls("asff").stdout).expect("ASFF is JSON");
    let findings = asff.as_array().expect("an array of findings");
    assert_eq!(findings.len(), alarms, "one finding per alarm");
    let required = [
        "AwsAccountId",
        "CreatedAt",
        "Description",
        "GeneratorId",
        "Id",
        "ProductArn",
        "Resources",
        "SchemaVersion",
        "Severity",
        "Title",
        "Types",
        "UpdatedAt",
    ];
    for finding in findings {
        for field in required {
            assert!(!finding[field].is_null(), "ASFF finding lacks {field}: {finding}");
        }
        assert_eq!(finding["SchemaVersion"], "2018-10-08");
        assert!(["LOW", "MEDIUM", "HIGH", "CRITICAL"].contains(&finding["Severity"]["Label"].as_str().unwrap()));
        assert!(finding["AwsAccountId"].as_str().unwrap().len() == 12);
        let resource = &finding["Resources"][0];
        assert!(resource["Type"].is_string() && resource["Id"].is_string(), "{resource}");
        let arn = finding["ProductArn"].as_str().unwrap();
        assert!(arn.starts_with("arn:aws:securityhub:") && arn.ends_with("/default"), "{arn}");
        assert!(chrono::DateTime::parse_from_rfc3339(finding["CreatedAt"].as_str().unwrap()).is_ok());
    }
    let ids: std::collections::BTreeSet<&str> = findings.iter().map(|f| f["Id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), findings.len(), "finding ids are unique");

    // OCSF Compliance Finding (class 2003): its required attributes, one per result.
    let ocsf: Value = serde_json::from_str(&two_controls("ocsf").stdout).expect("OCSF is JSON");
    let events = ocsf.as_array().expect("an array of events");
    assert_eq!(events.len(), all.len());
    let required = [
        "activity_id",
        "category_uid",
        "class_uid",
        "compliance",
        "finding_info",
        "metadata",
        "severity_id",
        "time",
        "type_uid",
    ];
    for event in events {
        for field in required {
            assert!(!event[field].is_null(), "OCSF event lacks {field}: {event}");
        }
        assert_eq!((event["class_uid"].as_i64(), event["type_uid"].as_i64()), (Some(2003), Some(200301)));
        assert!(event["finding_info"]["uid"].is_string() && event["finding_info"]["title"].is_string());
        assert!(event["metadata"]["product"]["name"].is_string() && event["metadata"]["version"].is_string());
        assert!(event["compliance"]["standards"].is_array(), "{event}");
        assert_eq!(event["cloud"]["provider"], "AWS");
    }
    let failing = events.iter().filter(|e| e["compliance"]["status"] == "Fail").count();
    assert_eq!(failing, alarms);
}

#[test]
fn brief_and_markdown_reports_show_what_needs_attention() {
    let brief = two_controls("brief");
    assert_eq!(brief.code, 1);
    assert!(brief.stdout.contains("ALARM") && !brief.stdout.contains("OK "), "{}", brief.stdout);
    assert!(!brief.stdout.contains("ok 1"), "no counts of what is fine: {}", brief.stdout);
    let markdown = two_controls("markdown");
    let text = &markdown.stdout;
    assert!(text.starts_with("## cove check\n"), "{text}");
    assert!(text.contains("| Control | Severity | Alarms | Errors | Title |"), "{text}");
    assert!(text.contains("### `ec2_ami_public`") && text.contains("- **alarm** `arn:aws:ec2:"), "{text}");
}

#[test]
fn a_benchmark_runs_its_controls_and_reports_its_tree() {
    let list = check(&["cis_v300", "--list"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert!(list.stdout.starts_with("cis_v300  CIS Amazon Web Services Foundations Benchmark v3.0.0\n"));
    assert!(list.stdout.contains("    2.1 Simple Storage Service (S3)\n      2.1.1    s3_bucket_enforces_ssl\n"));

    let run = check(&["cis_v300", "-o", "json"]);
    let doc = report(&run);
    let ids: Vec<&str> = doc["controls"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 50, "each control once, though 1.8 and 1.9 share one: {ids:?}");
    let tree = &doc["benchmarks"][0];
    assert_eq!(tree["id"], "cis_v300");
    let networking = tree["sections"].as_array().unwrap().iter().find(|s| s["number"] == "5").unwrap();
    assert_eq!(networking["items"].as_array().unwrap().len(), 7);
    assert!(networking["counts"]["alarm"].as_u64().unwrap() >= 1, "the open SSH group: {networking}");

    let table = check(&["cis_v300"]);
    assert!(table.stdout.contains(
        "\ncis_v300 CIS Amazon Web Services Foundations Benchmark v3.0.0\n  1 Identity and Access Management: ok"
    ));
    assert!(table.stdout.contains("\n    5.2      vpc_security_group_open_ssh: ok 8, alarm 1\n"), "{}", table.stdout);

    // A pack and a benchmark naming the same controls run each once.
    let both = check(&["aws", "cis_v300", "--list"]);
    assert_eq!(both.code, 0, "{}", both.stderr);
    assert_eq!(both.stdout.lines().filter(|l| l.starts_with("vpc_security_group_open_ssh ")).count(), 1);
}

#[test]
fn tags_select_controls_same_key_ored_different_keys_anded() {
    let ids = |args: &[&str]| -> Vec<String> {
        let run = check(&[args, &["--list"]].concat());
        assert_eq!(run.code, 0, "{}", run.stderr);
        let mut ids: Vec<String> =
            run.stdout.lines().map(|l| l.split_whitespace().next().unwrap().to_string()).collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&["--tag", "cis=5.2"]), ["vpc_security_group_open_rdp", "vpc_security_group_open_ssh"]);
    assert_eq!(ids(&["--tag", "cis=1.4", "--tag", "cis=1.5"]), ["iam_root_mfa_enabled", "iam_root_no_access_keys"]);
    assert_eq!(ids(&["--tag", "rds", "--tag", "public"]), ["rds_instance_not_public", "rds_snapshot_not_public"]);
    let none = check(&["--tag", "no-such-tag", "--list"]);
    assert_eq!((none.code, none.stderr.trim()), (2, "error: no control matches the filters"));
}

#[test]
fn the_html_report_opens_with_severities_a_heat_map_and_the_benchmark() {
    let run = check(&["cis_v300", "-o", "html"]);
    let html = &run.stdout;
    assert!(html.contains("<div class=\"glance\"><div class=\"tile sev-critical\"><b>"), "{html}");
    let heat = &html[html.find("<table class=\"heat\">").expect("a heat map")..];
    let heat = &heat[..heat.find("</table>").unwrap()];
    assert!(heat.contains("<th>5 Networking</th>"), "{heat}");
    let org = crate::harness::org();
    for name in ["dev", "staging", "prod"] {
        assert!(heat.contains(&format!("<td>{} {name}</td>", org.id(name))), "{name}: {heat}");
    }
    assert!(html.contains("<pre class=\"tree\">cis_v300 CIS Amazon Web Services Foundations Benchmark v3.0.0"));
    let tree = &html[html.find("<pre class=\"tree\">").unwrap()..];
    let tree = &tree[..tree.find("</pre>").unwrap()];
    assert!(tree.lines().count() > 10 && !tree.contains(r"\n"), "the tree keeps its lines: {tree}");
    assert!(!html.contains("http://") && !html.contains("https://"), "one self-contained file, no fetches");
}

#[test]
fn a_suppression_can_mute_everything_under_an_ou() {
    let org = crate::harness::org();
    let dir = scratch("suppress-ou");
    let rules = dir.join("ou.toml");
    let non_prod = org.manifest["ous"]["NonProd"].as_str().unwrap();
    let rule = format!("[[suppress]]\nous = [\"{non_prod}\"]\nreason = \"non-production\"\nexpires = \"2999-01-01\"\n");
    std::fs::write(&rules, rule).unwrap();
    let run =
        check(&["-o", "json", "--control", "ec2_instance_imdsv2_required", "--suppress", rules.to_str().unwrap()]);
    let doc = report(&run);
    let control = &doc["controls"][0];
    let by_status = |status: &str| -> std::collections::BTreeSet<String> {
        let results = control["results"].as_array().unwrap().iter().filter(|r| r["status"] == status);
        results.map(|r| r["account_name"].as_str().unwrap_or_default().to_string()).collect()
    };
    assert_eq!(by_status("muted"), ["dev", "staging"].map(String::from).into(), "{}", run.stdout);
    assert!(by_status("alarm").contains("prod") && !by_status("alarm").contains("dev"), "{}", run.stdout);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn cis_monitoring_controls_follow_filter_alarm_and_subscriber() {
    let org = org();
    let run = cove(&[
        "--org",
        "--regions",
        "us-east-1",
        "check",
        "cis_v300",
        "--tag",
        "cis=4.3",
        "--tag",
        "cis=4.1",
        "-o",
        "json",
    ]);
    assert_eq!(run.code, 1, "alarms fail the run: {}", run.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("a JSON report");
    let results = |control: &str| -> Vec<(String, String)> {
        let outcome = report["controls"].as_array().unwrap().iter().find(|c| c["id"] == control).expect(control);
        let mut results: Vec<(String, String)> = outcome["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["account_id"].as_str().unwrap().to_string(), r["status"].as_str().unwrap().to_string()))
            .collect();
        results.sort();
        results
    };
    // Only prod's multi-region trail sends to the log group its root-usage filter reads.
    let root = results("cloudwatch_alarm_root_usage");
    assert_eq!(root.len(), 4, "{root:?}");
    assert!(root.iter().all(|(account, status)| (status == "ok") == (*account == org.id("prod"))), "{root:?}");
    let unauthorized = results("cloudwatch_alarm_unauthorized_api_calls");
    assert!(unauthorized.len() == 4 && unauthorized.iter().all(|(_, s)| s == "alarm"), "{unauthorized:?}");
}

#[test]
fn fsbp_controls_judge_the_seeded_accounts() {
    let run = check(&["fsbp", "-o", "json"]);
    let doc = report(&run);
    let controls = doc["controls"].as_array().unwrap();
    assert_eq!(controls.len(), 97, "each FSBP item's control once");
    // moto answers GetBucketVersioning in a shape the SDK rejects (see check.rs); every
    // other control decides every resource.
    for control in controls.iter().filter(|c| c["id"] != "s3_bucket_versioning_enabled") {
        let errors: Vec<&Value> =
            control["results"].as_array().unwrap().iter().filter(|r| r["status"] == "error").collect();
        assert!(errors.is_empty(), "{}: {errors:?}", control["id"]);
    }
    // (control, the one member whose resources get the odd status, that status):
    // prod is the hardened account, dev the careless one.
    let org = org();
    let statuses = |control: &str| -> Vec<(String, String)> {
        let found = controls.iter().find(|c| c["id"] == control).unwrap_or_else(|| panic!("{control}"));
        let rows = found["results"].as_array().unwrap().iter();
        let mut pairs: Vec<(String, String)> = rows
            .map(|r| (r["account_id"].as_str().unwrap().to_string(), r["status"].as_str().unwrap().to_string()))
            .collect();
        pairs.sort();
        pairs.dedup();
        pairs
    };
    for (control, member, odd, usual) in [
        ("s3_account_public_access_block", "prod", "ok", "alarm"),
        ("dynamodb_table_point_in_time_recovery", "prod", "ok", "alarm"),
        ("efs_file_system_encrypted", "prod", "ok", "alarm"),
        ("ecr_repository_scan_on_push", "prod", "ok", "alarm"),
        ("rds_cluster_encrypted", "prod", "ok", "alarm"),
        ("neptune_cluster_encrypted", "prod", "ok", "alarm"),
        ("opensearch_domain_encrypted_at_rest", "prod", "ok", "alarm"),
        ("elasticache_replication_group_encrypted_at_rest", "prod", "ok", "alarm"),
        ("codebuild_project_privileged_mode_disabled", "dev", "alarm", "ok"),
        ("sagemaker_notebook_no_direct_internet", "dev", "alarm", "ok"),
        ("cloudfront_distribution_https_only", "dev", "alarm", "ok"),
    ] {
        let found = statuses(control);
        let members = ["dev", "staging", "prod"].map(|m| (org.id(m).to_string(), m));
        let expected: Vec<(String, String)> = members
            .iter()
            .filter(|(id, _)| found.iter().any(|(account, _)| account == id))
            .map(|(id, m)| (id.clone(), if *m == member { odd } else { usual }.to_string()))
            .collect();
        let of_members: Vec<(String, String)> =
            found.into_iter().filter(|(account, _)| members.iter().any(|(id, _)| id == account)).collect();
        let mut expected = expected;
        expected.sort();
        assert_eq!(of_members, expected, "{control}");
        assert_eq!(of_members.len(), 3, "{control}: every member judged");
    }
}

#[test]
fn cis_identity_controls_read_the_credential_report_and_policies() {
    let run = check(&[
        "--control",
        "iam_user_no_access_key_from_setup",
        "--control",
        "iam_root_not_used_recently",
        "--control",
        "iam_support_role_exists",
        "-o",
        "json",
    ]);
    let doc = report(&run);
    let org = org();
    let user = |member: &str, name: &str| format!("arn:aws:iam::{}:user/{name}", org.id(member));
    // The seed's console users each got a key they never used.
    let unused: Vec<String> = results(&doc, "iam_user_no_access_key_from_setup")
        .into_iter()
        .filter(|(status, ..)| status == "alarm")
        .map(|(_, resource, _)| resource)
        .collect();
    let mut expected = vec![user("dev", "alice"), user("staging", "carol"), user("prod", "dave")];
    expected.sort();
    assert_eq!(unused, expected);
    // moto's credential report has no root row: each account is a skip, never a silent pass.
    let root = results(&doc, "iam_root_not_used_recently");
    assert_eq!(root.len(), 4, "{root:?}");
    assert!(root.iter().all(|(status, resource, _)| status == "skip" && resource.ends_with(":root")), "{root:?}");
    let support = results(&doc, "iam_support_role_exists");
    assert!(support.len() == 4 && support.iter().all(|(status, ..)| status == "alarm"), "{support:?}");
}

#[test]
fn a_rule_naming_no_tag_is_refused_and_a_rule_muting_most_alarms_is_warned_about() {
    let dir = scratch("broad");
    let rules = dir.join("suppress.toml");
    std::fs::write(&rules, "[[suppress]]\ntags = {}\nreason = \"quiet\"\nexpires = \"2999-12-31\"\n").unwrap();
    let run = check(&["--control", "ec2_ami_public", "--suppress", rules.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("rule 1: tags = {} names no tag"), "{}", run.stderr);

    std::fs::write(&rules, "[[suppress]]\ncontrol = \"*\"\nreason = \"quiet\"\nexpires = \"2999-12-31\"\n").unwrap();
    let two = ["-o", "json", "--control", "ec2_ami_public", "--control", "vpc_security_group_open_ssh"];
    let alarms = report(&check(&two))["summary"]["alarm"].as_u64().unwrap();
    assert!(alarms > 1);
    let run = check(&[&two[..], &["--suppress", rules.to_str().unwrap()]].concat());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let warning = format!("rule 1 mutes {alarms} of the run's {alarms} alarms: make sure it is no broader than meant");
    assert!(run.stderr.contains(&warning), "{}", run.stderr);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn text_from_aws_cannot_break_a_report_or_the_terminal_showing_it() {
    let dir = scratch("hostile");
    let control = dir.join("hostile.sql");
    std::fs::write(
        &control,
        "-- id: hostile_text\n-- title: Any AWS text field can carry anything\n-- severity: high\n\
         SELECT 'res' || chr(0) || chr(27) || '[2J`<img src=x onerror=alert(1)>' AS resource, 'alarm' AS status,\n\
         'why' || chr(1) || chr(27) || '[31m' || chr(65534) || ' <script>alert(1)</script> ![x](http://e/x.png)' AS reason,\n\
         '111111111111' AS account_id, 'us-east-1' AS region\n",
    )
    .unwrap();
    let raw_reason = "why\u{1}\u{1b}[31m\u{fffe} <script>alert(1)</script> ![x](http://e/x.png)";
    let forbidden = |text: &str| text.chars().any(|c| (c.is_control() && !"\t\n\r".contains(c)) || c == '\u{fffe}');
    let run = |format: &str| {
        let run = cove(&["--regions", "us-east-1", "check", "-o", format, control.to_str().unwrap()]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        run.stdout
    };
    for format in ["table", "brief", "markdown", "junit", "html"] {
        let text = run(format);
        assert!(!forbidden(&text), "{format} carries raw control characters: {text:?}");
        assert!(text.contains(r"\u{1b}"), "{format} shows the escape, escaped: {text}");
    }
    let markdown = run("markdown");
    // Text is escaped; a resource is a code span fenced past its backticks, where nothing is HTML.
    assert!(!markdown.contains("<script>") && !markdown.contains("!["), "{markdown}");
    assert!(markdown.contains("&lt;script&gt;alert(1)&lt;/script&gt; \\!\\[x\\](http://e/x.png)"), "{markdown}");
    assert!(markdown.contains(r"- **alarm** ``res\u{0}\u{1b}[2J`<img src=x onerror=alert(1)>``: why"), "{markdown}");
    let html = run("html");
    assert!(!html.contains("<script>alert") && !html.contains("<img"), "{html}");

    let junit = dir.join("report.xml");
    std::fs::write(&junit, run("junit")).unwrap();
    let parse = "import sys, xml.etree.ElementTree as ET\n\
                 print(ET.parse(sys.argv[1]).getroot().find('.//failure').get('message'))";
    let out = std::process::Command::new("python3").args(["-c", parse, junit.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "an XML parser rejects the report: {}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with(r"why\u{1}\u{1b}[31m\u{fffe} <script>"));

    // JSON keeps the text as it is, escaped by JSON itself.
    let json = report(&cove(&["--regions", "us-east-1", "check", "-o", "json", control.to_str().unwrap()]));
    assert_eq!(json["controls"][0]["results"][0]["reason"], raw_reason);
    let asff: Value = serde_json::from_str(&run("asff")).expect("ASFF is JSON");
    assert_eq!(asff[0]["Description"], raw_reason);
    let ocsf: Value = serde_json::from_str(&run("ocsf")).expect("OCSF is JSON");
    assert_eq!(ocsf[0]["message"], raw_reason);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn baseline_alarms_where_the_run_did_not_look_are_not_checked_never_resolved() {
    let org = org();
    let (prod, staging) = (org.id("prod"), org.id("staging"));
    let dir = scratch("not-checked");
    let before = dir.join("before.json");
    let controls = [
        "--control",
        "ec2_ami_public",
        "--control",
        "vpc_security_group_open_ssh",
        "--control",
        "iam_access_key_rotated",
        "--var",
        "max_key_age_days=0",
    ];
    check(&[&controls[..], &["-o", "json", "--out", before.to_str().unwrap()]].concat());
    let baseline: Value = serde_json::from_str(&std::fs::read_to_string(&before).unwrap()).unwrap();
    let alarms: Vec<(String, String)> = baseline["controls"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["results"].as_array().unwrap())
        .filter(|r| r["status"] == "alarm")
        .map(|r| (r["account_id"].as_str().unwrap().to_string(), r["region"].as_str().unwrap().to_string()))
        .collect();
    let count = |keep: &dyn Fn(&(String, String)) -> bool| alarms.iter().filter(|a| keep(a)).count() as u64;
    let against = [&controls[..], &["-o", "json", "--baseline", before.to_str().unwrap(), "--fail-on", "new"]].concat();

    // A narrower scope: one account, one region. The rest was not looked at.
    let scope = ["--accounts", &prod, "--regions", "us-east-1", "check"];
    let run = cove(&[&scope[..], &against[..]].concat());
    assert_eq!(run.code, 0, "nothing new: {}", run.stderr);
    let looked =
        |(account, region): &(String, String)| *account == prod && ["us-east-1", "global"].contains(&&**region);
    let (seen, unseen) = (count(&looked), count(&|a| !looked(a)));
    assert!(seen > 0 && unseen > 0, "{alarms:?}");
    let want = serde_json::json!({"new": 0, "unchanged": seen, "resolved": 0, "not_checked": unseen});
    assert_eq!(report(&run)["summary"]["baseline"], want, "{}", run.stderr);
    let line = format!("against the baseline: new 0, unchanged {seen}, resolved 0, not checked {unseen}");
    assert!(run.stderr.contains(&line), "{}", run.stderr);

    // A denied account: its alarms are not checked, and the run fails as incomplete.
    let endpoint = faulty_endpoint(Faults { deny_assume_role: vec![staging.clone()], ..Faults::default() });
    let run = cove_with_env(&[&ORG[..], &["check"], &against[..]].concat(), &[("AWS_ENDPOINT_URL", &endpoint)]);
    assert_eq!(run.code, 2, "a failed account fails the run even with --fail-on new: {}", run.stderr);
    let denied = count(&|(account, _)| *account == staging);
    assert!(denied > 0, "{alarms:?}");
    let want = serde_json::json!({
        "new": 0, "unchanged": alarms.len() as u64 - denied, "resolved": 0, "not_checked": denied
    });
    assert_eq!(report(&run)["summary"]["baseline"], want, "{}", run.stderr);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn asff_batches_fit_security_hub_one_account_and_region_and_100_findings_a_call() {
    let dir = scratch("asff");
    let control = dir.join("many.sql");
    // 250 alarms in one account and region, two of them on roles whose path makes the Id
    // longer than Security Hub's 512 characters, differing only at the end.
    std::fs::write(
        &control,
        "-- id: many_alarms\n-- title: Many alarms in one account\n-- severity: low\n\
         SELECT CASE WHEN value < 3 THEN 'arn:aws:iam::111111111111:role/' || repeat('path/', 120) || value\n\
         ELSE 'r-' || value END AS resource, 'alarm' AS status, 'many' AS reason,\n\
         '111111111111' AS account_id, 'us-east-1' AS region FROM generate_series(1, 250)\n",
    )
    .unwrap();
    let run_args = ["aws", control.to_str().unwrap(), "--control", "many_alarms", "--control", "ec2_ami_public"];
    let whole: Value = serde_json::from_str(&check(&[&run_args[..], &["-o", "asff"]].concat()).stdout).unwrap();
    let whole = whole.as_array().unwrap();
    let id = |f: &Value| f["Id"].as_str().unwrap().to_string();
    let long: Vec<String> = whole.iter().map(id).filter(|i| i.contains("path/path/")).collect();
    assert_eq!(long.len(), 2);
    assert!(long.iter().all(|i| i.len() <= 512) && long[0] != long[1], "{long:?}");
    let again: Value = serde_json::from_str(&check(&[&run_args[..], &["-o", "asff"]].concat()).stdout).unwrap();
    assert_eq!(again.as_array().unwrap().iter().map(id).collect::<Vec<_>>(), whole.iter().map(id).collect::<Vec<_>>());

    let out = dir.join("findings");
    let run = check(&[&run_args[..], &["-o", "asff", "--out", &format!("{}/", out.display())]].concat());
    assert_eq!(run.code, 1, "{}", run.stderr);
    let mut imported = Vec::new();
    let mut accounts = std::collections::BTreeSet::new();
    for name in std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()) {
        let batch: Value = serde_json::from_str(&std::fs::read_to_string(out.join(&name)).unwrap()).unwrap();
        let batch = batch.as_array().unwrap().clone();
        assert!(!batch.is_empty() && batch.len() <= 100, "{name}: {} findings in one call", batch.len());
        let parts: Vec<&str> = name.split('.').collect();
        let (account, region) = (parts[0], parts[1]);
        for finding in &batch {
            // A default product ARN imports the caller's own findings, in the region called.
            let arn = finding["ProductArn"].as_str().unwrap();
            assert_eq!(finding["AwsAccountId"], account, "{name}");
            assert!(arn.starts_with(&format!("arn:aws:securityhub:{region}:{account}:product/{account}/")), "{arn}");
        }
        accounts.insert(account.to_string());
        imported.extend(batch);
    }
    assert!(accounts.len() >= 2, "{accounts:?}");
    let sizes: Vec<usize> = (1..=3)
        .map(|n| std::fs::read_to_string(out.join(format!("111111111111.us-east-1.{n}.json"))).unwrap())
        .map(|text| serde_json::from_str::<Value>(&text).unwrap().as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [100, 100, 50]);
    let ids = |findings: &[Value]| findings.iter().map(id).collect::<std::collections::BTreeSet<_>>();
    assert_eq!(ids(&imported), ids(whole), "every finding in exactly one batch");
    assert_eq!(imported.len(), whole.len());

    let run = check(&[&run_args[..], &["-o", "asff", "--out", out.to_str().unwrap()]].concat());
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("it is not empty"), "{}", run.stderr);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_documented_security_hub_import_loop_makes_calls_security_hub_takes() {
    let dir = scratch("import-loop");
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/compliance.md")).unwrap();
    let start = docs.find("```sh\nrm -rf findings").expect("the import loop in docs/compliance.md") + "```sh\n".len();
    let script = &docs[start..start + docs[start..].find("```").unwrap()];
    // `aws` answers as Security Hub would check each call: who, where, and how many.
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_cove"), bin.join("cove")).unwrap();
    let aws = bin.join("aws");
    std::fs::write(&aws, "#!/bin/sh\necho \"$@\" >> calls.log\n").unwrap();
    std::fs::set_permissions(&aws, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let out = std::process::Command::new("bash")
        .args(["-euc", script])
        .current_dir(&dir)
        .envs(cove::emulator::aws_env(&org().moto.endpoint))
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(out.status.success(), "under set -e too: {}", String::from_utf8_lossy(&out.stderr));
    let whole: Value = serde_json::from_str(&cove(&["check", "--org", "-o", "asff"]).stdout).unwrap();
    let mut imported = 0;
    for call in std::fs::read_to_string(dir.join("calls.log")).unwrap().lines() {
        let args: Vec<&str> = call.split(' ').collect();
        let [_, _, "--profile", account, "--region", region, "--findings", file] = args[..] else { panic!("{call}") };
        let text = std::fs::read_to_string(dir.join(file.trim_start_matches("file://"))).unwrap();
        let findings: Value = serde_json::from_str(&text).unwrap();
        let findings = findings.as_array().unwrap();
        assert!(!findings.is_empty() && findings.len() <= 100, "{call}: {} findings", findings.len());
        for finding in findings {
            let arn = finding["ProductArn"].as_str().unwrap();
            assert_eq!(finding["AwsAccountId"], account, "{call}");
            assert!(arn.starts_with(&format!("arn:aws:securityhub:{region}:{account}:")), "{call}: {arn}");
        }
        imported += findings.len();
    }
    assert_eq!(imported, whole.as_array().unwrap().len(), "every finding imported once");
    std::fs::remove_dir_all(dir).unwrap();
}
