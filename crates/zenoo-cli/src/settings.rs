//! Turns the connection flags into a ready `ClientBuilder` (or a simulator).

use anyhow::Context as _;
use zenoo_rpc::{Client, ClientBuilder, ErrorKind, ProtocolKind};
use zenoo_sim::{OdooVersion, Sim, SimHandle};

/// The API key `--sim --sim-version 19` gives the admin user.
pub const SIM_API_KEY: &str = "zenoo-sim-admin-key-0000000000000000000000";

use std::io::IsTerminal;

use clap::ArgMatches;
use clap::parser::ValueSource;

use crate::cli::{Connection, Protocol};
use crate::exit::MissingSettings;
use crate::profile;

/// Where each connection setting came from, for `zenoo config show`.
#[derive(Debug, Default)]
pub struct Sources {
    entries: Vec<(&'static str, String)>,
    config: Option<std::path::PathBuf>,
}

impl Sources {
    fn set(&mut self, key: &'static str, from: String) {
        self.entries.retain(|(k, _)| *k != key);
        self.entries.push((key, from));
    }

    fn of(&self, key: &str) -> &str {
        self.entries
            .iter()
            .find(|(k, _)| *k == key)
            .map_or("not set", |(_, v)| v.as_str())
    }

    /// The settings: name, value (secrets masked) and where it came from.
    /// With `--sim` the embedded simulator's are shown, as a command would
    /// use them.
    pub fn rows(&self, conn: &Connection) -> Vec<Vec<String>> {
        let plain = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        let secret = |v: &Option<String>| {
            if v.is_some() {
                "***".to_string()
            } else {
                "-".into()
            }
        };
        let sim = conn.sim;
        let from_sim = |value: String, key: &str| {
            if sim {
                (value, "--sim".to_string())
            } else {
                (value, self.of(key).to_string())
            }
        };
        let or_sim = |v: &Option<String>, sim_value: &str, key: &str| match v {
            Some(v) => (v.clone(), self.of(key).to_string()),
            None if sim => (sim_value.to_string(), "--sim".to_string()),
            None => ("-".to_string(), self.of(key).to_string()),
        };
        let credential = if sim && conn.password.is_none() && conn.api_key.is_none() {
            ("***".to_string(), "--sim".to_string())
        } else {
            (secret(&conn.password), self.of("password").to_string())
        };
        let rows: Vec<(&str, (String, String))> = vec![
            (
                "profile",
                (plain(&conn.profile), self.of("profile").to_string()),
            ),
            (
                "url",
                if sim {
                    from_sim(
                        format!("embedded simulator, Odoo {}", conn.sim_version),
                        "url",
                    )
                } else {
                    (plain(&conn.url), self.of("url").to_string())
                },
            ),
            ("db", or_sim(&conn.db, "demo", "db")),
            ("login", or_sim(&conn.login, "admin", "login")),
            ("password", credential),
            (
                "api_key",
                (secret(&conn.api_key), self.of("api_key").to_string()),
            ),
            (
                "master_password",
                (
                    secret(&conn.master_password),
                    self.of("master_password").to_string(),
                ),
            ),
            (
                "protocol",
                (
                    format!("{:?}", conn.protocol).to_lowercase(),
                    self.of("protocol").to_string(),
                ),
            ),
            (
                "timeout",
                match conn.timeout {
                    Some(t) => (format!("{t:?}"), self.of("timeout").to_string()),
                    None => ("120s".into(), "default".into()),
                },
            ),
            (
                "connect_timeout",
                match conn.connect_timeout {
                    Some(t) => (format!("{t:?}"), self.of("connect_timeout").to_string()),
                    None => ("10s".into(), "default".into()),
                },
            ),
            (
                "config file",
                (
                    self.config
                        .as_ref()
                        .map_or("none (no config directory)".into(), |p| {
                            p.display().to_string()
                        }),
                    String::new(),
                ),
            ),
        ];
        rows.into_iter()
            .map(|(key, (value, source))| vec![key.to_string(), value, source])
            .collect()
    }
}

/// A URL as typed, with a scheme: `localhost:8069` is read as
/// `http://localhost:8069` (loopback hosts), `odoo.example.com` as
/// `https://odoo.example.com`; a URL with a scheme is left as it is.
pub fn with_scheme(url: &str) -> String {
    let url = url.trim();
    if url.contains("://") {
        return url.to_string();
    }
    let authority = url.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => authority,
    };
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let loopback = host == "localhost"
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified());
    let scheme = if loopback { "http" } else { "https" };
    format!("{scheme}://{url}")
}

