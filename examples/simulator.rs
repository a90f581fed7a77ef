//! The simulator as a test would use it: versions, users with API keys,
//! fault injection and the request log: `cargo run --example simulator`.

use std::time::Duration;

use serde_json::json;
use zenoo_rpc::{Client, ProtocolKind, RetryPolicy};
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
    // The next call answers 503; the retry layer waits and repeats the read,
    // which is slow the second time.
    sim.set_faults(FaultPlan::script([
        Some(Fault::Status(503)),
        Some(Fault::Latency(Duration::from_millis(300))),
    ]));
    let n = client.search_count("res.partner", json!([])).await?;
    println!("{n} partners, after one retried 503");
    // Without retries the injected fault reaches the caller.
    let plain = Client::builder(&sim.url())
        .database("demo")
        .api_key("admin", "my-test-api-key")
        .retry(RetryPolicy::none())
        .build()
        .await?;
    sim.set_faults(FaultPlan::script([Some(Fault::Status(503))]));
    match plain.search_count("res.partner", json!([])).await {
        Err(e) => println!("injected: {e} (retryable: {})", e.is_retryable()),
        Ok(n) => return Err(format!("the injected 503 was not seen ({n} partners)").into()),
    }
    let calls: Vec<String> = sim
        .requests()
        .iter()
        .filter_map(|r| r.method.clone())
        .collect();
    println!("the simulator served: {calls:?}");
    Ok(())
}
