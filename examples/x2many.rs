//! x2many commands, creates and updates through the model's handle:
//! `cargo run --example x2many`.

use serde_json::json;
use zenoo_rpc::{Client, Command, Model, X2many};

#[derive(Model, Debug)]
#[odoo(model = "sale.order")]
struct SaleOrder {
    id: i64,
    name: String,
    order_line: X2many,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = zenoo_sim::Sim::builder().start().await?;
    let client = Client::builder(&sim.url())
        .database("demo")
        .password("admin", "admin")
        .build()
        .await?;
    let orders = client.model::<SaleOrder>();
    let order = orders
        .create(json!({
            "partner_id": 1,
            "order_line": [
                Command::create(json!({"product_id": 1, "product_uom_qty": 2})),
                Command::create(json!({"product_id": 2, "product_uom_qty": 1})),
            ],
        }))
        .await?;
    println!("{} has {} lines", order.name, order.order_line.ids.len());
    let first = order.order_line.ids[0];
    orders
        .browse(&[order.id])
        .update(json!({"order_line": [Command::delete(first)]}))
        .await?;
    let again = orders.browse(&[order.id]).get().await?;
    println!(
        "after deleting line {first}: {} line(s)",
        again.order_line.ids.len()
    );
    orders.browse(&[order.id]).delete().await?;
    Ok(())
}
