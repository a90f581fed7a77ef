//! JSON-2 (Odoo 19): `POST /json/2/<model>/<method>` with a bearer API key
//! and named arguments only. Positional arguments of the standard methods
//! are named from a built-in table; for any other method the parameter names
//! come from `GET /doc-bearer/<model>.json`, read once per model.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{ErrorBody, Protocol, decode};
use crate::call::Call;
use crate::error::{Error, Result};
use crate::transport::{Reply, Transport};

/// Parameter names of a method, and whether it is model-level (no ids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodDoc {
    /// Parameter names in order.
    pub params: Vec<String>,
    /// `@api.model`: takes no ids.
    pub model_level: bool,
}

fn standard(method: &str) -> Option<MethodDoc> {
    let (params, model_level): (&[&str], bool) = match method {
        "search" => (&["domain", "offset", "limit", "order"], true),
        "search_count" => (&["domain", "limit"], true),
        "search_read" => (&["domain", "fields", "offset", "limit", "order"], true),
        "read" => (&["fields", "load"], false),
        "create" => (&["vals_list"], true),
        "write" => (&["vals"], false),
        "unlink" | "action_archive" | "action_unarchive" => (&[], false),
        "copy" => (&["default"], false),
        "name_search" => (&["name", "domain", "operator", "limit"], true),
        "name_create" => (&["name"], true),
        "fields_get" => (&["allfields", "attributes"], true),
        "default_get" => (&["fields"], true),
        "formatted_read_group" => (
            &[
                "domain",
                "groupby",
                "aggregates",
                "having",
                "offset",
                "limit",
                "order",
            ],
            true,
        ),
        "web_search_read" => (
            &[
                "domain",
                "specification",
                "offset",
                "limit",
                "order",
                "count_limit",
            ],
            true,
        ),
        "web_read" => (&["specification"], false),
        "has_access" => (&["operation"], false),
        "context_get" => (&[], true),
        _ => return None,
    };
    Some(MethodDoc {
        params: params.iter().map(|s| s.to_string()).collect(),
        model_level,
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

/// Decodes a JSON-2 reply: 200 into `T`, an error body into an [`ErrorKind::Odoo`](crate::ErrorKind::Odoo) error
/// with the HTTP status as its code.
pub(crate) fn decode_reply<T: DeserializeOwned>(reply: &Reply, label: &str) -> Result<T> {
    if reply.status != 200 {
        return Err(Json2::error(reply));
    }
    if !reply.media_type.contains("json") {
        return Err(Error::malformed(
            &reply.url,
            format!("expected JSON, got {:?}", reply.media_type),
            &reply.body,
        ));
    }
    decode(reply.text()?, label)
}

/// The JSON-2 protocol.
#[derive(Debug)]
pub struct Json2 {
    transport: Transport,
    headers: HeaderMap,
    docs: Mutex<HashMap<String, Arc<HashMap<String, MethodDoc>>>>,
}

impl Json2 {
    /// A protocol authenticating with `key` on database `db`.
    pub fn new(transport: Transport, db: &str, key: &SecretString) -> Result<Self> {
        let mut headers = HeaderMap::new();
        let mut auth =
            HeaderValue::from_str(&format!("bearer {}", key.expose_secret())).map_err(|_| {
                Error::config(
                    "api_key",
                    "the API key contains characters not allowed in an HTTP header",
                )
            })?;
        auth.set_sensitive(true);
        headers.insert(AUTHORIZATION, auth);
        let db = HeaderValue::from_str(db).map_err(|_| {
            Error::config("database", "the database name is not a valid header value")
        })?;
        headers.insert("X-Odoo-Database", db);
        Ok(Self {
            transport,
            headers,
            docs: Mutex::new(HashMap::new()),
        })
    }

    fn error(reply: &Reply) -> Error {
        match serde_json::from_slice::<ErrorBody>(&reply.body) {
            Ok(b) if reply.media_type.contains("json") && !b.name.is_empty() => {
                b.into_error(i64::from(reply.status)).into()
            }
            _ => reply.status_error(),
        }
    }

    /// The whole `/doc-bearer/<model>.json` document.
    pub async fn model_doc(&self, model: &str) -> Result<Value> {
        self.fetch_doc(model).await
    }

    async fn fetch_doc<T: DeserializeOwned>(&self, model: &str) -> Result<T> {
        let reply = self
            .transport
            .get(&format!("/doc-bearer/{model}.json"), self.headers.clone())
            .await?;
        if reply.status != 200 {
            return Err(Self::error(&reply));
        }
        decode(reply.text()?, &format!("doc-bearer {model}"))
    }

    /// Parameter names of `model.method` (cached per model).
    pub async fn method_doc(&self, model: &str, method: &str) -> Result<Option<MethodDoc>> {
        let cached = self.docs.lock().ok().and_then(|d| d.get(model).cloned());
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
                if let Ok(mut d) = self.docs.lock() {
                    d.insert(model.to_string(), map.clone());
                }
                map
            }
        };
        Ok(docs.get(method).cloned())
    }

    /// Calls with named arguments as given.
    pub async fn call_named<T: DeserializeOwned>(
        &self,
        model: &str,
        method: &str,
        body: &Map<String, Value>,
    ) -> Result<T> {
        let label = format!("{model}.{method}");
        let value = Value::Object(body.clone());
        super::check_encodable(&value, &label)?;
        let bytes = serde_json::to_vec(&value).map_err(|e| Error::encode(&label, e))?;
        let reply = self
            .transport
            .post(
                &format!("/json/2/{model}/{method}"),
                "application/json",
                bytes,
                self.headers.clone(),
            )
            .await?;
        decode_reply(&reply, &label)
    }
}

impl Protocol for Json2 {
    async fn call<T: DeserializeOwned>(&self, call: &Call) -> Result<T> {
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
                            &call.label(),
                            "the server documents no such method, so its positional arguments cannot be named; pass named arguments",
                        ));
                    }
                },
            };
            let mut args = call.args.iter();
            if !doc.model_level {
                if let Some(ids) = args.next() {
                    body.insert("ids".into(), ids.clone());
                }
            }
            for (i, v) in args.enumerate() {
                let name = doc.params.get(i).ok_or_else(|| {
                    Error::encode(
                        &call.label(),
                        format!(
                            "too many positional arguments ({} parameters)",
                            doc.params.len()
                        ),
                    )
                })?;
                body.insert(name.clone(), v.clone());
            }
        }
        for (k, v) in &call.kwargs {
            body.insert(k.clone(), v.clone());
        }
        self.call_named(&call.model, &call.method, &body).await
    }
}
