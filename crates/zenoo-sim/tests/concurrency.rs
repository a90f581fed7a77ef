//! Concurrent requests: reads share the state, writes serialise, and
//! (when asked) a write to a record another request committed since this
//! one began fails as PostgreSQL makes Odoo fail.

use std::time::Duration;

use serde_json::{Value, json};
use zenoo_sim::{Fault, FaultPlan, Sim};

fn write_body(id: i64, phone: &str) -> Value {
    json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
        "service": "object", "method": "execute_kw",
        "args": ["demo", 2, "admin", "res.partner", "write", [[id], {"phone": phone}]]}})
}

async fn post(http: &reqwest::Client, url: &str, body: &Value) -> Value {
    http.post(format!("{url}/jsonrpc"))
        .json(body)
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json")
}

/// Two writes to partner `id`: the first held 300 ms after it arrived, the
/// second sent meanwhile. Returns both answers (first, second).
async fn overlapping_writes(
    sim: &zenoo_sim::SimHandle,
    first_id: i64,
    second_id: i64,
) -> (Value, Value) {
    let http = reqwest::Client::new();
    let url = sim.url();
    let slow = {
        let (http, url) = (http.clone(), url.clone());
        tokio::spawn(async move { post(&http, &url, &write_body(first_id, "+32 1")).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let fast = post(&http, &url, &write_body(second_id, "+32 2")).await;
    (slow.await.expect("task"), fast)
}

fn held_first() -> FaultPlan {
    FaultPlan::script([Some(Fault::Latency(Duration::from_millis(300)))])
}

#[tokio::test]
async fn a_write_to_a_record_committed_since_it_began_is_a_serialization_failure() {
    let sim = Sim::builder()
        .faults(held_first().with_serialization_conflicts(true))
        .start()
        .await
        .expect("sim");
    let (first, second) = overlapping_writes(&sim, 10, 10).await;
    assert_eq!(second["result"], json!(true), "{second}");
    assert_eq!(
        first["error"]["data"]["name"], "psycopg2.errors.SerializationFailure",
        "{first}"
    );
    assert_eq!(
        first["error"]["data"]["message"],
        "could not serialize access due to concurrent update"
    );
    // The loser changed nothing; the winner's value stands.
    let read = post(
        &reqwest::Client::new(),
        &sim.url(),
        &json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
        "service": "object", "method": "execute_kw",
        "args": ["demo", 2, "admin", "res.partner", "read", [[10], ["phone"]]]}}),
    )
    .await;
    assert_eq!(read["result"][0]["phone"], "+32 2", "{read}");
    // A write that begins after the commit goes through.
    let again = post(
        &reqwest::Client::new(),
        &sim.url(),
        &write_body(10, "+32 3"),
    )
    .await;
    assert_eq!(again["result"], json!(true), "{again}");
}

#[tokio::test]
async fn without_the_switch_or_on_other_records_both_writes_succeed() {
    let sim = Sim::builder()
        .faults(held_first())
        .start()
        .await
        .expect("sim");
    let (first, second) = overlapping_writes(&sim, 10, 10).await;
    assert_eq!(
        (first["result"].clone(), second["result"].clone()),
        (json!(true), json!(true))
    );
    let sim = Sim::builder()
        .faults(held_first().with_serialization_conflicts(true))
        .start()
        .await
        .expect("sim");
    let (first, second) = overlapping_writes(&sim, 10, 11).await;
    assert_eq!(
        (first["result"].clone(), second["result"].clone()),
        (json!(true), json!(true)),
        "{first} {second}"
    );
}

