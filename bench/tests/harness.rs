//! The harness's plumbing (not its numbers): a quick run against a spawned
//! simulator writes the table and the JSON with every workload measured.

use std::process::Command;

#[test]
fn a_quick_run_measures_every_workload_and_writes_json() {
    let out_dir = std::env::temp_dir().join(format!("zenoo-bench-{}", std::process::id()));
    let out = out_dir.join("results.json");
    let run = Command::new(env!("CARGO_BIN_EXE_zenoo-bench"))
        .args([
            "run",
            "--quick",
            "--contenders",
            "zenoo-jsonrpc,zenoo-json2,raw",
            "--out",
        ])
        .arg(&out)
        .output()
        .expect("zenoo-bench runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let table = String::from_utf8_lossy(&run.stdout);
    assert!(table.contains("| simple | zenoo-jsonrpc |"), "{table}");
    assert!(table.contains("not judged in --quick mode"), "{table}");
    assert!(
        !table.contains("MISSED") && !table.contains("met:"),
        "{table}"
    );
    assert!(table.contains("Client CPU per sample"), "{table}");

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("results.json")).expect("JSON");
    for workload in [
        "simple",
        "read-many",
        "batch-create",
        "concurrent",
        "stream",
    ] {
        for contender in ["zenoo-jsonrpc", "zenoo-json2", "raw"] {
            let m = &json["results"][workload][contender];
            assert!(
                m["items"].as_u64().unwrap_or(0) > 0,
                "{workload}/{contender} did nothing: {m}"
            );
            assert!(
                json["stats"][workload][contender]["median_ms"]
                    .as_f64()
                    .is_some()
            );
        }
    }
    // Every contender read the same number of records in `stream`: the
    // whole model, once each.
    let streamed: Vec<u64> = ["zenoo-jsonrpc", "zenoo-json2", "raw"]
        .iter()
        .map(|c| json["results"]["stream"][c]["items"].as_u64().unwrap_or(0))
        .collect();
    assert!(streamed.windows(2).all(|w| w[0] == w[1]), "{streamed:?}");
    assert!(json["targets"].as_array().is_some_and(|t| !t.is_empty()));
    let _ = std::fs::remove_dir_all(out_dir);
}
