//! The service against a real Odoo 16-19 (the env-gated live suite): set
//! `ZENOO_LIVE_URL`, `ZENOO_LIVE_DB`, `ZENOO_LIVE_LOGIN` and
//! `ZENOO_LIVE_PASSWORD` (the lab's `env` prints them). Without them the
//! test prints why it is skipped. It creates nothing in Odoo.

mod common;

use zenoo_server::principal::Scope;

#[tokio::test]
async fn live_readiness_tells_details_to_admins_only_and_status_is_scoped() {
    let Some(live) = zenoo_sim::live::LiveOdoo::from_env(
        "live_readiness_tells_details_to_admins_only_and_status_is_scoped",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let toml = format!(
        r#"
listen = "127.0.0.1:0"
[odoo]
url = "{url}"
database = "{db}"
login = "{login}"
password = "{password}"
[store]
url = "sqlite://{store}"
[sync]
webhook_token = "the-installation-token"
poll_every_seconds = 3600
[auth]
jwt_secret = "{secret}"
"#,
        url = live.url,
        db = live.db,
        login = live.login,
        password = live.password,
        store = dir.path().join("server.db").display(),
        secret = common::JWT_SECRET,
    );
    let config = zenoo_server::Config::from_toml(&toml).expect("config");
    let running = zenoo_server::start(&config).await.expect("start");
    let base = format!("http://{}", running.addr);
    let http = reqwest::Client::new();
    let anyone = http
        .get(format!("{base}/readyz"))
        .send()
        .await
        .expect("readyz");
    assert_eq!(anyone.status(), 200);
    let text = anyone.text().await.expect("text");
    assert!(!text.contains("detail") && !text.contains("Odoo"), "{text}");
    use secrecy::ExposeSecret;
    let admin = running
        .keys
        .create("live", &[Scope::Admin], None)
        .await
        .expect("key");
    let body: serde_json::Value = http
        .get(format!("{base}/readyz"))
        .bearer_auth(admin.key.expose_secret())
        .send()
        .await
        .expect("readyz")
        .json()
        .await
        .expect("json");
    let detail = body["odoo"]["detail"].as_str().unwrap_or_default();
    assert!(
        detail.starts_with("Odoo 1") && detail.contains("answers as user"),
        "{body}"
    );
    let limited = running
        .keys
        .create(
            "one supplier",
            &[Scope::OrdersRead],
            Some(&["Nobody".to_string()]),
        )
        .await
        .expect("key");
    let status: serde_json::Value = http
        .get(format!("{base}/status"))
        .bearer_auth(limited.key.expose_secret())
        .send()
        .await
        .expect("status")
        .json()
        .await
        .expect("json");
    assert_eq!(status["backlog"], 0, "{status}");
    running.stop().await.expect("stop");
}
