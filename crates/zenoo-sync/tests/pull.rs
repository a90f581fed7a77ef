//! Changes made in Odoo come back to the application; edits on both sides
//! are conflicts decided by policy. Against zenoo-sim over HTTP.

use serde_json::{Map, Value, json};
use zenoo_rpc::{Call, Client, Load};
use zenoo_sync::{
    AppLine, NewOrder, OrderStatus, Origin, Policies, Policy, Poller, Store, Take, Worker,
};

mod common;
use common::Db;

fn order(lines: &[(&str, f64, f64)]) -> NewOrder {
    NewOrder {
        supplier_ref: "Alpenrose Dairy".into(),
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

struct Fixture {
    _sim: zenoo_sim::SimHandle,
    client: Client,
    store: Store,
    worker: Worker,
    _keep: common::Keep,
}

async fn fixture(db: Db) -> Option<Fixture> {
    let (sim, client, store, keep) = common::setup(db).await?;
    let worker = Worker::new(store.clone(), client.clone(), "w");
    Some(Fixture {
        _sim: sim,
        client,
        store,
        worker,
        _keep: keep,
    })
}

impl Fixture {
    /// An order made in the application and pushed: its uuid and Odoo id.
    async fn pushed(&self, lines: &[(&str, f64, f64)]) -> (uuid::Uuid, i64) {
        let uuid = self.store.add_order(&order(lines)).await.expect("add");
        self.worker.run_until_idle().await.expect("push");
        let o = self.store.order(uuid).await.expect("read").expect("order");
        (uuid, o.odoo_id.expect("pushed"))
    }

    async fn odoo_lines(&self, id: i64) -> Vec<Map<String, Value>> {
        self.client
            .search_read(
                "purchase.order.line",
                json!([["order_id", "=", id]]),
                &["product_id", "product_qty", "price_unit"],
                zenoo_rpc::SearchOptions::new().order("id"),
            )
            .await
            .expect("lines")
    }

    async fn app(&self, uuid: uuid::Uuid) -> zenoo_sync::AppOrder {
        self.store.order(uuid).await.expect("read").expect("order")
    }
}

fn quantities(o: &zenoo_sync::AppOrder) -> Vec<(String, f64, f64)> {
    o.lines
        .iter()
        .map(|l| (l.product_code.clone(), l.quantity, l.price_unit))
        .collect()
}

async fn odoo_side_edits_come_back_and_are_not_echoed(db: Db) {
    let Some(fx) = fixture(db).await else {
        return;
    };
    let (uuid, id) = fx
        .pushed(&[("ZL-100", 2.0, 80.0), ("ZL-200", 5.0, 20.0)])
        .await;
    let poller = Poller::new(
        fx.store.clone(),
        fx.client.clone(),
        Policies::all(Policy::Manual),
    );
    // What the sync pushed itself is not a change.
    let first = poller.poll_once().await.expect("poll");
    assert_eq!((first.applied, first.conflicts), (0, 0), "{first:?}");

    // In Odoo: confirm, a quantity and a price, a line added, a line removed.
    let lines = fx.odoo_lines(id).await;
    let (l1, l2) = (
        lines[0]["id"].as_i64().expect("id"),
        lines[1]["id"].as_i64().expect("id"),
    );
    fx.client
        .write(
            "purchase.order",
            &[id],
            json!({"order_line": [
                [1, l1, {"product_qty": 4.0, "price_unit": 75.0}],
                [2, l2],
                [0, 0, {"product_id": 3, "product_qty": 1.0, "price_unit": 300.0, "name": "ZL-300"}]
            ]}),
        )
        .await
        .expect("odoo edit");
    let _: Value = fx
        .client
        .call(Call::new("purchase.order", "button_confirm").arg(json!([id])))
        .await
        .expect("confirm");
    let r = poller.poll_once().await.expect("poll");
    assert_eq!(r.applied, 1, "{r:?}");
    let app = fx.app(uuid).await;
    assert_eq!(app.state, "purchase");
    assert_eq!(app.status, OrderStatus::Synced);
    assert_eq!(
        quantities(&app),
        [
            ("ZL-100".to_string(), 4.0, 75.0),
            ("ZL-300".to_string(), 1.0, 300.0)
        ]
    );
    // Taken, not echoed: nothing to push, and the next pass sees nothing.
    assert_eq!(fx.store.backlog().await.expect("backlog"), 0);
    let again = poller.poll_once().await.expect("poll");
    assert_eq!(again.applied, 0, "{again:?}");

    // Cancellation comes back too.
    let _: Value = fx
        .client
        .call(Call::new("purchase.order", "button_cancel").arg(json!([id])))
        .await
        .expect("cancel");
    poller.poll_once().await.expect("poll");
    assert_eq!(fx.app(uuid).await.state, "cancel");
}

/// Edits the order's first line on both sides: the application to `app`
/// units, Odoo to `odoo` units.
async fn edit_both(fx: &Fixture, uuid: uuid::Uuid, id: i64, app: f64, odoo: f64) {
    fx.store
        .update_order(uuid, &order(&[("ZL-100", app, 80.0)]))
        .await
        .expect("app edit");
    let line = fx.odoo_lines(id).await[0]["id"].as_i64().expect("line");
    fx.client
        .write(
            "purchase.order",
            &[id],
            json!({"order_line": [[1, line, {"product_qty": odoo}]]}),
        )
        .await
        .expect("odoo edit");
}

async fn a_manual_conflict_waits_and_resolves_through_the_api(db: Db) {
    let Some(fx) = fixture(db).await else {
        return;
    };
    let (uuid, id) = fx.pushed(&[("ZL-100", 2.0, 80.0)]).await;
    let poller = Poller::new(fx.store.clone(), fx.client.clone(), Policies::default());
    edit_both(&fx, uuid, id, 3.0, 9.0).await;
    let r = poller.poll_once().await.expect("poll");
    assert_eq!(r.conflicts, 1);
    assert_eq!(fx.app(uuid).await.status, OrderStatus::Conflict);
    let open = fx.store.conflicts().await.expect("conflicts");
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].order, uuid);
    assert_eq!(open[0].app[0]["quantity"], 3.0, "the application's version");
    assert_eq!(open[0].odoo[0]["quantity"], 9.0, "Odoo's version");
    // The pending push waits: the order is in conflict.
    fx.worker.run_until_idle().await.expect("run");
    assert_eq!(fx.odoo_lines(id).await[0]["product_qty"], 9.0);
    poller.resolve(uuid, Take::Odoo).await.expect("resolve");
    let app = fx.app(uuid).await;
    assert_eq!(
        (app.status, app.lines[0].quantity),
        (OrderStatus::Synced, 9.0)
    );
    assert!(fx.store.conflicts().await.expect("conflicts").is_empty());
    // The audit log holds both versions, then the choice.
    let log = fx.store.audit(uuid).await.expect("audit");
    let conflict = log
        .iter()
        .find(|e| e.action == "conflict")
        .expect("the conflict is on record");
    assert_eq!(conflict.origin, Origin::Sync);
    assert_eq!(conflict.before.as_ref().expect("app")[0]["quantity"], 3.0);
    assert_eq!(conflict.after.as_ref().expect("odoo")[0]["quantity"], 9.0);
    assert_eq!(
        conflict.detail.as_ref().expect("detail")["policy"],
        "manual"
    );
    let resolved = log.iter().find(|e| e.action == "resolved").expect("choice");
    assert_eq!(resolved.detail.as_ref().expect("detail")["taken"], "odoo");
    assert!(
        poller.resolve(uuid, Take::App).await.is_err(),
        "nothing left to resolve"
    );
}

