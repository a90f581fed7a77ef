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
//!
//! `model` and `method` are names the caller chooses (a service may pass
//! on what its own users send), so they are bounded: the first
//! [`LABEL_VALUES`] distinct names of each get their own series, and later
//! ones share `_OTHER`. A process's metrics cannot grow without bound.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock, RwLock};
use std::task::{Context, Poll};
use std::time::Instant;

use tower::{Service, ServiceExt};
use tracing::Instrument;

use crate::call::Call;
use crate::error::{Error, ErrorKind};
use crate::response::Response;
use crate::transport::stack::{BoxFuture, BoxService};

/// Distinct values a caller-chosen label (`model`, `method`) takes before
/// later ones share `_OTHER`.
pub const LABEL_VALUES: usize = 256;

/// The label value for later names once a label has its share.
pub const OTHER: &str = "_OTHER";

/// The values one caller-chosen label has taken.
struct LabelValues(OnceLock<RwLock<HashSet<Arc<str>>>>);

static MODELS: LabelValues = LabelValues(OnceLock::new());
static METHODS: LabelValues = LabelValues(OnceLock::new());

impl LabelValues {
    /// `name` as a label value: itself while the label has room, else
    /// [`OTHER`].
    fn of(&self, name: &str) -> metrics::SharedString {
        let set = self.0.get_or_init(RwLock::default);
        {
            let seen = set.read().unwrap_or_else(|e| e.into_inner());
            if let Some(v) = seen.get(name) {
                return metrics::SharedString::from(v.clone());
            }
            if seen.len() >= LABEL_VALUES {
                return metrics::SharedString::const_str(OTHER);
            }
        }
        let mut seen = set.write().unwrap_or_else(|e| e.into_inner());
        if let Some(v) = seen.get(name) {
            return metrics::SharedString::from(v.clone());
        }
        if seen.len() >= LABEL_VALUES {
            return metrics::SharedString::const_str(OTHER);
        }
        let v: Arc<str> = Arc::from(name);
        seen.insert(v.clone());
        metrics::SharedString::from(v)
    }
}

/// The `model` label value of `model` (bounded; see the module's doc).
pub(crate) fn model_label(model: &str) -> metrics::SharedString {
    MODELS.of(model)
}

/// The `method` label value of `method` (bounded; see the module's doc).
pub(crate) fn method_label(method: &str) -> metrics::SharedString {
    METHODS.of(method)
}

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
pub(crate) fn status(result: &Result<Response, Error>) -> metrics::SharedString {
    let name = match result {
        Ok(_) => "ok",
        Err(e) => match e.kind() {
            ErrorKind::Odoo => "odoo",
            ErrorKind::Transport => "transport",
            ErrorKind::Timeout => "timeout",
            ErrorKind::HttpStatus(s) => return format!("http_{s}").into(),
            ErrorKind::MalformedResponse => "malformed",
            ErrorKind::Decode => "decode",
            ErrorKind::CircuitOpen => "circuit_open",
            ErrorKind::ResponseTooLarge => "too_large",
            _ => "error",
        },
    };
    metrics::SharedString::const_str(name)
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
        let model = model_label(call.model());
        let method = method_label(call.method());
        let fut = async move {
            let started = Instant::now();
            let inflight = Inflight::new();
            let result = inner.oneshot(call).await;
            drop(inflight);
            let elapsed = started.elapsed();
            let status = status(&result);
            let span = tracing::Span::current();
            span.record("duration_ms", elapsed.as_secs_f64() * 1000.0);
            span.record("status", &*status);
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
