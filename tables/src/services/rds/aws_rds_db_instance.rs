use aws_sdk_rds::types::DbInstance;
use serde_json::{Value, json};

use crate::services::rds;
use crate::context::{ScanContext, client};
use crate::def::Def;
use crate::pages::{Pages, paginate};
use crate::schema::{Kind::*, Scope};
use crate::table::Table;

/// Key columns sent to DescribeDBInstances as Filters.
const FILTERS: &[(&str, &str)] = &[
    ("db_instance_identifier", "db-instance-id"),
    ("db_cluster_identifier", "db-cluster-id"),
    ("resource_id", "dbi-resource-id"),
    ("engine", "engine"),
];

pub fn table() -> Table {
    let def = Def::new(
        "aws_rds_db_instance",
        "RDS DB instances, Aurora members included.",
        Scope::Regional,
        "rds:DescribeDBInstances",
        list,
    )
    .keys(false, FILTERS)
    .example(
        "SELECT account_id, region, db_instance_identifier FROM aws_rds_db_instance\n\
             WHERE publicly_accessible OR NOT storage_encrypted",
    )
    .column("db_instance_identifier", Text, "The instance's identifier.", |d, _| d.db_instance_identifier().into())
    .column("arn", Text, "The ARN of the instance.", |d, _| d.db_instance_arn().into())
    .column("db_cluster_identifier", Text, "The Aurora cluster it belongs to.", |d, _| d.db_cluster_identifier().into())
    .column("status", Text, "available, stopped, creating, ...", |d, _| d.db_instance_status().into())
    .column("class", Text, "The instance class, e.g. db.t3.micro.", |d, _| d.db_instance_class().into())
    .column("resource_id", Text, "The region-unique immutable ID (db-...).", |d, _| d.dbi_resource_id().into())
    .column("engine", Text, "mysql, postgres, aurora-mysql, ...", |d, _| d.engine().into())
    .column("engine_version", Text, "The engine version.", |d, _| d.engine_version().into())
    .column("db_name", Text, "The initial database's name.", |d, _| d.db_name().into())
    .column("master_user_name", Text, "The master user's name.", |d, _| d.master_username().into())
    .column("publicly_accessible", Bool, "Whether the endpoint resolves to a public address.", |d, _| {
        d.publicly_accessible().into()
    })
    .column("storage_encrypted", Bool, "Whether storage is encrypted at rest.", |d, _| d.storage_encrypted().into())
    .column("kms_key_id", Text, "The KMS key that encrypts storage.", |d, _| d.kms_key_id().into())
    .column("storage_type", Text, "gp2, gp3, io1, standard, ...", |d, _| d.storage_type().into())
    .column("allocated_storage", Int, "The storage size in GiB.", |d, _| d.allocated_storage().into())
    .column("iops", Int, "The provisioned IOPS.", |d, _| d.iops().into())
    .column("multi_az", Bool, "Whether it is a Multi-AZ deployment.", |d, _| d.multi_az().into())
    .column("availability_zone", Text, "The Availability Zone.", |d, _| d.availability_zone().into())
    .column("backup_retention_period", Int, "Days automated backups are kept; 0 is off.", |d, _| {
        d.backup_retention_period().into()
    })
    .column("deletion_protection", Bool, "Whether deletion protection is on.", |d, _| d.deletion_protection().into())
    .column("auto_minor_version_upgrade", Bool, "Whether minor upgrades apply automatically.", |d, _| {
        d.auto_minor_version_upgrade().into()
    })
    .column("iam_database_authentication_enabled", Bool, "Whether IAM database authentication is on.", |d, _| {
        d.iam_database_authentication_enabled().into()
    })
    .column("copy_tags_to_snapshot", Bool, "Whether tags are copied to snapshots.", |d, _| {
        d.copy_tags_to_snapshot().into()
    })
    .column("monitoring_interval", Int, "Enhanced Monitoring interval in seconds; 0 is off.", |d, _| {
        d.monitoring_interval().into()
    })
    .column("performance_insights_enabled", Bool, "Whether Performance Insights is on.", |d, _| {
        d.performance_insights_enabled().into()
    })
    .column("ca_certificate_identifier", Text, "The CA certificate of the endpoint.", |d, _| {
        d.ca_certificate_identifier().into()
    })
    .column("create_time", Timestamp, "When the instance was created.", |d, _| d.instance_create_time().into())
    .column("endpoint_address", Text, "The DNS name of the endpoint.", |d, _| {
        d.endpoint().and_then(|e| e.address()).into()
    })
    .column("endpoint_port", Int, "The endpoint's port.", |d, _| d.endpoint().and_then(|e| e.port()).into())
    .column("vpc_id", Text, "The VPC of its subnet group.", |d, _| d.db_subnet_group().and_then(|g| g.vpc_id()).into())
    .column("db_subnet_group_name", Text, "Its subnet group.", |d, _| {
        d.db_subnet_group().and_then(|g| g.db_subnet_group_name()).into()
    })
    .column("vpc_security_groups", Json, "[{VpcSecurityGroupId, Status}].", |d, _| {
        Value::from_iter(
            d.vpc_security_groups()
                .iter()
                .map(|g| json!({"VpcSecurityGroupId": g.vpc_security_group_id(), "Status": g.status()})),
        )
        .into()
    })
    .column("enabled_cloudwatch_logs_exports", Json, "The log types exported to CloudWatch Logs.", |d, _| {
        Value::from_iter(d.enabled_cloudwatch_logs_exports().iter().cloned()).into()
    })
    .column("title", Text, "The instance's identifier.", |d, _| d.db_instance_identifier().into());
    rds::tagged(def, DbInstance::tag_list).build()
}

fn list(scan: ScanContext) -> Pages<DbInstance> {
    let rds = client!(aws_sdk_rds, scan);
    let filters = rds::filters(&scan, FILTERS);
    let page_size = scan.page_size(20, 100);
    paginate(move |marker| {
        let request =
            rds.describe_db_instances().set_filters(filters.clone()).max_records(page_size).set_marker(marker);
        async move {
            let out = request.send().await?;
            Ok((out.db_instances.unwrap_or_default(), out.marker))
        }
    })
}
