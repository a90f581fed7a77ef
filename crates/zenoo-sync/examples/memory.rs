//! The memory of a sync worker with a large store:
//! `cargo run --release -p zenoo-sync --example memory -- [ORDERS] [SECONDS]`
//! (default 100,000 orders, 30 s). Fills a SQLite store with ORDERS
//! application orders, then runs the sync as a service in a child process
//! (this program again, as `worker`) against an embedded simulator for
//! SECONDS, sampling the child's resident memory; prints its peak (Linux:
//! `/proc/<pid>/status`).

use std::time::{Duration, Instant};

use zenoo_rpc::{Client, ProtocolKind};
use zenoo_sync::{AppLine, NewOrder, OrderStatus, Policies, Policy, Store, SyncService};

/// `VmRSS` and `VmHWM` (peak) of process `pid`, in KiB.
fn memory(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// The child: the sync as a service, until killed.
async fn worker(url: &str, store: &str) -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::builder(url)
        .database("demo")
        .password("admin", "admin")
        .protocol(ProtocolKind::JsonRpc)
        .build()
        .await?;
    let store = Store::open(store).await?;
    let sync = SyncService::new(store, client, "memory", Policies::all(Policy::OdooWins))
        .poll_every(Duration::from_secs(1));
    sync.run(std::future::pending::<()>()).await?;
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("worker") {
        let (Some(url), Some(store)) = (args.get(2), args.get(3)) else {
            return Err("usage: memory worker URL STORE".into());
        };
        return worker(url, store).await;
    }
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let seconds: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(30);
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("memory.db").display());
    let store = Store::open(&url).await?;
    let order = |i: usize| NewOrder {
        supplier_ref: "Alpenrose Dairy".into(),
        currency: "EUR".into(),
        lines: vec![
            AppLine {
                product_code: "ZL-100".into(),
                quantity: 1.0 + (i % 7) as f64,
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
    let started = Instant::now();
    let mut i = 0;
    while i < n {
        let batch: Vec<NewOrder> = (i..n.min(i + 1000)).map(order).collect();
        store.add_orders(&batch).await?;
        i += batch.len();
    }
    println!(
        "store: {n} orders (2 lines each) written in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    store.close().await;

    let sim = zenoo_sim::Sim::builder().start().await?;
    let mut child = std::process::Command::new(std::env::current_exe()?)
        .args(["worker", &sim.url(), &url])
        .spawn()?;
    let pid = child.id();
    let started = Instant::now();
    let mut samples = Vec::new();
    while started.elapsed() < Duration::from_secs(seconds) {
        if let Some(m) = memory(pid).filter(|_| started.elapsed() >= Duration::from_secs(1)) {
            samples.push(m);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let last = memory(pid);
    child.kill()?;
    let _ = child.wait();
    let store = Store::open(&url).await?;
    let synced = store
        .list_orders()
        .await?
        .iter()
        .filter(|o| o.status == OrderStatus::Synced)
        .count();
    let first = samples.first().copied().unwrap_or_default();
    let (rss, peak) = last.or(samples.last().copied()).unwrap_or_default();
    println!(
        "worker over {seconds} s: {synced} of {n} orders synced; resident {:.1} MiB after 1 s, \
         {:.1} MiB at the end, peak {:.1} MiB",
        first.0 as f64 / 1024.0,
        rss as f64 / 1024.0,
        peak as f64 / 1024.0
    );
    Ok(())
}
