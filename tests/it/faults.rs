//! Partial failure reported as data: a denied account, a failing region and throttling
//! leave exactly the healthy targets' rows, with each failure listed once; an endpoint
//! that answers wrongly fails its target, never reads as fewer rows.

use std::collections::BTreeSet;

use crate::harness::{Answer, Faults, Run, cove_with_env, cove_with_input_env, faulty_endpoint, org};

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

/// The failure of a query whose only target failed, which leaves it no rows.
fn only_failure<'a>(run: &'a Run, table: &str) -> &'a str {
    assert_eq!(run.code, 2, "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stderr);
    assert!(lines[0].starts_with("warning: ") && lines[0].contains(&format!(" table {table}: ")), "{}", run.stderr);
    assert_eq!(lines[1], format!("error: every target of {table} failed"));
    lines[0]
}

fn pages(content_type: &'static str, pages: Vec<String>) -> Answer {
    Answer::Pages { content_type, pages }
}

#[test]
fn an_error_or_a_web_page_in_a_200_fails_the_target_instead_of_listing_nothing() {
    let denied = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized</Message>\
                  </Error><RequestId>r</RequestId></ErrorResponse>";
    let portal =
        "<!DOCTYPE html>\n<html><head><title>Sign in to the Wi-Fi</title></head><body><form></form></body></html>";
    let json_denied = r#"{"__type": "com.amazonaws.logs#AccessDeniedException", "message": "not authorized"}"#;
    let endpoint = faulty_endpoint(Faults {
        answers: vec![
            ("Action=ListTopics", pages("text/xml", vec![denied.into()])),
            ("/2013-04-01/hostedzone", pages("text/html", vec![portal.into()])),
            ("Logs_20140328.DescribeLogGroups", pages("application/x-amz-json-1.1", vec![json_denied.into()])),
            ("TrentService.ListKeys", pages("application/x-amz-json-1.1", vec![json_denied.into()])),
        ],
        ..Faults::default()
    });
    for (table, failure) in [
        ("aws_sns_topic", "AccessDenied: sns:ListTopics: not authorized"),
        ("aws_route53_zone", "HTTP 200 with an HTML page"),
        ("aws_cloudwatch_log_group", "AccessDeniedException: logs:DescribeLogGroups: not authorized"),
        ("aws_kms_key", "AccessDeniedException: kms:ListKeys: not authorized"),
    ] {
        let sql = format!("SELECT count(*) FROM {table}");
        let run = cove_with_env(&["query", "-o", "csv", &sql], &[("AWS_ENDPOINT_URL", &endpoint)]);
        let warning = only_failure(&run, table);
        assert!(warning.contains(failure), "{warning}");
    }
}

#[test]
fn a_page_token_given_again_fails_the_listing_of_either_kind_of_table() {
    let user = "<member><UserName>loop</UserName><UserId>AIDALOOP</UserId><Path>/</Path>\
                <Arn>arn:aws:iam::123456789012:user/loop</Arn><CreateDate>2024-01-01T00:00:00Z</CreateDate></member>";
    let users = |more: &str| {
        format!("<ListUsersResponse><ListUsersResult><Users>{user}</Users>{more}</ListUsersResult></ListUsersResponse>")
    };
    let topic = "<member><TopicArn>arn:aws:sns:us-east-1:123456789012:loop</TopicArn></member>";
    let topics = |more: &str| {
        format!(
            "<ListTopicsResponse><ListTopicsResult><Topics>{topic}</Topics>{more}</ListTopicsResult></ListTopicsResponse>"
        )
    };
    // The same token twenty times, then a last page: a listing that does not notice reads
    // the same page over and over and reports nothing wrong.
    let looping = |page: String, last: String| std::iter::repeat_n(page, 20).chain([last]).collect::<Vec<_>>();
    let endpoint = faulty_endpoint(Faults {
        answers: vec![
            (
                "Action=ListUsers",
                pages("text/xml", looping(users("<IsTruncated>true</IsTruncated><Marker>again</Marker>"), users(""))),
            ),
            ("Action=ListTopics", pages("text/xml", looping(topics("<NextToken>again</NextToken>"), topics("")))),
        ],
        ..Faults::default()
    });
    for (table, list) in [("aws_iam_user", "iam:ListUsers"), ("aws_sns_topic", "sns:ListTopics")] {
        let sql = format!("SELECT count(*) FROM {table}");
        let run = cove_with_env(&["query", "-o", "csv", &sql], &[("AWS_ENDPOINT_URL", &endpoint)]);
        let warning = only_failure(&run, table);
        assert!(warning.contains(&format!("RepeatedPageToken: {list}: page 2 of the listing")), "{warning}");
    }
}

