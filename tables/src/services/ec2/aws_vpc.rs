use aws_sdk_ec2::types::Vpc;
use serde_json::{Value, json};

use crate::services::ec2;
use crate::json::s;
use crate::cell::text;
use crate::context::ScanContext;
use crate::def::Def;
use crate::pages::Pages;
use crate::schema::{Call, Kind::*, Scope};
use super::describe;
use crate::table::Table;

/// Key columns sent to DescribeVpcs as Filters.
const FILTERS: &[(&str, &str)] = &[
    ("vpc_id", "vpc-id"),
    ("cidr_block", "cidr"),
    ("dhcp_options_id", "dhcp-options-id"),
    ("is_default", "is-default"),
    ("owner_id", "owner-id"),
    ("state", "state"),
];

pub fn table() -> Table {
    let def = Def::new("aws_vpc", "VPCs.", Scope::Regional, Call::new("ec2", "DescribeVpcs"), list).keys(false, FILTERS);
    let def = ec2::tagged(def, Vpc::tags, Vpc::vpc_id);
    def.example("SELECT account_id, region, vpc_id, cidr_block FROM aws_vpc WHERE is_default")
        .column("vpc_id", Text, "The ID of the VPC.", |v, _| v.vpc_id().into())
        .column("arn", Text, "The ARN of the VPC.", |v, t| {
            v.vpc_id().map(|id| format!("arn:{}:ec2:{}:{}:vpc/{id}", t.partition, t.region, t.account_id)).into()
        })
        .column("cidr_block", Text, "The primary IPv4 CIDR block.", |v, _| v.cidr_block().into())
        .column("state", Text, "pending or available.", |v, _| text(v.state()))
        .column("is_default", Bool, "Whether this is the region's default VPC.", |v, _| v.is_default().into())
        .column("dhcp_options_id", Text, "The DHCP options set.", |v, _| v.dhcp_options_id().into())
        .column("instance_tenancy", Text, "default or dedicated.", |v, _| text(v.instance_tenancy()))
        .column("owner_id", Text, "The account that owns the VPC.", |v, _| v.owner_id().into())
        .column("cidr_block_association_set", Json, "The IPv4 CIDR blocks associated with the VPC.", |v, _| {
            Value::from_iter(v.cidr_block_association_set().iter().map(|a| {
                json!({
                    "AssociationId": a.association_id(),
                    "CidrBlock": a.cidr_block(),
                    "CidrBlockState": a.cidr_block_state().map(|c| json!({"State": s(c.state()), "StatusMessage": c.status_message()})),
                })
            }))
            .into()
        })
        .column("ipv6_cidr_block_association_set", Json, "The IPv6 CIDR blocks associated with the VPC.", |v, _| {
            Value::from_iter(v.ipv6_cidr_block_association_set().iter().map(|a| {
                json!({"AssociationId": a.association_id(), "Ipv6CidrBlock": a.ipv6_cidr_block(), "NetworkBorderGroup": a.network_border_group()})
            }))
            .into()
        })
        .build()
}

fn list(scan: ScanContext) -> Pages<Vpc> {
    describe!(scan, FILTERS, describe_vpcs, vpcs, 1000)
}
