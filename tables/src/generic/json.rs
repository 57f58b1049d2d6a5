//! The `json` protocol (awsJson1_0 / awsJson1_1): every call a POST to `/` naming its
//! operation in `X-Amz-Target`, input and output as JSON documents.

use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::date_time::Format;
use serde_json::Value;

use super::{NO_CODE, ServiceError, timestamp, timestamp_from_seconds};
use crate::model::{Model, ShapeKind, ShapeRef};

pub(super) fn request(model: &Model, operation: &str, input: &Value) -> Result<HttpRequest, String> {
    model.operation(operation)?;
    let metadata = &model.metadata;
    let target = format!("{}.{operation}", metadata.target_prefix.as_deref().unwrap_or_default());
    let content_type = format!("application/x-amz-json-{}", metadata.json_version.as_deref().unwrap_or("1.0"));
    let body = if input.is_null() { "{}".to_string() } else { input.to_string() };
    let mut request = HttpRequest::new(SdkBody::from(body));
    request.set_method("POST").map_err(|e| e.to_string())?;
    request.set_uri("/").map_err(|e| e.to_string())?;
    request.headers_mut().insert("X-Amz-Target", target);
    request.headers_mut().insert("Content-Type", content_type);
    Ok(request)
}

pub(super) fn response(
    model: &Model,
    output: Option<&ShapeRef>,
    response: &HttpResponse,
) -> Result<Value, ServiceError> {
    if let Some(page) = super::web_page(response) {
        return Err(page);
    }
    let body = response.body().bytes().unwrap_or_default();
    let document: Value = if body.is_empty() {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice(body).map_err(ServiceError::unreadable)?
    };
    if !response.status().is_success() || names_error(&document) {
        return Err(error(response, &document));
    }
    if !document.is_object() {
        let (status, start) = (response.status().as_u16(), String::from_utf8_lossy(&body[..body.len().min(40)]));
        return Err(ServiceError::unreadable(format!("HTTP {status} with `{start}` where an object was expected")));
    }
    match output {
        Some(output) => normalize(model, output, document).map_err(ServiceError::unreadable),
        None => Ok(Value::Object(Default::default())),
    }
}

/// Whether a document is an error document. Some endpoints send one with a 2xx, which read
/// as an output would be one with nothing in it; no output in the models has these members.
fn names_error(document: &Value) -> bool {
    let has = |key: &str| document.get(key).is_some();
    has("__type") || (has("code") && (has("message") || has("Message")))
}

/// The error a 2xx answer names when it is a JSON error document.
pub(crate) fn error_in_2xx(response: &HttpResponse) -> Option<ServiceError> {
    let body = response.body().bytes().filter(|_| response.status().is_success())?;
    // Most answers are not JSON, or do not mention an error: only those that might are parsed.
    let mentions = |key: &[u8]| body.windows(key.len()).any(|w| w == key);
    if !body.trim_ascii_start().starts_with(b"{") || !(mentions(b"\"__type\"") || mentions(b"\"code\"")) {
        return None;
    }
    let document: Value = serde_json::from_slice(body).ok()?;
    names_error(&document).then(|| error(response, &document))
}

/// The error a JSON service answered with: its code from `__type` (or the
/// `X-Amzn-ErrorType` header) without the namespace, and its message.
pub(super) fn error(response: &HttpResponse, document: &Value) -> ServiceError {
    // Services moved from the query protocol (SQS, CloudWatch) also send the code their
    // query API answered with (`AWS.SimpleQueueService.NonExistentQueue;Sender`): the
    // code the SDKs report, and so the one tables' "none" codes name.
    let query_code = response.headers().get("x-amzn-query-error").and_then(|value| value.split(';').next());
    let code = query_code
        .filter(|code| !code.is_empty())
        .or_else(|| document.get("__type").and_then(Value::as_str))
        .or_else(|| document.get("code").and_then(Value::as_str))
        .or_else(|| response.headers().get("x-amzn-errortype"))
        .map(|code| code.rsplit('#').next().unwrap_or(code))
        .map(|code| code.split(':').next().unwrap_or(code));
    let message = ["message", "Message", "errorMessage"].iter().find_map(|key| document.get(*key)?.as_str());
    match code {
        Some(code) => ServiceError::new(code, message),
        None => ServiceError::new(&format!("HTTP{}", response.status().as_u16()), message.or(Some(NO_CODE))),
    }
}

