//! The service over HTTP, with zenoo-sim as Odoo: health, readiness and
//! Odoo's webhook.

use serde_json::{Value, json};

mod common;

async fn running(sim_url: &str, dir: &tempfile::TempDir) -> zenoo_server::Running {
    let store = format!("sqlite://{}", dir.path().join("server.db").display());
    let toml = common::toml(sim_url, &store, "[limits]\nbody_bytes = 4096\n");
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

/// A forwarding proxy in front of the simulator that records the
/// `X-Request-Id` of every request: what Odoo's side would log.
async fn recording_proxy(
    target: String,
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use axum::body::Bytes;
    use axum::http::{HeaderMap, Uri};
    let seen: std::sync::Arc<std::sync::Mutex<Vec<String>>> = Default::default();
    let log = seen.clone();
    let http = reqwest::Client::new();
    let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap, body: Bytes| {
        let (log, http, target) = (log.clone(), http.clone(), target.clone());
        async move {
            if let Some(id) = headers.get("x-request-id").and_then(|v| v.to_str().ok()) {
                log.lock().expect("lock").push(id.to_string());
            }
            let mut rq = http.post(format!("{target}{uri}")).body(body);
            for name in ["content-type", "cookie"] {
                if let Some(v) = headers.get(name) {
                    rq = rq.header(name, v);
                }
            }
            let r = rq.send().await.expect("forward");
            let status = r.status().as_u16();
            let mut out = axum::http::Response::builder().status(status);
            for (k, v) in r.headers() {
                if k != "content-length" && k != "transfer-encoding" {
                    out = out.header(k, v);
                }
            }
            out.body(axum::body::Body::from(r.bytes().await.expect("body")))
                .expect("response")
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

#[tokio::test]
async fn a_request_id_reaches_the_odoo_calls_the_request_makes() {
    let sim = zenoo_sim::Sim::builder().start().await.expect("sim");
    let (proxy, seen) = recording_proxy(sim.url()).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let server = running(&proxy, &dir).await;
    let http = reqwest::Client::new();
    let ready = http
        .get(format!("http://{}/readyz", server.addr))
        .header("x-request-id", "rid-from-the-app-42")
        .send()
        .await
        .expect("readyz");
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.headers()["x-request-id"], "rid-from-the-app-42");
    assert!(
        seen.lock()
            .expect("lock")
            .iter()
            .any(|id| id == "rid-from-the-app-42"),
        "Odoo never saw the request id: {:?}",
        seen.lock().expect("lock")
    );
    server.stop().await.expect("stop");
}

#[tokio::test]
async fn a_stop_finishes_the_requests_in_flight() {
    let sim = zenoo_sim::Sim::builder().start().await.expect("sim");
    let dir = tempfile::tempdir().expect("tempdir");
    let server = running(&sim.url(), &dir).await;
    // Odoo answers slowly: /readyz is in flight when the stop comes.
    sim.set_faults(
        zenoo_sim::FaultPlan::none().with_latency(std::time::Duration::from_millis(700)),
    );
    let url = format!("http://{}/readyz", server.addr);
    let in_flight = tokio::spawn(async move { reqwest::get(url).await });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let stopped = tokio::time::Instant::now();
    server.stop().await.expect("stop");
    let answer = in_flight
        .await
        .expect("join")
        .expect("the request got its answer");
    assert_eq!(answer.status(), 200, "finished, not cut");
    assert!(
        stopped.elapsed() >= std::time::Duration::from_millis(300),
        "the stop waited for it"
    );
}
