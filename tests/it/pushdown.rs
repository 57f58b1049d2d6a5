//! Filters reach the API, proven by counting the requests moto received.

use crate::harness::{cove, org};

fn org_query(sql: &str) -> crate::harness::Run {
    let run = cove(&["--org", "--regions", "us-east-1,eu-west-1", "query", "-o", "csv", sql]);
    run.assert_ok();
    run
}

#[test]
fn account_and_region_filters_prune_targets_before_any_call() {
    let prod = org().id("prod");
    let sql = format!("SELECT instance_id FROM aws_ec2_instance WHERE account_id = '{prod}' AND region = 'eu-west-1'");
    let run = org_query(&sql);
    assert_eq!(run.csv_rows().len(), 1);
    let assumed = run.calls("AssumeRole");
    assert_eq!(assumed.len(), 1, "{:?}", run.counts());
    assert!(assumed[0].body.contains(&format!("arn:aws:iam::{prod}:role/")));
    let ec2: Vec<_> = run.requests.iter().filter(|r| r.service == "ec2").collect();
    assert_eq!(ec2.len(), 1, "{:?}", run.counts());
    assert_eq!((ec2[0].operation.as_str(), ec2[0].region.as_str()), ("DescribeInstances", "eu-west-1"));
}

#[test]
fn in_lists_and_or_chains_prune_too() {
    let (dev, prod) = (org().id("dev"), org().id("prod"));
    let sql = format!(
        "SELECT count(*) FROM aws_ec2_instance WHERE account_id IN ('{dev}', '{prod}') AND (region = 'us-east-1' OR region = 'nowhere-1')"
    );
    let run = org_query(&sql);
    assert_eq!(run.csv_rows(), vec![vec!["9"]], "dev 2 + prod 7 in us-east-1");
    assert_eq!(run.calls("DescribeInstances").len(), 2);
    assert!(run.calls("DescribeInstances").iter().all(|r| r.region == "us-east-1"));
    assert_eq!(run.calls("AssumeRole").len(), 2);
}

#[test]
fn an_instance_id_goes_into_the_one_call() {
    let org = org();
    let prod = org.id("prod");
    let id = org.member("prod")["instances"]["us-east-1"][3]["id"].as_str().unwrap().to_string();
    let sql = format!(
        "SELECT instance_id FROM aws_ec2_instance WHERE instance_id = '{id}' AND account_id = '{prod}' AND region = 'us-east-1'"
    );
    let run = org_query(&sql);
    assert_eq!(run.csv_rows(), vec![vec![id.clone()]]);
    let calls = run.calls("DescribeInstances");
    assert_eq!(calls.len(), 1);
    assert!(calls[0].body.contains(&format!("InstanceId.1={id}")), "{}", calls[0].body);

    // Across the org, each target's one call carries the id; unknown ids are no rows, not errors.
    let everywhere = org_query(&format!(
        "SELECT account_id FROM aws_ec2_instance WHERE instance_id IN ('{id}', 'i-0000000000000000f')"
    ));
    assert_eq!(everywhere.csv_rows(), vec![vec![prod]]);
    assert_eq!(everywhere.calls("DescribeInstances").len(), 8);
    assert!(everywhere.calls("DescribeInstances").iter().all(|c| c.body.contains(&id)));
}

#[test]
fn state_and_type_become_describe_instances_filters() {
    let run = org_query(
        "SELECT count(*) FROM aws_ec2_instance WHERE instance_state = 'stopped' AND instance_type = 't3.small'",
    );
    // dev us-east-1 stops its 2nd (t3.small) instance; the others stop a t3.micro or m5.large.
    assert_eq!(run.csv_rows(), vec![vec!["2"]]);
    for call in run.calls("DescribeInstances") {
        assert!(
            call.body.contains("Filter.1.Name=instance-state-name") || call.body.contains("Value.1=stopped"),
            "{}",
            call.body
        );
        assert!(call.body.contains("t3.small"), "{}", call.body);
    }
}

#[test]
fn limit_stops_pagination_after_the_first_page() {
    let prod = org().id("prod");
    // prod has 7 instances in us-east-1: pages of 5 make two pages, the second never asked for.
    let sql = format!(
        "SELECT instance_id FROM aws_ec2_instance WHERE account_id = '{prod}' AND region = 'us-east-1' LIMIT 1"
    );
    let run = org_query(&sql);
    assert_eq!(run.csv_rows().len(), 1);
    let calls = run.calls("DescribeInstances");
    assert_eq!(calls.len(), 1, "{:?}", run.counts());
    assert!(calls[0].body.contains("MaxResults=5"), "{}", calls[0].body);

    let all = org_query(&format!(
        "SELECT instance_id FROM aws_ec2_instance WHERE account_id = '{prod}' AND region = 'us-east-1'"
    ));
    assert_eq!(all.csv_rows().len(), 7);
    assert_eq!(all.calls("DescribeInstances").len(), 1, "one page of up to 1000");

    // Across every target, no target asks for a second page.
    let org_wide = org_query("SELECT instance_id FROM aws_ec2_instance LIMIT 1");
    assert_eq!(org_wide.csv_rows().len(), 1);
    assert!(org_wide.calls("DescribeInstances").iter().all(|c| !c.body.contains("NextToken")));
}

