//! Helpers that shape SDK values as the JSON documents JSON columns hold.

use serde_json::{Map, Value};

/// An SDK enum (or any string-like value) as a JSON string, or null.
pub fn s<S: AsRef<str> + ?Sized>(value: Option<&S>) -> Value {
    value.map_or(Value::Null, |v| Value::String(v.as_ref().to_string()))
}

/// A timestamp as an RFC 3339 JSON string, or null.
pub fn time(value: Option<&aws_smithy_types::DateTime>) -> Value {
    value.and_then(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).ok()).map_or(Value::Null, Value::String)
}

/// A timestamp EC2 returns as text (AMI creation dates), parsed.
pub fn parse_time(value: &str) -> Option<aws_smithy_types::DateTime> {
    aws_smithy_types::DateTime::from_str(value, aws_smithy_types::date_time::Format::DateTime).ok()
}

/// A tag list as a JSON object of key -> value, the shape `tags` columns have.
/// An absent tag list is null; an empty one is `{}`.
pub fn tag_map<T>(tags: &[T], key_value: impl Fn(&T) -> (&str, Option<&str>)) -> Value {
    let map: Map<String, Value> = tags
        .iter()
        .map(|t| {
            let (k, v) = key_value(t);
            (k.to_string(), Value::String(v.unwrap_or_default().to_string()))
        })
        .collect();
    Value::Object(map)
}

/// A tag list in AWS's own `[{"Key":..,"Value":..}]` shape.
pub fn tag_list<T>(tags: &[T], key_value: impl Fn(&T) -> (&str, Option<&str>)) -> Value {
    tags.iter()
        .map(|t| {
            let (k, v) = key_value(t);
            serde_json::json!({"Key": k, "Value": v})
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_become_an_object() {
        let tags = [("Name", Some("web")), ("Empty", None)];
        let map = tag_map(&tags, |t| (t.0, t.1));
        assert_eq!(map, serde_json::json!({"Name": "web", "Empty": ""}));
    }
}
