//! The network tables (VPCs, subnets, security group rules) and instances' volumes: rows per target, key columns, JSON columns.

use std::collections::BTreeSet;

use crate::harness::{cove, org};

const ORG: [&str; 3] = ["--org", "--regions", "us-east-1,eu-west-1"];

fn query(sql: &str) -> crate::harness::Run {
    let run = cove(&[&ORG[..], &["query", "-o", "csv", sql]].concat());
    run.assert_ok();
    run
}

#[test]
fn every_target_has_its_default_vpc() {
    let org = org();
    let run = query("SELECT account_id, region, vpc_id, cidr_block, state FROM aws_vpc WHERE is_default");
    let rows = run.csv_rows();
    let targets: BTreeSet<(String, String)> = rows.iter().map(|r| (r[0].clone(), r[1].clone())).collect();
    assert_eq!((rows.len(), targets.len()), (8, 8), "one default VPC per account and region: {rows:?}");
    assert!(targets.iter().any(|(account, _)| *account == org.management()));
    assert!(rows.iter().all(|r| r[3] == "172.31.0.0/16" && r[4] == "available"), "{rows:?}");
    assert_eq!(run.calls("DescribeVpcs").len(), 8);
    assert!(run.calls("DescribeVpcs").iter().all(|c| c.body.contains("Filter.1.Name=is-default")));

    // A VPC id is sent as a filter to every target and comes back once.
    let vpc = &rows[0][2];
    let one = query(&format!("SELECT account_id, region FROM aws_vpc WHERE vpc_id = '{vpc}'"));
    assert_eq!(one.csv_rows(), vec![vec![rows[0][0].clone(), rows[0][1].clone()]]);
    assert!(one.calls("DescribeVpcs").iter().all(|c| c.body.contains(&format!("Filter.1.Value.1={vpc}"))));
}

#[test]
fn security_group_rules_answer_json_paths() {
    let sql = "SELECT account_id, region, group_name, rule ->> 'IpProtocol' AS protocol, \
               rule -> 'IpRanges' -> 0 ->> 'CidrIp' AS cidr \
               FROM (SELECT account_id, region, group_name, unnest(json_get_array(ip_permissions_egress)) AS rule \
                     FROM aws_vpc_security_group WHERE group_name = 'default')";
    let rows = query(sql).csv_rows();
    assert_eq!(rows.len(), 8, "each default group's one egress rule: {rows:?}");
    assert!(rows.iter().all(|r| r[2] == "default" && r[3] == "-1" && r[4] == "0.0.0.0/0"), "{rows:?}");
}

#[test]
fn every_instance_has_its_root_volume() {
    let org = org();
    let sql = "SELECT v.account_id, v.region, i.instance_id, v.encrypted, v.state, v.attachments -> 0 ->> 'Device' AS device \
               FROM aws_ebs_volume v JOIN aws_ec2_instance i \
                 ON i.account_id = v.account_id AND i.region = v.region \
                AND i.instance_id = v.attachments -> 0 ->> 'InstanceId'";
    let rows = query(sql).csv_rows();
    let instances: BTreeSet<String> = rows.iter().map(|r| r[2].clone()).collect();
    let seeded: BTreeSet<String> = org
        .members()
        .iter()
        .flat_map(|m| m["instances"].as_object().unwrap().values())
        .flat_map(|list| list.as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(instances, seeded);
    assert_eq!(rows.len(), seeded.len(), "one root volume each");
    assert!(rows.iter().all(|r| r[3] == "false" && r[4] == "in-use" && r[5] == "/dev/sda1"), "{rows:?}");

    // `NOT encrypted` is sent as the encrypted=false filter.
    let unencrypted = query("SELECT count(*) FROM aws_ebs_volume WHERE NOT encrypted");
    assert_eq!(unencrypted.csv_rows(), vec![vec![seeded.len().to_string()]]);
    assert!(unencrypted.calls("DescribeVolumes").iter().all(|c| c.body.contains("Filter.1.Name=encrypted")));
}

#[test]
fn default_vpcs_have_a_default_subnet_per_zone() {
    let sql = "SELECT s.account_id, s.region, s.availability_zone, s.default_for_az \
               FROM aws_vpc_subnet s JOIN aws_vpc v ON v.vpc_id = s.vpc_id AND v.account_id = s.account_id \
               WHERE v.is_default";
    let rows = query(sql).csv_rows();
    let targets: BTreeSet<(String, String)> = rows.iter().map(|r| (r[0].clone(), r[1].clone())).collect();
    assert_eq!(targets.len(), 8);
    assert!(rows.iter().all(|r| r[2].starts_with(&r[1]) && r[3] == "true"), "{rows:?}");
    let zones: BTreeSet<(String, String, String)> =
        rows.iter().map(|r| (r[0].clone(), r[1].clone(), r[2].clone())).collect();
    assert_eq!(zones.len(), rows.len(), "one subnet per zone");
}

#[test]
fn a_boolean_compared_with_text_reads_as_in_postgres_and_still_pushes_down() {
    let bare = query("SELECT account_id, region, vpc_id FROM aws_vpc WHERE is_default ORDER BY 1, 2");
    let text = query("SELECT account_id, region, vpc_id FROM aws_vpc WHERE is_default = 'true' ORDER BY 1, 2");
    assert_eq!(text.csv_rows(), bare.csv_rows());
    let filters: Vec<&str> = text.calls("DescribeVpcs").iter().map(|r| r.body.as_str()).collect();
    assert!(filters.iter().all(|b| b.contains("Filter.1.Name=is-default")), "{filters:?}");
}
