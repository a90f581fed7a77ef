//! Every REST endpoint over HTTP, with zenoo-sim as Odoo.

mod common;

use common::{Server, odoo, order};
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn orders_are_created_read_changed_synced_and_deleted() {
    let s = Server::start("").await;
    let admin = s.admin().await;

    // Create: 201, Location, and the push reaches Odoo.
    let r = s
        .http
        .post(s.url("/orders"))
        .bearer_auth(&admin)
        .json(&order("Alpenrose Dairy", 2.0))
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 201);
    let location = r.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    let created: Value = r.json().await.expect("json");
    let uuid = created["uuid"].as_str().expect("uuid").to_string();
    assert_eq!(location, format!("/orders/{uuid}"));
    let synced = s.wait_status(&admin, &uuid, "synced").await;
    let odoo_id = synced["odoo_id"].as_i64().expect("odoo id");

    // The list, filtered by status, paged.
    let (code, list) = s.get("/orders?status=synced&limit=10", &admin).await;
    assert_eq!(code, 200);
    assert!(
        list.as_array()
            .expect("list")
            .iter()
            .any(|o| o["uuid"] == uuid.as_str())
    );
    let (code, none) = s.get("/orders?status=failed", &admin).await;
    assert_eq!((code, none), (200, json!([])));
    let (code, problem) = s.get("/orders?status=bogus", &admin).await;
    assert_eq!(code, 400, "{problem}");
    assert_eq!(problem["type"], "https://zenoo.dev/problems/invalid-query");

    // Change: 200, and Odoo gets the new quantity.
    let (code, changed) = s
        .call(
            Method::PUT,
            &format!("/orders/{uuid}"),
            Some(&admin),
            Some(order("Alpenrose Dairy", 7.0)),
        )
        .await;
    assert_eq!(code, 200, "{changed}");
    assert_eq!(changed["lines"][0]["quantity"], 7.0);
    s.wait_status(&admin, &uuid, "synced").await;
    let client = odoo(&s.sim).await;
    let lines: Vec<Value> = client
        .search_read(
            "purchase.order.line",
            json!([["order_id", "=", odoo_id]]),
            &["product_qty"],
            zenoo_rpc::SearchOptions::new().order("id"),
        )
        .await
        .expect("lines");
    assert_eq!(lines[0]["product_qty"], 7.0, "{lines:?}");

    // The sync state with its history; a forced sync.
    let (code, state) = s.get(&format!("/orders/{uuid}/sync"), &admin).await;
    assert_eq!(code, 200);
    assert_eq!(state["odoo_id"], odoo_id);
    let actions: Vec<&str> = state["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|h| h["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"create") && actions.contains(&"update"),
        "{actions:?}"
    );
    let (code, queued) = s
        .post(&format!("/orders/{uuid}/sync"), &admin, json!(null))
        .await;
    assert_eq!((code, queued), (202, json!({"queued": 1})));
    s.wait_status(&admin, &uuid, "synced").await;

    // Odoo has it: deleting is refused, the way is to cancel it there.
    let (code, problem) = s
        .call(
            Method::DELETE,
            &format!("/orders/{uuid}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(code, 409);
    assert_eq!(problem["type"], "https://zenoo.dev/problems/order-in-odoo");

    // An order for a supplier Odoo does not know fails for good; it is a
    // failed job, retried on demand; it can be deleted (Odoo never had it).
    let (code, bad) = s.post("/orders", &admin, order("Nobody Ltd", 1.0)).await;
    assert_eq!(code, 201);
    let bad = bad["uuid"].as_str().expect("uuid").to_string();
    let failed = s.wait_status(&admin, &bad, "failed").await;
    assert!(
        failed["last_error"]
            .as_str()
            .unwrap_or_default()
            .contains("Nobody Ltd"),
        "{failed}"
    );
    let (code, jobs) = s.get("/jobs/failed", &admin).await;
    assert_eq!(code, 200);
    assert_eq!(jobs.as_array().map(Vec::len), Some(1), "{jobs}");
    assert_eq!(jobs[0]["uuid"], bad.as_str());
    let (code, retried) = s.post("/jobs/failed/retry", &admin, json!(null)).await;
    assert_eq!((code, retried), (202, json!({"queued": 1})));
    s.wait_status(&admin, &bad, "failed").await;
    let (code, _) = s
        .call(
            Method::DELETE,
            &format!("/orders/{bad}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(code, 204);
    let (code, problem) = s.get(&format!("/orders/{bad}"), &admin).await;
    assert_eq!(code, 404);
    assert_eq!(
        problem["type"],
        "https://zenoo.dev/problems/order-not-found"
    );

    // The whole sync's status.
    let (code, status) = s.get("/status", &admin).await;
    assert_eq!(code, 200);
    assert_eq!(status["failed"], 0, "{status}");
    s.stop().await;
}

#[tokio::test]
async fn bad_input_gets_a_problem_naming_what_is_wrong() {
    let s = Server::start("").await;
    let admin = s.admin().await;
    let (code, p) = s
        .post(
            "/orders",
            &admin,
            json!({"supplier_ref": "Alpenrose Dairy"}),
        )
        .await;
    assert_eq!(code, 422, "{p}");
    assert_eq!(p["type"], "https://zenoo.dev/problems/invalid-body");
    assert!(
        p["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("currency"),
        "{p}"
    );
    let mut negative = order("Alpenrose Dairy", -1.0);
    negative["lines"][0]["quantity"] = json!(-1.0);
    let (code, p) = s.post("/orders", &admin, negative).await;
    assert_eq!(code, 422);
    assert_eq!(p["type"], "https://zenoo.dev/problems/invalid-order");
    assert!(
        p["detail"].as_str().unwrap_or_default().contains("line 1"),
        "{p}"
    );
    let r = s
        .http
        .post(s.url("/orders"))
        .bearer_auth(&admin)
        .body("{}")
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 415);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let (code, p) = s.get("/orders/not-a-uuid", &admin).await;
    assert_eq!(code, 400);
    assert_eq!(p["type"], "https://zenoo.dev/problems/invalid-path");
    let (code, p) = s.get("/no/such/route", &admin).await;
    assert_eq!(code, 404);
    assert_eq!(p["type"], "https://zenoo.dev/problems/not-found");
    s.stop().await;
}

#[tokio::test]
async fn a_conflict_is_listed_with_both_versions_and_resolved() {
    let s = Server::start("").await;
    let admin = s.admin().await;
    let (_, created) = s
        .post("/orders", &admin, order("Alpenrose Dairy", 2.0))
        .await;
    let uuid = created["uuid"].as_str().expect("uuid").to_string();
    let synced = s.wait_status(&admin, &uuid, "synced").await;
    let odoo_id = synced["odoo_id"].as_i64().expect("id");
    // Both sides change the first line's quantity differently.
    let client = odoo(&s.sim).await;
    let line_ids = client
        .search(
            "purchase.order.line",
            json!([["order_id", "=", odoo_id]]),
            Default::default(),
        )
        .await
        .expect("lines");
    let first = *line_ids.iter().min().expect("a line");
    client
        .write("purchase.order.line", &[first], json!({"product_qty": 4.0}))
        .await
        .expect("odoo write");
    let (code, _) = s
        .call(
            Method::PUT,
            &format!("/orders/{uuid}"),
            Some(&admin),
            Some(order("Alpenrose Dairy", 9.0)),
        )
        .await;
    assert_eq!(code, 200);
    s.wait_status(&admin, &uuid, "conflict").await;

    let (code, conflicts) = s.get("/conflicts", &admin).await;
    assert_eq!(code, 200);
    let c = conflicts
        .as_array()
        .expect("list")
        .iter()
        .find(|c| c["order"] == uuid.as_str())
        .expect("the order's conflict")
        .clone();
    assert_eq!(c["part"], "lines");
    assert_eq!(c["supplier_ref"], "Alpenrose Dairy");
    assert!(c["app"].to_string().contains("9.0"), "{c}");
    assert!(c["odoo"].to_string().contains("4.0"), "{c}");

    // A forced sync waits for the resolution.
    let (code, p) = s
        .post(&format!("/orders/{uuid}/sync"), &admin, json!(null))
        .await;
    assert_eq!(code, 409);
    assert_eq!(p["type"], "https://zenoo.dev/problems/order-in-conflict");
    let (code, p) = s
        .post(
            &format!("/conflicts/{uuid}/resolve"),
            &admin,
            json!({"take": "sideways"}),
        )
        .await;
    assert_eq!(code, 422, "{p}");
    let (code, resolved) = s
        .post(
            &format!("/conflicts/{uuid}/resolve"),
            &admin,
            json!({"take": "odoo"}),
        )
        .await;
    assert_eq!(code, 200, "{resolved}");
    assert_eq!(resolved["lines"][0]["quantity"], 4.0, "{resolved}");
    s.wait_status(&admin, &uuid, "synced").await;
    let (code, p) = s
        .post(
            &format!("/conflicts/{uuid}/resolve"),
            &admin,
            json!({"take": "odoo"}),
        )
        .await;
    assert_eq!(code, 409);
    assert_eq!(p["type"], "https://zenoo.dev/problems/no-conflict");
    let (_, conflicts) = s.get("/conflicts", &admin).await;
    assert_eq!(conflicts, json!([]));
    s.stop().await;
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let s = Server::start("").await;
    let r = s
        .http
        .get(s.url("/openapi.json"))
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.expect("json");
    assert_eq!(doc["openapi"], "3.1.0");
    for (path, method) in [
        ("/orders", "get"),
        ("/orders", "post"),
        ("/orders/{uuid}", "get"),
        ("/orders/{uuid}", "put"),
        ("/orders/{uuid}", "delete"),
        ("/orders/{uuid}/sync", "get"),
        ("/orders/{uuid}/sync", "post"),
        ("/status", "get"),
        ("/conflicts", "get"),
        ("/conflicts/{uuid}/resolve", "post"),
        ("/jobs/failed", "get"),
        ("/jobs/failed/retry", "post"),
        ("/auth/login", "post"),
        ("/auth/refresh", "post"),
        ("/auth/logout", "post"),
        ("/actions", "get"),
        ("/actions/{name}", "post"),
        ("/ws", "get"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/hooks/odoo/{token}", "post"),
    ] {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is not in the document");
        // What any route may answer: rate and connection limits, an
        // announced body over the limit, headers over the limit.
        for status in ["429", "413", "431"] {
            assert!(
                op["responses"][status].is_object(),
                "{method} {path} does not state {status}"
            );
        }
    }
    assert!(
        doc["paths"]["/ws"]["get"]["responses"]["429"]["description"]
            .as_str()
            .unwrap_or_default()
            .contains("WebSockets"),
        "the WebSocket's own 429"
    );
    assert_eq!(
        doc["components"]["schemas"]["NewOrder"]["properties"]["lines"]["minItems"],
        1
    );
    for schema in [
        "NewOrder",
        "AppOrder",
        "OrderSummary",
        "Problem",
        "Envelope",
        "TokenPair",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "schema {schema} missing"
        );
    }
    s.stop().await;
}
