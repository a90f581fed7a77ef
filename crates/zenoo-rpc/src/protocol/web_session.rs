//! The web client's API: `/web/session/authenticate` sets a cookie, calls go
//! to `/web/dataset/call_kw/<model>/<method>`. An expired session (code 100)
//! is renewed by logging in again once.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::header::{COOKIE, HeaderMap, HeaderValue, SET_COOKIE};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::Protocol;
use super::jsonrpc::decode_envelope;
use crate::call::Call;
use crate::error::{Error, OdooErrorKind, Result};
use crate::transport::{Reply, Transport};

/// The web-session protocol.
#[derive(Debug)]
pub struct WebSession {
    transport: Transport,
    db: String,
    login: String,
    password: SecretString,
    cookie: Mutex<Option<SecretString>>,
    ids: AtomicU64,
}

impl WebSession {
    /// A protocol that has not logged in yet.
    pub fn new(transport: Transport, db: &str, login: &str, password: SecretString) -> Self {
        Self {
            transport,
            db: db.into(),
            login: login.into(),
            password,
            cookie: Mutex::new(None),
            ids: AtomicU64::new(1),
        }
    }

    fn remember_cookie(&self, reply: &Reply) {
        for v in reply.headers.get_all(SET_COOKIE) {
            let Ok(text) = v.to_str() else { continue };
            if let Some(sid) = text
                .strip_prefix("session_id=")
                .and_then(|r| r.split(';').next())
            {
                if let Ok(mut c) = self.cookie.lock() {
                    *c = (!sid.is_empty()).then(|| SecretString::from(sid.to_string()));
                }
            }
        }
    }

    fn headers(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Ok(c) = self.cookie.lock() {
            if let Some(sid) = c.as_ref() {
                if let Ok(v) = HeaderValue::from_str(&format!("session_id={}", sid.expose_secret()))
                {
                    h.insert(COOKIE, v);
                }
            }
        }
        h
    }

    async fn post<T: DeserializeOwned>(&self, path: &str, params: Value, label: &str) -> Result<T> {
        super::check_encodable(&params, label)?;
        let id = self.ids.fetch_add(1, Ordering::Relaxed);
        let body = json!({"jsonrpc": "2.0", "method": "call", "params": params, "id": id});
        let bytes = serde_json::to_vec(&body).map_err(|e| Error::encode(label, e))?;
        let reply = self
            .transport
            .post(path, "application/json", bytes, self.headers())
            .await?;
        self.remember_cookie(&reply);
        decode_envelope(&reply, label)
    }

    /// Logs in; returns the session info (with `uid`).
    pub async fn authenticate(&self) -> Result<Value> {
        let params =
            json!({"db": self.db, "login": self.login, "password": self.password.expose_secret()});
        self.post(
            "/web/session/authenticate",
            params,
            "web.session.authenticate",
        )
        .await
    }

    /// Ends the session on the server.
    pub async fn destroy(&self) -> Result<()> {
        let _: Value = self
            .post("/web/session/destroy", json!({}), "web.session.destroy")
            .await?;
        if let Ok(mut c) = self.cookie.lock() {
            *c = None;
        }
        Ok(())
    }

    async fn call_once<T: DeserializeOwned>(&self, call: &Call) -> Result<T> {
        let path = format!("/web/dataset/call_kw/{}/{}", call.model, call.method);
        let params = json!({"model": call.model, "method": call.method, "args": call.args, "kwargs": call.kwargs});
        self.post(&path, params, &call.label()).await
    }
}

impl Protocol for WebSession {
    async fn call<T: DeserializeOwned>(&self, call: &Call) -> Result<T> {
        match self.call_once(call).await {
            Err(e) if e.odoo_kind() == Some(OdooErrorKind::SessionExpired) => {}
            other => return other,
        }
        tracing::debug!("web session expired; logging in again");
        let _: Value = self.authenticate().await?;
        self.call_once(call).await
    }
}
