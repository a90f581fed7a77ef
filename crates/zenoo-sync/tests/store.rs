//! The store and its outbox on SQLite, and on PostgreSQL when
//! `ZENOO_TEST_POSTGRES_URL` names a server the test may create databases on.

use std::time::Duration;

mod common;
use common::{Db, store};

use zenoo_sync::{AppLine, Backend, JobKind, NewOrder, OrderStatus};

fn order(supplier: &str, lines: usize) -> NewOrder {
    NewOrder {
        supplier_ref: supplier.into(),
        currency: "EUR".into(),
        lines: (0..lines)
            .map(|i| AppLine {
                product_code: format!("VET-{i:03}"),
                quantity: 2.0 + i as f64,
                price_unit: 9.5,
                date_planned: Some("2026-12-10 08:00:00".into()),
                uom: None,
            })
            .collect(),
    }
}

async fn an_order_and_its_job_are_written_together(db: Db) {
    {
        let Some((store, _keep)) = store(db).await else {
            return;
        };
        let uuid = store.add_order(&order("SUP-1", 3)).await.expect("add");
        let got = store.order(uuid).await.expect("read").expect("the order");
        assert_eq!(got.lines.len(), 3);
        assert_eq!(got.lines[1].product_code, "VET-001");
        assert_eq!(
            (got.status, got.version, got.odoo_id),
            (OrderStatus::Pending, 1, None)
        );
        assert_eq!(store.backlog().await.expect("backlog"), 1);
        // An order that makes no sense is refused, and nothing is written.
        let mut bad = order("SUP-1", 1);
        bad.lines[0].quantity = f64::NAN;
        let e = store.add_order(&bad).await.expect_err("NaN quantity");
        assert!(e.to_string().contains("line 1: quantity NaN"), "{e}");
        assert_eq!(store.backlog().await.expect("backlog"), 1);
        // A change rewrites the lines and queues a second job.
        assert!(
            store
                .update_order(uuid, &order("SUP-2", 1))
                .await
                .expect("update")
        );
        let got = store.order(uuid).await.expect("read").expect("the order");
        assert_eq!(
            (got.supplier_ref.as_str(), got.lines.len(), got.version),
            ("SUP-2", 1, 2)
        );
        assert_eq!(store.backlog().await.expect("backlog"), 2);
        assert!(
            !store
                .update_order(uuid::Uuid::new_v4(), &order("X", 1))
                .await
                .expect("none")
        );
    }
}

async fn jobs_of_one_order_run_one_at_a_time_in_order(db: Db) {
    {
        let Some((store, _keep)) = store(db).await else {
            return;
        };
        let a = store.add_order(&order("A", 1)).await.expect("a");
        let b = store.add_order(&order("B", 1)).await.expect("b");
        store
            .update_order(a, &order("A2", 1))
            .await
            .expect("a again");
        let lease = Duration::from_secs(30);
        let first = store.claim("w1", lease, 10).await.expect("claim");
        // The head job of each order, not A's second one.
        assert_eq!(first.iter().map(|j| j.order).collect::<Vec<_>>(), [a, b]);
        assert!(
            first
                .iter()
                .all(|j| j.kind == JobKind::Push && j.attempts == 1)
        );
        assert!(
            store
                .claim("w2", lease, 10)
                .await
                .expect("claim")
                .is_empty(),
            "all leased"
        );
        // A's second job waits for the first to be done.
        assert!(store.complete(&first[0], "w1").await.expect("done"));
        let next = store.claim("w2", lease, 10).await.expect("claim");
        assert_eq!(next.len(), 1);
        assert_eq!(next[0].order, a);
        assert!(next[0].id > first[0].id);
    }
}

async fn an_expired_lease_is_taken_over_and_the_old_holder_cannot_finish(db: Db) {
    {
        let Some((store, _keep)) = store(db).await else {
            return;
        };
        let a = store.add_order(&order("A", 1)).await.expect("a");
        let short = store
            .claim("crashed", Duration::from_millis(50), 1)
            .await
            .expect("claim");
        assert_eq!(short[0].order, a);
        tokio::time::sleep(Duration::from_millis(80)).await;
        let taken = store
            .claim("w2", Duration::from_secs(30), 1)
            .await
            .expect("take over");
        assert_eq!((taken[0].id, taken[0].attempts), (short[0].id, 2));
        assert!(
            !store.complete(&short[0], "crashed").await.expect("fenced"),
            "lost its lease"
        );
        // A failed attempt goes back for later, and is not claimable before.
        assert!(
            store
                .retry_later(&taken[0], "w2", Duration::from_secs(60), "503")
                .await
                .expect("later")
        );
        assert!(
            store
                .claim("w3", Duration::from_secs(30), 1)
                .await
                .expect("claim")
                .is_empty()
        );
        assert_eq!(store.backlog().await.expect("backlog"), 1);
    }
}

