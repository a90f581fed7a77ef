//! `ClientBuilder`: validates the configuration once, detects the version,
//! picks the protocol and asks it to log in, loads the user's context and
//! assembles the layer stack.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::SecretString;
use serde_json::{Map, Value};
use tower::{Layer, Service};
use tracing::Instrument;

use crate::cache::CacheConfig;
use crate::call::Call;
use crate::client::{Client, ClientInner};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::protocol::{Credentials, ProtocolKind, WebSession, Wire};
use crate::response::Response;
use crate::transport::balance::{Balance, Endpoint, Role};
use crate::transport::breaker::BreakerPolicy;
use crate::transport::http::{Transport, TransportConfig, redact_str};
use crate::transport::retry::{Attempted, RetryPolicy, repeat};
use crate::transport::stack::{BoxService, ProtocolService, StackLayer};
use crate::version::ServerVersion;
use std::num::NonZeroU32;

pub use crate::transport::http::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_SIZE, DEFAULT_TIMEOUT,
};

#[derive(Debug)]
enum Secret {
    None,
    Password(SecretString),
    ApiKey(SecretString),
}

/// Configures a [`Client`]. Setters never fail; [`ClientBuilder::build`]
/// validates everything once.
///
/// Credentials belong here, never in the URL: a URL's userinfo
/// (`http://user:pw@host`) is sent as HTTP basic authentication (for a
/// proxy in front of Odoo) and shown as `***` in every message.
#[must_use]
pub struct ClientBuilder {
    url: String,
    database: Option<String>,
    login: Option<String>,
    secret: Secret,
    protocol: ProtocolKind,
    connect_timeout: Duration,
    timeout: Duration,
    max_response_size: usize,
    user_agent: String,
    headers: Vec<(String, String)>,
    context: Context,
    layers: Vec<StackLayer>,
    retry: RetryPolicy,
    breaker: Option<BreakerPolicy>,
    cache: Option<CacheConfig>,
    max_concurrency: Option<usize>,
    rate_limit: Option<NonZeroU32>,
    pool_max_idle_per_host: usize,
    pool_idle_timeout: Option<Duration>,
    /// Further servers, with their role.
    servers: Vec<(String, Role)>,
    balance: Balance,
    down_for: Duration,
    health_check: Option<Duration>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("url", &redact_str(&self.url))
            .field("database", &self.database)
            .field("login", &self.login)
            .field("protocol", &self.protocol)
            .field("timeout", &self.timeout)
            .field("layers", &self.layers.len())
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    pub(crate) fn new(url: &str) -> Self {
        Self {
            url: url.to_string(),
            database: None,
            login: None,
            secret: Secret::None,
            protocol: ProtocolKind::Auto,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
            user_agent: format!("zenoo-rpc/{}", env!("CARGO_PKG_VERSION")),
            headers: Vec::new(),
            context: Context::new(),
            layers: Vec::new(),
            retry: RetryPolicy::default(),
            breaker: Some(BreakerPolicy::default()),
            cache: None,
            max_concurrency: None,
            rate_limit: None,
            pool_max_idle_per_host: usize::MAX,
            pool_idle_timeout: Some(Duration::from_secs(60)),
            servers: Vec::new(),
            balance: Balance::default(),
            down_for: Duration::from_secs(10),
            health_check: None,
        }
    }

    /// Caches read results: see [`crate::cache`]. Off by default.
    pub fn cache(mut self, config: CacheConfig) -> Self {
        self.cache = Some(config);
        self
    }

    /// When failed calls are repeated (default [`RetryPolicy::default`]:
    /// reads and calls marked idempotent, 4 attempts, full-jitter backoff).
    /// [`RetryPolicy::none`] turns retries off. See [`crate::transport::retry`].
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The circuit breaker of each server (default [`BreakerPolicy::default`]);
    /// `None` turns it off. See [`crate::transport::breaker`].
    pub fn circuit_breaker(mut self, policy: Option<BreakerPolicy>) -> Self {
        self.breaker = policy;
        self
    }

