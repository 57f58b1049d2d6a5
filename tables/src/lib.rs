//! cove's AWS catalog. Each table is one declarative definition in its own module;
//! [`catalog`] registers them. This crate knows AWS and Arrow, not the query engine.

mod call;
mod ec2;
mod json;
mod table;

pub use call::{Call, FetchError, Quals, Target};
pub use table::{Cell, ColumnInfo, HydrateInfo, JSON_METADATA_KEY, KeyColumn, Kind, Request, Scope, Table};

mod aws_account;
mod aws_ebs_volume;
mod aws_ec2_instance;
mod aws_iam_user;
mod aws_region;
mod aws_s3_bucket;
mod aws_vpc;
mod aws_vpc_security_group;
mod aws_vpc_subnet;

/// Every table cove knows, sorted by name.
pub fn catalog() -> Vec<Table> {
    let mut tables = vec![
        aws_account::table(),
        aws_ebs_volume::table(),
        aws_ec2_instance::table(),
        aws_iam_user::table(),
        aws_region::table(),
        aws_s3_bucket::table(),
        aws_vpc::table(),
        aws_vpc_security_group::table(),
        aws_vpc_subnet::table(),
    ];
    tables.sort_by_key(|t| t.name);
    tables
}
