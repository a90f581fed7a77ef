//! The worker pushing application orders to zenoo-sim over HTTP.

use serde_json::{Map, Value, json};
use zenoo_rpc::{Client, SearchOptions};
use zenoo_sim::{Fault, FaultPlan};
use zenoo_sync::{AppLine, NewOrder, OrderStatus, Store, Worker};

mod common;
use common::{Db, setup};

fn order(supplier: &str, lines: &[(&str, f64, f64)]) -> NewOrder {
    NewOrder {
        supplier_ref: supplier.into(),
        currency: "EUR".into(),
        lines: lines
            .iter()
            .map(|(code, qty, price)| AppLine {
                product_code: (*code).into(),
                quantity: *qty,
                price_unit: *price,
                date_planned: None,
                uom: None,
            })
            .collect(),
    }
}

async fn odoo_order(client: &Client, id: i64) -> (Map<String, Value>, Vec<Map<String, Value>>) {
    let po: Vec<Map<String, Value>> = client
        .read(
            "purchase.order",
            &[id],
            &["partner_id", "origin", "state", "order_line"],
            zenoo_rpc::Load::Raw,
        )
        .await
        .expect("po");
    let lines: Vec<Map<String, Value>> = client
        .search_read(
            "purchase.order.line",
            json!([["order_id", "=", id]]),
            &["product_id", "product_qty", "price_unit"],
            SearchOptions::new().order("id"),
        )
        .await
        .expect("lines");
    (po.into_iter().next().expect("the order"), lines)
}

async fn orders_reach_odoo_once_and_changes_follow_as_commands(db: Db) {
    let Some((_sim, client, store, _keep)) = setup(db).await else {
        return;
    };
    let uuid = store
        .add_order(&order(
            "Alpenrose Dairy",
            &[("ZL-100", 2.0, 80.0), ("ZL-200", 5.0, 20.0)],
        ))
        .await
        .expect("add");
    let worker = Worker::new(store.clone(), client.clone(), "w1");
    assert_eq!(worker.run_until_idle().await.expect("run").pushed, 1);
    let got = store.order(uuid).await.expect("read").expect("order");
    assert_eq!(got.status, OrderStatus::Synced, "{:?}", got.last_error);
    let id = got.odoo_id.expect("an Odoo id");
    let (po, lines) = odoo_order(&client, id).await;
    assert_eq!(po["partner_id"], 13);
    assert_eq!(po["origin"], format!("zenoo:{uuid}"));
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (
            lines[1]["product_qty"].as_f64(),
            lines[1]["price_unit"].as_f64()
        ),
        (Some(5.0), Some(20.0))
    );
    let xml: u64 = client
        .search_count(
            "ir.model.data",
            json!([["module", "=", "zenoo_sync"], ["res_id", "=", id]]),
        )
        .await
        .expect("external id");
    assert_eq!(xml, 1);

    // A change: one line edited, one removed, one added.
    store
        .update_order(
            uuid,
            &order(
                "Alpenrose Dairy",
                &[("ZL-100", 3.0, 80.0), ("ZL-300", 1.0, 300.0)],
            ),
        )
        .await
        .expect("update");
    worker.run_until_idle().await.expect("run");
    let (_, lines) = odoo_order(&client, id).await;
    let got: Vec<(i64, f64)> = lines
        .iter()
        .map(|l| {
            (
                l["product_id"][0].as_i64().unwrap_or(0),
                l["product_qty"].as_f64().unwrap_or(0.0),
            )
        })
        .collect();
    assert_eq!(got, [(1, 3.0), (3, 1.0)]);
    let count = client
        .search_count(
            "purchase.order",
            json!([["origin", "=", format!("zenoo:{uuid}")]]),
        )
        .await
        .expect("count");
    assert_eq!(count, 1);
}