    /// At most `n` calls of this client (and its clones) in flight at once;
    /// further calls wait their turn. Set it at or under the server's
    /// worker count (Odoo's threaded server serves as many requests at once
    /// as it has threads, a prefork server as many as `--workers`). Default:
    /// no limit.
    pub fn max_concurrency(mut self, n: usize) -> Self {
        self.max_concurrency = Some(n.max(1));
        self
    }

    /// At most `per_second` calls start each second on each server (bursts
    /// of as many); further calls wait. For hosted plans that throttle.
    /// `0` turns the limit off (the default).
    pub fn rate_limit(mut self, per_second: u32) -> Self {
        self.rate_limit = NonZeroU32::new(per_second);
        self
    }

    /// Idle connections kept per host (default: no cap).
    pub fn pool_max_idle_per_host(mut self, n: usize) -> Self {
        self.pool_max_idle_per_host = n;
        self
    }

    /// How long an idle pooled connection is kept (default 60 s; `None`
    /// keeps it until the server closes it).
    pub fn pool_idle_timeout(mut self, d: Option<Duration>) -> Self {
        self.pool_idle_timeout = d;
        self
    }

    /// Another server of the same database, logged into with the same
    /// credentials, sharing the calls with the first (see [`crate::transport::balance`]).
    pub fn server(mut self, url: impl Into<String>) -> Self {
        self.servers.push((url.into(), Role::Primary));
        self
    }

    /// A read replica: calls that are safe to repeat go to the replicas
    /// first; writes never do.
    pub fn read_replica(mut self, url: impl Into<String>) -> Self {
        self.servers.push((url.into(), Role::Replica));
        self
    }

    /// How a server is picked among several (default round-robin).
    pub fn balance(mut self, balance: Balance) -> Self {
        self.balance = balance;
        self
    }

    /// How long a server whose connection failed is left out (default 10 s).
    pub fn down_for(mut self, d: Duration) -> Self {
        self.down_for = d;
        self
    }

    /// Asks each server for its version every `interval` and marks it up
    /// or down by the answer (default: no active check).
    pub fn health_check(mut self, interval: Duration) -> Self {
        self.health_check = Some(interval.max(Duration::from_millis(10)));
        self
    }

    /// The database name.
    pub fn database(mut self, name: impl Into<String>) -> Self {
        self.database = Some(name.into());
        self
    }

    /// Log in with a login and password.
    pub fn password(mut self, login: impl Into<String>, password: impl Into<String>) -> Self {
        self.login = Some(login.into());
        self.secret = Secret::Password(SecretString::from(password.into()));
        self
    }

    /// Log in with a login and API key (required for JSON-2).
    pub fn api_key(mut self, login: impl Into<String>, key: impl Into<String>) -> Self {
        self.login = Some(login.into());
        self.secret = Secret::ApiKey(SecretString::from(key.into()));
        self
    }

    /// The protocol (default [`ProtocolKind::Auto`]).
    pub fn protocol(mut self, protocol: ProtocolKind) -> Self {
        self.protocol = protocol;
        self
    }

