//! The `query` protocol (awsQuery) and its EC2 variant: a form-encoded POST naming
//! `Action` and `Version`, answered with XML. awsQuery wraps lists in `.member.N` and its
//! result in `<{Operation}Result>`; EC2 numbers lists directly (`Filter.1.Value.1`),
//! names members by `queryName` (or the capitalized `locationName`), and answers with
//! the result's members right under the root.

use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_types::body::SdkBody;
use percent_encoding::utf8_percent_encode;
use serde_json::Value;

use super::{ServiceError, UNRESERVED, xml};
use crate::model::{Model, Protocol, ShapeKind, ShapeRef};

pub(super) fn request(model: &Model, operation: &str, input: &Value) -> Result<HttpRequest, String> {
    let definition = model.operation(operation)?;
    let mut params = vec![("Action".to_string(), operation.to_string())];
    params.push(("Version".to_string(), model.metadata.api_version.clone()));
    if let Some(shape) = &definition.input {
        let ec2 = model.metadata.protocol == Protocol::Ec2;
        flatten(model, shape, input, "", ec2, &mut params)?;
    }
    let body: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", utf8_percent_encode(k, UNRESERVED), utf8_percent_encode(v, UNRESERVED)))
        .collect();
    let mut request = HttpRequest::new(SdkBody::from(body.join("&")));
    request.set_method("POST").map_err(|e| e.to_string())?;
    request.set_uri("/").map_err(|e| e.to_string())?;
    request.headers_mut().insert("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    Ok(request)
}

/// The form parameters of `value` under `prefix`: structure members by name, list items
/// as `.member.N` (or `.N` when flattened), map entries as `.entry.N.key` / `.value`.
fn flatten(
    model: &Model,
    shape: &ShapeRef,
    value: &Value,
    prefix: &str,
    ec2: bool,
    out: &mut Vec<(String, String)>,
) -> Result<(), String> {
    let definition = model.shape(&shape.shape)?;
    let join = |name: &str| if prefix.is_empty() { name.to_string() } else { format!("{prefix}.{name}") };
    match (definition.kind, value) {
        (_, Value::Null) => {}
        (ShapeKind::Structure, Value::Object(object)) => {
            for member in &definition.members {
                if let Some(value) = object.get(&member.name) {
                    let name = if ec2 {
                        ec2_name(&member.target, &member.name)
                    } else {
                        member.target.location_name.clone().unwrap_or_else(|| member.name.clone())
                    };
                    flatten(model, &member.target, value, &join(&name), ec2, out)?;
                }
            }
        }
        (ShapeKind::List, Value::Array(items)) => {
            let member = definition.member.as_ref().ok_or("a list without a member shape")?;
            if items.is_empty() {
                out.push((prefix.to_string(), String::new()));
            }
            for (i, item) in items.iter().enumerate() {
                let name = if ec2 || shape.flattened || definition.flattened {
                    format!("{prefix}.{}", i + 1)
                } else {
                    format!("{prefix}.{}.{}", member.location_name.as_deref().unwrap_or("member"), i + 1)
                };
                flatten(model, member, item, &name, ec2, out)?;
            }
        }
        (ShapeKind::Map, Value::Object(entries)) => {
            let (key, value_shape) =
                definition.key.as_ref().zip(definition.value.as_ref()).ok_or("a map without shapes")?;
            for (i, (k, v)) in entries.iter().enumerate() {
                let entry = format!("{prefix}.entry.{}", i + 1);
                out.push((format!("{entry}.{}", key.location_name.as_deref().unwrap_or("key")), k.clone()));
                let value_name = format!("{entry}.{}", value_shape.location_name.as_deref().unwrap_or("value"));
                flatten(model, value_shape, v, &value_name, ec2, out)?;
            }
        }
        (_, Value::String(text)) => out.push((prefix.to_string(), text.clone())),
        (_, Value::Bool(b)) => out.push((prefix.to_string(), b.to_string())),
        (_, Value::Number(n)) => out.push((prefix.to_string(), n.to_string())),
        (kind, value) => return Err(format!("{value} is not a {kind:?} for {prefix}")),
    }
    Ok(())
}

/// EC2's request name of a member: its `queryName`, else its `locationName` capitalized.
fn ec2_name(shape: &ShapeRef, member: &str) -> String {
    if let Some(name) = &shape.query_name {
        return name.clone();
    }
    let name = shape.location_name.as_deref().unwrap_or(member);
    let mut chars = name.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

pub(super) fn response(
    model: &Model,
    operation: &str,
    output: Option<&ShapeRef>,
    response: &HttpResponse,
) -> Result<Value, ServiceError> {
    // Both protocols answer `<{Operation}Response>`, errors `<ErrorResponse>` (EC2's `<Response>`).
    let root = format!("{operation}Response");
    let text = xml::successful_text(response, &format!("<{root}>"), |name| name == root)?;
    let Some(output) = output else { return Ok(Value::Object(Default::default())) };
    if model.metadata.protocol == Protocol::Ec2 {
        return xml::document(model, output, text, &[]).map_err(ServiceError::unreadable);
    }
    let wrapper = output.result_wrapper.clone().unwrap_or_else(|| format!("{operation}Result"));
    xml::document(model, output, text, &[&wrapper]).map_err(ServiceError::unreadable)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::model;

    fn form(operation: &str, input: Value) -> String {
        let request = request(model("sns").unwrap(), operation, &input).unwrap();
        String::from_utf8(request.body().bytes().unwrap().to_vec()).unwrap()
    }

    #[test]
    fn requests_are_forms_naming_action_and_version() {
        assert_eq!(
            form("GetTopicAttributes", serde_json::json!({"TopicArn": "arn:aws:sns:us-east-1:1:t"})),
            "Action=GetTopicAttributes&Version=2010-03-31&TopicArn=arn%3Aaws%3Asns%3Aus-east-1%3A1%3At"
        );
        assert_eq!(
            form("ListTopics", serde_json::json!({"NextToken": "a b"})),
            "Action=ListTopics&Version=2010-03-31&NextToken=a%20b"
        );
    }

    #[test]
    fn lists_are_numbered_members() {
        let elbv2 = model("elbv2").unwrap();
        let request =
            request(elbv2, "DescribeLoadBalancers", &serde_json::json!({"Names": ["a", "b"], "PageSize": 5})).unwrap();
        let body = String::from_utf8(request.body().bytes().unwrap().to_vec()).unwrap();
        assert_eq!(
            body,
            "Action=DescribeLoadBalancers&Version=2015-12-01&Names.member.1=a&Names.member.2=b&PageSize=5"
        );
    }

    #[test]
    fn ec2_numbers_lists_directly_and_answers_without_a_result_wrapper() {
        let ec2 = model("ec2").unwrap();
        let input = serde_json::json!({"Filters": [{"Name": "key-name", "Values": ["a", "b"]}], "MaxResults": 5});
        let request = request(ec2, "DescribeLaunchTemplates", &input).unwrap();
        let body = String::from_utf8(request.body().bytes().unwrap().to_vec()).unwrap();
        assert_eq!(
            body,
            "Action=DescribeLaunchTemplates&Version=2016-11-15&Filter.1.Name=key-name&Filter.1.Value.1=a&Filter.1.Value.2=b&MaxResults=5"
        );
        let xml = "<DescribeKeyPairsResponse><requestId>r</requestId><keySet>\
                   <item><keyName>k1</keyName><tagSet><item><key>team</key><value>a</value></item></tagSet></item>\
                   </keySet></DescribeKeyPairsResponse>";
        let ok = HttpResponse::new(200u16.try_into().unwrap(), SdkBody::from(xml));
        let output = ec2.operation("DescribeKeyPairs").unwrap().output.clone();
        let value = response(ec2, "DescribeKeyPairs", output.as_ref(), &ok).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"KeyPairs": [{"KeyName": "k1", "Tags": [{"Key": "team", "Value": "a"}]}]})
        );
    }

    #[test]
    fn responses_are_read_by_the_output_shape() {
        let sns = model("sns").unwrap();
        let body = r#"<GetTopicAttributesResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
            <GetTopicAttributesResult><Attributes>
              <entry><key>Owner</key><value>123456789012</value></entry>
              <entry><key>Policy</key><value>{"Version":"2012-10-17"}</value></entry>
            </Attributes></GetTopicAttributesResult>
            <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>
        </GetTopicAttributesResponse>"#;
        let ok = HttpResponse::new(200u16.try_into().unwrap(), SdkBody::from(body));
        let output = sns.operation("GetTopicAttributes").unwrap().output.clone();
        let value = response(sns, "GetTopicAttributes", output.as_ref(), &ok).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"Attributes": {"Owner": "123456789012", "Policy": "{\"Version\":\"2012-10-17\"}"}})
        );
    }

    #[test]
    fn a_2xx_answer_is_the_operations_response_or_the_error_it_names() {
        let sns = model("sns").unwrap();
        let output = sns.operation("ListTopics").unwrap().output.clone();
        let read = |content_type: &str, body: &'static str| {
            let mut answer = HttpResponse::new(200u16.try_into().unwrap(), SdkBody::from(body));
            answer.headers_mut().insert("content-type", content_type.to_string());
            response(sns, "ListTopics", output.as_ref(), &answer).map_err(|e| e.to_string())
        };
        let topics = "<ListTopicsResponse><ListTopicsResult><Topics/></ListTopicsResult></ListTopicsResponse>";
        assert_eq!(read("text/xml", topics), Ok(serde_json::json!({"Topics": []})));
        let denied = "<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message></Error></ErrorResponse>";
        assert_eq!(read("text/xml", denied).unwrap_err(), "AccessDenied: no");
        let ec2 = "<Response><Errors><Error><Code>AuthFailure</Code><Message>no</Message></Error></Errors></Response>";
        assert_eq!(read("text/xml", ec2).unwrap_err(), "AuthFailure: no");
        let portal = "<!DOCTYPE html><html><body>Sign in</body></html>";
        assert!(read("text/html; charset=utf-8", portal).unwrap_err().contains("HTML page"));
        assert!(read("text/xml", "<ErrorResponse/>").unwrap_err().contains("naming no error code"));
        let other = read("text/xml", "<ListQueuesResponse/>").unwrap_err();
        assert!(other.contains("<ListQueuesResponse> where <ListTopicsResponse> was expected"), "{other}");
        assert!(read("text/xml", "").is_err());
    }

    #[test]
    fn error_responses_give_their_code_and_message() {
        let body = "<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error><RequestId>r</RequestId></ErrorResponse>";
        let missing = HttpResponse::new(404u16.try_into().unwrap(), SdkBody::from(body));
        let sns = model("sns").unwrap();
        let error = response(sns, "GetTopicAttributes", None, &missing).unwrap_err();
        assert_eq!(error.to_string(), "NotFound: Topic does not exist");
    }
}
