//! XML responses read by the model: structures by member (or `locationName`), wrapped
//! lists (`<member>` items) and flattened ones (the member repeated), maps as `<entry>`
//! key/value pairs, scalars typed by their shape, timestamps as RFC 3339 text.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_types::date_time::Format;
use aws_smithy_xml::decode::{Document, ScopedDecoder, try_data};
use serde_json::{Map, Value};

use super::{ServiceError, timestamp};
use crate::model::{Model, ShapeKind, ShapeRef};

/// The output structure `output` read from `text`, found under the root element by the
/// element names of `wrappers` (awsQuery's `<{Operation}Result>`).
pub(super) fn document(model: &Model, output: &ShapeRef, text: &str, wrappers: &[&str]) -> Result<Value, String> {
    let mut document = Document::new(text);
    let mut root = document.root_element().map_err(|e| e.to_string())?;
    descend(model, output, &mut root, wrappers)
}

fn descend(
    model: &Model,
    output: &ShapeRef,
    node: &mut ScopedDecoder<'_, '_>,
    wrappers: &[&str],
) -> Result<Value, String> {
    let Some((wrapper, rest)) = wrappers.split_first() else { return value(model, output, node) };
    while let Some(mut child) = node.next_tag() {
        if child.start_el().local() == *wrapper {
            return descend(model, output, &mut child, rest);
        }
    }
    // An operation whose result has no members may leave out its result element.
    Ok(Value::Object(Map::new()))
}

/// The value of the element `node` holds, typed by `shape`.
fn value(model: &Model, shape: &ShapeRef, node: &mut ScopedDecoder<'_, '_>) -> Result<Value, String> {
    let definition = model.shape(&shape.shape)?;
    match definition.kind {
        ShapeKind::Structure => {
            let mut object = Map::new();
            while let Some(mut child) = node.next_tag() {
                let name = child.start_el().local().to_string();
                let Some(member) = definition.members.iter().find(|m| xml_name(&m.target, &m.name) == name) else {
                    continue;
                };
                let target = model.shape(&member.target.shape)?;
                if member.target.flattened || target.flattened {
                    // A flattened list or map: each element is one item or entry of it.
                    let entry = object.entry(member.name.clone()).or_insert_with(|| match target.kind {
                        ShapeKind::Map => Value::Object(Map::new()),
                        _ => Value::Array(Vec::new()),
                    });
                    match (target.kind, entry) {
                        (ShapeKind::Map, Value::Object(map)) => {
                            let (k, v) = map_entry(model, &member.target, &mut child)?;
                            map.insert(k, v);
                        }
                        (_, Value::Array(items)) => {
                            let item = target.member.as_ref().ok_or("a list without a member shape")?;
                            items.push(value(model, item, &mut child)?);
                        }
                        _ => {}
                    }
                } else {
                    object.insert(member.name.clone(), value(model, &member.target, &mut child)?);
                }
            }
            Ok(Value::Object(object))
        }
        ShapeKind::List => {
            let item = definition.member.as_ref().ok_or("a list without a member shape")?;
            let mut items = Vec::new();
            while let Some(mut child) = node.next_tag() {
                items.push(value(model, item, &mut child)?);
            }
            Ok(Value::Array(items))
        }
        ShapeKind::Map => {
            let mut map = Map::new();
            while let Some(mut entry) = node.next_tag() {
                let (k, v) = map_entry(model, shape, &mut entry)?;
                map.insert(k, v);
            }
            Ok(Value::Object(map))
        }
        kind => {
            let text = try_data(node).map_err(|e| e.to_string())?;
            let format = shape.timestamp_format.as_deref().or(definition.timestamp_format.as_deref());
            Ok(scalar(kind, text.trim(), format))
        }
    }
}

/// One `<key>`/`<value>` pair of a map (the names may be renamed in the model).
fn map_entry(model: &Model, map: &ShapeRef, entry: &mut ScopedDecoder<'_, '_>) -> Result<(String, Value), String> {
    let definition = model.shape(&map.shape)?;
    let (key, value_shape) = definition.key.as_ref().zip(definition.value.as_ref()).ok_or("a map without shapes")?;
    let (key_name, value_name) = (xml_name(key, "key"), xml_name(value_shape, "value"));
    let (mut k, mut v) = (String::new(), Value::Null);
    while let Some(mut child) = entry.next_tag() {
        let name = child.start_el().local().to_string();
        if name == key_name {
            k = try_data(&mut child).map_err(|e| e.to_string())?.into_owned();
        } else if name == value_name {
            v = value(model, value_shape, &mut child)?;
        }
    }
    Ok((k, v))
}

fn xml_name<'a>(shape: &'a ShapeRef, default: &'a str) -> &'a str {
    shape.location_name.as_deref().unwrap_or(default)
}

fn scalar(kind: ShapeKind, text: &str, timestamp_format: Option<&str>) -> Value {
    match kind {
        ShapeKind::Boolean => Value::Bool(text == "true"),
        ShapeKind::Integer | ShapeKind::Long => text.parse::<i64>().map_or(Value::Null, Value::from),
        ShapeKind::Float | ShapeKind::Double => text.parse::<f64>().map_or(Value::Null, Value::from),
        ShapeKind::Timestamp => {
            let format = match timestamp_format {
                Some("rfc822") => Format::HttpDate,
                Some("unixTimestamp") => Format::EpochSeconds,
                _ => Format::DateTime,
            };
            timestamp(text, format).unwrap_or_else(|| Value::String(text.to_string()))
        }
        _ => Value::String(text.to_string()),
    }
}