/// Fills what flags and environment left unset from `--profile`, and
/// records where each setting came from.
pub fn apply_profile(conn: &mut Connection, matches: &ArgMatches) -> anyhow::Result<Sources> {
    let mut sources = Sources {
        config: profile::config_path(),
        ..Sources::default()
    };
    for (key, id, env) in [
        ("profile", "profile", "ZENOO_PROFILE"),
        ("url", "url", "ZENOO_URL"),
        ("db", "db", "ZENOO_DB"),
        ("login", "login", "ZENOO_LOGIN"),
        ("password", "password", "ZENOO_PASSWORD"),
        ("api_key", "api_key", "ZENOO_API_KEY"),
        (
            "master_password",
            "master_password",
            "ZENOO_MASTER_PASSWORD",
        ),
        ("protocol", "protocol", ""),
        ("timeout", "timeout", "ZENOO_TIMEOUT"),
        (
            "connect_timeout",
            "connect_timeout",
            "ZENOO_CONNECT_TIMEOUT",
        ),
    ] {
        let from = match matches.value_source(id) {
            Some(ValueSource::CommandLine) => "flag".to_string(),
            Some(ValueSource::EnvVariable) => format!("env {env}"),
            Some(ValueSource::DefaultValue) => "default".to_string(),
            _ => continue,
        };
        sources.set(key, from);
    }
    let Some(name) = conn.profile.clone() else {
        return Ok(sources);
    };
    let p = profile::find(&name)?;
    let from = format!("profile {name}");
    let mut fill = |slot: &mut Option<String>, value: Option<String>, key: &'static str| {
        if slot.is_none() && value.is_some() {
            *slot = value;
            sources.set(key, from.clone());
        }
    };
    fill(&mut conn.url, p.url.clone(), "url");
    fill(&mut conn.db, p.db.clone(), "db");
    fill(&mut conn.login, p.login.clone(), "login");
    if conn.password.is_none() && conn.api_key.is_none() {
        if let Some(f) = &p.api_key_file {
            fill(&mut conn.api_key, Some(profile::read_secret(f)?), "api_key");
        } else if let Some(f) = &p.password_file {
            fill(
                &mut conn.password,
                Some(profile::read_secret(f)?),
                "password",
            );
        } else if let Some(cmd) = &p.password_command {
            fill(
                &mut conn.password,
                Some(profile::run_secret_command(cmd)?),
                "password",
            );
        }
    }
    if let Some(f) = &p.master_password_file
        && conn.master_password.is_none()
    {
        fill(
            &mut conn.master_password,
            Some(profile::read_secret(f)?),
            "master_password",
        );
    }
    Ok(sources)
}

/// Whether a password can be asked for: stdin is a terminal.
fn can_prompt() -> bool {
    std::io::stdin().is_terminal()
}

/// The login settings that are not given.
fn missing_login(conn: &Connection) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if conn.db.is_none() {
        missing.push("--db NAME (or ZENOO_DB)");
    }
    if conn.login.is_none() {
        missing.push("--login (or ZENOO_LOGIN)");
    }
    if conn.password.is_none() && conn.api_key.is_none() && !can_prompt() {
        missing.push("--password or --api-key (or ZENOO_PASSWORD / ZENOO_API_KEY)");
    }
    missing
}

/// Where the commands connect to.
pub struct Target {
    /// Base URL.
    pub url: String,
    /// Keeps an in-process simulator alive.
    pub _sim: Option<SimHandle>,
    /// The client, once logged in: every command of a `zenoo shell`
    /// shares it.
    client: tokio::sync::OnceCell<Client>,
}

impl Target {
    /// Starts the simulator for `--sim`, or takes `--url`. Every missing
    /// setting is named in one message.
    pub async fn resolve(conn: &Connection, needs_login: bool) -> anyhow::Result<Self> {
        if conn.sim {
            let version = match conn.sim_version {
                16 => OdooVersion::V16,
                17 => OdooVersion::V17,
                19 => OdooVersion::V19,
                _ => OdooVersion::V18,
            };
            let mut b = Sim::builder().version(version);
            if version == OdooVersion::V19 {
                b = b.user("admin", "admin", Some(SIM_API_KEY));
            }
            let sim = b
                .start()
                .await
                .context("cannot start the embedded simulator")?;
            return Ok(Self {
                url: sim.url(),
                _sim: Some(sim),
                client: tokio::sync::OnceCell::new(),
            });
        }
        let mut missing = Vec::new();
        if conn.url.is_none() {
            missing.push("--url URL (or ZENOO_URL; --sim for the embedded simulator)");
        }
        if needs_login {
            missing.extend(missing_login(conn));
        }
        if !missing.is_empty() {
            return Err(MissingSettings(format!(
                "missing connection settings: {}",
                missing.join(", ")
            ))
            .into());
        }
        let url = with_scheme(conn.url.as_deref().unwrap_or_default());
        Ok(Self {
            url,
            _sim: None,
            client: tokio::sync::OnceCell::new(),
        })
    }

    /// A logged-in client. A server that answers like no Odoo would, or
    /// a database it does not have, is said in those words (with the
    /// databases it has).
    pub async fn connect(&self, conn: &Connection) -> anyhow::Result<Client> {
        self.client
            .get_or_try_init(|| self.log_in(conn))
            .await
            .cloned()
    }

