//! JSON-RPC over `POST /jsonrpc`: credentials in every call, no cookie; and
//! the JSON-RPC envelope codec that the web session and the database
//! service use too.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use secrecy::{ExposeSecret, SecretString};
use serde::de::{Deserialize, IgnoredAny};
use serde::{Deserialize as DeriveDeserialize, Serialize};
use serde_json::Value;

use super::{Credentials, ErrorBody, Protocol, denied};
use crate::call::Call;
use crate::error::{Error, Result};
use crate::response::Response;
use crate::transport::http::{HttpReply, Transport};

// ---- the envelope codec -------------------------------------------------

#[derive(Serialize)]
struct Request<'a, P> {
    jsonrpc: &'static str,
    method: &'static str,
    params: &'a P,
    id: u64,
}

/// `params` of a `/jsonrpc` call: `service.method(*args)`.
#[derive(Serialize)]
pub(crate) struct ServiceParams<'a, A> {
    pub(crate) service: &'a str,
    pub(crate) method: &'a str,
    pub(crate) args: A,
}

/// The JSON-RPC request `{"jsonrpc":"2.0","method":"call","params":…,"id":…}`,
/// serialised straight from borrowed parts (no JSON tree).
pub(crate) fn encode<P: Serialize>(params: &P, id: u64, label: &str) -> Result<Vec<u8>> {
    serde_json::to_vec(&Request {
        jsonrpc: "2.0",
        method: "call",
        params,
        id,
    })
    .map_err(|e| Error::encode(label, e))
}

/// A JSON-RPC `error` member.
#[derive(DeriveDeserialize)]
pub(crate) struct RpcError {
    #[serde(default)]
    code: i64,
    #[serde(default)]
    message: String,
    #[serde(default)]
    data: Option<ErrorBody>,
}

impl RpcError {
    /// The Odoo exception it carries.
    pub(crate) fn into_error(self) -> Error {
        let data = self.data.unwrap_or_else(|| ErrorBody {
            message: self.message.clone(),
            ..ErrorBody::default()
        });
        data.into_error(self.code).into()
    }
}

/// Where a JSON-RPC envelope's outcome is.
enum Outcome {
    /// The result value starts at this offset.
    Result(usize),
    /// No `result` member (a `None` result).
    Absent,
    /// An `error` member.
    Error(RpcError),
}

/// Reads the envelope's members up to `result` or `error`, whatever the
/// whitespace and member order, without reading the result itself.
fn locate(body: &[u8]) -> std::result::Result<Outcome, String> {
    let ws = |mut i: usize| {
        while body.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        i
    };
    let mut i = ws(0);
    if body.get(i) != Some(&b'{') {
        return Err("the body is not a JSON object".into());
    }
    i = ws(i + 1);
    if body.get(i) == Some(&b'}') {
        return Ok(Outcome::Absent);
    }
    loop {
        // A member name, read by serde_json: borrowed from the body, or
        // unescaped into a string when it has escapes.
        let mut borrowed = serde_json::Deserializer::from_slice(&body[i..]).into_iter::<&str>();
        let (name, len): (std::borrow::Cow<'_, str>, usize) = match borrowed.next() {
            Some(Ok(n)) => (n.into(), borrowed.byte_offset()),
            _ => {
                let mut owned =
                    serde_json::Deserializer::from_slice(&body[i..]).into_iter::<String>();
                match owned.next() {
                    Some(Ok(n)) => (n.into(), owned.byte_offset()),
                    _ => return Err(format!("expected a member name at byte {i}")),
                }
            }
        };
        i = ws(i + len);
        if body.get(i) != Some(&b':') {
            return Err(format!("expected ':' at byte {i}"));
        }
        i = ws(i + 1);
        match &*name {
            "result" => return Ok(Outcome::Result(i)),
            "error" => {
                let mut de = serde_json::Deserializer::from_slice(&body[i..]);
                return RpcError::deserialize(&mut de)
                    .map(Outcome::Error)
                    .map_err(|e| format!("invalid error member: {e}"));
            }
            _ => {
                let mut values =
                    serde_json::Deserializer::from_slice(&body[i..]).into_iter::<IgnoredAny>();
                match values.next() {
                    Some(Ok(_)) => i = ws(i + values.byte_offset()),
                    _ => return Err(format!("invalid value of {name:?}")),
                }
            }
        }
        match body.get(i) {
            Some(b',') => i = ws(i + 1),
            Some(b'}') => return Ok(Outcome::Absent),
            _ => return Err(format!("expected ',' or '}}' at byte {i}")),
        }
    }
}

/// Decodes a JSON-RPC reply: the result, or the Odoo error of `error`.
pub(crate) fn decode(reply: HttpReply, label: Arc<str>) -> Result<Response> {
    if reply.status != 200 {
        return Err(reply.status_error());
    }
    reply.expect_json()?;
    match locate(&reply.body) {
        Ok(Outcome::Result(at)) => Ok(Response::json(reply.body, at, label, reply.url)),
        Ok(Outcome::Absent) => Ok(Response::absent(label, reply.url)),
        Ok(Outcome::Error(e)) => Err(e.into_error()),
        Err(why) => Err(Error::malformed(
            &reply.url,
            format!("invalid JSON-RPC envelope: {why}"),
            &reply.body,
        )),
    }
}

