//! Polling cursors: the (write_date, id) keysets a poll goes on from, and
//! when the last full comparison ran.

use super::Store;
use crate::error::Result;

/// The cursor of a poll that has seen nothing yet.
pub(crate) const EPOCH: &str = "1970-01-01 00:00:00";

impl Store {
    /// A poll cursor: the newest (write_date, id) seen.
    pub(crate) async fn cursor(&self, name: &str) -> Result<(String, i64)> {
        let row = sqlx::query_as::<_, (String, i64)>(
            "SELECT write_date, last_id FROM cursors WHERE name = $1",
        )
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.unwrap_or_else(|| (EPOCH.to_string(), 0)))
    }

    /// When the last full reconcile ran (ms since the epoch; 0: never).
    pub(crate) async fn last_reconcile(&self) -> Result<i64> {
        Ok(self.cursor("reconcile").await?.1)
    }

    /// Records a full reconcile at `at` (ms since the epoch).
    pub(crate) async fn set_last_reconcile(&self, at: i64) -> Result<()> {
        self.set_cursor("reconcile", &(EPOCH.to_string(), at)).await
    }

    /// Moves a cursor forward (never back).
    pub(crate) async fn set_cursor(&self, name: &str, at: &(String, i64)) -> Result<()> {
        let current = self.cursor(name).await?;
        if (at.0.as_str(), at.1) <= (current.0.as_str(), current.1) {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM cursors WHERE name = $1")
            .bind(name)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO cursors (name, write_date, last_id) VALUES ($1, $2, $3)")
            .bind(name)
            .bind(&at.0)
            .bind(at.1)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
