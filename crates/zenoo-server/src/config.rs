//! The configuration: a TOML file, then the environment
//! (`ZENOO_SERVER__SECTION__KEY`, e.g. `ZENOO_SERVER__ODOO__URL`), then
//! secret files (`ZENOO_SERVER__ODOO__PASSWORD_FILE=/run/secrets/odoo`, the
//! file's content without its final newline). Checked as a whole at start,
//! each error naming its key; secrets are [`SecretString`]s, never shown.
//!
//! ```
//! let config = zenoo_server::Config::from_toml(r#"
//!     [odoo]
//!     url = "https://odoo.example.com"
//!     database = "prod"
//!     login = "sync@example.com"
//!     api_key = "0123456789abcdef0123456789abcdef"
//!     [sync]
//!     webhook_token = "a-long-random-token-for-odoo"
//! "#).unwrap();
//! assert_eq!(config.listen.port(), 8080);
//! assert!(!format!("{config:?}").contains("0123456789abcdef"));
//! ```

use std::net::SocketAddr;
use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zenoo_sync::{MappingRules, Policy};

/// What serde and figment say is wrong, in plain words: an unknown key
/// with the nearest known one and the keys its section has, without the
/// backticks serde quotes names in.
fn reason(kind: &figment::error::Kind) -> String {
    use figment::error::Kind;
    match kind {
        Kind::UnknownField(name, known) => {
            let nearest = zenoo_rpc::suggest::closest(name, known.iter().copied())
                .map(|n| format!("; did you mean {n:?}?"))
                .unwrap_or_default();
            format!(
                "unknown key{nearest} (the keys here are {})",
                known.join(", ")
            )
        }
        other => other.to_string().replace('`', ""),
    }
}

/// The prefix of the environment variables read.
pub const ENV_PREFIX: &str = "ZENOO_SERVER__";

/// What is wrong with the configuration, and where.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {key}: {reason}")]
pub struct ConfigError {
    /// The key, dotted (`odoo.url`), or `(file)` for the file as a whole.
    pub key: String,
    /// What is wrong with it.
    pub reason: String,
}

impl ConfigError {
    pub(crate) fn new(key: &str, reason: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            reason: reason.into(),
        }
    }
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the HTTP service listens (default `127.0.0.1:8080`).
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// The Odoo server the sync talks to.
    pub odoo: OdooConfig,
    /// The sync's store.
    #[serde(default)]
    pub store: StoreConfig,
    /// How the sync runs.
    pub sync: SyncConfig,
    /// User tokens.
    #[serde(default)]
    pub auth: AuthConfig,
    /// Request limits.
    #[serde(default)]
    pub limits: LimitsConfig,
    /// The WebSocket's heartbeats and queue.
    #[serde(default)]
    pub events: EventsConfig,
    /// Signed outgoing webhooks.
    #[serde(default)]
    pub subscribers: Vec<SubscriberConfig>,
    /// A YAML file of declarative actions (`GET /actions`).
    #[serde(default)]
    pub actions_file: Option<std::path::PathBuf>,
    /// This instance's name among those sharing a store (default: host
    /// name and process id).
    #[serde(default)]
    pub instance: Option<String>,
    /// Days the request audit keeps an entry (default 90); older ones are
    /// deleted hourly.
    #[serde(default = "default_audit_days")]
    pub audit_retention_days: u64,
}

fn default_audit_days() -> u64 {
    90
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

/// The Odoo server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OdooConfig {
    /// Its URL (`http` or `https`).
    pub url: url::Url,
    /// The database.
    pub database: String,
    /// The user the sync acts as.
    pub login: String,
    /// The user's password (or `api_key`; exactly one).
    pub password: Option<SecretString>,
    /// An API key of the user (or `password`; exactly one).
    pub api_key: Option<SecretString>,
}

/// The sync's store.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// `sqlite://FILE` or `postgres://…` (default `sqlite://zenoo-server.db`).
    pub url: SecretString,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            url: SecretString::from("sqlite://zenoo-server.db"),
        }
    }
}

