//! One setup for the server's tests: a simulated Odoo, a server over it
//! with a SQLite store in a temporary directory (or PostgreSQL), keys.

#![allow(dead_code)]

use std::time::Duration;

use serde_json::{Value, json};
use zenoo_server::principal::Scope;

pub const JWT_SECRET: &str = "a-test-secret-that-is-long-enough-for-hs256";

pub struct Server {
    pub sim: zenoo_sim::SimHandle,
    pub running: Option<zenoo_server::Running>,
    pub base: String,
    pub http: reqwest::Client,
    pub dir: tempfile::TempDir,
}

/// The TOML of a server over `sim_url` with a store at `store_url`, and
/// `extra`: its lines before its first section go to the top level, the
/// sections after the server's own.
pub fn toml(sim_url: &str, store_url: &str, extra: &str) -> String {
    let split = extra
        .lines()
        .position(|l| l.trim_start().starts_with('['))
        .unwrap_or(extra.lines().count());
    let lines: Vec<&str> = extra.lines().collect();
    let extra_top = lines[..split].join("\n");
    let extra = lines[split..].join("\n");
    format!(
        r#"
listen = "127.0.0.1:0"
{extra_top}
[odoo]
url = "{sim_url}"
database = "demo"
login = "admin"
password = "admin"
[store]
url = "{store_url}"
[sync]
webhook_token = "the-installation-token"
poll_every_seconds = 1
{extra}
"#
    )
}

impl Server {
    /// A server with `extra` TOML sections (an `[auth]` with the test's
    /// HS256 secret unless `extra` has one).
    pub async fn start(extra: &str) -> Self {
        let sim = zenoo_sim::Sim::builder().start().await.expect("sim");
        Self::start_on(sim, extra, None).await
    }

    pub async fn start_on(sim: zenoo_sim::SimHandle, extra: &str, store: Option<String>) -> Self {
        Self::start_with(sim, extra, store, false).await
    }

    /// The server as `zenoo-server --sim` runs it: with the demo's routes.
    #[allow(dead_code)]
    pub async fn start_demo() -> Self {
        let sim = zenoo_sim::Sim::builder().start().await.expect("sim");
        Self::start_with(sim, "", None, true).await
    }

    async fn start_with(
        sim: zenoo_sim::SimHandle,
        extra: &str,
        store: Option<String>,
        demo: bool,
    ) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let store =
            store.unwrap_or_else(|| format!("sqlite://{}", dir.path().join("server.db").display()));
        let mut extra = extra.to_string();
        if !extra.contains("[auth]") {
            extra.push_str(&format!("\n[auth]\njwt_secret = \"{JWT_SECRET}\"\n"));
        }
        let config =
            zenoo_server::Config::from_toml(&toml(&sim.url(), &store, &extra)).expect("config");
        let running = if demo {
            zenoo_server::start_demo(&config).await
        } else {
            zenoo_server::start(&config).await
        }
        .expect("start");
        let base = format!("http://{}", running.addr);
        Self {
            sim,
            running: Some(running),
            base,
            http: reqwest::Client::new(),
            dir,
        }
    }

    pub fn running(&self) -> &zenoo_server::Running {
        self.running.as_ref().expect("running")
    }

    pub async fn key(&self, scopes: &[Scope], suppliers: Option<&[&str]>) -> String {
        use secrecy::ExposeSecret;
        let suppliers: Option<Vec<String>> =
            suppliers.map(|s| s.iter().map(|x| x.to_string()).collect());
        self.running()
            .keys
            .create("test", scopes, suppliers.as_deref())
            .await
            .expect("key")
            .key
            .expose_secret()
            .to_string()
    }

    pub async fn admin(&self) -> String {
        self.key(&[Scope::Admin], None).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `method path` with `token` and an optional JSON body: (status, body).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut rq = self.http.request(method, self.url(path));
        if let Some(t) = token {
            rq = rq.bearer_auth(t);
        }
        if let Some(b) = body {
            rq = rq.json(&b);
        }
        let r = rq.send().await.expect("send");
        let status = r.status().as_u16();
        let text = r.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, Some(token), None)
            .await
    }

    /// `POST path` with a JSON body and no credentials (login, refresh,
    /// logout).
    pub async fn post_anonymous(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, None, Some(body))
            .await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, Some(token), Some(body))
            .await
    }

    /// Waits until the order's sync status is `status`; its JSON.
    pub async fn wait_status(&self, token: &str, uuid: &str, status: &str) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let (code, order) = self.get(&format!("/orders/{uuid}"), token).await;
            assert_eq!(code, 200, "{order}");
            if order["status"] == status {
                return order;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "order {uuid} never became {status}: {order}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await.expect("stop");
        }
    }
}

/// An order of the simulator's built-in supplier and products.
pub fn order(supplier: &str, qty: f64) -> Value {
    json!({
        "supplier_ref": supplier,
        "currency": "EUR",
        "lines": [
            {"product_code": "ZL-100", "quantity": qty, "price_unit": 80.0, "date_planned": null},
            {"product_code": "ZL-200", "quantity": 5.0, "price_unit": 20.0, "date_planned": null}
        ]
    })
}

/// A client of the simulator as the admin.
pub async fn odoo(sim: &zenoo_sim::SimHandle) -> zenoo_rpc::Client {
    zenoo_rpc::Client::builder(&sim.url())
        .database("demo")
        .password("admin", "admin")
        .build()
        .await
        .expect("odoo client")
}

/// A WebSocket client of the server.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens `/ws` on `addr` with `token` as the bearer.
pub async fn try_ws(
    addr: std::net::SocketAddr,
    token: &str,
) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut rq = format!("ws://{addr}/ws").into_client_request()?;
    rq.headers_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    tokio_tungstenite::connect_async(rq).await.map(|(ws, _)| ws)
}

/// Reads `ws` until the server closes it (within `wait`): the close code
/// and the events read before it; `None` for the code when it stayed open
/// or dropped without a close frame.
pub async fn read_to_close(ws: &mut Socket, wait: Duration) -> (Option<u16>, usize) {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let deadline = tokio::time::Instant::now() + wait;
    let mut events = 0;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, ws.next()).await {
            Ok(Some(Ok(Message::Text(_)))) => events += 1,
            Ok(Some(Ok(Message::Close(f)))) => return (f.map(|f| u16::from(f.code)), events),
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(_)) | None) | Err(_) => return (None, events),
        }
    }
}
