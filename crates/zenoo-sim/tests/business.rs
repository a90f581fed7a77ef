//! Business rules clients run into: workflow buttons that refuse the wrong
//! state, hierarchical names, and recursion on parent fields.

use serde_json::{Value, json};
use zenoo_sim::{OdooVersion, Sim};

async fn call(url: &str, model: &str, method: &str, args: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{url}/jsonrpc"))
        .json(
            &json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
            "service": "object", "method": "execute_kw",
            "args": ["demo", 2, "admin", model, method, args]}}),
        )
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json")
}

fn error(v: &Value) -> (&str, &str) {
    let d = &v["error"]["data"];
    (
        d["name"].as_str().unwrap_or(""),
        d["message"].as_str().unwrap_or(""),
    )
}

async fn state(url: &str, model: &str, id: i64) -> Value {
    call(url, model, "read", json!([[id], ["state"]])).await["result"][0]["state"].clone()
}

#[tokio::test]
async fn workflow_buttons_follow_odoo_state_rules() {
    let sim = Sim::builder().start().await.expect("sim");
    let url = sim.url();
    // Sale order 1 is confirmed: confirming again is Odoo's UserError.
    let v = call(&url, "sale.order", "action_confirm", json!([[1]])).await;
    assert_eq!(
        error(&v),
        (
            "odoo.exceptions.UserError",
            "Some orders are not in a state requiring confirmation."
        ),
        "{v}"
    );
    // A draft one confirms; draft from cancel only.
    assert_eq!(
        call(&url, "sale.order", "action_confirm", json!([[3]])).await["result"],
        json!(true)
    );
    assert_eq!(state(&url, "sale.order", 3).await, "sale");
    assert_eq!(
        call(&url, "sale.order", "action_draft", json!([[3]])).await["result"],
        json!(true)
    );
    assert_eq!(
        state(&url, "sale.order", 3).await,
        "sale",
        "a confirmed order does not go back to draft"
    );
    call(&url, "sale.order", "action_cancel", json!([[3]])).await;
    call(&url, "sale.order", "action_draft", json!([[3]])).await;
    assert_eq!(state(&url, "sale.order", 3).await, "draft");
    // Purchase: confirming a confirmed order changes nothing; deleting one
    // that is not cancelled is refused.
    assert_eq!(state(&url, "purchase.order", 1).await, "purchase");
    assert_eq!(
        call(&url, "purchase.order", "button_confirm", json!([[1]])).await["result"],
        json!(true)
    );
    assert_eq!(state(&url, "purchase.order", 1).await, "purchase");
    let v = call(&url, "purchase.order", "unlink", json!([[2]])).await;
    assert_eq!(
        error(&v),
        (
            "odoo.exceptions.UserError",
            "In order to delete a purchase order, you must cancel it first."
        ),
        "{v}"
    );
    call(&url, "purchase.order", "button_cancel", json!([[2]])).await;
    assert_eq!(
        call(&url, "purchase.order", "unlink", json!([[2]])).await["result"],
        json!(true)
    );
    // A button on a missing record is Odoo's MissingError.
    let v = call(&url, "purchase.order", "button_confirm", json!([[999]])).await;
    assert_eq!(error(&v).0, "odoo.exceptions.MissingError", "{v}");
}