/// A JSON document as the model types it: timestamps (epoch seconds on the wire) as
/// RFC 3339 text; members the model does not know are kept as they are.
pub(super) fn normalize(model: &Model, shape: &ShapeRef, value: Value) -> Result<Value, String> {
    let definition = model.shape(&shape.shape)?;
    Ok(match (definition.kind, value) {
        (ShapeKind::Timestamp, Value::Number(n)) => n.as_f64().and_then(timestamp_from_seconds).unwrap_or(Value::Null),
        (ShapeKind::Timestamp, Value::String(text)) => timestamp(&text, Format::DateTime)
            .or_else(|| timestamp(&text, Format::HttpDate))
            .unwrap_or(Value::String(text)),
        (ShapeKind::Structure, Value::Object(mut object)) => {
            for member in &definition.members {
                let name = member.target.location_name.as_deref().unwrap_or(&member.name);
                if let Some(value) = object.remove(name) {
                    object.insert(member.name.clone(), normalize(model, &member.target, value)?);
                }
            }
            Value::Object(object)
        }
        (ShapeKind::List, Value::Array(items)) => match &definition.member {
            Some(member) => {
                Value::Array(items.into_iter().map(|v| normalize(model, member, v)).collect::<Result<_, _>>()?)
            }
            None => Value::Array(items),
        },
        (ShapeKind::Map, Value::Object(object)) => match &definition.value {
            Some(value_shape) => Value::Object(
                object
                    .into_iter()
                    .map(|(k, v)| Ok((k, normalize(model, value_shape, v)?)))
                    .collect::<Result<_, String>>()?,
            ),
            None => Value::Object(object),
        },
        (_, value) => value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::model;

    #[test]
    fn requests_name_their_operation_and_json_version() {
        let logs = model("logs").unwrap();
        let request = request(logs, "DescribeLogGroups", &serde_json::json!({"limit": 5})).unwrap();
        assert_eq!(request.method(), "POST");
        assert_eq!(request.headers().get("x-amz-target"), Some("Logs_20140328.DescribeLogGroups"));
        assert_eq!(request.headers().get("content-type"), Some("application/x-amz-json-1.1"));
        assert_eq!(request.body().bytes(), Some(&b"{\"limit\":5}"[..]));
    }

    #[test]
    fn timestamps_become_rfc3339_at_any_depth() {
        let logs = model("logs").unwrap();
        let output = logs.operation("DescribeMetricFilters").unwrap().output.clone().unwrap();
        let wire = serde_json::json!({"metricFilters": [{"filterName": "f", "creationTime": 1700000000000i64}]});
        let normalized = normalize(logs, &output, wire).unwrap();
        // Logs' creationTime is a long of milliseconds in the model, not a timestamp: kept.
        assert_eq!(normalized["metricFilters"][0]["creationTime"], 1700000000000i64);
        let dynamodb = model("dynamodb").unwrap();
        let output = dynamodb.operation("DescribeTable").unwrap().output.clone().unwrap();
        let wire = serde_json::json!({"Table": {"TableName": "t", "CreationDateTime": 1700000000.5}});
        let normalized = normalize(dynamodb, &output, wire).unwrap();
        assert_eq!(normalized["Table"]["CreationDateTime"], "2023-11-14T22:13:20.5Z");
    }

    #[test]
    fn a_2xx_answer_is_an_object_or_the_error_it_names() {
        let logs = model("logs").unwrap();
        let output = logs.operation("DescribeLogGroups").unwrap().output.clone();
        let read = |body: &'static str| {
            let ok = HttpResponse::new(200u16.try_into().unwrap(), SdkBody::from(body));
            response(logs, output.as_ref(), &ok).map_err(|e| e.to_string())
        };
        assert_eq!(read(r#"{"logGroups": []}"#), Ok(serde_json::json!({"logGroups": []})));
        assert_eq!(read("").unwrap(), serde_json::json!({}), "an output with no members may have no body");
        let denied = r#"{"__type": "com.amazonaws.logs#AccessDeniedException", "message": "no"}"#;
        assert_eq!(read(denied).unwrap_err(), "AccessDeniedException: no");
        assert_eq!(read(r#"{"code": "AccessDenied", "Message": "no"}"#).unwrap_err(), "AccessDenied: no");
        assert!(read("[]").unwrap_err().contains("`[]` where an object was expected"));
        assert!(read("<!doctype html><html></html>").unwrap_err().contains("HTML page"));
    }

    #[test]
    fn errors_drop_the_namespace_of_their_code() {
        let response = HttpResponse::new(400u16.try_into().unwrap(), SdkBody::empty());
        let document = serde_json::json!({"__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", "message": "gone"});
        let error = error(&response, &document);
        assert_eq!(error.to_string(), "ResourceNotFoundException: gone");

        let mut compatible = HttpResponse::new(400u16.try_into().unwrap(), SdkBody::empty());
        compatible.headers_mut().insert("x-amzn-query-error", "AWS.SimpleQueueService.NonExistentQueue;Sender");
        let document = serde_json::json!({"__type": "com.amazonaws.sqs#QueueDoesNotExist", "message": "no queue"});
        let error = super::error(&compatible, &document);
        assert_eq!(error.to_string(), "AWS.SimpleQueueService.NonExistentQueue: no queue");
    }
}
