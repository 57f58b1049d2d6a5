//! AWS Organizations.

tables! {
    aws_organizations_account,
}

pub(crate) use aws_organizations_account::{ACCESS_DENIED, NOT_IN_USE, list_accounts};
