use aws_sdk_ec2::operation::describe_images::builders::DescribeImagesFluentBuilder;
use aws_sdk_ec2::types::{Image, LaunchPermission};
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt, TryStreamExt};
use serde_json::{Value, json};

use crate::services::ec2;
use crate::json::s;
use crate::cell::text;
use crate::context::{ScanContext, client};
use crate::def::Def;
use crate::error::FetchError;
use crate::pages::Pages;
use crate::schema::{Call, Kind::*, Scope};
use super::describe;
use crate::table::Table;

#[derive(Clone)]
pub struct Ami {
    image: Image,
    launch_permissions: Option<Vec<LaunchPermission>>,
}

/// Key columns sent to DescribeImages as Filters.
const FILTERS: &[(&str, &str)] = &[
    ("image_id", "image-id"),
    ("name", "name"),
    ("state", "state"),
    ("public", "is-public"),
    ("architecture", "architecture"),
    ("image_type", "image-type"),
    ("platform", "platform"),
    ("root_device_type", "root-device-type"),
    ("virtualization_type", "virtualization-type"),
];

pub fn table() -> Table {
    let def = Def::new(
        "aws_ec2_ami",
        "AMIs owned by the account (all public AMIs would be millions of rows).",
        Scope::Regional,
        Call::new("ec2", "DescribeImages").note("(Owners = the account)"),
        list,
    )
    .keys(false, FILTERS)
    .hydrate(Call::new("ec2", "DescribeImageAttribute").note("launchPermission"), &["launch_permissions"], describe_launch_permissions);
    let def = ec2::tagged(def, |a: &Ami| a.image.tags(), |a| a.image.name().or(a.image.image_id()));
    def.example("SELECT account_id, region, image_id, name FROM aws_ec2_ami WHERE public")
        .column("image_id", Text, "The ID of the AMI.", |a, _| a.image.image_id().into())
        .column("name", Text, "The name of the AMI.", |a, _| a.image.name().into())
        .column("arn", Text, "The ARN of the AMI.", |a, t| {
            a.image
                .image_id()
                .map(|id| format!("arn:{}:ec2:{}:{}:image/{id}", t.partition, t.region, t.account_id))
                .into()
        })
        .column("description", Text, "The description of the AMI.", |a, _| a.image.description().into())
        .column("state", Text, "pending, available, invalid, deregistered, failed, error or disabled.", |a, _| {
            text(a.image.state())
        })
        .column("public", Bool, "Whether anyone may launch it.", |a, _| a.image.public().into())
        .column("owner_id", Text, "The account that owns the AMI.", |a, _| a.image.owner_id().into())
        .column("image_owner_alias", Text, "The owner alias (amazon, self, ...).", |a, _| {
            a.image.image_owner_alias().into()
        })
        .column("image_type", Text, "machine, kernel or ramdisk.", |a, _| text(a.image.image_type()))
        .column("image_location", Text, "Where the AMI manifest is.", |a, _| a.image.image_location().into())
        .column("architecture", Text, "The CPU architecture.", |a, _| text(a.image.architecture()))
        .column("platform", Text, "windows, or null for Linux/UNIX.", |a, _| text(a.image.platform()))
        .column("platform_details", Text, "The billing platform.", |a, _| a.image.platform_details().into())
        .column("creation_date", Timestamp, "When the AMI was created.", |a, _| {
            a.image.creation_date().and_then(crate::json::parse_time).as_ref().into()
        })
        .column("deprecation_time", Timestamp, "When the AMI is deprecated.", |a, _| {
            a.image.deprecation_time().and_then(crate::json::parse_time).as_ref().into()
        })
        .column("ena_support", Bool, "Whether enhanced networking with ENA is on.", |a, _| a.image.ena_support().into())
        .column("hypervisor", Text, "ovm or xen.", |a, _| text(a.image.hypervisor()))
        .column("imds_support", Text, "v2.0 when instances launched from it require IMDSv2.", |a, _| {
            text(a.image.imds_support())
        })
        .column("kernel_id", Text, "The kernel ID.", |a, _| a.image.kernel_id().into())
        .column("ramdisk_id", Text, "The RAM disk ID.", |a, _| a.image.ramdisk_id().into())
        .column("root_device_name", Text, "The root device name, e.g. /dev/sda1.", |a, _| {
            a.image.root_device_name().into()
        })
        .column("root_device_type", Text, "ebs or instance-store.", |a, _| text(a.image.root_device_type()))
        .column("sriov_net_support", Text, "Whether Intel VF networking is on.", |a, _| {
            a.image.sriov_net_support().into()
        })
        .column("virtualization_type", Text, "hvm or paravirtual.", |a, _| text(a.image.virtualization_type()))
        .column("boot_mode", Text, "legacy-bios, uefi or uefi-preferred.", |a, _| text(a.image.boot_mode()))
        .column("tpm_support", Text, "v2.0 when instances launched from it get NitroTPM.", |a, _| {
            text(a.image.tpm_support())
        })
        .column("usage_operation", Text, "The billing usage operation.", |a, _| a.image.usage_operation().into())
        .column("deregistration_protection", Text, "Whether deregistration protection is on, and until when.", |a, _| {
            a.image.deregistration_protection().into()
        })
        .column("last_launched_time", Timestamp, "When an instance was last launched from it.", |a, _| {
            a.image.last_launched_time().and_then(crate::json::parse_time).as_ref().into()
        })
        .column("source_instance_id", Text, "The instance it was created from.", |a, _| {
            a.image.source_instance_id().into()
        })
        .column("source_image_id", Text, "The AMI it was copied from.", |a, _| a.image.source_image_id().into())
        .column("source_image_region", Text, "The region of that AMI.", |a, _| a.image.source_image_region().into())
        .column("free_tier_eligible", Bool, "Whether launching it is Free Tier eligible.", |a, _| {
            a.image.free_tier_eligible().into()
        })
        .column("image_allowed", Bool, "Whether Allowed AMIs lets the account launch it.", |a, _| {
            a.image.image_allowed().into()
        })
        .column("product_codes", Json, "The Marketplace product codes.", |a, _| {
            ec2::product_codes(a.image.product_codes()).into()
        })
        .column("state_reason", Json, "Why the AMI is in its state: {Code, Message}.", |a, _| {
            a.image.state_reason().map(|r| json!({"Code": r.code(), "Message": r.message()})).into()
        })
        .column(
            "block_device_mappings",
            Json,
            "[{DeviceName, Ebs: {SnapshotId, VolumeSize, Encrypted, ...}}].",
            |a, _| {
                Value::from_iter(a.image.block_device_mappings().iter().map(|m| {
                    json!({
                        "DeviceName": m.device_name(),
                        "VirtualName": m.virtual_name(),
                        "Ebs": m.ebs().map(|e| json!({
                            "SnapshotId": e.snapshot_id(),
                            "VolumeSize": e.volume_size(),
                            "VolumeType": s(e.volume_type()),
                            "Encrypted": e.encrypted(),
                            "DeleteOnTermination": e.delete_on_termination(),
                        })),
                    })
                }))
                .into()
            },
        )
        .column(
            "launch_permissions",
            Json,
            "Who may launch it: [{Group: 'all'}] is public; [{UserId}], [{OrganizationArn}] are shares.",
            |a, _| a.launch_permissions.as_ref().map(|p| permissions(p)).into(),
        )
        .build()
}

