//! EC2 and VPC: instances, images, volumes, snapshots, networks. What their Describe*
//! tables share: key columns sent as Filters, and tags.

use aws_sdk_ec2::types::{Filter, ProductCode, Tag};
use serde_json::{Value, json};

use crate::context::ScanContext;
use crate::def::Def;
use crate::json::{tag_list, tag_map};
use crate::schema::Kind;

tables! {
    aws_ebs_snapshot,
    aws_ebs_volume,
    aws_ec2_ami,
    aws_ec2_instance,
    aws_ec2_network_interface,
    aws_region,
    aws_vpc,
    aws_vpc_internet_gateway,
    aws_vpc_security_group,
    aws_vpc_security_group_rule,
    aws_vpc_subnet,
}

pub(crate) use aws_region::list as list_regions;

/// EC2 filter values treat `*` and `?` as wildcards; escaped, a value matches itself.
/// Filters stay inexact key columns all the same: the engine re-checks the rows.
pub fn filter_value(value: &str) -> String {
    value.replace('\\', "\\\\").replace('*', "\\*").replace('?', "\\?")
}

/// The Filters for the key columns the scan was given, from (column, filter name) pairs.
pub fn filters(scan: &ScanContext, columns: &[(&str, &str)]) -> Vec<Filter> {
    columns
        .iter()
        .filter_map(|(column, name)| {
            let values = scan.qual(column)?.iter().map(|v| filter_value(v)).collect();
            Some(Filter::builder().name(*name).set_values(Some(values)).build())
        })
        .collect()
}

/// The Filters for the scan's key columns, or None when it has none.
pub fn filters_or_none(scan: &ScanContext, columns: &[(&str, &str)]) -> Option<Vec<Filter>> {
    Some(filters(scan, columns)).filter(|f| !f.is_empty())
}

/// A paginated EC2 Describe* call with the scan's key columns as Filters:
/// `describe!(scan, FILTERS, describe_vpcs, vpcs, 1000)`, optionally with a last argument
/// that sets more of the request, e.g. `|request| request.owners(...)`.
macro_rules! describe {
    ($scan:expr, $filters:expr, $operation:ident, $items:ident, $max_page:expr) => {
        $crate::services::ec2::describe!($scan, $filters, $operation, $items, $max_page, |request| request)
    };
    ($scan:expr, $filters:expr, $operation:ident, $items:ident, $max_page:expr, $configure:expr) => {{
        let client = $crate::context::client!(aws_sdk_ec2, $scan);
        let filters = $crate::services::ec2::filters_or_none(&$scan, $filters);
        let page_size = $scan.page_size(5, $max_page);
        $crate::pages::paginate(move |token| {
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
pub(crate) use describe;

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

/// Marketplace product codes as [{ProductCodeId, ProductCodeType}].
pub fn product_codes(codes: &[ProductCode]) -> Value {
    Value::from_iter(codes.iter().map(
        |p| json!({"ProductCodeId": p.product_code_id(), "ProductCodeType": crate::json::s(p.product_code_type())}),
    ))
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
