//! A failed API call as the user sees it: an AWS error code and a one-line message.

use std::fmt;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// A failed API call, as reported to the user: an AWS error code and its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchError {
    pub code: String,
    pub message: String,
}

/// The codes AWS answers a call in a region the account has not enabled with: EC2's,
/// the opt-in services', and those of JSON and query protocol services respectively.
const REGION_NOT_ENABLED: &[&str] =
    &["AuthFailure", "OptInRequired", "UnrecognizedClientException", "InvalidClientTokenId"];

impl FetchError {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        FetchError { code: code.into(), message: message.into() }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        FetchError::new("InternalError", message)
    }

    /// The same error, its message prefixed with what was being done.
    pub fn context(self, doing: impl fmt::Display) -> Self {
        FetchError { message: format!("{doing}: {}", self.message), ..self }
    }

    /// Whether the error may only mean that the target's region is not enabled for the
    /// account (the same codes also answer bad credentials in an enabled region).
    pub fn may_be_region_not_enabled(&self) -> bool {
        REGION_NOT_ENABLED.contains(&self.code.as_str())
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
        // What cove's response check refused (`ResponseCheck`).
        if let Some(checked) = cause::<FetchError>(&err) {
            return checked.clone();
        }
        if let Some(service) = err.as_service_error() {
            return FetchError::service(service);
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

impl FetchError {
    pub(crate) fn service(service: &(impl ProvideErrorMetadata + std::error::Error + 'static)) -> FetchError {
        match service.code() {
            // One line: some signature errors go on to quote the canonical request,
            // session token header included.
            Some(code) => {
                let message = service.message().map_or_else(|| service.to_string(), str::to_string);
                FetchError::new(code, message.lines().next().unwrap_or_default())
            }
            // No error code: a response the SDK could not read; the deepest cause says why.
            None => FetchError::new("UnreadableResponse", deepest_cause(service)),
        }
    }
}

/// The first of `err` and its causes that is a `T`.
pub(crate) fn cause<'a, T: std::error::Error + 'static>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a T> {
    std::iter::successors(Some(err), |e| e.source()).find_map(|e| e.downcast_ref::<T>())
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
