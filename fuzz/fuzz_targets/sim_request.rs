//! Any request to any of the simulator's protocol handlers gets an answer,
//! never a panic (the handlers' panic guard would turn one into Werkzeug's
//! 500 page: seen here as a finding), a stack overflow or a hang.
//!
//! Input: one byte picks the route, one the content type and version, the
//! rest is the body.
#![no_main]

use std::sync::OnceLock;

use axum::body::{Body, to_bytes};
use axum::http::{Request, header};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;
use zenoo_sim::{OdooVersion, Sim};

const PATHS: &[&str] = &[
    "/jsonrpc",
    "/xmlrpc/2/object",
    "/xmlrpc/2/common",
    "/xmlrpc/2/db",
    "/xmlrpc/object",
    "/web/session/authenticate",
    "/web/session/get_session_info",
    "/web/dataset/call_kw",
    "/web/database/list",
    "/web/database/restore",
    "/web/database/backup",
    "/json/2/res.partner/search_read",
    "/json/2/res.partner/write",
    "/json/2/sale.order/create",
    "/doc-bearer/res.partner.json",
];

struct Target {
    runtime: tokio::runtime::Runtime,
    apps: [axum::Router; 2],
}

fn target() -> &'static Target {
    static TARGET: OnceLock<Target> = OnceLock::new();
    TARGET.get_or_init(|| {
        let app = |v| {
            Sim::builder()
                .version(v)
                .user("admin", "admin", Some("key-0123456789abcdef0123456789abcdef"))
                .into_router()
                .expect("router")
        };
        Target {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime"),
            apps: [app(OdooVersion::V18), app(OdooVersion::V19)],
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let [route, flags, body @ ..] = data else {
        return;
    };
    let t = target();
    let path = PATHS[*route as usize % PATHS.len()];
    let content_type = match flags & 3 {
        0 => "application/json",
        1 => "text/xml",
        2 => "multipart/form-data; boundary=x",
        _ => "application/x-www-form-urlencoded",
    };
    let app = t.apps[usize::from(flags & 4 != 0)].clone();
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::COOKIE, "session_id=nosuchsession")
        .header(header::AUTHORIZATION, "Bearer key-0123456789abcdef0123456789abcdef")
        .body(Body::from(body.to_vec()))
        .expect("request");
    t.runtime.block_on(async {
        let resp = app.oneshot(request).await.expect("answered");
        let text = to_bytes(resp.into_body(), usize::MAX).await.expect("body");
        assert!(
            !String::from_utf8_lossy(&text).contains("The server encountered an internal error"),
            "{path}: a handler panicked"
        );
    });
});
