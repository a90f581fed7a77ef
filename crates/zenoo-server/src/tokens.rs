//! User tokens: JWTs checked for signature, expiry, `nbf`, audience and
//! issuer (with a configured clock skew), signed with HS256, RS256 or
//! EdDSA keys from the configuration; people log in with a password
//! (argon2id) and get a short access token and a refresh token that is
//! rotated at each use and can be revoked.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sqlx::AnyPool;

use crate::config::{AuthConfig, JwtAlgorithm};
use crate::keys::{now_ms, random_token, sha256_hex};
use crate::principal::{Kind, Principal, Scope};
use crate::revocation::Revocations;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user's name.
    pub sub: String,
    /// Who issued it.
    pub iss: String,
    /// Who it is for.
    pub aud: String,
    /// Expiry (seconds since the Unix epoch).
    pub exp: u64,
    /// Not before.
    #[serde(default)]
    pub nbf: Option<u64>,
    /// Issued at.
    #[serde(default)]
    pub iat: Option<u64>,
    /// Space-separated scopes.
    pub scope: String,
    /// The suppliers whose orders the user may see; none: every order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppliers: Option<Vec<String>>,
    /// The token's id, by which it is revoked (tokens from elsewhere may
    /// lack one: they live until they expire).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

/// Why a token was refused (said to the client only as "invalid token").
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Bad signature, expired, wrong audience or issuer, malformed.
    #[error("invalid token: {0}")]
    Invalid(String),
    /// JWTs are not configured.
    #[error("this server does not accept JWTs (auth.jwt_* not configured)")]
    NotConfigured,
    /// The store failed.
    #[error("the store: {0}")]
    Store(#[from] sqlx::Error),
}

/// An access token with its refresh token.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenPair {
    /// The JWT to send as `Authorization: Bearer …`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds the access token lives.
    pub expires_in: u64,
    /// Exchanged at `POST /auth/refresh` for a new pair (once).
    pub refresh_token: String,
}

/// Checks and issues tokens.
#[derive(Clone)]
pub struct Tokens {
    decoding: Option<DecodingKey>,
    encoding: Option<EncodingKey>,
    algorithm: Algorithm,
    validation: Validation,
    issuer: String,
    audience: String,
    access_ttl: u64,
    refresh_ttl: u64,
    pool: AnyPool,
    revocations: Revocations,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("algorithm", &self.algorithm)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

fn seconds_now() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0)
}

