//! Queries over the whole organization return exactly what was seeded.

use std::collections::BTreeSet;

use crate::harness::{cove, org};

const ORG: [&str; 3] = ["--org", "--regions", "us-east-1,eu-west-1"];

fn args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    ORG.iter().copied().chain(extra.iter().copied()).collect()
}

#[test]
fn an_org_scan_returns_every_seeded_instance() {
    let org = org();
    let sql = "SELECT account_id, region, instance_id, instance_type, instance_state FROM aws_ec2_instance";
    let run = cove(&args(&["query", "-o", "csv", sql]));
    run.assert_ok();
    let got: BTreeSet<Vec<String>> = run.csv_rows().into_iter().collect();
    let mut want = BTreeSet::new();
    for member in org.members() {
        for (region, instances) in member["instances"].as_object().unwrap() {
            for i in instances.as_array().unwrap() {
                want.insert(vec![
                    member["id"].as_str().unwrap().to_string(),
                    region.clone(),
                    i["id"].as_str().unwrap().to_string(),
                    i["type"].as_str().unwrap().to_string(),
                    i["state"].as_str().unwrap().to_string(),
                ]);
            }
        }
    }
    assert_eq!(got, want);
    // Every member was reached through its role, the management account with the caller's own.
    let assumed: BTreeSet<String> = run.calls("AssumeRole").iter().map(|r| r.body.clone()).collect();
    assert_eq!(assumed.len(), 3, "{assumed:?}");
    for member in org.members() {
        let arn = format!("arn:aws:iam::{}:role/OrganizationAccountAccessRole", member["id"].as_str().unwrap());
        assert!(assumed.iter().any(|b| b.contains(&arn)), "no AssumeRole into {arn}");
    }
    assert_eq!(run.calls("DescribeInstances").len(), 8, "4 accounts x 2 regions");
}

#[test]
fn a_join_across_tables_and_accounts_is_right() {
    let org = org();
    let sql = "SELECT i.account_id, i.region, count(DISTINCT i.instance_id) AS instances, \
               count(DISTINCT u.name) AS users FROM aws_ec2_instance i \
               JOIN aws_iam_user u ON u.account_id = i.account_id GROUP BY 1, 2 ORDER BY 1, 2";
    let run = cove(&args(&["query", "-o", "csv", sql]));
    run.assert_ok();
    let mut want = Vec::new();
    for member in org.members() {
        for (region, instances) in member["instances"].as_object().unwrap() {
            let users = member["users"].as_array().unwrap().len();
            let id = member["id"].as_str().unwrap().to_string();
            want.push(vec![id, region.clone(), instances.as_array().unwrap().len().to_string(), users.to_string()]);
        }
    }
    want.sort();
    assert_eq!(run.csv_rows(), want);
}

#[test]
fn buckets_carry_their_own_region_and_respect_the_regions_in_scope() {
    let org = org();
    let run = cove(&args(&["query", "-o", "csv", "SELECT account_id, region, name FROM aws_s3_bucket ORDER BY name"]));
    run.assert_ok();
    let mut want: Vec<Vec<String>> = org
        .members()
        .iter()
        .flat_map(|m| {
            m["buckets"].as_array().unwrap().iter().map(move |b| {
                vec![
                    m["id"].as_str().unwrap().into(),
                    b["region"].as_str().unwrap().into(),
                    b["name"].as_str().unwrap().into(),
                ]
            })
        })
        .collect();
    want.sort_by(|a, b| a[2].cmp(&b[2]));
    assert_eq!(run.csv_rows(), want);
    assert_eq!(run.calls("ListBuckets").len(), 4, "once per account");
    assert_eq!(run.calls("GetBucketLocation").len(), 6, "once per bucket");

    // Only eu-west-1 in scope: the us-east-1 buckets are not rows.
    let eu = cove(&["--org", "--regions", "eu-west-1", "query", "-o", "csv", "SELECT region FROM aws_s3_bucket"]);
    eu.assert_ok();
    assert_eq!(eu.csv_rows(), vec![vec!["eu-west-1".to_string()]; 3]);
}

