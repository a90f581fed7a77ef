//! Live events: the WebSocket (each client hears its own orders, a slow
//! one is dropped) and the signed outgoing webhooks.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Server, Socket, order};
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use zenoo_server::principal::Scope;
use zenoo_server::subscribers::{self, Verifier};

/// One delivery as the receiver got it: headers and body.
type Delivery = (axum::http::HeaderMap, Vec<u8>);

async fn connect(s: &Server, token: &str) -> Socket {
    common::try_ws(s.running().addr, token)
        .await
        .expect("connect")
}

/// The next event (skipping pings), or `None` after `wait`.
async fn next_event(ws: &mut Socket, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => return serde_json::from_str(&t).ok(),
            Ok(Some(Ok(_))) => continue,
            _ => return None,
        }
    }
}

#[tokio::test]
async fn each_client_hears_the_events_of_its_orders_only() {
    let s = Server::start("").await;
    let admin = s.admin().await;
    let alpenrose = s
        .key(&[Scope::OrdersRead], Some(&["Alpenrose Dairy"]))
        .await;
    let mut all = connect(&s, &admin).await;
    let mut mine = connect(&s, &alpenrose).await;
    // A key without orders:read cannot subscribe; nor can nobody.
    let writer = s.key(&[Scope::ConflictsResolve], None).await;
    let mut rq = format!("ws://{}/ws", s.running().addr)
        .into_client_request()
        .expect("rq");
    rq.headers_mut().insert(
        "authorization",
        format!("Bearer {writer}").parse().expect("h"),
    );
    assert!(
        tokio_tungstenite::connect_async(rq).await.is_err(),
        "403 refuses the upgrade"
    );
    assert!(
        tokio_tungstenite::connect_async(format!("ws://{}/ws", s.running().addr))
            .await
            .is_err()
    );

    let (_, other) = s
        .post("/orders", &admin, order("Northwind Looms", 1.0))
        .await;
    let (_, own) = s
        .post("/orders", &admin, order("Alpenrose Dairy", 1.0))
        .await;
    // The admin hears both orders; the limited key only its supplier's,
    // through to the sync.
    let mut heard_all = std::collections::HashSet::new();
    while heard_all.len() < 2 {
        let e = next_event(&mut all, Duration::from_secs(10))
            .await
            .expect("an event");
        heard_all.insert(e["order"].as_str().expect("order").to_string());
    }
    let mut names = Vec::new();
    while !names.contains(&"synced".to_string()) {
        let e = next_event(&mut mine, Duration::from_secs(10))
            .await
            .expect("an event");
        assert_eq!(e["order"], own["uuid"], "only its own orders: {e}");
        assert_eq!(e["supplier_ref"], "Alpenrose Dairy");
        names.push(e["event"].as_str().expect("name").to_string());
    }
    assert_eq!(
        names.first().map(String::as_str),
        Some("created"),
        "{names:?}"
    );
    assert!(heard_all.contains(other["uuid"].as_str().expect("uuid")));
    // Nothing of the other supplier comes later either.
    while let Some(e) = next_event(&mut mine, Duration::from_millis(300)).await {
        assert_eq!(e["order"], own["uuid"]);
    }
    // A browser passes its token in the query.
    let url = format!("ws://{}/ws?access_token={alpenrose}", s.running().addr);
    assert!(tokio_tungstenite::connect_async(url).await.is_ok());
    s.stop().await;
}

#[tokio::test]
async fn a_slow_consumer_is_dropped_not_buffered() {
    let s = Server::start("[events]\nqueue = 16\n").await;
    let admin = s.admin().await;
    let mut slow = connect(&s, &admin).await;
    let mut fine = connect(&s, &admin).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Far more than socket buffers and the queue hold, while the slow
    // client reads nothing; a big error text makes each event heavy.
    let hub = s.running().hub.clone();
    let total: u32 = 20_000;
    let error = "x".repeat(2000);
    let fine_reader = tokio::spawn(async move {
        let mut n = 0;
        while let Ok(Some(Ok(m))) = tokio::time::timeout(Duration::from_secs(5), fine.next()).await
        {
            if m.is_text() {
                n += 1;
                if n == total {
                    break;
                }
            }
        }
        n
    });
    for i in 0..total {
        hub.publish(zenoo_server::events::Envelope {
            event: serde_json::from_value(
                json!({"event": "failed", "order": uuid::Uuid::new_v4(), "error": error}),
            )
            .expect("event"),
            supplier_ref: Some("Alpenrose Dairy".into()),
            instance: "test".into(),
            at: i64::from(i),
        });
        // Paced (20,000 a second) so that a reading client keeps up even
        // on a busy machine; the slow one still fills its socket and queue.
        if i % 100 == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    // A client that reads keeps everything.
    assert_eq!(fine_reader.await.expect("reader"), total);
    // Now read: some events, then the end, well short of everything.
    let mut received = 0;
    let mut close_code = None;
    loop {
        match tokio::time::timeout(Duration::from_secs(10), slow.next()).await {
            Ok(Some(Ok(Message::Text(_)))) => received += 1,
            Ok(Some(Ok(Message::Close(f)))) => {
                close_code = f.map(|f| u16::from(f.code));
                break;
            }
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(_)) | None) => break,
            Err(_) => panic!("the slow client was never dropped ({received} events read)"),
        }
    }
    eprintln!("slow client: {received} of {total} events, then close {close_code:?}");
    assert!(
        received < total,
        "the server buffered everything: {received}"
    );
    if let Some(code) = close_code {
        assert_eq!(code, zenoo_server::ws::SLOW_CONSUMER);
    }
    let _ = slow.close(None).await;
    s.stop().await;
}

