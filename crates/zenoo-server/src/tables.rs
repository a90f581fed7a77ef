//! The server's own tables (API keys, users and their refresh tokens,
//! revoked access tokens, the request audit) in the store's database,
//! beside the sync's. The server owns the connection pool: it runs the
//! sync's migrations (through [`Store::with_pool`]) and its own, numbered
//! from 1000, on it, and hands each part what it needs.

use sqlx::AnyPool;
use zenoo_sync::{Backend, Store};

use crate::config::AuthConfig;
use crate::keys::ApiKeys;
use crate::tokens::Tokens;

/// The server's tables, on the pool the sync's [`Store`] shares.
#[derive(Debug, Clone)]
pub struct Tables {
    pool: AnyPool,
    backend: Backend,
}

impl Tables {
    /// Opens the database at `url` (as [`Store::open`] reads it) and runs
    /// the sync's migrations and the server's; the server's tables and the
    /// sync's store, on one pool.
    ///
    /// # Errors
    /// The database's error, saying whose migrations failed.
    pub async fn open(url: &str) -> anyhow::Result<(Self, Store)> {
        use anyhow::Context;
        let pool = Store::connect(url).await?;
        let store = Store::with_pool(pool.clone()).await?;
        let tables = Self {
            pool,
            backend: store.backend(),
        };
        let mut migrator = match tables.backend {
            Backend::Postgres => sqlx::migrate!("migrations/postgres"),
            _ => sqlx::migrate!("migrations/sqlite"),
        };
        // The sync's migrations share the history; they are not ours.
        migrator.set_ignore_missing(true);
        migrator
            .run(&tables.pool)
            .await
            .context("the server's tables in the store")?;
        Ok((tables, store))
    }

    /// The API keys.
    pub fn keys(&self) -> ApiKeys {
        ApiKeys::new(self.pool.clone())
    }

    /// The users and their tokens, issued as `config` says.
    ///
    /// # Errors
    /// The configuration's error (a missing or short signing secret).
    pub fn tokens(&self, config: &AuthConfig) -> Result<Tokens, crate::ConfigError> {
        Tokens::new(config, self.pool.clone())
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The database's pool, for queries of the operator's own (reports,
    /// checks in tests): the server's tables and the sync's are both here.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes the pool (waiting for connections in use).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
