//! A request id carried to Odoo: every HTTP request the client sends while
//! a future runs inside [`with_request_id`] carries `X-Request-Id`, so
//! that a service's own request and the Odoo calls it made can be matched
//! in both sides' logs (Odoo's proxy, a load balancer, the simulator).
//!
//! ```no_run
//! # async fn demo(client: zenoo_rpc::Client) -> zenoo_rpc::Result<()> {
//! let n = zenoo_rpc::with_request_id("req-7f3a", async {
//!     client.search_count("res.partner", serde_json::json!([])).await
//! })
//! .await?;
//! # Ok(()) }
//! ```

use std::future::Future;
use std::sync::Arc;

tokio::task_local! {
    static REQUEST_ID: Arc<str>;
}

/// Runs `fut` with `id` as the request id of the Odoo calls it makes.
pub async fn with_request_id<F: Future>(id: impl Into<Arc<str>>, fut: F) -> F::Output {
    REQUEST_ID.scope(id.into(), fut).await
}

/// The request id of the running task, if any.
pub(crate) fn current() -> Option<Arc<str>> {
    REQUEST_ID.try_with(Arc::clone).ok()
}

/// `req` with the running task's request id, if any.
pub(crate) fn tag(req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    match current() {
        Some(id) => req.header("x-request-id", id.as_ref()),
        None => req,
    }
}
