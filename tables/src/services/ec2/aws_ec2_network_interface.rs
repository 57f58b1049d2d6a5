use aws_sdk_ec2::types::NetworkInterface;
use serde_json::{Value, json};

use crate::services::ec2;
use crate::cell::text;
use crate::context::ScanContext;
use crate::def::Def;
use crate::pages::Pages;
use crate::schema::{Call, Kind::*, Scope};
use super::describe;
use crate::table::Table;

/// Key columns sent to DescribeNetworkInterfaces as Filters.
const FILTERS: &[(&str, &str)] = &[
    ("network_interface_id", "network-interface-id"),
    ("attached_instance_id", "attachment.instance-id"),
    ("status", "status"),
    ("subnet_id", "subnet-id"),
    ("vpc_id", "vpc-id"),
    ("interface_type", "interface-type"),
    ("association_public_ip", "association.public-ip"),
];

pub fn table() -> Table {
    let def = Def::new(
        "aws_ec2_network_interface",
        "Elastic network interfaces.",
        Scope::Regional,
        Call::new("ec2", "DescribeNetworkInterfaces"),
        list,
    )
    .keys(false, FILTERS);
    let def = ec2::tagged(def, NetworkInterface::tag_set, NetworkInterface::network_interface_id);
    def.example(
        "SELECT account_id, region, network_interface_id, association_public_ip\n\
         FROM aws_ec2_network_interface WHERE association_public_ip IS NOT NULL",
    )
    .column("network_interface_id", Text, "The ID of the interface (eni-...).", |n, _| n.network_interface_id().into())
    .column("arn", Text, "The ARN of the interface.", |n, t| {
        n.network_interface_id()
            .map(|id| format!("arn:{}:ec2:{}:{}:network-interface/{id}", t.partition, t.region, t.account_id))
            .into()
    })
    .column("interface_type", Text, "interface, natGateway, efa, lambda, ...", |n, _| text(n.interface_type()))
    .column("status", Text, "available, associated, attaching, in-use or detaching.", |n, _| text(n.status()))
    .column("description", Text, "The description of the interface.", |n, _| n.description().into())
    .column("owner_id", Text, "The account that owns the interface.", |n, _| n.owner_id().into())
    .column("requester_managed", Bool, "Whether an AWS service manages it.", |n, _| n.requester_managed().into())
    .column("source_dest_check", Bool, "Whether source/destination checking is on.", |n, _| n.source_dest_check().into())
    .column("vpc_id", Text, "The VPC of the interface.", |n, _| n.vpc_id().into())
    .column("subnet_id", Text, "The subnet of the interface.", |n, _| n.subnet_id().into())
    .column("availability_zone", Text, "The Availability Zone.", |n, _| n.availability_zone().into())
    .column("mac_address", Text, "The MAC address.", |n, _| n.mac_address().into())
    .column("private_ip_address", Text, "The primary private IPv4 address.", |n, _| n.private_ip_address().into())
    .column("private_dns_name", Text, "The private DNS name.", |n, _| n.private_dns_name().into())
    .column("association_public_ip", Text, "The public IPv4 address associated with it.", |n, _| {
        n.association().and_then(|a| a.public_ip()).into()
    })
    .column("association_public_dns_name", Text, "The public DNS name.", |n, _| {
        n.association().and_then(|a| a.public_dns_name()).into()
    })
    .column("attached_instance_id", Text, "The instance it is attached to.", |n, _| {
        n.attachment().and_then(|a| a.instance_id()).into()
    })
    .column("attachment_id", Text, "The ID of the attachment.", |n, _| n.attachment().and_then(|a| a.attachment_id()).into())
    .column("attachment_status", Text, "attaching, attached, detaching or detached.", |n, _| {
        text(n.attachment().and_then(|a| a.status()))
    })
    .column("attachment_time", Timestamp, "When it was attached.", |n, _| n.attachment().and_then(|a| a.attach_time()).into())
    .column("device_index", Int, "The attachment's device index.", |n, _| n.attachment().and_then(|a| a.device_index()).into())
    .column("delete_on_instance_termination", Bool, "Whether it goes when the instance does.", |n, _| {
        n.attachment().and_then(|a| a.delete_on_termination()).into()
    })
    .column("outpost_arn", Text, "The Outpost ARN, if on an Outpost.", |n, _| n.outpost_arn().into())
    .column("requester_id", Text, "The service or account that created it for you.", |n, _| n.requester_id().into())
    .column("ipv6_address", Text, "The primary IPv6 address.", |n, _| n.ipv6_address().into())
    .column("ipv6_native", Bool, "Whether it is in an IPv6-only subnet.", |n, _| n.ipv6_native().into())
    .column("deny_all_igw_traffic", Bool, "Whether traffic to or from the internet gateway is denied.", |n, _| {
        n.deny_all_igw_traffic().into()
    })
    .column("association_allocation_id", Text, "The Elastic IP allocation associated with it.", |n, _| {
        n.association().and_then(|a| a.allocation_id()).into()
    })
    .column("association_id", Text, "The ID of that Elastic IP association.", |n, _| {
        n.association().and_then(|a| a.association_id()).into()
    })
    .column("association_ip_owner_id", Text, "The owner of the associated Elastic IP.", |n, _| {
        n.association().and_then(|a| a.ip_owner_id()).into()
    })
    .column("association_carrier_ip", Text, "The carrier IP (Wavelength Zones).", |n, _| {
        n.association().and_then(|a| a.carrier_ip()).into()
    })
    .column("association_customer_owned_ip", Text, "The customer-owned IP (Outposts).", |n, _| {
        n.association().and_then(|a| a.customer_owned_ip()).into()
    })
    .column("attached_instance_owner_id", Text, "The account of the instance it is attached to.", |n, _| {
        n.attachment().and_then(|a| a.instance_owner_id()).into()
    })
    .column("connection_tracking_configuration", Json, "Idle timeouts: {TcpEstablishedTimeout, UdpStreamTimeout, UdpTimeout}.", |n, _| {
        n.connection_tracking_configuration()
            .map(|c| {
                json!({
                    "TcpEstablishedTimeout": c.tcp_established_timeout(),
                    "UdpStreamTimeout": c.udp_stream_timeout(),
                    "UdpTimeout": c.udp_timeout(),
                })
            })
            .into()
    })
    .column("ipv4_prefixes", Json, "Delegated IPv4 prefixes: [{Ipv4Prefix}].", |n, _| {
        Value::from_iter(n.ipv4_prefixes().iter().map(|p| json!({"Ipv4Prefix": p.ipv4_prefix()}))).into()
    })
    .column("ipv6_prefixes", Json, "Delegated IPv6 prefixes: [{Ipv6Prefix}].", |n, _| {
        Value::from_iter(n.ipv6_prefixes().iter().map(|p| json!({"Ipv6Prefix": p.ipv6_prefix()}))).into()
    })
    .column("groups", Json, "Its security groups: [{GroupId, GroupName}].", |n, _| {
        Value::from_iter(n.groups().iter().map(|g| json!({"GroupId": g.group_id(), "GroupName": g.group_name()}))).into()
    })
    .column("private_ip_addresses", Json, "[{PrivateIpAddress, Primary, Association}].", |n, _| {
        Value::from_iter(n.private_ip_addresses().iter().map(|a| {
            json!({
                "PrivateIpAddress": a.private_ip_address(),
                "Primary": a.primary(),
                "PrivateDnsName": a.private_dns_name(),
                "Association": a.association().map(|x| json!({"PublicIp": x.public_ip(), "IpOwnerId": x.ip_owner_id()})),
            })
        }))
        .into()
    })
    .column("ipv6_addresses", Json, "Its IPv6 addresses.", |n, _| {
        Value::from_iter(n.ipv6_addresses().iter().map(|a| json!({"Ipv6Address": a.ipv6_address()}))).into()
    })
    .build()
}

fn list(scan: ScanContext) -> Pages<NetworkInterface> {
    describe!(scan, FILTERS, describe_network_interfaces, network_interfaces, 1000)
}
