//! JSON-2 (`/json/2/<model>/<method>`) and `/doc-bearer/<model>.json` (19).

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, Method, Response, header};
use axum::routing::any;
use serde_json::{Map, Value, json};

use super::Incoming;
use super::response::{html_error, json, raw};
use super::state::{Shared, SimState, uid_of};
use crate::error::OdooException;
use crate::orm::{Bound, Env, lookup, public_methods};

fn error_body(name: &str, message: &str, status: Option<u16>) -> Value {
    let mut args = vec![Value::from(message)];
    if let Some(s) = status {
        args.push(Value::from(s));
    }
    let e = OdooException {
        name: name.into(),
        arguments: args.clone(),
        message: message.into(),
    };
    json!({"name": name, "message": message, "arguments": args, "context": {}, "debug": e.traceback()})
}

fn werkzeug(status: u16, kind: &str, message: &str) -> Response<Body> {
    let mut resp = json(
        status,
        &error_body(
            &format!("werkzeug.exceptions.{kind}"),
            message,
            Some(status),
        ),
    );
    if status == 401 {
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer "),
        );
    }
    resp
}

fn exception(e: &OdooException) -> Response<Body> {
    let short = e.name.rsplit('.').next().unwrap_or("");
    let status = match short {
        "UserError" | "ValidationError" | "RedirectWarning" => 422,
        "AccessError" | "AccessDenied" => 403,
        "MissingError" => 404,
        _ => 500,
    };
    json(
        status,
        &json!({"name": e.name, "message": e.message, "arguments": e.arguments, "context": {}, "debug": e.traceback()}),
    )
}

/// Authenticates a bearer request: (db, uid) or the 401/404 response.
#[allow(clippy::result_large_err)]
fn authenticate(state: &SimState, req: &Incoming) -> Result<(String, i64), Response<Body>> {
    if let Some(db) = req.header("x-odoo-database")
        && !state.dbs.contains_key(db)
    {
        return Err(raw(
            404,
            "text/html; charset=utf-8",
            "<!DOCTYPE html>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>No database is selected and the requested URL was not found in the server-wide controllers.</p>\n<p>Please verify the hostname, <a href=/web/login>login</a> and try again.</p>\n\n<!-- Alternatively, use the X-Odoo-Database header. -->\n",
        ));
    }
    let unauthenticated = || {
        werkzeug(
            401,
            "Unauthorized",
            "User not authenticated, use an API Key with a Bearer Authorization header.",
        )
    };
    let auth = req.header("authorization").ok_or_else(unauthenticated)?;
    let (scheme, key) = auth.split_once(' ').ok_or_else(unauthenticated)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(unauthenticated());
    }
    let invalid = || werkzeug(401, "Unauthorized", "Invalid apikey");
    let (db, login) = state.auth.key_owner(key.trim()).ok_or_else(invalid)?;
    if req.header("x-odoo-database").is_some_and(|d| d != db) {
        return Err(invalid());
    }
    let database = state.dbs.get(db).ok_or_else(invalid)?;
    let uid = uid_of(database, login).ok_or_else(invalid)?;
    Ok((db.to_string(), uid))
}

/// Odoo's text for a body Python's json cannot parse.
fn python_json_error(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let reason = super::pyjson::error(&text)
        .unwrap_or_else(|| "Expecting value: line 1 column 1 (char 0)".to_string());
    format!("could not parse the body as json: {reason}")
}

/// `/json/2/<model>/<method>` and `/doc-bearer/<model>.json`.
pub fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/json/2",
            any(|State(shared): State<Shared>, req: Incoming| async move { handle(&shared, &req) }),
        )
        .route(
            "/json/2/{*path}",
            any(|State(shared): State<Shared>, req: Incoming| async move { handle(&shared, &req) }),
        )
        .route(
            "/doc-bearer/{*path}",
            any(
                |State(shared): State<Shared>, Path(rest): Path<String>, req: Incoming| async move {
                    doc(&shared, &req, &rest)
                },
            ),
        )
}

