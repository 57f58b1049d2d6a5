use aws_sdk_redshift::operation::describe_logging_status::DescribeLoggingStatusOutput;
use aws_sdk_redshift::types::{Cluster, ScheduledAction, ScheduledActionFilter, ScheduledActionFilterName};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::{Value, json};

use crate::json::{s, tag_list, tag_map, time};
use crate::context::{ScanContext, client};
use crate::def::Def;
use crate::error::FetchError;
use crate::pages::{self, Pages, paginate};
use crate::schema::{Call, Kind::*, Scope};
use crate::table::Table;

#[derive(Clone)]
pub struct RedshiftCluster {
    cluster: Cluster,
    logging: Option<DescribeLoggingStatusOutput>,
    scheduled_actions: Option<Vec<ScheduledAction>>,
}

pub fn table() -> Table {
    Def::new(
        "aws_redshift_cluster",
        "Redshift provisioned clusters.",
        Scope::Regional,
        Call::new("redshift", "DescribeClusters"),
        list,
    )
    // Redshift matches identifiers case-insensitively, so the engine re-checks them.
    .key("cluster_identifier", false, "DescribeClusters ClusterIdentifier, one call per name")
    .hydrate(Call::new("redshift", "DescribeLoggingStatus"), &["logging_status"], describe_logging_status)
    .hydrate(Call::new("redshift", "DescribeScheduledActions"), &["scheduled_actions"], describe_scheduled_actions)
    .example("SELECT account_id, region, cluster_identifier FROM aws_redshift_cluster WHERE publicly_accessible")
    .column("cluster_identifier", Text, "The cluster's identifier.", |c, _| c.cluster.cluster_identifier().into())
    .column("arn", Text, "The ARN of the cluster.", |c, t| {
        c.cluster.cluster_identifier()
            .map(|id| format!("arn:{}:redshift:{}:{}:cluster:{id}", t.partition, t.region, t.account_id))
            .into()
    })
    .column("cluster_status", Text, "available, creating, paused, ...", |c, _| c.cluster.cluster_status().into())
    .column("node_type", Text, "The node type, e.g. ra3.xlplus.", |c, _| c.cluster.node_type().into())
    .column("number_of_nodes", Int, "How many compute nodes it has.", |c, _| c.cluster.number_of_nodes().into())
    .column("db_name", Text, "The initial database's name.", |c, _| c.cluster.db_name().into())
    .column("master_username", Text, "The admin user's name.", |c, _| c.cluster.master_username().into())
    .column("publicly_accessible", Bool, "Whether it can be reached from outside its VPC.", |c, _| {
        c.cluster.publicly_accessible().into()
    })
    .column("encrypted", Bool, "Whether data at rest is encrypted.", |c, _| c.cluster.encrypted().into())
    .column("kms_key_id", Text, "The KMS key that encrypts it.", |c, _| c.cluster.kms_key_id().into())
    .column("enhanced_vpc_routing", Bool, "Whether traffic is forced through the VPC.", |c, _| {
        c.cluster.enhanced_vpc_routing().into()
    })
    .column("vpc_id", Text, "The VPC of the cluster.", |c, _| c.cluster.vpc_id().into())
    .column("availability_zone", Text, "The Availability Zone.", |c, _| c.cluster.availability_zone().into())
    .column("automated_snapshot_retention_period", Int, "Days automated snapshots are kept.", |c, _| {
        c.cluster.automated_snapshot_retention_period().into()
    })
    .column("cluster_create_time", Timestamp, "When the cluster was created.", |c, _| c.cluster.cluster_create_time().into())
    .column("endpoint", Json, "{Address, Port}.", |c, _| {
        c.cluster.endpoint().map(|e| json!({"Address": e.address(), "Port": e.port()})).into()
    })
    .column("vpc_security_groups", Json, "[{VpcSecurityGroupId, Status}].", |c, _| {
        Value::from_iter(
            c.cluster.vpc_security_groups()
                .iter()
                .map(|g| json!({"VpcSecurityGroupId": g.vpc_security_group_id(), "Status": g.status()})),
        )
        .into()
    })
    .column("cluster_namespace_arn", Text, "The ARN of the cluster's namespace.", |c, _| {
        c.cluster.cluster_namespace_arn().into()
    })
    .column("cluster_version", Text, "The Redshift engine version.", |c, _| c.cluster.cluster_version().into())
    .column("cluster_revision_number", Text, "The engine revision.", |c, _| c.cluster.cluster_revision_number().into())
    .column("allow_version_upgrade", Bool, "Whether major version upgrades apply in the maintenance window.", |c, _| {
        c.cluster.allow_version_upgrade().into()
    })
    .column("cluster_availability_status", Text, "Available, Unavailable, Maintenance, Modifying or Failed.", |c, _| {
        c.cluster.cluster_availability_status().into()
    })
    .column("modify_status", Text, "The status of a modification in progress.", |c, _| c.cluster.modify_status().into())
    .column("availability_zone_relocation_status", Text, "Whether AZ relocation is enabled.", |c, _| {
        c.cluster.availability_zone_relocation_status().into()
    })
    .column("multi_az", Bool, "Whether the cluster is deployed in two Availability Zones.", |c, _| {
        c.cluster.multi_az().map(|m| m.eq_ignore_ascii_case("enabled")).into()
    })
    .column("cluster_subnet_group_name", Text, "Its subnet group.", |c, _| c.cluster.cluster_subnet_group_name().into())
    .column("cluster_public_key", Text, "The public key of the cluster.", |c, _| c.cluster.cluster_public_key().into())
    .column("total_storage_capacity_in_mega_bytes", Int, "The total storage capacity in MB.", |c, _| {
        c.cluster.total_storage_capacity_in_mega_bytes().into()
    })
    .column("manual_snapshot_retention_period", Int, "Days manual snapshots are kept by default; -1 is forever.", |c, _| {
        c.cluster.manual_snapshot_retention_period().into()
    })
    .column("preferred_maintenance_window", Text, "The weekly maintenance window (UTC).", |c, _| {
        c.cluster.preferred_maintenance_window().into()
    })
    .column("maintenance_track_name", Text, "current or trailing.", |c, _| c.cluster.maintenance_track_name().into())
    .column("next_maintenance_window_start_time", Timestamp, "When the next maintenance window starts.", |c, _| {
        c.cluster.next_maintenance_window_start_time().into()
    })
    .column("elastic_resize_number_of_node_options", Text, "The node counts an elastic resize can reach.", |c, _| {
        c.cluster.elastic_resize_number_of_node_options().into()
    })
    .column("snapshot_schedule_identifier", Text, "Its snapshot schedule.", |c, _| {
        c.cluster.snapshot_schedule_identifier().into()
    })
    .column("snapshot_schedule_state", Text, "MODIFYING, ACTIVE or FAILED.", |c, _| {
        c.cluster.snapshot_schedule_state().map(|s| s.as_str()).into()
    })
    .column("expected_next_snapshot_schedule_time", Timestamp, "When the next scheduled snapshot is due.", |c, _| {
        c.cluster.expected_next_snapshot_schedule_time().into()
    })
    .column("expected_next_snapshot_schedule_time_status", Text, "OnTrack or Pending.", |c, _| {
        c.cluster.expected_next_snapshot_schedule_time_status().into()
    })
    .column("default_iam_role_arn", Text, "The default IAM role for the cluster.", |c, _| {
        c.cluster.default_iam_role_arn().into()
    })
    .column("custom_domain_name", Text, "The custom domain name.", |c, _| c.cluster.custom_domain_name().into())
    .column("custom_domain_certificate_arn", Text, "The certificate of the custom domain.", |c, _| {
        c.cluster.custom_domain_certificate_arn().into()
    })
    .column("custom_domain_certificate_expiry_date", Timestamp, "When that certificate expires.", |c, _| {
        c.cluster.custom_domain_certificate_expiry_date().into()
    })
    .column("master_password_secret_arn", Text, "The Secrets Manager secret of the admin password.", |c, _| {
        c.cluster.master_password_secret_arn().into()
    })
    .column("master_password_secret_kms_key_id", Text, "The KMS key that encrypts that secret.", |c, _| {
        c.cluster.master_password_secret_kms_key_id().into()
    })
    .column("cluster_nodes", Json, "[{NodeRole, PrivateIPAddress, PublicIPAddress}].", |c, _| {
        Value::from_iter(c.cluster.cluster_nodes().iter().map(|n| {
            json!({"NodeRole": n.node_role(), "PrivateIPAddress": n.private_ip_address(), "PublicIPAddress": n.public_ip_address()})
        }))
        .into()
    })
    .column("cluster_parameter_groups", Json, "[{ParameterGroupName, ParameterApplyStatus, ClusterParameterStatusList}].", |c, _| {
        Value::from_iter(c.cluster.cluster_parameter_groups().iter().map(|g| {
            let statuses = g.cluster_parameter_status_list().iter().map(|p| {
                json!({
                    "ParameterName": p.parameter_name(),
                    "ParameterApplyStatus": p.parameter_apply_status(),
                    "ParameterApplyErrorDescription": p.parameter_apply_error_description(),
                })
            });
            json!({
                "ParameterGroupName": g.parameter_group_name(),
                "ParameterApplyStatus": g.parameter_apply_status(),
                "ClusterParameterStatusList": Value::from_iter(statuses),
            })
        }))
        .into()
    })
    .column("cluster_security_groups", Json, "The EC2-Classic security groups: [{ClusterSecurityGroupName, Status}].", |c, _| {
        Value::from_iter(c.cluster.cluster_security_groups().iter().map(|g| {
            json!({"ClusterSecurityGroupName": g.cluster_security_group_name(), "Status": g.status()})
        }))
        .into()
    })
    .column("iam_roles", Json, "The IAM roles it can use: [{IamRoleArn, ApplyStatus}].", |c, _| {
        Value::from_iter(
            c.cluster.iam_roles().iter().map(|r| json!({"IamRoleArn": r.iam_role_arn(), "ApplyStatus": r.apply_status()})),
        )
        .into()
    })
    .column("cluster_snapshot_copy_status", Json, "Cross-region snapshot copy: {DestinationRegion, RetentionPeriod, ...}.", |c, _| {
        c.cluster
            .cluster_snapshot_copy_status()
            .map(|s| {
                json!({
                    "DestinationRegion": s.destination_region(),
                    "RetentionPeriod": s.retention_period(),
                    "ManualSnapshotRetentionPeriod": s.manual_snapshot_retention_period(),
                    "SnapshotCopyGrantName": s.snapshot_copy_grant_name(),
                })
            })
            .into()
    })
    .column("aqua_configuration", Json, "AQUA: {AquaStatus, AquaConfigurationStatus}.", |c, _| {
        c.cluster
            .aqua_configuration()
            .map(|a| json!({"AquaStatus": s(a.aqua_status()), "AquaConfigurationStatus": s(a.aqua_configuration_status())}))
            .into()
    })
    .column("reserved_node_exchange_status", Json, "The status of a reserved-node exchange.", |c, _| {
        c.cluster
            .reserved_node_exchange_status()
            .map(|r| {
                json!({
                    "ReservedNodeExchangeRequestId": r.reserved_node_exchange_request_id(),
                    "Status": s(r.status()),
                    "RequestTime": time(r.request_time()),
                    "SourceReservedNodeId": r.source_reserved_node_id(),
                    "SourceReservedNodeType": r.source_reserved_node_type(),
                    "SourceReservedNodeCount": r.source_reserved_node_count(),
                    "TargetReservedNodeOfferingId": r.target_reserved_node_offering_id(),
                    "TargetReservedNodeType": r.target_reserved_node_type(),
                    "TargetReservedNodeCount": r.target_reserved_node_count(),
                })
            })
            .into()
    })
    .column("data_transfer_progress", Json, "Progress of a data transfer during a resize.", |c, _| {
        c.cluster
            .data_transfer_progress()
            .map(|d| {
                json!({
                    "Status": d.status(),
                    "CurrentRateInMegaBytesPerSecond": d.current_rate_in_mega_bytes_per_second(),
                    "TotalDataInMegaBytes": d.total_data_in_mega_bytes(),
                    "DataTransferredInMegaBytes": d.data_transferred_in_mega_bytes(),
                    "EstimatedTimeToCompletionInSeconds": d.estimated_time_to_completion_in_seconds(),
                    "ElapsedTimeInSeconds": d.elapsed_time_in_seconds(),
                })
            })
            .into()
    })
    .column("deferred_maintenance_windows", Json, "[{DeferMaintenanceIdentifier, DeferMaintenanceStartTime, DeferMaintenanceEndTime}].", |c, _| {
        Value::from_iter(c.cluster.deferred_maintenance_windows().iter().map(|w| {
            json!({
                "DeferMaintenanceIdentifier": w.defer_maintenance_identifier(),
                "DeferMaintenanceStartTime": time(w.defer_maintenance_start_time()),
                "DeferMaintenanceEndTime": time(w.defer_maintenance_end_time()),
            })
        }))
        .into()
    })
    .column("elastic_ip_status", Json, "{ElasticIp, Status}.", |c, _| {
        c.cluster.elastic_ip_status().map(|e| json!({"ElasticIp": e.elastic_ip(), "Status": e.status()})).into()
    })
    .column("hsm_status", Json, "{HsmClientCertificateIdentifier, HsmConfigurationIdentifier, Status}.", |c, _| {
        c.cluster
            .hsm_status()
            .map(|h| {
                json!({
                    "HsmClientCertificateIdentifier": h.hsm_client_certificate_identifier(),
                    "HsmConfigurationIdentifier": h.hsm_configuration_identifier(),
                    "Status": h.status(),
                })
            })
            .into()
    })
    .column("pending_actions", Json, "Pending cluster actions.", |c, _| {
        Value::from_iter(c.cluster.pending_actions().iter().cloned()).into()
    })
    .column("pending_modified_values", Json, "Changes waiting to be applied.", |c, _| {
        c.cluster
            .pending_modified_values()
            .map(|p| {
                json!({
                    "NodeType": p.node_type(),
                    "NumberOfNodes": p.number_of_nodes(),
                    "ClusterType": p.cluster_type(),
                    "ClusterVersion": p.cluster_version(),
                    "AutomatedSnapshotRetentionPeriod": p.automated_snapshot_retention_period(),
                    "ClusterIdentifier": p.cluster_identifier(),
                    "PubliclyAccessible": p.publicly_accessible(),
                    "EnhancedVpcRouting": p.enhanced_vpc_routing(),
                    "MaintenanceTrackName": p.maintenance_track_name(),
                    "EncryptionType": p.encryption_type(),
                })
            })
            .into()
    })
    .column("resize_info", Json, "{ResizeType, AllowCancelResize}.", |c, _| {
        c.cluster
            .resize_info()
            .map(|r| json!({"ResizeType": r.resize_type(), "AllowCancelResize": r.allow_cancel_resize()}))
            .into()
    })
    .column("restore_status", Json, "Progress of a restore from a snapshot.", |c, _| {
        c.cluster
            .restore_status()
            .map(|r| {
                json!({
                    "Status": r.status(),
                    "CurrentRestoreRateInMegaBytesPerSecond": r.current_restore_rate_in_mega_bytes_per_second(),
                    "SnapshotSizeInMegaBytes": r.snapshot_size_in_mega_bytes(),
                    "ProgressInMegaBytes": r.progress_in_mega_bytes(),
                    "ElapsedTimeInSeconds": r.elapsed_time_in_seconds(),
                    "EstimatedTimeToCompletionInSeconds": r.estimated_time_to_completion_in_seconds(),
                })
            })
            .into()
    })
    .column("logging_status", Json, "Audit logging: {LoggingEnabled, BucketName, S3KeyPrefix, LogDestinationType, LogExports, ...}.", |c, _| {
        c.logging
            .as_ref()
            .map(|l| {
                json!({
                    "LoggingEnabled": l.logging_enabled(),
                    "BucketName": l.bucket_name(),
                    "S3KeyPrefix": l.s3_key_prefix(),
                    "LogDestinationType": s(l.log_destination_type()),
                    "LogExports": l.log_exports(),
                    "LastSuccessfulDeliveryTime": time(l.last_successful_delivery_time()),
                    "LastFailureTime": time(l.last_failure_time()),
                    "LastFailureMessage": l.last_failure_message(),
                })
            })
            .into()
    })
    .column("scheduled_actions", Json, "Scheduled pause, resume and resize actions on the cluster.", |c, _| {
        c.scheduled_actions.as_ref().map(|actions| Value::from_iter(actions.iter().map(scheduled_action))).into()
    })
    .column("tags", Json, "The tags, as an object of key -> value.", |c, _| {
        tag_map(c.cluster.tags(), |t| (t.key().unwrap_or_default(), t.value())).into()
    })
    .column("tags_src", Json, "The tags as AWS returns them: [{Key, Value}].", |c, _| {
        tag_list(c.cluster.tags(), |t| (t.key().unwrap_or_default(), t.value())).into()
    })
    .column("title", Text, "The cluster's identifier.", |c, _| c.cluster.cluster_identifier().into())
    .build()
}