#[tokio::test]
async fn subscribers_get_signed_events_and_replays_are_refused() {
    // A receiver that checks every delivery with the crate's verifier.
    let secret = "a-subscriber-secret-of-at-least-32-bytes";
    let verifier = Arc::new(Verifier::new(
        secret.as_bytes().to_vec(),
        Duration::from_secs(300),
    ));
    let got: Arc<Mutex<Vec<Delivery>>> = Arc::default();
    let (v, g) = (verifier.clone(), got.clone());
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let (v, g) = (v.clone(), g.clone());
                async move {
                    match v.verify(&headers, &body) {
                        Ok(()) => {
                            g.lock().expect("lock").push((headers, body.to_vec()));
                            axum::http::StatusCode::NO_CONTENT
                        }
                        Err(_) => axum::http::StatusCode::UNAUTHORIZED,
                    }
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let hook = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    let extra = format!(
        "[[subscribers]]\nurl = \"{hook}\"\nsecret = \"{secret}\"\nevents = [\"created\", \"synced\"]\n"
    );
    let s = Server::start(&extra).await;
    let admin = s.admin().await;
    let (_, created) = s
        .post("/orders", &admin, order("Alpenrose Dairy", 1.0))
        .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let deliveries = loop {
        let d = got.lock().expect("lock").clone();
        if d.iter()
            .any(|(_, b)| String::from_utf8_lossy(b).contains("\"synced\""))
        {
            break d;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no synced event delivered"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    for (_, body) in &deliveries {
        let e: Value = serde_json::from_slice(body).expect("json");
        assert_eq!(e["order"], created["uuid"]);
        assert!(
            ["created", "synced"].contains(&e["event"].as_str().unwrap_or_default()),
            "filtered: {e}"
        );
    }

    // The same delivery again: a replay. Posted as an attacker would.
    let (headers, body) = deliveries[0].clone();
    let http = reqwest::Client::new();
    let replay = http
        .post(&hook)
        .headers(headers.clone())
        .body(body.clone())
        .send()
        .await
        .expect("post");
    assert_eq!(replay.status(), 401);
    // A stale timestamp, even correctly signed, and a forged signature.
    let stale_ts = chrono::Utc::now().timestamp() - 3600;
    let stale = http
        .post(&hook)
        .header(subscribers::ID_HEADER, "fresh-id-1")
        .header(subscribers::TIMESTAMP_HEADER, stale_ts.to_string())
        .header(
            subscribers::SIGNATURE_HEADER,
            subscribers::sign(secret.as_bytes(), "fresh-id-1", stale_ts, &body),
        )
        .body(body.clone())
        .send()
        .await
        .expect("post");
    assert_eq!(stale.status(), 401);
    let ts = chrono::Utc::now().timestamp();
    let forged = http
        .post(&hook)
        .header(subscribers::ID_HEADER, "fresh-id-2")
        .header(subscribers::TIMESTAMP_HEADER, ts.to_string())
        .header(
            subscribers::SIGNATURE_HEADER,
            subscribers::sign(
                b"not-the-secret-not-the-secret-32b",
                "fresh-id-2",
                ts,
                &body,
            ),
        )
        .body(body.clone())
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), 401);
    // And a fresh, rightly signed one passes (the receiver is not just
    // refusing everything).
    let ok = http
        .post(&hook)
        .header(subscribers::ID_HEADER, "fresh-id-3")
        .header(subscribers::TIMESTAMP_HEADER, ts.to_string())
        .header(
            subscribers::SIGNATURE_HEADER,
            subscribers::sign(secret.as_bytes(), "fresh-id-3", ts, &body),
        )
        .body(body)
        .send()
        .await
        .expect("post");
    assert_eq!(ok.status(), 204);
    s.stop().await;
}

#[tokio::test]
async fn the_server_pings_and_drops_a_client_that_never_answers() {
    let s = Server::start("[events]\nheartbeat_seconds = 1\n").await;
    let admin = s.admin().await;
    let mut ws = connect(&s, &admin).await;
    // A ping comes within a heartbeat (tungstenite answers it).
    let got_ping = tokio::time::timeout(Duration::from_secs(3), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Ping(_))) => return true,
                Some(Ok(_)) => {}
                _ => return false,
            }
        }
    })
    .await
    .unwrap_or(false);
    assert!(got_ping, "no ping within a heartbeat");
    // Reading keeps it alive: pongs go back, and it is not dropped.
    let alive = tokio::time::timeout(Duration::from_secs(3), async {
        loop {
            if let Some(Ok(Message::Close(_))) | None = ws.next().await {
                return false;
            }
        }
    })
    .await;
    assert!(alive.is_err(), "a client that answers pings was dropped");
    // A raw socket that upgrades and then says nothing is closed after two
    // heartbeats.
    let mut raw = tokio::net::TcpStream::connect(s.running().addr)
        .await
        .expect("tcp");
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rq = format!(
        "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer {admin}\r\n\r\n"
    );
    raw.write_all(rq.as_bytes()).await.expect("write");
    let mut buf = vec![0u8; 4096];
    let closed = tokio::time::timeout(Duration::from_secs(6), async {
        loop {
            match raw.read(&mut buf).await {
                Ok(0) | Err(_) => return true,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert_eq!(
        closed,
        Ok(true),
        "a silent client is closed after two heartbeats"
    );
    s.stop().await;
}
