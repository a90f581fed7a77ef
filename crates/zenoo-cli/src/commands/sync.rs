//! `zenoo sync ...`: the purchase-order sync from the command line.

use crate::stdout::outln;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use uuid::Uuid;
use zenoo_sync::{AppLine, NewOrder, Policies, Policy, Store, SyncEvent, SyncService, Take};

use crate::cli::{Connection, Format, OrdersCommand, PolicyArg, SyncCommand, TakeArg};
use crate::settings::Target;

async fn open(url: &str) -> anyhow::Result<Store> {
    Store::open(url)
        .await
        .with_context(|| "cannot open the sync store".to_string())
}

fn policy(p: PolicyArg) -> Policies {
    Policies::all(match p {
        PolicyArg::Odoo => Policy::OdooWins,
        PolicyArg::App => Policy::AppWins,
        PolicyArg::Newest => Policy::NewestWins,
        PolicyArg::Manual => Policy::Manual,
    })
}

/// `CODE:QTY:PRICE[:UNIT]`.
fn line(text: &str) -> anyhow::Result<AppLine> {
    let parts: Vec<&str> = text.split(':').collect();
    let (code, qty, price, uom) = match parts.as_slice() {
        [code, qty, price] => (code, qty, price, None),
        [code, qty, price, uom] if !uom.is_empty() => (code, qty, price, Some(uom.to_string())),
        _ => bail!(
            "--line {text:?}: expected CODE:QTY:PRICE or CODE:QTY:PRICE:UNIT, e.g. VET-001:10:4.50 or VET-001:2:48:Dozens"
        ),
    };
    Ok(AppLine {
        product_code: (*code).to_string(),
        quantity: qty
            .parse()
            .with_context(|| format!("--line {text:?}: {qty:?} is not a quantity"))?,
        price_unit: price
            .parse()
            .with_context(|| format!("--line {text:?}: {price:?} is not a price"))?,
        date_planned: None,
        uom,
    })
}

/// `sync orders add`: the order into the store; prints its uuid.
async fn add_order(
    store: &str,
    supplier: &str,
    lines: &[String],
    currency: &str,
) -> anyhow::Result<ExitCode> {
    let lines = lines
        .iter()
        .map(|l| line(l))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let store = open(store).await?;
    let uuid = store
        .add_order(&NewOrder {
            supplier_ref: supplier.to_string(),
            currency: currency.to_string(),
            lines,
        })
        .await?;
    outln!("{uuid}")?;
    Ok(ExitCode::SUCCESS)
}

/// The commands that need only the store (no Odoo login): `None` for the
/// others.
pub async fn run_offline(cmd: &SyncCommand) -> Option<anyhow::Result<ExitCode>> {
    Some(match cmd {
        SyncCommand::Orders(OrdersCommand::Add {
            store,
            supplier,
            lines,
            currency: Some(currency),
        }) => add_order(&store.store, supplier, lines, currency).await,
        SyncCommand::Orders(OrdersCommand::List { store, output }) => {
            async {
                let orders = open(&store.store).await?.list_orders().await?;
                let rows: Vec<Vec<String>> = orders
                    .iter()
                    .map(|o| {
                        vec![
                            o.uuid.to_string(),
                            o.supplier_ref.clone(),
                            o.odoo_id.map(|i| i.to_string()).unwrap_or_default(),
                            o.status.to_string(),
                            o.odoo_state.clone().unwrap_or_default(),
                            o.last_error.clone().unwrap_or_default(),
                        ]
                    })
                    .collect();
                crate::output::rows(
                    output.format,
                    &["uuid", "supplier", "odoo id", "sync", "odoo state", "error"],
                    &rows,
                    &orders,
                )?;
                Ok(ExitCode::SUCCESS)
            }
            .await
        }
        SyncCommand::Status { store, output } => {
            async {
                let store = open(&store.store).await?;
                let orders = store.list_orders().await?;
                let backlog = store.backlog().await?;
                let count =
                    |s: zenoo_sync::OrderStatus| orders.iter().filter(|o| o.status == s).count();
                let status = serde_json::json!({
                    "orders": orders.len(),
                    "backlog": backlog,
                    "synced": count(zenoo_sync::OrderStatus::Synced),
                    "pending": count(zenoo_sync::OrderStatus::Pending),
                    "failed": count(zenoo_sync::OrderStatus::Failed),
                    "conflicts": count(zenoo_sync::OrderStatus::Conflict),
                });
                if let Some(m) = status.as_object() {
                    let headers: Vec<&str> = m.keys().map(String::as_str).collect();
                    let row: Vec<String> = m.values().map(ToString::to_string).collect();
                    crate::output::rows(output.format, &headers, &[row], &status)?;
                }
                Ok(ExitCode::SUCCESS)
            }
            .await
        }
        SyncCommand::Conflicts { store, output } => {
            async {
                let open_ones = open(&store.store).await?.conflicts().await?;
                if output.format != Format::Table {
                    let rows: Vec<Vec<String>> = open_ones
                        .iter()
                        .map(|c| {
                            vec![
                                c.order.to_string(),
                                c.part.to_string(),
                                c.app.to_string(),
                                c.odoo.to_string(),
                            ]
                        })
                        .collect();
                    let json: Vec<serde_json::Value> = open_ones
                        .iter()
                        .map(|c| {
                            serde_json::json!({
                                "order": c.order,
                                "part": c.part,
                                "app": c.app,
                                "odoo": c.odoo,
                            })
                        })
                        .collect();
                    crate::output::rows(
                        output.format,
                        &["order", "part", "app", "odoo"],
                        &rows,
                        &json,
                    )?;
                    return Ok(ExitCode::SUCCESS);
                }
                for c in &open_ones {
                    outln!(
                        "{} {}\n  app:  {}\n  odoo: {}",
                        c.order,
                        c.part,
                        c.app,
                        c.odoo
                    )?;
                }
                eprintln!(
                    "({} open conflict{})",
                    open_ones.len(),
                    if open_ones.len() == 1 { "" } else { "s" }
                );
                Ok(ExitCode::SUCCESS)
            }
            .await
        }
        SyncCommand::Retry { store } => {
            async {
                let n = open(&store.store).await?.retry_failed().await?;
                eprintln!("{n} failed order(s) queued again");
                Ok(ExitCode::SUCCESS)
            }
            .await
        }
        _ => return None,
    })
}

