use aws_sdk_ec2::types::{Filter, Instance};
use serde_json::{Value, json};

use crate::services::ec2;
use crate::json::{s, time};
use crate::cell::{Cell, text};
use crate::context::{ScanContext, client};
use crate::def::Def;
use crate::error::FetchError;
use crate::pages::{Pages, paginate};
use crate::schema::{Kind::*, Scope};
use crate::table::Table;

/// Key columns sent to DescribeInstances as Filters.
const FILTERS: &[(&str, &str)] = &[
    ("instance_state", "instance-state-name"),
    ("instance_type", "instance-type"),
    ("image_id", "image-id"),
    ("vpc_id", "vpc-id"),
    ("subnet_id", "subnet-id"),
    ("placement_availability_zone", "availability-zone"),
];

pub fn table() -> Table {
    let def = Def::new(
        "aws_ec2_instance",
        "EC2 instances, one row per instance.",
        Scope::Regional,
        "ec2:DescribeInstances",
        list,
    )
    .key("instance_id", true, "DescribeInstances InstanceIds (one id) or Filter instance-id (several)");
    let def = ec2::tagged(def.keys(false, FILTERS), Instance::tags, Instance::instance_id);
    def.example(
        "SELECT account_id, region, instance_id, instance_type, tags ->> 'Name' AS name\n\
         FROM aws_ec2_instance WHERE instance_state = 'running'",
    )
    .column("instance_id", Text, "The ID of the instance.", |i, _| i.instance_id().into())
    .column("arn", Text, "The ARN of the instance.", |i, t| {
        i.instance_id().map(|id| format!("arn:{}:ec2:{}:{}:instance/{id}", t.partition, t.region, t.account_id)).into()
    })
    .column("instance_type", Text, "The instance type, e.g. t3.micro.", |i, _| text(i.instance_type()))
    .column("instance_state", Text, "pending, running, shutting-down, terminated, stopping or stopped.", |i, _| {
        text(i.state().and_then(|s| s.name()))
    })
    .column("state_code", Int, "The numeric state code.", |i, _| i.state().and_then(|s| s.code()).into())
    .column("monitoring_state", Text, "Whether detailed monitoring is enabled.", |i, _| {
        text(i.monitoring().and_then(|m| m.state()))
    })
    .column("ami_launch_index", Int, "The AMI launch index within its launch group.", |i, _| {
        i.ami_launch_index().into()
    })
    .column("architecture", Text, "The CPU architecture.", |i, _| text(i.architecture()))
    .column("boot_mode", Text, "The boot mode requested at launch.", |i, _| text(i.boot_mode()))
    .column("current_instance_boot_mode", Text, "The boot mode in use.", |i, _| text(i.current_instance_boot_mode()))
    .column("capacity_reservation_id", Text, "The capacity reservation it runs in.", |i, _| {
        i.capacity_reservation_id().into()
    })
    .column("client_token", Text, "The idempotency token given at launch.", |i, _| i.client_token().into())
    .column("cpu_options_core_count", Int, "The number of CPU cores.", |i, _| {
        i.cpu_options().and_then(|c| c.core_count()).into()
    })
    .column("cpu_options_threads_per_core", Int, "The number of threads per core.", |i, _| {
        i.cpu_options().and_then(|c| c.threads_per_core()).into()
    })
    .column("ebs_optimized", Bool, "Whether the instance is EBS-optimized.", |i, _| i.ebs_optimized().into())
    .column("ena_support", Bool, "Whether ENA enhanced networking is enabled.", |i, _| i.ena_support().into())
    .column("hypervisor", Text, "The hypervisor type (xen also covers Nitro).", |i, _| text(i.hypervisor()))
    .column("iam_instance_profile_arn", Text, "The ARN of the attached instance profile.", |i, _| {
        i.iam_instance_profile().and_then(|p| p.arn()).into()
    })
    .column("iam_instance_profile_id", Text, "The ID of the attached instance profile.", |i, _| {
        i.iam_instance_profile().and_then(|p| p.id()).into()
    })
    .column("image_id", Text, "The AMI the instance was launched from.", |i, _| i.image_id().into())
    .column("instance_lifecycle", Text, "spot, scheduled, capacity-block, or null for on-demand.", |i, _| {
        text(i.instance_lifecycle())
    })
    .column("ipv6_address", Text, "The primary IPv6 address.", |i, _| i.ipv6_address().into())
    .column("kernel_id", Text, "The kernel ID.", |i, _| i.kernel_id().into())
    .column("key_name", Text, "The name of the key pair given at launch.", |i, _| i.key_name().into())
    .column("launch_time", Timestamp, "When the instance was launched.", |i, _| i.launch_time().into())
    .column("outpost_arn", Text, "The Outpost ARN, if on an Outpost.", |i, _| i.outpost_arn().into())
    .column("placement_affinity", Text, "The dedicated host affinity.", |i, _| {
        i.placement().and_then(|p| p.affinity()).into()
    })
    .column("placement_availability_zone", Text, "The Availability Zone.", |i, _| {
        i.placement().and_then(|p| p.availability_zone()).into()
    })
    .column("placement_group_id", Text, "The placement group ID.", |i, _| {
        i.placement().and_then(|p| p.group_id()).into()
    })
    .column("placement_group_name", Text, "The placement group name.", |i, _| {
        i.placement().and_then(|p| p.group_name()).into()
    })
    .column("placement_host_id", Text, "The dedicated host ID.", |i, _| i.placement().and_then(|p| p.host_id()).into())
    .column("placement_host_resource_group_arn", Text, "The host resource group ARN.", |i, _| {
        i.placement().and_then(|p| p.host_resource_group_arn()).into()
    })
    .column("placement_partition_number", Int, "The partition number in a partition placement group.", |i, _| {
        i.placement().and_then(|p| p.partition_number()).into()
    })
    .column("placement_tenancy", Text, "default, dedicated or host.", |i, _| {
        text(i.placement().and_then(|p| p.tenancy()))
    })
    .column("platform", Text, "'windows' for Windows instances, else null.", |i, _| text(i.platform()))
    .column("platform_details", Text, "The billing platform details.", |i, _| i.platform_details().into())
    .column("private_ip_address", Text, "The primary private IPv4 address.", |i, _| i.private_ip_address().into())
    .column("private_dns_name", Text, "The private DNS name.", |i, _| i.private_dns_name().into())
    .column("public_dns_name", Text, "The public DNS name, when running.", |i, _| {
        i.public_dns_name().filter(|n| !n.is_empty()).into()
    })
    .column("public_ip_address", Text, "The public IPv4 address, or null.", |i, _| i.public_ip_address().into())
    .column("ram_disk_id", Text, "The RAM disk ID.", |i, _| i.ramdisk_id().into())
    .column("root_device_name", Text, "The root device name, e.g. /dev/xvda.", |i, _| i.root_device_name().into())
    .column("root_device_type", Text, "ebs or instance-store.", |i, _| text(i.root_device_type()))
    .column("source_dest_check", Bool, "Whether source/destination checking is on.", |i, _| {
        i.source_dest_check().into()
    })
    .column("spot_instance_request_id", Text, "The Spot request ID.", |i, _| i.spot_instance_request_id().into())
    .column("sriov_net_support", Text, "Intel 82599 VF networking support.", |i, _| i.sriov_net_support().into())
    .column("state_transition_reason", Text, "Why the state last changed.", |i, _| {
        i.state_transition_reason().filter(|r| !r.is_empty()).into()
    })
    .column("subnet_id", Text, "The subnet the instance runs in.", |i, _| i.subnet_id().into())
    .column("tpm_support", Text, "'v2.0' when NitroTPM is enabled.", |i, _| i.tpm_support().into())
    .column("usage_operation", Text, "The billing usage operation.", |i, _| i.usage_operation().into())
    .column("usage_operation_update_time", Timestamp, "When usage_operation last changed.", |i, _| {
        i.usage_operation_update_time().into()
    })
    .column("virtualization_type", Text, "hvm or paravirtual.", |i, _| text(i.virtualization_type()))
    .column("vpc_id", Text, "The VPC the instance runs in.", |i, _| i.vpc_id().into())
    .column("block_device_mappings", Json, "The attached block devices.", |i, _| block_devices(i).into())
    .column("capacity_reservation_specification", Json, "The capacity reservation targeting.", |i, _| {
        i.capacity_reservation_specification()
            .map(|c| {
                json!({
                    "CapacityReservationPreference": s(c.capacity_reservation_preference()),
                    "CapacityReservationTarget": c.capacity_reservation_target().map(|t| json!({
                        "CapacityReservationId": t.capacity_reservation_id(),
                        "CapacityReservationResourceGroupArn": t.capacity_reservation_resource_group_arn(),
                    })),
                })
            })
            .into()
    })
    .column("enclave_options", Json, "The Nitro Enclaves setting.", |i, _| {
        i.enclave_options().map(|e| json!({"Enabled": e.enabled()})).into()
    })
    .column("hibernation_options", Json, "The hibernation setting.", |i, _| {
        i.hibernation_options().map(|h| json!({"Configured": h.configured()})).into()
    })
    .column("licenses", Json, "The license configurations.", |i, _| {
        Value::from_iter(i.licenses().iter().map(|l| json!({"LicenseConfigurationArn": l.license_configuration_arn()})))
            .into()
    })
    .column("maintenance_options", Json, "The auto-recovery and maintenance options.", |i, _| {
        i.maintenance_options()
            .map(|m| json!({"AutoRecovery": s(m.auto_recovery()), "RebootMigration": s(m.reboot_migration())}))
            .into()
    })
    .column(
        "metadata_options",
        Json,
        "Instance metadata service settings; HttpTokens 'required' means IMDSv2 only.",
        |i, _| {
            i.metadata_options()
                .map(|m| {
                    json!({
                        "State": s(m.state()),
                        "HttpTokens": s(m.http_tokens()),
                        "HttpEndpoint": s(m.http_endpoint()),
                        "HttpPutResponseHopLimit": m.http_put_response_hop_limit(),
                        "HttpProtocolIpv6": s(m.http_protocol_ipv6()),
                        "InstanceMetadataTags": s(m.instance_metadata_tags()),
                    })
                })
                .into()
        },
    )
    .column("network_interfaces", Json, "The attached network interfaces.", |i, _| network_interfaces(i).into())
    .column("private_dns_name_options", Json, "The hostname options.", |i, _| {
        i.private_dns_name_options()
            .map(|o| {
                json!({
                    "HostnameType": s(o.hostname_type()),
                    "EnableResourceNameDnsARecord": o.enable_resource_name_dns_a_record(),
                    "EnableResourceNameDnsAAAARecord": o.enable_resource_name_dns_aaaa_record(),
                })
            })
            .into()
    })
    .column("product_codes", Json, "The Marketplace product codes.", |i, _| {
        Value::from_iter(
            i.product_codes()
                .iter()
                .map(|p| json!({"ProductCodeId": p.product_code_id(), "ProductCodeType": s(p.product_code_type())})),
        )
        .into()
    })
    .column("security_groups", Json, "The security groups, as [{GroupId, GroupName}].", |i, _| {
        Value::from_iter(
            i.security_groups().iter().map(|g| json!({"GroupId": g.group_id(), "GroupName": g.group_name()})),
        )
        .into()
    })
    .column("state_reason", Json, "The code and message of the last state transition.", |i, _| {
        i.state_reason().map(|r| json!({"Code": r.code(), "Message": r.message()})).into()
    })
    .column("akas", Json, "The ARNs of the instance.", |i, t| {
        Cell::from(
            i.instance_id()
                .map(|id| json!([format!("arn:{}:ec2:{}:{}:instance/{id}", t.partition, t.region, t.account_id)])),
        )
    })
    .build()
}

