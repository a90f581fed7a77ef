//! What only a real Odoo (or a misbehaving server) shows: byte layouts,
//! XML-RPC types, dumps that fail, huge and endless bodies, stalls, HTML
//! error pages, credentials in URLs, deep nesting.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Response, StatusCode, header};
use bytes::Bytes;
use serde_json::{Value, json};
use zenoo_rpc::db::{DbService, DumpFormat};
use zenoo_rpc::{Binary, Client, Datetime, ErrorKind, OdooErrorKind, ProtocolKind};
use zenoo_sim::{OdooVersion, Sim};

mod common;

/// What a scripted server answers to one request: the request's path and
/// body in, a response out.
type Script = Arc<dyn Fn(&str, &str) -> Response<Body> + Send + Sync>;

fn respond(status: u16, content_type: &str, body: impl Into<Body>) -> Response<Body> {
    let mut r = Response::new(body.into());
    *r.status_mut() = StatusCode::from_u16(status).expect("status");
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        content_type.parse().expect("content type"),
    );
    r
}

fn json_result(result: Value) -> Response<Body> {
    respond(
        200,
        "application/json",
        json!({"jsonrpc": "2.0", "id": 1, "result": result}).to_string(),
    )
}

fn xml_response(value: &str) -> Response<Body> {
    respond(
        200,
        "text/xml",
        format!(
            "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n{value}</param>\n</params>\n</methodResponse>\n"
        ),
    )
}

