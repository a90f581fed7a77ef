//! `/jsonrpc` and the `common`, `db` and `object` services, shared with
//! XML-RPC.

use std::net::IpAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::Response;
use axum::routing::any;
use serde_json::{Map, Value, json};

use super::Incoming;
use super::envelope::json_route;
use super::state::{Access, LoggedRequest, Shared, SimState, unknown_db};
use crate::error::{OdooException, OdooResult};
use crate::version::OdooVersion;

/// `/jsonrpc`: the `common`, `db` and `object` services.
pub fn routes() -> Router<Shared> {
    Router::new().route("/jsonrpc", any(route))
}

/// The service, method and arguments of a `/jsonrpc` call's params.
fn call_of(params: &Map<String, Value>) -> (&str, &str, &[Value]) {
    let text = |k: &str| params.get(k).and_then(Value::as_str).unwrap_or("");
    let args = params
        .get("args")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    (text("service"), text("method"), args)
}

async fn route(State(shared): State<Shared>, req: Incoming) -> Response<Body> {
    let version = shared.version;
    json_route(
        &shared,
        &req,
        |params| {
            let (service, method, args) = call_of(params);
            changes_data(version, service, method, args)
        },
        |state, params, ip| {
            let (service, method, args) = call_of(params);
            shared.log(logged(&req.path, service, method, args));
            dispatch(state, service, method, args, ip, req.snapshot)
        },
    )
}

/// How the request log shows a call of `service.method(*args)`.
pub fn logged(path: &str, service: &str, method: &str, args: &[Value]) -> LoggedRequest {
    let (model, method) = if service == "object" {
        (
            args.get(3).and_then(Value::as_str).map(str::to_string),
            args.get(4).and_then(Value::as_str).map(str::to_string),
        )
    } else {
        (None, Some(format!("{service}.{method}")))
    };
    LoggedRequest {
        path: path.to_string(),
        model,
        method,
    }
}

fn arg_str(args: &[Value], i: usize) -> String {
    match args.get(i) {
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    }
}

fn missing_args(func: &str, names: &[&str], given: usize) -> OdooException {
    let missing: Vec<String> = names[given.min(names.len())..]
        .iter()
        .map(|n| format!("'{n}'"))
        .collect();
    let list = match missing.len() {
        0 | 1 => missing.join(""),
        _ => format!(
            "{} and {}",
            missing[..missing.len() - 1].join(", "),
            missing[missing.len() - 1]
        ),
    };
    OdooException::type_error(format!(
        "{func}() missing {} required positional argument{}: {list}",
        missing.len(),
        if missing.len() == 1 { "" } else { "s" }
    ))
}

/// Whether `service.method(*args)` may change data, so needs the
/// exclusive lock.
pub fn changes_data(version: OdooVersion, service: &str, method: &str, args: &[Value]) -> bool {
    match service {
        "common" => false,
        "db" => !matches!(
            method,
            "list" | "server_version" | "db_exist" | "list_lang" | "list_countries" | "dump"
        ),
        "object" => crate::orm::changes_data(&arg_str(args, 3), &arg_str(args, 4), version),
        _ => false,
    }
}

/// Runs `service.method(*args)`; `Ok(None)` is Python's `None`.
/// `snapshot` is the commit clock when the request arrived.
pub fn dispatch(
    state: &mut Access<'_>,
    service: &str,
    method: &str,
    args: &[Value],
    ip: IpAddr,
    snapshot: Option<u64>,
) -> OdooResult<Option<Value>> {
    match service {
        "common" => common(state, method, args, ip),
        "db" if changes_data(state.version, service, method, args) => {
            db_service(state.get_mut()?, method, args)
        }
        "db" => db_read(state, method, args),
        "object" => object(state, method, args, snapshot),
        other => Err(OdooException::key_error(other)),
    }
}

