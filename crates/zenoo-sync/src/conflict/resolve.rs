//! The resolution of a manual conflict: the order compared again with
//! every collision going to the side chosen.

use uuid::Uuid;

use super::Take;
use crate::error::{Error, Result};
use crate::order::OrderStatus;
use crate::poll::{Comparer, PollReport};

impl Comparer {
    /// Settles the open conflicts of `order`: Odoo's order is read again
    /// and merged with the application's as it is now, every collision
    /// going to `take`; what only one side changed is kept either way.
    ///
    /// # Errors
    /// The store's or Odoo's error; [`Error::NoOpenConflict`] when the
    /// order has none.
    pub(crate) async fn resolve(&self, order: Uuid, take: Take) -> Result<()> {
        let odoo_id = match self.store.order(order).await? {
            Some(o) if o.status == OrderStatus::Conflict => o.odoo_id,
            _ => None,
        };
        let Some(odoo_id) = odoo_id else {
            return Err(Error::NoOpenConflict { order });
        };
        let view = self.reader.views(&[odoo_id]).await?.remove(&odoo_id);
        self.compare(order, odoo_id, view, Some(take), &mut PollReport::default())
            .await?;
        self.store
            .events
            .send(crate::event::SyncEvent::Resolved { order });
        Ok(())
    }
}
