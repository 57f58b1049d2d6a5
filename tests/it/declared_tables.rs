//! The declared tables (tables/declared/), scanned through the generic client: rows
//! match the seed, hydrates run only for their columns, key columns reach the request,
//! and the calls are counted, retried and reported like SDK calls.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::harness::{Faults, cove, cove_with_env, faulty_endpoint, org};

const ORG: [&str; 3] = ["--org", "--regions", "us-east-1"];

fn query(sql: &str) -> crate::harness::Run {
    let run = cove(&[&ORG[..], &["query", "-o", "csv", sql]].concat());
    run.assert_ok();
    run
}

/// The seeded value `key` of every member's monitoring resources.
fn seeded(key: &str) -> BTreeSet<String> {
    org().members().iter().map(|m| m["monitoring"][key].as_str().unwrap().to_string()).collect()
}

fn column(rows: &[Vec<String>], index: usize) -> BTreeSet<String> {
    rows.iter().map(|r| r[index].clone()).collect()
}

#[test]
fn log_groups_and_metric_filters_match_the_seed() {
    let org = org();
    let rows =
        query("SELECT account_id, name, retention_in_days, tags ->> 'team' FROM aws_cloudwatch_log_group").csv_rows();
    let groups: BTreeSet<String> = org
        .members()
        .iter()
        .flat_map(|m| m["monitoring"]["log_groups"].as_array().unwrap().iter().map(|g| g.as_str().unwrap().to_string()))
        .collect();
    assert_eq!(column(&rows, 1), groups);
    let prod_app: Vec<&Vec<String>> = rows.iter().filter(|r| r[1] == "/cove/prod/app").collect();
    assert_eq!(prod_app[0][0], org.id("prod"));
    assert_eq!((prod_app[0][2].as_str(), prod_app[0][3].as_str()), ("365", "prod"), "retention and hydrated tags");
    assert!(rows.iter().filter(|r| r[1] != "/cove/prod/app").all(|r| r[2].is_empty()), "{rows:?}");

    let sql = "SELECT log_group_name, name, metric_transformation_namespace, metric_transformation_name \
               FROM aws_cloudwatch_log_metric_filter WHERE log_group_name = '/cove/prod/trail'";
    let run = query(sql);
    assert_eq!(run.csv_rows(), vec![vec!["/cove/prod/trail", "root-usage", "CIS", "RootUsage"]]);
    let calls = run.calls("DescribeMetricFilters");
    assert_eq!(calls.len(), 4, "one call per target");
    assert!(calls.iter().all(|c| c.body.contains(r#""logGroupName":"/cove/prod/trail""#)), "{calls:?}");
}

#[test]
fn topics_and_subscriptions_match_the_seed() {
    let org = org();
    let run = query("SELECT topic_arn FROM aws_sns_topic");
    assert_eq!(column(&run.csv_rows(), 0), seeded("topic"));
    assert!(run.calls("GetTopicAttributes").is_empty(), "no hydrate without its columns");

    let run = query("SELECT topic_arn, owner, subscriptions_pending, tags ->> 'team', akas ->> 0 FROM aws_sns_topic");
    let rows = run.csv_rows();
    let prod = rows.iter().find(|r| r[1] == org.id("prod")).expect("prod's topic");
    assert_eq!(prod[0], org.member("prod")["monitoring"]["topic"].as_str().unwrap());
    assert_eq!((prod[2].as_str(), prod[3].as_str(), &prod[4]), ("0", "prod", &prod[0]));
    assert_eq!((run.calls("GetTopicAttributes").len(), run.calls("ListTagsForResource").len()), (3, 3));

    let rows =
        query("SELECT subscription_arn, topic_arn, protocol, endpoint FROM aws_sns_topic_subscription").csv_rows();
    assert_eq!(column(&rows, 0), seeded("subscription"));
    assert_eq!(column(&rows, 3), seeded("endpoint"));
    assert!(rows.iter().all(|r| r[2] == "email" && r[0].starts_with(&r[1])), "{rows:?}");
}

#[test]
fn queues_and_dynamodb_tables_match_the_seed() {
    let rows =
        query("SELECT queue_url, queue_arn, visibility_timeout_seconds, tags ->> 'team' FROM aws_sqs_queue").csv_rows();
    assert_eq!(column(&rows, 0), seeded("queue"));
    assert!(rows.iter().all(|r| r[1].starts_with("arn:aws:sqs:us-east-1:") && r[2] == "30"), "{rows:?}");
    assert_eq!(column(&rows, 3), BTreeSet::from(["dev", "prod", "staging"].map(String::from)));

    let sql = "SELECT name, billing_mode, point_in_time_recovery_description ->> 'PointInTimeRecoveryStatus', \
               key_schema -> 0 ->> 'AttributeName' FROM aws_dynamodb_table";
    let rows = query(sql).csv_rows();
    assert_eq!(column(&rows, 0), seeded("table"));
    for row in &rows {
        let recovery = if row[0] == "prod-sessions" { "ENABLED" } else { "DISABLED" };
        assert_eq!(row[1..], [String::from("PAY_PER_REQUEST"), recovery.into(), "id".into()], "{row:?}");
    }
}

#[test]
fn alarm_names_reach_the_request() {
    let run = query(
        "SELECT account_id, name, state_value, alarm_actions ->> 0 FROM aws_cloudwatch_alarm WHERE name IN ('root-usage', 'absent')",
    );
    let rows = run.csv_rows();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(column(&rows, 3), seeded("topic"), "each alarm notifies its account's topic");
    let calls = run.calls("DescribeAlarms");
    assert_eq!(calls.len(), 4);
    for call in calls {
        let body: Value = serde_json::from_str(&call.body).expect("a JSON request");
        assert_eq!(body["AlarmNames"], serde_json::json!(["absent", "root-usage"]), "{body}");
    }
}

#[test]
fn generic_calls_are_counted_in_stats() {
    let run = cove(&[&ORG[..], &["query", "--stats", "-o", "csv", "SELECT count(*) FROM aws_sqs_queue"]].concat());
    run.assert_ok();
    assert_eq!(run.csv_rows(), vec![vec!["3"]]);
    assert!(run.stderr.contains("sqs:ListQueues x4"), "{}", run.stderr);
}

#[test]
fn generic_calls_are_retried_on_throttling_and_fail_per_target() {
    let endpoint = faulty_endpoint(Faults { throttle_every: Some(2), ..Faults::default() });
    let args = [&ORG[..], &["query", "--stats", "-o", "csv", "SELECT count(*) FROM aws_sns_topic"]].concat();
    let run = cove_with_env(&args, &[("AWS_ENDPOINT_URL", &endpoint)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.csv_rows(), vec![vec!["3"]], "every topic despite the throttling");
    assert!(run.stderr.contains("throttled") && !run.stderr.contains(" 0 throttled"), "{}", run.stderr);

    let endpoint = faulty_endpoint(Faults { failing_region: Some("eu-west-1".into()), ..Faults::default() });
    let sql = "SELECT region, count(*) FROM aws_cloudwatch_log_group GROUP BY region";
    let args = ["--org", "--regions", "us-east-1,eu-west-1", "query", "-o", "csv", sql];
    let run = cove_with_env(&args, &[("AWS_ENDPOINT_URL", &endpoint)]);
    assert_eq!((run.code, run.csv_rows()), (0, vec![vec!["us-east-1".to_string(), "6".to_string()]]), "{}", run.stderr);
    assert!(
        run.stderr.contains("region eu-west-1 table aws_cloudwatch_log_group: UnrecognizedClientException"),
        "{}",
        run.stderr
    );
}

/// Each declared table lists its seeded resource in every member, by (table, name
/// column, the seed manifest's key), and a column a hydrate fills reads back.
#[test]
fn every_declared_table_lists_what_was_seeded() {
    let org = org();
    let tables = [
        ("aws_secretsmanager_secret", "name", "secret"),
        ("aws_ecr_repository", "repository_name", "repository"),
        ("aws_ssm_parameter", "name", "parameter"),
        ("aws_acm_certificate", "certificate_arn", "certificate"),
        ("aws_sfn_state_machine", "name", "state_machine"),
        ("aws_ecs_cluster", "cluster_name", "cluster"),
        ("aws_rds_db_cluster", "db_cluster_identifier", "db_cluster"),
        ("aws_ec2_autoscaling_group", "name", "autoscaling_group"),
        ("aws_kinesis_stream", "stream_name", "stream"),
        ("aws_elasticache_replication_group", "replication_group_id", "cache"),
        ("aws_iam_server_certificate", "name", "server_certificate"),
        ("aws_codebuild_project", "name", "project"),
        ("aws_sagemaker_notebook_instance", "name", "notebook"),
        ("aws_emr_cluster", "name", "emr"),
        ("aws_ecs_task_definition", "family", "task_family"),
        ("aws_rds_db_subnet_group", "name", "db_subnet_group"),
        ("aws_ec2_classic_load_balancer", "name", "classic_load_balancer"),
        ("aws_neptune_db_cluster", "db_cluster_identifier", "neptune"),
        ("aws_cloudformation_stack", "name", "stack"),
        ("aws_elasticache_cluster", "cache_cluster_id", "cache_cluster"),
        ("aws_kms_alias", "alias_name", "alias"),
        ("aws_config_rule", "name", "config_rule"),
        ("aws_athena_workgroup", "name", "workgroup"),
        ("aws_eks_cluster", "name", "eks"),
        ("aws_efs_file_system", "name", "efs"),
        ("aws_opensearch_domain", "domain_name", "opensearch"),
        ("aws_api_gateway_rest_api", "name", "api"),
        ("aws_backup_vault", "name", "vault"),
        ("aws_backup_plan", "name", "plan"),
        ("aws_route53_zone", "name", "zone"),
        // moto's listing leaves out the summary's Comment; GetDistribution has it.
        ("aws_cloudfront_distribution", "distribution_config ->> 'Comment'", "distribution"),
    ];
    for (table, name, key) in tables {
        let rows = query(&format!("SELECT account_id, {name} FROM {table}")).csv_rows();
        let expected: BTreeSet<(String, String)> = org
            .members()
            .iter()
            .map(|m| (m["id"].as_str().unwrap().to_string(), m["services"][key].as_str().unwrap().to_string()))
            .collect();
        let found: BTreeSet<(String, String)> = rows.iter().map(|r| (r[0].clone(), r[1].clone())).collect();
        // AWS's own resources (the primary workgroup, aws/ aliases) may come with them.
        assert!(found.is_superset(&expected), "{table}: {found:?}");
    }
    let groups = query("SELECT name FROM aws_rds_db_parameter_group").csv_rows();
    assert!(groups.iter().any(|r| r[0] == "prod-params"), "{groups:?}");
    for (table, kind) in
        [("aws_ec2_application_load_balancer", "application"), ("aws_ec2_network_load_balancer", "network")]
    {
        let rows = query(&format!("SELECT name, type FROM {table}")).csv_rows();
        let expected: BTreeSet<String> =
            org.members().iter().map(|m| m["services"]["load_balancers"][kind].as_str().unwrap().to_string()).collect();
        assert_eq!(column(&rows, 0), expected, "{table} keeps only its type");
        assert!(rows.iter().all(|r| r[1] == kind), "{rows:?}");
    }
}

#[test]
fn columns_of_declared_tables_read_back_for_prod() {
    let prod = org().id("prod");
    let cases = [
        (
            "SELECT status, settings -> 0 ->> 'name', tags ->> 'team' FROM aws_ecs_cluster",
            "ACTIVE,containerInsights,prod",
        ),
        ("SELECT type, status FROM aws_sfn_state_machine", "STANDARD,ACTIVE"),
        ("SELECT stream_status, retention_period_hours FROM aws_kinesis_stream", "ACTIVE,24"),
        ("SELECT image_scanning_configuration ->> 'scanOnPush', policy IS NULL FROM aws_ecr_repository", "true,true"),
        ("SELECT type FROM aws_ssm_parameter", "SecureString"),
        ("SELECT environment ->> 'privilegedMode' FROM aws_codebuild_project", "false"),
        ("SELECT direct_internet_access FROM aws_sagemaker_notebook_instance", "Disabled"),
        ("SELECT state, release_label FROM aws_emr_cluster", "WAITING,emr-6.15.0"),
        ("SELECT network_mode, revision FROM aws_ecs_task_definition WHERE family = 'prod-web'", "awsvpc,1"),
        ("SELECT storage_encrypted FROM aws_neptune_db_cluster", "true"),
        ("SELECT status FROM aws_cloudformation_stack", "CREATE_COMPLETE"),
        ("SELECT status, tags ->> 'team' FROM aws_eks_cluster", "ACTIVE,prod"),
        ("SELECT encrypted, policy IS NULL FROM aws_efs_file_system", "true,true"),
        ("SELECT status FROM aws_guardduty_detector", "ENABLED"),
        ("SELECT encryption_at_rest_options ->> 'Enabled' FROM aws_opensearch_domain", "true"),
        ("SELECT endpoint_configuration -> 'types' ->> 0 FROM aws_api_gateway_rest_api", "REGIONAL"),
        ("SELECT backup_plan -> 'Rules' -> 0 ->> 'RuleName' FROM aws_backup_plan", "daily"),
        ("SELECT private_zone, region FROM aws_route53_zone", "false,global"),
        (
            "SELECT distribution_config -> 'DefaultCacheBehavior' ->> 'ViewerProtocolPolicy', logging ->> 'Enabled' \
             FROM aws_cloudfront_distribution",
            "redirect-to-https,false",
        ),
        (
            "SELECT listener_descriptions -> 0 -> 'Listener' ->> 'LoadBalancerPort' FROM aws_ec2_classic_load_balancer",
            "80",
        ),
        (
            "SELECT configuration ->> 'EnforceWorkGroupConfiguration' FROM aws_athena_workgroup WHERE name <> 'primary'",
            "true",
        ),
        ("SELECT at_rest_encryption_enabled FROM aws_elasticache_replication_group", "true"),
        (
            "SELECT storage_encrypted, deletion_protection FROM aws_rds_db_cluster WHERE engine LIKE 'aurora%'",
            "true,true",
        ),
        ("SELECT json_length(load_balancer_attributes) > 0 FROM aws_ec2_application_load_balancer", "true"),
    ];
    for (sql, expected) in cases {
        let filter = if sql.contains(" WHERE ") { " AND" } else { " WHERE" };
        let rows = query(&format!("{sql}{filter} account_id = '{prod}'")).csv_rows();
        assert_eq!(rows.iter().map(|r| r.join(",")).collect::<Vec<_>>(), [expected], "{sql}");
    }
}

#[test]
fn rest_json_key_columns_reach_the_query_string() {
    let org = org();
    let all = query("SELECT account_id, file_system_id FROM aws_efs_file_system").csv_rows();
    let prod = all.iter().find(|r| r[0] == org.id("prod")).expect("prod's file system");
    let run = query(&format!("SELECT account_id FROM aws_efs_file_system WHERE file_system_id = '{}'", prod[1]));
    assert_eq!(run.csv_rows(), vec![vec![org.id("prod")]]);
    let listed: Vec<_> = run.requests.iter().filter(|r| r.operation.contains("/2015-02-01/file-systems")).collect();
    assert_eq!(listed.len(), 4, "one call per target: {listed:?}");
    assert!(listed.iter().all(|r| r.operation.contains(&format!("FileSystemId={}", prod[1]))), "{listed:?}");

    // Dev has no detector: no row, and no error either.
    let detectors = query("SELECT account_id FROM aws_guardduty_detector").csv_rows();
    assert_eq!(column(&detectors, 0), BTreeSet::from([org.id("staging"), org.id("prod")]));
}

#[test]
fn query_protocol_key_columns_reach_the_form_and_absent_names_are_no_rows() {
    let org = org();
    let run = query("SELECT account_id FROM aws_ec2_application_load_balancer WHERE name = 'prod-web'");
    assert_eq!(run.csv_rows(), vec![vec![org.id("prod")]]);
    assert!(!run.stderr.contains("LoadBalancerNotFound"), "a name absent elsewhere is no rows: {}", run.stderr);
    let calls = run.calls("DescribeLoadBalancers");
    assert_eq!(calls.len(), 4);
    assert!(calls.iter().all(|c| c.body.contains("Names.member.1=prod-web")), "{calls:?}");
}

#[test]
fn ec2_protocol_tables_list_the_seed_and_send_filters() {
    let org = org();
    let members: BTreeSet<String> = org.members().iter().map(|m| m["id"].as_str().unwrap().to_string()).collect();
    for table in [
        "aws_vpc_eip",
        "aws_vpc_endpoint",
        "aws_vpc_flow_log",
        "aws_ec2_transit_gateway",
        "aws_vpc_dhcp_options",
        "aws_vpc_egress_only_internet_gateway",
    ] {
        let rows = query(&format!("SELECT account_id FROM {table}")).csv_rows();
        assert_eq!((rows.len(), column(&rows, 0)), (3, members.clone()), "{table}: one per member");
    }
    let acls =
        query("SELECT account_id, entries -> 0 ->> 'RuleAction' FROM aws_vpc_network_acl WHERE is_default").csv_rows();
    assert_eq!(acls.len(), 4, "each account's default VPC has its default ACL: {acls:?}");
    let flow =
        query("SELECT traffic_type, log_destination_type, resource_id LIKE 'vpc-%' FROM aws_vpc_flow_log").csv_rows();
    assert!(flow.iter().all(|r| r.join(",") == "REJECT,s3,true"), "{flow:?}");

    let run = query(
        "SELECT account_id, launch_template_name FROM aws_ec2_launch_template WHERE launch_template_name = 'prod-web'",
    );
    assert_eq!(run.csv_rows(), vec![vec![org.id("prod"), "prod-web".to_string()]]);
    let calls = run.calls("DescribeLaunchTemplates");
    assert_eq!(calls.len(), 4);
    let filter = "Filter.1.Name=launch-template-name&Filter.1.Value.1=prod-web";
    assert!(calls.iter().all(|c| c.body.contains(filter)), "{calls:?}");
    let rows = query("SELECT account_id, key_name FROM aws_ec2_key_pair").csv_rows();
    let expected: BTreeSet<String> =
        org.members().iter().map(|m| m["services"]["key_pair"].as_str().unwrap().to_string()).collect();
    assert_eq!(column(&rows, 1), expected);
}

#[test]
fn child_tables_list_under_each_parent_item() {
    let org = org();
    let prod = org.id("prod");
    let run = query("SELECT account_id, port, protocol, load_balancer_arn FROM aws_ec2_load_balancer_listener");
    let rows = run.csv_rows();
    assert_eq!(rows.len(), 3, "one listener on each member's ALB: {rows:?}");
    assert!(rows.iter().all(|r| r[1] == "80" && r[2] == "HTTP" && r[3].contains("/app/")), "{rows:?}");
    // One DescribeListeners per load balancer (an ALB and an NLB per member).
    assert_eq!((run.calls("DescribeLoadBalancers").len(), run.calls("DescribeListeners").len()), (4, 6));

    let sql = format!(
        "SELECT name, tracing_enabled, rest_api_id IS NOT NULL FROM aws_api_gateway_stage WHERE account_id = '{prod}'"
    );
    assert_eq!(query(&sql).csv_rows(), vec![vec!["live", "true", "true"]]);

    let sql = format!(
        "SELECT service_name, cluster_arn LIKE '%/prod-cluster', desired_count FROM aws_ecs_service WHERE account_id = '{prod}'"
    );
    assert_eq!(query(&sql).csv_rows(), vec![vec!["prod-worker", "true", "1"]]);
}

#[test]
fn one_get_per_value_lists_single_structures() {
    let org = org();
    let run =
        query("SELECT account_id, contact_type, name, email_address, contact_title FROM aws_account_alternate_contact");
    assert_eq!(
        run.csv_rows(),
        vec![vec![
            org.id("prod"),
            "SECURITY".into(),
            "Prod Security".into(),
            "security@prod.example.com".into(),
            "CISO".into()
        ]],
        "contacts not set are no rows, not failures: {}",
        run.stderr
    );
    let gets = run.requests.iter().filter(|r| r.operation.ends_with("/getAlternateContact")).count();
    assert_eq!(gets, 12, "three contact types in each of four accounts");
}

#[test]
fn an_absent_name_costs_only_its_own_rows_and_hydrates_chain() {
    let org = org();
    let sql =
        "SELECT account_id, repository_name FROM aws_ecr_repository WHERE repository_name IN ('prod-app', 'absent')";
    let run = query(sql);
    assert_eq!(run.csv_rows(), vec![vec![org.id("prod"), "prod-app".to_string()]]);
    assert_eq!(run.calls("DescribeRepositories").len(), 8, "each name asked alone in each of four targets");

    // The tags call needs the ARN DescribeTable gives: asked for tags alone, both are made.
    let run = query("SELECT name, tags ->> 'team' FROM aws_dynamodb_table");
    let rows = run.csv_rows();
    assert!(rows.iter().all(|r| r[0] == format!("{}-sessions", r[1])), "{rows:?}");
    assert_eq!((run.calls("DescribeTable").len(), run.calls("ListTagsOfResource").len()), (3, 3));
}

#[test]
fn too_many_values_for_an_inexact_key_list_everything_once() {
    let names: Vec<String> = (0..20).map(|i| format!("'absent-{i}'")).chain(["'root-usage'".to_string()]).collect();
    let sql = format!("SELECT account_id FROM aws_cloudwatch_log_metric_filter WHERE name IN ({})", names.join(", "));
    let run = query(&sql);
    assert_eq!(run.csv_rows().len(), 3, "each member's root-usage filter");
    let calls = run.calls("DescribeMetricFilters");
    assert_eq!(calls.len(), 4, "one listing per target, not one call per name");
    assert!(calls.iter().all(|c| !c.body.contains("filterNamePrefix")), "{calls:?}");
}

#[test]
fn tags_read_back_whatever_call_holds_them() {
    let org = org();
    // Tags listed with the resource, in a hydrate of their own (ListTagsForResource,
    // DescribeTags, ListTags ...), as a map or as a list of pairs.
    let tables = [
        "aws_acm_certificate",
        "aws_backup_plan",
        "aws_backup_vault",
        "aws_cloudfront_distribution",
        "aws_config_rule",
        "aws_ec2_application_load_balancer",
        "aws_ec2_network_load_balancer",
        "aws_ec2_load_balancer_listener",
        "aws_ec2_classic_load_balancer",
        "aws_elasticache_cluster",
        "aws_elasticache_replication_group",
        "aws_kinesis_stream",
        "aws_neptune_db_cluster",
        "aws_opensearch_domain",
        "aws_rds_db_subnet_group",
        "aws_route53_zone",
        "aws_sagemaker_notebook_instance",
        "aws_sfn_state_machine",
        "aws_ssm_parameter",
        // moto answers ListTagsForResource of an untagged workgroup (primary) with an error.
        "aws_athena_workgroup WHERE name <> 'primary'",
        "aws_rds_db_parameter_group WHERE name NOT LIKE 'default%'",
        "aws_ecs_task_definition WHERE family LIKE '%-web'",
    ];
    let expected: BTreeSet<(String, String)> =
        ["dev", "staging", "prod"].iter().map(|name| (org.id(name).to_string(), name.to_string())).collect();
    for table in tables {
        let run = query(&format!("SELECT DISTINCT account_id, tags ->> 'team' FROM {table}"));
        let found: BTreeSet<(String, String)> =
            run.csv_rows().into_iter().map(|r| (r[0].clone(), r[1].clone())).collect();
        assert_eq!(found, expected, "{table}: {}", run.stderr);
    }
    for table in ["aws_lambda_function", "aws_cloudtrail_trail"] {
        let rows = query(&format!("SELECT name FROM {table} WHERE tags ->> 'team' = 'prod'")).csv_rows();
        assert_eq!(rows.len(), 1, "{table}: {rows:?}");
    }
}

#[test]
fn every_table_has_an_arn_in_akas_and_its_standard_columns() {
    let tables = query("SELECT DISTINCT table_name FROM information_schema.columns WHERE table_name LIKE 'aws%'");
    // moto lacks DescribePendingMaintenanceActions and DescribeParameters' ARN; the
    // password policy and account summary have no ARN.
    let skipped = [
        "aws_rds_pending_maintenance_action",
        "aws_ssm_parameter",
        "aws_iam_account_password_policy",
        "aws_iam_account_summary",
    ];
    let counts: Vec<String> = tables
        .csv_rows()
        .into_iter()
        .map(|r| r[0].clone())
        .filter(|table| !skipped.contains(&table.as_str()))
        .map(|table| {
            format!(
                "SELECT '{table}' AS t, count(*) AS n, \
                 count(CASE WHEN akas ->> 0 LIKE 'arn:aws:%' THEN 1 END) AS arns, count(title) AS titles, \
                 count(DISTINCT _ctx ->> 'connection_name') AS connections FROM {table}"
            )
        })
        .collect();
    assert!(counts.len() > 80, "{counts:?}");
    let rows = query(&counts.join(" UNION ALL ")).csv_rows();
    for row in &rows {
        let [table, n, arns, titles, connections] = &row[..] else { panic!("{row:?}") };
        assert_eq!((arns, titles), (n, n), "{table}: every row has an ARN and a title");
        assert!(n == "0" || connections != "0", "{table}: _ctx names the account");
    }
    let listed: usize = rows.iter().filter(|r| r[1] != "0").count();
    assert!(listed > 75, "the seed gives most tables rows: {rows:?}");
}

#[test]
fn account_settings_are_one_row_per_account_blocks_off_when_never_set() {
    let org = org();
    let run = query(
        "SELECT account_id, block_public_acls, ignore_public_acls, restrict_public_buckets, region FROM aws_s3_account_settings",
    );
    let rows = run.csv_rows();
    assert_eq!(rows.len(), 4, "the management account and three members: {rows:?}");
    for row in &rows {
        let on = if row[0] == org.id("prod") { "true" } else { "false" };
        assert_eq!(row[1..], [on, on, on, "global"], "{row:?}");
    }
    // S3 Control names the account in a header and a host prefix; against an endpoint
    // override (the emulator) the host stays as configured.
    let calls: Vec<_> =
        run.requests.iter().filter(|r| r.operation.contains("/v20180820/configuration/publicAccessBlock")).collect();
    assert_eq!(
        calls.len(),
        4,
        "one call per account: {:?}",
        run.requests.iter().map(|r| &r.operation).collect::<Vec<_>>()
    );
}