#[tokio::test]
async fn parallel_reads_and_writes_all_answer_correctly() {
    let sim = Sim::builder().scale(2000).start().await.expect("sim");
    let http = reqwest::Client::new();
    let mut tasks = Vec::new();
    for t in 0..16i64 {
        let (http, url) = (http.clone(), sim.url());
        tasks.push(tokio::spawn(async move {
            for n in 0..20i64 {
                if n % 5 == 0 {
                    let v = post(&http, &url, &write_body(1000 + t, &format!("{t}-{n}"))).await;
                    assert_eq!(v["result"], json!(true), "{v}");
                } else {
                    let v = post(&http, &url, &json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
                        "service": "object", "method": "execute_kw",
                        "args": ["demo", 2, "admin", "res.partner", "search_count", [[["id", ">=", 1000]]]]}})).await;
                    assert_eq!(v["result"], json!(2000), "{v}");
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    // Every task's last write is what is stored.
    let v = post(
        &http,
        &sim.url(),
        &json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
        "service": "object", "method": "execute_kw",
        "args": ["demo", 2, "admin", "res.partner", "read", [[1000, 1015], ["phone"]]]}}),
    )
    .await;
    assert_eq!(v["result"][0]["phone"], "0-15", "{v}");
    assert_eq!(v["result"][1]["phone"], "15-15", "{v}");
}

#[tokio::test]
async fn every_demo_model_has_odoo_magic_fields_and_writes_stamp_them() {
    let sim = Sim::builder().start().await.expect("sim");
    let http = reqwest::Client::new();
    let call = |model: &str, method: &str, args: Value| {
        json!({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
            "service": "object", "method": "execute_kw",
            "args": ["demo", 2, "admin", model, method, args]}})
    };
    for model in [
        "purchase.order",
        "purchase.order.line",
        "sale.order",
        "res.partner",
        "product.product",
        "res.users",
    ] {
        let v = post(
            &http,
            &sim.url(),
            &call(
                model,
                "search_read",
                json!([
                    [],
                    [
                        "create_uid",
                        "create_date",
                        "write_uid",
                        "write_date",
                        "display_name"
                    ],
                    0,
                    1
                ]),
            ),
        )
        .await;
        let rec = &v["result"][0];
        for f in ["create_date", "write_date"] {
            assert!(
                rec[f].as_str().is_some_and(|s| s.len() == 19),
                "{model}.{f}: {v}"
            );
        }
        for f in ["create_uid", "write_uid"] {
            assert!(rec[f][0].is_i64(), "{model}.{f}: {v}");
        }
    }
    let before = post(
        &http,
        &sim.url(),
        &call(
            "purchase.order",
            "read",
            json!([[2], ["write_date", "write_uid"]]),
        ),
    )
    .await;
    let w = post(
        &http,
        &sim.url(),
        &call(
            "purchase.order",
            "write",
            json!([[2], {"partner_ref": "REF-9"}]),
        ),
    )
    .await;
    assert_eq!(w["result"], json!(true), "{w}");
    let after = post(
        &http,
        &sim.url(),
        &call(
            "purchase.order",
            "read",
            json!([[2], ["write_date", "write_uid"]]),
        ),
    )
    .await;
    assert_ne!(
        before["result"][0]["write_date"],
        after["result"][0]["write_date"]
    );
    assert_eq!(after["result"][0]["write_uid"][0], json!(2));
    // A poller's domain on write_date finds the order just written.
    let since = after["result"][0]["write_date"].clone();
    let v = post(
        &http,
        &sim.url(),
        &call(
            "purchase.order",
            "search",
            json!([[["write_date", ">=", since]]]),
        ),
    )
    .await;
    assert_eq!(v["result"], json!([2]), "{v}");
}

#[tokio::test]
async fn a_throttle_fault_is_a_429_with_retry_after() {
    let sim = Sim::builder()
        .faults(FaultPlan::script([Some(Fault::Throttle(
            Duration::from_secs(2),
        ))]))
        .start()
        .await
        .expect("sim");
    let r = reqwest::Client::new()
        .post(format!("{}/jsonrpc", sim.url()))
        .json(&write_body(10, "x"))
        .send()
        .await
        .expect("answered");
    assert_eq!(r.status().as_u16(), 429);
    assert_eq!(
        r.headers().get("retry-after").and_then(|v| v.to_str().ok()),
        Some("2")
    );
}