fn common(state: &SimState, method: &str, args: &[Value], ip: IpAddr) -> OdooResult<Option<Value>> {
    match method {
        "version" => Ok(Some(state.version.version_info())),
        "about" => Ok(Some(Value::from("See http://openerp.com"))),
        "login" | "authenticate" => {
            let names: &[&str] = if method == "login" {
                &["db", "login", "password"]
            } else {
                &["db", "login", "password", "user_agent_env"]
            };
            if args.len() < names.len() {
                return Err(missing_args(&format!("exp_{method}"), names, args.len()));
            }
            let uid = state.login(
                &arg_str(args, 0),
                &arg_str(args, 1),
                &arg_str(args, 2),
                ip,
                true,
            )?;
            Ok(Some(uid.map(Value::from).unwrap_or(Value::Bool(false))))
        }
        other => Err(OdooException::new(
            "builtins.Exception",
            format!("Method not found: {other}"),
        )),
    }
}

fn check_master(state: &SimState, pw: &str) -> OdooResult<()> {
    if pw == state.master_password {
        Ok(())
    } else {
        Err(OdooException::access_denied())
    }
}

fn db_read(state: &SimState, method: &str, args: &[Value]) -> OdooResult<Option<Value>> {
    match method {
        "list" => {
            let mut names: Vec<&String> = state.dbs.keys().collect();
            names.sort();
            Ok(Some(json!(names)))
        }
        "server_version" => Ok(Some(Value::from(state.version.to_string()))),
        "db_exist" => Ok(Some(Value::Bool(state.dbs.contains_key(&arg_str(args, 0))))),
        "list_lang" => Ok(Some(json!([
            ["en_US", "English (US)"],
            ["fr_FR", "French / Français"]
        ]))),
        "list_countries" => {
            check_master(state, &arg_str(args, 0))?;
            Ok(Some(json!([["be", "Belgium"], ["us", "United States"]])))
        }
        "dump" => {
            check_master(state, &arg_str(args, 0))?;
            let name = arg_str(args, 1);
            let dump = state.dump(&name)?;
            Ok(Some(Value::from(dump)))
        }
        other => Err(OdooException::new(
            "builtins.Exception",
            format!("Method not found: {other}"),
        )),
    }
}

/// How many positional arguments each master-password method of the `db`
/// service takes after the password (its `exp_*` signature in Odoo 16-19).
fn db_arity(method: &str) -> Option<usize> {
    Some(match method {
        "create_database" => 7,
        "duplicate_database" => 3,
        "drop" | "change_admin_password" => 1,
        "dump" | "rename" => 2,
        "restore" => 3,
        _ => return None,
    })
}