async fn resolving_for_the_app_keeps_what_only_odoo_changed(db: Db) {
    let Some(fx) = fixture(db).await else {
        return;
    };
    let (uuid, id) = fx
        .pushed(&[("ZL-100", 2.0, 80.0), ("ZL-200", 1.0, 50.0)])
        .await;
    let poller = Poller::new(fx.store.clone(), fx.client.clone(), Policies::default());
    let mut events = fx.store.events().subscribe();
    // Both change line 1's quantity; Odoo alone changes line 2's price.
    fx.store
        .update_order(
            uuid,
            &order(&[("ZL-100", 3.0, 80.0), ("ZL-200", 1.0, 50.0)]),
        )
        .await
        .expect("app edit");
    let lines = fx.odoo_lines(id).await;
    let (l1, l2) = (lines[0]["id"].clone(), lines[1]["id"].clone());
    fx.client
        .write(
            "purchase.order",
            &[id],
            json!({"order_line": [[1, l1, {"product_qty": 9.0}], [1, l2, {"price_unit": 55.0}]]}),
        )
        .await
        .expect("odoo edit");
    poller.poll_once().await.expect("poll");
    assert_eq!(fx.app(uuid).await.status, OrderStatus::Conflict);
    let parts = loop {
        match events.try_recv().expect("a conflict event") {
            zenoo_sync::SyncEvent::Conflict { order, parts } if order == uuid => break parts,
            _ => {}
        }
    };
    assert_eq!(parts, [zenoo_sync::Part::Lines]);
    poller.resolve(uuid, Take::App).await.expect("resolve");
    fx.worker.run_until_idle().await.expect("push");
    let want = [
        ("ZL-100".to_string(), 3.0, 80.0),
        ("ZL-200".to_string(), 1.0, 55.0),
    ];
    assert_eq!(quantities(&fx.app(uuid).await), want);
    let odoo = fx.odoo_lines(id).await;
    assert_eq!(
        odoo.iter()
            .map(|l| (l["product_qty"].clone(), l["price_unit"].clone()))
            .collect::<Vec<_>>(),
        [(json!(3.0), json!(80.0)), (json!(1.0), json!(55.0))]
    );
    assert_eq!(fx.app(uuid).await.status, OrderStatus::Synced);
}

