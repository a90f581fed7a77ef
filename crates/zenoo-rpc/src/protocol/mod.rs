//! The four wire encodings of Odoo's external API behind one trait.

mod json2;
mod jsonrpc;
mod kind;
mod web_session;
mod xmlrpc;

pub use kind::ProtocolKind;

pub(crate) use json2::Json2;
pub(crate) use jsonrpc::{JsonRpc, RpcError};
pub(crate) use jsonrpc::{
    ServiceParams, decode as jsonrpc_decode, decode_into as jsonrpc_decode_into,
    encode as jsonrpc_encode, error_of as jsonrpc_error_of, service_call,
};
pub(crate) use web_session::{Refusal, WebSession};
pub(crate) use xmlrpc::{XmlRpc, decode as xmlrpc_decode};

use secrecy::SecretString;
use serde_json::Value;

use crate::call::Call;
use crate::error::{OdooError, Result};
use crate::response::Response;
use crate::transport::http::Transport;

/// Who logs in, where.
#[derive(Debug, Clone)]
pub(crate) struct Credentials {
    pub(crate) db: String,
    pub(crate) login: String,
    pub(crate) secret: SecretString,
    pub(crate) is_api_key: bool,
}

/// A wire encoding of model calls: it logs in, runs calls and logs out.
///
/// `call` encodes a [`Call`], sends it through the client's transport and
/// checks the answer: an Odoo error becomes an
/// [`ErrorKind::Odoo`](crate::ErrorKind::Odoo) error, a result stays
/// undecoded in the [`Response`].
pub(crate) trait Protocol: Sized + Send + Sync {
    /// Logs in with `creds`.
    fn login(
        transport: Transport,
        creds: &Credentials,
    ) -> impl std::future::Future<Output = Result<Self>> + Send;

    /// The logged-in user's id.
    fn uid(&self) -> i64;

    /// Runs one model call.
    fn call(&self, call: &Call) -> impl std::future::Future<Output = Result<Response>> + Send;

    /// Ends the session on the server, where there is one.
    fn logout(&self) -> impl std::future::Future<Output = Result<()>> + Send;
}

/// The protocol a client was built with.
#[derive(Debug)]
pub(crate) enum Wire {
    JsonRpc(JsonRpc),
    XmlRpc(XmlRpc),
    WebSession(WebSession),
    Json2(Json2),
}

impl Wire {
    /// Logs in with the protocol `kind` (not `Auto`: the builder resolves it).
    pub(crate) async fn login(
        kind: ProtocolKind,
        transport: Transport,
        creds: &Credentials,
    ) -> Result<Self> {
        Ok(match kind {
            ProtocolKind::XmlRpc => Self::XmlRpc(XmlRpc::login(transport, creds).await?),
            ProtocolKind::WebSession => {
                Self::WebSession(WebSession::login(transport, creds).await?)
            }
            ProtocolKind::Json2 => Self::Json2(Json2::login(transport, creds).await?),
            ProtocolKind::JsonRpc | ProtocolKind::Auto => {
                Self::JsonRpc(JsonRpc::login(transport, creds).await?)
            }
        })
    }

    pub(crate) async fn call(&self, call: &Call) -> Result<Response> {
        match self {
            Self::JsonRpc(p) => p.call(call).await,
            Self::XmlRpc(p) => p.call(call).await,
            Self::WebSession(p) => p.call(call).await,
            Self::Json2(p) => p.call(call).await,
        }
    }

    pub(crate) async fn logout(&self) -> Result<()> {
        match self {
            Self::JsonRpc(p) => p.logout().await,
            Self::XmlRpc(p) => p.logout().await,
            Self::WebSession(p) => p.logout().await,
            Self::Json2(p) => p.logout().await,
        }
    }

    pub(crate) fn uid(&self) -> i64 {
        match self {
            Self::JsonRpc(p) => p.uid(),
            Self::XmlRpc(p) => p.uid(),
            Self::WebSession(p) => p.uid(),
            Self::Json2(p) => p.uid(),
        }
    }

    pub(crate) fn kind(&self) -> ProtocolKind {
        match self {
            Self::JsonRpc(_) => ProtocolKind::JsonRpc,
            Self::XmlRpc(_) => ProtocolKind::XmlRpc,
            Self::WebSession(_) => ProtocolKind::WebSession,
            Self::Json2(_) => ProtocolKind::Json2,
        }
    }

    /// The JSON-2 protocol, for what only it serves (`/doc-bearer`).
    pub(crate) fn json2(&self) -> Option<&Json2> {
        match self {
            Self::Json2(j) => Some(j),
            _ => None,
        }
    }
}

/// The exception fields Odoo sends (JSON-RPC `error.data`, JSON-2's body).
#[derive(serde::Deserialize, Default)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) message: String,
    #[serde(default)]
    pub(crate) arguments: Vec<Value>,
    #[serde(default)]
    pub(crate) debug: Option<String>,
}

impl ErrorBody {
    /// The Odoo error with `code` (JSON-RPC code or HTTP status).
    pub(crate) fn into_error(self, code: i64) -> OdooError {
        OdooError::new(self.name, self.message, self.arguments, self.debug, code)
    }
}

/// The error of a refused login.
pub(crate) fn denied(creds: &Credentials) -> OdooError {
    OdooError::new(
        "odoo.exceptions.AccessDenied".into(),
        format!(
            "login failed for {:?} on database {:?}: the login, password or API key was refused",
            creds.login, creds.db
        ),
        Vec::new(),
        None,
        0,
    )
}

#[cfg(test)]
mod recorded;
