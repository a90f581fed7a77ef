//! The web client's API: `/web/session/authenticate` sets a cookie, calls go
//! to `/web/dataset/call_kw/<model>/<method>`. An expired session (code 100)
//! is renewed by logging in again once.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::header::{COOKIE, HeaderMap, HeaderValue, SET_COOKIE};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::Value;

use super::jsonrpc::{decode, decode_into, encode};
use super::{Credentials, Protocol, denied};
use crate::call::{Call, KwargsWithContext};
use crate::error::{Error, ErrorKind, OdooErrorKind, Result};
use crate::response::Response;
use crate::transport::http::{HttpReply, Transport};

/// The web-session protocol.
#[derive(Debug)]
pub(crate) struct WebSession {
    transport: Transport,
    creds: Credentials,
    uid: i64,
    cookie: Mutex<Option<SecretString>>,
    ids: AtomicU64,
}

#[derive(Serialize)]
struct AuthParams<'a> {
    db: &'a str,
    login: &'a str,
    password: &'a str,
}

#[derive(Serialize)]
struct CallKwParams<'a> {
    model: &'a str,
    method: &'a str,
    args: &'a [Value],
    kwargs: KwargsWithContext<'a>,
}

/// Why a session could not be opened.
pub(crate) enum Refusal {
    /// The credentials were refused.
    Denied(Error),
    /// The server opens no session for them (two-factor authentication:
    /// `uid` is null) or has no session routes: another protocol may work.
    NoSession(Error),
}

impl WebSession {
    fn remember_cookie(&self, reply: &HttpReply) {
        for v in reply.headers.get_all(SET_COOKIE) {
            let Ok(text) = v.to_str() else { continue };
            if let Some(sid) = text
                .strip_prefix("session_id=")
                .and_then(|r| r.split(';').next())
                && let Ok(mut c) = self.cookie.lock()
            {
                *c = (!sid.is_empty()).then(|| SecretString::from(sid.to_string()));
            }
        }
    }

    fn headers(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Ok(c) = self.cookie.lock()
            && let Some(sid) = c.as_ref()
            && let Ok(mut v) = HeaderValue::from_str(&format!("session_id={}", sid.expose_secret()))
        {
            v.set_sensitive(true);
            h.insert(COOKIE, v);
        }
        h
    }

    async fn post(&self, path: &str, body: Vec<u8>) -> Result<HttpReply> {
        let reply = self
            .transport
            .post(path, "application/json", body, self.headers())
            .await?;
        self.remember_cookie(&reply);
        Ok(reply)
    }

    /// Logs in (again); the session's uid.
    async fn authenticate(&self) -> std::result::Result<i64, Refusal> {
        let params = AuthParams {
            db: &self.creds.db,
            login: &self.creds.login,
            password: self.creds.secret.expose_secret(),
        };
        let label = "web.session.authenticate";
        let id = self.ids.fetch_add(1, Ordering::Relaxed);
        let body = encode(&params, id, label).map_err(Refusal::Denied)?;
        let reply = self
            .post("/web/session/authenticate", body)
            .await
            .map_err(Refusal::NoSession)?;
        let info: Value = match decode_into(reply, label) {
            Err(e) if e.odoo_kind() == Some(OdooErrorKind::AccessDenied) => {
                return Err(Refusal::Denied(denied(&self.creds).into()));
            }
            Err(e) if matches!(e.kind(), ErrorKind::HttpStatus(_)) => {
                return Err(Refusal::NoSession(e));
            }
            Err(e) => return Err(Refusal::Denied(e)),
            Ok(v) => v,
        };
        match info.get("uid").and_then(Value::as_i64) {
            Some(uid) => Ok(uid),
            None => Err(Refusal::NoSession(Error::from(denied(&self.creds)))),
        }
    }

    /// Opens a session, saying whether another protocol may still work.
    pub(crate) async fn open(
        transport: Transport,
        creds: &Credentials,
    ) -> std::result::Result<Self, Refusal> {
        let mut session = Self {
            transport,
            creds: creds.clone(),
            uid: 0,
            cookie: Mutex::new(None),
            ids: AtomicU64::new(1),
        };
        session.uid = session.authenticate().await?;
        Ok(session)
    }

    async fn call_once(&self, call: &Call, label: &Arc<str>) -> Result<Response> {
        let path = format!("/web/dataset/call_kw/{}/{}", call.model, call.method);
        let params = CallKwParams {
            model: &call.model,
            method: &call.method,
            args: &call.args,
            kwargs: call.kwargs_with_context(),
        };
        let id = self.ids.fetch_add(1, Ordering::Relaxed);
        let body = encode(&params, id, label)?;
        let reply = self.post(&path, body).await?;
        decode(reply, label.clone()).map_err(|e| unknown_model(e, &call.model))
    }
}

/// Odoo's `call_kw` route answers an unknown model with werkzeug's bare
/// 404 ("The requested URL was not found"); the route exists, so the
/// model is what is missing: said as JSON-RPC says it.
fn unknown_model(e: crate::error::Error, model: &str) -> crate::error::Error {
    match e.odoo() {
        Some(odoo) if odoo.kind() == OdooErrorKind::NotFound => {
            let mut odoo = odoo.clone();
            odoo.message = format!("Object {model} doesn't exist");
            crate::error::Error::from(odoo)
        }
        _ => e,
    }
}

impl Protocol for WebSession {
    async fn login(transport: Transport, creds: &Credentials) -> Result<Self> {
        Self::open(transport, creds).await.map_err(|r| match r {
            Refusal::Denied(e) | Refusal::NoSession(e) => e,
        })
    }

    fn uid(&self) -> i64 {
        self.uid
    }

    async fn call(&self, call: &Call) -> Result<Response> {
        let label: Arc<str> = call.label_arc();
        match self.call_once(call, &label).await {
            Err(e) if e.odoo_kind() == Some(OdooErrorKind::SessionExpired) => {}
            other => return other,
        }
        tracing::debug!("web session expired; logging in again");
        self.authenticate().await.map_err(|r| match r {
            Refusal::Denied(e) | Refusal::NoSession(e) => e,
        })?;
        self.call_once(call, &label).await
    }

    async fn logout(&self) -> Result<()> {
        let label = "web.session.destroy";
        let id = self.ids.fetch_add(1, Ordering::Relaxed);
        let body = encode(&serde_json::Map::new(), id, label)?;
        let reply = self.post("/web/session/destroy", body).await?;
        let _: Value = decode_into(reply, label)?;
        if let Ok(mut c) = self.cookie.lock() {
            *c = None;
        }
        Ok(())
    }
}
