//! Runs one model-driven call through the AWS SDK's own orchestrator: the target's
//! credentials and SigV4 signing, its HTTP client, retries with throttling
//! classification, timeouts, the user agent, and cove's interceptor (the read-only guard
//! and the call counter). The only module that touches the runtime's dynamic-operation
//! API, so a change upstream is a change here.

use aws_runtime::auth::SigV4OperationSigningConfig;
use aws_runtime::auth::sigv4::{SCHEME_ID, SigV4AuthScheme};
use aws_runtime::retries::classifiers::AwsErrorCodeClassifier;
use aws_runtime::user_agent::{ApiMetadata, UserAgentInterceptor};
use aws_smithy_runtime::client::identity::IdentityCache;
use aws_smithy_runtime::client::orchestrator::operation::Operation;
use aws_smithy_runtime::client::retries::classifiers::{HttpStatusCodeClassifier, TransientErrorClassifier};
use aws_smithy_runtime_api::client::auth::static_resolver::StaticAuthSchemeOptionResolver;
use aws_smithy_runtime_api::client::auth::{AuthSchemeOptionResolverParams, SharedAuthScheme};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse, OrchestratorError};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponentsBuilder;
use aws_smithy_runtime_api::client::runtime_plugin::StaticRuntimePlugin;
use aws_smithy_types::config_bag::Layer;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::SigningName;
use aws_types::region::SigningRegion;
use aws_types::service_config::ServiceConfigKey;
use serde_json::Value;

use super::{Service, ServiceError};
use crate::context::Target;
use crate::error::FetchError;
use crate::model::Model;

/// Sends `request` (built for `operation`, its URI relative to the endpoint) to `target`
/// and returns what `parse` reads from the response.
pub(super) async fn send(
    target: &Target,
    service: &Service,
    operation: &str,
    host_prefix: Option<&str>,
    request: HttpRequest,
    parse: impl Fn(&HttpResponse) -> Result<Value, ServiceError> + Send + Sync + 'static,
) -> Result<Value, FetchError> {
    let config = &target.config;
    let model = service.model;
    let metadata = &model.metadata;
    let (endpoint, signing_region) = endpoint(target, model, host_prefix);
    let credentials = config
        .credentials_provider()
        .ok_or_else(|| FetchError::new("NoCredentials", "no AWS credentials for the generic client"))?;

    let mut layer = Layer::new("cove-generic");
    layer.store_put(ApiMetadata::new(&metadata.service_id, env!("CARGO_PKG_VERSION")));
    if let Some(app_name) = config.app_name() {
        layer.store_put(app_name.clone());
    }
    layer.store_put(AuthSchemeOptionResolverParams::new(()));
    layer.store_put(SigningName::from(metadata.signing_name()));
    layer.store_put(SigningRegion::from(aws_types::region::Region::new(signing_region)));
    layer.store_put(SigV4OperationSigningConfig::default());
    if let Some(partition) = &target.retry_partition {
        layer.store_put(partition.clone());
    }

    let mut components = RuntimeComponentsBuilder::new("cove-generic");
    components.set_auth_scheme_option_resolver(Some(StaticAuthSchemeOptionResolver::new(vec![SCHEME_ID])));
    components.push_auth_scheme(SharedAuthScheme::new(SigV4AuthScheme::new()));
    components.set_identity_resolver(SCHEME_ID, credentials);
    components.set_identity_cache(Some(config.identity_cache().unwrap_or_else(|| IdentityCache::lazy().build())));
    components.push_interceptor(UserAgentInterceptor::new());
    components.push_retry_classifier(AwsErrorCodeClassifier::<ServiceError>::new());
    components.push_retry_classifier(TransientErrorClassifier::<ServiceError>::new());
    components.push_retry_classifier(HttpStatusCodeClassifier::default());

    let mut builder = Operation::builder()
        .service_name(service.name)
        .operation_name(operation.to_string())
        .endpoint_url(&endpoint)
        .standard_retry(&config.retry_config().cloned().unwrap_or_else(RetryConfig::standard))
        .timeout_config(config.timeout_config().cloned().unwrap_or_else(TimeoutConfig::disabled))
        .interceptor(target.interceptor.clone())
        .runtime_plugin(StaticRuntimePlugin::new().with_config(layer.freeze()).with_runtime_components(components));
    if let Some(client) = config.http_client() {
        builder = builder.http_client(client);
    }
    if let Some(sleep) = config.sleep_impl() {
        builder = builder.sleep_impl(sleep);
    }
    if let Some(time) = config.time_source() {
        builder = builder.time_source(time);
    }
    let call = builder
        .serializer(move |request: Request| Ok(request.0))
        .deserializer(move |response: &HttpResponse| parse(response).map_err(OrchestratorError::operation))
        .build();
    call.invoke(Request(request)).await.map_err(FetchError::from)
}

/// The request, wrapped because the orchestrator wants its input `Debug`.
struct Request(HttpRequest);

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.0.method(), self.0.uri())
    }
}

