//! `cove check`: the built-in pack's findings on the seeded org, reports, shared scans,
//! and how malformed controls are refused.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

use crate::harness::{Run, cove, org};

const ORG: [&str; 3] = ["--org", "--regions", "us-east-1,eu-west-1"];

fn check(args: &[&str]) -> Run {
    cove(&[&ORG[..], &["check"], args].concat())
}

/// control id -> status -> resources.
type Findings = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

fn findings(run: &Run) -> Findings {
    let report: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stderr));
    let mut out = Findings::new();
    for control in report["controls"].as_array().expect("controls") {
        let statuses = out.entry(control["id"].as_str().unwrap().to_string()).or_default();
        for result in control["results"].as_array().unwrap() {
            let status = result["status"].as_str().unwrap().to_string();
            statuses.entry(status).or_default().insert(result["resource"].as_str().unwrap().to_string());
        }
    }
    out
}

fn set(items: impl IntoIterator<Item = String>) -> BTreeSet<String> {
    items.into_iter().collect()
}

/// Asserts a control's findings: the exact resources per status, no other statuses.
fn expect(found: &Findings, id: &str, expected: &[(&str, BTreeSet<String>)]) {
    let actual = found.get(id).unwrap_or_else(|| panic!("no control {id}"));
    let expected: BTreeMap<String, BTreeSet<String>> =
        expected.iter().filter(|(_, r)| !r.is_empty()).map(|(s, r)| (s.to_string(), r.clone())).collect();
    assert_eq!(actual, &expected, "{id}");
}

/// Asserts a control's counts per status.
fn expect_counts(found: &Findings, id: &str, expected: &[(&str, usize)]) {
    let actual: BTreeMap<&str, usize> =
        found.get(id).unwrap_or_else(|| panic!("no control {id}")).iter().map(|(s, r)| (s.as_str(), r.len())).collect();
    let expected: BTreeMap<&str, usize> = expected.iter().copied().filter(|(_, n)| *n > 0).collect();
    assert_eq!(actual, expected, "{id}");
}

fn arn(service: &str, region: &str, account: &str, resource: &str) -> String {
    format!("arn:aws:{service}:{region}:{account}:{resource}")
}

/// (account, region, instance id, running) for every seeded instance.
fn instances() -> Vec<(String, String, String, bool)> {
    org()
        .members()
        .iter()
        .flat_map(|m| {
            let account = m["id"].as_str().unwrap().to_string();
            m["instances"].as_object().unwrap().iter().flat_map(move |(region, list)| {
                let account = account.clone();
                list.as_array().unwrap().iter().map(move |i| {
                    let id = i["id"].as_str().unwrap().to_string();
                    (account.clone(), region.clone(), id, i["state"] == "running")
                })
            })
        })
        .collect()
}

fn instance_arns(filter: impl Fn(&(String, String, String, bool)) -> bool) -> BTreeSet<String> {
    instances().iter().filter(|i| filter(i)).map(|(a, r, id, _)| arn("ec2", r, a, &format!("instance/{id}"))).collect()
}

fn bucket(member: &str, index: usize) -> String {
    format!("arn:aws:s3:::{}", org().member(member)["buckets"][index]["name"].as_str().unwrap())
}

fn bad(member: &str, key: &str) -> String {
    org().member(member)["bad"][key].as_str().unwrap().to_string()
}

fn accounts() -> Vec<String> {
    let org = org();
    std::iter::once(org.management()).chain(["dev", "staging", "prod"].map(|m| org.id(m))).collect()
}

