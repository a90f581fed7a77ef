//! Two instances on one PostgreSQL store: they share the outbox (every
//! order reaches Odoo once, both do work) and the events (a WebSocket on
//! one hears what happens on the other). Skipped, with the reason, without
//! `ZENOO_TEST_POSTGRES_URL`.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{Server, odoo, order, read_to_close, try_ws};
use futures_util::StreamExt;
use serde_json::{Value, json};
use sqlx::Row;
use tokio_tungstenite::tungstenite::Message;
use zenoo_server::principal::Scope;

async fn fresh_database(base: &str) -> String {
    use sqlx::Executor;
    let admin = sqlx::PgPool::connect(base).await.expect("postgres");
    let name = format!("zenoo_server_test_{}", uuid::Uuid::new_v4().simple());
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create database");
    admin.close().await;
    let mut url = url::Url::parse(base).expect("a URL");
    url.set_path(&name);
    url.to_string()
}

/// Two instances on a fresh PostgreSQL database, or `None` (skipped)
/// without one.
async fn two_instances() -> Option<(Server, zenoo_server::Running)> {
    let Ok(base) = std::env::var("ZENOO_TEST_POSTGRES_URL") else {
        zenoo_sim::skip::missing("ZENOO_TEST_POSTGRES_URL is not set (no PostgreSQL)");
        return None;
    };
    let url = fresh_database(&base).await;
    let sim = zenoo_sim::Sim::builder().start().await.expect("sim");
    let a = Server::start_on(sim, "", Some(url.clone())).await;
    // The second instance: the same store and Odoo.
    let sim_url = a.sim.url();
    let config = zenoo_server::Config::from_toml(&common::toml(
        &sim_url,
        &url,
        &format!("[auth]\njwt_secret = \"{}\"\n", common::JWT_SECRET),
    ))
    .expect("config");
    let b = zenoo_server::start(&config).await.expect("second instance");
    assert_ne!(a.running().instance, b.instance);
    Some((a, b))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_the_outbox_and_the_events() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    let b_base = format!("http://{}", b.addr);

    // One key, made on A, works on B (the same store).
    let key = a.admin().await;
    let mut ws = {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut rq = format!("ws://{}/ws", b.addr)
            .into_client_request()
            .expect("rq");
        rq.headers_mut()
            .insert("authorization", format!("Bearer {key}").parse().expect("h"));
        tokio_tungstenite::connect_async(rq)
            .await
            .expect("ws on B")
            .0
    };
    tokio::time::sleep(Duration::from_millis(300)).await;

    let http = reqwest::Client::new();
    let mut uuids = Vec::new();
    for i in 0..30 {
        let target = if i % 2 == 0 {
            a.base.clone()
        } else {
            b_base.clone()
        };
        let created: Value = http
            .post(format!("{target}/orders"))
            .bearer_auth(&key)
            .json(&order("Alpenrose Dairy", f64::from(i + 1)))
            .send()
            .await
            .expect("post")
            .json()
            .await
            .expect("json");
        uuids.push(created["uuid"].as_str().expect("uuid").to_string());
    }
    for u in &uuids {
        a.wait_status(&key, u, "synced").await;
    }
    // B's WebSocket heard A's orders, told through PostgreSQL.
    let from_a: HashSet<String> = uuids.iter().step_by(2).cloned().collect();
    let mut heard = HashSet::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !from_a.is_subset(&heard) {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, ws.next()).await {
            Ok(Some(Ok(Message::Text(t)))) => {
                let e: Value = serde_json::from_str(&t).expect("event");
                if e["instance"] == a.running().instance.as_str() {
                    heard.insert(e["order"].as_str().unwrap_or_default().to_string());
                }
            }
            Ok(Some(Ok(_))) => {}
            other => panic!(
                "B heard {} of A's 15 orders: {other:?}",
                heard.intersection(&from_a).count()
            ),
        }
    }

    // Every order is in Odoo once.
    let client = odoo(&a.sim).await;
    let count = client
        .search_count("purchase.order", json!([["origin", "like", "zenoo:"]]))
        .await
        .expect("count");
    assert_eq!(count, 30);
    // Both instances did work, and no job was done twice.
    let rows = sqlx::query(
        "SELECT done_by, COUNT(*) FROM outbox WHERE done_at IS NOT NULL GROUP BY done_by",
    )
    .fetch_all(a.running().tables.pool())
    .await
    .expect("outbox");
    let workers: Vec<String> = rows
        .iter()
        .map(|r| r.get::<Option<String>, _>(0).unwrap_or_default())
        .collect();
    assert!(
        workers.contains(&a.running().instance) && workers.contains(&b.instance),
        "{workers:?}"
    );
    let done: i64 = rows.iter().map(|r| r.get::<i64, _>(1)).sum();
    assert_eq!(done, 30, "one job per order");
    b.stop().await.expect("stop B");
    a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_on_one_instance_ends_sessions_on_the_other() {
    let Some((a, b)) = two_instances().await else {
        return;
    };
    // A key and a user's token, each with a WebSocket on B.
    let key = a.key(&[Scope::OrdersRead], None).await;
    let password = secrecy::SecretString::from("correct horse battery staple".to_string());
    a.running()
        .tokens
        .add_user("ann", &password, &[Scope::OrdersRead], None)
        .await
        .expect("user");
    let (code, pair) = a
        .post_anonymous(
            "/auth/login",
            json!({"username": "ann", "password": "correct horse battery staple"}),
        )
        .await;
    assert_eq!(code, 200, "{pair}");
    let access = pair["access_token"].as_str().expect("access").to_string();
    let mut key_ws = try_ws(b.addr, &key).await.expect("key's socket on B");
    let mut token_ws = try_ws(b.addr, &access).await.expect("token's socket on B");
    let on_b = |path: &str| format!("http://{}{path}", b.addr);
    let r = a
        .http
        .get(on_b("/orders"))
        .bearer_auth(&access)
        .send()
        .await;
    assert_eq!(r.expect("get").status(), 200);

    // Both revoked on A.
    let id = key.split('_').nth(1).expect("id");
    assert!(a.running().keys.revoke(id).await.expect("revoke"));
    let (code, _) = a
        .post_anonymous(
            "/auth/logout",
            json!({"refresh_token": pair["refresh_token"]}),
        )
        .await;
    assert_eq!(code, 204);
    let (code, _) = read_to_close(&mut key_ws, Duration::from_secs(5)).await;
    assert_eq!(
        code,
        Some(zenoo_server::ws::REVOKED),
        "the key's socket on B"
    );
    let (code, _) = read_to_close(&mut token_ws, Duration::from_secs(5)).await;
    assert_eq!(
        code,
        Some(zenoo_server::ws::REVOKED),
        "the token's socket on B"
    );
    // B refuses the token from then on.
    let r = a
        .http
        .get(on_b("/orders"))
        .bearer_auth(&access)
        .send()
        .await;
    assert_eq!(r.expect("get").status(), 401);
    b.stop().await.expect("stop B");
    a.stop().await;
}
