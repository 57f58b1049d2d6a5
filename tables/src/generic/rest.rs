//! The REST protocols: the operation's method and URI template, input members bound to
//! URI labels, the query string and headers, the rest as the body. `rest-json` reads its
//! output as a JSON document (as the `json` protocol does), `rest-xml` as an XML document
//! whose root is the output structure, or its payload member.

use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_types::body::SdkBody;
use percent_encoding::{AsciiSet, utf8_percent_encode};
use serde_json::{Map, Value};

use super::{ServiceError, UNRESERVED, xml};
use crate::model::{Model, Protocol, ShapeRef};

/// A greedy label (`{Key+}`) keeps its slashes.
const GREEDY: &AsciiSet = &UNRESERVED.remove(b'/');

pub(super) fn request(model: &Model, operation: &str, input: &Value) -> Result<HttpRequest, String> {
    let xml = model.metadata.protocol == Protocol::RestXml;
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
    if xml && !body.is_empty() {
        return Err(format!("{operation}: XML request bodies are not supported (only the URI, query and headers)"));
    }
    let has_body = !body.is_empty();
    let mut request =
        HttpRequest::new(if has_body { SdkBody::from(Value::Object(body).to_string()) } else { SdkBody::empty() });
    request.set_method(&definition.http.method).map_err(|e| e.to_string())?;
    request.set_uri(uri).map_err(|e| e.to_string())?;
    if has_body {
        request.headers_mut().insert("Content-Type", "application/json");
    }
    for (name, value) in headers {
        request.headers_mut().try_insert(name, value).map_err(|e| format!("{operation}: a header value: {e}"))?;
    }
    Ok(request)
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

pub(super) fn xml_response(
    model: &Model,
    output: Option<&ShapeRef>,
    response: &HttpResponse,
) -> Result<Value, ServiceError> {
    // The root is named after the output shape or its payload, which the model does not
    // always spell out: any element but an error document's or a web page's is taken.
    let text = xml::successful_text(response, "the operation's output", |root| !root.eq_ignore_ascii_case("html"))?;
    let Some(output) = output else { return Ok(Value::Object(Map::new())) };
    let structure = model.shape(&output.shape).map_err(ServiceError::unreadable)?;
    let payload = structure.payload.as_ref().and_then(|name| structure.members.iter().find(|m| &m.name == name));
    match payload {
        Some(member) => {
            let value = xml::document(model, &member.target, text, &[]).map_err(ServiceError::unreadable)?;
            Ok(Value::Object(Map::from_iter([(member.name.clone(), value)])))
        }
        None => xml::document(model, output, text, &[]).map_err(ServiceError::unreadable),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::generic::json;
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
        let error = json::response(eks, None, &throttled).unwrap_err();
        assert_eq!(error.to_string(), "TooManyRequestsException: slow down");
        let bare = HttpResponse::new(500u16.try_into().unwrap(), SdkBody::empty());
        assert!(json::response(eks, None, &bare).unwrap_err().to_string().starts_with("HTTP500: "));
    }

    #[test]
    fn xml_outputs_are_the_payload_member_or_the_whole_structure() {
        let cloudfront = model("cloudfront").unwrap();
        let output = cloudfront.operation("ListDistributions").unwrap().output.clone();
        let body = "<DistributionList><IsTruncated>true</IsTruncated><NextMarker>m2</NextMarker><Items>\
                    <DistributionSummary><Id>E1</Id><Enabled>true</Enabled></DistributionSummary></Items></DistributionList>";
        let ok = HttpResponse::new(200u16.try_into().unwrap(), SdkBody::from(body));
        let value = xml_response(cloudfront, output.as_ref(), &ok).unwrap();
        assert_eq!(
            value,
            json!({"DistributionList": {"IsTruncated": true, "NextMarker": "m2", "Items": [{"Id": "E1", "Enabled": true}]}})
        );
        let route53 = model("route53").unwrap();
        let output = route53.operation("ListHostedZones").unwrap().output.clone();
        let body = "<ListHostedZonesResponse><HostedZones><HostedZone><Id>/hostedzone/Z1</Id>\
                    <Config><PrivateZone>false</PrivateZone></Config></HostedZone></HostedZones></ListHostedZonesResponse>";
        let ok = HttpResponse::new(200u16.try_into().unwrap(), SdkBody::from(body));
        let value = xml_response(route53, output.as_ref(), &ok).unwrap();
        assert_eq!(value, json!({"HostedZones": [{"Id": "/hostedzone/Z1", "Config": {"PrivateZone": false}}]}));
        let denied = "<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message></Error></ErrorResponse>";
        let denied = HttpResponse::new(403u16.try_into().unwrap(), SdkBody::from(denied));
        assert_eq!(xml_response(route53, output.as_ref(), &denied).unwrap_err().to_string(), "AccessDenied: no");
        let refused = |body: &'static str| {
            let ok = HttpResponse::new(200u16.try_into().unwrap(), SdkBody::from(body));
            xml_response(route53, output.as_ref(), &ok).unwrap_err().to_string()
        };
        assert_eq!(refused("<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>"), "Throttling");
        assert!(refused("  <html><body>Sign in</body></html>").contains("HTML page"));
        assert!(refused("<!-- portal --><HTML></HTML>").contains("<HTML> where the operation's output was expected"));
        let list = request(route53, "ListHostedZones", &json!({"MaxItems": "5", "Marker": "m"})).unwrap();
        assert_eq!(list.uri(), "/2013-04-01/hostedzone?marker=m&maxitems=5");
    }
}
