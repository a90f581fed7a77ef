//! Client-side limits: how many calls are in flight at once (so a burst
//! cannot take every worker of an Odoo server) and how many start per
//! second (for hosted plans that throttle).
//!
//! The concurrency limit is tower's `ConcurrencyLimit` (a semaphore shared
//! by the client's clones); the rate limit is [`governor`]'s GCRA limiter,
//! which lets a call wait for its turn instead of failing.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::task::{Context, Poll};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tower::{Service, ServiceExt};

use crate::call::Call;
use crate::error::Error;
use crate::response::Response;
use crate::transport::stack::{BoxFuture, BoxService};

/// Calls per second to one server, with a burst of the same size.
#[derive(Clone)]
pub(crate) struct RateLimit {
    inner: BoxService,
    limiter: Arc<DefaultDirectRateLimiter>,
}

impl RateLimit {
    pub(crate) fn new(inner: BoxService, per_second: NonZeroU32) -> Self {
        Self {
            inner,
            limiter: Arc::new(RateLimiter::direct(Quota::per_second(per_second))),
        }
    }
}

impl Service<Call> for RateLimit {
    type Response = Response;
    type Error = Error;
    type Future = BoxFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, call: Call) -> Self::Future {
        let limiter = self.limiter.clone();
        let inner = self.inner.clone();
        Box::pin(async move {
            limiter.until_ready().await;
            inner.oneshot(call).await
        })
    }
}
