//! Where the data exported from real Odoo lives: the recorded
//! request/response cases and the fixture exports that the conformance
//! tests (this crate's and `zenoo-rpc`'s) read at run time.
//!
//! `ZENOO_SHARED` names the directory; a relative path is resolved against
//! the directory the command was started from (`$PWD`), not against the
//! crate a test binary runs in. Without it, `shared/` beside the workspace
//! is used, so `cargo nextest run --workspace` finds it from anywhere in the
//! checkout.

use std::path::{Path, PathBuf};

/// The data is not where it was looked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingSharedData {
    looked_in: PathBuf,
    how: &'static str,
}

impl std::fmt::Display for MissingSharedData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "no recorded Odoo cases: {} has no odoo/cases ({}); set ZENOO_SHARED to the shared/ directory",
            self.looked_in.display(),
            self.how
        )
    }
}

impl std::error::Error for MissingSharedData {}

/// The shared data directory (holding `odoo/cases` and `odoo/fixtures`).
///
/// # Errors
/// [`MissingSharedData`], saying where it looked and why there.
pub fn shared_dir() -> Result<PathBuf, MissingSharedData> {
    let (dir, how) = match std::env::var_os("ZENOO_SHARED").map(PathBuf::from) {
        Some(d) if d.is_absolute() => (d, "from ZENOO_SHARED"),
        Some(d) => {
            let base = std::env::var_os("PWD")
                .map(PathBuf::from)
                .unwrap_or_else(workspace_root);
            (
                base.join(d),
                "ZENOO_SHARED, relative to the directory the command started in",
            )
        }
        None => (
            workspace_root().join("..").join("shared"),
            "the default: shared/ beside the workspace",
        ),
    };
    let dir = dir.canonicalize().unwrap_or(dir);
    if dir.join("odoo/cases").is_dir() {
        Ok(dir)
    } else {
        Err(MissingSharedData {
            looked_in: dir,
            how,
        })
    }
}

/// The workspace this crate was built in.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
