use aws_sdk_ec2::operation::describe_snapshots::builders::DescribeSnapshotsFluentBuilder;
use aws_sdk_ec2::types::{CreateVolumePermission, Filter, Snapshot, SnapshotAttributeName};
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt, TryStreamExt};
use serde_json::Value;

use crate::services::ec2;
use crate::cell::text;
use crate::context::{ScanContext, client};
use crate::def::Def;
use crate::error::FetchError;
use crate::pages::Pages;
use crate::schema::{Call, Kind::*, Scope};
use super::describe;
use crate::table::Table;

#[derive(Clone)]
pub struct EbsSnapshot {
    snapshot: Snapshot,
    create_volume_permissions: Option<Vec<CreateVolumePermission>>,
}

/// Key columns sent to DescribeSnapshots as Filters.
const FILTERS: &[(&str, &str)] = &[
    ("snapshot_id", "snapshot-id"),
    ("volume_id", "volume-id"),
    ("state", "status"),
    ("encrypted", "encrypted"),
    ("description", "description"),
];

pub fn table() -> Table {
    let def = Def::new(
        "aws_ebs_snapshot",
        "EBS snapshots owned by the account, unless the query names other owners.",
        Scope::Regional,
        Call::new("ec2", "DescribeSnapshots").note("(OwnerIds = the account)"),
        list,
    )
    .keys(false, FILTERS)
    // OwnerIds also takes aliases (self, amazon) that are not owner ids: the engine re-checks.
    .key("owner_id", false, "DescribeSnapshots OwnerIds")
    .hydrate(
        Call::new("ec2", "DescribeSnapshotAttribute").note("createVolumePermission"),
        &["create_volume_permissions"],
        describe_create_volume_permissions,
    );
    let def = ec2::tagged(def, |s: &EbsSnapshot| s.snapshot.tags(), |s| s.snapshot.snapshot_id());
    def.example(
        "SELECT account_id, region, snapshot_id\n\
         FROM (SELECT account_id, region, snapshot_id, unnest(json_get_array(create_volume_permissions)) AS p\n\
               FROM aws_ebs_snapshot)\n\
         WHERE p ->> 'Group' = 'all'",
    )
    .column("snapshot_id", Text, "The ID of the snapshot.", |s, _| s.snapshot.snapshot_id().into())
    .column("arn", Text, "The ARN of the snapshot.", |s, t| {
        s.snapshot
            .snapshot_id()
            .map(|id| format!("arn:{}:ec2:{}:{}:snapshot/{id}", t.partition, t.region, t.account_id))
            .into()
    })
    .column("state", Text, "pending, completed, error, recoverable or recovering.", |s, _| text(s.snapshot.state()))
    .column("description", Text, "The description of the snapshot.", |s, _| s.snapshot.description().into())
    .column("volume_id", Text, "The volume it was taken from.", |s, _| s.snapshot.volume_id().into())
    .column("volume_size", Int, "The size of that volume in GiB.", |s, _| s.snapshot.volume_size().into())
    .column("encrypted", Bool, "Whether the snapshot is encrypted.", |s, _| s.snapshot.encrypted().into())
    .column("kms_key_id", Text, "The KMS key that encrypts it.", |s, _| s.snapshot.kms_key_id().into())
    .column("owner_id", Text, "The account that owns it.", |s, _| s.snapshot.owner_id().into())
    .column("owner_alias", Text, "The AWS owner alias (amazon, ...), not the IAM alias.", |s, _| {
        s.snapshot.owner_alias().into()
    })
    .column("progress", Text, "How far along it is, as a percentage.", |s, _| s.snapshot.progress().into())
    .column("start_time", Timestamp, "When the snapshot was started.", |s, _| s.snapshot.start_time().into())
    .column("storage_tier", Text, "standard or archive.", |s, _| text(s.snapshot.storage_tier()))
    .column("outpost_arn", Text, "The Outpost ARN, if on an Outpost.", |s, _| s.snapshot.outpost_arn().into())
    .column("state_message", Text, "Why a copy failed, or an error from EBS.", |s, _| s.snapshot.state_message().into())
    .column("data_encryption_key_id", Text, "The data key ID of an encrypted snapshot.", |s, _| {
        s.snapshot.data_encryption_key_id().into()
    })
    .column("full_snapshot_size_in_bytes", Int, "The size of the full snapshot, in bytes.", |s, _| {
        s.snapshot.full_snapshot_size_in_bytes().into()
    })
    .column("restore_expiry_time", Timestamp, "When a temporarily restored archived snapshot goes back to archive.", |s, _| {
        s.snapshot.restore_expiry_time().into()
    })
    .column(
        "create_volume_permissions",
        Json,
        "Who may create volumes from it: [{Group: 'all'}] is public, [{UserId}] a share. \
         Null for snapshots the account does not own.",
        |s, _| {
            s.create_volume_permissions
                .as_ref()
                .map(|permissions| {
                    Value::from_iter(permissions.iter().map(|p| {
                        let mut entry = serde_json::Map::new();
                        if let Some(group) = p.group() {
                            entry.insert("Group".into(), group.as_str().into());
                        }
                        if let Some(user) = p.user_id() {
                            entry.insert("UserId".into(), user.into());
                        }
                        Value::Object(entry)
                    }))
                })
                .into()
        },
    )
    .build()
}

fn list(scan: ScanContext) -> Pages<EbsSnapshot> {
    // Every public snapshot in the region is millions of rows: only the account's own,
    // unless owners or ids are named.
    let owners = match (scan.qual("owner_id"), scan.qual("snapshot_id")) {
        (Some(owners), _) => Some(owners.to_vec()),
        (None, Some(_)) => None,
        (None, None) => Some(vec![scan.target.account_id.clone()]),
    };
    // The owner is also sent as a filter, which emulators that ignore OwnerIds honour.
    let owner_filter = owners.clone().map(|owners| Filter::builder().name("owner-id").set_values(Some(owners)).build());
    let configure = move |request: DescribeSnapshotsFluentBuilder| match &owner_filter {
        Some(filter) => request.set_owner_ids(owners.clone()).filters(filter.clone()),
        None => request,
    };

    describe!(scan, FILTERS, describe_snapshots, snapshots, 1000, configure)
        .map_ok(|page| {
            page.into_iter().map(|snapshot| EbsSnapshot { snapshot, create_volume_permissions: None }).collect()
        })
        .boxed()
}

fn describe_create_volume_permissions(
    scan: ScanContext,
    mut snapshot: EbsSnapshot,
) -> BoxFuture<'static, Result<EbsSnapshot, FetchError>> {
    let client = client!(aws_sdk_ec2, scan);
    let owned = snapshot.snapshot.owner_id() == Some(scan.target.account_id.as_str());
    async move {
        // Only the owner may read who else can use a snapshot.
        if let (true, Some(id)) = (owned, snapshot.snapshot.snapshot_id()) {
            let request = client.describe_snapshot_attribute().snapshot_id(id);
            let out = request.attribute(SnapshotAttributeName::CreateVolumePermission).send().await?;
            snapshot.create_volume_permissions = Some(out.create_volume_permissions.unwrap_or_default());
        }
        Ok(snapshot)
    }
    .boxed()
}
