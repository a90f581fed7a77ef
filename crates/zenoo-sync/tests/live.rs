//! The sync against a real Odoo 16-19 (the env-gated live suite): set
//! `ZENOO_LIVE_URL`, `ZENOO_LIVE_DB`, `ZENOO_LIVE_LOGIN` and
//! `ZENOO_LIVE_PASSWORD` (the lab's `env` prints them). Without them the
//! test prints why it is skipped. It cancels and deletes what it made.

use serde_json::{Value, json};
use zenoo_rpc::{Client, Load, SearchOptions};
use zenoo_sync::{AppLine, NewOrder, OrderStatus, Policies, Policy, Store, SyncService};

async fn live_client(test: &str) -> Option<Client> {
    let live = zenoo_sim::live::LiveOdoo::from_env(test)?;
    Some(
        Client::builder(&live.url)
            .database(&live.db)
            .password(&live.login, &live.password)
            .build()
            .await
            .expect("login"),
    )
}

#[tokio::test]
async fn live_an_order_round_trips_with_an_odoo_side_edit() {
    let Some(client) = live_client("live_an_order_round_trips_with_an_odoo_side_edit").await else {
        return;
    };
    // A supplier and two purchasable products with codes, from the demo data.
    let suppliers: Vec<Value> = client
        .search_read(
            "res.partner",
            json!([["is_company", "=", true], ["supplier_rank", ">", 0]]),
            &["name"],
            SearchOptions::new().limit(1).order("id"),
        )
        .await
        .expect("a supplier");
    let supplier = suppliers[0]["name"].as_str().expect("name").to_string();
    let products: Vec<Value> = client
        .search_read(
            "product.product",
            json!([["purchase_ok", "=", true], ["default_code", "!=", false]]),
            &["default_code"],
            SearchOptions::new().limit(2).order("id"),
        )
        .await
        .expect("products");
    let code = |i: usize| {
        products[i]["default_code"]
            .as_str()
            .expect("code")
            .to_string()
    };
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::open(&format!(
        "sqlite://{}",
        dir.path().join("live.db").display()
    ))
    .await
    .expect("store");
    let sync = SyncService::new(
        store.clone(),
        client.clone(),
        "live",
        Policies::all(Policy::OdooWins),
    );
    let currency = zenoo_sync::Mapping::new(client.clone())
        .company_currency()
        .await
        .expect("the company's currency");
    let line = |code: String, quantity: f64| AppLine {
        product_code: code,
        quantity,
        price_unit: 7.5,
        date_planned: None,
        uom: None,
    };
    let uuid = store
        .add_order(&NewOrder {
            supplier_ref: supplier.clone(),
            currency,
            lines: vec![line(code(0), 2.0), line(code(1), 5.0)],
        })
        .await
        .expect("add");
    let round = sync.round().await.expect("round");
    let order = store.order(uuid).await.expect("read").expect("order");
    let odoo_id = order
        .odoo_id
        .unwrap_or_else(|| panic!("not pushed: {round:?} {order:?}"));
    let cleanup = async {
        let _ = client
            .call::<Value>(
                zenoo_rpc::Call::new("purchase.order", "button_cancel").arg(json!([odoo_id])),
            )
            .await;
        let _ = client.unlink("purchase.order", &[odoo_id]).await;
    };
    let body = async {
        assert_eq!(round.push.pushed, 1, "{round:?}");
        assert_eq!(order.status, OrderStatus::Synced);
        // In Odoo: confirm it and change the first line's quantity.
        let lines = client
            .search(
                "purchase.order.line",
                json!([["order_id", "=", odoo_id]]),
                SearchOptions::new().order("id"),
            )
            .await
            .expect("lines");
        assert_eq!(lines.len(), 2);
        client
            .write(
                "purchase.order.line",
                &lines[..1],
                json!({"product_qty": 4.0}),
            )
            .await
            .expect("edit in Odoo");
        let _: Value = client
            .call(zenoo_rpc::Call::new("purchase.order", "button_confirm").arg(json!([odoo_id])))
            .await
            .expect("confirm in Odoo");
        // The next round takes Odoo's edit into the application.
        sync.round().await.expect("second round");
        let back = store.order(uuid).await.expect("read").expect("order");
        assert_eq!(back.state, "purchase", "{back:?}");
        assert_eq!(back.lines[0].quantity, 4.0, "{back:?}");
        assert_eq!(back.lines[1].quantity, 5.0, "{back:?}");
        let read: Vec<Value> = client
            .read("purchase.order", &[odoo_id], &["origin"], Load::Raw)
            .await
            .expect("origin");
        assert_eq!(read[0]["origin"], json!(format!("zenoo:{uuid}")));
        // Nothing is pushed twice: one purchase order carries the uuid.
        let n = client
            .search_count(
                "purchase.order",
                json!([["origin", "=", format!("zenoo:{uuid}")]]),
            )
            .await
            .expect("count");
        assert_eq!(n, 1);
    };
    let outcome = {
        use futures_util::FutureExt;
        std::panic::AssertUnwindSafe(body).catch_unwind().await
    };
    cleanup.await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}
