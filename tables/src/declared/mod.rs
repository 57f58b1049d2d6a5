//! Declared tables: a TOML file per table (`tables/declared/<service>/<table>.toml`)
//! naming its list operation, key columns, hydrate calls and column overrides, read
//! against the service model. Every other column comes from the model: each member of
//! the listed item (and of what a hydrate returns) is a column named in snake_case, typed
//! by its shape. A file is resolved against its model into plain data ([`resolve`]), then
//! built ([`build`]) on the same [`crate::def::Def`] as the Rust tables, its rows the
//! items as JSON values.

use std::sync::OnceLock;

use crate::model::DECLARED;
use crate::table::Table;

mod build;
mod format;
mod hydrate;
mod lister;
mod resolve;
mod value;

/// Every declared table, read once. A file that does not resolve against its model is a
/// defect of the build (the catalog's test reads them all), reported by name.
pub(crate) fn tables() -> Vec<Table> {
    static TABLES: OnceLock<Vec<Table>> = OnceLock::new();
    TABLES
        .get_or_init(|| {
            let table = |text: &str| -> Result<Table, String> {
                let decl = toml::from_str(text).map_err(|e: toml::de::Error| e.message().to_string())?;
                Ok(build::build(resolve::resolve(decl)?))
            };
            DECLARED
                .iter()
                .map(|(file, text)| table(text).unwrap_or_else(|e| panic!("table file {file}: {e}")))
                .collect()
        })
        .clone()
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// Steampipe's column name for a member: `DBInstanceIdentifier` -> `db_instance_identifier`,
/// `logGroupArn` -> `log_group_arn`, `KMSKeyId` -> `kms_key_id`.
fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() && i > 0 {
            let previous = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            // An acronym's plural (`ARNs`) stays one word.
            let plural = chars.get(i + 1) == Some(&'s') && chars.get(i + 2).is_none_or(|n| !n.is_lowercase());
            let new_word = previous.is_uppercase() && next_is_lower && !plural;
            if previous.is_lowercase() || previous.is_ascii_digit() || new_word {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_become_steampipe_column_names() {
        for (member, column) in [
            ("DBInstanceIdentifier", "db_instance_identifier"),
            ("logGroupArn", "log_group_arn"),
            ("KMSKeyId", "kms_key_id"),
            ("TopicArn", "topic_arn"),
            ("ARN", "arn"),
            ("retentionInDays", "retention_in_days"),
            ("S3BucketName", "s3_bucket_name"),
            ("NotificationARNs", "notification_arns"),
            ("VpcIds", "vpc_ids"),
        ] {
            assert_eq!(snake_case(member), column, "{member}");
        }
    }
}
