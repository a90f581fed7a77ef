//! The `zenoo` binary against its embedded simulator.

use std::process::Command;

fn zenoo(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_zenoo"))
        .args(args)
        .env_remove("ZENOO_URL")
        .output()
        .expect("zenoo runs")
}

#[test]
fn call_prints_the_result_as_json() {
    let out = zenoo(&[
        "--sim",
        "call",
        "res.partner",
        "search_read",
        r#"[[["is_company","=",true]]]"#,
        "--kwargs",
        r#"{"fields":["name"],"limit":2,"order":"id"}"#,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(
        v,
        serde_json::json!([{"id": 1, "name": "Zenoo Lab"}, {"id": 10, "name": "Harbour Light Studio"}])
    );
}

#[test]
fn errors_exit_1_with_the_kind_and_message() {
    let out = zenoo(&[
        "--sim",
        "call",
        "res.partner",
        "write",
        r#"[[999],{"name":"x"}]"#,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("MissingError") && err.contains("Record does not exist"),
        "{err}"
    );
    assert!(
        !err.contains("Traceback"),
        "no traceback without --debug: {err}"
    );
    let out = zenoo(&["--sim", "call", "res.partner", "search", "not json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("ARGS must be a JSON list"));
}

#[test]
fn version_and_db_list() {
    let out = zenoo(&["--sim", "version"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["server_version"], "18.0");
    let out = zenoo(&["--sim", "db", "list"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "demo");
}

#[test]
fn no_server_is_a_clear_error() {
    let out = zenoo(&["version"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--url"));
}
