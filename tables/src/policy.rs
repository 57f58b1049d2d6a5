//! Policy documents: decoded to JSON, and put in the canonical form Steampipe's `*_std`
//! columns use, so one query shape finds a statement however its author spelled it.

use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

/// A policy document as JSON. IAM returns documents URL-encoded; S3 and Lambda return
/// them as they are. Text that is not JSON either way is kept as a JSON string.
pub fn document(text: &str) -> Value {
    if let Ok(value) = serde_json::from_str(text) {
        return value;
    }
    let decoded = percent_decode_str(text).decode_utf8_lossy();
    serde_json::from_str(&decoded).unwrap_or_else(|_| Value::String(decoded.into_owned()))
}

/// The canonical form of a policy: `Statement` is always an array; actions are lower-cased,
/// de-duplicated and sorted; resources sorted; a `"*"` principal becomes `{"AWS": ["*"]}`
/// and every principal value a sorted array; condition keys are lower-cased (operators keep
/// their case) and condition values sorted arrays.
pub fn canonical(policy: &Value) -> Value {
    let Value::Object(policy) = policy else { return policy.clone() };
    let mut out = Map::new();
    for (key, value) in policy {
        let value = match key.as_str() {
            "Statement" => Value::Array(as_array(value).iter().map(statement).collect()),
            _ => value.clone(),
        };
        out.insert(key.clone(), value);
    }
    Value::Object(out)
}

fn statement(statement: &Value) -> Value {
    let Value::Object(statement) = statement else { return statement.clone() };
    let mut out = Map::new();
    for (key, value) in statement {
        let value = match key.as_str() {
            "Action" | "NotAction" => sorted(as_array(value).iter().map(lower).collect()),
            "Resource" | "NotResource" => sorted(as_array(value)),
            "Principal" | "NotPrincipal" => principal(value),
            "Condition" => condition(value),
            _ => value.clone(),
        };
        out.insert(key.clone(), value);
    }
    Value::Object(out)
}

fn principal(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), sorted(as_array(v)))).collect()),
        other => Value::Object(Map::from_iter([("AWS".to_string(), sorted(as_array(other)))])),
    }
}

fn condition(value: &Value) -> Value {
    let Value::Object(operators) = value else { return value.clone() };
    let operators = operators.iter().map(|(operator, keys)| {
        let keys = match keys {
            Value::Object(keys) => {
                Value::Object(keys.iter().map(|(k, v)| (k.to_lowercase(), sorted(as_array(v)))).collect())
            }
            other => other.clone(),
        };
        (operator.clone(), keys)
    });
    Value::Object(operators.collect())
}

fn as_array(value: &Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items.clone(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    }
}

fn lower(value: &Value) -> Value {
    value.as_str().map_or_else(|| value.clone(), |s| Value::String(s.to_lowercase()))
}

/// Sorted and de-duplicated; booleans and numbers compare by their text, as IAM treats them.
fn sorted(mut items: Vec<Value>) -> Value {
    let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
    items.sort_by_key(text);
    items.dedup();
    Value::Array(items)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn url_encoded_documents_decode() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%7D";
        assert_eq!(document(encoded), json!({"Version": "2012-10-17"}));
        assert_eq!(document(r#"{"a": 1}"#), json!({"a": 1}));
    }

    #[test]
    fn canonical_form_normalizes_spelling() {
        let policy = json!({
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Principal": "*",
                "Action": ["S3:GetObject", "s3:getobject", "S3:ListBucket"],
                "Resource": "arn:aws:s3:::b/*",
                "Condition": {"StringEquals": {"AWS:SourceAccount": "1"}}
            }
        });
        assert_eq!(
            canonical(&policy),
            json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": {"AWS": ["*"]},
                    "Action": ["s3:getobject", "s3:listbucket"],
                    "Resource": ["arn:aws:s3:::b/*"],
                    "Condition": {"StringEquals": {"aws:sourceaccount": ["1"]}}
                }]
            })
        );
    }
}
