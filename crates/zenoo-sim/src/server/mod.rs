//! The HTTP front: an axum [`Router`] with one module per protocol
//! (`jsonrpc`, `xmlrpc`, `web`, `database`, `json2`), a prelude every
//! request goes through (body limit, injected faults, panics caught), and
//! the listener that bounds connections and their timeouts.

mod database;
mod dump;
mod envelope;
mod expat;
mod json2;
mod jsonrpc;
mod listen;
mod method_call;
mod pyjson;
mod response;
mod state;
mod web;
mod xmlrpc;

use std::net::{IpAddr, SocketAddr};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequest, Request, State};
use axum::http::{HeaderValue, Method, Response, header};
use axum::middleware::{self, Next};
use axum::routing::get;
use futures_util::FutureExt;
use serde_json::Value;

pub use listen::{Limits, serve};
pub use state::{LoggedRequest, Server, ServerOptions, Shared, SimState, unknown_db};

use crate::error::OdooException;
use crate::fault::Fault;
use crate::version::OdooVersion;
use response::{html_error, json, raw};

/// What the handlers need from a request.
pub struct Incoming {
    /// HTTP method.
    pub method: Method,
    /// Path.
    pub path: String,
    /// Content-Type media type (lowercase, without parameters).
    pub media_type: String,
    /// Headers.
    pub headers: axum::http::HeaderMap,
    /// Body.
    pub body: bytes::Bytes,
    /// Peer address.
    pub ip: IpAddr,
    /// The commit clock when the request arrived (see
    /// [`crate::orm::snapshot`]), when the fault plan makes concurrent
    /// writes to one record fail.
    pub snapshot: Option<u64>,
}

impl Incoming {
    /// The `session_id` cookie, if sent.
    pub fn session_id(&self) -> Option<String> {
        self.headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .find_map(|c| {
                let (k, v) = c.trim().split_once('=')?;
                (k == "session_id").then(|| v.to_string())
            })
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// When the request arrived, on the commit clock; set by the prelude.
#[derive(Clone, Copy)]
struct Arrival(u64);

fn too_large() -> Response<Body> {
    html_error(
        413,
        "Request Entity Too Large",
        "The data value transmitted exceeds the capacity limit.",
    )
}

impl FromRequest<Shared> for Incoming {
    type Rejection = Response<Body>;

    /// Reads the body within the server's size limit and body timeout.
    async fn from_request(req: Request, shared: &Shared) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
        let snapshot = parts.extensions.get::<Arrival>().map(|a| a.0);
        let body = match tokio::time::timeout(
            shared.body_timeout,
            to_bytes(body, shared.body_limit(parts.uri.path())),
        )
        .await
        {
            Ok(Ok(b)) => b,
            Ok(Err(_)) => return Err(too_large()),
            Err(_) => {
                return Err(html_error(
                    408,
                    "Request Timeout",
                    "The server closed the network connection because the browser didn't finish the request within the specified time.",
                ));
            }
        };
        let media_type = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        Ok(Self {
            method: parts.method,
            path: parts.uri.path().to_string(),
            media_type,
            headers: parts.headers,
            body,
            ip,
            snapshot,
        })
    }
}

/// The routes `shared` serves, for its version and options.
pub fn router(shared: Shared) -> Router {
    let mut app = Router::new().merge(web::routes());
    if shared.legacy_rpc {
        app = app.merge(jsonrpc::routes()).merge(xmlrpc::routes());
    }
    if shared.version >= OdooVersion::V19 {
        app = app
            .merge(json2::routes())
            .route("/web/version", get(version_json))
            .route("/json/version", get(version_json));
    }
    app.fallback(not_found)
        .layer(middleware::from_fn_with_state(shared.clone(), prelude))
        .with_state(shared)
}

/// Werkzeug's 404 page.
pub fn not_found_page() -> Response<Body> {
    html_error(
        404,
        "Not Found",
        "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.",
    )
}

async fn not_found() -> Response<Body> {
    not_found_page()
}

/// Odoo 19's `/json/version` (and `/web/version`).
async fn version_json(State(shared): State<Shared>) -> Response<Body> {
    let info = shared.version.version_info();
    json(
        200,
        &serde_json::json!({"version_info": info["server_version_info"], "version": info["server_version"]}),
    )
}

/// What every request goes through before its route: a declared body over
/// the limit is refused before a byte is read, an injected fault is drawn
/// and applied, a handler that panics (a bug of the simulator's) answers
/// that request with Werkzeug's 500 and leaves the server serving.
async fn prelude(State(shared): State<Shared>, mut req: Request, next: Next) -> Response<Body> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > shared.body_limit(req.uri().path()) as u64) {
        return finish(&shared, too_large());
    }
    let (fault, conflicts, latency) = {
        let mut plan = shared.faults();
        (
            plan.next_fault(),
            plan.serialization_conflicts(),
            plan.latency(),
        )
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if conflicts {
        req.extensions_mut().insert(Arrival(crate::orm::snapshot()));
    }
    if shared.verbose {
        eprintln!("zenoo-sim: {} {}", req.method(), req.uri().path());
    }
    match &fault {
        Some(Fault::Latency(d)) => tokio::time::sleep(*d).await,
        Some(Fault::Status(code)) => {
            let title = match code {
                502 => "Bad Gateway",
                503 => "Service Unavailable",
                504 => "Gateway Timeout",
                _ => "Error",
            };
            return finish(&shared, html_error(*code, title, "Injected fault."));
        }
        Some(Fault::Reset) => return reset(),
        Some(Fault::Throttle(wait)) => {
            let mut resp = html_error(
                429,
                "Too Many Requests",
                "This user or IP has sent too many requests.",
            );
            resp.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(wait.as_secs().max(1)),
            );
            return finish(&shared, resp);
        }
        Some(Fault::SessionExpired) => shared.read().auth.sessions().clear(),
        Some(Fault::SerializationFailure) => {
            let e = OdooException::new(
                "psycopg2.errors.SerializationFailure",
                "could not serialize access due to concurrent update",
            );
            return finish(
                &shared,
                json(
                    200,
                    &envelope::error_envelope(&Value::Null, &e, shared.version.error_code()),
                ),
            );
        }
        _ => {}
    }
    let panics = fault == Some(Fault::Panic);
    let run = async {
        if panics {
            // The worst case: a panic while the state is locked poisons it.
            let _state = shared.write();
            panic!("zenoo-sim: injected panic");
        }
        next.run(req).await
    };
    let resp = match std::panic::AssertUnwindSafe(run).catch_unwind().await {
        Ok(r) => r,
        Err(_) => internal_error(),
    };
    if fault == Some(Fault::Truncate) {
        let (parts, body) = resp.into_parts();
        let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
        let half = bytes.slice(0..bytes.len() / 2);
        return finish(&shared, Response::from_parts(parts, Body::from(half)));
    }
    finish(&shared, resp)
}

/// Closes the connection after `resp` when the server is asked to behave
/// like Odoo's own werkzeug server.
fn finish(shared: &Server, mut resp: Response<Body>) -> Response<Body> {
    if shared.connection_close {
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    resp
}

/// An endless body that errors: hyper aborts the connection.
fn reset() -> Response<Body> {
    let stream = futures_util::stream::once(async {
        Err::<bytes::Bytes, _>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "injected reset",
        ))
    });
    raw(
        200,
        "application/json; charset=utf-8",
        Body::from_stream(stream),
    )
}

/// Werkzeug's 500 page.
fn internal_error() -> Response<Body> {
    html_error(
        500,
        "Internal Server Error",
        "The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.",
    )
}