async fn a_lost_create_answer_does_not_make_a_second_order(db: Db) {
    let Some((sim, client, store, _keep)) = setup(db).await else {
        return;
    };
    let uuid = store
        .add_order(&order("Northwind Looms", &[("ZL-400", 10.0, 3.5)]))
        .await
        .expect("add");
    // Lookups pass; the create itself commits and its answer is cut.
    sim.set_faults(FaultPlan::script([
        None,
        None,
        None,
        None,
        None,
        None,
        Some(Fault::Truncate),
    ]));
    let worker = Worker::new(store.clone(), client.clone(), "w1")
        .lease(std::time::Duration::from_millis(10));
    worker.run_until_idle().await.expect("first pass");
    // The job went back with backoff, or already finished: run it out.
    for _ in 0..100 {
        if store
            .order(uuid)
            .await
            .expect("read")
            .expect("order")
            .status
            == OrderStatus::Synced
        {
            break;
        }
        sqlx_force_due(&store).await;
        worker.run_until_idle().await.expect("again");
    }
    let got = store.order(uuid).await.expect("read").expect("order");
    assert_eq!(got.status, OrderStatus::Synced, "{:?}", got.last_error);
    let count = client
        .search_count(
            "purchase.order",
            json!([["origin", "=", format!("zenoo:{uuid}")]]),
        )
        .await
        .expect("count");
    assert_eq!(count, 1, "exactly one order in Odoo");
    let served: Vec<String> = sim
        .requests()
        .iter()
        .filter_map(|r| Some(format!("{}.{}", r.model.as_deref()?, r.method.as_deref()?)))
        .collect();
    // Sent once; the order was then found by its key, not made again.
    let create = served.iter().position(|m| m == "purchase.order.create");
    let found = served.iter().rposition(|m| m == "purchase.order.search");
    assert!(create.zip(found).is_some_and(|(c, f)| f > c), "{served:?}");
    assert_eq!(
        served
            .iter()
            .filter(|m| *m == "purchase.order.create")
            .count(),
        1,
        "{served:?}"
    );
}

/// Makes every waiting job due now (the test does not wait for backoff).
async fn sqlx_force_due(store: &Store) {
    store.make_all_due().await.expect("due");
}

async fn an_unknown_product_fails_the_order_with_the_reason(db: Db) {
    let Some((_sim, client, store, _keep)) = setup(db).await else {
        return;
    };
    let uuid = store
        .add_order(&order("Alpenrose Dairy", &[("NO-SUCH", 1.0, 1.0)]))
        .await
        .expect("add");
    Worker::new(store.clone(), client.clone(), "w1")
        .run_until_idle()
        .await
        .expect("run");
    let got = store.order(uuid).await.expect("read").expect("order");
    assert_eq!(got.status, OrderStatus::Failed);
    assert!(
        got.last_error
            .as_deref()
            .is_some_and(|e| e.contains("unknown product \"NO-SUCH\"")),
        "{:?}",
        got.last_error
    );
    assert_eq!(
        store.backlog().await.expect("backlog"),
        0,
        "a business error is not retried"
    );
    // A currency Odoo has but does not use says so.
    let mut pounds = order("Alpenrose Dairy", &[("ZL-100", 1.0, 1.0)]);
    pounds.currency = "GBP".into();
    let uuid = store.add_order(&pounds).await.expect("add");
    Worker::new(store.clone(), client.clone(), "w1")
        .run_until_idle()
        .await
        .expect("run");
    let got = store.order(uuid).await.expect("read").expect("order");
    assert_eq!(got.status, OrderStatus::Failed);
    assert_eq!(
        got.last_error.as_deref(),
        Some("currency \"GBP\" is not active in Odoo (activate it there first)")
    );
}

async fn a_push_does_not_overwrite_what_odoo_changed_since_the_last_sync(db: Db) {
    let Some((_sim, client, store, _keep)) = setup(db).await else {
        return;
    };
    let lines = [("ZL-100", 2.0, 80.0), ("ZL-400", 10.0, 3.5)];
    let uuid = store
        .add_order(&order("Alpenrose Dairy", &lines))
        .await
        .expect("add");
    let worker = Worker::new(store.clone(), client.clone(), "w1");
    worker.run_until_idle().await.expect("create");
    let id = store
        .order(uuid)
        .await
        .expect("read")
        .expect("order")
        .odoo_id
        .expect("pushed");
    let first = odoo_order(&client, id).await.1[0]["id"].clone();
    let second = odoo_order(&client, id).await.1[1]["id"].clone();
    // Odoo changes line 1's quantity and line 2's price; the application,
    // before any poll, line 1's quantity too and line 2's quantity.
    client
        .write(
            "purchase.order",
            &[id],
            json!({"order_line": [[1, first, {"product_qty": 9.0}], [1, second, {"price_unit": 3.9}]]}),
        )
        .await
        .expect("odoo edit");
    store
        .update_order(
            uuid,
            &order(
                "Alpenrose Dairy",
                &[("ZL-100", 3.0, 80.0), ("ZL-400", 12.0, 3.5)],
            ),
        )
        .await
        .expect("app edit");
    worker.run_until_idle().await.expect("push");
    // Line 1 collides (manual by default): the order waits, Odoo keeps 9.
    let got = store.order(uuid).await.expect("read").expect("order");
    assert_eq!(got.status, OrderStatus::Conflict);
    assert_eq!(
        odoo_order(&client, id).await.1[0]["product_qty"],
        9.0,
        "not overwritten"
    );
    let open = store.conflicts().await.expect("conflicts");
    assert_eq!(open.len(), 1);
    assert_eq!(
        (
            open[0].app[0]["quantity"].clone(),
            open[0].odoo[0]["quantity"].clone()
        ),
        (json!(3.0), json!(9.0))
    );
    // Line 2 did not collide: resolving for the application keeps Odoo's
    // price and the application's quantity.
    zenoo_sync::Poller::new(
        store.clone(),
        client.clone(),
        zenoo_sync::Policies::default(),
    )
    .resolve(uuid, zenoo_sync::Take::App)
    .await
    .expect("resolve");
    worker.run_until_idle().await.expect("push the choice");
    let l1 = odoo_order(&client, id).await.1[0].clone();
    let l2 = odoo_order(&client, id).await.1[1].clone();
    assert_eq!(
        (
            l1["product_qty"].clone(),
            l2["product_qty"].clone(),
            l2["price_unit"].clone()
        ),
        (json!(3.0), json!(12.0), json!(3.9))
    );
    let got = store.order(uuid).await.expect("read").expect("order");
    assert_eq!(got.status, OrderStatus::Synced);
    assert_eq!(got.lines[1].price_unit, 3.9);
}

