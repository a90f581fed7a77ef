//! # zenoo-sim
//!
//! An Odoo-compatible server you can start inside a test. It serves Odoo's
//! external API — JSON-RPC (`/jsonrpc`), XML-RPC (`/xmlrpc/2/*`), the web
//! session API (`/web/session/*`, `/web/dataset/call_kw`) and, as Odoo 19,
//! JSON-2 (`/json/2/<model>/<method>`) — from an in-memory ORM that
//! evaluates domains, orders, reads and writes the way Odoo does.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use zenoo_sim::Sim;
//!
//! let sim = Sim::builder().start().await?;      // built-in demo dataset, db "demo"
//! println!("Odoo at {} (admin/admin)", sim.url());
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod auth;
pub mod dataset;
mod error;
mod fault;
pub mod live;
pub mod orm;
mod server;
pub mod shared_data;
pub mod skip;
mod version;

use std::net::SocketAddr;
use std::sync::Arc;

use base64::Engine;
use serde_json::{Map, Value, json};
use tokio::task::JoinHandle;

pub use dataset::Dataset;
pub use error::{OdooException, OdooResult};
pub use fault::{Fault, FaultPlan};
pub use server::LoggedRequest;
pub use version::OdooVersion;

use auth::{Auth, Credential};
use server::{Server, ServerOptions, Shared, SimState};

/// A user of the simulated database: login, password and API key.
#[derive(Debug, Clone)]
pub struct SimUser {
    /// Login (must exist in the dataset's `res.users`).
    pub login: String,
    /// Password.
    pub password: String,
    /// API key, if any.
    pub api_key: Option<String>,
}

impl SimUser {
    /// Parses `LOGIN:PASSWORD[:APIKEY]`.
    pub fn parse(spec: &str) -> Option<Self> {
        let mut parts = spec.splitn(3, ':');
        let login = parts.next()?.to_string();
        let password = parts.next()?.to_string();
        let api_key = parts.next().map(str::to_string);
        (!login.is_empty()).then_some(Self {
            login,
            password,
            api_key,
        })
    }
}

/// Why a simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The dataset could not be loaded.
    #[error(transparent)]
    Dataset(#[from] dataset::DatasetError),
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Configures and starts a simulator.
#[must_use]
#[derive(Debug, Clone)]
pub struct SimBuilder {
    dataset: Dataset,
    version: OdooVersion,
    db: String,
    users: Vec<SimUser>,
    faults: FaultPlan,
    scale: usize,
    port: u16,
    verbose: bool,
    cooldown_after: u32,
    master_password: String,
    legacy_rpc: bool,
    exclusive: bool,
    connection_close: bool,
    limits: Limits,
}

/// Bounds a simulator puts on its clients, so a hostile or broken one
/// cannot exhaust it.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The largest request body, checked from `Content-Length` before
    /// reading and while reading (default 128 MiB, Odoo's own
    /// `DEFAULT_MAX_CONTENT_LENGTH`; over it: 413).
    pub max_body: usize,
    /// The largest upload to `/web/database/restore`, which Odoo leaves
    /// unlimited (default 1 GiB; over it: 413).
    pub max_restore: usize,
    /// Time to send a request's headers, and the longest a kept-alive
    /// connection may sit idle (default 30 s).
    pub header_timeout: std::time::Duration,
    /// Time to send a request's body once its headers arrived (default
    /// 60 s; over it: 408).
    pub body_timeout: std::time::Duration,
    /// Connections open at once; more clients wait in the listen backlog
    /// (default 1024).
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body: 128 * 1024 * 1024,
            max_restore: 1024 * 1024 * 1024,
            header_timeout: std::time::Duration::from_secs(30),
            body_timeout: std::time::Duration::from_secs(60),
            max_connections: 1024,
        }
    }
}

impl Default for SimBuilder {
    fn default() -> Self {
        Self {
            dataset: Dataset::Demo,
            version: OdooVersion::V18,
            db: "demo".into(),
            users: Vec::new(),
            faults: FaultPlan::none(),
            scale: 0,
            port: 0,
            verbose: false,
            cooldown_after: 5,
            master_password: "admin".into(),
            legacy_rpc: true,
            exclusive: false,
            connection_close: false,
            limits: Limits::default(),
        }
    }
}

