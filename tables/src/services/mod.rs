//! The tables, a folder per AWS service: a table is one file there and one line in its
//! service's `tables!` list.

use crate::table::Table;

/// Declares a service's table modules and lists their tables.
macro_rules! tables {
    ($($table:ident),* $(,)?) => {
        $(mod $table;)*

        pub(crate) fn tables() -> Vec<$crate::table::Table> {
            vec![$($table::table()),*]
        }
    };
}

mod cloudtrail;
mod config;
pub(crate) mod ec2;
mod iam;
mod kms;
mod lambda;
pub(crate) mod organizations;
mod rds;
mod redshift;
mod s3;

/// Every service's tables.
pub(crate) fn all() -> Vec<Table> {
    [
        cloudtrail::tables(),
        config::tables(),
        ec2::tables(),
        iam::tables(),
        kms::tables(),
        lambda::tables(),
        organizations::tables(),
        rds::tables(),
        redshift::tables(),
        s3::tables(),
    ]
    .concat()
}
