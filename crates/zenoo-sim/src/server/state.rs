//! Shared state of a running simulator.

use std::collections::{HashMap, VecDeque};
use std::ops::Deref;
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

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

/// How many requests the log keeps.
pub const LOG_CAPACITY: usize = 100_000;

/// The data of a running simulator: what requests read and write.
#[derive(Debug)]
pub struct SimState {
    /// Version it behaves as.
    pub version: OdooVersion,
    /// Databases by name.
    pub dbs: HashMap<String, Database>,
    /// Users, sessions and cooldown (sessions and cooldown have their own
    /// lock, so a login runs under the shared lock).
    pub auth: Auth,
    /// Master password of the `db` service.
    pub master_password: String,
}

/// A running simulator: its data behind a read-write lock, and what every
/// request touches (log, faults) behind locks of their own.
///
/// Requests that only read take the lock shared and run in parallel; the
/// others take it exclusively, one at a time, as PostgreSQL would
/// serialise writers of the same rows.
#[derive(Debug)]
pub struct Server {
    /// Version it behaves as (also in the state, for the ORM).
    pub version: OdooVersion,
    /// Whether to print each request on stderr.
    pub verbose: bool,
    /// Whether `/jsonrpc` and `/xmlrpc` are served (Odoo 22 removes them).
    pub legacy_rpc: bool,
    /// Whether every request takes the lock exclusively (the single-mutex
    /// server, kept to measure against).
    pub exclusive: bool,
    /// Whether every answer closes its connection, as Odoo's own werkzeug
    /// server does.
    pub connection_close: bool,
    /// The largest request body accepted.
    pub max_body: usize,
    /// The largest upload to `/web/database/restore`.
    pub max_restore: usize,
    /// How long a client may take to send its request body.
    pub body_timeout: std::time::Duration,
    state: RwLock<SimState>,
    log: Mutex<VecDeque<LoggedRequest>>,
    faults: Mutex<FaultPlan>,
}

/// The state of a running simulator, shared by its requests.
pub type Shared = std::sync::Arc<Server>;

/// The state under the lock a request took.
pub enum Access<'a> {
    /// Taken shared: only reads.
    Shared(RwLockReadGuard<'a, SimState>),
    /// Taken exclusively.
    Exclusive(RwLockWriteGuard<'a, SimState>),
}

impl Deref for Access<'_> {
    type Target = SimState;
    fn deref(&self) -> &SimState {
        match self {
            Self::Shared(g) => g,
            Self::Exclusive(g) => g,
        }
    }
}

impl Access<'_> {
    /// The state for a change: only under the exclusive lock. The server
    /// takes that lock for every call the method table says may write, so
    /// the error is a simulator bug reported as Odoo reports its own.
    pub fn get_mut(&mut self) -> OdooResult<&mut SimState> {
        match self {
            Self::Exclusive(g) => Ok(&mut *g),
            Self::Shared(_) => Err(OdooException::new(
                "builtins.RuntimeError",
                "zenoo-sim: a change was attempted under the shared lock",
            )),
        }
    }
}

/// The configuration of a [`Server`] besides its data.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// See [`Server::verbose`].
    pub verbose: bool,
    /// See [`Server::legacy_rpc`].
    pub legacy_rpc: bool,
    /// See [`Server::exclusive`].
    pub exclusive: bool,
    /// See [`Server::connection_close`].
    pub connection_close: bool,
    /// See [`Server::max_body`].
    pub max_body: usize,
    /// See [`Server::max_restore`].
    pub max_restore: usize,
    /// See [`Server::body_timeout`].
    pub body_timeout: std::time::Duration,
}

impl Server {
    /// A server over `state`.
    pub fn new(state: SimState, faults: FaultPlan, options: ServerOptions) -> Self {
        Self {
            version: state.version,
            verbose: options.verbose,
            legacy_rpc: options.legacy_rpc,
            exclusive: options.exclusive,
            connection_close: options.connection_close,
            max_body: options.max_body,
            max_restore: options.max_restore,
            body_timeout: options.body_timeout,
            state: RwLock::new(state),
            log: Mutex::new(VecDeque::new()),
            faults: Mutex::new(faults),
        }
    }

    /// The largest body a request to `path` may send: Odoo's request limit,
    /// but for the restore upload, which Odoo does not limit.
    pub fn body_limit(&self, path: &str) -> usize {
        if path == "/web/database/restore" {
            self.max_restore.max(self.max_body)
        } else {
            self.max_body
        }
    }

    /// The state, shared for a read or exclusive for a change. A lock a
    /// panic poisoned is taken anyway: one failed request must not take the
    /// server down with it (handlers change state only after every check).
    pub fn lock(&self, changes_data: bool) -> Access<'_> {
        if changes_data || self.exclusive {
            Access::Exclusive(self.write())
        } else {
            Access::Shared(self.state.read().unwrap_or_else(|p| p.into_inner()))
        }
    }

    /// Ends a request's hold on the state before its answer is encoded:
    /// returns the guard to keep only on the exclusive server, which (as the
    /// single-mutex server it stands for did) encodes under the lock.
    pub fn release<'a>(&self, access: Access<'a>) -> Option<Access<'a>> {
        self.exclusive.then_some(access)
    }

    /// The state, shared (exclusive when [`Server::exclusive`]).
    pub fn read(&self) -> Access<'_> {
        self.lock(false)
    }

    /// The state, exclusive.
    pub fn write(&self) -> RwLockWriteGuard<'_, SimState> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends to the request log, which keeps the last [`LOG_CAPACITY`]
    /// requests (a long-running simulator does not grow without bound).
    pub fn log(&self, entry: LoggedRequest) {
        let mut log = self.log_mut();
        if log.len() >= LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(entry);
    }

    /// The request log.
    pub fn log_mut(&self) -> MutexGuard<'_, VecDeque<LoggedRequest>> {
        self.log.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The fault plan.
    pub fn faults(&self) -> MutexGuard<'_, FaultPlan> {
        self.faults.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl SimState {
    /// The database `name`, or the error Odoo gives for a missing one.
    pub fn db_mut(&mut self, name: &str) -> OdooResult<&mut Database> {
        self.dbs.get_mut(name).ok_or_else(|| unknown_db(name))
    }

    /// Resolves a login (password or API key) to a uid; `None` when refused.
    pub fn login(
        &self,
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
        .find(|(_, r)| r.get_str("login") == Some(login) && r.get_bool("active") != Some(false))
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
