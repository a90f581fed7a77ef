//! Batches over zenoo-sim: order, ids, failed chunks and what is kept.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Deserialize;
use serde_json::json;
use zenoo_rpc::{Client, Load, ProtocolKind};
use zenoo_sim::{Fault, FaultPlan, Sim, SimHandle};

async fn client(sim: &SimHandle) -> Client {
    Client::builder(&sim.url())
        .database("demo")
        .password("admin", "admin")
        .protocol(ProtocolKind::JsonRpc)
        .build()
        .await
        .expect("login")
}

#[derive(Deserialize)]
struct Named {
    id: i64,
    name: String,
}

#[tokio::test]
async fn ten_thousand_creates_come_back_in_order_with_their_ids() {
    let sim = Sim::builder().start().await.expect("sim");
    let c = client(&sim).await;
    let before = c
        .search_count("res.partner", json!([]))
        .await
        .expect("count");
    let vals: Vec<_> = (0..10_000)
        .map(|i| json!({"name": format!("Batch {i}")}))
        .collect();
    let seen = Arc::new(AtomicUsize::new(0));
    let last = seen.clone();
    let report = c
        .batch()
        .chunk_size(500)
        .concurrency(4)
        .progress(move |p| {
            assert_eq!(p.total, 10_000);
            last.fetch_max(p.done, Ordering::Relaxed);
        })
        .create_many("res.partner", &vals)
        .await;
    assert!(report.is_complete(), "{:?}", report.failures);
    let ids = report.ids();
    assert_eq!(ids.len(), 10_000);
    assert_eq!(seen.load(Ordering::Relaxed), 10_000);
    let rows: Vec<Named> = c
        .read("res.partner", &ids, &["name"], Load::Raw)
        .await
        .expect("read back");
    for (i, (id, row)) in ids.iter().zip(&rows).enumerate() {
        assert_eq!(
            (row.id, row.name.as_str()),
            (*id, format!("Batch {i}").as_str())
        );
    }
    let after = c
        .search_count("res.partner", json!([]))
        .await
        .expect("count");
    assert_eq!(after, before + 10_000, "no duplicate, none missing");
    let creates = sim
        .requests()
        .iter()
        .filter(|r| r.method.as_deref() == Some("create"))
        .count();
    assert_eq!(creates, 20, "one call per chunk of 500");
}

#[tokio::test]
async fn a_failed_chunk_is_reported_with_its_indexes_and_the_rest_is_kept() {
    let sim = Sim::builder().start().await.expect("sim");
    let c = client(&sim).await;
    let before = c
        .search_count("res.partner", json!([]))
        .await
        .expect("count");
    let vals: Vec<_> = (0..1000)
        .map(|i| json!({"name": format!("Chunked {i}")}))
        .collect();
    // The third chunk's request gets a 503: a create that is not repeated.
    sim.set_faults(FaultPlan::script([None, None, Some(Fault::Status(503))]));
    let report = c
        .batch()
        .chunk_size(100)
        .concurrency(1)
        .create_many("res.partner", &vals)
        .await;
    assert_eq!(report.failures.len(), 1);
    let failed = &report.failures[0];
    assert_eq!(failed.indexes, 200..300);
    assert_eq!(failed.error.status_code(), Some(503));
    assert!(failed.error.outcome_unknown());
    assert_eq!(report.results.len(), 1000);
    assert!(report.results[200..300].iter().all(Option::is_none));
    assert_eq!(report.ids().len(), 900);
    let after = c
        .search_count("res.partner", json!([]))
        .await
        .expect("count");
    assert_eq!(after, before + 900, "the failed chunk was not re-sent");

    // A bad record fails its chunk only, with Odoo's error.
    let mut vals: Vec<_> = (0..30).map(|i| json!({"name": format!("V{i}")})).collect();
    vals[17] = json!({"name": "bad", "no_such_field": 1});
    let report = c
        .batch()
        .chunk_size(10)
        .create_many("res.partner", &vals)
        .await;
    assert_eq!(report.failures.len(), 1);
    assert_eq!(report.failures[0].indexes, 10..20);
    assert!(
        report.failures[0].error.odoo().is_some(),
        "{}",
        report.failures[0].error
    );
    assert_eq!(report.ids().len(), 20);
}

