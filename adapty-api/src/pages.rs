//! Paging through a list: [`Pages`], a `Stream` of pages that asks for the next page only when
//! the previous one has been taken.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use futures_util::StreamExt as _;

use crate::{Error, Response};

/// The pages of a list operation, one request per page, in order: a [`Stream`] of
/// `Result<Response<P>, Error>`, or, without any stream library, [`next_page`](Self::next_page)
/// in a loop.
///
/// The next page is requested only when the previous one has been taken, and each request goes
/// through the client's retries and timeouts. The stream ends after the last page, or after the
/// first error (which it yields): nothing is skipped silently.
///
/// ```no_run
/// use adapty_api::{ApiKey, v2};
///
/// # async fn demo() -> Result<(), adapty_api::Error> {
/// let client = v2::Client::builder(ApiKey::new("secret_live_...")?).build()?;
/// let mut pages = client.paywalls(50);
/// while let Some(page) = pages.next_page().await {
///     for paywall in &page?.data {
///         println!("{} {}", paywall.paywall_id, paywall.title);
///     }
/// }
/// # Ok(())
/// # }
/// ```
#[must_use = "a stream does nothing until it is polled"]
pub struct Pages<'a, P> {
    inner: Pin<Box<dyn Stream<Item = Result<Response<P>, Error>> + Send + 'a>>,
}

impl<'a, P: 'a> Pages<'a, P> {
    /// The pages `fetch` returns, starting from the cursor `first`: `fetch(cursor)` gives a page
    /// and the cursor of the next one (`None` after the last page).
    pub(crate) fn new<C, F, Fut>(first: C, mut fetch: F) -> Self
    where
        C: Send + 'a,
        F: FnMut(C) -> Fut + Send + 'a,
        Fut: Future<Output = Result<(Response<P>, Option<C>), Error>> + Send + 'a,
    {
        let stream = futures_util::stream::try_unfold(Some(first), move |cursor| {
            let request = cursor.map(&mut fetch);
            async move {
                match request {
                    None => Ok(None),
                    Some(request) => {
                        let (page, next) = request.await?;
                        Ok(Some((page, next)))
                    }
                }
            }
        });
        Self {
            inner: Box::pin(stream),
        }
    }

    /// The next page, or `None` after the last one (or after an error).
    pub async fn next_page(&mut self) -> Option<Result<Response<P>, Error>> {
        self.inner.next().await
    }
}

impl<P> Stream for Pages<'_, P> {
    type Item = Result<Response<P>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl<P> std::fmt::Debug for Pages<'_, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages").finish_non_exhaustive()
    }
}
