//! Per-call latency of each protocol against a server: the median of 60
//! identical 10-row `search_read` calls, after a warm-up.
//!
//! ```sh
//! cargo run --release -p zenoo-rpc --example protocols -- http://localhost:8069 DB LOGIN PASSWORD [API_KEY]
//! ```
//! Without arguments it measures an embedded simulator (whose per-call cost
//! does not model Odoo's password check, so all protocols look alike there).

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use zenoo_rpc::{Client, ProtocolKind, SearchOptions};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let _sim;
    let (url, db, login, password, key) = match args.as_slice() {
        [url, db, login, password, rest @ ..] => (
            url.clone(),
            db.clone(),
            login.clone(),
            password.clone(),
            rest.first().cloned(),
        ),
        _ => {
            let sim = zenoo_sim::Sim::builder().start().await?;
            let url = sim.url();
            _sim = sim;
            (url, "demo".into(), "admin".into(), "admin".into(), None)
        }
    };
    let mut runs: Vec<(String, Client)> = Vec::new();
    for kind in [
        ProtocolKind::Auto,
        ProtocolKind::JsonRpc,
        ProtocolKind::XmlRpc,
        ProtocolKind::WebSession,
    ] {
        let c = Client::builder(&url)
            .database(&db)
            .password(&login, &password)
            .protocol(kind)
            .build()
            .await?;
        runs.push((format!("{kind:?} (password) -> {:?}", c.protocol()), c));
    }
    if let Some(key) = key {
        let c = Client::builder(&url)
            .database(&db)
            .api_key(&login, &key)
            .build()
            .await?;
        runs.push((format!("Auto (API key) -> {:?}", c.protocol()), c));
    }
    for (label, c) in &runs {
        let mut times = Vec::new();
        for i in 0..70 {
            let start = Instant::now();
            let rows: Vec<Value> = c
                .search_read(
                    "res.partner",
                    json!([]),
                    &["name", "email"],
                    SearchOptions::new().limit(10).order("id"),
                )
                .await?;
            if i >= 10 {
                times.push(start.elapsed());
            }
            assert!(!rows.is_empty());
        }
        times.sort();
        let median = times
            .get(times.len() / 2)
            .copied()
            .unwrap_or(Duration::ZERO);
        println!("{label:<40} median {:>7.2} ms", median.as_secs_f64() * 1e3);
    }
    Ok(())
}