#[tokio::test]
async fn writes_and_unlinks_go_in_chunks() {
    let sim = Sim::builder().start().await.expect("sim");
    let c = client(&sim).await;
    let vals: Vec<_> = (0..95).map(|i| json!({"name": format!("W{i}")})).collect();
    let ids = c
        .batch()
        .chunk_size(40)
        .create_many("res.partner", &vals)
        .await
        .into_result()
        .expect("created");
    let written = c
        .batch()
        .chunk_size(40)
        .write_many("res.partner", &ids, json!({"comment": "batched"}))
        .await;
    assert!(written.is_complete());
    let n = c
        .search_count("res.partner", json!([["comment", "=", "batched"]]))
        .await
        .expect("count");
    assert_eq!(n, 95);
    let gone = c
        .batch()
        .chunk_size(40)
        .unlink_many("res.partner", &ids)
        .await;
    assert_eq!(gone.results.len(), 95);
    assert!(gone.is_complete());
    let n = c
        .search_count("res.partner", json!([["id", "in", ids]]))
        .await
        .expect("count");
    assert_eq!(n, 0);
}

/// With `isolate_refused`, a chunk Odoo refused (and rolled back) is split
/// until the refused records stand alone: every record Odoo accepts is
/// created once, each failure names one record; a chunk whose outcome is
/// unknown is still never sent again.
#[tokio::test]
async fn refused_chunks_are_split_until_the_refused_records_stand_alone() {
    let sim = Sim::builder().start().await.expect("sim");
    let c = client(&sim).await;
    let name = |i: usize| format!("Isolated {i}");
    let mut vals: Vec<_> = (0..100).map(|i| json!({"name": name(i)})).collect();
    for bad in [3, 17, 18, 64] {
        vals[bad] = json!({"name": name(bad), "no_such_field": 1});
    }
    let report = c
        .batch()
        .chunk_size(25)
        .isolate_refused(true)
        .create_many("res.partner", &vals)
        .await;
    let failed: Vec<_> = report.failures.iter().map(|f| f.indexes.clone()).collect();
    assert_eq!(failed, [3..4, 17..18, 18..19, 64..65]);
    assert!(report.failures.iter().all(|f| f.error.odoo().is_some()));
    assert_eq!(report.ids().len(), 96);
    for (i, id) in report.succeeded() {
        let rows: Vec<serde_json::Value> = c
            .search_read(
                "res.partner",
                json!([["id", "=", id]]),
                &["name"],
                zenoo_rpc::SearchOptions::new(),
            )
            .await
            .expect("read");
        assert_eq!(rows[0]["name"], name(i), "the id of input {i}");
    }
    let made = c
        .search_count("res.partner", json!([["name", "like", "Isolated "]]))
        .await
        .expect("count");
    assert_eq!(made, 96, "each accepted record created once");

    // Off by default: the refused chunk is reported whole.
    let report = c
        .batch()
        .chunk_size(25)
        .create_many("res.partner", &vals[..25])
        .await;
    assert_eq!(report.failures.len(), 1);
    assert_eq!(report.failures[0].indexes, 0..25);

    // An unknown outcome is not split, even when isolating.
    sim.set_faults(FaultPlan::script([Some(Fault::Status(503))]));
    let report = c
        .batch()
        .chunk_size(10)
        .isolate_refused(true)
        .create_many("res.partner", &vals[..10])
        .await;
    assert_eq!(report.failures.len(), 1);
    assert_eq!(report.failures[0].indexes, 0..10);
    assert!(report.failures[0].error.outcome_unknown());
}
