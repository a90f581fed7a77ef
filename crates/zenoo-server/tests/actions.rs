//! Declarative actions: a YAML file checked at start, listed by scope,
//! parameters validated before anything runs.

mod common;

use common::{Server, order};
use serde_json::json;
use zenoo_server::actions::Actions;
use zenoo_server::principal::Scope;

const FILE: &str = r#"
confirm_order:
  description: Confirm the purchase order in Odoo
  scope: orders:write
  run: odoo.confirm
  params:
    type: object
    required: [order]
    properties:
      order: {type: string, format: uuid}
    additionalProperties: false
cancel_in_odoo:
  description: Cancel the purchase order in Odoo
  scope: admin
  run: odoo.cancel
  params:
    type: object
    required: [order]
    properties:
      order: {type: string}
resync_supplier:
  description: Sync every order of a supplier again
  scope: orders:write
  run: sync.supplier
  params:
    type: object
    required: [supplier]
    properties:
      supplier: {type: string, minLength: 1}
"#;

#[test]
fn a_bad_actions_file_is_refused_with_the_line_and_the_reason() {
    let bad_run =
        "ok:\n  scope: admin\n  run: odoo.explode\n  params: {type: object, required: [order]}\n";
    let e = Actions::parse(bad_run, "actions.yaml").expect_err("unknown run");
    assert_eq!(e.line, 3, "{e}");
    assert!(e.to_string().starts_with("actions.yaml, line 3: "), "{e}");
    assert!(e.reason.contains("odoo.explode"), "{e}");

    let bad_scope = "ok:\n  scope: everything\n  run: sync.order\n  params: {type: object, required: [order]}\n";
    let e = Actions::parse(bad_scope, "a.yaml").expect_err("unknown scope");
    assert_eq!(e.line, 2, "{e}");

    let bad_schema = "first:\n  scope: admin\n  run: sync.order\n  params: {type: object, required: [order]}\nsecond:\n  scope: admin\n  run: sync.order\n  params: {type: 12, required: [order]}\n";
    let e = Actions::parse(bad_schema, "a.yaml").expect_err("bad schema");
    assert_eq!(e.line, 5, "{e}");
    assert!(e.reason.contains("not a JSON Schema"), "{e}");

    let unrequired = "x:\n  scope: admin\n  run: sync.supplier\n  params: {type: object}\n";
    let e = Actions::parse(unrequired, "a.yaml").expect_err("supplier not required");
    assert!(e.reason.contains("`supplier`"), "{e}");

    let not_yaml = "x: [unclosed\n";
    let e = Actions::parse(not_yaml, "a.yaml").expect_err("not YAML");
    assert!(e.line >= 1, "{e}");

    assert_eq!(
        Actions::parse(FILE, "a.yaml").expect("good").list().len(),
        3
    );
}

#[tokio::test]
async fn actions_are_listed_by_scope_validated_and_run() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("actions.yaml");
    std::fs::write(&path, FILE).expect("write");
    let s = Server::start(&format!("actions_file = \"{}\"\n", path.display())).await;
    let admin = s.admin().await;
    let writer = s.key(&[Scope::OrdersRead, Scope::OrdersWrite], None).await;
    let (code, listed) = s.get("/actions", &writer).await;
    assert_eq!(code, 200);
    let names: Vec<&str> = listed
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|a| a["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["confirm_order", "resync_supplier"],
        "the admin-only action is not listed"
    );
    let (_, all) = s.get("/actions", &admin).await;
    assert_eq!(all.as_array().map(Vec::len), Some(3));

    let (_, created) = s
        .post("/orders", &writer, order("Alpenrose Dairy", 2.0))
        .await;
    let uuid = created["uuid"].as_str().expect("uuid").to_string();
    let synced = s.wait_status(&writer, &uuid, "synced").await;

    // Parameters are checked against the schema before anything runs.
    let (code, p) = s
        .post(
            "/actions/confirm_order",
            &writer,
            json!({"order": uuid, "extra": 1}),
        )
        .await;
    assert_eq!(code, 422, "{p}");
    assert_eq!(p["type"], "https://zenoo.dev/problems/invalid-parameters");
    let (code, p) = s.post("/actions/confirm_order", &writer, json!({})).await;
    assert_eq!(code, 422);
    assert!(
        p["detail"].as_str().unwrap_or_default().contains("order"),
        "{p}"
    );
    let (code, _) = s
        .post("/actions/cancel_in_odoo", &writer, json!({"order": uuid}))
        .await;
    assert_eq!(code, 403, "the scope is checked");
    let (code, p) = s.post("/actions/no_such", &writer, json!({})).await;
    assert_eq!(code, 404);
    assert_eq!(p["type"], "https://zenoo.dev/problems/unknown-action");

    // Confirming in Odoo: the order becomes a purchase there, and the poll
    // brings the state back.
    let (code, done) = s
        .post("/actions/confirm_order", &writer, json!({"order": uuid}))
        .await;
    assert_eq!(code, 200, "{done}");
    assert_eq!(done["result"]["called"], "button_confirm");
    let client = common::odoo(&s.sim).await;
    let state: Vec<serde_json::Value> = client
        .read(
            "purchase.order",
            &[synced["odoo_id"].as_i64().expect("id")],
            &["state"],
            zenoo_rpc::Load::default(),
        )
        .await
        .expect("read");
    assert_eq!(state[0]["state"], "purchase");
    let (code, done) = s
        .post(
            "/actions/resync_supplier",
            &writer,
            json!({"supplier": "Alpenrose Dairy"}),
        )
        .await;
    assert_eq!(code, 200, "{done}");
    assert_eq!(done["result"]["queued"], 1);
    s.stop().await;
}
