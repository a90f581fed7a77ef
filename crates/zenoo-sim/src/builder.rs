//! Starting a simulator: [`Sim::builder`], its users, limits and version.

use std::sync::Arc;

use crate::auth::{Auth, Credential};
use crate::dataset::Dataset;
use crate::fault::FaultPlan;
use crate::handle::SimHandle;
use crate::server::{Server, ServerOptions, Shared, SimState};
use crate::version::OdooVersion;

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
    Dataset(#[from] crate::dataset::DatasetError),
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
            Dataset::Demo => crate::dataset::demo(&self.db, self.version, self.scale),
            Dataset::Dir(dir) => crate::dataset::load_dir(dir, &self.db, self.version)?,
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
        Ok(crate::server::router(shared))
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
        let app = crate::server::router(shared.clone());
        let limits = crate::server::Limits {
            max_connections: limits.max_connections,
            header_timeout: limits.header_timeout,
        };
        let task = tokio::spawn(crate::server::serve(listener, app, limits));
        Ok(SimHandle {
            addr: local,
            shared,
            task,
        })
    }
}

pub(crate) fn register_users(
    auth: &mut Auth,
    db_name: &str,
    db: &crate::orm::Database,
    overrides: &[SimUser],
) {
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
