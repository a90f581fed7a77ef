//! The README's quick start, against an embedded simulator:
//! `cargo run --example quick_start` (no Odoo needed).

use serde::Deserialize;
use serde_json::json;
use zenoo_rpc::{Client, OdooErrorKind, SearchOptions};

#[derive(Debug, Deserialize)]
struct Partner {
    id: i64,
    name: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = zenoo_sim::Sim::builder().start().await?;
    let client = Client::builder(&sim.url())
        .database("demo")
        .password("admin", "admin")
        .build()
        .await?;
    println!(
        "logged in as uid {} over {:?} (Odoo {})",
        client.uid(),
        client.protocol(),
        client.server_version().server_version
    );
    let companies: Vec<Partner> = client
        .search_read(
            "res.partner",
            json!([["is_company", "=", true]]),
            &["name"],
            SearchOptions::new().limit(5).order("name"),
        )
        .await?;
    for p in &companies {
        println!("{:>4}  {}", p.id, p.name);
    }
    match client
        .write("res.partner", &[999_999], json!({"name": "x"}))
        .await
    {
        Err(e) if e.odoo_kind() == Some(OdooErrorKind::MissingError) => {
            println!("record 999999 is gone: {e}");
        }
        other => {
            other?;
        }
    }
    Ok(())
}
