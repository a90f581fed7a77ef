//! What the example tests share: finding and running an example binary.

use std::process::Child;

/// The example's executable, which `cargo test` and `cargo nextest` build
/// beside the test binaries.
pub fn example(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    let dir = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("target/debug")
        .join("examples");
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "the {name} example was not built beside the tests (cargo test builds examples): {}",
        path.display()
    );
    path
}

/// Kills the example when the test ends, passed or not.
pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