/// One line for a `sync run --once`: what happened this run, then what
/// waits for someone.
fn summary(
    push: &zenoo_sync::PushReport,
    polled: &zenoo_sync::PollReport,
    status: &zenoo_sync::Status,
) -> String {
    let mut line = format!("{} pushed", push.pushed);
    if push.failed() > 0 {
        line.push_str(&format!(
            ", {} failed ({} refused by Odoo as they are, {} for credentials, rights or a constraint)",
            push.failed(),
            push.failed_business,
            push.failed_permanent
        ));
    }
    line.push_str(&format!(
        ", {} read from Odoo, {} taken, {} new conflict{}",
        polled.seen,
        polled.applied,
        polled.conflicts,
        if polled.conflicts == 1 { "" } else { "s" }
    ));
    if status.failed > 0 || status.conflicts > 0 {
        line.push_str(&format!(
            "; waiting for someone: {} failed order{} (`zenoo sync retry` after fixing), {} open conflict{} (`zenoo sync conflicts`)",
            status.failed,
            if status.failed == 1 { "" } else { "s" },
            status.conflicts,
            if status.conflicts == 1 { "" } else { "s" }
        ));
    }
    line
}

/// The exit status of a `sync run --once` that ran: 0 when nothing waits
/// for someone, 3 when orders failed for good, 4 when conflicts (and no
/// failures) wait for a decision.
fn attention(status: &zenoo_sync::Status) -> ExitCode {
    if status.failed > 0 {
        crate::exit::Exit::Partial.into()
    } else if status.conflicts > 0 {
        crate::exit::Exit::Conflicts.into()
    } else {
        ExitCode::SUCCESS
    }
}

