//! A running simulator: its URL, its data, its faults and requests, and
//! its stop.

use std::net::SocketAddr;

use serde_json::{Map, Value, json};
use tokio::task::JoinHandle;

use crate::error::OdooResult;
use crate::fault::FaultPlan;
use crate::server::{LoggedRequest, Shared};

/// A running simulator; stopped when dropped.
#[derive(Debug)]
pub struct SimHandle {
    pub(crate) addr: SocketAddr,
    pub(crate) shared: Shared,
    pub(crate) task: JoinHandle<()>,
}

impl SimHandle {
    /// Base URL, e.g. `http://127.0.0.1:40123`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Requests served so far (model methods with their model), the last
    /// 100,000 of them.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.log_mut().iter().cloned().collect()
    }

    /// Forgets the request log.
    pub fn clear_requests(&self) {
        self.shared.log_mut().clear();
    }

    /// Replaces the fault plan.
    pub fn set_faults(&self, plan: FaultPlan) {
        *self.shared.faults() = plan;
    }

    /// Stamps the writes that follow `lag` in the past, in every database:
    /// what Odoo does for a transaction that began `lag` before it
    /// committed (`write_date` is the transaction's start), so that a poller
    /// can be shown a row older than rows it already saw.
    pub fn set_write_lag(&self, lag: std::time::Duration) {
        let secs = i64::try_from(lag.as_secs()).unwrap_or(i64::MAX);
        for db in self.shared.write().dbs.values_mut() {
            db.stamp_lag = secs;
        }
    }

    /// Drops every web session (their next call gets "Session Expired").
    pub fn expire_sessions(&self) {
        self.shared.read().auth.sessions().clear();
    }

    /// Runs `execute_kw` directly against a database, bypassing HTTP (for
    /// test setup).
    pub fn execute(
        &self,
        db: &str,
        uid: i64,
        model: &str,
        method: &str,
        args: Vec<Value>,
        kwargs: Map<String, Value>,
    ) -> OdooResult<Option<Value>> {
        self.shared
            .write()
            .db_mut(db)?
            .execute_kw(uid, model, method, &args, &kwargs)
    }

    /// Moves a model's id sequence forward to `next` (never backwards), as a
    /// server whose sequence has gaps would hand out.
    pub fn set_next_id(&self, db: &str, model: &str, next: i64) {
        if let Some(t) = self
            .shared
            .write()
            .dbs
            .get_mut(db)
            .and_then(|d| d.tables.get_mut(model))
        {
            t.next_id = t.next_id.max(next);
        }
    }

    /// Adds a database (demo data or nearly empty) with an `admin`/`admin` user.
    ///
    /// # Errors
    /// When a database of that name exists.
    pub fn create_database(&self, name: &str, demo: bool) -> OdooResult<()> {
        self.shared
            .write()
            .create_database(name, demo, "admin", "admin")
    }

    /// Writes every database to `path` (a temporary file beside it, then
    /// renamed), so a later simulator can [`load_state`](Self::load_state) it.
    ///
    /// # Errors
    /// When a database cannot be dumped or the file cannot be written.
    pub fn save_state(&self, path: &std::path::Path) -> std::io::Result<()> {
        let dumps = {
            let s = self.shared.read();
            let mut names: Vec<&String> = s.dbs.keys().collect();
            names.sort();
            let mut dumps = Map::new();
            for name in names {
                let v = s
                    .dump_json(name)
                    .map_err(|e| std::io::Error::other(e.message))?;
                dumps.insert(name.clone(), v);
            }
            dumps
        };
        let text = serde_json::to_vec(&json!({"zenoo_sim_state": 1, "databases": dumps}))
            .map_err(std::io::Error::other)?;
        let temp = path.with_extension("saving");
        std::fs::write(&temp, text)?;
        std::fs::rename(&temp, path)
    }

    /// Replaces the databases named in the state file at `path` (written by
    /// [`save_state`](Self::save_state)) with the ones it holds.
    ///
    /// # Errors
    /// When the file cannot be read or is not a saved state.
    pub fn load_state(&self, path: &std::path::Path) -> std::io::Result<()> {
        let bytes = std::fs::read(path)?;
        let state: Value = serde_json::from_slice(&bytes).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}: {e}", path.display()),
            )
        })?;
        let Some(dbs) = state.get("databases").and_then(Value::as_object) else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{} is not a saved zenoo-sim state", path.display()),
            ));
        };
        let mut s = self.shared.write();
        for (name, dump) in dbs {
            let bytes = serde_json::to_vec(dump).map_err(std::io::Error::other)?;
            s.dbs.remove(name);
            s.restore_bytes(name, &bytes)
                .map_err(|e| std::io::Error::other(format!("database {name}: {}", e.message)))?;
        }
        Ok(())
    }

    /// Adds an API key for `login` in `db`.
    pub fn add_api_key(&self, db: &str, login: &str, key: &str) {
        if let Some(c) = self
            .shared
            .write()
            .auth
            .credentials
            .get_mut(&(db.to_string(), login.to_string()))
        {
            c.api_keys.push(key.to_string());
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}
