//! Named connections in `$XDG_CONFIG_HOME/zenoo/config.toml`:
//!
//! ```toml
//! [profiles.prod]
//! url = "https://odoo.example.com"
//! db = "prod"
//! login = "me@example.com"
//! api_key_file = "~/.config/zenoo/prod.key"   # or password_command = "pass show odoo/prod"
//! ```
//!
//! Precedence: flags, then environment variables, then the profile.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use serde::Deserialize;

/// The config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Named connections.
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// One named connection.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Odoo base URL.
    pub url: Option<String>,
    /// Database.
    pub db: Option<String>,
    /// Login.
    pub login: Option<String>,
    /// A file holding the API key (first line).
    pub api_key_file: Option<PathBuf>,
    /// A file holding the password (first line).
    pub password_file: Option<PathBuf>,
    /// A command printing the password (`pass show odoo/prod`).
    pub password_command: Option<String>,
    /// A file holding the master password, for `db` commands.
    pub master_password_file: Option<PathBuf>,
}

/// Where the config file is: `$ZENOO_CONFIG`, else
/// `$XDG_CONFIG_HOME/zenoo/config.toml` (`~/.config/zenoo/config.toml`).
pub fn config_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ZENOO_CONFIG") {
        return Some(PathBuf::from(p));
    }
    dirs::config_dir().map(|d| d.join("zenoo").join("config.toml"))
}

/// Reads the config file (an absent file is an empty config).
pub fn load(path: &Path) -> anyhow::Result<Config> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text).with_context(|| format!("in {}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// The profile `name` from the config file.
pub fn find(name: &str) -> anyhow::Result<Profile> {
    let Some(path) = config_path() else {
        bail!("no config directory to look for profile {name:?} in (set ZENOO_CONFIG)");
    };
    let config = load(&path)?;
    match config.profiles.get(name) {
        Some(p) => Ok(p.clone()),
        None => {
            let known: Vec<&str> = config.profiles.keys().map(String::as_str).collect();
            bail!(
                "no profile {name:?} in {} (profiles there: {})",
                path.display(),
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )
        }
    }
}

/// `~/` expanded.
fn expand(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), dirs::home_dir()) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => path.to_path_buf(),
    }
}

/// The first line of a secret file.
pub fn read_secret(path: &Path) -> anyhow::Result<String> {
    let path = expand(path);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read the secret file {}", path.display()))?;
    Ok(text.lines().next().unwrap_or("").trim().to_string())
}

/// What `command` prints (first line), run by `sh -c`.
pub fn run_secret_command(command: &str) -> anyhow::Result<String> {
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .stderr(std::process::Stdio::inherit())
        .output()
        .with_context(|| format!("cannot run password_command {command:?}"))?;
    if !out.status.success() {
        bail!("password_command {command:?} failed ({})", out.status);
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .to_string())
}
