//! Prometheus metrics of a client's calls, served at `/metrics`:
//! `cargo run --example metrics` prints a scrape and exits;
//! `cargo run --example metrics -- --serve [ADDR]` keeps serving (default
//! `127.0.0.1:9898`, port `0` for any) until stopped.

use std::time::Duration;

use metrics_exporter_prometheus::PrometheusBuilder;
use serde_json::json;
use zenoo_rpc::{CacheConfig, Call, Client};
use zenoo_sim::{Fault, FaultPlan, Sim};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let serve = args.next().as_deref() == Some("--serve");
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:9898".into());

    // Every zenoo metric goes to this recorder; the handle renders them.
    let prometheus = PrometheusBuilder::new().install_recorder()?;

    let sim = Sim::builder().start().await?;
    let client = Client::builder(&sim.url())
        .database("demo")
        .password("admin", "admin")
        .cache(CacheConfig::memory(16 << 20))
        .build()
        .await?;
    // Some traffic: reads, a cached read twice, a write, a retried 503.
    let count = || {
        Call::new("res.partner", "search_count")
            .arg(json!([["is_company", "=", true]]))
            .cache(Duration::from_secs(60))
    };
    let _: u64 = client.call(count()).await?;
    let _: u64 = client.call(count()).await?;
    client
        .create("res.partner", json!({"name": "Metrics example"}))
        .await?;
    sim.set_faults(FaultPlan::script([Some(Fault::Status(503))]));
    let _: u64 = client.search_count("res.country", json!([])).await?;

    if !serve {
        for line in prometheus
            .render()
            .lines()
            .filter(|l| l.starts_with("zenoo_"))
        {
            println!("{line}");
        }
        return Ok(());
    }
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let text = prometheus.render();
            async move { text }
        }),
    );
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("serving http://{}/metrics", listener.local_addr()?);
    // Keep calling, so that a scrape sees the numbers move.
    let busy = client.clone();
    tokio::spawn(async move {
        loop {
            let _ = busy.search_count("res.partner", json!([])).await;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
