//! What every call leaves behind: a `tracing` span and `metrics` series.
//!
//! The span `odoo.call` carries the server, model, method and protocol,
//! and is filled in as the call goes: `attempts` (by the retry layer),
//! `cache` (`hit` or `miss`, by the cache layer), `duration_ms`,
//! `result_bytes` and `status`. Argument values never enter it: they may
//! hold passwords, keys or personal data.
//!
//! Metrics (through the [`metrics`] facade; install any recorder, such as
//! `metrics-exporter-prometheus`, to export them):
//!
//! | name | kind | labels |
//! |---|---|---|
//! | `zenoo_requests_total` | counter | `model`, `method`, `status` |
//! | `zenoo_request_duration_seconds` | histogram | `model`, `method` |
//! | `zenoo_inflight` | gauge | |
//! | `zenoo_retries_total` | counter | `model`, `method`, `cause` |
//! | `zenoo_circuit_state` | gauge (0 closed, 1 half-open, 2 open) | `server` |
//! | `zenoo_cache_requests_total` | counter | `backend`, `result` (`hit`/`miss`) |
//! | `zenoo_cache_invalidations_total` | counter | `model` |
//!
//! `status` is `ok`, or the error class: `odoo` (with the exception's
//! short name in the span), `transport`, `timeout`, `http_<code>`,
//! `malformed`, `decode`, `circuit_open`, ...

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use tower::{Service, ServiceExt};
use tracing::Instrument;

use crate::call::Call;
use crate::error::{Error, ErrorKind};
use crate::response::Response;
use crate::stack::{BoxFuture, BoxService};

/// The outermost built-in layer: span and metrics per call.
#[derive(Clone)]
pub(crate) struct Observe {
    inner: BoxService,
    server: Arc<str>,
    protocol: &'static str,
}

impl Observe {
    pub(crate) fn new(inner: BoxService, server: Arc<str>, protocol: &'static str) -> Self {
        Self {
            inner,
            server,
            protocol,
        }
    }
}

/// The `status` label of an outcome.
pub(crate) fn status(result: &Result<Response, Error>) -> String {
    match result {
        Ok(_) => "ok".into(),
        Err(e) => match e.kind() {
            ErrorKind::Odoo => "odoo".into(),
            ErrorKind::Transport => "transport".into(),
            ErrorKind::Timeout => "timeout".into(),
            ErrorKind::HttpStatus(s) => format!("http_{s}"),
            ErrorKind::MalformedResponse => "malformed".into(),
            ErrorKind::Decode => "decode".into(),
            ErrorKind::CircuitOpen => "circuit_open".into(),
            ErrorKind::ResponseTooLarge => "too_large".into(),
            _ => "error".into(),
        },
    }
}

impl Service<Call> for Observe {
    type Response = Response;
    type Error = Error;
    type Future = BoxFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, call: Call) -> Self::Future {
        let inner = self.inner.clone();
        let span = tracing::debug_span!(
            "odoo.call",
            server = %self.server,
            model = %call.model(),
            method = %call.method(),
            protocol = self.protocol,
            attempts = tracing::field::Empty,
            cache = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
            result_bytes = tracing::field::Empty,
            status = tracing::field::Empty,
            exception = tracing::field::Empty,
        );
        let model = call.model().to_string();
        let method = call.method().to_string();
        let fut = async move {
            let started = Instant::now();
            let inflight = Inflight::new();
            let result = inner.oneshot(call).await;
            drop(inflight);
            let elapsed = started.elapsed();
            let status = status(&result);
            let span = tracing::Span::current();
            span.record("duration_ms", elapsed.as_secs_f64() * 1000.0);
            span.record("status", status.as_str());
            match &result {
                Ok(r) => {
                    span.record("result_bytes", r.len());
                }
                Err(e) => {
                    if let Some(o) = e.odoo() {
                        span.record("exception", o.name.as_str());
                    }
                }
            }
            metrics::histogram!(
                "zenoo_request_duration_seconds",
                "model" => model.clone(),
                "method" => method.clone(),
            )
            .record(elapsed.as_secs_f64());
            metrics::counter!(
                "zenoo_requests_total",
                "model" => model,
                "method" => method,
                "status" => status,
            )
            .increment(1);
            result
        };
        Box::pin(fut.instrument(span))
    }
}

/// One call on the `zenoo_inflight` gauge, taken off also when the caller
/// gives up on the call.
struct Inflight(metrics::Gauge);

impl Inflight {
    fn new() -> Self {
        let g = metrics::gauge!("zenoo_inflight");
        g.increment(1.0);
        Self(g)
    }
}

impl Drop for Inflight {
    fn drop(&mut self) {
        self.0.decrement(1.0);
    }
}
