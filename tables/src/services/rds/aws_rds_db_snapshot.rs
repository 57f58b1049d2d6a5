use aws_sdk_rds::types::{DbSnapshot, DbSnapshotAttribute};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::{Value, json};

use crate::services::rds;
use crate::context::{ScanContext, client};
use crate::def::Def;
use crate::error::FetchError;
use crate::pages::{Pages, paginate};
use crate::schema::{Call, Kind::*, Scope};
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
        Call::new("rds", "DescribeDBSnapshots"),
        list,
    )
    .keys(false, FILTERS)
    .hydrate(Call::new("rds", "DescribeDBSnapshotAttributes"), &["db_snapshot_attributes"], describe_attributes)
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
    .column("dbi_resource_id", Text, "The resource ID of the source instance.", |s, _| s.snapshot.dbi_resource_id().into())
    .column("instance_create_time", Timestamp, "When the source instance was created.", |s, _| {
        s.snapshot.instance_create_time().into()
    })
    .column("snapshot_database_time", Timestamp, "The database time the snapshot holds data as of.", |s, _| {
        s.snapshot.snapshot_database_time().into()
    })
    .column("percent_progress", Int, "How much of the data has been transferred, as a percentage.", |s, _| {
        s.snapshot.percent_progress().into()
    })
    .column("iops", Int, "The source instance's provisioned IOPS.", |s, _| s.snapshot.iops().into())
    .column("storage_type", Text, "The storage type of the source instance.", |s, _| s.snapshot.storage_type().into())
    .column("license_model", Text, "The license model of the source instance.", |s, _| s.snapshot.license_model().into())
    .column("option_group_name", Text, "The option group of the source instance.", |s, _| {
        s.snapshot.option_group_name().into()
    })
    .column("iam_database_authentication_enabled", Bool, "Whether IAM database authentication is on.", |s, _| {
        s.snapshot.iam_database_authentication_enabled().into()
    })
    .column("source_db_snapshot_identifier", Text, "For a copy, the snapshot it was copied from.", |s, _| {
        s.snapshot.source_db_snapshot_identifier().into()
    })
    .column("source_region", Text, "For a copy, the region it was copied from.", |s, _| s.snapshot.source_region().into())
    .column("snapshot_target", Text, "region or outposts: where the snapshot is stored.", |s, _| {
        s.snapshot.snapshot_target().into()
    })
    .column("db_system_id", Text, "The Oracle system identifier (SID) of an RDS Custom instance.", |s, _| {
        s.snapshot.db_system_id().into()
    })
    .column("dedicated_log_volume", Bool, "Whether the source instance has a dedicated log volume.", |s, _| {
        s.snapshot.dedicated_log_volume().into()
    })
    .column("multi_tenant", Bool, "Whether it is a snapshot of a multi-tenant instance.", |s, _| {
        s.snapshot.multi_tenant().into()
    })
    .column("tde_credential_arn", Text, "The ARN of the TDE credential store.", |s, _| {
        s.snapshot.tde_credential_arn().into()
    })
    .column("timezone", Text, "The time zone of the source instance (SQL Server).", |s, _| s.snapshot.timezone().into())
    .column("processor_features", Json, "The CPU settings of the source instance: [{Name, Value}].", |s, _| {
        rds::processor_features(s.snapshot.processor_features()).into()
    })
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
