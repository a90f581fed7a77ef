//! `ClientBuilder`: validates the configuration once, detects the version,
//! logs in and loads the user's context.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use crate::client::{Client, ClientInner};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::protocol::{Json2, JsonRpc, ProtocolKind, WebSession, Wire, XmlRpc};
use crate::transport::Transport;
use crate::version::ServerVersion;

/// Default connect timeout: 10 seconds.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default request timeout: 120 seconds (Odoo's own worker limit is 120 s CPU).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug)]
enum Secret {
    None,
    Password(SecretString),
    ApiKey(SecretString),
}

/// Configures a [`Client`]. Setters never fail; [`ClientBuilder::build`]
/// validates everything once.
#[must_use]
#[derive(Debug)]
pub struct ClientBuilder {
    url: String,
    database: Option<String>,
    login: Option<String>,
    secret: Secret,
    protocol: ProtocolKind,
    connect_timeout: Duration,
    timeout: Duration,
    user_agent: String,
    headers: Vec<(String, String)>,
    context: Context,
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
            user_agent: format!("zenoo-rpc/{}", env!("CARGO_PKG_VERSION")),
            headers: Vec::new(),
            context: Context::new(),
        }
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

    /// Whole-request timeout (default [`DEFAULT_TIMEOUT`], 120 s).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
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

    /// Validates the configuration, detects the server version, logs in and
    /// loads the user's context (`res.users.context_get`).
    ///
    /// # Errors
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) for a bad URL, missing database or credentials, or
    /// JSON-2 without an API key; an [`ErrorKind::Odoo`](crate::ErrorKind::Odoo) error with kind `AccessDenied`
    /// for bad credentials; transport errors when the server is unreachable.
    pub async fn build(self) -> Result<Client> {
        let url = url::Url::parse(&self.url)
            .map_err(|e| Error::config("url", format!("{:?} is not a URL: {e}", self.url)))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::config(
                "url",
                format!("the scheme must be http or https, not {:?}", url.scheme()),
            ));
        }
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
        let transport = Transport::new(
            url.as_str(),
            self.connect_timeout,
            self.timeout,
            &self.user_agent,
            headers,
        )?;
        let (secret, is_key) = match &self.secret {
            Secret::Password(s) => (s.clone(), false),
            Secret::ApiKey(s) => (s.clone(), true),
            Secret::None => return Err(Error::config("credentials", "no password or API key")),
        };
        let version = detect_version(&transport).await?;
        let kind = match self.protocol {
            ProtocolKind::Auto if version.major() >= 19 && is_key => ProtocolKind::Json2,
            ProtocolKind::Auto => ProtocolKind::JsonRpc,
            ProtocolKind::Json2 if !is_key => {
                return Err(Error::config(
                    "protocol",
                    "JSON-2 authenticates with an API key only; use .api_key(login, key)",
                ));
            }
            ProtocolKind::WebSession if is_key => {
                return Err(Error::config(
                    "protocol",
                    "the web session login does not accept API keys; use .password(login, pw) or another protocol",
                ));
            }
            k => k,
        };
        let denied = || crate::error::OdooError {
            name: "odoo.exceptions.AccessDenied".into(),
            message: format!(
                "login failed for {login:?} on database {db:?}: the login, password or API key was refused"
            ),
            arguments: Vec::new(),
            debug: None,
            code: 0,
        };
        let (wire, uid) = match kind {
            ProtocolKind::JsonRpc | ProtocolKind::Auto => {
                let probe = JsonRpc::new(transport.clone(), &db, 0, secret.clone());
                let uid: Value = probe
                    .rpc(
                        "common",
                        "authenticate",
                        json!([db, login, secret.expose_secret(), {}]),
                    )
                    .await?;
                let uid = uid.as_i64().ok_or_else(denied)?;
                (
                    Wire::JsonRpc(JsonRpc::new(transport.clone(), &db, uid, secret)),
                    uid,
                )
            }
            ProtocolKind::XmlRpc => {
                let probe = XmlRpc::new(transport.clone(), &db, 0, secret.clone());
                let args = [
                    json!(db),
                    json!(login),
                    json!(secret.expose_secret()),
                    json!({}),
                ];
                let uid: Value = probe.rpc("common", "authenticate", &args).await?;
                let uid = uid.as_i64().ok_or_else(denied)?;
                (
                    Wire::XmlRpc(XmlRpc::new(transport.clone(), &db, uid, secret)),
                    uid,
                )
            }
            ProtocolKind::WebSession => {
                let web = WebSession::new(transport.clone(), &db, &login, secret);
                let info = match web.authenticate().await {
                    Err(e) if e.odoo_kind() == Some(crate::OdooErrorKind::AccessDenied) => {
                        return Err(denied().into());
                    }
                    other => other?,
                };
                let uid = info.get("uid").and_then(Value::as_i64).ok_or_else(denied)?;
                (Wire::WebSession(web), uid)
            }
            ProtocolKind::Json2 => {
                let j = Json2::new(transport.clone(), &db, &secret)?;
                let ctx: Value = match j
                    .call_named("res.users", "context_get", &Default::default())
                    .await
                {
                    Err(e) if e.odoo().is_some_and(|o| o.code == 401) => {
                        return Err(denied().into());
                    }
                    other => other?,
                };
                let uid = ctx.get("uid").and_then(Value::as_i64).unwrap_or(0);
                (Wire::Json2(j), uid)
            }
        };
        let inner = ClientInner {
            transport,
            wire,
            db,
            login,
            uid,
            version,
            default_context: self.context,
            user_context: Context::new(),
            schemas: Default::default(),
        };
        let mut client = Client {
            inner: Arc::new(inner),
        };
        let user_ctx: Value = client
            .execute_kw("res.users", "context_get", vec![], Default::default())
            .await?;
        if let (Some(inner), Value::Object(m)) = (Arc::get_mut(&mut client.inner), user_ctx) {
            let mut m = m;
            m.remove("uid");
            inner.user_context = Context::from(m);
        }
        Ok(client)
    }
}

async fn detect_version(transport: &Transport) -> Result<ServerVersion> {
    let probe = JsonRpc::new(transport.clone(), "", 0, SecretString::from(String::new()));
    match probe
        .rpc::<ServerVersion>("common", "version", json!([]))
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
                Ok(v) if reply.status == 200 => Ok(ServerVersion {
                    server_version: v.version,
                    server_version_info: v.version_info,
                }),
                _ => Err(first),
            }
        }
    }
}