impl SimBuilder {
    /// Serve a fixture directory instead of the built-in demo dataset.
    pub fn fixture(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.dataset = Dataset::Dir(dir.into());
        self
    }
    /// Serve this dataset.
    pub fn dataset(mut self, dataset: Dataset) -> Self {
        self.dataset = dataset;
        self
    }
    /// Behave as this Odoo version (default 18).
    pub fn version(mut self, version: OdooVersion) -> Self {
        self.version = version;
        self
    }
    /// Name of the database (default `demo`).
    pub fn database(mut self, name: impl Into<String>) -> Self {
        self.db = name.into();
        self
    }
    /// Sets a user's password and API key (others log in with password = login).
    pub fn user(mut self, login: &str, password: &str, api_key: Option<&str>) -> Self {
        self.users.push(SimUser {
            login: login.into(),
            password: password.into(),
            api_key: api_key.map(str::to_string),
        });
        self
    }
    /// Injects faults.
    pub fn faults(mut self, plan: FaultPlan) -> Self {
        self.faults = plan;
        self
    }
    /// Adds `n` synthetic partners, products, sale orders and purchase
    /// orders with two lines each (demo dataset).
    pub fn scale(mut self, n: usize) -> Self {
        self.scale = n;
        self
    }
    /// Listen on this port of 127.0.0.1 (default: a random free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }
    /// Log each request on stderr.
    pub fn verbose(mut self, on: bool) -> Self {
        self.verbose = on;
        self
    }
    /// Failed logins before the 60 s cooldown (0 disables it; default 5).
    pub fn login_cooldown_after(mut self, n: u32) -> Self {
        self.cooldown_after = n;
        self
    }
    /// Serve `/jsonrpc` and `/xmlrpc` (default true); false behaves like a
    /// server where they are removed (Odoo 22) or blocked by a proxy.
    pub fn legacy_rpc(mut self, on: bool) -> Self {
        self.legacy_rpc = on;
        self
    }

    /// Serve every request under the exclusive lock, one at a time (the
    /// simulator before reads ran in parallel; for comparisons).
    pub fn exclusive(mut self, on: bool) -> Self {
        self.exclusive = on;
        self
    }

    /// Answer every request with `Connection: close`, as Odoo's own
    /// werkzeug server does when no proxy stands in front of it, so a
    /// client pays a new connection per call as it would against Odoo.
    pub fn connection_close(mut self, on: bool) -> Self {
        self.connection_close = on;
        self
    }

    /// Bounds on bodies, timeouts and connections.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The `db` service's master password (default `admin`).
    pub fn master_password(mut self, pw: impl Into<String>) -> Self {
        self.master_password = pw.into();
        self
    }

    /// Loads the dataset into the state a server serves.
    fn into_shared(self) -> Result<(Shared, u16, Limits), StartError> {
        let db = match &self.dataset {
            Dataset::Demo => dataset::demo(&self.db, self.version, self.scale),
            Dataset::Dir(dir) => dataset::load_dir(dir, &self.db, self.version)?,
        };
        let mut auth = Auth::new();
        auth.cooldown_after = self.cooldown_after;
        register_users(&mut auth, &db.name, &db, &self.users);
        let mut dbs = std::collections::HashMap::new();
        dbs.insert(db.name.clone(), db);
        let state = SimState {
            version: self.version,
            dbs,
            auth,
            master_password: self.master_password,
        };
        let options = ServerOptions {
            verbose: self.verbose,
            legacy_rpc: self.legacy_rpc,
            exclusive: self.exclusive,
            connection_close: self.connection_close,
            max_body: self.limits.max_body,
            max_restore: self.limits.max_restore,
            body_timeout: self.limits.body_timeout,
        };
        let shared: Shared = Arc::new(Server::new(state, self.faults, options));
        Ok((shared, self.port, self.limits))
    }

    /// The simulator as an axum [`Router`](axum::Router), to serve in-process
    /// without a socket (`tower::ServiceExt::oneshot`), e.g. for fuzzing:
    /// every route, the body limits and the panic guard, but no connection
    /// limits (those belong to the listener of [`start`](Self::start)).
    ///
    /// # Errors
    /// When the dataset cannot be loaded.
    pub fn into_router(self) -> Result<axum::Router, StartError> {
        let (shared, _, _) = self.into_shared()?;
        Ok(server::router(shared))
    }

