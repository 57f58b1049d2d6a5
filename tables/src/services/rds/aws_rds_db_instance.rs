use aws_sdk_rds::types::{Certificate, DbInstance, Filter, ResourcePendingMaintenanceActions};
use futures::future::BoxFuture;
use futures::FutureExt;
use serde_json::{Value, json};

use crate::services::rds;
use crate::context::{ScanContext, client};
use crate::def::Def;
use crate::error::FetchError;
use crate::json::{s, time};
use crate::pages::{self, Pages, paginate};
use crate::schema::{Call, Kind::*, Scope};
use crate::table::Table;

#[derive(Clone)]
pub struct RdsInstance {
    instance: DbInstance,
    pending_actions: Option<Vec<ResourcePendingMaintenanceActions>>,
    certificate: Option<Option<Certificate>>,
}

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
        Call::new("rds", "DescribeDBInstances"),
        list,
    )
    .keys(false, FILTERS)
    .hydrate(Call::new("rds", "DescribePendingMaintenanceActions"), &["pending_maintenance_actions"], describe_pending_actions)
    .hydrate(Call::new("rds", "DescribeCertificates"), &["certificate"], describe_certificate)
    .example(
        "SELECT account_id, region, db_instance_identifier FROM aws_rds_db_instance\n\
             WHERE publicly_accessible OR NOT storage_encrypted",
    )
    .column("db_instance_identifier", Text, "The instance's identifier.", |d, _| d.instance.db_instance_identifier().into())
    .column("arn", Text, "The ARN of the instance.", |d, _| d.instance.db_instance_arn().into())
    .column("db_cluster_identifier", Text, "The Aurora cluster it belongs to.", |d, _| d.instance.db_cluster_identifier().into())
    .column("status", Text, "available, stopped, creating, ...", |d, _| d.instance.db_instance_status().into())
    .column("class", Text, "The instance class, e.g. db.t3.micro.", |d, _| d.instance.db_instance_class().into())
    .column("resource_id", Text, "The region-unique immutable ID (db-...).", |d, _| d.instance.dbi_resource_id().into())
    .column("engine", Text, "mysql, postgres, aurora-mysql, ...", |d, _| d.instance.engine().into())
    .column("engine_version", Text, "The engine version.", |d, _| d.instance.engine_version().into())
    .column("db_name", Text, "The initial database's name.", |d, _| d.instance.db_name().into())
    .column("master_user_name", Text, "The master user's name.", |d, _| d.instance.master_username().into())
    .column("publicly_accessible", Bool, "Whether the endpoint resolves to a public address.", |d, _| {
        d.instance.publicly_accessible().into()
    })
    .column("storage_encrypted", Bool, "Whether storage is encrypted at rest.", |d, _| d.instance.storage_encrypted().into())
    .column("kms_key_id", Text, "The KMS key that encrypts storage.", |d, _| d.instance.kms_key_id().into())
    .column("storage_type", Text, "gp2, gp3, io1, standard, ...", |d, _| d.instance.storage_type().into())
    .column("allocated_storage", Int, "The storage size in GiB.", |d, _| d.instance.allocated_storage().into())
    .column("iops", Int, "The provisioned IOPS.", |d, _| d.instance.iops().into())
    .column("multi_az", Bool, "Whether it is a Multi-AZ deployment.", |d, _| d.instance.multi_az().into())
    .column("availability_zone", Text, "The Availability Zone.", |d, _| d.instance.availability_zone().into())
    .column("backup_retention_period", Int, "Days automated backups are kept; 0 is off.", |d, _| {
        d.instance.backup_retention_period().into()
    })
    .column("deletion_protection", Bool, "Whether deletion protection is on.", |d, _| d.instance.deletion_protection().into())
    .column("auto_minor_version_upgrade", Bool, "Whether minor upgrades apply automatically.", |d, _| {
        d.instance.auto_minor_version_upgrade().into()
    })
    .column("iam_database_authentication_enabled", Bool, "Whether IAM database authentication is on.", |d, _| {
        d.instance.iam_database_authentication_enabled().into()
    })
    .column("copy_tags_to_snapshot", Bool, "Whether tags are copied to snapshots.", |d, _| {
        d.instance.copy_tags_to_snapshot().into()
    })
    .column("monitoring_interval", Int, "Enhanced Monitoring interval in seconds; 0 is off.", |d, _| {
        d.instance.monitoring_interval().into()
    })
    .column("performance_insights_enabled", Bool, "Whether Performance Insights is on.", |d, _| {
        d.instance.performance_insights_enabled().into()
    })
    .column("ca_certificate_identifier", Text, "The CA certificate of the endpoint.", |d, _| {
        d.instance.ca_certificate_identifier().into()
    })
    .column("create_time", Timestamp, "When the instance was created.", |d, _| d.instance.instance_create_time().into())
    .column("endpoint_address", Text, "The DNS name of the endpoint.", |d, _| {
        d.instance.endpoint().and_then(|e| e.address()).into()
    })
    .column("endpoint_port", Int, "The endpoint's port.", |d, _| d.instance.endpoint().and_then(|e| e.port()).into())
    .column("vpc_id", Text, "The VPC of its subnet group.", |d, _| d.instance.db_subnet_group().and_then(|g| g.vpc_id()).into())
    .column("db_subnet_group_name", Text, "Its subnet group.", |d, _| {
        d.instance.db_subnet_group().and_then(|g| g.db_subnet_group_name()).into()
    })
    .column("vpc_security_groups", Json, "[{VpcSecurityGroupId, Status}].", |d, _| {
        Value::from_iter(
            d.instance.vpc_security_groups()
                .iter()
                .map(|g| json!({"VpcSecurityGroupId": g.vpc_security_group_id(), "Status": g.status()})),
        )
        .into()
    })
    .column("enabled_cloudwatch_logs_exports", Json, "The log types exported to CloudWatch Logs.", |d, _| {
        Value::from_iter(d.instance.enabled_cloudwatch_logs_exports().iter().cloned()).into()
    })
    .column("port", Int, "The port the instance listens on.", |d, _| d.instance.db_instance_port().into())
    .column("character_set_name", Text, "The character set, where the engine has one.", |d, _| {
        d.instance.character_set_name().into()
    })
    .column("nchar_character_set_name", Text, "The NCHAR character set (Oracle).", |d, _| {
        d.instance.nchar_character_set_name().into()
    })
    .column("timezone", Text, "The time zone (SQL Server).", |d, _| d.instance.timezone().into())
    .column("license_model", Text, "The license model.", |d, _| d.instance.license_model().into())
    .column("customer_owned_ip_enabled", Bool, "Whether it uses a customer-owned IP (RDS on Outposts).", |d, _| {
        d.instance.customer_owned_ip_enabled().into()
    })
    .column("max_allocated_storage", Int, "The storage autoscaling ceiling in GiB.", |d, _| {
        d.instance.max_allocated_storage().into()
    })
    .column("storage_throughput", Int, "The storage throughput in MiB/s (gp3).", |d, _| {
        d.instance.storage_throughput().into()
    })
    .column("secondary_availability_zone", Text, "The standby's Availability Zone (Multi-AZ).", |d, _| {
        d.instance.secondary_availability_zone().into()
    })
    .column("latest_restorable_time", Timestamp, "The latest point-in-time restore target.", |d, _| {
        d.instance.latest_restorable_time().into()
    })
    .column("preferred_backup_window", Text, "The daily automated backup window (UTC).", |d, _| {
        d.instance.preferred_backup_window().into()
    })
    .column("preferred_maintenance_window", Text, "The weekly maintenance window (UTC).", |d, _| {
        d.instance.preferred_maintenance_window().into()
    })
    .column("promotion_tier", Int, "The order in which an Aurora replica is promoted.", |d, _| {
        d.instance.promotion_tier().into()
    })
    .column("enhanced_monitoring_resource_arn", Text, "The CloudWatch Logs stream of Enhanced Monitoring.", |d, _| {
        d.instance.enhanced_monitoring_resource_arn().into()
    })
    .column("monitoring_role_arn", Text, "The role Enhanced Monitoring publishes with.", |d, _| {
        d.instance.monitoring_role_arn().into()
    })
    .column("performance_insights_kms_key_id", Text, "The KMS key that encrypts Performance Insights data.", |d, _| {
        d.instance.performance_insights_kms_key_id().into()
    })
    .column("performance_insights_retention_period", Int, "Days Performance Insights data is kept.", |d, _| {
        d.instance.performance_insights_retention_period().into()
    })
    .column("read_replica_source_db_instance_identifier", Text, "The instance this one replicates.", |d, _| {
        d.instance.read_replica_source_db_instance_identifier().into()
    })
    .column("replica_mode", Text, "open-read-only or mounted (Oracle replicas).", |d, _| {
        d.instance.replica_mode().map(|m| m.as_str()).into()
    })
    .column("tde_credential_arn", Text, "The ARN of the TDE credential store.", |d, _| {
        d.instance.tde_credential_arn().into()
    })
    .column("endpoint_hosted_zone_id", Text, "The Route 53 hosted zone of the endpoint.", |d, _| {
        d.instance.endpoint().and_then(|e| e.hosted_zone_id()).into()
    })
    .column("db_subnet_group_arn", Text, "The ARN of its subnet group.", |d, _| {
        d.instance.db_subnet_group().and_then(|g| g.db_subnet_group_arn()).into()
    })
    .column("db_subnet_group_description", Text, "The description of its subnet group.", |d, _| {
        d.instance.db_subnet_group().and_then(|g| g.db_subnet_group_description()).into()
    })
    .column("db_subnet_group_status", Text, "The status of its subnet group.", |d, _| {
        d.instance.db_subnet_group().and_then(|g| g.subnet_group_status()).into()
    })
    .column("subnets", Json, "The subnets of its subnet group: [{SubnetIdentifier, SubnetAvailabilityZone, SubnetStatus, ...}].", |d, _| {
        d.instance
            .db_subnet_group()
            .map(|g| {
                Value::from_iter(g.subnets().iter().map(|n| {
                    json!({
                        "SubnetIdentifier": n.subnet_identifier(),
                        "SubnetAvailabilityZone": n.subnet_availability_zone().map(|z| json!({"Name": z.name()})),
                        "SubnetOutpost": n.subnet_outpost().map(|o| json!({"Arn": o.arn()})),
                        "SubnetStatus": n.subnet_status(),
                    })
                }))
            })
            .into()
    })
    .column("associated_roles", Json, "The IAM roles associated with it: [{RoleArn, FeatureName, Status}].", |d, _| {
        Value::from_iter(d.instance.associated_roles().iter().map(|r| {
            json!({"RoleArn": r.role_arn(), "FeatureName": r.feature_name(), "Status": r.status()})
        }))
        .into()
    })
    .column("db_parameter_groups", Json, "[{DBParameterGroupName, ParameterApplyStatus}].", |d, _| {
        Value::from_iter(d.instance.db_parameter_groups().iter().map(|g| {
            json!({"DBParameterGroupName": g.db_parameter_group_name(), "ParameterApplyStatus": g.parameter_apply_status()})
        }))
        .into()
    })
    .column("db_security_groups", Json, "The EC2-Classic DB security groups: [{DBSecurityGroupName, Status}].", |d, _| {
        Value::from_iter(d.instance.db_security_groups().iter().map(|g| {
            json!({"DBSecurityGroupName": g.db_security_group_name(), "Status": g.status()})
        }))
        .into()
    })
    .column("domain_memberships", Json, "Active Directory domains: [{Domain, Status, FQDN, IAMRoleName, OU, ...}].", |d, _| {
        Value::from_iter(d.instance.domain_memberships().iter().map(|m| {
            json!({
                "Domain": m.domain(),
                "Status": m.status(),
                "FQDN": m.fqdn(),
                "IAMRoleName": m.iam_role_name(),
                "OU": m.ou(),
                "AuthSecretArn": m.auth_secret_arn(),
                "DnsIps": m.dns_ips(),
            })
        }))
        .into()
    })
    .column("option_group_memberships", Json, "[{OptionGroupName, Status}].", |d, _| {
        Value::from_iter(d.instance.option_group_memberships().iter().map(|g| {
            json!({"OptionGroupName": g.option_group_name(), "Status": g.status()})
        }))
        .into()
    })
    .column(
        "processor_features",
        Json,
        "CPU settings set on the instance: [{Name, Value}]; null when it runs with its class's defaults.",
        |d, _| rds::processor_features(d.instance.processor_features()).into(),
    )
    .column("read_replica_db_cluster_identifiers", Json, "The Aurora clusters replicating this instance.", |d, _| {
        Value::from_iter(d.instance.read_replica_db_cluster_identifiers().iter().cloned()).into()
    })
    .column("read_replica_db_instance_identifiers", Json, "The instances replicating this one.", |d, _| {
        Value::from_iter(d.instance.read_replica_db_instance_identifiers().iter().cloned()).into()
    })
    .column("pending_modified_values", Json, "Changes waiting for the next maintenance window.", |d, _| {
        d.instance.pending_modified_values().map(pending_modified_values).into()
    })
    .column("status_infos", Json, "Read replica status: [{StatusType, Normal, Status, Message}].", |d, _| {
        Value::from_iter(d.instance.status_infos().iter().map(|i| {
            json!({"StatusType": i.status_type(), "Normal": i.normal(), "Status": i.status(), "Message": i.message()})
        }))
        .into()
    })
    .column(
        "pending_maintenance_actions",
        Json,
        "Scheduled maintenance: [{ResourceIdentifier, PendingMaintenanceActionDetails: [{Action, ...}]}]; null when none.",
        |d, _| {
            d.pending_actions
                .as_ref()
                .filter(|a| !a.is_empty())
                .map(|actions| Value::from_iter(actions.iter().map(pending_actions)))
                .into()
        },
    )
    .column("certificate", Json, "The endpoint's CA certificate: {CertificateIdentifier, ValidFrom, ValidTill, ...}.", |d, _| {
        d.certificate.as_ref().and_then(Option::as_ref).map(certificate).into()
    })
    .column("title", Text, "The instance's identifier.", |d, _| d.instance.db_instance_identifier().into());
    rds::tagged(def, |d: &RdsInstance| d.instance.tag_list()).build()
}

