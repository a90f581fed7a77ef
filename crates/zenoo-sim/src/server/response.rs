//! Building HTTP responses the way Odoo's werkzeug stack shapes them.

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode, header};
use serde_json::Value;

/// A JSON response, written as Odoo writes it: Python's
/// `json.dumps(data, ensure_ascii=False)`, so with `", "` and `": "`
/// between items and non-ASCII text as UTF-8.
pub fn json(status: u16, body: &Value) -> Response<Body> {
    raw(status, "application/json; charset=utf-8", python_json(body))
}

/// `json.dumps(value, ensure_ascii=False)`.
pub fn python_json(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    match serde::Serialize::serialize(value, &mut ser) {
        Ok(()) => out,
        Err(_) => b"null".to_vec(),
    }
}

/// Python's default separators.
struct PythonFormatter;

impl serde_json::ser::Formatter for PythonFormatter {
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first { Ok(()) } else { w.write_all(b", ") }
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }
}

/// A response with a content type and body.
pub fn raw(status: u16, content_type: &str, body: impl Into<Body>) -> Response<Body> {
    let mut resp = Response::new(body.into());
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp
}

/// An HTML error page as werkzeug renders it.
pub fn html_error(status: u16, title: &str, description: &str) -> Response<Body> {
    let body = format!(
        "<!doctype html>\n<html lang=en>\n<title>{status} {title}</title>\n<h1>{title}</h1>\n<p>{description}</p>\n"
    );
    raw(status, "text/html; charset=utf-8", body)
}

/// Escapes text for HTML like werkzeug's `escape`.
pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// Adds the `session_id` cookie.
pub fn set_session_cookie(resp: &mut Response<Body>, sid: &str) {
    let cookie = format!(
        "session_id={sid}; Expires=Fri, 01 Jan 2100 00:00:00 GMT; Max-Age=604800; HttpOnly; Path=/"
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}
