use aws_sdk_rds::types::{DbSnapshot, DbSnapshotAttribute};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::{Value, json};

use crate::services::rds;
use crate::context::{ScanContext, client};
use crate::def::Def;
use crate::error::FetchError;
use crate::pages::{Pages, paginate};
use crate::schema::{Kind::*, Scope};
use crate::table::Table;

#[derive(Clone)]
pub struct RdsSnapshot {
    snapshot: DbSnapshot,
    attributes: Option<Vec<DbSnapshotAttribute>>,
}

/// Key columns sent to DescribeDBSnapshots as Filters.
const FILTERS: &[(&str, &str)] = &[
    ("db_snapshot_identifier", "db-snapshot-id"),
    ("db_instance_identifier", "db-instance-id"),
    ("type", "snapshot-type"),
    ("engine", "engine"),
];

pub fn table() -> Table {
    let def = Def::new(
        "aws_rds_db_snapshot",
        "RDS DB snapshots of the account, manual and automated.",
        Scope::Regional,
        "rds:DescribeDBSnapshots",
        list,
    )
    .keys(false, FILTERS)
    .hydrate("rds:DescribeDBSnapshotAttributes", &["db_snapshot_attributes"], describe_attributes)
    .example(
        "SELECT account_id, region, db_snapshot_identifier FROM aws_rds_db_snapshot\n\
         WHERE json_get_str(db_snapshot_attributes, 0, 'AttributeValues', 0) = 'all'",
    )
    .column("db_snapshot_identifier", Text, "The snapshot's identifier.", |s, _| {
        s.snapshot.db_snapshot_identifier().into()
    })
    .column("arn", Text, "The ARN of the snapshot.", |s, _| s.snapshot.db_snapshot_arn().into())
    .column("db_instance_identifier", Text, "The instance it was taken from.", |s, _| {
        s.snapshot.db_instance_identifier().into()
    })
    .column("type", Text, "manual, automated, shared, public or awsbackup.", |s, _| s.snapshot.snapshot_type().into())
    .column("status", Text, "available, creating, ...", |s, _| s.snapshot.status().into())
    .column("engine", Text, "The database engine.", |s, _| s.snapshot.engine().into())
    .column("engine_version", Text, "The engine version.", |s, _| s.snapshot.engine_version().into())
    .column("encrypted", Bool, "Whether the snapshot is encrypted.", |s, _| s.snapshot.encrypted().into())
    .column("kms_key_id", Text, "The KMS key that encrypts it.", |s, _| s.snapshot.kms_key_id().into())
    .column("allocated_storage", Int, "The storage size in GiB.", |s, _| s.snapshot.allocated_storage().into())
    .column("availability_zone", Text, "The Availability Zone of the source.", |s, _| {
        s.snapshot.availability_zone().into()
    })
    .column("vpc_id", Text, "The VPC of the source instance.", |s, _| s.snapshot.vpc_id().into())
    .column("port", Int, "The source instance's port.", |s, _| s.snapshot.port().into())
    .column("master_user_name", Text, "The master user's name.", |s, _| s.snapshot.master_username().into())
    .column("create_time", Timestamp, "When the snapshot was taken.", |s, _| s.snapshot.snapshot_create_time().into())
    .column(
        "db_snapshot_attributes",
        Json,
        "Who may restore it: [{AttributeName: 'restore', AttributeValues}]; 'all' means public.",
        |s, _| {
            s.attributes
                .as_ref()
                .map(|attributes| {
                    Value::from_iter(
                        attributes.iter().map(
                            |a| json!({"AttributeName": a.attribute_name(), "AttributeValues": a.attribute_values()}),
                        ),
                    )
                })
                .into()
        },
    )
    .column("title", Text, "The snapshot's identifier.", |s, _| s.snapshot.db_snapshot_identifier().into());
    rds::tagged(def, |s: &RdsSnapshot| s.snapshot.tag_list()).build()
}

fn list(scan: ScanContext) -> Pages<RdsSnapshot> {
    let rds = client!(aws_sdk_rds, scan);
    let filters = rds::filters(&scan, FILTERS);
    let page_size = scan.page_size(20, 100);
    paginate(move |marker| {
        let request =
            rds.describe_db_snapshots().set_filters(filters.clone()).max_records(page_size).set_marker(marker);
        async move {
            let out = request.send().await?;
            let snapshots = out.db_snapshots.unwrap_or_default().into_iter();
            Ok((snapshots.map(|snapshot| RdsSnapshot { snapshot, attributes: None }).collect(), out.marker))
        }
    })
}

fn describe_attributes(scan: ScanContext, mut snapshot: RdsSnapshot) -> BoxFuture<'static, Result<RdsSnapshot, FetchError>> {
    let rds = client!(aws_sdk_rds, scan);
    async move {
        if let Some(id) = snapshot.snapshot.db_snapshot_identifier() {
            let out = rds.describe_db_snapshot_attributes().db_snapshot_identifier(id).send().await?;
            let attributes = out.db_snapshot_attributes_result.and_then(|r| r.db_snapshot_attributes);
            snapshot.attributes = Some(attributes.unwrap_or_default());
        }
        Ok(snapshot)
    }
    .boxed()
}
