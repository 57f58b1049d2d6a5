use aws_sdk_ec2::types::{IpPermission, SecurityGroup};
use serde_json::{Value, json};

use crate::services::ec2;
use crate::context::ScanContext;
use crate::def::Def;
use crate::pages::Pages;
use crate::schema::{Call, Kind::*, Scope};
use super::describe;
use crate::table::Table;

/// Key columns sent to DescribeSecurityGroups as Filters.
const FILTERS: &[(&str, &str)] = &[
    ("group_id", "group-id"),
    ("group_name", "group-name"),
    ("description", "description"),
    ("owner_id", "owner-id"),
    ("vpc_id", "vpc-id"),
];

pub fn table() -> Table {
    let def = Def::new(
        "aws_vpc_security_group",
        "EC2 security groups, with their rules as JSON.",
        Scope::Regional,
        Call::new("ec2", "DescribeSecurityGroups"),
        list,
    )
    .keys(false, FILTERS);
    let def = ec2::tagged(def, SecurityGroup::tags, SecurityGroup::group_name);
    def.example(
        "SELECT account_id, group_id, rule ->> 'IpProtocol' AS protocol, rule -> 'IpRanges' -> 0 ->> 'CidrIp' AS cidr\n\
         FROM (SELECT account_id, group_id, unnest(json_get_array(ip_permissions)) AS rule\n\
               FROM aws_vpc_security_group)",
    )
    .column("group_name", Text, "The name of the group.", |g, _| g.group_name().into())
    .column("group_id", Text, "The ID of the group (sg-...).", |g, _| g.group_id().into())
    .column("arn", Text, "The ARN of the group.", |g, t| {
        g.group_id()
            .map(|id| format!("arn:{}:ec2:{}:{}:security-group/{id}", t.partition, t.region, t.account_id))
            .into()
    })
    .column("description", Text, "The description of the group.", |g, _| g.description().into())
    .column("vpc_id", Text, "The VPC the group belongs to.", |g, _| g.vpc_id().into())
    .column("owner_id", Text, "The account that owns the group.", |g, _| g.owner_id().into())
    .column(
        "ip_permissions",
        Json,
        "Inbound rules: [{IpProtocol, FromPort, ToPort, IpRanges, Ipv6Ranges, UserIdGroupPairs, PrefixListIds}].",
        |g, _| permissions(g.ip_permissions()).into(),
    )
    .column("ip_permissions_egress", Json, "Outbound rules, in the same shape.", |g, _| {
        permissions(g.ip_permissions_egress()).into()
    })
    .build()
}

fn permissions(rules: &[IpPermission]) -> Value {
    rules
        .iter()
        .map(|p| {
            json!({
                "IpProtocol": p.ip_protocol(),
                "FromPort": p.from_port(),
                "ToPort": p.to_port(),
                "IpRanges": Value::from_iter(p.ip_ranges().iter().map(|r| json!({"CidrIp": r.cidr_ip(), "Description": r.description()}))),
                "Ipv6Ranges": Value::from_iter(p.ipv6_ranges().iter().map(|r| json!({"CidrIpv6": r.cidr_ipv6(), "Description": r.description()}))),
                "UserIdGroupPairs": Value::from_iter(p.user_id_group_pairs().iter().map(|u| json!({
                    "GroupId": u.group_id(), "GroupName": u.group_name(), "UserId": u.user_id(),
                    "VpcId": u.vpc_id(), "Description": u.description(),
                }))),
                "PrefixListIds": Value::from_iter(p.prefix_list_ids().iter().map(|l| json!({"PrefixListId": l.prefix_list_id(), "Description": l.description()}))),
            })
        })
        .collect()
}

fn list(scan: ScanContext) -> Pages<SecurityGroup> {
    describe!(scan, FILTERS, describe_security_groups, security_groups, 1000)
}
