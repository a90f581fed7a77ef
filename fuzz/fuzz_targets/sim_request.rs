//! Any request to any of the simulator's protocol handlers gets an answer,
//! never a panic (the handlers' panic guard would turn one into Werkzeug's
//! 500 page: seen here as a finding), a stack overflow or a hang.
//!
//! Input: one byte picks the route, one the content type, the version and
//! a generator, the rest is the body or the generator's parameters. The
//! generators make the shapes that once overflowed the stack: element
//! nesting with namespace prefixes (arrays and structs), long chains of
//! prefix operators in a domain, deep JSON. Requests are served on a
//! runtime whose one worker has a small stack, so that a recursion an
//! input can deepen shows at once.
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

/// The serving thread's stack: the 256 KiB the simulator's tests use,
/// doubled for AddressSanitizer, whose redzones about double every frame.
const STACK: usize = 512 * 1024;

struct Target {
    runtime: tokio::runtime::Runtime,
    apps: [axum::Router; 2],
}

/// A body of one of the hostile shapes, from `params`.
fn generated(kind: u8, params: &[u8]) -> Vec<u8> {
    let [a, b, rest @ ..] = params else {
        return Vec::new();
    };
    let n = usize::from(*a) << 8 | usize::from(*b);
    // Past every limit (481 levels of domain, 304 elements, 128 JSON
    // levels), small enough to keep the fuzzer quick.
    let n = n.min(5_000);
    let prefix: String = rest
        .iter()
        .take(4)
        .map(|c| char::from(b'a' + c % 26))
        .collect();
    let tag = |name: &str| {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}:{name}")
        }
    };
    match kind {
        // Arrays or structs nested n deep, element names prefixed.
        1 => {
            let (open, close) = if rest.first().is_some_and(|c| c % 2 == 0) {
                (
                    format!(
                        "<{v}><{a}><{d}>",
                        v = tag("value"),
                        a = tag("array"),
                        d = tag("data")
                    ),
                    format!(
                        "</{d}></{a}></{v}>",
                        v = tag("value"),
                        a = tag("array"),
                        d = tag("data")
                    ),
                )
            } else {
                (
                    format!(
                        "<{v}><{s}><{m}><{k}>k</{k}>",
                        v = tag("value"),
                        s = tag("struct"),
                        m = tag("member"),
                        k = tag("name")
                    ),
                    format!(
                        "</{m}></{s}></{v}>",
                        v = tag("value"),
                        s = tag("struct"),
                        m = tag("member")
                    ),
                )
            };
            format!(
                "<?xml version='1.0'?><methodCall><methodName>execute_kw</methodName><params><param>{}<value><int>1</int></value>{}</param></params></methodCall>",
                open.repeat(n),
                close.repeat(n)
            )
            .into_bytes()
        }
        // n prefix operators, picked by the bytes that follow, over n + 1
        // leaves, in an execute_kw search_count.
        2 => {
            let ops: Vec<&str> = (0..n)
                .map(
                    |i| match rest.get(i % rest.len().max(1)).copied().unwrap_or(i as u8) % 3 {
                        0 => "&",
                        1 => "|",
                        _ => "!",
                    },
                )
                .collect();
            let mut domain: Vec<serde_json::Value> =
                ops.iter().map(|o| serde_json::json!(o)).collect();
            domain.extend((0..=n).map(|i| serde_json::json!(["id", ">", i % 7])));
            serde_json::json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
                "service": "object", "method": "execute_kw",
                "args": ["demo", 2, "admin", "res.partner", "search_count", [domain]],
                "model": "res.partner", "kwargs": {"domain": []}}})
            .to_string()
            .into_bytes()
        }
        // JSON nested n deep.
        _ => format!("{}{}", "[".repeat(n), "]".repeat(n)).into_bytes(),
    }
}

fn target() -> &'static Target {
    static TARGET: OnceLock<Target> = OnceLock::new();
    TARGET.get_or_init(|| {
        let app = |v| {
            Sim::builder()
                .version(v)
                .user(
                    "admin",
                    "admin",
                    Some("key-0123456789abcdef0123456789abcdef"),
                )
                .into_router()
                .expect("router")
        };
        Target {
            runtime: tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_stack_size(STACK)
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
    let mut path = PATHS[*route as usize % PATHS.len()];
    let kind = (flags >> 3) & 3;
    let content_type = match match kind {
        1 => 1,
        2 => 0,
        _ => flags & 3,
    } {
        0 => "application/json",
        1 => "text/xml",
        2 => "multipart/form-data; boundary=x",
        _ => "application/x-www-form-urlencoded",
    };
    let app = t.apps[usize::from(flags & 4 != 0)].clone();
    // A generated shape goes where it is read: XML to XML-RPC, a domain to
    // JSON-RPC; deep JSON anywhere.
    match kind {
        1 => {
            path = if route % 2 == 0 {
                "/xmlrpc/2/object"
            } else {
                "/xmlrpc/2/common"
            }
        }
        2 => path = "/jsonrpc",
        _ => {}
    }
    let body = match kind {
        0 => body.to_vec(),
        kind => generated(kind, body),
    };
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::COOKIE, "session_id=nosuchsession")
        .header(
            header::AUTHORIZATION,
            "Bearer key-0123456789abcdef0123456789abcdef",
        )
        .body(Body::from(body))
        .expect("request");
    // Served on the small-stack worker; this thread only waits.
    let served = t.runtime.spawn(async move {
        let resp = app.oneshot(request).await.expect("answered");
        to_bytes(resp.into_body(), usize::MAX).await.expect("body")
    });
    let text = t.runtime.block_on(served).expect("the worker survived");
    assert!(
        !String::from_utf8_lossy(&text).contains("The server encountered an internal error"),
        "{path}: a handler panicked"
    );
});
