//! JSON-RPC routes of the web client (`/web/session/*`, `/web/dataset/*`,
//! `/web/database/*`) and the shared JSON/XML-RPC request plumbing.

use std::net::IpAddr;

use axum::body::Body;
use axum::http::{Method, Response};
use serde_json::{Map, Value, json};

use super::Incoming;
use super::jsonrpc::{envelope, error_envelope};
use super::response::{escape_html, html_error, json, raw, set_session_cookie};
use super::state::{Shared, SimState};
use super::xmlrpc;
use crate::auth::{Auth, Session};
use crate::error::{OdooException, OdooResult};
use crate::version::OdooVersion;

fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, SimState> {
    shared.lock().unwrap_or_else(|p| p.into_inner())
}

/// Parses a JSON-RPC request and answers with Odoo's envelope.
pub fn json_route<F>(shared: &Shared, req: &Incoming, f: F) -> Response<Body>
where
    F: FnOnce(&mut SimState, &Map<String, Value>, IpAddr) -> OdooResult<Option<Value>>,
{
    let mut state = lock(shared);
    match parse_json(&state, req) {
        Err(resp) => resp,
        Ok((id, params)) => {
            let code = state.version.error_code();
            match f(&mut state, &params, req.ip) {
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
fn parse_json(
    state: &SimState,
    req: &Incoming,
) -> Result<(Value, Map<String, Value>), Response<Body>> {
    if req.method != Method::POST
        || !matches!(
            req.media_type.as_str(),
            "application/json" | "application/json-rpc"
        )
    {
        let status = if state.version >= OdooVersion::V19 {
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
    let Value::Object(body) = body else {
        return Err(raw(
            400,
            "text/html; charset=utf-8",
            "Invalid JSON-RPC data",
        ));
    };
    let id = body.get("id").cloned().unwrap_or(Value::Null);
    let params = body
        .get("params")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    Ok((id, params))
}

/// `/xmlrpc/2/<service>` and `/xmlrpc/<service>`.
pub fn xmlrpc_route(
    shared: &Shared,
    req: &Incoming,
    service: &str,
    legacy: bool,
) -> Response<Body> {
    let text = String::from_utf8_lossy(&req.body);
    let xml = |s: String| raw(200, "text/xml; charset=utf-8", s);
    let (method, params) = match xmlrpc::parse_call(&text) {
        Ok(c) => c,
        Err(e) => return xml(xmlrpc::fault_xml(Value::from(1), &e.traceback())),
    };
    let mut state = lock(shared);
    let (model, m) = if service == "object" {
        (
            params.get(3).and_then(Value::as_str).map(str::to_string),
            params.get(4).and_then(Value::as_str).map(str::to_string),
        )
    } else {
        (None, Some(format!("{service}.{method}")))
    };
    state.log.push(super::LoggedRequest {
        path: req.path.clone(),
        model,
        method: m,
    });
    match super::jsonrpc::dispatch(&mut state, service, &method, &params, req.ip) {
        Ok(result) => xml(xmlrpc::response_xml(result)),
        Err(e) if legacy => xml(xmlrpc::legacy_fault_for(&e)),
        Err(e) => xml(xmlrpc::fault_for(&e)),
    }
}

fn session_expired() -> OdooException {
    OdooException::new("odoo.http.SessionExpiredException", "Session expired")
}

fn not_found() -> OdooException {
    OdooException {
        name: "werkzeug.exceptions.NotFound".into(),
        arguments: Vec::new(),
        message: "404 Not Found: The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.".into(),
    }
}

/// Session info as `/web/session/authenticate` returns it.
pub fn session_info(state: &SimState, db: &str, uid: i64) -> Value {
    let Some(database) = state.dbs.get(db) else {
        return Value::Null;
    };
    let partner = database
        .value("res.users", uid, "partner_id")
        .as_i64()
        .unwrap_or(0);
    let companies = database.user_companies(uid);
    let mut allowed = Map::new();
    for c in &companies {
        let mut entry = json!({
            "id": c,
            "name": database.display_name("res.company", *c),
            "sequence": database.value("res.company", *c, "sequence"),
            "child_ids": database.value("res.company", *c, "child_ids"),
            "parent_id": database.value("res.company", *c, "parent_id"),
        });
        if state.version >= OdooVersion::V19 {
            entry["currency_id"] = database.value("res.company", *c, "currency_id");
        }
        allowed.insert(c.to_string(), entry);
    }
    let share = database.is_share(uid);
    let version = state.version.version_info();
    json!({
        "uid": uid,
        "is_system": database.is_admin(uid),
        "is_admin": database.is_admin(uid),
        "is_public": uid == 4 && share,
        "is_internal_user": !share,
        "user_context": database.context_of(uid),
        "db": db,
        "server_version": version["server_version"],
        "server_version_info": version["server_version_info"],
        "name": database.value("res.partner", partner, "name"),
        "username": database.value("res.users", uid, "login"),
        "partner_display_name": database.display_name("res.partner", partner),
        "partner_id": partner,
        "user_companies": {"current_company": companies.first().copied().unwrap_or(1), "allowed_companies": allowed, "disallowed_ancestor_companies": {}},
    })
}

/// Routes under `/web/`; `None` when the path is not one of them.
pub async fn web_route(shared: &Shared, req: &Incoming) -> Option<Response<Body>> {
    let path = req.path.as_str();
    let sid = req.session_id();
    let resp = match path {
        "/web/session/authenticate" => {
            let mut new_sid = None;
            let resp = json_route(shared, req, |state, params, ip| {
                let db = params
                    .get("db")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let login = params
                    .get("login")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let password = params
                    .get("password")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let uid = state
                    .login(&db, &login, &password, ip, false)?
                    .ok_or_else(OdooException::access_denied)?;
                let id = Auth::new_session_id(state.version >= OdooVersion::V18);
                state.auth.sessions.insert(
                    id.clone(),
                    Session {
                        db: db.clone(),
                        uid: Some(uid),
                        login,
                    },
                );
                new_sid = Some(id);
                Ok(Some(session_info(state, &db, uid)))
            });
            let mut resp = resp;
            if let Some(id) = new_sid {
                set_session_cookie(&mut resp, &id);
            }
            resp
        }
        "/web/session/get_session_info" | "/web/session/check" | "/web/session/destroy" => {
            let check = path.ends_with("check");
            let destroy = path.ends_with("destroy");
            let mut resp = json_route(shared, req, |state, _params, _ip| {
                let session = sid
                    .as_ref()
                    .and_then(|s| state.auth.sessions.get(s))
                    .cloned();
                if destroy {
                    if let Some(s) = &sid {
                        state.auth.sessions.remove(s);
                    }
                    return Ok(None);
                }
                let session = session
                    .filter(|s| s.uid.is_some())
                    .ok_or_else(session_expired)?;
                if check {
                    return Ok(None);
                }
                Ok(Some(session_info(
                    state,
                    &session.db,
                    session.uid.unwrap_or(0),
                )))
            });
            if let (Some(s), false) = (&sid, check) {
                set_session_cookie(&mut resp, s);
            }
            resp
        }
        "/web/webclient/version_info" => json_route(shared, req, |state, _, _| {
            Ok(Some(state.version.version_info()))
        }),
        p if p == "/web/dataset/call_kw" || p.starts_with("/web/dataset/call_kw/") => {
            let path = req.path.clone();
            let mut state = lock(shared);
            match parse_json(&state, req) {
                Err(resp) => resp,
                Ok((id, params)) => {
                    let code = state.version.error_code();
                    let session = sid
                        .as_ref()
                        .and_then(|s| state.auth.sessions.get(s))
                        .cloned()
                        .filter(|s| s.uid.is_some());
                    let model = params
                        .get("model")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    let method = params
                        .get("method")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string();
                    state.log.push(super::LoggedRequest {
                        path,
                        model: Some(model.clone()),
                        method: Some(method.clone()),
                    });
                    let Some(session) = session else {
                        return Some(json(
                            200,
                            &error_envelope(&Value::Null, &session_expired(), code),
                        ));
                    };
                    if state
                        .dbs
                        .get(&session.db)
                        .is_none_or(|d| !d.tables.contains_key(&model))
                    {
                        return Some(json(200, &error_envelope(&Value::Null, &not_found(), code)));
                    }
                    let args = params
                        .get("args")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    let kwargs = params
                        .get("kwargs")
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default();
                    let uid = session.uid.unwrap_or(0);
                    match super::jsonrpc::call_kw(
                        &mut state,
                        &session.db,
                        uid,
                        &model,
                        &method,
                        &args,
                        &kwargs,
                    ) {
                        Ok(result) => json(200, &envelope(&id, result)),
                        Err(e) => json(200, &error_envelope(&id, &e, code)),
                    }
                }
            }
        }
        "/web/database/list" => json_route(shared, req, |state, _, _| {
            let mut names: Vec<&String> = state.dbs.keys().collect();
            names.sort();
            Ok(Some(json!(names)))
        }),
        p if p.starts_with("/web/database/") => {
            return super::database::route(shared, req, p.trim_start_matches("/web/database/"))
                .await;
        }
        _ => return None,
    };
    Some(resp)
}