#[test]
fn iam_users_are_global_rows_per_account() {
    let org = org();
    let run = cove(&args(&["query", "-o", "csv", "SELECT account_id, region, name FROM aws_iam_user"]));
    run.assert_ok();
    let got: BTreeSet<Vec<String>> = run.csv_rows().into_iter().collect();
    let want: BTreeSet<Vec<String>> = org
        .members()
        .iter()
        .flat_map(|m| {
            m["users"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |u| vec![m["id"].as_str().unwrap().into(), "global".into(), u.as_str().unwrap().into()])
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(run.calls("ListUsers").len(), 4, "one call per account, not per region");
}

#[test]
fn tags_and_json_columns_answer_json_operators() {
    let org = org();
    let dev = org.id("dev");
    let sql = format!(
        "SELECT tags ->> 'Name' AS name, tags ? 'Owner' AS has_owner, json_get_str(metadata_options, 'HttpTokens') AS tokens, \
         launch_time > TIMESTAMP '2000-01-01' AS launched FROM aws_ec2_instance \
         WHERE account_id = '{dev}' AND region = 'eu-west-1'"
    );
    let run = cove(&["--org", "--regions", "us-east-1,eu-west-1", "query", "-o", "csv", &sql]);
    run.assert_ok();
    assert_eq!(run.csv_rows(), vec![vec!["dev-eu-west-1-0", "true", "optional", "true"]]);
}

#[test]
fn the_default_target_is_the_callers_own_account_and_region() {
    let org = org();
    let run = cove(&["query", "-o", "csv", "SELECT DISTINCT account_id, region FROM aws_region"]);
    run.assert_ok();
    assert_eq!(run.csv_rows(), vec![vec![org.management(), "us-east-1".to_string()]]);
    assert!(run.calls("AssumeRole").is_empty());
    assert!(run.calls("ListAccounts").is_empty());
}

#[test]
fn explicit_accounts_and_exclusions_pick_the_targets() {
    let org = org();
    let (dev, prod) = (org.id("dev"), org.id("prod"));
    let accounts = format!("{dev},{prod}");
    let run = cove(&[
        "--accounts",
        &accounts,
        "--exclude-accounts",
        &prod,
        "--regions",
        "us-east-1",
        "query",
        "-o",
        "csv",
        "SELECT DISTINCT account_id FROM aws_ec2_instance",
    ]);
    run.assert_ok();
    assert_eq!(run.csv_rows(), vec![vec![dev]]);
    assert_eq!(run.calls("AssumeRole").len(), 1);
}

#[test]
fn hydrates_run_only_for_the_columns_they_fill() {
    let lean = cove(&["--org", "query", "-o", "csv", "SELECT account_id, account_aliases FROM aws_account"]);
    lean.assert_ok();
    assert_eq!(lean.csv_rows().len(), 4);
    assert!(lean.calls("DescribeOrganization").is_empty(), "{:?}", lean.counts());

    let org_columns =
        cove(&["--org", "query", "-o", "csv", "SELECT DISTINCT organization_master_account_id FROM aws_account"]);
    org_columns.assert_ok();
    assert_eq!(org_columns.csv_rows(), vec![vec![org().management()]]);
    assert_eq!(org_columns.calls("DescribeOrganization").len(), 4, "once per account");
}

#[test]
fn all_regions_means_the_enabled_ones() {
    let run =
        cove(&["--regions", "all", "query", "-o", "csv", "SELECT name, opt_in_status FROM aws_region ORDER BY name"]);
    run.assert_ok();
    let rows = run.csv_rows();
    assert!(rows.len() > 10, "{rows:?}");
    assert!(rows.iter().any(|r| r[0] == "eu-west-1"));
    // moto also lists regions the account has not opted in to; those are not in scope.
    assert!(rows.iter().all(|r| r[1] == "opt-in-not-required" || r[1] == "opted-in"), "{rows:?}");
    assert_eq!(run.calls("DescribeRegions").len(), 2, "one to resolve `all`, one to list the table");
}

#[test]
fn statements_of_one_query_share_scans() {
    let run = cove(&["--org", "query", "-o", "csv", "SELECT name FROM aws_iam_user; SELECT name FROM aws_iam_user;"]);
    run.assert_ok();
    assert_eq!(run.csv_rows().len(), 12 + 1, "both answers (the second with its header)");
    assert_eq!(run.calls("ListUsers").len(), 4, "the second statement is answered from the cache");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_explicit_profile_wins_over_environment_keys() {
    let org = org();
    let member = org.id("staging");
    let [(_, key), (_, secret), (_, token)] = crate::harness::member_credentials(&member).await;
    let dir = std::env::temp_dir().join(format!("cove-profile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let credentials = dir.join("credentials");
    let profile =
        format!("[member]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\naws_session_token = {token}\n");
    std::fs::write(&credentials, profile).unwrap();
    // The environment holds the management account's keys; the profile names a member's.
    let env = [("AWS_SHARED_CREDENTIALS_FILE", credentials.to_str().unwrap())];
    let run = crate::harness::cove_with_env(
        &["--profile", "member", "query", "--stats", "-o", "csv", "SELECT account_id FROM aws_account"],
        &env,
    );
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.csv_rows(), [vec![member.clone()]]);
    assert!(run.stderr.contains(&format!("identity: arn:aws:sts::{member}:")), "{}", run.stderr);
    assert!(run.stderr.contains("(credentials from profile member)"), "{}", run.stderr);
}

#[test]
fn ous_select_the_accounts_under_them_nested_ones_included() {
    let org = org();
    let ou = |name: &str| org.manifest["ous"][name].as_str().expect("seeded OU").to_string();
    let accounts = |args: &[&str]| -> BTreeSet<String> {
        let sql = "SELECT DISTINCT account_id FROM aws_vpc";
        let run = cove(&[args, &["--regions", "us-east-1", "query", "-o", "csv", sql]].concat());
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.csv_rows().into_iter().map(|r| r[0].clone()).collect()
    };
    let ids = |names: &[&str]| -> BTreeSet<String> { names.iter().map(|n| org.id(n)).collect() };
    assert_eq!(accounts(&["--ou", &ou("Workloads")]), ids(&["dev", "staging", "prod"]), "nested OUs count");
    assert_eq!(accounts(&["--ou", &ou("NonProd")]), ids(&["dev", "staging"]));
    let mut all_but_prod = ids(&["dev", "staging"]);
    all_but_prod.insert(org.management());
    assert_eq!(accounts(&["--org", "--exclude-ou", &ou("Prod")]), all_but_prod);
    assert_eq!(accounts(&["--ou", &ou("Workloads"), "--exclude-ou", &ou("NonProd")]), ids(&["prod"]));

    let run = cove(&["--ou", "ou-zzzz-zzzzzzzz", "query", "SELECT 1"]);
    assert_eq!((run.code, run.stderr.trim()), (2, "error: the organization has no OU or root ou-zzzz-zzzzzzzz"));
    let run = cove(&["--ou", "Prod", "query", "SELECT 1"]);
    assert!(run.stderr.contains("'Prod' is not an OU id"), "{}", run.stderr);
    let run = cove(&["--accounts", &org.id("dev"), "--exclude-ou", &ou("Prod"), "query", "SELECT 1"]);
    assert!(run.stderr.contains("--exclude-ou applies to the organization's accounts"), "{}", run.stderr);
}
