//! JSON-RPC routes of the web client (`/web/session/*`, `/web/dataset/*`,
//! `/web/database/*`).

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::Response;
use axum::routing::any;
use serde_json::{Map, Value, json};

use super::Incoming;
use super::envelope::{envelope, error_envelope, json_route, parse_json};
use super::response::{json, set_session_cookie};
use super::state::{Shared, SimState};
use crate::auth::{Auth, Session};
use crate::error::OdooException;
use crate::version::OdooVersion;

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

/// The web client's JSON routes (`/web/session/*`, `/web/dataset/call_kw`,
/// `/web/webclient/version_info`) and the database manager's
/// (`/web/database/*`).
pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/web/session/authenticate", any(authenticate))
        .route("/web/session/get_session_info", any(session))
        .route("/web/session/check", any(session))
        .route("/web/session/destroy", any(session))
        .route("/web/webclient/version_info", any(version_info))
        .route("/web/dataset/call_kw", any(call_kw))
        .route("/web/dataset/call_kw/{*path}", any(call_kw))
        .route("/web/database/list", any(database_list))
        .route("/web/database/{action}", any(super::database::route))
}

fn text_param(params: &Map<String, Value>, key: &str) -> String {
    params
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

async fn authenticate(State(shared): State<Shared>, req: Incoming) -> Response<Body> {
    let mut new_sid = None;
    let mut resp = json_route(
        &shared,
        &req,
        |_| false,
        |state, params, ip| {
            let db = text_param(params, "db");
            let login = text_param(params, "login");
            let password = text_param(params, "password");
            let uid = state
                .login(&db, &login, &password, ip, false)?
                .ok_or_else(OdooException::access_denied)?;
            let id = Auth::new_session_id(state.version >= OdooVersion::V18);
            state.auth.sessions().insert(
                id.clone(),
                Session {
                    db: db.clone(),
                    uid: Some(uid),
                    login,
                },
            );
            new_sid = Some(id);
            Ok(Some(session_info(state, &db, uid)))
        },
    );
    if let Some(id) = new_sid {
        set_session_cookie(&mut resp, &id);
    }
    resp
}

/// `get_session_info`, `check` and `destroy`.
async fn session(State(shared): State<Shared>, req: Incoming) -> Response<Body> {
    let sid = req.session_id();
    let check = req.path.ends_with("check");
    let destroy = req.path.ends_with("destroy");
    let mut resp = json_route(
        &shared,
        &req,
        |_| false,
        |state, _params, _ip| {
            let mut sessions = state.auth.sessions();
            if destroy {
                if let Some(s) = &sid {
                    sessions.remove(s);
                }
                return Ok(None);
            }
            let session = sid
                .as_ref()
                .and_then(|s| sessions.get(s))
                .cloned()
                .filter(|s| s.uid.is_some())
                .ok_or_else(session_expired)?;
            drop(sessions);
            if check {
                return Ok(None);
            }
            Ok(Some(session_info(
                state,
                &session.db,
                session.uid.unwrap_or(0),
            )))
        },
    );
    if let (Some(s), false) = (&sid, check) {
        set_session_cookie(&mut resp, s);
    }
    resp
}

async fn version_info(State(shared): State<Shared>, req: Incoming) -> Response<Body> {
    json_route(
        &shared,
        &req,
        |_| false,
        |state, _, _| Ok(Some(state.version.version_info())),
    )
}

async fn database_list(State(shared): State<Shared>, req: Incoming) -> Response<Body> {
    json_route(
        &shared,
        &req,
        |_| false,
        |state, _, _| {
            let mut names: Vec<&String> = state.dbs.keys().collect();
            names.sort();
            Ok(Some(json!(names)))
        },
    )
}

/// `/web/dataset/call_kw[/<anything>]`: a model method for the session's
/// user. A missing session fails before the body is read, so its error
/// has no id.
async fn call_kw(State(shared): State<Shared>, req: Incoming) -> Response<Body> {
    let version = shared.version;
    let (id, params) = match parse_json(version, &req) {
        Err(resp) => return resp,
        Ok(p) => p,
    };
    let code = version.error_code();
    let model = text_param(&params, "model");
    let method = text_param(&params, "method");
    shared.log(super::LoggedRequest {
        path: req.path.clone(),
        model: Some(model.clone()),
        method: Some(method.clone()),
    });
    let mut state = shared.lock(crate::orm::changes_data(&model, &method, version));
    let session = req
        .session_id()
        .and_then(|s| state.auth.sessions().get(&s).cloned())
        .filter(|s| s.uid.is_some());
    let Some(session) = session else {
        return json(200, &error_envelope(&Value::Null, &session_expired(), code));
    };
    if state
        .dbs
        .get(&session.db)
        .is_none_or(|d| !d.tables.contains_key(&model))
    {
        return json(200, &error_envelope(&Value::Null, &not_found(), code));
    }
    let args = params
        .get("args")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let none = Map::new();
    let kwargs = params
        .get("kwargs")
        .and_then(Value::as_object)
        .unwrap_or(&none);
    let uid = session.uid.unwrap_or(0);
    let result = super::jsonrpc::call_kw(
        &mut state,
        &session.db,
        uid,
        &model,
        &method,
        args,
        kwargs,
        req.snapshot,
    );
    let _held = shared.release(state);
    match result {
        Ok(result) => json(200, &envelope(&id, result)),
        Err(e) => json(200, &error_envelope(&id, &e, code)),
    }
}