#[test]
fn the_builtin_pack_finds_exactly_what_was_seeded() {
    let run = check(&["-o", "json"]);
    assert_eq!(run.code, 1, "alarms exit 1: {}", run.stderr);
    let found = findings(&run);
    assert!(found.len() >= 30, "{} controls", found.len());
    let (dev, staging, prod) = (org().id("dev"), org().id("staging"), org().id("prod"));

    let running = instance_arns(|i| i.3);
    let stopped = instance_arns(|i| !i.3);
    let all = instance_arns(|_| true);
    expect(&found, "ec2_instance_public_ip", &[("alarm", running.clone()), ("ok", stopped.clone())]);
    expect(&found, "ec2_instance_imdsv2_required", &[("alarm", all.clone())]);
    expect(&found, "ec2_instance_iam_profile_attached", &[("alarm", all.clone())]);
    expect(&found, "ec2_instance_required_tags", &[("ok", all.clone())]);
    expect(
        &found,
        "ec2_instance_public_ip_in_development_account",
        &[
            ("alarm", instance_arns(|i| i.0 == dev && i.3)),
            ("ok", instance_arns(|i| i.0 == dev && !i.3)),
            ("skip", instance_arns(|i| i.0 != dev)),
        ],
    );
    expect_counts(&found, "ebs_volume_encrypted", &[("alarm", all.len())]);
    let snapshot = |account: &str, id: String| arn("ec2", "us-east-1", account, &format!("snapshot/{id}"));
    let public_snapshot = snapshot(&dev, bad("dev", "public_snapshot"));
    let shared_snapshot = snapshot(&prod, bad("prod", "shared_snapshot"));
    let snapshots = &found["ebs_snapshot_public"];
    assert_eq!(snapshots["alarm"], set([public_snapshot.clone()]));
    assert!(snapshots["ok"].contains(&shared_snapshot) && snapshots["ok"].len() == 3, "{snapshots:?}");
    let shared = &found["ebs_snapshot_shared_outside_organization"];
    assert_eq!(shared["alarm"], set([shared_snapshot]));
    assert!(shared["ok"].contains(&public_snapshot) && shared["ok"].len() == 3, "{shared:?}");
    let image = |account: &str, id: String| arn("ec2", "us-east-1", account, &format!("image/{id}"));
    expect(
        &found,
        "ec2_ami_public",
        &[
            ("alarm", set([image(&staging, bad("staging", "public_image"))])),
            ("ok", set([image(&prod, bad("prod", "private_image"))])),
        ],
    );
    let groups = &found["vpc_security_group_open_ssh"];
    assert_eq!(groups["alarm"].len(), 1);
    assert!(groups["alarm"].iter().all(|g| g.ends_with(&bad("dev", "open_ssh_group"))), "{groups:?}");
    assert_eq!(groups["ok"].len(), 8, "the eight default groups");
    expect_counts(&found, "vpc_security_group_open_rdp", &[("ok", 9)]);
    expect_counts(&found, "vpc_security_group_open_all_ports", &[("ok", 9)]);
    expect_counts(&found, "vpc_default_security_group_closed", &[("alarm", 8)]);
    expect_counts(&found, "vpc_subnet_auto_assign_public_ip_disabled", &[("alarm", 36)]);

    let buckets: BTreeSet<String> =
        ["dev", "staging", "prod"].iter().flat_map(|m| [bucket(m, 0), bucket(m, 1)]).collect();
    let prod_buckets = set([bucket("prod", 0), bucket("prod", 1)]);
    let others = |keep: &BTreeSet<String>| set(buckets.difference(keep).cloned());
    let public_acl = set([bucket("dev", 0)]);
    let public_policy = set([bucket("staging", 0)]);
    expect(&found, "s3_bucket_public_acl", &[("alarm", public_acl.clone()), ("ok", others(&public_acl))]);
    expect(&found, "s3_bucket_public_policy", &[("alarm", public_policy.clone()), ("ok", others(&public_policy))]);
    expect(&found, "s3_bucket_public_access_block", &[("alarm", others(&prod_buckets)), ("ok", prod_buckets.clone())]);
    expect(&found, "s3_bucket_default_encryption", &[("alarm", others(&prod_buckets)), ("ok", prod_buckets.clone())]);
    expect(&found, "s3_bucket_access_logging", &[("alarm", buckets.clone())]);
    expect(&found, "s3_bucket_enforces_ssl", &[("alarm", buckets.clone())]);
    // moto 5.2.1 answers GetBucketVersioning with a root element the SDK rejects: the
    // control reports each bucket it cannot judge and the failed call per account, and
    // the other S3 controls, sharing the scan, are unaffected.
    let failed = ["dev", "staging", "prod"].map(|m| format!("{}/us-east-1/aws_s3_bucket", org().id(m)));
    expect(&found, "s3_bucket_versioning_enabled", &[("error", set(buckets.iter().cloned().chain(failed)))]);

    let user = |member: &str, name: &str| format!("arn:aws:iam::{}:user/{name}", org().id(member));
    let users: BTreeSet<String> =
        [("dev", "alice"), ("dev", "bob"), ("staging", "carol"), ("prod", "dave"), ("prod", "erin"), ("prod", "frank")]
            .map(|(m, u)| user(m, u))
            .into();
    let console = set([user("dev", "alice"), user("staging", "carol"), user("prod", "dave")]);
    let alice = set([user("dev", "alice")]);
    let bob = set([user("dev", "bob")]);
    expect(&found, "iam_user_console_mfa", &[("alarm", alice.clone()), ("ok", set(users.difference(&alice).cloned()))]);
    expect(
        &found,
        "iam_user_console_inactive",
        &[("ok", console.clone()), ("skip", set(users.difference(&console).cloned()))],
    );
    expect(
        &found,
        "iam_user_no_direct_policies",
        &[("alarm", bob.clone()), ("ok", set(users.difference(&bob).cloned()))],
    );
    expect_counts(&found, "iam_access_key_rotated", &[("ok", 6)]);
    expect_counts(&found, "iam_access_key_unused", &[("ok", 6)]);
    let read_objects = format!("arn:aws:iam::{prod}:policy/read-objects");
    expect(
        &found,
        "iam_policy_no_star_star",
        &[("alarm", set([bad("dev", "admin_policy")])), ("ok", set([read_objects]))],
    );
    let open_trust = set([format!("arn:aws:iam::{dev}:role/open-trust")]);
    let roles = &found["iam_role_trust_public"];
    assert_eq!((&roles["alarm"], roles["ok"].len()), (&open_trust, 6), "{roles:?}");
    expect_counts(&found, "iam_role_trust_outside_organization", &[("ok", 7)]);
    let roots: BTreeSet<String> = accounts().iter().map(|a| format!("arn:aws:iam::{a}:root")).collect();
    expect(&found, "iam_root_mfa_enabled", &[("alarm", roots.clone())]);
    expect(&found, "iam_root_hardware_mfa", &[("alarm", roots.clone())]);
    expect(&found, "iam_root_no_access_keys", &[("ok", roots)]);
    let policy = |a: &str| format!("arn:aws:iam::{a}:account-password-policy");
    let weak: BTreeSet<String> = accounts().iter().filter(|a| **a != prod).map(|a| policy(a)).collect();
    expect(&found, "iam_password_policy_strong", &[("alarm", weak), ("ok", set([policy(&prod)]))]);

    let rds = |account: &str, kind: &str, id: &str| arn("rds", "us-east-1", account, &format!("{kind}:{id}"));
    let (public_db, private_db) = (set([rds(&prod, "db", "prod-db")]), set([rds(&staging, "db", "staging-db")]));
    expect(&found, "rds_instance_not_public", &[("alarm", public_db.clone()), ("ok", private_db.clone())]);
    expect(&found, "rds_instance_encrypted", &[("alarm", public_db), ("ok", private_db)]);
    let rds_snapshots = &found["rds_snapshot_not_public"];
    assert_eq!(rds_snapshots["alarm"], set([rds(&prod, "snapshot", "prod-db-public")]));
    assert!(rds_snapshots["ok"].contains(&rds(&staging, "snapshot", "staging-db-manual")));
    assert_eq!(rds_snapshots["ok"].len(), 3, "and the two automated snapshots: {rds_snapshots:?}");
    let function = |account: &str, name: &str| arn("lambda", "us-east-1", account, &format!("function:{name}"));
    expect(
        &found,
        "lambda_function_not_public",
        &[("alarm", set([function(&dev, "public-fn")])), ("ok", set([function(&prod, "private-fn")]))],
    );
    let cluster = |account: &str, name: &str| arn("redshift", "us-east-1", account, &format!("cluster:{name}"));
    expect(
        &found,
        "redshift_cluster_not_public",
        &[("alarm", set([cluster(&staging, "staging-warehouse")])), ("ok", set([cluster(&prod, "prod-warehouse")]))],
    );
    let account = |a: &str| format!("arn:aws:::{a}");
    let without_trail: BTreeSet<String> = accounts().iter().filter(|a| **a != prod).map(|a| account(a)).collect();
    expect(&found, "cloudtrail_multi_region_logging", &[("alarm", without_trail), ("ok", set([account(&prod)]))]);
    let keys = &found["kms_key_rotation_enabled"];
    assert_eq!((keys["alarm"].len(), keys["ok"].len()), (1, 1), "{keys:?}");
    assert!(keys["alarm"].iter().all(|k| k.contains(&dev)) && keys["ok"].iter().all(|k| k.contains(&prod)));
    let recorder = |a: &str, r: &str| format!("arn:aws:config:{r}:{a}:config-recorder");
    let recording = set([recorder(&prod, "us-east-1")]);
    let all_regions: BTreeSet<String> =
        accounts().iter().flat_map(|a| [recorder(a, "us-east-1"), recorder(a, "eu-west-1")]).collect();
    expect(
        &found,
        "config_recorder_enabled",
        &[("alarm", set(all_regions.difference(&recording).cloned())), ("ok", recording)],
    );
}