#[test]
fn a_response_body_beyond_the_cap_fails_the_target_as_it_is_read() {
    let size = cove_tables::MAX_RESPONSE_BYTES + (1 << 20);
    let user = "</UserName><UserId>AIDAHUGE</UserId><Path>/</Path><Arn>arn:aws:iam::123456789012:user/huge</Arn>\
                <CreateDate>2024-01-01T00:00:00Z</CreateDate></member></Users><IsTruncated>false</IsTruncated>\
                </ListUsersResult></ListUsersResponse>";
    // One body declares its length, the other is chunked: refused before it is read, and
    // cut off once past the cap.
    let endpoint = faulty_endpoint(Faults {
        answers: vec![
            (
                "Action=ListUsers",
                Answer::Huge {
                    prefix: "<ListUsersResponse><ListUsersResult><Users><member><UserName>",
                    size,
                    suffix: user,
                    declared: true,
                },
            ),
            (
                "Action=ListTopics",
                Answer::Huge {
                    prefix: "<ListTopicsResponse><ListTopicsResult><Topics><member><TopicArn>",
                    size,
                    suffix: "</TopicArn></member></Topics></ListTopicsResult></ListTopicsResponse>",
                    declared: false,
                },
            ),
        ],
        ..Faults::default()
    });
    for (table, column, list) in
        [("aws_iam_user", "name", "iam:ListUsers"), ("aws_sns_topic", "topic_arn", "sns:ListTopics")]
    {
        let sql = format!("SELECT length({column}) FROM {table}");
        let run = cove_with_env(&["query", "-o", "csv", &sql], &[("AWS_ENDPOINT_URL", &endpoint)]);
        let warning = only_failure(&run, table);
        let expected = format!("ResponseTooLarge: {list}: the response body is larger than the 64 MiB cove reads");
        assert!(warning.contains(&expected), "{warning}");
        assert!(run.csv_rows().is_empty(), "{}", run.stdout);
    }
}

#[test]
fn assumed_credentials_are_renewed_before_they_expire_once_per_account() {
    // Credentials that last 4 s are renewed when a quarter of that is left; a session of
    // statements, every request held 300 ms, outlives them.
    let endpoint = faulty_endpoint(Faults {
        credential_lifetime: Some(std::time::Duration::from_secs(4)),
        delay: std::time::Duration::from_millis(300),
        ..Faults::default()
    });
    let statements = 16;
    let input = format!(".output csv\n{}", "SELECT count(*) FROM aws_ec2_instance;\n".repeat(statements));
    let args = ["--org", "--regions", "us-east-1,eu-west-1", "--no-cache"];
    let started = std::time::Instant::now();
    let run = cove_with_input_env(&args, &input, &[("AWS_ENDPOINT_URL", &endpoint)]);
    let elapsed = started.elapsed().as_secs_f64();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout.lines().filter(|line| *line == "14").count(), statements, "{}", run.stdout);
    let org = org();
    let management = org.management();
    for member in org.members().iter().map(|m| m["id"].as_str().unwrap()).filter(|id| *id != management) {
        let assumed = run.calls("AssumeRole").iter().filter(|r| r.body.contains(member)).count();
        // Renewed within the session, but once per account, not per region or statement:
        // each renewal comes at least three seconds after the one before.
        assert!(assumed >= 2, "{member}: assumed {assumed} times in {elapsed:.1} s");
        assert!(assumed as f64 <= 2.0 + elapsed / 3.0, "{member}: assumed {assumed} times in {elapsed:.1} s");
    }
}
