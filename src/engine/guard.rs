//! The one place AWS calls are checked and counted: an SDK interceptor attached to every
//! client cove builds. It refuses any operation that is not a read before it is sent,
//! holds every response body to the catalog's cap as it is read, fails an error document
//! sent with a 200, and counts calls and retries by service and operation.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::sync::Arc;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeDeserializationInterceptorContextMut,
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::{Intercept, SharedInterceptor};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_types::SigningName;
use cove_tables::{Call, ResponseCheck};
use parking_lot::Mutex;

/// Error codes AWS services answer a throttled request with.
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "RequestLimitExceeded",
    "SlowDown",
    "TooManyRequestsException",
    "RequestThrottled",
];

/// Calls made, keyed by `service:Operation`, with their attempts and throttled answers.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CallCounts {
    pub calls: BTreeMap<String, u64>,
    pub attempts: u64,
    pub throttles: u64,
}

impl CallCounts {
    pub fn total(&self) -> u64 {
        self.calls.values().sum()
    }

    /// Attempts beyond the first of each call.
    pub fn retries(&self) -> u64 {
        self.attempts.saturating_sub(self.total())
    }

    /// What was called between `earlier` and `self`.
    pub fn since(&self, earlier: &CallCounts) -> CallCounts {
        let calls = self
            .calls
            .iter()
            .map(|(op, n)| (op.clone(), n - earlier.calls.get(op).copied().unwrap_or(0)))
            .filter(|(_, n)| *n > 0)
            .collect();
        CallCounts { calls, attempts: self.attempts - earlier.attempts, throttles: self.throttles - earlier.throttles }
    }
}

impl std::fmt::Display for CallCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.calls.iter().map(|(op, n)| format!("{op} x{n}")).collect();
        write!(f, "{} API calls", self.total())?;
        if !parts.is_empty() {
            write!(f, " ({})", parts.join(", "))?;
        }
        if self.retries() > 0 || self.throttles > 0 {
            write!(f, ", {} retries, {} throttled", self.retries(), self.throttles)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub struct Guard {
    counts: Arc<Mutex<CallCounts>>,
    /// The operations the catalog's tables and discovery declare, by service: nothing else
    /// is sent. Not a name pattern: `GetSessionToken` or `GetSecretValue` read like reads;
    /// and not a name alone: a read of one service is another service's secret.
    allowed: Arc<BTreeMap<&'static str, BTreeSet<&'static str>>>,
}

impl Guard {
    /// A guard allowing exactly the `declared` calls.
    pub fn new(declared: impl IntoIterator<Item = Call>) -> Guard {
        let mut allowed: BTreeMap<&'static str, BTreeSet<&'static str>> = BTreeMap::new();
        for Call { service, operation } in declared {
            allowed.entry(service).or_default().insert(operation);
        }
        Guard { counts: Arc::default(), allowed: Arc::new(allowed) }
    }

    /// Whether `operation` of the service signing as `service` was declared.
    pub fn allows(&self, service: &str, operation: &str) -> bool {
        self.allowed.get(service).is_some_and(|operations| operations.contains(operation))
    }

    pub fn interceptor(&self) -> SharedInterceptor {
        SharedInterceptor::new(self.clone())
    }

    pub fn counts(&self) -> CallCounts {
        self.counts.lock().clone()
    }
}

impl Intercept for Guard {
    fn name(&self) -> &'static str {
        "cove-read-only-guard"
    }

    // Client interceptors see `read_before_execution` before the operation's metadata is
    // in the bag; serialization is the first hook that has it, and nothing is sent yet.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // The signing name, not the metadata's service: the SDK's clients name their service
        // by its SDK id there (`Config Service`), the generic client by botocore's (`elbv2`).
        let (Some(metadata), Some(service)) = (cfg.load::<Metadata>(), cfg.load::<SigningName>()) else {
            return Err("refused an AWS call whose service or operation is unknown".into());
        };
        let operation = metadata.name();
        let key = format!("{}:{operation}", metadata.service().to_lowercase());
        if !self.allows(service.as_ref(), operation) {
            return Err(format!("refused {key}: cove only makes the read calls its catalog declares").into());
        }
        *self.counts.lock().calls.entry(key).or_default() += 1;
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.counts.lock().attempts += 1;
        Ok(())
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        ResponseCheck.modify_before_deserialization(context, runtime_components, cfg)
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        ResponseCheck.read_after_deserialization(context, runtime_components, cfg)
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(response) = context.response() else { return Ok(()) };
        let status = response.status().as_u16();
        let body_says_throttled = || {
            response.body().bytes().is_some_and(|body| {
                THROTTLING_CODES.iter().any(|code| body.windows(code.len()).any(|w| w == code.as_bytes()))
            })
        };
        if status == 429 || status == 503 || (status == 400 && body_says_throttled()) {
            self.counts.lock().throttles += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Guard;

    #[test]
    fn only_reads_are_allowed() {
        let guard = Guard::new(cove_tables::calls(&cove_tables::catalog()));
        let reads = [
            ("ec2", "DescribeInstances"),
            ("s3", "ListBuckets"),
            ("s3", "GetBucketPolicy"),
            ("sts", "AssumeRole"),
            ("iam", "GenerateCredentialReport"),
        ];
        for (service, op) in reads {
            assert!(guard.allows(service, op), "{service}:{op}");
        }
        let writes = [
            ("ec2", "RunInstances"),
            ("s3", "DeleteBucket"),
            ("s3", "PutBucketPolicy"),
            ("iam", "CreateUser"),
            ("ec2", "TerminateInstances"),
        ];
        let reads_that_mint_or_reveal = [
            ("sts", "GetSessionToken"),
            ("secretsmanager", "GetSecretValue"),
            ("ssm", "GetParameter"),
            ("redshift", "GetClusterCredentials"),
        ];
        let undeclared_reads = [("rds", "DescribeDBProxies"), ("kinesis", "ListStreamConsumers")];
        for (service, op) in writes.iter().chain(&reads_that_mint_or_reveal).chain(&undeclared_reads) {
            assert!(!guard.allows(service, op), "{service}:{op}");
        }
    }

    #[test]
    fn a_read_allowed_for_one_service_is_refused_for_another() {
        let guard = Guard::new(cove_tables::calls(&cove_tables::catalog()));
        // Each operation is declared for the first service and exists, undeclared, in the second.
        for (declared, other, op) in [
            ("iam", "cognito-idp", "ListUsers"),
            ("ec2", "opsworks", "DescribeInstances"),
            ("kms", "payment-cryptography", "ListKeys"),
        ] {
            assert!(guard.allows(declared, op), "{declared}:{op}");
            assert!(!guard.allows(other, op), "{other}:{op}");
        }
    }
}
