//! The outermost layer: request id, tracing span, HTTP metrics (labels
//! from closed sets only), the request timeout, and a body announced over
//! the limit refused before a byte of it is read.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::extract::RequestId;
use crate::problem::Problem;
use crate::state::Settings;

/// The method as a metric label: one of HTTP's methods, or `_OTHER` (as
/// OpenTelemetry's HTTP conventions say), so that invented methods cannot
/// grow the metrics without bound.
pub(crate) fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::CONNECT => "CONNECT",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::PATCH => "PATCH",
        _ => "_OTHER",
    }
}

/// The route a request matched, as a template (`/orders/{uuid}`), never
/// the path as sent: what the metrics, spans and audit know it by.
pub(crate) fn route_of(request: &Request) -> &str {
    request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
}

/// The route label of a request no route took.
pub(crate) const UNMATCHED: &str = "(unmatched)";

/// The body length a request announces, when it is over `limit`.
pub(crate) fn announced_over(request: &Request, limit: usize) -> Option<u64> {
    let length: u64 = request
        .headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    (length > u64::try_from(limit).unwrap_or(u64::MAX)).then_some(length)
}

/// Request id, tracing span, HTTP metrics, the request timeout, and a body
/// announced over the limit refused before a byte of it is read.
pub(crate) async fn observe(
    State(settings): State<Settings>,
    mut request: Request,
    next: Next,
) -> Response {
    let id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_string);
    let route = route_of(&request).to_string();
    let method = method_label(request.method());
    request.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "http",
        request_id = %id,
        method,
        route = %route,
        principal = tracing::field::Empty
    );
    let started = Instant::now();
    let upgrade = route == "/ws";
    let mut response = if let Some(length) = announced_over(&request, settings.body_bytes) {
        let mut r = Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            "The body is over the limit",
            format!(
                "the body announces {length} bytes; the limit is {} bytes",
                settings.body_bytes
            ),
        )
        .into_response();
        // The body is not read: the connection cannot carry another request.
        r.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        r
    } else {
        // The Odoo calls the request makes carry its id too.
        let fut = tracing::Instrument::instrument(
            zenoo_rpc::with_request_id(id.as_str(), next.run(request)),
            span.clone(),
        );
        if upgrade {
            fut.await
        } else {
            match tokio::time::timeout(settings.request_timeout, fut).await {
                Ok(r) => r,
                Err(_) => Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "timeout",
                    "The request took too long",
                    format!("no answer within {} s", settings.request_timeout.as_secs()),
                )
                .into_response(),
            }
        }
    };
    let status = response.status().as_u16().to_string();
    let elapsed = started.elapsed().as_secs_f64();
    metrics::counter!("zenoo_http_requests_total", "method" => method, "route" => route.clone(), "status" => status.clone()).increment(1);
    metrics::histogram!("zenoo_http_request_duration_seconds", "method" => method, "route" => route).record(elapsed);
    span.in_scope(
        || tracing::info!(status = %status, elapsed_ms = (elapsed * 1000.0) as u64, "request"),
    );
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}
