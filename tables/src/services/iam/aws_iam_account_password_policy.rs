use aws_sdk_iam::types::PasswordPolicy;
use crate::cell::Cell;
use crate::context::{ScanContext, client};
use crate::def::Def;
use crate::error::absent;
use crate::pages::{Pages, single_page};
use crate::schema::{Call, Kind::*, Scope};
use crate::table::Table;


pub fn table() -> Table {
    Def::new(
        "aws_iam_account_password_policy",
        "The account's IAM password policy: one row, or none when the account has no policy.",
        Scope::Global,
        Call::new("iam", "GetAccountPasswordPolicy"),
        list,
    )
    .example(
        "SELECT a.account_id, p.minimum_password_length\n\
         FROM aws_account a LEFT JOIN aws_iam_account_password_policy p ON p.account_id = a.account_id",
    )
    .column("minimum_password_length", Int, "The shortest password allowed.", |p, _| p.minimum_password_length().into())
    .column("max_password_age", Int, "Days a password stays valid.", |p, _| p.max_password_age().into())
    .column("password_reuse_prevention", Int, "How many previous passwords cannot be reused.", |p, _| {
        p.password_reuse_prevention().into()
    })
    .column("require_lowercase_characters", Bool, "Whether a lowercase letter is required.", |p, _| {
        p.require_lowercase_characters().into()
    })
    .column("require_uppercase_characters", Bool, "Whether an uppercase letter is required.", |p, _| {
        p.require_uppercase_characters().into()
    })
    .column("require_numbers", Bool, "Whether a digit is required.", |p, _| p.require_numbers().into())
    .column("require_symbols", Bool, "Whether a symbol is required.", |p, _| p.require_symbols().into())
    .column("allow_users_to_change_password", Bool, "Whether users may change their own password.", |p, _| {
        p.allow_users_to_change_password().into()
    })
    .column("expire_passwords", Bool, "Whether passwords expire.", |p, _| p.expire_passwords().into())
    .column("hard_expiry", Bool, "Whether users with expired passwords are locked out.", |p, _| p.hard_expiry().into())
    .column("title", Text, "The account's ID.", |_, t| t.account_id.as_str().into())
    .column("akas", Json, "Always null: the account's password policy has no ARN.", |_, _| Cell::Null)
    .untagged()
    .build()
}

fn list(scan: ScanContext) -> Pages<PasswordPolicy> {
    let iam = client!(aws_sdk_iam, scan);
    single_page(async move {
        let out = absent(iam.get_account_password_policy().send().await, &["NoSuchEntity"])?;
        Ok(out.and_then(|o| o.password_policy).into_iter().collect())
    })
}
