//! Revocations that must reach every request and every open WebSocket, on
//! every instance sharing the store: access tokens revoked before their
//! expiry (a logout, a revoked refresh family) and API keys.
//!
//! Revoked tokens are kept in the store's `revoked_tokens` table until
//! they expire, and in memory on each instance, where every request with
//! a token checks its `jti` (a read lock and a hash lookup). Each instance
//! reads what others revoked (tokens, and keys revoked by any instance or
//! by `zenoo-server keys revoke`) every [`POLL`], and tells its WebSocket
//! sessions, which close.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use sqlx::AnyPool;
use tokio::sync::broadcast;

use crate::keys::now_ms;

/// How often an instance reads the revocations of others.
pub const POLL: Duration = Duration::from_secs(1);

/// How far back each read looks, so that clocks a little apart between
/// instances lose nothing (what was seen is not told twice).
const LOOKBACK_MS: i64 = 60_000;

/// Something revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revoked {
    /// The API key with this public id.
    Key(String),
    /// The access token with this `jti`.
    Token(String),
}

#[derive(Debug, Default)]
struct Seen {
    /// Revoked tokens' `jti` → expiry (ms since the epoch).
    tokens: HashMap<String, i64>,
    /// Keys told lately → when they were revoked.
    keys: HashMap<String, i64>,
}

/// This instance's view of the revocations.
#[derive(Debug, Clone)]
pub struct Revocations {
    seen: Arc<RwLock<Seen>>,
    tx: broadcast::Sender<Revoked>,
    pool: AnyPool,
}

impl Revocations {
    /// The revocations kept in `pool`.
    pub fn new(pool: AnyPool) -> Self {
        Self {
            seen: Arc::default(),
            tx: broadcast::channel(1024).0,
            pool,
        }
    }

    /// Whether the access token `jti` is revoked (the hot path: memory only).
    pub fn is_revoked(&self, jti: &str) -> bool {
        let seen = self.seen.read().unwrap_or_else(|e| e.into_inner());
        seen.tokens.contains_key(jti)
    }

    /// Revocations from now on, for a session to close on.
    pub fn subscribe(&self) -> broadcast::Receiver<Revoked> {
        self.tx.subscribe()
    }

    /// Revokes the access tokens `jtis` (each with its expiry, ms since the
    /// epoch): at once on this instance, within [`POLL`] on the others.
    ///
    /// # Errors
    /// The store's error.
    pub async fn revoke_tokens(&self, jtis: &[(String, i64)]) -> Result<(), sqlx::Error> {
        let now = now_ms();
        for (jti, expires_at) in jtis.iter().filter(|(_, exp)| *exp > now) {
            sqlx::query(
                "INSERT INTO revoked_tokens (jti, expires_at, revoked_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (jti) DO NOTHING",
            )
            .bind(jti)
            .bind(expires_at)
            .bind(now)
            .execute(&self.pool)
            .await?;
            self.note_token(jti, *expires_at);
        }
        Ok(())
    }

    /// Tells this instance's sessions that the key `id` is revoked (the
    /// others learn it from the store).
    pub fn key_revoked(&self, id: &str) {
        let fresh = {
            let mut seen = self.seen.write().unwrap_or_else(|e| e.into_inner());
            seen.keys.insert(id.to_string(), now_ms()).is_none()
        };
        if fresh {
            let _ = self.tx.send(Revoked::Key(id.to_string()));
        }
    }

    fn note_token(&self, jti: &str, expires_at: i64) {
        let fresh = {
            let mut seen = self.seen.write().unwrap_or_else(|e| e.into_inner());
            seen.tokens.insert(jti.to_string(), expires_at).is_none()
        };
        if fresh {
            let _ = self.tx.send(Revoked::Token(jti.to_string()));
        }
    }

    /// Reads what was revoked since `since` (ms) and forgets what expired;
    /// the next `since`.
    ///
    /// # Errors
    /// The store's error.
    pub async fn refresh(&self, since: i64) -> Result<i64, sqlx::Error> {
        let now = now_ms();
        let from = since.saturating_sub(LOOKBACK_MS);
        let tokens = sqlx::query_as::<_, (String, i64)>(
            "SELECT jti, expires_at FROM revoked_tokens WHERE revoked_at >= $1 AND expires_at > $2",
        )
        .bind(from)
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        for (jti, expires_at) in &tokens {
            self.note_token(jti, *expires_at);
        }
        let keys: Vec<String> =
            sqlx::query_scalar("SELECT id FROM api_keys WHERE revoked_at >= $1")
                .bind(from)
                .fetch_all(&self.pool)
                .await?;
        for id in &keys {
            self.key_revoked(id);
        }
        let mut seen = self.seen.write().unwrap_or_else(|e| e.into_inner());
        seen.tokens.retain(|_, exp| *exp > now);
        let horizon = now.saturating_sub(LOOKBACK_MS.saturating_mul(2));
        seen.keys.retain(|_, at| *at > horizon);
        Ok(now)
    }

    /// Loads every revoked token that has not expired.
    async fn load(&self) -> Result<(), sqlx::Error> {
        let rows = sqlx::query_as::<_, (String, i64)>(
            "SELECT jti, expires_at FROM revoked_tokens WHERE expires_at > $1",
        )
        .bind(now_ms())
        .fetch_all(&self.pool)
        .await?;
        let mut seen = self.seen.write().unwrap_or_else(|e| e.into_inner());
        seen.tokens.extend(rows);
        Ok(())
    }

    /// Deletes revoked tokens past their expiry; how many.
    ///
    /// # Errors
    /// The store's error.
    pub async fn prune(&self) -> Result<u64, sqlx::Error> {
        let done = sqlx::query("DELETE FROM revoked_tokens WHERE expires_at < $1")
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Loads the revoked tokens that have not expired, then reads the
    /// others' revocations every [`POLL`] until aborted.
    pub(crate) async fn start(&self) -> tokio::task::JoinHandle<()> {
        // Every token still live, whenever it was revoked.
        if let Err(e) = self.load().await {
            tracing::warn!(error = %e, "revoked tokens could not be read");
        }
        let mut since = now_ms();
        let this = self.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(POLL);
            let mut pruned = tokio::time::Instant::now();
            loop {
                every.tick().await;
                match this.refresh(since).await {
                    Ok(next) => since = next,
                    Err(e) => tracing::warn!(error = %e, "revocations could not be read"),
                }
                if pruned.elapsed() > Duration::from_secs(600) {
                    pruned = tokio::time::Instant::now();
                    if let Err(e) = this.prune().await {
                        tracing::warn!(error = %e, "expired revocations could not be deleted");
                    }
                }
            }
        })
    }
}
