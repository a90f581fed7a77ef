//! zenoo-bench contender: the `odoo-api` crate (latest from crates.io),
//! through its documented `execute_kw` request builder over its default
//! reqwest async implementation. Reads the run spec (JSON) from argv and
//! prints one JSON line, like every contender.

use std::time::Instant;

use serde_json::{Map, Value, json};

fn micros(t: Instant) -> u64 {
    t.elapsed().as_micros() as u64
}

/// Wall time per sample and CPU time over all samples.
#[derive(Default)]
struct Clock {
    samples: Vec<u64>,
    cpu_us: u64,
    started: Option<(Instant, cpu_time::ProcessTime)>,
}

impl Clock {
    fn start(&mut self) {
        self.started = Some((Instant::now(), cpu_time::ProcessTime::now()));
    }
    fn stop(&mut self) {
        if let Some((t, cpu)) = self.started.take() {
            self.samples.push(micros(t));
            self.cpu_us += cpu.elapsed().as_micros() as u64;
        }
    }
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn len(v: &Value) -> u64 {
    v.as_array().map_or(0, |a| a.len() as u64)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let spec: Value = serde_json::from_str(&std::env::args().nth(1).ok_or("no spec")?)?;
    let s = |k: &str| spec[k].as_str().unwrap_or_default().to_string();
    let n = |k: &str| spec[k].as_u64().unwrap_or(0);
    let login = || async {
        odoo_api::OdooClient::new_reqwest_async(&s("url"))?
            .authenticate(&s("db"), &s("login"), &s("password"))
            .await
            .map_err(|e| Box::<dyn std::error::Error>::from(e.to_string()))
    };
    let mut client = login().await?;
    let model = s("model");
    let search_kwargs = obj(json!({"fields": spec["fields"], "limit": spec["limit"]}));
    let mut clock = Clock::default();
    let mut items = 0u64;
    match s("workload").as_str() {
        "simple" | "read-many" => {
            for _ in 0..n("iterations") {
                clock.start();
                let rows = client
                    .execute_kw(model.as_str(), "search_read", vec![spec["domain"].clone()], search_kwargs.clone())
                    .send()
                    .await?;
                clock.stop();
                items += len(&rows.data);
            }
        }
        "concurrent" => {
            // `execute_kw` borrows the client mutably, so one client cannot
            // have two calls in flight: the closest is one client per call,
            // all logged in before the clock starts.
            let mut clients = Vec::new();
            for _ in 0..n("concurrency") {
                clients.push(login().await?);
            }
            for _ in 0..n("iterations") {
                clock.start();
                let calls = clients.iter_mut().map(|client| {
                    client
                        .execute_kw(model.as_str(), "search_read", vec![spec["domain"].clone()], search_kwargs.clone())
                        .send()
                });
                let all = futures::future::try_join_all(calls).await?;
                clock.stop();
                items += all.iter().map(|r| len(&r.data)).sum::<u64>();
            }
        }
        "batch-create" => {
            for batch in 0..n("iterations") {
                let vals: Vec<Value> = (0..n("create_count"))
                    .map(|i| json!({"name": format!("Bench Partner {batch}-{i}"), "email": format!("bench{batch}.{i}@example.com"), "is_company": false}))
                    .collect();
                clock.start();
                let ids = client
                    .execute_kw(model.as_str(), "create", vec![Value::Array(vals)], Map::new())
                    .send()
                    .await?;
                clock.stop();
                items += len(&ids.data);
                client
                    .execute_kw(model.as_str(), "unlink", vec![ids.data], Map::new())
                    .send()
                    .await?;
            }
        }
        "stream" => {
            let page = n("page_size");
            for _ in 0..n("iterations") {
                clock.start();
                let mut last = 0i64;
                loop {
                    let mut domain = spec["domain"].as_array().cloned().unwrap_or_default();
                    domain.push(json!(["id", ">", last]));
                    let kwargs = obj(json!({"fields": spec["fields"], "limit": page, "order": "id"}));
                    let rows = client
                        .execute_kw(model.as_str(), "search_read", vec![Value::Array(domain)], kwargs)
                        .send()
                        .await?;
                    let got = len(&rows.data);
                    items += got;
                    match rows.data.as_array().and_then(|a| a.last()).and_then(|r| r["id"].as_i64()) {
                        Some(id) if got >= page => last = id,
                        _ => break,
                    }
                }
                clock.stop();
            }
        }
        other => return Err(format!("unknown workload {other}").into()),
    }
    println!(
        "{}",
        json!({"samples_us": clock.samples, "items": items, "peak_rss_kib": peak_rss_kib(), "cpu_us": clock.cpu_us, "client": "odoo-api 0.2.5 (reqwest 0.11)"})
    );
    Ok(())
}
