//! The JSON-RPC 2.0 envelope Odoo's `type='json'` routes share (`/jsonrpc`
//! and the web client's routes): reading a request's id and params, and
//! answering a result or an error the way Odoo words it.

use std::net::IpAddr;

use axum::body::Body;
use axum::http::{Method, Response};
use serde_json::{Map, Value, json};

use super::Incoming;
use super::response::{escape_html, html_error, json, raw};
use super::state::{Access, Shared};
use crate::error::{OdooException, OdooResult};
use crate::version::OdooVersion;

/// Parses a JSON-RPC request and answers with Odoo's envelope. The state
/// is locked exclusively when `changes_data(params)` says so, shared
/// otherwise.
pub fn json_route<C, F>(shared: &Shared, req: &Incoming, changes_data: C, f: F) -> Response<Body>
where
    C: FnOnce(&Map<String, Value>) -> bool,
    F: FnOnce(&mut Access<'_>, &Map<String, Value>, IpAddr) -> OdooResult<Option<Value>>,
{
    match parse_json(shared.version, req) {
        Err(resp) => resp,
        Ok((id, params)) => {
            let code = shared.version.error_code();
            let mut state = shared.lock(changes_data(&params));
            let result = f(&mut state, &params, req.ip);
            let _held = shared.release(state);
            match result {
                Ok(result) => json(200, &envelope(&id, result)),
                // Authentication fails before the body is read: no id.
                Err(e) if e.name == "odoo.http.SessionExpiredException" => {
                    json(200, &error_envelope(&Value::Null, &e, code))
                }
                Err(e) => json(200, &error_envelope(&id, &e, code)),
            }
        }
    }
}

#[allow(clippy::result_large_err)]
pub(super) fn parse_json(
    version: OdooVersion,
    req: &Incoming,
) -> Result<(Value, Map<String, Value>), Response<Body>> {
    if req.method != Method::POST
        || !matches!(
            req.media_type.as_str(),
            "application/json" | "application/json-rpc"
        )
    {
        let status = if version >= OdooVersion::V19 {
            415
        } else {
            400
        };
        let title = if status == 415 {
            "Unsupported Media Type"
        } else {
            "Bad Request"
        };
        let mut text = escape_html(&format!(
            "Request inferred type is compatible with ['http'] but '{}' is type='json'.",
            req.path
        ));
        if status == 415 {
            text.push_str("<br><br>Please verify the Content-Type request header and try again.");
        }
        return Err(html_error(status, title, &text));
    }
    let body: Value = serde_json::from_slice(&req.body)
        .map_err(|_| raw(400, "text/html; charset=utf-8", "Invalid JSON data"))?;
    let Value::Object(mut body) = body else {
        return Err(raw(
            400,
            "text/html; charset=utf-8",
            "Invalid JSON-RPC data",
        ));
    };
    let id = body.remove("id").unwrap_or(Value::Null);
    let params = match body.remove("params") {
        Some(Value::Object(params)) => params,
        _ => Map::new(),
    };
    Ok((id, params))
}

/// The JSON-RPC success envelope (`result` absent for `None`).
pub fn envelope(id: &Value, result: Option<Value>) -> Value {
    let mut m = Map::new();
    m.insert("jsonrpc".into(), Value::from("2.0"));
    m.insert("id".into(), id.clone());
    if let Some(r) = result {
        m.insert("result".into(), r);
    }
    Value::Object(m)
}

/// The JSON-RPC error envelope for a server exception.
pub fn error_envelope(id: &Value, e: &OdooException, code: i64) -> Value {
    let (code, message) = match e.name.as_str() {
        "odoo.http.SessionExpiredException" => (100, "Odoo Session Expired"),
        "werkzeug.exceptions.NotFound" => (404, "404: Not Found"),
        _ => (code, "Odoo Server Error"),
    };
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message, "data": e.data()}})
}
