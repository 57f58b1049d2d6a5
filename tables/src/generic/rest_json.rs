//! The `rest-json` protocol (restJson1): the operation's method and URI template, input
//! members bound to URI labels, the query string and headers, the rest as a JSON body;
//! the output a JSON document as in the `json` protocol.

use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_types::body::SdkBody;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value};

use super::{ServiceError, json};
use crate::model::{Model, ShapeRef};

/// What stays unescaped in a URI label or query value (RFC 3986 unreserved).
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
/// A greedy label (`{Key+}`) keeps its slashes.
const GREEDY: &AsciiSet = &UNRESERVED.remove(b'/');

pub(super) fn request(model: &Model, operation: &str, input: &Value) -> Result<HttpRequest, String> {
    let definition = model.operation(operation)?;
    let (mut path, mut query) = match definition.http.request_uri.split_once('?') {
        Some((path, query)) => (path.to_string(), vec![query.to_string()]),
        None => (definition.http.request_uri.clone(), Vec::new()),
    };
    let mut headers = Vec::new();
    let mut body = Map::new();
    let members = match &definition.input {
        Some(input) => model.shape(&input.shape)?.members.as_slice(),
        None => &[],
    };
    for member in members {
        let Some(value) = input.get(&member.name).filter(|v| !v.is_null()) else { continue };
        let name = member.target.location_name.as_deref().unwrap_or(&member.name);
        match member.target.location.as_deref() {
            Some("uri") => {
                let text = scalar(value);
                path = path
                    .replace(&format!("{{{name}+}}"), &utf8_percent_encode(&text, GREEDY).to_string())
                    .replace(&format!("{{{name}}}"), &utf8_percent_encode(&text, UNRESERVED).to_string());
            }
            Some("querystring") => {
                let values = match value {
                    Value::Array(items) => items.iter().map(scalar).collect(),
                    other => vec![scalar(other)],
                };
                for text in values {
                    query.push(format!(
                        "{}={}",
                        utf8_percent_encode(name, UNRESERVED),
                        utf8_percent_encode(&text, UNRESERVED)
                    ));
                }
            }
            Some("header") => headers.push((name.to_string(), scalar(value))),
            _ => {
                body.insert(name.to_string(), value.clone());
            }
        }
    }
    if path.contains('{') {
        return Err(format!("{operation}: a URI label of {path} has no value"));
    }
    let uri = if query.is_empty() { path } else { format!("{path}?{}", query.join("&")) };
    let has_body = !body.is_empty();
    let mut request =
        HttpRequest::new(if has_body { SdkBody::from(Value::Object(body).to_string()) } else { SdkBody::empty() });
    request.set_method(&definition.http.method).map_err(|e| e.to_string())?;
    request.set_uri(uri).map_err(|e| e.to_string())?;
    if has_body {
        request.headers_mut().insert("Content-Type", "application/json");
    }
    for (name, value) in headers {
        request.headers_mut().insert(name, value);
    }
    Ok(request)
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

pub(super) fn response(
    model: &Model,
    output: Option<&ShapeRef>,
    response: &HttpResponse,
) -> Result<Value, ServiceError> {
    let body = response.body().bytes().unwrap_or_default();
    let document: Value = if body.is_empty() {
        Value::Object(Map::new())
    } else {
        serde_json::from_slice(body).map_err(ServiceError::unreadable)?
    };
    if !response.status().is_success() {
        return Err(json::error(response, &document));
    }
    match output {
        Some(output) => json::normalize(model, output, document).map_err(ServiceError::unreadable),
        None => Ok(Value::Object(Map::new())),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::model;

    #[test]
    fn members_go_to_the_uri_the_query_string_or_the_body() {
        let eks = model("eks").unwrap();
        let describe = request(eks, "DescribeCluster", &json!({"name": "a b/c"})).unwrap();
        assert_eq!((describe.method(), describe.uri()), ("GET", "/clusters/a%20b%2Fc"));
        assert_eq!(describe.body().bytes(), Some(&b""[..]));
        let efs = model("efs").unwrap();
        let list = request(efs, "DescribeFileSystems", &json!({"FileSystemId": "fs-1", "MaxItems": 5})).unwrap();
        assert_eq!(list.uri(), "/2015-02-01/file-systems?MaxItems=5&FileSystemId=fs-1");
        assert!(request(eks, "DescribeCluster", &json!({})).unwrap_err().contains("no value"));
    }

    #[test]
    fn errors_come_from_the_header_or_the_body() {
        let mut throttled = HttpResponse::new(429u16.try_into().unwrap(), SdkBody::from(r#"{"message":"slow down"}"#));
        throttled.headers_mut().insert("x-amzn-errortype", "TooManyRequestsException:http://internal/");
        let eks = model("eks").unwrap();
        let error = response(eks, None, &throttled).unwrap_err();
        assert_eq!(error.to_string(), "TooManyRequestsException: slow down");
        let bare = HttpResponse::new(500u16.try_into().unwrap(), SdkBody::empty());
        assert!(response(eks, None, &bare).unwrap_err().to_string().starts_with("HTTP500: "));
    }
}