#[test]
fn every_control_of_a_run_shares_each_scan() {
    let pack = check(&["-o", "json"]);
    let alone = check(&["-o", "json", "--control", "ec2_instance_public_ip"]);
    assert_eq!(alone.code, 1);
    let instances = |run: &Run| run.calls("DescribeInstances").len();
    assert_eq!(instances(&alone), 8, "one call per account and region");
    assert_eq!(instances(&pack), instances(&alone), "five instance controls, one scan");
    // Controls needing different columns of a table share one scan making every call they
    // need: each bucket's policy is read once though three controls read it.
    for operation in ["GetBucketLocation", "GetBucketPolicy", "GetBucketAcl", "GetPublicAccessBlock"] {
        assert_eq!(pack.calls(operation).len(), 6, "{operation}: once per bucket");
    }
    assert_eq!(pack.calls("ListBuckets").len(), 4, "once per account");
}

#[test]
fn variables_and_filters_select_and_shape_controls() {
    let tags =
        check(&["-o", "json", "--control", "ec2_instance_required_tags", "--var", "required_tags=Owner,CostCenter"]);
    let found = findings(&tags);
    assert_eq!(found.len(), 1);
    expect(&found, "ec2_instance_required_tags", &[("alarm", instance_arns(|_| true))]);
    assert!(tags.stdout.contains("is missing tags: CostCenter."), "{}", tags.stdout);

    let aged = check(&["-o", "json", "--control", "iam_access_key_rotated", "--var", "max_key_age_days=0"]);
    expect_counts(&findings(&aged), "iam_access_key_rotated", &[("alarm", 6)]);

    let everything = check(&["--list"]);
    everything.assert_ok();
    for benchmark in ["benchmark cis_v300 (", "benchmark fsbp ("] {
        assert!(everything.stdout.lines().any(|l| l.starts_with(benchmark)), "{}", everything.stdout);
    }
    let critical = check(&["--list", "--severity", "critical"]);
    critical.assert_ok();
    assert!(critical.stdout.lines().count() >= 10);
    assert!(critical.stdout.lines().all(|l| l.split_whitespace().nth(1) == Some("critical")), "{}", critical.stdout);
    let high_or_worse = check(&["--list", "--severity", "high+"]);
    assert!(high_or_worse.stdout.lines().all(|l| matches!(l.split_whitespace().nth(1), Some("high" | "critical"))));
    assert!(high_or_worse.stdout.lines().count() > critical.stdout.lines().count());

    let clean = check(&["--control", "iam_root_no_access_keys"]);
    assert_eq!(clean.code, 0, "nothing alarms: {}", clean.stderr);
    assert!(clean.stdout.contains("1 control: ok 4, alarm 0, muted 0, skip 0, info 0, error 0"), "{}", clean.stdout);

    let unknown = check(&["--control", "no_such_control"]);
    assert_eq!(
        (unknown.code, unknown.stderr.trim()),
        (2, "error: no control has the id no_such_control (see cove check --list)")
    );
    assert!(unknown.requests.is_empty());
}

