//! The application's orders: written with their outbox job in one
//! transaction, read with their sync state, listed, deleted, resynced.

use sqlx::{Any, Transaction};
use uuid::Uuid;

use super::audit::Origin;
use super::outbox::JobKind;
use super::{Store, now_ms, placeholders};
use crate::error::{Error, Result};
use crate::order::{AppLine, AppOrder, NewOrder, OrderStatus};

impl Store {
    /// Records a new application order and, in the same transaction, the
    /// job that creates it in Odoo; its uuid.
    ///
    /// # Errors
    /// [`Error::InvalidOrder`] for an order that does not make sense; the
    /// store's error.
    pub async fn add_order(&self, order: &NewOrder) -> Result<Uuid> {
        let uuids = self.add_orders(std::slice::from_ref(order)).await?;
        uuids.into_iter().next().ok_or_else(|| Error::Corrupt {
            what: "a new order",
            source: "no uuid came back".into(),
        })
    }

    /// Records several new orders, with their jobs, in one transaction
    /// (all or none); their uuids, in order. For an application loading its
    /// backlog.
    ///
    /// # Errors
    /// [`Error::InvalidOrder`] naming the order (from 1) that does not make
    /// sense, before anything is written; the store's error.
    pub async fn add_orders(&self, orders: &[NewOrder]) -> Result<Vec<Uuid>> {
        for (i, order) in orders.iter().enumerate() {
            order.validate().map_err(|e| match e {
                Error::InvalidOrder(why) if orders.len() > 1 => {
                    Error::InvalidOrder(format!("order {}: {why}", i + 1))
                }
                other => other,
            })?;
        }
        let now = now_ms();
        let mut uuids = Vec::with_capacity(orders.len());
        let mut tx = self.pool.begin().await?;
        for order in orders {
            let uuid = Uuid::new_v4();
            let id = uuid.to_string();
            sqlx::query(
                "INSERT INTO orders (uuid, supplier_ref, currency, state, version, updated_at) \
                 VALUES ($1, $2, $3, 'draft', 1, $4)",
            )
            .bind(&id)
            .bind(&order.supplier_ref)
            .bind(&order.currency)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            insert_lines(&mut tx, &id, &order.lines).await?;
            sqlx::query(
                "INSERT INTO sync_state (order_uuid, status, attempts, updated_at) VALUES ($1, $2, 0, $3)",
            )
            .bind(&id)
            .bind(OrderStatus::Pending.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            crate::store::outbox::enqueue(&mut tx, &id, JobKind::Push, now).await?;
            audit(&mut tx, &id, "create", None, order, now).await?;
            uuids.push(uuid);
        }
        tx.commit().await?;
        for uuid in &uuids {
            self.events
                .send(crate::event::SyncEvent::Created { order: *uuid });
        }
        Ok(uuids)
    }

    /// Replaces the supplier, currency and lines of the order `uuid` with
    /// `order`'s and, in the same transaction, queues the job that sends
    /// the change to Odoo; `false` when there is no such order.
    ///
    /// # Errors
    /// [`Error::InvalidOrder`]; the store's error.
    pub async fn update_order(&self, uuid: Uuid, order: &NewOrder) -> Result<bool> {
        order.validate()?;
        let id = uuid.to_string();
        let now = now_ms();
        let Some(before) = self.order(uuid).await? else {
            return Ok(false);
        };
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(
            "UPDATE orders SET supplier_ref = $1, currency = $2, version = version + 1, updated_at = $3 \
             WHERE uuid = $4",
        )
        .bind(&order.supplier_ref)
        .bind(&order.currency)
        .bind(now)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        if changed.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM order_lines WHERE order_uuid = $1")
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        insert_lines(&mut tx, &id, &order.lines).await?;
        queue_push(&mut tx, &id, now).await?;
        let before = NewOrder {
            supplier_ref: before.supplier_ref,
            currency: before.currency,
            lines: before.lines,
        };
        audit(&mut tx, &id, "update", Some(&before), order, now).await?;
        tx.commit().await?;
        self.events
            .send(crate::event::SyncEvent::Updated { order: uuid });
        Ok(true)
    }

    /// The order `uuid` with its lines and sync state.
    ///
    /// # Errors
    /// The store's error.
    pub async fn order(&self, uuid: Uuid) -> Result<Option<AppOrder>> {
        let id = uuid.to_string();
        let row = sqlx::query_as::<_, OrderRow>(
            "SELECT o.supplier_ref, o.currency, o.state, o.version, s.status, s.odoo_id, s.last_error, o.updated_at \
             FROM orders o JOIN sync_state s ON s.order_uuid = o.uuid WHERE o.uuid = $1",
        )
        .bind(&id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let lines = sqlx::query_as::<_, LineRow>(
            "SELECT product_code, quantity, price_unit, date_planned, uom FROM order_lines \
             WHERE order_uuid = $1 ORDER BY line_no",
        )
        .bind(&id)
        .fetch_all(&self.pool)
        .await?
        .into_iter()
        .map(AppLine::from)
        .collect();
        Ok(Some(AppOrder {
            uuid,
            supplier_ref: row.supplier_ref,
            currency: row.currency,
            state: row.state,
            version: row.version,
            status: OrderStatus::parse(&row.status)?,
            odoo_id: row.odoo_id,
            last_error: row.last_error,
            updated_at: row.updated_at,
            lines,
        }))
    }

    /// Every order with its sync state, oldest first.
    ///
    /// # Errors
    /// The store's error.
    pub async fn list_orders(&self) -> Result<Vec<OrderSummary>> {
        let rows = sqlx::query_as::<_, SummaryRow>(
            "SELECT o.uuid, o.supplier_ref, s.odoo_id, s.status, s.odoo_state, s.last_error \
             FROM orders o JOIN sync_state s ON s.order_uuid = o.uuid ORDER BY o.updated_at, o.uuid",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(OrderSummary::try_from).collect()
    }

    /// Queues failed orders again and makes every waiting job due now; how
    /// many failed orders were queued.
    ///
    /// # Errors
    /// The store's error.
    pub async fn retry_failed(&self) -> Result<u64> {
        let now = now_ms();
        let failed: Vec<String> =
            sqlx::query_scalar("SELECT order_uuid FROM sync_state WHERE status = 'failed'")
                .fetch_all(&self.pool)
                .await?;
        let mut tx = self.pool.begin().await?;
        for id in &failed {
            queue_push(&mut tx, id, now).await?;
        }
        tx.commit().await?;
        self.make_all_due().await?;
        Ok(u64::try_from(failed.len()).unwrap_or(u64::MAX))
    }

    /// One page of orders with their sync state, oldest first: those with
    /// `status` (all when `None`), of the suppliers in `suppliers` (all when
    /// `None`), skipping `offset`, at most `limit`.
    ///
    /// # Errors
    /// The store's error.
    pub async fn list_orders_page(
        &self,
        status: Option<OrderStatus>,
        suppliers: Option<&[String]>,
        limit: u32,
        offset: u64,
    ) -> Result<Vec<OrderSummary>> {
        let mut sql = String::from(
            "SELECT o.uuid, o.supplier_ref, s.odoo_id, s.status, s.odoo_state, s.last_error \
             FROM orders o JOIN sync_state s ON s.order_uuid = o.uuid WHERE 1 = 1",
        );
        let mut n = 0;
        if status.is_some() {
            n += 1;
            sql.push_str(&format!(" AND s.status = ${n}"));
        }
        if let Some(list) = suppliers {
            if list.is_empty() {
                return Ok(Vec::new());
            }
            sql.push_str(&format!(
                " AND o.supplier_ref IN ({})",
                placeholders(n + 1, list.len())
            ));
            n += list.len();
        }
        sql.push_str(&format!(
            " ORDER BY o.updated_at, o.uuid LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        ));
        let mut query = sqlx::query_as::<_, SummaryRow>(&sql);
        if let Some(s) = status {
            query = query.bind(s.as_str());
        }
        for s in suppliers.unwrap_or_default() {
            query = query.bind(s.as_str());
        }
        let rows = query
            .bind(i64::from(limit))
            .bind(i64::try_from(offset).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(OrderSummary::try_from).collect()
    }

    /// The supplier reference of the order `uuid`, if there is such an
    /// order (what decides who may see it).
    ///
    /// # Errors
    /// The store's error.
    pub async fn supplier_of(&self, uuid: Uuid) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT supplier_ref FROM orders WHERE uuid = $1")
                .bind(uuid.to_string())
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Deletes the order `uuid` if Odoo never got it and no worker is
    /// sending it; its waiting jobs go with it.
    ///
    /// # Errors
    /// The store's error.
    pub async fn delete_order(&self, uuid: Uuid) -> Result<Deletion> {
        let id = uuid.to_string();
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let row: Option<Option<i64>> =
            sqlx::query_scalar("SELECT odoo_id FROM sync_state WHERE order_uuid = $1")
                .bind(&id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(odoo_id) = row else {
            return Ok(Deletion::NotFound);
        };
        let busy: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox WHERE order_uuid = $1 AND done_at IS NULL \
             AND lease_owner IS NOT NULL AND lease_until > $2",
        )
        .bind(&id)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        if odoo_id.is_some() || busy > 0 {
            return Ok(Deletion::InOdoo);
        }
        sqlx::query("DELETE FROM outbox WHERE order_uuid = $1 AND done_at IS NULL")
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        for table in ["order_lines", "sync_state"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE order_uuid = $1"))
                .bind(&id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM orders WHERE uuid = $1")
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        crate::store::audit::record(&mut tx, &id, Origin::App, "delete", None, None, None, now)
            .await?;
        tx.commit().await?;
        Ok(Deletion::Deleted)
    }

    /// Queues a push of the order `uuid` due now: Odoo's order is read,
    /// compared three ways and brought up to date (a forced sync).
    ///
    /// # Errors
    /// The store's error.
    pub async fn resync(&self, uuid: Uuid) -> Result<Resync> {
        let id = uuid.to_string();
        let now = now_ms();
        let Some(order) = self.order(uuid).await? else {
            return Ok(Resync::NotFound);
        };
        if order.status == OrderStatus::Conflict {
            return Ok(Resync::InConflict);
        }
        let mut tx = self.pool.begin().await?;
        queue_push(&mut tx, &id, now).await?;
        tx.commit().await?;
        self.events
            .send(crate::event::SyncEvent::Updated { order: uuid });
        Ok(Resync::Queued)
    }
}

pub(super) async fn insert_lines(
    tx: &mut Transaction<'_, Any>,
    order: &str,
    lines: &[AppLine],
) -> Result<()> {
    for (i, l) in lines.iter().enumerate() {
        sqlx::query(
            "INSERT INTO order_lines (order_uuid, line_no, product_code, quantity, price_unit, date_planned, uom) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(order)
        .bind(i64::try_from(i).unwrap_or(i64::MAX))
        .bind(&l.product_code)
        .bind(l.quantity)
        .bind(l.price_unit)
        .bind(l.date_planned.clone())
        .bind(l.uom.clone())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Marks the order `id` pending and queues its push, in `tx`.
async fn queue_push(tx: &mut Transaction<'_, Any>, id: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE sync_state SET status = $1, updated_at = $2 WHERE order_uuid = $3")
        .bind(OrderStatus::Pending.as_str())
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    crate::store::outbox::enqueue(tx, id, JobKind::Push, now).await
}

/// One audit entry, from the application side.
async fn audit(
    tx: &mut Transaction<'_, Any>,
    order: &str,
    action: &str,
    before: Option<&NewOrder>,
    after: &NewOrder,
    now: i64,
) -> Result<()> {
    let json = |o: &NewOrder| serde_json::to_string(o).unwrap_or_default();
    let (before, after) = (before.map(json), Some(json(after)));
    crate::store::audit::record(tx, order, Origin::App, action, before, after, None, now).await
}

/// One order as `zenoo sync orders list` shows it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct OrderSummary {
    /// The application's id.
    pub uuid: Uuid,
    /// The supplier's reference.
    pub supplier_ref: String,
    /// Its `purchase.order` id, once pushed.
    pub odoo_id: Option<i64>,
    /// Where it stands with Odoo.
    pub status: OrderStatus,
    /// The state Odoo reports (`draft`, `purchase`, `cancel`, ...).
    pub odoo_state: Option<String>,
    /// The last error, when a job failed.
    pub last_error: Option<String>,
}

/// What [`Store::delete_order`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Deletion {
    /// The order and its waiting jobs are gone.
    Deleted,
    /// There is no such order.
    NotFound,
    /// Odoo has the order (or a worker is sending it right now): it is
    /// cancelled in Odoo, not deleted behind the sync's back.
    InOdoo,
}

/// What [`Store::resync`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resync {
    /// A push is queued, due now.
    Queued,
    /// There is no such order.
    NotFound,
    /// The order waits for a conflict to be resolved first.
    InConflict,
}

/// An order's own columns with its sync state, as [`Store::order`] reads
/// them.
#[derive(sqlx::FromRow)]
struct OrderRow {
    supplier_ref: String,
    currency: String,
    state: String,
    version: i64,
    status: String,
    odoo_id: Option<i64>,
    last_error: Option<String>,
    updated_at: i64,
}

/// One line of an order.
#[derive(sqlx::FromRow)]
struct LineRow {
    product_code: String,
    quantity: f64,
    price_unit: f64,
    date_planned: Option<String>,
    uom: Option<String>,
}

impl From<LineRow> for AppLine {
    fn from(l: LineRow) -> Self {
        Self {
            product_code: l.product_code,
            quantity: l.quantity,
            price_unit: l.price_unit,
            date_planned: l.date_planned,
            uom: l.uom,
        }
    }
}

/// An order's summary, as the lists read it.
#[derive(sqlx::FromRow)]
struct SummaryRow {
    uuid: String,
    supplier_ref: String,
    odoo_id: Option<i64>,
    status: String,
    odoo_state: Option<String>,
    last_error: Option<String>,
}

impl TryFrom<SummaryRow> for OrderSummary {
    type Error = Error;

    fn try_from(r: SummaryRow) -> Result<Self> {
        Ok(Self {
            uuid: Uuid::parse_str(&r.uuid).map_err(|e| Error::Corrupt {
                what: "an order uuid",
                source: e.into(),
            })?,
            supplier_ref: r.supplier_ref,
            odoo_id: r.odoo_id,
            status: OrderStatus::parse(&r.status)?,
            odoo_state: r.odoo_state,
            last_error: r.last_error,
        })
    }
}
