//! Random requests to every protocol's handlers: each gets an answer Odoo
//! could give (never the simulator's panic page), and the server goes on.

use axum::body::{Body, to_bytes};
use axum::http::{Request, header};
use proptest::prelude::*;
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
    "/web/dataset/call_kw/res.partner/search_read",
    "/web/database/list",
    "/web/database/backup",
    "/web/database/restore",
    "/json/2/res.partner/search_read",
    "/json/2/res.partner/write",
    "/json/2/sale.order/create",
    "/doc-bearer/res.partner.json",
    "/web/version",
];

/// JSON-RPC-shaped bodies with random parts, XML-RPC-shaped ones, and noise.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let value = prop_oneof![
        Just("null".to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        "[a-z_.]{0,12}".prop_map(|s| format!("\"{s}\"")),
        Just("[[\"id\", \">\", 1]]".to_string()),
        Just("{\"name\": \"x\"}".to_string()),
        Just("[1, \"abc\", {}, []]".to_string()),
        Just("18446744073709551615".to_string()),
        Just("-1".to_string()),
        Just("\"2024-13-45 99:99:99\"".to_string()),
    ];
    let jsonrpc = (
        "object|common|db|bogus",
        "execute_kw|execute|login|version|list|dump|create_database|drop|authenticate",
        "res\\.partner|sale\\.order|purchase\\.order|purchase\\.order\\.line|res\\.users|product\\.product|ir\\.model|[a-z._]{0,12}",
        "search|search_read|read|write|create|unlink|read_group|name_search|fields_get|web_search_read|copy|action_confirm|button_confirm|has_access",
        proptest::collection::vec(value.clone(), 0..4),
        proptest::collection::vec(("[a-z_]{1,8}", value.clone()), 0..3),
    )
        .prop_map(|(service, method, model, m, args, kwargs)| {
            let kwargs: Vec<String> = kwargs.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
            format!(
                "{{\"jsonrpc\": \"2.0\", \"method\": \"call\", \"id\": 1, \"params\": {{\"service\": \"{service}\", \"method\": \"{method}\", \"model\": \"{model}\", \"args\": [\"demo\", 2, \"admin\", \"{model}\", \"{m}\", [{}], {{{}}}], \"kwargs\": {{{}}}, \"db\": \"demo\", \"login\": \"admin\", \"password\": \"admin\"}}}}",
                args.join(", "),
                kwargs.join(", "),
                kwargs.join(", ")
            )
            .into_bytes()
        });
    let xml = ("[a-z_.]{0,12}", 0usize..300).prop_map(|(method, depth)| {
        format!(
            "<?xml version='1.0'?><methodCall><methodName>{method}</methodName><params><param><value>{}x{}</value></param></params></methodCall>",
            "<array><data><value>".repeat(depth),
            "</value></data></array>".repeat(depth)
        )
        .into_bytes()
    });
    prop_oneof![jsonrpc, xml, proptest::collection::vec(any::<u8>(), 0..300)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("ZENOO_PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(300), ..ProptestConfig::default() })]

    #[test]
    fn any_request_gets_an_odoo_answer(
        path in prop::sample::select(PATHS),
        json in any::<bool>(),
        v19 in any::<bool>(),
        body in body(),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(async {
            let version = if v19 { OdooVersion::V19 } else { OdooVersion::V18 };
            let app = Sim::builder()
                .version(version)
                .user("admin", "admin", Some("key-0123456789abcdef0123456789abcdef"))
                .into_router()
                .expect("router");
            let content_type = if json { "application/json" } else if path.starts_with("/xmlrpc") { "text/xml" } else { "application/x-www-form-urlencoded" };
            let request = Request::post(path)
                .header(header::CONTENT_TYPE, content_type)
                .header(header::AUTHORIZATION, "Bearer key-0123456789abcdef0123456789abcdef")
                .body(Body::from(body.clone()))
                .expect("request");
            let resp = app.clone().oneshot(request).await.expect("answered");
            let status = resp.status().as_u16();
            let text = to_bytes(resp.into_body(), usize::MAX).await.expect("body");
            let text = String::from_utf8_lossy(&text);
            prop_assert!(
                !text.contains("The server encountered an internal error"),
                "{path} answered the panic page for {:?}", String::from_utf8_lossy(&body)
            );
            prop_assert!(
                matches!(status, 200 | 303 | 400 | 401 | 403 | 404 | 405 | 413 | 415 | 422 | 500),
                "{path}: {status}"
            );
            // The server still answers a normal call after that one.
            let ok = Request::post("/jsonrpc")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"jsonrpc": "2.0", "method": "call", "params": {"service": "common", "method": "version", "args": []}}"#))
                .expect("request");
            let resp = app.oneshot(ok).await.expect("answered");
            prop_assert_eq!(resp.status().as_u16(), 200);
            Ok(())
        })?;
    }
}
