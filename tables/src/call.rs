//! What a table's list and hydrate functions are given: the target they run in, the
//! key-column filters pushed down to them, and how they report failures.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use aws_config::SdkConfig;
use aws_smithy_runtime_api::client::interceptors::SharedInterceptor;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures::stream::{self, StreamExt};

use crate::table::Pages;

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
}

/// `column IN (values)` filters the engine pushed down to the API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Quals(pub Vec<(String, Vec<String>)>);

impl Quals {
    pub fn get(&self, column: &str) -> Option<&[String]> {
        self.0.iter().find(|(c, _)| c == column).map(|(_, v)| v.as_slice())
    }
}

#[derive(Debug, Clone)]
pub struct Call {
    pub target: Arc<Target>,
    pub quals: Arc<Quals>,
    /// Enough rows; a hint for the API page size.
    pub limit: Option<usize>,
    /// Hydrate calls that failed, by the hydrate's index in the table: their rows are
    /// kept with those columns null, and the scan reports the failures.
    pub hydrate_failures: Arc<std::sync::Mutex<Vec<(usize, FetchError)>>>,
}

impl Call {
    pub fn qual(&self, column: &str) -> Option<&[String]> {
        self.quals.get(column)
    }

    /// The page size to ask for: the limit if one was pushed down, within the API's bounds.
    pub fn page_size(&self, min: usize, max: usize) -> i32 {
        let size = self.limit.unwrap_or(max).clamp(min, max);
        i32::try_from(size).unwrap_or(i32::MAX)
    }
}

/// Builds an SDK client for the call's target, with cove's interceptor attached.
#[macro_export]
macro_rules! client {
    ($sdk:ident, $call:expr) => {{
        let target = &$call.target;
        $sdk::Client::from_conf(
            $sdk::config::Builder::from(&target.config).interceptor(target.interceptor.clone()).build(),
        )
    }};
}

/// A failed API call, as reported to the user: an AWS error code and its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchError {
    pub code: String,
    pub message: String,
}

impl FetchError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        FetchError { code: code.into(), message: message.into() }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        FetchError::new("InternalError", message)
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for FetchError {}

impl<E, R> From<SdkError<E, R>> for FetchError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug + Send + Sync + 'static,
{
    fn from(err: SdkError<E, R>) -> Self {
        if let Some(service) = err.as_service_error() {
            return match service.code() {
                Some(code) => {
                    FetchError::new(code, service.message().map_or_else(|| service.to_string(), str::to_string))
                }
                // No error code: a response the SDK could not read; the deepest cause says why.
                None => FetchError::new("UnreadableResponse", deepest_cause(service)),
            };
        }
        let code = match &err {
            SdkError::TimeoutError(_) => "Timeout",
            SdkError::DispatchFailure(_) => "DispatchFailure",
            SdkError::ResponseError(_) => "ResponseError",
            _ => "ConstructionFailure",
        };
        FetchError::new(code, causes(&err))
    }
}

/// The error and its causes on one line, without the SDK's debug dump of the response.
fn causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(cause) = next {
        let text = cause.to_string();
        if !text.is_empty() && parts.last().is_none_or(|last| !last.contains(&text)) {
            parts.push(text);
        }
        next = cause.source();
    }
    parts.join(": ").lines().next().unwrap_or_default().to_string()
}

fn deepest_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string().lines().next().unwrap_or_default().to_string()
}

/// A lookup of something that may not exist: the error codes that say so mean None
/// (no bucket policy, no login profile, no password policy, ...).
pub fn absent<T, E, R>(result: Result<T, SdkError<E, R>>, missing: &[&str]) -> Result<Option<T>, FetchError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(value) => Ok(Some(value)),
        Err(err) if err.code().is_some_and(|code| missing.contains(&code)) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// A token-paginated list: `page(token)` returns one page and the next token, if any.
pub fn paginate<T, F, Fut>(page: F) -> Pages<T>
where
    T: Send + 'static,
    F: FnMut(Option<String>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), FetchError>> + Send + 'static,
{
    stream::try_unfold((page, Some(None)), |(mut page, token)| async move {
        let Some(token) = token else { return Ok(None) };
        let (items, next) = page(token).await?;
        let next = next.filter(|t| !t.is_empty()).map(Some);
        Ok(Some((items, (page, next))))
    })
    .boxed()
}

/// One page holding whatever `items` resolves to.
pub fn single_page<T, Fut>(items: Fut) -> Pages<T>
where
    T: Send + 'static,
    Fut: Future<Output = Result<Vec<T>, FetchError>> + Send + 'static,
{
    stream::once(items).boxed()
}