#[tokio::test]
async fn categories_show_their_path_and_refuse_cycles() {
    let shared = match zenoo_sim::shared_data::shared_dir() {
        Ok(d) => d,
        Err(e) => {
            zenoo_sim::skip::missing(e);
            return;
        }
    };
    let sim = Sim::builder()
        .fixture(shared.join("odoo/fixtures/odoo18-demo"))
        .version(OdooVersion::V18)
        .database("demo")
        .start()
        .await
        .expect("sim");
    let url = sim.url();
    let parent =
        call(&url, "product.category", "create", json!([{"name": "Vet"}])).await["result"].clone();
    let child = call(
        &url,
        "product.category",
        "create",
        json!([{"name": "Vaccines", "parent_id": parent}]),
    )
    .await["result"]
        .clone();
    let read = |id: Value| {
        let url = url.clone();
        async move {
            call(
                &url,
                "product.category",
                "read",
                json!([[id], ["complete_name", "display_name"]]),
            )
            .await["result"][0]
                .clone()
        }
    };
    let row = read(child.clone()).await;
    assert_eq!(row["complete_name"], "Vet / Vaccines", "{row}");
    assert_eq!(row["display_name"], "Vet / Vaccines", "{row}");
    // A product in the new category shows its path in the many2one.
    let created = call(
        &url,
        "product.template",
        "create",
        json!([{"name": "Rabies shot", "categ_id": child}]),
    )
    .await;
    // Without a unit of measure: Odoo's default, Units.
    let product = created["result"].clone();
    assert!(product.is_i64(), "{created}");
    let uom = call(
        &url,
        "product.template",
        "read",
        json!([[product], ["uom_id"]]),
    )
    .await;
    assert_eq!(uom["result"][0]["uom_id"][0], json!(1), "{uom}");
    let p = call(
        &url,
        "product.template",
        "read",
        json!([[product], ["categ_id"]]),
    )
    .await;
    assert_eq!(p["result"][0]["categ_id"][1], "Vet / Vaccines", "{p}");
    // Renaming the parent renames the path below it.
    call(
        &url,
        "product.category",
        "write",
        json!([[parent], {"name": "Veterinary"}]),
    )
    .await;
    assert_eq!(
        read(child.clone()).await["complete_name"],
        "Veterinary / Vaccines"
    );
    // A category under its own child is refused, by the ORM's update of
    // its parent path before any constraint (as real 18 and 19 refuse it).
    let v = call(
        &url,
        "product.category",
        "write",
        json!([[parent], {"parent_id": child}]),
    )
    .await;
    assert_eq!(
        error(&v),
        ("odoo.exceptions.UserError", "Recursion Detected."),
        "{v}"
    );
}

#[tokio::test]
async fn json2_refuses_a_restricted_user_as_odoo_19_does() {
    let shared = match zenoo_sim::shared_data::shared_dir() {
        Ok(d) => d,
        Err(e) => {
            zenoo_sim::skip::missing(e);
            return;
        }
    };
    let key = "demokey0123456789abcdef0123456789abc";
    let sim = Sim::builder()
        .fixture(shared.join("odoo/fixtures/odoo19-demo"))
        .version(OdooVersion::V19)
        .database("demo")
        .user("demo", "demo", Some(key))
        .start()
        .await
        .expect("sim");
    let http = reqwest::Client::new();
    let json2 = |model: &str, method: &str, body: Value| {
        let req = http
            .post(format!("{}/json/2/{model}/{method}", sim.url()))
            .bearer_auth(key)
            .header("X-Odoo-Database", "demo")
            .json(&body);
        async move {
            let r = req.send().await.expect("answered");
            let status = r.status().as_u16();
            let v: Value = r.json().await.expect("json");
            (
                status,
                v["name"].as_str().unwrap_or("").to_string(),
                v["message"].as_str().unwrap_or("").to_string(),
            )
        }
    };
    // Another salesman's order, hidden by the read rules: every method on
    // it is refused for 'read' first, with 403 (not 404).
    for (method, body) in [
        ("write", json!({"ids": [7], "vals": {"note": "x"}})),
        ("copy", json!({"ids": [7]})),
        ("action_confirm", json!({"ids": [7]})),
        ("read", json!({"ids": [7], "fields": ["name"]})),
    ] {
        let (status, name, message) = json2("sale.order", method, body).await;
        assert_eq!(
            (status, name.as_str()),
            (403, "odoo.exceptions.AccessError"),
            "{method}: {message}"
        );
        assert!(
            message.contains("doesn't have 'read' access to:"),
            "{method}: {message}"
        );
    }
    // A model the user cannot read: changing it is refused "to access".
    for (method, body) in [
        ("write", json!({"ids": [1], "vals": {"value": "x"}})),
        ("unlink", json!({"ids": [1]})),
    ] {
        let (status, _, message) = json2("ir.config_parameter", method, body).await;
        assert_eq!(status, 403, "{message}");
        assert!(
            message.starts_with(
                "You are not allowed to access 'System Parameter' (ir.config_parameter) records."
            ),
            "{method}: {message}"
        );
    }
    // A model the user reads but may not change: "modify".
    let (status, _, message) = json2(
        "res.users",
        "write",
        json!({"ids": [2], "vals": {"signature": "x"}}),
    )
    .await;
    assert_eq!(status, 403);
    assert!(
        message.starts_with("You are not allowed to modify 'User' (res.users) records."),
        "{message}"
    );
    // A method on a record that does not exist: 404 MissingError.
    let (status, name, _) =
        json2("res.partner", "action_archive", json!({"ids": [999999999]})).await;
    assert_eq!(
        (status, name.as_str()),
        (404, "odoo.exceptions.MissingError")
    );
}