fn pending_modified_values(p: &aws_sdk_rds::types::PendingModifiedValues) -> Value {
    json!({
        "DBInstanceClass": p.db_instance_class(),
        "DBInstanceIdentifier": p.db_instance_identifier(),
        "AllocatedStorage": p.allocated_storage(),
        "StorageType": p.storage_type(),
        "Iops": p.iops(),
        "StorageThroughput": p.storage_throughput(),
        "Port": p.port(),
        "BackupRetentionPeriod": p.backup_retention_period(),
        "MultiAZ": p.multi_az(),
        "Engine": p.engine(),
        "EngineVersion": p.engine_version(),
        "LicenseModel": p.license_model(),
        "CACertificateIdentifier": p.ca_certificate_identifier(),
        "DBSubnetGroupName": p.db_subnet_group_name(),
        "IAMDatabaseAuthenticationEnabled": p.iam_database_authentication_enabled(),
        "MultiTenant": p.multi_tenant(),
        "DedicatedLogVolume": p.dedicated_log_volume(),
        "AutomationMode": s(p.automation_mode()),
        "ResumeFullAutomationModeTime": time(p.resume_full_automation_mode_time()),
        "PendingCloudwatchLogsExports": p.pending_cloudwatch_logs_exports().map(|e| json!({
            "LogTypesToEnable": e.log_types_to_enable(),
            "LogTypesToDisable": e.log_types_to_disable(),
        })),
        "ProcessorFeatures": rds::processor_features(p.processor_features()),
    })
}

