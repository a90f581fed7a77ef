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
