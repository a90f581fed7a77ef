//! The web page end to end in headless Chromium, driven by Playwright:
//! orders with their sync state, a live update over the WebSocket, a
//! conflict resolved with a click, a failed job retried, a screenshot.
//! Needs Debian's chromium and playwright-core (`.ci/run` installs both:
//! `ZENOO_PLAYWRIGHT` is the folder holding its `node_modules`); says
//! SKIPPED and why without them.

mod common;

use std::path::PathBuf;

use common::{Server, odoo, order};
use reqwest::Method;
use serde_json::json;

fn tools() -> Result<(PathBuf, PathBuf), String> {
    let pw = std::env::var_os("ZENOO_PLAYWRIGHT")
        .map(PathBuf::from)
        .ok_or("ZENOO_PLAYWRIGHT is not set (the folder with node_modules/playwright-core)")?;
    if !pw.join("node_modules/playwright-core").is_dir() {
        return Err(format!("no playwright-core under {}", pw.display()));
    }
    let chromium = PathBuf::from(
        std::env::var("ZENOO_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
    );
    if !chromium.exists() {
        return Err(format!("no chromium at {}", chromium.display()));
    }
    Ok((pw, chromium))
}

/// Runs a page script (`tests/browser/NAME`) with node, on a blocking
/// thread (the server runs on the test's runtime); its output, which must
/// hold `checks` lines `ok …`.
async fn drive(name: &str, args: Vec<String>, checks: usize) -> String {
    let script = format!("{}/tests/browser/{name}", env!("CARGO_MANIFEST_DIR"));
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .arg(script)
            .args(&args)
            .output()
    })
    .await
    .expect("join")
    .expect("node");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    eprintln!("{stdout}");
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("ok ")).count(),
        checks,
        "{stdout}"
    );
    stdout
}

/// The screenshot is a real rendering: a PNG 1280 wide with content (a
/// blank page compresses to a few KB), kept in `ZENOO_SCREENSHOT_DIR`.
fn check_screenshot(shot: &std::path::Path, keep_as: &str) {
    let png = std::fs::read(shot).expect("screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
    let height = u32::from_be_bytes([png[20], png[21], png[22], png[23]]);
    assert_eq!(width, 1280);
    assert!(height >= 600, "{height}");
    assert!(
        png.len() > 20_000,
        "the screenshot looks blank: {} bytes",
        png.len()
    );
    if let Ok(dir) = std::env::var("ZENOO_SCREENSHOT_DIR") {
        let _ = std::fs::copy(shot, PathBuf::from(dir).join(keep_as));
    }
}

#[tokio::test]
async fn the_page_shows_orders_live_resolves_conflicts_and_retries_jobs() {
    let (pw, chromium) = match tools() {
        Ok(t) => t,
        Err(why) => {
            zenoo_sim::skip::missing(why);
            return;
        }
    };
    let s = Server::start("").await;
    let admin = s.admin().await;
    // An order in conflict and one failed for good.
    let (_, c) = s
        .post("/orders", &admin, order("Alpenrose Dairy", 2.0))
        .await;
    let conflict = c["uuid"].as_str().expect("uuid").to_string();
    let synced = s.wait_status(&admin, &conflict, "synced").await;
    let client = odoo(&s.sim).await;
    let lines = client
        .search(
            "purchase.order.line",
            json!([["order_id", "=", synced["odoo_id"]]]),
            Default::default(),
        )
        .await
        .expect("lines");
    client
        .write(
            "purchase.order.line",
            &[*lines.iter().min().expect("line")],
            json!({"product_qty": 4.0}),
        )
        .await
        .expect("write");
    s.call(
        Method::PUT,
        &format!("/orders/{conflict}"),
        Some(&admin),
        Some(order("Alpenrose Dairy", 9.0)),
    )
    .await;
    s.wait_status(&admin, &conflict, "conflict").await;
    let (_, f) = s.post("/orders", &admin, order("Nobody Ltd", 1.0)).await;
    let failed = f["uuid"].as_str().expect("uuid").to_string();
    s.wait_status(&admin, &failed, "failed").await;

    let shot = s.dir.path().join("page.png");
    let args: Vec<String> = vec![
        pw.display().to_string(),
        chromium.display().to_string(),
        s.base.clone(),
        admin.clone(),
        conflict.clone(),
        failed.clone(),
        shot.display().to_string(),
    ];
    drive("page.cjs", args, 10).await;
    // The resolution reached the store.
    s.wait_status(&admin, &conflict, "synced").await;
    check_screenshot(&shot, "zenoo-server-page.png");
    s.stop().await;
}

#[tokio::test]
async fn the_demo_page_tells_the_story_from_new_order_to_resolved_conflict() {
    let (pw, chromium) = match tools() {
        Ok(t) => t,
        Err(why) => {
            zenoo_sim::skip::missing(why);
            return;
        }
    };
    let s = Server::start_demo().await;
    let admin = s.admin().await;
    // As `zenoo-server --sim` opens: three orders, already in Odoo.
    for qty in [2.0, 5.0, 1.0] {
        let (_, o) = s
            .post("/orders", &admin, order("Alpenrose Dairy", qty))
            .await;
        let uuid = o["uuid"].as_str().expect("uuid").to_string();
        s.wait_status(&admin, &uuid, "synced").await;
    }
    let shot = s.dir.path().join("demo.png");
    let args: Vec<String> = vec![
        pw.display().to_string(),
        chromium.display().to_string(),
        s.base.clone(),
        admin.clone(),
        shot.display().to_string(),
    ];
    drive("demo.cjs", args, 8).await;
    check_screenshot(&shot, "zenoo-server-demo.png");
    // The demo's routes are the demo's only: a real service has none.
    let plain = Server::start("").await;
    let key = plain.admin().await;
    let (status, _) = plain.call(Method::GET, "/demo", Some(&key), None).await;
    assert_eq!(status, 404);
    plain.stop().await;
    s.stop().await;
}
