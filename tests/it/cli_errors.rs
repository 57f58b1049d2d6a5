//! Bad input gets one clear line on stderr and exit code 2, never a panic.

use crate::harness::{Faults, cove, cove_with_env, faulty_endpoint};

fn assert_one_line_error(run: &crate::harness::Run, needle: &str) {
    assert_eq!(run.code, 2, "stdout: {}\nstderr: {}", run.stdout, run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains(needle), "{:?} not in {}", needle, run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
}

#[test]
fn unknown_tables_columns_and_functions_are_named() {
    assert_one_line_error(&cove(&["query", "SELECT * FROM aws_nope"]), "aws_nope");
    assert_one_line_error(&cove(&["query", "SELECT nme FROM aws_iam_user"]), "nme");
    assert_one_line_error(&cove(&["query", "SELECT no_such_fn(name) FROM aws_iam_user"]), "no_such_fn");
    assert_one_line_error(&cove(&["inspect", "aws_nope"]), "aws_nope");
}

#[test]
fn syntax_errors_cost_no_api_call() {
    let run = cove(&["query", "SELEC name FROM aws_iam_user"]);
    assert_one_line_error(&run, "SELEC");
    assert!(run.requests.is_empty(), "{:?}", run.counts());
}

#[test]
fn bad_flags_and_values_are_rejected() {
    assert_one_line_error(&cove(&["query", "--bogus", "SELECT 1"]), "--bogus");
    assert_one_line_error(&cove(&["--regions", "Mars", "query", "SELECT 1"]), "Mars");
    assert_one_line_error(&cove(&["--accounts", "42", "query", "SELECT 1"]), "'42'");
    assert_one_line_error(
        &cove(&["--config", "/nonexistent/cove.toml", "query", "SELECT 1"]),
        "/nonexistent/cove.toml",
    );
    assert_one_line_error(&cove(&["query", "-f", "/nonexistent/q.sql"]), "/nonexistent/q.sql");
}

#[test]
fn an_unreachable_endpoint_is_one_line() {
    let run = cove_with_env(&["query", "SELECT 1"], &[("AWS_ENDPOINT_URL", "http://127.0.0.1:9")]);
    assert_one_line_error(&run, "cannot identify the caller");
}

#[test]
fn missing_credentials_are_one_line() {
    let run = cove_with_env(&["query", "SELECT 1"], &[("AWS_ACCESS_KEY_ID", ""), ("AWS_SECRET_ACCESS_KEY", "")]);
    assert_one_line_error(&run, "credentials");
    assert!(!run.stderr.contains("testing"), "no secret in errors: {}", run.stderr);
}

#[test]
fn a_failing_region_is_reported_and_the_rest_still_answer() {
    // moto has no backend for a made-up region, so every call there fails.
    let run = cove(&[
        "--org",
        "--regions",
        "us-east-1,zz-nowhere-1",
        "query",
        "-o",
        "csv",
        "SELECT count(*) FROM aws_ec2_instance",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.csv_rows(), vec![vec!["10"]], "dev 2 + staging 1 + prod 7 in us-east-1");
    let warnings: Vec<&str> = run.stderr.lines().filter(|l| l.starts_with("warning: ")).collect();
    assert_eq!(warnings.len(), 4, "one per account: {}", run.stderr);
    assert!(warnings.iter().all(|w| w.contains("region zz-nowhere-1 table aws_ec2_instance")), "{}", run.stderr);

    let strict = cove(&[
        "--strict",
        "--org",
        "--regions",
        "us-east-1,zz-nowhere-1",
        "query",
        "SELECT count(*) FROM aws_ec2_instance",
    ]);
    assert_eq!(strict.code, 2, "{}", strict.stderr);
}

#[test]
fn a_denied_account_is_reported_and_the_others_still_answer() {
    let org = crate::harness::org();
    let staging = org.id("staging");
    let endpoint = crate::harness::faulty_endpoint(crate::harness::Faults {
        deny_assume_role: vec![staging.clone()],
        ..Default::default()
    });
    let run = cove_with_env(
        &[
            "--org",
            "--regions",
            "us-east-1,eu-west-1",
            "query",
            "-o",
            "csv",
            "SELECT DISTINCT account_id FROM aws_ec2_instance ORDER BY 1",
        ],
        &[("AWS_ENDPOINT_URL", &endpoint)],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut want = vec![vec![org.id("dev")], vec![org.id("prod")]];
    want.sort();
    assert_eq!(run.csv_rows(), want, "every other member still answers");
    let expected = format!(
        "warning: account {staging} regions eu-west-1,us-east-1 table aws_ec2_instance: AccessDenied: sts:AssumeRole"
    );
    assert!(run.stderr.starts_with(&expected), "one line for both regions of the denied account: {}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn org_scans_name_why_there_are_no_accounts() {
    let org = crate::harness::org();
    let member = org.id("prod");
    let credentials = crate::harness::member_credentials(&member).await;
    let env: Vec<(&str, &str)> = credentials.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // moto lists no accounts for an account outside any organization, where AWS answers
    // AWSOrganizationsNotInUseException (below).
    let run = cove_with_env(&["--org", "query", "SELECT 1"], &env);
    assert_one_line_error(&run, &format!("organizations:ListAccounts listed no accounts for arn:aws:sts::{member}:"));
    assert!(!run.stderr.contains("--exclude-accounts"), "{}", run.stderr);

    for (code, says) in [
        ("AWSOrganizationsNotInUseException", format!("account {} belongs to no organization", org.management())),
        ("AccessDeniedException", "may not list the organization's accounts: use the management account".into()),
    ] {
        let endpoint = faulty_endpoint(Faults { list_accounts_error: Some(code), ..Faults::default() });
        let run = cove_with_env(&["--org", "query", "SELECT 1"], &[("AWS_ENDPOINT_URL", &endpoint)]);
        assert_one_line_error(&run, &says);
    }

    let management = org.management();
    let run = cove(&["--org", "--exclude-accounts", &management, "query", "SELECT 1"]);
    assert_eq!(run.code, 0, "excluding one account leaves the others: {}", run.stderr);
}
