//! What can go wrong in the sync.

/// A sync error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The store (SQLite or PostgreSQL) failed.
    #[error("the sync store: {0}")]
    Store(#[from] sqlx::Error),
    /// A store migration failed.
    #[error("the sync store's migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The store URL names no database this crate can use.
    #[error("{url:?} is not a store URL (sqlite://FILE or postgres://…)")]
    StoreUrl {
        /// The URL, credentials removed.
        url: String,
    },
    /// A value in the store is not what the sync wrote there.
    #[error("the sync store holds {what} that cannot be read: {detail}")]
    Corrupt {
        /// What was being read.
        what: &'static str,
        /// Why it failed.
        detail: String,
    },
    /// An order given by the application is not one.
    #[error("invalid order: {0}")]
    InvalidOrder(String),
    /// Odoo, or the way to it, failed.
    #[error(transparent)]
    Odoo(#[from] zenoo_rpc::Error),
}

/// A sync result.
pub type Result<T, E = Error> = std::result::Result<T, E>;
