//! The whole loop against zenoo-sim: events, webhooks, status, and 1,000
//! orders under injected faults.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use zenoo_rpc::RetryPolicy;
use zenoo_sim::{Fault, FaultPlan, Sim};
use zenoo_sync::{
    AppLine, Direction, NewOrder, OrderStatus, Policies, Policy, Store, SyncEvent, SyncService,
    WebhookError,
};

mod common;
use common::{Db, Running, client, store};

fn order(supplier: &str, qty: f64) -> NewOrder {
    NewOrder {
        supplier_ref: supplier.into(),
        currency: "EUR".into(),
        lines: vec![AppLine {
            product_code: "ZL-100".into(),
            quantity: qty,
            price_unit: 80.0,
            date_planned: None,
            uom: None,
        }],
    }
}

async fn events_tell_both_directions(db: Db) {
    let sim = Sim::builder().start().await.expect("sim");
    let Some((store, _keep)) = store(db).await else {
        return;
    };
    let odoo = client(&sim.url(), RetryPolicy::none()).await;
    let sync = SyncService::new(
        store.clone(),
        odoo.clone(),
        "w",
        Policies::all(Policy::OdooWins),
    );
    let mut events = store.events().subscribe();
    let uuid = store
        .add_order(&order("Alpenrose Dairy", 2.0))
        .await
        .expect("add");
    sync.round().await.expect("round");
    let id = store
        .order(uuid)
        .await
        .expect("read")
        .expect("order")
        .odoo_id
        .expect("id");
    let line = odoo
        .search(
            "purchase.order.line",
            json!([["order_id", "=", id]]),
            Default::default(),
        )
        .await
        .expect("line")[0];
    odoo.write("purchase.order.line", &[line], json!({"product_qty": 6.0}))
        .await
        .expect("edit");
    sync.round().await.expect("round");
    let mut seen = Vec::new();
    while let Ok(e) = events.try_recv() {
        seen.push(e);
    }
    assert_eq!(
        seen,
        [
            SyncEvent::Created { order: uuid },
            SyncEvent::Synced {
                order: uuid,
                odoo_id: id,
                direction: Direction::ToOdoo
            },
            SyncEvent::Synced {
                order: uuid,
                odoo_id: id,
                direction: Direction::FromOdoo
            },
        ]
    );
    let status = sync.status().await.expect("status");
    assert_eq!((status.backlog, status.failed, status.conflicts), (0, 0, 0));
    assert!(status.last_push_ms > 0 && status.last_pull_ms > 0);
}

