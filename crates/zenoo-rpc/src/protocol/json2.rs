//! JSON-2 (Odoo 19): `POST /json/2/<model>/<method>` with a bearer API key
//! and named arguments only. Positional arguments of the standard methods
//! are named from a built-in table; for any other method the parameter names
//! come from `GET /doc-bearer/<model>.json`, read once per model.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use serde::Serialize;

use super::{Credentials, ErrorBody, Protocol, denied};
use crate::call::Call;
use crate::error::{Error, Result};
use crate::response::Response;
use crate::transport::http::{HttpReply, Transport};

/// Parameter names of a method, and whether it is model-level (no ids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MethodDoc {
    /// Parameter names in order.
    params: Vec<String>,
    /// `@api.model`: takes no ids.
    model_level: bool,
}

fn standard(method: &str) -> Option<MethodDoc> {
    crate::method::lookup(method).map(|m| MethodDoc {
        params: m.params.iter().map(|s| (*s).to_string()).collect(),
        model_level: m.model_level,
    })
}

#[derive(Deserialize)]
struct DocModel {
    #[serde(default)]
    methods: HashMap<String, DocMethod>,
}

#[derive(Deserialize)]
struct DocMethod {
    #[serde(default)]
    parameters: serde_json::Map<String, Value>,
    #[serde(default)]
    api: Vec<String>,
}

/// Decodes a JSON-2 reply: 200 is the result, an error body an
/// [`ErrorKind::Odoo`](crate::ErrorKind::Odoo) error with the HTTP status as its code.
pub(crate) fn decode(reply: HttpReply, label: Arc<str>) -> Result<Response> {
    if reply.status != 200 {
        return Err(error(&reply));
    }
    reply.expect_json()?;
    Ok(Response::json(reply.body, 0, label, reply.url))
}

fn error(reply: &HttpReply) -> Error {
    match serde_json::from_slice::<ErrorBody>(&reply.body) {
        Ok(b) if reply.media_type.contains("json") && !b.name.is_empty() => {
            b.into_error(i64::from(reply.status)).into()
        }
        _ => reply.status_error(),
    }
}

/// The JSON-2 protocol.
#[derive(Debug)]
pub(crate) struct Json2 {
    transport: Transport,
    headers: HeaderMap,
    uid: i64,
    docs: Mutex<HashMap<String, Arc<HashMap<String, MethodDoc>>>>,
}

impl Json2 {
    /// The whole `/doc-bearer/<model>.json` document.
    pub(crate) async fn model_doc(&self, model: &str) -> Result<Value> {
        self.fetch_doc(model).await
    }

    async fn fetch_doc<T: DeserializeOwned>(&self, model: &str) -> Result<T> {
        let reply = self
            .transport
            .get(&format!("/doc-bearer/{model}.json"), self.headers.clone())
            .await?;
        decode(reply, format!("doc-bearer {model}").into())?.decode()
    }

    /// Parameter names of `model.method` (cached per model).
    async fn method_doc(&self, model: &str, method: &str) -> Result<Option<MethodDoc>> {
        let cached = self
            .docs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(model)
            .cloned();
        let docs = match cached {
            Some(d) => d,
            None => {
                let doc: DocModel = self.fetch_doc(model).await?;
                let map: HashMap<String, MethodDoc> = doc
                    .methods
                    .into_iter()
                    .map(|(name, m)| {
                        (
                            name,
                            MethodDoc {
                                params: m.parameters.keys().cloned().collect(),
                                model_level: m.api.iter().any(|a| a == "model"),
                            },
                        )
                    })
                    .collect();
                let map = Arc::new(map);
                self.docs
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(model.to_string(), map.clone());
                map
            }
        };
        Ok(docs.get(method).cloned())
    }

    /// Calls with named arguments as given.
    async fn call_named(
        &self,
        model: &str,
        method: &str,
        body: &impl Serialize,
    ) -> Result<Response> {
        let label: Arc<str> = format!("{model}.{method}").into();
        let bytes = serde_json::to_vec(body).map_err(|e| Error::encode(&label, e))?;
        let reply = self
            .transport
            .post(
                &format!("/json/2/{model}/{method}"),
                "application/json",
                bytes,
                self.headers.clone(),
            )
            .await?;
        decode(reply, label)
    }
}

impl Protocol for Json2 {
    async fn login(transport: Transport, creds: &Credentials) -> Result<Self> {
        let mut headers = HeaderMap::new();
        let mut auth = HeaderValue::from_str(&format!("bearer {}", creds.secret.expose_secret()))
            .map_err(|_| {
            Error::config(
                "api_key",
                "the API key contains characters not allowed in an HTTP header",
            )
        })?;
        auth.set_sensitive(true);
        headers.insert(AUTHORIZATION, auth);
        let db = HeaderValue::from_str(&creds.db).map_err(|_| {
            Error::config("database", "the database name is not a valid header value")
        })?;
        headers.insert("X-Odoo-Database", db);
        let mut me = Self {
            transport,
            headers,
            uid: 0,
            docs: Mutex::new(HashMap::new()),
        };
        // The key's user: JSON-2 has no login call, so look the login up
        // (a bad key is refused here with 401).
        let mut body = Map::new();
        body.insert(
            "domain".into(),
            serde_json::json!([["login", "=", creds.login]]),
        );
        body.insert("limit".into(), Value::from(1));
        let ids: Vec<i64> = match me.call_named("res.users", "search", &body).await {
            Err(e) if e.odoo().is_some_and(|o| o.code == 401) => {
                return Err(denied(creds).into());
            }
            other => other?.decode()?,
        };
        me.uid = *ids.first().ok_or_else(|| {
            Error::config(
                "credentials",
                format!(
                    "the API key was accepted, but no user has the login {:?}",
                    creds.login
                ),
            )
        })?;
        Ok(me)
    }

    fn uid(&self) -> i64 {
        self.uid
    }

    async fn call(&self, call: &Call) -> Result<Response> {
        let mut body = Map::new();
        if !call.args.is_empty() {
            let doc = match standard(&call.method) {
                Some(d) => d,
                None => match self.method_doc(&call.model, &call.method).await? {
                    Some(d) => d,
                    // Undocumented (private or unknown): send the ids and let the server say why.
                    None if call.args.len() == 1 => MethodDoc {
                        params: Vec::new(),
                        model_level: false,
                    },
                    None => {
                        return Err(Error::encode(
                            call.label(),
                            "the server documents no such method, so its positional arguments cannot be named; pass named arguments",
                        ));
                    }
                },
            };
            let mut args = call.args.iter();
            if !doc.model_level
                && let Some(ids) = args.next()
            {
                body.insert("ids".into(), ids.clone());
            }
            for (i, v) in args.enumerate() {
                let name = doc.params.get(i).ok_or_else(|| {
                    Error::encode(
                        call.label(),
                        format!(
                            "too many positional arguments ({} parameters)",
                            doc.params.len()
                        ),
                    )
                })?;
                body.insert(name.clone(), v.clone());
            }
        }
        for (k, v) in call.kwargs.iter() {
            body.insert(k.clone(), v.clone());
        }
        if !call.context.is_empty() {
            body.insert(
                "context".into(),
                Value::Object(call.context.as_map().clone()),
            );
        }
        self.call_named(&call.model, &call.method, &body).await
    }

    async fn logout(&self) -> Result<()> {
        Ok(())
    }
}
