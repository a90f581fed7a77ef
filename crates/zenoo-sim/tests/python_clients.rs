//! The Python clients people use today (odoorpc, odooly, odoo-client-lib,
//! and the MCP server mcp-server-odoo) work against the simulator as against
//! Odoo 18 and 19, over every protocol each speaks (`tests/python/*.py`
//! drive them).
//!
//! Needs `ZENOO_PYTHON`: a Python with the four packages installed (`.ci/run`
//! makes a venv for it); without one the test says why, and fails in CI.

use std::process::Command;

use zenoo_sim::{OdooVersion, Sim};

const KEY: &str = "0123456789abcdef0123456789abcdef01234567";

fn python() -> Result<String, String> {
    let python = std::env::var("ZENOO_PYTHON").map_err(|_| {
        "ZENOO_PYTHON is not set (a Python with odoorpc, odooly, odoo-client-lib and mcp-server-odoo)"
            .to_string()
    })?;
    let probe = Command::new(&python)
        .args(["-c", "import odoorpc, odooly, odoolib, mcp_server_odoo"])
        .output()
        .map_err(|e| format!("cannot run {python}: {e}"))?;
    if !probe.status.success() {
        return Err(format!(
            "{python} lacks a client: {}",
            String::from_utf8_lossy(&probe.stderr).trim()
        ));
    }
    Ok(python)
}

/// `python script args...`, off the runtime's threads.
async fn run<const N: usize>(python: &str, script: &str, args: [&str; N]) -> std::process::Output {
    let mut cmd = Command::new(python);
    cmd.arg(script).args(args);
    tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("task")
        .expect("python runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odoorpc_odooly_and_odoo_client_lib_work_against_18_and_19() {
    let python = match python() {
        Ok(p) => p,
        Err(why) => {
            zenoo_sim::skip::missing(why);
            return;
        }
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/clients.py");
    for (version, number) in [(OdooVersion::V18, "18"), (OdooVersion::V19, "19")] {
        let sim = Sim::builder()
            .version(version)
            .user("admin", "admin", Some(KEY))
            .start()
            .await
            .expect("sim");
        let out = run(&python, script, [sim.url().as_str(), number, KEY]).await;
        let stdout = String::from_utf8_lossy(&out.stdout);
        println!("Odoo {number}:\n{stdout}");
        assert!(
            out.status.success(),
            "Odoo {number}: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Every client and protocol ran its steps.
        for client in [
            "odoorpc/jsonrpc",
            "odooly/web",
            "odooly/jsonrpc",
            "odoo-client-lib/xmlrpc",
            "odoo-client-lib/jsonrpc",
        ] {
            assert!(
                stdout.contains(&format!("ok   {client}: error")),
                "{client} on {number}: {stdout}"
            );
        }
        if version >= OdooVersion::V19 {
            assert!(stdout.contains("ok   odooly/json2: error"), "{stdout}");
        }
    }
}

/// mcp-server-odoo (the most used Odoo MCP server, `tests/python/mcp_odoo.py`
/// drives it over stdio) against the simulator with each version's real
/// field set: its search, its count (`read_group` with `__count`), and an
/// all-fields read that returns every field `fields_get` lists.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcp_server_odoo_works_against_18_and_19() {
    let python = match python() {
        Ok(p) => p,
        Err(why) => {
            zenoo_sim::skip::missing(why);
            return;
        }
    };
    let shared = match zenoo_sim::shared_data::shared_dir() {
        Ok(d) => d,
        Err(e) => {
            zenoo_sim::skip::missing(e);
            return;
        }
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/mcp_odoo.py");
    for (version, fixture) in [
        (OdooVersion::V18, "odoo18-demo"),
        (OdooVersion::V19, "odoo19-demo"),
    ] {
        let sim = Sim::builder()
            .fixture(shared.join("odoo/fixtures").join(fixture))
            .version(version)
            .database("demo")
            .user("admin", "admin", Some(KEY))
            .start()
            .await
            .expect("sim");
        let out = run(&python, script, [sim.url().as_str(), "demo", KEY]).await;
        let stdout = String::from_utf8_lossy(&out.stdout);
        println!("{fixture}:\n{stdout}");
        assert!(
            out.status.success(),
            "{fixture}: {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for step in [
            "search_records",
            "aggregate_records: __count",
            "get_record __all__",
        ] {
            assert!(
                stdout.contains(&format!("ok   {step}")),
                "{fixture} {step}: {stdout}"
            );
        }
    }
}
