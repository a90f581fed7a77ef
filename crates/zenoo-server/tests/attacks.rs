//! What an attacker tried against the service, over real sockets on
//! loopback, each bounded in time and count: starving it of connections,
//! WebSockets, metric series and time; keeping a session past the key or
//! token that opened it; reading what a caller may not see.

mod common;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use common::{Server, order, read_to_close, try_ws};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use zenoo_server::principal::Scope;

/// A TCP connection to `to` from the loopback address `from` (Linux
/// routes all of 127/8 to loopback).
async fn connect_from(from: Ipv4Addr, to: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(IpAddr::V4(from), 0))?;
    socket.connect(to).await
}

/// The status line's code of what `stream` reads within `wait`.
async fn status_of(stream: &mut TcpStream, wait: Duration) -> Option<u16> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let _ = tokio::time::timeout(wait, async {
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await;
    let text = String::from_utf8_lossy(&buf);
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

/// A client that keeps its request's headers coming, one line a second,
/// and never finishes them (the slow-headers attack).
fn slow_client(mut stream: TcpStream) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        for i in 0..60 {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if stream
                .write_all(format!("X-Slow-{i}: a\r\n").as_bytes())
                .await
                .is_err()
            {
                return;
            }
        }
    })
}

#[tokio::test]
async fn one_address_cannot_take_the_connections_others_need() {
    let s = Server::start(
        "[limits]\nmax_connections = 40\nmax_connections_per_ip = 8\nheader_timeout_seconds = 30\n",
    )
    .await;
    let addr = s.running().addr;
    let attacker = Ipv4Addr::new(127, 0, 0, 1);
    // 48 slow connections from one address: 8 are let in, the rest are
    // answered 429 at once and closed.
    let mut slow = Vec::new();
    let mut refused = 0;
    for _ in 0..48 {
        let mut c = connect_from(attacker, addr).await.expect("connect");
        c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .await
            .expect("write");
        // Those over the share are answered as soon as their request is
        // complete; the first 8 are held by the server, waiting.
        if slow.len() < 8 {
            slow.push(slow_client(c));
            continue;
        }
        c.write_all(b"\r\n").await.expect("write");
        if status_of(&mut c, Duration::from_secs(3)).await == Some(429) {
            refused += 1;
        }
    }
    assert_eq!(refused, 40, "every connection over the address's share");
    // Another address is served at once, while the attack goes on.
    let good = reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)))
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    for _ in 0..20 {
        let started = Instant::now();
        let r = good.get(s.url("/healthz")).send().await.expect("served");
        assert_eq!(r.status(), 200);
        assert!(started.elapsed() < Duration::from_secs(2));
    }
    // The attacker's refusal is a problem, with Retry-After.
    let r = reqwest::Client::builder()
        .local_address(IpAddr::V4(attacker))
        .build()
        .expect("client")
        .get(s.url("/healthz"))
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "1");
    let body: Value = r.json().await.expect("problem");
    assert_eq!(
        body["type"],
        "https://zenoo.dev/problems/too-many-connections"
    );
    for c in slow {
        c.abort();
    }
    s.stop().await;
}

#[tokio::test]
async fn websockets_are_capped_per_principal_and_in_all() {
    let s = Server::start("[events]\nmax_sockets = 5\nmax_sockets_per_principal = 3\n").await;
    let addr = s.running().addr;
    let (a, b, c) = (
        s.key(&[Scope::OrdersRead], None).await,
        s.key(&[Scope::OrdersRead], None).await,
        s.key(&[Scope::OrdersRead], None).await,
    );
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(try_ws(addr, &a).await.expect("within a's share"));
    }
    let refused = |e: tokio_tungstenite::tungstenite::Error| match e {
        tokio_tungstenite::tungstenite::Error::Http(r) => {
            let body: Value =
                serde_json::from_slice(r.body().as_deref().unwrap_or_default()).unwrap_or_default();
            (
                r.status().as_u16(),
                body["type"].as_str().map(str::to_string),
            )
        }
        other => panic!("not an HTTP refusal: {other}"),
    };
    let too_many = Some("https://zenoo.dev/problems/too-many-websockets".to_string());
    let e = try_ws(addr, &a).await.expect_err("over a's share");
    assert_eq!(refused(e), (429, too_many.clone()));
    for _ in 0..2 {
        open.push(
            try_ws(addr, &b)
                .await
                .expect("within b's share and the cap"),
        );
    }
    // Five open: the server's cap, whoever asks.
    let e = try_ws(addr, &c).await.expect_err("over the cap");
    assert_eq!(refused(e), (429, too_many));
    // A socket that closes gives its places back.
    let mut first = open.remove(0);
    first.close(None).await.expect("close");
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match try_ws(addr, &c).await {
            Ok(ws) => {
                open.push(ws);
                break;
            }
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("the closed socket's place never came back: {e}"),
        }
    }
    drop(open);
    s.stop().await;
}

