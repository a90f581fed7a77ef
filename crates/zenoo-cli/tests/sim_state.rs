//! `zenoo-sim --state FILE`: one simulator's databases kept between runs,
//! so a shell session can script against it.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

/// Starts the binary with `--state`, returns it and its URL.
fn start(state: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zenoo-sim"))
        .args(["--port", "0", "--quiet", "--state"])
        .arg(state)
        .stderr(Stdio::piped())
        .spawn()
        .expect("zenoo-sim starts");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let url = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| {
            l.split_whitespace()
                .find(|w| w.starts_with("http://"))
                .map(str::to_string)
        })
        .expect("the URL is printed");
    // Keep draining stderr so the child never blocks on it.
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}

fn call(url: &str, method: &str, args: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
        "service": "object", "method": "execute_kw",
        "args": ["demo", 2, "admin", "res.partner", method, args]}});
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let reply: Value = rt.block_on(async {
        reqwest::Client::new()
            .post(format!("{url}/jsonrpc"))
            .json(&body)
            .send()
            .await
            .expect("post")
            .json()
            .await
            .expect("json")
    });
    reply["result"].clone()
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "kill {sig}");
}

#[test]
fn the_state_survives_a_restart_and_saves_on_demand() {
    let dir = tempfile_dir();
    let state = dir.join("sim-state.json");
    let (mut first, url) = start(&state);
    let id = call(&url, "create", json!([{"name": "Kept Between Runs"}]));
    assert!(id.as_i64().is_some() || id.is_array(), "{id}");
    // On demand: SIGUSR1 saves while serving.
    signal(&first, "-USR1");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !state.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(state.exists(), "saved on SIGUSR1");
    call(&url, "create", json!([{"name": "Saved At Shutdown"}]));
    signal(&first, "-TERM");
    assert!(first.wait().expect("exits").success());
    let (mut second, url) = start(&state);
    let found = call(
        &url,
        "search_count",
        json!([[["name", "in", ["Kept Between Runs", "Saved At Shutdown"]]]]),
    );
    assert_eq!(found, json!(2));
    signal(&second, "-TERM");
    assert!(second.wait().expect("exits").success());
    let _ = std::fs::remove_dir_all(dir);
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("zenoo-sim-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}
