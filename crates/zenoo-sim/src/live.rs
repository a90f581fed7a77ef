//! The settings of the env-gated live suite (the tests named `live_*`):
//! a real Odoo 16-19 named by `ZENOO_LIVE_*` variables, which
//! `../shared/odoo/lab/lab env 18` (or `19`) prints for the lab's servers.

/// A real Odoo server to check against.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LiveOdoo {
    /// `ZENOO_LIVE_URL`.
    pub url: String,
    /// `ZENOO_LIVE_DB`.
    pub db: String,
    /// `ZENOO_LIVE_LOGIN`.
    pub login: String,
    /// `ZENOO_LIVE_PASSWORD`.
    pub password: String,
    /// `ZENOO_LIVE_API_KEY`, when set.
    pub api_key: Option<String>,
    /// `ZENOO_LIVE_MASTER_PASSWORD`, when set.
    pub master_password: Option<String>,
}

impl LiveOdoo {
    /// The server the variables name, or `None` after printing why `test`
    /// is skipped (a live test skips in CI too: CI has no real Odoo).
    pub fn from_env(test: &str) -> Option<Self> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let missing: Vec<&str> = [
            "ZENOO_LIVE_URL",
            "ZENOO_LIVE_DB",
            "ZENOO_LIVE_LOGIN",
            "ZENOO_LIVE_PASSWORD",
        ]
        .into_iter()
        .filter(|k| var(k).is_none())
        .collect();
        if !missing.is_empty() {
            println!(
                "skipped {test}: no live Odoo configured ({} not set)",
                missing.join(", ")
            );
            return None;
        }
        Some(Self {
            url: var("ZENOO_LIVE_URL")?,
            db: var("ZENOO_LIVE_DB")?,
            login: var("ZENOO_LIVE_LOGIN")?,
            password: var("ZENOO_LIVE_PASSWORD")?,
            api_key: var("ZENOO_LIVE_API_KEY"),
            master_password: var("ZENOO_LIVE_MASTER_PASSWORD"),
        })
    }
}
