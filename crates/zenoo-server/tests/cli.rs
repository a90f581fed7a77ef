//! The binary: `keys create|list|revoke`, `--sim`, a bad actions file at
//! start, `/metrics` and request ids.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_zenoo-server");

fn config_file(dir: &std::path::Path, extra: &str) -> std::path::PathBuf {
    let path = dir.join("server.toml");
    let toml = common::toml(
        "http://127.0.0.1:9",
        &format!("sqlite://{}", dir.join("server.db").display()),
        extra,
    );
    std::fs::write(&path, toml).expect("write");
    path
}

fn run(args: &[&str], config: &std::path::Path) -> (bool, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .arg("--config")
        .arg(config)
        .output()
        .expect("run");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn keys_are_created_once_listed_without_secrets_and_revoked() {
    let dir = tempfile::tempdir().expect("dir");
    let config = config_file(dir.path(), "");
    let (ok, key, err) = run(
        &[
            "keys",
            "create",
            "--name",
            "erp",
            "--scope",
            "orders:read",
            "--supplier",
            "Alpenrose Dairy",
        ],
        &config,
    );
    assert!(ok, "{err}");
    let key = key.trim().to_string();
    assert!(key.starts_with("zk_") && key.len() > 50, "{key}");
    let id = key.split('_').nth(1).expect("id").to_string();
    let (ok, list, _) = run(&["keys", "list"], &config);
    assert!(ok);
    assert!(
        list.contains(&id)
            && list.contains("live")
            && list.contains("orders:read")
            && list.contains("Alpenrose Dairy"),
        "{list}"
    );
    assert!(!list.contains(&key), "the secret is never listed");
    let (ok, _, err) = run(&["keys", "create", "--scope", "everything"], &config);
    assert!(!ok);
    assert!(err.contains("unknown scope \"everything\""), "{err}");
    let (ok, out, _) = run(&["keys", "revoke", &id], &config);
    assert!(ok && out.contains("revoked"));
    let (ok, _, err) = run(&["keys", "revoke", &id], &config);
    assert!(!ok && err.contains("no live key"), "{err}");
    let (_, list, _) = run(&["keys", "list"], &config);
    assert!(list.contains("revoked"), "{list}");

    // The stored key is a hash, not the key.
    let (tables, _) = zenoo_server::Tables::open(&format!(
        "sqlite://{}",
        dir.path().join("server.db").display()
    ))
    .await
    .expect("store");
    let rows = sqlx::query("SELECT hash FROM api_keys")
        .fetch_all(tables.pool())
        .await
        .expect("rows");
    let hash: String = sqlx::Row::get(&rows[0], 0);
    assert_ne!(hash, key);
    assert_eq!(hash.len(), 64);
}

#[tokio::test]
async fn users_are_added_with_a_password_from_standard_input() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("dir");
    let config = config_file(dir.path(), "");
    let add = |password: &str| {
        let mut child = Command::new(BIN)
            .args(["users", "add", "ada", "--scope", "orders:read", "--config"])
            .arg(&config)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        if let Some(mut stdin) = child.stdin.take() {
            let _ = writeln!(stdin, "{password}");
        }
        child.wait_with_output().expect("run")
    };
    let short = add("short");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12 characters"));
    let ok = add("correct horse battery staple");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    // Stored as an argon2id hash, never the password.
    let (tables, _) = zenoo_server::Tables::open(&format!(
        "sqlite://{}",
        dir.path().join("server.db").display()
    ))
    .await
    .expect("store");
    let rows = sqlx::query("SELECT password_hash FROM users WHERE name = 'ada'")
        .fetch_all(tables.pool())
        .await
        .expect("rows");
    let hash: String = sqlx::Row::get(&rows[0], 0);
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains("horse"));
}

#[test]
fn a_bad_actions_file_stops_the_start_with_its_line() {
    let dir = tempfile::tempdir().expect("dir");
    let actions = dir.path().join("actions.yaml");
    std::fs::write(
        &actions,
        "confirm:\n  scope: admin\n  run: odoo.launch\n  params: {}\n",
    )
    .expect("write");
    let config = config_file(
        dir.path(),
        &format!("actions_file = \"{}\"", actions.display()),
    );
    let (ok, _, err) = run(&[], &config);
    assert!(!ok);
    assert!(err.contains("actions.yaml, line 3"), "{err}");
}

#[tokio::test]
async fn sim_mode_serves_the_page_api_and_metrics_with_a_fresh_admin_key() {
    let mut child = Command::new(BIN)
        .args(["--sim", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut url = None;
    let mut key = None;
    for _ in 0..10 {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(rest) = line.strip_prefix("open") {
            url = Some(rest.trim().to_string());
        }
        if let Some(rest) = line.strip_prefix("admin key") {
            key = rest.split_whitespace().next().map(str::to_string);
        }
        if url.is_some() && key.is_some() {
            break;
        }
    }
    let (url, key) = (url.expect("a URL"), key.expect("a key"));
    let base = url.split("/#").next().expect("base").to_string();
    assert!(url.ends_with(&format!("#key={key}")), "{url}");
    let http = reqwest::Client::new();
    let page = http.get(&base).send().await.expect("page");
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap_or_default()
            .contains("default-src 'self'")
    );
    assert!(
        page.text()
            .await
            .expect("html")
            .contains("<title>Zenoo sync</title>")
    );
    // The demo orders reach the simulated Odoo.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let orders: serde_json::Value = http
            .get(format!("{base}/orders?status=synced"))
            .bearer_auth(&key)
            .header("x-request-id", "test-request-42")
            .send()
            .await
            .expect("orders")
            .json()
            .await
            .expect("json");
        if orders.as_array().map(Vec::len) == Some(3) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{orders}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let r = http
        .get(format!("{base}/healthz"))
        .header("x-request-id", "test-request-42")
        .send()
        .await
        .expect("health");
    assert_eq!(r.headers()["x-request-id"], "test-request-42");
    let metrics = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    for name in [
        "zenoo_http_requests_total",
        "zenoo_http_request_duration_seconds",
        "zenoo_sync_jobs_total",
        "zenoo_requests_total",
    ] {
        assert!(metrics.contains(name), "{name} missing from /metrics");
    }
    assert!(metrics.contains("route=\"/orders\""), "{metrics}");
    let _ = child.kill();
    let _ = child.wait();
}

/// `zenoo-server` with `args`, and no configuration from the environment.
fn bare(args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args);
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("ZENOO_SERVER")) {
        cmd.env_remove(k);
    }
    cmd.output().expect("run")
}

#[test]
fn without_a_configuration_each_command_says_how_to_give_one() {
    for args in [
        &["keys", "list"][..],
        &["users", "add", "ada", "--scope", "orders:read"][..],
        &["config", "check"][..],
        &[][..],
    ] {
        let out = bare(args);
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {said}");
        assert!(
            said.contains("pass --config FILE or set ZENOO_SERVER_CONFIG"),
            "{args:?}: {said}"
        );
    }
}

#[tokio::test]
async fn a_port_in_use_is_said_with_the_flag_that_changes_it() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let sim = zenoo_sim::Sim::builder().start().await.expect("sim");
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("server.toml");
    let toml = common::toml(
        &sim.url(),
        &format!("sqlite://{}", dir.path().join("server.db").display()),
        "",
    );
    std::fs::write(&path, toml).expect("write");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(BIN)
            .args(["--config"])
            .arg(&path)
            .args(["--port", &port])
            .output()
            .expect("run")
    })
    .await
    .expect("join");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("pass --port N"), "{said}");
    drop(taken);
}
