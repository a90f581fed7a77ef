//! Who is asking: a [`Principal`] with its [`Scope`]s and the orders it
//! may see.

use std::fmt;

use serde::{Deserialize, Serialize};

/// What a principal may do. `admin` implies every other scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Scope {
    /// Read orders, their sync state, conflicts and failed jobs; hear their
    /// events.
    #[serde(rename = "orders:read")]
    OrdersRead,
    /// Create, change and delete orders; force a sync; replay failed jobs.
    #[serde(rename = "orders:write")]
    OrdersWrite,
    /// Resolve conflicts.
    #[serde(rename = "conflicts:resolve")]
    ConflictsResolve,
    /// Everything, and managing API keys.
    #[serde(rename = "admin")]
    Admin,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 4] = [
        Scope::OrdersRead,
        Scope::OrdersWrite,
        Scope::ConflictsResolve,
        Scope::Admin,
    ];

    /// Its name, as in tokens and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrdersRead => "orders:read",
            Self::OrdersWrite => "orders:write",
            Self::ConflictsResolve => "conflicts:resolve",
            Self::Admin => "admin",
        }
    }

    /// The scope named `s`.
    ///
    /// # Errors
    /// The name is not a scope: the message lists those that are.
    pub fn parse(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|c| c.as_str()).collect();
                format!("unknown scope {s:?} (scopes: {})", names.join(", "))
            })
    }

    /// Scopes from a space-separated list (OAuth's `scope` claim).
    ///
    /// # Errors
    /// The first name that is not a scope.
    pub fn parse_list(s: &str) -> Result<Vec<Self>, String> {
        s.split_whitespace().map(Self::parse).collect()
    }

    /// `scopes` as a space-separated list.
    pub fn join(scopes: &[Scope]) -> String {
        scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a principal proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An API key.
    ApiKey,
    /// A user's JWT.
    User,
}

/// An authenticated caller.
///
/// ```
/// use zenoo_server::principal::{Kind, Principal, Scope};
/// let p = Principal {
///     subject: "key:3f2a".into(),
///     kind: Kind::ApiKey,
///     scopes: vec![Scope::OrdersRead],
///     suppliers: Some(vec!["Alpenrose Dairy".into()]),
///     token_id: None,
///     expires_at: None,
/// };
/// assert!(p.has(Scope::OrdersRead) && !p.has(Scope::OrdersWrite));
/// assert!(p.may_see("Alpenrose Dairy") && !p.may_see("Other"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    /// `key:<id>` or `user:<name>`: what the audit log and the rate limits
    /// know it by.
    pub subject: String,
    /// How it authenticated.
    pub kind: Kind,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// The suppliers whose orders it may see; `None`: every order.
    pub suppliers: Option<Vec<String>>,
    /// The token's `jti`, by which it is revoked (users' tokens).
    pub token_id: Option<String>,
    /// When its authority ends (a token's `exp`, seconds since the Unix
    /// epoch); `None`: until revoked (API keys).
    pub expires_at: Option<u64>,
}

impl Principal {
    /// The public id of its API key (`None` for a user).
    pub fn key_id(&self) -> Option<&str> {
        match self.kind {
            Kind::ApiKey => self.subject.strip_prefix("key:"),
            Kind::User => None,
        }
    }

    /// Whether it holds `scope` (or `admin`).
    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.contains(&Scope::Admin) || self.scopes.contains(&scope)
    }

    /// Whether it may see the orders of `supplier`.
    pub fn may_see(&self, supplier: &str) -> bool {
        self.suppliers
            .as_ref()
            .is_none_or(|list| list.iter().any(|s| s == supplier))
    }
}
