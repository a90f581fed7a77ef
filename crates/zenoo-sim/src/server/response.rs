//! Building HTTP responses the way Odoo's werkzeug stack shapes them.

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode, header};
use serde_json::Value;

/// A JSON response.
pub fn json(status: u16, body: &Value) -> Response<Body> {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    raw(status, "application/json; charset=utf-8", bytes)
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