fn db_service(state: &mut SimState, method: &str, args: &[Value]) -> OdooResult<Option<Value>> {
    // Odoo binds the arguments to the method's signature (the `decorator`
    // package's check) before it runs.
    if db_arity(method).is_some_and(|n| args.len() > n + 1) {
        check_master(state, &arg_str(args, 0))?;
        return Err(OdooException::type_error("too many positional arguments"));
    }
    match method {
        "create_database" => {
            check_master(state, &arg_str(args, 0))?;
            let name = arg_str(args, 1);
            let demo = args.get(2).is_some_and(|v| v.as_bool().unwrap_or(false));
            let admin_pw = args
                .get(4)
                .and_then(Value::as_str)
                .unwrap_or("admin")
                .to_string();
            let login = args
                .get(5)
                .and_then(Value::as_str)
                .unwrap_or("admin")
                .to_string();
            state.create_database(&name, demo, &login, &admin_pw)?;
            Ok(Some(Value::Bool(true)))
        }
        "duplicate_database" => {
            check_master(state, &arg_str(args, 0))?;
            let (from, to) = (arg_str(args, 1), arg_str(args, 2));
            let mut copy = state
                .dbs
                .get(&from)
                .cloned()
                .ok_or_else(|| unknown_db(&from))?;
            if state.dbs.contains_key(&to) {
                return Err(OdooException::new(
                    "builtins.Exception",
                    format!("Database {to} already exists"),
                ));
            }
            copy.name = to.clone();
            let creds: Vec<_> = state
                .auth
                .credentials
                .values()
                .filter(|c| c.db == from)
                .cloned()
                .collect();
            for mut c in creds {
                c.db = to.clone();
                state
                    .auth
                    .credentials
                    .insert((to.clone(), c.login.clone()), c);
            }
            state.dbs.insert(to, copy);
            Ok(Some(Value::Bool(true)))
        }
        "drop" => {
            check_master(state, &arg_str(args, 0))?;
            let name = arg_str(args, 1);
            let existed = state.dbs.remove(&name).is_some();
            state.auth.credentials.retain(|(db, _), _| db != &name);
            Ok(Some(Value::Bool(existed)))
        }
        "restore" => {
            check_master(state, &arg_str(args, 0))?;
            let name = arg_str(args, 1);
            let data = arg_str(args, 2);
            state.restore(&name, &data)?;
            Ok(Some(Value::Bool(true)))
        }
        "rename" => {
            check_master(state, &arg_str(args, 0))?;
            let (from, to) = (arg_str(args, 1), arg_str(args, 2));
            let mut db = state.dbs.remove(&from).ok_or_else(|| unknown_db(&from))?;
            db.name = to.clone();
            state.dbs.insert(to, db);
            Ok(Some(Value::Bool(true)))
        }
        "change_admin_password" => {
            check_master(state, &arg_str(args, 0))?;
            state.master_password = arg_str(args, 1);
            Ok(Some(Value::Bool(true)))
        }
        other => Err(OdooException::new(
            "builtins.Exception",
            format!("Method not found: {other}"),
        )),
    }
}

fn object(
    state: &mut Access<'_>,
    method: &str,
    args: &[Value],
    snapshot: Option<u64>,
) -> OdooResult<Option<Value>> {
    let (names, func): (&[&str], &str) = match method {
        "execute_kw" => (
            &["db", "uid", "passwd", "model", "method", "args"],
            "execute_kw",
        ),
        "execute" => (&["db", "uid", "passwd", "model", "method"], "execute"),
        other => {
            return Err(OdooException::new(
                "builtins.Exception",
                format!("Method not found: {other}"),
            ));
        }
    };
    let (Some(uid), Some(rest)) = (args.get(1), args.get(names.len()..)) else {
        return Err(missing_args(func, names, args.len()));
    };
    let db = arg_str(args, 0);
    let uid = uid.as_i64().unwrap_or(0);
    state.check_uid(&db, uid, &arg_str(args, 2))?;
    let model = arg_str(args, 3);
    let name = arg_str(args, 4);
    let none = Map::new();
    let (call_args, kwargs) = if method == "execute" {
        (rest, &none)
    } else {
        let call_args = match args.get(5) {
            Some(Value::Array(a)) => a.as_slice(),
            _ => &[],
        };
        (
            call_args,
            args.get(6).and_then(Value::as_object).unwrap_or(&none),
        )
    };
    call_kw(state, &db, uid, &model, &name, call_args, kwargs, snapshot)
}

/// Runs a model method for `uid`: under the shared lock when it changes
/// nothing, as a transaction that began at `snapshot` otherwise.
#[allow(clippy::too_many_arguments)]
pub fn call_kw(
    state: &mut Access<'_>,
    db: &str,
    uid: i64,
    model: &str,
    method: &str,
    args: &[Value],
    kwargs: &Map<String, Value>,
    snapshot: Option<u64>,
) -> OdooResult<Option<Value>> {
    if crate::orm::changes_data(model, method, state.version) {
        let database = state.get_mut()?.db_mut(db)?;
        database.execute_at(snapshot, uid, model, method, args, kwargs)
    } else {
        let database = state.dbs.get(db).ok_or_else(|| unknown_db(db))?;
        database.execute_read(uid, model, method, args, kwargs)
    }
}
