//! Requests per second the simulator serves over real HTTP, at concurrency
//! 1, 8 and 32, for two workloads over 100,000 extra partners:
//!
//! - `read`: `search_read` (limit 80) of companies;
//! - `mix 90/10`: nine such reads, then one `write` of a partner's phone.
//!
//! Each runs against two servers in the same run, measured in turn at each
//! level: `exclusive` takes the state lock exclusively for every request
//! (the single-mutex server this one replaced), `shared` lets reads run in
//! parallel.
//!
//! `cargo bench -p zenoo-sim --bench throughput` (set `ZENOO_BENCH_SECS` to
//! change the 5 s measuring window per level). Clients and server share the
//! machine's cores, as in a test suite.
#![allow(missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

// The allocator the `zenoo-sim` binary uses (see its Cargo.toml).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;
use zenoo_sim::Sim;

fn call(method: &str, args: Value, kwargs: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"service": "object", "method": "execute_kw",
        "args": ["demo", 2, "admin", "res.partner", method, args, kwargs]}}))
    .expect("request")
}

async fn post(http: &reqwest::Client, url: &str, body: Vec<u8>) -> Value {
    let resp = http
        .post(url)
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .expect("send");
    let v: Value = resp.json().await.expect("json");
    assert!(v.get("result").is_some(), "{v}");
    v
}

struct Target {
    name: &'static str,
    url: String,
    ids: Arc<Vec<i64>>,
    _sim: zenoo_sim::SimHandle,
}

async fn target(name: &'static str, exclusive: bool, http: &reqwest::Client) -> Target {
    let started = Instant::now();
    let sim = Sim::builder()
        .scale(100_000)
        .exclusive(exclusive)
        .start()
        .await
        .expect("simulator starts");
    eprintln!(
        "{name}: loaded 100,000 extra partners in {:.1?}",
        started.elapsed()
    );
    let url = format!("{}/jsonrpc", sim.url());
    let first = post(http, &url, read_body()).await;
    assert_eq!(
        first["result"].as_array().map(Vec::len),
        Some(80),
        "{first}"
    );
    let ids = Arc::new(
        post(
            http,
            &url,
            call("search", json!([[]]), json!({"limit": 50_000})),
        )
        .await["result"]
            .as_array()
            .expect("ids")
            .iter()
            .filter_map(Value::as_i64)
            .collect(),
    );
    Target {
        name,
        url,
        ids,
        _sim: sim,
    }
}

fn read_body() -> Vec<u8> {
    call(
        "search_read",
        json!([[["is_company", "=", true]]]),
        json!({"fields": ["name", "email", "country_id"], "limit": 80}),
    )
}

#[tokio::main]
async fn main() {
    let secs: u64 = std::env::var("ZENOO_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    // `ZENOO_BENCH_WORKLOAD=read` (or `mix`) runs one workload only.
    let only = std::env::var("ZENOO_BENCH_WORKLOAD").unwrap_or_default();
    let http = reqwest::Client::new();
    // Both servers stay up for the whole run and are measured in turn at
    // each level, so neither profits from running first.
    let targets = [
        target("exclusive", true, &http).await,
        target("shared", false, &http).await,
    ];
    println!("| workload | concurrency | server | requests | req/s | mean latency |");
    println!("|---|---|---|---|---|---|");
    for (workload, writes_every) in [("read", 0u64), ("mix 90/10", 10)] {
        if !workload.starts_with(only.as_str()) {
            continue;
        }
        for concurrency in [1usize, 8, 32] {
            for t in &targets {
                let (n, elapsed) = measure(&http, t, concurrency, writes_every, secs).await;
                println!(
                    "| {workload} | {concurrency} | {} | {n} | {:.0} | {:.1} ms |",
                    t.name,
                    n as f64 / elapsed,
                    elapsed * 1000.0 * concurrency as f64 / n.max(1) as f64
                );
            }
        }
    }
}

/// Requests done by `concurrency` clients in `secs` seconds, and the time taken.
async fn measure(
    http: &reqwest::Client,
    t: &Target,
    concurrency: usize,
    writes_every: u64,
    secs: u64,
) -> (u64, f64) {
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for task in 0..concurrency {
        let (http, url, done, ids) = (http.clone(), t.url.clone(), done.clone(), t.ids.clone());
        let read = read_body();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                n += 1;
                if writes_every > 0 && n.is_multiple_of(writes_every) {
                    let id = ids[(task * 1000 + n as usize) % ids.len()];
                    let body = call(
                        "write",
                        json!([[id], {"phone": format!("+32 {n}")}]),
                        json!({}),
                    );
                    post(&http, &url, body).await;
                } else {
                    post(&http, &url, read.clone()).await;
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    (done.load(Ordering::Relaxed), t0.elapsed().as_secs_f64())
}
