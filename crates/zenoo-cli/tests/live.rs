//! `zenoo` against a real Odoo 16-19 (the env-gated live suite): set
//! `ZENOO_LIVE_URL`, `ZENOO_LIVE_DB`, `ZENOO_LIVE_LOGIN` and
//! `ZENOO_LIVE_PASSWORD` (the lab's `env` prints them); without them each
//! test prints why it is skipped. What a test creates it deletes again.

use std::process::{Command, Output};

/// `zenoo` with the live connection flags, or `None` after saying why not.
fn live(test: &str) -> Option<impl Fn(&[&str]) -> Output> {
    let live = zenoo_sim::live::LiveOdoo::from_env(test)?;
    Some(move |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_zenoo"))
            .args(["--url", &live.url, "--db", &live.db, "--login", &live.login])
            .args(["--password", &live.password])
            .args(args)
            .env_remove("ZENOO_URL")
            .output()
            .expect("zenoo runs")
    })
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn live_import_then_export_round_trips_and_names_are_suggested() {
    let Some(zenoo) = live("live_import_then_export_round_trips_and_names_are_suggested") else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let tag = format!("zenoo-live-cli-{}", std::process::id());
    let csv = dir.path().join("in.csv");
    let mut rows = String::from("name,email,city\n");
    for i in 0..25 {
        rows.push_str(&format!(
            "{tag} {i:02},p{i}@example.com,\"Ghent, \"\"East\"\"\"\n"
        ));
    }
    std::fs::write(&csv, &rows).expect("write");
    let out = zenoo(&["import", "res.partner", &csv.display().to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let exported = dir.path().join("out.csv");
    let filter = format!("name =like '{tag} %'");
    let out = zenoo(&[
        "export",
        "res.partner",
        "--where",
        &filter,
        "--fields",
        "name,email,city",
        "--out",
        &exported.display().to_string(),
    ]);
    let cleanup = || {
        let ids = zenoo(&[
            "search",
            "res.partner",
            "--where",
            &filter,
            "--format",
            "json",
            "--fields",
            "id",
        ]);
        let rows: Vec<serde_json::Value> = serde_json::from_slice(&ids.stdout).unwrap_or_default();
        let ids: Vec<i64> = rows.iter().filter_map(|r| r["id"].as_i64()).collect();
        if !ids.is_empty() {
            let _ = zenoo(&[
                "call",
                "res.partner",
                "unlink",
                &serde_json::json!([ids]).to_string(),
            ]);
        }
    };
    let back = std::fs::read_to_string(&exported).unwrap_or_default();
    cleanup();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // The export leads with the id column.
    let mut got: Vec<&str> = back
        .lines()
        .filter_map(|l| l.split_once(',').map(|(_, rest)| rest))
        .collect();
    let mut want: Vec<&str> = rows.lines().collect();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want, "the export is the import, quoting included");
    // Names the server lacks are named with its nearest one, whatever the
    // protocol; search and export say the same of a field.
    for protocol in ["auto", "jsonrpc", "xmlrpc"] {
        let out = zenoo(&["--protocol", protocol, "count", "res.partners"]);
        assert!(
            text(&out.stderr)
                .contains(r#"the server has no model "res.partners"; did you mean "res.partner"?"#),
            "{protocol}: {}",
            text(&out.stderr)
        );
    }
    for cmd in ["search", "export"] {
        let out = zenoo(&[cmd, "res.partner", "--fields", "name,emial"]);
        assert!(
            text(&out.stderr)
                .contains(r#"res.partner has no field "emial"; did you mean "email"?"#),
            "{cmd}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn live_a_sync_run_counts_refusals_and_exits_three() {
    let Some(zenoo) = live("live_a_sync_run_counts_refusals_and_exits_three") else {
        return;
    };
    let dir = tempfile::tempdir().expect("dir");
    let store = format!("sqlite://{}", dir.path().join("sync.db").display());
    // No --currency: the company's, read from the server.
    for _ in 0..3 {
        let out = zenoo(&[
            "sync",
            "orders",
            "add",
            "--store",
            &store,
            "--supplier",
            "Nobody At All Ltd",
            "--line",
            "NO-SUCH-CODE:1:2.5",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    let out = zenoo(&["sync", "run", "--once", "--store", &store]);
    let said = text(&out.stderr);
    assert!(
        said.contains("0 pushed, 3 failed (3 refused by Odoo as they are"),
        "{said}"
    );
    assert_eq!(out.status.code(), Some(3), "{said}");
}

#[test]
fn live_the_cli_says_what_went_wrong_as_it_does_against_the_simulator() {
    let Some(live) = zenoo_sim::live::LiveOdoo::from_env(
        "live_the_cli_says_what_went_wrong_as_it_does_against_the_simulator",
    ) else {
        return;
    };
    let zenoo = |db: &str, password: &str, args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_zenoo"))
            .args(["--url", &live.url, "--db", db, "--login", &live.login])
            .args(["--password", password])
            .args(args)
            .env_remove("ZENOO_URL")
            .output()
            .expect("zenoo runs")
    };
    // A database the server does not have is named with the ones it has,
    // on every protocol (Odoo words it differently on each).
    for protocol in ["auto", "jsonrpc", "xmlrpc", "web"] {
        let out = zenoo(
            "zenoo-live-nope",
            &live.password,
            &["--protocol", protocol, "count", "res.partner"],
        );
        let said = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{protocol}: {said}");
        assert!(
            said.contains(r#"has no database "zenoo-live-nope": it has"#),
            "{protocol}: {said}"
        );
    }
    // Refused credentials: 6.
    let out = zenoo(&live.db, "zenoo-live-wrong", &["count", "res.partner"]);
    assert_eq!(out.status.code(), Some(6), "{}", text(&out.stderr));
    // Every command that prints data takes --format.
    let out = zenoo(
        &live.db,
        &live.password,
        &["db", "list", "--format", "json"],
    );
    let names: Vec<String> = serde_json::from_slice(&out.stdout).expect("a JSON list");
    assert!(names.contains(&live.db), "{names:?}");
    let out = zenoo(
        &live.db,
        &live.password,
        &["count", "res.partner", "--format", "json"],
    );
    let count: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(count["count"].as_u64().is_some_and(|n| n > 0), "{count}");
}
