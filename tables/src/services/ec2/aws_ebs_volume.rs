use aws_sdk_ec2::types::Volume;
use serde_json::{Value, json};

use crate::services::ec2;
use crate::json::{s, time};
use crate::cell::text;
use crate::context::ScanContext;
use crate::def::Def;
use crate::pages::Pages;
use crate::schema::{Kind::*, Scope};
use super::describe;
use crate::table::Table;

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
        Def::new("aws_ebs_volume", "EBS volumes.", Scope::Regional, "ec2:DescribeVolumes", list).keys(false, FILTERS);
    let def = ec2::tagged(def, Volume::tags, Volume::volume_id);
    def.example("SELECT account_id, region, volume_id, size FROM aws_ebs_volume WHERE NOT encrypted")
        .column("volume_id", Text, "The ID of the volume.", |v, _| v.volume_id().into())
        .column("arn", Text, "The ARN of the volume.", |v, t| {
            v.volume_id().map(|id| format!("arn:{}:ec2:{}:{}:volume/{id}", t.partition, t.region, t.account_id)).into()
        })
        .column("volume_type", Text, "gp2, gp3, io1, io2, st1, sc1 or standard.", |v, _| text(v.volume_type()))
        .column("state", Text, "creating, available, in-use, deleting, deleted or error.", |v, _| text(v.state()))
        .column("size", Int, "The size in GiB.", |v, _| v.size().into())
        .column("iops", Int, "The provisioned IOPS.", |v, _| v.iops().into())
        .column("throughput", Int, "The throughput in MiB/s (gp3).", |v, _| v.throughput().into())
        .column("encrypted", Bool, "Whether the volume is encrypted.", |v, _| v.encrypted().into())
        .column("kms_key_id", Text, "The KMS key that encrypts the volume.", |v, _| v.kms_key_id().into())
        .column("availability_zone", Text, "The Availability Zone.", |v, _| v.availability_zone().into())
        .column("snapshot_id", Text, "The snapshot the volume was created from.", |v, _| v.snapshot_id().into())
        .column("create_time", Timestamp, "When the volume was created.", |v, _| v.create_time().into())
        .column("multi_attach_enabled", Bool, "Whether Multi-Attach is enabled.", |v, _| {
            v.multi_attach_enabled().into()
        })
        .column("fast_restored", Bool, "Whether it was created from a fast-restore snapshot.", |v, _| {
            v.fast_restored().into()
        })
        .column("outpost_arn", Text, "The Outpost ARN, if on an Outpost.", |v, _| v.outpost_arn().into())
        .column("attachments", Json, "Where the volume is attached: [{InstanceId, Device, State, ...}].", |v, _| {
            Value::from_iter(v.attachments().iter().map(|a| {
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

fn list(scan: ScanContext) -> Pages<Volume> {
    describe!(scan, FILTERS, describe_volumes, volumes, 500)
}