fn scheduled_action(a: &ScheduledAction) -> Value {
    let target = a.target_action().map(|t| {
        json!({
            "ResizeCluster": t.resize_cluster().map(|r| json!({
                "ClusterIdentifier": r.cluster_identifier(),
                "ClusterType": r.cluster_type(),
                "NodeType": r.node_type(),
                "NumberOfNodes": r.number_of_nodes(),
                "Classic": r.classic(),
                "ReservedNodeId": r.reserved_node_id(),
                "TargetReservedNodeOfferingId": r.target_reserved_node_offering_id(),
            })),
            "PauseCluster": t.pause_cluster().map(|p| json!({"ClusterIdentifier": p.cluster_identifier()})),
            "ResumeCluster": t.resume_cluster().map(|r| json!({"ClusterIdentifier": r.cluster_identifier()})),
        })
    });
    json!({
        "ScheduledActionName": a.scheduled_action_name(),
        "ScheduledActionDescription": a.scheduled_action_description(),
        "TargetAction": target,
        "Schedule": a.schedule(),
        "IamRole": a.iam_role(),
        "State": s(a.state()),
        "NextInvocations": Value::from_iter(a.next_invocations().iter().map(|t| time(Some(t)))),
        "StartTime": time(a.start_time()),
        "EndTime": time(a.end_time()),
    })
}

