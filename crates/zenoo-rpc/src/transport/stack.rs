//! The one seam between [`Client`](crate::Client) and the protocol: every
//! call passes through a `tower::Service<Call>` stack whose innermost
//! service is the protocol. Production concerns (retries, circuit
//! breaking, limits, caching, metrics) and users' own layers wrap it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::call::Call;
use crate::error::Error;
use crate::protocol::Wire;
use crate::response::Response;

/// The type-erased layer stack: what a layer added with
/// [`ClientBuilder::layer`](crate::ClientBuilder::layer) wraps.
///
/// A `tower::Service<Call, Response = Response, Error = Error>` that can be
/// cloned and shared between threads.
pub type BoxService = tower::util::BoxCloneSyncService<Call, Response, Error>;

/// The future of a [`BoxService`] call.
pub(crate) type BoxFuture = Pin<Box<dyn Future<Output = Result<Response, Error>> + Send>>;

/// The innermost service: the protocol the client logged in with.
#[derive(Clone)]
pub(crate) struct ProtocolService {
    pub(crate) wire: Arc<Wire>,
}

impl tower::Service<Call> for ProtocolService {
    type Response = Response;
    type Error = Error;
    type Future = BoxFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, call: Call) -> Self::Future {
        let wire = self.wire.clone();
        Box::pin(async move { wire.call(&call).await })
    }
}

/// A server whose login failed at build time for want of a connection: it
/// logs in on its first call that finds it reachable.
#[derive(Clone)]
pub(crate) struct LateLogin {
    pub(crate) wire: Arc<tokio::sync::OnceCell<Arc<Wire>>>,
    pub(crate) kind: crate::protocol::ProtocolKind,
    pub(crate) transport: crate::transport::http::Transport,
    pub(crate) creds: Arc<crate::protocol::Credentials>,
}

impl tower::Service<Call> for LateLogin {
    type Response = Response;
    type Error = Error;
    type Future = BoxFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, call: Call) -> Self::Future {
        let me = self.clone();
        Box::pin(async move {
            let wire = me
                .wire
                .get_or_try_init(|| async {
                    Wire::login(me.kind, me.transport.clone(), &me.creds)
                        .await
                        .map(Arc::new)
                })
                .await?;
            wire.call(&call).await
        })
    }
}

/// A layer as the builder keeps it: it wraps the stack built so far.
pub(crate) type StackLayer = Arc<dyn Fn(BoxService) -> BoxService + Send + Sync>;
