//! From Odoo: polling is the source of truth.
//!
//! Each pass reads the orders whose `write_date` is at or after the
//! cursor minus an overlap window (Odoo stamps `write_date` with its
//! transaction's start, so a long transaction can commit a row older than
//! one already seen; the window re-reads the last minutes), and the orders
//! whose *lines* changed (a line's description does not touch its order's
//! `write_date`). Each order is compared three ways, part by part: the
//! last synced snapshot, the application's version, Odoo's. What only Odoo
//! changed is taken into the application; what both changed is a conflict
//! decided by [`Policies`]. Changes the sync made itself match the
//! snapshot, so they are not echoed back.

mod compare;
mod read;

pub(crate) use compare::Comparer;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use uuid::Uuid;
use zenoo_rpc::Client;

use crate::conflict::{Policies, Take};
use crate::error::Result;
use crate::mapping::MappingRules;
use crate::odoo::{OdooReader, OdooView};
use crate::store::Store;

/// What one pass saw and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PollReport {
    /// Orders of the sync read from Odoo.
    pub seen: usize,
    /// Orders whose Odoo changes were taken into the application.
    pub applied: usize,
    /// Conflicts found (decided by policy or left for a choice).
    pub conflicts: usize,
}

/// Reads Odoo's orders back into the application.
#[derive(Debug)]
pub struct Poller {
    store: Store,
    comparer: Comparer,
    overlap: Duration,
    page: u64,
}

impl Poller {
    /// A poller deciding conflicts by `policies`.
    pub fn new(store: Store, client: Client, policies: Policies) -> Self {
        Self {
            comparer: Comparer {
                store: store.clone(),
                reader: Arc::new(OdooReader::new(client, MappingRules::default())),
                policies,
            },
            store,
            overlap: Duration::from_secs(120),
            page: 200,
        }
    }

    /// The rules application references are read back by (default:
    /// [`MappingRules::default`]); the same as the worker's.
    #[must_use]
    pub fn mapping(mut self, rules: MappingRules) -> Self {
        let client = self.comparer.reader.client.clone();
        self.comparer.reader = Arc::new(OdooReader::new(client, rules));
        self
    }

    /// How far back each pass re-reads (default 2 minutes): longer than the
    /// longest transaction Odoo may run.
    #[must_use]
    pub fn overlap(mut self, d: Duration) -> Self {
        self.overlap = d;
        self
    }

    /// One pass: the orders and lines changed since the cursor (minus the
    /// overlap), each compared and applied; the cursors move forward.
    ///
    /// # Errors
    /// Odoo's or the store's error; the cursors stay where they were.
    pub async fn poll_once(&self) -> Result<PollReport> {
        let mut ids = BTreeSet::new();
        let (order_cursor, line_cursor) = (
            self.store.cursor("purchase.order").await?,
            self.store.cursor("purchase.order.line").await?,
        );
        let order_max = self
            .changed(
                "purchase.order",
                &order_cursor,
                json!([["origin", "=like", "zenoo:%"]]),
                "id",
                &mut ids,
            )
            .await?;
        let line_max = self
            .changed(
                "purchase.order.line",
                &line_cursor,
                json!([]),
                "order_id",
                &mut ids,
            )
            .await?;
        let mut report = PollReport::default();
        // Every order the window holds is compared again, by content: an
        // edit in the same second as the last one has the same
        // (whole-second) write_date, so the stamp cannot tell it was made.
        let ids: Vec<i64> = ids.into_iter().collect();
        self.sync_ids(&ids, &mut report).await?;
        self.store.set_cursor("purchase.order", &order_max).await?;
        self.store
            .set_cursor("purchase.order.line", &line_max)
            .await?;
        Ok(report)
    }

    /// Every synced order compared again, whatever the cursors say: what a
    /// cursor could have missed is found here.
    ///
    /// # Errors
    /// Odoo's or the store's error.
    pub async fn reconcile(&self) -> Result<PollReport> {
        let mut report = PollReport::default();
        let ids = self.store.synced_odoo_ids().await?;
        self.sync_ids(&ids, &mut report).await?;
        Ok(report)
    }

    /// Compares the orders `ids` (those of this sync), a page at a time.
    /// An order whose Odoo version hashes as it did when it was last
    /// compared is skipped: nothing changed in Odoo since.
    async fn sync_ids(&self, ids: &[i64], report: &mut PollReport) -> Result<()> {
        let page = usize::try_from(self.page).unwrap_or(usize::MAX).max(1);
        for chunk in ids.chunks(page) {
            let mine = self.store.compared(chunk).await?;
            if mine.is_empty() {
                continue;
            }
            let odoo_ids: Vec<i64> = mine.keys().copied().collect();
            let mut views = self.comparer.reader.views(&odoo_ids).await?;
            for (id, (uuid, known)) in mine {
                let view = views.remove(&id);
                let hash = view.as_ref().map(OdooView::hash);
                if hash.is_some() && hash == known {
                    report.seen += 1;
                    continue;
                }
                if self.comparer.compare(uuid, id, view, None, report).await?
                    && let Some(h) = hash
                {
                    self.store.set_compared(uuid, &h).await?;
                }
            }
        }
        Ok(())
    }

    /// Settles the open conflicts of `order`: Odoo's order is read again
    /// and merged with the application's as it is now, every collision
    /// going to `take`; what only one side changed is kept either way.
    ///
    /// # Errors
    /// The store's or Odoo's error;
    /// [`Error::NoOpenConflict`](crate::Error::NoOpenConflict) when the
    /// order has no open conflict.
    pub async fn resolve(&self, order: Uuid, take: Take) -> Result<()> {
        self.comparer.resolve(order, take).await
    }
}
