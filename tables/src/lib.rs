//! cove's AWS catalog. Each table is one declarative definition in its own module;
//! [`catalog`] registers them. This crate knows AWS and Arrow, not the query engine.

mod call;
mod ec2;
mod iam;
mod json;
mod policy;
mod rds;
mod table;

pub use call::{Call, FetchError, Quals, Target};
pub use table::{Cell, ColumnInfo, HydrateInfo, JSON_METADATA_KEY, KeyColumn, Kind, Request, Scope, Table};

mod aws_account;
mod aws_cloudtrail_trail;
mod aws_config_configuration_recorder;
mod aws_ebs_snapshot;
mod aws_ebs_volume;
mod aws_ec2_ami;
mod aws_ec2_instance;
mod aws_ec2_network_interface;
mod aws_iam_access_key;
mod aws_iam_account_password_policy;
mod aws_iam_account_summary;
mod aws_iam_credential_report;
mod aws_iam_group;
mod aws_iam_policy;
mod aws_iam_role;
mod aws_iam_user;
mod aws_iam_virtual_mfa_device;
mod aws_kms_key;
mod aws_lambda_function;
mod aws_organizations_account;
mod aws_rds_db_instance;
mod aws_rds_db_snapshot;
mod aws_redshift_cluster;
mod aws_region;
mod aws_s3_bucket;
mod aws_vpc;
mod aws_vpc_internet_gateway;
mod aws_vpc_security_group;
mod aws_vpc_security_group_rule;
mod aws_vpc_subnet;

/// Every table cove knows, sorted by name.
pub fn catalog() -> Vec<Table> {
    let mut tables = vec![
        aws_account::table(),
        aws_cloudtrail_trail::table(),
        aws_config_configuration_recorder::table(),
        aws_ebs_snapshot::table(),
        aws_ebs_volume::table(),
        aws_ec2_ami::table(),
        aws_ec2_instance::table(),
        aws_ec2_network_interface::table(),
        aws_iam_access_key::table(),
        aws_iam_account_password_policy::table(),
        aws_iam_account_summary::table(),
        aws_iam_credential_report::table(),
        aws_iam_group::table(),
        aws_iam_policy::table(),
        aws_iam_role::table(),
        aws_iam_user::table(),
        aws_iam_virtual_mfa_device::table(),
        aws_kms_key::table(),
        aws_lambda_function::table(),
        aws_organizations_account::table(),
        aws_rds_db_instance::table(),
        aws_rds_db_snapshot::table(),
        aws_redshift_cluster::table(),
        aws_region::table(),
        aws_s3_bucket::table(),
        aws_vpc::table(),
        aws_vpc_internet_gateway::table(),
        aws_vpc_security_group::table(),
        aws_vpc_security_group_rule::table(),
        aws_vpc_subnet::table(),
    ];
    tables.sort_by_key(|t| t.name);
    tables
}
