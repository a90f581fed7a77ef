//! The simulator bounds what a client can hold: body size, slow senders,
//! stalled and idle connections, and the number of connections.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use zenoo_sim::{Limits, Sim};

fn quick() -> Limits {
    Limits {
        max_body: 4096,
        header_timeout: Duration::from_millis(400),
        body_timeout: Duration::from_millis(400),
        max_connections: 4,
        ..Limits::default()
    }
}

/// Reads until the server closes; what it sent, and how long that took.
async fn until_closed(stream: &mut TcpStream) -> (String, Duration) {
    let started = Instant::now();
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => all.extend_from_slice(&buf[..n]),
            Err(_) => panic!("the server kept the connection open for 10 s"),
        }
    }
    (
        String::from_utf8_lossy(&all).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test]
async fn connections_that_send_nothing_or_stall_are_closed() {
    let sim = Sim::builder().limits(quick()).start().await.expect("sim");
    // Sends nothing at all.
    let mut silent = TcpStream::connect(sim.addr()).await.expect("connect");
    // Sends half a request head.
    let mut half = TcpStream::connect(sim.addr()).await.expect("connect");
    half.write_all(b"POST /jsonrpc HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("write");
    for stream in [&mut silent, &mut half] {
        let (_, waited) = until_closed(stream).await;
        assert!(waited < Duration::from_secs(5), "closed after {waited:?}");
    }
}

#[tokio::test]
async fn a_body_that_never_arrives_is_a_408_and_a_long_one_a_413() {
    let sim = Sim::builder().limits(quick()).start().await.expect("sim");
    let mut slow = TcpStream::connect(sim.addr()).await.expect("connect");
    slow.write_all(b"POST /jsonrpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"jsonrpc\"")
        .await
        .expect("write");
    let (answer, _) = until_closed(&mut slow).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    // Chunked, so no length is declared: the limit holds while reading.
    let mut long = TcpStream::connect(sim.addr()).await.expect("connect");
    let mut req = b"POST /jsonrpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..4 {
        req.extend_from_slice(b"800\r\n");
        req.extend_from_slice(&[b' '; 0x800]);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\n\r\n");
    let _ = long.write_all(&req).await;
    let mut buf = vec![0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(5), long.read(&mut buf))
        .await
        .expect("answered")
        .expect("read");
    let head = String::from_utf8_lossy(&buf[..n]);
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
}

#[tokio::test]
async fn stalled_clients_cannot_lock_others_out() {
    let sim = Sim::builder().limits(quick()).start().await.expect("sim");
    // More stalled connections than the cap.
    let mut stalled = Vec::new();
    for _ in 0..12 {
        stalled.push(TcpStream::connect(sim.addr()).await.expect("connect"));
    }
    // A real client is served once the stalled ones time out.
    let started = Instant::now();
    let v: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/jsonrpc", sim.url()))
        .json(&serde_json::json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"service": "common", "method": "version", "args": []}}))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .expect("served")
        .json()
        .await
        .expect("json");
    assert!(v["result"]["server_version"].is_string(), "{v}");
    assert!(started.elapsed() < Duration::from_secs(8));
    drop(stalled);
}

#[tokio::test]
async fn idle_kept_alive_connections_are_closed_and_connection_close_is_honoured() {
    let sim = Sim::builder().limits(quick()).start().await.expect("sim");
    let request = b"POST /jsonrpc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 80\r\n\r\n{\"jsonrpc\": \"2.0\", \"method\": \"call\", \"params\": {\"service\": \"common\", \"method\": \"version\"}}";
    let body_len = request.len() - request.iter().position(|b| *b == b'{').expect("body");
    let request = String::from_utf8_lossy(request)
        .replace("Content-Length: 80", &format!("Content-Length: {body_len}"));
    // Keep-alive: answered, then closed once idle past the header timeout.
    let mut kept = TcpStream::connect(sim.addr()).await.expect("connect");
    kept.write_all(request.as_bytes()).await.expect("write");
    let (answer, waited) = until_closed(&mut kept).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        !answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    assert!(
        waited >= Duration::from_millis(300),
        "closed after {waited:?}, before the idle timeout"
    );
    // Like Odoo's werkzeug: every answer closes its connection.
    let sim = Sim::builder()
        .connection_close(true)
        .start()
        .await
        .expect("sim");
    let mut once = TcpStream::connect(sim.addr()).await.expect("connect");
    once.write_all(request.as_bytes()).await.expect("write");
    let (answer, waited) = until_closed(&mut once).await;
    assert!(
        answer.to_ascii_lowercase().contains("connection: close"),
        "{answer}"
    );
    assert!(waited < Duration::from_secs(2), "closed after {waited:?}");
}