#[tokio::test]
async fn invented_methods_do_not_grow_the_metrics() {
    let s = Server::start("[limits]\nper_ip_per_minute = 100000\n").await;
    let scrape = || async {
        s.http
            .get(s.url("/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .expect("text")
    };
    for i in 0..300 {
        let method = reqwest::Method::from_bytes(format!("INVENTED{i}").as_bytes()).expect("m");
        let r = s
            .http
            .request(method, s.url(&format!("/orders/{i}/x{i}")))
            .send()
            .await
            .expect("send");
        assert!(r.status().is_client_error());
    }
    let text = scrape().await;
    assert!(
        !text.contains("INVENTED"),
        "a method as sent became a label"
    );
    assert!(!text.contains("/x1"), "a path as sent became a label");
    assert!(text.contains("method=\"_OTHER\""), "{text}");
    let series = text
        .lines()
        .filter(|l| l.starts_with("zenoo_http_requests_total{"))
        .count();
    assert!(series < 10, "{series} series for one kind of request");
    s.stop().await;
}

#[tokio::test]
async fn an_announced_oversized_body_is_refused_before_it_is_read() {
    let s = Server::start("[limits]\nbody_bytes = 1048576\n").await;
    let key = s.admin().await;
    let mut c = TcpStream::connect(s.running().addr).await.expect("connect");
    // 100 MB announced by an authenticated client, none sent: the answer
    // comes without waiting for the body (or for the request timeout).
    c.write_all(
        format!(
            "POST /orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n\
             Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n"
        )
        .as_bytes(),
    )
    .await
    .expect("write");
    let started = Instant::now();
    assert_eq!(status_of(&mut c, Duration::from_secs(5)).await, Some(413));
    assert!(started.elapsed() < Duration::from_secs(2));
    s.stop().await;
}

#[tokio::test]
async fn oversized_headers_are_refused_with_431() {
    let s = Server::start("").await;
    let r = s
        .http
        .get(s.url("/healthz"))
        .header("x-padding", "a".repeat(100 * 1024))
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status(), 431);
    // Many headers of a modest size add up the same way.
    let mut rq = s.http.get(s.url("/healthz"));
    for i in 0..90 {
        rq = rq.header(format!("x-pad-{i}"), "b".repeat(1000));
    }
    assert_eq!(rq.send().await.expect("answered").status(), 431);
    // Ordinary headers still go through.
    let r = s.http.get(s.url("/healthz")).send().await.expect("get");
    assert_eq!(r.status(), 200);
    s.stop().await;
}

#[tokio::test]
async fn a_websocket_closes_when_its_key_is_revoked() {
    let s = Server::start("").await;
    let key = s.key(&[Scope::OrdersRead], None).await;
    let other = s.key(&[Scope::OrdersRead], None).await;
    let mut ws = try_ws(s.running().addr, &key).await.expect("open");
    let mut kept = try_ws(s.running().addr, &other).await.expect("open");
    let id = key.split('_').nth(1).expect("id");
    assert!(s.running().keys.revoke(id).await.expect("revoke"));
    let started = Instant::now();
    let (code, _) = read_to_close(&mut ws, Duration::from_secs(5)).await;
    assert_eq!(code, Some(zenoo_server::ws::REVOKED));
    assert!(started.elapsed() < Duration::from_secs(3));
    // Another key's socket stays open.
    let (code, _) = read_to_close(&mut kept, Duration::from_millis(1500)).await;
    assert_eq!(code, None, "a socket of a live key was closed");
    // The revoked key opens nothing new.
    assert!(try_ws(s.running().addr, &key).await.is_err());
    drop(kept);
    s.stop().await;
}

#[tokio::test]
async fn a_websocket_closes_when_its_token_expires() {
    let s = Server::start(&format!(
        "[auth]\njwt_secret = \"{}\"\naccess_ttl_seconds = 2\nleeway_seconds = 1\n",
        common::JWT_SECRET
    ))
    .await;
    let admin = s.admin().await;
    let token = s
        .running()
        .tokens
        .issue("ann", &[Scope::OrdersRead], None)
        .expect("token");
    let mut ws = try_ws(s.running().addr, &token).await.expect("open");
    // Orders keep coming: their events stop with the token.
    let feeder = {
        let http = s.http.clone();
        let url = s.url("/orders");
        tokio::spawn(async move {
            for _ in 0..40 {
                let _ = http
                    .post(&url)
                    .bearer_auth(&admin)
                    .json(&order("Alpenrose Dairy", 1.0))
                    .send()
                    .await;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let started = Instant::now();
    let (code, events) = read_to_close(&mut ws, Duration::from_secs(6)).await;
    assert_eq!(code, Some(zenoo_server::ws::EXPIRED), "{events} events");
    assert!(events > 0, "events came while the token was good");
    assert!(started.elapsed() <= Duration::from_secs(3));
    feeder.abort();
    s.stop().await;
}

/// Logs in as a new user: (access token, refresh token).
async fn login(s: &Server, name: &str) -> (String, String) {
    let password = "correct horse battery staple";
    s.running()
        .tokens
        .add_user(
            name,
            &secrecy::SecretString::from(password.to_string()),
            &[Scope::OrdersRead],
            None,
        )
        .await
        .expect("user");
    let (code, pair) = s
        .post_anonymous(
            "/auth/login",
            json!({"username": name, "password": password}),
        )
        .await;
    assert_eq!(code, 200, "{pair}");
    (
        pair["access_token"].as_str().expect("access").to_string(),
        pair["refresh_token"].as_str().expect("refresh").to_string(),
    )
}

#[tokio::test]
async fn an_access_token_dies_with_its_logout_or_its_family() {
    let s = Server::start("").await;
    // A logout with the refresh token alone ends the access token too,
    // and its open WebSocket.
    let (access, refresh) = login(&s, "ann").await;
    assert_eq!(s.get("/orders", &access).await.0, 200);
    let mut ws = try_ws(s.running().addr, &access).await.expect("open");
    let (code, _) = s
        .post_anonymous("/auth/logout", json!({"refresh_token": refresh}))
        .await;
    assert_eq!(code, 204);
    let (code, body) = s.get("/orders", &access).await;
    assert_eq!(code, 401, "{body}");
    let (code, _) = read_to_close(&mut ws, Duration::from_secs(5)).await;
    assert_eq!(code, Some(zenoo_server::ws::REVOKED));

    // A stolen refresh token used twice revokes the family: the access
    // tokens it gave out stop working.
    let (first_access, refresh) = login(&s, "bob").await;
    let (code, pair) = s
        .post_anonymous("/auth/refresh", json!({"refresh_token": refresh}))
        .await;
    assert_eq!(code, 200);
    let second_access = pair["access_token"].as_str().expect("access").to_string();
    assert_eq!(s.get("/orders", &second_access).await.0, 200);
    let (code, _) = s
        .post_anonymous("/auth/refresh", json!({"refresh_token": refresh}))
        .await;
    assert_eq!(code, 401, "a replayed refresh token");
    assert_eq!(s.get("/orders", &first_access).await.0, 401);
    assert_eq!(s.get("/orders", &second_access).await.0, 401);

    // The revocation is in the store: an instance started now refuses it.
    let revoked = sqlx::query("SELECT COUNT(*) FROM revoked_tokens")
        .fetch_one(s.running().tables.pool())
        .await
        .expect("count");
    let n: i64 = sqlx::Row::get(&revoked, 0);
    assert_eq!(n, 3, "ann's token and both of bob's");
    s.stop().await;
}

#[tokio::test]
async fn a_supplier_key_sees_its_own_figures_in_status() {
    let s = Server::start("").await;
    let admin = s.admin().await;
    // An order Odoo cannot take (no such supplier) fails for good.
    let (code, bad) = s.post("/orders", &admin, order("Nobody Ltd", 1.0)).await;
    assert_eq!(code, 201);
    let bad = bad["uuid"].as_str().expect("uuid").to_string();
    s.wait_status(&admin, &bad, "failed").await;
    let (_, all) = s.get("/status", &admin).await;
    assert_eq!(all["failed"], 1, "{all}");
    let other = s
        .key(&[Scope::OrdersRead], Some(&["Alpenrose Dairy"]))
        .await;
    let (code, mine) = s.get("/status", &other).await;
    assert_eq!(code, 200);
    assert_eq!(
        (mine["failed"].clone(), mine["backlog"].clone()),
        (json!(0), json!(0)),
        "{mine}"
    );
    let nobody = s.key(&[Scope::OrdersRead], Some(&["Nobody Ltd"])).await;
    let (_, theirs) = s.get("/status", &nobody).await;
    assert_eq!(theirs["failed"], 1, "{theirs}");
    s.stop().await;
}

#[tokio::test]
async fn readiness_details_go_to_admins_only() {
    let s = Server::start("").await;
    let anyone = s.http.get(s.url("/readyz")).send().await.expect("readyz");
    assert_eq!(anyone.status(), 200);
    let text = anyone.text().await.expect("text");
    let body: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(body["ready"], true);
    assert!(
        !text.contains("detail") && !text.contains("Odoo") && !text.contains("user"),
        "{text}"
    );
    let reader = s.key(&[Scope::OrdersRead], None).await;
    let (_, body) = s.get("/readyz", &reader).await;
    assert!(body["odoo"].get("detail").is_none(), "{body}");
    let (_, body) = s.get("/readyz", &s.admin().await).await;
    let detail = body["odoo"]["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("answers as user"), "{body}");
    s.stop().await;
}

#[tokio::test]
async fn the_audit_keeps_route_templates_never_secrets_from_paths() {
    let s = Server::start("").await;
    let admin = s.admin().await;
    let r = s
        .http
        .post(s.url("/hooks/odoo/the-installation-token"))
        .bearer_auth(&admin)
        .json(&json!({"_model": "purchase.order", "_id": 1, "_action": "write"}))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 202);
    let (code, _) = s
        .get(&format!("/orders/{}", uuid::Uuid::nil()), &admin)
        .await;
    assert_eq!(code, 404);
    let deadline = Instant::now() + Duration::from_secs(5);
    let paths = loop {
        let rows = sqlx::query("SELECT path FROM request_audit")
            .fetch_all(s.running().tables.pool())
            .await
            .expect("audit");
        let paths: Vec<String> = rows.iter().map(|r| sqlx::Row::get(r, 0)).collect();
        if paths.len() >= 2 || Instant::now() > deadline {
            break paths;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        paths.contains(&"/hooks/odoo/{token}".to_string()),
        "{paths:?}"
    );
    assert!(paths.contains(&"/orders/{uuid}".to_string()), "{paths:?}");
    assert!(
        !paths.iter().any(|p| p.contains("installation-token")),
        "a secret in the audit: {paths:?}"
    );
    s.stop().await;
}

#[tokio::test]
async fn the_page_talks_to_its_own_origin_only_and_sends_no_referrer() {
    let s = Server::start("").await;
    let r = s.http.get(s.url("/")).send().await.expect("page");
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_string();
    let connect = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("connect-src"))
        .expect("connect-src");
    assert_eq!(connect, "connect-src 'self'", "{csp}");
    assert_eq!(r.headers()["referrer-policy"], "no-referrer");
    s.stop().await;
}

#[tokio::test]
async fn an_order_without_lines_is_refused() {
    let s = Server::start("").await;
    let admin = s.admin().await;
    let mut empty = order("Alpenrose Dairy", 1.0);
    empty["lines"] = json!([]);
    let (code, p) = s.post("/orders", &admin, empty).await;
    assert_eq!(code, 422, "{p}");
    assert_eq!(p["type"], "https://zenoo.dev/problems/invalid-order");
    assert!(
        p["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("no lines"),
        "{p}"
    );
    let (_, orders) = s.get("/orders", &admin).await;
    assert_eq!(orders, json!([]), "nothing was stored");
    s.stop().await;
}