/// How the sync runs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncConfig {
    /// Seconds between polls of Odoo (default 30).
    #[serde(default = "default_poll")]
    pub poll_every_seconds: u64,
    /// How conflicts are decided (default `manual`).
    #[serde(default = "default_policy")]
    pub policy: Policy,
    /// The secret in the URL of Odoo's webhook (at least 16 characters).
    pub webhook_token: SecretString,
    /// Which Odoo field holds each reference.
    #[serde(default)]
    pub mapping: MappingRules,
    /// `/readyz` fails when the oldest waiting job is older than this many
    /// seconds (default 300).
    #[serde(default = "default_max_lag")]
    pub max_lag_seconds: u64,
    /// Days a finished outbox job is kept (default 7; the audit log keeps
    /// the history).
    #[serde(default = "default_keep_done")]
    pub keep_done_jobs_days: u64,
}

fn default_keep_done() -> u64 {
    7
}

fn default_max_lag() -> u64 {
    300
}

fn default_poll() -> u64 {
    30
}

fn default_policy() -> Policy {
    Policy::Manual
}

/// Which algorithm user tokens are signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum JwtAlgorithm {
    /// HMAC-SHA256 with `auth.jwt_secret`.
    HS256,
    /// RSA with `auth.jwt_public_key` (and `auth.jwt_private_key` to issue).
    RS256,
    /// Ed25519 with `auth.jwt_public_key` (and `auth.jwt_private_key`).
    EdDSA,
}

/// User tokens (JWT).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// `HS256` (default), `RS256` or `EdDSA`.
    pub jwt_algorithm: JwtAlgorithm,
    /// The HS256 secret (at least 32 bytes); none: API keys only.
    pub jwt_secret: Option<SecretString>,
    /// The RS256/EdDSA public key (PEM) tokens are checked with.
    pub jwt_public_key: Option<String>,
    /// The RS256/EdDSA private key (PEM) this server signs tokens with at
    /// login; none: tokens come from elsewhere.
    pub jwt_private_key: Option<SecretString>,
    /// The `iss` tokens must carry.
    pub issuer: String,
    /// The `aud` tokens must carry.
    pub audience: String,
    /// Clock skew allowed on `exp`/`nbf`, in seconds (default 30).
    pub leeway_seconds: u64,
    /// How long an access token from `/auth/login` lives (default 900 s).
    pub access_ttl_seconds: u64,
    /// How long a refresh token lives (default 14 days).
    pub refresh_ttl_seconds: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            jwt_algorithm: JwtAlgorithm::HS256,
            jwt_secret: None,
            jwt_public_key: None,
            jwt_private_key: None,
            issuer: "zenoo-server".into(),
            audience: "zenoo-server".into(),
            leeway_seconds: 30,
            access_ttl_seconds: 900,
            refresh_ttl_seconds: 14 * 24 * 3600,
        }
    }
}

/// A subscriber to the sync's events: each is POSTed to `url`, signed.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriberConfig {
    /// Where events are POSTed.
    pub url: url::Url,
    /// The HMAC-SHA256 key (at least 32 bytes), shared with the receiver.
    pub secret: SecretString,
    /// Which events (`created`, `synced`, `failed`, `conflict`, ...); none:
    /// all.
    #[serde(default)]
    pub events: Option<Vec<String>>,
}

/// Events: the WebSocket and the subscribers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventsConfig {
    /// Seconds between pings on `/ws` (default 15); a client silent for
    /// two of them is dropped.
    pub heartbeat_seconds: u64,
    /// Events a WebSocket client may have waiting before it is dropped as
    /// too slow (default 256)...
    pub queue: usize,
    /// ...for this long, in milliseconds (default 2000).
    pub grace_ms: u64,
    /// WebSockets open at once (default 1024); more are refused with 429.
    pub max_sockets: usize,
    /// WebSockets open at once with one key or user (default 16).
    pub max_sockets_per_principal: usize,
}

impl Default for EventsConfig {
    fn default() -> Self {
        Self {
            heartbeat_seconds: 15,
            queue: 256,
            grace_ms: 2000,
            max_sockets: 1024,
            max_sockets_per_principal: 16,
        }
    }
}