async fn workers_sharing_a_postgres_outbox_never_take_the_same_job(db: Db) {
    if db == Db::Sqlite {
        println!("SKIPPED on SQLite: one connection, one worker at a time");
        return;
    }
    let Some((store, _keep)) = store(db).await else {
        return;
    };
    assert_eq!(store.backend(), Backend::Postgres);
    for i in 0..200 {
        store
            .add_order(&order(&format!("S{i}"), 1))
            .await
            .expect("add");
    }
    let mut workers = Vec::new();
    for w in 0..4 {
        let store = store.clone();
        workers.push(tokio::spawn(async move {
            let name = format!("w{w}");
            let mut got = Vec::new();
            loop {
                let jobs = store
                    .claim(&name, Duration::from_secs(30), 7)
                    .await
                    .expect("claim");
                if jobs.is_empty() {
                    break got;
                }
                for j in jobs {
                    assert!(store.complete(&j, &name).await.expect("complete"));
                    got.push(j.id);
                }
            }
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.expect("worker"));
    }
    let n = all.len();
    all.sort_unstable();
    all.dedup();
    assert_eq!((n, all.len()), (200, 200), "every job once");
}

async fn a_batch_of_orders_is_written_whole_or_not_at_all(db: Db) {
    let Some((store, _keep)) = store(db).await else {
        return;
    };
    let mut batch = vec![order("A", 1), order("B", 2), order("C", 1)];
    batch[1].lines[1].quantity = -1.0;
    let err = store.add_orders(&batch).await.expect_err("a bad order");
    assert!(
        err.to_string().contains("order 2: line 2: quantity -1"),
        "{err}"
    );
    assert!(store.list_orders().await.expect("list").is_empty());
    assert_eq!(store.backlog().await.expect("backlog"), 0);
    batch[1].lines[1].quantity = 4.0;
    let uuids = store.add_orders(&batch).await.expect("add");
    assert_eq!(uuids.len(), 3);
    assert_eq!(store.backlog().await.expect("backlog"), 3);
    let second = store.order(uuids[1]).await.expect("read").expect("order");
    assert_eq!((second.supplier_ref.as_str(), second.lines.len()), ("B", 2));
}

async fn finished_jobs_are_pruned_by_age_and_waiting_ones_kept(db: Db) {
    let Some((store, _keep)) = store(db).await else {
        return;
    };
    let done = store.add_order(&order("A", 1)).await.expect("add");
    let waiting = store.add_order(&order("B", 1)).await.expect("add");
    let jobs = store
        .claim("w", Duration::from_secs(60), 1)
        .await
        .expect("claim");
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].order, done);
    assert!(store.complete(&jobs[0], "w").await.expect("complete"));
    // A fresh finished job is younger than a day: kept.
    assert_eq!(
        store
            .prune_done(Duration::from_secs(86_400))
            .await
            .expect("prune"),
        0
    );
    tokio::time::sleep(Duration::from_millis(20)).await;
    // Older than 10 ms: gone; the waiting job stays, whatever its age.
    assert_eq!(
        store
            .prune_done(Duration::from_millis(10))
            .await
            .expect("prune"),
        1
    );
    assert_eq!(store.backlog().await.expect("backlog"), 1);
    let next = store
        .claim("w", Duration::from_secs(60), 1)
        .await
        .expect("claim");
    assert_eq!(next.first().map(|j| j.order), Some(waiting));
}

on_both_stores!(
    finished_jobs_are_pruned_by_age_and_waiting_ones_kept,
    a_batch_of_orders_is_written_whole_or_not_at_all,
    an_order_and_its_job_are_written_together,
    jobs_of_one_order_run_one_at_a_time_in_order,
    an_expired_lease_is_taken_over_and_the_old_holder_cannot_finish,
    workers_sharing_a_postgres_outbox_never_take_the_same_job,
);

/// An error names what failed, and its cause comes once, as its source:
/// a reporter walking the chain (`anyhow`'s `{:#}`) prints each once.
#[tokio::test]
async fn store_errors_say_what_failed_and_carry_their_cause_once() {
    use std::error::Error as _;
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}/missing/dir/x.db", dir.path().display());
    let e = zenoo_sync::Store::open(&url)
        .await
        .expect_err("no such dir");
    assert!(matches!(e, zenoo_sync::Error::Store(_)), "{e:?}");
    assert_eq!(e.to_string(), "the sync store failed");
    let cause = e.source().expect("the database's error").to_string();
    assert!(!cause.is_empty() && !e.to_string().contains(&cause));

    let e = zenoo_sync::Store::open("mysql://localhost/x")
        .await
        .expect_err("not a store");
    assert!(e.to_string().contains("is not a store URL"), "{e}");
    assert!(e.source().is_none());
}