#[test]
fn a_bucket_name_looks_up_only_that_bucket() {
    let org = org();
    let bucket = org.member("staging")["buckets"][1]["name"].as_str().unwrap().to_string();
    let run = org_query(&format!("SELECT account_id, region FROM aws_s3_bucket WHERE name = '{bucket}'"));
    assert_eq!(run.csv_rows(), vec![vec![org.id("staging"), "eu-west-1".to_string()]]);
    assert_eq!(run.calls("GetBucketLocation").len(), 1, "{:?}", run.counts());
    assert_eq!(run.calls("ListBuckets").len(), 4);
}

#[test]
fn many_user_names_are_one_list_not_a_get_user_each() {
    let org = org();
    let mut names: Vec<String> = (0..30).map(|i| format!("'nobody{i}'")).collect();
    names.push("'erin'".into());
    let run = org_query(&format!("SELECT account_id, name FROM aws_iam_user WHERE name IN ({})", names.join(", ")));
    assert_eq!(run.csv_rows(), vec![vec![org.id("prod"), "erin".to_string()]]);
    assert_eq!((run.calls("GetUser").len(), run.calls("ListUsers").len()), (0, 4), "{:?}", run.counts());
    let keys =
        org_query(&format!("SELECT user_name FROM aws_iam_access_key WHERE user_name IN ({})", names.join(", ")));
    assert!(keys.csv_rows().iter().all(|r| r[0] == "erin"), "{:?}", keys.csv_rows());
    let asked: Vec<&str> = keys.calls("ListAccessKeys").iter().map(|r| r.body.as_str()).collect();
    assert_eq!(asked.len(), 1, "only the one user that exists is asked: {asked:?}");
    assert!(asked[0].contains("UserName=erin"), "{asked:?}");
}

#[test]
fn a_user_name_is_a_get_user_not_a_list() {
    let org = org();
    let run = org_query("SELECT account_id, name FROM aws_iam_user WHERE name = 'erin'");
    assert_eq!(run.csv_rows(), vec![vec![org.id("prod"), "erin".to_string()]]);
    assert_eq!(run.calls("GetUser").len(), 4, "one per account");
    assert!(run.calls("ListUsers").is_empty());
}

#[test]
fn explain_shows_what_was_pushed() {
    let run = org_query(
        "EXPLAIN SELECT instance_id FROM aws_ec2_instance WHERE region = 'eu-west-1' AND instance_id = 'i-1' LIMIT 3",
    );
    assert!(
        run.stdout.contains("AwsScanExec: table=aws_ec2_instance, targets=4, instance_id IN (i-1), limit=3"),
        "{}",
        run.stdout
    );
    assert!(run.requests.iter().all(|r| r.service != "ec2"), "planning calls no EC2 API");
}

#[test]
fn stats_count_targets_scanned_and_pruned() {
    let prod = org().id("prod");
    let sql = format!("SELECT count(*) FROM aws_ec2_instance WHERE account_id = '{prod}' AND region = 'eu-west-1'");
    let run = cove(&["--org", "--regions", "us-east-1,eu-west-1", "query", "--stats", "-o", "csv", &sql]);
    run.assert_ok();
    let lines: Vec<&str> = run.stderr.trim().lines().collect();
    let (identity, stats) = (lines[0], lines[lines.len() - 1]);
    let suspended = org().manifest["suspended"].as_str().expect("a suspended account").to_string();
    assert!(lines.contains(&format!("note: 1 account not ACTIVE, not scanned: {suspended} (SUSPENDED)").as_str()));
    assert!(identity.starts_with("identity: arn:aws:"), "{identity}");
    assert!(stats.starts_with("1 row in "), "{stats}");
    assert!(
        stats.contains("1 target scanned (7 pruned), 2 API calls (ec2:DescribeInstances x1, sts:AssumeRole x1)"),
        "{stats}"
    );
}

#[test]
fn filters_beside_a_lateral_function_still_reach_the_api() {
    let prod = org().id("prod");
    let sql = format!(
        "SELECT i.instance_id, t.key FROM aws_ec2_instance AS i, jsonb_each_text(i.tags) AS t \
         WHERE i.account_id = '{prod}' AND i.region = 'eu-west-1' AND i.instance_state = 'running' AND t.key = 'Name'"
    );
    let run = org_query(&sql);
    assert_eq!(run.csv_rows().len(), 1, "prod's one running instance in eu-west-1, one Name tag");
    assert_eq!(run.calls("AssumeRole").len(), 1, "{:?}", run.counts());
    let describe = run.calls("DescribeInstances");
    assert_eq!(describe.len(), 1, "{:?}", run.counts());
    assert_eq!(describe[0].region, "eu-west-1");
    assert!(describe[0].body.contains("instance-state-name"), "{}", describe[0].body);
}

#[test]
fn a_correlated_set_returning_subquery_shares_the_outer_scan() {
    let sql = "SELECT r.name FROM aws_iam_role AS r WHERE EXISTS \
               (SELECT 1 FROM jsonb_array_elements(r.assume_role_policy_std -> 'Statement') AS s \
                WHERE s -> 'Principal' -> 'AWS' ? '*')";
    let run = org_query(sql);
    assert_eq!(run.csv_rows(), vec![vec!["open-trust"]]);
    // The subquery reads the roles' distinct policies from a second scan of the same
    // table, which the scan cache answers: one ListRoles per account, as a plain scan.
    assert_eq!(run.calls("ListRoles").len(), org().members().len() + 1, "{:?}", run.counts());
}
