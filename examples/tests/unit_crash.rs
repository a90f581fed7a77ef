//! A unit of work killed mid-way (SIGKILL, while a call is in flight) is
//! rolled back from its journal.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use zenoo_rpc::{Client, SearchOptions, UnitOfWork};

mod common;
use common::{Running, example};

/// Partners, orders and lines, without ids and bookkeeping, sorted.
async fn state(client: &Client) -> Vec<String> {
    let mut out = Vec::new();
    for model in ["res.partner", "sale.order", "sale.order.line"] {
        let rows: Vec<Map<String, Value>> = client
            .search_read(
                model,
                json!([]),
                &[],
                SearchOptions::new().context(zenoo_rpc::Context::new().active_test(false)),
            )
            .await
            .expect("search_read");
        for mut r in rows {
            for skip in [
                "id",
                "write_date",
                "write_uid",
                "create_date",
                "create_uid",
                "display_name",
                "order_line",
                "child_ids",
                "user_ids",
            ] {
                r.remove(skip);
            }
            out.push(format!(
                "{model} {}",
                serde_json::to_string(&r).expect("json")
            ));
        }
    }
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_unit_is_rolled_back_from_its_journal() {
    let sim = zenoo_sim::Sim::builder().start().await.expect("sim");
    let client = Client::builder(&sim.url())
        .database("demo")
        .password("admin", "admin")
        .build()
        .await
        .expect("client");
    let before = state(&client).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let journal = dir.path().join("unit.journal");
    let mut child = Command::new(example("unit_of_work"))
        .args(["--url", &sim.url(), "--journal"])
        .arg(&journal)
        .args(["--pause-after", "4"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the example starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let mut child = Running(child);
    let mut lines = BufReader::new(stdout).lines();
    loop {
        let line = lines
            .next()
            .expect("the example says it paused")
            .expect("a line");
        if line == "paused" {
            break;
        }
    }
    // Every call is slow from now on: step 5 will be in flight when the
    // process is killed, its intent already in the journal.
    sim.set_faults(zenoo_sim::FaultPlan::none().with_latency(Duration::from_millis(700)));
    writeln!(stdin, "go").expect("resume");
    let started = Instant::now();
    loop {
        let text = std::fs::read_to_string(&journal).unwrap_or_default();
        if text
            .lines()
            .any(|l| l.contains("\"intent\"") && l.contains("\"n\":4"))
        {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "step 5 never started:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Past the key's lookup, into the create itself.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    child.0.kill().expect("SIGKILL");
    let _ = child.0.wait();
    sim.set_faults(zenoo_sim::FaultPlan::none());
    assert!(state(&client).await != before, "the four steps were made");

    let report = UnitOfWork::recover(&client, &journal)
        .await
        .expect("recover");
    assert!(report.is_complete(), "{report}");
    assert!(report.steps >= 4, "{report}");
    assert_eq!(state(&client).await, before, "{report}");
    assert!(!journal.exists(), "a complete recovery removes the journal");
}