fn pending_actions(resource: &ResourcePendingMaintenanceActions) -> Value {
    let details = resource.pending_maintenance_action_details().iter().map(|a| {
        json!({
            "Action": a.action(),
            "Description": a.description(),
            "OptInStatus": a.opt_in_status(),
            "AutoAppliedAfterDate": time(a.auto_applied_after_date()),
            "ForcedApplyDate": time(a.forced_apply_date()),
            "CurrentApplyDate": time(a.current_apply_date()),
        })
    });
    json!({"ResourceIdentifier": resource.resource_identifier(), "PendingMaintenanceActionDetails": Value::from_iter(details)})
}

fn certificate(c: &Certificate) -> Value {
    json!({
        "CertificateIdentifier": c.certificate_identifier(),
        "CertificateArn": c.certificate_arn(),
        "CertificateType": c.certificate_type(),
        "Thumbprint": c.thumbprint(),
        "ValidFrom": time(c.valid_from()),
        "ValidTill": time(c.valid_till()),
        "CustomerOverride": c.customer_override(),
        "CustomerOverrideValidTill": time(c.customer_override_valid_till()),
    })
}

fn wrap(instance: DbInstance) -> RdsInstance {
    RdsInstance { instance, pending_actions: None, certificate: None }
}

fn list(scan: ScanContext) -> Pages<RdsInstance> {
    let rds = client!(aws_sdk_rds, scan);
    let filters = rds::filters(&scan, FILTERS);
    let page_size = scan.page_size(20, 100);
    paginate(move |marker| {
        let request =
            rds.describe_db_instances().set_filters(filters.clone()).max_records(page_size).set_marker(marker);
        async move {
            let out = request.send().await?;
            Ok((out.db_instances.unwrap_or_default().into_iter().map(wrap).collect(), out.marker))
        }
    })
}

fn describe_pending_actions(scan: ScanContext, mut d: RdsInstance) -> BoxFuture<'static, Result<RdsInstance, FetchError>> {
    let rds = client!(aws_sdk_rds, scan);
    async move {
        if let Some(id) = d.instance.db_instance_identifier() {
            let filter = Filter::builder().name("db-instance-id").values(id).build();
            let actions = pages::all(|marker| async {
                let request = rds.describe_pending_maintenance_actions().filters(filter.clone());
                let out = request.set_marker(marker).send().await?;
                Ok((out.pending_maintenance_actions.unwrap_or_default(), out.marker))
            });
            d.pending_actions = Some(actions.await?);
        }
        Ok(d)
    }
    .boxed()
}

fn describe_certificate(scan: ScanContext, mut d: RdsInstance) -> BoxFuture<'static, Result<RdsInstance, FetchError>> {
    let rds = client!(aws_sdk_rds, scan);
    async move {
        if let Some(id) = d.instance.ca_certificate_identifier() {
            let out = rds.describe_certificates().certificate_identifier(id).send().await?;
            d.certificate = Some(out.certificates.unwrap_or_default().into_iter().next());
        }
        Ok(d)
    }
    .boxed()
}