/// Decodes a JSON-RPC reply straight into `T`.
pub(crate) fn decode_into<T: serde::de::DeserializeOwned>(
    reply: HttpReply,
    label: &str,
) -> Result<T> {
    decode(reply, label.into())?.decode()
}

/// Decodes an error envelope given as bytes (the start of a streamed body).
pub(crate) fn error_of(body: &[u8], url: &str) -> Error {
    match locate(body) {
        Ok(Outcome::Error(e)) => e.into_error(),
        Ok(_) => Error::malformed(url, "the response holds no result", body),
        Err(why) => Error::malformed(url, format!("invalid JSON-RPC envelope: {why}"), body),
    }
}

// ---- the protocol -------------------------------------------------------

/// The JSON-RPC protocol.
#[derive(Debug)]
pub(crate) struct JsonRpc {
    transport: Transport,
    db: String,
    uid: i64,
    secret: SecretString,
    ids: AtomicU64,
}

/// Calls `service.method(*args)` on `/jsonrpc` with no credentials.
pub(crate) async fn service_call<T: serde::de::DeserializeOwned>(
    transport: &Transport,
    service: &str,
    method: &str,
    args: impl Serialize,
) -> Result<T> {
    let label = format!("{service}.{method}");
    let bytes = encode(
        &ServiceParams {
            service,
            method,
            args,
        },
        1,
        &label,
    )?;
    let reply = transport
        .post("/jsonrpc", "application/json", bytes, Default::default())
        .await?;
    decode_into(reply, &label)
}

impl Protocol for JsonRpc {
    async fn login(transport: Transport, creds: &Credentials) -> Result<Self> {
        let uid: Value = service_call(
            &transport,
            "common",
            "authenticate",
            (
                &creds.db,
                &creds.login,
                creds.secret.expose_secret(),
                serde_json::Map::new(),
            ),
        )
        .await?;
        let uid = uid.as_i64().ok_or_else(|| denied(creds))?;
        Ok(Self {
            transport,
            db: creds.db.clone(),
            uid,
            secret: creds.secret.clone(),
            ids: AtomicU64::new(1),
        })
    }

    fn uid(&self) -> i64 {
        self.uid
    }

    async fn call(&self, call: &Call) -> Result<Response> {
        let label: Arc<str> = call.label_arc();
        let id = self.ids.fetch_add(1, Ordering::Relaxed);
        let args = (
            &self.db,
            self.uid,
            self.secret.expose_secret(),
            &*call.model,
            &*call.method,
            call.args.as_slice(),
            call.kwargs_with_context(),
        );
        let params = ServiceParams {
            service: "object",
            method: "execute_kw",
            args,
        };
        let bytes = encode(&params, id, &label)?;
        let reply = self
            .transport
            .post("/jsonrpc", "application/json", bytes, Default::default())
            .await?;
        decode(reply, label)
    }

    async fn logout(&self) -> Result<()> {
        Ok(())
    }
}

/// Bytes of a JSON-RPC reply for tests of the codec.
#[cfg(test)]
pub(crate) fn test_reply(body: &str) -> HttpReply {
    HttpReply {
        status: 200,
        media_type: "application/json".into(),
        headers: Default::default(),
        body: bytes::Bytes::from(body.to_string()),
        url: "http://test/jsonrpc".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_whitespace_and_member_order() {
        for body in [
            r#"{"jsonrpc":"2.0","id":1,"result":[1,2]}"#,
            r#"{"jsonrpc": "2.0", "id": 1, "result": [1, 2]}"#,
            "{ \"result\" :\n[1,2] , \"id\": null, \"jsonrpc\": \"2.0\"}",
            r#"{"id": {"nested": [1, "x\"y"]}, "result": [1, 2]}"#,
            // Escaped member names are unescaped, not borrowed.
            r#"{"j\u0073onrpc": "2.0", "\u0072esult": [1, 2]}"#,
        ] {
            let r = decode(test_reply(body), "t".into()).expect(body);
            assert_eq!(r.decode::<Vec<i64>>().expect(body), vec![1, 2]);
        }
        let absent = decode(test_reply(r#"{"jsonrpc": "2.0", "id": 1}"#), "t".into()).expect("ok");
        assert!(absent.is_empty());
        assert_eq!(absent.decode::<Option<i64>>().expect("null"), None);
        let err = decode(
            test_reply(
                r#"{"jsonrpc": "2.0", "id": 1, "error": {"code": 200, "message": "Odoo Server Error", "data": {"name": "odoo.exceptions.UserError", "message": "no"}}}"#,
            ),
            "t".into(),
        )
        .expect_err("error");
        assert_eq!(err.odoo().map(|o| o.message.as_str()), Some("no"));
        assert!(decode(test_reply("[1]"), "t".into()).is_err());
        assert!(decode(test_reply("{\"id\": 1,"), "t".into()).is_err());
    }
}
