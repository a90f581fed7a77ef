//! `zenoo shell`: commands from standard input without a terminal, and at
//! a real prompt (in tmux) with completion from the server and a history.

use std::io::Write;
use std::process::{Command, Stdio};

fn shell(input: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zenoo"))
        .args(["--sim", "shell"])
        .env_remove("ZENOO_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("zenoo runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    child.wait_with_output().expect("output")
}

#[test]
fn without_a_terminal_the_shell_runs_one_command_per_line_on_one_connection() {
    let out = shell(
        "count res.partner --where \"is_company = true\"\n\
         # a comment\n\
         \\x\n\
         search res.partner --fields name --limit 1 --order id\n\
         search res.partnr\n\
         call res.partner search_count '[[]]'\n",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stdout.lines().collect();
    // The count, then the expanded record, then the call's result.
    assert!(lines[0].parse::<u64>().is_ok(), "{stdout}");
    assert!(stdout.contains("-[ RECORD 1 ]"), "expanded view: {stdout}");
    assert!(stdout.contains("name | Zenoo Lab"), "{stdout}");
    assert!(
        lines.last().is_some_and(|l| l.parse::<u64>().is_ok()),
        "{stdout}"
    );
    // An error is said and the shell goes on; its status is the last line's.
    assert!(
        stderr.contains(r#"the server has no model "res.partnr"; did you mean "res.partner"?"#),
        "{stderr}"
    );
    assert!(out.status.success(), "{stderr}");
    // The shell's own commands are refused inside it.
    let out = shell("shell\n");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn at_a_prompt_tab_completes_models_from_the_server_and_lines_go_to_the_history() {
    if Command::new("tmux").arg("-V").output().is_err() {
        zenoo_sim::skip::missing("no tmux to give the shell a real terminal");
        return;
    }
    let home = tempfile::tempdir().expect("tempdir");
    let socket = home.path().join("tmux.sock");
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .arg("-S")
            .arg(&socket)
            .args(args)
            .output()
            .expect("tmux runs")
    };
    let command = format!(
        "XDG_DATA_HOME={} NO_COLOR=1 {} --sim shell; sleep 60",
        home.path().display(),
        env!("CARGO_BIN_EXE_zenoo")
    );
    let started = tmux(&[
        "new-session",
        "-d",
        "-s",
        "z",
        "-x",
        "160",
        "-y",
        "40",
        &command,
    ]);
    assert!(started.status.success(), "{started:?}");
    let screen = || {
        String::from_utf8_lossy(&tmux(&["capture-pane", "-t", "z", "-p", "-S", "-200"]).stdout)
            .into_owned()
    };
    let wait_for = |what: &str| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let s = screen();
            // Without colours, the menu shows its selected item in capitals.
            if s.contains(what) || s.contains(&what.to_uppercase()) {
                return s;
            }
            assert!(std::time::Instant::now() < deadline, "no {what:?} in:\n{s}");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    };
    wait_for("demo@127.0.0.1");
    // `res.partner.cat` + Tab: the only model the server has with that
    // prefix, read from its ir.model.
    tmux(&["send-keys", "-t", "z", "search res.partner.cat", "Tab"]);
    wait_for("res.partner.category");
    tmux(&["send-keys", "-t", "z", "Enter"]);
    tmux(&["send-keys", "-t", "z", " --limit 2 --order id", "Enter"]);
    let s = wait_for("(2 records)");
    assert!(s.contains("Customer") || s.contains("Prospect"), "{s}");
    assert!(!s.contains('\u{1b}'), "NO_COLOR: no escape codes: {s}");
    tmux(&["send-keys", "-t", "z", "\\q", "Enter"]);
    let history = home.path().join("zenoo").join("history");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !std::fs::read_to_string(&history).is_ok_and(|h| h.contains("\\q")) {
        assert!(
            std::time::Instant::now() < deadline,
            "no history at {}",
            history.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let kept = std::fs::read_to_string(&history).expect("history");
    assert!(
        kept.contains("search res.partner.category  --limit 2 --order id"),
        "{kept}"
    );
    tmux(&["kill-server"]);
}
