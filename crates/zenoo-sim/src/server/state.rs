//! Shared state of a running simulator.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::Value;

use crate::auth::Auth;
use crate::error::{OdooException, OdooResult};
use crate::fault::FaultPlan;
use crate::orm::Database;
use crate::version::OdooVersion;

/// One request as the simulator saw it, for tests that count calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    /// HTTP path.
    pub path: String,
    /// Model called, if any.
    pub model: Option<String>,
    /// Method or RPC method called, if any.
    pub method: Option<String>,
}

/// Everything a running simulator holds.
#[derive(Debug)]
pub struct SimState {
    /// Version it behaves as.
    pub version: OdooVersion,
    /// Databases by name.
    pub dbs: HashMap<String, Database>,
    /// Users, sessions and cooldown.
    pub auth: Auth,
    /// Master password of the `db` service.
    pub master_password: String,
    /// Requests served.
    pub log: Vec<LoggedRequest>,
    /// Injected faults.
    pub faults: FaultPlan,
    /// Whether to print each request on stderr.
    pub verbose: bool,
    /// Whether `/jsonrpc` and `/xmlrpc` are served (Odoo 22 removes them).
    pub legacy_rpc: bool,
}

/// The state behind a lock.
pub type Shared = std::sync::Arc<Mutex<SimState>>;

impl SimState {
    /// The database `name`, or the error Odoo gives for a missing one.
    pub fn db_mut(&mut self, name: &str) -> OdooResult<&mut Database> {
        self.dbs.get_mut(name).ok_or_else(|| unknown_db(name))
    }

    /// Resolves a login (password or API key) to a uid; `None` when refused.
    pub fn login(
        &mut self,
        db: &str,
        login: &str,
        secret: &str,
        ip: std::net::IpAddr,
        allow_key: bool,
    ) -> OdooResult<Option<i64>> {
        let Some(database) = self.dbs.get(db) else {
            return Err(unknown_db(db));
        };
        if self.auth.in_cooldown(ip) {
            return Ok(None);
        }
        let ok = if allow_key {
            self.auth.check_secret(db, login, secret)
        } else {
            self.auth.check_password(db, login, secret)
        };
        let uid = if ok { uid_of(database, login) } else { None };
        self.auth.record(ip, uid.is_some());
        Ok(uid)
    }

    /// Checks `execute_kw` credentials (uid + password or key).
    pub fn check_uid(&self, db: &str, uid: i64, secret: &str) -> OdooResult<()> {
        let database = self.dbs.get(db).ok_or_else(|| unknown_db(db))?;
        let login = database.value("res.users", uid, "login");
        let active = database
            .value("res.users", uid, "active")
            .as_bool()
            .unwrap_or(false);
        match login.as_str() {
            Some(l) if active && self.auth.check_secret(db, l, secret) => Ok(()),
            _ => Err(OdooException::access_denied()),
        }
    }
}

/// The uid of an active user with `login`.
pub fn uid_of(db: &Database, login: &str) -> Option<i64> {
    let table = db.tables.get("res.users")?;
    table
        .records
        .iter()
        .find(|(_, r)| {
            r.get("login").and_then(Value::as_str) == Some(login)
                && r.get("active") != Some(&Value::Bool(false))
        })
        .map(|(id, _)| *id)
}

/// Odoo's error for a database that does not exist.
pub fn unknown_db(name: &str) -> OdooException {
    OdooException::new(
        "psycopg2.OperationalError",
        format!(
            "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  database \"{name}\" does not exist\n"
        ),
    )
}
