use aws_sdk_ec2::types::Subnet;
use serde_json::{Value, json};

use crate::def::akas;
use crate::services::ec2;
use crate::cell::text;
use crate::context::ScanContext;
use crate::def::Def;
use crate::pages::Pages;
use crate::schema::{Call, Kind::*, Scope};
use super::describe;
use crate::table::Table;

/// Key columns sent to DescribeSubnets as Filters.
const FILTERS: &[(&str, &str)] = &[
    ("subnet_id", "subnet-id"),
    ("vpc_id", "vpc-id"),
    ("availability_zone", "availability-zone"),
    ("cidr_block", "cidr-block"),
    ("default_for_az", "default-for-az"),
    ("state", "state"),
    ("owner_id", "owner-id"),
];

pub fn table() -> Table {
    let def =
        Def::new("aws_vpc_subnet", "VPC subnets.", Scope::Regional, Call::new("ec2", "DescribeSubnets"), list).keys(false, FILTERS);
    let def = ec2::tagged(def, Subnet::tags, Subnet::subnet_id);
    def.example("SELECT account_id, region, subnet_id, cidr_block FROM aws_vpc_subnet WHERE map_public_ip_on_launch")
        .column("subnet_id", Text, "The ID of the subnet.", |n, _| n.subnet_id().into())
        .column("subnet_arn", Text, "The ARN of the subnet.", |n, _| n.subnet_arn().into())
        .column("vpc_id", Text, "The VPC the subnet belongs to.", |n, _| n.vpc_id().into())
        .column("cidr_block", Text, "The IPv4 CIDR block.", |n, _| n.cidr_block().into())
        .column("state", Text, "pending or available.", |n, _| text(n.state()))
        .column("owner_id", Text, "The account that owns the subnet.", |n, _| n.owner_id().into())
        .column("availability_zone", Text, "The Availability Zone.", |n, _| n.availability_zone().into())
        .column("availability_zone_id", Text, "The Availability Zone ID (e.g. use1-az1).", |n, _| {
            n.availability_zone_id().into()
        })
        .column("available_ip_address_count", Int, "Unused IPv4 addresses.", |n, _| {
            n.available_ip_address_count().into()
        })
        .column("default_for_az", Bool, "Whether it is its zone's default subnet.", |n, _| n.default_for_az().into())
        .column("map_public_ip_on_launch", Bool, "Whether instances get a public IPv4 address.", |n, _| {
            n.map_public_ip_on_launch().into()
        })
        .column("assign_ipv6_address_on_creation", Bool, "Whether new interfaces get an IPv6 address.", |n, _| {
            n.assign_ipv6_address_on_creation().into()
        })
        .column("map_customer_owned_ip_on_launch", Bool, "Whether instances get a customer-owned IP.", |n, _| {
            n.map_customer_owned_ip_on_launch().into()
        })
        .column("customer_owned_ipv4_pool", Text, "The customer-owned IPv4 pool.", |n, _| {
            n.customer_owned_ipv4_pool().into()
        })
        .column("outpost_arn", Text, "The Outpost ARN, if on an Outpost.", |n, _| n.outpost_arn().into())
        .column("ipv6_cidr_block_association_set", Json, "The IPv6 CIDR blocks of the subnet.", |n, _| {
            Value::from_iter(
                n.ipv6_cidr_block_association_set()
                    .iter()
                    .map(|a| json!({"AssociationId": a.association_id(), "Ipv6CidrBlock": a.ipv6_cidr_block()})),
            )
            .into()
        })
        .column("akas", Json, "The subnet's ARN, as a one-element JSON array.", |n, _| akas(n.subnet_arn().into()))
        .build()
}

fn list(scan: ScanContext) -> Pages<Subnet> {
    describe!(scan, FILTERS, describe_subnets, subnets, 1000)
}