/// The commands that talk to Odoo.
pub async fn run(
    target: &Target,
    conn: &Connection,
    cmd: &SyncCommand,
) -> anyhow::Result<ExitCode> {
    match cmd {
        SyncCommand::Run {
            store,
            once,
            worker,
            poll_every,
            policy: p,
            lease,
            reconcile_every,
        } => {
            let store = open(&store.store).await?;
            let client = target.connect(conn).await?;
            let sync = SyncService::new(store.clone(), client, worker, policy(*p))
                .poll_every(*poll_every)
                .lease(*lease)
                .reconcile_every(*reconcile_every);
            if *once {
                let mut push = zenoo_sync::PushReport::default();
                let mut polled = zenoo_sync::PollReport::default();
                let mut faults = 0;
                loop {
                    // A round that meets a passing fault after the client's
                    // own retries (a 503, a reset) is run again, a few times:
                    // what it did is in the store, so nothing is done twice.
                    let round = match sync.round().await {
                        Ok(r) => r,
                        Err(zenoo_sync::Error::Odoo(e)) if e.is_retryable() && faults < 3 => {
                            faults += 1;
                            eprintln!("the round met a passing fault ({e}); running it again");
                            tokio::time::sleep(std::time::Duration::from_millis(200 << faults))
                                .await;
                            continue;
                        }
                        Err(e) => return Err(e.into()),
                    };
                    push += round.push;
                    polled.seen += round.polled.seen;
                    polled.applied += round.polled.applied;
                    polled.conflicts += round.polled.conflicts;
                    if store.backlog().await? == 0 {
                        break;
                    }
                    // Jobs waiting out a backoff: wait a little.
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                    store.make_all_due().await?;
                }
                // Retried jobs that later went through count once, as pushed.
                push.retrying = 0;
                let status = sync.status().await?;
                eprintln!("{}", summary(&push, &polled, &status));
                return Ok(attention(&status));
            }
            sync.run(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
            Ok(ExitCode::SUCCESS)
        }
        SyncCommand::Resolve { store, uuid, take } => {
            let uuid =
                Uuid::parse_str(uuid).with_context(|| format!("{uuid:?} is not an order uuid"))?;
            let store = open(&store.store).await?;
            let client = target.connect(conn).await?;
            let sync = SyncService::new(store, client, "resolve", Policies::default());
            sync.poller()
                .resolve(
                    uuid,
                    match take {
                        TakeArg::Odoo => Take::Odoo,
                        TakeArg::App => Take::App,
                    },
                )
                .await?;
            eprintln!("resolved {uuid}");
            Ok(ExitCode::SUCCESS)
        }
        SyncCommand::Demo => demo(target, conn).await,
        SyncCommand::Orders(OrdersCommand::Add {
            store,
            supplier,
            lines,
            currency: None,
        }) => {
            // No --currency: the company's, asked of Odoo.
            let client = target.connect(conn).await?;
            let currency = zenoo_sync::Mapping::new(client)
                .company_currency()
                .await
                .context("cannot read the Odoo company's currency (or pass --currency)")?;
            add_order(&store.store, supplier, lines, &currency).await
        }
        _ => bail!("this sync command needs no connection"),
    }
}

/// The whole loop against the embedded simulator.
async fn demo(target: &Target, conn: &Connection) -> anyhow::Result<ExitCode> {
    let store = open("sqlite::memory:").await?;
    let client = target.connect(conn).await?;
    let sync = SyncService::new(
        store.clone(),
        client.clone(),
        "demo",
        Policies::all(Policy::OdooWins),
    );
    let mut events = store.events().subscribe();
    let say = |e: &SyncEvent| -> std::io::Result<()> {
        match e {
            SyncEvent::Created { order } => outln!("app   → created {order}"),
            SyncEvent::Updated { order } => outln!("app   → changed {order}"),
            SyncEvent::Synced {
                order,
                odoo_id,
                direction,
            } => outln!("sync  → {order} is purchase.order {odoo_id} (synced {direction})"),
            SyncEvent::Conflict { order, parts } => {
                let parts: Vec<&str> = parts.iter().map(|p| p.as_str()).collect();
                outln!("sync  → conflict on {order} ({})", parts.join(", "))
            }
            SyncEvent::Failed { order, error } => outln!("sync  → {order} failed: {error}"),
            SyncEvent::Resolved { order } => outln!("sync  → {order} resolved"),
            _ => Ok(()),
        }
    };
    let uuid = store
        .add_order(&NewOrder {
            supplier_ref: "Alpenrose Dairy".into(),
            currency: "EUR".into(),
            lines: vec![line("ZL-100:2:80")?, line("ZL-200:5:20")?],
        })
        .await?;
    sync.round().await?;
    while let Ok(e) = events.try_recv() {
        say(&e)?;
    }
    let odoo_id = store
        .order(uuid)
        .await?
        .and_then(|o| o.odoo_id)
        .context("not pushed")?;
    outln!("odoo  → confirms purchase.order {odoo_id} and sets the first line to 4 units")?;
    let lines = client
        .search(
            "purchase.order.line",
            serde_json::json!([["order_id", "=", odoo_id]]),
            Default::default(),
        )
        .await?;
    if let Some(first) = lines.first() {
        client
            .write(
                "purchase.order.line",
                &[*first],
                serde_json::json!({"product_qty": 4.0}),
            )
            .await?;
    }
    let _: serde_json::Value = client
        .call(
            zenoo_rpc::Call::new("purchase.order", "button_confirm")
                .arg(serde_json::json!([odoo_id])),
        )
        .await?;
    sync.round().await?;
    while let Ok(e) = events.try_recv() {
        say(&e)?;
    }
    let o = store.order(uuid).await?.context("the order")?;
    outln!(
        "app   ← state {}, first line {} units ({})",
        o.state,
        o.lines.first().map_or(0.0, |l| l.quantity),
        o.status
    )?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::line;

    #[test]
    fn a_line_may_name_its_unit_and_a_bad_one_says_what_is_wrong() {
        let l = line("VET-001:2:48:Dozens").expect("with a unit");
        assert_eq!((l.quantity, l.uom.as_deref()), (2.0, Some("Dozens")));
        assert_eq!(line("VET-001:10:4.50").expect("without").uom, None);
        let err = line("VET-001:ten:4.50")
            .expect_err("not a number")
            .to_string();
        assert!(err.contains("\"ten\" is not a quantity"), "{err}");
        let err = line("VET-001:1:2:3:4").expect_err("too many").to_string();
        assert!(err.contains("expected CODE:QTY:PRICE"), "{err}");
    }
}
