//! `zenoo apply` and `zenoo recover` against a simulator of the test's own.

use serde_json::{Value, json};

mod common;
use common::{Fixture, stderr};

fn plan(fx: &Fixture, name: &str, steps: Value) -> String {
    let path = fx.path(name);
    std::fs::write(&path, serde_json::to_vec_pretty(&steps).expect("json")).expect("plan");
    path
}

#[test]
fn a_plan_that_succeeds_prints_the_named_ids() {
    let fx = Fixture::new();
    let p = plan(
        &fx,
        "ok.json",
        json!([
            {"create": "res.partner", "vals": {"name": "Planned"}, "as": "p"},
            {"write": "res.partner", "ids": ["$p"], "vals": {"city": "Ghent"}},
            {"create": "sale.order", "vals": {"partner_id": "$p", "order_line": [[0, 0, {"product_id": 1, "product_uom_qty": 2}]]}, "as": "o"},
            {"call": "sale.order", "method": "action_confirm", "ids": ["$o"], "undo": {"method": "action_cancel"}}
        ]),
    );
    let out = fx.zenoo("demo", &["apply", &p]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ids: Value = serde_json::from_slice(&out.stdout).expect("ids as JSON");
    let partner = ids["p"].as_i64().expect("p");
    let rows = fx.read(
        "demo",
        "res.partner",
        json!([["id", "=", partner]]),
        &["city"],
    );
    assert_eq!(rows[0]["city"], "Ghent");
    let orders = fx.read(
        "demo",
        "sale.order",
        json!([["id", "=", ids["o"]]]),
        &["state"],
    );
    assert_eq!(orders[0]["state"], "sale");
}

#[test]
fn a_failing_step_rolls_the_plan_back_and_exits_1() {
    let fx = Fixture::new();
    let p = plan(
        &fx,
        "fails.json",
        json!([
            {"create": "res.partner", "vals": {"name": "Rolled Back"}, "as": "p"},
            {"write": "res.partner", "ids": [10], "vals": {"city": "Nowhere"}},
            {"unlink": "sale.order.line", "ids": [9]},
            {"write": "res.partner", "ids": ["$p"], "vals": {"no_such_field": 1}}
        ]),
    );
    let out = fx.zenoo("demo", &["apply", &p]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(
        text.contains("step 4 of 4 failed") && text.contains("no_such_field"),
        "{text}"
    );
    assert!(text.contains("rolled back: 3 steps undone"), "{text}");
    assert!(
        text.contains("sale.order.line 9 was made again as"),
        "{text}"
    );
    assert!(
        fx.read(
            "demo",
            "res.partner",
            json!([["name", "=", "Rolled Back"]]),
            &["id"]
        )
        .is_empty()
    );
    let ten = fx.read("demo", "res.partner", json!([["id", "=", 10]]), &["city"]);
    assert_eq!(ten[0]["city"], "Antwerp");
    let lines = fx.read(
        "demo",
        "sale.order.line",
        json!([["order_id", "=", 4]]),
        &["id"],
    );
    assert_eq!(lines.len(), 3, "the deleted line is back");
}

#[test]
fn a_step_that_cannot_be_undone_makes_the_rollback_partial_and_exits_2() {
    let fx = Fixture::new();
    let p = plan(
        &fx,
        "partial.json",
        json!([
            {"call": "sale.order", "method": "action_confirm", "ids": [3]},
            {"write": "sale.order", "ids": [3], "vals": {"bogus": true}}
        ]),
    );
    let out = fx.zenoo("demo", &["apply", &p]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(
        text.contains("partly rolled back") && text.contains("sale.order.action_confirm"),
        "{text}"
    );
}

#[test]
fn bad_plans_are_refused_before_anything_is_sent() {
    let fx = Fixture::new();
    for (steps, says) in [
        (json!({"create": "res.partner"}), "a JSON array of steps"),
        (
            json!([{"write": "res.partner", "ids": ["$nope"], "vals": {}}]),
            "\"$nope\" is not the name of an earlier create",
        ),
        (
            json!([{"create": "res.partner", "unlink": "res.partner"}]),
            "one kind per step",
        ),
        (
            json!([{"unlink": "res.partner"}]),
            "an unlink needs \"ids\"",
        ),
        (
            json!([{"create": "res.partner", "vals": {}, "colour": 1}]),
            "unknown key \"colour\"",
        ),
    ] {
        let p = plan(&fx, "bad.json", steps);
        let out = fx.zenoo("demo", &["apply", &p]);
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains(says), "{}", stderr(&out));
    }
    let count = fx.read("demo", "res.partner", json!([]), &["id"]).len();
    assert_eq!(count, 17, "nothing was created");
}

#[test]
fn recover_rolls_back_a_journal() {
    let fx = Fixture::new();
    // A journal left by a unit that made one step and was never finished.
    let journal = fx.path("left.journal");
    let client = fx.rt.block_on(
        zenoo_rpc::Client::builder(&fx.sim.url())
            .database("demo")
            .password("admin", "admin")
            .build(),
    );
    let client = client.expect("client");
    let id = fx.rt.block_on(async {
        let mut unit = client
            .unit_of_work()
            .with_journal(&journal)
            .expect("journal");
        let id = unit
            .create("res.partner", json!({"name": "Left Behind"}))
            .await
            .expect("create");
        std::mem::forget(unit);
        id
    });
    let out = fx.zenoo("demo", &["recover", &journal]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("rolled back: 1 step undone"),
        "{}",
        stderr(&out)
    );
    assert!(
        fx.read("demo", "res.partner", json!([["id", "=", id]]), &["id"])
            .is_empty()
    );
    assert!(!std::path::Path::new(&journal).exists());
}
