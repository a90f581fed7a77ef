//! How fast orders reach Odoo, and how long a change takes each way:
//! `cargo run --release -p zenoo-sync --example throughput -- [ORDERS]`
//! against an embedded simulator, with a SQLite store in a temporary folder.

use std::time::{Duration, Instant};

use serde_json::json;
use zenoo_rpc::{Client, ProtocolKind};
use zenoo_sync::{AppLine, NewOrder, Policies, Policy, Store, SyncService};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2000);
    let sim = zenoo_sim::Sim::builder().start().await?;
    let client = Client::builder(&sim.url())
        .database("demo")
        .password("admin", "admin")
        .protocol(ProtocolKind::JsonRpc)
        .build()
        .await?;
    let dir = tempfile::tempdir()?;
    let store = Store::open(&format!(
        "sqlite://{}",
        dir.path().join("bench.db").display()
    ))
    .await?;
    let suppliers = ["Alpenrose Dairy", "Northwind Looms", "Copperleaf Tools"];
    let order = |i: usize| NewOrder {
        supplier_ref: suppliers[i % 3].into(),
        currency: "EUR".into(),
        lines: vec![
            AppLine {
                product_code: "ZL-100".into(),
                quantity: 1.0 + (i % 5) as f64,
                price_unit: 80.0,
                date_planned: None,
            },
            AppLine {
                product_code: "ZL-400".into(),
                quantity: 10.0,
                price_unit: 3.5,
                date_planned: None,
            },
        ],
    };
    for i in 0..n {
        store.add_order(&order(i)).await?;
    }
    let sync = SyncService::new(
        store.clone(),
        client.clone(),
        "bench",
        Policies::all(Policy::OdooWins),
    );
    let started = Instant::now();
    let round = sync.round().await?;
    let took = started.elapsed();
    println!(
        "to Odoo: {} orders (2 lines each) in {:.2} s: {:.0} orders/s",
        round.pushed,
        took.as_secs_f64(),
        round.pushed as f64 / took.as_secs_f64()
    );

    // Lag to Odoo: one order at a time, from the application's write to
    // Odoo holding it, with a round every 50 ms.
    let mut to_odoo = Vec::new();
    for i in 0..50 {
        let t = Instant::now();
        let uuid = store.add_order(&order(i)).await?;
        loop {
            sync.round().await?;
            if store.order(uuid).await?.and_then(|o| o.odoo_id).is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        to_odoo.push(t.elapsed());
    }
    // Lag from Odoo: a line edited in Odoo until the application has it.
    let ids = client
        .search(
            "purchase.order.line",
            json!([]),
            zenoo_rpc::SearchOptions::new().limit(50),
        )
        .await?;
    let mut from_odoo = Vec::new();
    for (k, line) in ids.iter().enumerate() {
        let t = Instant::now();
        client
            .write(
                "purchase.order.line",
                &[*line],
                json!({"product_qty": 100.0 + k as f64}),
            )
            .await?;
        sync.round().await?;
        from_odoo.push(t.elapsed());
    }
    to_odoo.sort();
    from_odoo.sort();
    println!(
        "lag to Odoo: p50 {:?}, p95 {:?}; from Odoo (one round after the edit): p50 {:?}, p95 {:?}",
        percentile(&to_odoo, 0.5),
        percentile(&to_odoo, 0.95),
        percentile(&from_odoo, 0.5),
        percentile(&from_odoo, 0.95)
    );
    Ok(())
}