fn permissions(permissions: &[LaunchPermission]) -> Value {
    Value::from_iter(permissions.iter().map(|p| {
        let mut entry = serde_json::Map::new();
        let mut put = |key: &str, value: Option<&str>| {
            if let Some(value) = value {
                entry.insert(key.to_string(), Value::String(value.to_string()));
            }
        };
        put("Group", p.group().map(|g| g.as_str()));
        put("UserId", p.user_id());
        put("OrganizationArn", p.organization_arn());
        put("OrganizationalUnitArn", p.organizational_unit_arn());
        Value::Object(entry)
    }))
}

fn list(scan: ScanContext) -> Pages<Ami> {
    let owner = scan.target.account_id.clone();
    let configure = move |request: DescribeImagesFluentBuilder| request.owners(owner.clone());
    describe!(scan, FILTERS, describe_images, images, 1000, configure)
        .map_ok(|page| page.into_iter().map(|image| Ami { image, launch_permissions: None }).collect())
        .boxed()
}

fn describe_launch_permissions(scan: ScanContext, mut ami: Ami) -> BoxFuture<'static, Result<Ami, FetchError>> {
    let client = client!(aws_sdk_ec2, scan);
    async move {
        if let Some(id) = ami.image.image_id() {
            let request = client.describe_image_attribute().image_id(id);
            let out = request.attribute(aws_sdk_ec2::types::ImageAttributeName::LaunchPermission).send().await?;
            ami.launch_permissions = Some(out.launch_permissions.unwrap_or_default());
        }
        Ok(ami)
    }
    .boxed()
}
