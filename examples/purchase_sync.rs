//! Two-way purchase-order sync against an embedded simulator:
//! `cargo run --example purchase_sync`, or against your own Odoo with
//! `-- URL DB` (as admin/admin, with a supplier "Alpenrose Dairy", products
//! `ZL-100` and `ZL-400`, and EUR active).
//!
//! An order made in the application reaches Odoo; edits to different
//! fields on both sides merge; edits to the same field are a conflict that
//! waits for a choice, and the audit log keeps both versions.

use serde_json::json;
use zenoo_rpc::{Client, SearchOptions};
use zenoo_sync::{AppLine, NewOrder, Policies, Store, SyncService, Take};

fn line(code: &str, quantity: f64, price_unit: f64) -> AppLine {
    AppLine {
        product_code: code.into(),
        quantity,
        price_unit,
        date_planned: None,
        uom: None,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sim = match args.first() {
        Some(_) => None,
        None => Some(zenoo_sim::Sim::builder().start().await?),
    };
    let (url, db) = match (&sim, args.as_slice()) {
        (Some(sim), _) => (sim.url(), "demo".to_string()),
        (None, [url, db]) => (url.clone(), db.clone()),
        _ => return Err("usage: purchase_sync [URL DB]".into()),
    };
    let odoo = Client::builder(&url)
        .database(&db)
        .password("admin", "admin")
        .build()
        .await?;
    let dir = tempfile::tempdir()?;
    let store = Store::open(&format!(
        "sqlite://{}",
        dir.path().join("sync.db").display()
    ))
    .await?;
    // Manual everywhere: nothing is overwritten without a choice.
    let sync = SyncService::new(store.clone(), odoo.clone(), "example", Policies::default());

    let mut order = NewOrder {
        supplier_ref: "Alpenrose Dairy".into(),
        currency: "EUR".into(),
        lines: vec![line("ZL-100", 2.0, 80.0), line("ZL-400", 10.0, 3.5)],
    };
    let uuid = store.add_order(&order).await?;
    sync.round().await?;
    let id = store
        .order(uuid)
        .await?
        .and_then(|o| o.odoo_id)
        .ok_or("not pushed")?;
    println!("app → Odoo: order {uuid} is purchase.order {id}");

    // Different fields on each side: both survive.
    order.lines[0].quantity = 5.0;
    store.update_order(uuid, &order).await?;
    let lines = odoo
        .search(
            "purchase.order.line",
            json!([["order_id", "=", id]]),
            SearchOptions::new().order("id"),
        )
        .await?;
    odoo.write(
        "purchase.order.line",
        &lines[1..2],
        json!({"price_unit": 3.2}),
    )
    .await?;
    sync.round().await?;
    sync.round().await?;
    let merged = store.order(uuid).await?.ok_or("gone")?;
    println!(
        "merged: line 1 quantity {} (the app's), line 2 price {} (Odoo's), {:?}",
        merged.lines[0].quantity, merged.lines[1].price_unit, merged.status
    );
    if merged.lines[1].price_unit != 3.2 || merged.lines[0].quantity != 5.0 {
        return Err("the merge lost a change".into());
    }

    // The same field on both sides: a conflict that waits.
    order = NewOrder {
        lines: merged.lines.clone(),
        ..order
    };
    order.lines[0].quantity = 6.0;
    store.update_order(uuid, &order).await?;
    odoo.write(
        "purchase.order.line",
        &lines[..1],
        json!({"product_qty": 9.0}),
    )
    .await?;
    sync.round().await?;
    for c in store.conflicts().await? {
        println!(
            "conflict on {} ({}): app {} / Odoo {}",
            c.order, c.part, c.app, c.odoo
        );
    }
    sync.poller().resolve(uuid, Take::App).await?;
    sync.round().await?;
    let done = store.order(uuid).await?.ok_or("gone")?;
    println!(
        "resolved for the app: quantity {}, {:?}",
        done.lines[0].quantity, done.status
    );
    for entry in store.audit(uuid).await? {
        println!("audit: {:?} {}", entry.origin, entry.action);
    }
    Ok(())
}