fn block_devices(i: &Instance) -> Value {
    i.block_device_mappings()
        .iter()
        .map(|b| {
            json!({
                "DeviceName": b.device_name(),
                "Ebs": b.ebs().map(|e| json!({
                    "VolumeId": e.volume_id(),
                    "Status": s(e.status()),
                    "AttachTime": time(e.attach_time()),
                    "DeleteOnTermination": e.delete_on_termination(),
                })),
            })
        })
        .collect()
}

fn network_interfaces(i: &Instance) -> Value {
    i.network_interfaces()
        .iter()
        .map(|n| {
            json!({
                "NetworkInterfaceId": n.network_interface_id(),
                "SubnetId": n.subnet_id(),
                "VpcId": n.vpc_id(),
                "OwnerId": n.owner_id(),
                "Status": s(n.status()),
                "MacAddress": n.mac_address(),
                "PrivateIpAddress": n.private_ip_address(),
                "PrivateDnsName": n.private_dns_name(),
                "SourceDestCheck": n.source_dest_check(),
                "InterfaceType": n.interface_type(),
                "Association": n.association().map(|a| json!({
                    "PublicIp": a.public_ip(),
                    "PublicDnsName": a.public_dns_name(),
                    "IpOwnerId": a.ip_owner_id(),
                })),
                "Groups": Value::from_iter(n.groups().iter().map(|g| json!({"GroupId": g.group_id(), "GroupName": g.group_name()}))),
                "Ipv6Addresses": Value::from_iter(n.ipv6_addresses().iter().map(|a| json!({"Ipv6Address": a.ipv6_address()}))),
            })
        })
        .collect()
}

