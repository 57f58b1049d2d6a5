use aws_sdk_ec2::types::InternetGateway;
use serde_json::{Value, json};

use crate::services::ec2;
use crate::json::s;
use crate::context::ScanContext;
use crate::def::Def;
use crate::pages::Pages;
use crate::schema::{Call, Kind::*, Scope};
use super::describe;
use crate::table::Table;

/// Key columns sent to DescribeInternetGateways as Filters.
const FILTERS: &[(&str, &str)] = &[("internet_gateway_id", "internet-gateway-id"), ("owner_id", "owner-id")];

pub fn table() -> Table {
    let def = Def::new(
        "aws_vpc_internet_gateway",
        "Internet gateways and the VPCs they are attached to.",
        Scope::Regional,
        Call::new("ec2", "DescribeInternetGateways"),
        list,
    )
    .keys(false, FILTERS);
    let def = ec2::tagged(def, InternetGateway::tags, InternetGateway::internet_gateway_id);
    def.example(
        "SELECT account_id, region, internet_gateway_id, attachments -> 0 ->> 'VpcId' AS vpc_id\n\
         FROM aws_vpc_internet_gateway",
    )
    .column("internet_gateway_id", Text, "The ID of the gateway (igw-...).", |g, _| g.internet_gateway_id().into())
    .column("arn", Text, "The ARN of the gateway.", |g, t| {
        g.internet_gateway_id()
            .map(|id| format!("arn:{}:ec2:{}:{}:internet-gateway/{id}", t.partition, t.region, t.account_id))
            .into()
    })
    .column("owner_id", Text, "The account that owns the gateway.", |g, _| g.owner_id().into())
    .column("attachments", Json, "The VPCs it is attached to: [{VpcId, State}].", |g, _| {
        Value::from_iter(g.attachments().iter().map(|a| json!({"VpcId": a.vpc_id(), "State": s(a.state())}))).into()
    })
    .build()
}

fn list(scan: ScanContext) -> Pages<InternetGateway> {
    describe!(scan, FILTERS, describe_internet_gateways, internet_gateways, 1000)
}
