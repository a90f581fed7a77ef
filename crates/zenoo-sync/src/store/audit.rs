//! The audit log: every change applied on either side, with where it came
//! from, and every conflict with both versions and what decided it.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::{Any, Transaction};
use uuid::Uuid;

use crate::error::Result;
use crate::store::Store;

/// Where an audited change came from.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Origin {
    /// The application changed the order.
    App,
    /// Odoo's version was taken into the application.
    Odoo,
    /// The sync itself: a push, a conflict and its decision.
    Sync,
}

impl Origin {
    fn as_str(self) -> &'static str {
        match self {
            Self::App => "app",
            Self::Odoo => "odoo",
            Self::Sync => "sync",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "app" => Self::App,
            "odoo" => Self::Odoo,
            _ => Self::Sync,
        }
    }
}

/// One entry of the audit log.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// When (ms since the Unix epoch, the store's clock).
    pub at: i64,
    /// Who changed it.
    pub origin: Origin,
    /// `create`, `update` (application), `pushed`, `pulled`, `conflict`,
    /// `resolved`.
    pub action: String,
    /// The version before; for a conflict, the application's version.
    pub before: Option<Value>,
    /// The version after; for a conflict, Odoo's version.
    pub after: Option<Value>,
    /// For a conflict: the part, the policy, the side taken, where the
    /// sides collided and the last synced version.
    pub detail: Option<Value>,
}

/// Writes one entry in `tx`, the transaction of the change itself.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record(
    tx: &mut Transaction<'_, Any>,
    order: &str,
    origin: Origin,
    action: &str,
    before: Option<String>,
    after: Option<String>,
    detail: Option<String>,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit (order_uuid, origin, action, before, after, detail, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(order)
    .bind(origin.as_str())
    .bind(action)
    .bind(before)
    .bind(after)
    .bind(detail)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// The audit log of `order`, oldest first.
    ///
    /// # Errors
    /// The store's error.
    pub async fn audit(&self, order: Uuid) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query_as::<_, AuditRow>(
            "SELECT at, origin, action, before, after, detail FROM audit WHERE order_uuid = $1 ORDER BY id",
        )
        .bind(order.to_string())
        .fetch_all(&self.pool)
        .await?;
        let json = |t: Option<String>| t.and_then(|t| serde_json::from_str(&t).ok());
        Ok(rows
            .into_iter()
            .map(|r| AuditEntry {
                at: r.at,
                origin: Origin::parse(&r.origin),
                action: r.action,
                before: json(r.before),
                after: json(r.after),
                detail: json(r.detail),
            })
            .collect())
    }
}

/// One audit entry by the sync: the application's version before, Odoo's
/// after, and what was decided.
pub(crate) async fn audit_sync(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    order: &str,
    action: &str,
    versions: (&Value, &Value),
    detail: &Value,
    now: i64,
) -> Result<()> {
    let (app, odoo) = versions;
    crate::store::audit::record(
        tx,
        order,
        Origin::Sync,
        action,
        Some(app.to_string()),
        Some(odoo.to_string()),
        Some(detail.to_string()),
        now,
    )
    .await
}

/// One audit entry as stored.
#[derive(sqlx::FromRow)]
struct AuditRow {
    at: i64,
    origin: String,
    action: String,
    before: Option<String>,
    after: Option<String>,
    detail: Option<String>,
}