/// A server that logs in anyone (JSON-RPC and XML-RPC, Odoo 18) and hands
/// every other request to `script`.
async fn scripted(script: Script) -> String {
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let script = script.clone();
        async move {
            let path = req.uri().path().to_string();
            let bytes = axum::body::to_bytes(req.into_body(), 1 << 20)
                .await
                .unwrap_or_default();
            let body = String::from_utf8_lossy(&bytes).into_owned();
            if path == "/jsonrpc" && body.contains("\"version\"") {
                return json_result(
                    json!({"server_version": "18.0", "server_version_info": [18, 0, 0, "final", 0, ""]}),
                );
            }
            if path == "/jsonrpc" && body.contains("\"authenticate\"") {
                return json_result(json!(2));
            }
            if path == "/jsonrpc" && body.contains("\"context_get\"") {
                return json_result(json!({"lang": "en_US", "tz": "UTC"}));
            }
            if path == "/xmlrpc/2/common" && body.contains("authenticate") {
                return xml_response("<value><int>2</int></value>\n");
            }
            if path == "/xmlrpc/2/object" && body.contains("context_get") {
                return xml_response(
                    "<value><struct>\n<member>\n<name>lang</name>\n<value><string>en_US</string></value>\n</member>\n</struct></value>\n",
                );
            }
            script(&path, &body)
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

async fn login(url: &str, protocol: ProtocolKind) -> zenoo_rpc::ClientBuilder {
    Client::builder(url)
        .database("demo")
        .password("admin", "admin")
        .protocol(protocol)
}

/// Logs in to `url` over `protocol` and calls `res.partner.<method>`,
/// which must fail.
async fn failing_call(url: &str, protocol: ProtocolKind, method: &str) -> zenoo_rpc::Error {
    // Each answer is judged once: retries are tested in tests/layers.rs.
    let c = login(url, protocol)
        .await
        .retry(zenoo_rpc::RetryPolicy::none())
        .build()
        .await
        .expect("login");
    c.execute_kw::<Value>("res.partner", method, vec![], Default::default())
        .await
        .expect_err("the call fails")
}

/// Every message of an error and its sources, as a CLI prints them.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut at = e.source();
    while let Some(s) = at {
        out.push_str(": ");
        out.push_str(&s.to_string());
        at = s.source();
    }
    out
}

#[tokio::test]
async fn dumps_stream_whatever_the_json_layout() {
    // Real Odoo writes `"result": "` (Python's separators): a client that
    // scans for `"result":"` buffers the whole dump and then fails.
    let sim = Sim::builder().start().await.expect("sim");
    let raw = reqwest::Client::new()
        .post(format!("{}/jsonrpc", sim.url()))
        .header("Content-Type", "application/json")
        .body(
            json!({"jsonrpc": "2.0", "method": "call", "id": 1,
                   "params": {"service": "db", "method": "dump", "args": ["admin", "demo", "zip"]}})
            .to_string(),
        )
        .send()
        .await
        .expect("raw dump")
        .bytes()
        .await
        .expect("body");
    let text = String::from_utf8_lossy(&raw);
    assert!(
        text.contains("\"result\": \""),
        "Odoo's layout: {}",
        &text[..60.min(text.len())]
    );
    assert!(!text.contains("\"result\":\""));
    let b64 = text
        .split("\"result\": \"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("result text");
    use base64::Engine;
    let expected = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("base64");

    let dbs = DbService::new(&sim.url(), "admin").expect("service");
    let mut out = Vec::new();
    let n = dbs
        .dump("demo", DumpFormat::Zip, &mut out, |_| {})
        .await
        .expect("dump");
    assert_eq!(n as usize, expected.len());
    assert_eq!(out, expected);

    // An error envelope in place of the result is still the typed error.
    let bad = DbService::new(&sim.url(), "wrong").expect("service");
    let e = bad
        .dump("demo", DumpFormat::Zip, &mut Vec::new(), |_| {})
        .await
        .expect_err("wrong master password");
    assert_eq!(e.odoo_kind(), Some(OdooErrorKind::AccessDenied), "{e}");
}

#[tokio::test]
async fn a_failed_dump_to_a_file_leaves_the_old_backup() {
    let sim = Sim::builder().start().await.expect("sim");
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("backup.zip");
    std::fs::write(&path, b"the good backup").expect("write");
    for (master, db) in [("wrong", "demo"), ("admin", "no_such_db")] {
        let dbs = DbService::new(&sim.url(), master).expect("service");
        let e = dbs
            .dump_to_file(db, DumpFormat::Zip, &path, |_| {})
            .await
            .expect_err("the dump fails");
        assert!(e.odoo().is_some(), "{e}");
        assert_eq!(std::fs::read(&path).expect("read"), b"the good backup");
    }
    let dbs = DbService::new(&sim.url(), "admin").expect("service");
    let n = dbs
        .dump_to_file("demo", DumpFormat::Zip, &path, |_| {})
        .await
        .expect("dump");
    assert_eq!(std::fs::metadata(&path).expect("meta").len(), n);
    // Only the backup is left: no temporary files beside it.
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
}

#[tokio::test]
async fn xmlrpc_datetimes_and_binaries_decode_as_odoo_json_values() {
    let url = scripted(Arc::new(|path, _| {
        assert_eq!(path, "/xmlrpc/2/object");
        xml_response(
            "<value><array><data>\n<value><struct>\n<member>\n<name>id</name>\n<value><int>1</int></value>\n</member>\n\
             <member>\n<name>when</name>\n<value><dateTime.iso8601>20240131T13:45:00</dateTime.iso8601></value>\n</member>\n\
             <member>\n<name>file</name>\n<value><base64>\n/9j/4AAQ\n</base64></value>\n</member>\n\
             </struct></value>\n</data></array></value>\n",
        )
    }))
    .await;
    let c = login(&url, ProtocolKind::XmlRpc)
        .await
        .build()
        .await
        .expect("login");
    #[derive(serde::Deserialize)]
    struct Row {
        id: i64,
        when: Datetime,
        file: Binary,
    }
    let rows: Vec<Row> = c
        .read("res.partner", &[1], &["when", "file"], Default::default())
        .await
        .expect("read");
    assert_eq!(rows[0].id, 1);
    assert_eq!(rows[0].when.to_string(), "2024-01-31 13:45:00");
    // Not lossy UTF-8: the bytes as sent (a JPEG's first bytes).
    assert_eq!(rows[0].file.0, vec![0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10u8]);
    let raw: Vec<Value> = c
        .read("res.partner", &[1], &["when"], Default::default())
        .await
        .expect("read");
    assert_eq!(raw[0]["when"], "2024-01-31 13:45:00");
    assert_eq!(raw[0]["file"], "/9j/4AAQ");
}

#[tokio::test]
async fn deep_responses_are_errors_not_crashes() {
    let url = scripted(Arc::new(|path, _| {
        let depth = 1000;
        if path == "/xmlrpc/2/object" {
            xml_response(&format!(
                "{}<value><int>1</int></value>{}",
                "<value><array><data>".repeat(depth),
                "</data></array></value>".repeat(depth)
            ))
        } else {
            json_result(serde_json::from_str::<Value>("[]").expect("json")).map(|_| {
                Body::from(format!(
                    "{{\"jsonrpc\": \"2.0\", \"id\": 1, \"result\": {}1{}}}",
                    "[".repeat(100_000),
                    "]".repeat(100_000)
                ))
            })
        }
    }))
    .await;
    for protocol in [ProtocolKind::XmlRpc, ProtocolKind::JsonRpc] {
        let e = failing_call(&url, protocol, "deep").await;
        assert!(
            matches!(e.kind(), ErrorKind::Decode | ErrorKind::MalformedResponse),
            "{protocol:?}: {e}"
        );
    }
}

#[tokio::test]
async fn endless_and_huge_bodies_stop_at_the_limit() {
    let url = scripted(Arc::new(|_, body| {
        if body.contains("endless") {
            let chunk = Bytes::from(vec![b' '; 64 * 1024]);
            let stream =
                futures_util::stream::repeat_with(move || Ok::<_, std::io::Error>(chunk.clone()));
            respond(200, "application/json", Body::from_stream(stream))
        } else {
            let stream = futures_util::stream::pending::<Result<Bytes, std::io::Error>>();
            let mut r = respond(200, "application/json", Body::from_stream(stream));
            r.headers_mut()
                .insert(header::CONTENT_LENGTH, "999999999999".parse().expect("len"));
            r
        }
    }))
    .await;
    let c = login(&url, ProtocolKind::JsonRpc)
        .await
        .max_response_size(1 << 20)
        .build()
        .await
        .expect("login");
    let e = c
        .execute_kw::<Value>("res.partner", "endless", vec![], Default::default())
        .await
        .expect_err("endless body");
    assert_eq!(e.kind(), ErrorKind::ResponseTooLarge, "{e}");
    assert!(e.to_string().contains("1048576 bytes"), "{e}");
    let started = Instant::now();
    let e = c
        .execute_kw::<Value>("res.partner", "huge", vec![], Default::default())
        .await
        .expect_err("huge body");
    assert_eq!(e.kind(), ErrorKind::ResponseTooLarge, "{e}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn the_timeout_is_the_documented_one() {
    let url = scripted(Arc::new(|_, _| {
        // Headers at once, then a body that never ends and never arrives.
        let stream = futures_util::stream::pending::<Result<Bytes, std::io::Error>>();
        respond(200, "application/json", Body::from_stream(stream))
    }))
    .await;
    let c = login(&url, ProtocolKind::JsonRpc)
        .await
        .timeout(Duration::from_millis(2000))
        .build()
        .await
        .expect("login");
    let started = Instant::now();
    let e = c
        .execute_kw::<Value>("res.partner", "stall", vec![], Default::default())
        .await
        .expect_err("stalls");
    let took = started.elapsed();
    assert!(e.is_timeout(), "{e}");
    assert!(
        // The deadline, not twice it (nor the body's arrival, which never comes).
        took >= Duration::from_millis(2000) && took < Duration::from_millis(3500),
        "{took:?}"
    );
}

#[tokio::test]
async fn html_error_pages_become_one_line() {
    let page = format!(
        "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body>{}</body></html>",
        "<p>nginx says no</p>\n".repeat(500)
    );
    let kept = page.clone();
    let url = scripted(Arc::new(move |_, _| {
        respond(502, "text/html", kept.clone())
    }))
    .await;
    let e = failing_call(&url, ProtocolKind::JsonRpc, "search_count").await;
    assert_eq!(e.status_code(), Some(502));
    let msg = e.to_string();
    assert!(msg.ends_with(": 502 Bad Gateway"), "{msg}");
    assert!(msg.len() < 200, "{msg}");
    assert_eq!(e.response_body(), Some(page.as_bytes()));
}

#[tokio::test]
async fn passwords_in_urls_are_never_shown() {
    // Nothing listens on port 9 of loopback.
    let e = Client::builder("http://alice:s3cr3t@127.0.0.1:9")
        .database("demo")
        .password("admin", "admin")
        .build()
        .await
        .expect_err("unreachable");
    let shown = format!("{} | {e:?} | {}", chain(&e), e.url().unwrap_or(""));
    assert!(
        !shown.contains("s3cr3t") && !shown.contains("alice"),
        "{shown}"
    );
    assert!(shown.contains("***@127.0.0.1"), "{shown}");
    let e = Client::builder("http://alice:s3cr3t@[::1")
        .build()
        .await
        .expect_err("not a URL");
    assert!(!e.to_string().contains("s3cr3t"), "{e}");
    // A redirect to a URL with credentials.
    let url = scripted(Arc::new(|_, _| {
        let mut r = respond(301, "text/html", "moved");
        r.headers_mut().insert(
            header::LOCATION,
            "https://bob:hunter2@odoo.example.com/jsonrpc"
                .parse()
                .expect("loc"),
        );
        r
    }))
    .await;
    let e = failing_call(&url, ProtocolKind::JsonRpc, "x").await;
    assert!(!chain(&e).contains("hunter2"), "{e}");
    assert!(e.to_string().contains("odoo.example.com"), "{e}");
}

#[tokio::test]
async fn file_errors_name_the_file_once() {
    let sim = Sim::builder().start().await.expect("sim");
    let dbs = DbService::new(&sim.url(), "admin").expect("service");
    let e = dbs
        .restore(
            "x",
            std::path::Path::new("/nonexistent/missing.zip"),
            |_| {},
        )
        .await
        .expect_err("missing file");
    let msg = chain(&e);
    assert_eq!(msg.matches("/nonexistent/missing.zip").count(), 1, "{msg}");
    assert_eq!(msg.matches("os error 2").count(), 1, "{msg}");
}

#[tokio::test]
async fn the_simulator_writes_json_and_xml_as_odoo_does() {
    let sim = Sim::builder()
        .version(OdooVersion::V18)
        .start()
        .await
        .expect("sim");
    let post = |path: &str, content_type: &'static str, body: &'static str| {
        let url = format!("{}{path}", sim.url());
        async move {
            reqwest::Client::new()
                .post(url)
                .header("Content-Type", content_type)
                .body(body)
                .send()
                .await
                .expect("post")
                .text()
                .await
                .expect("text")
        }
    };
    let json = post(
        "/jsonrpc",
        "application/json",
        r#"{"jsonrpc":"2.0","method":"call","id":1,"params":{"service":"common","method":"version","args":[]}}"#,
    )
    .await;
    assert!(
        json.starts_with("{\"jsonrpc\": \"2.0\", \"id\": 1, \"result\": {"),
        "{json}"
    );
    let xml = post(
        "/xmlrpc/2/common",
        "text/xml",
        "<?xml version='1.0'?><methodCall><methodName>version</methodName><params></params></methodCall>",
    )
    .await;
    assert!(
        xml.starts_with("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><struct>\n<member>\n<name>"),
        "{xml}"
    );
}

/// Fills `db` with `megabytes` partners of one MiB of notes each.
fn grow(sim: &zenoo_sim::SimHandle, megabytes: usize) {
    let notes = "zenoo dump filler ".repeat(1024 * 1024 / 18);
    for start in (0..megabytes).step_by(10) {
        let rows: Vec<Value> = (start..(start + 10).min(megabytes))
            .map(|i| json!({"name": format!("Bulk {i}"), "comment": notes}))
            .collect();
        sim.execute(
            "demo",
            2,
            "res.partner",
            "create",
            vec![Value::Array(rows)],
            Default::default(),
        )
        .expect("bulk partners");
    }
}

/// A dump of about `megabytes` MiB through `routes`, restored and checked,
/// each step under a deadline: a pipeline that waits on itself hangs
/// (seen on a real Odoo 18 with a 1.2 MB dump), it does not fail.
async fn dump_and_restore(megabytes: usize, routes: zenoo_rpc::db::DbRoutes, deadline: Duration) {
    let sim = Sim::builder().start().await.expect("sim");
    grow(&sim, megabytes);
    let dbs = DbService::new(&sim.url(), "admin")
        .expect("service")
        .routes(routes);
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("big.zip");
    let written = tokio::time::timeout(
        deadline,
        dbs.dump_to_file("demo", DumpFormat::Zip, &path, |_| {}),
    )
    .await
    .unwrap_or_else(|_| panic!("a {megabytes} MiB dump took over {deadline:?}"))
    .expect("dump");
    assert!(
        written >= (megabytes as u64) << 20,
        "{written} bytes for {megabytes} MiB of notes"
    );
    assert_eq!(std::fs::metadata(&path).expect("dump file").len(), written);
    tokio::time::timeout(deadline, dbs.restore("copy", &path, |_| {}))
        .await
        .unwrap_or_else(|_| panic!("restoring {megabytes} MiB took over {deadline:?}"))
        .expect("restore");
    let c = Client::builder(&sim.url())
        .database("copy")
        .password("admin", "admin")
        .build()
        .await
        .expect("login on the copy");
    let bulk = json!([["name", "=like", "Bulk %"]]);
    assert_eq!(
        c.search_count("res.partner", bulk.clone())
            .await
            .expect("count"),
        megabytes as u64
    );
    let rows: Vec<Value> = c
        .search_read(
            "res.partner",
            bulk,
            &["comment"],
            zenoo_rpc::SearchOptions::new().limit(1),
        )
        .await
        .expect("read back");
    assert_eq!(
        rows[0]["comment"].as_str().map(str::len),
        Some(1024 * 1024 / 18 * 18),
        "the notes came back whole"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_megabyte_dump_round_trips_over_rpc() {
    dump_and_restore(1, zenoo_rpc::db::DbRoutes::Rpc, Duration::from_secs(30)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fifty_megabyte_dump_round_trips_over_rpc() {
    dump_and_restore(50, zenoo_rpc::db::DbRoutes::Rpc, Duration::from_secs(120)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_five_hundred_megabyte_dump_round_trips() {
    // Over Odoo's 128 MiB request limit, the restore takes the upload form.
    dump_and_restore(500, zenoo_rpc::db::DbRoutes::Auto, Duration::from_secs(600)).await;
}

#[tokio::test]
async fn an_unknown_model_or_field_means_the_same_on_every_protocol() {
    for (version, protocol) in [
        (OdooVersion::V18, ProtocolKind::Auto),
        (OdooVersion::V18, ProtocolKind::WebSession),
        (OdooVersion::V18, ProtocolKind::JsonRpc),
        (OdooVersion::V18, ProtocolKind::XmlRpc),
        (OdooVersion::V19, ProtocolKind::Json2),
    ] {
        let key = "key-0123456789abcdef0123456789abcdef";
        let sim = Sim::builder()
            .version(version)
            .user("admin", "admin", Some(key))
            .start()
            .await
            .expect("sim");
        let b = Client::builder(&sim.url())
            .database("demo")
            .protocol(protocol);
        let c = if protocol == ProtocolKind::Json2 {
            b.api_key("admin", key)
        } else {
            b.password("admin", "admin")
        }
        .build()
        .await
        .expect("login");
        common::check_unknown_names(&format!("{protocol:?}"), &c).await;
        // Nothing near: no guess.
        let e = c
            .search_count("no.such.model", json!([]))
            .await
            .expect_err("no such model");
        assert_eq!(c.did_you_mean(&e).await, None, "{protocol:?}");
    }
}

#[tokio::test]
async fn a_dump_may_start_later_than_a_call_may_take() {
    // Odoo builds a dump whole before its first byte: that wait is the
    // database service's operation timeout, not the client's.
    let sim = Sim::builder().start().await.expect("sim");
    let c = Client::builder(&sim.url())
        .database("demo")
        .password("admin", "admin")
        .timeout(Duration::from_millis(500))
        .retry(zenoo_rpc::RetryPolicy::none())
        .build()
        .await
        .expect("login");
    let slow = || {
        zenoo_sim::FaultPlan::script([Some(zenoo_sim::Fault::Latency(Duration::from_millis(1500)))])
    };
    sim.set_faults(slow());
    let e = c
        .search_count("res.partner", json!([]))
        .await
        .expect_err("a call slower than the timeout");
    assert!(e.is_timeout(), "{e}");
    for routes in [zenoo_rpc::db::DbRoutes::Rpc, zenoo_rpc::db::DbRoutes::Web] {
        let dbs = c
            .database_service("admin")
            .routes(routes)
            .operation_timeout(Duration::from_secs(10));
        sim.set_faults(slow());
        let mut out = Vec::new();
        let n = dbs
            .dump("demo", DumpFormat::Zip, &mut out, |_| {})
            .await
            .unwrap_or_else(|e| panic!("{routes:?}: {e}"));
        assert!(n > 1000 && out.starts_with(b"PK"), "{routes:?}");
        // With the client's timeout for the whole operation it fails.
        sim.set_faults(slow());
        let e = c
            .database_service("admin")
            .routes(routes)
            .operation_timeout(Duration::from_millis(500))
            .dump("demo", DumpFormat::Zip, &mut Vec::new(), |_| {})
            .await
            .expect_err("too slow to start");
        assert!(e.is_timeout(), "{routes:?}: {e}");
    }
}