    /// Loads the dataset, binds 127.0.0.1 and serves in a background task.
    ///
    /// # Errors
    /// When the dataset cannot be loaded or the port cannot be bound.
    pub async fn start(self) -> Result<SimHandle, StartError> {
        let (shared, port, limits) = self.into_shared()?;
        let addr = format!("127.0.0.1:{port}");
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .map_err(|source| StartError::Bind {
                addr: addr.clone(),
                source,
            })?;
        let local = listener
            .local_addr()
            .map_err(|source| StartError::Bind { addr, source })?;
        let app = server::router(shared.clone());
        let limits = server::Limits {
            max_connections: limits.max_connections,
            header_timeout: limits.header_timeout,
        };
        let task = tokio::spawn(server::serve(listener, app, limits));
        Ok(SimHandle {
            addr: local,
            shared,
            task,
        })
    }
}

fn register_users(auth: &mut Auth, db_name: &str, db: &orm::Database, overrides: &[SimUser]) {
    if let Some(users) = db.tables.get("res.users") {
        for rec in users.records.values() {
            if let Some(login) = rec.get_str("login") {
                auth.credentials.insert(
                    (db_name.to_string(), login.to_string()),
                    Credential {
                        db: db_name.into(),
                        login: login.into(),
                        password: login.into(),
                        api_keys: Vec::new(),
                    },
                );
            }
        }
    }
    for u in overrides {
        let entry = auth
            .credentials
            .entry((db_name.to_string(), u.login.clone()))
            .or_insert_with(|| Credential {
                db: db_name.into(),
                login: u.login.clone(),
                password: u.password.clone(),
                api_keys: Vec::new(),
            });
        entry.password = u.password.clone();
        if let Some(k) = &u.api_key {
            entry.api_keys.push(k.clone());
        }
    }
}

/// Entry point: `Sim::builder()`.
#[derive(Debug)]
pub struct Sim;

impl Sim {
    /// A builder with the defaults: demo dataset, Odoo 18, database `demo`.
    pub fn builder() -> SimBuilder {
        SimBuilder::default()
    }
}

/// A running simulator; stopped when dropped.
#[derive(Debug)]
pub struct SimHandle {
    addr: SocketAddr,
    shared: Shared,
    task: JoinHandle<()>,
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

/// The zip entry that holds the simulator's records.
const DUMP_ENTRY: &str = "zenoo-sim.json";

/// The largest records document a restored zip may hold.
const DUMP_ENTRY_MAX: u64 = 1 << 30;

/// The records document of a dump's zip.
fn read_zip_entry(bytes: &[u8]) -> Option<Value> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let entry = archive.by_name(DUMP_ENTRY).ok()?;
    if entry.size() > DUMP_ENTRY_MAX {
        return None;
    }
    let mut text = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(entry, DUMP_ENTRY_MAX), &mut text).ok()?;
    serde_json::from_slice(&text).ok()
}

impl SimState {
    /// `db.create_database`: an empty or demo database with an admin user.
    pub fn create_database(
        &mut self,
        name: &str,
        demo: bool,
        login: &str,
        password: &str,
    ) -> OdooResult<()> {
        if self.dbs.contains_key(name) {
            return Err(OdooException::new(
                "builtins.Exception",
                format!("Database {name} already exists"),
            ));
        }
        let db = if demo {
            dataset::demo(name, self.version, 0)
        } else {
            dataset::empty(name, self.version, login)
        };
        register_users(
            &mut self.auth,
            name,
            &db,
            &[SimUser {
                login: login.into(),
                password: password.into(),
                api_key: None,
            }],
        );
        self.dbs.insert(name.to_string(), db);
        Ok(())
    }

    /// `db.dump`: the database's zip as base64 text.
    pub fn dump(&self, name: &str) -> OdooResult<String> {
        Ok(base64::engine::general_purpose::STANDARD.encode(self.dump_bytes(name)?))
    }

