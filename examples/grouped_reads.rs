//! Grouped reads decoded into your rows (read_group up to 18,
//! formatted_read_group on 19): `cargo run --example grouped_reads`.

use serde::Deserialize;
use zenoo_rpc::{Client, Model};
use zenoo_sim::OdooVersion;

#[derive(Model, Debug)]
#[odoo(model = "sale.order")]
struct SaleOrder {
    id: i64,
}

#[derive(Debug, Deserialize)]
struct ByState {
    state: String,
    #[serde(rename = "amount_total:sum")]
    total: f64,
    #[serde(rename = "__count")]
    count: u64,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    for version in [OdooVersion::V17, OdooVersion::V19] {
        let sim = zenoo_sim::Sim::builder().version(version).start().await?;
        let client = Client::builder(&sim.url())
            .database("demo")
            .password("admin", "admin")
            .build()
            .await?;
        let rows: Vec<ByState> = client
            .model::<SaleOrder>()
            .group_by(&["state"])
            .aggregate(&["amount_total:sum"])
            .all()
            .await?;
        println!("Odoo {version}:");
        for r in rows {
            println!("  {:<8} {:>3} orders {:>10.2}", r.state, r.count, r.total);
        }
    }
    Ok(())
}
