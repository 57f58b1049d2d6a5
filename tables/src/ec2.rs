//! What EC2's Describe* tables share: key columns sent as Filters, and tags.

use aws_sdk_ec2::types::{Filter, Tag};

use crate::call::Call;

/// EC2 filter values treat `*` and `?` as wildcards; escaped, a value matches itself.
/// Filters stay inexact key columns all the same: the engine re-checks the rows.
pub fn filter_value(value: &str) -> String {
    value.replace('\\', "\\\\").replace('*', "\\*").replace('?', "\\?")
}

/// The Filters for the key columns the call was given, from (column, filter name) pairs.
pub fn filters(call: &Call, columns: &[(&str, &str)]) -> Vec<Filter> {
    columns
        .iter()
        .filter_map(|(column, name)| {
            let values = call.qual(column)?.iter().map(|v| filter_value(v)).collect();
            Some(Filter::builder().name(*name).set_values(Some(values)).build())
        })
        .collect()
}

pub fn tag_key_value(tag: &Tag) -> (&str, Option<&str>) {
    (tag.key().unwrap_or_default(), tag.value())
}

pub fn name_tag(tags: &[Tag]) -> Option<&str> {
    tags.iter().find(|t| t.key() == Some("Name")).and_then(|t| t.value())
}

#[cfg(test)]
mod tests {
    use super::filter_value;

    #[test]
    fn filter_values_match_themselves() {
        assert_eq!(filter_value("t3.micro"), "t3.micro");
        assert_eq!(filter_value("a*b?c\\"), "a\\*b\\?c\\\\");
    }
}
