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
    let out = zenoo(&["--sim", "version", "--format", "json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["server_version"], "18.0");
    let out = zenoo(&["--sim", "db", "list"]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(table.lines().next(), Some("database"), "{table}");
    assert_eq!(table.lines().last(), Some("demo"), "{table}");
}

#[test]
fn no_server_is_a_clear_error() {
    let out = zenoo(&["version"]);
    // A missing setting is a usage error (2), as clap's own are.
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--url"));
}

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("UTF-8")
}

#[test]
fn search_prints_json_csv_and_tables_that_fit() {
    let json_out = ok(&zenoo(&[
        "--sim",
        "search",
        "res.partner",
        "--where",
        "is_company = true and not name =ilike 'zenoo%'",
        "--fields",
        "name,country_id",
        "--order",
        "-name",
        "--limit",
        "3",
        "--format",
        "json",
    ]));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json_out).expect("JSON");
    assert_eq!(rows.len(), 3);
    let names: Vec<&str> = rows.iter().filter_map(|r| r["name"].as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(names, sorted, "ordered by name descending");
    assert!(names.iter().all(|n| !n.to_lowercase().starts_with("zenoo")));
    assert!(
        rows[0]["country_id"].is_array(),
        "many2one as Odoo sends it"
    );

    // The same query through --domain gives the same records.
    let json_domain = ok(&zenoo(&[
        "--sim",
        "search",
        "res.partner",
        "--domain",
        r#"[["is_company","=",true],"!",["name","=ilike","zenoo%"]]"#,
        "--fields",
        "name,country_id",
        "--order",
        "-name",
        "--limit",
        "3",
        "--format",
        "json",
    ]));
    assert_eq!(json_out, json_domain);

    let csv_out = ok(&zenoo(&[
        "--sim",
        "search",
        "res.partner",
        "--where",
        "is_company = true",
        "--fields",
        "name,email",
        "--format",
        "csv",
        "--order",
        "id",
    ]));
    let mut lines = csv_out.lines();
    assert_eq!(lines.next(), Some("id,name,email"));
    assert_eq!(lines.next(), Some("1,Zenoo Lab,lab@zenoo.example.com"));

    let table = Command::new(env!("CARGO_BIN_EXE_zenoo"))
        .args([
            "--sim",
            "search",
            "res.partner",
            "--fields",
            "name,email,street,city,country_id",
        ])
        .env("COLUMNS", "50")
        .output()
        .expect("runs");
    let table = ok(&table);
    assert!(table.lines().count() > 3);
    for line in table.lines() {
        assert!(
            line.chars().count() <= 50,
            "{line:?} is wider than 50 columns"
        );
    }
    assert!(table.starts_with("id"), "{table}");
}

#[test]
fn count_and_domain_errors() {
    let all = ok(&zenoo(&["--sim", "count", "res.partner"]));
    let companies = ok(&zenoo(&[
        "--sim",
        "count",
        "res.partner",
        "--where",
        "is_company = true",
    ]));
    let (all, companies): (u64, u64) = (
        all.trim().parse().expect("number"),
        companies.trim().parse().expect("number"),
    );
    assert!(companies > 0 && companies < all);

    let out = zenoo(&[
        "--sim",
        "count",
        "res.partner",
        "--where",
        "is_company = true and (name",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("column 28"), "{err}");
    assert!(err.contains("is_company = true and (name\n"), "{err}");
    let out = zenoo(&[
        "--sim",
        "count",
        "res.partner",
        "--domain",
        r#"["|",["a","=",1]]"#,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs 2 operand(s)"));
    let out = zenoo(&[
        "--sim",
        "count",
        "res.partner",
        "--where",
        "no_such_field = 1",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no_such_field"));
}

#[test]
fn file_errors_name_the_file_once() {
    let out = zenoo(&["--sim", "db", "restore", "copy", "/nonexistent/missing.zip"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("/nonexistent/missing.zip").count(), 1, "{err}");
    assert_eq!(err.matches("os error 2").count(), 1, "{err}");
}

#[test]
fn a_failed_dump_keeps_the_old_backup() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("backup.zip");
    std::fs::write(&path, b"the good backup").expect("write");
    let target = path.to_str().expect("utf-8 path");
    let out = zenoo(&["--sim", "db", "dump", "no_such_db", target]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(&path).expect("read"), b"the good backup");
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
}

#[test]
fn completions_for_every_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef zenoo"),
        ("fish", "complete -c zenoo"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = zenoo(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(
            script.contains(marker),
            "{shell}: {}",
            &script[..script.len().min(200)]
        );
        assert!(
            script.contains("search") && script.contains("where"),
            "{shell}"
        );
    }
}

#[test]
fn every_missing_setting_in_one_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_zenoo"))
        .args(["count", "res.partner"])
        .env_clear()
        .output()
        .expect("zenoo runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for setting in ["--url", "--db", "--login", "--password or --api-key"] {
        assert!(err.contains(setting), "{setting}: {err}");
    }
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn timeouts_are_flags() {
    let out = zenoo(&[
        "--sim",
        "--timeout",
        "5s",
        "--connect-timeout",
        "500ms",
        "count",
        "res.partner",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = zenoo(&["--sim", "--timeout", "soon", "count", "res.partner"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a duration"));
    let out = zenoo(&["--sim", "--timeout", "0", "count", "res.partner"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn profiles_with_flags_over_env_over_profile() {
    let dir = tempfile::tempdir().expect("dir");
    let key = dir.path().join("dev.key");
    std::fs::write(&key, "s3cr3t-key\n").expect("key");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[profiles.dev]\nurl = \"http://profile.example\"\ndb = \"profiledb\"\nlogin = \"me\"\napi_key_file = {:?}\n",
            key.display().to_string()
        ),
    )
    .expect("config");
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let out = Command::new(env!("CARGO_BIN_EXE_zenoo"))
            .args(args)
            .env_clear()
            .env("ZENOO_CONFIG", &config)
            .envs(env.iter().copied())
            .output()
            .expect("zenoo runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let shown = run(&["--profile", "dev", "config", "show"], &[]);
    let line = |key: &str| {
        shown
            .lines()
            .find(|l| l.starts_with(&format!("{key} ")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        line("url").contains("http://profile.example") && line("url").contains("profile dev"),
        "{shown}"
    );
    assert!(
        line("api_key").contains("***") && !shown.contains("s3cr3t"),
        "{shown}"
    );
    assert!(line("profile").contains("flag"), "{shown}");
    // The environment beats the profile, a flag beats both.
    let shown = run(
        &["--profile", "dev", "--db", "flagdb", "config", "show"],
        &[("ZENOO_DB", "envdb"), ("ZENOO_URL", "http://env.example")],
    );
    assert!(
        shown.contains("flagdb") && !shown.contains("envdb"),
        "{shown}"
    );
    assert!(
        shown.contains("http://env.example") && shown.contains("env ZENOO_URL"),
        "{shown}"
    );
    // ZENOO_PROFILE works like --profile; an unknown profile says which exist.
    let shown = run(&["config", "show"], &[("ZENOO_PROFILE", "dev")]);
    assert!(shown.contains("profiledb"), "{shown}");
    let out = Command::new(env!("CARGO_BIN_EXE_zenoo"))
        .args(["--profile", "prod", "config", "show"])
        .env_clear()
        .env("ZENOO_CONFIG", &config)
        .output()
        .expect("zenoo runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("profiles there: dev"));
}

#[test]
fn help_groups_connection_options_and_shows_examples() {
    let out = Command::new(env!("CARGO_BIN_EXE_zenoo"))
        .args(["search", "--help"])
        .env("ZENOO_PASSWORD", "hunter2")
        .env("ZENOO_URL", "")
        .output()
        .expect("zenoo runs");
    let help = String::from_utf8_lossy(&out.stdout);
    let own = help.find("--where").unwrap_or(usize::MAX);
    let conn = help.find("Connection:").unwrap_or(0);
    assert!(own < conn, "the subcommand's options come first: {help}");
    assert!(
        help.contains("Examples:") && help.contains("zenoo search res.partner"),
        "{help}"
    );
    assert!(!help.contains("hunter2") && !help.contains("=]"), "{help}");
}

/// A simulator to talk to, when `script` (util-linux) can give zenoo a
/// pseudo-terminal; `None`, said, when it cannot.
fn terminal_and_sim() -> Option<(tokio::runtime::Runtime, zenoo_sim::SimHandle)> {
    if Command::new("script").arg("--version").output().is_err() {
        zenoo_sim::skip::missing("no `script` (util-linux) to give zenoo a terminal");
        return None;
    }
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let sim = rt.block_on(zenoo_sim::Sim::builder().start()).expect("sim");
    Some((rt, sim))
}

/// `command` run on a pseudo-terminal by `script`.
fn on_terminal(command: &str) -> Command {
    let mut c = Command::new("script");
    c.args(["-q", "-e", "-c", command, "/dev/null"]);
    c
}

#[test]
fn the_password_is_asked_for_on_a_terminal_without_echo() {
    let Some((_rt, sim)) = terminal_and_sim() else {
        return;
    };
    let command = format!(
        "{} --url {} --db demo --login admin count res.partner",
        env!("CARGO_BIN_EXE_zenoo"),
        sim.url()
    );
    // `script` runs zenoo on a pseudo-terminal and feeds it our stdin.
    let mut child = on_terminal(&command)
        .env_remove("ZENOO_PASSWORD")
        .env_remove("ZENOO_API_KEY")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("script runs");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        std::thread::sleep(std::time::Duration::from_millis(500));
        stdin.write_all(b"sEcReT-admin\n").ok();
    }
    let out = child.wait_with_output().expect("output");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Password for admin:"), "{text}");
    assert!(!text.contains("sEcReT-admin"), "not echoed: {text}");
    // A wrong password, refused by the server: the prompt's answer was used.
    assert!(text.contains("AccessDenied"), "{text}");
}

#[test]
fn a_spinner_says_what_a_slow_call_waits_for() {
    let Some((_rt, sim)) = terminal_and_sim() else {
        return;
    };
    // Version, session login and context are quick; the count takes 1.6 s.
    sim.set_faults(zenoo_sim::FaultPlan::script([
        None,
        None,
        None,
        Some(zenoo_sim::Fault::Latency(std::time::Duration::from_millis(
            1600,
        ))),
    ]));
    let command = format!(
        "{} --url {} --db demo --login admin --password admin count res.partner",
        env!("CARGO_BIN_EXE_zenoo"),
        sim.url()
    );
    let out = on_terminal(&command)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("script runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("waiting for res.partner.search_count"),
        "{text}"
    );
    // A quick call shows none.
    let out = on_terminal(&command)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("script runs");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("waiting for"));
}

#[test]
fn tables_stay_readable_at_any_width() {
    for width in [60usize, 80, 120, 200] {
        let out = Command::new(env!("CARGO_BIN_EXE_zenoo"))
            .args([
                "--sim",
                "search",
                "res.partner",
                "--fields",
                "*",
                "--limit",
                "5",
            ])
            .env_remove("ZENOO_URL")
            .env("COLUMNS", width.to_string())
            .output()
            .expect("zenoo runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let table = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = table.lines().collect();
        assert!(
            lines.iter().all(|l| l.chars().count() <= width),
            "{width}: {table}"
        );
        // Every column shown is readable: at least 8 wide, or its header's width.
        let rule = lines.get(1).copied().unwrap_or_default();
        let columns: Vec<usize> = rule.split("  ").map(|r| r.chars().count()).collect();
        let headers: Vec<&str> = lines
            .first()
            .copied()
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        assert!(
            columns.len() >= 2 && columns.len() == headers.len(),
            "{width}: {table}"
        );
        for (w, h) in columns.iter().zip(&headers) {
            assert!(
                *w >= h.chars().count().min(8),
                "{width}: {h} is {w} wide: {table}"
            );
        }
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("more columns not shown") && err.contains("--vertical"),
            "{width}: {err}"
        );
    }
    let out = zenoo(&[
        "--sim",
        "search",
        "res.partner",
        "--fields",
        "name,email",
        "--limit",
        "2",
        "--vertical",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("-[ RECORD 1 ]") && text.contains("\nname  | "),
        "{text}"
    );
}

#[test]
fn a_slow_server_times_out_at_the_given_timeout_and_causes_print_once() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let sim = rt.block_on(zenoo_sim::Sim::builder().start()).expect("sim");
    sim.set_faults(zenoo_sim::FaultPlan::script([
        None,
        None,
        None,
        Some(zenoo_sim::Fault::Latency(std::time::Duration::from_secs(5))),
    ]));
    let started = std::time::Instant::now();
    let out = zenoo(&[
        "--url",
        &sim.url(),
        "--db",
        "demo",
        "--login",
        "admin",
        "--password",
        "admin",
        "--timeout",
        "1s",
        "--retries",
        "0",
        "count",
        "res.partner",
    ]);
    // A server that does not answer in time: unreachable (5).
    assert_eq!(out.status.code(), Some(5));
    assert!(started.elapsed() < std::time::Duration::from_secs(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("timed out") && err.contains("1s"), "{err}");
    // Nothing listens on port 9: the cause is said once.
    let out = zenoo(&[
        "--url",
        "http://127.0.0.1:9",
        "--db",
        "demo",
        "--login",
        "admin",
        "--password",
        "admin",
        "count",
        "res.partner",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert_eq!(err.matches("cannot reach").count(), 1, "{err}");
    assert!(err.matches("error sending request").count() <= 1, "{err}");
    assert_eq!(err.matches("Connection refused").count(), 1, "{err}");
    assert!(
        !err.contains("127.0.0.1:9/jsonrpc)"),
        "the URL is not repeated by reqwest: {err}"
    );
}

#[test]
fn hints_speak_in_flags() {
    let out = zenoo(&[
        "--sim",
        "--protocol",
        "json2",
        "--password",
        "admin",
        "count",
        "res.partner",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--api-key"), "{err}");
    assert!(!err.contains(".api_key("), "{err}");
}

#[test]
fn every_command_ends_quietly_when_its_reader_goes() {
    // `zenoo ... | head -c1`: the reader is gone before zenoo writes.
    let commands: &[&[&str]] = &[
        &["completions", "bash"],
        &["--sim", "call", "res.partner", "search_read", "[[]]"],
        &["--sim", "search", "res.partner", "--fields", "name,email"],
        &["--sim", "search", "res.partner", "--format", "json"],
        &["--sim", "count", "res.partner"],
        &["--sim", "version"],
        &["--sim", "db", "list"],
        &["--sim", "codegen", "res.partner"],
        &["config", "show"],
    ];
    for args in commands {
        for _ in 0..3 {
            let mut child = Command::new(env!("CARGO_BIN_EXE_zenoo"))
                .args(*args)
                .env_remove("ZENOO_URL")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("zenoo runs");
            drop(child.stdout.take());
            let out = child.wait_with_output().expect("zenoo ends");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                !stderr.contains("panicked") && out.status.code() == Some(0),
                "zenoo {}: {:?} {stderr}",
                args.join(" "),
                out.status
            );
        }
    }
}

#[test]
fn unknown_models_and_fields_are_named_with_the_nearest_one() {
    for protocol in ["auto", "jsonrpc", "xmlrpc"] {
        let out = zenoo(&["--sim", "--protocol", protocol, "search", "res.partners"]);
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(
            said.contains(r#"the server has no model "res.partners"; did you mean "res.partner"?"#),
            "{protocol}: {said}"
        );
        assert!(!said.contains("URL"), "{protocol}: {said}");
    }
    // search and export say the same of a field.
    let search = zenoo(&["--sim", "search", "res.partner", "--fields", "name,emial"]);
    let export = zenoo(&["--sim", "export", "res.partner", "--fields", "name,emial"]);
    for out in [search, export] {
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{said}");
        assert!(
            said.contains(r#"res.partner has no field "emial"; did you mean "email"?"#),
            "{said}"
        );
    }
}

/// A server that answers every request with the same page.
fn static_server(status: &str, body: &'static str) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            use std::io::{Read, Write};
            let mut stream = stream;
            let mut buf = [0u8; 16384];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
        }
    });
    format!("{}:{}", addr.ip(), addr.port())
}

#[test]
fn exit_statuses_tell_usage_partial_unreachable_and_refused_apart() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let sim = rt.block_on(zenoo_sim::Sim::builder().start()).expect("sim");
    let with = |url: &str, db: &str, password: &str, rest: &[&str]| {
        let mut args = vec![
            "--url",
            url,
            "--db",
            db,
            "--login",
            "admin",
            "--password",
            password,
        ];
        args.extend_from_slice(rest);
        zenoo(&args)
    };
    // Refused credentials: 6.
    let out = with(&sim.url(), "demo", "wrong", &["count", "res.partner"]);
    assert_eq!(
        out.status.code(),
        Some(6),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A usage error: 2 (clap's).
    assert_eq!(zenoo(&["--sim", "count"]).status.code(), Some(2));
    // A web server that is not Odoo: 5, said in those words.
    let page = static_server("404 Not Found", "<html><title>Nothing here</title></html>");
    let out = with(
        &format!("http://{page}"),
        "demo",
        "admin",
        &["count", "res.partner"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(err.contains("does not look like an Odoo server"), "{err}");
    // A database the server does not have: the ones it has are named.
    let out = with(&sim.url(), "nope", "admin", &["count", "res.partner"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(r#"has no database "nope": it has demo"#),
        "{err}"
    );
    // A URL without a scheme: http:// for a loopback host.
    let bare = sim.url().trim_start_matches("http://").to_string();
    let out = with(&bare, "demo", "admin", &["count", "res.partner"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_command_that_prints_data_takes_a_format() {
    let csv = ok(&zenoo(&["--sim", "db", "list", "--format", "csv"]));
    assert_eq!(csv.lines().collect::<Vec<_>>(), ["database", "demo"]);
    let version: serde_json::Value =
        serde_json::from_str(&ok(&zenoo(&["--sim", "version", "--format", "json"]))).expect("JSON");
    assert!(version["server_version"].is_string(), "{version}");
    let table = ok(&zenoo(&["--sim", "version"]));
    assert!(
        table.lines().any(|l| l.starts_with("server_version")),
        "{table}"
    );
    let count: serde_json::Value = serde_json::from_str(&ok(&zenoo(&[
        "--sim",
        "count",
        "res.partner",
        "--where",
        "is_company = true",
        "--format",
        "json",
    ])))
    .expect("JSON");
    assert!(count["count"].as_u64().is_some_and(|n| n > 0), "{count}");
    let rows = ok(&zenoo(&[
        "--sim",
        "call",
        "res.partner",
        "search_read",
        r#"[[["is_company","=",true]]]"#,
        "--kwargs",
        r#"{"fields":["name"],"limit":2,"order":"id"}"#,
        "--format",
        "csv",
    ]));
    assert_eq!(rows.lines().next(), Some("id,name"), "{rows}");
    let out = zenoo(&[
        "--sim",
        "call",
        "res.partner",
        "search_count",
        "[[]]",
        "--format",
        "csv",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--format json"));
    let settings: serde_json::Value = serde_json::from_str(&ok(&zenoo(&[
        "--sim", "config", "show", "--format", "json",
    ])))
    .expect("JSON");
    assert_eq!(settings["db"]["value"], "demo", "{settings}");
    assert_eq!(settings["url"]["source"], "--sim", "{settings}");
}

#[test]
fn search_says_when_its_limit_cut() {
    let out = zenoo(&["--sim", "search", "res.partner", "--limit", "2"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("more records not shown: --limit 0 for all, or --offset 2 for the next"),
        "{err}"
    );
    let all = ok(&zenoo(&[
        "--sim",
        "search",
        "res.partner",
        "--limit",
        "0",
        "--format",
        "json",
    ]));
    let total = ok(&zenoo(&["--sim", "count", "res.partner"]));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&all).expect("JSON");
    assert_eq!(rows.len().to_string(), total.trim());
    let out = zenoo(&["--sim", "search", "res.partner", "--limit", "0"]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("not shown"));
}

#[test]
fn version_names_the_commit() {
    let v = ok(&zenoo(&["--version"]));
    assert!(
        v.starts_with(&format!("zenoo {} (", env!("CARGO_PKG_VERSION"))),
        "{v}"
    );
    assert!(v.trim_end().ends_with(')') && !v.contains("()"), "{v}");
}