async fn webhooks_only_make_the_next_poll_sooner(db: Db) {
    let sim = Sim::builder().start().await.expect("sim");
    let Some((store, _keep)) = store(db).await else {
        return;
    };
    let odoo = client(&sim.url(), RetryPolicy::none()).await;
    let uuid = store
        .add_order(&order("Alpenrose Dairy", 2.0))
        .await
        .expect("add");
    let sync = Arc::new(
        SyncService::new(
            store.clone(),
            odoo.clone(),
            "w",
            Policies::all(Policy::OdooWins),
        )
        .poll_every(Duration::from_secs(3600)),
    );
    let hook = sync.webhook("s3cret-token");
    let running = Running::start(sync.clone()).await;
    let qty = |store: Store| async move {
        store.order(uuid).await.expect("read").expect("order").lines[0].quantity
    };
    // The first round has pushed the order and polled; the loop sleeps.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let id = store
        .order(uuid)
        .await
        .expect("read")
        .expect("order")
        .odoo_id
        .expect("pushed");
    let line = odoo
        .search(
            "purchase.order.line",
            json!([["order_id", "=", id]]),
            Default::default(),
        )
        .await
        .expect("line")[0];
    odoo.write("purchase.order.line", &[line], json!({"product_qty": 7.0}))
        .await
        .expect("edit");
    let payload = json!({"_model": "purchase.order", "_id": id, "_action": "write"}).to_string();
    // A bad token is refused and wakes nothing.
    assert_eq!(
        hook.accept("guess", payload.as_bytes()),
        Err(WebhookError::BadToken)
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(qty(store.clone()).await, 2.0, "nothing applied");
    // Not a payload: refused.
    assert!(matches!(
        hook.accept("s3cret-token", b"{}"),
        Err(WebhookError::BadPayload(_))
    ));
    // The right token: the change comes at once, not in an hour.
    hook.accept("s3cret-token", payload.as_bytes())
        .expect("accepted");
    let started = Instant::now();
    while qty(store.clone()).await != 7.0 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the webhook did not wake the sync"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A phantom webhook (for a change that was rolled back) changes nothing.
    let phantom = json!({"_model": "purchase.order", "_id": id}).to_string();
    hook.accept("s3cret-token", phantom.as_bytes())
        .expect("accepted");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let o = store.order(uuid).await.expect("read").expect("order");
    assert_eq!((o.lines[0].quantity, o.status), (7.0, OrderStatus::Synced));
    running.stop().await;
}

async fn a_lost_webhook_only_delays_the_change_to_the_next_poll(db: Db) {
    let sim = Sim::builder().start().await.expect("sim");
    let Some((store, _keep)) = store(db).await else {
        return;
    };
    let odoo = client(&sim.url(), RetryPolicy::none()).await;
    let uuid = store
        .add_order(&order("Alpenrose Dairy", 2.0))
        .await
        .expect("add");
    let sync = Arc::new(
        SyncService::new(
            store.clone(),
            odoo.clone(),
            "w",
            Policies::all(Policy::OdooWins),
        )
        .poll_every(Duration::from_millis(300)),
    );
    sync.round().await.expect("round");
    let id = store
        .order(uuid)
        .await
        .expect("read")
        .expect("order")
        .odoo_id
        .expect("id");
    let line = odoo
        .search(
            "purchase.order.line",
            json!([["order_id", "=", id]]),
            Default::default(),
        )
        .await
        .expect("line")[0];
    odoo.write("purchase.order.line", &[line], json!({"product_qty": 5.0}))
        .await
        .expect("edit");
    let running = Running::start(sync.clone()).await;
    let started = Instant::now();
    loop {
        let q = store.order(uuid).await.expect("read").expect("order").lines[0].quantity;
        if q == 5.0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the poll never found it"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    running.stop().await;
}

async fn a_thousand_orders_reach_odoo_exactly_once_under_faults(db: Db) {
    let sim = Sim::builder().start().await.expect("sim");
    let Some((store, _keep)) = store(db).await else {
        return;
    };
    let odoo = client(
        &sim.url(),
        RetryPolicy::default().delays(Duration::from_millis(1), Duration::from_millis(10)),
    )
    .await;
    let suppliers = ["Alpenrose Dairy", "Northwind Looms", "Copperleaf Tools"];
    let mut uuids = Vec::new();
    for i in 0..1000 {
        uuids.push(
            store
                .add_order(&order(suppliers[i % 3], 1.0 + (i % 7) as f64))
                .await
                .expect("add"),
        );
    }
    sim.set_faults(FaultPlan::random(
        0.1,
        vec![
            Fault::Status(503),
            Fault::Reset,
            Fault::Truncate,
            Fault::SerializationFailure,
        ],
        42,
    ));
    let sync = SyncService::new(
        store.clone(),
        odoo.clone(),
        "w",
        Policies::all(Policy::OdooWins),
    );
    let started = Instant::now();
    loop {
        let _ = sync.round().await;
        if store.backlog().await.expect("backlog") == 0 {
            break;
        }
        store.make_all_due().await.expect("due");
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the backlog never drained"
        );
    }
    sim.set_faults(FaultPlan::none());
    let synced = {
        let mut n = 0;
        for u in &uuids {
            let o = store.order(*u).await.expect("read").expect("order");
            assert_eq!(o.status, OrderStatus::Synced, "{u}: {:?}", o.last_error);
            n += 1;
        }
        n
    };
    assert_eq!(synced, 1000);
    let in_odoo = odoo
        .search_count("purchase.order", json!([["origin", "=like", "zenoo:%"]]))
        .await
        .expect("count");
    assert_eq!(in_odoo, 1000, "each order once, by its key");
    let keyed = odoo
        .search_count(
            "ir.model.data",
            json!([
                ["module", "=", "zenoo_sync"],
                ["model", "=", "purchase.order"]
            ]),
        )
        .await
        .expect("count");
    assert_eq!(keyed, 1000, "each order once, by its external id");
}

async fn an_application_change_is_pushed_at_once_without_waiting_for_a_poll(db: Db) {
    let sim = Sim::builder().start().await.expect("sim");
    let Some((store, _keep)) = store(db).await else {
        return;
    };
    let odoo = client(&sim.url(), RetryPolicy::none()).await;
    let sync = Arc::new(
        SyncService::new(store.clone(), odoo, "w", Policies::all(Policy::OdooWins))
            .poll_every(Duration::from_secs(3600)),
    );
    let running = Running::start(sync.clone()).await;
    let uuid = store
        .add_order(&order("Alpenrose Dairy", 3.0))
        .await
        .expect("add");
    let started = Instant::now();
    while store
        .order(uuid)
        .await
        .expect("read")
        .expect("order")
        .status
        != OrderStatus::Synced
    {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the change waited for a poll an hour away"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    running.stop().await;
}

on_both_stores!(
    events_tell_both_directions,
    webhooks_only_make_the_next_poll_sooner,
    a_lost_webhook_only_delays_the_change_to_the_next_poll,
    a_thousand_orders_reach_odoo_exactly_once_under_faults,
    an_application_change_is_pushed_at_once_without_waiting_for_a_poll,
);
