//! A unit of work with a journal, and its recovery after a crash:
//! `cargo run --example unit_of_work`.
//!
//! Without arguments it starts a simulator, runs four steps, "crashes"
//! (forgets the unit without rolling it back, as a killed process would)
//! and recovers from the journal. With `--url URL --journal FILE
//! [--pause-after N]` it runs the steps against that server (admin/admin,
//! database demo) and, after step N, waits for a line on stdin before the
//! next: kill it there, then recover with `--url URL --recover FILE`.

use std::io::BufRead;
use std::path::PathBuf;

use serde_json::json;
use zenoo_rpc::{Client, IdempotencyKey, UnitOfWork};

struct Args {
    url: Option<String>,
    journal: Option<PathBuf>,
    recover: Option<PathBuf>,
    pause_after: Option<usize>,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        url: None,
        journal: None,
        recover: None,
        pause_after: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => a.url = Some(value()?),
            "--journal" => a.journal = Some(value()?.into()),
            "--recover" => a.recover = Some(value()?.into()),
            "--pause-after" => {
                a.pause_after = Some(
                    value()?
                        .parse()
                        .map_err(|e| format!("--pause-after: {e}"))?,
                );
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(a)
}

async fn connect(url: &str) -> zenoo_rpc::Result<Client> {
    Client::builder(url)
        .database("demo")
        .password("admin", "admin")
        .build()
        .await
}

/// The steps, with a pause after `pause_after` of them.
async fn steps(unit: &mut UnitOfWork, pause_after: Option<usize>) -> zenoo_rpc::Result<()> {
    let pause = |done: usize| {
        println!("step {done} done");
        if pause_after == Some(done) {
            println!("paused");
            let mut line = String::new();
            let _ = std::io::stdin().lock().read_line(&mut line);
        }
    };
    let p = unit
        .create("res.partner", json!({"name": "Journaled"}))
        .await?;
    pause(1);
    unit.write("res.partner", &[10], json!({"phone": "+32 9 123 45 67"}))
        .await?;
    pause(2);
    unit.create(
        "sale.order",
        json!({"partner_id": p, "order_line": [[0, 0, {"product_id": 1, "product_uom_qty": 3}]]}),
    )
    .await?;
    pause(3);
    unit.unlink("sale.order.line", &[9]).await?;
    pause(4);
    let key = IdempotencyKey::field("ref", "JOURNAL-5");
    unit.create_idempotent("res.partner", &key, json!({"name": "Keyed"}))
        .await?;
    pause(5);
    unit.write("sale.order", &[4], json!({"client_order_ref": "JOURNALED"}))
        .await?;
    pause(6);
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a = args()?;
    if let (Some(url), Some(path)) = (&a.url, &a.recover) {
        let client = connect(url).await?;
        let report = UnitOfWork::recover(&client, path).await?;
        println!("{report}");
        return Ok(());
    }
    if let (Some(url), Some(path)) = (&a.url, &a.journal) {
        let client = connect(url).await?;
        let mut unit = client.unit_of_work().with_journal(path)?;
        steps(&mut unit, a.pause_after).await?;
        unit.commit()?;
        return Ok(());
    }
    // The demonstration: four steps, a crash, a recovery.
    let sim = zenoo_sim::Sim::builder().start().await?;
    let client = connect(&sim.url()).await?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("unit.journal");
    let phone = |c: Client| async move {
        let rows: Vec<serde_json::Value> = c
            .read("res.partner", &[10], &["phone"], Default::default())
            .await?;
        Ok::<_, zenoo_rpc::Error>(rows[0]["phone"].clone())
    };
    let before = phone(client.clone()).await?;
    let mut unit = client.unit_of_work().with_journal(&path)?;
    let p = unit
        .create("res.partner", json!({"name": "Journaled"}))
        .await?;
    unit.write("res.partner", &[10], json!({"phone": "+32 9 123 45 67"}))
        .await?;
    unit.unlink("sale.order.line", &[9]).await?;
    println!("three steps made (partner {p}, a phone, a deleted line); the process dies");
    std::mem::forget(unit);
    let report = UnitOfWork::recover(&client, &path).await?;
    println!("recovered: {report}");
    assert_eq!(phone(client.clone()).await?, before);
    assert!(!path.exists(), "the journal is removed once recovered");
    Ok(())
}
