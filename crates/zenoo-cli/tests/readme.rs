//! The README's set-up commands are the ones CI runs.

fn read(path: &str) -> String {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// The shell commands of the README's "Set up" section, one per fenced block.
fn setup_commands(readme: &str) -> Vec<String> {
    let section = readme
        .split("\n## ")
        .find(|s| s.starts_with("Set up"))
        .unwrap_or_default();
    section
        .split("```sh\n")
        .skip(1)
        .filter_map(|block| block.split("\n```").next())
        .map(str::to_string)
        .collect()
}

#[test]
fn the_readme_test_command_is_the_one_ci_runs() {
    let commands = setup_commands(&read("README.md"));
    assert_eq!(
        commands.len(),
        2,
        "exactly two set-up commands: {commands:?}"
    );
    let test = &commands[1];
    let ci = read(".ci/run");
    assert!(
        ci.lines().any(|l| l.trim() == test.trim()),
        ".ci/run does not run the README's test command {test:?}"
    );
    assert!(
        commands[0].starts_with("cargo run -p zenoo-server -- --sim"),
        "{commands:?}"
    );
}

/// The shell blocks of the README marked `<!-- runnable -->`.
fn runnable_blocks(readme: &str) -> Vec<String> {
    readme
        .split("<!-- runnable -->\n```sh\n")
        .skip(1)
        .filter_map(|block| block.split("\n```").next())
        .map(str::to_string)
        .collect()
}

/// Every runnable block of the README works as written: run by `sh -e`
/// in a scratch directory that sees the checkout's `docs/`, with the
/// built `zenoo`, `zenoo-sim` and `zenoo-server` first on `PATH`.
#[test]
fn the_readme_runnable_blocks_work_when_pasted() {
    let blocks = runnable_blocks(&read("README.md"));
    assert!(
        blocks.len() >= 2,
        "the CLI and the service blocks: {blocks:?}"
    );
    let zenoo = std::path::Path::new(env!("CARGO_BIN_EXE_zenoo"));
    let bin_dir = zenoo.parent().expect("the binaries' directory");
    if !bin_dir.join("zenoo-server").exists() {
        let why = "zenoo-server is not built (run the whole workspace's tests)";
        assert!(std::env::var("CI").is_err(), "{why}");
        println!("SKIPPED: {why}");
        return;
    }
    let scratch = tempfile::tempdir().expect("a scratch directory");
    let checkout = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::os::unix::fs::symlink(checkout.join("docs"), scratch.path().join("docs"))
        .expect("docs/ in the scratch directory");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for block in blocks {
        let out = std::process::Command::new("sh")
            .args(["-e", "-c", &block])
            .current_dir(scratch.path())
            .env("PATH", &path)
            .env_remove("ZENOO_PROFILE")
            .env("ZENOO_CONFIG", scratch.path().join("no-config.toml"))
            .output()
            .expect("sh runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "the README block\n{block}\nfailed ({}):\n{stdout}\n{stderr}",
            out.status
        );
        assert!(!stdout.trim().is_empty(), "{block} printed nothing");
    }
}
