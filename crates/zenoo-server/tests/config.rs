//! The configuration from a file, the environment and secret files, through
//! `zenoo-server config check`.

use std::process::{Command, Output};

const GOOD: &str = r#"
listen = "127.0.0.1:9090"
[odoo]
url = "http://127.0.0.1:8069"
database = "demo"
login = "admin"
[sync]
webhook_token = "0123456789abcdef-token"
[limits]
body_bytes = 65536
"#;

fn check(dir: &tempfile::TempDir, toml: &str, env: &[(&str, String)]) -> Output {
    let path = dir.path().join("server.toml");
    std::fs::write(&path, toml).expect("write");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zenoo-server"));
    cmd.args(["config", "check", "--config"]).arg(&path);
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("ZENOO_SERVER")) {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("zenoo-server runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_password_from_a_secret_file_completes_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Without a password or key, the check names the key.
    let out = check(&dir, GOOD, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("odoo.password: missing"),
        "{}",
        stderr(&out)
    );
    let secret = dir.path().join("odoo-password");
    std::fs::write(&secret, "s3cret-from-a-file\n").expect("secret");
    let out = check(
        &dir,
        GOOD,
        &[(
            "ZENOO_SERVER__ODOO__PASSWORD_FILE",
            secret.display().to_string(),
        )],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("listening on 127.0.0.1:9090"), "{stdout}");
    assert!(!stdout.contains("s3cret"), "a secret was shown: {stdout}");
    // A secret file that is not there names the key and the file.
    let out = check(
        &dir,
        GOOD,
        &[(
            "ZENOO_SERVER__ODOO__PASSWORD_FILE",
            "/nonexistent/pw".into(),
        )],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("odoo.password: ZENOO_SERVER__ODOO__PASSWORD_FILE=/nonexistent/pw"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_environment_overrides_the_file_and_bad_values_name_their_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pw = ("ZENOO_SERVER__ODOO__PASSWORD", "admin".to_string());
    let out = check(
        &dir,
        GOOD,
        &[
            pw.clone(),
            ("ZENOO_SERVER__LISTEN", "127.0.0.1:7000".into()),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("127.0.0.1:7000"));
    for (env, key) in [
        (
            ("ZENOO_SERVER__ODOO__URL", "ftp://odoo".to_string()),
            "odoo.url",
        ),
        (
            ("ZENOO_SERVER__SYNC__WEBHOOK_TOKEN", "short".into()),
            "sync.webhook_token",
        ),
        (
            ("ZENOO_SERVER__LIMITS__BODY_BYTES", "lots".into()),
            "limits.body_bytes",
        ),
        (
            ("ZENOO_SERVER__SYNC__POLICY", "sometimes".into()),
            "sync.policy",
        ),
        (
            ("ZENOO_SERVER__ODOO__API_KEY", "k".repeat(40)),
            "odoo.api_key: give a password or an API key, not both",
        ),
    ] {
        let out = check(&dir, GOOD, &[pw.clone(), env.clone()]);
        assert_eq!(out.status.code(), Some(2), "{env:?}");
        assert!(stderr(&out).contains(key), "{env:?}: {}", stderr(&out));
    }
    // An unknown key in the file is refused, by name.
    let out = check(&dir, &format!("{GOOD}\n[odoo_typo]\nx = 1\n"), &[pw]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("odoo_typo"), "{}", stderr(&out));
}

#[test]
fn keys_tokens_subscribers_and_limits_are_checked_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let with_password = GOOD.to_string();
    let cases = [
        (
            "[auth]\njwt_algorithm = \"RS256\"\n",
            "configuration: auth.jwt_public_key: missing",
        ),
        (
            "[auth]\njwt_public_key = \"x\"\n",
            "configuration: auth.jwt_public_key: is for RS256 or EdDSA",
        ),
        (
            "[auth]\njwt_secret = \"short\"\n",
            "configuration: auth.jwt_secret: is shorter than 32 bytes",
        ),
        (
            "[[subscribers]]\nurl = \"http://127.0.0.1:1/hook\"\nsecret = \"too-short\"\n",
            "configuration: subscribers.0.secret: is shorter than 32 bytes",
        ),
        (
            "[[subscribers]]\nurl = \"ftp://example.com/\"\nsecret = \"a-subscriber-secret-of-at-least-32-bytes\"\n",
            "configuration: subscribers.0.url: is not an http(s) URL",
        ),
        (
            "[events]\nqueue = 0\n",
            "configuration: events: queue and heartbeat_seconds must be at least 1",
        ),
        (
            "[auth]\njwt_algoritm = \"HS256\"\n",
            "configuration: auth.jwt_algoritm: unknown key; did you mean \"jwt_algorithm\"?",
        ),
        (
            "[auth]\nno_such_key = 1\n",
            "configuration: auth.no_such_key: unknown key (the keys here are jwt_algorithm",
        ),
    ];
    for (extra, expected) in cases {
        // `limits` is the last section of GOOD: put the password before it.
        let toml = with_password.replace("[sync]", "password = \"admin\"\n[sync]") + extra;
        let out = check(&dir, &toml, &[]);
        assert_eq!(out.status.code(), Some(2), "{extra}: {}", stderr(&out));
        assert!(stderr(&out).contains(expected), "{extra}: {}", stderr(&out));
    }
    // And a good one with everything set passes.
    let toml = with_password.replace("[sync]", "password = \"admin\"\n[sync]")
        + "[auth]\njwt_secret = \"a-secret-that-is-long-enough-for-hs256-keys\"\n[events]\nheartbeat_seconds = 5\n";
    let out = check(&dir, &toml, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Every `` `key` `` of the book's configuration table, dotted.
fn book_keys(chapter: &str) -> Vec<String> {
    let table = chapter
        .split("| key | default | meaning |")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .unwrap_or_default();
    table
        .lines()
        .filter_map(|row| row.strip_prefix("| `"))
        .filter(|row| !row.starts_with("[["))
        .flat_map(|row| {
            let cell = row.split(" |").next().unwrap_or_default();
            cell.split('`')
                .map(str::trim)
                .filter(|k| k.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
                .filter(|k| !k.contains(' ') && !k.contains(','))
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn the_books_example_configuration_passes_the_check_and_its_table_names_real_keys() {
    let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/src");
    let example = std::fs::read_to_string(docs.join("server.toml")).expect("docs/src/server.toml");
    let dir = tempfile::tempdir().expect("tempdir");
    let password = dir.path().join("odoo-password");
    let token = dir.path().join("webhook-token");
    std::fs::write(&password, "admin").expect("write");
    std::fs::write(&token, "a-webhook-token-of-32-characters").expect("write");
    let secrets = [
        (
            "ZENOO_SERVER__ODOO__PASSWORD_FILE",
            password.display().to_string(),
        ),
        (
            "ZENOO_SERVER__SYNC__WEBHOOK_TOKEN_FILE",
            token.display().to_string(),
        ),
    ];
    let out = check(&dir, &example, &secrets);
    assert!(out.status.success(), "{}", stderr(&out));
    // Every key the book's table names is one the configuration knows: set
    // to a wrong type through its variable, the check names that key
    // (an unknown key would be refused as unknown instead).
    let chapter = std::fs::read_to_string(docs.join("service.md")).expect("service.md");
    let keys = book_keys(&chapter);
    assert!(keys.len() >= 40, "{keys:?}");
    for key in keys {
        let var = format!(
            "ZENOO_SERVER__{}",
            key.replace('.', "__").to_ascii_uppercase()
        );
        let mut env = secrets.to_vec();
        env.push((var.as_str(), "[[not a value of any key]]".to_string()));
        let out = check(&dir, &example, &env);
        let said = stderr(&out);
        assert!(!said.contains("unknown key"), "{key}: {said}");
    }
}
