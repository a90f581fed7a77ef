//! JSON-RPC over `POST /jsonrpc`: credentials in every call, no cookie.

use std::sync::atomic::{AtomicU64, Ordering};

use secrecy::{ExposeSecret, SecretString};
use serde::de::{self, DeserializeOwned};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use super::{ErrorBody, Protocol, decode};
use crate::call::Call;
use crate::error::{Error, Result};
use crate::transport::{Reply, Transport};

#[derive(Serialize)]
struct Request<'a, A> {
    jsonrpc: &'static str,
    method: &'static str,
    params: Params<'a, A>,
    id: u64,
}

#[derive(Serialize)]
struct Params<'a, A> {
    service: &'a str,
    method: &'a str,
    args: A,
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    result: Option<&'a RawValue>,
    #[serde(default)]
    error: Option<RpcError>,
}

/// The envelope with the result decoded in the same pass: the fast path.
#[derive(Deserialize)]
struct TypedEnvelope<T> {
    #[serde(default = "Option::default")]
    result: Option<T>,
    #[serde(default)]
    error: Option<de::IgnoredAny>,
}

#[derive(Deserialize)]
struct RpcError {
    #[serde(default)]
    code: i64,
    #[serde(default)]
    message: String,
    #[serde(default)]
    data: Option<ErrorBody>,
}

/// Decodes a JSON-RPC reply: `result` into `T`, `error` into an [`ErrorKind::Odoo`](crate::ErrorKind::Odoo) error.
pub(crate) fn decode_envelope<T: DeserializeOwned>(reply: &Reply, label: &str) -> Result<T> {
    if reply.status != 200 {
        return Err(reply.status_error());
    }
    let text = reply.text()?;
    if !reply.media_type.contains("json") {
        return Err(Error::malformed(
            &reply.url,
            format!("expected JSON, got {:?}", reply.media_type),
            &reply.body,
        ));
    }
    // One pass over the body when the result decodes into `T`; anything
    // else (an error, `null`, a value that does not fit) takes the careful
    // path below, which reports it.
    if let Ok(TypedEnvelope {
        result: Some(v),
        error: None,
    }) = serde_json::from_str::<TypedEnvelope<T>>(text)
    {
        return Ok(v);
    }
    let env: Envelope<'_> = serde_json::from_str(text).map_err(|e| {
        Error::malformed(
            &reply.url,
            format!("invalid JSON-RPC envelope: {e}"),
            &reply.body,
        )
    })?;
    if let Some(err) = env.error {
        let data = err.data.unwrap_or_else(|| ErrorBody {
            message: err.message.clone(),
            ..ErrorBody::default()
        });
        return Err(data.into_error(err.code).into());
    }
    decode(env.result.map_or("null", RawValue::get), label)
}

/// The JSON-RPC protocol.
#[derive(Debug)]
pub struct JsonRpc {
    transport: Transport,
    db: String,
    uid: i64,
    secret: SecretString,
    ids: AtomicU64,
}

impl JsonRpc {
    /// A protocol for `uid` (0 until authenticated).
    pub fn new(transport: Transport, db: &str, uid: i64, secret: SecretString) -> Self {
        Self {
            transport,
            db: db.to_string(),
            uid,
            secret,
            ids: AtomicU64::new(1),
        }
    }

    /// Calls `service.method(*args)`.
    pub async fn rpc<T: DeserializeOwned>(
        &self,
        service: &str,
        method: &str,
        args: Value,
    ) -> Result<T> {
        let label = format!("{service}.{method}");
        super::check_encodable(&args, &label)?;
        self.send(service, method, args, &label).await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        service: &str,
        method: &str,
        args: impl Serialize,
        label: &str,
    ) -> Result<T> {
        let id = self.ids.fetch_add(1, Ordering::Relaxed);
        // Serialized straight from borrowed parts: no JSON tree is built.
        let body = Request {
            jsonrpc: "2.0",
            method: "call",
            params: Params {
                service,
                method,
                args,
            },
            id,
        };
        let bytes = serde_json::to_vec(&body).map_err(|e| Error::encode(label, e))?;
        let reply = self
            .transport
            .post("/jsonrpc", "application/json", bytes, Default::default())
            .await?;
        decode_envelope(&reply, label)
    }
}

impl Protocol for JsonRpc {
    async fn call<T: DeserializeOwned>(&self, call: &Call) -> Result<T> {
        let label = call.label();
        call.args
            .iter()
            .chain(call.kwargs.values())
            .try_for_each(|v| super::check_encodable(v, &label))?;
        let args = (
            &self.db,
            self.uid,
            self.secret.expose_secret(),
            &call.model,
            &call.method,
            &call.args,
            &call.kwargs,
        );
        self.send("object", "execute_kw", args, &label).await
    }
}