    async fn log_in(&self, conn: &Connection) -> anyhow::Result<Client> {
        let e = match self.builder(conn)?.build().await {
            Ok(client) => return Ok(client),
            Err(e) => e,
        };
        let url = &self.url;
        // Only when logging in failed: is it Odoo at all, and does it
        // have the database? (Odoo words a wrong database three ways: a
        // PostgreSQL error over /jsonrpc, "Database not found." for a web
        // session, a bare 404 over JSON-2.)
        let dbs = zenoo_rpc::db::DbService::new(url, "")?;
        let odoo = dbs.server_version_info().await.is_ok();
        if !odoo
            && matches!(
                e.kind(),
                ErrorKind::HttpStatus(_) | ErrorKind::MalformedResponse
            )
        {
            return Err(anyhow::Error::new(e).context(format!(
                "{url} does not look like an Odoo server (it answers neither /jsonrpc nor /web/version as Odoo does)"
            )));
        }
        let db = conn.db.as_deref().unwrap_or("demo");
        match dbs.list().await {
            Ok(names) if odoo && !names.iter().any(|n| n == db) => {
                let has = if names.is_empty() {
                    "it has none".to_string()
                } else {
                    format!("it has {}", names.join(", "))
                };
                Err(anyhow::anyhow!(
                    "{url} has no database {db:?}: {has} (pass --db NAME)"
                ))
            }
            _ => Err(e.into()),
        }
    }

    /// A client builder from the flags (`--sim` implies demo/admin/admin).
    pub fn builder(&self, conn: &Connection) -> anyhow::Result<ClientBuilder> {
        let protocol = match conn.protocol {
            Protocol::Auto => ProtocolKind::Auto,
            Protocol::Jsonrpc => ProtocolKind::JsonRpc,
            Protocol::Xmlrpc => ProtocolKind::XmlRpc,
            Protocol::Web => ProtocolKind::WebSession,
            Protocol::Json2 => ProtocolKind::Json2,
        };
        let sim = self._sim.is_some();
        if !sim {
            let missing = missing_login(conn);
            if !missing.is_empty() {
                return Err(MissingSettings(format!(
                    "missing connection settings: {}",
                    missing.join(", ")
                ))
                .into());
            }
        }
        let db = conn
            .db
            .clone()
            .or_else(|| sim.then(|| "demo".to_string()))
            .ok_or_else(|| MissingSettings("no database: pass --db NAME (or ZENOO_DB)".into()))?;
        let login = conn
            .login
            .clone()
            .or_else(|| sim.then(|| "admin".to_string()))
            .ok_or_else(|| MissingSettings("no login: pass --login (or ZENOO_LOGIN)".into()))?;
        let mut b = Client::builder(&self.url).database(db).protocol(protocol);
        if let Some(t) = conn.timeout {
            b = b.timeout(t);
        }
        if let Some(t) = conn.connect_timeout {
            b = b.connect_timeout(t);
        }
        b = b.retry(
            zenoo_rpc::RetryPolicy::default()
                .max_attempts(conn.retries.saturating_add(1))
                .writes(conn.idempotent),
        );
        b = crate::spinner::add(b);
        Ok(match (&conn.api_key, &conn.password) {
            (Some(key), _) => b.api_key(login, key.clone()),
            (None, Some(pw)) => b.password(login, pw.clone()),
            (None, None) if sim && conn.sim_version >= 19 => b.api_key(login, SIM_API_KEY),
            (None, None) if sim => b.password(login, "admin"),
            (None, None) if can_prompt() => {
                // Asked without echo, so it is left in neither the shell's
                // history nor `ps`.
                let pw = rpassword::prompt_password(format!("Password for {login}: "))
                    .context("cannot read the password")?;
                b.password(login, pw)
            }
            (None, None) => {
                return Err(MissingSettings(
                    "no credentials: pass --password or --api-key (or ZENOO_PASSWORD / ZENOO_API_KEY)"
                        .into(),
                )
                .into());
            }
        })
    }

    /// The master password (`--sim` uses the simulator's `admin`).
    pub fn master_password(&self, conn: &Connection) -> anyhow::Result<String> {
        match (&conn.master_password, self._sim.is_some()) {
            (Some(p), _) => Ok(p.clone()),
            (None, true) => Ok("admin".into()),
            (None, false) => Err(MissingSettings(
                "no master password: pass --master-password (or ZENOO_MASTER_PASSWORD)".into(),
            )
            .into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_scheme;

    #[test]
    fn urls_without_a_scheme_get_the_likely_one() {
        assert_eq!(with_scheme("localhost:8069"), "http://localhost:8069");
        assert_eq!(with_scheme("127.0.0.1:8069/"), "http://127.0.0.1:8069/");
        assert_eq!(with_scheme("[::1]:8069"), "http://[::1]:8069");
        assert_eq!(with_scheme("odoo.example.com"), "https://odoo.example.com");
        assert_eq!(
            with_scheme("odoo.example.com:8443/x"),
            "https://odoo.example.com:8443/x"
        );
        assert_eq!(
            with_scheme("http://odoo.example.com"),
            "http://odoo.example.com"
        );
        assert_eq!(with_scheme("https://localhost"), "https://localhost");
    }
}