/// Request limits.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// The largest request body, in bytes (default 1 MiB).
    pub body_bytes: usize,
    /// Seconds a request may take (default 30).
    pub request_timeout_seconds: u64,
    /// Requests per minute from one IP address (default 600).
    pub per_ip_per_minute: u32,
    /// Requests per minute of one user (JWT) (default 1200).
    pub per_user_per_minute: u32,
    /// Requests per minute with one API key (default 1200).
    pub per_key_per_minute: u32,
    /// Refused requests within a minute after which the client is banned
    /// (default 60).
    pub ban_after: u32,
    /// How long a ban lasts, in seconds (default 300).
    pub ban_seconds: u64,
    /// Connections open at once (default 1024); more wait in the backlog.
    pub max_connections: usize,
    /// Connections open at once from one IP address, or one IPv6 /64
    /// (default 64); more are answered 429 and closed. Behind a proxy every
    /// client has the proxy's address: raise it there.
    pub max_connections_per_ip: usize,
    /// The largest request line and headers, in bytes (default 32768, at
    /// least 8192); larger ones are answered 431.
    pub max_header_bytes: usize,
    /// Seconds a client may take to send a request's headers, idle
    /// kept-alive connections included (default 30).
    pub header_timeout_seconds: u64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            body_bytes: 1 << 20,
            request_timeout_seconds: 30,
            per_ip_per_minute: 600,
            per_user_per_minute: 1200,
            per_key_per_minute: 1200,
            ban_after: 60,
            ban_seconds: 300,
            max_connections: 1024,
            max_connections_per_ip: 64,
            max_header_bytes: 32 * 1024,
            header_timeout_seconds: 30,
        }
    }
}

/// Secret-file variables (`…_FILE`) of `vars`: (dotted key, the file's
/// content).
fn secret_files(
    vars: impl Iterator<Item = (String, String)>,
) -> Result<Vec<(String, String)>, ConfigError> {
    let mut out = Vec::new();
    for (name, path) in vars {
        let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        let Some(key) = rest.strip_suffix("_FILE") else {
            continue;
        };
        let key = key.to_ascii_lowercase().replace("__", ".");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| ConfigError::new(&key, format!("{name}={path}: {e}")))?;
        let text = text.strip_suffix('\n').unwrap_or(&text);
        let text = text.strip_suffix('\r').unwrap_or(text);
        out.push((key, text.to_string()));
    }
    Ok(out)
}

