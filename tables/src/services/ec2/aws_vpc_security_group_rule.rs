use aws_sdk_ec2::types::SecurityGroupRule;

use crate::def::akas;
use crate::services::ec2;
use crate::context::ScanContext;
use crate::def::Def;
use crate::pages::Pages;
use crate::schema::{Call, Kind::*, Scope};
use super::describe;
use crate::table::Table;

/// Key columns sent to DescribeSecurityGroupRules as Filters.
const FILTERS: &[(&str, &str)] = &[("group_id", "group-id"), ("security_group_rule_id", "security-group-rule-id")];

pub fn table() -> Table {
    let def = Def::new(
        "aws_vpc_security_group_rule",
        "Security group rules, one row per rule, ingress and egress.",
        Scope::Regional,
        Call::new("ec2", "DescribeSecurityGroupRules"),
        list,
    )
    .keys(false, FILTERS);
    let def = ec2::tagged(def, SecurityGroupRule::tags, SecurityGroupRule::security_group_rule_id);
    def.example(
        "SELECT account_id, region, group_id FROM aws_vpc_security_group_rule\n\
         WHERE NOT is_egress AND cidr_ipv4 = '0.0.0.0/0' AND (ip_protocol = '-1' OR 22 BETWEEN from_port AND to_port)",
    )
    .column("security_group_rule_id", Text, "The ID of the rule (sgr-...).", |r, _| r.security_group_rule_id().into())
    .column("group_id", Text, "The security group the rule belongs to.", |r, _| r.group_id().into())
    .column("group_owner_id", Text, "The account that owns the group.", |r, _| r.group_owner_id().into())
    .column("is_egress", Bool, "Whether the rule is outbound.", |r, _| r.is_egress().into())
    .column("type", Text, "ingress or egress.", |r, _| {
        r.is_egress().map(|e| if e { "egress" } else { "ingress" }).into()
    })
    .column("description", Text, "The rule's description.", |r, _| r.description().into())
    .column("ip_protocol", Text, "tcp, udp, icmp, icmpv6, a protocol number, or -1 for all.", |r, _| {
        r.ip_protocol().into()
    })
    .column("from_port", Int, "The first port (or ICMP type); -1 for all.", |r, _| r.from_port().into())
    .column("to_port", Int, "The last port (or ICMP code); -1 for all.", |r, _| r.to_port().into())
    .column("cidr_ipv4", Text, "The IPv4 range the rule allows.", |r, _| r.cidr_ipv4().into())
    .column("cidr_ipv6", Text, "The IPv6 range the rule allows.", |r, _| r.cidr_ipv6().into())
    .column("prefix_list_id", Text, "The managed prefix list the rule allows.", |r, _| r.prefix_list_id().into())
    .column("referenced_group_id", Text, "The security group the rule allows.", |r, _| {
        r.referenced_group_info().and_then(|g| g.group_id()).into()
    })
    .column("referenced_user_id", Text, "The account of that group.", |r, _| {
        r.referenced_group_info().and_then(|g| g.user_id()).into()
    })
    .column("referenced_vpc_id", Text, "The VPC of that group.", |r, _| {
        r.referenced_group_info().and_then(|g| g.vpc_id()).into()
    })
    .column("referenced_vpc_peering_connection_id", Text, "The peering connection to that group's VPC.", |r, _| {
        r.referenced_group_info().and_then(|g| g.vpc_peering_connection_id()).into()
    })
    .column("referenced_peering_status", Text, "The status of that peering connection.", |r, _| {
        r.referenced_group_info().and_then(|g| g.peering_status()).into()
    })
    .column("akas", Json, "The rule's ARN, as a one-element JSON array.", |r, t| {
        let arn = |id| format!("arn:{}:ec2:{}:{}:security-group-rule/{id}", t.partition, t.region, t.account_id);
        akas(r.security_group_rule_id().map(arn).into())
    })
    .build()
}

fn list(scan: ScanContext) -> Pages<SecurityGroupRule> {
    describe!(scan, FILTERS, describe_security_group_rules, security_group_rules, 1000)
}
