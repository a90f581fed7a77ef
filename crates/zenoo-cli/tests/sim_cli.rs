//! The `zenoo-sim` command line: fault flags reach the server.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn start(args: &[&str]) -> (std::process::Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zenoo-sim"))
        .args(["--port", "0", "--quiet"])
        .args(args)
        .stderr(Stdio::piped())
        .spawn()
        .expect("zenoo-sim starts");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let url = loop {
        let line = lines.next().expect("a banner").expect("text");
        if let Some(at) = line.find("http://") {
            break line[at..]
                .split_whitespace()
                .next()
                .expect("url")
                .to_string();
        }
    };
    (child, url)
}

#[tokio::test]
async fn fault_flags_inject_the_named_faults() {
    let (mut child, url) = start(&[
        "--fault-rate",
        "1",
        "--faults",
        "503,429",
        "--fault-seed",
        "7",
    ]);
    let http = reqwest::Client::new();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..20 {
        let r = http
            .post(format!("{url}/jsonrpc"))
            .json(&serde_json::json!({"jsonrpc": "2.0", "method": "call", "params": {"service": "common", "method": "version", "args": []}}))
            .send()
            .await
            .expect("answered");
        seen.insert(r.status().as_u16());
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), vec![429, 503]);
}

#[test]
fn an_unknown_fault_is_a_usage_error_that_names_it() {
    let out = Command::new(env!("CARGO_BIN_EXE_zenoo-sim"))
        .args(["--port", "0", "--faults", "503,meteor"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown fault \"meteor\""), "{err}");
    let help = Command::new(env!("CARGO_BIN_EXE_zenoo-sim"))
        .arg("--help")
        .output()
        .expect("runs");
    let help = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--fault-rate",
        "--faults",
        "--fault-seed",
        "--latency-ms",
        "--serialization-conflicts",
        "--connection-close",
        "--header-timeout",
        "--max-connections",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
}
