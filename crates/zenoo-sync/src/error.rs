//! What can go wrong in the sync.

use zenoo_rpc::OdooErrorKind;

/// A sync error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The store (SQLite or PostgreSQL) failed; the database's error is
    /// the source.
    #[error("the sync store failed")]
    Store(#[from] sqlx::Error),
    /// A store migration failed; the migrator's error is the source.
    #[error("the sync store's migrations failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The store URL names no database this crate can use.
    #[error("{url:?} is not a store URL (sqlite://FILE or postgres://…)")]
    StoreUrl {
        /// The URL, credentials removed.
        url: String,
    },
    /// A value in the store is not what the sync wrote there.
    #[error("the sync store holds {what} that cannot be read")]
    Corrupt {
        /// What was being read.
        what: &'static str,
        /// Why it could not be read.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An order given by the application is not one: what is wrong with
    /// it, naming the field.
    #[error("invalid order: {0}")]
    InvalidOrder(String),
    /// A resolution was asked for an order with no open conflict.
    #[error("order {order} has no open conflict")]
    NoOpenConflict {
        /// The order.
        order: uuid::Uuid,
    },
    /// Odoo, or the way to it, failed.
    #[error(transparent)]
    Odoo(#[from] zenoo_rpc::Error),
}

/// A sync result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How a failed job is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorClass {
    /// The network, a 5xx or 429, a serialization failure, a lost answer:
    /// tried again later, with backoff.
    Transient,
    /// Credentials, access rights, a constraint Odoo enforces: the order is
    /// failed until someone acts.
    Permanent,
    /// The order itself cannot go to Odoo as it is (an unknown supplier or
    /// product, an order Odoo already confirmed or cancelled).
    Business,
}

impl ErrorClass {
    /// The class's name, as stored and exported.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Transient => "transient",
            Self::Permanent => "permanent",
            Self::Business => "business",
        }
    }
}

/// Why a job failed, classed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct JobError {
    /// How it is treated.
    pub class: ErrorClass,
    /// What happened, shown on the order.
    pub message: String,
}

impl JobError {
    pub(crate) fn business(message: impl Into<String>) -> Self {
        Self {
            class: ErrorClass::Business,
            message: message.into(),
        }
    }
}

impl From<zenoo_rpc::Error> for JobError {
    fn from(e: zenoo_rpc::Error) -> Self {
        let class = if e.is_retryable()
            || e.outcome_unknown()
            || matches!(
                e.kind(),
                zenoo_rpc::ErrorKind::Transport
                    | zenoo_rpc::ErrorKind::Timeout
                    | zenoo_rpc::ErrorKind::MalformedResponse
                    | zenoo_rpc::ErrorKind::CircuitOpen
            ) {
            ErrorClass::Transient
        } else {
            match e.odoo().map(zenoo_rpc::OdooError::kind) {
                Some(OdooErrorKind::UserError | OdooErrorKind::MissingError) => {
                    ErrorClass::Business
                }
                _ => ErrorClass::Permanent,
            }
        };
        Self {
            class,
            message: e.to_string(),
        }
    }
}

impl From<crate::Error> for JobError {
    fn from(e: crate::Error) -> Self {
        match e {
            crate::Error::Odoo(e) => e.into(),
            other => Self {
                class: ErrorClass::Transient,
                message: other.to_string(),
            },
        }
    }
}
