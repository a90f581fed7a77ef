//! API keys: `zk_<id>_<secret>`, 256 random bits, shown once. The store
//! keeps the SHA-256 of the whole key (a high-entropy key needs no slow
//! hash), found by the public id and compared in constant time.

use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::AnyPool;
use subtle::ConstantTimeEq;

use crate::principal::{Kind, Principal, Scope};

/// The prefix of every key (so that scanners and people recognise one).
pub const PREFIX: &str = "zk_";

/// A key just made: the only time its secret is known.
#[derive(Debug)]
pub struct NewKey {
    /// Its public id.
    pub id: String,
    /// The whole key, to hand to its user.
    pub key: SecretString,
}

/// A key as `keys list` shows it: never its secret.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KeyInfo {
    /// Its public id.
    pub id: String,
    /// What it is for.
    pub name: String,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// The suppliers whose orders it may see; none: every order.
    pub suppliers: Option<Vec<String>>,
    /// When it was made (ms since the Unix epoch).
    pub created_at: i64,
    /// When it was revoked.
    pub revoked_at: Option<i64>,
    /// When it was last used.
    pub last_used_at: Option<i64>,
}

/// The API keys of one store.
#[derive(Debug, Clone)]
pub struct ApiKeys {
    pool: AnyPool,
}

pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Hex SHA-256 of `text`.
pub(crate) fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// `n` random bytes as unpadded base64url.
/// Random bytes as text, for tokens and secrets.
pub fn random_token(n: usize) -> String {
    use base64::Engine;
    let mut bytes = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl ApiKeys {
    /// The keys kept in `pool` (the store's database, migrated by
    /// [`crate::migrate`]).
    pub fn new(pool: AnyPool) -> Self {
        Self { pool }
    }

    /// Makes a key named `name` with `scopes`, limited to the orders of
    /// `suppliers` when given.
    ///
    /// # Errors
    /// The store's error; a key without scopes.
    pub async fn create(
        &self,
        name: &str,
        scopes: &[Scope],
        suppliers: Option<&[String]>,
    ) -> anyhow::Result<NewKey> {
        anyhow::ensure!(!scopes.is_empty(), "a key needs at least one scope");
        let mut id_bytes = [0u8; 6];
        rand::rngs::OsRng.fill_bytes(&mut id_bytes);
        let id = hex::encode(id_bytes);
        let key = format!("{PREFIX}{id}_{}", random_token(32));
        let suppliers = suppliers.map(|s| serde_json::to_string(s).unwrap_or_default());
        sqlx::query(
            "INSERT INTO api_keys (id, name, hash, scopes, suppliers, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(name)
        .bind(sha256_hex(&key))
        .bind(Scope::join(scopes))
        .bind(suppliers)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(NewKey {
            id,
            key: SecretString::from(key),
        })
    }

    /// Every key, newest first.
    ///
    /// # Errors
    /// The store's error.
    pub async fn list(&self) -> anyhow::Result<Vec<KeyInfo>> {
        let rows = sqlx::query_as::<_, KeyRow>(
            "SELECT id, name, scopes, suppliers, created_at, revoked_at, last_used_at \
             FROM api_keys ORDER BY created_at DESC, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(KeyInfo {
                    id: r.id,
                    name: r.name,
                    scopes: Scope::parse_list(&r.scopes).map_err(anyhow::Error::msg)?,
                    suppliers: r.suppliers.map(|s| serde_json::from_str(&s)).transpose()?,
                    created_at: r.created_at,
                    revoked_at: r.revoked_at,
                    last_used_at: r.last_used_at,
                })
            })
            .collect()
    }

    /// Revokes the key `id`; `false` when there is no such live key.
    ///
    /// # Errors
    /// The store's error.
    pub async fn revoke(&self, id: &str) -> anyhow::Result<bool> {
        let done =
            sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(now_ms())
                .bind(id)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Whether the key `id` exists and is not revoked.
    ///
    /// # Errors
    /// The store's error.
    pub async fn is_live(&self, id: &str) -> anyhow::Result<bool> {
        let row = sqlx::query("SELECT 1 FROM api_keys WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }

    /// The principal of `key`, if it is a live key of this store.
    ///
    /// # Errors
    /// The store's error.
    pub async fn authenticate(&self, key: &SecretString) -> anyhow::Result<Option<Principal>> {
        let key = key.expose_secret();
        let Some(rest) = key.strip_prefix(PREFIX) else {
            return Ok(None);
        };
        let Some((id, _secret)) = rest.split_once('_') else {
            return Ok(None);
        };
        if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(None);
        }
        let row = sqlx::query_as::<_, (String, String, Option<String>, Option<i64>)>(
            "SELECT hash, scopes, suppliers, last_used_at FROM api_keys \
             WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some((hash, scopes, suppliers, last_used)) = row else {
            return Ok(None);
        };
        if !bool::from(hash.as_bytes().ct_eq(sha256_hex(key).as_bytes())) {
            return Ok(None);
        }
        // To the minute, so that a busy key does not write on every
        // request; best effort: a lost stamp is no reason to refuse.
        let now = now_ms();
        if last_used.is_none_or(|t| now.saturating_sub(t) > 60_000) {
            let _ = sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(&self.pool)
                .await;
        }
        Ok(Some(Principal {
            subject: format!("key:{id}"),
            kind: Kind::ApiKey,
            scopes: Scope::parse_list(&scopes).map_err(anyhow::Error::msg)?,
            suppliers: suppliers.map(|s| serde_json::from_str(&s)).transpose()?,
            token_id: None,
            expires_at: None,
        }))
    }
}

/// A key as `api_keys` holds it.
#[derive(sqlx::FromRow)]
struct KeyRow {
    id: String,
    name: String,
    scopes: String,
    suppliers: Option<String>,
    created_at: i64,
    revoked_at: Option<i64>,
    last_used_at: Option<i64>,
}
