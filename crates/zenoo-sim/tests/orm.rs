//! ORM behaviour through `SimHandle::execute` (no HTTP).

use serde_json::{Map, Value, json};
use zenoo_sim::Sim;

fn kwargs(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

#[tokio::test]
async fn limited_searches_see_writes_at_once() {
    let sim = Sim::builder().scale(50).start().await.expect("sim");
    let first = |sim: &zenoo_sim::SimHandle| -> Value {
        sim.execute(
            "demo",
            2,
            "res.partner",
            "search_read",
            vec![json!([])],
            kwargs(json!({"fields": ["name"], "limit": 1})),
        )
        .expect("search")
        .unwrap_or(Value::Null)
    };
    let before = first(&sim);
    assert_ne!(before[0]["name"], json!("AAA first"));
    // A new partner that sorts first by complete_name must show up in the next limited search.
    let id = sim
        .execute(
            "demo",
            2,
            "res.partner",
            "create",
            vec![json!({"name": "AAA first"})],
            Map::new(),
        )
        .expect("create");
    assert_eq!(first(&sim)[0]["name"], json!("AAA first"));
    // Renaming it away moves it out of first place again.
    let id = id.and_then(|v| v.as_i64()).expect("id");
    sim.execute(
        "demo",
        2,
        "res.partner",
        "write",
        vec![json!([id]), json!({"name": "zzz last"})],
        Map::new(),
    )
    .expect("write");
    assert_eq!(first(&sim), before);
    // Unlinked records disappear from the cached order.
    sim.execute(
        "demo",
        2,
        "res.partner",
        "unlink",
        vec![json!([id])],
        Map::new(),
    )
    .expect("unlink");
    let all = sim
        .execute(
            "demo",
            2,
            "res.partner",
            "search",
            vec![json!([])],
            kwargs(json!({"order": "name desc", "limit": 1})),
        )
        .expect("search");
    assert_ne!(all, Some(json!([id])));
}

#[tokio::test]
async fn offset_and_limit_page_through_the_order() {
    let sim = Sim::builder().scale(30).start().await.expect("sim");
    let page = |offset: u64| -> Vec<i64> {
        let v = sim
            .execute(
                "demo",
                2,
                "res.partner",
                "search",
                vec![json!([["is_company", "=", false]])],
                kwargs(json!({"offset": offset, "limit": 7, "order": "name"})),
            )
            .expect("search")
            .unwrap_or(Value::Null);
        serde_json::from_value(v).expect("ids")
    };
    let all: Vec<i64> = serde_json::from_value(
        sim.execute(
            "demo",
            2,
            "res.partner",
            "search",
            vec![json!([["is_company", "=", false]])],
            kwargs(json!({"order": "name"})),
        )
        .expect("search")
        .unwrap_or(Value::Null),
    )
    .expect("ids");
    let paged: Vec<i64> = (0..)
        .step_by(7)
        .take_while(|o| (*o as usize) < all.len())
        .flat_map(|o| page(o as u64))
        .collect();
    assert_eq!(paged, all);
}

#[tokio::test]
async fn metadata_models_describe_the_loaded_ones() {
    let sim = Sim::builder().start().await.expect("sim");
    let xmlid = sim
        .execute(
            "demo",
            2,
            "ir.model.data",
            "search_read",
            vec![json!([["complete_name", "=", "base.user_admin"]])],
            kwargs(json!({"fields": ["model", "res_id"]})),
        )
        .expect("ir.model.data")
        .unwrap_or(Value::Null);
    assert_eq!(xmlid[0]["model"], json!("res.users"));
    assert_eq!(xmlid[0]["res_id"], json!(2));
    let fields = sim
        .execute(
            "demo",
            2,
            "ir.model.fields",
            "search_read",
            vec![json!([
                ["model", "=", "res.partner"],
                ["name", "=", "parent_id"]
            ])],
            kwargs(json!({"fields": ["ttype", "relation"]})),
        )
        .expect("ir.model.fields")
        .unwrap_or(Value::Null);
    assert_eq!(fields[0]["ttype"], json!("many2one"));
    assert_eq!(fields[0]["relation"], json!("res.partner"));
    let models = sim
        .execute(
            "demo",
            2,
            "ir.model",
            "search_count",
            vec![json!([["model", "in", ["res.partner", "sale.order"]]])],
            Map::new(),
        )
        .expect("ir.model");
    assert_eq!(models, Some(json!(2)));
}

#[tokio::test]
async fn ondelete_restrict_cascade_and_set_null() {
    let sim = Sim::builder().start().await.expect("sim");
    let call = |model: &str, method: &str, args: Vec<Value>| {
        sim.execute("demo", 2, model, method, args, Map::new())
    };
    // sale.order.line.product_id is ondelete=restrict: a sold product cannot be deleted.
    let e = call("product.product", "unlink", vec![json!([1])]).expect_err("restrict");
    assert_eq!(e.name, "odoo.exceptions.ValidationError");
    assert!(
        e.message
            .contains("another model requires the record being deleted"),
        "{}",
        e.message
    );
    assert_eq!(
        call(
            "product.product",
            "search_count",
            vec![json!([["id", "=", 1]])]
        )
        .expect("count"),
        Some(json!(1))
    );
    // order_id is ondelete=cascade: deleting a draft order deletes its lines.
    let lines = call(
        "sale.order.line",
        "search",
        vec![json!([["order_id", "=", 3]])],
    )
    .expect("lines")
    .unwrap_or(Value::Null);
    assert!(lines.as_array().is_some_and(|l| !l.is_empty()));
    call("sale.order", "unlink", vec![json!([3])]).expect("unlink draft order");
    assert_eq!(
        call(
            "sale.order.line",
            "search_count",
            vec![json!([["id", "in", lines]])]
        )
        .expect("count"),
        Some(json!(0))
    );
    // parent_id is optional: deleting a company clears its contacts' parent.
    call("res.partner", "unlink", vec![json!([12])]).expect("unlink company");
    let contact = call(
        "res.partner",
        "read",
        vec![json!([23]), json!(["parent_id"])],
    )
    .expect("read")
    .unwrap_or(Value::Null);
    assert_eq!(contact[0]["parent_id"], json!(false));
}

#[tokio::test]
async fn portal_users_see_only_their_orders_and_change_none() {
    let sim = Sim::builder().start().await.expect("sim");
    // The built-in rules: a portal user reads the orders of its commercial
    // partner (none in the demo data), and may change no order.
    let orders = sim
        .execute(
            "demo",
            7,
            "sale.order",
            "search_read",
            vec![json!([])],
            Map::new(),
        )
        .expect("portal reads");
    assert_eq!(orders, Some(json!([])));
    let e = sim
        .execute(
            "demo",
            7,
            "sale.order",
            "write",
            vec![json!([1]), json!({"note": "x"})],
            Map::new(),
        )
        .expect_err("portal writes");
    assert_eq!(e.name, "odoo.exceptions.AccessError");
    assert!(
        e.message
            .starts_with("You are not allowed to modify 'Sales Order' (sale.order) records.\n\nThis operation is allowed for the following groups:\n\t- Sales/Administrator\n\t- Sales/User: Own Documents Only"),
        "{}",
        e.message
    );
    // An order of its own would be readable: give it one.
    sim.execute(
        "demo",
        2,
        "sale.order",
        "write",
        vec![json!([2]), json!({"partner_id": 4})],
        Map::new(),
    )
    .expect("admin writes");
    let mine = sim
        .execute(
            "demo",
            7,
            "sale.order",
            "search",
            vec![json!([])],
            Map::new(),
        )
        .expect("portal reads");
    assert_eq!(mine, Some(json!([2])));
    // Portal users see their own partner only.
    let n = sim
        .execute(
            "demo",
            7,
            "res.partner",
            "search_count",
            vec![json!([])],
            Map::new(),
        )
        .expect("count");
    assert_eq!(n, Some(json!(1)));
}

#[tokio::test]
async fn scale_adds_purchase_orders_with_lines_from_synthetic_suppliers() {
    let sim = zenoo_sim::Sim::builder()
        .scale(300)
        .start()
        .await
        .expect("sim");
    let http = reqwest::Client::new();
    let call = |model: &str, method: &str, args: serde_json::Value| {
        let body = serde_json::json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
            "service": "object", "method": "execute_kw",
            "args": ["demo", 2, "admin", model, method, args]}});
        let (http, url) = (http.clone(), sim.url());
        async move {
            http.post(format!("{url}/jsonrpc"))
                .json(&body)
                .send()
                .await
                .expect("sent")
                .json::<serde_json::Value>()
                .await
                .expect("json")["result"]
                .clone()
        }
    };
    let n = call(
        "purchase.order",
        "search_count",
        serde_json::json!([[["id", ">=", 1000]]]),
    )
    .await;
    assert_eq!(n, 300);
    let lines = call(
        "purchase.order.line",
        "search_count",
        serde_json::json!([[["order_id", ">=", 1000]]]),
    )
    .await;
    assert_eq!(lines, 600);
    let order = &call(
        "purchase.order",
        "read",
        serde_json::json!([
            [1005],
            ["partner_id", "order_line", "amount_total", "write_date"]
        ]),
    )
    .await[0];
    assert_eq!(
        order["order_line"].as_array().map(Vec::len),
        Some(2),
        "{order}"
    );
    let vendor = order["partner_id"][0].as_i64().expect("vendor");
    let company = call(
        "res.partner",
        "read",
        serde_json::json!([[vendor], ["is_company"]]),
    )
    .await;
    assert_eq!(company[0]["is_company"], true, "{company}");
    assert!(
        order["amount_total"].as_f64().is_some_and(|t| t > 0.0),
        "{order}"
    );
}