/// `POST /json/2/<model>/<method>`.
fn handle(shared: &Shared, req: &Incoming) -> Response<Body> {
    let did_you_mean = || {
        werkzeug(
            404,
            "NotFound",
            "Did you mean POST /json/2/<model>/<method>?",
        )
    };
    let parts: Vec<&str> = req
        .path
        .trim_start_matches("/json/2")
        .split('/')
        .filter(|p| !p.is_empty())
        .collect();
    if req.method != Method::POST || parts.len() != 2 {
        return did_you_mean();
    }
    let (model, method) = (parts[0].to_string(), parts[1].to_string());
    if !req.body.is_empty() && req.media_type != "application/json" {
        return html_error(
            415,
            "Unsupported Media Type",
            "Request inferred type is compatible with [&#39;http&#39;] but &#39;/json/2/&lt;__model__&gt;/&lt;__method__&gt;&#39; is type=&#39;json2&#39;.<br><br>Please verify the Content-Type request header and try again.",
        );
    }
    let body: Result<Value, String> = if req.body.is_empty() {
        Ok(Value::Null)
    } else {
        serde_json::from_slice(&req.body).map_err(|_| python_json_error(&req.body))
    };
    let version = shared.version;
    let mut state = shared.lock(crate::orm::changes_data(&model, &method, version));
    let (db, uid) = match authenticate(&state, req) {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    shared.log(super::LoggedRequest {
        path: req.path.clone(),
        model: Some(model.clone()),
        method: Some(method.clone()),
    });
    let mut named = match body {
        Ok(Value::Object(m)) => m,
        // Authentication comes first: a body that is not JSON is refused
        // only for a caller who may call at all.
        Err(error) => return werkzeug(400, "BadRequest", &error),
        Ok(_) => Map::new(),
    };
    let Some(database) = state.dbs.get(&db) else {
        return werkzeug(404, "NotFound", "database not found");
    };
    if !database.tables.contains_key(&model) {
        return werkzeug(
            404,
            "NotFound",
            &format!("the model '{model}' does not exist"),
        );
    }
    let context = match named.remove("context") {
        Some(Value::Object(c)) => c,
        _ => Map::new(),
    };
    let mut env = Env::new(uid, context);
    env.snapshot = req.snapshot;
    if crate::orm::is_private(&method, version) {
        return exception(&OdooException::access(format!(
            "Private methods (such as '{model}.{method}') cannot be called remotely."
        )));
    }
    let Some(sig) = lookup(&model, &method, version) else {
        return werkzeug(
            404,
            "NotFound",
            &format!("The method '{model}.{method}' does not exist"),
        );
    };
    let ids = named.remove("ids");
    if sig.model_level && ids.is_some() {
        return werkzeug(
            422,
            "UnprocessableEntity",
            &format!("cannot call {model}.{method} with ids"),
        );
    }
    for k in named.keys() {
        if !sig.params.iter().any(|p| p.name == k) {
            return werkzeug(
                422,
                "UnprocessableEntity",
                &format!("got an unexpected keyword argument '{k}'"),
            );
        }
    }
    if let Some(p) = sig
        .params
        .iter()
        .find(|p| p.required && !named.contains_key(p.name))
    {
        return werkzeug(
            422,
            "UnprocessableEntity",
            &format!("missing a required argument: '{}'", p.name),
        );
    }
    let op = sig.operation.as_str();
    if !sig.access_exempt
        && let Err(e) = database.check_model_access(&model, op, &env)
    {
        return exception(&e);
    }
    let bound = Bound {
        ids: ids.as_ref().map(crate::orm::ids_of).unwrap_or_default(),
        named,
    };
    let result = if sig.operation.changes_data() {
        match state.get_mut().and_then(|s| s.db_mut(&db)) {
            Ok(database) => database.execute_bound(&env, &model, sig, &bound),
            Err(e) => Err(e),
        }
    } else {
        database.execute_bound_read(&env, &model, sig, &bound)
    };
    let _held = shared.release(state);
    // JSON-2 answers a recordset as its ids: `create` of one dict is `[id]`.
    let result = result.map(|v| match v {
        Some(id @ Value::Number(_)) if sig.name == "create" => Some(Value::Array(vec![id])),
        v => v,
    });
    match result {
        Ok(v) => json(200, &v.unwrap_or(Value::Null)),
        Err(e) => exception(&e),
    }
}

/// `GET /doc-bearer/<model>.json`.
fn doc(shared: &Shared, req: &Incoming, rest: &str) -> Response<Body> {
    let state = shared.read();
    let (db, _uid) = match authenticate(&state, req) {
        Ok(v) => v,
        Err(resp) => return resp,
    };
    let not_found = || {
        json(
            404,
            &error_body(
                "werkzeug.exceptions.NotFound",
                "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.",
                Some(404),
            ),
        )
    };
    let Some(model) = rest.strip_suffix(".json") else {
        return not_found();
    };
    let Some(database) = state.dbs.get(&db) else {
        return not_found();
    };
    let Ok(def) = database.def(model) else {
        return not_found();
    };
    let mut fields = Map::new();
    for f in &def.fields {
        let mut attrs = f.attrs.clone();
        attrs.insert("name".into(), Value::from(f.name.clone()));
        fields.insert(f.name.clone(), Value::Object(attrs));
    }
    let mut methods = Map::new();
    for sig in public_methods(model, state.version) {
        let mut params = Map::new();
        let mut sig_text = Vec::new();
        for p in sig.params {
            let mut pm = Map::new();
            if !p.required {
                pm.insert(
                    "default".into(),
                    serde_json::from_str(p.default).unwrap_or(Value::Null),
                );
                sig_text.push(format!("{}={}", p.name, python_default(p.default)));
            } else {
                sig_text.push(p.name.to_string());
            }
            params.insert(p.name.to_string(), Value::Object(pm));
        }
        let mut m = Map::new();
        m.insert(
            "signature".into(),
            Value::from(format!("({})", sig_text.join(", "))),
        );
        m.insert("parameters".into(), Value::Object(params));
        if sig.model_level {
            m.insert("api".into(), json!(["model"]));
        }
        m.insert("doc".into(), Value::from(sig.doc));
        methods.insert(sig.name.to_string(), Value::Object(m));
    }
    json(
        200,
        &json!({"model": model, "name": def.description, "doc": null, "fields": fields, "methods": methods}),
    )
}

fn python_default(json_text: &str) -> String {
    match json_text {
        "null" => "None".into(),
        "true" => "True".into(),
        "false" => "False".into(),
        s if s.starts_with('"') => format!("'{}'", s.trim_matches('"')),
        s => s.to_string(),
    }
}