impl Tokens {
    /// Keys and rules from `config`; users and refresh tokens in `pool`.
    ///
    /// # Errors
    /// A key that does not parse, naming its configuration key.
    pub fn new(config: &AuthConfig, pool: AnyPool) -> Result<Self, crate::ConfigError> {
        let bad = |key: &str, e: jsonwebtoken::errors::Error| {
            crate::ConfigError::new(key, format!("is not a usable key: {e}"))
        };
        let (algorithm, decoding, encoding) = match config.jwt_algorithm {
            JwtAlgorithm::HS256 => {
                let secret = config
                    .jwt_secret
                    .as_ref()
                    .map(|s| s.expose_secret().as_bytes());
                let decoding = secret
                    .map(DecodingKey::from_secret)
                    .transpose()
                    .map_err(|e| bad("auth.jwt_secret", e))?;
                let encoding = secret
                    .map(EncodingKey::from_secret)
                    .transpose()
                    .map_err(|e| bad("auth.jwt_secret", e))?;
                (Algorithm::HS256, decoding, encoding)
            }
            JwtAlgorithm::RS256 | JwtAlgorithm::EdDSA => {
                let rsa = config.jwt_algorithm == JwtAlgorithm::RS256;
                let decoding = match &config.jwt_public_key {
                    Some(pem) if rsa => Some(
                        DecodingKey::from_rsa_pem(pem.as_bytes())
                            .map_err(|e| bad("auth.jwt_public_key", e))?,
                    ),
                    Some(pem) => Some(
                        DecodingKey::from_ed_pem(pem.as_bytes())
                            .map_err(|e| bad("auth.jwt_public_key", e))?,
                    ),
                    None => None,
                };
                let encoding = match &config.jwt_private_key {
                    Some(pem) if rsa => Some(
                        EncodingKey::from_rsa_pem(pem.expose_secret().as_bytes())
                            .map_err(|e| bad("auth.jwt_private_key", e))?,
                    ),
                    Some(pem) => Some(
                        EncodingKey::from_ed_pem(pem.expose_secret().as_bytes())
                            .map_err(|e| bad("auth.jwt_private_key", e))?,
                    ),
                    None => None,
                };
                let algorithm = if rsa {
                    Algorithm::RS256
                } else {
                    Algorithm::EdDSA
                };
                (algorithm, decoding, encoding)
            }
        };
        let mut validation = Validation::new(algorithm);
        validation.leeway = config.leeway_seconds;
        validation.validate_nbf = true;
        validation.set_audience(&[&config.audience]);
        validation.set_issuer(&[&config.issuer]);
        validation.set_required_spec_claims(&["exp", "sub", "aud", "iss"]);
        Ok(Self {
            decoding,
            encoding,
            algorithm,
            validation,
            issuer: config.issuer.clone(),
            audience: config.audience.clone(),
            access_ttl: config.access_ttl_seconds,
            refresh_ttl: config.refresh_ttl_seconds,
            revocations: Revocations::new(pool.clone()),
            pool,
        })
    }

    /// The revoked tokens and keys this instance knows of.
    pub fn revocations(&self) -> &Revocations {
        &self.revocations
    }

    /// Whether this server issues tokens (it holds a signing key).
    pub fn issues(&self) -> bool {
        self.encoding.is_some()
    }

