//! Requests per second the simulator serves for `search_read` (limit 80)
//! over 100,000 partners, at concurrency 1 and 16, over real HTTP.
//!
//! `cargo bench -p zenoo-sim --bench throughput` (set `ZENOO_BENCH_SECS` to
//! change the 5 s measuring window per level).
#![allow(missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use zenoo_sim::Sim;

#[tokio::main]
async fn main() {
    let secs: u64 = std::env::var("ZENOO_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let started = Instant::now();
    let sim = Sim::builder()
        .scale(100_000)
        .start()
        .await
        .expect("simulator starts");
    eprintln!("loaded 100,000 extra partners in {:.1?}", started.elapsed());
    let url = format!("{}/jsonrpc", sim.url());
    let body = serde_json::to_vec(&json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"service": "object", "method": "execute_kw",
        "args": ["demo", 2, "admin", "res.partner", "search_read", [[["is_company", "=", true]]], {"fields": ["name", "email", "country_id"], "limit": 80}]}}))
    .expect("request");
    let http = reqwest::Client::new();
    // Check the answer once: 80 rows.
    let first: serde_json::Value = http
        .post(&url)
        .header("Content-Type", "application/json")
        .body(body.clone())
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(
        first["result"].as_array().map(Vec::len),
        Some(80),
        "{first}"
    );
    println!("| concurrency | requests | req/s | mean latency |");
    println!("|---|---|---|---|");
    for concurrency in [1usize, 16] {
        let done = Arc::new(AtomicU64::new(0));
        let deadline = Instant::now() + Duration::from_secs(secs);
        let t0 = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..concurrency {
            let (http, url, body, done) = (http.clone(), url.clone(), body.clone(), done.clone());
            tasks.push(tokio::spawn(async move {
                while Instant::now() < deadline {
                    let resp = http
                        .post(&url)
                        .header("Content-Type", "application/json")
                        .body(body.clone())
                        .send()
                        .await
                        .expect("send");
                    let bytes = resp.bytes().await.expect("body");
                    assert!(bytes.len() > 1000);
                    done.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
        for t in tasks {
            t.await.expect("task");
        }
        let n = done.load(Ordering::Relaxed);
        let elapsed = t0.elapsed().as_secs_f64();
        println!(
            "| {concurrency} | {n} | {:.0} | {:.1} ms |",
            n as f64 / elapsed,
            elapsed * 1000.0 * concurrency as f64 / n.max(1) as f64
        );
    }
}
