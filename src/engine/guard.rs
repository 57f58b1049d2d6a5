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

/// Calls made, keyed by `service:Operation`, and their attempts and throttled answers by
/// service: at scale, which service throttles is what a user tunes for.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CallCounts {
    pub calls: BTreeMap<String, u64>,
    pub by_service: BTreeMap<String, Attempts>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Attempts {
    /// Every attempt, the first of each call included.
    pub attempts: u64,
    pub throttles: u64,
}

impl CallCounts {
    pub fn total(&self) -> u64 {
        self.calls.values().sum()
    }

    /// Attempts beyond the first of each call, by service.
    pub fn retries(&self) -> BTreeMap<&str, u64> {
        let mut calls: BTreeMap<&str, u64> = BTreeMap::new();
        for (key, n) in &self.calls {
            *calls.entry(key.split(':').next().unwrap_or(key)).or_default() += n;
        }
        let retries = self.by_service.iter().map(|(service, counts)| {
            (service.as_str(), counts.attempts.saturating_sub(calls.get(service.as_str()).copied().unwrap_or(0)))
        });
        retries.filter(|(_, n)| *n > 0).collect()
    }

    pub fn throttles(&self) -> BTreeMap<&str, u64> {
        let throttled = self.by_service.iter().map(|(service, counts)| (service.as_str(), counts.throttles));
        throttled.filter(|(_, n)| *n > 0).collect()
    }

    /// What was called between `earlier` and `self`.
    pub fn since(&self, earlier: &CallCounts) -> CallCounts {
        let calls = self
            .calls
            .iter()
            .map(|(op, n)| (op.clone(), n - earlier.calls.get(op).copied().unwrap_or(0)))
            .filter(|(_, n)| *n > 0)
            .collect();
        let by_service = self
            .by_service
            .iter()
            .map(|(service, now)| {
                let before = earlier.by_service.get(service).copied().unwrap_or_default();
                let attempts =
                    Attempts { attempts: now.attempts - before.attempts, throttles: now.throttles - before.throttles };
                (service.clone(), attempts)
            })
            .filter(|(_, counts)| counts.attempts > 0)
            .collect();
        CallCounts { calls, by_service }
    }
}

impl std::fmt::Display for CallCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.calls.iter().map(|(op, n)| format!("{op} x{n}")).collect();
        write!(f, "{} API calls", self.total())?;
        if !parts.is_empty() {
            write!(f, " ({})", parts.join(", "))?;
        }
        let by_service = |counts: BTreeMap<&str, u64>| {
            let total: u64 = counts.values().sum();
            let parts: Vec<String> = counts.iter().map(|(service, n)| format!("{service} {n}")).collect();
            (total, parts.join(", "))
        };
        let (retries, retried) = by_service(self.retries());
        let (throttles, throttled) = by_service(self.throttles());
        if retries > 0 || throttles > 0 {
            write!(f, ", {retries} retries")?;
            if retries > 0 {
                write!(f, " ({retried})")?;
            }
            write!(f, ", {throttles} throttled")?;
            if throttles > 0 {
                write!(f, " ({throttled})")?;
            }
        }
        Ok(())
    }
}

/// The service of a call as its counts name it: `ec2` in `ec2:DescribeInstances`.
fn service_of(cfg: &ConfigBag) -> Option<String> {
    cfg.load::<Metadata>().map(|metadata| metadata.service().to_lowercase())
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
        let key = format!("{}:{operation}", service_of(cfg).unwrap_or_default());
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
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let service = service_of(cfg).unwrap_or_default();
        self.counts.lock().by_service.entry(service).or_default().attempts += 1;
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
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(response) = context.response() else { return Ok(()) };
        let status = response.status().as_u16();
        let body_says_throttled = || {
            response.body().bytes().is_some_and(|body| {
                THROTTLING_CODES.iter().any(|code| body.windows(code.len()).any(|w| w == code.as_bytes()))
            })
        };
        if status == 429 || status == 503 || (status == 400 && body_says_throttled()) {
            let service = service_of(cfg).unwrap_or_default();
            self.counts.lock().by_service.entry(service).or_default().throttles += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{Attempts, CallCounts, Guard};

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

    #[test]
    fn retries_and_throttles_are_told_by_service() {
        let counts = CallCounts {
            calls: [("ec2:DescribeInstances", 10), ("ec2:DescribeVolumes", 5), ("sts:AssumeRole", 3)]
                .map(|(op, n)| (op.to_string(), n))
                .into(),
            by_service: [
                ("ec2", Attempts { attempts: 19, throttles: 4 }),
                ("sts", Attempts { attempts: 3, throttles: 0 }),
            ]
            .map(|(service, n)| (service.to_string(), n))
            .into(),
        };
        let shown = counts.to_string();
        assert!(shown.ends_with(", 4 retries (ec2 4), 4 throttled (ec2 4)"), "{shown}");
        let earlier = CallCounts {
            calls: [("ec2:DescribeInstances".to_string(), 4)].into(),
            by_service: [("ec2".to_string(), Attempts { attempts: 6, throttles: 2 })].into(),
        };
        let since = counts.since(&earlier);
        assert_eq!(since.by_service["ec2"], Attempts { attempts: 13, throttles: 2 });
        assert_eq!(since.retries()["ec2"], 2);
        assert_eq!(since.total(), 14);
    }
}
