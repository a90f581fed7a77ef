//! The request audit: every authenticated request's principal, method,
//! route template (never the raw path, which may hold a secret), status
//! and request id, written to the store's `request_audit` table by one
//! background task in batches. The queue is bounded: when the
//! store falls behind, requests wait for room rather than lose entries.

use std::time::Duration;

use serde::Serialize;
use sqlx::AnyPool;
use tokio::sync::mpsc;

use crate::keys::now_ms;

struct Entry {
    at: i64,
    principal: String,
    method: String,
    path: String,
    status: u16,
    request_id: Option<String>,
}

/// One row of the request audit.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct AuditRow {
    /// When (ms since the Unix epoch).
    pub at: i64,
    /// `key:<id>` or `user:<name>`.
    pub principal: String,
    /// The HTTP method.
    pub method: String,
    /// The route's template (`/orders/{uuid}`), never the path as sent:
    /// a path may hold a secret (`/hooks/odoo/<token>`).
    pub path: String,
    /// The answer's status.
    pub status: i64,
    /// The request's id.
    pub request_id: Option<String>,
}

/// The sender side, cheap to clone.
#[derive(Debug, Clone)]
pub struct RequestAudit {
    tx: mpsc::Sender<Entry>,
    pool: AnyPool,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl RequestAudit {
    /// Starts the writer on `pool`, which also deletes entries older than
    /// `retention` once an hour (the table does not grow without bound).
    pub fn start(pool: AnyPool, retention: Duration) -> (Self, tokio::task::JoinHandle<()>) {
        let (tx, mut rx) = mpsc::channel::<Entry>(4096);
        let writer_pool = pool.clone();
        let task = tokio::spawn(async move {
            let mut batch = Vec::with_capacity(256);
            let mut pruned_at: Option<std::time::Instant> = None;
            while rx.recv_many(&mut batch, 256).await > 0 {
                if let Err(e) = write(&writer_pool, &batch).await {
                    tracing::error!(error = %e, lost = batch.len(), "the request audit could not be written");
                }
                batch.clear();
                if pruned_at.is_none_or(|t| t.elapsed() >= Duration::from_secs(3600)) {
                    pruned_at = Some(std::time::Instant::now());
                    match prune(&writer_pool, retention).await {
                        Ok(n) if n > 0 => {
                            tracing::info!(deleted = n, "old request audit entries deleted")
                        }
                        Ok(_) => {}
                        Err(e) => {
                            tracing::warn!(error = %e, "old request audit entries could not be deleted")
                        }
                    }
                }
            }
        });
        (Self { tx, pool }, task)
    }

    /// Records one request (waits for room when the writer is behind).
    pub async fn record(
        &self,
        principal: String,
        method: String,
        path: String,
        status: u16,
        request_id: Option<String>,
    ) {
        let _ = self
            .tx
            .send(Entry {
                at: now_ms(),
                principal,
                method,
                path,
                status,
                request_id,
            })
            .await;
    }

    /// The newest `limit` entries, newest first.
    ///
    /// # Errors
    /// The store's error.
    pub async fn recent(&self, limit: u32) -> anyhow::Result<Vec<AuditRow>> {
        Ok(sqlx::query_as::<_, AuditRow>(
            "SELECT at, principal, method, path, status, request_id FROM request_audit \
             ORDER BY id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }
}

/// Deletes the entries older than `retention`; how many.
async fn prune(pool: &AnyPool, retention: Duration) -> Result<u64, sqlx::Error> {
    let age = i64::try_from(retention.as_millis()).unwrap_or(i64::MAX);
    let done = sqlx::query("DELETE FROM request_audit WHERE at < $1")
        .bind(now_ms().saturating_sub(age))
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

async fn write(pool: &AnyPool, batch: &[Entry]) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    for e in batch {
        sqlx::query(
            "INSERT INTO request_audit (at, principal, method, path, status, request_id) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(e.at)
        .bind(&e.principal)
        .bind(&e.method)
        .bind(&e.path)
        .bind(i64::from(e.status))
        .bind(e.request_id.clone())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}
