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

/// A UTC timestamp some APIs return as text (AMI creation dates, Lambda's last_modified,
/// the credential report), parsed. Their offsets are spelled `Z`, `+00:00` or `+0000`.
pub fn parse_time(value: &str) -> Option<aws_smithy_types::DateTime> {
    let utc = value.strip_suffix("+00:00").or_else(|| value.strip_suffix("+0000"));
    let value = utc.map_or_else(|| value.to_string(), |v| format!("{v}Z"));
    aws_smithy_types::DateTime::from_str(&value, aws_smithy_types::date_time::Format::DateTime).ok()
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
    fn text_times_parse_whatever_their_utc_offset() {
        let expected = parse_time("2024-05-01T12:00:00Z");
        assert!(expected.is_some());
        assert_eq!(parse_time("2024-05-01T12:00:00+00:00"), expected);
        assert_eq!(parse_time("2024-05-01T12:00:00.000+0000").map(|t| t.secs()), expected.map(|t| t.secs()));
        assert_eq!(parse_time("N/A"), None);
    }

    #[test]
    fn tags_become_an_object() {
        let tags = [("Name", Some("web")), ("Empty", None)];
        let map = tag_map(&tags, |t| (t.0, t.1));
        assert_eq!(map, serde_json::json!({"Name": "web", "Empty": ""}));
    }
}
