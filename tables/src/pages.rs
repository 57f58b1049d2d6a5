//! A table's list, as a stream of pages, and the two shapes APIs page in.

use std::future::Future;

use futures::stream::{self, BoxStream, StreamExt};

use crate::error::FetchError;

/// A paginated list: a stream of pages of items.
pub type Pages<T> = BoxStream<'static, Result<Vec<T>, FetchError>>;

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