fn list(scan: ScanContext) -> Pages<Instance> {
    let ec2 = client!(aws_sdk_ec2, scan);
    let mut filters = ec2::filters(&scan, FILTERS);
    // One id goes in InstanceIds (one exact lookup); several go in a filter, because
    // InstanceIds fails the whole call when any id does not exist.
    let mut instance_ids = None;
    match scan.qual("instance_id") {
        Some([id]) => instance_ids = Some(vec![id.clone()]),
        Some(ids) => filters.push(
            Filter::builder()
                .name("instance-id")
                .set_values(Some(ids.iter().map(|v| ec2::filter_value(v)).collect()))
                .build(),
        ),
        None => {}
    }
    // DescribeInstances rejects MaxResults together with InstanceIds.
    let page_size = instance_ids.is_none().then(|| scan.page_size(5, 1000));
    let filters = (!filters.is_empty()).then_some(filters);
    paginate(move |token| {
        let request = ec2
            .describe_instances()
            .set_instance_ids(instance_ids.clone())
            .set_filters(filters.clone())
            .set_max_results(page_size)
            .set_next_token(token);
        async move {
            match request.send().await {
                Ok(out) => {
                    let next = out.next_token().map(str::to_string);
                    let instances =
                        out.reservations.unwrap_or_default().into_iter().flat_map(|r| r.instances.unwrap_or_default());
                    Ok((instances.collect(), next))
                }
                Err(err) if is_unknown_instance(&err) => Ok((Vec::new(), None)),
                Err(err) => Err(FetchError::from(err)),
            }
        }
    })
}

fn is_unknown_instance<R>(
    err: &aws_smithy_runtime_api::client::result::SdkError<
        aws_sdk_ec2::operation::describe_instances::DescribeInstancesError,
        R,
    >,
) -> bool {
    use aws_smithy_types::error::metadata::ProvideErrorMetadata;
    err.as_service_error().and_then(|e| e.code()).is_some_and(|code| code.starts_with("InvalidInstanceID"))
}