type Run<'a> =
    &'a dyn Fn(&str, &str, Vec<serde_json::Value>, serde_json::Value) -> serde_json::Value;

#[tokio::test]
async fn cached_orders_follow_the_writes_that_change_them() {
    let sim = zenoo_sim::Sim::builder().start().await.expect("sim");
    let run =
        |model: &str, method: &str, args: Vec<serde_json::Value>, kwargs: serde_json::Value| {
            sim.execute(
                "demo",
                2,
                model,
                method,
                args,
                kwargs.as_object().cloned().unwrap_or_default(),
            )
            .expect("call")
            .unwrap_or(serde_json::Value::Null)
        };
    let top = |run: Run<'_>| {
        run(
            "sale.order",
            "search",
            vec![json!([])],
            json!({"order": "amount_total desc", "limit": 1}),
        )
    };
    let first = top(&run);
    // A write of a field the order does not sort by keeps the answer.
    run(
        "sale.order",
        "write",
        vec![first.clone(), json!({"client_order_ref": "x"})],
        json!({}),
    );
    assert_eq!(top(&run), first);
    // A line of another order made huge: the recomputed total reorders.
    let other = run(
        "sale.order",
        "search",
        vec![json!([["id", "not in", first.clone()]])],
        json!({"limit": 1}),
    );
    let line = run(
        "sale.order.line",
        "search",
        vec![json!([["order_id", "in", other.clone()]])],
        json!({"limit": 1}),
    );
    run(
        "sale.order.line",
        "write",
        vec![line, json!({"product_uom_qty": 100000})],
        json!({}),
    );
    assert_eq!(top(&run), other);
    // Partners by name: a rename moves the partner.
    let by_name = |run: Run<'_>| {
        run(
            "res.partner",
            "search",
            vec![json!([])],
            json!({"order": "name", "limit": 1}),
        )
    };
    let before = by_name(&run);
    run(
        "res.partner",
        "write",
        vec![json!([10]), json!({"name": "AAAA first"})],
        json!({}),
    );
    assert_eq!(by_name(&run), json!([10]), "was {before}");
}