    /// Connect timeout (default [`DEFAULT_CONNECT_TIMEOUT`], 10 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Whole-request timeout: connecting, sending and reading the whole
    /// response (default [`DEFAULT_TIMEOUT`], 120 s). Streamed dumps get it
    /// for the response head and again for each chunk.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// The largest response body read for decoding (default
    /// [`DEFAULT_MAX_RESPONSE_SIZE`], 256 MiB); a larger one fails with
    /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge)
    /// as soon as it is seen. Streamed paths (dumps) are not capped.
    pub fn max_response_size(mut self, bytes: usize) -> Self {
        self.max_response_size = bytes;
        self
    }

    /// Wraps the client's layer stack in `layer`, a `tower::Layer` over
    /// [`BoxService`] (the stack so far). Layers added first are outermost.
    /// A layer sees every [`Call`] (model, method, whether it is idempotent,
    /// its effective context) and its [`Response`] or [`Error`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> zenoo_rpc::Result<()> {
    /// # let sim = zenoo_sim::Sim::builder().start().await.expect("sim");
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use zenoo_rpc::{BoxService, Call, Client};
    ///
    /// // Counts the calls that are safe to repeat.
    /// let reads = Arc::new(AtomicUsize::new(0));
    /// let seen = reads.clone();
    /// let count = tower::layer::layer_fn(move |inner: BoxService| {
    ///     let seen = seen.clone();
    ///     tower::service_fn(move |call: Call| {
    ///         if call.is_idempotent() {
    ///             seen.fetch_add(1, Ordering::Relaxed);
    ///         }
    ///         let mut inner = inner.clone();
    ///         async move { tower::Service::call(&mut inner, call).await }
    ///     })
    /// });
    /// let client = Client::builder(&sim.url())
    ///     .database("demo")
    ///     .password("admin", "admin")
    ///     .layer(count)
    ///     .build()
    ///     .await?;
    /// let before = reads.load(Ordering::Relaxed);
    /// client.search_count("res.partner", serde_json::json!([])).await?;
    /// assert_eq!(reads.load(Ordering::Relaxed), before + 1);
    /// # Ok(()) }
    /// ```
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<BoxService> + Send + Sync + 'static,
        L::Service:
            Service<Call, Response = Response, Error = Error> + Clone + Send + Sync + 'static,
        <L::Service as Service<Call>>::Future: Send + 'static,
    {
        self.layers
            .push(Arc::new(move |inner| BoxService::new(layer.layer(inner))));
        self
    }

    /// User agent (default `zenoo-rpc/<version>`).
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// An extra header sent with every request.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Context sent with every call, under the user's and the call's own.
    pub fn context(mut self, ctx: Context) -> Self {
        self.context = ctx;
        self
    }

    /// Validates the configuration, detects the server version, picks the
    /// protocol and logs in, and loads the user's context
    /// (`res.users.context_get`).
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) for a bad URL, missing database or credentials, or
    /// JSON-2 without an API key; an [`ErrorKind::Odoo`](crate::ErrorKind::Odoo) error with kind `AccessDenied`
    /// for bad credentials; transport errors when the server is unreachable.
    pub async fn build(self) -> Result<Client> {
        let url = parse_url(&self.url)?;
        let db = self
            .database
            .clone()
            .filter(|d| !d.is_empty())
            .ok_or_else(|| {
                Error::config("database", "no database name; call .database(\"...\")")
            })?;
        let login = self
            .login
            .clone()
            .filter(|l| !l.is_empty())
            .ok_or_else(|| {
                Error::config(
                    "credentials",
                    "no login; call .password(login, pw) or .api_key(login, key)",
                )
            })?;
        let mut headers = HeaderMap::new();
        for (k, v) in &self.headers {
            let name = HeaderName::from_bytes(k.as_bytes()).map_err(|_| {
                Error::config("header", format!("{k:?} is not a valid header name"))
            })?;
            let value = HeaderValue::from_str(v).map_err(|_| {
                Error::config(
                    "header",
                    format!("the value of {k:?} is not a valid header value"),
                )
            })?;
            headers.insert(name, value);
        }
        let config = TransportConfig {
            connect_timeout: self.connect_timeout,
            timeout: self.timeout,
            max_response_size: self.max_response_size,
            user_agent: self.user_agent.clone(),
            headers,
            pool_max_idle_per_host: self.pool_max_idle_per_host,
            pool_idle_timeout: self.pool_idle_timeout,
        };
        let transport = Transport::new(&url, &config)?;
        let creds = match &self.secret {
            Secret::Password(s) => Credentials {
                db,
                login,
                secret: s.clone(),
                is_api_key: false,
            },
            Secret::ApiKey(s) => Credentials {
                db,
                login,
                secret: s.clone(),
                is_api_key: true,
            },
            Secret::None => return Err(Error::config("credentials", "no password or API key")),
        };
        let span = tracing::debug_span!("odoo.login", url = %transport.base(), db = %creds.db);
        // Start-up follows the calls' retry policy: asking the version,
        // logging in and reading the user's context are all safe to repeat.
        let login = Attempted {
            label: "login",
            model: "common",
            method: "login",
            safe: true,
        };
        let (wire, version) = repeat(&self.retry, &login, || {
            log_in(self.protocol, transport.clone(), &creds)
        })
        .instrument(span)
        .await?;
        let default_context = self.context.clone();
        // The user's context, read before the client exists so that it is
        // never patched in afterwards.
        let ctx_call = Call::new("res.users", "context_get").context(default_context.clone());
        let context_get = Attempted {
            label: "res.users.context_get",
            model: "res.users",
            method: "context_get",
            safe: true,
        };
        let mut user_ctx: Map<String, Value> =
            repeat(&self.retry, &context_get, || wire.call(&ctx_call))
                .await?
                .decode()?;
        user_ctx.remove("uid");
        let wire = Arc::new(wire);
        let mut endpoints = vec![self.endpoint(
            transport.clone(),
            Role::Primary,
            BoxService::new(ProtocolService { wire: wire.clone() }),
        )];
        for (extra, role) in &self.servers {
            let url = parse_url(extra)?;
            let t = Transport::new(&url, &config)?;
            let span = tracing::debug_span!("odoo.login", url = %t.base(), db = %creds.db);
            let kind = wire.kind();
            let (protocol, reachable) = match Wire::login(kind, t.clone(), &creds)
                .instrument(span)
                .await
            {
                Ok(w) => (BoxService::new(ProtocolService { wire: Arc::new(w) }), true),
                Err(e) if e.is_transport() => {
                    tracing::warn!(server = %t.base(), error = %e, "server unreachable at login; it is tried again later");
                    let late = crate::transport::stack::LateLogin {
                        wire: Default::default(),
                        kind,
                        transport: t.clone(),
                        creds: Arc::new(creds.clone()),
                    };
                    (BoxService::new(late), false)
                }
                Err(e) => return Err(e),
            };
            let ep = self.endpoint(t, *role, protocol);
            if !reachable {
                ep.mark(Some(self.down_for));
            }
            endpoints.push(ep);
        }
        let pool = crate::transport::balance::Pool::new(endpoints, self.balance, self.down_for);
        let mut service = match pool.endpoints.as_slice() {
            [one] => one.service.clone(),
            _ => BoxService::new(crate::transport::balance::Balancer::new(pool.clone())),
        };
        if let Some(interval) = self.health_check.filter(|_| pool.endpoints.len() > 1) {
            crate::transport::balance::spawn_health_check(&pool, interval);
        }
        if let Some(n) = self.max_concurrency {
            service = BoxService::new(tower::limit::ConcurrencyLimit::new(service, n));
        }
        service = BoxService::new(crate::transport::retry::Retry::new(
            service,
            Arc::new(self.retry.clone()),
        ));
        let schemas: Arc<crate::schema::SchemaCache> = Arc::default();
        let mut cache = None;
        if let Some(config) = &self.cache {
            let who = crate::cache::Identity {
                server: transport.base().to_string(),
                db: creds.db.clone(),
                uid: wire.uid(),
                protocol: wire.kind().name(),
            };
            let backend = crate::cache::backend(config, &who)?;
            service = BoxService::new(crate::cache::layer::CacheLayer::new(
                service,
                backend.clone(),
                config,
                who,
                schemas.clone(),
            ));
            cache = Some(backend);
        }
        service = BoxService::new(crate::transport::observe::Observe::new(
            service,
            transport.base().into(),
            wire.kind().name(),
        ));
        for layer in self.layers.iter().rev() {
            service = layer(service);
        }
        let user_context = Context::from(user_ctx);
        Ok(Client {
            inner: Arc::new(ClientInner {
                transport,
                uid: wire.uid(),
                wire,
                service,
                db: creds.db,
                login: creds.login,
                version,
                base_context: default_context.merged(&user_context),
                user_context,
                schemas,
                cache,
                pool,
            }),
        })
    }

    /// One server's stack: its protocol, rate limit and breaker.
    fn endpoint(&self, transport: Transport, role: Role, protocol: BoxService) -> Endpoint {
        let mut service = protocol;
        if let Some(n) = self.rate_limit {
            service = BoxService::new(crate::transport::limit::RateLimit::new(service, n));
        }
        let url: Arc<str> = transport.base().into();
        let breaker = self
            .breaker
            .clone()
            .map(|p| crate::transport::breaker::Breaker::new(url.clone(), p));
        if let Some(b) = &breaker {
            service = BoxService::new(crate::transport::breaker::CircuitBreaker::new(
                service,
                b.clone(),
            ));
        }
        Endpoint::new(url, role, service, breaker, transport)
    }
}

