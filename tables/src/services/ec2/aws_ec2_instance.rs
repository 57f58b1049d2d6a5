use aws_sdk_ec2::operation::describe_instance_attribute::DescribeInstanceAttributeOutput;
use aws_sdk_ec2::types::{
    Filter, Instance, InstanceAttributeName, InstanceStatus, InstanceStatusSummary,
    LaunchTemplateInstanceNetworkInterfaceSpecification, ResponseLaunchTemplateData,
};
use futures::future::BoxFuture;
use futures::FutureExt;
use serde_json::{Value, json};

use crate::services::ec2;
use crate::json::{parse_time, s, tag_list, time};
use crate::cell::{Cell, text};
use crate::context::{ScanContext, client};
use crate::def::Def;
use crate::error::FetchError;
use crate::pages::{Pages, paginate};
use crate::schema::{Call, Kind::*, Scope};
use crate::table::Table;

#[derive(Clone)]
pub struct Ec2Instance {
    instance: Instance,
    disable_api_termination: Option<bool>,
    shutdown_behavior: Option<String>,
    /// Base64, as DescribeInstanceAttribute returns it.
    user_data: Option<String>,
    status: Option<InstanceStatus>,
    launch_template_data: Option<ResponseLaunchTemplateData>,
}

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
        Call::new("ec2", "DescribeInstances"),
        list,
    )
    .key("instance_id", true, "DescribeInstances InstanceIds (one id) or Filter instance-id (several)")
    .hydrate(Call::new("ec2", "DescribeInstanceAttribute").note("disableApiTermination"), &["disable_api_termination"], |scan, i| {
        attribute(scan, i, InstanceAttributeName::DisableApiTermination, |i, out| {
            i.disable_api_termination = out.disable_api_termination.and_then(|v| v.value);
        })
    })
    .hydrate(
        Call::new("ec2", "DescribeInstanceAttribute").note("instanceInitiatedShutdownBehavior"),
        &["instance_initiated_shutdown_behavior"],
        |scan, i| {
            attribute(scan, i, InstanceAttributeName::InstanceInitiatedShutdownBehavior, |i, out| {
                i.shutdown_behavior = out.instance_initiated_shutdown_behavior.and_then(|v| v.value);
            })
        },
    )
    .hydrate(Call::new("ec2", "DescribeInstanceAttribute").note("userData"), &["user_data"], |scan, i| {
        attribute(scan, i, InstanceAttributeName::UserData, |i, out| {
            i.user_data = out.user_data.and_then(|v| v.value);
        })
    })
    .hydrate(Call::new("ec2", "DescribeInstanceStatus"), &["instance_status"], describe_status)
    .hydrate(Call::new("ec2", "GetLaunchTemplateData"), &["launch_template_data"], get_launch_template_data);
    let def = ec2::tagged(def.keys(false, FILTERS), |i: &Ec2Instance| i.instance.tags(), |i| i.instance.instance_id());
    def.example(
        "SELECT account_id, region, instance_id, instance_type, tags ->> 'Name' AS name\n\
         FROM aws_ec2_instance WHERE instance_state = 'running'",
    )
    .column("instance_id", Text, "The ID of the instance.", |i, _| i.instance.instance_id().into())
    .column("arn", Text, "The ARN of the instance.", |i, t| {
        i.instance.instance_id().map(|id| format!("arn:{}:ec2:{}:{}:instance/{id}", t.partition, t.region, t.account_id)).into()
    })
    .column("instance_type", Text, "The instance type, e.g. t3.micro.", |i, _| text(i.instance.instance_type()))
    .column("instance_state", Text, "pending, running, shutting-down, terminated, stopping or stopped.", |i, _| {
        text(i.instance.state().and_then(|s| s.name()))
    })
    .column("disable_api_termination", Bool, "Whether termination protection is on.", |i, _| {
        i.disable_api_termination.into()
    })
    .column("state_code", Int, "The numeric state code.", |i, _| i.instance.state().and_then(|s| s.code()).into())
    .column("monitoring_state", Text, "Whether detailed monitoring is enabled.", |i, _| {
        text(i.instance.monitoring().and_then(|m| m.state()))
    })
    .column("ami_launch_index", Int, "The AMI launch index within its launch group.", |i, _| {
        i.instance.ami_launch_index().into()
    })
    .column("architecture", Text, "The CPU architecture.", |i, _| text(i.instance.architecture()))
    .column("boot_mode", Text, "The boot mode requested at launch.", |i, _| text(i.instance.boot_mode()))
    .column("current_instance_boot_mode", Text, "The boot mode in use.", |i, _| text(i.instance.current_instance_boot_mode()))
    .column("capacity_reservation_id", Text, "The capacity reservation it runs in.", |i, _| {
        i.instance.capacity_reservation_id().into()
    })
    .column("client_token", Text, "The idempotency token given at launch.", |i, _| i.instance.client_token().into())
    .column("cpu_options_core_count", Int, "The number of CPU cores.", |i, _| {
        i.instance.cpu_options().and_then(|c| c.core_count()).into()
    })
    .column("cpu_options_threads_per_core", Int, "The number of threads per core.", |i, _| {
        i.instance.cpu_options().and_then(|c| c.threads_per_core()).into()
    })
    .column("ebs_optimized", Bool, "Whether the instance is EBS-optimized.", |i, _| i.instance.ebs_optimized().into())
    .column("ena_support", Bool, "Whether ENA enhanced networking is enabled.", |i, _| i.instance.ena_support().into())
    .column("hypervisor", Text, "The hypervisor type (xen also covers Nitro).", |i, _| text(i.instance.hypervisor()))
    .column("iam_instance_profile_arn", Text, "The ARN of the attached instance profile.", |i, _| {
        i.instance.iam_instance_profile().and_then(|p| p.arn()).into()
    })
    .column("iam_instance_profile_id", Text, "The ID of the attached instance profile.", |i, _| {
        i.instance.iam_instance_profile().and_then(|p| p.id()).into()
    })
    .column("image_id", Text, "The AMI the instance was launched from.", |i, _| i.instance.image_id().into())
    .column("instance_initiated_shutdown_behavior", Text, "stop or terminate: what an OS shutdown does.", |i, _| {
        i.shutdown_behavior.as_deref().into()
    })
    .column("instance_lifecycle", Text, "spot, scheduled, capacity-block, or null for on-demand.", |i, _| {
        text(i.instance.instance_lifecycle())
    })
    .column("ipv6_address", Text, "The primary IPv6 address.", |i, _| i.instance.ipv6_address().into())
    .column("kernel_id", Text, "The kernel ID.", |i, _| i.instance.kernel_id().into())
    .column("key_name", Text, "The name of the key pair given at launch.", |i, _| i.instance.key_name().into())
    .column("launch_time", Timestamp, "When the instance was launched.", |i, _| i.instance.launch_time().into())
    .column("outpost_arn", Text, "The Outpost ARN, if on an Outpost.", |i, _| i.instance.outpost_arn().into())
    .column("placement_affinity", Text, "The dedicated host affinity.", |i, _| {
        i.instance.placement().and_then(|p| p.affinity()).into()
    })
    .column("placement_availability_zone", Text, "The Availability Zone.", |i, _| {
        i.instance.placement().and_then(|p| p.availability_zone()).into()
    })
    .column("placement_group_id", Text, "The placement group ID.", |i, _| {
        i.instance.placement().and_then(|p| p.group_id()).into()
    })
    .column("placement_group_name", Text, "The placement group name.", |i, _| {
        i.instance.placement().and_then(|p| p.group_name()).into()
    })
    .column("placement_host_id", Text, "The dedicated host ID.", |i, _| i.instance.placement().and_then(|p| p.host_id()).into())
    .column("placement_host_resource_group_arn", Text, "The host resource group ARN.", |i, _| {
        i.instance.placement().and_then(|p| p.host_resource_group_arn()).into()
    })
    .column("placement_partition_number", Int, "The partition number in a partition placement group.", |i, _| {
        i.instance.placement().and_then(|p| p.partition_number()).into()
    })
    .column("placement_tenancy", Text, "default, dedicated or host.", |i, _| {
        text(i.instance.placement().and_then(|p| p.tenancy()))
    })
    .column("platform", Text, "'windows' for Windows instances, else null.", |i, _| text(i.instance.platform()))
    .column("platform_details", Text, "The billing platform details.", |i, _| i.instance.platform_details().into())
    .column("private_ip_address", Text, "The primary private IPv4 address.", |i, _| i.instance.private_ip_address().into())
    .column("private_dns_name", Text, "The private DNS name.", |i, _| i.instance.private_dns_name().into())
    .column("public_dns_name", Text, "The public DNS name, when running.", |i, _| {
        i.instance.public_dns_name().filter(|n| !n.is_empty()).into()
    })
    .column("public_ip_address", Text, "The public IPv4 address, or null.", |i, _| i.instance.public_ip_address().into())
    .column("ram_disk_id", Text, "The RAM disk ID.", |i, _| i.instance.ramdisk_id().into())
    .column("root_device_name", Text, "The root device name, e.g. /dev/xvda.", |i, _| i.instance.root_device_name().into())
    .column("root_device_type", Text, "ebs or instance-store.", |i, _| text(i.instance.root_device_type()))
    .column("source_dest_check", Bool, "Whether source/destination checking is on.", |i, _| {
        i.instance.source_dest_check().into()
    })
    .column("spot_instance_request_id", Text, "The Spot request ID.", |i, _| i.instance.spot_instance_request_id().into())
    .column("sriov_net_support", Text, "Intel 82599 VF networking support.", |i, _| i.instance.sriov_net_support().into())
    .column("state_transition_reason", Text, "Why the state last changed.", |i, _| {
        i.instance.state_transition_reason().filter(|r| !r.is_empty()).into()
    })
    .column(
        "state_transition_time",
        Timestamp,
        "When a stopped or terminated instance changed state (from the reason's text), else the launch time.",
        |i, _| state_transition_time(&i.instance).as_ref().into(),
    )
    .column("subnet_id", Text, "The subnet the instance runs in.", |i, _| i.instance.subnet_id().into())
    .column("tpm_support", Text, "'v2.0' when NitroTPM is enabled.", |i, _| i.instance.tpm_support().into())
    .column("usage_operation", Text, "The billing usage operation.", |i, _| i.instance.usage_operation().into())
    .column("usage_operation_update_time", Timestamp, "When usage_operation last changed.", |i, _| {
        i.instance.usage_operation_update_time().into()
    })
    .column("user_data", Text, "The user data, base64-decoded.", |i, _| {
        i.user_data.as_deref().and_then(|d| aws_smithy_types::base64::decode(d).ok()).map(|d| {
            // Compressed user data is not text; it keeps what is readable.
            String::from_utf8_lossy(&d).into_owned()
        })
        .into()
    })
    .column("virtualization_type", Text, "hvm or paravirtual.", |i, _| text(i.instance.virtualization_type()))
    .column("vpc_id", Text, "The VPC the instance runs in.", |i, _| i.instance.vpc_id().into())
    .column("block_device_mappings", Json, "The attached block devices.", |i, _| block_devices(&i.instance).into())
    .column("capacity_reservation_specification", Json, "The capacity reservation targeting.", |i, _| {
        i.instance.capacity_reservation_specification()
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
    .column("elastic_gpu_associations", Json, "The attached Elastic GPUs.", |i, _| {
        Value::from_iter(i.instance.elastic_gpu_associations().iter().map(|g| {
            json!({
                "ElasticGpuId": g.elastic_gpu_id(),
                "ElasticGpuAssociationId": g.elastic_gpu_association_id(),
                "ElasticGpuAssociationState": g.elastic_gpu_association_state(),
                "ElasticGpuAssociationTime": g.elastic_gpu_association_time(),
            })
        }))
        .into()
    })
    .column("elastic_inference_accelerator_associations", Json, "The attached Elastic Inference accelerators.", |i, _| {
        Value::from_iter(i.instance.elastic_inference_accelerator_associations().iter().map(|a| {
            json!({
                "ElasticInferenceAcceleratorArn": a.elastic_inference_accelerator_arn(),
                "ElasticInferenceAcceleratorAssociationId": a.elastic_inference_accelerator_association_id(),
                "ElasticInferenceAcceleratorAssociationState": a.elastic_inference_accelerator_association_state(),
                "ElasticInferenceAcceleratorAssociationTime": time(a.elastic_inference_accelerator_association_time()),
            })
        }))
        .into()
    })
    .column("enclave_options", Json, "The Nitro Enclaves setting.", |i, _| {
        i.instance.enclave_options().map(|e| json!({"Enabled": e.enabled()})).into()
    })
    .column("hibernation_options", Json, "The hibernation setting.", |i, _| {
        i.instance.hibernation_options().map(|h| json!({"Configured": h.configured()})).into()
    })
    .column("licenses", Json, "The license configurations.", |i, _| {
        Value::from_iter(i.instance.licenses().iter().map(|l| json!({"LicenseConfigurationArn": l.license_configuration_arn()})))
            .into()
    })
    .column("maintenance_options", Json, "The auto-recovery and maintenance options.", |i, _| {
        i.instance.maintenance_options()
            .map(|m| json!({"AutoRecovery": s(m.auto_recovery()), "RebootMigration": s(m.reboot_migration())}))
            .into()
    })
    .column(
        "metadata_options",
        Json,
        "Instance metadata service settings; HttpTokens 'required' means IMDSv2 only.",
        |i, _| {
            i.instance.metadata_options()
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
    .column("network_interfaces", Json, "The attached network interfaces.", |i, _| network_interfaces(&i.instance).into())
    .column("private_dns_name_options", Json, "The hostname options.", |i, _| {
        i.instance.private_dns_name_options()
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
        ec2::product_codes(i.instance.product_codes()).into()
    })
    .column("security_groups", Json, "The security groups, as [{GroupId, GroupName}].", |i, _| {
        Value::from_iter(
            i.instance.security_groups().iter().map(|g| json!({"GroupId": g.group_id(), "GroupName": g.group_name()})),
        )
        .into()
    })
    .column("state_reason", Json, "The code and message of the last state transition.", |i, _| {
        i.instance.state_reason().map(|r| json!({"Code": r.code(), "Message": r.message()})).into()
    })
    .column(
        "instance_status",
        Json,
        "Status checks and scheduled events: {InstanceStatus, SystemStatus, AttachedEbsStatus, Events, ...}.",
        |i, _| i.status.as_ref().map(status).into(),
    )
    .column(
        "launch_template_data",
        Json,
        "The instance's configuration as launch template data: {ImageId, InstanceType, NetworkInterfaces, ...}.",
        |i, _| i.launch_template_data.as_ref().map(launch_template_data).into(),
    )
    .column("akas", Json, "The ARNs of the instance.", |i, t| {
        Cell::from(
            i.instance.instance_id()
                .map(|id| json!([format!("arn:{}:ec2:{}:{}:instance/{id}", t.partition, t.region, t.account_id)])),
        )
    })
    .build()
}

/// Stopped and terminated instances give the time in the reason's text,
/// `User initiated (2019-09-12 16:38:34 GMT)`; other instances changed state at launch.
fn state_transition_time(i: &Instance) -> Option<aws_smithy_types::DateTime> {
    use aws_sdk_ec2::types::InstanceStateName::*;
    let stopped = matches!(i.state().and_then(|s| s.name()), Some(ShuttingDown | Stopped | Stopping | Terminated));
    let reason = i.state_transition_reason().filter(|_| stopped);
    let stamp = reason.and_then(|r| r.get(r.find('(')? + 1..r.rfind(')')?));
    let parsed = stamp.and_then(|t| parse_time(&t.trim().replacen(' ', "T", 1).replace(" GMT", "Z")));
    parsed.or_else(|| i.launch_time().copied())
}

fn status(status: &InstanceStatus) -> Value {
    let summary = |sum: Option<&InstanceStatusSummary>| {
        sum.map(|sum| {
            let details = sum.details().iter().map(|d| {
                json!({"Name": s(d.name()), "Status": s(d.status()), "ImpairedSince": time(d.impaired_since())})
            });
            json!({"Status": s(sum.status()), "Details": Value::from_iter(details)})
        })
    };
    json!({
        "InstanceId": status.instance_id(),
        "AvailabilityZone": status.availability_zone(),
        "AvailabilityZoneId": status.availability_zone_id(),
        "OutpostArn": status.outpost_arn(),
        "InstanceState": status.instance_state().map(|st| json!({"Code": st.code(), "Name": s(st.name())})),
        "InstanceStatus": summary(status.instance_status()),
        "SystemStatus": summary(status.system_status()),
        "AttachedEbsStatus": status.attached_ebs_status().map(|e| {
            let details = e.details().iter().map(|d| {
                json!({"Name": s(d.name()), "Status": s(d.status()), "ImpairedSince": time(d.impaired_since())})
            });
            json!({"Status": s(e.status()), "Details": Value::from_iter(details)})
        }),
        "Events": Value::from_iter(status.events().iter().map(|e| {
            json!({
                "InstanceEventId": e.instance_event_id(),
                "Code": s(e.code()),
                "Description": e.description(),
                "NotBefore": time(e.not_before()),
                "NotAfter": time(e.not_after()),
                "NotBeforeDeadline": time(e.not_before_deadline()),
            })
        })),
    })
}

// InstanceRequirements is left out: an instance has a concrete type, so its launch data
// never carries attribute-based type selection.
fn launch_template_data(d: &ResponseLaunchTemplateData) -> Value {
    let strings = |v: &[String]| Value::from_iter(v.iter().cloned());
    let block_devices = d.block_device_mappings().iter().map(|b| {
        json!({
            "DeviceName": b.device_name(),
            "VirtualName": b.virtual_name(),
            "NoDevice": b.no_device(),
            "Ebs": b.ebs().map(|e| json!({
                "Encrypted": e.encrypted(),
                "DeleteOnTermination": e.delete_on_termination(),
                "Iops": e.iops(),
                "KmsKeyId": e.kms_key_id(),
                "SnapshotId": e.snapshot_id(),
                "VolumeSize": e.volume_size(),
                "VolumeType": s(e.volume_type()),
                "Throughput": e.throughput(),
                "VolumeInitializationRate": e.volume_initialization_rate(),
                "EbsCardIndex": e.ebs_card_index(),
            })),
        })
    });
    let tag_specifications = d.tag_specifications().iter().map(|t| {
        json!({"ResourceType": s(t.resource_type()), "Tags": tag_list(t.tags(), ec2::tag_key_value)})
    });
    json!({
        "ImageId": d.image_id(),
        "InstanceType": s(d.instance_type()),
        "KernelId": d.kernel_id(),
        "RamDiskId": d.ram_disk_id(),
        "KeyName": d.key_name(),
        "EbsOptimized": d.ebs_optimized(),
        "UserData": d.user_data(),
        "DisableApiTermination": d.disable_api_termination(),
        "DisableApiStop": d.disable_api_stop(),
        "InstanceInitiatedShutdownBehavior": s(d.instance_initiated_shutdown_behavior()),
        "IamInstanceProfile": d.iam_instance_profile().map(|p| json!({"Arn": p.arn(), "Name": p.name()})),
        "BlockDeviceMappings": Value::from_iter(block_devices),
        "NetworkInterfaces": Value::from_iter(d.network_interfaces().iter().map(launch_network_interface)),
        "Monitoring": d.monitoring().map(|m| json!({"Enabled": m.enabled()})),
        "Placement": d.placement().map(|p| json!({
            "AvailabilityZone": p.availability_zone(),
            "AvailabilityZoneId": p.availability_zone_id(),
            "Affinity": p.affinity(),
            "GroupName": p.group_name(),
            "GroupId": p.group_id(),
            "HostId": p.host_id(),
            "Tenancy": s(p.tenancy()),
            "SpreadDomain": p.spread_domain(),
            "HostResourceGroupArn": p.host_resource_group_arn(),
            "PartitionNumber": p.partition_number(),
        })),
        "TagSpecifications": Value::from_iter(tag_specifications),
        "ElasticGpuSpecifications": Value::from_iter(d.elastic_gpu_specifications().iter().map(|g| json!({"Type": g.r#type()}))),
        "ElasticInferenceAccelerators": Value::from_iter(d.elastic_inference_accelerators().iter().map(|a| {
            json!({"Type": a.r#type(), "Count": a.count()})
        })),
        "SecurityGroupIds": strings(d.security_group_ids()),
        "SecurityGroups": strings(d.security_groups()),
        "InstanceMarketOptions": d.instance_market_options().map(|m| json!({
            "MarketType": s(m.market_type()),
            "SpotOptions": m.spot_options().map(|o| json!({
                "MaxPrice": o.max_price(),
                "SpotInstanceType": s(o.spot_instance_type()),
                "BlockDurationMinutes": o.block_duration_minutes(),
                "ValidUntil": time(o.valid_until()),
                "InstanceInterruptionBehavior": s(o.instance_interruption_behavior()),
            })),
        })),
        "CreditSpecification": d.credit_specification().map(|c| json!({"CpuCredits": c.cpu_credits()})),
        "CpuOptions": d.cpu_options().map(|c| json!({
            "CoreCount": c.core_count(),
            "ThreadsPerCore": c.threads_per_core(),
            "AmdSevSnp": s(c.amd_sev_snp()),
            "NestedVirtualization": s(c.nested_virtualization()),
        })),
        "CapacityReservationSpecification": d.capacity_reservation_specification().map(|c| json!({
            "CapacityReservationPreference": s(c.capacity_reservation_preference()),
            "CapacityReservationTarget": c.capacity_reservation_target().map(|t| json!({
                "CapacityReservationId": t.capacity_reservation_id(),
                "CapacityReservationResourceGroupArn": t.capacity_reservation_resource_group_arn(),
            })),
        })),
        "LicenseSpecifications": Value::from_iter(d.license_specifications().iter().map(|l| {
            json!({"LicenseConfigurationArn": l.license_configuration_arn()})
        })),
        "HibernationOptions": d.hibernation_options().map(|h| json!({"Configured": h.configured()})),
        "MetadataOptions": d.metadata_options().map(|m| json!({
            "State": s(m.state()),
            "HttpTokens": s(m.http_tokens()),
            "HttpPutResponseHopLimit": m.http_put_response_hop_limit(),
            "HttpEndpoint": s(m.http_endpoint()),
            "HttpProtocolIpv6": s(m.http_protocol_ipv6()),
            "InstanceMetadataTags": s(m.instance_metadata_tags()),
        })),
        "EnclaveOptions": d.enclave_options().map(|e| json!({"Enabled": e.enabled()})),
        "PrivateDnsNameOptions": d.private_dns_name_options().map(|o| json!({
            "HostnameType": s(o.hostname_type()),
            "EnableResourceNameDnsARecord": o.enable_resource_name_dns_a_record(),
            "EnableResourceNameDnsAAAARecord": o.enable_resource_name_dns_aaaa_record(),
        })),
        "MaintenanceOptions": d.maintenance_options().map(|m| json!({"AutoRecovery": s(m.auto_recovery())})),
        "NetworkPerformanceOptions": d.network_performance_options().map(|n| {
            json!({"BandwidthWeighting": s(n.bandwidth_weighting())})
        }),
        "Operator": d.operator().map(|o| json!({
            "Managed": o.managed(),
            "Principal": o.principal(),
            "HiddenByDefault": o.hidden_by_default(),
        })),
    })
}

fn launch_network_interface(n: &LaunchTemplateInstanceNetworkInterfaceSpecification) -> Value {
    json!({
        "NetworkInterfaceId": n.network_interface_id(),
        "DeviceIndex": n.device_index(),
        "NetworkCardIndex": n.network_card_index(),
        "Description": n.description(),
        "SubnetId": n.subnet_id(),
        "InterfaceType": n.interface_type(),
        "Groups": Value::from_iter(n.groups().iter().cloned()),
        "AssociatePublicIpAddress": n.associate_public_ip_address(),
        "AssociateCarrierIpAddress": n.associate_carrier_ip_address(),
        "DeleteOnTermination": n.delete_on_termination(),
        "PrivateIpAddress": n.private_ip_address(),
        "PrivateIpAddresses": Value::from_iter(n.private_ip_addresses().iter().map(|a| {
            json!({"PrivateIpAddress": a.private_ip_address(), "Primary": a.primary()})
        })),
        "SecondaryPrivateIpAddressCount": n.secondary_private_ip_address_count(),
        "Ipv6AddressCount": n.ipv6_address_count(),
        "Ipv6Addresses": Value::from_iter(n.ipv6_addresses().iter().map(|a| {
            json!({"Ipv6Address": a.ipv6_address(), "IsPrimaryIpv6": a.is_primary_ipv6()})
        })),
        "PrimaryIpv6": n.primary_ipv6(),
        "Ipv4Prefixes": Value::from_iter(n.ipv4_prefixes().iter().map(|p| json!({"Ipv4Prefix": p.ipv4_prefix()}))),
        "Ipv4PrefixCount": n.ipv4_prefix_count(),
        "Ipv6Prefixes": Value::from_iter(n.ipv6_prefixes().iter().map(|p| json!({"Ipv6Prefix": p.ipv6_prefix()}))),
        "Ipv6PrefixCount": n.ipv6_prefix_count(),
        "EnaQueueCount": n.ena_queue_count(),
        "EnaSrdSpecification": n.ena_srd_specification().map(|e| json!({
            "EnaSrdEnabled": e.ena_srd_enabled(),
            "EnaSrdUdpSpecification": e.ena_srd_udp_specification().map(|u| json!({"EnaSrdUdpEnabled": u.ena_srd_udp_enabled()})),
        })),
        "ConnectionTrackingSpecification": n.connection_tracking_specification().map(|c| json!({
            "TcpEstablishedTimeout": c.tcp_established_timeout(),
            "UdpStreamTimeout": c.udp_stream_timeout(),
            "UdpTimeout": c.udp_timeout(),
        })),
    })
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

fn wrap(instance: Instance) -> Ec2Instance {
    Ec2Instance {
        instance,
        disable_api_termination: None,
        shutdown_behavior: None,
        user_data: None,
        status: None,
        launch_template_data: None,
    }
}

fn list(scan: ScanContext) -> Pages<Ec2Instance> {
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
                    Ok((instances.map(wrap).collect(), next))
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

/// One DescribeInstanceAttribute call: each attribute takes its own.
fn attribute(
    scan: ScanContext,
    mut instance: Ec2Instance,
    name: InstanceAttributeName,
    fill: fn(&mut Ec2Instance, DescribeInstanceAttributeOutput),
) -> BoxFuture<'static, Result<Ec2Instance, FetchError>> {
    let ec2 = client!(aws_sdk_ec2, scan);
    async move {
        if let Some(id) = instance.instance.instance_id() {
            let out = ec2.describe_instance_attribute().instance_id(id).attribute(name).send().await?;
            fill(&mut instance, out);
        }
        Ok(instance)
    }
    .boxed()
}

fn describe_status(scan: ScanContext, mut instance: Ec2Instance) -> BoxFuture<'static, Result<Ec2Instance, FetchError>> {
    let ec2 = client!(aws_sdk_ec2, scan);
    async move {
        if let Some(id) = instance.instance.instance_id() {
            // Without IncludeAllInstances only running instances have a status.
            let request = ec2.describe_instance_status().instance_ids(id).include_all_instances(true);
            let out = request.send().await?;
            instance.status = out.instance_statuses.unwrap_or_default().into_iter().next();
        }
        Ok(instance)
    }
    .boxed()
}

fn get_launch_template_data(
    scan: ScanContext,
    mut instance: Ec2Instance,
) -> BoxFuture<'static, Result<Ec2Instance, FetchError>> {
    let ec2 = client!(aws_sdk_ec2, scan);
    async move {
        if let Some(id) = instance.instance.instance_id() {
            instance.launch_template_data = ec2.get_launch_template_data().instance_id(id).send().await?.launch_template_data;
        }
        Ok(instance)
    }
    .boxed()
}