/// Every record of `model`, all stored fields, in id order.
fn all_of(sim: &zenoo_sim::SimHandle, model: &str) -> Value {
    sim.execute(
        "demo",
        2,
        model,
        "search_read",
        vec![json!([])],
        kwargs(json!({"order": "id"})),
    )
    .expect("search_read")
    .unwrap_or(Value::Null)
}

#[tokio::test]
async fn a_failed_call_leaves_nothing_behind() {
    let sim = Sim::builder().start().await.expect("sim");
    let partners = all_of(&sim, "res.partner");
    // The second record of a create is refused: the first is not created.
    let err = sim
        .execute(
            "demo",
            2,
            "res.partner",
            "create",
            vec![json!([{"name": "Atomic A"}, {"name": "Atomic B", "type": "bogus"}])],
            Map::new(),
        )
        .expect_err("a bad selection value");
    assert!(
        format!("{err:?}").contains("Wrong value for res.partner.type"),
        "{err:?}"
    );
    assert_eq!(all_of(&sim, "res.partner"), partners);

    // A write whose second x2many command is refused: the first line is
    // not created and the order is as it was.
    let orders = all_of(&sim, "sale.order");
    let lines = all_of(&sim, "sale.order.line");
    let order = orders[0]["id"].as_i64().expect("an order");
    let product = all_of(&sim, "product.product")[0]["id"]
        .as_i64()
        .expect("a product");
    let err = sim
        .execute(
            "demo",
            2,
            "sale.order",
            "write",
            vec![
                json!([order]),
                json!({"order_line": [[0, 0, {"product_id": product, "product_uom_qty": 3}], [9, 1]]}),
            ],
            Map::new(),
        )
        .expect_err("an invalid command");
    assert!(format!("{err:?}").contains("Invalid command"), "{err:?}");
    assert_eq!(all_of(&sim, "sale.order.line"), lines);
    assert_eq!(all_of(&sim, "sale.order"), orders);

    // What succeeds stays.
    sim.execute(
        "demo",
        2,
        "res.partner",
        "create",
        vec![json!([{"name": "Atomic C"}])],
        Map::new(),
    )
    .expect("create");
    let now = all_of(&sim, "res.partner");
    assert_eq!(
        now.as_array().map(Vec::len),
        partners.as_array().map(|p| p.len() + 1)
    );
}

