//! The security tables: rows and hydrated values against what was seeded, hydrate calls
//! made only for the columns asked, key columns sent to the APIs.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::harness::{Run, cove, org};

const ORG: [&str; 3] = ["--org", "--regions", "us-east-1,eu-west-1"];

fn query(sql: &str) -> Run {
    let run = cove(&[&ORG[..], &["query", "-o", "csv", sql]].concat());
    run.assert_ok();
    run
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

const S3_HYDRATES: [&str; 8] = [
    "GetBucketPolicy",
    "GetBucketPolicyStatus",
    "GetBucketAcl",
    "GetBucketVersioning",
    "GetBucketEncryption",
    "GetPublicAccessBlock",
    "GetBucketLogging",
    "GetBucketTagging",
];

#[test]
fn s3_buckets_hydrate_only_the_columns_asked_for() {
    let names = query("SELECT name FROM aws_s3_bucket");
    assert_eq!(names.csv_rows().len(), 6);
    assert!(S3_HYDRATES.iter().all(|op| names.calls(op).is_empty()), "{:?}", names.counts());
    assert_eq!((names.calls("ListBuckets").len(), names.calls("GetBucketLocation").len()), (4, 6));

    let policies = query("SELECT name, policy_std FROM aws_s3_bucket WHERE policy IS NOT NULL");
    assert_eq!(policies.calls("GetBucketPolicy").len(), 6, "one per bucket");
    assert!(S3_HYDRATES[1..].iter().all(|op| policies.calls(op).is_empty()), "{:?}", policies.counts());
    let rows = policies.csv_rows();
    let staging = org().member("staging")["bad"]["public_policy_bucket"].as_str().unwrap();
    assert_eq!(rows.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(), [staging]);
    let statement = &json(&rows[0][1])["Statement"][0];
    assert_eq!(
        (&statement["Principal"], &statement["Action"]),
        (&json(r#"{"AWS":["*"]}"#), &json(r#"["s3:getobject"]"#))
    );

    // Everything: each hydrate call once per bucket. moto cannot answer two of them
    // (GetBucketPolicyStatus is missing, GetBucketVersioning malformed): those columns
    // are null, the failures are reported, and every row still comes back.
    let all = cove(&[&ORG[..], &["query", "-o", "json", "SELECT * FROM aws_s3_bucket ORDER BY name"]].concat());
    assert_eq!(all.code, 0, "{}", all.stderr);
    assert!(S3_HYDRATES.iter().all(|op| all.calls(op).len() == 6), "{:?}", all.counts());
    assert!(all.stderr.contains("UnreadableResponse: s3:GetBucketVersioning"), "{}", all.stderr);
    let buckets = json(&all.stdout);
    let buckets = buckets.as_array().unwrap();
    assert_eq!(buckets.len(), 6);
    let by_name = |name: &str| buckets.iter().find(|b| b["name"] == name).unwrap_or_else(|| panic!("{name}"));
    let bucket = |member: &str, index: usize| by_name(org().member(member)["buckets"][index]["name"].as_str().unwrap());
    let grants: Vec<&str> = bucket("dev", 0)["acl"]["Grants"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|g| g["Grantee"]["URI"].as_str())
        .collect();
    assert_eq!(grants, ["http://acs.amazonaws.com/groups/global/AllUsers"]);
    for prod in [bucket("prod", 0), bucket("prod", 1)] {
        assert_eq!(
            prod["server_side_encryption_configuration"]["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"],
            "AES256"
        );
        assert_eq!(
            (&prod["block_public_acls"], &prod["restrict_public_buckets"]),
            (&Value::Bool(true), &Value::Bool(true))
        );
        assert_eq!(prod["tags"], json(r#"{"Owner":"team-prod"}"#));
    }
    let dev = bucket("dev", 1);
    for column in
        ["policy", "server_side_encryption_configuration", "block_public_acls", "logging", "tags", "versioning_enabled"]
    {
        assert!(dev[column].is_null(), "{column} of a bucket without one: {dev}");
    }
}

#[test]
fn iam_users_hydrate_console_mfa_groups_and_policies() {
    let lean = query("SELECT name FROM aws_iam_user");
    assert_eq!(lean.csv_rows().len(), 6);
    let hydrates = ["GetUser", "ListMFADevices", "GetLoginProfile", "ListGroupsForUser", "ListUserPolicies"];
    assert!(hydrates.iter().all(|op| lean.calls(op).is_empty()), "{:?}", lean.counts());

    let sql = "SELECT name, login_profile IS NOT NULL AS console, mfa_enabled, groups -> 0 ->> 'GroupName' AS grp, \
               inline_policies -> 0 ->> 'PolicyName' AS inline, \
               inline_policies -> 0 -> 'PolicyDocument' -> 'Statement' -> 0 ->> 'Action' AS action, \
               json_length(attached_policy_arns) AS attached, tags ->> 'team' AS team \
               FROM aws_iam_user ORDER BY name";
    let run = query(sql);
    let rows: Vec<String> = run.csv_rows().iter().map(|r| r.join(" ")).collect();
    assert_eq!(
        rows,
        [
            "alice true false developers    dev",
            "bob false false  inline-read s3:GetObject 1 dev",
            "carol true true     staging",
            "dave true true admins    prod",
            "erin false false     prod",
            "frank false false     prod",
        ]
    );
    assert_eq!(run.calls("ListMFADevices").len(), 6);
    assert_eq!(run.calls("GetUserPolicy").len(), 1, "only bob has an inline policy");
}

#[test]
fn iam_roles_groups_policies_and_devices() {
    let dev = org().id("dev");
    let trust = "SELECT account_id, name FROM \
                 (SELECT account_id, name, unnest(json_get_array(assume_role_policy_std, 'Statement')) AS s FROM aws_iam_role) \
                 WHERE json_get_str(s, 'Principal', 'AWS', 0) = '*'";
    assert_eq!(query(trust).csv_rows(), [[dev.clone(), "open-trust".to_string()]]);

    let groups = query("SELECT account_id, name, users -> 0 ->> 'UserName' FROM aws_iam_group ORDER BY name");
    let expected =
        [[org().id("prod"), "admins".into(), "dave".into()], [dev.clone(), "developers".into(), "alice".into()]];
    assert_eq!(groups.csv_rows(), expected);

    let customer = query(
        "SELECT account_id, name, is_aws_managed, is_attached, policy_std -> 'Statement' -> 0 -> 'Action' \
         FROM aws_iam_policy ORDER BY name",
    );
    let expected = [
        [dev.clone(), "admin-everything".into(), "false".into(), "true".into(), r#"["*"]"#.into()],
        [org().id("prod"), "read-objects".into(), "false".into(), "true".into(), r#"["s3:getobject"]"#.into()],
    ];
    assert_eq!(customer.csv_rows(), expected);
    assert!(customer.calls("ListPolicies").iter().all(|c| c.body.contains("Scope=Local")));
    // moto does not load AWS's managed policies; the request shows they were asked for.
    let managed = query("SELECT count(*) FROM aws_iam_policy WHERE is_aws_managed AND account_id = '123456789012'");
    assert_eq!(managed.calls("ListPolicies").len(), 1);
    assert!(
        managed.calls("ListPolicies").iter().all(|c| c.body.contains("Scope=AWS")),
        "{:?}",
        managed.calls("ListPolicies")
    );

    let keys = query("SELECT user_name, status FROM aws_iam_access_key WHERE user_name = 'alice'");
    assert_eq!(keys.csv_rows(), [["alice", "Active"]]);
    assert!(keys.calls("ListUsers").is_empty(), "the user name goes straight to ListAccessKeys");
    assert!(keys.calls("ListAccessKeys").iter().all(|c| c.body.contains("UserName=alice")));
    assert_eq!(query("SELECT count(*) FROM aws_iam_access_key").csv_rows(), [["6"]]);

    let devices = query("SELECT user_name, assignment_status FROM aws_iam_virtual_mfa_device ORDER BY user_name");
    assert_eq!(devices.csv_rows(), [["carol", "Assigned"], ["dave", "Assigned"]]);

    let report = query(
        "SELECT user_name, password_enabled, mfa_active, access_key_1_active, password_status \
         FROM aws_iam_credential_report ORDER BY user_name",
    );
    let rows: Vec<String> = report.csv_rows().iter().map(|r| r.join(" ")).collect();
    assert_eq!(
        rows[..3],
        ["alice true false true never_used", "bob false false true not_set", "carol true true true never_used"]
    );
    assert_eq!(rows.len(), 6);

    let policies = query(
        "SELECT account_id, minimum_password_length, require_symbols FROM aws_iam_account_password_policy ORDER BY 2",
    );
    let expected = [[org().id("staging"), "8".into(), "false".into()], [org().id("prod"), "14".into(), "true".into()]];
    assert_eq!(policies.csv_rows(), expected);

    let summary =
        query("SELECT account_id, users, groups, account_mfa_enabled FROM aws_iam_account_summary ORDER BY users");
    let users: Vec<(String, String)> = summary.csv_rows().into_iter().map(|r| (r[0].clone(), r[1].clone())).collect();
    assert_eq!(users[0], (org().management(), "0".into()));
    assert_eq!(users[3], (org().id("prod"), "3".into()));
}

#[test]
fn ec2_images_snapshots_rules_interfaces_and_gateways() {
    let (dev, staging, prod) = (org().id("dev"), org().id("staging"), org().id("prod"));
    let images = query("SELECT account_id, image_id, public, launch_permissions FROM aws_ec2_ami ORDER BY public");
    let public_image = org().member("staging")["bad"]["public_image"].as_str().unwrap();
    let private_image = org().member("prod")["bad"]["private_image"].as_str().unwrap();
    assert_eq!(
        images.csv_rows(),
        [
            [prod.clone(), private_image.into(), "false".into(), "[]".into()],
            [staging, public_image.into(), "true".into(), r#"[{"Group":"all"}]"#.into()]
        ]
    );
    assert!(images.calls("DescribeImages").iter().all(|c| c.body.contains("Owner.1=")), "only the account's own");

    let snapshots = query(
        "SELECT account_id, snapshot_id, create_volume_permissions FROM aws_ebs_snapshot \
         WHERE json_length(create_volume_permissions) > 0 ORDER BY account_id = '{dev}'"
            .replace("{dev}", &dev)
            .as_str(),
    );
    let shared = org().member("prod")["bad"]["shared_snapshot"].as_str().unwrap();
    let public = org().member("dev")["bad"]["public_snapshot"].as_str().unwrap();
    assert_eq!(
        snapshots.csv_rows(),
        [
            [prod.clone(), shared.into(), r#"[{"UserId":"999999999999"}]"#.into()],
            [dev.clone(), public.into(), r#"[{"Group":"all"}]"#.into()]
        ]
    );
    assert!(snapshots.calls("DescribeSnapshots").iter().all(|c| c.body.contains("Owner.1=")), "only the account's own");

    let group = org().member("dev")["bad"]["open_ssh_group"].as_str().unwrap();
    let rules = query(&format!(
        "SELECT ip_protocol, from_port, to_port, cidr_ipv4 FROM aws_vpc_security_group_rule WHERE group_id = '{group}' AND NOT is_egress"
    ));
    assert_eq!(rules.csv_rows(), [["tcp", "22", "22", "0.0.0.0/0"]]);
    assert!(
        rules.calls("DescribeSecurityGroupRules").iter().all(|c| c.body.contains(&format!("Filter.1.Value.1={group}")))
    );

    let interfaces = query(
        "SELECT count(*), count(attached_instance_id), count(DISTINCT account_id) FROM aws_ec2_network_interface",
    );
    assert_eq!(interfaces.csv_rows(), [["14", "14", "3"]]);

    let gateways =
        query("SELECT account_id, attachments -> 0 ->> 'State' FROM aws_vpc_internet_gateway ORDER BY account_id");
    let mut expected = vec![[dev, "available".to_string()], [prod, "available".to_string()]];
    expected.sort();
    assert_eq!(gateways.csv_rows(), expected);
}

#[test]
fn databases_functions_trails_keys_and_recorders() {
    let (dev, staging, prod) = (org().id("dev"), org().id("staging"), org().id("prod"));
    let db = query(
        "SELECT account_id, db_instance_identifier, publicly_accessible, storage_encrypted, engine \
         FROM aws_rds_db_instance ORDER BY db_instance_identifier",
    );
    let expected = [
        [prod.clone(), "prod-db".into(), "true".into(), "false".into(), "postgres".into()],
        [staging.clone(), "staging-db".into(), "false".into(), "true".into(), "mysql".into()],
    ];
    assert_eq!(db.csv_rows(), expected);
    let one =
        query("SELECT db_instance_identifier FROM aws_rds_db_instance WHERE db_instance_identifier = 'staging-db'");
    assert_eq!(one.csv_rows(), [["staging-db"]]);
    let filtered = one.calls("DescribeDBInstances");
    assert!(filtered.iter().all(|c| c.body.contains("Values.Value.1=staging-db")), "{filtered:?}");
    let snapshots = query(
        "SELECT db_snapshot_identifier, json_get_str(db_snapshot_attributes, 0, 'AttributeValues', 0) \
         FROM aws_rds_db_snapshot WHERE type = 'manual' ORDER BY 1",
    );
    assert_eq!(snapshots.csv_rows(), [["prod-db-public", "all"], ["staging-db-manual", ""]]);
    assert_eq!(query("SELECT count(*) FROM aws_rds_db_snapshot WHERE type = 'automated'").csv_rows(), [["2"]]);

    let functions = query(
        "SELECT account_id, name, runtime, json_get_str(policy_std, 'Statement', 0, 'Principal', 'AWS', 0), url_config \
         FROM aws_lambda_function ORDER BY name",
    );
    let expected = [
        [prod.clone(), "private-fn".into(), "python3.12".into(), "".into(), "".into()],
        [dev.clone(), "public-fn".into(), "python3.12".into(), "*".into(), "".into()],
    ];
    assert_eq!(functions.csv_rows(), expected);
    let policy_reads = functions.requests.iter().filter(|r| r.operation.ends_with("/policy"));
    assert_eq!(policy_reads.count(), 2, "one GetPolicy per function");

    let cluster = query(
        "SELECT account_id, publicly_accessible, encrypted FROM aws_redshift_cluster WHERE cluster_identifier = 'staging-warehouse'",
    );
    assert_eq!(cluster.csv_rows(), [[staging.clone(), "true".into(), "false".into()]]);
    assert!(cluster.calls("DescribeClusters").iter().all(|c| c.body.contains("ClusterIdentifier=staging-warehouse")));

    let trails = query(
        "SELECT account_id, name, home_region, is_multi_region_trail, is_logging FROM aws_cloudtrail_trail ORDER BY name",
    );
    let expected = [
        [dev.clone(), "dev-trail".into(), "us-east-1".into(), "false".into(), "false".into()],
        [prod.clone(), "org-trail".into(), "us-east-1".into(), "true".into(), "true".into()],
    ];
    assert_eq!(trails.csv_rows(), expected);

    let keys =
        query("SELECT account_id, key_manager, key_rotation_enabled FROM aws_kms_key ORDER BY key_rotation_enabled");
    assert_eq!(
        keys.csv_rows(),
        [[dev, "CUSTOMER".into(), "false".into()], [prod.clone(), "CUSTOMER".into(), "true".into()]]
    );

    let recorders = query(
        "SELECT account_id, region, name, status_recording FROM aws_config_configuration_recorder ORDER BY status_recording",
    );
    let expected = [
        [staging, "us-east-1".into(), "default".into(), "false".into()],
        [prod, "us-east-1".into(), "default".into(), "true".into()],
    ];
    assert_eq!(recorders.csv_rows(), expected);

    // Listed by the management account only; members, denied or not, add nothing.
    let accounts = query("SELECT id, name, account_id FROM aws_organizations_account ORDER BY name");
    let rows = accounts.csv_rows();
    let names: BTreeSet<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    // The closed account is listed too: the table shows the organization as it is.
    assert_eq!(names, BTreeSet::from(["dev", "master", "prod", "retired", "staging"]));
    assert!(rows.iter().all(|r| r[2] == org().management()), "{rows:?}");
}

#[test]
fn key_columns_reach_the_apis() {
    let instance = org().member("prod")["instances"]["eu-west-1"][0]["id"].as_str().unwrap().to_string();
    let gateway = org().member("dev")["bad"]["internet_gateway"].as_str().unwrap().to_string();
    let cases = [
        ("SELECT count(*) FROM aws_ec2_ami WHERE public", "DescribeImages", "Filter.1.Name=is-public", "1"),
        (
            "SELECT count(*) FROM aws_ebs_snapshot WHERE owner_id = '999999999999'",
            "DescribeSnapshots",
            "Owner.1=999999999999",
            "0",
        ),
        (
            &*format!("SELECT count(*) FROM aws_ec2_network_interface WHERE attached_instance_id = '{instance}'"),
            "DescribeNetworkInterfaces",
            "Filter.1.Name=attachment.instance-id",
            "1",
        ),
        (
            &*format!("SELECT count(*) FROM aws_vpc_internet_gateway WHERE internet_gateway_id = '{gateway}'"),
            "DescribeInternetGateways",
            &*format!("Filter.1.Value.1={gateway}"),
            "1",
        ),
        ("SELECT count(*) FROM aws_iam_role WHERE path = '/'", "ListRoles", "PathPrefix=/", "7"),
        ("SELECT count(*) FROM aws_iam_group WHERE path = '/'", "ListGroups", "PathPrefix=/", "2"),
        (
            "SELECT count(*) FROM aws_iam_virtual_mfa_device WHERE assignment_status = 'Assigned'",
            "ListVirtualMFADevices",
            "AssignmentStatus=Assigned",
            "2",
        ),
        (
            "SELECT count(*) FROM aws_rds_db_snapshot WHERE type = 'manual'",
            "DescribeDBSnapshots",
            "Values.Value.1=manual",
            "2",
        ),
        ("SELECT count(*) FROM aws_iam_policy WHERE is_attached", "ListPolicies", "OnlyAttached=true", "2"),
    ];
    for (sql, operation, parameter, count) in cases {
        let run = query(sql);
        assert_eq!(run.csv_rows(), [[count]], "{sql}");
        let calls = run.calls(operation);
        assert!(!calls.is_empty() && calls.iter().all(|c| c.body.contains(parameter)), "{sql}: {calls:?}");
    }
}
