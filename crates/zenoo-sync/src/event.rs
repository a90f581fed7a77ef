//! What subscribers hear: a typed stream of sync events, in process.

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use uuid::Uuid;

/// One thing that happened to an order.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SyncEvent {
    /// The application created the order.
    Created {
        /// The order.
        order: Uuid,
    },
    /// The application changed the order.
    Updated {
        /// The order.
        order: Uuid,
    },
    /// Odoo holds what the application holds (after a push or a pull).
    Synced {
        /// The order.
        order: Uuid,
        /// Its `purchase.order` id.
        odoo_id: i64,
        /// Which way the change went: `to_odoo` or `from_odoo`.
        direction: Direction,
    },
    /// Both sides changed the same part of the order and its policy is
    /// manual: it waits for a choice.
    Conflict {
        /// The order.
        order: Uuid,
        /// The parts both sides changed.
        parts: Vec<crate::conflict::Part>,
    },
    /// A job failed for good.
    Failed {
        /// The order.
        order: Uuid,
        /// Why.
        error: String,
    },
    /// A conflict was resolved.
    Resolved {
        /// The order.
        order: Uuid,
    },
}

/// Which way a change went.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the application to Odoo.
    ToOdoo,
    /// From Odoo to the application.
    FromOdoo,
}

impl std::fmt::Display for Direction {
    /// `to Odoo` or `from Odoo`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::ToOdoo => "to Odoo",
            Self::FromOdoo => "from Odoo",
        })
    }
}

/// The sender side: cheap to clone, never blocks. A subscriber that falls
/// more than the capacity behind gets [`broadcast::error::RecvError::Lagged`]
/// with the number of events it missed, and goes on from the newest.
#[derive(Debug, Clone)]
pub struct Events {
    tx: broadcast::Sender<SyncEvent>,
}

impl Default for Events {
    fn default() -> Self {
        Self::new(1024)
    }
}

impl Events {
    /// A stream keeping up to `capacity` events for slow subscribers.
    pub fn new(capacity: usize) -> Self {
        Self {
            tx: broadcast::channel(capacity.max(1)).0,
        }
    }

    /// A new subscriber, hearing what happens from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<SyncEvent> {
        self.tx.subscribe()
    }

    /// Tells every subscriber (none listening is fine).
    pub(crate) fn send(&self, e: SyncEvent) {
        let _ = self.tx.send(e);
    }
}