fn parse_url(text: &str) -> Result<url::Url> {
    let url = url::Url::parse(text)
        .map_err(|e| Error::config("url", format!("{:?} is not a URL: {e}", redact_str(text))))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::config(
            "url",
            format!("the scheme must be http or https, not {:?}", url.scheme()),
        ));
    }
    Ok(url)
}

/// Detects the version, resolves `Auto` and logs in.
async fn log_in(
    asked: ProtocolKind,
    transport: Transport,
    creds: &Credentials,
) -> Result<(Wire, ServerVersion)> {
    let version = detect_version(&transport).await?;
    let kind = match asked {
        ProtocolKind::Auto if creds.is_api_key && version.has_json2() => ProtocolKind::Json2,
        ProtocolKind::Auto if creds.is_api_key => ProtocolKind::JsonRpc,
        ProtocolKind::Auto => {
            // A web session: one login, then each call checks the session
            // cookie instead of the password (see the README's "Protocols").
            match WebSession::open(transport.clone(), creds).await {
                Ok(session) => return Ok((Wire::WebSession(session), version)),
                Err(crate::protocol::Refusal::Denied(e)) => return Err(e),
                // A fault on the way (a 503, a reset): the start-up's
                // retries repeat the login rather than give up the session.
                Err(crate::protocol::Refusal::NoSession(e)) if e.is_retryable() => return Err(e),
                Err(crate::protocol::Refusal::NoSession(e)) => {
                    tracing::debug!(error = %e, "no web session for these credentials; using JSON-RPC");
                    ProtocolKind::JsonRpc
                }
            }
        }
        ProtocolKind::Json2 if !creds.is_api_key => {
            return Err(Error::config(
                "protocol",
                "JSON-2 authenticates with an API key only; use .api_key(login, key)",
            ));
        }
        ProtocolKind::Json2 if !version.has_json2() => {
            return Err(Error::config(
                "protocol",
                format!(
                    "JSON-2 needs Odoo 19 or later; this server is {}",
                    version.server_version
                ),
            ));
        }
        ProtocolKind::WebSession if creds.is_api_key => {
            return Err(Error::config(
                "protocol",
                "the web session login does not accept API keys; use .password(login, pw) or another protocol",
            ));
        }
        k => k,
    };
    Ok((Wire::login(kind, transport, creds).await?, version))
}

async fn detect_version(transport: &Transport) -> Result<ServerVersion> {
    match crate::protocol::service_call::<ServerVersion>(
        transport,
        "common",
        "version",
        Vec::<Value>::new(),
    )
    .await
    {
        Ok(v) => Ok(v),
        Err(e) if e.is_transport() => Err(e),
        Err(first) => {
            // /jsonrpc may be gone (Odoo 22+): 19+ answers GET /web/version.
            let reply = transport.get("/web/version", HeaderMap::new()).await?;
            #[derive(serde::Deserialize)]
            struct WebVersion {
                version: String,
                #[serde(default)]
                version_info: Vec<Value>,
            }
            match serde_json::from_slice::<WebVersion>(&reply.body) {
                Ok(v) if reply.status == 200 => Ok(ServerVersion::new(v.version, v.version_info)),
                _ => Err(first),
            }
        }
    }
}
