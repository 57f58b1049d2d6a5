//! What EC2's Describe* tables share: key columns sent as Filters, and tags.

use aws_sdk_ec2::types::{Filter, Tag};

use crate::call::Call;
use crate::json::{tag_list, tag_map};
use crate::table::{Def, Kind};

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

/// The Filters for the call's key columns, or None when it has none.
pub fn filters_or_none(call: &Call, columns: &[(&str, &str)]) -> Option<Vec<Filter>> {
    Some(filters(call, columns)).filter(|f| !f.is_empty())
}

/// A paginated EC2 Describe* call with the call's key columns as Filters:
/// `describe!(call, FILTERS, describe_vpcs, vpcs, 1000)`, optionally with a last argument
/// that sets more of the request, e.g. `|request| request.owners(...)`.
#[macro_export]
macro_rules! describe {
    ($call:expr, $filters:expr, $operation:ident, $items:ident, $max_page:expr) => {
        $crate::describe!($call, $filters, $operation, $items, $max_page, |request| request)
    };
    ($call:expr, $filters:expr, $operation:ident, $items:ident, $max_page:expr, $configure:expr) => {{
        let client = $crate::client!(aws_sdk_ec2, $call);
        let filters = $crate::ec2::filters_or_none(&$call, $filters);
        let page_size = $call.page_size(5, $max_page);
        $crate::call::paginate(move |token| {
            let request = client.$operation().set_filters(filters.clone()).max_results(page_size).set_next_token(token);
            let request = ($configure)(request);
            async move {
                let out = request.send().await?;
                let next = out.next_token().map(str::to_string);
                Ok((out.$items.unwrap_or_default(), next))
            }
        })
    }};
}

/// The `title` (Name tag, else the id), `tags` and `tags_src` columns of an EC2 resource.
pub fn tagged<T: Clone + Send + Sync + 'static>(
    def: Def<T>,
    tags: fn(&T) -> &[Tag],
    id: fn(&T) -> Option<&str>,
) -> Def<T> {
    def.column("title", Kind::Text, "The Name tag, else the resource's ID or name.", move |r, _| {
        name_tag(tags(r)).or(id(r)).into()
    })
    .column("tags", Kind::Json, "The tags, as an object of key -> value.", move |r, _| {
        tag_map(tags(r), tag_key_value).into()
    })
    .column("tags_src", Kind::Json, "The tags as AWS returns them: [{Key, Value}].", move |r, _| {
        tag_list(tags(r), tag_key_value).into()
    })
}

pub fn tag_key_value(tag: &Tag) -> (&str, Option<&str>) {
    (tag.key().unwrap_or_default(), tag.value())
}

fn name_tag(tags: &[Tag]) -> Option<&str> {
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
