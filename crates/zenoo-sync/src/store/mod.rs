//! The sync's store: SQLite or PostgreSQL through one pool, the same
//! queries on both.

pub(crate) mod audit;
pub(crate) mod cursors;
mod orders;
pub(crate) mod outbox;
mod sync_state;

pub use audit::{AuditEntry, Origin};
pub use orders::{Deletion, OrderSummary, Resync};
pub use outbox::{ClaimedJob, JobKind};

use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::AnyPool;
use sqlx::any::{AnyPoolOptions, install_default_drivers};

use crate::error::{Error, Result};

/// Which database the store is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// A SQLite file: the embedded default, one worker.
    Sqlite,
    /// PostgreSQL: several instances share the outbox.
    Postgres,
}

/// The application's orders, their sync state and the outbox.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    pub(crate) events: crate::event::Events,
}

/// Milliseconds since the Unix epoch, the store's clock.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// `url` without its password, for messages.
fn shown(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

impl Backend {
    /// The database `pool` connects to.
    ///
    /// # Errors
    /// [`Error::StoreUrl`] for a database the store cannot use.
    pub fn of(pool: &AnyPool) -> Result<Self> {
        let url = &pool.connect_options().database_url;
        match url.scheme() {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" => Ok(Self::Postgres),
            _ => Err(Error::StoreUrl {
                url: shown(url.as_str()),
            }),
        }
    }
}

impl Store {
    /// Opens (and migrates) the store at `url`: `sqlite://FILE` (created
    /// when missing), `sqlite::memory:`, or `postgres://…`.
    ///
    /// # Errors
    /// [`Error::StoreUrl`] for another scheme; the database's error when it
    /// cannot be reached or migrated.
    pub async fn open(url: &str) -> Result<Self> {
        Self::with_pool(Self::connect(url).await?).await
    }

    /// A pool to `url` as the store wants it, for an application that
    /// keeps tables of its own in the same database: it owns the pool,
    /// runs its own migrations on it (with `set_ignore_missing(true)`,
    /// numbered from 1000) and gives the store a clone
    /// ([`Store::with_pool`]). A SQLite file is created when missing and
    /// has one connection (one writer at a time, without `SQLITE_BUSY`,
    /// and an in-memory database stays one database).
    ///
    /// # Errors
    /// [`Error::StoreUrl`] for another scheme; the database's error when it
    /// cannot be reached.
    pub async fn connect(url: &str) -> Result<AnyPool> {
        install_default_drivers();
        let (backend, url) = if let Some(rest) = url.strip_prefix("sqlite:") {
            let with_mode = if rest.contains(":memory:") || rest.contains("mode=") {
                url.to_string()
            } else if rest.contains('?') {
                format!("{url}&mode=rwc")
            } else {
                format!("{url}?mode=rwc")
            };
            (Backend::Sqlite, with_mode)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_string())
        } else {
            return Err(Error::StoreUrl { url: shown(url) });
        };
        let mut options = AnyPoolOptions::new();
        if backend == Backend::Sqlite {
            options = options.max_connections(1);
        }
        Ok(options.connect(&url).await?)
    }

    /// The store on `pool` (from [`Store::connect`]), its migrations run.
    ///
    /// # Errors
    /// [`Error::StoreUrl`] for a database the store cannot use; the
    /// database's error when it cannot be migrated.
    pub async fn with_pool(pool: AnyPool) -> Result<Self> {
        let backend = Backend::of(&pool)?;
        let mut migrator = match backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("migrations/postgres"),
        };
        // The application (zenoo-server, say) keeps tables of its own in
        // the same database, with migrations numbered from 1000 in the same
        // history: they are not this crate's to know.
        migrator.set_ignore_missing(true);
        migrator.run(&pool).await?;
        Ok(Self {
            pool,
            backend,
            events: crate::event::Events::default(),
        })
    }

    /// Closes the store's connections (waiting for those in use).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The sync's events, for subscribers: every component sharing this
    /// store (workers, pollers) sends to it.
    pub fn events(&self) -> &crate::event::Events {
        &self.events
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }
}

/// `$first, $first+1, ...`: `count` numbered parameters for an `IN` list.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first.saturating_add(count))
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}
