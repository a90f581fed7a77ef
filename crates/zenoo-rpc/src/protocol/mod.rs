//! The four wire encodings of Odoo's external API behind one trait.

mod json2;
mod jsonrpc;
mod web_session;
mod xmlrpc;

pub use json2::Json2;
pub use jsonrpc::JsonRpc;
pub use web_session::WebSession;
pub use xmlrpc::XmlRpc;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::call::Call;
use crate::error::{Error, Result};

/// Which protocol a client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ProtocolKind {
    /// JSON-2 on Odoo 19+ when an API key is given, JSON-RPC otherwise.
    #[default]
    Auto,
    /// `POST /jsonrpc` (Odoo 8+; deprecated in 19, removed in 22).
    JsonRpc,
    /// `POST /xmlrpc/2/*` (deprecated in 19, removed in 22).
    XmlRpc,
    /// `/web/session/authenticate` + cookie + `/web/dataset/call_kw`.
    WebSession,
    /// `POST /json/2/<model>/<method>` with a bearer API key (Odoo 19+).
    Json2,
}

impl ProtocolKind {
    /// Parses `auto`, `jsonrpc`, `xmlrpc`, `web` or `json2`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "auto" => Self::Auto,
            "jsonrpc" | "json-rpc" => Self::JsonRpc,
            "xmlrpc" | "xml-rpc" => Self::XmlRpc,
            "web" | "websession" | "web-session" => Self::WebSession,
            "json2" | "json-2" => Self::Json2,
            _ => return None,
        })
    }
}

/// A wire encoding of model calls.
///
/// Each implementation encodes a [`Call`], sends it through the shared
/// transport and decodes the answer straight into `T`; Odoo's errors become
/// an [`ErrorKind::Odoo`](crate::ErrorKind::Odoo) error. A call whose Python result is `None` decodes as JSON
/// `null` (so ask for `Option<T>` or `()`).
pub trait Protocol {
    /// Runs one model call.
    fn call<T: DeserializeOwned>(
        &self,
        call: &Call,
    ) -> impl std::future::Future<Output = Result<T>> + Send;
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
    pub(crate) async fn call<T: DeserializeOwned>(&self, call: &Call) -> Result<T> {
        match self {
            Self::JsonRpc(p) => p.call(call).await,
            Self::XmlRpc(p) => p.call(call).await,
            Self::WebSession(p) => p.call(call).await,
            Self::Json2(p) => p.call(call).await,
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
    pub(crate) fn into_error(self, code: i64) -> crate::error::OdooError {
        crate::error::OdooError {
            name: self.name,
            message: self.message,
            arguments: self.arguments,
            debug: self.debug,
            code,
        }
    }
}

/// Decodes `text` into `T`, naming the JSON path that failed and, when the
/// path runs through records, the id of the innermost one.
pub(crate) fn decode<T: DeserializeOwned>(text: &str, label: &str) -> Result<T> {
    // Fast path: plain serde. Tracking the path costs on every value, so it
    // is only done again when decoding fails, to say where.
    if let Ok(v) = serde_json::from_str(text) {
        return Ok(v);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let err = Error::decode(label, path.clone(), e.into_inner());
        // The error path only: parse again to find the record.
        match serde_json::from_str::<Value>(text) {
            Ok(v) => with_record_at(err, &v, &path),
            Err(_) => err,
        }
    })
}

/// Decodes an already parsed value into `T`, naming the path that failed.
pub(crate) fn decode_value<T: DeserializeOwned>(v: Value, label: &str) -> Result<T> {
    if let Ok(t) = T::deserialize(&v) {
        return Ok(t);
    }
    serde_path_to_error::deserialize(&v).map_err(|e| {
        let path = e.path().to_string();
        with_record_at(
            Error::decode(label, path.clone(), e.into_inner()),
            &v,
            &path,
        )
    })
}

/// Adds the id of the innermost record on `path` (`[3].partner_id`) in `v`.
fn with_record_at(err: Error, v: &Value, path: &str) -> Error {
    let mut at = v;
    let mut id = None;
    for part in path.split(['.', '[']).filter(|p| !p.is_empty()) {
        if let Some(rid) = at.get("id").and_then(Value::as_i64) {
            id = Some(rid);
        }
        let next = match part.strip_suffix(']') {
            Some(i) => i.parse::<usize>().ok().and_then(|i| at.get(i)),
            None => at.get(part),
        };
        match next {
            Some(n) => at = n,
            None => break,
        }
    }
    if let Some(rid) = at.get("id").and_then(Value::as_i64) {
        id = Some(rid);
    }
    match id {
        Some(id) => err.with_record(id),
        None => err,
    }
}

/// Checks that arguments can be encoded (finite numbers only).
pub(crate) fn check_encodable(v: &Value, label: &str) -> Result<()> {
    match v {
        Value::Number(n) if n.as_f64().is_some_and(|f| !f.is_finite()) => {
            Err(Error::encode(label, "a number is not finite"))
        }
        Value::Array(a) => a.iter().try_for_each(|x| check_encodable(x, label)),
        Value::Object(m) => m.values().try_for_each(|x| check_encodable(x, label)),
        _ => Ok(()),
    }
}

/// Decodes a JSON-RPC reply (shared with the database service).
pub(crate) fn decode_envelope_public<T: DeserializeOwned>(
    reply: &crate::transport::Reply,
    label: &str,
) -> Result<T> {
    jsonrpc::decode_envelope(reply, label)
}

#[cfg(test)]
mod recorded;
