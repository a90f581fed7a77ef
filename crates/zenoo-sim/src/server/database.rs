//! `/web/database/*`: the database manager's HTTP form routes (the
//! replacement for the `db` RPC service): form posts that redirect on
//! success, stream backups as files, and take restores as multipart uploads.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, Method, Response, header};

use super::response::{escape_html, raw};
use super::state::{Shared, SimState};
use super::{Incoming, not_found_page};
use crate::error::{OdooException, OdooResult};

fn redirect(location: &str) -> Response<Body> {
    let mut resp = raw(
        303,
        "text/html; charset=utf-8",
        format!("<a href=\"{location}\">{location}</a>"),
    );
    if let Ok(v) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

/// The manager page with an error, as Odoo renders a failed action.
fn failure(verb: &str, e: &OdooException) -> Response<Body> {
    let text = escape_html(&format!("Could not {verb} database. {}", e.message));
    raw(
        422,
        "text/html; charset=utf-8",
        format!(
            "<!DOCTYPE html>\n<html><head><title>Odoo</title></head><body>\n<div class=\"alert alert-danger\">{text}</div>\n</body></html>\n"
        ),
    )
}

fn check_master(state: &SimState, form: &HashMap<String, String>) -> OdooResult<()> {
    if form.get("master_pwd").map(String::as_str) == Some(state.master_password.as_str()) {
        Ok(())
    } else {
        Err(OdooException::access_denied())
    }
}

fn is_true(form: &HashMap<String, String>, key: &str) -> bool {
    matches!(
        form.get(key).map(|v| v.to_ascii_lowercase()).as_deref(),
        Some("1" | "true" | "on" | "yes" | "y" | "t")
    )
}

/// Parses a urlencoded or multipart body into fields (files as raw bytes).
async fn parse_form(
    req: &Incoming,
) -> Result<(HashMap<String, String>, HashMap<String, Vec<u8>>), String> {
    let mut fields = HashMap::new();
    let mut files = HashMap::new();
    if req.media_type == "multipart/form-data" {
        let content_type = req.header("content-type").unwrap_or("");
        let boundary = multer::parse_boundary(content_type).map_err(|e| e.to_string())?;
        let body = req.body.clone();
        let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
        let mut multipart = multer::Multipart::new(stream, boundary);
        while let Some(field) = multipart.next_field().await.map_err(|e| e.to_string())? {
            let name = field.name().unwrap_or("").to_string();
            let is_file = field.file_name().is_some();
            let bytes = field.bytes().await.map_err(|e| e.to_string())?;
            if is_file {
                files.insert(name, bytes.to_vec());
            } else {
                fields.insert(name, String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    } else {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&req.body).map_err(|e| e.to_string())?;
        fields.extend(pairs);
    }
    Ok((fields, files))
}

/// Serves a `/web/database/<action>` form route.
pub async fn route(
    State(shared): State<Shared>,
    Path(action): Path<String>,
    req: Incoming,
) -> Response<Body> {
    let action = action.as_str();
    if !matches!(
        action,
        "create" | "duplicate" | "drop" | "rename" | "backup" | "restore" | "change_password"
    ) {
        return not_found_page();
    }
    if req.method != Method::POST {
        return raw(
            405,
            "text/html; charset=utf-8",
            "<!doctype html>\n<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n",
        );
    }
    let (form, files) = match parse_form(&req).await {
        Ok(f) => f,
        Err(e) => {
            return raw(
                400,
                "text/html; charset=utf-8",
                format!("<h1>Bad Request</h1><p>{}</p>", escape_html(&e)),
            );
        }
    };
    let mut state = shared.lock(action != "backup");
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let result: OdooResult<Response<Body>> = (|| {
        check_master(&state, &form)?;
        match action {
            "create" => {
                let login = if get("login").is_empty() {
                    "admin".to_string()
                } else {
                    get("login")
                };
                state.get_mut()?.create_database(
                    &get("name"),
                    is_true(&form, "demo"),
                    &login,
                    &get("password"),
                )?;
                Ok(redirect("/odoo"))
            }
            "duplicate" => {
                let (from, to) = (get("name"), get("new_name"));
                super::jsonrpc::dispatch(
                    &mut state,
                    "db",
                    "duplicate_database",
                    &[get("master_pwd").into(), from.into(), to.into()],
                    req.ip,
                    req.snapshot,
                )?;
                Ok(redirect("/web/database/manager"))
            }
            "rename" => {
                super::jsonrpc::dispatch(
                    &mut state,
                    "db",
                    "rename",
                    &[
                        get("master_pwd").into(),
                        get("name").into(),
                        get("new_name").into(),
                    ],
                    req.ip,
                    req.snapshot,
                )?;
                Ok(redirect("/web/database/manager"))
            }
            "drop" => {
                let dropped = super::jsonrpc::dispatch(
                    &mut state,
                    "db",
                    "drop",
                    &[get("master_pwd").into(), get("name").into()],
                    req.ip,
                    req.snapshot,
                )?;
                if dropped != Some(serde_json::Value::Bool(true)) {
                    return Err(OdooException::new(
                        "builtins.Exception",
                        format!("Database {} does not exist", get("name")),
                    ));
                }
                Ok(redirect("/web/database/manager"))
            }
            "backup" => {
                let name = get("name");
                let format = if get("backup_format").is_empty() {
                    "zip".to_string()
                } else {
                    get("backup_format")
                };
                let bytes = state.dump_bytes(&name)?;
                let mime = if format == "zip" {
                    "application/zip"
                } else {
                    "application/octet-stream"
                };
                let mut resp = raw(200, mime, bytes);
                if let Ok(v) =
                    HeaderValue::from_str(&format!("attachment; filename=\"{name}.{format}\""))
                {
                    resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
                }
                Ok(resp)
            }
            "restore" => {
                let data = files.get("backup_file").ok_or_else(|| {
                    OdooException::new("builtins.Exception", "No backup file was sent")
                })?;
                state.get_mut()?.restore_bytes(&get("name"), data)?;
                Ok(redirect("/web/database/manager"))
            }
            _ => {
                state.get_mut()?.master_password = get("master_pwd_new");
                Ok(redirect("/web/database/manager"))
            }
        }
    })();
    result.unwrap_or_else(|e| failure(action, &e))
}
