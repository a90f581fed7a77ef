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
                uom: None,
            },
            AppLine {
                product_code: "ZL-400".into(),
                quantity: 10.0,
                price_unit: 3.5,
                date_planned: None,
                uom: None,
            },
        ],
    };
    for i in 0..n {
        store.add_order(&order(i)).await?;
    }
    let started = Instant::now();
    let pushed = zenoo_sync::Worker::new(store.clone(), client.clone(), "bench")
        .run_until_idle()
        .await?
        .pushed;
    let took = started.elapsed();
    println!(
        "to Odoo: {pushed} orders (2 lines each) in {:.2} s: {:.0} orders/s",
        took.as_secs_f64(),
        pushed as f64 / took.as_secs_f64()
    );
    // One pass from Odoo with every order inside the overlap window: each
    // is read back and compared (nothing changed, so nothing is applied).
    let poller = zenoo_sync::Poller::new(store.clone(), client.clone(), Policies::default());
    poller.poll_once().await?;
    let started = Instant::now();
    let report = poller.poll_once().await?;
    println!(
        "a pass from Odoo over {} orders in the window: {:.2} s",
        report.seen,
        started.elapsed().as_secs_f64()
    );
    // Lag, with the sync running as a service (its poll an hour away): to
    // Odoo, from the application's write until Odoo holds the order; from
    // Odoo, from a line edit (and its webhook) until the application has it.
    let sync = std::sync::Arc::new(
        SyncService::new(
            store.clone(),
            client.clone(),
            "bench",
            Policies::all(Policy::OdooWins),
        )
        .poll_every(Duration::from_secs(3600)),
    );
    let hook = sync.webhook("bench-token");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let running = {
        let sync = sync.clone();
        tokio::spawn(async move {
            sync.run(async {
                let _ = stop_rx.await;
            })
            .await
        })
    };
    while sync.status().await?.last_pull_ms == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut to_odoo = Vec::new();
    let mut uuids = Vec::new();
    for i in 0..50 {
        let t = Instant::now();
        let uuid = store.add_order(&order(i)).await?;
        while store.order(uuid).await?.and_then(|o| o.odoo_id).is_none() {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        to_odoo.push(t.elapsed());
        uuids.push(uuid);
    }
    let mut from_odoo = Vec::new();
    for (k, uuid) in uuids.iter().enumerate() {
        let id = store
            .order(*uuid)
            .await?
            .and_then(|o| o.odoo_id)
            .unwrap_or(0);
        let line = client
            .search(
                "purchase.order.line",
                json!([["order_id", "=", id]]),
                zenoo_rpc::SearchOptions::new().limit(1),
            )
            .await?;
        let qty = 100.0 + k as f64;
        let t = Instant::now();
        client
            .write("purchase.order.line", &line, json!({"product_qty": qty}))
            .await?;
        let body = json!({"_model": "purchase.order", "_id": id}).to_string();
        let _ = hook.accept("bench-token", body.as_bytes());
        while store.order(*uuid).await?.map(|o| o.lines[0].quantity) != Some(qty) {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        from_odoo.push(t.elapsed());
    }
    let _ = stop_tx.send(());
    running.await??;
    to_odoo.sort();
    from_odoo.sort();
    println!(
        "lag to Odoo: p50 {:?}, p95 {:?}; from Odoo (edit + webhook): p50 {:?}, p95 {:?}",
        percentile(&to_odoo, 0.5),
        percentile(&to_odoo, 0.95),
        percentile(&from_odoo, 0.5),
        percentile(&from_odoo, 0.95)
    );
    Ok(())
}