async fn units_of_measure_and_mapping_rules_go_both_ways(db: Db) {
    let Some((_sim, client, store, _keep)) = setup(db).await else {
        return;
    };
    // Products by name instead of internal reference; one line in dozens.
    let rules: zenoo_sync::MappingRules =
        serde_json::from_value(json!({"product_by": "name"})).expect("rules");
    let worker = Worker::new(store.clone(), client.clone(), "w1").mapping(rules.clone());
    let mut new = order(
        "Alpenrose Dairy",
        &[
            ("Walnut Reading Lamp", 2.0, 80.0),
            ("Ceramic Mug", 3.0, 9.0),
        ],
    );
    new.lines[1].uom = Some("Dozens".into());
    let uuid = store.add_order(&new).await.expect("add");
    worker.run_until_idle().await.expect("push");
    let got = store.order(uuid).await.expect("read").expect("order");
    assert_eq!(got.status, OrderStatus::Synced, "{:?}", got.last_error);
    let id = got.odoo_id.expect("pushed");
    let lines: Vec<Map<String, Value>> = client
        .search_read(
            "purchase.order.line",
            json!([["order_id", "=", id]]),
            &["product_id", "product_uom"],
            SearchOptions::new().order("id"),
        )
        .await
        .expect("lines");
    assert_eq!(lines[0]["product_id"][1], "[ZL-100] Walnut Reading Lamp");
    assert_eq!(lines[0]["product_uom"][1], "Units", "the product's unit");
    assert_eq!(lines[1]["product_uom"][1], "Dozens");
    // Odoo's unit for the line the application left without one comes
    // back, by the same rules.
    let got = store.order(uuid).await.expect("read").expect("order");
    assert_eq!(got.lines[0].uom, None, "not sent, not invented");
    client
        .write(
            "purchase.order.line",
            &[lines[0]["id"].as_i64().expect("id")],
            json!({"product_uom": 3}),
        )
        .await
        .expect("odoo edit");
    let poller = zenoo_sync::Poller::new(
        store.clone(),
        client.clone(),
        zenoo_sync::Policies::default(),
    )
    .mapping(rules);
    poller.poll_once().await.expect("poll");
    let got = store.order(uuid).await.expect("read").expect("order");
    assert_eq!(got.lines[0].uom.as_deref(), Some("Dozens"));
    assert_eq!(got.lines[0].product_code, "Walnut Reading Lamp");
    assert_eq!(got.status, OrderStatus::Synced);
    // An unknown unit is a business error on the order.
    new.lines[0].uom = Some("Barrels".into());
    store.update_order(uuid, &new).await.expect("update");
    worker.run_until_idle().await.expect("push");
    let got = store.order(uuid).await.expect("read").expect("order");
    assert_eq!(got.status, OrderStatus::Failed);
    assert!(
        got.last_error
            .as_deref()
            .is_some_and(|e| e.contains("unknown unit of measure \"Barrels\"")),
        "{:?}",
        got.last_error
    );
}

on_both_stores!(
    units_of_measure_and_mapping_rules_go_both_ways,
    a_push_does_not_overwrite_what_odoo_changed_since_the_last_sync,
    orders_reach_odoo_once_and_changes_follow_as_commands,
    a_lost_create_answer_does_not_make_a_second_order,
    an_unknown_product_fails_the_order_with_the_reason,
);