impl Config {
    /// Reads `file` (if any), then the environment and secret files, and
    /// checks the result.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first key that is missing or wrong.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::new();
        if let Some(path) = file {
            if !path.is_file() {
                return Err(ConfigError::new(
                    "(file)",
                    format!("{} is not a readable file", path.display()),
                ));
            }
            figment = figment.merge(Toml::file(path));
        }
        figment = figment.merge(
            Env::prefixed(ENV_PREFIX)
                .filter(|k| !k.as_str().to_ascii_lowercase().ends_with("_file"))
                .split("__"),
        );
        for (key, value) in secret_files(std::env::vars())? {
            figment = figment.merge(Serialized::default(&key, value));
        }
        Self::extract(figment)
    }

    /// A configuration from TOML text alone (no environment), checked.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the first key that is missing or wrong.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        Self::extract(Figment::from(Toml::string(text)))
    }

    fn extract(figment: Figment) -> Result<Self, ConfigError> {
        let config: Self = figment.extract().map_err(|e| {
            let key = if e.path.is_empty() {
                "(file)".to_string()
            } else {
                e.path.join(".")
            };
            ConfigError::new(&key, reason(&e.kind))
        })?;
        config.check()?;
        Ok(config)
    }

    /// What serde cannot say: values that parse but make no sense.
    fn check(&self) -> Result<(), ConfigError> {
        if !matches!(self.odoo.url.scheme(), "http" | "https") {
            return Err(ConfigError::new(
                "odoo.url",
                format!("{:?} is not an http(s) URL", self.odoo.url.as_str()),
            ));
        }
        for (key, value) in [
            ("odoo.database", &self.odoo.database),
            ("odoo.login", &self.odoo.login),
        ] {
            if value.trim().is_empty() {
                return Err(ConfigError::new(key, "is empty"));
            }
        }
        match (&self.odoo.password, &self.odoo.api_key) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::new(
                    "odoo.api_key",
                    "give a password or an API key, not both",
                ));
            }
            (None, None) => {
                return Err(ConfigError::new(
                    "odoo.password",
                    "missing: give a password or an API key (odoo.api_key)",
                ));
            }
            _ => {}
        }
        let store = self.store.url.expose_secret();
        if !["sqlite:", "postgres://", "postgresql://"]
            .iter()
            .any(|p| store.starts_with(p))
        {
            return Err(ConfigError::new(
                "store.url",
                "is not sqlite://FILE or postgres://…",
            ));
        }
        if self.sync.webhook_token.expose_secret().chars().count() < 16 {
            return Err(ConfigError::new(
                "sync.webhook_token",
                "is shorter than 16 characters",
            ));
        }
        if let Some(secret) = &self.auth.jwt_secret
            && secret.expose_secret().len() < 32
        {
            return Err(ConfigError::new(
                "auth.jwt_secret",
                "is shorter than 32 bytes (HS256 needs at least its hash size)",
            ));
        }
        match self.auth.jwt_algorithm {
            JwtAlgorithm::HS256 if self.auth.jwt_public_key.is_some() => {
                return Err(ConfigError::new(
                    "auth.jwt_public_key",
                    "is for RS256 or EdDSA: set auth.jwt_algorithm, or use auth.jwt_secret",
                ));
            }
            JwtAlgorithm::RS256 | JwtAlgorithm::EdDSA if self.auth.jwt_public_key.is_none() => {
                return Err(ConfigError::new(
                    "auth.jwt_public_key",
                    format!(
                        "missing: {:?} needs a public key (PEM)",
                        self.auth.jwt_algorithm
                    ),
                ));
            }
            _ => {}
        }
        for (i, s) in self.subscribers.iter().enumerate() {
            if !matches!(s.url.scheme(), "http" | "https") {
                return Err(ConfigError::new(
                    &format!("subscribers.{i}.url"),
                    "is not an http(s) URL",
                ));
            }
            if s.secret.expose_secret().len() < 32 {
                return Err(ConfigError::new(
                    &format!("subscribers.{i}.secret"),
                    "is shorter than 32 bytes",
                ));
            }
        }
        if self.events.queue == 0 || self.events.heartbeat_seconds == 0 {
            return Err(ConfigError::new(
                "events",
                "queue and heartbeat_seconds must be at least 1",
            ));
        }
        if self.limits.max_header_bytes < 8192 {
            return Err(ConfigError::new(
                "limits.max_header_bytes",
                "must be at least 8192",
            ));
        }
        for (key, value) in [
            ("sync.poll_every_seconds", self.sync.poll_every_seconds),
            ("sync.max_lag_seconds", self.sync.max_lag_seconds),
            (
                "limits.body_bytes",
                u64::try_from(self.limits.body_bytes).unwrap_or(u64::MAX),
            ),
            (
                "limits.request_timeout_seconds",
                self.limits.request_timeout_seconds,
            ),
            (
                "limits.per_ip_per_minute",
                u64::from(self.limits.per_ip_per_minute),
            ),
            (
                "limits.per_user_per_minute",
                u64::from(self.limits.per_user_per_minute),
            ),
            (
                "limits.per_key_per_minute",
                u64::from(self.limits.per_key_per_minute),
            ),
            ("limits.ban_after", u64::from(self.limits.ban_after)),
            ("audit_retention_days", self.audit_retention_days),
            (
                "limits.max_connections",
                u64::try_from(self.limits.max_connections).unwrap_or(u64::MAX),
            ),
            (
                "limits.max_connections_per_ip",
                u64::try_from(self.limits.max_connections_per_ip).unwrap_or(u64::MAX),
            ),
            (
                "events.max_sockets",
                u64::try_from(self.events.max_sockets).unwrap_or(u64::MAX),
            ),
            (
                "events.max_sockets_per_principal",
                u64::try_from(self.events.max_sockets_per_principal).unwrap_or(u64::MAX),
            ),
            (
                "limits.header_timeout_seconds",
                self.limits.header_timeout_seconds,
            ),
            ("auth.access_ttl_seconds", self.auth.access_ttl_seconds),
            ("auth.refresh_ttl_seconds", self.auth.refresh_ttl_seconds),
        ] {
            if value == 0 {
                return Err(ConfigError::new(key, "must be at least 1"));
            }
        }
        Ok(())
    }
}
