//! Partial failure reported as data: a denied account, a failing region and throttling
//! leave exactly the healthy targets' rows, with each failure listed once.

use std::collections::BTreeSet;

use crate::harness::{Faults, cove_with_env, cove_with_input_env, faulty_endpoint, org};

#[test]
fn a_sick_org_still_answers_for_every_healthy_target() {
    let org = org();
    let staging = org.id("staging");
    let endpoint = faulty_endpoint(Faults {
        deny_assume_role: vec![staging.clone()],
        failing_region: Some("eu-west-1".into()),
        throttle_every: Some(5),
        ..Faults::default()
    });
    let args = [
        "--org",
        "--regions",
        "us-east-1,eu-west-1",
        "query",
        "-o",
        "csv",
        "SELECT account_id, region, instance_id FROM aws_ec2_instance",
    ];
    let run = cove_with_env(&args, &[("AWS_ENDPOINT_URL", &endpoint)]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    // Exactly the healthy targets: us-east-1 of every account but the denied one.
    let got: BTreeSet<Vec<String>> = run.csv_rows().into_iter().collect();
    let want: BTreeSet<Vec<String>> = org
        .members()
        .iter()
        .filter(|m| m["id"] != staging.as_str())
        .flat_map(|m| {
            m["instances"]["us-east-1"].as_array().unwrap().iter().map(move |i| {
                vec![m["id"].as_str().unwrap().into(), "us-east-1".into(), i["id"].as_str().unwrap().into()]
            })
        })
        .collect();
    assert_eq!(got, want);

    // Each failure once: the denied account in one line for both regions, and the failing
    // region once for each of the other three accounts.
    let warnings: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(warnings.len(), 4, "{}", run.stderr);
    assert_eq!(
        warnings
            .iter()
            .filter(|w| w.contains(&format!(
                "account {staging} regions eu-west-1,us-east-1 table aws_ec2_instance: AccessDenied"
            )))
            .count(),
        1,
        "{}",
        run.stderr
    );
    assert_eq!(
        warnings.iter().filter(|w| w.contains("region eu-west-1 table aws_ec2_instance: AuthFailure")).count(),
        3
    );

    let strict = cove_with_env(&[&["--strict"], &args[..]].concat(), &[("AWS_ENDPOINT_URL", &endpoint)]);
    assert_eq!(strict.code, 2, "{}", strict.stderr);
}

#[test]
fn throttled_calls_are_retried_and_counted() {
    let endpoint = faulty_endpoint(Faults { throttle_every: Some(5), ..Faults::default() });
    let input = ".timing on\nSELECT count(*) FROM aws_ec2_instance;\n";
    let run =
        cove_with_input_env(&["--org", "--regions", "us-east-1,eu-west-1"], input, &[("AWS_ENDPOINT_URL", &endpoint)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let cells = run.stdout.lines().flat_map(|l| l.split('|').map(str::trim).collect::<Vec<_>>()).collect::<Vec<_>>();
    assert!(cells.contains(&"14"), "every instance despite the throttling: {}", run.stdout);
    let timing = run.stderr.lines().next().unwrap_or_default();
    assert!(timing.contains("throttled") && !timing.contains(" 0 throttled"), "{timing}");
}

#[test]
fn failures_are_queryable_afterwards() {
    let org = org();
    let staging = org.id("staging");
    let endpoint = faulty_endpoint(Faults { deny_assume_role: vec![staging.clone()], ..Faults::default() });
    let input = "SELECT count(*) FROM aws_iam_user;\n.errors\n.output csv\nSELECT account_id, region, table_name, error_code FROM cove_errors;\n";
    let run = cove_with_input_env(&["--org"], input, &[("AWS_ENDPOINT_URL", &endpoint)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(&format!(
            "account_id,region,table_name,error_code\n{staging},us-east-1,aws_iam_user,AccessDenied\n"
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("account {staging} region us-east-1 table aws_iam_user: AccessDenied")),
        "{}",
        run.stdout
    );
}

#[test]
fn regions_an_account_has_not_enabled_are_skipped_under_all() {
    let endpoint = faulty_endpoint(Faults { failing_region: Some("eu-west-1".into()), ..Faults::default() });
    let sql = "SELECT count(*) FROM aws_ec2_instance";
    let all = cove_with_env(&["--regions", "all", "query", "-o", "csv", sql], &[("AWS_ENDPOINT_URL", &endpoint)]);
    assert_eq!((all.code, all.stderr.as_str()), (0, ""), "not-enabled regions are not errors under `all`");
    // Named explicitly, the same region's failure is reported.
    let named = cove_with_env(
        &["--regions", "us-east-1,eu-west-1", "query", "-o", "csv", sql],
        &[("AWS_ENDPOINT_URL", &endpoint)],
    );
    assert_eq!(named.code, 0);
    assert!(named.stderr.contains("region eu-west-1 table aws_ec2_instance: AuthFailure"), "{}", named.stderr);
}