    /// The database as a zip, as `/web/database/backup` sends it: like
    /// Odoo's, a `manifest.json` and a `dump.sql` at the top (here the SQL
    /// only points at the data), and the records in `zenoo-sim.json`.
    pub fn dump_bytes(&self, name: &str) -> OdooResult<Vec<u8>> {
        let document = self.dump_json(name)?;
        let failed = |e: &dyn std::fmt::Display| {
            OdooException::new("builtins.Exception", format!("cannot write the dump: {e}"))
        };
        let manifest = json!({
            "odoo_dump": "1",
            "db_name": name,
            "version": format!("{}", self.version),
            "major_version": format!("{}", self.version),
            "pg_version": "15.0",
            "modules": {"base": format!("{}.1.3", self.version)},
        });
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        // Stored, not deflated: a test server spends its time serving, and
        // a client cannot tell (Odoo's own dumps are deflated zips).
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(true);
        for (file, bytes) in [
            (
                "dump.sql",
                b"-- zenoo-sim: the records are in zenoo-sim.json\n".to_vec(),
            ),
            (
                "manifest.json",
                serde_json::to_vec_pretty(&manifest).map_err(|e| failed(&e))?,
            ),
            (
                DUMP_ENTRY,
                serde_json::to_vec(&document).map_err(|e| failed(&e))?,
            ),
        ] {
            zip.start_file(file, options).map_err(|e| failed(&e))?;
            std::io::Write::write_all(&mut zip, &bytes).map_err(|e| failed(&e))?;
        }
        Ok(zip.finish().map_err(|e| failed(&e))?.into_inner())
    }

    /// The database as one JSON document (models with their fields and
    /// records): what a dump's zip holds, and what `--state` keeps.
    pub fn dump_json(&self, name: &str) -> OdooResult<Value> {
        let db = self.dbs.get(name).ok_or_else(|| server::unknown_db(name))?;
        let mut models = Vec::new();
        let mut names: Vec<&String> = db.tables.keys().collect();
        names.sort();
        for n in names {
            let t = &db.tables[n];
            let fields: Map<String, Value> = t
                .def
                .fields
                .iter()
                .filter(|f| f.name != "id")
                .map(|f| (f.name.clone(), Value::Object(f.attrs.clone())))
                .collect();
            let records: Vec<Value> = t
                .records
                .values()
                .map(|r| Value::Object(r.to_map()))
                .collect();
            models.push(json!({"model": n, "order": t.def.order, "rec_name": t.def.rec_name, "description": t.def.description, "fields": fields, "records": records}));
        }
        // Translated values go with the records (the same layout as a
        // fixture's `i18n/<lang>.json`).
        let translations = serde_json::to_value(&db.translations).unwrap_or_default();
        Ok(json!({"zenoo_sim_dump": 1, "models": models, "translations": translations}))
    }

    /// `db.restore`: a database from `dump` output.
    pub fn restore(&mut self, name: &str, data: &str) -> OdooResult<()> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .map_err(|_| not_a_dump())?;
        self.restore_bytes(name, &bytes)
    }

    /// A database from `dump_bytes` output (`/web/database/restore`).
    pub fn restore_bytes(&mut self, name: &str, bytes: &[u8]) -> OdooResult<()> {
        if self.dbs.contains_key(name) {
            return Err(OdooException::new(
                "builtins.Exception",
                format!("Database {name} already exists"),
            ));
        }
        let bad = not_a_dump;
        let dump: Value = if bytes.starts_with(b"PK") {
            read_zip_entry(bytes).ok_or_else(bad)?
        } else {
            serde_json::from_slice(bytes).map_err(|_| bad())?
        };
        let mut db = orm::Database::new(name, self.version);
        for m in dump
            .get("models")
            .and_then(Value::as_array)
            .ok_or_else(bad)?
        {
            let model = m.get("model").and_then(Value::as_str).ok_or_else(bad)?;
            let fields = m
                .get("fields")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let def = dataset::model_from_fields(
                model,
                m.get("description")
                    .and_then(Value::as_str)
                    .unwrap_or(model),
                m.get("order").and_then(Value::as_str).unwrap_or("id"),
                m.get("rec_name").and_then(Value::as_str).unwrap_or("name"),
                &fields,
            );
            let mut table = orm::Table::new(def);
            for r in m
                .get("records")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let (Some(id), Some(obj)) = (r.get("id").and_then(Value::as_i64), r.as_object())
                {
                    table.insert(id, obj.clone());
                }
            }
            db.tables.insert(model.to_string(), table);
        }
        if let Some(translations) = dump.get("translations") {
            orm::load_translations(translations, &mut db.translations);
        }
        register_users(&mut self.auth, name, &db, &[]);
        self.dbs.insert(name.to_string(), db);
        Ok(())
    }
}

fn not_a_dump() -> OdooException {
    OdooException::new(
        "builtins.Exception",
        "Couldn't restore database: not a zenoo-sim dump",
    )
}
