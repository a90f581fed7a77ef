//! The sync as an HTTP service, used the way an application uses it: a
//! `zenoo-server` against an embedded simulated Odoo, an API key, an order
//! created over REST, and its sync told to the application by a signed
//! webhook, checked by the receiver.
//!
//! `cargo run --example sync_service`

use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret;
use serde_json::{Value, json};
use zenoo_server::principal::Scope;
use zenoo_server::subscribers::Verifier;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // A receiver for the service's signed webhooks (your application).
    let secret = "a-shared-secret-for-this-example-only";
    let verifier = Arc::new(Verifier::new(
        secret.as_bytes().to_vec(),
        Duration::from_secs(300),
    ));
    let (tx, mut received) = tokio::sync::mpsc::channel::<Value>(16);
    let hook = axum::Router::new().route(
        "/zenoo-events",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let (verifier, tx) = (verifier.clone(), tx.clone());
                async move {
                    match verifier.verify(&headers, &body) {
                        Ok(()) => {
                            if let Ok(event) = serde_json::from_slice(&body) {
                                let _ = tx.send(event).await;
                            }
                            axum::http::StatusCode::NO_CONTENT
                        }
                        Err(e) => {
                            eprintln!("refused a delivery: {e}");
                            axum::http::StatusCode::UNAUTHORIZED
                        }
                    }
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let hook_url = format!("http://{}/zenoo-events", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, hook).await });

    // The service, against a simulated Odoo, with a SQLite store.
    let sim = zenoo_sim::Sim::builder().start().await?;
    let dir = tempfile::tempdir()?;
    let config = zenoo_server::Config::from_toml(&format!(
        r#"
listen = "127.0.0.1:0"
[odoo]
url = "{}"
database = "demo"
login = "admin"
password = "admin"
[store]
url = "sqlite://{}"
[sync]
webhook_token = "the-odoo-automation-token"
[[subscribers]]
url = "{hook_url}"
secret = "{secret}"
events = ["synced", "failed", "conflict"]
"#,
        sim.url(),
        dir.path().join("server.db").display()
    ))?;
    let server = zenoo_server::start(&config).await?;
    let base = format!("http://{}", server.addr);
    let key = server
        .keys
        .create(
            "example app",
            &[Scope::OrdersRead, Scope::OrdersWrite],
            None,
        )
        .await?;
    println!(
        "service on {base}; API key {}…",
        &key.key.expose_secret()[..16]
    );

    // The application creates an order over REST.
    let http = reqwest::Client::new();
    let created: Value = http
        .post(format!("{base}/orders"))
        .bearer_auth(key.key.expose_secret())
        .json(&json!({
            "supplier_ref": "Alpenrose Dairy",
            "currency": "EUR",
            "lines": [{"product_code": "ZL-100", "quantity": 3, "price_unit": 80, "date_planned": null}]
        }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    println!("created order {}", created["uuid"]);

    // The signed webhook says when Odoo has it.
    let event = tokio::time::timeout(Duration::from_secs(10), received.recv())
        .await?
        .ok_or_else(|| anyhow::anyhow!("the receiver stopped"))?;
    println!("webhook (signature checked): {event}");
    anyhow::ensure!(event["event"] == "synced", "expected a synced event");

    let state: Value = http
        .get(format!(
            "{base}/orders/{}/sync",
            created["uuid"].as_str().unwrap_or_default()
        ))
        .bearer_auth(key.key.expose_secret())
        .send()
        .await?
        .json()
        .await?;
    println!(
        "purchase.order {} in Odoo; history: {}",
        state["odoo_id"],
        state["history"]
            .as_array()
            .map(|h| h
                .iter()
                .filter_map(|e| e["action"].as_str())
                .collect::<Vec<_>>()
                .join(" → "))
            .unwrap_or_default()
    );

    // A request without the key is refused, as a problem.
    let refused = http.get(format!("{base}/orders")).send().await?;
    println!(
        "without a key: {} {}",
        refused.status(),
        refused.text().await?
    );
    server.stop().await?;
    Ok(())
}
