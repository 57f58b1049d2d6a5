//! RDS. What its tables share: key columns sent as Filters, and tags.

use aws_sdk_rds::types::{Filter, ProcessorFeature, Tag};
use serde_json::{Value, json};

use crate::context::ScanContext;
use crate::def::Def;
use crate::json::{tag_list, tag_map};
use crate::schema::Kind;

tables! {
    aws_rds_db_instance,
    aws_rds_db_snapshot,
}

/// The Filters for the scan's key columns, from (column, filter name) pairs; None when none apply.
pub fn filters(scan: &ScanContext, columns: &[(&str, &str)]) -> Option<Vec<Filter>> {
    let filters: Vec<Filter> = columns
        .iter()
        .filter_map(|(column, name)| {
            let values = scan.qual(column)?.to_vec();
            Some(Filter::builder().name(*name).set_values(Some(values)).build())
        })
        .collect();
    Some(filters).filter(|f| !f.is_empty())
}

/// The `tags` and `tags_src` columns of an RDS resource.
pub fn tagged<T: Clone + Send + Sync + 'static>(def: Def<T>, tags: fn(&T) -> &[Tag]) -> Def<T> {
    def.column("tags", Kind::Json, "The tags, as an object of key -> value.", move |r, _| {
        tag_map(tags(r), |t| (t.key().unwrap_or_default(), t.value())).into()
    })
    .column("tags_src", Kind::Json, "The tags as AWS returns them: [{Key, Value}].", move |r, _| {
        tag_list(tags(r), |t| (t.key().unwrap_or_default(), t.value())).into()
    })
}

/// Processor features as [{Name, Value}]; null when none are set.
pub fn processor_features(features: &[ProcessorFeature]) -> Option<Value> {
    let features = features.iter().map(|f| json!({"Name": f.name(), "Value": f.value()}));
    Some(Value::from_iter(features)).filter(|f| f.as_array().is_some_and(|a| !a.is_empty()))
}