/// The body of a successful XML answer whose root element `expected` accepts, or the
/// error an unsuccessful one says. A 2xx answer is no proof of success: a proxy's HTML
/// page, or an error document some endpoints send with a 200, would otherwise read as
/// an output with nothing in it.
pub(super) fn successful_text<'a>(
    response: &'a HttpResponse,
    expected: &str,
    accepts: impl Fn(&str) -> bool,
) -> Result<&'a str, ServiceError> {
    if let Some(page) = super::web_page(response) {
        return Err(page);
    }
    let body = response.body().bytes().unwrap_or_default();
    let text = std::str::from_utf8(body).map_err(ServiceError::unreadable)?;
    let status = response.status().as_u16();
    if !response.status().is_success() {
        return Err(error(text).unwrap_or_else(|| ServiceError::new(&format!("HTTP{status}"), Some(super::NO_CODE))));
    }
    let mut document = Document::new(text);
    let root = document.root_element().map_err(ServiceError::unreadable)?;
    let root = root.start_el().local();
    match root {
        // The roots of the query protocol's, EC2's and REST-XML's error documents.
        "ErrorResponse" | "Response" | "Error" => Err(error(text).unwrap_or_else(|| {
            ServiceError::unreadable(format!("HTTP {status} with an error document <{root}> naming no error code"))
        })),
        _ if accepts(root) => Ok(text),
        _ => Err(ServiceError::unreadable(format!("HTTP {status} with <{root}> where {expected} was expected"))),
    }
}

/// The code and message of an XML error answer (`<Error><Code>` anywhere in it).
pub(super) fn error(text: &str) -> Option<ServiceError> {
    let mut document = Document::new(text);
    let mut root = document.root_element().ok()?;
    find_error(&mut root)
}

fn find_error(node: &mut ScopedDecoder<'_, '_>) -> Option<ServiceError> {
    if node.start_el().local() == "Error" {
        let (mut code, mut message) = (None, None);
        while let Some(mut child) = node.next_tag() {
            match child.start_el().local() {
                "Code" => code = try_data(&mut child).ok().map(|c| c.into_owned()),
                "Message" => message = try_data(&mut child).ok().map(|m| m.into_owned()),
                _ => {}
            }
        }
        return code.map(|code| ServiceError::new(&code, message.as_deref()));
    }
    while let Some(mut child) = node.next_tag() {
        if let Some(error) = find_error(&mut child) {
            return Some(error);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::model;

    fn read(service: &str, shape: &str, text: &str) -> Value {
        let output = ShapeRef { shape: shape.to_string(), ..ShapeRef::default() };
        document(model(service).unwrap(), &output, text, &["Result"]).unwrap()
    }

    #[test]
    fn flattened_lists_and_maps_repeat_their_member() {
        let text = "<R><Result><QueueUrls>https://q/1</QueueUrls><QueueUrls>https://q/2</QueueUrls>\
                    <NextToken>t</NextToken></Result></R>";
        assert_eq!(
            read("sqs", "ListQueuesResult", text),
            json!({"QueueUrls": ["https://q/1", "https://q/2"], "NextToken": "t"})
        );
        let text = "<R><Result><Attributes><key>DelaySeconds</key><value>0</value></Attributes>\
                    <Attributes><key>Policy</key><value>{}</value></Attributes></Result></R>";
        assert_eq!(
            read("sqs", "GetQueueAttributesResult", text),
            json!({"Attributes": {"DelaySeconds": "0", "Policy": "{}"}})
        );
    }

    #[test]
    fn wrapped_lists_use_their_member_name_and_scalars_their_type() {
        let text = "<R><Result><CacheClusters><CacheCluster>\
                      <CacheClusterId>c1</CacheClusterId><NumCacheNodes>2</NumCacheNodes>\
                      <CacheClusterCreateTime>2024-03-01T12:00:00.250Z</CacheClusterCreateTime>\
                      <AtRestEncryptionEnabled>true</AtRestEncryptionEnabled>\
                      <SecurityGroups><member><SecurityGroupId>sg-1</SecurityGroupId></member></SecurityGroups>\
                      <Unmodelled>ignored</Unmodelled>\
                    </CacheCluster></CacheClusters></Result></R>";
        let value = read("elasticache", "CacheClusterMessage", text);
        assert_eq!(
            value,
            json!({"CacheClusters": [{
                "CacheClusterId": "c1",
                "NumCacheNodes": 2,
                "CacheClusterCreateTime": "2024-03-01T12:00:00.25Z",
                "AtRestEncryptionEnabled": true,
                "SecurityGroups": [{"SecurityGroupId": "sg-1"}],
            }]})
        );
    }

    #[test]
    fn a_missing_result_element_is_an_empty_result() {
        assert_eq!(read("sqs", "ListQueuesResult", "<R><ResponseMetadata/></R>"), json!({}));
    }

    #[test]
    fn errors_are_found_wherever_the_protocol_puts_them() {
        let query =
            "<ErrorResponse><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>";
        assert_eq!(error(query).unwrap().to_string(), "Throttling: Rate exceeded");
        let rest_xml = "<Error><Code>NoSuchDistribution</Code><Message>gone</Message></Error>";
        assert_eq!(error(rest_xml).unwrap().to_string(), "NoSuchDistribution: gone");
        assert!(error("<NotAnError/>").is_none());
    }
}