fn wrap(cluster: Cluster) -> RedshiftCluster {
    RedshiftCluster { cluster, logging: None, scheduled_actions: None }
}

fn list(scan: ScanContext) -> Pages<RedshiftCluster> {
    let redshift = client!(aws_sdk_redshift, scan);
    if let Some(names) = scan.lookups("cluster_identifier") {
        let names = names.to_vec();
        return crate::pages::single_page(async move {
            let mut clusters = Vec::new();
            for name in names {
                let result = redshift.describe_clusters().cluster_identifier(name).send().await;
                if let Some(out) = crate::error::absent(result, &["ClusterNotFound", "ClusterNotFoundFault"])? {
                    clusters.extend(out.clusters.unwrap_or_default().into_iter().map(wrap));
                }
            }
            Ok(clusters)
        });
    }
    let page_size = scan.page_size(20, 100);
    paginate(move |marker| {
        let request = redshift.describe_clusters().max_records(page_size).set_marker(marker);
        async move {
            let out = request.send().await?;
            Ok((out.clusters.unwrap_or_default().into_iter().map(wrap).collect(), out.marker))
        }
    })
}

fn describe_logging_status(
    scan: ScanContext,
    mut c: RedshiftCluster,
) -> BoxFuture<'static, Result<RedshiftCluster, FetchError>> {
    let redshift = client!(aws_sdk_redshift, scan);
    async move {
        if let Some(id) = c.cluster.cluster_identifier() {
            c.logging = Some(redshift.describe_logging_status().cluster_identifier(id).send().await?);
        }
        Ok(c)
    }
    .boxed()
}

fn describe_scheduled_actions(
    scan: ScanContext,
    mut c: RedshiftCluster,
) -> BoxFuture<'static, Result<RedshiftCluster, FetchError>> {
    let redshift = client!(aws_sdk_redshift, scan);
    async move {
        if let Some(id) = c.cluster.cluster_identifier() {
            let filter =
                ScheduledActionFilter::builder().name(ScheduledActionFilterName::ClusterIdentifier).values(id).build();
            let actions = pages::all(|marker| async {
                let request = redshift.describe_scheduled_actions().filters(filter.clone());
                let out = request.set_marker(marker).send().await?;
                Ok((out.scheduled_actions.unwrap_or_default(), out.marker))
            });
            c.scheduled_actions = Some(actions.await?);
        }
        Ok(c)
    }
    .boxed()
}
