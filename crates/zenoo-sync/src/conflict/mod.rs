//! Conflicts: the application and Odoo both changed the same part of an
//! order since the last sync. A policy decides, per part or per order;
//! a manual conflict waits for a resolution ([`Take`] a side).

mod resolve;

use serde::{Deserialize, Serialize};

/// What decides a conflict.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Policy {
    /// Odoo's version is taken into the application.
    OdooWins,
    /// The application's version is sent to Odoo again.
    AppWins,
    /// The side changed last wins: the application's last change time
    /// against Odoo's `write_date` (whole seconds, the Odoo server's clock;
    /// a tie goes to Odoo).
    NewestWins,
    /// Both versions are kept until someone resolves the conflict.
    Manual,
}

/// The parts of an order a conflict can be about.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Part {
    /// The supplier.
    Supplier,
    /// The lines (products, quantities, prices, planned dates), as a whole.
    Lines,
}

impl Policy {
    /// The policy's name, as in configuration (`odoo_wins`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OdooWins => "odoo_wins",
            Self::AppWins => "app_wins",
            Self::NewestWins => "newest_wins",
            Self::Manual => "manual",
        }
    }
}

impl Part {
    /// The part's name (`supplier`, `lines`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Supplier => "supplier",
            Self::Lines => "lines",
        }
    }

    /// The part named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Supplier, Self::Lines]
            .into_iter()
            .find(|p| p.as_str() == name)
    }
}

impl std::fmt::Display for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An open conflict: both versions of a part both sides changed, waiting
/// for a choice ([`Poller::resolve`](crate::Poller::resolve)).
#[derive(Debug, Clone, PartialEq)]
pub struct OpenConflict {
    /// The order.
    pub order: uuid::Uuid,
    /// The part both sides changed.
    pub part: Part,
    /// The application's version of it.
    pub app: serde_json::Value,
    /// Odoo's version of it.
    pub odoo: serde_json::Value,
}

/// The policies of a sync: one per part, with a default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policies {
    /// For parts without their own.
    pub default: Policy,
    /// The supplier's.
    pub supplier: Option<Policy>,
    /// The lines'.
    pub lines: Option<Policy>,
}

impl Default for Policies {
    /// Manual for everything: nothing is overwritten without a choice.
    fn default() -> Self {
        Self {
            default: Policy::Manual,
            supplier: None,
            lines: None,
        }
    }
}

impl Policies {
    /// Every part decided by `policy`.
    pub fn all(policy: Policy) -> Self {
        Self {
            default: policy,
            supplier: None,
            lines: None,
        }
    }

    /// The policy for `part` of an order in Odoo state `state`. Business
    /// rules come first: the lines of an order Odoo has confirmed are never
    /// overwritten from the application without a choice, so an
    /// application-wins or newest-wins policy waits for one there.
    pub fn for_part(&self, part: Part, state: Option<&str>) -> Policy {
        let p = match part {
            Part::Supplier => self.supplier,
            Part::Lines => self.lines,
        }
        .unwrap_or(self.default);
        let confirmed = matches!(state, Some("purchase" | "done"));
        match (part, p) {
            (Part::Lines, Policy::AppWins | Policy::NewestWins) if confirmed => Policy::Manual,
            _ => p,
        }
    }
}

impl Take {
    /// `odoo` or `app`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Odoo => "odoo",
            Self::App => "app",
        }
    }
}

/// A conflict decided as the order was compared: by a policy, or by the
/// resolution of a manual conflict (`policy` is then `Manual`).
#[derive(Debug, Clone)]
pub(crate) struct Decided {
    pub part: Part,
    pub policy: Policy,
    pub take: Take,
    pub base: serde_json::Value,
    pub app: serde_json::Value,
    pub odoo: serde_json::Value,
    /// Where the sides collided (lines: position and field).
    pub at: serde_json::Value,
}

/// Which side a resolution takes.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Take {
    /// Odoo's version.
    Odoo,
    /// The application's version.
    App,
}