/// Global services' endpoints outside the model's `globalEndpoint` (which names the `aws`
/// partition's only): (endpoint prefix, partition, host, signing region), after botocore's
/// endpoints.json.
const GLOBAL_ENDPOINTS: &[(&str, &str, &str, &str)] = &[
    ("account", "aws", "account.us-east-1.amazonaws.com", "us-east-1"),
    ("account", "aws-cn", "account.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1"),
    ("iam", "aws-cn", "iam.cn-north-1.amazonaws.com.cn", "cn-north-1"),
    ("iam", "aws-us-gov", "iam.us-gov.amazonaws.com", "us-gov-west-1"),
    ("route53", "aws-cn", "route53.amazonaws.com.cn", "cn-northwest-1"),
    ("route53", "aws-us-gov", "route53.us-gov.amazonaws.com", "us-gov-west-1"),
    ("cloudfront", "aws-cn", "cloudfront.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1"),
];

/// Where the target's calls of this service go, and the region they are signed for: the
/// SDK's endpoint configuration (`AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, the
/// profile's `endpoint_url`) when set, else the service's endpoint in the target's
/// partition; a global service has one endpoint per partition, signed for its region.
/// An operation's host prefix goes in front of the service's own endpoint, not of a
/// configured one (an emulator on 127.0.0.1 has no per-account host names).
fn endpoint(target: &Target, model: &Model, host_prefix: Option<&str>) -> (String, String) {
    let metadata = &model.metadata;
    let partition = target.partition.as_str();
    let listed = GLOBAL_ENDPOINTS.iter().find(|(prefix, p, ..)| *prefix == metadata.endpoint_prefix && *p == partition);
    let global = match (listed, metadata.global_endpoint.as_deref()) {
        (Some((_, _, host, region)), _) => Some((host.to_string(), region.to_string())),
        (None, Some(host)) if partition == "aws" => Some((host.to_string(), "us-east-1".to_string())),
        _ => None,
    };
    let signing_region = global.as_ref().map_or_else(|| target.region.clone(), |(_, region)| region.clone());
    let configured = target.config.service_config().and_then(|config| {
        let key = ServiceConfigKey::builder()
            .service_id(&metadata.service_id)
            .env("AWS_ENDPOINT_URL")
            .profile("endpoint_url")
            .build()
            .ok()?;
        config.load_config(key)
    });
    if let Some(url) = configured.or_else(|| target.config.endpoint_url().map(str::to_string)) {
        return (url, signing_region);
    }
    let url = match global {
        Some((host, _)) => format!("https://{}{host}", host_prefix.unwrap_or_default()),
        None => {
            let suffix = if partition == "aws-cn" { "amazonaws.com.cn" } else { "amazonaws.com" };
            let prefix = host_prefix.unwrap_or_default();
            format!("https://{prefix}{}.{}.{suffix}", metadata.endpoint_prefix, target.region)
        }
    };
    (url, signing_region)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::testing;
    use crate::model::model;

    fn at(service: &str, partition: &str, region: &str) -> (String, String) {
        endpoint(&testing::target(partition, region, None, None), model(service).unwrap(), None)
    }

    #[test]
    fn regional_and_global_services_find_their_endpoint_and_signing_region() {
        let pair = |url: &str, region: &str| (url.to_string(), region.to_string());
        assert_eq!(at("sqs", "aws", "eu-west-1"), pair("https://sqs.eu-west-1.amazonaws.com", "eu-west-1"));
        assert_eq!(at("sqs", "aws-cn", "cn-north-1"), pair("https://sqs.cn-north-1.amazonaws.com.cn", "cn-north-1"));
        assert_eq!(at("iam", "aws", "eu-west-1"), pair("https://iam.amazonaws.com", "us-east-1"));
        assert_eq!(at("iam", "aws-us-gov", "us-gov-east-1"), pair("https://iam.us-gov.amazonaws.com", "us-gov-west-1"));
        assert_eq!(at("account", "aws", "eu-west-1"), pair("https://account.us-east-1.amazonaws.com", "us-east-1"));
        assert_eq!(at("route53", "aws-cn", "cn-north-1"), pair("https://route53.amazonaws.com.cn", "cn-northwest-1"));
    }

    #[test]
    fn host_prefixes_name_the_account_in_the_services_own_endpoint_only() {
        let input = serde_json::json!({"AccountId": "123456789012"});
        let prefix = crate::generic::host_prefix("{AccountId}.", &input).unwrap();
        let target = testing::target("aws", "eu-west-1", None, None);
        let (url, _) = endpoint(&target, model("s3control").unwrap(), Some(&prefix));
        assert_eq!(url, "https://123456789012.s3-control.eu-west-1.amazonaws.com");
        let overridden = testing::target("aws", "eu-west-1", Some("http://127.0.0.1:1"), None);
        assert_eq!(endpoint(&overridden, model("s3control").unwrap(), Some(&prefix)).0, "http://127.0.0.1:1");
        let injected = serde_json::json!({"AccountId": "evil.example.com/x"});
        assert!(crate::generic::host_prefix("{AccountId}.", &injected).unwrap_err().contains("not a host label"));
        assert!(crate::generic::host_prefix("{AccountId}.", &serde_json::json!({})).is_err());
    }
}
