//! Runs the `metrics` example and scrapes its `/metrics`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

mod common;
use common::{Running, example};

/// The value of the first sample of `name` whose labels contain all of
/// `labels`.
fn sample(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|l| l.starts_with(name) && !l.starts_with('#'))
        .filter(|l| l[name.len()..].starts_with(['{', ' ']))
        .find(|l| labels.iter().all(|want| l.contains(want)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn the_metrics_example_serves_the_client_metrics() {
    let mut child = Command::new(example("metrics"))
        .args(["--serve", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the example starts");
    let stdout = child.stdout.take().expect("stdout");
    let _running = Running(child);
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("a line");
    let url = first
        .trim()
        .strip_prefix("serving ")
        .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
        .to_string();
    let text = reqwest::get(&url)
        .await
        .expect("scrape")
        .text()
        .await
        .expect("body");
    let ok = [
        "model=\"res.partner\"",
        "method=\"search_count\"",
        "status=\"ok\"",
    ];
    assert!(
        sample(&text, "zenoo_requests_total", &ok).is_some_and(|n| n >= 2.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "zenoo_retries_total",
            &["model=\"res.country\"", "cause=\"http_503\""]
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "zenoo_cache_requests_total",
            &["backend=\"memory\"", "result=\"hit\""]
        ),
        Some(1.0),
        "{text}"
    );
    assert!(
        sample(
            &text,
            "zenoo_cache_invalidations_total",
            &["model=\"res.partner\""]
        )
        .is_some(),
        "{text}"
    );
    assert!(text.contains("zenoo_request_duration_seconds"), "{text}");
    assert!(text.contains("zenoo_circuit_state"), "{text}");
}
