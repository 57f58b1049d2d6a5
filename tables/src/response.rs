//! What cove takes for an answer, whichever client made the call. The SDK reads a whole
//! body into memory before it parses it, however large: a broken or hostile endpoint
//! could send gigabytes, held twice while parsed, and a value that size would come back
//! as a cell. And the SDK's JSON clients read an error document sent with a 200 as an
//! output with nothing in it.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeDeserializationInterceptorContextMut,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

use crate::error::{FetchError, cause};
use crate::generic::json;

/// The largest response body read: far beyond any page of a list (a few MiB at most).
pub const MAX_RESPONSE_BYTES: u64 = 64 << 20;

/// The failure of a response body beyond [`MAX_RESPONSE_BYTES`]. Its checks fail calls
/// with a [`FetchError`], which is what the call's error then reports.
fn too_large() -> FetchError {
    let message = format!("the response body is larger than the {} MiB cove reads", MAX_RESPONSE_BYTES >> 20);
    FetchError::new("ResponseTooLarge", message)
}

/// An interceptor holding every response body to [`MAX_RESPONSE_BYTES`] as it is read, and
/// failing a 2xx answer that is a JSON error document with the error it names.
#[derive(Debug)]
pub struct ResponseCheck;

impl Intercept for ResponseCheck {
    fn name(&self) -> &'static str {
        "cove-response-check"
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response_mut();
        let declared = response.headers().get("content-length").and_then(|length| length.trim().parse::<u64>().ok());
        if declared.is_some_and(|length| length > MAX_RESPONSE_BYTES) {
            return Err(too_large().into());
        }
        let body = response.take_body();
        *response.body_mut() = SdkBody::from_body_1_x(Capped { body, left: MAX_RESPONSE_BYTES });
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // A body cut off while read is a response error, which the SDK retries as transient:
        // the same body again. Failing here, the call fails at once.
        match context.output_or_error() {
            Err(error) => cause::<FetchError>(error).map_or(Ok(()), |checked| Err(checked.clone().into())),
            // The generic client has failed such an answer already; the SDK's JSON clients
            // read it as an output with nothing in it.
            Ok(_) => {
                json::error_in_2xx(context.response()).map_or(Ok(()), |named| Err(FetchError::service(&named).into()))
            }
        }
    }
}

/// A body that fails once more than `left` bytes came through it.
struct Capped {
    body: SdkBody,
    left: u64,
}

impl Body for Capped {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let frame = ready!(Pin::new(&mut self.body).poll_frame(cx));
        if let Some(Ok(frame)) = &frame {
            let size = frame.data_ref().map_or(0, |data| data.len() as u64);
            match self.left.checked_sub(size) {
                Some(left) => self.left = left,
                None => return Poll::Ready(Some(Err(too_large().into()))),
            }
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        Body::is_end_stream(&self.body)
    }

    fn size_hint(&self) -> SizeHint {
        Body::size_hint(&self.body)
    }
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;

    #[tokio::test]
    async fn an_endless_body_fails_once_past_the_cap_and_no_later() {
        let chunk = Bytes::from(vec![b'a'; 1 << 20]);
        let frames = futures::stream::repeat_with(move || Ok::<_, BoxError>(Frame::data(chunk.clone())));
        let endless = SdkBody::from_body_1_x(http_body_util::StreamBody::new(frames));
        let mut capped = Capped { body: endless, left: MAX_RESPONSE_BYTES };
        let mut read = 0;
        let error = loop {
            match capped.frame().await.expect("an endless body") {
                Ok(frame) => read += frame.into_data().map_or(0, |data| data.len() as u64),
                Err(error) => break error,
            }
        };
        assert_eq!(read, MAX_RESPONSE_BYTES);
        assert_eq!(cause::<FetchError>(error.as_ref()), Some(&too_large()));
    }
}