async fn edits_to_different_fields_on_both_sides_merge_without_a_conflict(db: Db) {
    let Some(fx) = fixture(db).await else {
        return;
    };
    let (uuid, id) = fx
        .pushed(&[("ZL-100", 2.0, 80.0), ("ZL-200", 1.0, 50.0)])
        .await;
    // Manual everywhere: a real collision would stop here.
    let poller = Poller::new(fx.store.clone(), fx.client.clone(), Policies::default());
    // The application changes line 1's quantity and adds a line; Odoo
    // changes line 2's price.
    fx.store
        .update_order(
            uuid,
            &order(&[
                ("ZL-100", 4.0, 80.0),
                ("ZL-200", 1.0, 50.0),
                ("ZL-300", 7.0, 5.0),
            ]),
        )
        .await
        .expect("app edit");
    let l2 = fx.odoo_lines(id).await[1]["id"].clone();
    fx.client
        .write(
            "purchase.order",
            &[id],
            json!({"order_line": [[1, l2, {"price_unit": 52.5}]]}),
        )
        .await
        .expect("odoo edit");
    let r = poller.poll_once().await.expect("poll");
    assert_eq!(r.conflicts, 0, "different fields do not collide");
    fx.worker.run_until_idle().await.expect("push");
    let want = [
        ("ZL-100".to_string(), 4.0, 80.0),
        ("ZL-200".to_string(), 1.0, 52.5),
        ("ZL-300".to_string(), 7.0, 5.0),
    ];
    let app = fx.app(uuid).await;
    assert_eq!(quantities(&app), want);
    assert_eq!(app.status, OrderStatus::Synced);
    let odoo: Vec<(f64, f64)> = fx
        .odoo_lines(id)
        .await
        .iter()
        .map(|l| {
            (
                l["product_qty"].as_f64().unwrap_or_default(),
                l["price_unit"].as_f64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(odoo, [(4.0, 80.0), (1.0, 52.5), (7.0, 5.0)]);
    // Nothing more moves either way.
    assert_eq!(poller.poll_once().await.expect("again").applied, 0);
    assert!(fx.store.conflicts().await.expect("conflicts").is_empty());
}

async fn each_policy_decides_a_conflict(db: Db) {
    for (policy, app_first, expect) in [
        (Policy::OdooWins, true, 9.0),
        (Policy::AppWins, true, 3.0),
        // The application changed before Odoo did: Odoo is newer.
        (Policy::NewestWins, true, 9.0),
        // And the other way round.
        (Policy::NewestWins, false, 3.0),
    ] {
        let Some(fx) = fixture(db).await else {
            return;
        };
        let (uuid, id) = fx.pushed(&[("ZL-100", 2.0, 80.0)]).await;
        let poller = Poller::new(fx.store.clone(), fx.client.clone(), Policies::all(policy));
        let app_edit = async {
            fx.store
                .update_order(uuid, &order(&[("ZL-100", 3.0, 80.0)]))
                .await
                .expect("app edit");
        };
        let line = fx.odoo_lines(id).await[0]["id"].as_i64().expect("line");
        let odoo_edit = async {
            fx.client
                .write(
                    "purchase.order",
                    &[id],
                    json!({"order_line": [[1, line, {"product_qty": 9.0}]]}),
                )
                .await
                .expect("odoo edit");
        };
        // Odoo's write_date is whole seconds: a second between the edits.
        let pause = || tokio::time::sleep(std::time::Duration::from_millis(1100));
        if app_first {
            app_edit.await;
            pause().await;
            odoo_edit.await;
        } else {
            odoo_edit.await;
            pause().await;
            app_edit.await;
        }
        let (expect_app, expect_odoo) = (expect, expect);
        let r = poller.poll_once().await.expect("poll");
        assert_eq!(r.conflicts, 1, "{policy:?}");
        fx.worker.run_until_idle().await.expect("run");
        let app = fx.app(uuid).await;
        assert_eq!(app.lines[0].quantity, expect_app, "{policy:?}");
        assert_eq!(
            fx.odoo_lines(id).await[0]["product_qty"],
            expect_odoo,
            "{policy:?}"
        );
        assert_eq!(app.status, OrderStatus::Synced, "{policy:?}");
        // The audit log shows both versions and what decided.
        let log = fx.store.audit(uuid).await.expect("audit");
        let c = log
            .iter()
            .find(|e| e.action == "conflict")
            .expect("on record");
        assert_eq!(c.before.as_ref().expect("app")[0]["quantity"], 3.0);
        assert_eq!(c.after.as_ref().expect("odoo")[0]["quantity"], 9.0);
        let detail = c.detail.as_ref().expect("detail");
        assert_eq!(detail["policy"], policy.as_str(), "{policy:?}");
        let taken = if expect == 9.0 { "odoo" } else { "app" };
        assert_eq!(detail["taken"], taken, "{policy:?}");
        assert_eq!(detail["at"][0]["field"], "quantity");
    }
}

async fn a_confirmed_orders_lines_are_not_overwritten_from_the_app_without_a_choice(db: Db) {
    let Some(fx) = fixture(db).await else {
        return;
    };
    let (uuid, id) = fx.pushed(&[("ZL-100", 2.0, 80.0)]).await;
    let _: Value = fx
        .client
        .call(Call::new("purchase.order", "button_confirm").arg(json!([id])))
        .await
        .expect("confirm");
    let poller = Poller::new(
        fx.store.clone(),
        fx.client.clone(),
        Policies::all(Policy::AppWins),
    );
    poller.poll_once().await.expect("state comes back");
    edit_both(&fx, uuid, id, 3.0, 9.0).await;
    poller.poll_once().await.expect("poll");
    assert_eq!(
        fx.app(uuid).await.status,
        OrderStatus::Conflict,
        "app-wins waits for a choice here"
    );
    let po: Vec<Map<String, Value>> = fx
        .client
        .read("purchase.order", &[id], &["state"], Load::Raw)
        .await
        .expect("po");
    assert_eq!(po[0]["state"], "purchase");
    assert_eq!(fx.odoo_lines(id).await[0]["product_qty"], 9.0);
}

async fn an_edit_committed_with_an_older_write_date_is_still_picked_up(db: Db) {
    let Some(fx) = fixture(db).await else {
        return;
    };
    let (uuid, id) = fx.pushed(&[("ZL-100", 2.0, 80.0)]).await;
    let poller = Poller::new(
        fx.store.clone(),
        fx.client.clone(),
        Policies::all(Policy::OdooWins),
    );
    let blind = Poller::new(
        fx.store.clone(),
        fx.client.clone(),
        Policies::all(Policy::OdooWins),
    )
    .overlap(std::time::Duration::ZERO);
    // Something newer is seen first: the cursor moves to now.
    let (_, other) = fx.pushed(&[("ZL-200", 1.0, 20.0)]).await;
    poller.poll_once().await.expect("poll");
    // Then a transaction that began a minute ago commits a quantity.
    fx._sim.set_write_lag(std::time::Duration::from_secs(60));
    let line = fx.odoo_lines(id).await[0]["id"].as_i64().expect("line");
    fx.client
        .write(
            "purchase.order",
            &[id],
            json!({"order_line": [[1, line, {"product_qty": 6.0}]]}),
        )
        .await
        .expect("late commit");
    fx._sim.set_write_lag(std::time::Duration::ZERO);
    let _ = other;
    // Without an overlap a cursor skips it; the full reconcile finds it.
    let missed = blind.poll_once().await.expect("poll");
    assert_eq!(missed.applied, 0, "a bare cursor misses the late row");
    assert_eq!(fx.app(uuid).await.lines[0].quantity, 2.0);
    // With the overlap window the next pass picks it up.
    let r = poller.poll_once().await.expect("poll");
    assert_eq!(r.applied, 1, "{r:?}");
    assert_eq!(fx.app(uuid).await.lines[0].quantity, 6.0);
    // And a reconcile agrees there is nothing left to take.
    let again = blind.reconcile().await.expect("reconcile");
    assert_eq!(again.applied, 0);
}

async fn the_full_reconcile_catches_what_a_cursor_missed(db: Db) {
    let Some(fx) = fixture(db).await else {
        return;
    };
    let (uuid, id) = fx.pushed(&[("ZL-100", 2.0, 80.0)]).await;
    let blind = Poller::new(
        fx.store.clone(),
        fx.client.clone(),
        Policies::all(Policy::OdooWins),
    )
    .overlap(std::time::Duration::ZERO);
    blind.poll_once().await.expect("poll");
    fx._sim.set_write_lag(std::time::Duration::from_secs(600));
    let line = fx.odoo_lines(id).await[0]["id"].as_i64().expect("line");
    fx.client
        .write(
            "purchase.order",
            &[id],
            json!({"order_line": [[1, line, {"price_unit": 70.0}]]}),
        )
        .await
        .expect("late commit");
    assert_eq!(blind.poll_once().await.expect("poll").applied, 0);
    let r = blind.reconcile().await.expect("reconcile");
    assert_eq!(r.applied, 1);
    assert_eq!(fx.app(uuid).await.lines[0].price_unit, 70.0);
}

async fn a_pass_pages_through_more_orders_than_a_page_holds(db: Db) {
    let Some(fx) = fixture(db).await else {
        return;
    };
    for i in 0..450 {
        fx.store
            .add_order(&order(&[
                ("ZL-100", 1.0 + i as f64, 80.0),
                ("ZL-400", 2.0, 3.5),
            ]))
            .await
            .expect("add");
    }
    fx.worker.run_until_idle().await.expect("push");
    let poller = Poller::new(
        fx.store.clone(),
        fx.client.clone(),
        Policies::all(Policy::OdooWins),
    );
    let first = tokio::time::timeout(std::time::Duration::from_secs(60), poller.poll_once())
        .await
        .expect("a pass ends")
        .expect("poll");
    assert_eq!((first.seen, first.applied, first.conflicts), (450, 0, 0));
}

on_both_stores!(
    odoo_side_edits_come_back_and_are_not_echoed,
    a_manual_conflict_waits_and_resolves_through_the_api,
    each_policy_decides_a_conflict,
    resolving_for_the_app_keeps_what_only_odoo_changed,
    edits_to_different_fields_on_both_sides_merge_without_a_conflict,
    a_confirmed_orders_lines_are_not_overwritten_from_the_app_without_a_choice,
    an_edit_committed_with_an_older_write_date_is_still_picked_up,
    the_full_reconcile_catches_what_a_cursor_missed,
    a_pass_pages_through_more_orders_than_a_page_holds,
);
