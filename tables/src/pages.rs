//! A table's list, as a stream of pages, and the two shapes APIs page in.

use std::collections::HashSet;
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
    stream::try_unfold((page, Some(None), Tokens::default()), |(mut page, token, mut tokens)| async move {
        let Some(token) = token else { return Ok(None) };
        let (items, next) = page(token).await?;
        let next = tokens.next(next)?.map(Some);
        Ok(Some((items, (page, next, tokens))))
    })
    .boxed()
}

/// Every item of a token-paginated list, read whole (a hydrate's list), under the guard
/// `paginate` reads pages under. The SDK's own paginators stop silently at a token given
/// twice in a row and never at a longer loop.
pub async fn all<T, F, Fut>(mut page: F) -> Result<Vec<T>, FetchError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), FetchError>>,
{
    let (mut items, mut tokens, mut token) = (Vec::new(), Tokens::default(), None);
    loop {
        let (page, next) = page(token).await?;
        items.extend(page);
        token = match tokens.next(next)? {
            Some(next) => Some(next),
            None => return Ok(items),
        };
    }
}

/// The page tokens one listing was given. A service that gives one again would have the
/// listing ask for the same pages forever, and stopping there could leave pages unread:
/// either way the listing fails.
#[derive(Debug, Default)]
pub struct Tokens(HashSet<String>);

impl Tokens {
    /// The token of the next page, if there is one and it was not given before.
    pub fn next(&mut self, next: Option<String>) -> Result<Option<String>, FetchError> {
        let Some(token) = next.filter(|token| !token.is_empty()) else { return Ok(None) };
        if !self.0.insert(token.clone()) {
            let pages = self.0.len() + 1;
            return Err(FetchError::new(
                "RepeatedPageToken",
                format!("page {pages} of the listing gave a page token an earlier page gave, so it would never end"),
            ));
        }
        Ok(Some(token))
    }
}

/// One page holding whatever `items` resolves to.
pub fn single_page<T, Fut>(items: Fut) -> Pages<T>
where
    T: Send + 'static,
    Fut: Future<Output = Result<Vec<T>, FetchError>> + Send + 'static,
{
    stream::once(items).boxed()
}

#[cfg(test)]
mod tests {
    use futures::TryStreamExt;

    use super::*;

    #[tokio::test]
    async fn a_listing_given_a_token_again_fails_instead_of_paging_forever() {
        // t1, t2, t1: a loop of two pages, which a check against the previous token misses.
        let answers = [Some("t1"), Some("t2"), Some("t1"), None];
        let pages = paginate(move |token: Option<String>| {
            let page = match token.as_deref() {
                None => 0,
                Some("t1") => 1,
                _ => 2,
            };
            async move { Ok((vec![page], answers[page].map(str::to_string))) }
        });
        let error = pages.try_collect::<Vec<_>>().await.unwrap_err();
        assert_eq!(error.code, "RepeatedPageToken", "{error}");
        assert!(error.message.contains("page 3"), "{error}");
        let once =
            paginate(|token: Option<String>| async move { Ok((vec![1], token.is_none().then(|| "t".to_string()))) });
        assert_eq!(once.try_collect::<Vec<_>>().await.unwrap(), [vec![1], vec![1]]);
    }

    #[tokio::test]
    async fn a_list_read_whole_fails_on_a_loop_as_a_listing_does() {
        let answers = [Some("t1"), Some("t2"), Some("t1")];
        let page = |token: Option<String>| async move {
            let page = match token.as_deref() {
                None => 0,
                Some("t1") => 1,
                _ => 2,
            };
            Ok((vec![page], answers[page].map(str::to_string)))
        };
        let error = all(page).await.unwrap_err();
        assert_eq!(error.code, "RepeatedPageToken", "{error}");
        let pages =
            |token: Option<String>| async move { Ok((vec![token.clone()], token.is_none().then(|| "t".into()))) };
        assert_eq!(all(pages).await.unwrap(), [None, Some("t".to_string())]);
    }
}