#[tokio::test]
async fn reading_only_the_id_of_a_missing_record_answers_it_as_odoo_does() {
    let sim = Sim::builder().start().await.expect("sim");
    let read = |fields: Value| {
        sim.execute(
            "demo",
            2,
            "res.partner",
            "read",
            vec![json!([999_999, 1]), fields],
            Map::new(),
        )
        .expect("read")
        .unwrap_or(Value::Null)
    };
    // `id` needs no read of the row, so Odoo 18 answers it for any id.
    assert_eq!(read(json!(["id"])), json!([{"id": 999_999}, {"id": 1}]));
    // Any stored field drops the missing record.
    let named = read(json!(["name"]));
    assert_eq!(named.as_array().map(Vec::len), Some(1));
    assert_eq!(named[0]["id"], 1);
}

#[tokio::test]
async fn unknown_fields_in_vals_are_worded_per_version() {
    for (version, create, write) in [
        (
            zenoo_sim::OdooVersion::V18,
            (
                "builtins.ValueError",
                "Invalid field 'bogus' on model 'res.partner'",
            ),
            (
                "builtins.ValueError",
                "Invalid field 'bogus' on model 'res.partner'",
            ),
        ),
        (
            zenoo_sim::OdooVersion::V19,
            (
                "builtins.ValueError",
                "Invalid field 'bogus' in 'res.partner'",
            ),
            ("builtins.KeyError", "bogus"),
        ),
    ] {
        let sim = Sim::builder().version(version).start().await.expect("sim");
        let err = |method: &str, args: Vec<Value>| {
            let e = sim
                .execute("demo", 2, "res.partner", method, args, Map::new())
                .expect_err("an unknown field");
            (e.name.clone(), e.message.clone())
        };
        let c = err("create", vec![json!({"name": "x", "bogus": 1})]);
        assert_eq!((c.0.as_str(), c.1.as_str()), create, "{version:?}");
        let w = err("write", vec![json!([1]), json!({"bogus": 1})]);
        assert_eq!((w.0.as_str(), w.1.as_str()), write, "{version:?}");
    }
}