    /// The principal of the access token `token`.
    ///
    /// # Errors
    /// [`TokenError::Invalid`] for any token that is not good now:
    /// forged, expired, for another audience, or revoked.
    pub fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        let key = self.decoding.as_ref().ok_or(TokenError::NotConfigured)?;
        let data = jsonwebtoken::decode::<Claims>(token, key, &self.validation)
            .map_err(|e| TokenError::Invalid(e.to_string()))?;
        let claims = data.claims;
        if let Some(jti) = &claims.jti
            && self.revocations.is_revoked(jti)
        {
            return Err(TokenError::Invalid("the token is revoked".into()));
        }
        let scopes = Scope::parse_list(&claims.scope).map_err(TokenError::Invalid)?;
        Ok(Principal {
            subject: format!("user:{}", claims.sub),
            kind: Kind::User,
            scopes,
            suppliers: claims.suppliers,
            token_id: claims.jti,
            expires_at: Some(claims.exp),
        })
    }

    /// Revokes the access token `principal` came with, if it has an id
    /// (a logout sends it); `false` otherwise (an API key, a token from
    /// elsewhere without `jti`).
    ///
    /// # Errors
    /// The store's error.
    pub async fn revoke_access(&self, principal: &Principal) -> Result<bool, TokenError> {
        let (Some(jti), Some(exp)) = (&principal.token_id, principal.expires_at) else {
            return Ok(false);
        };
        let exp = i64::try_from(exp.saturating_mul(1000)).unwrap_or(i64::MAX);
        let until = exp.saturating_add(self.leeway_ms());
        self.revocations
            .revoke_tokens(&[(jti.clone(), until)])
            .await?;
        Ok(true)
    }

    fn leeway_ms(&self) -> i64 {
        i64::try_from(self.validation.leeway.saturating_mul(1000)).unwrap_or(i64::MAX)
    }

    /// A signed access token for `sub` (for tests and for the login).
    ///
    /// # Errors
    /// [`TokenError::NotConfigured`] without a signing key.
    pub fn issue(
        &self,
        sub: &str,
        scopes: &[Scope],
        suppliers: Option<Vec<String>>,
    ) -> Result<String, TokenError> {
        self.issue_with_id(sub, scopes, suppliers)
            .map(|(token, _, _)| token)
    }

    /// A signed access token with its `jti` and expiry (seconds).
    fn issue_with_id(
        &self,
        sub: &str,
        scopes: &[Scope],
        suppliers: Option<Vec<String>>,
    ) -> Result<(String, String, u64), TokenError> {
        let key = self.encoding.as_ref().ok_or(TokenError::NotConfigured)?;
        let now = seconds_now();
        let jti = random_token(16);
        let claims = Claims {
            sub: sub.into(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: now.saturating_add(self.access_ttl),
            nbf: Some(now),
            iat: Some(now),
            scope: Scope::join(scopes),
            suppliers,
            jti: Some(jti.clone()),
        };
        let token = jsonwebtoken::encode(&Header::new(self.algorithm), &claims, key)
            .map_err(|e| TokenError::Invalid(e.to_string()))?;
        Ok((token, jti, claims.exp))
    }

    /// Adds (or replaces) the user `name` with `password` (argon2id).
    ///
    /// # Errors
    /// The store's error; a password shorter than 12 characters.
    pub async fn add_user(
        &self,
        name: &str,
        password: &SecretString,
        scopes: &[Scope],
        suppliers: Option<&[String]>,
    ) -> anyhow::Result<()> {
        anyhow::ensure!(
            password.expose_secret().chars().count() >= 12,
            "a password needs at least 12 characters"
        );
        anyhow::ensure!(!scopes.is_empty(), "a user needs at least one scope");
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let hash = argon2::Argon2::default()
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?
            .to_string();
        let suppliers = suppliers.map(|s| serde_json::to_string(s).unwrap_or_default());
        sqlx::query("DELETE FROM users WHERE name = $1")
            .bind(name)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO users (name, password_hash, scopes, suppliers, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(name)
        .bind(hash)
        .bind(Scope::join(scopes))
        .bind(suppliers)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Checks `name`'s `password`; a new token pair when it is right.
    ///
    /// # Errors
    /// [`TokenError::Invalid`] for an unknown user or a wrong password (the
    /// same message for both).
    pub async fn login(&self, name: &str, password: &str) -> Result<TokenPair, TokenError> {
        let row: Option<String> = sqlx::query_scalar(
            "SELECT password_hash FROM users WHERE name = $1 AND disabled_at IS NULL",
        )
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        let wrong = || TokenError::Invalid("wrong user name or password".into());
        let Some(stored) = row else {
            // The same work as for a real user, so timing does not say
            // which names exist.
            let _ = hash_dummy(password);
            return Err(wrong());
        };
        let parsed = PasswordHash::new(&stored).map_err(|_| wrong())?;
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .map_err(|_| wrong())?;
        self.pair(name, &random_token(16)).await
    }

    /// A new pair for a valid `refresh` token, which is used up; a used
    /// token presented again revokes its whole family (it was stolen).
    ///
    /// # Errors
    /// [`TokenError::Invalid`] for an unknown, expired, used or revoked token.
    pub async fn refresh(&self, refresh: &str) -> Result<TokenPair, TokenError> {
        let hash = sha256_hex(refresh);
        let now = now_ms();
        let row = sqlx::query_as::<_, (String, String, i64, Option<i64>, Option<i64>)>(
            "SELECT user_name, family, expires_at, used_at, revoked_at FROM refresh_tokens \
             WHERE hash = $1",
        )
        .bind(&hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some((user, family, expires, used, revoked)) = row else {
            return Err(TokenError::Invalid("unknown refresh token".into()));
        };
        if used.is_some() {
            self.revoke_family(&family).await?;
            return Err(TokenError::Invalid(
                "refresh token already used: its family is revoked".into(),
            ));
        }
        if revoked.is_some() || expires <= now {
            return Err(TokenError::Invalid(
                "refresh token revoked or expired".into(),
            ));
        }
        let done = sqlx::query(
            "UPDATE refresh_tokens SET used_at = $1 WHERE hash = $2 AND used_at IS NULL",
        )
        .bind(now)
        .bind(&hash)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() != 1 {
            return Err(TokenError::Invalid("refresh token already used".into()));
        }
        self.pair(&user, &family).await
    }

    /// Revokes `refresh` and every token of its family; `false` when it is
    /// unknown.
    ///
    /// # Errors
    /// The store's error.
    pub async fn revoke(&self, refresh: &str) -> Result<bool, TokenError> {
        let family: Option<String> =
            sqlx::query_scalar("SELECT family FROM refresh_tokens WHERE hash = $1")
                .bind(sha256_hex(refresh))
                .fetch_optional(&self.pool)
                .await?;
        let Some(family) = family else {
            return Ok(false);
        };
        self.revoke_family(&family).await?;
        Ok(true)
    }

    /// Deletes refresh tokens expired for more than a day (a replayed one
    /// is refused as unknown then, as an expired one is); how many.
    ///
    /// # Errors
    /// The store's error.
    pub async fn prune_expired(&self) -> Result<u64, TokenError> {
        let done = sqlx::query("DELETE FROM refresh_tokens WHERE expires_at < $1")
            .bind(now_ms().saturating_sub(86_400_000))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Revokes every refresh token of `family` and the access tokens they
    /// gave out.
    async fn revoke_family(&self, family: &str) -> Result<(), TokenError> {
        let now = now_ms();
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = $1 WHERE family = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(family)
        .execute(&self.pool)
        .await?;
        let rows = sqlx::query_as::<_, (String, i64)>(
            "SELECT access_jti, access_expires_at FROM refresh_tokens \
             WHERE family = $1 AND access_jti IS NOT NULL AND access_expires_at > $2",
        )
        .bind(family)
        .bind(now.saturating_sub(self.leeway_ms()))
        .fetch_all(&self.pool)
        .await?;
        let mut live = Vec::with_capacity(rows.len());
        for (jti, exp) in rows {
            live.push((jti, exp.saturating_add(self.leeway_ms())));
        }
        self.revocations.revoke_tokens(&live).await?;
        Ok(())
    }

    async fn pair(&self, user: &str, family: &str) -> Result<TokenPair, TokenError> {
        let row = sqlx::query_as::<_, (String, Option<String>)>(
            "SELECT scopes, suppliers FROM users WHERE name = $1 AND disabled_at IS NULL",
        )
        .bind(user)
        .fetch_optional(&self.pool)
        .await?;
        let Some((scopes, suppliers)) = row else {
            return Err(TokenError::Invalid("the user is disabled".into()));
        };
        let scopes = Scope::parse_list(&scopes).map_err(TokenError::Invalid)?;
        let suppliers = suppliers.and_then(|s| serde_json::from_str(&s).ok());
        let (access_token, jti, exp) = self.issue_with_id(user, &scopes, suppliers)?;
        let refresh_token = random_token(32);
        let now = now_ms();
        let ttl = i64::try_from(self.refresh_ttl.saturating_mul(1000)).unwrap_or(i64::MAX);
        sqlx::query(
            "INSERT INTO refresh_tokens \
             (hash, user_name, family, created_at, expires_at, access_jti, access_expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(sha256_hex(&refresh_token))
        .bind(user)
        .bind(family)
        .bind(now)
        .bind(now.saturating_add(ttl))
        .bind(jti)
        .bind(i64::try_from(exp.saturating_mul(1000)).unwrap_or(i64::MAX))
        .execute(&self.pool)
        .await?;
        Ok(TokenPair {
            access_token,
            token_type: "Bearer",
            expires_in: self.access_ttl,
            refresh_token,
        })
    }
}

fn hash_dummy(password: &str) -> Option<String> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .ok()
        .map(|h| h.to_string())
}
