//! Turns the connection flags into a ready `ClientBuilder` (or a simulator).

use anyhow::{Context as _, bail};
use zenoo_rpc::{Client, ClientBuilder, ProtocolKind};
use zenoo_sim::{OdooVersion, Sim, SimHandle};

/// The API key `--sim --sim-version 19` gives the admin user.
pub const SIM_API_KEY: &str = "zenoo-sim-admin-key-0000000000000000000000";

use crate::cli::{Connection, Protocol};

/// The login settings that are not given.
fn missing_login(conn: &Connection) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if conn.db.is_none() {
        missing.push("--db NAME (or ZENOO_DB)");
    }
    if conn.login.is_none() {
        missing.push("--login (or ZENOO_LOGIN)");
    }
    if conn.password.is_none() && conn.api_key.is_none() {
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
            bail!("missing connection settings: {}", missing.join(", "));
        }
        let url = conn.url.clone().unwrap_or_default();
        Ok(Self { url, _sim: None })
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
                bail!("missing connection settings: {}", missing.join(", "));
            }
        }
        let db = conn
            .db
            .clone()
            .or_else(|| sim.then(|| "demo".to_string()))
            .context("no database: pass --db NAME (or ZENOO_DB)")?;
        let login = conn
            .login
            .clone()
            .or_else(|| sim.then(|| "admin".to_string()))
            .context("no login: pass --login (or ZENOO_LOGIN)")?;
        let mut b = Client::builder(&self.url).database(db).protocol(protocol);
        if let Some(t) = conn.timeout {
            b = b.timeout(t);
        }
        if let Some(t) = conn.connect_timeout {
            b = b.connect_timeout(t);
        }
        Ok(match (&conn.api_key, &conn.password) {
            (Some(key), _) => b.api_key(login, key.clone()),
            (None, Some(pw)) => b.password(login, pw.clone()),
            (None, None) if sim && conn.sim_version >= 19 => b.api_key(login, SIM_API_KEY),
            (None, None) if sim => b.password(login, "admin"),
            (None, None) => bail!(
                "no credentials: pass --password or --api-key (or ZENOO_PASSWORD / ZENOO_API_KEY)"
            ),
        })
    }

    /// The master password (`--sim` uses the simulator's `admin`).
    pub fn master_password(&self, conn: &Connection) -> anyhow::Result<String> {
        match (&conn.master_password, self._sim.is_some()) {
            (Some(p), _) => Ok(p.clone()),
            (None, true) => Ok("admin".into()),
            (None, false) => {
                bail!("no master password: pass --master-password (or ZENOO_MASTER_PASSWORD)")
            }
        }
    }
}
