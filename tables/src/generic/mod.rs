//! The generic client: calls any operation of a modelled service, its request serialized
//! and its response read from the service model, and sent through the SDK's runtime
//! ([`transport`]). Responses are JSON values keyed by the model's member names, with
//! timestamps as RFC 3339 text and blobs as base64, whatever the protocol.

pub(crate) mod json;
mod query;
mod rest;
mod transport;
mod xml;

use std::fmt;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use aws_smithy_types::error::ErrorMetadata;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value;

use crate::context::Target;
use crate::error::FetchError;
use crate::model::{Model, Protocol, model};

/// What stays unescaped in a form field, URI label or query value: RFC 3986's unreserved
/// characters.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// A modelled service, by botocore's name for it (`logs`, `sns`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Service {
    pub(crate) name: &'static str,
    pub(crate) model: &'static Model,
}

impl Service {
    pub(crate) fn new(name: &'static str) -> Result<Service, String> {
        let model = model(name)?;
        Ok(Service { name, model })
    }

    /// Calls `operation` with `input` (members by their model names) in `target`.
    pub(crate) async fn call(&self, target: &Target, operation: &str, input: &Value) -> Result<Value, FetchError> {
        let request = match self.model.metadata.protocol {
            Protocol::Json => json::request(self.model, operation, input),
            Protocol::Query | Protocol::Ec2 => query::request(self.model, operation, input),
            Protocol::RestJson | Protocol::RestXml => rest::request(self.model, operation, input),
        }
        .map_err(|e| FetchError::internal(format!("{}:{operation}: {e}", self.name)))?;
        let definition = self.model.operation(operation).map_err(FetchError::internal)?;
        let host_prefix = match &definition.host_prefix {
            Some(template) => Some(
                host_prefix(template, input)
                    .map_err(|e| FetchError::internal(format!("{}:{operation}: {e}", self.name)))?,
            ),
            None => None,
        };
        let output = definition.output.clone();
        let (model, operation_name) = (self.model, operation.to_string());
        let parse = move |response: &HttpResponse| match model.metadata.protocol {
            Protocol::Json | Protocol::RestJson => json::response(model, output.as_ref(), response),
            Protocol::RestXml => rest::xml_response(model, output.as_ref(), response),
            Protocol::Query | Protocol::Ec2 => query::response(model, &operation_name, output.as_ref(), response),
        };
        transport::send(target, self, operation, host_prefix.as_deref(), request, parse).await
    }
}

/// An operation's host prefix with its labels filled from the input (S3 Control's
/// `{AccountId}.`); a value that is not a host label is refused, never sent.
fn host_prefix(template: &str, input: &Value) -> Result<String, String> {
    let mut prefix = template.to_string();
    while let Some(start) = prefix.find('{') {
        let end = prefix[start..].find('}').ok_or(format!("unclosed label in {template}"))? + start;
        let member = &prefix[start + 1..end];
        let value = input.get(member).and_then(Value::as_str).ok_or(format!("no value for the host label {member}"))?;
        if value.is_empty() || !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(format!("{member} {value:?} is not a host label"));
        }
        prefix.replace_range(start..=end, value);
    }
    Ok(prefix)
}

/// The message of an error answer that names no error code.
const NO_CODE: &str = "the service answered with an error status and no error code";

/// An error answer of a service: its code and message, or a response that could not be read.
#[derive(Debug)]
pub(crate) struct ServiceError(ErrorMetadata);

impl ServiceError {
    fn new(code: &str, message: Option<&str>) -> ServiceError {
        let mut meta = ErrorMetadata::builder().code(code);
        if let Some(message) = message {
            meta = meta.message(message);
        }
        ServiceError(meta.build())
    }

    /// A response that did not parse as the model says it should.
    fn unreadable(why: impl fmt::Display) -> ServiceError {
        ServiceError(ErrorMetadata::builder().message(format!("unreadable response: {why}")).build())
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0.code(), self.0.message()) {
            (Some(code), Some(message)) => write!(f, "{code}: {message}"),
            (code, message) => write!(f, "{}", code.or(message).unwrap_or("unknown error")),
        }
    }
}

impl std::error::Error for ServiceError {}

impl ProvideErrorMetadata for ServiceError {
    fn meta(&self) -> &ErrorMetadata {
        &self.0
    }
}

/// A 2xx answer that is a web page, not the service's document: what a captive portal or
/// a proxy between cove and AWS answers with.
fn web_page(response: &HttpResponse) -> Option<ServiceError> {
    // By the body alone: some endpoints (moto) label JSON answers text/html.
    let body = response.body().bytes().unwrap_or_default();
    let start: Vec<u8> =
        body.iter().skip_while(|b| b.is_ascii_whitespace()).take(14).map(u8::to_ascii_lowercase).collect();
    let html = start.starts_with(b"<!doctype html") || start.starts_with(b"<html");
    (response.status().is_success() && html).then(|| {
        let status = response.status().as_u16();
        ServiceError::unreadable(format!(
            "HTTP {status} with an HTML page, not the service's answer (a proxy or portal?)"
        ))
    })
}

/// A timestamp as RFC 3339 text, from a wire value in `format`.
fn timestamp(text: &str, format: Format) -> Option<Value> {
    // RFC 3339 text may spell UTC as an offset (`+00:00`), which the strict format refuses.
    let parsed = DateTime::from_str(text, format).ok().or_else(|| crate::json::parse_time(text))?;
    parsed.fmt(Format::DateTime).ok().map(Value::String)
}

/// A timestamp as RFC 3339 text, from epoch seconds (what JSON protocols send).
fn timestamp_from_seconds(seconds: f64) -> Option<Value> {
    DateTime::from_secs_f64(seconds).fmt(Format::DateTime).ok().map(Value::String)
}

#[cfg(test)]
mod tests {

    use aws_smithy_runtime_api::client::interceptors::SharedInterceptor;

    use super::*;
    use crate::context::testing;

    #[tokio::test]
    async fn generic_calls_pass_through_the_targets_interceptor_before_sending() {
        let refuse = testing::RefuseAll::default();
        // Nothing listens there: a call that got past the interceptor would fail to connect.
        let interceptor = SharedInterceptor::new(refuse.clone());
        let target = testing::target("aws", "us-east-1", Some("http://127.0.0.1:9"), Some(interceptor));
        let sns = Service::new("sns").unwrap();
        let error = sns.call(&target, "ListTopics", &Value::Null).await.unwrap_err();
        assert!(error.message.contains("refused by the test"), "{error}");
        assert_eq!(refuse.calls(), [("sns".to_string(), "ListTopics".to_string())]);
    }
}
