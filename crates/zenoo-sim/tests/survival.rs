//! The simulator survives what a hostile or buggy client sends.

use serde_json::{Value, json};
use zenoo_sim::{Fault, FaultPlan, Sim};

async fn count(http: &reqwest::Client, url: &str) -> reqwest::Response {
    http.post(format!("{url}/jsonrpc"))
        .json(
            &json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
            "service": "object", "method": "execute_kw",
            "args": ["demo", 2, "admin", "res.partner", "search_count", [[]]]}}),
        )
        .send()
        .await
        .expect("answered")
}

#[tokio::test]
async fn a_panicking_handler_answers_500_and_the_server_keeps_serving() {
    let sim = Sim::builder().start().await.expect("sim");
    let http = reqwest::Client::new();
    sim.set_faults(FaultPlan::script([Some(Fault::Panic)]));
    let r = count(&http, &sim.url()).await;
    assert_eq!(r.status().as_u16(), 500);
    // The state lock the panic poisoned is still usable, on every route.
    for _ in 0..3 {
        let r = count(&http, &sim.url()).await;
        assert_eq!(r.status().as_u16(), 200);
        let v: Value = r.json().await.expect("json");
        assert!(v["result"].as_u64().is_some_and(|n| n > 0), "{v}");
    }
    let r = http
        .get(format!("{}/web/version", sim.url()))
        .send()
        .await
        .expect("answered");
    assert_ne!(r.status().as_u16(), 500);
}

#[tokio::test]
async fn a_huge_declared_body_is_refused_before_it_is_read() {
    let sim = Sim::builder().start().await.expect("sim");
    let addr = sim.addr();
    // Declares 100 GB and sends nothing: the answer comes at once.
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    stream
        .write_all(
            b"POST /jsonrpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000000000\r\n\r\n",
        )
        .await
        .expect("write");
    let mut buf = vec![0u8; 512];
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut buf))
        .await
        .expect("an answer without the body")
        .expect("read");
    let head = String::from_utf8_lossy(&buf[..n]);
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
}

#[tokio::test]
async fn an_offset_beyond_any_number_is_an_empty_page() {
    let sim = Sim::builder().start().await.expect("sim");
    let r = reqwest::Client::new()
        .post(format!("{}/jsonrpc", sim.url()))
        .json(&json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
            "service": "object", "method": "execute_kw",
            "args": ["demo", 2, "admin", "res.partner", "web_search_read", [[]],
                     {"specification": {"name": {}}, "offset": 18446744073709551615_u64, "limit": 5}]}}))
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["result"]["records"], json!([]), "{v}");
}

#[tokio::test]
async fn deeply_nested_xml_rpc_is_a_fault_not_a_crash() {
    let sim = Sim::builder().start().await.expect("sim");
    let deep = format!(
        "<?xml version='1.0'?><methodCall><methodName>version</methodName><params><param>{}<value><int>1</int></value>{}</param></params></methodCall>",
        "<value><array><data>".repeat(200),
        "</data></array></value>".repeat(200)
    );
    let http = reqwest::Client::new();
    for path in ["/xmlrpc/2/common", "/xmlrpc/2/object"] {
        let r = http
            .post(format!("{}{path}", sim.url()))
            .header("Content-Type", "text/xml")
            .body(deep.clone())
            .send()
            .await
            .expect("answered");
        let text = r.text().await.expect("text");
        assert!(text.contains("<fault>"), "{path}: {text}");
    }
    assert_eq!(count(&http, &sim.url()).await.status().as_u16(), 200);
}
