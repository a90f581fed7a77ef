//! Each order's state with Odoo: the snapshot the last push left, what
//! the poll compared, Odoo's changes taken in, errors, conflicts opened.

use serde_json::{Value, json};
use uuid::Uuid;

use super::audit::{Origin, audit_sync};
use super::outbox::JobKind;
use super::{Store, now_ms};
use crate::conflict::{OpenConflict, Part};
use crate::error::{Error, JobError, Result};
use crate::odoo::{OdooChange, Snapshot, fnv1a};

impl Store {
    /// Of the Odoo ids `ids`, those of this sync's orders: each with its
    /// order and the hash of Odoo's version when it was last compared.
    pub(crate) async fn compared(
        &self,
        ids: &[i64],
    ) -> Result<std::collections::BTreeMap<i64, (Uuid, Option<String>)>> {
        let mut out = std::collections::BTreeMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT odoo_id, order_uuid, odoo_hash FROM sync_state WHERE odoo_id IN ({})",
            marks.join(", ")
        );
        let mut query = sqlx::query_as::<_, (i64, String, Option<String>)>(&sql);
        for id in ids {
            query = query.bind(*id);
        }
        for (odoo_id, text, hash) in query.fetch_all(&self.pool).await? {
            let uuid = Uuid::parse_str(&text).map_err(|e| Error::Corrupt {
                what: "an order uuid",
                source: e.into(),
            })?;
            out.insert(odoo_id, (uuid, hash));
        }
        Ok(out)
    }

    /// Records the hash of Odoo's version the order now reflects.
    pub(crate) async fn set_compared(&self, order: Uuid, hash: &str) -> Result<()> {
        sqlx::query("UPDATE sync_state SET odoo_hash = $1 WHERE order_uuid = $2")
            .bind(hash)
            .bind(order.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The Odoo ids of every order pushed so far.
    pub(crate) async fn synced_odoo_ids(&self) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT odoo_id FROM sync_state WHERE odoo_id IS NOT NULL ORDER BY odoo_id",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Odoo no longer has the order: it is failed, with the reason.
    pub(crate) async fn mark_gone(&self, order: Uuid) -> Result<()> {
        sqlx::query(
            "UPDATE sync_state SET status = 'failed', last_error = 'the order was deleted in Odoo', \
             error_class = 'business', odoo_state = 'deleted', updated_at = $1 WHERE order_uuid = $2",
        )
        .bind(now_ms())
        .bind(order.to_string())
        .execute(&self.pool)
        .await?;
        sqlx::query(
            "UPDATE conflicts SET status = 'resolved', resolved_at = $1, resolution = 'deleted in odoo' \
             WHERE order_uuid = $2 AND status = 'open'",
        )
        .bind(now_ms())
        .bind(order.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Takes Odoo's changes into the application, in one transaction, with
    /// an audit entry from Odoo's side and one per decided conflict.
    pub(crate) async fn apply_odoo(&self, order: Uuid, change: &OdooChange<'_>) -> Result<()> {
        let id = order.to_string();
        let now = now_ms();
        let before = self.order(order).await?;
        let mut tx = self.pool.begin().await?;
        if let Some(s) = change.state {
            sqlx::query("UPDATE orders SET state = $1 WHERE uuid = $2")
                .bind(s)
                .bind(&id)
                .execute(&mut *tx)
                .await?;
        }
        if let Some(r) = change.supplier_ref {
            // `updated_at` stays the application's own last change.
            sqlx::query(
                "UPDATE orders SET supplier_ref = $1, version = version + 1 WHERE uuid = $2",
            )
            .bind(r)
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(lines) = change.lines {
            sqlx::query("DELETE FROM order_lines WHERE order_uuid = $1")
                .bind(&id)
                .execute(&mut *tx)
                .await?;
            super::orders::insert_lines(&mut tx, &id, lines).await?;
            sqlx::query("UPDATE orders SET version = version + 1 WHERE uuid = $1")
                .bind(&id)
                .execute(&mut *tx)
                .await?;
        }
        let text = serde_json::to_string(change.snapshot).unwrap_or_default();
        let status = if change.push_again {
            "pending"
        } else {
            "synced"
        };
        sqlx::query(
            "UPDATE sync_state SET status = $1, snapshot = $2, odoo_write_date = $3, odoo_state = $4, \
             pending_snapshot = NULL, odoo_hash = NULL, updated_at = $5 WHERE order_uuid = $6",
        )
        .bind(status)
        .bind(&text)
        .bind(change.write_date.map(str::to_string))
        .bind(change.state.map(str::to_string))
        .bind(now)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        if change.push_again {
            crate::store::outbox::enqueue(&mut tx, &id, JobKind::Push, now).await?;
        }
        if let Some(take) = change.settles {
            sqlx::query(
                "UPDATE conflicts SET status = 'resolved', resolved_at = $1, resolution = $2 \
                 WHERE order_uuid = $3 AND status = 'open'",
            )
            .bind(now)
            .bind(take.as_str())
            .bind(&id)
            .execute(&mut *tx)
            .await?;
        }
        for d in change.decided {
            let detail = json!({
                "part": d.part.as_str(),
                "policy": d.policy.as_str(),
                "taken": d.take.as_str(),
                "at": d.at,
                "base": d.base,
            });
            let action = if change.settles.is_some() {
                "resolved"
            } else {
                // A conflict a policy decided is on record like a manual one.
                sqlx::query(
                    "INSERT INTO conflicts (order_uuid, field, base, app, odoo, policy, status, created_at, resolved_at, resolution) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'resolved', $7, $7, $8)",
                )
                .bind(&id)
                .bind(d.part.as_str())
                .bind(d.base.to_string())
                .bind(d.app.to_string())
                .bind(d.odoo.to_string())
                .bind(d.policy.as_str())
                .bind(now)
                .bind(d.take.as_str())
                .execute(&mut *tx)
                .await?;
                "conflict"
            };
            audit_sync(&mut tx, &id, action, (&d.app, &d.odoo), &detail, now).await?;
        }
        let before = before.map(|b| serde_json::to_string(&b).unwrap_or_default());
        crate::store::audit::record(
            &mut tx,
            &id,
            Origin::Odoo,
            "pulled",
            before,
            Some(text),
            None,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a conflict left for a choice; the order waits.
    pub(crate) async fn open_conflict(
        &self,
        order: Uuid,
        part: Part,
        base: &Value,
        app: &Value,
        odoo: &Value,
        next: &Snapshot,
    ) -> Result<()> {
        let now = now_ms();
        let id = order.to_string();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO conflicts (order_uuid, field, base, app, odoo, policy, status, created_at) \
             VALUES ($1, $2, $3, $4, $5, 'manual', 'open', $6)",
        )
        .bind(&id)
        .bind(part.as_str())
        .bind(base.to_string())
        .bind(app.to_string())
        .bind(odoo.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        // Odoo's version waits beside the snapshot until the choice.
        sqlx::query(
            "UPDATE sync_state SET status = 'conflict', pending_snapshot = $1, updated_at = $2 WHERE order_uuid = $3",
        )
        .bind(serde_json::to_string(next).unwrap_or_default())
        .bind(now)
        .bind(&id)
        .execute(&mut *tx)
        .await?;
        let detail = json!({"part": part.as_str(), "policy": "manual", "base": base});
        audit_sync(&mut tx, &id, "conflict", (app, odoo), &detail, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The open conflicts, oldest first.
    ///
    /// # Errors
    /// The store's error; [`Error::Corrupt`] for a row that is not one.
    pub async fn conflicts(&self) -> Result<Vec<OpenConflict>> {
        let rows = sqlx::query_as::<_, (String, String, String, String)>(
            "SELECT order_uuid, field, app, odoo FROM conflicts WHERE status = 'open' ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(order, part, app, odoo)| {
                Ok(OpenConflict {
                    order: Uuid::parse_str(&order).map_err(|e| Error::Corrupt {
                        what: "an order uuid",
                        source: e.into(),
                    })?,
                    part: Part::parse(&part).ok_or_else(|| Error::Corrupt {
                        what: "a conflict's part",
                        source: format!("{part:?} is not a part").into(),
                    })?,
                    app: serde_json::from_str(&app).unwrap_or(Value::Null),
                    odoo: serde_json::from_str(&odoo).unwrap_or(Value::Null),
                })
            })
            .collect()
    }

    /// The last synced snapshot of `order` and its Odoo id.
    pub(crate) async fn snapshot(&self, order: Uuid) -> Result<(Snapshot, Option<i64>)> {
        let row = sqlx::query_as::<_, (Option<String>, Option<i64>)>(
            "SELECT snapshot, odoo_id FROM sync_state WHERE order_uuid = $1",
        )
        .bind(order.to_string())
        .fetch_optional(&self.pool)
        .await?;
        let Some((text, odoo_id)) = row else {
            return Ok((Snapshot::default(), None));
        };
        let snapshot = match text {
            Some(t) => serde_json::from_str(&t).map_err(|e| crate::Error::Corrupt {
                what: "a sync snapshot",
                source: e.into(),
            })?,
            None => Snapshot::default(),
        };
        Ok((snapshot, odoo_id))
    }

    /// Records that Odoo holds `snapshot` as order `odoo_id`.
    pub(crate) async fn mark_synced(
        &self,
        order: Uuid,
        odoo_id: i64,
        snapshot: &Snapshot,
        write_date: Option<&str>,
        state: Option<&str>,
    ) -> Result<()> {
        let text = serde_json::to_string(snapshot).unwrap_or_default();
        let hash = format!("{:016x}", fnv1a(text.as_bytes()));
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE sync_state SET odoo_id = $1, status = 'synced', attempts = 0, last_error = NULL, \
             error_class = NULL, snapshot = $2, snapshot_hash = $3, odoo_write_date = $4, odoo_state = $5, \
             odoo_hash = NULL, updated_at = $6 WHERE order_uuid = $7",
        )
        .bind(odoo_id)
        .bind(&text)
        .bind(hash)
        .bind(write_date.map(str::to_string))
        .bind(state.map(str::to_string))
        .bind(now)
        .bind(order.to_string())
        .execute(&mut *tx)
        .await?;
        crate::store::audit::record(
            &mut tx,
            &order.to_string(),
            crate::store::audit::Origin::Sync,
            "pushed",
            None,
            Some(text),
            None,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a failed push on the order (`for_good`: it is failed).
    pub(crate) async fn mark_error(&self, order: Uuid, e: &JobError, for_good: bool) -> Result<()> {
        sqlx::query(
            "UPDATE sync_state SET status = CASE WHEN $1 = 1 THEN 'failed' ELSE status END, \
             attempts = attempts + 1, last_error = $2, error_class = $3, updated_at = $4 WHERE order_uuid = $5",
        )
        .bind(i64::from(for_good))
        .bind(&e.message)
        .bind(e.class.as_str())
        .bind(now_ms())
        .bind(order.to_string())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Odoo's `write_date` of the order when the sync last saw it.
    pub(crate) async fn base_write_date(&self, order: Uuid) -> Result<Option<String>> {
        let stamp: Option<Option<String>> =
            sqlx::query_scalar("SELECT odoo_write_date FROM sync_state WHERE order_uuid = $1")
                .bind(order.to_string())
                .fetch_optional(&self.pool)
                .await?;
        Ok(stamp.flatten())
    }
}

/// The sync's figures over some orders.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Figures {
    /// Jobs waiting.
    pub(crate) backlog: i64,
    /// When the oldest waiting job was queued (ms; 0 when none waits).
    pub(crate) oldest_job_ms: i64,
    /// Orders failed for good.
    pub(crate) failed: i64,
    /// Orders waiting for a conflict to be resolved.
    pub(crate) conflicts: i64,
}

impl Store {
    /// Backlog, oldest job, failures and conflicts of the orders of
    /// `suppliers` (all orders when `None`).
    pub(crate) async fn figures(&self, suppliers: Option<&[String]>) -> Result<Figures> {
        let listed = suppliers.unwrap_or_default();
        if suppliers.is_some() && listed.is_empty() {
            return Ok(Figures::default());
        }
        // The supplier filter, its parameters numbered from `first`.
        let only = |first: usize| match suppliers {
            None => String::new(),
            Some(list) => format!(
                " AND order_uuid IN (SELECT uuid FROM orders WHERE supplier_ref IN ({}))",
                super::placeholders(first, list.len())
            ),
        };
        let sql = format!(
            "SELECT COUNT(*), COALESCE(MIN(created_at), 0) FROM outbox WHERE done_at IS NULL{}",
            only(1)
        );
        let mut query = sqlx::query_as::<_, (i64, i64)>(&sql);
        for s in listed {
            query = query.bind(s.as_str());
        }
        let (backlog, oldest_job_ms) = query.fetch_one(&self.pool).await?;
        let mut figures = Figures {
            backlog,
            oldest_job_ms,
            ..Figures::default()
        };
        let sql = format!(
            "SELECT COUNT(*) FROM sync_state WHERE status = $1{}",
            only(2)
        );
        for (status, slot) in [
            ("failed", &mut figures.failed),
            ("conflict", &mut figures.conflicts),
        ] {
            let mut query = sqlx::query_scalar(&sql).bind(status);
            for s in listed {
                query = query.bind(s.as_str());
            }
            *slot = query.fetch_one(&self.pool).await?;
        }
        Ok(figures)
    }
}
