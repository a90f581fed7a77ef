//! The simulator as a test would use it: versions, users with API keys,
//! fault injection and the request log: `cargo run --example simulator`.

use std::time::Duration;

use serde_json::json;
use zenoo_rpc::{Client, ProtocolKind};
use zenoo_sim::{Fault, FaultPlan, OdooVersion, Sim};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = Sim::builder()
        .version(OdooVersion::V19)
        .user("admin", "admin", Some("my-test-api-key"))
        .start()
        .await?;
    let client = Client::builder(&sim.url())
        .database("demo")
        .api_key("admin", "my-test-api-key")
        .build()
        .await?;
    assert_eq!(client.protocol(), ProtocolKind::Json2);
    // The next call answers 503; the one after is slow.
    sim.set_faults(FaultPlan::script([
        Some(Fault::Status(503)),
        Some(Fault::Latency(Duration::from_millis(300))),
    ]));
    let e = client
        .search_count("res.partner", json!([]))
        .await
        .expect_err("503");
    println!("injected: {e} (retryable: {})", e.is_retryable());
    let n = client.search_count("res.partner", json!([])).await?;
    println!("then {n} partners, slowly");
    let calls: Vec<String> = sim
        .requests()
        .iter()
        .filter_map(|r| r.method.clone())
        .collect();
    println!("the simulator served: {calls:?}");
    Ok(())
}
