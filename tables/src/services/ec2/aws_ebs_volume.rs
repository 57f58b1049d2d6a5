use aws_sdk_ec2::operation::describe_volume_attribute::DescribeVolumeAttributeOutput;
use aws_sdk_ec2::types::{ProductCode, Volume, VolumeAttributeName};
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt, TryStreamExt};
use serde_json::{Value, json};

use crate::services::ec2;
use crate::json::{s, time};
use crate::cell::text;
use crate::context::{ScanContext, client};
use crate::def::Def;
use crate::error::FetchError;
use crate::pages::Pages;
use crate::schema::{Call, Kind::*, Scope};
use super::describe;
use crate::table::Table;

#[derive(Clone)]
pub struct EbsVolume {
    volume: Volume,
    auto_enable_io: Option<bool>,
    product_codes: Option<Vec<ProductCode>>,
}

/// Key columns sent to DescribeVolumes as Filters.
const FILTERS: &[(&str, &str)] = &[
    ("volume_id", "volume-id"),
    ("volume_type", "volume-type"),
    ("state", "status"),
    ("encrypted", "encrypted"),
    ("availability_zone", "availability-zone"),
    ("snapshot_id", "snapshot-id"),
];

pub fn table() -> Table {
    let def =
        Def::new("aws_ebs_volume", "EBS volumes.", Scope::Regional, Call::new("ec2", "DescribeVolumes"), list)
            .keys(false, FILTERS)
            .hydrate(Call::new("ec2", "DescribeVolumeAttribute").note("autoEnableIO"), &["auto_enable_io"], |scan, v| {
                attribute(scan, v, VolumeAttributeName::AutoEnableIo, |v, out| {
                    v.auto_enable_io = out.auto_enable_io.and_then(|a| a.value);
                })
            })
            .hydrate(Call::new("ec2", "DescribeVolumeAttribute").note("productCodes"), &["product_codes"], |scan, v| {
                attribute(scan, v, VolumeAttributeName::ProductCodes, |v, out| {
                    v.product_codes = Some(out.product_codes.unwrap_or_default());
                })
            });
    let def = ec2::tagged(def, |v: &EbsVolume| v.volume.tags(), |v| v.volume.volume_id());
    def.example("SELECT account_id, region, volume_id, size FROM aws_ebs_volume WHERE NOT encrypted")
        .column("volume_id", Text, "The ID of the volume.", |v, _| v.volume.volume_id().into())
        .column("arn", Text, "The ARN of the volume.", |v, t| {
            v.volume.volume_id().map(|id| format!("arn:{}:ec2:{}:{}:volume/{id}", t.partition, t.region, t.account_id)).into()
        })
        .column("volume_type", Text, "gp2, gp3, io1, io2, st1, sc1 or standard.", |v, _| text(v.volume.volume_type()))
        .column("state", Text, "creating, available, in-use, deleting, deleted or error.", |v, _| text(v.volume.state()))
        .column("size", Int, "The size in GiB.", |v, _| v.volume.size().into())
        .column("iops", Int, "The provisioned IOPS.", |v, _| v.volume.iops().into())
        .column("throughput", Int, "The throughput in MiB/s (gp3).", |v, _| v.volume.throughput().into())
        .column("encrypted", Bool, "Whether the volume is encrypted.", |v, _| v.volume.encrypted().into())
        .column("kms_key_id", Text, "The KMS key that encrypts the volume.", |v, _| v.volume.kms_key_id().into())
        .column("availability_zone", Text, "The Availability Zone.", |v, _| v.volume.availability_zone().into())
        .column("snapshot_id", Text, "The snapshot the volume was created from.", |v, _| v.volume.snapshot_id().into())
        .column("create_time", Timestamp, "When the volume was created.", |v, _| v.volume.create_time().into())
        .column("multi_attach_enabled", Bool, "Whether Multi-Attach is enabled.", |v, _| {
            v.volume.multi_attach_enabled().into()
        })
        .column("fast_restored", Bool, "Whether it was created from a fast-restore snapshot.", |v, _| {
            v.volume.fast_restored().into()
        })
        .column("outpost_arn", Text, "The Outpost ARN, if on an Outpost.", |v, _| v.volume.outpost_arn().into())
        .column("auto_enable_io", Bool, "Whether I/O resumes by itself after a consistency check.", |v, _| {
            v.auto_enable_io.into()
        })
        .column("product_codes", Json, "The Marketplace product codes.", |v, _| {
            v.product_codes.as_deref().map(ec2::product_codes).into()
        })
        .column("attachments", Json, "Where the volume is attached: [{InstanceId, Device, State, ...}].", |v, _| {
            Value::from_iter(v.volume.attachments().iter().map(|a| {
                json!({
                    "InstanceId": a.instance_id(),
                    "Device": a.device(),
                    "State": s(a.state()),
                    "AttachTime": time(a.attach_time()),
                    "DeleteOnTermination": a.delete_on_termination(),
                    "VolumeId": a.volume_id(),
                })
            }))
            .into()
        })
        .build()
}

fn list(scan: ScanContext) -> Pages<EbsVolume> {
    describe!(scan, FILTERS, describe_volumes, volumes, 500)
        .map_ok(|page| {
            page.into_iter().map(|volume| EbsVolume { volume, auto_enable_io: None, product_codes: None }).collect()
        })
        .boxed()
}

/// One DescribeVolumeAttribute call: each attribute takes its own.
fn attribute(
    scan: ScanContext,
    mut volume: EbsVolume,
    name: VolumeAttributeName,
    fill: fn(&mut EbsVolume, DescribeVolumeAttributeOutput),
) -> BoxFuture<'static, Result<EbsVolume, FetchError>> {
    let ec2 = client!(aws_sdk_ec2, scan);
    async move {
        if let Some(id) = volume.volume.volume_id() {
            let out = ec2.describe_volume_attribute().volume_id(id).attribute(name).send().await?;
            fill(&mut volume, out);
        }
        Ok(volume)
    }
    .boxed()
}