#[test]
fn junit_and_html_reports_parse_with_the_right_counts() {
    let dir = std::env::temp_dir().join(format!("cove-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let junit = dir.join("report.xml");
    let html = dir.join("report.html");
    let run = check(&["--out", junit.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    check(&["-o", "html", "--out", html.to_str().unwrap()]);
    let report: Value = serde_json::from_str(&check(&["-o", "json"]).stdout).expect("a JSON report");
    let controls = report["controls"].as_array().expect("controls");
    // One JUnit test case per result row (moto lists each EMR cluster in every region,
    // so a resource may have two rows).
    let alarms =
        controls.iter().flat_map(|c| c["results"].as_array().unwrap()).filter(|r| r["status"] == "alarm").count();
    // Parsed by real XML and HTML parsers, not by looking for strings.
    let script = r#"
import sys, xml.etree.ElementTree as ET
from html.parser import HTMLParser
root = ET.parse(sys.argv[1]).getroot()
suites = root.findall('testsuite')
failures = len(root.findall('.//testcase/failure'))
print(root.tag, len(suites), root.get('failures'), failures, sum(int(s.get('tests')) for s in suites) == len(root.findall('.//testcase')))
class Sections(HTMLParser):
    sections = 0
    rows = 0
    def handle_starttag(self, tag, attrs):
        self.sections += tag == 'section'
        self.rows += tag == 'tr' and dict(attrs).get('data-status') == 'alarm'
parser = Sections()
parser.feed(open(sys.argv[2]).read())
print(parser.sections, parser.rows)
"#;
    let out =
        Command::new("python3").args(["-c", script, junit.to_str().unwrap(), html.to_str().unwrap()]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(lines[0], format!("testsuites {} {alarms} {alarms} True", controls.len()));
    assert_eq!(lines[1], format!("{} {alarms}", controls.len()));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn malformed_controls_are_refused_before_any_call() {
    let dir = std::env::temp_dir().join(format!("cove-controls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad_header = dir.join("bad_header.sql");
    std::fs::write(&bad_header, "-- id: x\n-- title: X\n-- severity: urgent\nSELECT 1").unwrap();
    let run = check(&[bad_header.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    let expected =
        format!("error: {}:3: severity 'urgent' is not one of low, medium, high, critical\n", bad_header.display());
    assert_eq!(run.stderr, expected);

    let bad_columns = dir.join("bad_columns.sql");
    let sql =
        "-- id: y\n-- title: Y\n-- severity: low\n\nSELECT arn AS resource, account_id, region FROM aws_ec2_instance\n";
    std::fs::write(&bad_columns, sql).unwrap();
    let run = check(&[bad_columns.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(&format!(
            "{}:5: the query must return resource, status, reason, account_id, region; it lacks status, reason",
            bad_columns.display()
        )),
        "{}",
        run.stderr
    );
    assert!(run.requests.iter().all(|r| r.operation != "DescribeInstances"), "refused before scanning");

    // A control whose SQL fails reports an error row; the others still run.
    let own = dir.join("own");
    std::fs::create_dir_all(&own).unwrap();
    std::fs::write(own.join("typo.sql"), "-- id: typo\n-- title: T\n-- severity: low\nSELECT * FROM aws_ec2_instanse")
        .unwrap();
    let run = check(&["-o", "json", own.to_str().unwrap(), "--control", "typo", "--control", "ec2_ami_public", "aws"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let found = findings(&run);
    assert_eq!(found["typo"].keys().collect::<Vec<_>>(), ["error"]);
    assert!(run.stdout.contains("aws_ec2_instanse' not found"), "{}", run.stdout);
    assert_eq!(found["ec2_ami_public"]["alarm"].len(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}
