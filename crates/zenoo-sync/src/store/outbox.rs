//! The outbox: jobs to Odoo, claimed with a lease, one order at a time.
//!
//! A job is claimable when it is not done, its time has come, nobody holds
//! a live lease on it, and it is the oldest unfinished job of its order:
//! so jobs of one order run in order and never two at once, whatever the
//! number of workers. A worker that dies keeps its jobs only until their
//! lease ends; finishing a job checks that the worker still holds it.

use std::time::Duration;

use sqlx::{Any, Transaction};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::store::{Backend, Store, now_ms};

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JobKind {
    /// Send the order's current state to Odoo (create or update).
    Push,
}

impl JobKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Push => "push",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        match s {
            "push" => Ok(Self::Push),
            other => Err(Error::Corrupt {
                what: "a job kind",
                source: format!("unexpected value {other:?}").into(),
            }),
        }
    }
}

/// A job a worker holds the lease of.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClaimedJob {
    /// The job.
    pub id: i64,
    /// Its order.
    pub order: Uuid,
    /// What it does.
    pub kind: JobKind,
    /// How many times it was claimed, this time included.
    pub attempts: i64,
}

/// Writes a job for `order` in the caller's transaction.
pub(crate) async fn enqueue(
    tx: &mut Transaction<'_, Any>,
    order: &str,
    kind: JobKind,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO outbox (order_uuid, kind, created_at, run_after, attempts) VALUES ($1, $2, $3, $3, 0)",
    )
    .bind(order)
    .bind(kind.as_str())
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Store {
    /// Claims up to `max` jobs for `worker`, each for `lease`.
    ///
    /// # Errors
    /// The store's error.
    pub async fn claim(&self, worker: &str, lease: Duration, max: i64) -> Result<Vec<ClaimedJob>> {
        let now = now_ms();
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE outbox SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT o.id FROM outbox o \
               WHERE o.done_at IS NULL AND o.run_after <= $3 \
                 AND (o.lease_until IS NULL OR o.lease_until < $3) \
                 AND NOT EXISTS (SELECT 1 FROM outbox p \
                   WHERE p.order_uuid = o.order_uuid AND p.done_at IS NULL AND p.id < o.id) \
               ORDER BY o.id LIMIT $4{lock}) \
             RETURNING id, order_uuid, kind, attempts"
        );
        let rows = sqlx::query_as::<_, JobRow>(&sql)
            .bind(worker)
            .bind(now.saturating_add(ms(lease)))
            .bind(now)
            .bind(max.max(0))
            .fetch_all(&self.pool)
            .await?;
        let mut jobs = rows
            .into_iter()
            .map(|r| {
                Ok(ClaimedJob {
                    id: r.id,
                    order: Uuid::parse_str(&r.order_uuid).map_err(|e| Error::Corrupt {
                        what: "an order uuid",
                        source: e.into(),
                    })?,
                    kind: JobKind::parse(&r.kind)?,
                    attempts: r.attempts,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        jobs.sort_by_key(|j| j.id);
        Ok(jobs)
    }

    /// Marks `job` done; `false` when `worker` no longer held its lease
    /// (it expired and another worker took the job).
    ///
    /// # Errors
    /// The store's error.
    pub async fn complete(&self, job: &ClaimedJob, worker: &str) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE outbox SET done_at = $1, done_by = $3, lease_owner = NULL, lease_until = NULL \
             WHERE id = $2 AND lease_owner = $3 AND done_at IS NULL",
        )
        .bind(now_ms())
        .bind(job.id)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Gives `job` back to run again after `wait`, recording `error`;
    /// `false` when `worker` no longer held its lease.
    ///
    /// # Errors
    /// The store's error.
    pub async fn retry_later(
        &self,
        job: &ClaimedJob,
        worker: &str,
        wait: Duration,
        error: &str,
    ) -> Result<bool> {
        let now = now_ms();
        let back = sqlx::query(
            "UPDATE outbox SET run_after = $1, lease_owner = NULL, lease_until = NULL, last_error = $2 \
             WHERE id = $3 AND lease_owner = $4 AND done_at IS NULL",
        )
        .bind(now.saturating_add(ms(wait)))
        .bind(error)
        .bind(job.id)
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(back.rows_affected() == 1)
    }

    /// Jobs not done yet.
    ///
    /// # Errors
    /// The store's error.
    pub async fn backlog(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE done_at IS NULL")
                .fetch_one(&self.pool)
                .await?,
        )
    }
}

impl Store {
    /// Makes every waiting job due at once (for tests and `zenoo sync retry`).
    ///
    /// # Errors
    /// The store's error.
    pub async fn make_all_due(&self) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE outbox SET run_after = 0 WHERE done_at IS NULL AND lease_owner IS NULL",
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}

impl Store {
    /// Gives back the jobs `worker` holds and has not finished, for another
    /// worker to take at once (a graceful stop); how many.
    ///
    /// # Errors
    /// The store's error.
    pub async fn release_leases(&self, worker: &str) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE outbox SET lease_owner = NULL, lease_until = NULL \
             WHERE lease_owner = $1 AND done_at IS NULL",
        )
        .bind(worker)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}

impl Store {
    /// Deletes jobs finished more than `age` ago (the outbox keeps what
    /// is still to do, not its history: the audit log has that); how many.
    ///
    /// # Errors
    /// The store's error.
    pub async fn prune_done(&self, age: Duration) -> Result<u64> {
        let age = i64::try_from(age.as_millis()).unwrap_or(i64::MAX);
        let done = sqlx::query("DELETE FROM outbox WHERE done_at IS NOT NULL AND done_at < $1")
            .bind(now_ms().saturating_sub(age))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}

/// A claimed job as the claim returns it.
#[derive(sqlx::FromRow)]
struct JobRow {
    id: i64,
    order_uuid: String,
    kind: String,
    attempts: i64,
}
