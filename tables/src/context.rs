//! What a table's list and hydrate functions are given: the target they run in, the
//! key-column filters pushed down to them, and how many rows are enough.

use std::sync::Arc;

use aws_config::SdkConfig;
use aws_smithy_runtime::client::retries::RetryPartition;
use aws_smithy_runtime_api::client::interceptors::SharedInterceptor;

/// One (account, region) a table is scanned in, with credentials already in `config`.
#[derive(Debug, Clone)]
pub struct Target {
    pub account_id: String,
    /// The region API calls go to. For global tables, the account's home region.
    pub region: String,
    pub partition: String,
    pub config: SdkConfig,
    /// Attached to every client: enforces read-only and counts calls.
    pub interceptor: SharedInterceptor,
    /// For tables whose rows carry their own region: the regions in scope (None: all).
    pub row_regions: Option<Arc<Vec<String>>>,
    /// The retry partition every client of the scan uses ([`retry_partition`]); None: the
    /// SDK's default, one per service and region.
    pub retry_partition: Option<RetryPartition>,
}

/// The retry partition of the calls to one service in one account and region: a retry
/// token bucket of its own. AWS throttles per account and region; under the SDK's default
/// partition, one per service and region, a few throttled accounts used up the retries of
/// every other account, whose calls then failed at their first throttle.
pub fn retry_partition(account: &str, region: &str, service: &str) -> RetryPartition {
    RetryPartition::custom(format!("{service}-{region}-{account}")).build()
}

/// `column IN (values)` filters the engine pushed down to the API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Quals(pub Vec<(String, Vec<String>)>);

impl Quals {
    pub fn get(&self, column: &str) -> Option<&[String]> {
        self.0.iter().find(|(c, _)| c == column).map(|(_, v)| v.as_slice())
    }

    /// Whether some column must equal one of no values: no row can match.
    pub fn unsatisfiable(&self) -> bool {
        self.0.iter().any(|(_, values)| values.is_empty())
    }
}

/// Most values of a key column looked up one call each; above it, a table lists.
pub const MAX_LOOKUPS: usize = 20;

/// One table's scan in one target, as its list and hydrate functions see it.
#[derive(Debug, Clone)]
pub struct ScanContext {
    pub target: Arc<Target>,
    pub quals: Arc<Quals>,
    /// Enough rows; a hint for the API page size.
    pub limit: Option<usize>,
}

impl ScanContext {
    pub fn qual(&self, column: &str) -> Option<&[String]> {
        self.quals.get(column)
    }

    /// The values of a key column to look up one call each, when there are few enough
    /// that those calls beat listing everything and filtering ([`MAX_LOOKUPS`]).
    pub fn lookups(&self, column: &str) -> Option<&[String]> {
        self.qual(column).filter(|values| values.len() <= MAX_LOOKUPS)
    }

    /// The page size to ask for: the limit if one was pushed down, within the API's bounds.
    pub fn page_size(&self, min: usize, max: usize) -> i32 {
        let size = self.limit.unwrap_or(max).clamp(min, max);
        i32::try_from(size).unwrap_or(i32::MAX)
    }
}

/// Builds an SDK client for the scan's target, with cove's interceptor attached:
/// `client!(aws_sdk_ec2, scan)`.
macro_rules! client {
    ($sdk:ident, $scan:expr) => {{
        let target = &$scan.target;
        let mut config = $sdk::config::Builder::from(&target.config).interceptor(target.interceptor.clone());
        config.set_retry_partition(target.retry_partition.clone());
        $sdk::Client::from_conf(config.build())
    }};
}
pub(crate) use client;

/// Targets for unit tests: account 123456789012 with dummy credentials.
#[cfg(test)]
pub(crate) mod testing {
    use aws_credential_types::Credentials;
    use aws_credential_types::provider::SharedCredentialsProvider;
    use std::sync::{Arc, Mutex};

    use aws_smithy_runtime_api::box_error::BoxError;
    use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
    use aws_smithy_runtime_api::client::interceptors::{Intercept, SharedInterceptor};
    use aws_smithy_runtime_api::client::orchestrator::Metadata;
    use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
    use aws_smithy_types::config_bag::ConfigBag;
    use aws_types::SigningName;

    use super::Target;

    /// Lets every call through.
    #[derive(Debug)]
    struct PassThrough;

    impl Intercept for PassThrough {
        fn name(&self) -> &'static str {
            "pass-through"
        }
    }

    /// Refuses every call, remembering each as the engine's guard sees it: the signing name
    /// and the operation the client puts in the config bag.
    #[derive(Debug, Default, Clone)]
    pub(crate) struct RefuseAll(Arc<Mutex<Vec<(String, String)>>>);

    impl RefuseAll {
        /// The (signing name, operation) of every call refused so far.
        pub(crate) fn calls(&self) -> Vec<(String, String)> {
            self.0.lock().unwrap().clone()
        }
    }

    impl Intercept for RefuseAll {
        fn name(&self) -> &'static str {
            "refuse-all"
        }

        fn read_before_serialization(
            &self,
            _context: &BeforeSerializationInterceptorContextRef<'_>,
            _components: &RuntimeComponents,
            cfg: &mut ConfigBag,
        ) -> Result<(), BoxError> {
            let service = cfg.load::<SigningName>().ok_or("no signing name")?;
            let operation = cfg.load::<Metadata>().ok_or("no operation metadata")?.name();
            self.0.lock().unwrap().push((service.as_ref().to_string(), operation.to_string()));
            Err("refused by the test".into())
        }
    }

    /// A target in `region` of `partition`, its calls sent to `endpoint` (else AWS's)
    /// through `interceptor` (else one that lets everything through).
    pub(crate) fn target(
        partition: &str,
        region: &str,
        endpoint: Option<&str>,
        interceptor: Option<SharedInterceptor>,
    ) -> Target {
        let credentials = Credentials::new("testing", "testing", None, None, "test");
        let mut config = aws_config::SdkConfig::builder()
            .region(aws_types::region::Region::new(region.to_string()))
            .credentials_provider(SharedCredentialsProvider::new(credentials))
            .behavior_version(aws_config::BehaviorVersion::latest());
        config.set_endpoint_url(endpoint.map(str::to_string));
        Target {
            account_id: "123456789012".into(),
            region: region.into(),
            partition: partition.into(),
            config: config.build(),
            interceptor: interceptor.unwrap_or_else(|| SharedInterceptor::new(PassThrough)),
            row_regions: None,
            retry_partition: None,
        }
    }
}
