//! The HTTP front: routes Odoo's endpoints to the ORM.

mod database;
mod json2;
mod jsonrpc;
mod response;
mod state;
mod web;
mod xmlrpc;

use std::net::{IpAddr, SocketAddr};

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, Response, header};
use futures_util::FutureExt;
use serde_json::Value;

pub use state::{LoggedRequest, Shared, SimState, unknown_db};

use crate::error::OdooException;
use crate::fault::Fault;
use response::{html_error, json, raw};

const MAX_BODY: usize = 512 * 1024 * 1024;

/// What the handler needs from a request.
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

/// The single entry point of the router.
pub async fn handle(
    State(shared): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let too_large = || {
        html_error(
            413,
            "Request Entity Too Large",
            "The data value transmitted exceeds the capacity limit.",
        )
    };
    // A declared size over the limit is refused before a byte is read.
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return too_large();
    }
    let body = match to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return html_error(
                413,
                "Request Entity Too Large",
                "The data value transmitted exceeds the capacity limit.",
            );
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
    let incoming = Incoming {
        method: parts.method,
        path: parts.uri.path().to_string(),
        media_type,
        headers: parts.headers,
        body,
        ip: peer.ip(),
    };
    let (fault, verbose) = {
        // A lock a panic poisoned is taken anyway: one failed request must
        // not take the server down with it.
        let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
        (s.faults.next_fault(), s.verbose)
    };
    if verbose {
        eprintln!("zenoo-sim: {} {}", incoming.method, incoming.path);
    }
    match fault {
        Some(Fault::Latency(d)) => tokio::time::sleep(d).await,
        Some(Fault::Status(code)) => {
            let title = match code {
                502 => "Bad Gateway",
                503 => "Service Unavailable",
                504 => "Gateway Timeout",
                _ => "Error",
            };
            return html_error(code, title, "Injected fault.");
        }
        Some(Fault::Reset) => {
            // An endless body that errors: hyper aborts the connection.
            let stream = futures_util::stream::once(async {
                Err::<bytes::Bytes, _>(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "injected reset",
                ))
            });
            return raw(
                200,
                "application/json; charset=utf-8",
                Body::from_stream(stream),
            );
        }
        _ => {}
    }
    // A handler that panics (a bug of the simulator's) answers this request
    // with a 500 and leaves the server serving.
    let resp = match std::panic::AssertUnwindSafe(route(&shared, &incoming, fault.as_ref()))
        .catch_unwind()
        .await
    {
        Ok(r) => r,
        Err(_) => internal_error(),
    };
    if fault == Some(Fault::Truncate) {
        let (parts, body) = resp.into_parts();
        let bytes = to_bytes(body, MAX_BODY).await.unwrap_or_default();
        let half = bytes.slice(0..bytes.len() / 2);
        return Response::from_parts(parts, Body::from(half));
    }
    resp
}

/// Werkzeug's 500 page.
fn internal_error() -> Response<Body> {
    html_error(
        500,
        "Internal Server Error",
        "The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.",
    )
}

async fn route(shared: &Shared, req: &Incoming, fault: Option<&Fault>) -> Response<Body> {
    let path = req.path.as_str();
    if fault == Some(&Fault::Panic) {
        // The worst case: a panic while the state is locked poisons it.
        let _state = shared.lock().unwrap_or_else(|p| p.into_inner());
        panic!("zenoo-sim: injected panic");
    }
    if fault == Some(&Fault::SessionExpired) {
        shared
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .auth
            .sessions
            .clear();
    }
    if fault == Some(&Fault::SerializationFailure) {
        let e = OdooException::new(
            "psycopg2.errors.SerializationFailure",
            "could not serialize access due to concurrent update",
        );
        let version = shared.lock().unwrap_or_else(|p| p.into_inner()).version;
        return json(
            200,
            &jsonrpc::error_envelope(&Value::Null, &e, version.error_code()),
        );
    }
    let (version, legacy_rpc) = {
        let s = shared.lock().unwrap_or_else(|p| p.into_inner());
        (s.version, s.legacy_rpc)
    };
    if !legacy_rpc && (path == "/jsonrpc" || path.starts_with("/xmlrpc")) {
        return html_error(
            404,
            "Not Found",
            "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.",
        );
    }
    if path == "/jsonrpc" {
        return web::json_route(shared, req, |state, params, ip| {
            let service = params
                .get("service")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let method = params
                .get("method")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let args = params
                .get("args")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            log(state, path, &args, &service, &method);
            jsonrpc::dispatch(state, &service, &method, &args, ip)
        });
    }
    if let Some(service) = path.strip_prefix("/xmlrpc/2/") {
        return web::xmlrpc_route(shared, req, service, false);
    }
    if let Some(service) = path.strip_prefix("/xmlrpc/") {
        return web::xmlrpc_route(shared, req, service, true);
    }
    if path.starts_with("/web/") {
        if let Some(resp) = web::web_route(shared, req).await {
            return resp;
        }
    }
    if version >= crate::OdooVersion::V19 {
        if path.starts_with("/json/2") {
            return json2::handle(shared, req);
        }
        if let Some(rest) = path.strip_prefix("/doc-bearer/") {
            return json2::doc(shared, req, rest);
        }
        if (path == "/web/version" || path == "/json/version") && req.method == Method::GET {
            let info = version.version_info();
            return json(
                200,
                &serde_json::json!({"version_info": info["server_version_info"], "version": info["server_version"]}),
            );
        }
    }
    html_error(
        404,
        "Not Found",
        "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.",
    )
}

fn log(state: &mut SimState, path: &str, args: &[Value], service: &str, method: &str) {
    let (model, method) = if service == "object" {
        (
            args.get(3).and_then(Value::as_str).map(str::to_string),
            args.get(4).and_then(Value::as_str).map(str::to_string),
        )
    } else {
        (None, Some(format!("{service}.{method}")))
    };
    state.log.push(LoggedRequest {
        path: path.to_string(),
        model,
        method,
    });
}
