//! The service over HTTP, with zenoo-sim as Odoo: health, readiness and
//! Odoo's webhook.

use serde_json::{Value, json};

async fn running(sim_url: &str, dir: &tempfile::TempDir) -> zenoo_server::Running {
    let toml = format!(
        r#"
listen = "127.0.0.1:0"
[odoo]
url = "{sim_url}"
database = "demo"
login = "admin"
password = "admin"
[store]
url = "sqlite://{}"
[sync]
webhook_token = "the-installation-token"
[limits]
body_bytes = 4096
"#,
        dir.path().join("server.db").display()
    );
    let config = zenoo_server::Config::from_toml(&toml).expect("config");
    zenoo_server::start(&config).await.expect("start")
}

#[tokio::test]
async fn health_readiness_and_the_odoo_webhook() {
    let sim = zenoo_sim::Sim::builder().start().await.expect("sim");
    let dir = tempfile::tempdir().expect("tempdir");
    let server = running(&sim.url(), &dir).await;
    let base = format!("http://{}", server.addr);
    let http = reqwest::Client::new();

    let live = http
        .get(format!("{base}/healthz"))
        .send()
        .await
        .expect("healthz");
    assert_eq!(live.status(), 200);

    let ready = http
        .get(format!("{base}/readyz"))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 200);
    let body: Value = ready.json().await.expect("json");
    assert_eq!(body["ready"], true, "{body}");
    assert_eq!(body["odoo"]["ok"], true, "{body}");
    assert_eq!(body["store"]["ok"], true, "{body}");

    // A wrong token: nothing happens, and nothing says the hook exists.
    let payload = json!({"_model": "purchase.order", "_id": 1, "_action": "write"});
    let wrong = http
        .post(format!("{base}/hooks/odoo/not-the-token"))
        .json(&payload)
        .send()
        .await
        .expect("post");
    assert_eq!(wrong.status(), 404);
    assert_eq!(wrong.headers()["content-type"], "application/problem+json");
    let problem: Value = wrong.json().await.expect("problem");
    assert_eq!(
        problem["type"],
        "https://zenoo.dev/problems/unknown-webhook"
    );
    assert_eq!(problem["status"], 404);

    let bad = http
        .post(format!("{base}/hooks/odoo/the-installation-token"))
        .body("{\"not\": \"odoo\"}")
        .send()
        .await
        .expect("post");
    assert_eq!(bad.status(), 400);
    let problem: Value = bad.json().await.expect("problem");
    assert_eq!(
        problem["type"],
        "https://zenoo.dev/problems/bad-webhook-payload"
    );

    let good = http
        .post(format!("{base}/hooks/odoo/the-installation-token"))
        .json(&payload)
        .send()
        .await
        .expect("post");
    assert_eq!(good.status(), 202);

    // The body limit holds on every route.
    let big = http
        .post(format!("{base}/hooks/odoo/the-installation-token"))
        .body(vec![b' '; 10_000])
        .send()
        .await
        .expect("post");
    assert_eq!(big.status(), 413);

    // Odoo failing: not ready, with the reason.
    sim.set_faults(zenoo_sim::FaultPlan::random(
        1.0,
        vec![zenoo_sim::Fault::Status(502)],
        7,
    ));
    let ready = http
        .get(format!("{base}/readyz"))
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 503);
    let body: Value = ready.json().await.expect("json");
    assert_eq!(
        (body["ready"].clone(), body["odoo"]["ok"].clone()),
        (json!(false), json!(false)),
        "{body}"
    );
    assert_eq!(body["store"]["ok"], true);

    server.stop().await.expect("a clean stop");
}
