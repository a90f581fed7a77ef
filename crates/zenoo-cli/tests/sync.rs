//! `zenoo sync` against a simulator of the test's own: a worker killed
//! mid-run (SIGKILL) leaves nothing twice and nothing behind.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod common;
use common::{Fixture, stderr};

fn zenoo_store(fx: &Fixture, store: &str, args: &[&str]) -> std::process::Output {
    let mut all = vec!["sync"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--store", store]);
    fx.zenoo("demo", &all)
}

#[test]
fn a_killed_worker_leaves_no_order_twice_and_none_behind() {
    let fx = Fixture::new();
    let store = format!("sqlite://{}", fx.path("sync.db"));
    for i in 0..60 {
        let out = zenoo_store(
            &fx,
            &store,
            &[
                "orders",
                "add",
                "--supplier",
                "Northwind Looms",
                "--line",
                &format!("ZL-400:{}:3.5", i + 1),
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
    }
    // Slow calls, so that the worker is killed in the middle of its work.
    fx.sim
        .set_faults(zenoo_sim::FaultPlan::none().with_latency(Duration::from_millis(15)));
    let mut child = Command::new(env!("CARGO_BIN_EXE_zenoo"))
        .args([
            "--url",
            &fx.sim.url(),
            "--db",
            "demo",
            "--login",
            "admin",
            "--password",
            "admin",
        ])
        .args([
            "sync",
            "run",
            "--store",
            &store,
            "--poll-every",
            "1s",
            "--lease",
            "2s",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("worker");
    let started = Instant::now();
    let pushed = |fx: &Fixture| {
        fx.read(
            "demo",
            "purchase.order",
            json!([["origin", "=like", "zenoo:%"]]),
            &["id"],
        )
        .len()
    };
    while pushed(&fx) < 10 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the worker pushed nothing"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let at_kill = pushed(&fx);
    assert!(at_kill < 60, "killed before the end ({at_kill} pushed)");
    fx.sim.set_faults(zenoo_sim::FaultPlan::none());
    // Its leases (2 s) run out; a second worker takes the jobs over.
    let out = Command::new(env!("CARGO_BIN_EXE_zenoo"))
        .args([
            "--url",
            &fx.sim.url(),
            "--db",
            "demo",
            "--login",
            "admin",
            "--password",
            "admin",
        ])
        .args([
            "sync", "run", "--once", "--store", &store, "--worker", "second",
        ])
        .output()
        .expect("second worker");
    assert!(out.status.success(), "{}", stderr(&out));
    let list = zenoo_store(&fx, &store, &["orders", "list", "--format", "json"]);
    let orders: Vec<Value> = serde_json::from_slice(&list.stdout).expect("json");
    assert_eq!(orders.len(), 60);
    let pending: Vec<&Value> = orders.iter().filter(|o| o["status"] != "synced").collect();
    assert!(pending.is_empty(), "{} left: {pending:?}", pending.len());
    assert_eq!(pushed(&fx), 60, "no order twice");
    for o in orders.iter().filter(|o| o["status"] == "synced") {
        let origin = format!("zenoo:{}", o["uuid"].as_str().unwrap_or_default());
        let n = fx
            .read(
                "demo",
                "purchase.order",
                json!([["origin", "=", origin]]),
                &["id"],
            )
            .len();
        assert_eq!(n, 1, "{origin}");
    }
}
