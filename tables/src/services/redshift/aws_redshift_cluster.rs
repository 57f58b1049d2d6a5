use aws_sdk_redshift::types::Cluster;
use serde_json::{Value, json};

use crate::json::{tag_list, tag_map};
use crate::context::{ScanContext, client};
use crate::def::Def;
use crate::pages::{Pages, paginate};
use crate::schema::{Kind::*, Scope};
use crate::table::Table;

pub fn table() -> Table {
    Def::new(
        "aws_redshift_cluster",
        "Redshift provisioned clusters.",
        Scope::Regional,
        "redshift:DescribeClusters",
        list,
    )
    // Redshift matches identifiers case-insensitively, so the engine re-checks them.
    .key("cluster_identifier", false, "DescribeClusters ClusterIdentifier, one call per name")
    .example("SELECT account_id, region, cluster_identifier FROM aws_redshift_cluster WHERE publicly_accessible")
    .column("cluster_identifier", Text, "The cluster's identifier.", |c, _| c.cluster_identifier().into())
    .column("arn", Text, "The ARN of the cluster.", |c, t| {
        c.cluster_identifier()
            .map(|id| format!("arn:{}:redshift:{}:{}:cluster:{id}", t.partition, t.region, t.account_id))
            .into()
    })
    .column("cluster_status", Text, "available, creating, paused, ...", |c, _| c.cluster_status().into())
    .column("node_type", Text, "The node type, e.g. ra3.xlplus.", |c, _| c.node_type().into())
    .column("number_of_nodes", Int, "How many compute nodes it has.", |c, _| c.number_of_nodes().into())
    .column("db_name", Text, "The initial database's name.", |c, _| c.db_name().into())
    .column("master_username", Text, "The admin user's name.", |c, _| c.master_username().into())
    .column("publicly_accessible", Bool, "Whether it can be reached from outside its VPC.", |c, _| {
        c.publicly_accessible().into()
    })
    .column("encrypted", Bool, "Whether data at rest is encrypted.", |c, _| c.encrypted().into())
    .column("kms_key_id", Text, "The KMS key that encrypts it.", |c, _| c.kms_key_id().into())
    .column("enhanced_vpc_routing", Bool, "Whether traffic is forced through the VPC.", |c, _| {
        c.enhanced_vpc_routing().into()
    })
    .column("vpc_id", Text, "The VPC of the cluster.", |c, _| c.vpc_id().into())
    .column("availability_zone", Text, "The Availability Zone.", |c, _| c.availability_zone().into())
    .column("automated_snapshot_retention_period", Int, "Days automated snapshots are kept.", |c, _| {
        c.automated_snapshot_retention_period().into()
    })
    .column("cluster_create_time", Timestamp, "When the cluster was created.", |c, _| c.cluster_create_time().into())
    .column("endpoint", Json, "{Address, Port}.", |c, _| {
        c.endpoint().map(|e| json!({"Address": e.address(), "Port": e.port()})).into()
    })
    .column("vpc_security_groups", Json, "[{VpcSecurityGroupId, Status}].", |c, _| {
        Value::from_iter(
            c.vpc_security_groups()
                .iter()
                .map(|g| json!({"VpcSecurityGroupId": g.vpc_security_group_id(), "Status": g.status()})),
        )
        .into()
    })
    .column("tags", Json, "The tags, as an object of key -> value.", |c, _| {
        tag_map(c.tags(), |t| (t.key().unwrap_or_default(), t.value())).into()
    })
    .column("tags_src", Json, "The tags as AWS returns them: [{Key, Value}].", |c, _| {
        tag_list(c.tags(), |t| (t.key().unwrap_or_default(), t.value())).into()
    })
    .column("title", Text, "The cluster's identifier.", |c, _| c.cluster_identifier().into())
    .build()
}

fn list(scan: ScanContext) -> Pages<Cluster> {
    let redshift = client!(aws_sdk_redshift, scan);
    if let Some(names) = scan.lookups("cluster_identifier") {
        let names = names.to_vec();
        return crate::pages::single_page(async move {
            let mut clusters = Vec::new();
            for name in names {
                let result = redshift.describe_clusters().cluster_identifier(name).send().await;
                if let Some(out) = crate::error::absent(result, &["ClusterNotFound", "ClusterNotFoundFault"])? {
                    clusters.extend(out.clusters.unwrap_or_default());
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
            Ok((out.clusters.unwrap_or_default(), out.marker))
        }
    })
}
